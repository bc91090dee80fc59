//===- StridedCopyToLinalg.cpp - strided memref.copy as linalg.copy -------===//

#include "mlc/Conversion/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

namespace mlc {
#define GEN_PASS_DEF_CONVERTSTRIDEDCOPYTOLINALGPASS
#include "mlc/Conversion/Passes.h.inc"
} // namespace mlc

using namespace mlir;

/// Whether a copy from/to `type` lowers to a plain memcpy.
static bool isContiguous(Type type) {
  auto memref = dyn_cast<MemRefType>(type);
  return memref && memref.getLayout().isIdentity();
}

namespace {
struct ConvertStridedCopyToLinalgPass
    : mlc::impl::ConvertStridedCopyToLinalgPassBase<
          ConvertStridedCopyToLinalgPass> {
  void runOnOperation() override {
    getOperation().walk([](memref::CopyOp copy) {
      if (isContiguous(copy.getSource().getType()) &&
          isContiguous(copy.getTarget().getType()))
        return;
      OpBuilder b(copy);
      linalg::CopyOp::create(b, copy.getLoc(), copy.getSource(),
                             copy.getTarget());
      copy.erase();
    });
  }
};
} // namespace
