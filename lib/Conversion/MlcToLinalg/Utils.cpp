//===- Utils.cpp - shared helpers of the mlc to linalg lowering -----------===//

#include "Utils.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"
#include "mlir/IR/AffineMap.h"

using namespace mlir;

namespace mlc::lowering {

RankedTensorType getResultType(const TypeConverter &converter, Operation *op,
                               unsigned i) {
  return cast<RankedTensorType>(
      converter.convertType(op->getResult(i).getType()));
}

bool isUnsigned(Type type) {
  return getElementTypeOrSelf(type).isUnsignedInteger();
}

Value createEmpty(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes,
                  Type elementType) {
  return tensor::EmptyOp::create(b, loc, sizes, elementType);
}

Value createFilled(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes,
                   Value scalar) {
  Value empty = createEmpty(b, loc, sizes, scalar.getType());
  return linalg::FillOp::create(b, loc, scalar, empty).getResult(0);
}

Value createScalar(OpBuilder &b, Location loc, Type type, double value) {
  if (auto floatType = dyn_cast<FloatType>(type))
    return arith::ConstantOp::create(b, loc, b.getFloatAttr(floatType, value));
  if (type.isIndex())
    return arith::ConstantIndexOp::create(b, loc, static_cast<int64_t>(value));
  return arith::ConstantOp::create(
      b, loc, b.getIntegerAttr(type, static_cast<int64_t>(value)));
}

static Value createExtreme(OpBuilder &b, Location loc, Type type,
                           bool isUnsigned, bool highest) {
  if (auto floatType = dyn_cast<FloatType>(type))
    return arith::ConstantOp::create(
        b, loc,
        b.getFloatAttr(floatType, APFloat::getInf(floatType.getFloatSemantics(),
                                                  /*Negative=*/!highest)));
  unsigned width = type.getIntOrFloatBitWidth();
  APInt value = isUnsigned ? (highest ? APInt::getMaxValue(width)
                                      : APInt::getMinValue(width))
                           : (highest ? APInt::getSignedMaxValue(width)
                                      : APInt::getSignedMinValue(width));
  return arith::ConstantOp::create(b, loc, b.getIntegerAttr(type, value));
}

Value createLowest(OpBuilder &b, Location loc, Type type, bool isUnsigned) {
  return createExtreme(b, loc, type, isUnsigned, /*highest=*/false);
}

Value createHighest(OpBuilder &b, Location loc, Type type, bool isUnsigned) {
  return createExtreme(b, loc, type, isUnsigned, /*highest=*/true);
}

Value convertScalar(OpBuilder &b, Location loc, Value v, Type to,
                    bool fromUnsigned, bool toUnsigned) {
  Type from = v.getType();
  if (from == to)
    return v;
  if (from.isIndex() || to.isIndex()) {
    if (isa<FloatType>(to)) {
      Value asInt = arith::IndexCastOp::create(b, loc, b.getI64Type(), v);
      return arith::SIToFPOp::create(b, loc, to, asInt);
    }
    if (isa<FloatType>(from)) {
      Value asInt = arith::FPToSIOp::create(b, loc, b.getI64Type(), v);
      return arith::IndexCastOp::create(b, loc, to, asInt);
    }
    if (fromUnsigned || toUnsigned)
      return arith::IndexCastUIOp::create(b, loc, to, v);
    return arith::IndexCastOp::create(b, loc, to, v);
  }
  auto fromFloat = dyn_cast<FloatType>(from);
  auto toFloat = dyn_cast<FloatType>(to);
  if (fromFloat && toFloat) {
    if (fromFloat.getWidth() < toFloat.getWidth())
      return arith::ExtFOp::create(b, loc, to, v);
    if (fromFloat.getWidth() > toFloat.getWidth())
      return arith::TruncFOp::create(b, loc, to, v);
    // f16 <-> bf16: through f32.
    Value wide = arith::ExtFOp::create(b, loc, b.getF32Type(), v);
    return arith::TruncFOp::create(b, loc, to, wide);
  }
  if (fromFloat) {
    if (to.isInteger(1)) {
      Value zero = createScalar(b, loc, from, 0);
      return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNE, v, zero);
    }
    if (toUnsigned)
      return arith::FPToUIOp::create(b, loc, to, v);
    return arith::FPToSIOp::create(b, loc, to, v);
  }
  if (toFloat) {
    if (fromUnsigned || from.isInteger(1))
      return arith::UIToFPOp::create(b, loc, to, v);
    return arith::SIToFPOp::create(b, loc, to, v);
  }
  unsigned fromWidth = from.getIntOrFloatBitWidth();
  unsigned toWidth = to.getIntOrFloatBitWidth();
  if (toWidth == 1) {
    Value zero = createScalar(b, loc, from, 0);
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, v, zero);
  }
  if (fromWidth < toWidth) {
    if (fromUnsigned || fromWidth == 1)
      return arith::ExtUIOp::create(b, loc, to, v);
    return arith::ExtSIOp::create(b, loc, to, v);
  }
  if (fromWidth > toWidth)
    return arith::TruncIOp::create(b, loc, to, v);
  return v;
}

