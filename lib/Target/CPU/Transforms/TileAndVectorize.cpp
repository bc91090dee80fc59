//===- TileAndVectorize.cpp - the CPU tiling and vectorization strategy ---===//
//
// Tiles every linalg op on tensors for threads (scf.forall), caches and
// registers (scf.for), then vectorizes the innermost tile. Convolutions are
// first rewritten as im2col + matmul so that every heavy op is a matmul.
// See Passes.td for the strategy.
//
//===----------------------------------------------------------------------===//

#include "mlc/Target/CPU/Transforms/Passes.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Interfaces/TilingInterface.h"

namespace mlc {
#define GEN_PASS_DEF_CPUTILEANDVECTORIZEPASS
#include "mlc/Target/CPU/Transforms/Passes.h.inc"
} // namespace mlc

using namespace mlir;

namespace {

/// Below this many iterations an op is not split across threads.
constexpr int64_t kMinParallelWork = 1 << 14;

/// Marks the copies of one op through tiling and peeling.
constexpr llvm::StringLiteral kTargetMarker = "mlc.cpu_target";

/// Tiles `op` with `sizes` (0 = untiled); returns the tiled op and appends
/// the generated loops (outermost first) to `loops` if given.
FailureOr<Operation *> tile(RewriterBase &rewriter, Operation *op,
                            ArrayRef<int64_t> sizes, bool forall,
                            SmallVectorImpl<scf::ForOp> *loops = nullptr) {
  if (llvm::all_of(sizes, [](int64_t s) { return s == 0; }))
    return op;
  scf::SCFTilingOptions options;
  options.setTileSizes(getAsIndexOpFoldResult(rewriter.getContext(), sizes));
  if (forall)
    options.setLoopType(scf::SCFTilingOptions::LoopType::ForallOp);
  rewriter.setInsertionPoint(op);
  FailureOr<scf::SCFTilingResult> result =
      scf::tileUsingSCF(rewriter, cast<TilingInterface>(op), options);
  if (failed(result))
    return failure();
  rewriter.replaceOp(op, result->replacements);
  if (loops)
    for (LoopLikeOpInterface loop : result->loops)
      if (auto forOp = dyn_cast<scf::ForOp>(loop.getOperation()))
        loops->push_back(forOp);
  return result->tiledOps.back();
}

/// Peels `loops` (innermost first) so that their main parts run whole
/// tiles; the ops inside get static sizes there.
void peel(RewriterBase &rewriter, ArrayRef<scf::ForOp> loops) {
  for (scf::ForOp loop : llvm::reverse(loops)) {
    scf::ForOp partial;
    rewriter.setInsertionPoint(loop);
    (void)scf::peelForLoopAndSimplifyBounds(rewriter, loop, partial);
  }
}

/// The marked copies of an op under `root`, with the marker removed.
SmallVector<linalg::LinalgOp> takeMarked(Operation *root) {
  SmallVector<linalg::LinalgOp> ops;
  root->walk([&](linalg::LinalgOp op) {
    if (op->hasAttr(kTargetMarker)) {
      op->removeAttr(kTargetMarker);
      ops.push_back(op);
    }
  });
  return ops;
}



/// Whether loop `dim` of `op` only ever indexes an operand directly (not
/// inside floordiv/mod/sums, as in im2col): tiling computes wrong slices
/// for such loops.
bool isSafelyTileable(linalg::LinalgOp op, unsigned dim) {
  for (AffineMap map : op.getIndexingMapsArray())
    for (AffineExpr expr : map.getResults())
      if (expr.isFunctionOfDim(dim) && !isa<AffineDimExpr>(expr))
        return false;
  return true;
}

bool hasGather(linalg::LinalgOp op) {
  return op->walk([](tensor::ExtractOp) { return WalkResult::interrupt(); })
      .wasInterrupted();
}

int64_t product(ArrayRef<int64_t> sizes) {
  int64_t p = 1;
  for (int64_t s : sizes)
    p *= ShapedType::isDynamic(s) ? 64 : s;
  return p;
}

/// Vectorizes `op`, whose loops all have static sizes, if the vectorizer
/// accepts it (no masks: edge tiles were peeled off and stay scalar).
void vectorize(RewriterBase &rewriter, linalg::LinalgOp op, bool contraction) {
  // vector<Nxi1> loads and stores are bit-packed, i1 tensors byte-per-element.
  for (OpOperand &operand : op->getOpOperands())
    if (getElementTypeOrSelf(operand.get().getType()).isInteger(1))
      return;
  SmallVector<int64_t> sizes = op.getStaticLoopRanges();
  if (llvm::any_of(sizes, ShapedType::isDynamic) ||
      failed(linalg::vectorizeOpPrecondition(op, sizes)))
    return;
  rewriter.setInsertionPoint(op);
  SmallVector<bool> scalable(sizes.size(), false);
  FailureOr<linalg::VectorizationResult> result = linalg::vectorize(
      rewriter, op, sizes, scalable,
      /*vectorizeNDExtract=*/false, /*flatten1DDepthwiseConv=*/false,
      /*assumeDynamicDimsMatchVecSizes=*/false,
      /*createNamedContraction=*/contraction);
  if (succeeded(result))
    rewriter.replaceOp(op, result->replacements);
}

struct CpuTileAndVectorizePass
    : mlc::impl::CpuTileAndVectorizePassBase<CpuTileAndVectorizePass> {
  using CpuTileAndVectorizePassBase::CpuTileAndVectorizePassBase;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    IRRewriter rewriter(&getContext());

    // Convolutions become im2col + matmul.
    SmallVector<linalg::Conv2DNchwFchwOp> convs;
    func.walk([&](linalg::Conv2DNchwFchwOp op) { convs.push_back(op); });
    for (auto conv : convs) {
      rewriter.setInsertionPoint(conv);
      (void)linalg::rewriteInIm2Col(rewriter, conv);
    }
    SmallVector<linalg::Conv2DNhwcHwcfOp> nhwcConvs;
    func.walk([&](linalg::Conv2DNhwcHwcfOp op) { nhwcConvs.push_back(op); });
    for (auto conv : nhwcConvs) {
      rewriter.setInsertionPoint(conv);
      (void)linalg::rewriteInIm2Col(rewriter, conv);
    }

    SmallVector<linalg::LinalgOp> ops;
    func.walk([&](linalg::LinalgOp op) {
      if (op.hasPureTensorSemantics() && op.getNumLoops() > 0)
        ops.push_back(op);
    });
    for (linalg::LinalgOp op : ops) {
      if (succeeded(codegenContraction(rewriter, op)))
        continue;
      codegenDefault(rewriter, op);
    }
  }

