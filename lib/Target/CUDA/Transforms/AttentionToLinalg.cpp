//===- AttentionToLinalg.cpp - KV-cache attention for the CUDA kernels ----===//
//
// The pass mlc-cuda-attention-to-linalg: an mlc.attention over a KV cache
// (with `position`, without a mask) becomes one linalg.generic over the
// result's elements whose payload computes that element exactly (a loop
// over the cache's valid rows with an online softmax), tagged `mlc.attention`
// so that mlc-cuda-map-to-gpu gives it the attention kernel (Attention.cpp),
// which reads the position from device memory. The CPU lowering
// (convert-mlc-to-linalg) reads the position on the host to size its loops
// and views; a GPU kernel must not, or a captured decode step could not be
// replayed at another position.
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"
#include "mlc/Dialect/Mlc/IR/MlcOps.h"
#include "mlc/Target/CUDA/Transforms/Passes.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"
#include <cmath>
#include <limits>

namespace mlc {
#define GEN_PASS_DEF_CUDAATTENTIONTOLINALGPASS
#include "mlc/Target/CUDA/Transforms/Passes.h.inc"
} // namespace mlc

using namespace mlir;
using mlc::cuda::kAttentionAttr;

/// The payload of result element [b, h, i, d]: with keys j in [0, n) where
/// n = min(position + i + 1, Skv) (causal) or min(position + Sq, Skv),
/// the online softmax of scale * q[b, h, i, :] . k[b, h / group, j, :]
/// (running maximum m and sum l; masked-free, so m starts at the lowest
/// finite value and exp(lowest - score) vanishes), weighting
/// v[b, h / group, j, d]. Computed in f32.
static Value buildPayload(OpBuilder &b, Location loc, Value q, Value k, Value v,
                          Value position, bool causal, double scale,
                          int64_t group, Type resultType) {
  Type f32 = b.getF32Type();
  auto cIndex = [&](int64_t x) {
    return arith::ConstantIndexOp::create(b, loc, x).getResult();
  };
  auto cF32 = [&](double x) {
    return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(x)).getResult();
  };
  auto toF32 = [&](Value x) {
    return x.getType() == f32 ? x : arith::ExtFOp::create(b, loc, f32, x);
  };
  Value bi = linalg::IndexOp::create(b, loc, 0);
  Value hi = linalg::IndexOp::create(b, loc, 1);
  Value ii = linalg::IndexOp::create(b, loc, 2);
  Value di = linalg::IndexOp::create(b, loc, 3);
  Value kvHead = arith::DivUIOp::create(b, loc, hi, cIndex(group));
  Value start = arith::IndexCastOp::create(b, loc, b.getIndexType(), position);
  Value rows = tensor::DimOp::create(b, loc, k, 2);
  Value last = causal ? Value(arith::AddIOp::create(
                            b, loc, arith::AddIOp::create(b, loc, start, ii),
                            cIndex(1)))
                      : Value(arith::AddIOp::create(
                            b, loc, start, tensor::DimOp::create(b, loc, q, 2)));
  Value n = arith::MinSIOp::create(b, loc, last, rows);
  Value depth = tensor::DimOp::create(b, loc, q, 3);
  Value lowest = cF32(std::numeric_limits<float>::lowest());
  auto keys = scf::ForOp::create(
      b, loc, cIndex(0), n, cIndex(1), ValueRange{lowest, cF32(0), cF32(0)},
      [&](OpBuilder &nb, Location nl, Value j, ValueRange state) {
        auto dot = scf::ForOp::create(
            nb, nl, cIndex(0), depth, cIndex(1), ValueRange{cF32(0)},
            [&](OpBuilder &db, Location dl, Value e, ValueRange sum) {
              Value qe = toF32(tensor::ExtractOp::create(
                  db, dl, q, ValueRange{bi, hi, ii, e}));
              Value ke = toF32(tensor::ExtractOp::create(
                  db, dl, k, ValueRange{bi, kvHead, j, e}));
              Value next = math::FmaOp::create(db, dl, qe, ke, sum[0]);
              scf::YieldOp::create(db, dl, next);
            });
        Value score =
            arith::MulFOp::create(nb, nl, dot.getResult(0), cF32(scale));
        Value m = arith::MaximumFOp::create(nb, nl, state[0], score);
        Value rescale = math::ExpOp::create(
            nb, nl, arith::SubFOp::create(nb, nl, state[0], m));
        Value p =
            math::ExpOp::create(nb, nl, arith::SubFOp::create(nb, nl, score, m));
        Value l = math::FmaOp::create(nb, nl, state[1], rescale, p);
        Value vj = toF32(
            tensor::ExtractOp::create(nb, nl, v, ValueRange{bi, kvHead, j, di}));
        Value acc = math::FmaOp::create(
            nb, nl, p, vj, arith::MulFOp::create(nb, nl, state[2], rescale));
        scf::YieldOp::create(nb, nl, ValueRange{m, l, acc});
      });
  Value out = arith::DivFOp::create(b, loc, keys.getResult(2),
                                    keys.getResult(1));
  if (resultType != f32)
    out = arith::TruncFOp::create(b, loc, resultType, out);
  return out;
}

