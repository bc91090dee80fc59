//===- ReductionOps.cpp - ONNX reductions and softmax to mlc --------------===//
//
// Reduce{Sum,Mean,Max,Min,Prod,L1,L2,LogSum,LogSumExp,SumSquare} (axes as
// an attribute, or as an input from opset 13 for ReduceSum and opset 18 for
// the others), ArgMax and ArgMin, CumSum, Softmax, LogSoftmax and Hardmax
// (with the flatten-to-2-D semantics of opsets before 13).
//
//===----------------------------------------------------------------------===//

#include "ConverterContext.h"
#include "DynamicShapeOps.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace mlc;
using namespace mlc::onnx_import;

namespace {

using CC = ConverterContext;

/// The reduction of a constant integer vector, or null if `x` is not one
/// or `kind` is not exact on integers (sum, prod, max, min).
Value foldIntegerVectorReduce(CC &node, Value x, ReduceKind kind,
                              bool keepdims) {
  RankedTensorType type = CC::typeOf(x);
  auto elementType = dyn_cast<IntegerType>(type.getElementType());
  std::optional<SmallVector<int64_t>> values = CC::getConstantInts(x);
  if (!elementType || elementType.getWidth() == 1 || !values ||
      type.getRank() != 1 || values->empty())
    return {};
  int64_t acc = (*values)[0];
  for (int64_t v : ArrayRef(*values).drop_front()) {
    switch (kind) {
    case ReduceKind::sum:
      if (llvm::AddOverflow(acc, v, acc))
        return {};
      break;
    case ReduceKind::prod:
      if (llvm::MulOverflow(acc, v, acc))
        return {};
      break;
    case ReduceKind::max:
      acc = std::max(acc, v);
      break;
    case ReduceKind::min:
      acc = std::min(acc, v);
      break;
    default:
      return {};
    }
  }
  auto resultType = RankedTensorType::get(
      keepdims ? ArrayRef<int64_t>{1} : ArrayRef<int64_t>{}, elementType);
  // The result must fit the element type to be exact.
  APInt bits(elementType.getWidth(), static_cast<uint64_t>(acc),
             !elementType.isUnsigned(), /*implicitTrunc=*/true);
  int64_t back = elementType.isUnsigned()
                     ? static_cast<int64_t>(bits.getZExtValue())
                     : bits.getSExtValue();
  if (back != acc)
    return {};
  return node.constant(DenseElementsAttr::get(resultType, bits));
}

LogicalResult convertReduce(CC &node, ReduceKind kind) {
  Value x = node.input(0);
  if (!x)
    return failure();
  bool axesAreInput =
      node.getOpset() >= 18 ||
      (node.getOpType() == "ReduceSum" && node.getOpset() >= 13);
  SmallVector<int64_t> axes;
  bool keepdims = node.getInt("keepdims", 1) != 0;
  if (axesAreInput) {
    Value axesInput = node.optionalInput(1);
    // An empty axes input is no axes, whether its values are known or not.
    RankedTensorType axesType = axesInput ? CC::typeOf(axesInput) : nullptr;
    if (axesType && axesType.hasStaticShape() && axesType.getNumElements() == 0)
      axesInput = {};
    if (axesInput) {
      std::optional<SmallVector<int64_t>> values =
          CC::getConstantInts(axesInput);
      if (!values)
        return convertDynamicReduce(node, x, kind, axesInput, keepdims);
      axes = *values;
    }
  } else if (std::optional<SmallVector<int64_t>> values =
                 node.getInts("axes")) {
    axes = *values;
  }
  int64_t rank = CC::typeOf(x).getRank();
  if (axes.empty()) {
    if (node.getInt("noop_with_empty_axes", 0) != 0)
      return node.finish(x);
    axes = llvm::to_vector(llvm::seq<int64_t>(0, rank));
  }
  if (rank == 0) {
    // A scalar: reduce it as a one-element vector back to a scalar.
    x = node.unsqueeze(x, {0});
    axes = {0};
    keepdims = false;
  } else {
    std::optional<SmallVector<int64_t>> normalized =
        node.normalizeAxes(axes, rank);
    if (!normalized)
      return failure();
    axes = *normalized;
  }
  // mlc.reduce has no folder; fold the reductions of shape arithmetic
  // (ReduceProd over a constant shape) here so that it stays static.
  if (Value folded = foldIntegerVectorReduce(node, x, kind, keepdims))
    return node.finish(folded);
  return node.finish(node.reduce(kind, x, axes, keepdims));
}

/// Whether a Softmax-like node works on the flattened 2-D view (before
/// opset 13), and its normalized axis (default 1 then, -1 after).
std::optional<int64_t> getSoftmaxAxis(CC &node, int64_t rank, bool &flattens) {
  flattens = node.getOpset() < 13;
  return node.normalizeAxis(node.getInt("axis", flattens ? 1 : -1), rank);
}

template <typename OpTy> LogicalResult convertSoftmax(CC &node) {
  Value x = node.input(0);
  if (!x)
    return failure();
  int64_t rank = CC::typeOf(x).getRank();
  bool flattens;
  std::optional<int64_t> axis = getSoftmaxAxis(node, rank, flattens);
  if (!axis)
    return failure();
  Builder builder(node.getContext());
  if (!flattens || *axis == rank - 1)
    return node.finish(node.create<OpTy>(
        {x}, {node.namedAttr("axis", builder.getI64IntegerAttr(*axis))}));
  // Before opset 13 the input is seen as a matrix [d0 * ... * d(axis-1),
  // d(axis) * ... * d(rank-1)] normalized along its rows.
  Value y =
      node.create<OpTy>({node.flattenTo2D(x, *axis)},
                        {node.namedAttr("axis", builder.getI64IntegerAttr(1))});
  return node.finish(node.reshapeLike(y, x));
}

template <typename OpTy> LogicalResult convertArgExtremum(CC &node) {
  Value x = node.input(0);
  if (!x)
    return failure();
  int64_t rank = CC::typeOf(x).getRank();
  std::optional<int64_t> axis =
      node.normalizeAxis(node.getInt("axis", 0), rank);
  if (!axis)
    return failure();
  MLIRContext *context = node.getContext();
  SmallVector<NamedAttribute> attrs = {
      node.namedAttr("axis", Builder(context).getI64IntegerAttr(*axis))};
  if (node.getInt("keepdims", 1))
    attrs.push_back(node.namedAttr("keepdims", UnitAttr::get(context)));
  if (node.getInt("select_last_index", 0))
    attrs.push_back(
        node.namedAttr("select_last_index", UnitAttr::get(context)));
  return node.finish(node.create<OpTy>({x}, attrs));
}

/// Hardmax: 1 at the first maximum along the axis, 0 elsewhere (on the
/// flattened 2-D view before opset 13).
LogicalResult convertHardmax(CC &node) {
  Value x = node.input(0);
  if (!x)
    return failure();
  int64_t rank = CC::typeOf(x).getRank();
  bool flattens;
  std::optional<int64_t> axis = getSoftmaxAxis(node, rank, flattens);
  if (!axis)
    return failure();
  Value input = x;
  if (flattens) {
    input = node.flattenTo2D(x, *axis);
    axis = 1;
    rank = 2;
  }
  MLIRContext *context = node.getContext();
  Builder builder(context);
  Value argmax = node.create<ArgmaxOp>(
      {input}, {node.namedAttr("axis", builder.getI64IntegerAttr(*axis)),
                node.namedAttr("keepdims", UnitAttr::get(context))});
  // Positions along the axis, shaped to broadcast against the input.
  Value positions = node.indicesAlong(input, *axis);
  SmallVector<int64_t> others;
  for (int64_t i = 0; i < rank; ++i)
    if (i != *axis)
      others.push_back(i);
  positions = node.unsqueeze(positions, others);
  Value y = node.castTo(node.compare(CmpPredicate::eq, positions, argmax),
                        CC::elementTypeOf(x));
  return node.finish(flattens ? node.reshapeLike(y, x) : y);
}

/// CumSum. The axis is an input: a constant one becomes the op's attribute;
/// one known only at run time selects among the cumulative sums along every
/// axis.
LogicalResult convertCumSum(CC &node) {
  Value x = node.input(0), axisInput = node.input(1);
  if (node.hasFailed())
    return failure();
  int64_t rank = CC::typeOf(x).getRank();
  if (rank == 0)
    return node.error("the input must have rank >= 1");
  RankedTensorType axisType = CC::typeOf(axisInput);
  if (!axisType.hasStaticShape() || axisType.getNumElements() != 1)
    return node.error("axis must have one element");
  MLIRContext *context = node.getContext();
  Builder builder(context);
  auto cumsum = [&](int64_t axis) {
    SmallVector<NamedAttribute> attrs = {
        node.namedAttr("axis", builder.getI64IntegerAttr(axis))};
    if (node.getInt("exclusive", 0))
      attrs.push_back(node.namedAttr("exclusive", UnitAttr::get(context)));
    if (node.getInt("reverse", 0))
      attrs.push_back(node.namedAttr("reverse", UnitAttr::get(context)));
    return node.create<CumsumOp>({x}, attrs);
  };
  if (std::optional<SmallVector<int64_t>> axis =
          CC::getConstantInts(axisInput)) {
    std::optional<int64_t> normalized = node.normalizeAxis((*axis)[0], rank);
    return normalized ? node.finish(cumsum(*normalized)) : failure();
  }
  if (rank == 1)
    return node.finish(cumsum(0));
  // axis and axis - rank name the same dimension.
  Type i64 = builder.getI64Type();
  Value axis = node.reshape(node.castTo(axisInput, i64), {});
  axis = node.create<RemOp>({node.create<AddOp>({axis, node.scalar(i64, rank)}),
                             node.scalar(i64, rank)});
  Value y = cumsum(rank - 1);
  for (int64_t i = rank - 2; i >= 0; --i)
    y = node.create<WhereOp>(
        {node.compare(CmpPredicate::eq, axis, node.scalar(i64, i)), cumsum(i),
         y});
  return node.finish(y);
}

} // namespace

