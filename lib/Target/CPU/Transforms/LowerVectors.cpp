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
#include "mlir/Dialect/Utils/IndexingUtils.h"
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

/// The allocation or argument a memref value views.
static Value rootOf(Value memref) {
  while (auto view = memref.getDefiningOp<ViewLikeOpInterface>())
    memref = view.getViewSource();
  return memref;
}

/// Whether memrefs with roots `a` and `b` may overlap: distinct roots
/// overlap only if neither is an allocation of this function.
static bool mayAlias(Value a, Value b) {
  if (a == b)
    return true;
  auto isAlloc = [](Value v) {
    return v.getDefiningOp<memref::AllocOp>() ||
           v.getDefiningOp<memref::AllocaOp>();
  };
  return !isAlloc(a) && !isAlloc(b);
}

/// Keeps the accumulators of register tiles in registers across their
/// loop: a transfer_read and transfer_write of the same memref at the same
/// loop-invariant indices become a loop-carried vector, read before the
/// loop and written after it. Unlike linalg::hoistRedundantVectorTransfers
/// this looks through views (the result of a convolution is written
/// through reshapes), and it requires instead that nothing else in the
/// loop writes memory and that no other read in the loop may alias the
/// accumulator.
static void hoistAccumulators(func::FuncOp func) {
  IRRewriter rewriter(func.getContext());
  bool changed = true;
  while (changed) {
    changed = false;
    func.walk([&](scf::ForOp loop) {
      Block *body = loop.getBody();
      SmallVector<vector::TransferWriteOp> writes;
      bool otherWrites = false;
      body->walk([&](Operation *op) {
        if (auto write = dyn_cast<vector::TransferWriteOp>(op);
            write && op->getBlock() == body) {
          writes.push_back(write);
          return;
        }
        auto effects = dyn_cast<MemoryEffectOpInterface>(op);
        if (effects ? effects.hasEffect<MemoryEffects::Write>()
                    : !isMemoryEffectFree(op) &&
                          !op->hasTrait<OpTrait::HasRecursiveMemoryEffects>())
          otherWrites = true;
      });
      if (otherWrites)
        return WalkResult::advance();
      for (vector::TransferWriteOp write : writes) {
        if (!isa<MemRefType>(write.getBase().getType()) || write.getMask() ||
            !llvm::all_of(write.getIndices(), [&](Value v) {
              return loop.isDefinedOutsideOfLoop(v);
            }) ||
            !loop.isDefinedOutsideOfLoop(write.getBase()))
          continue;
        Value root = rootOf(write.getBase());
        vector::TransferReadOp read;
        bool conflict = false;
        body->walk([&](Operation *op) {
          if (auto other = dyn_cast<vector::TransferWriteOp>(op)) {
            if (other != write && mayAlias(rootOf(other.getBase()), root))
              conflict = true;
            return;
          }
          auto effects = dyn_cast<MemoryEffectOpInterface>(op);
          if (!effects || !effects.hasEffect<MemoryEffects::Read>())
            return;
          auto candidate = dyn_cast<vector::TransferReadOp>(op);
          if (candidate && candidate.getBase() == write.getBase() &&
              candidate.getIndices() == write.getIndices() &&
              candidate.getVectorType() == write.getVectorType() &&
              candidate.getPermutationMap() == write.getPermutationMap() &&
              candidate.getInBounds() == write.getInBounds() &&
              !candidate.getMask() && !read &&
              op->getBlock() == body && op->isBeforeInBlock(write)) {
            read = candidate;
            return;
          }
          for (Value operand : op->getOperands())
            if (isa<MemRefType>(operand.getType()) &&
                mayAlias(rootOf(operand), root))
              conflict = true;
        });
        if (!read || conflict)
          continue;
        loop.moveOutOfLoop(read);
        rewriter.moveOpAfter(write, loop);
        auto yield = [&](OpBuilder &, Location, ArrayRef<BlockArgument>) {
          return SmallVector<Value>{write.getVector()};
        };
        FailureOr<LoopLikeOpInterface> newLoop =
            cast<LoopLikeOpInterface>(loop.getOperation())
                .replaceWithAdditionalYields(rewriter, read.getResult(),
                                             /*replaceInitOperandUsesInLoop=*/
                                             true, yield);
        if (failed(newLoop))
          return WalkResult::interrupt();
        write.getValueToStoreMutable().assign(
            newLoop->getOperation()->getResults().back());
        changed = true;
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
  }
}

namespace {

/// Lowers a vector.contract whose one reduction dimension is the innermost
/// dimension of both inputs (a "dot form", e.g. attention's scores
/// q[128] . K[8, 128]) to one multiply and one reduction per element of
/// the accumulator, over whole rows. The outer-product lowering would first
/// transpose the rows into columns, element by element.
struct LowerDotFormContraction : OpRewritePattern<vector::ContractionOp> {
  using OpRewritePattern::OpRewritePattern;

  /// The most accumulator elements one contraction expands into.
  static constexpr int64_t kMaxElements = 64;
  /// The shortest rows worth a reduction (a k of 1 is an outer product).
  static constexpr int64_t kMinLength = 8;

  LogicalResult matchAndRewrite(vector::ContractionOp op,
                                PatternRewriter &rewriter) const override {
    auto accType = dyn_cast<VectorType>(op.getAccType());
    if (op.getKind() != vector::CombiningKind::ADD || !accType ||
        accType.isScalable() || !isa<FloatType>(accType.getElementType()) ||
        op.getLhsType().getElementType() != accType.getElementType() ||
        op.getRhsType().getElementType() != accType.getElementType() ||
        accType.getNumElements() > kMaxElements)
      return failure();
    SmallVector<vector::IteratorType> iterators = op.getIteratorTypesArray();
    if (llvm::count(iterators, vector::IteratorType::reduction) != 1)
      return failure();
    unsigned reduced = llvm::find(iterators, vector::IteratorType::reduction) -
                       iterators.begin();
    SmallVector<AffineMap> maps = op.getIndexingMapsArray();
    AffineExpr r = rewriter.getAffineDimExpr(reduced);
    int64_t length = op.getLhsType().getShape().back();
    if (maps[0].getResults().back() != r || maps[1].getResults().back() != r ||
        length < kMinLength || !maps[2].isProjectedPermutation() ||
        maps[2].getNumResults() + 1 != iterators.size())
      return failure();

    // The value of every parallel dimension at each accumulator position.
    Location loc = op.getLoc();
    Value result = op.getAcc();
    SmallVector<int64_t> dims(iterators.size(), 0);
    auto positions = [&](AffineMap map) {
      SmallVector<int64_t> at;
      for (AffineExpr e : map.getResults().drop_back())
        at.push_back(dims[cast<AffineDimExpr>(e).getPosition()]);
      return at;
    };
    for (int64_t linear = 0; linear < accType.getNumElements(); ++linear) {
      SmallVector<int64_t> accPosition =
          delinearize(linear, computeStrides(accType.getShape()));
      for (auto [i, e] : llvm::enumerate(maps[2].getResults()))
        dims[cast<AffineDimExpr>(e).getPosition()] = accPosition[i];
      Value lhs = vector::ExtractOp::create(rewriter, loc, op.getLhs(),
                                            positions(maps[0]));
      Value rhs = vector::ExtractOp::create(rewriter, loc, op.getRhs(),
                                            positions(maps[1]));
      Value product = arith::MulFOp::create(rewriter, loc, lhs, rhs);
      Value acc =
          vector::ExtractOp::create(rewriter, loc, op.getAcc(), accPosition);
      Value sum = vector::ReductionOp::create(
          rewriter, loc, vector::CombiningKind::ADD, product, acc);
      result =
          vector::InsertOp::create(rewriter, loc, sum, result, accPosition);
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct CpuLowerVectorsPass
    : mlc::impl::CpuLowerVectorsPassBase<CpuLowerVectorsPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    MLIRContext *ctx = &getContext();
    // (A greedy rewrite that stops before a fixpoint leaves valid IR, so
    // its result is not an error.)
    auto apply = [&](auto populate) {
      RewritePatternSet patterns(ctx);
      populate(patterns);
      (void)applyPatternsGreedily(func, std::move(patterns));
    };

    // Views folded into transfers, then loop-invariant transfers hoisted.
    apply([](RewritePatternSet &p) {
          memref::populateFoldMemRefAliasOpPatterns(p);
          vector::populateVectorMaskLoweringPatternsForSideEffectingOps(p);
        });
    // Index arithmetic first, so that invariant transfers look invariant
    // and the read and write of an accumulator use the same index values.
    IRRewriter rewriter(ctx);
    DominanceInfo dominance(func);
    eliminateCommonSubExpressions(rewriter, dominance, func);
    func.walk([](LoopLikeOpInterface loop) { moveLoopInvariantCode(loop); });
    hoistAccumulators(func);

    // Alone: together with broadcast lowering it rewrites in circles.
    apply([](RewritePatternSet &p) {
          vector::populateCastAwayVectorLeadingOneDimPatterns(p);
        });

    apply([](RewritePatternSet &p) {
      p.add<LowerDotFormContraction>(p.getContext());
    });
    apply([](RewritePatternSet &p) {
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
        });

    // exp, log, tanh and erf as polynomials on vectors (libm would be called
    // per element); accurate to a few ulp.
    apply([](RewritePatternSet &p) {
          populateMathPolynomialApproximationPatterns(
              p, [](StringRef name) {
                // Names arrive as full op names ("math.exp").
                name.consume_front("math.");
                return llvm::is_contained({"exp", "expm1", "log", "log1p",
                                           "log2", "tanh", "erf"},
                                          name);
              });
        });

    apply([](RewritePatternSet &p) {
          VectorTransferToSCFOptions options;
          options.setTargetRank(1).enableFullUnroll();
          populateVectorToSCFConversionPatterns(p, options);
        });
    // 1-D transfers to loads and stores once the unrolling is done.
    apply([](RewritePatternSet &p) {
          vector::populateVectorTransferLoweringPatterns(p, 1);
          vector::populateVectorShapeCastLoweringPatterns(p);
        });
  }
};
} // namespace
