//===- TransformerToLinalg.cpp - rotary embedding and attention -----------===//
//
// Lowerings correct for every shape: rotary embedding as one elementwise
// generic (over pairs of features with a table of frequencies where the
// head size is static, else gathering each feature's partner), attention
// with a KV cache and no mask blockwise with an online softmax, one
// key/value head per thread, and otherwise as scores = q k^T, masked
// softmax, and scores @ v.
//
//===----------------------------------------------------------------------===//

#include "PatternsImpl.h"
#include "Utils.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

using namespace mlir;
using namespace mlc;
using namespace mlc::lowering;

namespace {

/// Rotate-half RoPE over all of a static, even head dimension D, without
/// gathers: the result, viewed as [B, H, S, 2, D/2], computes element
/// (c, j) from pair j's two features, read as two inputs (x's two halves),
/// and the cosine and sine of its position's angle for pair j (two generics
/// over [B, S, D/2]; the frequencies a table computed here as the code
/// computed them, in f32: 1 / theta^(2j / D)). Unlike a gather of each
/// feature's partner, tiling it tiles its inputs: it and its producers fuse
/// into the threads that read its result (attention's heads). Null where D
/// is dynamic, odd or more than rotary_dim, and for interleaved pairs
/// (whose innermost pairs of 2 would vectorize poorly; they gather).
Value lowerRotaryByPairs(OpBuilder &b, Location loc, RotaryEmbeddingOp op,
                         Value x, Value positions, Value weight) {
  auto xType = cast<RankedTensorType>(x.getType());
  Type t = xType.getElementType();
  int64_t d = xType.getDimSize(3);
  if (ShapedType::isDynamic(d) || d % 2 != 0 || op.getInterleaved() ||
      (op.getRotaryDim() && *op.getRotaryDim() != d))
    return {};
  int64_t half = d / 2;
  MLIRContext *ctx = b.getContext();
  // The first or second half of each row of `v` ([..., D]).
  auto features = [&](Value v, int64_t second) -> Value {
    auto type = cast<RankedTensorType>(v.getType());
    int64_t rank = type.getRank();
    SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0));
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, v);
    SmallVector<OpFoldResult> strides(rank, b.getIndexAttr(1));
    offsets.back() = b.getIndexAttr(second * half);
    sizes.back() = b.getIndexAttr(half);
    return tensor::ExtractSliceOp::create(b, loc, v, offsets, sizes, strides);
  };
  float base = static_cast<float>(op.getTheta().convertToDouble());
  SmallVector<float> frequencies;
  for (int64_t j = 0; j < half; ++j)
    frequencies.push_back(1.0f / std::pow(base, static_cast<float>(2 * j) /
                                                    static_cast<float>(d)));
  auto tableType = RankedTensorType::get({half}, b.getF32Type());
  Value table = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(tableType, ArrayRef<float>(frequencies)));

  // cos and sin of each position's angles, [B, S, D/2]: computed once per
  // position and pair, not per head and feature.
  SmallVector<OpFoldResult> xSizes = tensor::getMixedSizes(b, loc, x);
  SmallVector<OpFoldResult> angleSizes = {xSizes[0], xSizes[2],
                                          b.getIndexAttr(half)};
  auto dim = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  auto trig = [&](bool sine) {
    Value init = createEmpty(b, loc, angleSizes, t);
    return linalg::GenericOp::create(
               b, loc, TypeRange{init.getType()}, ValueRange{positions, table},
               ValueRange{init},
               ArrayRef<AffineMap>{AffineMap::get(3, 0, {dim(0), dim(1)}, ctx),
                                   AffineMap::get(3, 0, {dim(2)}, ctx),
                                   b.getMultiDimIdentityMap(3)},
               getParallelIterators(3),
               [&](OpBuilder &nb, Location nl, ValueRange args) {
                 Value pos = convertScalar(nb, nl, args[0], nb.getF32Type(),
                                           false, false);
                 Value angle = arith::MulFOp::create(nb, nl, pos, args[1]);
                 Value value = sine ? Value(math::SinOp::create(nb, nl, angle))
                                    : Value(math::CosOp::create(nb, nl, angle));
                 linalg::YieldOp::create(
                     nb, nl, convertScalar(nb, nl, value, t, false, false));
               })
        .getResult(0);
  };
  Value cosines = trig(/*sine=*/false), sines = trig(/*sine=*/true);

  // Loops b, h, s and the view's two: c (which half) and j (the pair).
  unsigned cDim = 3, jDim = 4;
  AffineMap pairMap =
      AffineMap::get(5, 0, {dim(0), dim(1), dim(2), dim(jDim)}, ctx);
  AffineMap angleMap = AffineMap::get(5, 0, {dim(0), dim(2), dim(jDim)}, ctx);
  AffineMap jMap = AffineMap::get(5, 0, {dim(jDim)}, ctx);
  SmallVector<Value> inputs = {features(x, 0), features(x, 1), cosines, sines};
  SmallVector<AffineMap> maps = {pairMap, pairMap, angleMap, angleMap};
  if (weight) {
    inputs.append({inverseRms(b, loc, x, op.getNormEpsilon().convertToDouble()),
                   features(weight, 0), features(weight, 1)});
    maps.append(
        {AffineMap::get(5, 0, {dim(0), dim(1), dim(2)}, ctx), jMap, jMap});
  }
  maps.push_back(b.getMultiDimIdentityMap(5));
  SmallVector<OpFoldResult> sizes(xSizes);
  sizes.pop_back();
  sizes.push_back(b.getIndexAttr(2));
  sizes.push_back(b.getIndexAttr(half));
  Value init = createEmpty(b, loc, sizes, t);
  Value pairs =
      linalg::GenericOp::create(
          b, loc, TypeRange{init.getType()}, inputs, ValueRange{init}, maps,
          getParallelIterators(5),
          [&](OpBuilder &nb, Location nl, ValueRange args) {
            Value cos = args[2], sin = args[3];
            Value first = args[0], second = args[1];
            if (weight) {
              // As mlc.rms_norm: (x * inv_rms) * w.
              first = arith::MulFOp::create(
                  nb, nl, arith::MulFOp::create(nb, nl, first, args[4]),
                  args[5]);
              second = arith::MulFOp::create(
                  nb, nl, arith::MulFOp::create(nb, nl, second, args[4]),
                  args[6]);
            }
            // (first, second) -> (first cos - second sin,
            //                     second cos + first sin).
            Value rotatedFirst = arith::AddFOp::create(
                nb, nl, arith::MulFOp::create(nb, nl, first, cos),
                arith::MulFOp::create(
                    nb, nl, arith::NegFOp::create(nb, nl, second), sin));
            Value rotatedSecond = arith::AddFOp::create(
                nb, nl, arith::MulFOp::create(nb, nl, second, cos),
                arith::MulFOp::create(nb, nl, first, sin));
            Value isFirst = arith::CmpIOp::create(
                nb, nl, arith::CmpIPredicate::eq,
                linalg::IndexOp::create(nb, nl, cDim),
                arith::ConstantIndexOp::create(nb, nl, 0));
            linalg::YieldOp::create(
                nb, nl,
                Value(arith::SelectOp::create(nb, nl, isFirst, rotatedFirst,
                                              rotatedSecond)));
          })
          .getResult(0);
  return tensor::CollapseShapeOp::create(
      b, loc, xType, pairs,
      SmallVector<ReassociationIndices>{{0}, {1}, {2}, {3, 4}});
}

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
    if (Value y = lowerRotaryByPairs(b, loc, op, x, adaptor.getPositions(),
                                     adaptor.getNormWeight())) {
      rewriter.replaceOp(op, castTo(b, loc, y, type));
      return success();
    }
    // Otherwise (a dynamic head size, a partial rotation): one generic over
    // the features that gathers each one's partner.
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
    SmallVector<Value> inputs = {x, adaptor.getPositions()};
    SmallVector<AffineMap> maps = {b.getMultiDimIdentityMap(4), posMap};
    // QK-norm: each row's 1 / rms and the weight, applied to both features
    // of a pair as they are read.
    Value weight = adaptor.getNormWeight();
    if (weight) {
      inputs.push_back(
          inverseRms(b, loc, x, op.getNormEpsilon().convertToDouble()));
      maps.push_back(b.getMultiDimIdentityMap(4).dropResult(3));
      inputs.push_back(weight);
      maps.push_back(AffineMap::get(4, 0, getAffineDimExpr(3, ctx)));
    }
    maps.push_back(b.getMultiDimIdentityMap(4));
    Value init = createEmpty(b, loc, tensor::getMixedSizes(b, loc, x), t);
    Value result =
        linalg::GenericOp::create(
            b, loc, TypeRange{init.getType()}, inputs, ValueRange{init}, maps,
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
              Value self = args[0];
              Value other = tensor::ExtractOp::create(
                  nb, nl, x, ValueRange{bI, hI, sI, partner});
              if (weight) {
                // As mlc.rms_norm: (x * inv_rms) * w.
                Value otherWeight =
                    tensor::ExtractOp::create(nb, nl, weight, partner);
                self = arith::MulFOp::create(
                    nb, nl, arith::MulFOp::create(nb, nl, self, args[2]),
                    args[3]);
                other = arith::MulFOp::create(
                    nb, nl, arith::MulFOp::create(nb, nl, other, args[2]),
                    otherWeight);
              }
              Value signedOther = arith::SelectOp::create(
                  nb, nl, partnerNegated, arith::NegFOp::create(nb, nl, other),
                  other);
              Value y = arith::AddFOp::create(
                  nb, nl, arith::MulFOp::create(nb, nl, self, cos),
                  arith::MulFOp::create(nb, nl, signedOther, sin));
              y = arith::SelectOp::create(nb, nl, rotated, y, self);
              linalg::YieldOp::create(nb, nl, y);
            })
            .getResult(0);
    rewriter.replaceOp(op, castTo(b, loc, result, type));
    return success();
  }
};

