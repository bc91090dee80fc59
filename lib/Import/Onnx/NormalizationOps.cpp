//===- NormalizationOps.cpp - ONNX statistics normalizations to mlc -------===//
//
// InstanceNormalization, MeanVarianceNormalization and LRN, decomposed into
// mlc reductions and elementwise ops. (BatchNormalization and
// LayerNormalization, which mlc has ops or folds for, are in NNOps.cpp.)
//
//===----------------------------------------------------------------------===//

#include "ConverterContext.h"

using namespace mlir;
using namespace mlc;
using namespace mlc::onnx_import;

namespace {

using CC = ConverterContext;

/// `x - mean(x)` over `axes`, and the variance there.
std::pair<Value, Value> centerAndVariance(CC &node, Value x,
                                          ArrayRef<int64_t> axes) {
  Value mean = node.reduce(ReduceKind::mean, x, axes, /*keepdims=*/true);
  Value centered = node.create<SubOp>({x, mean});
  Value variance = node.reduce(ReduceKind::mean,
                               node.create<MulOp>({centered, centered}), axes,
                               /*keepdims=*/true);
  return {centered, variance};
}

LogicalResult convertInstanceNormalization(CC &node) {
  Value x = node.input(0), scale = node.input(1), bias = node.input(2);
  if (node.hasFailed())
    return failure();
  int64_t rank = CC::typeOf(x).getRank();
  if (rank < 3)
    return node.error("input must have rank >= 3, has " + Twine(rank));
  if (CC::typeOf(scale).getRank() != 1 || CC::typeOf(bias).getRank() != 1)
    return node.error("scale and B must be 1-D");
  SmallVector<int64_t> spatial = llvm::to_vector(llvm::seq<int64_t>(2, rank));
  auto [centered, variance] = centerAndVariance(node, x, spatial);
  Value eps = node.scalar(CC::elementTypeOf(x), node.getFloat("epsilon", 1e-5));
  Value normalized = node.create<MulOp>(
      {centered, node.create<RsqrtOp>({node.create<AddOp>({variance, eps})})});
  // Per channel: [C] as [C, 1, ...].
  SmallVector<int64_t> unitAxes =
      llvm::to_vector(llvm::seq<int64_t>(1, rank - 1));
  return node.finish(node.create<AddOp>(
      {node.create<MulOp>({normalized, node.unsqueeze(scale, unitAxes)}),
       node.unsqueeze(bias, unitAxes)}));
}

LogicalResult convertMeanVarianceNormalization(CC &node) {
  Value x = node.input(0);
  if (!x)
    return failure();
  int64_t rank = CC::typeOf(x).getRank();
  SmallVector<int64_t> axes = {0, 2, 3};
  if (std::optional<SmallVector<int64_t>> given = node.getInts("axes"))
    axes = *given;
  std::optional<SmallVector<int64_t>> normalized =
      node.normalizeAxes(axes, rank);
  if (!normalized)
    return failure();
  // (x - mean) / (sqrt(variance) + 1e-9), as ONNX's function body computes it.
  auto [centered, variance] = centerAndVariance(node, x, *normalized);
  Value deviation =
      node.create<AddOp>({node.create<SqrtOp>({variance}),
                          node.scalar(CC::elementTypeOf(x), 1e-9)});
  return node.finish(node.create<DivOp>({centered, deviation}));
}

/// LRN: x / (bias + alpha / size * sum of x^2 over `size` neighbouring
/// channels) ^ beta. The channel window is a sum of shifted slices of the
/// squares padded with zeros.
LogicalResult convertLRN(CC &node) {
  Value x = node.input(0);
  if (!x)
    return failure();
  RankedTensorType type = CC::typeOf(x);
  int64_t rank = type.getRank();
  if (rank < 3)
    return node.error("input must have rank >= 3, has " + Twine(rank));
  int64_t size = node.getInt("size", 0);
  if (size < 1 || size > 1024)
    return node.error("size must be in [1, 1024]");
  double alpha = node.getFloat("alpha", 1e-4),
         beta = node.getFloat("beta", 0.75);
  double bias = node.getFloat("bias", 1.0);
  MLIRContext *context = node.getContext();
  int64_t before = (size - 1) / 2, after = size - 1 - before;
  SmallVector<int64_t> padding(2 * rank, 0);
  padding[1] = before;
  padding[rank + 1] = after;
  Value squares = node.create<MulOp>({x, x});
  Value padded = node.create<PadOp>(
      {squares},
      {node.namedAttr("padding", DenseI64ArrayAttr::get(context, padding))});
  Value sum;
  for (int64_t k = 0; k < size; ++k) {
    // Channels [k, k + C) of the padded squares; the end counts from the end.
    int64_t end = k - (size - 1);
    Value window = node.sliceAlong(padded, 1, k, end == 0 ? INT64_MAX : end);
    sum = sum ? node.create<AddOp>({sum, window}) : window;
  }
  Type elementType = type.getElementType();
  Value base = node.create<AddOp>(
      {node.scalar(elementType, bias),
       node.create<MulOp>({sum, node.scalar(elementType, alpha / size)})});
  Value denominator =
      node.create<PowOp>({base, node.scalar(elementType, beta)});
  return node.finish(node.create<DivOp>({x, denominator}));
}

} // namespace

void mlc::onnx_import::registerNormalizationConverters(
    ConverterRegistry &registry) {
  registry.add("InstanceNormalization", convertInstanceNormalization);
  registry.add("MeanVarianceNormalization", convertMeanVarianceNormalization);
  registry.add("LRN", convertLRN);
}