void mlc::onnx_import::registerReductionConverters(
    ConverterRegistry &registry) {
  registry.add("ReduceSum",
               [](CC &node) { return convertReduce(node, ReduceKind::sum); });
  registry.add("ReduceMean",
               [](CC &node) { return convertReduce(node, ReduceKind::mean); });
  registry.add("ReduceMax",
               [](CC &node) { return convertReduce(node, ReduceKind::max); });
  registry.add("ReduceMin",
               [](CC &node) { return convertReduce(node, ReduceKind::min); });
  registry.add("ReduceProd",
               [](CC &node) { return convertReduce(node, ReduceKind::prod); });
  registry.add("ReduceL1",
               [](CC &node) { return convertReduce(node, ReduceKind::l1); });
  registry.add("ReduceL2",
               [](CC &node) { return convertReduce(node, ReduceKind::l2); });
  registry.add("ReduceLogSum", [](CC &node) {
    return convertReduce(node, ReduceKind::log_sum);
  });
  registry.add("ReduceLogSumExp", [](CC &node) {
    return convertReduce(node, ReduceKind::log_sum_exp);
  });
  registry.add("ReduceSumSquare", [](CC &node) {
    return convertReduce(node, ReduceKind::sum_square);
  });
  registry.add("ArgMax", convertArgExtremum<ArgmaxOp>);
  registry.add("ArgMin", convertArgExtremum<ArgminOp>);
  registry.add("Hardmax", convertHardmax);
  registry.add("CumSum", convertCumSum);
  registry.add("Softmax", convertSoftmax<SoftmaxOp>);
  registry.add("LogSoftmax", convertSoftmax<LogSoftmaxOp>);
}