namespace {
struct AttentionToGeneric : OpRewritePattern<mlc::AttentionOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(mlc::AttentionOp op,
                                PatternRewriter &rewriter) const override {
    Value position = op.getPosition();
    if (!position || op.getMask())
      return rewriter.notifyMatchFailure(op, "not attention over a KV cache");
    Value q = op.getQuery(), k = op.getKey(), v = op.getValue();
    auto qType = dyn_cast<RankedTensorType>(q.getType());
    auto kType = dyn_cast<RankedTensorType>(k.getType());
    auto vType = dyn_cast<RankedTensorType>(v.getType());
    auto type = dyn_cast<RankedTensorType>(op.getType());
    if (!qType || !kType || !vType || !type || qType.getRank() != 4)
      return rewriter.notifyMatchFailure(op, "unranked operands");
    int64_t hq = qType.getDimSize(1), hkv = kType.getDimSize(1);
    int64_t depth = qType.getDimSize(3);
    if (ShapedType::isDynamic(hq) || ShapedType::isDynamic(hkv) ||
        ShapedType::isDynamic(depth) || hkv == 0 || hq % hkv)
      return rewriter.notifyMatchFailure(op, "dynamic or ungrouped heads");
    double scale = op.getScale() ? op.getScale()->convertToDouble()
                                 : 1.0 / std::sqrt(static_cast<double>(depth));
    int64_t group = hq / hkv;
    bool causal = op.getCausal();

    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(rewriter, loc, q);
    sizes[3] = tensor::getMixedSize(rewriter, loc, v, 3);
    Value init =
        tensor::EmptyOp::create(rewriter, loc, sizes, type.getElementType());
    // The operands are inputs so that the kernel finds them; the payload
    // reads them whole (tensor.extract), not through these maps.
    auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
    AffineExpr zero = getAffineConstantExpr(0, ctx);
    AffineMap identity = AffineMap::getMultiDimIdentityMap(4, ctx);
    AffineMap firstRow = AffineMap::get(4, 0, {d(0), zero, zero, d(3)}, ctx);
    AffineMap firstRowOfK = AffineMap::get(4, 0, {d(0), zero, zero, zero}, ctx);
    AffineMap scalar = AffineMap::get(4, 0, {}, ctx);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{init.getType()},
        ValueRange{q, k, v, position}, ValueRange{init},
        ArrayRef<AffineMap>{identity, firstRowOfK, firstRow, scalar, identity},
        SmallVector<utils::IteratorType>(4, utils::IteratorType::parallel),
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value out = buildPayload(b, l, q, k, v, args[3], causal, scale,
                                   group, type.getElementType());
          linalg::YieldOp::create(b, l, out);
        });
    generic->setAttr(
        kAttentionAttr,
        rewriter.getDictionaryAttr(
            {rewriter.getNamedAttr("group", rewriter.getI64IntegerAttr(group)),
             rewriter.getNamedAttr("scale", rewriter.getF64FloatAttr(scale)),
             rewriter.getNamedAttr("causal", rewriter.getBoolAttr(causal))}));
    Value result = generic.getResult(0);
    if (result.getType() != type)
      result = tensor::CastOp::create(rewriter, loc, type, result);
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct CudaAttentionToLinalgPass
    : public mlc::impl::CudaAttentionToLinalgPassBase<
          CudaAttentionToLinalgPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<AttentionToGeneric>(&getContext());
    walkAndApplyPatterns(getOperation(), std::move(patterns));
    WalkResult left = getOperation().walk([](mlc::AttentionOp op) {
      op.emitOpError("is not lowered for CUDA: attention over a KV cache "
                     "needs static head counts (a multiple of the key/value "
                     "heads) and a static head size");
      return WalkResult::interrupt();
    });
    if (left.wasInterrupted())
      signalPassFailure();
  }
};
} // namespace
