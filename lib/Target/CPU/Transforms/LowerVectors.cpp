//===- LowerVectors.cpp - hoist and lower vector ops on buffers -----------===//
//
// The second half of the CPU strategy (after bufferization), following the
// schedule in ../shared/notes/mlir22-cpu.md: fold views into transfers so
// that a matmul's accumulator transfers are loop-invariant, hoist them out
// of the K loop, then lower contractions to outer products (FMAs) and every
// other vector op to 1-D forms convert-vector-to-llvm takes.
//
//===----------------------------------------------------------------------===//

#include "mlc/Target/CPU/Transforms/Passes.h"
#include "mlir/Conversion/VectorToSCF/VectorToSCF.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/Transforms/Hoisting.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/IR/Dominance.h"
#include "mlir/Transforms/CSE.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/LoopInvariantCodeMotionUtils.h"

namespace mlc {
#define GEN_PASS_DEF_CPULOWERVECTORSPASS
#include "mlc/Target/CPU/Transforms/Passes.h.inc"
} // namespace mlc

using namespace mlir;

namespace {
struct CpuLowerVectorsPass
    : mlc::impl::CpuLowerVectorsPassBase<CpuLowerVectorsPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    MLIRContext *ctx = &getContext();
    // (A greedy rewrite that stops before a fixpoint leaves valid IR, so
    // its result is not an error.)
    auto apply = [&](auto populate) -> LogicalResult {
      RewritePatternSet patterns(ctx);
      populate(patterns);
      (void)applyPatternsGreedily(func, std::move(patterns));
      return success();
    };

    // Views folded into transfers, then loop-invariant transfers hoisted.
    if (failed(apply([](RewritePatternSet &p) {
          memref::populateFoldMemRefAliasOpPatterns(p);
          vector::populateVectorMaskLoweringPatternsForSideEffectingOps(p);
        })))
      return signalPassFailure();
    // Index arithmetic first, so that invariant transfers look invariant
    // and the read and write of an accumulator use the same index values.
    IRRewriter rewriter(ctx);
    DominanceInfo dominance(func);
    eliminateCommonSubExpressions(rewriter, dominance, func);
    func.walk([](LoopLikeOpInterface loop) { moveLoopInvariantCode(loop); });
    linalg::hoistRedundantVectorTransfers(func);

    // Alone: together with broadcast lowering it rewrites in circles.
    if (failed(apply([](RewritePatternSet &p) {
          vector::populateCastAwayVectorLeadingOneDimPatterns(p);
        })))
      return signalPassFailure();

    if (failed(apply([](RewritePatternSet &p) {
          vector::populateVectorContractLoweringPatterns(
              p, vector::VectorContractLowering::OuterProduct);
          vector::populateVectorOuterProductLoweringPatterns(p);
          vector::populateVectorTransferPermutationMapLoweringPatterns(p);
          vector::populateVectorMultiReductionLoweringPatterns(
              p, vector::VectorMultiReductionLowering::InnerParallel);
          vector::populateVectorMaskOpLoweringPatterns(p);
          vector::populateVectorShapeCastLoweringPatterns(p);
          vector::populateVectorBroadcastLoweringPatterns(p);
          vector::populateVectorTransposeLoweringPatterns(
              p, vector::VectorTransposeLowering::Shuffle1D);
        })))
      return signalPassFailure();

    // exp, log, tanh and erf as polynomials on vectors (libm would be called
    // per element); accurate to a few ulp.
    if (failed(apply([](RewritePatternSet &p) {
          populateMathPolynomialApproximationPatterns(
              p, [](StringRef name) {
                // Names arrive as full op names ("math.exp").
                name.consume_front("math.");
                return llvm::is_contained({"exp", "expm1", "log", "log1p",
                                           "log2", "tanh", "erf"},
                                          name);
              });
        })))
      return signalPassFailure();

    if (failed(apply([](RewritePatternSet &p) {
          VectorTransferToSCFOptions options;
          options.setTargetRank(1).enableFullUnroll();
          populateVectorToSCFConversionPatterns(p, options);
        })))
      return signalPassFailure();
    // 1-D transfers to loads and stores once the unrolling is done.
    if (failed(apply([](RewritePatternSet &p) {
          vector::populateVectorTransferLoweringPatterns(p, 1);
          vector::populateVectorShapeCastLoweringPatterns(p);
        })))
      return signalPassFailure();
  }
};
} // namespace
