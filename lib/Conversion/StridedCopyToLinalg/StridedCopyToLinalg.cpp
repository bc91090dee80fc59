//===- StridedCopyToLinalg.cpp - strided memref.copy as linalg.copy -------===//
//
// After bufferization, copies between strided views (tensor.pad, slices of
// results written in place) are memref.copy ops. Those that are not plain
// memcpys become loops that move rows in whole vectors, or a linalg.copy
// (scalar loops) where rows have no static length.
//
//===----------------------------------------------------------------------===//

#include "mlc/Conversion/Passes.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/UB/IR/UBOps.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"

namespace mlc {
#define GEN_PASS_DEF_CONVERTSTRIDEDCOPYTOLINALGPASS
#include "mlc/Conversion/Passes.h.inc"
} // namespace mlc

using namespace mlir;

/// Bytes per vector register row (AVX-512).
static constexpr int64_t kVectorBytes = 64;

/// Whether a copy from/to `type` lowers to a plain memcpy.
static bool isContiguous(Type type) {
  auto memref = dyn_cast<MemRefType>(type);
  return memref && memref.getLayout().isIdentity();
}

/// Replaces `copy` with loops over all but the last dimension that copy
/// each row in vectors of at most kVectorBytes (and one shorter vector for
/// the rest of the row), if rows have a static length and elements are at
/// least a byte; with a linalg.copy (scalar loops later) otherwise.
static void lowerCopy(RewriterBase &rewriter, memref::CopyOp copy) {
  Location loc = copy.getLoc();
  Value source = copy.getSource(), target = copy.getTarget();
  auto type = cast<MemRefType>(source.getType());
  Type element = type.getElementType();
  rewriter.setInsertionPoint(copy);
  // vector<Nxi1> is bit-packed in memory; memrefs of i1 are not.
  if (type.getRank() == 0 || ShapedType::isDynamic(type.getShape().back()) ||
      !element.isIntOrFloat() || element.getIntOrFloatBitWidth() < 8) {
    linalg::CopyOp::create(rewriter, loc, source, target);
    rewriter.eraseOp(copy);
    return;
  }
  int64_t rowLength = type.getShape().back();
  int64_t width = std::min<int64_t>(
      rowLength, kVectorBytes * 8 / element.getIntOrFloatBitWidth());
  int64_t whole = rowLength / width * width;
  Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
  Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
  SmallVector<Value> lbs, ubs, steps;
  for (int64_t d = 0; d + 1 < type.getRank(); ++d) {
    lbs.push_back(zero);
    ubs.push_back(memref::DimOp::create(rewriter, loc, source, d));
    steps.push_back(one);
  }
  scf::buildLoopNest(
      rewriter, loc, lbs, ubs, steps,
      [&](OpBuilder &b, Location loc, ValueRange ivs) {
        auto copyRowPart = [&](OpBuilder &b, Value column, int64_t length) {
          SmallVector<Value> indices(ivs);
          indices.push_back(column);
          Value part = vector::TransferReadOp::create(
              b, loc, VectorType::get({length}, element), source, indices,
              /*padding=*/std::nullopt, ArrayRef<bool>{true});
          vector::TransferWriteOp::create(b, loc, part, target, indices,
                                          ArrayRef<bool>{true});
        };
        if (whole == width) {
          copyRowPart(b, arith::ConstantIndexOp::create(b, loc, 0), width);
        } else {
          scf::ForOp::create(
              b, loc, arith::ConstantIndexOp::create(b, loc, 0),
              arith::ConstantIndexOp::create(b, loc, whole),
              arith::ConstantIndexOp::create(b, loc, width), ValueRange{},
              [&](OpBuilder &b, Location loc, Value column, ValueRange) {
                copyRowPart(b, column, width);
                scf::YieldOp::create(b, loc);
              });
        }
        if (whole != rowLength)
          copyRowPart(b, arith::ConstantIndexOp::create(b, loc, whole),
                      rowLength - whole);
      });
  rewriter.eraseOp(copy);
}

namespace {
struct ConvertStridedCopyToLinalgPass
    : mlc::impl::ConvertStridedCopyToLinalgPassBase<
          ConvertStridedCopyToLinalgPass> {
  void runOnOperation() override {
    SmallVector<memref::CopyOp> copies;
    getOperation().walk([&](memref::CopyOp copy) {
      if (!isContiguous(copy.getSource().getType()) ||
          !isContiguous(copy.getTarget().getType()))
        copies.push_back(copy);
    });
    IRRewriter rewriter(&getContext());
    for (memref::CopyOp copy : copies)
      lowerCopy(rewriter, copy);
  }
};
} // namespace
