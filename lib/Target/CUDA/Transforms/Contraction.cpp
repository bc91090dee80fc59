//===- Contraction.cpp - recognising contractions, choosing their kernel --===//
//
// A generic is a contraction here when its payload is
// `acc + f(a) * g(b)` in f32, with f and g chains of elementwise ops on one
// input element each (e.g. `arith.extf` of bf16 weights), and its indexing
// maps are projected permutations. The loops are sorted into batch, m, n and
// k roles from the maps alone; the kernels index operands through the maps,
// so any order of the loops and operand layouts is correct, and the layout
// only decides which kernel (and which vector width) reads memory best.
//
//===----------------------------------------------------------------------===//

#include "Contraction.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

using namespace mlir;
using namespace mlc::cuda;

/// The payload ops `v` is computed by, and the one input whose element they
/// start from; none if that is not exactly one input, or if they include
/// anything but side-effect free elementwise ops (the accumulator, an index,
/// a load).
static std::optional<unsigned>
chainSource(linalg::GenericOp op, Value v,
            llvm::SmallPtrSetImpl<Operation *> *ops = nullptr) {
  Block *body = op.getBody();
  std::optional<unsigned> source;
  SmallVector<Value> work = {v};
  DenseSet<Value> seen;
  while (!work.empty()) {
    Value x = work.pop_back_val();
    if (!seen.insert(x).second)
      continue;
    if (auto arg = dyn_cast<BlockArgument>(x)) {
      if (arg.getOwner() != body)
        continue; // Defined above the generic.
      if (arg.getArgNumber() >= op.getNumDpsInputs() ||
          (source && *source != arg.getArgNumber()))
        return std::nullopt;
      source = arg.getArgNumber();
      continue;
    }
    Operation *def = x.getDefiningOp();
    if (def->getBlock() != body)
      continue; // Defined above the generic.
    if (def->getNumRegions() || isa<linalg::IndexOp>(def) ||
        !isMemoryEffectFree(def) ||
        !(def->hasTrait<OpTrait::Elementwise>() || isa<arith::ConstantOp>(def)))
      return std::nullopt;
    if (ops)
      ops->insert(def);
    llvm::append_range(work, def->getOperands());
  }
  return source;
}

/// `op`'s indexing maps with its loops of size 1 replaced by 0: a 1x1
/// convolution's window `h + kh` is then just `h`, a contraction. The
/// kernels still index through the original maps (with those loops at 0).
static SmallVector<AffineMap> withoutUnitLoops(linalg::GenericOp op,
                                               ArrayRef<int64_t> sizes) {
  MLIRContext *ctx = op.getContext();
  SmallVector<AffineExpr> dims;
  for (auto [d, size] : llvm::enumerate(sizes))
    dims.push_back(size == 1 ? getAffineConstantExpr(0, ctx)
                             : getAffineDimExpr(d, ctx));
  return llvm::map_to_vector(op.getIndexingMapsArray(), [&](AffineMap map) {
    return simplifyAffineMap(
        map.replaceDimsAndSymbols(dims, {}, map.getNumDims(), 0));
  });
}

Value Contraction::operandValue(KernelBuilder &kb, bool rhsSide,
                                Value element) const {
  Value v = rhsSide ? rhsValue : lhsValue;
  OpOperand *operand = rhsSide ? rhs : lhs;
  linalg::GenericOp generic = op;
  llvm::SmallPtrSet<Operation *, 4> ops;
  chainSource(generic, v, &ops);
  IRMapping map;
  map.map(generic.getMatchingBlockArgument(operand), element);
  for (Operation &inner : generic.getBody()->without_terminator())
    if (ops.contains(&inner))
      kb.cloneWidened(inner, map);
  return kb.splat(map.lookupOrDefault(v));
}

Value Contraction::multiplyAdd(KernelBuilder &kb, Value x, Value y,
                               Value acc) const {
  return math::FmaOp::create(kb.b, kb.loc, x, y, acc);
}

std::optional<unsigned> Contraction::innermostLoop(OpOperand *operand) const {
  AffineMap map = maps[operand->getOperandNumber()];
  if (map.getNumResults() == 0)
    return std::nullopt;
  if (auto dim = dyn_cast<AffineDimExpr>(map.getResults().back()))
    return dim.getPosition();
  return std::nullopt;
}

