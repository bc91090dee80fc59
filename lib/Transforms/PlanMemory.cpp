//===- PlanMemory.cpp - intermediates in one arena, planned at compile time
//===//
//
// After bufferization every intermediate is a memref.alloc, deallocated at
// the end of the function; each call then maps and faults in fresh pages
// for every buffer. This pass gives the buffers of the function's top level
// offsets in one arena, reusing memory between buffers whose lifetimes do
// not overlap. Buffers allocated in sequential loop bodies are first
// hoisted out of the loops (one buffer serves every iteration). The CPU
// pipeline runs it on host buffers, the CUDA pipeline on device buffers in
// host code (kernels on one stream run in launch order).
//
// Lifetimes are positions in the entry block: from the allocation to the
// last operation that uses the buffer or a view of it. A buffer whose uses
// are not all understood (returned, yielded, passed to a call, stored) is
// left alone. Sizes are either static or a static multiple of one dynamic
// value (the batch size, a sequence length); buffers of each kind share an
// arena whose offsets scale with that value. Dynamic sizes are compared
// after resolving the values bufferization computes them from (see
// resolveSize).
//
//===----------------------------------------------------------------------===//

#include "mlc/Transforms/Passes.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/CallInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/SmallBitVector.h"

namespace mlc {
#define GEN_PASS_DEF_PLANMEMORYPASS
#include "mlc/Transforms/Passes.h.inc"
} // namespace mlc

using namespace mlir;

