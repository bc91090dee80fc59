//===- Contraction.h - contractions recognised for GEMV and matmul --------===//
//
// A generic `C[...] += f(A[...]) * g(B[...])` with an f32 accumulator, its
// loops sorted by role, and the kernels that compute it: GEMV along K or
// along N (Gemv.cpp) and the tiled matmul (Matmul.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef MLC_LIB_TARGET_CUDA_TRANSFORMS_CONTRACTION_H
#define MLC_LIB_TARGET_CUDA_TRANSFORMS_CONTRACTION_H

#include "Kernels.h"

namespace mlc::cuda {

/// Rows (the product of the m loops) up to which a contraction is a GEMV.
inline constexpr int64_t kMaxGemvRows = 4;
/// Elements of a GEMV's lhs that its blocks may compute themselves into
/// shared memory (16 KiB of f32).
inline constexpr int64_t kMaxPrologueElements = 4096;
/// Blocks of a GEMV with a prologue (each computes it): about 4 per SM of
/// an H100, so that Qwen3's lm_head (151936 columns) recomputes its RMSNorm
/// 512 times, not 18992.
inline constexpr int64_t kMaxPrologueBlocks = 512;

struct Contraction {
  mlir::linalg::GenericOp op;
  /// Loops by role, each in loop order: batch (parallel loops that are not
  /// m or n), m (index the lhs, not the rhs), n (the rhs, not the lhs), k
  /// (reductions).
  llvm::SmallVector<unsigned> batch, m, n, k;
  mlir::OpOperand *lhs, *rhs, *out;
  /// The payload values multiplied, computed from lhs's (rhs's) element
  /// alone (the element itself, or e.g. its arith.extf to f32).
  mlir::Value lhsValue, rhsValue;
  /// The payload's arith.mulf and arith.addf.
  mlir::Operation *mul, *add;
  llvm::SmallVector<int64_t> sizes;
  /// The indexing maps with the loops of size 1 replaced by 0 (what the
  /// roles and layouts are read from; kernels index through the op's own).
  llvm::SmallVector<mlir::AffineMap> maps;

  int64_t size(llvm::ArrayRef<unsigned> dims) const {
    return product(sizesOf(dims, sizes));
  }
  /// Swaps the roles of lhs and rhs (and of m and n).
  void swap() {
    std::swap(lhs, rhs);
    std::swap(m, n);
    std::swap(lhsValue, rhsValue);
  }
  /// lhsValue (rhsValue if `rhsSide`) computed from `element`, a scalar or
  /// a vector of kb.width elements of the operand, by cloning the payload
  /// ops between them.
  mlir::Value operandValue(KernelBuilder &kb, bool rhsSide,
                           mlir::Value element) const;
  /// `acc + x * y` as one fused multiply-add. The payload's mulf and addf
  /// round twice; without `contract` flags NVPTX keeps them apart
  /// (`mul.rn`, `add.rn`), at half the arithmetic rate. GPU BLAS libraries
  /// fuse, and so do these kernels.
  mlir::Value multiplyAdd(KernelBuilder &kb, mlir::Value x, mlir::Value y,
                          mlir::Value acc) const;
  /// The dimension of `operand`'s last indexing-map result, if a loop.
  std::optional<unsigned> innermostLoop(mlir::OpOperand *operand) const;
};

/// `op` as a contraction, if it is one.
std::optional<Contraction> matchContraction(mlir::linalg::GenericOp op,
                                            llvm::ArrayRef<int64_t> sizes);

/// M <= kMaxGemvRows, rhs read along its innermost k loop: one warp per
/// output column. Needs K >= 32. With a `prologue` (see GemvPrologue), each
/// block first computes the whole lhs into shared memory and reads it from
/// there, and the prologue's generics are erased too.
void mapGemvAlongK(const Contraction &c, int64_t blockSize,
                   mlir::Value initSource, const GemvPrologue *prologue = {});
/// M <= kMaxGemvRows, any layout (vectors where rhs's innermost loop is an
/// n loop): threads along n, blocks split K.
void mapGemvAlongN(const Contraction &c, int64_t blockSize,
                   mlir::Value initSource);
/// Whether mapMatmul's grid is within CUDA's limits.
bool fitsMatmulGrid(const Contraction &c);
/// Block tiles in shared memory, a register tile per thread; false (and
/// nothing changed) if the grid would exceed CUDA's limits.
bool mapMatmul(const Contraction &c, mlir::Value initSource);
/// Calls of the runtime's GEMM (cuBLASLt), the matmul kernel launched only
/// where the runtime does not queue them (LibraryGemm.cpp; an f32 operand
/// beside a bf16 one is first split into three bf16 parts by an
/// elementwise kernel of `blockSize` threads); false (and nothing changed)
/// if `c` is not a GEMM such a library computes (layouts, dtypes, a fill
/// other than 0 folded in) or its matmul would not fit.
bool mapLibraryGemm(const Contraction &c, mlir::Value initSource,
                    int64_t blockSize);

} // namespace mlc::cuda

#endif // MLC_LIB_TARGET_CUDA_TRANSFORMS_CONTRACTION_H
