//===- LibraryGemm.cpp - large contractions through the runtime's GEMM ----===//
//
// A contraction that would be a tiled matmul kernel and has the form of a
// BLAS GEMM, D = A B + C (one m, n and k loop, at most one batch loop, each
// operand with one contiguous dimension, an f32 output contiguous along n;
// C the output itself, a buffer copied into it, or none for a fill of 0),
// is first offered to the runtime: host code calls mlc_cuda_gemm
// (mlc-c/Module.h), which queues it on cuBLASLt and returns 1, or returns
// 0 where the runtime has no library for it (no cuBLASLt on the machine, no
// algorithm for the shape): the matmul kernel, under an scf.if, runs then.
// Either way, in stream order with the kernels around it.
//
// Operands of one type (f32, f16 or bf16) go to the library as they are.
// An f32 operand beside a bf16 one (activations and weights: no library
// multiplies those) is split by a kernel into three bf16 parts, x = p0 +
// p1 + p2 with p0 = round(x), p1 = round(x - p0), p2 = x - p0 - p1 (each
// difference exact in f32; the three hold x's 24 significant bits, 8 each,
// so the sum is x itself but where parts fall below bf16's smallest
// normal), and the GEMM is three, p0 B + C, p1 B + D, p2 B + D: products of
// bf16 values are exact in the f32 accumulator, so the result is the f32
// GEMM's up to the order of the sums, as the kernel's is (two parts would
// hold x to 2^-16 only: enough to flip a bf16 KV-cache element's rounding
// now and then, which attention then amplifies). The runtime is asked first
// whether it would take both forms (C given, C = D: the query flag), and
// M must be at least kMinSplitRows; if not, nothing is split and the kernel
// runs on the f32 operand.

// The calls take the buffers as aligned pointers (index) plus offsets in
// elements, so mlc-plan-memory still plans them: it sees
// memref.extract_aligned_pointer_as_index as a read at the call's place.
//
//===----------------------------------------------------------------------===//

#include "Contraction.h"
#include "mlc-c/Module.h"
#include "mlc-c/Runtime.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace mlc::cuda;

namespace {


/// One operand in BLAS terms: `rows` x `columns` (the roles' loops), with
/// the columns contiguous unless `transposed` (then the rows are), `ld`
/// elements between consecutive rows (columns), `batchStride` between
/// batch points (0: the same matrix for all).
struct Matrix {
  Value buffer;
  int64_t offset = 0, ld = 0, batchStride = 0;
  bool transposed = false;
  int32_t dtype = 0; // mlc_dtype
};

/// The mlc_dtype of the element types the library takes, else
/// MLC_DTYPE_INVALID (0).
int32_t dtypeCode(Type type) {
  if (type.isF32())
    return MLC_DTYPE_F32;
  if (type.isF16())
    return MLC_DTYPE_F16;
  if (type.isBF16())
    return MLC_DTYPE_BF16;
  return MLC_DTYPE_INVALID;
}

/// The operand's dimension that loop `d` indexes (its map's result `d`).
std::optional<unsigned> dimensionOf(AffineMap map, unsigned d) {
  for (auto [i, result] : llvm::enumerate(map.getResults()))
    if (auto dim = dyn_cast<AffineDimExpr>(result); dim && dim.getPosition() == d)
      return i;
  return std::nullopt;
}

/// A buffer of `type` (`buffer`, once it exists), indexed through `map`, as
/// a matrix of loops `rows` x `columns` (and `batch`, if any); none if it is
/// not one a GEMM library reads.
std::optional<Matrix> matrixOf(const Contraction &c, MemRefType type,
                               Value buffer, AffineMap map, unsigned rows,
                               unsigned columns,
                               std::optional<unsigned> batch) {
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(type.getStridesAndOffset(strides, offset)) ||
      ShapedType::isDynamic(offset))
    return std::nullopt;
  std::optional<unsigned> r = dimensionOf(map, rows),
                          k = dimensionOf(map, columns);
  if (!r || !k)
    return std::nullopt;
  std::optional<unsigned> b = batch ? dimensionOf(map, *batch) : std::nullopt;
  // Every other dimension is one the maps index at 0 (a unit loop).
  for (auto [i, result] : llvm::enumerate(map.getResults()))
    if (i != *r && i != *k && b != i && !isa<AffineConstantExpr>(result))
      return std::nullopt;
  Matrix m;
  m.buffer = buffer;
  m.offset = offset;
  m.dtype = dtypeCode(type.getElementType());
  if (strides[*k] == 1 && !ShapedType::isDynamic(strides[*r])) {
    m.ld = strides[*r];
  } else if (strides[*r] == 1 && !ShapedType::isDynamic(strides[*k])) {
    m.transposed = true;
    m.ld = strides[*k];
  } else {
    return std::nullopt;
  }
  // The library wants ld at least the contiguous extent (and 1).
  int64_t extent = c.sizes[m.transposed ? rows : columns];
  if (m.ld < 1 || ShapedType::isDynamic(extent) || m.ld < extent)
    return std::nullopt;
  m.batchStride = b ? strides[*b] : 0;
  if (ShapedType::isDynamic(m.batchStride))
    return std::nullopt;
  return m;
}

