//===- MapToGpu.cpp - linalg generics on buffers as gpu.launch kernels ----===//
//
// Elementwise generics become one thread per 128-bit vector of the innermost
// loop; innermost reductions become one block per row that combines with
// warp shuffles and a small workgroup buffer. Upstream's forall-to-GPU
// mapping gives neither the aligned vectors nor a race-free reduction
// (../shared/notes/mlir22-gpu.md, pitfalls 3, 4 and 8), so this pass writes
// the kernels itself.
//
//===----------------------------------------------------------------------===//

#include "mlc/Target/CUDA/Transforms/Passes.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"

namespace mlc {
#define GEN_PASS_DEF_CUDAMAPTOGPUPASS
#include "mlc/Target/CUDA/Transforms/Passes.h.inc"
} // namespace mlc

using namespace mlir;

static constexpr int64_t kWarpSize = 32;
static constexpr int64_t kVectorBytes = 16;

/// Whether the innermost loop indexes `map`, and only as its last result.
static bool indexesInnermostLast(AffineMap map) {
  unsigned inner = map.getNumDims() - 1;
  if (!map.isFunctionOfDim(inner))
    return false;
  auto last = dyn_cast<AffineDimExpr>(map.getResults().back());
  return last && last.getPosition() == inner;
}

/// Lanes per work item of an all-parallel generic: 128 bits of its widest
/// element type if every operand allows vector accesses, else 1.
static int64_t vectorWidth(linalg::GenericOp op, ArrayRef<int64_t> sizes) {
  unsigned maxBits = 0;
  for (OpOperand &operand : op->getOpOperands()) {
    auto type = dyn_cast<MemRefType>(operand.get().getType());
    if (!type)
      continue;
    unsigned bits = type.getElementType().isIntOrFloat()
                        ? type.getElementTypeBitWidth()
                        : 0;
    AffineMap map = op.getMatchingIndexingMap(&operand);
    bool isInit = op.isDpsInit(&operand);
    if (!type.getElementType().isIntOrFloat() || bits % 8 ||
        !type.getLayout().isIdentity() ||
        (map.isFunctionOfDim(map.getNumDims() - 1) || isInit) &&
            !indexesInnermostLast(map))
      return 1;
    maxBits = std::max(maxBits, bits);
  }
  for (Operation &inner : op.getBody()->without_terminator())
    if (inner.getNumRegions() || isa<linalg::IndexOp>(inner) ||
        !(inner.hasTrait<OpTrait::Elementwise>() ||
          isa<arith::ConstantOp>(inner)))
      return 1;
  int64_t width = maxBits ? kVectorBytes * 8 / maxBits : 1;
  return width > 1 && sizes.back() % width == 0 ? width : 1;
}

/// Whether every indexing map result is a loop index or a constant.
static bool hasDimOrConstantMaps(linalg::GenericOp op) {
  return llvm::all_of(op.getIndexingMapsArray(), [](AffineMap map) {
    return llvm::all_of(map.getResults(), [](AffineExpr e) {
      return isa<AffineDimExpr, AffineConstantExpr>(e);
    });
  });
}

namespace {
/// Emits the loads, the generic's payload and the stores of one kernel,
/// on vectors of `width` lanes or on scalars.
struct KernelBuilder {
  OpBuilder &b;
  Location loc;
  linalg::GenericOp op;
  int64_t width = 1;

  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }

  /// `id` split into indices of `sizes` (row-major).
  SmallVector<Value> delinearize(Value id, ArrayRef<int64_t> sizes) {
    SmallVector<Value> ivs(sizes.size());
    for (int64_t i = sizes.size() - 1; i >= 0; --i) {
      Value size = index(sizes[i]);
      ivs[i] = i ? arith::RemUIOp::create(b, loc, id, size).getResult() : id;
      if (i)
        id = arith::DivUIOp::create(b, loc, id, size);
    }
    return ivs;
  }

