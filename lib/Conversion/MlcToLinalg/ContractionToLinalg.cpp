//===- ContractionToLinalg.cpp - matmul, gemm and conv2d to linalg --------===//
//
// Matmuls become contraction linalg.generics (broadcast batch dimensions and
// transposes are indexing maps). Convolutions become linalg's named conv ops
// (plain and depthwise), or a grouped-convolution generic; the bias, if any,
// initializes the accumulator.
//
//===----------------------------------------------------------------------===//

#include "PatternsImpl.h"
#include "Utils.h"
#include "mlir/IR/AffineExpr.h"

using namespace mlir;
using namespace mlc;
using namespace mlc::lowering;

namespace {

Value multiplyAdd(OpBuilder &b, Location loc, Value acc, Value x, Value y) {
  if (isa<FloatType>(acc.getType()))
    return arith::AddFOp::create(b, loc, acc,
                                 arith::MulFOp::create(b, loc, x, y));
  return arith::AddIOp::create(b, loc, acc,
                               arith::MulIOp::create(b, loc, x, y));
}

/// `lhs @ rhs` with NumPy batch broadcasting into `resultType` (rank R):
/// loops (batch..., m, n, k).
Value buildMatmul(OpBuilder &b, Location loc, Value lhs, Value rhs,
                  bool transposeLhs, bool transposeRhs,
                  RankedTensorType resultType, ArrayRef<OpFoldResult> sizes) {
  MLIRContext *ctx = b.getContext();
  int64_t rank = resultType.getRank();
  int64_t batch = rank - 2;
  AffineExpr m = getAffineDimExpr(batch, ctx);
  AffineExpr n = getAffineDimExpr(batch + 1, ctx);
  AffineExpr k = getAffineDimExpr(batch + 2, ctx);
  auto operandMap = [&](Value v, AffineExpr row, AffineExpr col) {
    auto type = cast<RankedTensorType>(v.getType());
    int64_t vBatch = type.getRank() - 2;
    SmallVector<AffineExpr> exprs;
    for (int64_t i = 0; i < vBatch; ++i) {
      int64_t r = batch - vBatch + i;
      bool broadcast =
          type.getDimSize(i) == 1 && resultType.getDimSize(r) != 1;
      exprs.push_back(broadcast ? getAffineConstantExpr(0, ctx)
                                : getAffineDimExpr(r, ctx));
    }
    exprs.push_back(row);
    exprs.push_back(col);
    return AffineMap::get(rank + 1, 0, exprs, ctx);
  };
  AffineMap lhsMap = transposeLhs ? operandMap(lhs, k, m) : operandMap(lhs, m, k);
  AffineMap rhsMap = transposeRhs ? operandMap(rhs, n, k) : operandMap(rhs, k, n);
  SmallVector<AffineExpr> outExprs;
  for (int64_t i = 0; i < rank; ++i)
    outExprs.push_back(getAffineDimExpr(i, ctx));
  AffineMap outMap = AffineMap::get(rank + 1, 0, outExprs, ctx);
  SmallVector<utils::IteratorType> iterators = getParallelIterators(rank);
  iterators.push_back(utils::IteratorType::reduction);
  Type elementType = resultType.getElementType();
  Value init = createFilled(b, loc, sizes, createScalar(b, loc, elementType, 0));
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{init.getType()}, ValueRange{lhs, rhs}, ValueRange{init},
      ArrayRef<AffineMap>{lhsMap, rhsMap, outMap}, iterators,
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        linalg::YieldOp::create(nb, nl,
                                multiplyAdd(nb, nl, args[2], args[0], args[1]));
      });
  return castTo(b, loc, generic.getResult(0), resultType);
}

