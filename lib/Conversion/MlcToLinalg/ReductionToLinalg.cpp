//===- ReductionToLinalg.cpp - reductions, norms and pooling to linalg ----===//
//
// Reductions become reduction generics followed by elementwise generics
// that read the reduced values back (softmax: max, then sum of exp, then
// divide). Pooling is a window reduction generic over padded input.
//
//===----------------------------------------------------------------------===//

#include "PatternsImpl.h"
#include "Utils.h"

using namespace mlir;
using namespace mlc;
using namespace mlc::lowering;

namespace {

Value addOf(OpBuilder &b, Location loc, Value x, Value y) {
  if (isa<FloatType>(x.getType()))
    return arith::AddFOp::create(b, loc, x, y);
  return arith::AddIOp::create(b, loc, x, y);
}
Value mulOf(OpBuilder &b, Location loc, Value x, Value y) {
  if (isa<FloatType>(x.getType()))
    return arith::MulFOp::create(b, loc, x, y);
  return arith::MulIOp::create(b, loc, x, y);
}
Value maxOf(OpBuilder &b, Location loc, Value x, Value y, bool isUnsigned) {
  if (isa<FloatType>(x.getType()))
    return arith::MaximumFOp::create(b, loc, x, y);
  if (isUnsigned)
    return arith::MaxUIOp::create(b, loc, x, y);
  return arith::MaxSIOp::create(b, loc, x, y);
}
Value minOf(OpBuilder &b, Location loc, Value x, Value y, bool isUnsigned) {
  if (isa<FloatType>(x.getType()))
    return arith::MinimumFOp::create(b, loc, x, y);
  if (isUnsigned)
    return arith::MinUIOp::create(b, loc, x, y);
  return arith::MinSIOp::create(b, loc, x, y);
}

/// A generic over the index space of `input` reading `input` and values
/// reduced over `axes` (which lack those dimensions).
Value mapWithReduced(OpBuilder &b, Location loc, Value input,
                     ValueRange reduced, ArrayRef<int64_t> axes,
                     ArrayRef<Value> extraFull, Type elementType,
                     ScalarFn body) {
  auto inputType = cast<RankedTensorType>(input.getType());
  int64_t rank = inputType.getRank();
  SmallVector<AffineExpr> kept;
  for (int64_t i = 0; i < rank; ++i)
    if (!llvm::is_contained(axes, i))
      kept.push_back(b.getAffineDimExpr(i));
  AffineMap reducedMap = AffineMap::get(rank, 0, kept, b.getContext());
  SmallVector<Value> operands = {input};
  SmallVector<AffineMap> maps = {b.getMultiDimIdentityMap(rank)};
  for (Value r : reduced) {
    operands.push_back(r);
    maps.push_back(reducedMap);
  }
  auto outType = RankedTensorType::get(inputType.getShape(), elementType);
  for (Value v : extraFull) {
    operands.push_back(v);
    maps.push_back(getBroadcastMap(cast<RankedTensorType>(v.getType()),
                                   outType));
  }
  maps.push_back(b.getMultiDimIdentityMap(rank));
  Value init = createEmpty(b, loc, tensor::getMixedSizes(b, loc, input),
                           elementType);
  return linalg::GenericOp::create(
             b, loc, TypeRange{init.getType()}, operands, ValueRange{init},
             maps, getParallelIterators(rank),
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               linalg::YieldOp::create(nb, nl, body(nb, nl, args.drop_back()));
             })
      .getResult(0);
}

/// The number of elements over `axes` of `input`, as a scalar of `type`.
Value countOver(OpBuilder &b, Location loc, Value input,
                ArrayRef<int64_t> axes, Type type) {
  Value count = arith::ConstantIndexOp::create(b, loc, 1);
  for (int64_t axis : axes)
    count = arith::MulIOp::create(b, loc, count,
                                  tensor::DimOp::create(b, loc, input, axis));
  return convertScalar(b, loc, count, type, false, false);
}

Value sumOver(OpBuilder &b, Location loc, Value input, ArrayRef<int64_t> axes) {
  Type t = getElementTypeOrSelf(input.getType());
  return buildReduction(b, loc, input, axes, createScalar(b, loc, t, 0), addOf);
}

