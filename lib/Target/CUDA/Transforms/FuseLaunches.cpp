//===- FuseLaunches.cpp - independent consecutive launches as one kernel --===//
//
// The pass mlc-cuda-fuse-launches (see Passes.td): two consecutive
// gpu.launch ops that do not depend on each other become one launch whose
// first blocks run the first body and whose other blocks run the second.
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"
#include "mlc/Target/CUDA/Transforms/Passes.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlc {
#define GEN_PASS_DEF_CUDAFUSELAUNCHESPASS
#include "mlc/Target/CUDA/Transforms/Passes.h.inc"
} // namespace mlc

using namespace mlir;

namespace {

/// The buffers (roots of views) that a launch reads and writes outside its
/// own workgroup memory; `unknown` when an op's effects are not known.
struct Accesses {
  SmallVector<Value> reads, writes;
  bool unknown = false;
  bool synchronizes = false; // a barrier or a shuffle
};

Accesses accessesOf(gpu::LaunchOp launch) {
  Accesses accesses;
  Region &body = launch.getBody();
  body.walk([&](Operation *op) {
    if (isa<gpu::BarrierOp, gpu::ShuffleOp>(op)) {
      accesses.synchronizes = true;
      return;
    }
    auto interface = dyn_cast<MemoryEffectOpInterface>(op);
    if (!interface) {
      if (!isMemoryEffectFree(op) &&
          !op->hasTrait<OpTrait::HasRecursiveMemoryEffects>())
        accesses.unknown = true;
      return;
    }
    SmallVector<MemoryEffects::EffectInstance> effects;
    interface.getEffects(effects);
    for (MemoryEffects::EffectInstance &effect : effects) {
      bool read = isa<MemoryEffects::Read>(effect.getEffect());
      bool write = isa<MemoryEffects::Write>(effect.getEffect());
      if (!read && !write)
        continue;
      Value value = effect.getValue();
      if (!value) {
        accesses.unknown = true;
        continue;
      }
      Value root = mlc::cuda::viewRoot(value);
      // Workgroup memory is the block's own, private memory the thread's.
      if (auto argument = dyn_cast<BlockArgument>(root);
          argument && argument.getParentRegion() == &body)
        continue;
      if (root.getDefiningOp<memref::AllocaOp>())
        continue;
      // A global, even where a kernel takes it from the module.
      if (!root.getDefiningOp<memref::GetGlobalOp>() &&
          body.isAncestor(root.getParentRegion())) {
        accesses.unknown = true;
        continue;
      }
      (write ? accesses.writes : accesses.reads).push_back(root);
    }
  });
  return accesses;
}

/// Whether two roots may be the same memory. Allocations, arguments of the
/// function and globals are each distinct from one another (entry points
/// take buffers that do not overlap); anything else may be anything.
bool mayAlias(Value a, Value b) {
  if (a == b)
    return true;
  auto getA = a.getDefiningOp<memref::GetGlobalOp>();
  auto getB = b.getDefiningOp<memref::GetGlobalOp>();
  if (getA && getB)
    return getA.getName() == getB.getName();
  auto known = [](Value v) {
    if (auto argument = dyn_cast<BlockArgument>(v))
      return isa<func::FuncOp>(argument.getOwner()->getParentOp());
    return isa_and_present<memref::AllocOp, memref::GetGlobalOp>(
        v.getDefiningOp());
  };
  return !known(a) || !known(b);
}

bool conflicts(ArrayRef<Value> writes, ArrayRef<Value> others) {
  return llvm::any_of(writes, [&](Value w) {
    return llvm::any_of(others, [&](Value o) { return mayAlias(w, o); });
  });
}

bool isConstantOne(Value v) { return matchPattern(v, m_One()); }

/// Static shared memory a block may have without opting in to more.
constexpr int64_t kMaxStaticSharedBytes = 48 * 1024;

/// The bytes of a launch's workgroup memory, or nullopt if not static.
std::optional<int64_t> workgroupBytes(gpu::LaunchOp launch) {
  int64_t bytes = 0;
  for (BlockArgument argument : launch.getWorkgroupAttributions()) {
    auto type = cast<MemRefType>(argument.getType());
    Type element = type.getElementType();
    int64_t lanes = 1;
    if (auto vector = dyn_cast<VectorType>(element)) {
      if (vector.isScalable())
        return std::nullopt;
      lanes = vector.getNumElements();
      element = vector.getElementType();
    }
    if (!type.hasStaticShape() || !element.isIntOrFloat() ||
        element.getIntOrFloatBitWidth() % 8)
      return std::nullopt;
    bytes +=
        type.getNumElements() * lanes * element.getIntOrFloatBitWidth() / 8;
  }
  return bytes;
}

/// The constant block size of a launch that fusion takes: a 1-D grid and
/// block, nothing asynchronous, no cluster, no dynamic shared memory, no
/// private memory, one block of body.
std::optional<int64_t> fusableBlockSize(gpu::LaunchOp launch) {
  APInt size;
  if (launch.getAsyncToken() || !launch.getAsyncDependencies().empty() ||
      launch.hasClusterSize() || launch.getDynamicSharedMemorySize() ||
      launch.getNumPrivateAttributions() != 0 ||
      !launch.getBody().hasOneBlock() ||
      !isConstantOne(launch.getGridSizeY()) ||
      !isConstantOne(launch.getGridSizeZ()) ||
      !isConstantOne(launch.getBlockSizeY()) ||
      !isConstantOne(launch.getBlockSizeZ()) ||
      !matchPattern(launch.getBlockSizeX(), m_ConstantInt(&size)))
    return std::nullopt;
  return size.getSExtValue();
}

/// Moves the body of `from` to before `before`, its region arguments
/// replaced: its block index by `block`, its thread index by `thread`,
/// its grid and block sizes by `from`'s operands, its workgroup memory by
/// `workgroup`, the other dimensions by `into`'s.
void moveBody(gpu::LaunchOp from, gpu::LaunchOp into, Operation *before,
              Value block, Value thread, ArrayRef<BlockArgument> workgroup) {
  Block &body = from.getBody().front();
  gpu::KernelDim3 blocks = from.getBlockIds(), threads = from.getThreadIds();
  gpu::KernelDim3 grid = from.getGridSize(), sizes = from.getBlockSize();
  gpu::KernelDim3 intoBlocks = into.getBlockIds();
  gpu::KernelDim3 intoThreads = into.getThreadIds();
  gpu::KernelDim3 intoGrid = into.getGridSize();
  gpu::KernelDim3 intoSizes = into.getBlockSize();
  blocks.x.replaceAllUsesWith(block);
  blocks.y.replaceAllUsesWith(intoBlocks.y);
  blocks.z.replaceAllUsesWith(intoBlocks.z);
  threads.x.replaceAllUsesWith(thread);
  threads.y.replaceAllUsesWith(intoThreads.y);
  threads.z.replaceAllUsesWith(intoThreads.z);
  grid.x.replaceAllUsesWith(from.getGridSizeX());
  grid.y.replaceAllUsesWith(intoGrid.y);
  grid.z.replaceAllUsesWith(intoGrid.z);
  sizes.x.replaceAllUsesWith(from.getBlockSizeX());
  sizes.y.replaceAllUsesWith(intoSizes.y);
  sizes.z.replaceAllUsesWith(intoSizes.z);
  for (auto [old, replacement] :
       llvm::zip_equal(from.getWorkgroupAttributions(), workgroup))
    BlockArgument(old).replaceAllUsesWith(replacement);
  body.getTerminator()->erase();
  before->getBlock()->getOperations().splice(before->getIterator(),
                                             body.getOperations());
}

/// A launch, or a launch under the guard that host code puts around a
/// launch of a dynamic grid: `scf.if (grid x != 0) { gpu.launch }`. Fusing
/// does not need the guards: a body whose grid is empty gets no blocks.
struct Unit {
  Operation *op;
  gpu::LaunchOp launch;
};

std::optional<Unit> unitOf(Operation *op) {
  if (auto launch = dyn_cast<gpu::LaunchOp>(op))
    return Unit{op, launch};
  auto guard = dyn_cast<scf::IfOp>(op);
  if (!guard || guard.getNumResults() != 0 || !guard.getElseRegion().empty())
    return std::nullopt;
  Block *then = guard.thenBlock();
  auto launch = dyn_cast<gpu::LaunchOp>(&then->front());
  if (!launch || launch->getNextNode() != then->getTerminator())
    return std::nullopt;
  auto nonEmpty = guard.getCondition().getDefiningOp<arith::CmpIOp>();
  if (!nonEmpty || nonEmpty.getPredicate() != arith::CmpIPredicate::ne ||
      nonEmpty.getLhs() != launch.getGridSizeX() ||
      !matchPattern(nonEmpty.getRhs(), m_Zero()))
    return std::nullopt;
  return Unit{op, launch};
}

/// Fuses the launches of `firstUnit` and `secondUnit` (which follows it,
/// with only ops free of memory effects between them) when they are
/// independent; the fused launch (guarded when either was) replaces the
/// second.
FailureOr<Unit> fuse(Unit firstUnit, Unit secondUnit) {
  gpu::LaunchOp first = firstUnit.launch, second = secondUnit.launch;
  std::optional<int64_t> firstSize = fusableBlockSize(first);
  std::optional<int64_t> secondSize = fusableBlockSize(second);
  if (!firstSize || !secondSize)
    return failure();
  // The fused block has the shared memory of both.
  std::optional<int64_t> firstShared = workgroupBytes(first);
  std::optional<int64_t> secondShared = workgroupBytes(second);
  if (!firstShared || !secondShared ||
      *firstShared + *secondShared > kMaxStaticSharedBytes)
    return failure();
  Accesses a = accessesOf(first), b = accessesOf(second);
  if (a.unknown || b.unknown)
    return failure();
  SmallVector<Value> secondAll(b.reads), firstAll(a.reads);
  secondAll.append(b.writes);
  firstAll.append(a.writes);
  if (conflicts(a.writes, secondAll) || conflicts(b.writes, firstAll))
    return failure();
  // The block size: both's, or the smaller when the larger is a multiple
  // of it and its body runs thread after thread.
  int64_t size = std::min(*firstSize, *secondSize);
  auto coarsenable = [&](gpu::LaunchOp launch, const Accesses &accesses,
                         int64_t launchSize) {
    return launchSize == size ||
           (launchSize % size == 0 && !accesses.synchronizes &&
            launch.getNumWorkgroupAttributions() == 0);
  };
  if (!coarsenable(first, a, *firstSize) ||
      !coarsenable(second, b, *secondSize))
    return failure();

  OpBuilder builder(secondUnit.op);
  Location loc = builder.getFusedLoc({first.getLoc(), second.getLoc()});
  Value grid = arith::AddIOp::create(builder, loc, first.getGridSizeX(),
                                     second.getGridSizeX());
  Operation *fusedUnit = nullptr;
  if (firstUnit.op != first || secondUnit.op != second) {
    Value nonEmpty =
        arith::CmpIOp::create(builder, loc, arith::CmpIPredicate::ne, grid,
                              arith::ConstantIndexOp::create(builder, loc, 0));
    auto guard = scf::IfOp::create(builder, loc, nonEmpty, /*withElse=*/false);
    builder.setInsertionPoint(guard.thenBlock()->getTerminator());
    fusedUnit = guard;
  }
  SmallVector<Type> workgroupTypes;
  for (gpu::LaunchOp launch : {first, second})
    for (BlockArgument argument : launch.getWorkgroupAttributions())
      workgroupTypes.push_back(argument.getType());
  Value one = second.getGridSizeY();
  auto fused = gpu::LaunchOp::create(
      builder, loc, grid, one, one,
      arith::ConstantIndexOp::create(builder, loc, size), one, one,
      /*dynamicSharedMemorySize=*/nullptr, /*asyncTokenType=*/nullptr,
      /*asyncDependencies=*/{}, workgroupTypes);
  Block &body = fused.getBody().front();
  builder.setInsertionPointToEnd(&body);
  auto terminator = gpu::TerminatorOp::create(builder, loc);
  builder.setInsertionPoint(terminator);
  Value block = fused.getBlockIds().x, thread = fused.getThreadIds().x;
  Value inFirst = arith::CmpIOp::create(builder, loc, arith::CmpIPredicate::ult,
                                        block, first.getGridSizeX());
  auto branch = scf::IfOp::create(builder, loc, inFirst, /*withElse=*/true);
  ArrayRef<BlockArgument> workgroup = fused.getWorkgroupAttributions();
  auto place = [&](gpu::LaunchOp launch, int64_t launchSize, Block *into,
                   Value launchBlock, ArrayRef<BlockArgument> memory) {
    builder.setInsertionPoint(into->getTerminator());
    if (launchSize == size) {
      moveBody(launch, fused, into->getTerminator(), launchBlock, thread,
               memory);
      return;
    }
    // Each thread runs the body for threads thread, thread + size, ...
    auto loop = scf::ForOp::create(
        builder, loc, arith::ConstantIndexOp::create(builder, loc, 0),
        arith::ConstantIndexOp::create(builder, loc, launchSize),
        arith::ConstantIndexOp::create(builder, loc, size));
    builder.setInsertionPointToStart(loop.getBody());
    Value virtualThread =
        arith::AddIOp::create(builder, loc, loop.getInductionVar(), thread);
    moveBody(launch, fused, loop.getBody()->getTerminator(), launchBlock,
             virtualThread, memory);
  };
  size_t firstMemory = first.getNumWorkgroupAttributions();
  place(first, *firstSize, branch.thenBlock(), block,
        workgroup.take_front(firstMemory));
  builder.setInsertionPointToStart(branch.elseBlock());
  Value secondBlock =
      arith::SubIOp::create(builder, loc, block, first.getGridSizeX());
  place(second, *secondSize, branch.elseBlock(), secondBlock,
        workgroup.drop_front(firstMemory));
  firstUnit.op->erase();
  secondUnit.op->erase();
  return Unit{fusedUnit ? fusedUnit : fused.getOperation(), fused};
}

/// The next launch (or guarded launch) after `unit` in its block when only
/// ops free of memory effects (or allocations) are between them.
std::optional<Unit> nextUnit(Unit unit) {
  for (Operation *op = unit.op->getNextNode(); op; op = op->getNextNode()) {
    if (isa<gpu::LaunchOp, scf::IfOp>(op))
      return unitOf(op);
    if (!isMemoryEffectFree(op) && !isa<memref::AllocOp>(op))
      return std::nullopt;
  }
  return std::nullopt;
}

struct CudaFuseLaunchesPass
    : mlc::impl::CudaFuseLaunchesPassBase<CudaFuseLaunchesPass> {
  void runOnOperation() override {
    // The units of each block, in order; fusing replaces two with one.
    SmallVector<Operation *> candidates;
    getOperation().walk([&](Operation *op) {
      if (isa<gpu::LaunchOp, scf::IfOp>(op))
        candidates.push_back(op);
    });
    DenseSet<Operation *> erased;
    for (Operation *op : candidates) {
      if (erased.contains(op))
        continue;
      std::optional<Unit> current = unitOf(op);
      if (!current)
        continue;
      while (std::optional<Unit> next = nextUnit(*current)) {
        Operation *firstOp = current->op, *secondOp = next->op;
        Operation *firstLaunch = current->launch, *secondLaunch = next->launch;
        FailureOr<Unit> fused = fuse(*current, *next);
        if (failed(fused))
          break;
        for (Operation *gone : {firstOp, secondOp, firstLaunch, secondLaunch})
          erased.insert(gone);
        current = *fused;
      }
    }
  }
};

} // namespace
