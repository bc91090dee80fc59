//===- TransformerToLinalg.cpp - rotary embedding and attention -----------===//
//
// Reference lowerings, correct for every shape: rotary embedding as one
// elementwise generic that computes its angles inline, attention as scores
// = q k^T, masked softmax, and scores @ v (the score matrix is
// materialized; fused kernels come from later passes).
//
//===----------------------------------------------------------------------===//

#include "PatternsImpl.h"
#include "Utils.h"

using namespace mlir;
using namespace mlc;
using namespace mlc::lowering;

namespace {

struct RotaryEmbeddingLowering : OpConversionPattern<RotaryEmbeddingOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(RotaryEmbeddingOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    Value x = adaptor.getInput();
    Type t = type.getElementType();
    OpBuilder &b = rewriter;
    Value headDimValue = tensor::DimOp::create(b, loc, x, 3);
    Value rotaryDim =
        op.getRotaryDim()
            ? arith::ConstantIndexOp::create(b, loc, *op.getRotaryDim())
                  .getResult()
            : headDimValue;
    bool interleaved = op.getInterleaved();
    double theta = op.getTheta().convertToDouble();
    MLIRContext *ctx = b.getContext();
    AffineMap posMap = AffineMap::get(
        4, 0, {getAffineDimExpr(0, ctx), getAffineDimExpr(2, ctx)}, ctx);
    Value init = createEmpty(b, loc, tensor::getMixedSizes(b, loc, x), t);
    Value result =
        linalg::GenericOp::create(
            b, loc, TypeRange{init.getType()},
            ValueRange{x, adaptor.getPositions()}, ValueRange{init},
            ArrayRef<AffineMap>{b.getMultiDimIdentityMap(4), posMap,
                                b.getMultiDimIdentityMap(4)},
            getParallelIterators(4),
            [&](OpBuilder &nb, Location nl, ValueRange args) {
              auto c = [&](int64_t v) {
                return arith::ConstantIndexOp::create(nb, nl, v);
              };
              Value bI = linalg::IndexOp::create(nb, nl, 0);
              Value hI = linalg::IndexOp::create(nb, nl, 1);
              Value sI = linalg::IndexOp::create(nb, nl, 2);
              Value dI = linalg::IndexOp::create(nb, nl, 3);
              Value half = arith::DivUIOp::create(nb, nl, rotaryDim, c(2));
              // Pair index j, partner feature and the sign of the partner.
              Value j, partner, partnerNegated;
              if (interleaved) {
                j = arith::DivUIOp::create(nb, nl, dI, c(2));
                Value odd = arith::RemUIOp::create(nb, nl, dI, c(2));
                partnerNegated = arith::CmpIOp::create(
                    nb, nl, arith::CmpIPredicate::eq, odd, c(0));
                Value up = arith::AddIOp::create(nb, nl, dI, c(1));
                Value down = arith::SubIOp::create(nb, nl, dI, c(1));
                partner = arith::SelectOp::create(nb, nl, partnerNegated, up, down);
              } else {
                partnerNegated = arith::CmpIOp::create(
                    nb, nl, arith::CmpIPredicate::ult, dI, half);
                Value up = arith::AddIOp::create(nb, nl, dI, half);
                Value down = arith::SubIOp::create(nb, nl, dI, half);
                partner = arith::SelectOp::create(nb, nl, partnerNegated, up, down);
                j = arith::SelectOp::create(nb, nl, partnerNegated, dI, down);
              }
              Value rotated = arith::CmpIOp::create(
                  nb, nl, arith::CmpIPredicate::ult, dI, rotaryDim);
              // Features past rotary_dim read themselves (and pass through).
              partner = arith::SelectOp::create(nb, nl, rotated, partner, dI);
              // inv_freq = 1 / theta^(2j / rotary_dim), angle = pos * inv_freq,
              // in f32 as Hugging Face computes them.
              Type f32 = nb.getF32Type();
              Value twoJ = convertScalar(
                  nb, nl, arith::MulIOp::create(nb, nl, j, c(2)), f32, false,
                  false);
              Value rd = convertScalar(nb, nl, rotaryDim, f32, false, false);
              Value exponent = arith::DivFOp::create(nb, nl, twoJ, rd);
              Value base = createScalar(nb, nl, f32, theta);
              Value power = math::PowFOp::create(nb, nl, base, exponent);
              Value invFreq = arith::DivFOp::create(
                  nb, nl, createScalar(nb, nl, f32, 1), power);
              Value pos = convertScalar(nb, nl, args[1], f32, false, false);
              Value angle = arith::MulFOp::create(nb, nl, pos, invFreq);
              Value cos = convertScalar(nb, nl, math::CosOp::create(nb, nl, angle),
                                        t, false, false);
              Value sin = convertScalar(nb, nl, math::SinOp::create(nb, nl, angle),
                                        t, false, false);
              Value other = tensor::ExtractOp::create(
                  nb, nl, x, ValueRange{bI, hI, sI, partner});
              Value signedOther = arith::SelectOp::create(
                  nb, nl, partnerNegated, arith::NegFOp::create(nb, nl, other),
                  other);
              Value y = arith::AddFOp::create(
                  nb, nl, arith::MulFOp::create(nb, nl, args[0], cos),
                  arith::MulFOp::create(nb, nl, signedOther, sin));
              y = arith::SelectOp::create(nb, nl, rotated, y, args[0]);
              linalg::YieldOp::create(nb, nl, y);
            })
            .getResult(0);
    rewriter.replaceOp(op, castTo(b, loc, result, type));
    return success();
  }
};