Value maxOver(OpBuilder &b, Location loc, Value input, ArrayRef<int64_t> axes,
              bool isUnsigned) {
  Type t = getElementTypeOrSelf(input.getType());
  return buildReduction(b, loc, input, axes,
                        createLowest(b, loc, t, isUnsigned),
                        [&](OpBuilder &nb, Location nl, Value acc, Value x) {
                          return maxOf(nb, nl, acc, x, isUnsigned);
                        });
}

struct ReduceLowering : OpConversionPattern<ReduceOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ReduceOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RankedTensorType type = getResultType(*getTypeConverter(), op);
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    ArrayRef<int64_t> axes = op.getAxes();
    Type t = type.getElementType();
    bool u = isUnsigned(op.getInput().getType());
    OpBuilder &b = rewriter;
    Value result;
    auto mapped = [&](ScalarFn fn) {
      return mapWithReduced(b, loc, x, {}, {}, {}, t, fn);
    };
    auto unary = [&](Value v, ScalarFn fn) {
      return buildElementwise(b, loc, ValueRange{v},
                              cast<RankedTensorType>(v.getType()),
                              tensor::getMixedSizes(b, loc, v), fn);
    };
    switch (op.getKind()) {
    case ReduceKind::sum:
      result = sumOver(b, loc, x, axes);
      break;
    case ReduceKind::mean: {
      Value sum = sumOver(b, loc, x, axes);
      Value count = countOver(b, loc, x, axes, t);
      result = unary(sum, [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
        if (isa<FloatType>(t))
          return arith::DivFOp::create(nb, nl, a[0], count);
        if (u)
          return arith::DivUIOp::create(nb, nl, a[0], count);
        return arith::DivSIOp::create(nb, nl, a[0], count);
      });
      break;
    }
    case ReduceKind::max:
      result = maxOver(b, loc, x, axes, u);
      break;
    case ReduceKind::min:
      result = buildReduction(b, loc, x, axes, createHighest(b, loc, t, u),
                              [&](OpBuilder &nb, Location nl, Value acc,
                                  Value v) { return minOf(nb, nl, acc, v, u); });
      break;
    case ReduceKind::prod:
      result = buildReduction(b, loc, x, axes, createScalar(b, loc, t, 1), mulOf);
      break;
    case ReduceKind::sum_square:
    case ReduceKind::l2: {
      Value squares = mapped([&](OpBuilder &nb, Location nl, ValueRange a) {
        return mulOf(nb, nl, a[0], a[0]);
      });
      result = sumOver(b, loc, squares, axes);
      if (op.getKind() == ReduceKind::l2)
        result = unary(result, [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
          if (isa<FloatType>(t))
            return math::SqrtOp::create(nb, nl, a[0]);
          // Integer L2: the square root rounded toward zero.
          Value f = convertScalar(nb, nl, a[0], nb.getF64Type(), u, false);
          Value r = math::SqrtOp::create(nb, nl, f);
          return convertScalar(nb, nl, r, t, false, u);
        });
      break;
    }
    case ReduceKind::l1: {
      Value abs = mapped([&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
        if (isa<FloatType>(t))
          return math::AbsFOp::create(nb, nl, a[0]);
        if (u)
          return a[0];
        return math::AbsIOp::create(nb, nl, a[0]);
      });
      result = sumOver(b, loc, abs, axes);
      break;
    }
    case ReduceKind::log_sum:
    case ReduceKind::log_sum_exp: {
      if (!isa<FloatType>(t))
        return rewriter.notifyMatchFailure(op, "log reductions need floats");
      if (op.getKind() == ReduceKind::log_sum) {
        Value sum = sumOver(b, loc, x, axes);
        result = unary(sum, [&](OpBuilder &nb, Location nl, ValueRange a) {
          return math::LogOp::create(nb, nl, a[0]);
        });
        break;
      }
      // log(sum(exp(x - m))) + m with m the maximum (0 where it is -inf).
      Value m = maxOver(b, loc, x, axes, false);
      Value safeM = unary(m, [&](OpBuilder &nb, Location nl, ValueRange a) {
        Value lowest = createLowest(nb, nl, t, false);
        Value isInf = arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::OEQ,
                                            a[0], lowest);
        return arith::SelectOp::create(nb, nl, isInf,
                                       createScalar(nb, nl, t, 0), a[0]);
      });
      Value e = mapWithReduced(b, loc, x, {safeM}, axes, {}, t,
                               [](OpBuilder &nb, Location nl, ValueRange a) {
                                 Value d = arith::SubFOp::create(nb, nl, a[0], a[1]);
                                 return math::ExpOp::create(nb, nl, d);
                               });
      Value s = sumOver(b, loc, e, axes);
      result = buildElementwise(
          b, loc, ValueRange{s, safeM}, cast<RankedTensorType>(s.getType()),
          tensor::getMixedSizes(b, loc, s),
          [](OpBuilder &nb, Location nl, ValueRange a) {
            Value l = math::LogOp::create(nb, nl, a[0]);
            return arith::AddFOp::create(nb, nl, l, a[1]);
          });
      break;
    }
    }
    if (op.getKeepdims())
      result = insertUnitDims(b, loc, result, axes);
    rewriter.replaceOp(op, castTo(b, loc, result, type));
    return success();
  }
};