AffineMap getBroadcastMap(RankedTensorType operandType,
                          RankedTensorType resultType) {
  MLIRContext *context = resultType.getContext();
  int64_t rank = resultType.getRank();
  int64_t offset = rank - operandType.getRank();
  SmallVector<AffineExpr> exprs;
  for (int64_t i = 0; i < operandType.getRank(); ++i) {
    int64_t r = offset + i;
    bool broadcast = operandType.getDimSize(i) == 1 &&
                     resultType.getDimSize(r) != 1;
    exprs.push_back(broadcast ? getAffineConstantExpr(0, context)
                              : getAffineDimExpr(r, context));
  }
  return AffineMap::get(rank, 0, exprs, context);
}

SmallVector<utils::IteratorType> getParallelIterators(unsigned n) {
  return SmallVector<utils::IteratorType>(n, utils::IteratorType::parallel);
}

Value buildElementwise(OpBuilder &b, Location loc, ValueRange operands,
                       RankedTensorType resultType,
                       ArrayRef<OpFoldResult> resultSizes, ScalarFn body) {
  SmallVector<AffineMap> maps;
  for (Value operand : operands)
    maps.push_back(
        getBroadcastMap(cast<RankedTensorType>(operand.getType()), resultType));
  maps.push_back(b.getMultiDimIdentityMap(resultType.getRank()));
  Value init = createEmpty(b, loc, resultSizes, resultType.getElementType());
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{init.getType()}, operands, ValueRange{init}, maps,
      getParallelIterators(resultType.getRank()),
      [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        Value result = body(nested, nestedLoc, args.drop_back());
        linalg::YieldOp::create(nested, nestedLoc, result);
      });
  return castTo(b, loc, generic.getResult(0), resultType);
}

Value buildReduction(
    OpBuilder &b, Location loc, Value input, ArrayRef<int64_t> axes, Value init,
    function_ref<Value(OpBuilder &, Location, Value, Value)> combine) {
  auto inputType = cast<RankedTensorType>(input.getType());
  int64_t rank = inputType.getRank();
  SmallVector<OpFoldResult> inputSizes = tensor::getMixedSizes(b, loc, input);
  SmallVector<OpFoldResult> sizes;
  SmallVector<AffineExpr> outExprs;
  SmallVector<utils::IteratorType> iterators;
  for (int64_t i = 0; i < rank; ++i) {
    if (llvm::is_contained(axes, i)) {
      iterators.push_back(utils::IteratorType::reduction);
      continue;
    }
    iterators.push_back(utils::IteratorType::parallel);
    sizes.push_back(inputSizes[i]);
    outExprs.push_back(b.getAffineDimExpr(i));
  }
  Value acc = createFilled(b, loc, sizes, init);
  SmallVector<AffineMap> maps = {
      b.getMultiDimIdentityMap(rank),
      AffineMap::get(rank, 0, outExprs, b.getContext())};
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{acc.getType()}, ValueRange{input}, ValueRange{acc},
      maps, iterators,
      [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        linalg::YieldOp::create(nested, nestedLoc,
                                combine(nested, nestedLoc, args[1], args[0]));
      });
  return generic.getResult(0);
}

