//===- FoldUtils.cpp - constant folding helpers of mlc ops ----------------===//

#include "FoldUtils.h"

using namespace mlir;

namespace mlc::detail {

DenseElementsAttr asDense(Attribute attr) {
  return dyn_cast_if_present<DenseElementsAttr>(attr);
}

bool isFoldableType(Type type) {
  auto tensorType = dyn_cast<RankedTensorType>(type);
  return tensorType && tensorType.hasStaticShape() &&
         tensorType.getNumElements() <= kMaxFoldElements;
}

bool isSplatOf(Attribute attr, double value) {
  auto dense = asDense(attr);
  if (!dense || !dense.isSplat())
    return false;
  Type type = dense.getElementType();
  if (isa<FloatType>(type))
    return dense.getSplatValue<APFloat>().convertToDouble() == value;
  if (type.isInteger(1))
    return dense.getSplatValue<bool>() == (value != 0);
  if (type.isUnsignedInteger())
    return static_cast<double>(dense.getSplatValue<APInt>().getZExtValue()) ==
           value;
  return static_cast<double>(dense.getSplatValue<APInt>().getSExtValue()) ==
         value;
}

SmallVector<int64_t> getStrides(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int64_t i = static_cast<int64_t>(shape.size()) - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * shape[i + 1];
  return strides;
}

Attribute foldElementwise(ArrayRef<Attribute> operands, Type resultType,
                          function_ref<Attribute(ArrayRef<Attribute>)> fn) {
  if (!isFoldableType(resultType))
    return {};
  auto type = cast<RankedTensorType>(resultType);
  SmallVector<DenseElementsAttr> dense;
  for (Attribute operand : operands) {
    DenseElementsAttr d = asDense(operand);
    if (!d)
      return {};
    dense.push_back(d);
  }
  // All splats: one scalar evaluation.
  if (llvm::all_of(dense, [](DenseElementsAttr d) { return d.isSplat(); })) {
    SmallVector<Attribute> scalars = llvm::map_to_vector(
        dense, [](DenseElementsAttr d) { return d.getSplatValue<Attribute>(); });
    Attribute value = fn(scalars);
    if (!value)
      return {};
    return DenseElementsAttr::get(type, value);
  }
  ArrayRef<int64_t> shape = type.getShape();
  SmallVector<int64_t> resultStrides = getStrides(shape);
  // Per operand: strides over the result index space (0 where broadcast).
  SmallVector<SmallVector<int64_t>> operandStrides;
  SmallVector<SmallVector<Attribute>> operandValues;
  for (DenseElementsAttr d : dense) {
    ArrayRef<int64_t> opShape = d.getType().getShape();
    SmallVector<int64_t> opStrides = getStrides(opShape);
    SmallVector<int64_t> strides(shape.size(), 0);
    size_t offset = shape.size() - opShape.size();
    for (size_t i = 0; i < opShape.size(); ++i)
      strides[offset + i] = opShape[i] == 1 ? 0 : opStrides[i];
    operandStrides.push_back(std::move(strides));
    operandValues.push_back(llvm::to_vector(d.getValues<Attribute>()));
  }
  SmallVector<Attribute> results;
  SmallVector<Attribute> scalars(dense.size());
  for (int64_t linear = 0, e = type.getNumElements(); linear < e; ++linear) {
    for (size_t k = 0; k < dense.size(); ++k) {
      int64_t source = 0, rest = linear;
      for (size_t i = 0; i < shape.size(); ++i) {
        source += (rest / resultStrides[i]) * operandStrides[k][i];
        rest %= resultStrides[i];
      }
      scalars[k] = operandValues[k][source];
    }
    Attribute value = fn(scalars);
    if (!value)
      return {};
    results.push_back(value);
  }
  return DenseElementsAttr::get(type, results);
}

Attribute foldGather(Attribute input, Type resultType,
                     function_ref<int64_t(ArrayRef<int64_t>)> sourceIndex) {
  DenseElementsAttr dense = asDense(input);
  if (!dense || !isFoldableType(resultType))
    return {};
  auto type = cast<RankedTensorType>(resultType);
  if (dense.isSplat())
    return dense.resizeSplat(type);
  SmallVector<Attribute> values = llvm::to_vector(dense.getValues<Attribute>());
  ArrayRef<int64_t> shape = type.getShape();
  SmallVector<int64_t> strides = getStrides(shape);
  SmallVector<int64_t> index(shape.size());
  SmallVector<Attribute> results;
  for (int64_t linear = 0, e = type.getNumElements(); linear < e; ++linear) {
    int64_t rest = linear;
    for (size_t i = 0; i < shape.size(); ++i) {
      index[i] = rest / strides[i];
      rest %= strides[i];
    }
    int64_t source = sourceIndex(index);
    if (source < 0 || source >= static_cast<int64_t>(values.size()))
      return {};
    results.push_back(values[source]);
  }
  return DenseElementsAttr::get(type, results);
}

} // namespace mlc::detail