/// argmax and argmin: a reduction generic carrying the extremum and its
/// index along the axis.
template <typename OpT, bool isMax>
struct ArgExtremumLowering : OpConversionPattern<OpT> {
  using OpConversionPattern<OpT>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OpT op, typename OpT::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    OpBuilder &b = rewriter;
    Value x = adaptor.getInput();
    auto inputType = cast<RankedTensorType>(x.getType());
    Type t = inputType.getElementType();
    bool u = isUnsigned(op.getInput().getType());
    int64_t rank = inputType.getRank(), axis = op.getAxis();
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, x);
    sizes.erase(sizes.begin() + axis);
    Value initValue = createFilled(b, loc, sizes,
                                   isMax ? createLowest(b, loc, t, u)
                                         : createHighest(b, loc, t, u));
    Value initIndex =
        createFilled(b, loc, sizes, createScalar(b, loc, b.getI64Type(), 0));
    SmallVector<AffineExpr> kept;
    SmallVector<utils::IteratorType> iterators = getParallelIterators(rank);
    iterators[axis] = utils::IteratorType::reduction;
    for (int64_t i = 0; i < rank; ++i)
      if (i != axis)
        kept.push_back(b.getAffineDimExpr(i));
    AffineMap reducedMap = AffineMap::get(rank, 0, kept, b.getContext());
    bool last = op.getSelectLastIndex();
    auto generic = linalg::GenericOp::create(
        b, loc, TypeRange{initValue.getType(), initIndex.getType()},
        ValueRange{x}, ValueRange{initValue, initIndex},
        ArrayRef<AffineMap>{b.getMultiDimIdentityMap(rank), reducedMap,
                            reducedMap},
        iterators, [&](OpBuilder &nb, Location nl, ValueRange args) {
          Value v = args[0], acc = args[1];
          Value better;
          if (isa<FloatType>(t)) {
            arith::CmpFPredicate p = isMax ? (last ? arith::CmpFPredicate::OGE
                                                   : arith::CmpFPredicate::OGT)
                                           : (last ? arith::CmpFPredicate::OLE
                                                   : arith::CmpFPredicate::OLT);
            better = arith::CmpFOp::create(nb, nl, p, v, acc);
          } else {
            using P = arith::CmpIPredicate;
            P p = isMax
                      ? (last ? (u ? P::uge : P::sge) : (u ? P::ugt : P::sgt))
                      : (last ? (u ? P::ule : P::sle) : (u ? P::ult : P::slt));
            better = arith::CmpIOp::create(nb, nl, p, v, acc);
          }
          Value j = arith::IndexCastOp::create(
              nb, nl, nb.getI64Type(), linalg::IndexOp::create(nb, nl, axis));
          linalg::YieldOp::create(
              nb, nl,
              ValueRange{arith::SelectOp::create(nb, nl, better, v, acc),
                         arith::SelectOp::create(nb, nl, better, j, args[2])});
        });
    Value result = generic.getResult(1);
    if (op.getKeepdims())
      result = insertUnitDims(b, loc, result, {axis});
    rewriter.replaceOp(
        op, castTo(b, loc, result,
                   this->getTypeConverter()->convertType(op.getType())));
    return success();
  }
};