/// Groups for an expand_shape/collapse_shape between a shape and the same
/// shape with unit dims at `axes`.
static SmallVector<ReassociationIndices>
getUnitDimReassociation(int64_t fullRank, ArrayRef<int64_t> axes) {
  SmallVector<ReassociationIndices> groups;
  ReassociationIndices pending;
  for (int64_t i = 0; i < fullRank; ++i) {
    pending.push_back(i);
    if (!llvm::is_contained(axes, i)) {
      groups.push_back(pending);
      pending.clear();
    }
  }
  // Trailing unit dims join the last group.
  if (!pending.empty() && !groups.empty())
    groups.back().append(pending.begin(), pending.end());
  return groups;
}

Value insertUnitDims(OpBuilder &b, Location loc, Value input,
                     ArrayRef<int64_t> axes) {
  if (axes.empty())
    return input;
  auto inputType = cast<RankedTensorType>(input.getType());
  int64_t fullRank = inputType.getRank() + axes.size();
  SmallVector<OpFoldResult> inSizes = tensor::getMixedSizes(b, loc, input);
  SmallVector<OpFoldResult> sizes;
  SmallVector<int64_t> shape;
  auto next = inSizes.begin();
  auto nextStatic = inputType.getShape().begin();
  for (int64_t i = 0; i < fullRank; ++i) {
    if (llvm::is_contained(axes, i)) {
      sizes.push_back(b.getIndexAttr(1));
      shape.push_back(1);
    } else {
      sizes.push_back(*next++);
      shape.push_back(*nextStatic++);
    }
  }
  auto resultType = RankedTensorType::get(shape, inputType.getElementType());
  return tensor::ExpandShapeOp::create(
      b, loc, resultType, input, getUnitDimReassociation(fullRank, axes),
      sizes);
}

Value castTo(OpBuilder &b, Location loc, Value v, Type type) {
  if (v.getType() == type)
    return v;
  return tensor::CastOp::create(b, loc, type, v);
}

Value toValue(OpBuilder &b, Location loc, OpFoldResult ofr) {
  return getValueOrCreateConstantIndexOp(b, loc, ofr);
}

Value clampIndex(OpBuilder &b, Location loc, Value v, Value size) {
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value last = arith::SubIOp::create(b, loc, size, one);
  Value low = arith::MaxSIOp::create(b, loc, v, zero);
  return arith::MinSIOp::create(b, loc, low, last);
}

Value reshapeTo(OpBuilder &b, Location loc, Value input,
                RankedTensorType resultType, ArrayRef<OpFoldResult> sizes) {
  auto inputType = cast<RankedTensorType>(input.getType());
  if (inputType == resultType)
    return input;
  if (inputType.getRank() > resultType.getRank()) {
    if (auto groups = getReassociationIndicesForCollapse(inputType.getShape(),
                                                         resultType.getShape()))
      return castTo(b, loc,
                    tensor::CollapseShapeOp::create(b, loc, input, *groups),
                    resultType);
  } else if (inputType.getRank() < resultType.getRank()) {
    if (auto groups = getReassociationIndicesForCollapse(resultType.getShape(),
                                                         inputType.getShape()))
      return tensor::ExpandShapeOp::create(b, loc, resultType, input, *groups,
                                           sizes);
  }
  // Static shapes: through one dimension, as views that bufferize without
  // a copy (tensor.reshape needs a buffer of its own: a slice would be
  // copied first).
  if (inputType.hasStaticShape() && resultType.hasStaticShape() &&
      inputType.getRank() > 0 && resultType.getRank() > 0) {
    auto all = [](int64_t rank) {
      return SmallVector<ReassociationIndices>{
          llvm::to_vector(llvm::seq<int64_t>(0, rank))};
    };
    Value flat = input;
    if (inputType.getRank() > 1)
      flat = tensor::CollapseShapeOp::create(b, loc, input,
                                             all(inputType.getRank()));
    if (resultType.getRank() == 1)
      return flat;
    return tensor::ExpandShapeOp::create(b, loc, resultType, flat,
                                         all(resultType.getRank()));
  }
  // General case: a shape tensor.
  SmallVector<Value> dims;
  for (OpFoldResult size : sizes)
    dims.push_back(toValue(b, loc, size));
  Value shape = tensor::FromElementsOp::create(b, loc, dims);
  return tensor::ReshapeOp::create(b, loc, resultType, input, shape);
}

} // namespace mlc::lowering
