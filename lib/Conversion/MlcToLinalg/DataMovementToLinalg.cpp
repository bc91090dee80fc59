//===- DataMovementToLinalg.cpp - reshape, gather, slice, ... to tensor ---===//
//
// Data movement becomes tensor ops (reshapes, slices, concat, pad) where one
// fits, and otherwise a linalg.generic that reads its input with
// tensor.extract at computed indices (gathers, reversed slices, mirrored
// padding). Out-of-range gather indices are clamped into the tensor.
//
//===----------------------------------------------------------------------===//

#include "PatternsImpl.h"
#include "Utils.h"

using namespace mlir;
using namespace mlc;
using namespace mlc::lowering;

namespace {

OpFoldResult toOfr(OpBuilder &b, Dim d) {
  if (d.isConstant())
    return b.getIndexAttr(d.getConstant());
  return d.getValue();
}

Value addIndex(OpBuilder &b, Location loc, OpFoldResult x, OpFoldResult y) {
  std::optional<int64_t> cx = getConstantIntValue(x), cy = getConstantIntValue(y);
  if (cx && cy)
    return arith::ConstantIndexOp::create(b, loc, *cx + *cy);
  return arith::AddIOp::create(b, loc, toValue(b, loc, x), toValue(b, loc, y));
}

/// A generic over the index space `sizes` whose element i is
/// `input[index(i)]`, with `index` computed from the loop indices.
Value buildGatherGeneric(
    OpBuilder &b, Location loc, Value input, ValueRange extraInputs,
    ArrayRef<AffineMap> extraMaps, RankedTensorType resultType,
    ArrayRef<OpFoldResult> sizes,
    function_ref<SmallVector<Value>(OpBuilder &, Location, ValueRange loops,
                                    ValueRange extraArgs)>
        computeIndex) {
  int64_t rank = resultType.getRank();
  SmallVector<AffineMap> maps(extraMaps.begin(), extraMaps.end());
  maps.push_back(b.getMultiDimIdentityMap(rank));
  Value init = createEmpty(b, loc, sizes, resultType.getElementType());
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{init.getType()}, extraInputs, ValueRange{init}, maps,
      getParallelIterators(rank),
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        SmallVector<Value> loops;
        for (int64_t i = 0; i < rank; ++i)
          loops.push_back(linalg::IndexOp::create(nb, nl, i));
        SmallVector<Value> index =
            computeIndex(nb, nl, loops, args.drop_back());
        Value element = tensor::ExtractOp::create(nb, nl, input, index);
        linalg::YieldOp::create(nb, nl, element);
      });
  return castTo(b, loc, generic.getResult(0), resultType);
}

/// An index read from an integer tensor element: wrapped if negative
/// (counting from `size`), then clamped into [0, size).
Value normalizeIndex(OpBuilder &b, Location loc, Value raw, Value size) {
  Value index = arith::IndexCastOp::create(b, loc, b.getIndexType(), raw);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value negative =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, index, zero);
  Value wrapped = arith::AddIOp::create(b, loc, index, size);
  index = arith::SelectOp::create(b, loc, negative, wrapped, index);
  return clampIndex(b, loc, index, size);
}

#define MLC_PATTERN(OP)                                                        \
  struct OP##Lowering : OpConversionPattern<OP> {                              \
    using OpConversionPattern::OpConversionPattern;                            \
    LogicalResult                                                              \
    matchAndRewrite(OP op, OpAdaptor adaptor,                                  \
                    ConversionPatternRewriter &rewriter) const override;       \
  };
MLC_PATTERN(ReshapeOp)
MLC_PATTERN(TransposeOp)
MLC_PATTERN(ConcatOp)
MLC_PATTERN(SplitOp)
MLC_PATTERN(SliceOp)
MLC_PATTERN(PadOp)
MLC_PATTERN(ExpandOp)
MLC_PATTERN(SqueezeOp)
MLC_PATTERN(UnsqueezeOp)
MLC_PATTERN(GatherOp)
MLC_PATTERN(GatherElementsOp)
MLC_PATTERN(UpdateSliceOp)
MLC_PATTERN(ShapeOfOp)
MLC_PATTERN(RangeOp)
MLC_PATTERN(ConstantOp)
#undef MLC_PATTERN

} // namespace

/// Reifies the result sizes of `op` or fails the pattern.
#define MLC_REIFY(sizes, types)                                                \
  auto sizes = reifyResultSizes(op, adaptor, rewriter, types);                 \
  if (failed(sizes))                                                           \
    return rewriter.notifyMatchFailure(op, "cannot reify result sizes");