/// cumsum as a reduction over a second copy of the axis: result[.., i, ..]
/// adds input[.., j, ..] for the j that the direction and exclusivity admit.
struct CumsumLowering : OpConversionPattern<CumsumOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(CumsumOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    OpBuilder &b = rewriter;
    Value x = adaptor.getInput();
    auto type = cast<RankedTensorType>(x.getType());
    Type t = type.getElementType();
    int64_t rank = type.getRank(), axis = op.getAxis();
    SmallVector<AffineExpr> inputExprs;
    for (int64_t i = 0; i < rank; ++i)
      inputExprs.push_back(b.getAffineDimExpr(i == axis ? rank : i));
    AffineMap inputMap =
        AffineMap::get(rank + 1, 0, inputExprs, b.getContext());
    AffineMap outputMap =
        AffineMap::getMultiDimIdentityMap(rank + 1, b.getContext())
            .getMajorSubMap(rank);
    SmallVector<utils::IteratorType> iterators = getParallelIterators(rank);
    iterators.push_back(utils::IteratorType::reduction);
    Value init = createFilled(b, loc, tensor::getMixedSizes(b, loc, x),
                              createScalar(b, loc, t, 0));
    bool exclusive = op.getExclusive(), reverse = op.getReverse();
    using P = arith::CmpIPredicate;
    P predicate =
        reverse ? (exclusive ? P::sgt : P::sge) : (exclusive ? P::slt : P::sle);
    Value result =
        linalg::GenericOp::create(
            b, loc, TypeRange{init.getType()}, ValueRange{x}, ValueRange{init},
            ArrayRef<AffineMap>{inputMap, outputMap}, iterators,
            [&](OpBuilder &nb, Location nl, ValueRange args) {
              Value i = linalg::IndexOp::create(nb, nl, axis);
              Value j = linalg::IndexOp::create(nb, nl, rank);
              Value included = arith::CmpIOp::create(nb, nl, predicate, j, i);
              Value sum = addOf(nb, nl, args[1], args[0]);
              Value next =
                  arith::SelectOp::create(nb, nl, included, sum, args[1]);
              linalg::YieldOp::create(nb, nl, next);
            })
            .getResult(0);
    rewriter.replaceOp(
        op,
        castTo(b, loc, result, getTypeConverter()->convertType(op.getType())));
    return success();
  }
};

/// softmax and log_softmax along one axis.
template <typename OpT, bool isLog>
struct SoftmaxLowering : OpConversionPattern<OpT> {
  using OpConversionPattern<OpT>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OpT op, typename OpT::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    Type t = getElementTypeOrSelf(x.getType());
    SmallVector<int64_t> axes = {static_cast<int64_t>(op.getAxis())};
    OpBuilder &b = rewriter;
    Value m = maxOver(b, loc, x, axes, false);
    Value e = mapWithReduced(b, loc, x, {m}, axes, {}, t,
                             [](OpBuilder &nb, Location nl, ValueRange a) {
                               Value d = arith::SubFOp::create(nb, nl, a[0], a[1]);
                               return math::ExpOp::create(nb, nl, d);
                             });
    Value s = sumOver(b, loc, e, axes);
    Value result;
    if (isLog) {
      result = mapWithReduced(b, loc, x, {m, s}, axes, {}, t,
                              [](OpBuilder &nb, Location nl, ValueRange a) {
                                Value d = arith::SubFOp::create(nb, nl, a[0], a[1]);
                                Value l = math::LogOp::create(nb, nl, a[2]);
                                return arith::SubFOp::create(nb, nl, d, l);
                              });
    } else {
      result = mapWithReduced(b, loc, e, {s}, axes, {}, t,
                              [](OpBuilder &nb, Location nl, ValueRange a) {
                                return arith::DivFOp::create(nb, nl, a[0], a[1]);
                              });
    }
    rewriter.replaceOp(op, castTo(b, loc, result,
                                  this->getTypeConverter()->convertType(
                                      op.getType())));
    return success();
  }
};