namespace {

/// Offsets in an arena are multiples of this many bytes.
constexpr int64_t kAlignment = 64;

/// The memref.dealloc of `alloc` in the same block, if it is the only one.
memref::DeallocOp findDealloc(memref::AllocOp alloc) {
  memref::DeallocOp dealloc;
  for (Operation *user : alloc->getUsers()) {
    auto candidate = dyn_cast<memref::DeallocOp>(user);
    if (!candidate)
      continue;
    if (dealloc || candidate->getBlock() != alloc->getBlock())
      return {};
    dealloc = candidate;
  }
  return dealloc;
}

/// The users of `alloc` and of the views of it, or failure if one of them
/// may let the buffer escape or be used in a way this pass does not follow.
FailureOr<SmallVector<Operation *>> collectUses(memref::AllocOp alloc) {
  SmallVector<Operation *> uses;
  SmallVector<Value> worklist = {alloc.getResult()};
  while (!worklist.empty()) {
    Value value = worklist.pop_back_val();
    for (OpOperand &use : value.getUses()) {
      Operation *user = use.getOwner();
      if (isa<memref::DeallocOp>(user))
        continue;
      if (auto view = dyn_cast<ViewLikeOpInterface>(user)) {
        if (view.getViewSource() == value) {
          uses.push_back(user);
          worklist.append(user->getResults().begin(), user->getResults().end());
          continue;
        }
      }
      // The buffer itself must not be returned, yielded, passed to a call or
      // stored: only read from and written to.
      if (user->hasTrait<OpTrait::IsTerminator>() || isa<CallOpInterface>(user))
        return failure();
      if (auto store = dyn_cast<memref::StoreOp>(user);
          store && store.getValueToStore() == value)
        return failure();
      if (!isa<MemoryEffectOpInterface>(user))
        return failure();
      uses.push_back(user);
    }
  }
  return uses;
}

/// Moves allocations with static shapes out of the sequential loops
/// (scf.for) around them, with their deallocations, while the buffer is
/// not used outside of the loop. Stops at parallel loops.
void hoistOutOfLoops(func::FuncOp func) {
  SmallVector<memref::AllocOp> allocs;
  func.walk([&](memref::AllocOp alloc) {
    if (alloc.getType().hasStaticShape() &&
        alloc->getParentOp() != func.getOperation())
      allocs.push_back(alloc);
  });
  for (memref::AllocOp alloc : allocs) {
    memref::DeallocOp dealloc = findDealloc(alloc);
    if (!dealloc || failed(collectUses(alloc)))
      continue;
    while (auto loop = dyn_cast<scf::ForOp>(alloc->getParentOp())) {
      alloc->moveBefore(loop);
      dealloc->moveAfter(loop);
    }
  }
}

/// The value that gives dimension `index` (dynamic) of `memref` where the
/// op defining it says: the size an allocation, memref.view, expand_shape,
/// subview or reinterpret_cast was given, or else the same size of its
/// source (a cast, a transpose, a collapse_shape whose group has one
/// dimension that is not 1). Null when neither is known.
Value dimensionSize(Value memref, int64_t index) {
  for (int steps = 0; steps < 64; ++steps) {
    Operation *def = memref.getDefiningOp();
    auto type = dyn_cast<MemRefType>(memref.getType());
    if (!def || !type || index < 0 || index >= type.getRank() ||
        !type.isDynamicDim(index))
      return {};
    auto given = [&](ArrayRef<OpFoldResult> sizes) -> Value {
      return dyn_cast<Value>(sizes[index]);
    };
    if (auto alloc = dyn_cast<memref::AllocOp>(def))
      return alloc.getDynamicSizes()[type.getDynamicDimIndex(index)];
    if (auto view = dyn_cast<memref::ViewOp>(def))
      return view.getSizes()[type.getDynamicDimIndex(index)];
    if (auto expand = dyn_cast<memref::ExpandShapeOp>(def))
      return given(expand.getMixedOutputShape());
    if (auto cast = dyn_cast<memref::ReinterpretCastOp>(def))
      return given(cast.getMixedSizes());
    if (auto subview = dyn_cast<memref::SubViewOp>(def)) {
      // The sizes of the kept dimensions (rank reduction drops some).
      llvm::SmallBitVector dropped = subview.getDroppedDims();
      SmallVector<OpFoldResult> kept;
      for (auto [d, size] : llvm::enumerate(subview.getMixedSizes()))
        if (!dropped.test(d))
          kept.push_back(size);
      return given(kept);
    }
    if (auto cast = dyn_cast<memref::CastOp>(def)) {
      memref = cast.getSource();
      continue;
    }
    if (auto transpose = dyn_cast<memref::TransposeOp>(def)) {
      index = transpose.getPermutation().getDimPosition(index);
      memref = transpose.getIn();
      continue;
    }
    if (auto collapse = dyn_cast<memref::CollapseShapeOp>(def)) {
      MemRefType source = collapse.getSrcType();
      std::optional<int64_t> only;
      for (int64_t d : collapse.getReassociationIndices()[index]) {
        if (source.getDimSize(d) == 1)
          continue;
        if (only)
          return {};
        only = d;
      }
      if (!only)
        return {};
      memref = collapse.getSrc();
      index = *only;
      continue;
    }
    return {};
  }
  return {};
}

/// The value a dynamic size is computed from, looking through what
/// bufferization and reshapes leave between equal sizes: `memref.dim` (see
/// dimensionSize), `(x * c) floordiv c` (sizes of buffers do not overflow)
/// and a select between two sizes that resolve alike. Sizes that resolve
/// to the same value are equal, so their buffers share an arena.
Value resolveSize(Value size) {
  for (int steps = 0; steps < 64; ++steps) {
    Operation *def = size.getDefiningOp();
    Value next;
    if (!def)
      return size;
    if (auto dim = dyn_cast<memref::DimOp>(def)) {
      if (std::optional<int64_t> index = dim.getConstantIndex())
        next = dimensionSize(dim.getSource(), *index);
    } else if (isa<arith::FloorDivSIOp, arith::DivSIOp, arith::DivUIOp>(def)) {
      auto mul = def->getOperand(0).getDefiningOp<arith::MulIOp>();
      APInt divisor, factor;
      if (mul && matchPattern(def->getOperand(1), m_ConstantInt(&divisor)) &&
          matchPattern(mul.getRhs(), m_ConstantInt(&factor)) &&
          divisor == factor && !divisor.isZero())
        next = mul.getLhs();
    } else if (auto select = dyn_cast<arith::SelectOp>(def)) {
      Value a = resolveSize(select.getTrueValue());
      if (a == resolveSize(select.getFalseValue()))
        next = a;
    }
    if (!next)
      return size;
    size = next;
  }
  return size;
}

/// A buffer to place: its size in bytes (per unit of its scale) and its
/// lifetime in positions of the entry block.
struct Buffer {
  memref::AllocOp alloc;
  memref::DeallocOp dealloc;
  int64_t size;
  unsigned first, last;
  int64_t offset = 0;
};

/// Assigns offsets to `buffers`, largest first, each at the lowest aligned
/// offset that overlaps no placed buffer alive at the same time. Returns
/// the arena size.
int64_t placeBuffers(MutableArrayRef<Buffer> buffers) {
  SmallVector<Buffer *> order;
  for (Buffer &buffer : buffers)
    order.push_back(&buffer);
  // Largest first; equal sizes in program order.
  llvm::sort(order, [](Buffer *a, Buffer *b) {
    return a->size != b->size ? a->size > b->size : a->first < b->first;
  });
  SmallVector<Buffer *> placed;
  int64_t total = 0;
  for (Buffer *buffer : order) {
    SmallVector<std::pair<int64_t, int64_t>> taken;
    for (Buffer *other : placed)
      if (other->first <= buffer->last && buffer->first <= other->last)
        taken.push_back({other->offset, other->offset + other->size});
    llvm::sort(taken);
    int64_t offset = 0;
    for (auto [begin, end] : taken) {
      if (offset + buffer->size <= begin)
        break;
      offset = std::max(offset, end);
    }
    buffer->offset = offset;
    total = std::max(total, offset + buffer->size);
    placed.push_back(buffer);
  }
  return total;
}

/// The byte size of `type`, as a static multiple of its one dynamic
/// dimension (`dynamicDim` gets that dimension's index), or failure.
FailureOr<int64_t> bytesPerUnit(MemRefType type,
                                std::optional<unsigned> &dynamicDim) {
  if (!type.getLayout().isIdentity() || !type.getElementType().isIntOrFloat())
    return failure();
  int64_t bits = type.getElementTypeBitWidth();
  if (bits % 8)
    return failure();
  int64_t size = bits / 8;
  dynamicDim.reset();
  for (auto [i, dim] : llvm::enumerate(type.getShape())) {
    if (ShapedType::isDynamic(dim)) {
      if (dynamicDim)
        return failure();
      dynamicDim = i;
      continue;
    }
    size *= dim;
  }
  return llvm::alignTo(size, kAlignment);
}

struct PlanMemoryPass : mlc::impl::PlanMemoryPassBase<PlanMemoryPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isExternal() || !func.getBody().hasOneBlock())
      return;
    hoistOutOfLoops(func);

    Block &entry = func.getBody().front();
    DenseMap<Operation *, unsigned> position;
    for (auto [i, op] : llvm::enumerate(entry))
      position[&op] = i;
    // Buffers by scale: null for static sizes, else the dynamic size.
    llvm::MapVector<Value, SmallVector<Buffer>> groups;
    for (Operation &op : entry) {
      auto alloc = dyn_cast<memref::AllocOp>(&op);
      if (!alloc)
        continue;
      memref::DeallocOp dealloc = findDealloc(alloc);
      FailureOr<SmallVector<Operation *>> uses = collectUses(alloc);
      std::optional<unsigned> dynamicDim;
      FailureOr<int64_t> size = bytesPerUnit(alloc.getType(), dynamicDim);
      if (!dealloc || failed(uses) || failed(size))
        continue;
      unsigned last = position[alloc];
      for (Operation *use : *uses)
        last = std::max(last, position[entry.findAncestorOpInBlock(*use)]);
      Value scale =
          dynamicDim ? resolveSize(alloc.getDynamicSizes().front()) : Value();
      // The scale must be defined before the first buffer that uses it.
      if (scale && scale.getParentBlock() == &entry && scale.getDefiningOp() &&
          position[scale.getDefiningOp()] > position[alloc])
        continue;
      groups[scale].push_back(
          Buffer{alloc, dealloc, *size, position[alloc], last});
    }

    OpBuilder b(func.getContext());
    for (auto &[scale, buffers] : groups) {
      if (buffers.size() < 2)
        continue;
      int64_t total = placeBuffers(buffers);
      // The arena goes right before the first buffer of its group.
      Operation *first = buffers.front().alloc;
      for (Buffer &buffer : buffers)
        if (buffer.first < position[first])
          first = buffer.alloc;
      b.setInsertionPoint(first);
      Location loc = first->getLoc();
      Value arena;
      if (scale) {
        Value bytes = arith::MulIOp::create(
            b, loc, scale, arith::ConstantIndexOp::create(b, loc, total));
        arena = memref::AllocOp::create(
            b, loc, MemRefType::get({ShapedType::kDynamic}, b.getI8Type()),
            ValueRange{bytes}, b.getI64IntegerAttr(kAlignment));
      } else {
        arena = memref::AllocOp::create(
            b, loc, MemRefType::get({total}, b.getI8Type()), ValueRange{},
            b.getI64IntegerAttr(kAlignment));
      }
      for (Buffer &buffer : buffers) {
        b.setInsertionPoint(buffer.alloc);
        Value offset = arith::ConstantIndexOp::create(b, loc, buffer.offset);
        if (scale)
          offset = arith::MulIOp::create(b, loc, offset, scale);
        Value view = memref::ViewOp::create(
            b, buffer.alloc.getLoc(), buffer.alloc.getType(), arena, offset,
            buffer.alloc.getDynamicSizes());
        buffer.alloc.replaceAllUsesWith(view);
        buffer.dealloc->erase();
        buffer.alloc->erase();
      }
      b.setInsertionPoint(entry.getTerminator());
      memref::DeallocOp::create(b, loc, arena);
    }
  }
};

} // namespace