LogicalResult
ReshapeOpLowering::matchAndRewrite(ReshapeOp op, OpAdaptor adaptor,
                                   ConversionPatternRewriter &rewriter) const {
  RankedTensorType type = getResultType(*getTypeConverter(), op);
  MLC_REIFY(sizes, type)
  rewriter.replaceOp(op, reshapeTo(rewriter, op.getLoc(), adaptor.getInput(),
                                   type, (*sizes)[0]));
  return success();
}

LogicalResult
TransposeOpLowering::matchAndRewrite(TransposeOp op, OpAdaptor adaptor,
                                     ConversionPatternRewriter &rewriter) const {
  RankedTensorType type = getResultType(*getTypeConverter(), op);
  MLC_REIFY(sizes, type)
  Location loc = op.getLoc();
  Value init = createEmpty(rewriter, loc, (*sizes)[0], type.getElementType());
  Value result = linalg::TransposeOp::create(rewriter, loc, adaptor.getInput(),
                                             init, op.getPermutation())
                     .getResult()[0];
  rewriter.replaceOp(op, castTo(rewriter, loc, result, type));
  return success();
}

LogicalResult
ConcatOpLowering::matchAndRewrite(ConcatOp op, OpAdaptor adaptor,
                                  ConversionPatternRewriter &rewriter) const {
  RankedTensorType type = getResultType(*getTypeConverter(), op);
  Location loc = op.getLoc();
  Value result;
  if (adaptor.getInputs().size() == 1)
    result = adaptor.getInputs()[0];
  else
    result = tensor::ConcatOp::create(rewriter, loc, op.getAxis(),
                                      adaptor.getInputs());
  rewriter.replaceOp(op, castTo(rewriter, loc, result, type));
  return success();
}

LogicalResult
SplitOpLowering::matchAndRewrite(SplitOp op, OpAdaptor adaptor,
                                 ConversionPatternRewriter &rewriter) const {
  SmallVector<Type> types;
  if (failed(getTypeConverter()->convertTypes(op.getResultTypes(), types)))
    return failure();
  MLC_REIFY(sizes, types)
  Location loc = op.getLoc();
  int64_t axis = op.getAxis();
  int64_t rank = op.getInput().getType().getRank();
  OpFoldResult offset = rewriter.getIndexAttr(0);
  SmallVector<Value> results;
  for (auto [type, resultSizes] : llvm::zip(types, *sizes)) {
    SmallVector<OpFoldResult> offsets(rank, rewriter.getIndexAttr(0));
    offsets[axis] = offset;
    SmallVector<OpFoldResult> strides(rank, rewriter.getIndexAttr(1));
    Value piece = tensor::ExtractSliceOp::create(
        rewriter, loc, adaptor.getInput(), offsets, resultSizes, strides);
    results.push_back(castTo(rewriter, loc, piece, type));
    Value next = addIndex(rewriter, loc, offset, resultSizes[axis]);
    offset = getAsOpFoldResult(next);
  }
  rewriter.replaceOp(op, results);
  return success();
}

LogicalResult
SliceOpLowering::matchAndRewrite(SliceOp op, OpAdaptor adaptor,
                                 ConversionPatternRewriter &rewriter) const {
  RankedTensorType type = getResultType(*getTypeConverter(), op);
  Location loc = op.getLoc();
  ShapeBuilder b(rewriter, loc, SliceOp::getOperationName(), type);
  SmallVector<SliceAxis> axes;
  if (failed(getSliceAxes(b, adaptor, axes)))
    return failure();
  Value input = adaptor.getInput();
  int64_t rank = type.getRank();
  SmallVector<OpFoldResult> offsets(rank, rewriter.getIndexAttr(0));
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(rewriter, loc, input);
  SmallVector<OpFoldResult> strides(rank, rewriter.getIndexAttr(1));
  bool reversed = false;
  for (const SliceAxis &a : axes) {
    offsets[a.axis] = toOfr(rewriter, a.start);
    sizes[a.axis] = toOfr(rewriter, a.length);
    strides[a.axis] = rewriter.getIndexAttr(a.step);
    reversed |= a.step < 0;
  }
  Value result;
  if (!reversed) {
    result = tensor::ExtractSliceOp::create(rewriter, loc, input, offsets,
                                            sizes, strides);
  } else {
    // Negative steps: input[offset + i * stride] element by element.
    result = buildGatherGeneric(
        rewriter, loc, input, {}, {}, type, sizes,
        [&](OpBuilder &nb, Location nl, ValueRange loops, ValueRange) {
          SmallVector<Value> index;
          for (int64_t i = 0; i < rank; ++i) {
            Value scaled = arith::MulIOp::create(
                nb, nl, loops[i], toValue(nb, nl, strides[i]));
            index.push_back(arith::AddIOp::create(
                nb, nl, toValue(nb, nl, offsets[i]), scaled));
          }
          return index;
        });
  }
  rewriter.replaceOp(op, castTo(rewriter, loc, result, type));
  return success();
}