/// (x - mean) * rsqrt(var + eps) over `axes`, times scale plus bias.
/// 1 / sqrt(mean(x^2) + eps) over `axes` of `x` (`count` elements each).
Value inverseRootMeanSquare(OpBuilder &b, Location loc, Value x,
                            ArrayRef<int64_t> axes, Value count, Value eps) {
  Type t = getElementTypeOrSelf(x.getType());
  Value squares = mapWithReduced(b, loc, x, {}, {}, {}, t,
                                 [](OpBuilder &nb, Location nl, ValueRange a) {
                                   return arith::MulFOp::create(nb, nl, a[0], a[0]);
                                 });
  Value sumSq = sumOver(b, loc, squares, axes);
  return buildElementwise(
      b, loc, ValueRange{sumSq}, cast<RankedTensorType>(sumSq.getType()),
      tensor::getMixedSizes(b, loc, sumSq),
      [&](OpBuilder &nb, Location nl, ValueRange a) {
        Value var = arith::DivFOp::create(nb, nl, a[0], count);
        Value shifted = arith::AddFOp::create(nb, nl, var, eps);
        return math::RsqrtOp::create(nb, nl, shifted);
      });
}

Value normalize(OpBuilder &b, Location loc, Value x, ArrayRef<int64_t> axes,
                double epsilon, bool center, ArrayRef<Value> params,
                bool hasBias) {
  Type t = getElementTypeOrSelf(x.getType());
  Value count = countOver(b, loc, x, axes, t);
  Value eps = createScalar(b, loc, t, epsilon);
  Value mean;
  Value centered = x;
  if (center) {
    Value sum = sumOver(b, loc, x, axes);
    mean = buildElementwise(b, loc, ValueRange{sum},
                            cast<RankedTensorType>(sum.getType()),
                            tensor::getMixedSizes(b, loc, sum),
                            [&](OpBuilder &nb, Location nl, ValueRange a) {
                              return arith::DivFOp::create(nb, nl, a[0], count);
                            });
    centered = mapWithReduced(b, loc, x, {mean}, axes, {}, t,
                              [](OpBuilder &nb, Location nl, ValueRange a) {
                                return arith::SubFOp::create(nb, nl, a[0], a[1]);
                              });
  }
  Value invStd = inverseRootMeanSquare(b, loc, centered, axes, count, eps);
  return mapWithReduced(
      b, loc, centered, {invStd}, axes, params, t,
      [&](OpBuilder &nb, Location nl, ValueRange a) {
        Value y = arith::MulFOp::create(nb, nl, a[0], a[1]);
        y = arith::MulFOp::create(nb, nl, y, a[2]);
        if (hasBias)
          y = arith::AddFOp::create(nb, nl, y, a[3]);
        return y;
      });
}

struct LayerNormLowering : OpConversionPattern<LayerNormOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(LayerNormOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    int64_t rank = op.getType().getRank();
    SmallVector<int64_t> axes;
    for (int64_t i = op.getAxis(); i < rank; ++i)
      axes.push_back(i);
    SmallVector<Value> params = {adaptor.getScale()};
    if (adaptor.getBias())
      params.push_back(adaptor.getBias());
    Value result = normalize(rewriter, op.getLoc(), adaptor.getInput(), axes,
                             op.getEpsilon().convertToDouble(),
                             /*center=*/true, params, adaptor.getBias() != nullptr);
    rewriter.replaceOp(op, castTo(rewriter, op.getLoc(), result, op.getType()));
    return success();
  }
};

struct RmsNormLowering : OpConversionPattern<RmsNormOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(RmsNormOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    int64_t rank = op.getType().getRank();
    Value result = normalize(rewriter, op.getLoc(), adaptor.getInput(),
                             {rank - 1}, op.getEpsilon().convertToDouble(),
                             /*center=*/false, {adaptor.getWeight()}, false);
    rewriter.replaceOp(op, castTo(rewriter, op.getLoc(), result, op.getType()));
    return success();
  }
};

