//===- MapToGpu.cpp - linalg generics on buffers as gpu.launch kernels ----===//
//
// The pass mlc-cuda-map-to-gpu: chooses a kernel for every linalg.generic
// of a function after bufferization (Elementwise.cpp, RowReduction.cpp,
// Contraction.cpp with Gemv.cpp and Matmul.cpp, GeneralKernel.cpp, and
// Attention.cpp), and rejects whatever would leave host code touching
// device memory. In order:
//  1. buffer rewrites that save kernels: returned globals copied, copies
//     whose source one generic writes done by that generic in place
//     (writeCopiesInPlace), the other copies as copy generics, fills moved
//     to their readers (forwardFills);
//  2. row reductions paired with the generic after them (findRowEpilogue);
//  3. kernels, last generic first, each taking over the fill or copy that
//     initialises its output (findInitializer);
//  4. what kernels compute themselves cloned into the launches
//     (KernelValues), and host code checked.
// Upstream's forall-to-GPU mapping gives neither aligned vectors nor
// race-free reductions (../shared/notes/mlir22-gpu.md, pitfalls 3, 4 and
// 8), so the kernels are written here.
//
//===----------------------------------------------------------------------===//

#include "Contraction.h"
#include "Kernels.h"
#include "mlc/Target/CUDA/Transforms/Passes.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "mlir/Transforms/RegionUtils.h"

namespace mlc {
#define GEN_PASS_DEF_CUDAMAPTOGPUPASS
#include "mlc/Target/CUDA/Transforms/Passes.h.inc"
} // namespace mlc

using namespace mlir;
using namespace mlc::cuda;

/// Rows shorter than this are reduced by one thread each (general kernel)
/// rather than by a block.
static constexpr int64_t kMinBlockRow = 32;

/// Whether every indexing map result is a loop index or a constant.
static bool hasDimOrConstantMaps(linalg::GenericOp op) {
  return llvm::all_of(op.getIndexingMapsArray(), [](AffineMap map) {
    return llvm::all_of(map.getResults(), [](AffineExpr e) {
      return isa<AffineDimExpr, AffineConstantExpr>(e);
    });
  });
}

