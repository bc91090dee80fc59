//===- QuantToLinalg.cpp - quantize, dequantize and quantized matmul ------===//
//
// Scales and zero points are read through indexing maps that express their
// layout (per tensor, per axis, per block), so no scale tensor is expanded.
//
//===----------------------------------------------------------------------===//

#include "PatternsImpl.h"
#include "Utils.h"

using namespace mlir;
using namespace mlc;
using namespace mlc::lowering;

namespace {

/// The map reading a scale (or zero point) for an input of rank `rank`.
AffineMap getScaleMap(OpBuilder &b, RankedTensorType scaleType, int64_t rank,
                      std::optional<int64_t> axis,
                      std::optional<int64_t> blockSize) {
  MLIRContext *ctx = b.getContext();
  if (scaleType.getRank() == 0)
    return AffineMap::get(rank, 0, {}, ctx);
  if (blockSize) {
    SmallVector<AffineExpr> exprs;
    for (int64_t i = 0; i < rank; ++i)
      exprs.push_back(i == *axis ? getAffineDimExpr(i, ctx).floorDiv(*blockSize)
                                 : getAffineDimExpr(i, ctx));
    return AffineMap::get(rank, 0, exprs, ctx);
  }
  if (scaleType.getDimSize(0) == 1 || !axis)
    return AffineMap::get(rank, 0, getAffineConstantExpr(0, ctx), ctx);
  return AffineMap::get(rank, 0, getAffineDimExpr(*axis, ctx), ctx);
}

/// Applies `body` over the input's index space with scale (and zero point).
Value mapWithScale(OpBuilder &b, Location loc, Value input, Value scale,
                   Value zeroPoint, std::optional<int64_t> axis,
                   std::optional<int64_t> blockSize, Type resultElement,
                   ScalarFn body) {
  auto inputType = cast<RankedTensorType>(input.getType());
  int64_t rank = inputType.getRank();
  SmallVector<Value> operands = {input, scale};
  SmallVector<AffineMap> maps = {
      b.getMultiDimIdentityMap(rank),
      getScaleMap(b, cast<RankedTensorType>(scale.getType()), rank, axis,
                  blockSize)};
  if (zeroPoint) {
    operands.push_back(zeroPoint);
    maps.push_back(getScaleMap(b, cast<RankedTensorType>(zeroPoint.getType()),
                               rank, axis, blockSize));
  }
  maps.push_back(b.getMultiDimIdentityMap(rank));
  Value init = createEmpty(b, loc, tensor::getMixedSizes(b, loc, input),
                           resultElement);
  return linalg::GenericOp::create(
             b, loc, TypeRange{init.getType()}, operands, ValueRange{init},
             maps, getParallelIterators(rank),
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               linalg::YieldOp::create(nb, nl, body(nb, nl, args.drop_back()));
             })
      .getResult(0);
}

struct QuantizeLowering : OpConversionPattern<QuantizeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(QuantizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RankedTensorType type = getResultType(*getTypeConverter(), op);
    Type storage = getElementTypeOrSelf(op.getType());
    bool u = storage.isUnsignedInteger();
    unsigned bits = storage.getIntOrFloatBitWidth();
    double qmin = u ? 0 : -std::ldexp(1.0, bits - 1);
    double qmax = u ? std::ldexp(1.0, bits) - 1 : std::ldexp(1.0, bits - 1) - 1;
    Type q = type.getElementType();
    Value result = mapWithScale(
        rewriter, op.getLoc(), adaptor.getInput(), adaptor.getScale(),
        adaptor.getZeroPoint(), op.getAxis(), op.getBlockSize(), q,
        [&](OpBuilder &nb, Location nl, ValueRange a) {
          Type f = a[0].getType();
          Value y = arith::DivFOp::create(nb, nl, a[0], a[1]);
          y = math::RoundEvenOp::create(nb, nl, y);
          if (a.size() > 2)
            y = arith::AddFOp::create(nb, nl, y,
                                      convertScalar(nb, nl, a[2], f, u, false));
          y = arith::MaximumFOp::create(nb, nl, y, createScalar(nb, nl, f, qmin));
          y = arith::MinimumFOp::create(nb, nl, y, createScalar(nb, nl, f, qmax));
          return convertScalar(nb, nl, y, q, false, u);
        });
    rewriter.replaceOp(op, castTo(rewriter, op.getLoc(), result, type));
    return success();
  }
};