struct Pool2dLowering : OpConversionPattern<Pool2dOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(Pool2dOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RankedTensorType type = getResultType(*getTypeConverter(), op);
    auto sizes = reifyResultSizes(op, adaptor, rewriter, type);
    if (failed(sizes))
      return failure();
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    OpBuilder &b = rewriter;
    ShapeBuilder sb(ctx, std::nullopt, Pool2dOp::getOperationName());
    FailureOr<mlc::detail::Window> window = mlc::detail::getWindow(
        sb, op.getStrides(), op.getDilations(), op.getPadding());
    if (failed(window))
      return failure();
    bool nchw = op.getLayout() == Layout::nchw;
    bool isMax = op.getKind() == PoolKind::max;
    bool u = isUnsigned(op.getInput().getType());
    Type t = type.getElementType();
    Value input = adaptor.getInput();
    int64_t hDim = nchw ? 2 : 1;
    ArrayRef<int64_t> kernel = op.getKernel();
    ArrayRef<int64_t> pad = window->padding;
    SmallVector<OpFoldResult> inSizes = tensor::getMixedSizes(b, loc, input);

    // Pad with the neutral element, also past the end for ceil mode:
    // extra = max(0, (out - 1) * stride + extent - (in + pad_begin + pad_end)).
    SmallVector<OpFoldResult> low(4, b.getIndexAttr(0)), high(4, b.getIndexAttr(0));
    SmallVector<Value> extent(2);
    for (int64_t i = 0; i < 2; ++i) {
      int64_t d = hDim + i;
      Value out = toValue(b, loc, (*sizes)[0][d]);
      Value in = toValue(b, loc, inSizes[d]);
      int64_t windowExtent = window->dilations[i] * (kernel[i] - 1) + 1;
      Value needed = arith::AddIOp::create(
          b, loc,
          arith::MulIOp::create(
              b, loc,
              arith::SubIOp::create(b, loc, out,
                                    arith::ConstantIndexOp::create(b, loc, 1)),
              arith::ConstantIndexOp::create(b, loc, window->strides[i])),
          arith::ConstantIndexOp::create(b, loc, windowExtent));
      Value have = arith::AddIOp::create(
          b, loc, in,
          arith::ConstantIndexOp::create(b, loc, pad[i] + pad[i + 2]));
      Value extra = arith::MaxSIOp::create(
          b, loc, arith::SubIOp::create(b, loc, needed, have),
          arith::ConstantIndexOp::create(b, loc, 0));
      low[d] = b.getIndexAttr(pad[i]);
      high[d] = getAsOpFoldResult(arith::AddIOp::create(
          b, loc, extra, arith::ConstantIndexOp::create(b, loc, pad[i + 2])));
      extent[i] = in;
    }
    Value neutral = isMax ? createLowest(b, loc, t, u) : createScalar(b, loc, t, 0);
    SmallVector<int64_t> paddedShape(4, ShapedType::kDynamic);
    for (int64_t i = 0; i < 4; ++i)
      if (i != hDim && i != hDim + 1)
        paddedShape[i] = cast<RankedTensorType>(input.getType()).getDimSize(i);
    Value padded = tensor::PadOp::create(
        b, loc, RankedTensorType::get(paddedShape, t), input, low, high,
        neutral);

    // Window reduction: loops (n, c, oh, ow, kh, kw) or (n, oh, ow, c, kh, kw).
    auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
    int64_t oh = nchw ? 2 : 1;
    SmallVector<AffineExpr> inExprs;
    for (int64_t i = 0; i < 4; ++i) {
      if (i == hDim || i == hDim + 1) {
        int64_t s = i - hDim;
        inExprs.push_back(d(oh + s) * window->strides[s] +
                          d(4 + s) * window->dilations[s]);
      } else {
        inExprs.push_back(d(i));
      }
    }
    AffineMap inMap = AffineMap::get(6, 0, inExprs, ctx);
    AffineMap kernelMap = AffineMap::get(6, 0, {d(4), d(5)}, ctx);
    AffineMap outMap = AffineMap::get(6, 0, {d(0), d(1), d(2), d(3)}, ctx);
    Value kernelShape = createEmpty(
        b, loc, {b.getIndexAttr(kernel[0]), b.getIndexAttr(kernel[1])}, t);
    Value init = createFilled(b, loc, (*sizes)[0], neutral);
    SmallVector<utils::IteratorType> iterators = getParallelIterators(4);
    iterators.append(2, utils::IteratorType::reduction);
    Value pooled =
        linalg::GenericOp::create(
            b, loc, TypeRange{init.getType()}, ValueRange{padded, kernelShape},
            ValueRange{init}, ArrayRef<AffineMap>{inMap, kernelMap, outMap},
            iterators,
            [&](OpBuilder &nb, Location nl, ValueRange args) {
              Value r = isMax ? maxOf(nb, nl, args[2], args[0], u)
                              : addOf(nb, nl, args[2], args[0]);
              linalg::YieldOp::create(nb, nl, r);
            })
            .getResult(0);
    if (!isMax)
      pooled = divideByWindowCount(b, loc, pooled, *window, kernel, extent,
                                   op.getCountIncludePad(), nchw, t, u);
    rewriter.replaceOp(op, castTo(b, loc, pooled, type));
    return success();
  }

  /// Divides window sums by the number of taps inside [lo, hi) per spatial
  /// dim: the input (or, with count_include_pad, the input and its explicit
  /// padding, but not the ceil-mode overhang).
  static Value divideByWindowCount(OpBuilder &b, Location loc, Value sums,
                                   const mlc::detail::Window &window,
                                   ArrayRef<int64_t> kernel,
                                   ArrayRef<Value> inSizes,
                                   bool countIncludePad, bool nchw, Type t,
                                   bool u) {
    auto type = cast<RankedTensorType>(sums.getType());
    int64_t oh = nchw ? 2 : 1;
    return buildElementwise(
        b, loc, ValueRange{sums}, type, tensor::getMixedSizes(b, loc, sums),
        [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
          auto c = [&](int64_t v) {
            return arith::ConstantIndexOp::create(nb, nl, v);
          };
          Value count = c(1);
          for (int64_t i = 0; i < 2; ++i) {
            int64_t s = window.strides[i], dl = window.dilations[i];
            int64_t pb = window.padding[i], pe = window.padding[i + 2];
            Value o = linalg::IndexOp::create(nb, nl, oh + i);
            // Position of tap 0 in input coordinates.
            Value base = arith::SubIOp::create(
                nb, nl, arith::MulIOp::create(nb, nl, o, c(s)), c(pb));
            Value lo = countIncludePad ? c(-pb) : c(0);
            Value hi = countIncludePad
                           ? arith::AddIOp::create(nb, nl, inSizes[i], c(pe))
                           : inSizes[i];
            // first tap k >= ceil((lo - base) / dl), last k <= floor((hi - 1 - base) / dl)
            Value first = arith::CeilDivSIOp::create(
                nb, nl, arith::SubIOp::create(nb, nl, lo, base), c(dl));
            first = arith::MaxSIOp::create(nb, nl, first, c(0));
            Value last = arith::FloorDivSIOp::create(
                nb, nl,
                arith::SubIOp::create(
                    nb, nl, arith::SubIOp::create(nb, nl, hi, c(1)), base),
                c(dl));
            last = arith::MinSIOp::create(nb, nl, last, c(kernel[i] - 1));
            Value taps = arith::AddIOp::create(
                nb, nl, arith::SubIOp::create(nb, nl, last, first), c(1));
            taps = arith::MaxSIOp::create(nb, nl, taps, c(1));
            count = arith::MulIOp::create(nb, nl, count, taps);
          }
          Value divisor = convertScalar(nb, nl, count, t, false, u);
          if (isa<FloatType>(t))
            return arith::DivFOp::create(nb, nl, a[0], divisor);
          if (u)
            return arith::DivUIOp::create(nb, nl, a[0], divisor);
          return arith::DivSIOp::create(nb, nl, a[0], divisor);
        });
  }
};

} // namespace

Value mlc::lowering::inverseRms(OpBuilder &b, Location loc, Value x,
                                double epsilon) {
  int64_t last = cast<RankedTensorType>(x.getType()).getRank() - 1;
  Type t = getElementTypeOrSelf(x.getType());
  return inverseRootMeanSquare(b, loc, x, {last},
                               countOver(b, loc, x, {last}, t),
                               createScalar(b, loc, t, epsilon));
}

void mlc::lowering::populateReductionPatterns(const TypeConverter &converter,
                                              RewritePatternSet &patterns) {
  patterns
      .add<ReduceLowering, SoftmaxLowering<SoftmaxOp, false>,
           SoftmaxLowering<LogSoftmaxOp, true>, LayerNormLowering,
           RmsNormLowering, Pool2dLowering, ArgExtremumLowering<ArgmaxOp, true>,
           ArgExtremumLowering<ArgminOp, false>, CumsumLowering>(
          converter, patterns.getContext());
}