  SmallVector<Value> indices(OpOperand &operand, ValueRange ivs) {
    SmallVector<Value> result;
    for (AffineExpr expr : op.getMatchingIndexingMap(&operand).getResults()) {
      if (auto dim = dyn_cast<AffineDimExpr>(expr))
        result.push_back(ivs[dim.getPosition()]);
      else
        result.push_back(index(cast<AffineConstantExpr>(expr).getValue()));
    }
    return result;
  }

  Value splat(Value v) {
    if (width == 1 || isa<VectorType>(v.getType()))
      return v;
    return vector::BroadcastOp::create(
        b, loc, VectorType::get({width}, v.getType()), v);
  }

  /// A vector's alignment: whole vectors of the innermost dimension of a
  /// buffer with identity layout start at multiples of their size (the
  /// runtime's allocations are at least 16-byte aligned). Less than 16 bytes
  /// where a narrower element type shares the width of a wider one.
  llvm::MaybeAlign alignment(MemRefType type) {
    return llvm::MaybeAlign(width * type.getElementTypeBitWidth() / 8);
  }

  Value load(OpOperand &operand, ValueRange ivs) {
    Value source = operand.get();
    auto type = dyn_cast<MemRefType>(source.getType());
    if (!type)
      return splat(source);
    SmallVector<Value> at = indices(operand, ivs);
    if (width > 1 && indexesInnermostLast(op.getMatchingIndexingMap(&operand)))
      return vector::LoadOp::create(
          b, loc, VectorType::get({width}, type.getElementType()), source, at,
          /*nontemporal=*/false, alignment(type));
    return splat(memref::LoadOp::create(b, loc, source, at));
  }

  void store(Value value, OpOperand &operand, ValueRange ivs) {
    SmallVector<Value> at = indices(operand, ivs);
    if (width > 1)
      vector::StoreOp::create(
          b, loc, value, operand.get(), at,
          /*nontemporal=*/false,
          alignment(cast<MemRefType>(operand.get().getType())));
    else
      memref::StoreOp::create(b, loc, value, operand.get(), at);
  }

  /// `like` (a binary op of the payload) applied to `lhs` and `rhs`.
  Value apply(Operation *like, Value lhs, Value rhs) {
    OperationState state(loc, like->getName(), ValueRange{lhs, rhs},
                         lhs.getType(), like->getAttrs());
    return b.create(state)->getResult(0);
  }

  /// Maps the payload's arguments but `accumulator` to loaded operands
  /// (those used) and clones its ops but `skip`, widened to vectors when
  /// `width` > 1.
  void emitPayload(IRMapping &map, ValueRange ivs, Operation *skip = nullptr,
                   Value accumulator = nullptr) {
    Block *body = op.getBody();
    for (OpOperand &operand : op->getOpOperands()) {
      BlockArgument arg = op.getMatchingBlockArgument(&operand);
      if (!arg.use_empty() && arg != accumulator)
        map.map(arg, load(operand, ivs));
    }
    for (Operation &inner : body->without_terminator()) {
      if (&inner == skip)
        continue;
      if (auto indexOp = dyn_cast<linalg::IndexOp>(inner)) {
        map.map(indexOp.getResult(), ivs[indexOp.getDim()]);
        continue;
      }
      if (width == 1) {
        b.clone(inner, map);
        continue;
      }
      if (isa<arith::ConstantOp>(inner)) {
        map.map(inner.getResult(0), splat(b.clone(inner)->getResult(0)));
        continue;
      }
      SmallVector<Value> operands;
      for (Value v : inner.getOperands())
        operands.push_back(splat(map.lookupOrDefault(v)));
      SmallVector<Type> types;
      for (Type t : inner.getResultTypes())
        types.push_back(VectorType::get({width}, t));
      OperationState state(inner.getLoc(), inner.getName(), operands, types,
                           inner.getAttrs());
      map.map(inner.getResults(), b.create(state)->getResults());
    }
  }

