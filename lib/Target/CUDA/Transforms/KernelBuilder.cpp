//===- KernelBuilder.cpp - IR building shared by the CUDA kernels ---------===//
//
// Index computations through indexing maps, loads and stores of generic
// operands, the payload cloned on scalars or widened to vectors, launches
// and workgroup buffers (see Kernels.h).
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"
#include "mlir/Dialect/Affine/Utils.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

using namespace mlir;
using namespace mlc::cuda;

Value KernelBuilder::index(int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

Value KernelBuilder::constant(TypedAttr value) {
  return arith::ConstantOp::create(b, loc, value);
}

SmallVector<Value> KernelBuilder::delinearize(Value id,
                                              ArrayRef<int64_t> sizes) {
  SmallVector<Value> ivs(sizes.size());
  for (int64_t i = sizes.size() - 1; i >= 0; --i) {
    if (sizes[i] == 1) {
      ivs[i] = index(0);
      continue;
    }
    Value size = index(sizes[i]);
    bool outermost =
        llvm::all_of(sizes.take_front(i), [](int64_t s) { return s == 1; });
    // The outermost index is what is left (the caller bounds it).
    ivs[i] =
        outermost ? id : arith::RemUIOp::create(b, loc, id, size).getResult();
    if (!outermost)
      id = arith::DivUIOp::create(b, loc, id, size);
  }
  return ivs;
}

SmallVector<Value> KernelBuilder::indices(AffineMap map, ValueRange ivs) {
  SmallVector<Value> result;
  for (AffineExpr expr : map.getResults()) {
    if (auto dim = dyn_cast<AffineDimExpr>(expr))
      result.push_back(ivs[dim.getPosition()]);
    else if (auto c = dyn_cast<AffineConstantExpr>(expr))
      result.push_back(index(c.getValue()));
    else
      // Strided and dilated windows (d0 * 2 + d4): plain index arithmetic.
      result.push_back(affine::expandAffineExpr(b, loc, expr, ivs, {}));
  }
  return result;
}

SmallVector<Value> KernelBuilder::indices(OpOperand &operand, ValueRange ivs) {
  return indices(op.getMatchingIndexingMap(&operand), ivs);
}

Type KernelBuilder::widen(Type type) {
  return width == 1 ? type : VectorType::get({width}, type);
}

Value KernelBuilder::splat(Value v) {
  if (width == 1 || isa<VectorType>(v.getType()))
    return v;
  return vector::BroadcastOp::create(b, loc, widen(v.getType()), v);
}

llvm::MaybeAlign KernelBuilder::alignment(MemRefType type) {
  // No access is wider than 16 bytes, so no more is claimed (wider vectors
  // are split into 16-byte accesses).
  return llvm::MaybeAlign(std::min<int64_t>(
      width * type.getElementTypeBitWidth() / 8, kVectorBytes));
}

Value KernelBuilder::loadAt(Value memref, ValueRange at) {
  auto type = cast<MemRefType>(memref.getType());
  if (width == 1)
    return memref::LoadOp::create(b, loc, memref, at);
  return vector::LoadOp::create(b, loc, widen(type.getElementType()), memref,
                                at, /*nontemporal=*/false, alignment(type));
}

Value KernelBuilder::load(OpOperand &operand, ValueRange ivs) {
  Value source = operand.get();
  if (!isa<MemRefType>(source.getType()))
    return splat(source);
  SmallVector<Value> at = indices(operand, ivs);
  if (width > 1 && indexesInnermostLast(op.getMatchingIndexingMap(&operand)))
    return loadAt(source, at);
  return splat(memref::LoadOp::create(b, loc, source, at));
}

void KernelBuilder::store(Value value, OpOperand &operand, ValueRange ivs) {
  SmallVector<Value> at = indices(operand, ivs);
  if (width > 1)
    vector::StoreOp::create(
        b, loc, value, operand.get(), at,
        /*nontemporal=*/false,
        alignment(cast<MemRefType>(operand.get().getType())));
  else
    memref::StoreOp::create(b, loc, value, operand.get(), at);
}

Value KernelBuilder::initial(OpOperand &init, ValueRange ivs) {
  if (fill)
    return splat(fill);
  return load(init, ivs);
}

Value KernelBuilder::apply(Operation *like, Value lhs, Value rhs) {
  OperationState state(loc, like->getName(), ValueRange{lhs, rhs},
                       lhs.getType(), like->getAttrs());
  return b.create(state)->getResult(0);
}

void KernelBuilder::cloneWidened(Operation &inner, IRMapping &map) {
  if (width == 1) {
    b.clone(inner, map);
    return;
  }
  if (isa<arith::ConstantOp>(inner)) {
    map.map(inner.getResult(0), splat(b.clone(inner)->getResult(0)));
    return;
  }
  SmallVector<Value> operands;
  for (Value v : inner.getOperands())
    operands.push_back(splat(map.lookupOrDefault(v)));
  SmallVector<Type> types;
  for (Type t : inner.getResultTypes())
    types.push_back(widen(t));
  OperationState state(inner.getLoc(), inner.getName(), operands, types,
                       inner.getAttrs());
  map.map(inner.getResults(), b.create(state)->getResults());
}

void KernelBuilder::emitPayload(IRMapping &map, ValueRange ivs,
                                Operation *skip) {
  Block *body = op.getBody();
  for (OpOperand &operand : op->getOpOperands()) {
    BlockArgument arg = op.getMatchingBlockArgument(&operand);
    if (!arg.use_empty() && !map.contains(arg))
      map.map(arg, load(operand, ivs));
  }
  for (Operation &inner : body->without_terminator()) {
    if (&inner == skip)
      continue;
    if (auto indexOp = dyn_cast<linalg::IndexOp>(inner)) {
      map.map(indexOp.getResult(), ivs[indexOp.getDim()]);
      continue;
    }
    cloneWidened(inner, map);
  }
}

gpu::LaunchOp KernelBuilder::launch(int64_t grid, int64_t block, int64_t gridY,
                                    int64_t gridZ) {
  Value one = index(1);
  auto launch = gpu::LaunchOp::create(b, loc, index(grid), index(gridY),
                                      index(gridZ), index(block), one, one);
  b.setInsertionPointToEnd(&launch.getBody().front());
  gpu::TerminatorOp::create(b, loc);
  b.setInsertionPointToStart(&launch.getBody().front());
  return launch;
}

Value KernelBuilder::globalThreadId(gpu::LaunchOp launch, int64_t block) {
  return arith::AddIOp::create(
      b, loc,
      arith::MulIOp::create(b, loc, launch.getBlockIds().x, index(block)),
      launch.getThreadIds().x);
}

Value KernelBuilder::workgroupBuffer(gpu::LaunchOp launch,
                                     ArrayRef<int64_t> shape, Type type) {
  auto workgroup = gpu::AddressSpaceAttr::get(
      b.getContext(), gpu::GPUDialect::getWorkgroupAddressSpace());
  return launch.addWorkgroupAttribution(
      MemRefType::get(shape, type, MemRefLayoutAttrInterface(), workgroup),
      loc);
}

void KernelBuilder::ifThen(Value condition) {
  auto ifOp = scf::IfOp::create(b, loc, condition, /*withElseRegion=*/false);
  b.setInsertionPointToStart(&ifOp.getThenRegion().front());
}

Value KernelBuilder::cmp(arith::CmpIPredicate predicate, Value lhs, Value rhs) {
  return arith::CmpIOp::create(b, loc, predicate, lhs, rhs);
}

Value mlc::cuda::warpReduce(KernelBuilder &kb,
                            function_ref<Value(Value, Value)> combine,
                            Value value) {
  for (int32_t offset = kWarpSize / 2; offset > 0; offset /= 2) {
    auto shuffle = gpu::ShuffleOp::create(kb.b, kb.loc, value, offset,
                                          kWarpSize, gpu::ShuffleMode::XOR);
    value = combine(value, shuffle.getShuffleResult());
  }
  return value;
}

Value mlc::cuda::warpReduce(KernelBuilder &kb, Operation *combiner,
                            Value value) {
  return warpReduce(
      kb, [&](Value a, Value b) { return kb.apply(combiner, a, b); }, value);
}

bool mlc::cuda::indexesInnermostLast(AffineMap map) {
  unsigned inner = map.getNumDims() - 1;
  if (map.getNumResults() == 0)
    return false;
  auto last = dyn_cast<AffineDimExpr>(map.getResults().back());
  if (!last || last.getPosition() != inner)
    return false;
  return llvm::none_of(map.getResults().drop_back(),
                       [&](AffineExpr e) { return e.isFunctionOfDim(inner); });
}

Value mlc::cuda::viewRoot(Value v) {
  while (auto view = v.getDefiningOp<ViewLikeOpInterface>())
    v = view.getViewSource();
  return v;
}

/// Whether the base address of `root` (a buffer, not a view) is 16-byte
/// aligned. Constant globals are looked up in the module: function passes
/// run concurrently only on functions, so reading a global is race-free.
static bool hasAlignedBase(Value root) {
  auto getGlobal = root.getDefiningOp<memref::GetGlobalOp>();
  if (!getGlobal)
    return true;
  auto global = SymbolTable::lookupNearestSymbolFrom<memref::GlobalOp>(
      getGlobal, getGlobal.getNameAttr());
  return global && global.getAlignment() &&
         *global.getAlignment() % kVectorBytes == 0;
}

bool mlc::cuda::allowsVectors(Value memref, int64_t width) {
  auto type = cast<MemRefType>(memref.getType());
  SmallVector<int64_t> strides;
  int64_t offset;
  if (type.getRank() == 0 || failed(type.getStridesAndOffset(strides, offset)))
    return false;
  if (strides.back() != 1 || ShapedType::isDynamic(offset) ||
      offset % width != 0)
    return false;
  return llvm::all_of(ArrayRef(strides).drop_back(),
                      [&](int64_t s) {
                        return !ShapedType::isDynamic(s) && s % width == 0;
                      }) &&
         hasAlignedBase(viewRoot(memref));
}

SmallVector<int64_t> mlc::cuda::sizesOf(ArrayRef<unsigned> dims,
                                        ArrayRef<int64_t> sizes) {
  return llvm::map_to_vector(dims, [&](unsigned d) { return sizes[d]; });
}

int64_t mlc::cuda::product(ArrayRef<int64_t> sizes) {
  int64_t p = 1;
  for (int64_t s : sizes)
    p *= s;
  return p;
}
