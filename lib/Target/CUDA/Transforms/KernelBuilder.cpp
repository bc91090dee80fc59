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
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

using namespace mlir;
using namespace mlc::cuda;

std::optional<std::pair<OpOperand *, unsigned>>
mlc::cuda::loopDimension(linalg::GenericOp op, unsigned d) {
  AffineExpr loop = getAffineDimExpr(d, op.getContext());
  for (OpOperand &operand : op->getOpOperands()) {
    if (!isa<MemRefType>(operand.get().getType()))
      continue;
    for (auto [i, e] :
         llvm::enumerate(op.getMatchingIndexingMap(&operand).getResults()))
      if (e == loop)
        return std::make_pair(&operand, static_cast<unsigned>(i));
  }
  return std::nullopt;
}

/// The sizes of `op`'s loops: a memref.dim (folded) of the loopDimension of
/// each dynamic one. A verified generic has one for every loop: its
/// shapes-to-loops map exists.
static SmallVector<OpFoldResult> loopSizesOf(OpBuilder &b, Location loc,
                                             linalg::GenericOp op) {
  SmallVector<OpFoldResult> sizes;
  for (auto [d, size] : llvm::enumerate(op.getStaticLoopRanges())) {
    if (!ShapedType::isDynamic(size)) {
      sizes.push_back(b.getIndexAttr(size));
      continue;
    }
    auto [operand, dim] = *loopDimension(op, d);
    sizes.push_back(b.createOrFold<memref::DimOp>(loc, operand->get(),
                                                  static_cast<int64_t>(dim)));
  }
  return sizes;
}

KernelBuilder::KernelBuilder(linalg::GenericOp op, Value initSource, int64_t width)
    : b(op), loc(op.getLoc()), op(op), width(width), initSource(initSource),
      loopSizes(loopSizesOf(b, loc, op)) {}

Value KernelBuilder::value(OpFoldResult size) {
  if (std::optional<int64_t> c = getConstantIntValue(size))
    return index(*c);
  return cast<Value>(size);
}

SmallVector<OpFoldResult> KernelBuilder::sizesOf(ArrayRef<unsigned> dims) {
  return llvm::map_to_vector(dims, [&](unsigned d) { return loopSizes[d]; });
}

OpFoldResult KernelBuilder::product(ArrayRef<OpFoldResult> sizes) {
  int64_t known = 1;
  Value dynamic;
  for (OpFoldResult s : sizes) {
    if (std::optional<int64_t> c = getConstantIntValue(s))
      known *= *c;
    else
      dynamic = dynamic ? arith::MulIOp::create(b, loc, dynamic, value(s))
                              .getResult()
                        : value(s);
  }
  if (!dynamic)
    return b.getIndexAttr(known);
  if (known == 1)
    return dynamic;
  return arith::MulIOp::create(b, loc, dynamic, index(known)).getResult();
}

OpFoldResult KernelBuilder::ceilDiv(OpFoldResult size, int64_t divisor) {
  if (std::optional<int64_t> c = getConstantIntValue(size))
    return b.getIndexAttr(llvm::divideCeil(*c, divisor));
  if (divisor == 1)
    return size;
  return arith::CeilDivUIOp::create(b, loc, value(size), index(divisor))
      .getResult();
}

Value KernelBuilder::index(int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

Value KernelBuilder::constant(TypedAttr value) {
  return arith::ConstantOp::create(b, loc, value);
}

SmallVector<Value> KernelBuilder::delinearize(Value id,
                                              ArrayRef<OpFoldResult> sizes) {
  SmallVector<Value> ivs(sizes.size());
  for (int64_t i = sizes.size() - 1; i >= 0; --i) {
    if (isConstantIntValue(sizes[i], 1)) {
      ivs[i] = index(0);
      continue;
    }
    Value size = value(sizes[i]);
    bool outermost = llvm::all_of(sizes.take_front(i), [](OpFoldResult s) {
      return isConstantIntValue(s, 1);
    });
    // The outermost index is what is left (the caller bounds it).
    ivs[i] =
        outermost ? id : arith::RemUIOp::create(b, loc, id, size).getResult();
    if (!outermost)
      id = arith::DivUIOp::create(b, loc, id, size);
  }
  return ivs;
}

SmallVector<Value> KernelBuilder::withLoops(ArrayRef<Value> ivs,
                                            ArrayRef<unsigned> dims,
                                            Value flat) {
  SmallVector<Value> result(ivs);
  for (auto [d, iv] : llvm::zip(dims, delinearize(flat, sizesOf(dims))))
    result[d] = iv;
  return result;
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
  if (!initSource)
    return load(init, ivs);
  if (!isa<MemRefType>(initSource.getType()))
    return splat(initSource);
  // Kernels read initial values as scalars.
  assert(width == 1 && "a copied initial value read as a vector");
  return memref::LoadOp::create(b, loc, initSource, indices(init, ivs));
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

gpu::LaunchOp KernelBuilder::launch(OpFoldResult grid, int64_t block,
                                    OpFoldResult gridY, OpFoldResult gridZ) {
  Value one = index(1);
  SmallVector<Value> sizes;
  Value nonEmpty;
  for (OpFoldResult size : {grid, gridY, gridZ}) {
    sizes.push_back(size ? value(size) : one);
    if (!size || getConstantIntValue(size))
      continue;
    Value positive = cmp(arith::CmpIPredicate::ne, sizes.back(), index(0));
    nonEmpty = nonEmpty ? arith::AndIOp::create(b, loc, nonEmpty, positive)
                              .getResult()
                        : positive;
  }
  if (nonEmpty)
    ifThen(nonEmpty);
  auto launch = gpu::LaunchOp::create(b, loc, sizes[0], sizes[1], sizes[2],
                                      index(block), one, one);
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

bool mlc::cuda::isBarePointerBuffer(MemRefType type) {
  SmallVector<int64_t> strides;
  int64_t offset;
  return type.hasStaticShape() &&
         succeeded(type.getStridesAndOffset(strides, offset)) &&
         ShapedType::isStatic(offset) &&
         llvm::all_of(strides, ShapedType::isStatic);
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

/// Whether the dynamic strides of `memref` are multiples of `width` (see
/// allowsVectors).
static bool hasDynamicStridesOf(Value memref, int64_t width) {
  Value v = memref;
  while (auto view = v.getDefiningOp<ViewLikeOpInterface>()) {
    if (isa<memref::ReinterpretCastOp>(view))
      return false; // Strides of its own.
    v = view.getViewSource();
  }
  auto root = cast<MemRefType>(v.getType());
  return root.getLayout().isIdentity() && root.getRank() > 0 &&
         !root.isDynamicDim(root.getRank() - 1) &&
         root.getShape().back() % width == 0;
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
  ArrayRef<int64_t> outer = ArrayRef(strides).drop_back();
  if (llvm::any_of(outer, [&](int64_t s) {
        return !ShapedType::isDynamic(s) && s % width != 0;
      }))
    return false;
  if (llvm::any_of(outer, ShapedType::isDynamic) &&
      !hasDynamicStridesOf(memref, width))
    return false;
  return hasAlignedBase(viewRoot(memref));
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