  /// A multiply-accumulate generic as linalg.contract, whose vectorization
  /// gives vector.contract (and later FMAs) rather than a multi_reduction.
  static linalg::LinalgOp asContract(RewriterBase &rewriter,
                                     linalg::LinalgOp op) {
    auto generic = dyn_cast<linalg::GenericOp>(op.getOperation());
    if (!generic || !linalg::isaContractionOpInterface(op) ||
        op.getNumDpsInputs() != 2 || op->getNumResults() != 1)
      return op;
    rewriter.setInsertionPoint(generic);
    auto contract = linalg::ContractOp::create(
        rewriter, generic.getLoc(), generic.getResultTypes(),
        generic.getDpsInputs(), generic.getDpsInits(),
        generic.getIndexingMaps());
    rewriter.replaceOp(generic, contract->getResults());
    return contract;
  }

  /// Threads x cache block x register tile, vectorized to vector.contract.
  LogicalResult codegenContraction(RewriterBase &rewriter,
                                   linalg::LinalgOp op) {
    if (!isa<linalg::GenericOp, linalg::ContractOp, linalg::MatmulOp,
             linalg::BatchMatmulOp>(op))
      return failure();
    FailureOr<linalg::ContractionDimensions> dims =
        linalg::inferContractionDims(op);
    if (failed(dims) || dims->m.size() != 1 || dims->n.size() != 1 ||
        dims->k.size() != 1 ||
        op.getNumLoops() != dims->batch.size() + 3 ||
        !llvm::all_of(op.getIndexingMapsArray(),
                      [](AffineMap m) { return m.isProjectedPermutation(); }))
      return failure();
    if (hasGather(op))
      return failure();
    op = asContract(rewriter, op);
    unsigned m = dims->m[0], n = dims->n[0], k = dims->k[0];
    unsigned loops_ = op.getNumLoops();
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    int64_t mr = registerM, nr = registerN;
    // Few rows (a matrix-vector product): a wide row tile instead.
    if (!ShapedType::isDynamic(ranges[m]) && ranges[m] < mr) {
      mr = ranges[m];
      nr = std::max<int64_t>(nr, 4 * vectorWidth);
    }
    int64_t tm = std::max<int64_t>(mr, threadM / mr * mr);
    int64_t tn = std::max<int64_t>(nr, threadN / nr * nr);

    op->setAttr(kTargetMarker, rewriter.getUnitAttr());
    Operation *current = op;
    Operation *root = op->getParentOp();
    SmallVector<scf::ForOp> registerLoops;
    auto tileLevel = [&](auto setSizes, bool forall,
                         SmallVectorImpl<scf::ForOp> *loops =
                             nullptr) -> LogicalResult {
      SmallVector<int64_t> sizes(loops_, 0);
      setSizes(sizes);
      FailureOr<Operation *> tiled =
          tile(rewriter, current, sizes, forall, loops);
      if (failed(tiled))
        return failure();
      current = *tiled;
      return success();
    };
    bool parallel = product(ranges) >= kMinParallelWork;
    if (parallel &&
        failed(tileLevel(
            [&](SmallVector<int64_t> &s) {
              for (unsigned b : dims->batch)
                s[b] = 1;
              s[m] = tm;
              s[n] = tn;
            },
            /*forall=*/true)))
      return failure();
    if (failed(tileLevel(
            [&](SmallVector<int64_t> &s) {
              for (unsigned b : dims->batch)
                s[b] = 1;
              s[k] = cacheK;
            },
            false)) ||
        failed(tileLevel(
            [&](SmallVector<int64_t> &s) {
              s[m] = mr;
              s[n] = nr;
            },
            false, &registerLoops)) ||
        failed(tileLevel([&](SmallVector<int64_t> &s) { s[k] = 1; }, false)))
      return failure();
    peel(rewriter, registerLoops);
    for (linalg::LinalgOp tiled : takeMarked(root))
      vectorize(rewriter, tiled, /*contraction=*/true);
    return success();
  }