LogicalResult
PadOpLowering::matchAndRewrite(PadOp op, OpAdaptor adaptor,
                               ConversionPatternRewriter &rewriter) const {
  RankedTensorType type = getResultType(*getTypeConverter(), op);
  Location loc = op.getLoc();
  Value input = adaptor.getInput();
  int64_t rank = type.getRank();
  ArrayRef<int64_t> padding = op.getPadding();
  Type elementType = type.getElementType();
  if (op.getMode() == PadMode::constant) {
    SmallVector<OpFoldResult> low, high;
    for (int64_t i = 0; i < rank; ++i) {
      low.push_back(rewriter.getIndexAttr(padding[i]));
      high.push_back(rewriter.getIndexAttr(padding[i + rank]));
    }
    Value value;
    if (TypedAttr attr = op.getValueAttr()) {
      if (auto f = dyn_cast<FloatAttr>(attr))
        value = createScalar(rewriter, loc, elementType, f.getValueAsDouble());
      else
        value = arith::ConstantOp::create(
            rewriter, loc,
            rewriter.getIntegerAttr(elementType,
                                    cast<IntegerAttr>(attr).getValue()));
    } else {
      value = createScalar(rewriter, loc, elementType, 0);
    }
    Value padded = tensor::PadOp::create(rewriter, loc, type, input, low, high,
                                         value);
    rewriter.replaceOp(op, padded);
    return success();
  }
  MLC_REIFY(sizes, type)
  SmallVector<OpFoldResult> inSizes = tensor::getMixedSizes(rewriter, loc, input);
  PadMode mode = op.getMode();
  Value result = buildGatherGeneric(
      rewriter, loc, input, {}, {}, type, (*sizes)[0],
      [&](OpBuilder &nb, Location nl, ValueRange loops, ValueRange) {
        SmallVector<Value> index;
        Value zero = arith::ConstantIndexOp::create(nb, nl, 0);
        Value one = arith::ConstantIndexOp::create(nb, nl, 1);
        for (int64_t i = 0; i < rank; ++i) {
          Value size = toValue(nb, nl, inSizes[i]);
          Value x = arith::SubIOp::create(
              nb, nl, loops[i],
              arith::ConstantIndexOp::create(nb, nl, padding[i]));
          Value last = arith::SubIOp::create(nb, nl, size, one);
          if (mode == PadMode::edge) {
            x = clampIndex(nb, nl, x, size);
          } else if (mode == PadMode::reflect) {
            // -x before the start, 2 (size - 1) - x past the end.
            Value neg = arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::slt,
                                              x, zero);
            Value mirroredLow = arith::SubIOp::create(nb, nl, zero, x);
            x = arith::SelectOp::create(nb, nl, neg, mirroredLow, x);
            Value past = arith::CmpIOp::create(
                nb, nl, arith::CmpIPredicate::sgt, x, last);
            Value twiceLast = arith::AddIOp::create(nb, nl, last, last);
            Value mirroredHigh = arith::SubIOp::create(nb, nl, twiceLast, x);
            x = arith::SelectOp::create(nb, nl, past, mirroredHigh, x);
            x = clampIndex(nb, nl, x, size);
          } else {
            // wrap: ((x mod size) + size) mod size
            Value r = arith::RemSIOp::create(nb, nl, x, size);
            Value shifted = arith::AddIOp::create(nb, nl, r, size);
            x = arith::RemSIOp::create(nb, nl, shifted, size);
          }
          index.push_back(x);
        }
        return index;
      });
  rewriter.replaceOp(op, result);
  return success();
}

LogicalResult
ExpandOpLowering::matchAndRewrite(ExpandOp op, OpAdaptor adaptor,
                                  ConversionPatternRewriter &rewriter) const {
  RankedTensorType type = getResultType(*getTypeConverter(), op);
  MLC_REIFY(sizes, type)
  Value result = buildElementwise(
      rewriter, op.getLoc(), ValueRange{adaptor.getInput()}, type, (*sizes)[0],
      [](OpBuilder &, Location, ValueRange args) { return args[0]; });
  rewriter.replaceOp(op, result);
  return success();
}

