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
#include "mlir/Dialect/Tensor/Transforms/Transforms.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Interfaces/TilingInterface.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlc {
#define GEN_PASS_DEF_CPUTILEANDVECTORIZEPASS
#include "mlc/Target/CPU/Transforms/Passes.h.inc"
} // namespace mlc

using namespace mlir;

namespace {

/// Below this many iterations an op is not split across threads.
constexpr int64_t kMinParallelWork = 1 << 14;

/// Matmuls with fewer rows read B in place rather than packed.
constexpr int64_t kMinPackRows = 256;

/// Matmuls with at most this many rows stream B row by row.
constexpr int64_t kMaxStreamRows = 2;

/// Blocks of rows of B that threads share in a matrix-vector product, and
/// the marker of the partial products (splitMatvecRows).
constexpr int64_t kSplitRows = 4;
constexpr llvm::StringLiteral kSplitRowsMarker = "mlc.split_rows";

// The sub-blocks of its block of B's rows that a thread of a
// matrix-vector product reads side by side, one row of each per step (the
// matvec-streams option), keep that many sequential streams in flight on
// a core, where a single stream is limited by the latency of memory.
// Measured on 2 cores, a Qwen3-0.6B decode step (1.19 GB of bf16 weights)
// took 82.9 ms with 1 stream, 51.3 with 4, 48.3 with 8 and 47.9 with 16.

/// The fewest rows of B per stream (shorter ones are not worth a stream).
constexpr int64_t kMinStreamRows = 16;

/// Marks the thread loop of a split matrix-vector product, whose ops are
/// generated with it (codegenMatvec).
constexpr llvm::StringLiteral kMatvecMarker = "mlc.cpu_matvec";

/// The most iterations of a reduction that each thread of a matrix-vector
/// product may recompute rather than read (fuseProducers).
constexpr int64_t kMaxRecomputedWork = 1 << 16;

/// Marks the copies of one op through tiling and peeling.
constexpr llvm::StringLiteral kTargetMarker = "mlc.cpu_target";

/// Marks a contraction whose B operand was packed into panels.
constexpr llvm::StringLiteral kPackedMarker = "mlc.cpu_packed";

/// How a marked op is vectorized.
enum class VectorKind : int64_t {
  /// Elementwise and reductions: the innermost loop in vectors.
  Default = 0,
  /// A register tile of a contraction, to vector.contract.
  Contraction = 1,
  /// A register tile of a contraction on a packed operand: its unit
  /// parallel loops (the panel) are dropped first.
  PackedContraction = 2,
};

/// Marks `op` (and so the copies tiling and peeling make of it) to be
/// vectorized once shapes are canonical.
void markForVectorization(Operation *op, VectorKind kind) {
  op->setAttr(kTargetMarker,
              IntegerAttr::get(IntegerType::get(op->getContext(), 64),
                               static_cast<int64_t>(kind)));
}

/// Tiles `op` with `sizes` (0 = untiled); returns the tiled op and appends
/// the generated loops (outermost first) to `loops` if given.
FailureOr<Operation *> tile(RewriterBase &rewriter, Operation *op,
                            ArrayRef<int64_t> sizes, bool forall,
                            SmallVectorImpl<scf::ForOp> *loops = nullptr) {
  if (llvm::all_of(sizes, [](int64_t s) { return s == 0; }))
    return op;
  // Threads split work once: inside a thread loop (attention's loop over
  // heads, say), tiles are loops of that thread.
  if (forall && op->getParentOfType<scf::ForallOp>())
    forall = false;
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
  Operation *tiled = result->tiledOps.back();
  // Threads tile only parallel loops: the fill that initializes the
  // result moves into each thread's tile instead of being a pass of its own.
  if (forall)
    if (auto dps = dyn_cast<DestinationStyleOpInterface>(tiled))
      for (OpOperand &init : dps.getDpsInitsMutable()) {
        auto slice = init.get().getDefiningOp<tensor::ExtractSliceOp>();
        auto arg = slice ? dyn_cast<BlockArgument>(slice.getSource()) : nullptr;
        auto loop = arg ? dyn_cast<scf::ForallOp>(arg.getOwner()->getParentOp())
                        : nullptr;
        if (!loop || loop != result->loops.front().getOperation())
          continue;
        Value loopInit = loop.getTiedLoopInit(arg)->get();
        auto fill = loopInit.getDefiningOp<linalg::FillOp>();
        if (!fill || !loopInit.hasOneUse())
          continue;
        std::optional<scf::SCFFuseProducerOfSliceResult> fused =
            scf::tileAndFuseProducerOfSlice(rewriter, slice, result->loops);
        if (!fused || fused->tiledOps.empty())
          continue;
        // One row at a time, each row (or piece of 64 of a long one) one
        // vector store.
        auto tiledFill = cast<linalg::LinalgOp>(fused->tiledOps.front());
        SmallVector<int64_t> rows(tiledFill.getNumLoops(), 1);
        int64_t inner = tiledFill.getStaticLoopRanges().back();
        rows.back() = !ShapedType::isDynamic(inner) && inner <= 256 ? 0 : 64;
        if (FailureOr<Operation *> row = tile(rewriter, tiledFill, rows, false);
            succeeded(row))
          markForVectorization(*row, VectorKind::Default);
      }
  return tiled;
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


/// Marks a linalg.pack or linalg.unpack to be vectorized with `sizes`
/// (masked where its tile is partial).
void markRelayoutForVectorization(Operation *op, ArrayRef<int64_t> sizes) {
  op->setAttr(kTargetMarker,
              DenseI64ArrayAttr::get(op->getContext(), sizes));
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

/// The tile of a loop of static `size` for one thread: about `target`, a
/// multiple of `multiple` if possible, and dividing `size` if possible, so
/// that every thread's tile has the same static size and the register
/// tiles and remainders inside it have static shapes (they vectorize).
int64_t threadTile(int64_t size, int64_t target, int64_t multiple) {
  int64_t fallback = std::max<int64_t>(multiple, target / multiple * multiple);
  if (ShapedType::isDynamic(size) || size <= target)
    return ShapedType::isDynamic(size) ? fallback : size;
  int64_t minTiles = llvm::divideCeil(size, target);
  for (bool needMultiple : {true, false})
    for (int64_t tiles = minTiles; tiles <= 4 * minTiles; ++tiles)
      if (size % tiles == 0 &&
          (!needMultiple || (size / tiles) % multiple == 0))
        return size / tiles;
  return fallback;
}

/// One level of tiling: a size per loop (0: untiled), in an scf.forall
/// (threads) or scf.for loops, whose loops are peeled at the end or not.
struct TileLevel {
  explicit TileLevel(unsigned loops) : sizes(loops, 0) {}
  TileLevel &with(unsigned loop, int64_t size) {
    sizes[loop] = size;
    return *this;
  }
  TileLevel &parallel() {
    forall = true;
    return *this;
  }
  TileLevel &peeled() {
    peel = true;
    return *this;
  }
  SmallVector<int64_t> sizes;
  bool forall = false;
  bool peel = false;
};

/// The roles of a contraction's loops: the innermost m, n and k loops,
/// the other parallel loops, and the other reduction loops.
struct ContractionLoops {
  unsigned m, n, k;
  SmallVector<unsigned> outer, outerK;

  /// Threads over tm x tn output tiles, other parallel loops one at a time.
  TileLevel threads(unsigned loops, int64_t tm, int64_t tn) const {
    TileLevel level(loops);
    for (unsigned d : outer)
      level.with(d, 1);
    return level.with(m, tm).with(n, tn).parallel();
  }
  /// K blocks of `cacheK`, the other loops (but m and n) one at a time.
  TileLevel cacheBlock(unsigned loops, int64_t cacheK) const {
    TileLevel level(loops);
    for (unsigned d : outer)
      level.with(d, 1);
    for (unsigned d : outerK)
      level.with(d, 1);
    return level.with(k, cacheK);
  }
};

/// The loops of `op` if it is a contraction the strategy tiles: m, n and k
/// loops, every operand indexed by loops directly, no gathers. The
/// innermost m, n and k loops form the register tile; any other loops
/// (batch, extra m/n/k dims) are stepped one at a time.
FailureOr<ContractionLoops> getContractionLoops(linalg::LinalgOp op) {
  FailureOr<linalg::ContractionDimensions> dims =
      linalg::inferContractionDims(op);
  if (failed(dims) || dims->m.empty() || dims->n.empty() ||
      dims->k.empty() || hasGather(op) ||
      !llvm::all_of(op.getIndexingMapsArray(),
                    [](AffineMap m) { return m.isProjectedPermutation(); }))
    return failure();
  ContractionLoops loops{dims->m.back(), dims->n.back(), dims->k.back(),
                         {}, {}};
  llvm::append_range(loops.outer, dims->batch);
  loops.outer.append(dims->m.begin(), dims->m.end() - 1);
  loops.outer.append(dims->n.begin(), dims->n.end() - 1);
  loops.outerK.append(dims->k.begin(), dims->k.end() - 1);
  return loops;
}

/// The longest k of a dot-form contraction (isDotForm): the vectors of a
/// row of A and of B stay in registers.
constexpr int64_t kMaxDotLength = 512;

/// Vector registers a register tile may keep its accumulators in.
constexpr int64_t kAccumulatorRegisters = 16;

/// Columns of C (rows of B) per register tile of a dot-form contraction.
constexpr int64_t kDotColumns = 8;

/// Whether contraction `op` reads both inputs along k, innermost: B is
/// [..., n, k] (as attention's keys in q K^T), so that each element of C is
/// a dot product of two contiguous rows. Streaming B along n, as the
/// few-rows strategy does, would gather a column of B per k.
bool isDotForm(linalg::LinalgOp op, const ContractionLoops &roles,
               int64_t vectorWidth) {
  int64_t length = op.getStaticLoopRanges()[roles.k];
  if (!roles.outerK.empty() || ShapedType::isDynamic(length) ||
      length % vectorWidth != 0 || length > kMaxDotLength)
    return false;
  AffineExpr k = getAffineDimExpr(roles.k, op.getContext());
  return llvm::all_of(op.getDpsInputOperands(), [&](OpOperand *input) {
    AffineMap map = op.getMatchingIndexingMap(input);
    return map.getNumResults() > 0 && map.getResults().back() == k &&
           op.getShape(input).back() == length;
  });
}

/// Erases the users of `op`'s results that are trivially dead once their
/// own dead users are (chains of slices and reshapes).
void eraseDeadUsers(RewriterBase &rewriter, Operation *op) {
  for (Operation *user : llvm::make_early_inc_range(op->getUsers())) {
    eraseDeadUsers(rewriter, user);
    if (isOpTriviallyDead(user))
      rewriter.eraseOp(user);
  }
}

/// A slice of an expand_shape that is not contiguous in the source (two
/// heads' first halves: [0, 2h, 0, 0] [1, 2, 1, 64] of [2048] viewed as
/// [1, 16, 1, 128]) as a slice of the expand_shape of the smallest
/// contiguous slice of the source that holds it (the two heads whole).
/// Upstream's bubbling takes only contiguous slices; with this one the
/// producer of the source can still be fused, computing the hull.
struct SliceOfExpandThroughHull : OpRewritePattern<tensor::ExtractSliceOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(tensor::ExtractSliceOp slice,
                                PatternRewriter &rewriter) const override {
    auto expand = slice.getSource().getDefiningOp<tensor::ExpandShapeOp>();
    if (!expand || !slice.hasUnitStride() ||
        !expand.getResultType().hasStaticShape() ||
        !llvm::all_of(slice.getStaticSizes(),
                      [](int64_t s) { return !ShapedType::isDynamic(s); }))
      return failure();
    ArrayRef<int64_t> shape = expand.getResultType().getShape();
    ArrayRef<int64_t> sizes = slice.getStaticSizes();
    SmallVector<OpFoldResult> offsets = slice.getMixedOffsets();
    Location loc = slice.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    // Per group of the expansion: the hull keeps the outer dims of the
    // slice up to its first dim longer than 1 and takes the rest whole.
    SmallVector<OpFoldResult> hullOffsets, sourceOffsets;
    SmallVector<int64_t> hullSizes, sourceSizes;
    bool widened = false;
    for (const ReassociationIndices &group : expand.getReassociationIndices()) {
      bool whole = false;
      AffineExpr linear = getAffineConstantExpr(0, ctx);
      SmallVector<OpFoldResult> operands;
      int64_t size = 1;
      for (int64_t d : group) {
        linear = linear * shape[d];
        if (whole) {
          widened |= sizes[d] != shape[d];
          hullOffsets.push_back(rewriter.getIndexAttr(0));
          hullSizes.push_back(shape[d]);
          size *= shape[d];
          continue;
        }
        linear = linear + getAffineSymbolExpr(operands.size(), ctx);
        operands.push_back(offsets[d]);
        hullOffsets.push_back(offsets[d]);
        hullSizes.push_back(sizes[d]);
        size *= sizes[d];
        whole = sizes[d] > 1;
      }
      sourceOffsets.push_back(affine::makeComposedFoldedAffineApply(
          rewriter, loc, AffineMap::get(0, operands.size(), linear), operands));
      sourceSizes.push_back(size);
    }
    // (A hull of all of the expansion would only rewrite it in circles.)
    if (!widened || ArrayRef<int64_t>(hullSizes) == shape)
      return failure();
    auto sourceType = expand.getSrcType();
    SmallVector<OpFoldResult> ones(sourceType.getRank(),
                                   rewriter.getIndexAttr(1));
    Value source = tensor::ExtractSliceOp::create(
        rewriter, loc, expand.getSrc(), sourceOffsets,
        getAsIndexOpFoldResult(ctx, sourceSizes), ones);
    Value hull = tensor::ExpandShapeOp::create(
        rewriter, loc,
        RankedTensorType::get(hullSizes, sourceType.getElementType()), source,
        expand.getReassociationIndices());
    // The slice within the hull: 0 where the hull starts at the slice.
    SmallVector<OpFoldResult> inner;
    for (auto [hullOffset, offset] : llvm::zip(hullOffsets, offsets))
      inner.push_back(hullOffset == offset ? rewriter.getIndexAttr(0) : offset);
    rewriter.replaceOpWithNewOp<tensor::ExtractSliceOp>(
        slice, slice.getType(), hull, inner, slice.getMixedSizes(),
        slice.getMixedStrides());
    return success();
  }
};

/// A slice that a thread loop reads of a tensor.insert_slice of new rows
/// into a cache (attention's read of a KV cache after the step's keys or
/// values were appended), and how it maps onto the loop: `rowDim` is the
/// one dimension along which the insert is partial; along every other
/// dimension the insert is whole and the read is either whole too or one
/// element at an induction variable of the loop (the head).
struct CacheRead {
  tensor::ExtractSliceOp read;
  tensor::InsertSliceOp append;
  unsigned rowDim;
};

/// Whether `read`, inside `forall`, is a CacheRead, each iteration of the
/// loop reading its own slab of the cache (every induction variable of the
/// loop at one dimension, over the whole of it).
std::optional<CacheRead> getCacheRead(scf::ForallOp forall,
                                      tensor::ExtractSliceOp read) {
  // Through a slice of the cache's first rows (the ones attention reads).
  Value source = read.getSource();
  if (auto prefix = source.getDefiningOp<tensor::ExtractSliceOp>();
      prefix && prefix.hasZeroOffset() && prefix.hasUnitStride() &&
      prefix.getSourceType().getRank() == prefix.getResultType().getRank())
    source = prefix.getSource();
  auto append = source.getDefiningOp<tensor::InsertSliceOp>();
  if (!append || forall->isAncestor(append) || !append.hasUnitStride() ||
      !read.hasUnitStride() || read->getParentOp() != forall)
    return std::nullopt;
  auto cacheType = dyn_cast<RankedTensorType>(append.getDestType());
  if (!cacheType || !cacheType.hasStaticShape() ||
      append.getSourceType().getRank() != cacheType.getRank())
    return std::nullopt;
  std::optional<unsigned> rowDim;
  SmallVector<bool> ivUsed(forall.getRank(), false);
  for (int64_t d = 0; d < cacheType.getRank(); ++d) {
    int64_t size = cacheType.getDimSize(d);
    bool wholeInsert = isZeroInteger(append.getMixedOffsets()[d]) &&
                       getConstantIntValue(append.getMixedSizes()[d]) == size;
    OpFoldResult offset = read.getMixedOffsets()[d];
    if (!wholeInsert) {
      // The rows: the read starts at the first one.
      if (rowDim || !isZeroInteger(offset))
        return std::nullopt;
      rowDim = d;
      continue;
    }
    if (isZeroInteger(offset) &&
        getConstantIntValue(read.getMixedSizes()[d]) == size)
      continue;
    // One element per iteration, at an induction variable over all of d.
    auto iv = dyn_cast_if_present<BlockArgument>(dyn_cast<Value>(offset));
    if (!iv || iv.getOwner() != forall.getBody() ||
        iv.getArgNumber() >= static_cast<unsigned>(forall.getRank()) ||
        getConstantIntValue(read.getMixedSizes()[d]) != 1)
      return std::nullopt;
    unsigned i = iv.getArgNumber();
    if (ivUsed[i] || !isZeroInteger(forall.getMixedLowerBound()[i]) ||
        getConstantIntValue(forall.getMixedStep()[i]) != 1 ||
        getConstantIntValue(forall.getMixedUpperBound()[i]) != size)
      return std::nullopt;
    ivUsed[i] = true;
  }
  if (!rowDim || !llvm::all_of(ivUsed, [](bool used) { return used; }))
    return std::nullopt;
  return CacheRead{read, append, *rowDim};
}

/// Moves the cache appends that `forall` reads through (getCacheRead) into
/// it: each iteration inserts its part of the new rows into its slab of the
/// cache, a new shared output of the loop, and reads the slab from there.
/// The appends' other uses (the updated cache a function returns) take the
/// loop's result, and the producers of the new rows (RoPE, a sum of partial
/// products) can then be fused into the loop, one head per iteration.
/// Returns the loop (a new one if any append moved).
scf::ForallOp fuseCacheAppends(RewriterBase &rewriter, scf::ForallOp forall) {
  SmallVector<CacheRead> reads;
  SmallVector<tensor::InsertSliceOp> appends;
  for (auto read : forall.getBody()->getOps<tensor::ExtractSliceOp>())
    if (std::optional<CacheRead> cacheRead = getCacheRead(forall, read)) {
      reads.push_back(*cacheRead);
      if (!llvm::is_contained(appends, cacheRead->append))
        appends.push_back(cacheRead->append);
    }
  if (appends.empty())
    return forall;

  // The loop with one more shared output per cache.
  Location loc = forall.getLoc();
  SmallVector<Value> outputs(forall.getOutputs());
  for (tensor::InsertSliceOp append : appends)
    outputs.push_back(append.getDest());
  rewriter.setInsertionPoint(forall);
  auto loop = scf::ForallOp::create(
      rewriter, loc, forall.getMixedLowerBound(), forall.getMixedUpperBound(),
      forall.getMixedStep(), outputs, forall.getMapping());
  rewriter.eraseOp(loop.getTerminator());
  SmallVector<Value> arguments(loop.getInductionVars());
  llvm::append_range(arguments, loop.getRegionIterArgs().take_front(
                                    forall.getOutputs().size()));
  rewriter.mergeBlocks(forall.getBody(), loop.getBody(), arguments);

  scf::InParallelOp terminator = loop.getTerminator();
  Block *body = loop.getBody();
  OpFoldResult zero = rewriter.getIndexAttr(0), one = rewriter.getIndexAttr(1);
  for (auto [i, appendOp] : llvm::enumerate(appends)) {
    tensor::InsertSliceOp append = appendOp;
    Value cache = loop.getRegionIterArgs()[forall.getOutputs().size() + i];
    auto cacheType = cast<RankedTensorType>(append.getDestType());
    int64_t rank = cacheType.getRank();
    CacheRead first = *llvm::find_if(
        reads, [&](const CacheRead &r) { return r.append == append; });
    unsigned rowDim = first.rowDim;
    // The slab of the iteration: its heads, all rows.
    SmallVector<OpFoldResult> slabOffsets, slabSizes, rowOffsets, rowSizes;
    for (int64_t d = 0; d < rank; ++d) {
      OpFoldResult offset = first.read.getMixedOffsets()[d];
      bool perIteration = d != rowDim && isa<Value>(offset);
      slabOffsets.push_back(perIteration ? offset : zero);
      slabSizes.push_back(
          perIteration ? one : rewriter.getIndexAttr(cacheType.getDimSize(d)));
      rowOffsets.push_back(perIteration ? offset : zero);
      rowSizes.push_back(perIteration ? one : append.getMixedSizes()[d]);
    }
    SmallVector<OpFoldResult> ones(rank, one);
    rewriter.setInsertionPointToStart(body);
    Value slab = tensor::ExtractSliceOp::create(rewriter, loc, cache,
                                                slabOffsets, slabSizes, ones);
    Value rows = tensor::ExtractSliceOp::create(
        rewriter, loc, append.getSource(), rowOffsets, rowSizes, ones);
    SmallVector<OpFoldResult> insertOffsets(rank, zero);
    insertOffsets[rowDim] = append.getMixedOffsets()[rowDim];
    Value updated = tensor::InsertSliceOp::create(
        rewriter, loc, rows, slab, insertOffsets, rowSizes, ones);
    for (CacheRead &r : reads) {
      if (r.append != append)
        continue;
      SmallVector<OpFoldResult> offsets(rank, zero), sizes;
      for (int64_t d = 0; d < rank; ++d)
        sizes.push_back(d == rowDim ? r.read.getMixedSizes()[d] : slabSizes[d]);
      rewriter.setInsertionPoint(r.read);
      rewriter.replaceOpWithNewOp<tensor::ExtractSliceOp>(
          r.read, r.read.getType(), updated, offsets, sizes, ones);
    }
    rewriter.setInsertionPointToEnd(terminator.getBody());
    tensor::ParallelInsertSliceOp::create(rewriter, loc, updated, cache,
                                          slabOffsets, slabSizes, ones);
  }
  rewriter.replaceOp(forall,
                     loop.getResults().take_front(forall.getOutputs().size()));
  for (auto [i, append] : llvm::enumerate(appends)) {
    rewriter.replaceAllUsesWith(append.getResult(),
                                loop.getResult(forall.getOutputs().size() + i));
    rewriter.eraseOp(append);
  }
  return loop;
}

/// Tiles `op` by each of `levels` in turn (outermost first), then peels
/// the loops of the levels that ask for it. A level that fails to tile
/// leaves the op tiled by the levels before it, which is still valid.
void tileLevels(RewriterBase &rewriter, Operation *op,
                ArrayRef<TileLevel> levels) {
  SmallVector<scf::ForOp> toPeel;
  for (const TileLevel &level : levels) {
    SmallVector<scf::ForOp> loops;
    FailureOr<Operation *> tiled =
        tile(rewriter, op, level.sizes, level.forall, &loops);
    if (failed(tiled))
      break;
    op = *tiled;
    if (level.peel)
      toPeel.append(loops);
  }
  peel(rewriter, toPeel);
}

/// Vectorizes `op`, whose loops all have static sizes, if the vectorizer
/// accepts it (no masks: edge tiles were peeled off and stay scalar).
/// A static contraction whose body widens its inputs (arith.extf) to the
/// accumulator's type, as one vector.contract on the widened reads.
void vectorizeWideningContraction(RewriterBase &rewriter, linalg::LinalgOp op) {
  if (!linalg::isaContractionOpInterface(op) || !op.hasPureTensorSemantics())
    return;
  Location loc = op.getLoc();
  Value init = op.getDpsInits()[0];
  auto initType = cast<RankedTensorType>(init.getType());
  Type accType = initType.getElementType();
  auto read = [&](Value source) -> Value {
    auto type = cast<RankedTensorType>(source.getType());
    Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
    SmallVector<Value> indices(type.getRank(), zero);
    Value padding = arith::ConstantOp::create(
        rewriter, loc, rewriter.getZeroAttr(type.getElementType()));
    Value vector = vector::TransferReadOp::create(
        rewriter, loc, VectorType::get(type.getShape(), type.getElementType()),
        source, indices, padding, SmallVector<bool>(type.getRank(), true));
    if (type.getElementType() != accType)
      vector = arith::ExtFOp::create(
          rewriter, loc, VectorType::get(type.getShape(), accType), vector);
    return vector;
  };
  for (Value operand : op->getOperands())
    if (!cast<RankedTensorType>(operand.getType()).hasStaticShape() ||
        !isa<FloatType>(getElementTypeOrSelf(operand.getType())))
      return;
  rewriter.setInsertionPoint(op);
  Value lhs = read(op.getDpsInputs()[0]), rhs = read(op.getDpsInputs()[1]);
  Value acc = read(init);
  SmallVector<Attribute> iterators;
  for (utils::IteratorType type : op.getIteratorTypesArray())
    iterators.push_back(vector::IteratorTypeAttr::get(
        rewriter.getContext(), type == utils::IteratorType::parallel
                                   ? vector::IteratorType::parallel
                                   : vector::IteratorType::reduction));
  Value contract = vector::ContractionOp::create(
      rewriter, loc, lhs, rhs, acc,
      rewriter.getAffineMapArrayAttr(op.getIndexingMapsArray()),
      rewriter.getArrayAttr(iterators));
  Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
  Value written = vector::TransferWriteOp::create(
      rewriter, loc, contract, init,
      SmallVector<Value>(initType.getRank(), zero),
      SmallVector<bool>(initType.getRank(), true))
                      .getResult();
  rewriter.replaceOp(op, written);
}

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
  // vector.contract takes operands of one element type: a contraction that
  // widens an operand (bf16 weights) reads it and widens the vector.
  if (contraction && op.getNumDpsInputs() == 2 && op.getNumDpsInits() == 1 &&
      llvm::any_of(op.getDpsInputs(), [&](Value input) {
        return getElementTypeOrSelf(input.getType()) !=
               getElementTypeOrSelf(op.getDpsInits()[0].getType());
      })) {
    vectorizeWideningContraction(rewriter, op);
    return;
  }
  FailureOr<linalg::VectorizationResult> result = linalg::vectorize(
      rewriter, op, sizes, scalable,
      /*vectorizeNDExtract=*/false, /*flatten1DDepthwiseConv=*/false,
      /*assumeDynamicDimsMatchVecSizes=*/false,
      /*createNamedContraction=*/contraction);
  if (succeeded(result))
    rewriter.replaceOp(op, result->replacements);
}

/// `op` without its parallel loops of static extent 1 (rank-reducing
/// slices), and without its reduction loops of extent 1 if a longer one
/// remains, or `op` itself if it has none or they cannot be dropped. A
/// reduction loop stays, so that a contraction stays one.
linalg::LinalgOp dropUnitLoops(RewriterBase &rewriter, linalg::LinalgOp op) {
  auto generic = dyn_cast<linalg::GenericOp>(op.getOperation());
  if (!generic)
    return op;
  linalg::ControlDropUnitDims options;
  options.rankReductionStrategy = linalg::ControlDropUnitDims::
      RankReductionStrategy::ExtractInsertSlice;
  options.controlFn = [](Operation *op) {
    auto linalgOp = cast<linalg::LinalgOp>(op);
    SmallVector<int64_t> ranges = linalgOp.getStaticLoopRanges();
    bool longReduction = false;
    for (auto [range, type] :
         llvm::zip(ranges, linalgOp.getIteratorTypesArray()))
      if (type == utils::IteratorType::reduction && range != 1)
        longReduction = true;
    SmallVector<unsigned> dims;
    for (auto [i, type] : llvm::enumerate(linalgOp.getIteratorTypesArray()))
      if (type == utils::IteratorType::parallel || longReduction)
        dims.push_back(i);
    return dims;
  };
  rewriter.setInsertionPoint(generic);
  FailureOr<linalg::DropUnitDimsResult> result =
      linalg::dropUnitDims(rewriter, generic, options);
  if (failed(result))
    return op;
  rewriter.replaceOp(generic, result->replacements);
  return cast<linalg::LinalgOp>(result->resultOp.getOperation());
}

/// Vectorizes a tiled linalg.pack or linalg.unpack with vector `sizes`.
void vectorizeRelayout(RewriterBase &rewriter, Operation *op,
                       ArrayRef<int64_t> sizes) {
  SmallVector<bool> scalable(sizes.size(), false);
  if (failed(linalg::vectorizeOpPrecondition(op, sizes, scalable)))
    return;
  rewriter.setInsertionPoint(op);
  FailureOr<linalg::VectorizationResult> result =
      linalg::vectorize(rewriter, op, sizes, scalable);
  if (succeeded(result))
    rewriter.replaceOp(op, result->replacements);
}

/// The operands and sizes of a 2-D NCHW convolution (plain or depthwise)
/// of one image with static shapes and one float element type.
struct ImageConv {
  Value input, filter, init;
  RankedTensorType initType;
  Type element;
  int64_t c, kh, kw, oh, ow;
  SmallVector<int64_t> strides, dilations;