  /// A launch of `grid` x `block` threads; the builder is left in its body.
  gpu::LaunchOp launch(int64_t grid, int64_t block) {
    Value one = index(1);
    auto launch = gpu::LaunchOp::create(b, loc, index(grid), one, one,
                                        index(block), one, one);
    b.setInsertionPointToEnd(&launch.getBody().front());
    gpu::TerminatorOp::create(b, loc);
    b.setInsertionPointToStart(&launch.getBody().front());
    return launch;
  }
};
} // namespace

/// All loops parallel: one thread per `width` consecutive elements.
static void mapElementwise(linalg::GenericOp op, ArrayRef<int64_t> sizes,
                           int64_t blockSize) {
  OpBuilder b(op);
  KernelBuilder kb{b, op.getLoc(), op, vectorWidth(op, sizes)};
  SmallVector<int64_t> items(sizes);
  items.back() /= kb.width;
  int64_t count = ShapedType::getNumElements(items);
  gpu::LaunchOp launch =
      kb.launch(llvm::divideCeil(count, blockSize), blockSize);
  Location loc = op.getLoc();
  Value id = arith::AddIOp::create(b, loc,
                                   arith::MulIOp::create(b, loc,
                                                         launch.getBlockIds().x,
                                                         kb.index(blockSize)),
                                   launch.getThreadIds().x);
  Value inBounds = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, id,
                                         kb.index(count));
  auto ifOp = scf::IfOp::create(b, loc, inBounds, /*withElseRegion=*/false);
  b.setInsertionPointToStart(&ifOp.getThenRegion().front());
  SmallVector<Value> ivs = kb.delinearize(id, items);
  if (kb.width > 1)
    ivs.back() = arith::MulIOp::create(b, loc, ivs.back(), kb.index(kb.width));
  IRMapping map;
  kb.emitPayload(map, ivs);
  auto yield = cast<linalg::YieldOp>(op.getBody()->getTerminator());
  for (auto [value, init] :
       llvm::zip(yield.getValues(), op.getDpsInitsMutable()))
    kb.store(kb.splat(map.lookupOrDefault(value)), init, ivs);
  op.erase();
}

/// The op combining the payload's value into the accumulator of a
/// single-output reduction (`%r = arith.addf %v, %out`), if it is the only
/// use of the accumulator and has a neutral element.
static Operation *findCombiner(linalg::GenericOp op) {
  if (op.getNumDpsInits() != 1)
    return nullptr;
  BlockArgument acc = op.getMatchingBlockArgument(op.getDpsInitOperand(0));
  Value yielded = op.getBody()->getTerminator()->getOperand(0);
  Operation *combiner = yielded.getDefiningOp();
  if (!combiner || !acc.hasOneUse() || *acc.user_begin() != combiner ||
      combiner->getNumOperands() != 2 || combiner->getNumRegions() ||
      !arith::getNeutralElement(combiner) ||
      acc.getType().getIntOrFloatBitWidth() != 32)
    return nullptr;
  return combiner;
}

/// Warp-wide combination of `value` with xor shuffles.
static Value warpReduce(KernelBuilder &kb, Operation *combiner, Value value) {
  for (int32_t offset = kWarpSize / 2; offset > 0; offset /= 2) {
    auto shuffle = gpu::ShuffleOp::create(kb.b, kb.loc, value, offset,
                                          kWarpSize, gpu::ShuffleMode::XOR);
    value = kb.apply(combiner, value, shuffle.getShuffleResult());
  }
  return value;
}

