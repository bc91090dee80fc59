//===- LossOps.cpp - ONNX loss functions to mlc ---------------------------===//
//
// NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss, decomposed into
// gathers, log_softmax, selects and reductions:
//
//   loss[n, d...] = -input[n, target[n, d...], d...] * weight[target[n, d...]]
//
// with 0 where the target is `ignore_index`, then reduced by `reduction`
// (`mean` divides by the sum of the weights picked).
//
//===----------------------------------------------------------------------===//

#include "ConverterContext.h"

using namespace mlir;
using namespace mlc;
using namespace mlc::onnx_import;

namespace {

using CC = ConverterContext;

/// The loss of NegativeLogLikelihoodLoss on `logProb` ([N, C, d...]) and
/// `target` ([N, d...]), with the node's weight input `weightIndex`,
/// `ignore_index` and `reduction`.
Value negativeLogLikelihood(CC &node, Value logProb, Value target,
                            unsigned weightIndex) {
  if (!logProb || !target)
    return {};
  Value weight = node.optionalInput(weightIndex);
  int64_t rank = CC::typeOf(logProb).getRank();
  if (rank < 2)
    return node.error("the input must have rank >= 2, has " + Twine(rank));
  if (CC::typeOf(target).getRank() != rank - 1)
    return node.error("the target must have rank " + Twine(rank - 1));
  std::string reduction = node.getString("reduction", "mean");
  if (reduction != "none" && reduction != "sum" && reduction != "mean")
    return node.error("unknown reduction '" + reduction + "'");
  Type type = CC::elementTypeOf(logProb);
  Type indexType = CC::elementTypeOf(target);

  // Ignored targets read class 0 and are masked out afterwards.
  Value kept;
  if (node.hasAttr("ignore_index")) {
    Value ignored = node.scalar(
        indexType, static_cast<double>(node.getInt("ignore_index", 0)));
    kept = node.compare(CmpPredicate::ne, target, ignored);
    target = node.create<WhereOp>({kept, target, node.scalar(indexType, 0)});
  }
  Value picked = node.squeeze(
      node.create<GatherElementsOp>(
          {logProb, node.unsqueeze(target, {1})},
          {node.namedAttr("axis",
                          Builder(node.getContext()).getI64IntegerAttr(1))}),
      {1});
  // The weight of each target, where there is one.
  Value weights;
  if (weight)
    weights = node.create<GatherOp>(
        {weight, target},
        {node.namedAttr("axis",
                        Builder(node.getContext()).getI64IntegerAttr(0))});
  if (kept)
    weights = weights
                  ? node.create<WhereOp>({kept, weights, node.scalar(type, 0)})
                  : node.castTo(kept, type);
  Value loss = node.create<NegOp>({picked});
  if (weights)
    loss = node.create<MulOp>({loss, weights});
  if (reduction == "none")
    return loss;
  Value sum = node.reduceAll(ReduceKind::sum, loss);
  if (reduction == "sum")
    return sum;
  if (!weights)
    return node.reduceAll(ReduceKind::mean, loss);
  return node.create<DivOp>({sum, node.reduceAll(ReduceKind::sum, weights)});
}

LogicalResult convertNegativeLogLikelihoodLoss(CC &node) {
  return node.finish(
      negativeLogLikelihood(node, node.input(0), node.input(1), 2));
}

LogicalResult convertSoftmaxCrossEntropyLoss(CC &node) {
  Value scores = node.input(0), labels = node.input(1);
  if (node.hasFailed())
    return failure();
  if (CC::typeOf(scores).getRank() < 2)
    return node.error("the scores must have rank >= 2");
  Value logProb = node.create<LogSoftmaxOp>(
      {scores}, {node.namedAttr(
                    "axis", Builder(node.getContext()).getI64IntegerAttr(1))});
  node.setOutput(1, logProb);
  return node.finish(negativeLogLikelihood(node, logProb, labels, 2));
}

} // namespace

void mlc::onnx_import::registerLossConverters(ConverterRegistry &registry) {
  registry.add("NegativeLogLikelihoodLoss", convertNegativeLogLikelihoodLoss);
  registry.add("SoftmaxCrossEntropyLoss", convertSoftmaxCrossEntropyLoss);
}