  template <typename ConvOp>
  static std::optional<ImageConv> get(ConvOp conv) {
    Value input = conv.getInputs()[0], filter = conv.getInputs()[1];
    Value init = conv.getOutputs()[0];
    auto inputType = cast<RankedTensorType>(input.getType());
    auto filterType = cast<RankedTensorType>(filter.getType());
    auto initType = cast<RankedTensorType>(init.getType());
    Type element = initType.getElementType();
    if (!inputType.hasStaticShape() || !filterType.hasStaticShape() ||
        !initType.hasStaticShape() || inputType.getDimSize(0) != 1 ||
        !isa<FloatType>(element) || inputType.getElementType() != element ||
        filterType.getElementType() != element)
      return std::nullopt;
    // The window is the filter's last two dimensions (FCHW and CHW alike).
    int64_t rank = filterType.getRank();
    return ImageConv{
        input,
        filter,
        init,
        initType,
        element,
        inputType.getDimSize(1),
        filterType.getDimSize(rank - 2),
        filterType.getDimSize(rank - 1),
        initType.getDimSize(2),
        initType.getDimSize(3),
        SmallVector<int64_t>(conv.getStrides().template getValues<int64_t>()),
        SmallVector<int64_t>(
            conv.getDilations().template getValues<int64_t>())};
  }
};

/// Rewrites a convolution of one image, NCHW/FCHW with static shapes, as
/// im2col + matmul: col[c, kh, kw, oh, ow] = in[c, oh * sh + kh * dh,
/// ow * sw + kw * dw] is built by KH x KW strided copies of C x OH x OW
/// (contiguous rows where the stride is 1: they vectorize, unlike the
/// floordiv/mod maps of upstream's rewriteInIm2Col), then
/// out[f, oh * ow] += filter[f, c * kh * kw] * col[c * kh * kw, oh * ow].
/// A 1x1 convolution with unit strides uses its input as col.
LogicalResult im2colNchw(RewriterBase &rewriter,
                         linalg::Conv2DNchwFchwOp conv) {
  std::optional<ImageConv> operands = ImageConv::get(conv);
  if (!operands)
    return failure();
  auto [input, filter, init, initType, element, c, kh, kw, oh, ow, strides,
        dilations] = *operands;
  Location loc = conv.getLoc();
  rewriter.setInsertionPoint(conv);
  auto attrs = [&](ArrayRef<int64_t> values) {
    return getAsIndexOpFoldResult(rewriter.getContext(), values);
  };

  Value col;
  if (kh == 1 && kw == 1 && strides[0] == 1 && strides[1] == 1) {
    col = tensor::CollapseShapeOp::create(
        rewriter, loc, input, SmallVector<ReassociationIndices>{{0, 1}, {2, 3}});
  } else {
    Value cols = tensor::EmptyOp::create(
        rewriter, loc, SmallVector<int64_t>{c, kh, kw, oh, ow}, element);
    auto planeType = RankedTensorType::get({c, oh, ow}, element);
    for (int64_t y = 0; y < kh; ++y) {
      for (int64_t x = 0; x < kw; ++x) {
        Value source = tensor::ExtractSliceOp::create(
            rewriter, loc, planeType, input,
            attrs({0, 0, y * dilations[0], x * dilations[1]}),
            attrs({1, c, oh, ow}), attrs({1, 1, strides[0], strides[1]}));
        SmallVector<OpFoldResult> offsets = attrs({0, y, x, 0, 0});
        SmallVector<OpFoldResult> sizes = attrs({c, 1, 1, oh, ow});
        SmallVector<OpFoldResult> ones = attrs({1, 1, 1, 1, 1});
        Value dest = tensor::ExtractSliceOp::create(
            rewriter, loc, planeType, cols, offsets, sizes, ones);
        Value copied =
            linalg::CopyOp::create(rewriter, loc, source, dest).getResult(0);
        cols = tensor::InsertSliceOp::create(rewriter, loc, copied, cols,
                                             offsets, sizes, ones);
      }
    }
    col = tensor::CollapseShapeOp::create(
        rewriter, loc, cols,
        SmallVector<ReassociationIndices>{{0, 1, 2}, {3, 4}});
  }
  Value filterMatrix = tensor::CollapseShapeOp::create(
      rewriter, loc, filter,
      SmallVector<ReassociationIndices>{{0}, {1, 2, 3}});
  Value out = tensor::CollapseShapeOp::create(
      rewriter, loc, init, SmallVector<ReassociationIndices>{{0, 1}, {2, 3}});

  MLIRContext *ctx = rewriter.getContext();
  AffineExpr fd, pd, kd;
  bindDims(ctx, fd, pd, kd);
  SmallVector<AffineMap> maps = {AffineMap::get(3, 0, {fd, kd}, ctx),
                                 AffineMap::get(3, 0, {kd, pd}, ctx),
                                 AffineMap::get(3, 0, {fd, pd}, ctx)};
  auto matmul = linalg::GenericOp::create(
      rewriter, loc, out.getType(), ValueRange{filterMatrix, col},
      ValueRange{out}, maps,
      {utils::IteratorType::parallel, utils::IteratorType::parallel,
       utils::IteratorType::reduction},
      [](OpBuilder &b, Location loc, ValueRange args) {
        Value product = arith::MulFOp::create(b, loc, args[0], args[1]);
        Value sum = arith::AddFOp::create(b, loc, args[2], product);
        linalg::YieldOp::create(b, loc, sum);
      });
  Value result = tensor::ExpandShapeOp::create(
      rewriter, loc, initType, matmul.getResult(0),
      SmallVector<ReassociationIndices>{{0, 1}, {2, 3}});
  rewriter.replaceOp(conv, result);
  return success();
}

/// Rewrites a depthwise convolution of one image, NCHW/CHW with static
/// shapes, as one elementwise op over the output [C, OH, OW] that adds the
/// KH x KW taps: out += sum over (kh, kw) of in[c, oh * sh + kh * dh,
/// ow * sw + kw * dw] * filter[c, kh, kw], each tap's input a strided slice
/// and its weights a [C] slice of the filter. It vectorizes along OW and
/// makes one pass over the output.
LogicalResult depthwiseAsTaps(RewriterBase &rewriter,
                              linalg::DepthwiseConv2DNchwChwOp conv) {
  std::optional<ImageConv> operands = ImageConv::get(conv);
  if (!operands || operands->kh * operands->kw > 64)
    return failure();
  auto [input, filter, init, initType, element, c, kh, kw, oh, ow, strides,
        dilations] = *operands;
  Location loc = conv.getLoc();
  MLIRContext *ctx = rewriter.getContext();
  rewriter.setInsertionPoint(conv);
  auto attrs = [&](ArrayRef<int64_t> values) {
    return getAsIndexOpFoldResult(ctx, values);
  };

  SmallVector<Value> planes, weights;
  auto planeType = RankedTensorType::get({c, oh, ow}, element);
  auto weightType = RankedTensorType::get({c}, element);
  for (int64_t y = 0; y < kh; ++y) {
    for (int64_t x = 0; x < kw; ++x) {
      planes.push_back(tensor::ExtractSliceOp::create(
          rewriter, loc, planeType, input,
          attrs({0, 0, y * dilations[0], x * dilations[1]}),
          attrs({1, c, oh, ow}), attrs({1, 1, strides[0], strides[1]})));
      weights.push_back(tensor::ExtractSliceOp::create(
          rewriter, loc, weightType, filter, attrs({0, y, x}),
          attrs({c, 1, 1}), attrs({1, 1, 1})));
    }
  }
  Value out = tensor::CollapseShapeOp::create(
      rewriter, loc, init, SmallVector<ReassociationIndices>{{0, 1}, {2}, {3}});
  SmallVector<Value> inputs(planes);
  inputs.append(weights);
  AffineMap identity = AffineMap::getMultiDimIdentityMap(3, ctx);
  AffineMap channel = AffineMap::get(3, 0, getAffineDimExpr(0, ctx), ctx);
  SmallVector<AffineMap> maps(planes.size(), identity);
  maps.append(weights.size(), channel);
  maps.push_back(identity);
  int64_t taps = planes.size();
  auto sum = linalg::GenericOp::create(
      rewriter, loc, out.getType(), inputs, ValueRange{out}, maps,
      SmallVector<utils::IteratorType>(3, utils::IteratorType::parallel),
      [&](OpBuilder &b, Location loc, ValueRange args) {
        Value acc = args.back();
        for (int64_t i = 0; i < taps; ++i)
          acc = arith::AddFOp::create(
              b, loc, acc,
              arith::MulFOp::create(b, loc, args[i], args[taps + i]));
        linalg::YieldOp::create(b, loc, acc);
      });
  Value result = tensor::ExpandShapeOp::create(
      rewriter, loc, initType, sum.getResult(0),
      SmallVector<ReassociationIndices>{{0, 1}, {2}, {3}});
  rewriter.replaceOp(conv, result);
  return success();
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
      if (isa<linalg::Conv2DNchwFchwOp, linalg::Conv2DNhwcHwcfOp,
              linalg::DepthwiseConv2DNchwChwOp>(op))
        convs.push_back(op);
    });
    for (linalg::LinalgOp conv : convs) {
      Operation *perImage = conv;
      if (conv.getStaticLoopRanges()[0] != 1) {
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
      if (auto depthwise =
              dyn_cast<linalg::DepthwiseConv2DNchwChwOp>(perImage)) {
        (void)depthwiseAsTaps(rewriter, depthwise);
      } else if (auto nchw = dyn_cast<linalg::Conv2DNchwFchwOp>(perImage)) {
        if (failed(im2colNchw(rewriter, nchw)))
          (void)linalg::rewriteInIm2Col(rewriter, nchw);
      }
      else if (auto nhwc = dyn_cast<linalg::Conv2DNhwcHwcfOp>(perImage))
        (void)linalg::rewriteInIm2Col(rewriter, nhwc);
    }

    // B operands of matmuls packed into panels; then fills folded into the
    // packs of their results, and packs that only reshape made reshapes.
    SmallVector<linalg::LinalgOp> contractions;
    func.walk([&](linalg::LinalgOp op) {
      if (op.hasPureTensorSemantics() && op.getNumReductionLoops() > 0)
        contractions.push_back(op);
    });
    if (packRhs)
      for (linalg::LinalgOp op : contractions)
        packContraction(rewriter, op);
    {
      RewritePatternSet patterns(&getContext());
      linalg::populateSimplifyPackAndUnpackPatterns(patterns);
      linalg::FillOp::getCanonicalizationPatterns(patterns, &getContext());
      linalg::PackOp::getCanonicalizationPatterns(patterns, &getContext());
      linalg::UnPackOp::getCanonicalizationPatterns(patterns, &getContext());
      (void)applyPatternsGreedily(func, std::move(patterns));
    }

    // A fill that initializes one linalg op comes after it: tiling that op
    // for threads fuses the fill into each thread's tile (see tile()), and
    // the fill is left dead. Fills that CSE merged get one copy per user.
    SmallVector<linalg::FillOp> shared;
    func.walk([&](linalg::FillOp fill) {
      if (fill.hasPureTensorSemantics() && !fill->hasOneUse() &&
          llvm::all_of(fill->getUses(), [](OpOperand &use) {
            auto user = dyn_cast<DestinationStyleOpInterface>(use.getOwner());
            return isa<linalg::LinalgOp>(use.getOwner()) && user &&
                   user.isDpsInit(&use);
          }))
        shared.push_back(fill);
    });
    for (linalg::FillOp fill : shared) {
      for (OpOperand &use : llvm::make_early_inc_range(
               llvm::drop_begin(fill->getUses()))) {
        rewriter.setInsertionPoint(use.getOwner());
        Operation *copy = rewriter.clone(*fill);
        copy->setLoc(use.getOwner()->getLoc());
        rewriter.modifyOpInPlace(use.getOwner(),
                                 [&] { use.set(copy->getResult(0)); });
      }
      // Each named after the op it initializes, whose kernel it joins.
      fill->setLoc(fill->getUses().begin()->getOwner()->getLoc());
    }
    // Matrix-vector products first, in order: each takes in the norm or
    // activation that produces its vector (codegenMatvec), which must not
    // have been generated on its own yet.
    SmallVector<linalg::GenericOp> matvecs;
    func.walk([&](linalg::GenericOp op) {
      if (op.hasPureTensorSemantics() && op.getNumReductionLoops() > 0 &&
          !op->getParentOfType<scf::ForallOp>())
        matvecs.push_back(op);
    });
    SmallVector<SplitMatvec> splits;
    for (linalg::GenericOp op : matvecs)
      if (FailureOr<SplitMatvec> split = splitMatvec(rewriter, op);
          succeeded(split))
        splits.push_back(*split);
    for (SplitMatvec &split : splits)
      codegenMatvec(rewriter, split);

    // Thread loops of the lowering (attention's, over heads): the cache
    // appends they read, then the cheap producers of what they read (RoPE
    // and the norms of q and k, the step's rows of K and V), one head per
    // iteration instead of kernels of their own.
    SmallVector<scf::ForallOp> threadLoops;
    func.walk([&](scf::ForallOp loop) {
      if (!loop->hasAttr(kMatvecMarker) &&
          !loop->getParentOfType<scf::ForallOp>())
        threadLoops.push_back(loop);
    });
    for (scf::ForallOp loop : threadLoops)
      (void)fuseProducers(rewriter, fuseCacheAppends(rewriter, loop));
    fuseIntoElementwiseUsers(rewriter, func);

    // Row reductions whose one consumer is elementwise over the same rows
    // (a norm: sum of squares, then scale) are computed inside the
    // consumer's row loop (fuseRowReduction), not as a kernel of their own.
    SmallVector<Operation *> ops, fills, reductions;
    func.walk([&](Operation *op) {
      if (auto loop = op->getParentOfType<scf::ForallOp>();
          loop && loop->hasAttr(kMatvecMarker))
        return;
      if (isa<linalg::PackOp, linalg::UnPackOp>(op))
        ops.push_back(op);
      else if (auto fill = dyn_cast<linalg::FillOp>(op);
               fill && fill.hasPureTensorSemantics() &&
               fill.getNumLoops() > 0 && op->hasOneUse() &&
               isa<linalg::LinalgOp>(*op->user_begin()))
        fills.push_back(op);
      else if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
               linalgOp && getRowConsumer(linalgOp))
        reductions.push_back(op);
      else if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
               linalgOp && linalgOp.hasPureTensorSemantics() &&
               linalgOp.getNumLoops() > 0)
        ops.push_back(op);
    });
    for (Operation *reduction : reductions) {
      // A consumer of two reductions (mean and variance) is tiled with the
      // first: the second is then generated on its own.
      linalg::LinalgOp consumer =
          getRowConsumer(cast<linalg::LinalgOp>(reduction));
      if (consumer && succeeded(fuseRowReduction(
                          rewriter, cast<linalg::LinalgOp>(reduction))))
        llvm::erase(ops, consumer.getOperation());
      else
        ops.insert(ops.begin(), reduction);
    }
    ops.append(fills);
    for (Operation *op : ops) {
      if (isa<linalg::FillOp>(op) && op->use_empty()) {
        rewriter.eraseOp(op);
        continue;
      }
      if (auto pack = dyn_cast<linalg::PackOp>(op)) {
        codegenPack(rewriter, pack);
        continue;
      }
      if (auto unpack = dyn_cast<linalg::UnPackOp>(op)) {
        codegenUnpack(rewriter, unpack);
        continue;
      }
      auto linalgOp = cast<linalg::LinalgOp>(op);
      if (auto roles = op->getAttrOfType<DenseI64ArrayAttr>(kPackedMarker)) {
        op->removeAttr(kPackedMarker);
        codegenPackedContraction(rewriter, linalgOp, roles.asArrayRef());
        continue;
      }
      if (succeeded(codegenContraction(rewriter, linalgOp)))
        continue;
      codegenDefault(rewriter, linalgOp);
    }

    // Peeled tiles get static shapes once the slice sizes are folded.
    RewritePatternSet patterns(&getContext());
    for (Dialect *dialect : getContext().getLoadedDialects())
      dialect->getCanonicalizationPatterns(patterns);
    for (RegisteredOperationName name :
         getContext().getRegisteredOperations())
      name.getCanonicalizationPatterns(patterns, &getContext());
    (void)applyPatternsGreedily(func, std::move(patterns));

    func.walk([](scf::ForallOp loop) { loop->removeAttr(kMatvecMarker); });
    SmallVector<std::pair<Operation *, Attribute>> marked;
    func.walk([&](Operation *op) {
      if (Attribute kind = op->getAttr(kTargetMarker)) {
        op->removeAttr(kTargetMarker);
        marked.push_back({op, kind});
      }
    });
    for (auto [op, kind] : marked) {
      if (auto sizes = dyn_cast<DenseI64ArrayAttr>(kind)) {
        vectorizeRelayout(rewriter, op, sizes.asArrayRef());
        continue;
      }
      auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
      if (!linalgOp)
        continue;
      auto vectorKind =
          static_cast<VectorKind>(cast<IntegerAttr>(kind).getInt());
      if (vectorKind == VectorKind::PackedContraction) {
        linalgOp = asContract(rewriter, dropUnitLoops(rewriter, linalgOp));
        vectorize(rewriter, linalgOp, /*contraction=*/true);
        continue;
      }
      // A register tile with several reduction loops, some of one
      // iteration (a streamed matrix-vector product: one step of each
      // stream), as a contraction over the others: the outer-product
      // lowering takes one reduction loop per product.
      if (vectorKind == VectorKind::Contraction &&
          linalgOp.getNumReductionLoops() > 1)
        linalgOp = asContract(rewriter, dropUnitLoops(rewriter, linalgOp));
      vectorize(rewriter, linalgOp, vectorKind == VectorKind::Contraction);
    }

    // Masked transfers (edges of packs) as transfers with a mask operand:
    // bufferization and deallocation do not handle vector.mask regions.
    RewritePatternSet maskPatterns(&getContext());
    vector::populateVectorMaskLoweringPatternsForSideEffectingOps(
        maskPatterns);
    (void)applyPatternsGreedily(func, std::move(maskPatterns));
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
        op.getNumDpsInputs() != 2 || op->getNumResults() != 1 ||
        getElementTypeOrSelf(op.getDpsInputs()[0].getType()) !=
            getElementTypeOrSelf(op.getDpsInputs()[1].getType()))
      return op;
    rewriter.setInsertionPoint(generic);
    auto contract = linalg::ContractOp::create(
        rewriter, generic.getLoc(), generic.getResultTypes(),
        generic.getDpsInputs(), generic.getDpsInits(),
        generic.getIndexingMaps());
    rewriter.replaceOp(generic, contract->getResults());
    return contract;
  }

  /// Rewrites contraction `op` so that it reads its right-hand operand B
  /// (the input indexed by the innermost n loop `n`) from panels of `nr`
  /// columns, each contiguous over k: B[..., k, n] is packed into
  /// Bp[..., n / nr, k, n % nr] (zero-padded). The new op has the loops of
  /// `op` (n now counting panels) plus one innermost loop over the columns
  /// of a panel. Where nr does not divide N, the result is computed in the
  /// blocked layout C'[..., n / nr, n % nr] (packC) and unpacked (unpackC);
  /// otherwise both are null.
  struct PackedContraction {
    linalg::GenericOp op;
    linalg::PackOp packB, packC;
    linalg::UnPackOp unpackC;
  };
  FailureOr<PackedContraction>
  packRhsPanels(RewriterBase &rewriter, linalg::GenericOp op, unsigned n,
          unsigned k, int64_t nr) {
    if (op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1)
      return failure();
    MLIRContext *ctx = op.getContext();
    AffineExpr nExpr = getAffineDimExpr(n, ctx);
    OpOperand *lhs = op.getDpsInputOperand(0), *rhs = op.getDpsInputOperand(1);
    if (!llvm::is_contained(op.getMatchingIndexingMap(rhs).getResults(),
                            nExpr))
      std::swap(lhs, rhs);
    AffineMap bMap = op.getMatchingIndexingMap(rhs);
    AffineMap cMap = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
    std::optional<unsigned> nInB = bMap.getResultPosition(nExpr);
    std::optional<unsigned> kInB =
        bMap.getResultPosition(getAffineDimExpr(k, ctx));
    std::optional<unsigned> nInC = cMap.getResultPosition(nExpr);
    if (!nInB || !kInB || !nInC ||
        llvm::is_contained(op.getMatchingIndexingMap(lhs).getResults(), nExpr))
      return failure();
    Location loc = op.getLoc();
    rewriter.setInsertionPoint(op);
    Value zero = arith::ConstantOp::create(
        rewriter, loc,
        rewriter.getZeroAttr(getElementTypeOrSelf(rhs->get().getType())));
    OpFoldResult tile = rewriter.getIndexAttr(nr);
    unsigned loops = op.getNumLoops();
    AffineExpr j = getAffineDimExpr(loops, ctx);

    // Bp: the other dims of B in order, then n / nr, k, and n % nr.
    SmallVector<int64_t> bPerm;
    SmallVector<AffineExpr> bpResults;
    for (unsigned i = 0; i < bMap.getNumResults(); ++i)
      if (i != *nInB && i != *kInB) {
        bPerm.push_back(i);
        bpResults.push_back(bMap.getResult(i));
      }
    bPerm.append({*nInB, *kInB});
    bpResults.append({nExpr, getAffineDimExpr(k, ctx), j});
    rewriter.setInsertionPoint(op);
    Value bDest = linalg::PackOp::createDestinationTensor(
        rewriter, loc, rhs->get(), {tile}, {*nInB}, bPerm);
    auto packB = linalg::PackOp::create(rewriter, loc, rhs->get(), bDest,
                                        {*nInB}, {tile}, zero, bPerm);

    // C' = C with n / nr in place of n and n % nr appended. When nr divides
    // N, C itself is indexed by n / nr * nr + n % nr: a view of C as C'
    // (expand_shape) would keep the accumulators of a register tile from
    // being hoisted out of the k loop after bufferization.
    Value init = op.getDpsInitOperand(0)->get();
    auto initType = cast<RankedTensorType>(init.getType());
    int64_t nSize = initType.getDimSize(*nInC);
    bool direct = !ShapedType::isDynamic(nSize) && nSize % nr == 0;
    linalg::PackOp packC;
    Value cOperand = init;
    SmallVector<AffineExpr> cpResults(cMap.getResults());
    if (direct) {
      cpResults[*nInC] = nExpr * nr + j;
    } else {
      Value cDest = linalg::PackOp::createDestinationTensor(
          rewriter, loc, init, {tile}, {*nInC}, {});
      if (auto fill = init.getDefiningOp<linalg::FillOp>()) {
        // A fill packs into a fill (padding included).
        cOperand = linalg::FillOp::create(rewriter, loc, fill.value(), cDest)
                       .getResult(0);
      } else {
        packC = linalg::PackOp::create(rewriter, loc, init, cDest, {*nInC},
                                       {tile}, zero, {});
        cOperand = packC.getResult();
      }
      cpResults.push_back(j);
    }

    SmallVector<AffineMap> maps = {
        AffineMap::get(loops + 1, 0,
                       op.getMatchingIndexingMap(lhs).getResults(), ctx),
        AffineMap::get(loops + 1, 0, bpResults, ctx),
        AffineMap::get(loops + 1, 0, cpResults, ctx)};
    if (lhs != op.getDpsInputOperand(0))
      std::swap(maps[0], maps[1]);
    SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
    iterators.push_back(utils::IteratorType::parallel);
    Value inputs[2] = {op.getDpsInputOperand(0)->get(),
                       op.getDpsInputOperand(1)->get()};
    (lhs == op.getDpsInputOperand(0) ? inputs[1] : inputs[0]) =
        packB.getResult();
    auto packed = linalg::GenericOp::create(rewriter, loc,
                                            cOperand.getType(), inputs,
                                            ValueRange{cOperand}, maps,
                                            iterators);
    rewriter.cloneRegionBefore(op.getRegion(), packed.getRegion(),
                               packed.getRegion().begin());
    linalg::UnPackOp unpackC;
    if (direct) {
      rewriter.replaceOp(op, packed.getResult(0));
    } else {
      unpackC = linalg::UnPackOp::create(rewriter, loc, packed.getResult(0),
                                         init, {*nInC}, {tile}, {});
      rewriter.replaceOp(op, unpackC.getResult());
    }
    return PackedContraction{packed, packB, packC, unpackC};
  }

  /// Tiles a pack or unpack for threads over its outermost loop and into
  /// tiles of `sizes` (its loops), and marks the tiles for vectorization
  /// with `vectorSizes`.
  void codegenRelayout(RewriterBase &rewriter, Operation *op,
                       ArrayRef<int64_t> sizes,
                       ArrayRef<int64_t> vectorSizes) {
    Operation *current = op;
    SmallVector<int64_t> threadSizes(sizes.size(), 0);
    threadSizes[0] = sizes[0];
    if (FailureOr<Operation *> tiled =
            tile(rewriter, current, threadSizes, /*forall=*/true);
        succeeded(tiled))
      current = *tiled;
    if (FailureOr<Operation *> tiled =
            tile(rewriter, current, sizes, /*forall=*/false);
        succeeded(tiled))
      current = *tiled;
    markRelayoutForVectorization(current, vectorSizes);
  }

  /// A pack into panels: 8 rows of a panel per vector tile.
  void codegenPack(RewriterBase &rewriter, linalg::PackOp pack) {
    int64_t rank = pack.getSourceRank();
    SmallVector<int64_t> sizes(rank, 1);
    sizes[rank - 1] = 8;
    SmallVector<int64_t> vectorSizes(sizes);
    for (int64_t tile : pack.getStaticInnerTiles())
      vectorSizes.push_back(tile);
    codegenRelayout(rewriter, pack, sizes, vectorSizes);
  }

  /// An unpack from panels: one panel row per vector tile (vector sizes
  /// are those of the packed source tile).
  void codegenUnpack(RewriterBase &rewriter, linalg::UnPackOp unpack) {
    int64_t rank = unpack.getDestRank();
    SmallVector<int64_t> sizes(rank, 1);
    SmallVector<int64_t> vectorSizes(rank, 1);
    for (auto [pos, tile] : llvm::zip(unpack.getInnerDimsPos(),
                                      unpack.getStaticInnerTiles())) {
      sizes[pos] = tile;
      vectorSizes.push_back(tile);
    }
    codegenRelayout(rewriter, unpack, sizes, vectorSizes);
  }

  /// Packs B of matmul-like contractions with enough rows into panels of
  /// `register-n` columns (see packRhsPanels) and marks the packed op.
  void packContraction(RewriterBase &rewriter, linalg::LinalgOp op) {
    auto generic = dyn_cast<linalg::GenericOp>(op.getOperation());
    if (!generic)
      return;
    FailureOr<ContractionLoops> roles = getContractionLoops(op);
    if (failed(roles))
      return;
    unsigned m = roles->m, n = roles->n, k = roles->k;
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    // The copy of B costs about as much as computing kMinPackRows rows of
    // the product; below that (or with a row count only known at run
    // time, as in the decoder's sequence dimension) B is read in place.
    auto atLeast = [](int64_t size, int64_t bound) {
      return !ShapedType::isDynamic(size) && size >= bound;
    };
    if (!atLeast(ranges[m], kMinPackRows) || !atLeast(ranges[n], registerN) ||
        !atLeast(ranges[k], 16))
      return;
    FailureOr<PackedContraction> packed =
        packRhsPanels(rewriter, generic, n, k, registerN);
    if (succeeded(packed))
      packed->op->setAttr(kPackedMarker,
                          rewriter.getDenseI64ArrayAttr({m, k, n}));
  }

  /// Tiles a contraction that packContraction made: threads x K cache
  /// block x panel x `register-m` rows x k, each tile a broadcast
  /// multiply-add on vectors of a panel's columns. `roles` holds its
  /// innermost m loop, innermost k loop and panel loop; the columns of a
  /// panel are the last loop.
  void codegenPackedContraction(RewriterBase &rewriter, linalg::LinalgOp op,
                                ArrayRef<int64_t> roles) {
    unsigned m = roles[0], k = roles[1], panel = roles[2];
    unsigned loops = op.getNumLoops();
    SmallVector<unsigned> outer, outerK;
    for (auto [i, type] : llvm::enumerate(op.getIteratorTypesArray())) {
      if (i == m || i == k || i == panel || i == loops - 1)
        continue;
      (type == utils::IteratorType::parallel ? outer : outerK).push_back(i);
    }
    int64_t mr = registerM;
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    int64_t tm = threadTile(ranges[m], threadM, mr);
    int64_t tn = threadTile(ranges[panel],
                            std::max<int64_t>(1, threadN / registerN), 1);

    markForVectorization(op, VectorKind::PackedContraction);
    ContractionLoops contraction{m, panel, k, outer, outerK};
    SmallVector<TileLevel> levels;
    if (product(ranges) >= kMinParallelWork)
      levels.push_back(contraction.threads(loops, tm, tn));
    levels.push_back(contraction.cacheBlock(loops, cacheK));
    levels.push_back(TileLevel(loops).with(panel, 1));
    levels.push_back(TileLevel(loops).with(m, mr).peeled());
    levels.push_back(TileLevel(loops).with(k, 1));
    tileLevels(rewriter, op, levels);
  }

  /// Splits the rows of B of a matrix-vector product `op` (static m <= 2,
  /// one static k) into kSplitRows blocks: partial products P[t] over rows
  /// [t K/T, (t+1) K/T) of B, in a new parallel loop t, then C = init +
  /// sum_t P[t] (a second op). Each block of B is contiguous, so a thread
  /// computing one streams it from memory in order, where splitting the
  /// columns would read a short piece of every row. Each block is itself
  /// split into `streams` sub-blocks, in a new reduction loop r after t:
  /// row k of B is row (t * streams + r) * L + k' with L = K / (T streams),
  /// so that a step of k' reads one row of each sub-block (matvec-streams).
  /// Returns the partial product, marked with kSplitRowsMarker, or failure
  /// if `op` is not such a product.
  FailureOr<linalg::GenericOp> splitMatvecRows(RewriterBase &rewriter,
                                               linalg::GenericOp op,
                                               const ContractionLoops &roles) {
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    if (!roles.outerK.empty() || op.getNumDpsInputs() != 2 ||
        op.getNumDpsInits() != 1 || op->hasAttr(kSplitRowsMarker))
      return failure();
    unsigned k = roles.k;
    int64_t total = ranges[k];
    if (ShapedType::isDynamic(total) || total % kSplitRows != 0 ||
        total / kSplitRows < 64 || !op.hasPureTensorSemantics() ||
        llvm::any_of(ranges, ShapedType::isDynamic))
      return failure();
    int64_t streams = std::max<int64_t>(1, matvecStreams);
    while (streams > 1 && (total % (kSplitRows * streams) != 0 ||
                           total / (kSplitRows * streams) < kMinStreamRows))
      streams /= 2;
    int64_t length = total / (kSplitRows * streams);
    MLIRContext *ctx = op.getContext();
    Location loc = op.getLoc();
    unsigned loops = op.getNumLoops();
    unsigned newLoops = streams > 1 ? 2 : 1;
    AffineExpr kExpr = getAffineDimExpr(k, ctx);
    AffineExpr tExpr = getAffineDimExpr(loops, ctx);
    AffineExpr rExpr = getAffineDimExpr(loops + 1, ctx);
    rewriter.setInsertionPoint(op);
    // Operands: the dimension indexed by k becomes (t, r, k'), or (t, k').
    SmallVector<Value> inputs;
    SmallVector<AffineMap> maps;
    for (OpOperand *operand : op.getDpsInputOperands()) {
      AffineMap map = op.getMatchingIndexingMap(operand);
      auto type = cast<RankedTensorType>(operand->get().getType());
      std::optional<unsigned> position = map.getResultPosition(kExpr);
      if (!position)
        return failure();
      SmallVector<ReassociationIndices> groups;
      SmallVector<int64_t> shape;
      SmallVector<AffineExpr> exprs;
      for (unsigned i = 0; i < map.getNumResults(); ++i) {
        auto next = static_cast<int64_t>(shape.size());
        if (i == *position) {
          if (streams > 1) {
            groups.push_back({next, next + 1, next + 2});
            shape.append({kSplitRows, streams, length});
            exprs.append({tExpr, rExpr, kExpr});
          } else {
            groups.push_back({next, next + 1});
            shape.append({kSplitRows, length});
            exprs.append({tExpr, kExpr});
          }
        } else {
          groups.push_back({next});
          shape.push_back(type.getDimSize(i));
          exprs.push_back(map.getResult(i));
        }
      }
      inputs.push_back(tensor::ExpandShapeOp::create(
          rewriter, loc, RankedTensorType::get(shape, type.getElementType()),
          operand->get(), groups));
      maps.push_back(AffineMap::get(loops + newLoops, 0, exprs, ctx));
    }
    // Partial products P[t, C dims...], from zeros.
    Value init = op.getDpsInits()[0];
    auto initType = cast<RankedTensorType>(init.getType());
    AffineMap cMap = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
    SmallVector<int64_t> partialShape = {kSplitRows};
    llvm::append_range(partialShape, initType.getShape());
    SmallVector<AffineExpr> partialExprs = {tExpr};
    llvm::append_range(partialExprs, cMap.getResults());
    maps.push_back(AffineMap::get(loops + newLoops, 0, partialExprs, ctx));
    Type element = initType.getElementType();
    Value partialInit = linalg::FillOp::create(
        rewriter, loc,
        arith::ConstantOp::create(rewriter, loc, rewriter.getZeroAttr(element))
            .getResult(),
        tensor::EmptyOp::create(rewriter, loc, partialShape, element).getResult())
                            .getResult(0);
    SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
    iterators.push_back(utils::IteratorType::parallel);
    if (streams > 1)
      iterators.push_back(utils::IteratorType::reduction);
    auto partial = linalg::GenericOp::create(
        rewriter, loc, TypeRange{partialInit.getType()}, inputs,
        ValueRange{partialInit}, maps, iterators);
    rewriter.cloneRegionBefore(op.getRegion(), partial.getRegion(),
                               partial.getRegion().begin());
    partial->setAttr(kSplitRowsMarker, rewriter.getUnitAttr());
    // C = init + P[0] + ... + P[T-1], elementwise over C; without the
    // init when it is zeros (whose fill then goes away).
    unsigned rank = initType.getRank();
    SmallVector<Value> parts;
    for (int64_t t = 0; t < kSplitRows; ++t) {
      SmallVector<OpFoldResult> offsets(rank + 1, rewriter.getIndexAttr(0));
      offsets[0] = rewriter.getIndexAttr(t);
      SmallVector<OpFoldResult> sizes = {rewriter.getIndexAttr(1)};
      for (int64_t d : initType.getShape())
        sizes.push_back(rewriter.getIndexAttr(d));
      SmallVector<OpFoldResult> strides(rank + 1, rewriter.getIndexAttr(1));
      parts.push_back(tensor::ExtractSliceOp::create(
          rewriter, loc, initType, partial.getResult(0), offsets, sizes,
          strides));
    }
    auto fill = init.getDefiningOp<linalg::FillOp>();
    bool zeroInit = fill && matchPattern(fill.value(), m_AnyZeroFloat());
    // The init (a residual, say) is read as an input: written as the
    // output, a read-only argument would first be copied.
    if (!zeroInit)
      parts.push_back(init);
    Value out =
        tensor::EmptyOp::create(rewriter, loc, initType.getShape(), element);
    AffineMap id = AffineMap::getMultiDimIdentityMap(rank, ctx);
    SmallVector<AffineMap> sumMaps(parts.size() + 1, id);
    auto sum = linalg::GenericOp::create(
        rewriter, loc, TypeRange{initType}, parts, ValueRange{out}, sumMaps,
        SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value total = a[0];
          for (size_t i = 1; i < parts.size(); ++i)
            total = arith::AddFOp::create(b, l, total, a[i]);
          linalg::YieldOp::create(b, l, total);
        });
    rewriter.replaceOp(op, sum->getResults());
    return partial;
  }

  /// Whether `op`, producing what a thread of a matrix-vector product
  /// reads, is cheap enough for each thread to compute its part of it:
  /// fills, elementwise ops and small one-input reductions (a norm's sum of
  /// squares, which every thread then computes for the whole row).
  static bool isCheapProducer(Operation *op) {
    if (isa<linalg::FillOp>(op))
      return true;
    auto generic = dyn_cast<linalg::GenericOp>(op);
    if (!generic || !generic.hasPureTensorSemantics() ||
        generic->getNumResults() != 1 ||
        !llvm::all_of(generic.getIndexingMapsArray(),
                      [](AffineMap m) { return m.isProjectedPermutation(); }))
      return false;
    // An elementwise op may gather (RoPE reads the partner of each
    // feature): a thread's tile reads what it needs of the whole tensor.
    if (generic.getNumReductionLoops() == 0)
      return true;
    SmallVector<int64_t> ranges = generic.getStaticLoopRanges();
    return generic.getNumDpsInputs() == 1 && !hasGather(generic) &&
           !llvm::any_of(ranges, ShapedType::isDynamic) &&
           product(ranges) <= kMaxRecomputedWork;
  }

  /// Whether the threads of `forall` may compute their part of `op` though
  /// ops outside the loop read it too: `op` is elementwise and small, and
  /// those ops are elementwise too, so that they can compute it themselves
  /// (fuseIntoElementwiseUsers). A residual sum is read by the norm before
  /// the next product and by the next residual sum.
  static bool isRecomputable(Operation *op, scf::ForallOp forall) {
    auto generic = dyn_cast<linalg::GenericOp>(op);
    if (!generic || generic.getNumReductionLoops() != 0 || hasGather(generic))
      return false;
    SmallVector<int64_t> ranges = generic.getStaticLoopRanges();
    if (llvm::any_of(ranges, ShapedType::isDynamic) ||
        product(ranges) > kMaxRecomputedWork)
      return false;
    return llvm::all_of(op->getUsers(), [&](Operation *user) {
      auto elementwise = dyn_cast<linalg::GenericOp>(user);
      return forall->isAncestor(user) ||
             (elementwise && elementwise.getNumReductionLoops() == 0 &&
              !user->getParentOfType<scf::ForallOp>());
    });
  }

  /// Fuses each small elementwise op outside thread loops into the one
  /// elementwise op that now reads it (what isRecomputable left, such as
  /// the residual sum the layer's last sum adds): one kernel fewer.
  void fuseIntoElementwiseUsers(RewriterBase &rewriter, func::FuncOp func) {
    for (bool changed = true; changed;) {
      changed = false;
      func.walk([&](linalg::GenericOp consumer) {
        if (consumer.getNumReductionLoops() != 0 ||
            consumer->getParentOfType<scf::ForallOp>() ||
            !consumer.hasPureTensorSemantics())
          return WalkResult::advance();
        for (OpOperand *operand : consumer.getDpsInputOperands()) {
          auto producer = operand->get().getDefiningOp<linalg::GenericOp>();
          if (!producer || !producer->hasOneUse() ||
              producer.getNumReductionLoops() != 0 ||
              producer->getParentOfType<scf::ForallOp>() ||
              !linalg::areElementwiseOpsFusable(operand))
            continue;
          SmallVector<int64_t> ranges = producer.getStaticLoopRanges();
          if (llvm::any_of(ranges, ShapedType::isDynamic) ||
              product(ranges) > kMaxRecomputedWork)
            continue;
          rewriter.setInsertionPoint(consumer);
          FailureOr<linalg::ElementwiseOpFusionResult> fused =
              linalg::fuseElementwiseOps(rewriter, operand);
          if (failed(fused))
            continue;
          for (auto [original, replacement] : fused->replacements)
            rewriter.replaceAllUsesWith(original, replacement);
          rewriter.eraseOp(consumer);
          if (producer->use_empty())
            rewriter.eraseOp(producer);
          changed = true;
          return WalkResult::interrupt();
        }
        return WalkResult::advance();
      });
    }
  }

  /// Moves the cheap producers (isCheapProducer) of what the threads of
  /// `forall` read into it, each thread computing the part it reads, as
  /// long as nothing outside the loop needs them; then their producers, and
  /// so on. Slices of reshapes and of slices are first rewritten as
  /// slices of the reshaped or sliced value. Returns the fused ops.
  SmallVector<Operation *> fuseProducers(RewriterBase &rewriter,
                                         scf::ForallOp forall) {
    RewritePatternSet patterns(forall.getContext());
    tensor::populateBubbleUpExtractSliceOpPatterns(patterns);
    tensor::populateMergeConsecutiveInsertExtractSlicePatterns(patterns);
    patterns.add<SliceOfExpandThroughHull>(forall.getContext());
    FrozenRewritePatternSet frozen(std::move(patterns));
    SmallVector<Operation *> fused;
    for (bool changed = true; changed;) {
      changed = false;
      // No folding: a slice of a whole producer must stay, to be fused.
      (void)applyPatternsGreedily(
          forall.getRegion(), frozen,
          GreedyRewriteConfig().enableFolding(false).enableConstantCSE(false));
      SmallVector<tensor::ExtractSliceOp> slices;
      forall.getRegion().walk(
          [&](tensor::ExtractSliceOp slice) { slices.push_back(slice); });
      for (tensor::ExtractSliceOp slice : slices) {
        Operation *producer = slice.getSource().getDefiningOp();
        if (!producer || forall->isAncestor(producer) ||
            !isCheapProducer(producer))
          continue;

        // Slices and reshapes the rewrites above left unused.
        eraseDeadUsers(rewriter, producer);
        if (!llvm::all_of(
                producer->getUsers(),
                [&](Operation *user) { return forall->isAncestor(user); }) &&
            !isRecomputable(producer, forall))
          continue;
        SmallVector<LoopLikeOpInterface> loops = {forall};
        std::optional<scf::SCFFuseProducerOfSliceResult> result =
            scf::tileAndFuseProducerOfSlice(rewriter, slice, loops);
        if (!result || result->tiledOps.empty())
          continue;
        fused.push_back(result->tiledOps.front());
        if (slice->use_empty())
          rewriter.eraseOp(slice);
        if (producer->use_empty())
          rewriter.eraseOp(producer);
        changed = true;
        break;
      }
    }
    return fused;
  }

  /// A matrix-vector product split by splitMatvecRows, to be generated.
  struct SplitMatvec {
    linalg::GenericOp partial;
    ContractionLoops roles;
    /// The loop over the blocks of rows (after the product's own loops).
    unsigned blocks;
  };

  /// Splits `op` if it is a matrix-vector product (static m <=
  /// kMaxStreamRows, enough work for threads) whose rows of B threads can
  /// split (splitMatvecRows). All products are split before any is
  /// generated, so that each sees the sums of partial products that the
  /// others read or produce.
  FailureOr<SplitMatvec> splitMatvec(RewriterBase &rewriter,
                                     linalg::GenericOp op) {
    FailureOr<ContractionLoops> roles = getContractionLoops(op);
    if (failed(roles))
      return failure();
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    // A B read along k is best split by its rows, n (codegenContraction).
    if (ShapedType::isDynamic(ranges[roles->m]) ||
        ranges[roles->m] > kMaxStreamRows ||
        product(ranges) < kMinParallelWork ||
        isDotForm(op, *roles, vectorWidth))
      return failure();
    unsigned blocks = op.getNumLoops();
    FailureOr<linalg::GenericOp> partial =
        splitMatvecRows(rewriter, op, *roles);
    if (failed(partial))
      return failure();
    return SplitMatvec{*partial, *roles, blocks};
  }

  /// Generates a split matrix-vector product: each thread streams its
  /// block of B, k one row of each stream at a time and the row's columns
  /// in vectors, and first computes the part of A it reads (fuseProducers:
  /// a norm or an activation then costs no kernel of its own). The sum of
  /// the partial products is left to the caller. The thread loop is marked
  /// kMatvecMarker: its ops are generated.
  void codegenMatvec(RewriterBase &rewriter, SplitMatvec split) {
    const ContractionLoops &roles = split.roles;
    unsigned all = split.partial.getNumLoops();
    // With streams, the op becomes a linalg.contract once its unit loops
    // are dropped, when it is vectorized.
    linalg::LinalgOp partialOp = split.partial;
    if (partialOp.getNumReductionLoops() == 1)
      partialOp = asContract(rewriter, partialOp);
    markForVectorization(partialOp, VectorKind::Contraction);
    FailureOr<Operation *> threads = tile(
        rewriter, partialOp,
        TileLevel(all).with(split.blocks, 1).parallel().sizes, /*forall=*/true);
    if (failed(threads))
      return;
    auto forall = (*threads)->getParentOfType<scf::ForallOp>();
    SmallVector<Operation *> fused = fuseProducers(rewriter, forall);
    SmallVector<TileLevel> levels;
    levels.push_back(TileLevel(all).with(roles.k, 1));
    for (unsigned d : roles.outer)
      levels.back().with(d, 1);
    levels.push_back(TileLevel(all).with(roles.n, 4 * vectorWidth).peeled());
    tileLevels(rewriter, *threads, levels);
    for (Operation *producer : fused)
      codegenDefault(rewriter, cast<linalg::LinalgOp>(producer));
    forall->setAttr(kMatvecMarker, rewriter.getUnitAttr());
  }

  /// Threads x cache block x register tile, vectorized to vector.contract.
  LogicalResult codegenContraction(RewriterBase &rewriter,
                                   linalg::LinalgOp op) {
    if (!isa<linalg::GenericOp, linalg::ContractOp, linalg::MatmulOp,
             linalg::BatchMatmulOp>(op))
      return failure();
    FailureOr<ContractionLoops> roles = getContractionLoops(op);
    if (failed(roles))
      return failure();
    ContractionLoops contraction = *roles;
    unsigned m = contraction.m, n = contraction.n, k = contraction.k;
    ArrayRef<unsigned> outer = contraction.outer, outerK = contraction.outerK;
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    int64_t mr = registerM, nr = registerN;
    unsigned loops = op.getNumLoops();
    SmallVector<TileLevel> levels;

    // A few rows (matrix-vector products too small to split by rows, see
    // codegenMatvec): B is read once, so the product streams it row by row:
    // threads split the columns, and for each k every thread adds
    // a[k] * B[k, its columns] to its part of C, which stays in L1. (With a
    // register tile, each k step would read a few cache lines from a
    // different row of B.)
    op = asContract(rewriter, op);
    markForVectorization(op, VectorKind::Contraction);
    if (!ShapedType::isDynamic(ranges[m]) && ranges[m] <= kMaxStreamRows &&
        isDotForm(op, contraction, vectorWidth)) {
      // Rows of B contiguous along k: a register tile is one row of C by
      // kDotColumns rows of B, all of k, each element one dot product
      // (lowered by mlc-cpu-lower-vectors); threads split the columns.
      if (product(ranges) >= kMinParallelWork)
        levels.push_back(contraction.threads(
            loops, ranges[m], threadTile(ranges[n], threadN, kDotColumns)));
      TileLevel tile(loops);
      for (unsigned d : outer)
        tile.with(d, 1);
      levels.push_back(tile.with(m, 1).with(n, kDotColumns).peeled());
      tileLevels(rewriter, op, levels);
      return success();
    }
    if (!ShapedType::isDynamic(ranges[m]) && ranges[m] <= kMaxStreamRows) {
      // Column tiles of at most 4 * threadN, at least 8 of them when the
      // columns allow, so that threads share the work evenly.
      int64_t width = 4 * vectorWidth;
      int64_t columns = std::clamp<int64_t>(
          ShapedType::isDynamic(ranges[n]) ? threadN * 4 : ranges[n] / 8,
          width, threadN * 4);
      bool threads = product(ranges) >= kMinParallelWork &&
                     !op->getParentOfType<scf::ForallOp>();
      // Without threads, all the columns at once if their accumulators fit
      // in 16 vector registers (attention's p . V: 2 rows x head_dim):
      // each row of B is then read once, whole, and C stays in registers
      // across the k loop.
      if (!threads && !ShapedType::isDynamic(ranges[n]) &&
          ranges[n] % vectorWidth == 0 &&
          ranges[m] * ranges[n] <= kAccumulatorRegisters * vectorWidth)
        width = ranges[n];
      if (threads)
        levels.push_back(contraction.threads(
            loops, ranges[m], threadTile(ranges[n], columns, width)));
      else if (!outer.empty())
        levels.push_back(contraction.cacheBlock(loops, 0));
      levels.push_back(TileLevel(loops).with(k, 1));
      for (unsigned d : outerK)
        levels.back().with(d, 1);
      levels.push_back(TileLevel(loops).with(n, width).peeled());
      tileLevels(rewriter, op, levels);
      return success();
    }

    // Fewer rows than a register tile: a wider one.
    if (!ShapedType::isDynamic(ranges[m]) && ranges[m] < mr) {
      mr = ranges[m];
      nr = std::max<int64_t>(nr, 4 * vectorWidth);
    }
    int64_t tm = threadTile(ranges[m], threadM, mr);
    int64_t tn = threadTile(ranges[n], threadN, nr);
    if (product(ranges) >= kMinParallelWork)
      levels.push_back(contraction.threads(loops, tm, tn));
    levels.push_back(contraction.cacheBlock(loops, cacheK));
    levels.push_back(TileLevel(loops).with(m, mr).with(n, nr).peeled());
    levels.push_back(TileLevel(loops).with(k, 1));
    tileLevels(rewriter, op, levels);
    return success();
  }

  /// Threads over the outermost parallel loop, the innermost loop in
  /// vectors.
  /// The elementwise op that alone consumes the row reduction `op`: a
  /// generic whose loops are all parallel but the last, reduced, with its
  /// result read by the consumer at the consumer's outer indices (the
  /// consumer's loops are op's, all parallel). Null if there is none.
  static linalg::LinalgOp getRowConsumer(linalg::LinalgOp op) {
    unsigned loops = op.getNumLoops();
    if (!isa<linalg::GenericOp>(op) || !op.hasPureTensorSemantics() ||
        loops < 2 || op.getNumReductionLoops() != 1 ||
        op.getIteratorTypesArray().back() != utils::IteratorType::reduction ||
        op->getNumResults() != 1 || !op->getResult(0).hasOneUse())
      return nullptr;
    OpOperand &use = *op->getResult(0).use_begin();
    auto consumer = dyn_cast<linalg::GenericOp>(use.getOwner());
    if (!consumer || !consumer.hasPureTensorSemantics() ||
        consumer.getNumLoops() != loops ||
        consumer.getNumParallelLoops() != loops ||
        !consumer.isDpsInput(&use) || consumer->getNumResults() != 1)
      return nullptr;
    // The reduction's result map equals the consumer's map of it: both
    // drop the last loop.
    AffineMap rowMap = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
    if (rowMap != consumer.getMatchingIndexingMap(&use) ||
        rowMap != AffineMap::getMultiDimIdentityMap(loops, op.getContext())
                      .dropResult(loops - 1))
      return nullptr;
    return consumer;
  }

  /// Computes the row reduction `op` inside its consumer's loop over rows:
  /// one kernel for both (a norm reads its row twice from cache).
  LogicalResult fuseRowReduction(RewriterBase &rewriter, linalg::LinalgOp op) {
    linalg::LinalgOp consumer = getRowConsumer(op);
    unsigned loops = consumer.getNumLoops();
    SmallVector<int64_t> ranges = consumer.getStaticLoopRanges();
    SmallVector<int64_t> rows(loops, 1);
    rows.back() = 0;
    // Rows to loop over (a single row is one kernel's work either way), and
    // a safe tiling of them.
    if (llvm::all_of(ArrayRef<int64_t>(ranges).drop_back(),
                     [](int64_t r) { return r == 1; }))
      return failure();
    for (unsigned d = 0; d + 1 < loops; ++d)
      if (!isSafelyTileable(consumer, d))
        return failure();
    rewriter.setInsertionPoint(consumer);
    scf::SCFTilingOptions options;
    options.setTileSizes(getAsIndexOpFoldResult(rewriter.getContext(), rows));
    if (product(ranges) >= kMinParallelWork &&
        !consumer->getParentOfType<scf::ForallOp>())
      options.setLoopType(scf::SCFTilingOptions::LoopType::ForallOp);
    FailureOr<scf::SCFTilingResult> tiled = scf::tileUsingSCF(
        rewriter, cast<TilingInterface>(consumer.getOperation()), options);
    if (failed(tiled))
      return failure();
    rewriter.replaceOp(consumer, tiled->replacements);
    auto tiledConsumer = cast<linalg::LinalgOp>(tiled->tiledOps.back());
    auto slice = tiledConsumer->getOperand(0).getDefiningOp<tensor::ExtractSliceOp>();
    for (OpOperand *input : tiledConsumer.getDpsInputOperands())
      if (auto candidate = input->get().getDefiningOp<tensor::ExtractSliceOp>();
          candidate && candidate.getSource() == op->getResult(0))
        slice = candidate;
    // From here on the consumer is rewritten: if the reduction cannot be
    // fused after all, it is generated on its own.
    std::optional<scf::SCFFuseProducerOfSliceResult> fused;
    if (slice && slice.getSource() == op->getResult(0))
      fused = scf::tileAndFuseProducerOfSlice(rewriter, slice, tiled->loops);
    if (!fused || fused->tiledOps.empty()) {
      codegenDefault(rewriter, op);
      codegenDefault(rewriter, tiledConsumer);
      return success();
    }
    auto tiledReduction = cast<linalg::LinalgOp>(fused->tiledOps.front());
    // The reduction's fill moves into the row loop too.
    if (auto init = tiledReduction.getDpsInits()[0]
                        .getDefiningOp<tensor::ExtractSliceOp>())
      if (init.getSource().getDefiningOp<linalg::FillOp>())
        if (auto fill = scf::tileAndFuseProducerOfSlice(rewriter, init,
                                                        tiled->loops);
            fill && !fill->tiledOps.empty())
          markForVectorization(fill->tiledOps.front(), VectorKind::Default);
    if (op->use_empty())
      rewriter.eraseOp(op);
    codegenDefault(rewriter, tiledReduction);
    codegenDefault(rewriter, tiledConsumer);
    return success();
  }

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
    markForVectorization(current, VectorKind::Default);
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
