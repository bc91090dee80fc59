//===- FuseComposites.cpp - decomposed RMSNorm and SwiGLU as mlc ops ------===//
//
// Pattern rewrites from the elementary-op spellings that exporters produce
// to mlc.rms_norm and mlc.swiglu, and of an RMSNorm feeding a rotary
// embedding into the rotation (see Passes.td for the accepted forms).
//
//===----------------------------------------------------------------------===//

#include "mlc/Dialect/Mlc/IR/MlcOps.h"
#include "mlc/Dialect/Mlc/Transforms/Passes.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlc {
#define GEN_PASS_DEF_FUSECOMPOSITESPASS
#include "mlc/Dialect/Mlc/Transforms/Passes.h.inc"
} // namespace mlc

using namespace mlir;
using namespace mlc;

namespace {

/// The value of a splat float constant (any shape), if `value` is one.
std::optional<double> getSplatFloat(Value value) {
  DenseElementsAttr attr;
  if (!matchPattern(value, m_Constant(&attr)) || !attr.isSplat() ||
      !isa<FloatType>(attr.getElementType()))
    return std::nullopt;
  return attr.getSplatValue<APFloat>().convertToDouble();
}

/// The operands of a binary op of type OpTy defining `value`, in both
/// orders (the ops are commutative where it matters).
template <typename OpTy>
SmallVector<std::pair<Value, Value>, 2> operandPairs(Value value) {
  auto op = value.getDefiningOp<OpTy>();
  if (!op)
    return {};
  return {{op.getLhs(), op.getRhs()}, {op.getRhs(), op.getLhs()}};
}

/// `x` if `value` is mean(x^2) over the last axis with keepdims.
Value matchMeanSquare(Value value) {
  auto reduce = value.getDefiningOp<ReduceOp>();
  if (!reduce || reduce.getKind() != ReduceKind::mean || !reduce.getKeepdims())
    return {};
  auto type = cast<RankedTensorType>(reduce.getInput().getType());
  ArrayRef<int64_t> axes = reduce.getAxes();
  if (axes.size() != 1 ||
      (axes[0] != type.getRank() - 1 && axes[0] != -1))
    return {};
  Value square = reduce.getInput();
  if (auto pow = square.getDefiningOp<PowOp>()) {
    std::optional<double> exponent = getSplatFloat(pow.getRhs());
    return exponent && *exponent == 2.0 ? pow.getLhs() : Value();
  }
  if (auto mul = square.getDefiningOp<MulOp>())
    return mul.getLhs() == mul.getRhs() ? mul.getLhs() : Value();
  return {};
}

/// (x, eps) if `value` is mean(x^2) + eps, eps a constant.
std::optional<std::pair<Value, double>> matchVariance(Value value) {
  for (auto [a, b] : operandPairs<AddOp>(value))
    if (Value x = matchMeanSquare(a))
      if (std::optional<double> eps = getSplatFloat(b))
        return std::make_pair(x, *eps);
  return std::nullopt;
}

/// (x, eps) if `value` is rsqrt(mean(x^2) + eps) or 1 / sqrt(...).
std::optional<std::pair<Value, double>> matchInverseRms(Value value) {
  if (auto rsqrt = value.getDefiningOp<RsqrtOp>())
    return matchVariance(rsqrt.getInput());
  if (auto div = value.getDefiningOp<DivOp>()) {
    std::optional<double> one = getSplatFloat(div.getLhs());
    auto sqrt = div.getRhs().getDefiningOp<SqrtOp>();
    if (one && *one == 1.0 && sqrt)
      return matchVariance(sqrt.getInput());
  }
  return std::nullopt;
}

/// (x, eps) if `value` is x * rsqrt(mean(x^2) + eps) in a spelling above.
std::optional<std::pair<Value, double>> matchNormalized(Value value) {
  for (auto [a, b] : operandPairs<MulOp>(value))
    if (auto inverse = matchInverseRms(b); inverse && inverse->first == a)
      return inverse;
  if (auto div = value.getDefiningOp<DivOp>())
    if (auto sqrt = div.getRhs().getDefiningOp<SqrtOp>())
      if (auto variance = matchVariance(sqrt.getInput());
          variance && variance->first == div.getLhs())
        return variance;
  return std::nullopt;
}

/// w * normalized(x) -> mlc.rms_norm x, w.
struct RmsNormPattern : OpRewritePattern<MulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MulOp op,
                                PatternRewriter &rewriter) const override {
    for (auto [weight, normalized] : operandPairs<MulOp>(op.getResult())) {
      std::optional<std::pair<Value, double>> match =
          matchNormalized(normalized);
      if (!match)
        continue;
      Value x = match->first;
      auto xType = cast<RankedTensorType>(x.getType());
      auto wType = dyn_cast<RankedTensorType>(weight.getType());
      if (!wType || wType.getRank() != 1 || xType.getRank() < 1 ||
          wType.getDimSize(0) != xType.getDimSize(xType.getRank() - 1) ||
          ShapedType::isDynamic(wType.getDimSize(0)) ||
          wType.getElementType() != xType.getElementType() ||
          op.getType() != xType)
        continue;
      rewriter.replaceOpWithNewOp<RmsNormOp>(
          op, op.getType(), x, weight,
          rewriter.getF32FloatAttr(static_cast<float>(match->second)));
      return success();
    }
    return failure();
  }
};