LogicalResult
SqueezeOpLowering::matchAndRewrite(SqueezeOp op, OpAdaptor adaptor,
                                   ConversionPatternRewriter &rewriter) const {
  RankedTensorType type = getResultType(*getTypeConverter(), op);
  MLC_REIFY(sizes, type)
  rewriter.replaceOp(op, reshapeTo(rewriter, op.getLoc(), adaptor.getInput(),
                                   type, (*sizes)[0]));
  return success();
}

LogicalResult
UnsqueezeOpLowering::matchAndRewrite(UnsqueezeOp op, OpAdaptor adaptor,
                                     ConversionPatternRewriter &rewriter) const {
  RankedTensorType type = getResultType(*getTypeConverter(), op);
  Location loc = op.getLoc();
  Value result = insertUnitDims(rewriter, loc, adaptor.getInput(), op.getAxes());
  rewriter.replaceOp(op, castTo(rewriter, loc, result, type));
  return success();
}

LogicalResult
GatherOpLowering::matchAndRewrite(GatherOp op, OpAdaptor adaptor,
                                  ConversionPatternRewriter &rewriter) const {
  RankedTensorType type = getResultType(*getTypeConverter(), op);
  MLC_REIFY(sizes, type)
  Location loc = op.getLoc();
  Value input = adaptor.getInput();
  Value indices = adaptor.getIndices();
  int64_t axis = op.getAxis();
  int64_t idxRank = cast<RankedTensorType>(indices.getType()).getRank();
  int64_t inRank = cast<RankedTensorType>(input.getType()).getRank();
  SmallVector<AffineExpr> idxExprs;
  for (int64_t i = 0; i < idxRank; ++i)
    idxExprs.push_back(rewriter.getAffineDimExpr(axis + i));
  AffineMap idxMap =
      AffineMap::get(type.getRank(), 0, idxExprs, rewriter.getContext());
  Value axisSize = tensor::DimOp::create(rewriter, loc, input, axis);
  Value result = buildGatherGeneric(
      rewriter, loc, input, ValueRange{indices}, {idxMap}, type, (*sizes)[0],
      [&](OpBuilder &nb, Location nl, ValueRange loops, ValueRange args) {
        SmallVector<Value> index(loops.begin(), loops.begin() + axis);
        index.push_back(normalizeIndex(nb, nl, args[0], axisSize));
        for (int64_t i = axis + 1; i < inRank; ++i)
          index.push_back(loops[i + idxRank - 1]);
        return index;
      });
  rewriter.replaceOp(op, result);
  return success();
}

LogicalResult GatherElementsOpLowering::matchAndRewrite(
    GatherElementsOp op, OpAdaptor adaptor,
    ConversionPatternRewriter &rewriter) const {
  RankedTensorType type = getResultType(*getTypeConverter(), op);
  MLC_REIFY(sizes, type)
  Location loc = op.getLoc();
  Value input = adaptor.getInput();
  int64_t axis = op.getAxis();
  Value axisSize = tensor::DimOp::create(rewriter, loc, input, axis);
  Value result = buildGatherGeneric(
      rewriter, loc, input, ValueRange{adaptor.getIndices()},
      {rewriter.getMultiDimIdentityMap(type.getRank())}, type, (*sizes)[0],
      [&](OpBuilder &nb, Location nl, ValueRange loops, ValueRange args) {
        SmallVector<Value> index(loops.begin(), loops.end());
        index[axis] = normalizeIndex(nb, nl, args[0], axisSize);
        return index;
      });
  rewriter.replaceOp(op, result);
  return success();
}

LogicalResult UpdateSliceOpLowering::matchAndRewrite(
    UpdateSliceOp op, OpAdaptor adaptor,
    ConversionPatternRewriter &rewriter) const {
  RankedTensorType type = getResultType(*getTypeConverter(), op);
  Location loc = op.getLoc();
  Value dest = adaptor.getDest(), update = adaptor.getUpdate();
  int64_t axis = op.getAxis();
  int64_t rank = type.getRank();
  Value raw = tensor::ExtractOp::create(rewriter, loc, adaptor.getOffset(),
                                        ValueRange{});
  Value offset = arith::IndexCastOp::create(rewriter, loc,
                                            rewriter.getIndexType(), raw);
  // Keep the write inside dest: offset in [0, dest - update].
  Value destSize = tensor::DimOp::create(rewriter, loc, dest, axis);
  Value updateSize = tensor::DimOp::create(rewriter, loc, update, axis);
  Value room = arith::SubIOp::create(rewriter, loc, destSize, updateSize);
  Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
  offset = arith::MaxSIOp::create(rewriter, loc, offset, zero);
  offset = arith::MinSIOp::create(rewriter, loc, offset, room);
  SmallVector<OpFoldResult> offsets(rank, rewriter.getIndexAttr(0));
  offsets[axis] = offset;
  SmallVector<OpFoldResult> strides(rank, rewriter.getIndexAttr(1));
  Value result = tensor::InsertSliceOp::create(
      rewriter, loc, update, dest, offsets,
      tensor::getMixedSizes(rewriter, loc, update), strides);
  rewriter.replaceOp(op, castTo(rewriter, loc, result, type));
  return success();
}