/// Whether `v`, a multiplied value, is `operand`'s element or its
/// arith.extf to f32.
bool isElementOrExtension(const Contraction &c, OpOperand *operand, Value v) {
  linalg::GenericOp op = c.op;
  Value element = op.getMatchingBlockArgument(operand);
  if (v == element)
    return true;
  auto ext = v.getDefiningOp<arith::ExtFOp>();
  return ext && ext.getIn() == element && ext.getType().isF32();
}

/// The loops of `dims` whose size is not 1.
SmallVector<unsigned> nonUnit(const Contraction &c, ArrayRef<unsigned> dims) {
  return llvm::filter_to_vector(dims,
                                [&](unsigned d) { return c.sizes[d] != 1; });
}

/// The GEMM of `c`, D = A B + C: lhs, rhs, the initial values (none for a
/// fill of 0) and out as matrices (C and D never transposed), with the
/// loops they stand for; none if `c` is not one. `split` is the f32
/// operand (0: A, 1: B) to split into parts of `splitType`, if any: its
/// matrix is then that of the parts' buffers (`partsType`, identity
/// layout), whose `buffer` is null until they exist.
struct Gemm {
  Matrix a, b;
  std::optional<Matrix> c;
  Matrix d;
  unsigned m, n, k;
  std::optional<unsigned> batch;
  std::optional<unsigned> split;
  Type splitType;
  MemRefType partsType;
};

/// Parts an f32 operand is split into (see the file comment).
constexpr int kParts = 3;
/// Rows (M) from which a split GEMM goes to the library. Below, the three
/// GEMMs would each read the whole bf16 matrix while bandwidth bounds them,
/// where the matmul kernel reads it once: by estimate for an H100 (3 TB/s,
/// tensor cores at 600 TFLOP/s, the kernel at 20 TFLOP/s of f32), the
/// kernel is faster up to about 20 rows (a 4096 x 1024 projection) and far
/// faster for a prefill's last row through lm_head (1 row: 3 reads of 311
/// MB). Unmeasured.
constexpr int64_t kMinSplitRows = 32;

std::optional<Gemm> gemmOf(const Contraction &c, Value initSource) {
  // The initial values: a fill of 0 (no C), a copied buffer of the output's
  // shape (read at the output's indices) or the output's contents.
  Value init = c.out->get();
  if (initSource && !isa<MemRefType>(initSource.getType())) {
    auto fill = initSource.getDefiningOp<arith::ConstantOp>();
    auto value = fill ? dyn_cast<FloatAttr>(fill.getValue()) : FloatAttr();
    if (!value || !value.getValue().isZero())
      return std::nullopt;
    init = {};
  } else if (initSource) {
    init = initSource;
  }
  SmallVector<unsigned> m = nonUnit(c, c.m), n = nonUnit(c, c.n),
                        k = nonUnit(c, c.k), batch = nonUnit(c, c.batch);
  if (m.size() != 1 || n.size() != 1 || k.size() != 1 || batch.size() > 1)
    return std::nullopt;
  auto outType = cast<MemRefType>(c.out->get().getType());
  Type lhsElement =
      cast<MemRefType>(c.lhs->get().getType()).getElementType();
  Type rhsElement =
      cast<MemRefType>(c.rhs->get().getType()).getElementType();
  if (!outType.getElementType().isF32() || !dtypeCode(lhsElement) ||
      !dtypeCode(rhsElement) || !isElementOrExtension(c, c.lhs, c.lhsValue) ||
      !isElementOrExtension(c, c.rhs, c.rhsValue))
    return std::nullopt;
  Gemm g{{}, {}, {}, {}, m[0], n[0], k[0], {}, {}, {}, {}};
  if (!batch.empty())
    g.batch = batch[0];
  if (lhsElement != rhsElement) {
    // An f32 operand beside a bf16 one: split into parts of bf16 (f16's
    // exponent range would not hold f32 activations).
    if (!(lhsElement.isF32() && rhsElement.isBF16()) &&
        !(lhsElement.isBF16() && rhsElement.isF32()))
      return std::nullopt;
    g.split = lhsElement.isF32() ? 0 : 1;
    g.splitType = lhsElement.isF32() ? rhsElement : lhsElement;
    auto splitType =
        cast<MemRefType>((*g.split == 0 ? c.lhs : c.rhs)->get().getType());
    g.partsType = MemRefType::get(splitType.getShape(), g.splitType);
  }
  auto matrix = [&](OpOperand *operand, Value buffer, unsigned rows,
                    unsigned columns) {
    bool parts = g.split && operand == (*g.split == 0 ? c.lhs : c.rhs);
    return matrixOf(c,
                    parts ? g.partsType : cast<MemRefType>(buffer.getType()),
                    parts ? Value() : buffer,
                    c.maps[operand->getOperandNumber()], rows, columns,
                    g.batch);
  };
  std::optional<Matrix> a = matrix(c.lhs, c.lhs->get(), g.m, g.k);
  std::optional<Matrix> b = matrix(c.rhs, c.rhs->get(), g.k, g.n);
  std::optional<Matrix> d = matrix(c.out, c.out->get(), g.m, g.n);
  if (!a || !b || !d || d->transposed)
    return std::nullopt;
  if (init) {
    g.c = matrix(c.out, init, g.m, g.n);
    if (!g.c || g.c->transposed || g.c->dtype != d->dtype)
      return std::nullopt;
  }
  g.a = *a;
  g.b = *b;
  g.d = *d;
  return g;
}

