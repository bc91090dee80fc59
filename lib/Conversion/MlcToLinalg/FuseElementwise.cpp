//===- FuseElementwise.cpp - fuse elementwise producers without recompute -===//
//
// Upstream `linalg-fuse-elementwise-ops` fuses an elementwise producer into
// any `linalg.generic` consumer. When the consumer reads the producer's
// result through a projected map — a contraction reads `A[m, k]` inside an
// (m, n, k) loop nest — the fused body recomputes the producer once per
// iteration of the missing loops (n times for a matmul operand), and the
// consumer no longer looks like a contraction to the code generator. This
// pass applies the same patterns under a control function that fuses only
// where nothing is recomputed beyond a broadcast into an elementwise op.
//
//===----------------------------------------------------------------------===//

#include "mlc/Conversion/Passes.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlc {
#define GEN_PASS_DEF_FUSEELEMENTWISEOPSPASS
#include "mlc/Conversion/Passes.h.inc"
} // namespace mlc

using namespace mlir;

bool mlc::isFusableWithoutRecompute(OpOperand *fusedOperand) {
  Operation *producer = fusedOperand->get().getDefiningOp();
  if (!producer || !producer->hasOneUse())
    return false;
  auto consumer = dyn_cast<linalg::LinalgOp>(fusedOperand->getOwner());
  if (!consumer)
    return false;
  // Elementwise consumers: a broadcast producer is recomputed per broadcast
  // element, which costs less than writing and re-reading it.
  if (consumer.getNumLoops() == consumer.getNumParallelLoops())
    return true;
  // Reductions and contractions: only when every consumer loop indexes the
  // operand, so that each producer element is computed exactly once.
  return consumer.getMatchingIndexingMap(fusedOperand).isPermutation();
}

namespace {
struct FuseElementwiseOpsPass
    : mlc::impl::FuseElementwiseOpsPassBase<FuseElementwiseOpsPass> {
  void runOnOperation() override {
    MLIRContext *context = &getContext();
    RewritePatternSet patterns(context);
    linalg::populateElementwiseOpsFusionPatterns(
        patterns, mlc::isFusableWithoutRecompute);
    linalg::ControlFusionFn singleUse = [](OpOperand *operand) {
      Operation *producer = operand->get().getDefiningOp();
      return producer && producer->hasOneUse();
    };
    linalg::populateFoldReshapeOpsByExpansionPatterns(patterns, singleUse);
    linalg::populateConstantFoldLinalgOperations(patterns, singleUse);
    affine::AffineApplyOp::getCanonicalizationPatterns(patterns, context);
    linalg::GenericOp::getCanonicalizationPatterns(patterns, context);
    tensor::ExpandShapeOp::getCanonicalizationPatterns(patterns, context);
    tensor::CollapseShapeOp::getCanonicalizationPatterns(patterns, context);
    context->getLoadedDialect<linalg::LinalgDialect>()
        ->getCanonicalizationPatterns(patterns);
    GreedyRewriteConfig config;
    config.setUseTopDownTraversal(true);
    // Not converging within the iteration limit leaves valid IR behind.
    (void)applyPatternsGreedily(getOperation(), std::move(patterns), config);
  }
};
} // namespace