LogicalResult
ShapeOfOpLowering::matchAndRewrite(ShapeOfOp op, OpAdaptor adaptor,
                                   ConversionPatternRewriter &rewriter) const {
  Location loc = op.getLoc();
  Value input = adaptor.getInput();
  int64_t rank = cast<RankedTensorType>(input.getType()).getRank();
  if (rank == 0) {
    rewriter.replaceOpWithNewOp<arith::ConstantOp>(
        op, DenseElementsAttr::get(op.getType(), ArrayRef<int64_t>()));
    return success();
  }
  SmallVector<Value> dims;
  for (int64_t i = 0; i < rank; ++i) {
    Value d = tensor::DimOp::create(rewriter, loc, input, i);
    dims.push_back(arith::IndexCastOp::create(rewriter, loc,
                                              rewriter.getI64Type(), d));
  }
  rewriter.replaceOpWithNewOp<tensor::FromElementsOp>(op, op.getType(), dims);
  return success();
}

LogicalResult
RangeOpLowering::matchAndRewrite(RangeOp op, OpAdaptor adaptor,
                                 ConversionPatternRewriter &rewriter) const {
  RankedTensorType type = getResultType(*getTypeConverter(), op);
  MLC_REIFY(sizes, type)
  Location loc = op.getLoc();
  Type elementType = type.getElementType();
  bool isUnsignedType = isUnsigned(op.getType());
  Value start = tensor::ExtractOp::create(rewriter, loc, adaptor.getStart(),
                                          ValueRange{});
  Value delta = tensor::ExtractOp::create(rewriter, loc, adaptor.getDelta(),
                                          ValueRange{});
  Value init = createEmpty(rewriter, loc, (*sizes)[0], elementType);
  auto generic = linalg::GenericOp::create(
      rewriter, loc, TypeRange{init.getType()}, ValueRange{}, ValueRange{init},
      {rewriter.getMultiDimIdentityMap(1)}, getParallelIterators(1),
      [&](OpBuilder &nb, Location nl, ValueRange) {
        Value i = linalg::IndexOp::create(nb, nl, 0);
        Value n = convertScalar(nb, nl, i, elementType, false, isUnsignedType);
        Value value;
        if (isa<FloatType>(elementType))
          value = arith::AddFOp::create(
              nb, nl, start, arith::MulFOp::create(nb, nl, n, delta));
        else
          value = arith::AddIOp::create(
              nb, nl, start, arith::MulIOp::create(nb, nl, n, delta));
        linalg::YieldOp::create(nb, nl, value);
      });
  rewriter.replaceOp(op, castTo(rewriter, loc, generic.getResult(0), type));
  return success();
}

LogicalResult
ConstantOpLowering::matchAndRewrite(ConstantOp op, OpAdaptor adaptor,
                                    ConversionPatternRewriter &rewriter) const {
  RankedTensorType type = getResultType(*getTypeConverter(), op);
  auto dense = dyn_cast<DenseElementsAttr>(op.getValue());
  if (!dense)
    return rewriter.notifyMatchFailure(op, "only dense constants");
  if (dense.getType() != type)
    dense = dense.bitcast(type.getElementType());
  rewriter.replaceOpWithNewOp<arith::ConstantOp>(op, type, dense);
  return success();
}

void mlc::lowering::populateDataMovementPatterns(
    const TypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<ReshapeOpLowering, TransposeOpLowering, ConcatOpLowering,
               SplitOpLowering, SliceOpLowering, PadOpLowering,
               ExpandOpLowering, SqueezeOpLowering, UnsqueezeOpLowering,
               GatherOpLowering, GatherElementsOpLowering,
               UpdateSliceOpLowering, ShapeOfOpLowering, RangeOpLowering,
               ConstantOpLowering>(
      converter, patterns.getContext());
}