/// The scalar that `fill` (a generalized linalg.fill) writes, if it is one.
static Value filledValue(linalg::GenericOp fill) {
  if (fill.getNumDpsInits() != 1 ||
      fill.getNumParallelLoops() != fill.getNumLoops() ||
      !fill.getMatchingIndexingMap(fill.getDpsInitOperand(0)).isPermutation() ||
      fill.getBody()->getOperations().size() != 1)
    return nullptr;
  Value yielded = fill.getBody()->getTerminator()->getOperand(0);
  auto arg = dyn_cast<BlockArgument>(yielded);
  if (!arg)
    return yielded; // Defined above the fill.
  if (arg.getArgNumber() >= fill.getNumDpsInputs())
    return nullptr;
  Value input = fill.getDpsInputOperand(arg.getArgNumber())->get();
  return isa<ShapedType>(input.getType()) ? nullptr : input;
}

/// The fill of `op`'s output right before it, which the reduction kernel
/// can take over (one kernel less, and no read of the initial value).
static linalg::GenericOp findInitFill(linalg::GenericOp op) {
  auto fill = dyn_cast_or_null<linalg::GenericOp>(op->getPrevNode());
  if (!fill || !fill.hasPureBufferSemantics() || !filledValue(fill) ||
      fill.getDpsInitOperand(0)->get() != op.getDpsInitOperand(0)->get())
    return nullptr;
  return fill;
}

/// Innermost loop a reduction: one block per output element. A fill of
/// the output right before it is folded into the kernel.
static void mapRowReduction(linalg::GenericOp op, Operation *combiner,
                            ArrayRef<int64_t> sizes, int64_t blockSize,
                            linalg::GenericOp fill) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  KernelBuilder kb{b, loc, op};
  ArrayRef<int64_t> rows = sizes.drop_back();
  int64_t rowLength = sizes.back();
  int64_t numWarps = blockSize / kWarpSize;
  gpu::LaunchOp launch = kb.launch(ShapedType::getNumElements(rows), blockSize);
  Type accType = combiner->getResult(0).getType();
  Value neutral =
      arith::ConstantOp::create(b, loc, *arith::getNeutralElement(combiner));
  Value tid = launch.getThreadIds().x;
  SmallVector<Value> ivs = kb.delinearize(launch.getBlockIds().x, rows);

  // Each thread combines elements tid, tid + blockSize, ... of the row.
  auto loop = scf::ForOp::create(b, loc, tid, kb.index(rowLength),
                                 kb.index(blockSize), ValueRange{neutral});
  b.setInsertionPointToStart(loop.getBody());
  ivs.push_back(loop.getInductionVar());
  IRMapping map;
  BlockArgument acc = op.getMatchingBlockArgument(op.getDpsInitOperand(0));
  kb.emitPayload(map, ivs, combiner, acc);
  Value element = combiner->getOperand(0) == acc ? combiner->getOperand(1)
                                                 : combiner->getOperand(0);
  scf::YieldOp::create(b, loc,
                       kb.apply(combiner, loop.getRegionIterArgs()[0],
                                map.lookupOrDefault(element)));
  b.setInsertionPointAfter(loop);
  ivs.back() = kb.index(0);

  // Warps, then the first warp over the warps' results in workgroup memory.
  Value partial = warpReduce(kb, combiner, loop.getResult(0));
  auto workgroup = gpu::AddressSpaceAttr::get(
      b.getContext(), gpu::GPUDialect::getWorkgroupAddressSpace());
  Value shared = launch.addWorkgroupAttribution(
      MemRefType::get({numWarps}, accType, MemRefLayoutAttrInterface(),
                      workgroup),
      loc);
  Value warpSize = kb.index(kWarpSize);
  Value lane = arith::RemUIOp::create(b, loc, tid, warpSize);
  Value warp = arith::DivUIOp::create(b, loc, tid, warpSize);
  Value zero = kb.index(0);
  auto isZero = [&](Value v) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, v, zero);
  };
  auto laneZero = scf::IfOp::create(b, loc, isZero(lane), false);
  b.setInsertionPointToStart(&laneZero.getThenRegion().front());
  memref::StoreOp::create(b, loc, partial, shared, warp);
  b.setInsertionPointAfter(laneZero);
  gpu::BarrierOp::create(b, loc);

  auto firstWarp = scf::IfOp::create(b, loc, isZero(warp), false);
  b.setInsertionPointToStart(&firstWarp.getThenRegion().front());
  Value hasWarp = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, lane,
                                        kb.index(numWarps));
  Value slot = arith::MinUIOp::create(b, loc, lane, kb.index(numWarps - 1));
  Value total =
      warpReduce(kb, combiner,
                 arith::SelectOp::create(
                     b, loc, hasWarp,
                     memref::LoadOp::create(b, loc, shared, slot), neutral));
  auto firstThread = scf::IfOp::create(b, loc, isZero(lane), false);
  b.setInsertionPointToStart(&firstThread.getThenRegion().front());
  OpOperand &init = *op.getDpsInitOperand(0);
  Value initial =
      fill ? filledValue(fill)
           : memref::LoadOp::create(b, loc, init.get(), kb.indices(init, ivs))
                 .getResult();
  kb.store(kb.apply(combiner, total, initial), init, ivs);
  op.erase();
  if (fill)
    fill.erase();
}

