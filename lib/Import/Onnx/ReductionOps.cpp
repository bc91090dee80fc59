//===- ReductionOps.cpp - ONNX reductions and softmax to mlc --------------===//
//
// Reduce{Sum,Mean,Max,Min,Prod,L1,L2,LogSum,LogSumExp,SumSquare} (axes as
// an attribute, or as an input from opset 13 for ReduceSum and opset 18 for
// the others), Softmax and LogSoftmax (with the flatten-to-2-D semantics of
// opsets before 13).
//
//===----------------------------------------------------------------------===//

#include "ConverterContext.h"
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
  if (axesAreInput) {
    if (Value axesInput = node.optionalInput(1)) {
      std::optional<SmallVector<int64_t>> values =
          CC::getConstantInts(axesInput);
      if (!values)
        return node.unsupported("axes that are not constant");
      axes = *values;
    }
  } else if (std::optional<SmallVector<int64_t>> values =
                 node.getInts("axes")) {
    axes = *values;
  }
  bool keepdims = node.getInt("keepdims", 1) != 0;
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
  MLIRContext *context = node.getContext();
  // mlc.reduce has no folder; fold the reductions of shape arithmetic
  // (ReduceProd over a constant shape) here so that it stays static.
  if (Value folded = foldIntegerVectorReduce(node, x, kind, keepdims))
    return node.finish(folded);
  SmallVector<NamedAttribute> attrs = {
      node.namedAttr("kind", ReduceKindAttr::get(context, kind)),
      node.namedAttr("axes", DenseI64ArrayAttr::get(context, axes))};
  if (keepdims)
    attrs.push_back(node.namedAttr("keepdims", UnitAttr::get(context)));
  return node.finish(node.create<ReduceOp>({x}, attrs));
}

template <typename OpTy> LogicalResult convertSoftmax(CC &node) {
  Value x = node.input(0);
  if (!x)
    return failure();
  int64_t rank = CC::typeOf(x).getRank();
  bool flattens = node.getOpset() < 13;
  std::optional<int64_t> axis =
      node.normalizeAxis(node.getInt("axis", flattens ? 1 : -1), rank);
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
  registry.add("Softmax", convertSoftmax<SoftmaxOp>);
  registry.add("LogSoftmax", convertSoftmax<LogSoftmaxOp>);
}