struct DequantizeLowering : OpConversionPattern<DequantizeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(DequantizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RankedTensorType type = op.getType();
    bool u = isUnsigned(op.getInput().getType());
    Type f = type.getElementType();
    Value result = mapWithScale(
        rewriter, op.getLoc(), adaptor.getInput(), adaptor.getScale(),
        adaptor.getZeroPoint(), op.getAxis(), op.getBlockSize(), f,
        [&](OpBuilder &nb, Location nl, ValueRange a) {
          Value x = convertScalar(nb, nl, a[0], f, u, false);
          if (a.size() > 2)
            x = arith::SubFOp::create(nb, nl, x,
                                      convertScalar(nb, nl, a[2], f, u, false));
          return arith::MulFOp::create(nb, nl, x, a[1]);
        });
    rewriter.replaceOp(op, castTo(rewriter, op.getLoc(), result, type));
    return success();
  }
};

struct QuantizedMatmulLowering : OpConversionPattern<QuantizedMatmulOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(QuantizedMatmulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (getElementTypeOrSelf(op.getWeight().getType()).getIntOrFloatBitWidth() < 8)
      return op.emitOpError("int4 weights are not lowered to CPU code yet");
    RankedTensorType type = getResultType(*getTypeConverter(), op);
    auto sizes = reifyResultSizes(op, adaptor, rewriter, type);
    if (failed(sizes))
      return failure();
    Location loc = op.getLoc();
    OpBuilder &b = rewriter;
    MLIRContext *ctx = b.getContext();
    bool u = isUnsigned(op.getWeight().getType());
    Type f = type.getElementType();
    int64_t rank = type.getRank();
    int64_t group = op.getGroupSize();
    // Loops (..., n, k): out[..., n] += x[..., k] * (w[n, k] - z[n, k/g]) * s[n, k/g]
    auto d = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
    SmallVector<AffineExpr> xExprs, outExprs;
    for (int64_t i = 0; i + 1 < rank; ++i) {
      xExprs.push_back(d(i));
      outExprs.push_back(d(i));
    }
    xExprs.push_back(d(rank));
    outExprs.push_back(d(rank - 1));
    AffineExpr n = d(rank - 1), k = d(rank);
    SmallVector<Value> operands = {adaptor.getInput(), adaptor.getWeight(),
                                   adaptor.getScales()};
    SmallVector<AffineMap> maps = {
        AffineMap::get(rank + 1, 0, xExprs, ctx),
        AffineMap::get(rank + 1, 0, {n, k}, ctx),
        AffineMap::get(rank + 1, 0, {n, k.floorDiv(group)}, ctx)};
    if (Value zp = adaptor.getZeroPoints()) {
      operands.push_back(zp);
      maps.push_back(AffineMap::get(rank + 1, 0, {n, k.floorDiv(group)}, ctx));
    }
    maps.push_back(AffineMap::get(rank + 1, 0, outExprs, ctx));
    SmallVector<utils::IteratorType> iterators = getParallelIterators(rank);
    iterators.push_back(utils::IteratorType::reduction);
    Value init = createFilled(b, loc, (*sizes)[0], createScalar(b, loc, f, 0));
    Value result =
        linalg::GenericOp::create(
            b, loc, TypeRange{init.getType()}, operands, ValueRange{init}, maps,
            iterators,
            [&](OpBuilder &nb, Location nl, ValueRange a) {
              Value w = convertScalar(nb, nl, a[1], f, u, false);
              bool hasZero = a.size() == 5;
              if (hasZero)
                w = arith::SubFOp::create(
                    nb, nl, w, convertScalar(nb, nl, a[3], f, u, false));
              w = arith::MulFOp::create(nb, nl, w, a[2]);
              Value p = arith::MulFOp::create(nb, nl, a[0], w);
              linalg::YieldOp::create(
                  nb, nl, Value(arith::AddFOp::create(nb, nl, a[a.size() - 1], p)));
            })
            .getResult(0);
    rewriter.replaceOp(op, castTo(b, loc, result, type));
    return success();
  }
};

} // namespace

void mlc::lowering::populateQuantPatterns(const TypeConverter &converter,
                                          RewritePatternSet &patterns) {
  patterns.add<QuantizeLowering, DequantizeLowering, QuantizedMatmulLowering>(
      converter, patterns.getContext());
}