std::optional<Contraction>
mlc::cuda::matchContraction(linalg::GenericOp op, ArrayRef<int64_t> sizes) {
  if (op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1)
    return std::nullopt;
  for (OpOperand *input : op.getDpsInputOperands()) {
    auto type = dyn_cast<MemRefType>(input->get().getType());
    if (!type || !type.getElementType().isIntOrFloat() ||
        type.getElementTypeBitWidth() % 8)
      return std::nullopt;
  }
  SmallVector<AffineMap> maps = withoutUnitLoops(op, sizes);
  if (!llvm::all_of(maps, [](AffineMap map) {
        return map.isProjectedPermutation(/*allowZeroInResults=*/true);
      }))
    return std::nullopt;

  // yield (acc + x * y) or (x * y + acc), in f32.
  Contraction c;
  c.op = op;
  c.out = op.getDpsInitOperand(0);
  BlockArgument acc = op.getMatchingBlockArgument(c.out);
  auto add = op.getBody()
                 ->getTerminator()
                 ->getOperand(0)
                 .getDefiningOp<arith::AddFOp>();
  if (!add || !acc.getType().isF32() || !acc.hasOneUse() ||
      add->getBlock() != op.getBody())
    return std::nullopt;
  Value product = add.getLhs() == acc ? add.getRhs() : add.getLhs();
  auto mul = product.getDefiningOp<arith::MulFOp>();
  if ((add.getLhs() != acc && add.getRhs() != acc) || !mul ||
      mul->getBlock() != op.getBody())
    return std::nullopt;
  std::optional<unsigned> x = chainSource(op, mul.getLhs());
  std::optional<unsigned> y = chainSource(op, mul.getRhs());
  if (!x || !y || *x == *y)
    return std::nullopt;
  c.mul = mul;
  c.add = add;
  c.lhs = op.getDpsInputOperand(0);
  c.rhs = op.getDpsInputOperand(1);
  c.lhsValue = *x == 0 ? mul.getLhs() : mul.getRhs();
  c.rhsValue = *x == 0 ? mul.getRhs() : mul.getLhs();
  c.sizes = llvm::to_vector(sizes);
  c.maps = maps;

  AffineMap lhsMap = maps[c.lhs->getOperandNumber()];
  AffineMap rhsMap = maps[c.rhs->getOperandNumber()];
  for (auto [d, iterator] : llvm::enumerate(op.getIteratorTypesArray())) {
    bool inLhs = lhsMap.isFunctionOfDim(d), inRhs = rhsMap.isFunctionOfDim(d);
    if (iterator == utils::IteratorType::reduction)
      c.k.push_back(d);
    else if (inLhs && !inRhs)
      c.m.push_back(d);
    else if (inRhs && !inLhs)
      c.n.push_back(d);
    else
      c.batch.push_back(d);
  }
  if (c.k.empty())
    return std::nullopt;
  return c;
}

bool mlc::cuda::mapContraction(linalg::GenericOp op, ArrayRef<int64_t> sizes,
                               int64_t blockSize, bool libraryGemm,
                               Value initSource,
                               const GemvPrologue *prologue,
                               bool *tookPrologue) {
  std::optional<Contraction> c = matchContraction(op, sizes);
  if (!c)
    return false;
  // Kernels for a dynamic M (a sequence): the matmul. The general kernel
  // takes other dynamic loops.
  auto isDynamic = [&](ArrayRef<unsigned> dims) {
    return llvm::any_of(sizesOf(dims, sizes), ShapedType::isDynamic);
  };
  if (isDynamic(c->n) && !isDynamic(c->m))
    c->swap();
  if (isDynamic(c->n) || isDynamic(c->k) || isDynamic(c->batch))
    return false;
  auto matmul = [&] {
    return (libraryGemm && mapLibraryGemm(*c, initSource, blockSize)) ||
           mapMatmul(*c, initSource);
  };
  if (isDynamic(c->m))
    return matmul();
  int64_t rows = c->size(c->m), columns = c->size(c->n);
  if (std::min(rows, columns) > kMaxGemvRows)
    return matmul();

  // A GEMV: the side with at most kMaxGemvRows rows is the lhs. Where both
  // are that small, the orientation that reads the rhs along k wins.
  auto readsAlongK = [](const Contraction &x) {
    return x.innermostLoop(x.rhs) == x.k.back() && x.size(x.k) >= kWarpSize;
  };
  Contraction swapped = *c;
  swapped.swap();
  const Contraction *chosen = &*c;
  if (rows > kMaxGemvRows ||
      (columns <= kMaxGemvRows && !readsAlongK(*c) && readsAlongK(swapped)))
    chosen = &swapped;
  if (readsAlongK(*chosen)) {
    // The producer of the lhs computed by each block: only where the lhs
    // is its output buffer itself (not a view) and not the rhs too.
    bool computesLhs =
        prologue && prologue->lhs &&
        chosen->lhs->get() ==
            linalg::GenericOp(prologue->lhs).getDpsInitOperand(0)->get() &&
        chosen->rhs->get() != chosen->lhs->get();
    if (computesLhs && tookPrologue)
      *tookPrologue = true;
    mapGemvAlongK(*chosen, blockSize, initSource,
                  computesLhs ? prologue : nullptr);
  } else
    mapGemvAlongN(*chosen, blockSize, initSource);
  return true;
}