namespace {
struct CudaMapToGpuPass
    : public mlc::impl::CudaMapToGpuPassBase<CudaMapToGpuPass> {
  using Base::Base;

  void runOnOperation() override {
    if (blockSize % kWarpSize || blockSize <= 0 || blockSize > 1024) {
      getOperation().emitError("block-size must be a multiple of 32 in "
                               "[32, 1024], not ")
          << blockSize;
      return signalPassFailure();
    }
    SmallVector<linalg::LinalgOp> ops;
    getOperation().walk([&](linalg::LinalgOp op) { ops.push_back(op); });
    // Backwards: a reduction takes over the fill of its output before the
    // fill would become a kernel of its own.
    DenseSet<Operation *> erased;
    for (linalg::LinalgOp linalgOp : llvm::reverse(ops))
      if (!erased.contains(linalgOp) && failed(map(linalgOp, erased)))
        return signalPassFailure();
  }

  LogicalResult map(linalg::LinalgOp linalgOp, DenseSet<Operation *> &erased) {
    auto op = dyn_cast<linalg::GenericOp>(linalgOp.getOperation());
    if (!op || !op.hasPureBufferSemantics())
      return linalgOp.emitOpError(
          "is not mapped to the GPU: only linalg.generic on buffers is "
          "(run linalg-generalize-named-ops and bufferization first)");
    SmallVector<int64_t> sizes = op.getStaticLoopRanges();
    if (ShapedType::isDynamicShape(sizes))
      return op.emitOpError("is not mapped to the GPU: dynamic loop sizes");
    if (sizes.empty())
      sizes.push_back(1);
    if (ShapedType::getNumElements(sizes) == 0) {
      op.erase();
      return success();
    }
    if (!hasDimOrConstantMaps(op))
      return op.emitOpError("is not mapped to the GPU: an indexing map "
                            "with a result that is not a loop or constant");
    if (op.getNumParallelLoops() == op.getNumLoops()) {
      mapElementwise(op, sizes, blockSize);
      return success();
    }
    if (linalg::isaContractionOpInterface(op))
      return op.emitOpError("is not mapped to the GPU yet: contractions "
                            "(GEMV, cuBLASLt) come next");
    SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
    Operation *combiner = findCombiner(op);
    if (op.getNumReductionLoops() == 1 &&
        iterators.back() == utils::IteratorType::reduction && combiner) {
      linalg::GenericOp fill = findInitFill(op);
      if (fill)
        erased.insert(fill);
      mapRowReduction(op, combiner, sizes, blockSize, fill);
      return success();
    }
    return op.emitOpError("is not mapped to the GPU yet: only elementwise "
                          "ops and 32-bit reductions over the innermost loop "
                          "are");
  }
};
} // namespace