struct AttentionLowering : OpConversionPattern<AttentionOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(AttentionOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    OpBuilder &b = rewriter;
    MLIRContext *ctx = b.getContext();
    RankedTensorType type = op.getType();
    Type t = type.getElementType();
    Value q = adaptor.getQuery(), k = adaptor.getKey(), v = adaptor.getValue();
    auto qType = cast<RankedTensorType>(q.getType());
    auto kType = cast<RankedTensorType>(k.getType());
    int64_t hq = qType.getDimSize(1), hkv = kType.getDimSize(1);
    if (ShapedType::isDynamic(hq) || ShapedType::isDynamic(hkv))
      return rewriter.notifyMatchFailure(op, "head counts must be static");
    int64_t group = hq / hkv;
    double scale = op.getScale()
                       ? op.getScale()->convertToDouble()
                       : 1.0 / std::sqrt(static_cast<double>(
                                   qType.getDimSize(3)));
    if (ShapedType::isDynamic(qType.getDimSize(3)) && !op.getScale())
      return rewriter.notifyMatchFailure(op, "head size must be static");
    auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
    SmallVector<OpFoldResult> qSizes = tensor::getMixedSizes(b, loc, q);
    SmallVector<OpFoldResult> kSizes = tensor::getMixedSizes(b, loc, k);
    SmallVector<OpFoldResult> vSizes = tensor::getMixedSizes(b, loc, v);

    // A KV cache without a mask: only its first `position + Sq` rows are
    // read, so a decode step costs what the context holds, not the cache.
    if (Value position = adaptor.getPosition(); position && !adaptor.getMask()) {
      Value raw = tensor::ExtractOp::create(b, loc, position, ValueRange{});
      Value used = arith::AddIOp::create(
          b, loc, arith::IndexCastOp::create(b, loc, b.getIndexType(), raw),
          toValue(b, loc, qSizes[2]));
      used = arith::MinSIOp::create(b, loc, used, toValue(b, loc, kSizes[2]));
      auto rows = [&](Value cache, SmallVector<OpFoldResult> &sizes) {
        sizes[2] = used;
        SmallVector<OpFoldResult> zeros(4, b.getIndexAttr(0)),
            ones(4, b.getIndexAttr(1));
        return tensor::ExtractSliceOp::create(b, loc, cache, zeros, sizes, ones)
            .getResult();
      };
      k = rows(k, kSizes);
      v = rows(v, vSizes);
    }

    // scores[b, h, i, j] = scale * sum_e q[b, h, i, e] * k[b, h / g, j, e]
    SmallVector<OpFoldResult> scoreSizes = {qSizes[0], qSizes[1], qSizes[2],
                                            kSizes[2]};
    Value zero = createScalar(b, loc, t, 0);
    Value scoreInit = createFilled(b, loc, scoreSizes, zero);
    SmallVector<utils::IteratorType> contraction = getParallelIterators(4);
    contraction.push_back(utils::IteratorType::reduction);
    AffineExpr kvHead = d(1).floorDiv(group);
    Value scores =
        linalg::GenericOp::create(
            b, loc, TypeRange{scoreInit.getType()}, ValueRange{q, k},
            ValueRange{scoreInit},
            ArrayRef<AffineMap>{
                AffineMap::get(5, 0, {d(0), d(1), d(2), d(4)}, ctx),
                AffineMap::get(5, 0, {d(0), kvHead, d(3), d(4)}, ctx),
                AffineMap::get(5, 0, {d(0), d(1), d(2), d(3)}, ctx)},
            contraction,
            [&](OpBuilder &nb, Location nl, ValueRange a) {
              Value p = arith::MulFOp::create(nb, nl, a[0], a[1]);
              linalg::YieldOp::create(nb, nl,
                                      Value(arith::AddFOp::create(nb, nl, a[2], p)));
            })
            .getResult(0);

    // Scale and mask: valid keys j < kvLength; causal: j <= offset + i.
    Value offset = arith::ConstantIndexOp::create(b, loc, 0);
    Value kvLength = toValue(b, loc, kSizes[2]);
    if (Value position = adaptor.getPosition()) {
      Value raw = tensor::ExtractOp::create(b, loc, position, ValueRange{});
      offset = arith::IndexCastOp::create(b, loc, b.getIndexType(), raw);
      kvLength = arith::MinSIOp::create(
          b, loc, kvLength,
          arith::AddIOp::create(b, loc, offset, toValue(b, loc, qSizes[2])));
    }
    bool causal = op.getCausal();
    auto scoreType = cast<RankedTensorType>(scores.getType());
    SmallVector<Value> maskOperands = {scores};
    Value mask = adaptor.getMask();
    if (mask)
      maskOperands.push_back(mask);
    Value masked = buildElementwise(
        b, loc, maskOperands, scoreType, scoreSizes,
        [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
          Value s = arith::MulFOp::create(nb, nl, a[0],
                                          createScalar(nb, nl, t, scale));
          Value i = linalg::IndexOp::create(nb, nl, 2);
          Value j = linalg::IndexOp::create(nb, nl, 3);
          Value valid = arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::slt,
                                              j, kvLength);
          if (causal) {
            Value limit = arith::AddIOp::create(nb, nl, offset, i);
            Value before = arith::CmpIOp::create(
                nb, nl, arith::CmpIPredicate::sle, j, limit);
            valid = arith::AndIOp::create(nb, nl, valid, before);
          }
          if (a.size() > 1) {
            if (a[1].getType().isInteger(1))
              valid = arith::AndIOp::create(nb, nl, valid, a[1]);
            else
              s = arith::AddFOp::create(nb, nl, s, a[1]);
          }
          return arith::SelectOp::create(nb, nl, valid, s,
                                         createLowest(nb, nl, t, false));
        });

    // Softmax over j.
    Value lowest = createLowest(b, loc, t, false);
    Value maxInit = createFilled(b, loc, {qSizes[0], qSizes[1], qSizes[2]}, lowest);
    SmallVector<utils::IteratorType> rowReduce = getParallelIterators(3);
    rowReduce.push_back(utils::IteratorType::reduction);
    AffineMap full = b.getMultiDimIdentityMap(4);
    AffineMap row = AffineMap::get(4, 0, {d(0), d(1), d(2)}, ctx);
    Value rowMax =
        linalg::GenericOp::create(
            b, loc, TypeRange{maxInit.getType()}, ValueRange{masked},
            ValueRange{maxInit}, ArrayRef<AffineMap>{full, row}, rowReduce,
            [](OpBuilder &nb, Location nl, ValueRange a) {
              linalg::YieldOp::create(
                  nb, nl, Value(arith::MaximumFOp::create(nb, nl, a[1], a[0])));
            })
            .getResult(0);
    Value expInit = createEmpty(b, loc, scoreSizes, t);
    Value exps =
        linalg::GenericOp::create(
            b, loc, TypeRange{expInit.getType()}, ValueRange{masked, rowMax},
            ValueRange{expInit}, ArrayRef<AffineMap>{full, row, full},
            getParallelIterators(4),
            [](OpBuilder &nb, Location nl, ValueRange a) {
              Value diff = arith::SubFOp::create(nb, nl, a[0], a[1]);
              linalg::YieldOp::create(nb, nl, Value(math::ExpOp::create(nb, nl, diff)));
            })
            .getResult(0);
    Value sumInit = createFilled(b, loc, {qSizes[0], qSizes[1], qSizes[2]}, zero);
    Value rowSum =
        linalg::GenericOp::create(
            b, loc, TypeRange{sumInit.getType()}, ValueRange{exps},
            ValueRange{sumInit}, ArrayRef<AffineMap>{full, row}, rowReduce,
            [](OpBuilder &nb, Location nl, ValueRange a) {
              linalg::YieldOp::create(nb, nl,
                                      Value(arith::AddFOp::create(nb, nl, a[1], a[0])));
            })
            .getResult(0);

    // out[b, h, i, e] = sum_j exps[b, h, i, j] * v[b, h / g, j, e] / rowSum
    SmallVector<OpFoldResult> outSizes = {qSizes[0], qSizes[1], qSizes[2],
                                          vSizes[3]};
    Value outInit = createFilled(b, loc, outSizes, zero);
    Value weighted =
        linalg::GenericOp::create(
            b, loc, TypeRange{outInit.getType()}, ValueRange{exps, v},
            ValueRange{outInit},
            ArrayRef<AffineMap>{
                AffineMap::get(5, 0, {d(0), d(1), d(2), d(4)}, ctx),
                AffineMap::get(5, 0, {d(0), kvHead, d(4), d(3)}, ctx),
                AffineMap::get(5, 0, {d(0), d(1), d(2), d(3)}, ctx)},
            contraction,
            [&](OpBuilder &nb, Location nl, ValueRange a) {
              Value p = arith::MulFOp::create(nb, nl, a[0], a[1]);
              linalg::YieldOp::create(nb, nl,
                                      Value(arith::AddFOp::create(nb, nl, a[2], p)));
            })
            .getResult(0);
    Value resultInit = createEmpty(b, loc, outSizes, t);
    Value result =
        linalg::GenericOp::create(
            b, loc, TypeRange{resultInit.getType()},
            ValueRange{weighted, rowSum}, ValueRange{resultInit},
            ArrayRef<AffineMap>{full, row, full}, getParallelIterators(4),
            [](OpBuilder &nb, Location nl, ValueRange a) {
              linalg::YieldOp::create(nb, nl,
                                      Value(arith::DivFOp::create(nb, nl, a[0], a[1])));
            })
            .getResult(0);
    rewriter.replaceOp(op, castTo(b, loc, result, type));
    return success();
  }
};

} // namespace

void mlc::lowering::populateTransformerPatterns(const TypeConverter &converter,
                                                RewritePatternSet &patterns) {
  patterns.add<RotaryEmbeddingLowering, AttentionLowering>(
      converter, patterns.getContext());
}