/// (g * sigmoid(g)) * u -> mlc.swiglu g, u.
struct SwigluPattern : OpRewritePattern<MulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MulOp op,
                                PatternRewriter &rewriter) const override {
    for (auto [silu, up] : operandPairs<MulOp>(op.getResult()))
      for (auto [gate, sigmoid] : operandPairs<MulOp>(silu)) {
        auto sig = sigmoid.getDefiningOp<SigmoidOp>();
        if (!sig || sig.getInput() != gate || gate.getType() != up.getType() ||
            op.getType() != gate.getType())
          continue;
        rewriter.replaceOpWithNewOp<SwigluOp>(op, op.getType(), gate, up);
        return success();
      }
    return failure();
  }
};

/// rotary_embedding(rows(rms_norm(x, w))) -> rotary_embedding(rows(x))
/// norm(w), where rows is nothing, a transpose or a reshape that keeps the
/// last axis (the norm's) in place: QK-norm in the rotation's pass.
struct QkNormRopePattern : OpRewritePattern<RotaryEmbeddingOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(RotaryEmbeddingOp op,
                                PatternRewriter &rewriter) const override {
    if (op.getNormWeight())
      return failure();
    Operation *rows = op.getInput().getDefiningOp();
    if (auto transpose = dyn_cast_or_null<TransposeOp>(rows)) {
      ArrayRef<int64_t> permutation = transpose.getPermutation();
      if (permutation.back() != static_cast<int64_t>(permutation.size()) - 1)
        return failure();
    } else if (auto reshape = dyn_cast_or_null<ReshapeOp>(rows)) {
      auto from = cast<RankedTensorType>(reshape.getInput().getType());
      int64_t last = op.getType().getShape().back();
      if (from.getRank() == 0 || ShapedType::isDynamic(last) ||
          from.getShape().back() != last)
        return failure();
    } else {
      rows = nullptr;
    }
    if (rows && !rows->hasOneUse())
      return failure();
    Value normalized = rows ? rows->getOperand(0) : op.getInput();
    auto norm = normalized.getDefiningOp<RmsNormOp>();
    if (!norm || !norm->hasOneUse() ||
        getElementTypeOrSelf(norm.getWeight().getType()) !=
            op.getType().getElementType())
      return failure();
    Value x = norm.getInput();
    if (rows) {
      IRMapping mapping;
      mapping.map(normalized, x);
      x = rewriter.clone(*rows, mapping)->getResult(0);
    }
    rewriter.replaceOpWithNewOp<RotaryEmbeddingOp>(
        op, op.getType(), x, op.getPositions(), norm.getWeight(),
        op.getThetaAttr(), op.getRotaryDimAttr(), op.getInterleavedAttr(),
        norm.getEpsilonAttr());
    return success();
  }
};

struct FuseCompositesPass
    : mlc::impl::FuseCompositesPassBase<FuseCompositesPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<RmsNormPattern, SwigluPattern, QkNormRopePattern>(
        &getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
