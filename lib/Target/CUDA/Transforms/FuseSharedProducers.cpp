//===- FuseSharedProducers.cpp - recompute cheap producers in consumers ---===//
//
// The pass mlc-cuda-fuse-shared-producers: upstream's elementwise fusion
// patterns with a control function that also takes producers of several
// uses, where recomputing them in each all-parallel consumer reads no more
// memory than their result would, and transposes read only by such
// consumers (see Passes.td).
//
//===----------------------------------------------------------------------===//

#include "mlc/Target/CUDA/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlc {
#define GEN_PASS_DEF_CUDAFUSESHAREDPRODUCERSPASS
#include "mlc/Target/CUDA/Transforms/Passes.h.inc"
} // namespace mlc

using namespace mlir;

static bool isAllParallel(linalg::GenericOp op) {
  return op.getNumParallelLoops() == op.getNumLoops();
}

/// Whether recomputing `producer` in each consumer reads no more memory
/// than its result: an all-parallel generic on tensors with one result, at
/// most one input as large as the result (a map that leaves out only loops
/// of size 1), the others broadcast.
static bool isCheapToRecompute(linalg::GenericOp producer) {
  if (!isAllParallel(producer) || producer.getNumDpsInits() != 1 ||
      !producer.hasPureTensorSemantics())
    return false;
  SmallVector<int64_t> sizes = producer.getStaticLoopRanges();
  int fullSize = 0;
  for (OpOperand *input : producer.getDpsInputOperands()) {
    if (!isa<RankedTensorType>(input->get().getType()))
      continue; // A scalar.
    AffineMap map = producer.getMatchingIndexingMap(input);
    bool broadcast = llvm::any_of(llvm::seq<unsigned>(sizes.size()),
                                  [&](unsigned d) {
                                    return !map.isFunctionOfDim(d) &&
                                           sizes[d] != 1;
                                  });
    fullSize += !broadcast;
  }
  return fullSize <= 1;
}

namespace {
struct CudaFuseSharedProducersPass
    : public mlc::impl::CudaFuseSharedProducersPassBase<
          CudaFuseSharedProducersPass> {
  void runOnOperation() override {
    // Transposes that only all-parallel generics read become generics, so
    // that they fuse into those (the consumer reads through the permutation).
    SmallVector<linalg::TransposeOp> transposes;
    getOperation().walk([&](linalg::TransposeOp op) {
      if (op.hasPureTensorSemantics() && !op->use_empty() &&
          llvm::all_of(op->getUsers(), [](Operation *user) {
            auto generic = dyn_cast<linalg::GenericOp>(user);
            return generic && isAllParallel(generic);
          }))
        transposes.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::TransposeOp op : transposes) {
      rewriter.setInsertionPoint(op);
      if (failed(linalg::generalizeNamedOp(rewriter, op)))
        return signalPassFailure();
    }

    RewritePatternSet patterns(&getContext());
    linalg::populateElementwiseOpsFusionPatterns(
        patterns, [](OpOperand *fused) {
          auto producer = fused->get().getDefiningOp<linalg::GenericOp>();
          auto consumer = dyn_cast<linalg::GenericOp>(fused->getOwner());
          return producer && consumer && isAllParallel(consumer) &&
                 (producer->hasOneUse() || isCheapToRecompute(producer));
        });
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