struct MatmulLowering : OpConversionPattern<MatmulOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(MatmulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RankedTensorType type = getResultType(*getTypeConverter(), op);
    auto sizes = reifyResultSizes(op, adaptor, rewriter, type);
    if (failed(sizes))
      return failure();
    rewriter.replaceOp(op, buildMatmul(rewriter, op.getLoc(), adaptor.getLhs(),
                                       adaptor.getRhs(), op.getTransposeLhs(),
                                       op.getTransposeRhs(), type,
                                       (*sizes)[0]));
    return success();
  }
};

struct GemmLowering : OpConversionPattern<GemmOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(GemmOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RankedTensorType type = getResultType(*getTypeConverter(), op);
    auto sizes = reifyResultSizes(op, adaptor, rewriter, type);
    if (failed(sizes))
      return failure();
    Location loc = op.getLoc();
    Value product =
        buildMatmul(rewriter, loc, adaptor.getLhs(), adaptor.getRhs(),
                    op.getTransposeLhs(), op.getTransposeRhs(), type,
                    (*sizes)[0]);
    double alpha = op.getAlpha().convertToDouble();
    double beta = op.getBeta().convertToDouble();
    Value bias = adaptor.getBias();
    if (alpha == 1.0 && (!bias || beta == 0.0)) {
      rewriter.replaceOp(op, product);
      return success();
    }
    SmallVector<Value> operands = {product};
    if (bias && beta != 0.0)
      operands.push_back(bias);
    Type elementType = type.getElementType();
    Value result = buildElementwise(
        rewriter, loc, operands, type, (*sizes)[0],
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          bool isFloatType = isa<FloatType>(elementType);
          auto scale = [&](Value v, double factor) -> Value {
            if (factor == 1.0)
              return v;
            Value f = createScalar(b, l, elementType, factor);
            if (isFloatType)
              return arith::MulFOp::create(b, l, v, f);
            return arith::MulIOp::create(b, l, v, f);
          };
          Value acc = scale(args[0], alpha);
          if (args.size() == 1)
            return acc;
          Value c = scale(args[1], beta);
          if (isFloatType)
            return arith::AddFOp::create(b, l, acc, c);
          return arith::AddIOp::create(b, l, acc, c);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct Conv2dLowering : OpConversionPattern<Conv2dOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(Conv2dOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RankedTensorType type = getResultType(*getTypeConverter(), op);
    auto sizes = reifyResultSizes(op, adaptor, rewriter, type);
    if (failed(sizes))
      return failure();
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    bool nchw = op.getLayout() == Layout::nchw;
    Value input = adaptor.getInput(), filter = adaptor.getFilter();
    auto inputType = cast<RankedTensorType>(input.getType());
    auto filterType = cast<RankedTensorType>(filter.getType());
    Type elementType = type.getElementType();
    ShapeBuilder sb(ctx, std::nullopt, Conv2dOp::getOperationName());
    FailureOr<mlc::detail::Window> window = mlc::detail::getWindow(
        sb, op.getStrides(), op.getDilations(), op.getPadding());
    if (failed(window))
      return failure();
    int64_t groups = op.getGroups();

    // Zero padding first.
    ArrayRef<int64_t> pad = window->padding;
    if (llvm::any_of(pad, [](int64_t p) { return p != 0; })) {
      int64_t hDim = nchw ? 2 : 1;
      SmallVector<OpFoldResult> low(4, rewriter.getIndexAttr(0));
      SmallVector<OpFoldResult> high(4, rewriter.getIndexAttr(0));
      low[hDim] = rewriter.getIndexAttr(pad[0]);
      low[hDim + 1] = rewriter.getIndexAttr(pad[1]);
      high[hDim] = rewriter.getIndexAttr(pad[2]);
      high[hDim + 1] = rewriter.getIndexAttr(pad[3]);
      SmallVector<int64_t> shape(inputType.getShape());
      for (int64_t i = 0; i < 2; ++i)
        if (!ShapedType::isDynamic(shape[hDim + i]))
          shape[hDim + i] += pad[i] + pad[i + 2];
      input = tensor::PadOp::create(
          rewriter, loc, RankedTensorType::get(shape, elementType), input, low,
          high, createScalar(rewriter, loc, elementType, 0));
      inputType = cast<RankedTensorType>(input.getType());
    }

    // The accumulator starts as the bias (or zero).
    int64_t channelDim = nchw ? 1 : 3;
    Value init;
    if (Value bias = adaptor.getBias()) {
      AffineMap biasMap = AffineMap::get(4, 0, getAffineDimExpr(channelDim, ctx));
      Value empty = createEmpty(rewriter, loc, (*sizes)[0], elementType);
      init = linalg::GenericOp::create(
                 rewriter, loc, TypeRange{empty.getType()}, ValueRange{bias},
                 ValueRange{empty},
                 ArrayRef<AffineMap>{biasMap, rewriter.getMultiDimIdentityMap(4)},
                 getParallelIterators(4),
                 [](OpBuilder &nb, Location nl, ValueRange args) {
                   linalg::YieldOp::create(nb, nl, args[0]);
                 })
                 .getResult(0);
    } else {
      init = createFilled(rewriter, loc, (*sizes)[0],
                          createScalar(rewriter, loc, elementType, 0));
    }
    auto i64Vector = [&](ArrayRef<int64_t> values) {
      return DenseIntElementsAttr::get(
          RankedTensorType::get({2}, rewriter.getI64Type()), values);
    };
    Attribute strides = i64Vector(window->strides);
    Attribute dilations = i64Vector(window->dilations);
    Type initType = init.getType();

    int64_t channels = inputType.getDimSize(channelDim);
    int64_t filters = nchw ? filterType.getDimSize(0) : filterType.getDimSize(3);
    Value result;
    if (groups == 1) {
      if (nchw)
        result = linalg::Conv2DNchwFchwOp::create(
                     rewriter, loc, TypeRange{initType},
                     ValueRange{input, filter}, ValueRange{init}, strides,
                     dilations)
                     .getResult(0);
      else
        result = linalg::Conv2DNhwcHwcfOp::create(
                     rewriter, loc, TypeRange{initType},
                     ValueRange{input, filter}, ValueRange{init}, strides,
                     dilations)
                     .getResult(0);
    } else if (groups == channels && filters == channels) {
      // Depthwise: drop the filter's unit input-channel dimension.
      SmallVector<ReassociationIndices> groupsOfDims =
          nchw ? SmallVector<ReassociationIndices>{{0, 1}, {2}, {3}}
               : SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}};
      Value dwFilter =
          tensor::CollapseShapeOp::create(rewriter, loc, filter, groupsOfDims);
      if (nchw)
        result = linalg::DepthwiseConv2DNchwChwOp::create(
                     rewriter, loc, TypeRange{initType},
                     ValueRange{input, dwFilter}, ValueRange{init}, strides,
                     dilations)
                     .getResult(0);
      else
        result = linalg::DepthwiseConv2DNhwcHwcOp::create(
                     rewriter, loc, TypeRange{initType},
                     ValueRange{input, dwFilter}, ValueRange{init}, strides,
                     dilations)
                     .getResult(0);
    } else {
      result = buildGroupedConv(rewriter, loc, input, filter, init, *window,
                                groups, nchw);
      if (!result)
        return rewriter.notifyMatchFailure(
            op, "grouped convolution needs static channel counts");
    }
    rewriter.replaceOp(op, castTo(rewriter, loc, result, type));
    return success();
  }

  /// A grouped convolution as one generic with loops
  /// (n, g, f, oh, ow, c, kh, kw) for nchw and (n, oh, ow, g, f, kh, kw, c)
  /// for nhwc, accumulating into `init`.
  static Value buildGroupedConv(OpBuilder &b, Location loc, Value input,
                                Value filter, Value init,
                                const mlc::detail::Window &window, int64_t groups,
                                bool nchw) {
    MLIRContext *ctx = b.getContext();
    auto filterType = cast<RankedTensorType>(filter.getType());
    int64_t cg = nchw ? filterType.getDimSize(1) : filterType.getDimSize(2);
    int64_t f = nchw ? filterType.getDimSize(0) : filterType.getDimSize(3);
    if (ShapedType::isDynamic(cg) || ShapedType::isDynamic(f))
      return {};
    int64_t fg = f / groups;
    auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
    int64_t sh = window.strides[0], sw = window.strides[1];
    int64_t dh = window.dilations[0], dw = window.dilations[1];
    AffineMap inMap, filterMap;
    if (nchw) {
      // n=0 g=1 f=2 oh=3 ow=4 c=5 kh=6 kw=7
      inMap = AffineMap::get(8, 0,
                             {d(0), d(1) * cg + d(5), d(3) * sh + d(6) * dh,
                              d(4) * sw + d(7) * dw},
                             ctx);
      filterMap = AffineMap::get(8, 0, {d(1) * fg + d(2), d(5), d(6), d(7)}, ctx);
    } else {
      // n=0 oh=1 ow=2 g=3 f=4 kh=5 kw=6 c=7
      inMap = AffineMap::get(8, 0,
                             {d(0), d(1) * sh + d(5) * dh,
                              d(2) * sw + d(6) * dw, d(3) * cg + d(7)},
                             ctx);
      filterMap = AffineMap::get(8, 0, {d(5), d(6), d(7), d(3) * fg + d(4)}, ctx);
    }
    // The output channel g * F/G + f is not a projected permutation, so
    // accumulate in a [.., G, F/G, ..] tensor (loops 0-4 in order) and
    // collapse afterwards.
    auto initType = cast<RankedTensorType>(init.getType());
    SmallVector<int64_t> splitShape;
    SmallVector<OpFoldResult> splitSizes;
    SmallVector<OpFoldResult> initSizes = tensor::getMixedSizes(b, loc, init);
    SmallVector<ReassociationIndices> reassociation;
    for (int64_t i = 0; i < 4; ++i) {
      if (i == (nchw ? 1 : 3)) {
        splitShape.append({groups, fg});
        splitSizes.append({b.getIndexAttr(groups), b.getIndexAttr(fg)});
        reassociation.push_back(
            {static_cast<int64_t>(splitShape.size()) - 2,
             static_cast<int64_t>(splitShape.size()) - 1});
      } else {
        splitShape.push_back(initType.getDimSize(i));
        splitSizes.push_back(initSizes[i]);
        reassociation.push_back({static_cast<int64_t>(splitShape.size()) - 1});
      }
    }
    auto splitType = RankedTensorType::get(splitShape, initType.getElementType());
    Value splitInit = tensor::ExpandShapeOp::create(b, loc, splitType, init,
                                                    reassociation, splitSizes);
    AffineMap splitOutMap =
        AffineMap::get(8, 0, {d(0), d(1), d(2), d(3), d(4)}, ctx);
    SmallVector<utils::IteratorType> iterators = getParallelIterators(5);
    iterators.append(3, utils::IteratorType::reduction);
    Value acc =
        linalg::GenericOp::create(
            b, loc, TypeRange{splitType}, ValueRange{input, filter},
            ValueRange{splitInit},
            ArrayRef<AffineMap>{inMap, filterMap, splitOutMap}, iterators,
            [](OpBuilder &nb, Location nl, ValueRange args) {
              linalg::YieldOp::create(
                  nb, nl, multiplyAdd(nb, nl, args[2], args[0], args[1]));
            })
            .getResult(0);
    return tensor::CollapseShapeOp::create(b, loc, acc, reassociation);
  }
};

} // namespace

void mlc::lowering::populateContractionPatterns(const TypeConverter &converter,
                                                RewritePatternSet &patterns) {
  patterns.add<MatmulLowering, GemmLowering, Conv2dLowering>(
      converter, patterns.getContext());
}