/// The declaration of the host function the calls go to.
func::FuncOp declareGemm(ModuleOp module, OpBuilder &b) {
  constexpr StringLiteral name = "mlc_cuda_gemm";
  if (auto existing = module.lookupSymbol<func::FuncOp>(name))
    return existing;
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(module.getBody());
  Type i32 = b.getI32Type(), index = b.getIndexType();
  SmallVector<Type> inputs(4, i32);
  inputs.append(20, index);
  auto decl = func::FuncOp::create(b, module.getLoc(), name,
                                   b.getFunctionType(inputs, {i32}));
  decl.setPrivate();
  return decl;
}

/// Emits the calls of the runtime's GEMM for one contraction.
struct GemmCalls {
  KernelBuilder &kb;
  func::FuncOp decl;
  const Gemm &g;
  /// The loop sizes the calls pass.
  Value m, n, k, batches;

  Value i32(int64_t v) {
    return arith::ConstantIntOp::create(kb.b, kb.loc, v, 32).getResult();
  }

  /// mlc_cuda_gemm with A and B as given (a part's buffer in place of the
  /// split operand: null for a query), C `c` (none: null), D; true
  /// where it returns `queued` (1: queued, or would be), or 0 if not.
  Value call(const Matrix &a, const Matrix &b, const Matrix *c, int32_t flags,
             bool queued = true) {
    OpBuilder &builder = kb.b;
    Location loc = kb.loc;
    flags |= (a.transposed ? MLC_CUDA_GEMM_TRANS_A : 0) |
             (b.transposed ? MLC_CUDA_GEMM_TRANS_B : 0);
    SmallVector<Value> args = {i32(a.dtype), i32(b.dtype), i32(g.d.dtype),
                               i32(flags),   m,           n,
                               k,            batches};
    for (const Matrix *matrix : {&a, &b, c, &g.d}) {
      if (!matrix) {
        // No C: a null pointer (beta 0).
        args.append(4, kb.index(0));
        continue;
      }
      args.push_back(matrix->buffer
                         ? memref::ExtractAlignedPointerAsIndexOp::create(
                               builder, loc, matrix->buffer)
                               .getResult()
                         : kb.index(0));
      args.push_back(kb.index(matrix->offset));
      args.push_back(kb.index(matrix->ld));
      args.push_back(kb.index(matrix->batchStride));
    }
    Value result = func::CallOp::create(builder, loc, decl, args).getResult(0);
    return arith::CmpIOp::create(
        builder, loc,
        queued ? arith::CmpIPredicate::ne : arith::CmpIPredicate::eq, result,
        i32(0));
  }
};

