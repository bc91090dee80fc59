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
// Before that, a sum `x + contraction(...)` (a residual connection) becomes
// the contraction accumulating into x: one pass over memory fewer.
//
//===----------------------------------------------------------------------===//

#include "mlc/Conversion/Passes.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
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
  // operand, so that each producer element is computed exactly once...
  if (consumer.getMatchingIndexingMap(fusedOperand).isPermutation())
    return true;
  // ... or when the producer only widens its input (bf16 weights read as
  // f32): recomputing that costs less than writing and re-reading the f32
  // copy, and the consumer stays a contraction (with its operand widened).
  auto generic = dyn_cast<linalg::GenericOp>(producer);
  if (!generic || generic.getNumDpsInputs() != 1 ||
      generic.getNumLoops() != generic.getNumParallelLoops())
    return false;
  Block &body = generic.getRegion().front();
  auto widen = dyn_cast<arith::ExtFOp>(body.front());
  return widen && body.getOperations().size() == 2 &&
         widen.getIn() == body.getArgument(0) &&
         body.getTerminator()->getOperand(0) == widen.getResult();
}

namespace {

/// True if `value` is a linalg.fill of floating-point zero.
bool isZeroFill(Value value) {
  auto fill = value.getDefiningOp<linalg::FillOp>();
  return fill && matchPattern(fill.value(), m_AnyZeroFloat());
}

/// add(x, c) with c = contraction(init = fill(0)) and c used only there:
/// the contraction accumulates into x instead (x + sum, summed in another
/// order than sum + x).
struct AccumulateAddIntoContraction : OpRewritePattern<linalg::GenericOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(linalg::GenericOp add,
                                PatternRewriter &rewriter) const override {
    if (add.getNumDpsInputs() != 2 || add.getNumDpsInits() != 1 ||
        add.getNumLoops() != add.getNumParallelLoops() ||
        !llvm::all_of(add.getIndexingMapsArray(),
                      [](AffineMap map) { return map.isIdentity(); }))
      return failure();
    Block &body = add.getRegion().front();
    auto sum = dyn_cast<arith::AddFOp>(body.front());
    if (!sum || body.getOperations().size() != 2 ||
        body.getTerminator()->getOperand(0) != sum.getResult() ||
        !llvm::is_contained(body.getArguments().take_front(2), sum.getLhs()) ||
        !llvm::is_contained(body.getArguments().take_front(2), sum.getRhs()) ||
        sum.getLhs() == sum.getRhs())
      return failure();
    for (unsigned i = 0; i < 2; ++i) {
      Value partial = add.getDpsInputs()[i], residual = add.getDpsInputs()[1 - i];
      auto contraction = partial.getDefiningOp<linalg::LinalgOp>();
      if (!contraction || !partial.hasOneUse() ||
          contraction.getNumReductionLoops() == 0 ||
          contraction->getNumResults() != 1 ||
          contraction.getNumDpsInits() != 1 ||
          partial.getType() != add.getResult(0).getType() ||
          residual.getType() != partial.getType() ||
          !isZeroFill(contraction.getDpsInits()[0]))
        continue;
      rewriter.modifyOpInPlace(contraction, [&] {
        contraction.getDpsInitsMutable()[0].set(residual);
        contraction->setLoc(
            rewriter.getFusedLoc({contraction->getLoc(), add.getLoc()}));
      });
      rewriter.replaceOp(add, partial);
      return success();
    }
    return failure();
  }
};

struct FuseElementwiseOpsPass
    : mlc::impl::FuseElementwiseOpsPassBase<FuseElementwiseOpsPass> {
  void runOnOperation() override {
    MLIRContext *context = &getContext();
    // Residual adds first, before elementwise fusion merges them with their
    // consumers.
    RewritePatternSet accumulate(context);
    accumulate.add<AccumulateAddIntoContraction>(context);
    (void)applyPatternsGreedily(getOperation(), std::move(accumulate));

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
