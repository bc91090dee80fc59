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
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
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

/// Marks `op` (and so the copies tiling and peeling make of it) to be
/// vectorized once shapes are canonical; `contraction` selects how.
void markForVectorization(Operation *op, bool contraction) {
  op->setAttr(kTargetMarker, BoolAttr::get(op->getContext(), contraction));
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

    // Convolutions become im2col + matmul, one image at a time (im2col needs
    // static shapes, and the batch size often is not).
    SmallVector<linalg::LinalgOp> convs;
    func.walk([&](linalg::LinalgOp op) {
      if (isa<linalg::Conv2DNchwFchwOp, linalg::Conv2DNhwcHwcfOp>(op))
        convs.push_back(op);
    });
    for (linalg::LinalgOp conv : convs) {
      Operation *perImage = conv;
      if (ShapedType::isDynamic(conv.getStaticLoopRanges()[0])) {
        SmallVector<int64_t> sizes(conv.getNumLoops(), 0);
        sizes[0] = 1;
        FailureOr<Operation *> tiled =
            tile(rewriter, conv, sizes, /*forall=*/false);
        if (failed(tiled))
          continue;
        perImage = *tiled;
        staticizeShapes(rewriter, cast<linalg::LinalgOp>(perImage));
        perImage = lastStaticized;
      }
      rewriter.setInsertionPoint(perImage);
      if (auto nchw = dyn_cast<linalg::Conv2DNchwFchwOp>(perImage))
        (void)linalg::rewriteInIm2Col(rewriter, nchw);
      else if (auto nhwc = dyn_cast<linalg::Conv2DNhwcHwcfOp>(perImage))
        (void)linalg::rewriteInIm2Col(rewriter, nhwc);
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

    // Peeled tiles get static shapes once the slice sizes are folded.
    RewritePatternSet patterns(&getContext());
    for (Dialect *dialect : getContext().getLoadedDialects())
      dialect->getCanonicalizationPatterns(patterns);
    for (RegisteredOperationName name :
         getContext().getRegisteredOperations())
      name.getCanonicalizationPatterns(patterns, &getContext());
    (void)applyPatternsGreedily(func, std::move(patterns));

    SmallVector<std::pair<linalg::LinalgOp, bool>> marked;
    func.walk([&](linalg::LinalgOp op) {
      if (auto kind = op->getAttrOfType<BoolAttr>(kTargetMarker)) {
        op->removeAttr(kTargetMarker);
        marked.push_back({op, kind.getValue()});
      }
    });
    for (auto [op, contraction] : marked)
      vectorize(rewriter, op, contraction);
  }

  /// The op `staticizeShapes` made last.
  Operation *lastStaticized = nullptr;

  /// Gives a tiled op whose slices have constant sizes (but dynamic types)
  /// static operand and result types, through tensor.casts.
  void staticizeShapes(RewriterBase &rewriter, linalg::LinalgOp op) {
    lastStaticized = op;
    SmallVector<Value> operands;
    bool changed = false;
    rewriter.setInsertionPoint(op);
    for (Value operand : op->getOperands()) {
      auto type = dyn_cast<RankedTensorType>(operand.getType());
      if (!type || type.hasStaticShape()) {
        operands.push_back(operand);
        continue;
      }
      SmallVector<OpFoldResult> sizes =
          tensor::getMixedSizes(rewriter, op.getLoc(), operand);
      SmallVector<int64_t> shape;
      for (OpFoldResult size : sizes) {
        std::optional<int64_t> c = getConstantIntValue(size);
        if (!c)
          return;
        shape.push_back(*c);
      }
      operands.push_back(tensor::CastOp::create(
          rewriter, op.getLoc(), type.clone(shape), operand));
      changed = true;
    }
    if (!changed)
      return;
    Operation *clone = rewriter.clone(*op);
    clone->setOperands(operands);
    for (auto [result, init] :
         llvm::zip(clone->getResults(),
                   cast<linalg::LinalgOp>(clone).getDpsInits()))
      result.setType(init.getType());
    SmallVector<Value> replacements;
    for (auto [old, result] : llvm::zip(op->getResults(), clone->getResults()))
      replacements.push_back(tensor::CastOp::create(
          rewriter, op.getLoc(), old.getType(), result));
    rewriter.replaceOp(op, replacements);
    lastStaticized = clone;
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
    if (failed(dims) || dims->m.empty() || dims->n.empty() ||
        dims->k.empty() ||
        !llvm::all_of(op.getIndexingMapsArray(),
                      [](AffineMap m) { return m.isProjectedPermutation(); }))
      return failure();
    if (hasGather(op))
      return failure();
    op = asContract(rewriter, op);
    // The innermost m, n and k loops form the register tile; any other
    // loops (batch, extra m/n/k dims) are stepped one at a time.
    unsigned m = dims->m.back(), n = dims->n.back(), k = dims->k.back();
    SmallVector<unsigned> outer(dims->batch.begin(), dims->batch.end());
    outer.append(dims->m.begin(), dims->m.end() - 1);
    outer.append(dims->n.begin(), dims->n.end() - 1);
    SmallVector<unsigned> outerK(dims->k.begin(), dims->k.end() - 1);
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

    markForVectorization(op, /*contraction=*/true);
    Operation *current = op;
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
              for (unsigned b : outer)
                s[b] = 1;
              s[m] = tm;
              s[n] = tn;
            },
            /*forall=*/true)))
      return success(); // (left partly tiled: still valid)
    if (failed(tileLevel(
            [&](SmallVector<int64_t> &s) {
              for (unsigned b : outer)
                s[b] = 1;
              for (unsigned d : outerK)
                s[d] = 1;
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
      return success(); // (left partly tiled: still valid)
    peel(rewriter, registerLoops);
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
    markForVectorization(current, /*contraction=*/false);
    SmallVector<int64_t> sizes(loops, 1);
    sizes[loops - 1] = width;
    SmallVector<scf::ForOp> tileLoops;
    if (failed(tile(rewriter, current, sizes, /*forall=*/false, &tileLoops)))
      return;
    if (!tileLoops.empty())
      peel(rewriter, tileLoops.back());
  }
};

} // namespace