/// A kernel that writes `x` (f32) as kParts parts of `parts`' element type
/// into new buffers of that type (see the file comment); returns them.
SmallVector<Value> split(KernelBuilder &kb, Value x, MemRefType parts,
                         int64_t blockSize) {
  OpBuilder &b = kb.b;
  Location loc = kb.loc;
  SmallVector<Value> dynamicSizes;
  for (int64_t i = 0, e = parts.getRank(); i < e; ++i)
    if (parts.isDynamicDim(i))
      dynamicSizes.push_back(memref::DimOp::create(b, loc, x, i));
  SmallVector<Value> buffers;
  for (int i = 0; i < kParts; ++i)
    buffers.push_back(memref::AllocOp::create(b, loc, parts, dynamicSizes));
  auto identity = b.getMultiDimIdentityMap(parts.getRank());
  SmallVector<utils::IteratorType> parallel(parts.getRank(),
                                            utils::IteratorType::parallel);
  Type narrow = parts.getElementType();
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{}, ValueRange{x}, buffers,
      SmallVector<AffineMap>(kParts + 1, identity), parallel,
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        Value rest = args[0];
        SmallVector<Value> values;
        for (int i = 0; i < kParts; ++i) {
          values.push_back(arith::TruncFOp::create(nb, nl, narrow, rest));
          if (i + 1 < kParts)
            rest = arith::SubFOp::create(
                nb, nl, rest,
                arith::ExtFOp::create(nb, nl, rest.getType(), values.back()));
        }
        linalg::YieldOp::create(nb, nl, values);
      });
  mapElementwise(generic, generic.getStaticLoopRanges(), blockSize);
  return buffers;
}

} // namespace

bool mlc::cuda::mapLibraryGemm(const Contraction &original, Value initSource,
                               int64_t blockSize) {
  if (!fitsMatmulGrid(original))
    return false;
  std::optional<Gemm> g = gemmOf(original, initSource);
  Contraction c = original;
  if (!g) {
    // C^T = B^T A^T: an output contiguous along m.
    c.swap();
    g = gemmOf(c, initSource);
    if (!g)
      return false;
  }
  if (g->split && !ShapedType::isDynamic(c.sizes[g->m]) &&
      c.sizes[g->m] < kMinSplitRows)
    return false;
  linalg::GenericOp op = c.op;
  auto module = op->getParentOfType<ModuleOp>();
  KernelBuilder kb(op, initSource);
  OpBuilder &b = kb.b;
  Location loc = kb.loc;
  GemmCalls calls{kb,
                  declareGemm(module, b),
                  *g,
                  kb.value(kb.sizesOf(g->m)[0]),
                  kb.value(kb.sizesOf(g->n)[0]),
                  kb.value(kb.sizesOf(g->k)[0]),
                  g->batch ? kb.value(kb.sizesOf(*g->batch)[0])
                           : kb.index(1)};
  const Matrix *cMatrix = g->c ? &*g->c : nullptr;
  if (!g->split) {
    Value declined = calls.call(g->a, g->b, cMatrix, 0, /*queued=*/false);
    auto fallback = scf::IfOp::create(b, loc, declined, /*withElse=*/false);
    op->moveBefore(fallback.thenBlock()->getTerminator());
    return mapMatmul(original, initSource);
  }

  // p0 B + C, then p1 B + D and p2 B + D: asked first, split and queued
  // only if the runtime takes both forms.
  Value x = *g->split == 0 ? c.lhs->get() : c.rhs->get();
  auto gemm = [&](Value part, const Matrix *init, int32_t flags) {
    Matrix m = *g->split == 0 ? g->a : g->b;
    m.buffer = part;
    return *g->split == 0 ? calls.call(m, g->b, init, flags)
                          : calls.call(g->a, m, init, flags);
  };
  Value first = gemm({}, cMatrix, MLC_CUDA_GEMM_QUERY);
  Value rest = gemm({}, &g->d, MLC_CUDA_GEMM_QUERY);
  Value both = arith::AndIOp::create(b, loc, first, rest);
  Value enoughRows =
      kb.cmp(arith::CmpIPredicate::uge, calls.m, kb.index(kMinSplitRows));
  Value use = arith::AndIOp::create(b, loc, both, enoughRows);
  auto branch = scf::IfOp::create(b, loc, use, /*withElse=*/true);
  op->moveBefore(branch.elseBlock()->getTerminator());
  b.setInsertionPoint(branch.thenBlock()->getTerminator());
  SmallVector<Value> parts = split(kb, x, g->partsType, blockSize);
  b.setInsertionPoint(branch.thenBlock()->getTerminator());
  for (auto [i, part] : llvm::enumerate(parts))
    gemm(part, i == 0 ? cMatrix : &g->d, 0);
  for (Value part : parts)
    memref::DeallocOp::create(b, loc, part);
  return mapMatmul(original, initSource);
}