/// Whether each point of the parallel loops writes its own output elements:
/// every output map is a projected permutation (zeros allowed) of parallel
/// loops that leaves out only loops of size 1. Kernels give each point one
/// thread (or warp, or block), so this is what keeps them race-free.
static bool hasOwnedOutputs(linalg::GenericOp op, ArrayRef<int64_t> sizes) {
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  for (OpOperand &init : op.getDpsInitsMutable()) {
    AffineMap map = op.getMatchingIndexingMap(&init);
    if (!map.isProjectedPermutation(/*allowZeroInResults=*/true))
      return false;
    llvm::SmallBitVector used(op.getNumLoops());
    for (AffineExpr e : map.getResults())
      if (auto dim = dyn_cast<AffineDimExpr>(e)) {
        if (iterators[dim.getPosition()] == utils::IteratorType::reduction)
          return false;
        used.set(dim.getPosition());
      }
    for (auto [d, it] : llvm::enumerate(iterators))
      if (it == utils::IteratorType::parallel && !used.test(d) && sizes[d] != 1)
        return false;
  }
  return true;
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

/// The buffer that `op` copies whole into its output, if it is a copy
/// generic (as copiesToGenerics makes them): one input and one output of
/// identity maps, the input's element yielded.
static Value copiedBuffer(linalg::GenericOp op) {
  if (op.getNumDpsInputs() != 1 || op.getNumDpsInits() != 1 ||
      !op.hasPureBufferSemantics() ||
      !llvm::all_of(op.getIndexingMapsArray(),
                    [](AffineMap map) { return map.isIdentity(); }) ||
      op.getBody()->getOperations().size() != 1)
    return nullptr;
  auto arg =
      dyn_cast<BlockArgument>(op.getBody()->getTerminator()->getOperand(0));
  if (!arg || arg.getOwner() != op.getBody() || arg.getArgNumber() != 0)
    return nullptr;
  Value source = op.getDpsInputOperand(0)->get();
  return isa<MemRefType>(source.getType()) ? source : nullptr;
}

/// Whether `op` reads and writes no existing buffer and holds no ops (a
/// view, a constant, index arithmetic, an allocation).
static bool isBufferNeutral(Operation *op) {
  return op->getNumRegions() == 0 &&
         (isMemoryEffectFree(op) || isa<memref::AllocOp>(op));
}

/// Whether `op` may move before the ops around it: it is buffer-neutral or
/// loads from a buffer in `readOnly` (arguments nothing writes).
static bool isMovable(Operation *op, const DenseSet<Value> &readOnly) {
  auto load = dyn_cast<memref::LoadOp>(op);
  return isBufferNeutral(op) ||
         (load && readOnly.contains(viewRoot(load.getMemRef())));
}

/// Whether an input of `op` is a view of `root`.
static bool readsFrom(linalg::GenericOp op, Value root) {
  return llvm::any_of(op.getDpsInputOperands(), [&](OpOperand *input) {
    return isa<MemRefType>(input->get().getType()) &&
           viewRoot(input->get()) == root;
  });
}

/// The fill or copy that writes `op`'s single output right before it (but
/// for movable ops), if `op`'s kernel can take it over (one kernel
/// less), and in `source` where
/// the kernel reads the output's initial values from: the fill's value, or
/// the buffer copied (of the output's shape, read at the output's indices).
/// `op` must write every element of the output and read no view of it as
/// an input (which would see the contents before); a copy's source must be
/// another buffer.
static linalg::GenericOp findInitializer(linalg::GenericOp op,
                                         const DenseSet<Value> &readOnly,
                                         Value &source) {
  if (op.getNumDpsInits() != 1)
    return nullptr;
  Operation *before = op->getPrevNode();
  while (before && isMovable(before, readOnly))
    before = before->getPrevNode();
  auto prev = dyn_cast_or_null<linalg::GenericOp>(before);
  OpOperand *init = op.getDpsInitOperand(0);
  if (!prev || !prev.hasPureBufferSemantics() || prev.getNumDpsInits() != 1 ||
      prev.getDpsInitOperand(0)->get() != init->get())
    return nullptr;
  Value root = viewRoot(init->get());
  source = filledValue(prev);
  if (!source) {
    source = copiedBuffer(prev);
    if (!source || viewRoot(source) == root)
      return nullptr;
  }
  auto type = cast<MemRefType>(init->get().getType());
  for (auto [i, e] :
       llvm::enumerate(op.getMatchingIndexingMap(init).getResults()))
    if (isa<AffineConstantExpr>(e) && type.getDimSize(i) != 1)
      return nullptr;
  if (readsFrom(op, root))
    return nullptr;
  return prev;
}

/// Whether `op` writes all of `buffer` without reading what it held: an
/// all-parallel generic with `buffer` as its output at the identity map, its
/// output's block argument unused, `buffer` none of its inputs.
static bool overwrites(Operation *op, Value buffer) {
  auto generic = dyn_cast<linalg::GenericOp>(op);
  if (!generic || generic.getNumDpsInits() != 1 ||
      generic.getNumParallelLoops() != generic.getNumLoops())
    return false;
  OpOperand *init = generic.getDpsInitOperand(0);
  return init->get() == buffer &&
         generic.getMatchingIndexingMap(init).isIdentity() &&
         generic.getMatchingBlockArgument(init).use_empty() &&
         llvm::none_of(generic.getDpsInputOperands(), [&](OpOperand *input) {
           return input->get() == buffer;
         });
}

/// Whether what `writer` writes into `buffer` (an allocation that its users
/// take as it is, no views) is read by `readers` (in its block, after
/// `writer`) and no one else: the buffer's next user after the last of
/// them, if not a dealloc, overwrites it.
static bool onlyReadBy(Value buffer, Operation *writer,
                       ArrayRef<Operation *> readers) {
  Block *block = writer->getBlock();
  Operation *last = writer;
  for (Operation *reader : readers) {
    if (reader->getBlock() != block || reader->isBeforeInBlock(writer))
      return false;
    if (last->isBeforeInBlock(reader))
      last = reader;
  }
  Operation *next = nullptr;
  for (Operation *user : buffer.getUsers()) {
    if (user->getBlock() != block || isa<ViewLikeOpInterface>(user))
      return false;
    if (user == writer || llvm::is_contained(readers, user) ||
        user->isBeforeInBlock(writer))
      continue;
    if (user->isBeforeInBlock(last))
      return false; // Another user between the write and the reads.
    if (!next || user->isBeforeInBlock(next))
      next = user;
  }
  return !next || isa<memref::DeallocOp>(next) || overwrites(next, buffer);
}

/// The value `buffer` holds right before `op`: the fill that last wrote it
/// (only reads between), if it is one.
static Value heldValue(Value buffer, Operation *op) {
  for (Operation *before = op->getPrevNode(); before;
       before = before->getPrevNode()) {
    bool uses = llvm::is_contained(before->getOperands(), buffer);
    if (!uses && !isBufferNeutral(before) &&
        !isa<linalg::GenericOp, memref::CopyOp>(before))
      return nullptr; // Might write it through something else.
    if (!uses)
      continue;
    if (auto generic = dyn_cast<linalg::GenericOp>(before)) {
      if (llvm::is_contained(generic.getDpsInits(), buffer))
        return generic.getNumDpsInits() == 1 ? filledValue(generic) : nullptr;
      continue; // Reads it.
    }
    if (auto copy = dyn_cast<memref::CopyOp>(before);
        copy && copy.getTarget() != buffer)
      continue; // Reads it.
    return nullptr;
  }
  return nullptr;
}

/// The all-parallel generic right before `op` (but for buffer-neutral ops
/// and `initializer`) that writes, whole and from its inputs alone, a
/// buffer of at most kMaxPrologueElements elements that only `op` reads (as
/// an input) before freeing it, when `op` writes none of its inputs: a GEMV
/// can compute it in each of its blocks (mapContraction).
static linalg::GenericOp findOperandProducer(linalg::GenericOp op,
                                             linalg::GenericOp initializer) {
  Operation *before = op->getPrevNode();
  while (before && (isBufferNeutral(before) || before == initializer))
    before = before->getPrevNode();
  auto producer = dyn_cast_or_null<linalg::GenericOp>(before);
  if (!producer || !producer.hasPureBufferSemantics() ||
      producer.getNumDpsInits() != 1 ||
      producer.getNumParallelLoops() != producer.getNumLoops())
    return nullptr;
  OpOperand *init = producer.getDpsInitOperand(0);
  Value buffer = init->get();
  auto type = cast<MemRefType>(buffer.getType());
  if (!buffer.getDefiningOp<memref::AllocOp>() || !type.hasStaticShape() ||
      !type.getLayout().isIdentity() || !type.getElementType().isIntOrFloat() ||
      type.getNumElements() > kMaxPrologueElements ||
      !producer.getMatchingIndexingMap(init).isIdentity() ||
      !producer.getMatchingBlockArgument(init).use_empty())
    return nullptr;
  for (Operation &inner : producer.getBody()->without_terminator())
    if (inner.getNumRegions() || isa<linalg::IndexOp>(inner) ||
        !isMemoryEffectFree(&inner))
      return nullptr;
  if (op.getDpsInitOperand(0)->get() == buffer ||
      !onlyReadBy(buffer, producer, {op}))
    return nullptr;
  if (readsFrom(producer, viewRoot(op.getDpsInitOperand(0)->get())))
    return nullptr;
  return producer;
}

/// A GEMV prologue for `op` (see GemvPrologue): the generic that computes
/// its input right before it (findOperandProducer), either alone or, where
/// it is the epilogue of a row reduction to one element (an RMSNorm's
/// scaling after its sum of squares), with that reduction, whose output
/// only the epilogue reads and whose fill (`reductionFill`, erased by the
/// caller with the rest) starts it; nothing between the reduction and `op`
/// but buffer-neutral ops, the epilogue and `op`'s initializer.
static std::optional<GemvPrologue>
findGemvPrologue(linalg::GenericOp op, linalg::GenericOp initializer,
                 const DenseSet<Operation *> &erased,
                 const DenseMap<Operation *, linalg::GenericOp> &epilogues,
                 const DenseSet<Value> &readOnly,
                 linalg::GenericOp &reductionFill) {
  linalg::GenericOp lhs = findOperandProducer(op, initializer);
  if (!lhs)
    return std::nullopt;
  // Taken by another kernel: only as a reduction's epilogue (below).
  if (!erased.contains(lhs))
    return GemvPrologue{lhs, {}, nullptr, {}};
  linalg::GenericOp reduction;
  for (auto [candidate, epilogue] : epilogues)
    if (epilogue == lhs)
      reduction = cast<linalg::GenericOp>(candidate);
  if (!reduction || reduction->getBlock() != op->getBlock())
    return std::nullopt;
  SmallVector<int64_t> sizes = reduction.getStaticLoopRanges();
  if (ShapedType::isDynamicShape(sizes) ||
      !llvm::all_of(ArrayRef(sizes).drop_back(),
                    [](int64_t n) { return n == 1; }))
    return std::nullopt;
  Operation *combiner = findCombiner(reduction);
  Value result = reduction.getDpsInitOperand(0)->get();
  // Where the reduction starts: its fill right before it (which the kernel
  // takes over), or what a fill wrote into its output earlier.
  Value init;
  linalg::GenericOp fill = findInitializer(reduction, readOnly, init);
  if (fill && !filledValue(fill))
    return std::nullopt;
  if (!fill)
    init = heldValue(result, reduction);
  if (!combiner || !init || !result.getDefiningOp<memref::AllocOp>() ||
      !onlyReadBy(result, reduction, {lhs}))
    return std::nullopt;
  if (readsFrom(reduction, viewRoot(op.getDpsInitOperand(0)->get())))
    return std::nullopt;
  for (Operation *between = reduction->getNextNode(); between != op;
       between = between->getNextNode())
    if (!between ||
        (between != lhs && between != initializer && !isBufferNeutral(between)))
      return std::nullopt;
  reductionFill = fill;
  return GemvPrologue{lhs, reduction, combiner, init};
}

/// The combiner of `op` if mlc-cuda-map-to-gpu gives it the row reduction
/// kernel: not a contraction, one innermost reduction loop of at least
/// kMinBlockRow, a combiner (findCombiner), maps of loops and constants.
static Operation *rowReductionCombiner(linalg::GenericOp op,
                                       ArrayRef<int64_t> sizes) {
  if (op.getNumReductionLoops() != 1 ||
      op.getIteratorTypesArray().back() != utils::IteratorType::reduction ||
      ShapedType::isDynamic(sizes.back()) || sizes.back() < kMinBlockRow ||
      !hasDimOrConstantMaps(op) || matchContraction(op, sizes))
    return nullptr;
  return findCombiner(op);
}

/// The all-parallel generic after `reduction` (a row reduction; only
/// movable ops between them, which are moved before it) that its kernel
/// can compute too (mapRowReduction): its first loops are the reduction's
/// parallel loops, it reads the reduction's output only at them (map
/// (d0, ..., dp-1)), writes a buffer the reduction reads only at the rows
/// the reduction reads it at, and each of its points owns its outputs.
static linalg::GenericOp findRowEpilogue(linalg::GenericOp reduction,
                                         const DenseSet<Value> &readOnly) {
  SmallVector<Operation *> between;
  Operation *next = reduction->getNextNode();
  while (next && isMovable(next, readOnly)) {
    between.push_back(next);
    next = next->getNextNode();
  }
  auto epilogue = dyn_cast_or_null<linalg::GenericOp>(next);
  unsigned rows = reduction.getNumLoops() - 1;
  if (!epilogue || !epilogue.hasPureBufferSemantics() ||
      epilogue.getNumParallelLoops() != epilogue.getNumLoops() ||
      epilogue.getNumLoops() <= rows ||
      !hasOwnedOutputs(epilogue, epilogue.getStaticLoopRanges()))
    return nullptr;
  MLIRContext *ctx = reduction.getContext();
  SmallVector<AffineExpr> rowDims;
  for (unsigned d = 0; d < rows; ++d)
    rowDims.push_back(getAffineDimExpr(d, ctx));
  OpOperand *output = reduction.getDpsInitOperand(0);
  if (reduction.getMatchingIndexingMap(output) !=
      AffineMap::get(reduction.getNumLoops(), 0, rowDims, ctx))
    return nullptr;
  AffineMap rowMap = AffineMap::get(epilogue.getNumLoops(), 0, rowDims, ctx);
  Value result = output->get();
  Value resultRoot = viewRoot(result);
  bool readsResult = false;
  for (OpOperand &operand : epilogue->getOpOperands()) {
    if (!isa<MemRefType>(operand.get().getType()) ||
        viewRoot(operand.get()) != resultRoot)
      continue;
    if (operand.get() != result || epilogue.isDpsInit(&operand) ||
        epilogue.getMatchingIndexingMap(&operand) != rowMap)
      return nullptr;
    readsResult = true;
  }
  if (!readsResult)
    return nullptr;
  // A buffer the reduction reads may be written only where each block
  // reads and writes its own rows (a softmax dividing in place).
  auto startsWithRows = [&](AffineMap map) {
    return map.getNumResults() >= rows &&
           llvm::equal(map.getResults().take_front(rows), rowDims);
  };
  for (OpOperand &init : epilogue.getDpsInitsMutable())
    for (OpOperand *input : reduction.getDpsInputOperands())
      if (viewRoot(init.get()) == viewRoot(input->get()) &&
          (init.get() != input->get() ||
           !startsWithRows(reduction.getMatchingIndexingMap(input)) ||
           !startsWithRows(epilogue.getMatchingIndexingMap(&init))))
        return nullptr;
  for (Operation *op : between)
    op->moveBefore(reduction);
  return epilogue;
}

/// Whether `op`, or an op nested in it, may read, write or free a view of
/// `root` (an op without known effects may touch anything).
static bool touches(Operation *op, Value root) {
  WalkResult result = op->walk([&](Operation *inner) {
    auto effects = dyn_cast<MemoryEffectOpInterface>(inner);
    if (!effects)
      return inner->hasTrait<OpTrait::HasRecursiveMemoryEffects>() ||
                     inner->hasTrait<OpTrait::IsTerminator>()
                 ? WalkResult::advance()
                 : WalkResult::interrupt();
    SmallVector<MemoryEffects::EffectInstance> instances;
    effects.getEffects(instances);
    for (const MemoryEffects::EffectInstance &instance : instances)
      if (!instance.getValue() || viewRoot(instance.getValue()) == root)
        return WalkResult::interrupt();
    return WalkResult::advance();
  });
  return result.wasInterrupted();
}

/// Fills moved to the first op after them that touches their buffer, where
/// that op's kernel can take them over (findInitializer); a copy of a
/// filled buffer into another becomes a fill of the other. Bufferization
/// fills one zeroed buffer for two reductions and copies it for the first
/// (CSE made the two fills one): two kernels, now none.
static void forwardFills(func::FuncOp func) {
  SmallVector<linalg::GenericOp> fills;
  func.walk([&](linalg::GenericOp op) {
    if (op.hasPureBufferSemantics() && filledValue(op))
      fills.push_back(op);
  });
  while (!fills.empty()) {
    linalg::GenericOp fill = fills.pop_back_val();
    Value buffer = fill.getDpsInitOperand(0)->get();
    Value root = viewRoot(buffer);
    Operation *next = fill->getNextNode();
    while (next && !touches(next, root))
      next = next->getNextNode();
    if (!next)
      continue;
    if (auto dealloc = dyn_cast<memref::DeallocOp>(next);
        dealloc && dealloc.getMemref() == root &&
        root.getDefiningOp<memref::AllocOp>()) {
      fill.erase(); // Nothing reads what it writes.
      continue;
    }
    auto copy = dyn_cast<linalg::GenericOp>(next);
    if (copy && copiedBuffer(copy) == buffer &&
        viewRoot(copy.getDpsInitOperand(0)->get()) != root) {
      // The copy writes the fill's value: a fill of its own, and the first
      // fill goes on.
      OpBuilder b(copy);
      auto copyFill = cast<linalg::GenericOp>(b.clone(*fill));
      copyFill.getDpsInitOperand(0)->set(copy.getDpsInitOperand(0)->get());
      copy.erase();
      fills.push_back(copyFill);
      fills.push_back(fill);
      continue;
    }
    fill->moveBefore(next);
  }
}

/// The generic that writes the allocation `copy` copies from (the
/// allocation itself, `alloc`, or a collapse_shape of it, `reshape`), if
/// nothing else uses the allocation but that copy and deallocations.
static linalg::GenericOp soleWriter(memref::CopyOp copy, memref::AllocOp &alloc,
                                    memref::CollapseShapeOp &reshape) {
  Value buffer = copy.getSource();
  reshape = buffer.getDefiningOp<memref::CollapseShapeOp>();
  if (reshape && !reshape->hasOneUse())
    return nullptr;
  alloc =
      (reshape ? reshape.getSrc() : buffer).getDefiningOp<memref::AllocOp>();
  if (!alloc || !alloc.getType().hasStaticShape())
    return nullptr;
  Operation *reader = reshape ? reshape.getOperation() : copy.getOperation();
  linalg::GenericOp writer;
  for (Operation *user : alloc->getUsers()) {
    if (isa<memref::DeallocOp>(user) || user == reader)
      continue;
    auto generic = dyn_cast<linalg::GenericOp>(user);
    if (writer || !generic || generic.getNumDpsInits() != 1 ||
        generic.getDpsInitOperand(0)->get() != alloc.getResult() ||
        llvm::any_of(generic.getDpsInputOperands(), [&](OpOperand *input) {
          return input->get() == alloc.getResult();
        }))
      return nullptr;
    writer = generic;
  }
  return writer;
}

/// A copy of a buffer that one all-parallel generic writes whole, and that
/// nothing else reads, into another (the new key of a decode step into the
/// KV cache at the position): the generic writes the copy's target
/// instead, through the inverse reshape, and the buffer and the copy are
/// gone (a kernel less). Only ops that touch no buffer, or load from
/// arguments nothing writes, may come between the generic and the copy;
/// they move before the generic (the target's view is computed there).
static void writeCopiesInPlace(func::FuncOp func,
                               const DenseSet<Value> &readOnly) {
  SmallVector<memref::CopyOp> copies;
  func.walk([&](memref::CopyOp copy) { copies.push_back(copy); });
  for (memref::CopyOp copy : copies) {
    memref::AllocOp alloc;
    memref::CollapseShapeOp reshape;
    linalg::GenericOp writer = soleWriter(copy, alloc, reshape);
    Value target = copy.getTarget();
    if (!writer || writer->getBlock() != copy->getBlock() ||
        !writer->isBeforeInBlock(copy) || !writer.hasPureBufferSemantics() ||
        writer.getNumParallelLoops() != writer.getNumLoops() ||
        !writer.getMatchingIndexingMap(writer.getDpsInitOperand(0))
             .isPermutation() ||
        llvm::any_of(writer.getDpsInputOperands(), [&](OpOperand *input) {
          return viewRoot(input->get()) == viewRoot(target);
        }))
      continue;
    SmallVector<Operation *> between;
    bool movable = true;
    for (Operation *op = writer->getNextNode(); op != copy;
         op = op->getNextNode()) {
      movable &= isMovable(op, readOnly);
      between.push_back(op);
    }
    auto allocType = alloc.getType();
    FailureOr<MemRefType> viewType =
        success(cast<MemRefType>(target.getType()));
    if (reshape)
      viewType = memref::ExpandShapeOp::computeExpandedType(
          cast<MemRefType>(target.getType()), allocType.getShape(),
          reshape.getReassociationIndices());
    if (!movable || failed(viewType))
      continue;
    for (Operation *op : between)
      op->moveBefore(writer);
    OpBuilder b(writer);
    Value view = target;
    if (reshape)
      view = memref::ExpandShapeOp::create(b, copy.getLoc(), *viewType, target,
                                           reshape.getReassociationIndices());
    writer.getDpsInitOperand(0)->set(view);
    copy.erase();
    if (reshape)
      reshape.erase();
    for (Operation *user : llvm::make_early_inc_range(alloc->getUsers()))
      user->erase(); // Deallocations.
    alloc.erase();
  }
}

/// Copies become elementwise copy generics, mapped like any other.
static LogicalResult copiesToGenerics(func::FuncOp func) {
  SmallVector<memref::CopyOp> copies;
  func.walk([&](memref::CopyOp copy) { copies.push_back(copy); });
  for (memref::CopyOp copy : copies) {
    if (copy.getSource() == copy.getTarget()) {
      copy.erase();
      continue;
    }
    auto type = cast<MemRefType>(copy.getTarget().getType());
    OpBuilder b(copy);
    AffineMap id = b.getMultiDimIdentityMap(type.getRank());
    linalg::GenericOp::create(
        b, copy.getLoc(), ValueRange{copy.getSource()},
        ValueRange{copy.getTarget()}, ArrayRef<AffineMap>{id, id},
        SmallVector<utils::IteratorType>(type.getRank(),
                                         utils::IteratorType::parallel),
        [](OpBuilder &nb, Location loc, ValueRange args) {
          linalg::YieldOp::create(nb, loc, args[0]);
        });
    copy.erase();
  }
  return success();
}

/// A constant global that a function returns (a view of) is copied into a
/// buffer of its own first: host code only hands out device buffers, and
/// the global's device copy lives in the kernels that read it.
static LogicalResult copyReturnedGlobals(func::FuncOp func) {
  WalkResult result = func.walk([&](func::ReturnOp ret) {
    for (OpOperand &operand : ret->getOpOperands()) {
      if (!viewRoot(operand.get()).getDefiningOp<memref::GetGlobalOp>())
        continue;
      auto type = cast<MemRefType>(operand.get().getType());
      if (!type.hasStaticShape()) {
        ret.emitOpError("is not mapped to the GPU: returns a global of "
                        "dynamic type");
        return WalkResult::interrupt();
      }
      OpBuilder b(ret);
      // Aligned as bufferization aligns its buffers.
      Value buffer = memref::AllocOp::create(
          b, ret.getLoc(),
          MemRefType::get(type.getShape(), type.getElementType()),
          b.getI64IntegerAttr(64));
      memref::CopyOp::create(b, ret.getLoc(), operand.get(), buffer);
      Value result = buffer;
      if (buffer.getType() != type)
        result = memref::CastOp::create(b, ret.getLoc(), type, buffer);
      operand.set(result);
    }
    return WalkResult::advance();
  });
  return failure(result.wasInterrupted());
}

/// Function arguments that no op of `func` writes (through any view).
static DenseSet<Value> readOnlyArguments(func::FuncOp func) {
  DenseSet<Value> written;
  func.walk([&](MemoryEffectOpInterface op) {
    SmallVector<MemoryEffects::EffectInstance> effects;
    op.getEffects(effects);
    for (const MemoryEffects::EffectInstance &effect : effects)
      if (isa<MemoryEffects::Write>(effect.getEffect()) && effect.getValue())
        written.insert(viewRoot(effect.getValue()));
  });
  DenseSet<Value> result;
  for (BlockArgument arg : func.getArguments())
    if (isa<MemRefType>(arg.getType()) && !written.contains(arg))
      result.insert(arg);
  return result;
}

/// The memref.get_global that `v` is (a view of), if any.
static memref::GetGlobalOp globalOf(Value v) {
  return viewRoot(v).getDefiningOp<memref::GetGlobalOp>();
}

namespace {
/// What kernels take, and what they compute themselves. Kernels take bare
/// pointers (../shared/notes/mlir22-gpu.md, pitfall 5) and scalars:
/// - a buffer of static type as its pointer;
/// - any other buffer that host code has (a view at an offset host code
///   computes, a buffer of a sequence's length) as its base pointer and the
///   dynamic parts of its offset, sizes and strides, from which the kernel
///   rebuilds it (mlc-cuda-expand-kernel-buffers, after outlining);
/// - a scalar that host code has as itself.
/// Kernels compute themselves:
/// - constant globals and views of them: cloned into the launch, so that
///   gpu-kernel-outlining copies the global into the kernel's gpu.module
///   (device memory) instead of passing a host pointer;
/// - values host code reads from device memory, which it cannot, though
///   every kernel can with the same result: a `memref.load` of a function
///   argument that nothing writes (a decode step's position; it does not
///   change during the call), pure arithmetic on them, and views at offsets
///   computed from them (a KV cache's row at the position).
/// `sinkInto` clones those into launches and passes the buffers.
struct KernelValues {
  explicit KernelValues(func::FuncOp func)
      : readOnly(readOnlyArguments(func)) {}

  /// Whether `v` is a kernel argument (a buffer or a scalar that host code
  /// has) or recomputable from kernel arguments.
  bool isRecomputable(Value v) {
    auto type = dyn_cast<MemRefType>(v.getType());
    if ((type && isBarePointerBuffer(type)) || !readsDevice(v))
      return true;
    Operation *def = v.getDefiningOp();
    if (!def || def->getNumRegions())
      return false;
    if (auto load = dyn_cast<memref::LoadOp>(def))
      return readOnly.contains(viewRoot(load.getMemRef())) &&
             llvm::all_of(load.getIndices(),
                          [&](Value i) { return isRecomputable(i); });
    if (!isa<ViewLikeOpInterface>(def) && !isPure(def))
      return false;
    return llvm::all_of(def->getOperands(),
                        [&](Value o) { return isRecomputable(o); });
  }

  /// Whether `v` depends on a load of device memory.
  bool readsDevice(Value v) {
    Operation *def = v.getDefiningOp();
    if (!def || isa<memref::AllocOp, memref::GetGlobalOp>(def))
      return false;
    return isa<memref::LoadOp>(def) ||
           llvm::any_of(def->getOperands(),
                        [&](Value o) { return readsDevice(o); });
  }

  /// Whether a kernel must compute `v` itself rather than take it.
  bool isComputedInKernel(Value v) {
    return (isa<MemRefType>(v.getType()) && globalOf(v)) || readsDevice(v);
  }

  /// Clones what `launch` uses of such values into it, up to its arguments,
  /// and erases the host copies no longer used. Fails on a mutable global
  /// (each kernel would get its own copy).
  LogicalResult sinkInto(gpu::LaunchOp launch);

  DenseSet<Value> readOnly;
};
} // namespace

LogicalResult KernelValues::sinkInto(gpu::LaunchOp launch) {
  llvm::SetVector<Value> captured;
  getUsedValuesDefinedAbove(launch.getBody(), captured);
  llvm::SetVector<Operation *> slice;
  std::function<void(Value)> collect = [&](Value v) {
    Operation *def = v.getDefiningOp();
    if (!def || slice.contains(def) || !isComputedInKernel(v))
      return;
    for (Value o : def->getOperands())
      collect(o);
    slice.insert(def);
  };
  for (Value v : captured) {
    if (memref::GetGlobalOp getGlobal = globalOf(v)) {
      auto global = SymbolTable::lookupNearestSymbolFrom<memref::GlobalOp>(
          getGlobal, getGlobal.getNameAttr());
      if (!global || !global.getConstant())
        return getGlobal.emitOpError(
            "is not mapped to the GPU: kernels read only constant globals "
            "(each kernel gets its own copy)");
    }
    if (isComputedInKernel(v) && isRecomputable(v))
      collect(v);
  }
  OpBuilder b = OpBuilder::atBlockBegin(&launch.getBody().front());
  IRMapping map;
  for (Operation *op : slice)
    b.clone(*op, map);
  for (Value v : captured)
    if (map.contains(v))
      replaceAllUsesInRegionWith(v, map.lookup(v), launch.getBody());
  for (Operation *op : llvm::reverse(slice))
    if (op->use_empty())
      op->erase();
  return success();
}

/// Host code only allocates, views and launches: an op outside a launch
/// that reads or writes a buffer would touch device memory from the host.
static LogicalResult checkHostCode(func::FuncOp func) {
  WalkResult result = func->walk<WalkOrder::PreOrder>([&](Operation *op) {
    if (isa<gpu::LaunchOp>(op))
      return WalkResult::skip();
    auto effects = dyn_cast<MemoryEffectOpInterface>(op);
    if (!effects)
      return WalkResult::advance();
    SmallVector<MemoryEffects::EffectInstance> instances;
    effects.getEffects(instances);
    bool hasBufferOperand = llvm::any_of(
        op->getOperandTypes(), [](Type t) { return isa<MemRefType>(t); });
    for (const MemoryEffects::EffectInstance &instance : instances) {
      if (!isa<MemoryEffects::Read, MemoryEffects::Write>(instance.getEffect()))
        continue;
      Value value = instance.getValue();
      if (value ? isa<MemRefType>(value.getType()) : hasBufferOperand) {
        op->emitOpError("is not mapped to the GPU: host code cannot read or "
                        "write device memory");
        return WalkResult::interrupt();
      }
    }
    return WalkResult::advance();
  });
  return failure(result.wasInterrupted());
}

namespace {
struct CudaMapToGpuPass
    : public mlc::impl::CudaMapToGpuPassBase<CudaMapToGpuPass> {
  using Base::Base;

  // A module pass: a matmul's call of the runtime's GEMM declares the
  // function it calls in the module.
  void runOnOperation() override {
    if (blockSize % kWarpSize || blockSize <= 0 || blockSize > 1024) {
      getOperation().emitError(
          "block-size must be a multiple of 32 in [32, 1024], not ")
          << blockSize;
      return signalPassFailure();
    }
    for (auto func :
         llvm::to_vector(getOperation().getOps<func::FuncOp>()))
      if (!func.isDeclaration() && failed(runOnFunction(func)))
        return signalPassFailure();
  }

  LogicalResult runOnFunction(func::FuncOp func) {
    if (failed(copyReturnedGlobals(func)))
      return failure();
    // The rewrites below change which ops write an argument, not whether.
    KernelValues values(func);
    writeCopiesInPlace(func, values.readOnly);
    if (failed(copiesToGenerics(func)))
      return failure();
    forwardFills(func);
    SmallVector<linalg::LinalgOp> ops;
    func.walk([&](linalg::LinalgOp op) { ops.push_back(op); });
    // Row reductions and the generics their kernels compute too (skipped
    // below: mapRowReduction erases them).
    DenseMap<Operation *, linalg::GenericOp> epilogues;
    DenseSet<Operation *> erased;
    for (linalg::LinalgOp linalgOp : ops) {
      auto op = dyn_cast<linalg::GenericOp>(linalgOp.getOperation());
      if (!op || erased.contains(op) || !op.hasPureBufferSemantics() ||
          op.getNumDpsInits() != 1)
        continue;
      SmallVector<int64_t> sizes = op.getStaticLoopRanges();
      // An empty reduction is erased, not mapped (map).
      if ((!ShapedType::isDynamicShape(sizes) && product(sizes) == 0) ||
          !rowReductionCombiner(op, sizes))
        continue;
      if (linalg::GenericOp epilogue = findRowEpilogue(op, values.readOnly)) {
        epilogues[op] = epilogue;
        erased.insert(epilogue);
      }
    }
    // Backwards: a kernel takes over the fill or copy of its output before
    // that would become a kernel of its own.
    for (linalg::LinalgOp linalgOp : llvm::reverse(ops))
      if (!erased.contains(linalgOp) &&
          failed(map(linalgOp, values, epilogues, erased)))
        return failure();
    WalkResult sunk = func.walk([&](gpu::LaunchOp launch) {
      return failed(values.sinkInto(launch)) ? WalkResult::interrupt()
                                             : WalkResult::advance();
    });
    return failure(sunk.wasInterrupted() || failed(checkHostCode(func)));
  }

  /// Maps `linalgOp` (a row reduction with its epilogue from `epilogues`);
  /// the fill or copy whose work its kernel takes over goes into `erased`.
  LogicalResult map(linalg::LinalgOp linalgOp, KernelValues &values,
                    const DenseMap<Operation *, linalg::GenericOp> &epilogues,
                    DenseSet<Operation *> &erased) {
    auto op = dyn_cast<linalg::GenericOp>(linalgOp.getOperation());
    if (!op || !op.hasPureBufferSemantics())
      return linalgOp.emitOpError(
          "is not mapped to the GPU: only linalg.generic on buffers is "
          "(run linalg-generalize-named-ops and bufferization first)");
    if (op.getNumDpsInits() == 0)
      return op.emitOpError("is not mapped to the GPU: no outputs");
    SmallVector<int64_t> sizes = op.getStaticLoopRanges();
    for (Value operand : op->getOperands())
      if (auto type = dyn_cast<MemRefType>(operand.getType());
          type && !isBarePointerBuffer(type) && !values.isRecomputable(operand))
        return op.emitOpError(
                   "is not mapped to the GPU: a buffer whose offset, sizes "
                   "or strides come from device memory (kernels recompute "
                   "only views at offsets loaded from arguments that the "
                   "function does not write): ")
               << type;
    if (auto attrs = op->getAttrOfType<DictionaryAttr>(kAttentionAttr))
      return mapAttention(op, attrs);
    if (sizes.empty())
      sizes.push_back(1);
    if (!ShapedType::isDynamicShape(sizes) && product(sizes) == 0) {
      op.erase();
      return success();
    }
    if (!hasOwnedOutputs(op, sizes))
      return op.emitOpError("is not mapped to the GPU: an output indexing "
                            "map that is not a projected permutation of the "
                            "parallel loops (several points would write one "
                            "element)");
    if (op.getNumParallelLoops() == op.getNumLoops()) {
      if (hasDimOrConstantMaps(op))
        mapElementwise(op, sizes, blockSize);
      else
        mapGeneral(op, blockSize, /*initSource=*/nullptr);
      return success();
    }

    Value initSource;
    linalg::GenericOp initializer =
        findInitializer(op, values.readOnly, initSource);
    auto takeInitializer = [&] {
      if (!initializer)
        return;
      erased.insert(initializer);
      initializer.erase();
    };
    linalg::GenericOp reductionFill;
    std::optional<GemvPrologue> prologue = findGemvPrologue(
        op, initializer, erased, epilogues, values.readOnly, reductionFill);
    // What the prologue's generics write, unused once a kernel computes it.
    SmallVector<Value> produced;
    SmallVector<Operation *> taken;
    if (prologue) {
      produced.push_back(prologue->lhs.getDpsInitOperand(0)->get());
      taken.push_back(prologue->lhs);
      if (prologue->reduction) {
        produced.push_back(prologue->reduction.getDpsInitOperand(0)->get());
        taken.push_back(prologue->reduction);
      }
    }
    bool tookPrologue = false;
    if (mapContraction(op, sizes, blockSize, libraryGemm, initSource,
                       prologue ? &*prologue : nullptr, &tookPrologue)) {
      takeInitializer();
      if (tookPrologue) {
        // (mapGemvAlongK erased the prologue's generics.)
        erased.insert(taken.begin(), taken.end());
        if (reductionFill) {
          erased.insert(reductionFill);
          reductionFill.erase();
        }
        for (Value buffer : produced) {
          for (Operation *user : llvm::make_early_inc_range(buffer.getUsers()))
            if (isa<memref::DeallocOp>(user))
              user->erase();
          if (buffer.use_empty())
            buffer.getDefiningOp()->erase();
        }
      }
      return success();
    }
    if (Operation *combiner = rowReductionCombiner(op, sizes))
      mapRowReduction(op, combiner, sizes, blockSize, initSource,
                      epilogues.lookup(op));
    else
      mapGeneral(op, blockSize, initSource);
    takeInitializer();
    return success();
  }
};
} // namespace