  /// Threads over the outermost parallel loop, the innermost loop in
  /// vectors.
  void codegenDefault(RewriterBase &rewriter, linalg::LinalgOp op) {
    unsigned loops = op.getNumLoops();
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
    Operation *current = op;
    if (product(ranges) >= kMinParallelWork) {
      for (unsigned i = 0; i < loops; ++i) {
        if (iterators[i] != utils::IteratorType::parallel)
          continue;
        if ((!ShapedType::isDynamic(ranges[i]) && ranges[i] == 1) ||
            !isSafelyTileable(op, i))
          continue;
        SmallVector<int64_t> sizes(loops, 0);
        sizes[i] = ShapedType::isDynamic(ranges[i])
                       ? 1
                       : std::max<int64_t>(1, ranges[i] / 16);
        if (FailureOr<Operation *> tiled =
                tile(rewriter, current, sizes, /*forall=*/true);
            succeeded(tiled))
          current = *tiled;
        break;
      }
    }
    // Gathers and transposes stay scalar: their reads are not contiguous.
    // So do ops with computed indices (im2col), which tile incorrectly.
    auto currentOp = cast<linalg::LinalgOp>(current);
    if (hasGather(currentOp) || isa<linalg::TransposeOp>(current) ||
        !llvm::all_of(llvm::seq<unsigned>(0, loops), [&](unsigned d) {
          return isSafelyTileable(currentOp, d);
        }))
      return;
    // The innermost loop in vectors: small static sizes whole, others in
    // tiles of vectorWidth with the remainder peeled off.
    int64_t inner = ranges[loops - 1];
    int64_t width = !ShapedType::isDynamic(inner) && inner <= vectorWidth
                        ? inner
                        : vectorWidth;
    if (width < 2)
      return;
    current->setAttr(kTargetMarker, rewriter.getUnitAttr());
    Operation *root = current->getParentOp();
    SmallVector<int64_t> sizes(loops, 1);
    sizes[loops - 1] = width;
    SmallVector<scf::ForOp> tileLoops;
    if (failed(tile(rewriter, current, sizes, /*forall=*/false, &tileLoops)))
      return;
    if (!tileLoops.empty())
      peel(rewriter, tileLoops.back());
    for (linalg::LinalgOp tiled : takeMarked(root))
      vectorize(rewriter, tiled, /*contraction=*/false);
  }
};

} // namespace