/// Rows of keys and values an attention head reads per step of the online
/// softmax.
constexpr int64_t kAttentionBlock = 256;

/// Attention without a mask, one key/value head at a time: an scf.forall
/// over (batch, key/value head), whose query heads (`group` of them) are
/// stacked as group x Sq rows, so that each block of keys and values is read
/// once for all of them; in each, a loop over blocks of keys with an online
/// softmax (running row maximum m and sum l, the output rescaled as m grows:
/// FlashAttention's recurrence). No [Sq, Skv] score matrix is ever
/// materialized; a block's scores are [group x Sq, kAttentionBlock].
///
/// Masked scores are the lowest finite value, not -inf: key 0 is in the
/// first block and visible to every query row, so every row's maximum is
/// a real score after the first block and exp(lowest - max) vanishes, while
/// -inf - -inf would be NaN.
Value lowerAttentionByBlocks(OpBuilder &b, Location loc, Value q, Value k,
                             Value v, Value offset, Value kvLength,
                             bool causal, double scale, int64_t group,
                             RankedTensorType resultType) {
  MLIRContext *ctx = b.getContext();
  Type t = resultType.getElementType();
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  auto map = [&](unsigned n, ArrayRef<AffineExpr> exprs) {
    return AffineMap::get(n, 0, exprs, ctx);
  };
  auto generic = [&](ValueRange ins, Value init, ArrayRef<AffineMap> maps,
                     ArrayRef<utils::IteratorType> iterators,
                     function_ref<Value(OpBuilder &, Location, ValueRange)>
                         body) {
    return linalg::GenericOp::create(
               b, loc, TypeRange{init.getType()}, ins, ValueRange{init},
               maps, iterators,
               [&](OpBuilder &nb, Location nl, ValueRange a) {
                 linalg::YieldOp::create(nb, nl, body(nb, nl, a));
               })
        .getResult(0);
  };
  using utils::IteratorType;
  IteratorType par = IteratorType::parallel, red = IteratorType::reduction;
  auto lowest = arith::ConstantOp::create(
      b, loc, b.getFloatAttr(t, APFloat::getLargest(
                                    cast<FloatType>(t).getFloatSemantics(),
                                    /*Negative=*/true)));
  Value zero = createScalar(b, loc, t, 0);
  // Keys and values of a narrower type (a bf16 KV cache) are widened as
  // they are read.
  auto widen = [t](OpBuilder &nb, Location nl, Value x) {
    return convertScalar(nb, nl, x, t, false, false);
  };

  SmallVector<OpFoldResult> qSizes = tensor::getMixedSizes(b, loc, q);
  SmallVector<OpFoldResult> vSizes = tensor::getMixedSizes(b, loc, v);
  OpFoldResult sq = qSizes[2], dk = qSizes[3], dv = vSizes[3];
  SmallVector<OpFoldResult> outSizes = {qSizes[0], qSizes[1], sq, dv};
  Value out = createEmpty(b, loc, outSizes, t);
  OpFoldResult one = b.getIndexAttr(1), zeroIdx = b.getIndexAttr(0);
  OpFoldResult groupSize = b.getIndexAttr(group);

  auto forall = scf::ForallOp::create(
      b, loc,
      ArrayRef<OpFoldResult>{qSizes[0], tensor::getMixedSize(b, loc, k, 1)},
      ValueRange{out}, std::nullopt);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(forall.getBody());
  Value batch = forall.getInductionVar(0), kvHead = forall.getInductionVar(1);
  Value head = arith::MulIOp::create(
      b, loc, kvHead, arith::ConstantIndexOp::create(b, loc, group));
  // The rows of the group's query heads: [group, Sq, Dk] as [group x Sq, Dk].
  Value sqValue = getValueOrCreateConstantIndexOp(b, loc, sq);
  std::optional<int64_t> staticSq = getConstantIntValue(sq);
  OpFoldResult rowCount =
      staticSq ? OpFoldResult(b.getIndexAttr(*staticSq * group))
               : getAsOpFoldResult(arith::MulIOp::create(
                     b, loc, sqValue,
                     arith::ConstantIndexOp::create(b, loc, group)));
  auto dimOf = [](OpFoldResult size) {
    return getConstantIntValue(size).value_or(ShapedType::kDynamic);
  };
  // (Not rank-reducing: slices of reshapes of q's producers bubble up
  // through the collapse, so that they fuse into this loop.)
  Value qGroup = tensor::ExtractSliceOp::create(
      b, loc, RankedTensorType::get({1, group, dimOf(sq), dimOf(dk)}, t), q,
      ArrayRef<OpFoldResult>{batch, head, zeroIdx, zeroIdx},
      ArrayRef<OpFoldResult>{one, groupSize, sq, dk},
      ArrayRef<OpFoldResult>{one, one, one, one});
  Value qh = tensor::CollapseShapeOp::create(
      b, loc, qGroup, SmallVector<ReassociationIndices>{{0, 1, 2}, {3}});
  sq = rowCount;
  auto headSlice = [&](Value source, Value h, OpFoldResult rows,
                       OpFoldResult cols) {
    // Constants as attributes, so that the sizes agree with the type.
    if (auto value = dyn_cast<Value>(rows))
      rows = getAsOpFoldResult(value);
    if (auto value = dyn_cast<Value>(cols))
      cols = getAsOpFoldResult(value);
    auto sliceType = RankedTensorType::get(
        {dimOf(rows), dimOf(cols)},
        cast<RankedTensorType>(source.getType()).getElementType());
    return tensor::ExtractSliceOp::create(
        b, loc, sliceType, source,
        ArrayRef<OpFoldResult>{batch, h, zeroIdx, zeroIdx},
        ArrayRef<OpFoldResult>{one, one, rows, cols},
        ArrayRef<OpFoldResult>{one, one, one, one});
  };
  Value kh = headSlice(k, kvHead, kvLength, dk);
  Value vh = headSlice(v, kvHead, kvLength, dv);

  Value acc0 = createFilled(b, loc, {sq, dv}, zero);
  Value m0 = createFilled(b, loc, {sq}, lowest);
  Value l0 = createFilled(b, loc, {sq}, zero);
  Value blockSize = arith::ConstantIndexOp::create(b, loc, kAttentionBlock);
  auto loop = scf::ForOp::create(
      b, loc, arith::ConstantIndexOp::create(b, loc, 0), kvLength, blockSize,
      ValueRange{acc0, m0, l0});
  {
    OpBuilder::InsertionGuard inner(b);
    b.setInsertionPointToStart(loop.getBody());
    Value j0 = loop.getInductionVar();
    Value acc = loop.getRegionIterArgs()[0], m = loop.getRegionIterArgs()[1],
          l = loop.getRegionIterArgs()[2];
    Value n = arith::MinSIOp::create(
        b, loc, blockSize, arith::SubIOp::create(b, loc, kvLength, j0));
    auto rows = [&](Value source, OpFoldResult cols) {
      return tensor::ExtractSliceOp::create(
          b, loc, source, ArrayRef<OpFoldResult>{j0, zeroIdx},
          ArrayRef<OpFoldResult>{n, cols}, ArrayRef<OpFoldResult>{one, one});
    };
    Value kb = rows(kh, dk), vb = rows(vh, dv);

    // Scores s[i, j] = scale * q[i] . k[j0 + j], masked.
    Value s = generic(
        {qh, kb}, createFilled(b, loc, {sq, n}, zero),
        {map(3, {d(0), d(2)}), map(3, {d(1), d(2)}), map(3, {d(0), d(1)})},
        {par, par, red}, [&](OpBuilder &nb, Location nl, ValueRange a) {
          return arith::AddFOp::create(
              nb, nl, a[2],
              arith::MulFOp::create(nb, nl, a[0], widen(nb, nl, a[1])));
        });
    Value scaleValue = createScalar(b, loc, t, scale);
    s = generic({s}, createEmpty(b, loc, {sq, n}, t),
                {map(2, {d(0), d(1)}), map(2, {d(0), d(1)})}, {par, par},
                [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
                  Value scaled = arith::MulFOp::create(nb, nl, a[0], scaleValue);
                  if (!causal)
                    return scaled;
                  // Row r is query row r mod Sq of its head.
                  Value i = arith::RemUIOp::create(
                      nb, nl, linalg::IndexOp::create(nb, nl, 0), sqValue);
                  Value j = arith::AddIOp::create(
                      nb, nl, j0, linalg::IndexOp::create(nb, nl, 1));
                  Value visible = arith::CmpIOp::create(
                      nb, nl, arith::CmpIPredicate::sle, j,
                      arith::AddIOp::create(nb, nl, offset, i));
                  return arith::SelectOp::create(nb, nl, visible, scaled,
                                                 lowest);
                });
    AffineMap full = map(2, {d(0), d(1)}), row = map(2, {d(0)}),
              vec = map(1, {d(0)});
    // The running values are updated in place (outs = the loop's own
    // tensors), so that bufferization keeps one buffer each across blocks.
    // blockMax = max_j s; alpha = exp(m - m'); m' = max(m, blockMax).
    Value blockMax = generic({s}, createFilled(b, loc, {sq}, lowest),
                             {full, row}, {par, red},
                             [](OpBuilder &nb, Location nl, ValueRange a) {
                               return arith::MaximumFOp::create(nb, nl, a[1],
                                                                a[0]);
                             });
    Value alpha = generic(
        {m, blockMax}, createEmpty(b, loc, {sq}, t), {vec, vec, vec}, {par},
        [](OpBuilder &nb, Location nl, ValueRange a) {
          Value grown = arith::MaximumFOp::create(nb, nl, a[0], a[1]);
          return math::ExpOp::create(
              nb, nl, arith::SubFOp::create(nb, nl, a[0], grown));
        });
    Value mNew = generic({blockMax}, m, {vec, vec}, {par},
                         [](OpBuilder &nb, Location nl, ValueRange a) {
                           return arith::MaximumFOp::create(nb, nl, a[1], a[0]);
                         });
    // p = exp(s - m'); l' = l * alpha + sum_j p; acc' = acc * alpha + p . v.
    Value p = generic({s, mNew}, createEmpty(b, loc, {sq, n}, t),
                      {full, row, full}, {par, par},
                      [](OpBuilder &nb, Location nl, ValueRange a) {
                        return math::ExpOp::create(
                            nb, nl, arith::SubFOp::create(nb, nl, a[0], a[1]));
                      });
    auto rescale = [](OpBuilder &nb, Location nl, ValueRange a) {
      return arith::MulFOp::create(nb, nl, a[1], a[0]);
    };
    Value lScaled = generic({alpha}, l, {vec, vec}, {par}, rescale);
    Value lNew = generic({p}, lScaled, {full, row}, {par, red},
                         [](OpBuilder &nb, Location nl, ValueRange a) {
                           return arith::AddFOp::create(nb, nl, a[1], a[0]);
                         });
    Value accScaled = generic({alpha}, acc, {row, full}, {par, par}, rescale);
    Value accNew = generic(
        {p, vb}, accScaled,
        {map(3, {d(0), d(2)}), map(3, {d(2), d(1)}), map(3, {d(0), d(1)})},
        {par, par, red}, [&](OpBuilder &nb, Location nl, ValueRange a) {
          return arith::AddFOp::create(
              nb, nl, a[2],
              arith::MulFOp::create(nb, nl, a[0], widen(nb, nl, a[1])));
        });
    scf::YieldOp::create(b, loc, ValueRange{accNew, mNew, lNew});
  }
  Value acc = loop.getResult(0), l = loop.getResult(2);
  Value normalized = generic({acc, l}, createEmpty(b, loc, {sq, dv}, t),
                             {map(2, {d(0), d(1)}), map(2, {d(0)}),
                              map(2, {d(0), d(1)})},
                             {par, par},
                             [](OpBuilder &nb, Location nl, ValueRange a) {
                               return arith::DivFOp::create(nb, nl, a[0], a[1]);
                             });
  OpFoldResult sqRows = qSizes[2];
  Value heads = tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get({group, dimOf(sqRows), dimOf(dv)}, t),
      normalized, SmallVector<ReassociationIndices>{{0, 1}, {2}},
      ArrayRef<OpFoldResult>{groupSize, sqRows, dv});
  b.setInsertionPointToStart(forall.getTerminator().getBody());
  tensor::ParallelInsertSliceOp::create(
      b, loc, heads, forall.getRegionIterArgs()[0],
      ArrayRef<OpFoldResult>{batch, head, zeroIdx, zeroIdx},
      ArrayRef<OpFoldResult>{one, groupSize, sqRows, dv},
      ArrayRef<OpFoldResult>{one, one, one, one});
  return forall.getResult(0);
}

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

    if (!adaptor.getMask()) {
      Value offset = arith::ConstantIndexOp::create(b, loc, 0);
      if (Value position = adaptor.getPosition())
        offset = arith::IndexCastOp::create(
            b, loc, b.getIndexType(),
            tensor::ExtractOp::create(b, loc, position, ValueRange{}));
      Value result = lowerAttentionByBlocks(
          b, loc, q, k, v, offset, toValue(b, loc, kSizes[2]),
          op.getCausal(), scale, group, type);
      rewriter.replaceOp(op, castTo(b, loc, result, type));
      return success();
    }

    // With a mask: the whole score matrix, as the mask broadcasts over it.
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
              Value p = arith::MulFOp::create(
                  nb, nl, a[0], convertScalar(nb, nl, a[1], t, false, false));
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
              Value p = arith::MulFOp::create(
                  nb, nl, a[0], convertScalar(nb, nl, a[1], t, false, false));
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
