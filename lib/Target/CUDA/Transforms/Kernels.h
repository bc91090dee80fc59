//===- Kernels.h - shared pieces of the kernels of mlc-cuda-map-to-gpu ----===//
//
// The kernel kinds of mlc-cuda-map-to-gpu (elementwise, row reduction,
// general, GEMV, tiled matmul), each in its own file, and the builder they
// share: index computations, loads and stores through a generic's indexing
// maps, the payload cloned (and widened to vectors), launches.
//
//===----------------------------------------------------------------------===//

#ifndef MLC_LIB_TARGET_CUDA_TRANSFORMS_KERNELS_H
#define MLC_LIB_TARGET_CUDA_TRANSFORMS_KERNELS_H

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"

namespace mlc::cuda {

inline constexpr int64_t kWarpSize = 32;
inline constexpr int64_t kVectorBytes = 16;
/// The attribute of mlc-cuda-attention-to-linalg's generics, read by
/// mlc-cuda-map-to-gpu.
inline constexpr llvm::StringLiteral kAttentionAttr = "mlc.attention";

/// Emits the loads, the generic's payload and the stores of one kernel, on
/// vectors of `width` lanes or on scalars.
struct KernelBuilder {
  /// Builds in front of `op`, the generic the kernel replaces.
  explicit KernelBuilder(mlir::linalg::GenericOp op,
                         mlir::Value initSource = {}, int64_t width = 1);

  mlir::OpBuilder b;
  mlir::Location loc;
  mlir::linalg::GenericOp op;
  int64_t width;
  /// Where the (single) output's initial values come from when the fill or
  /// copy that wrote them is folded into this kernel: the fill's value, or
  /// the copied buffer (of the output's shape, read at the output's
  /// indices); null if none (the output's contents).
  mlir::Value initSource;
  /// `op`'s loop sizes: index attributes where static, else a memref.dim of
  /// an operand that host code computes in front of `op` (kernels take it
  /// as an argument, and grids are computed from it).
  llvm::SmallVector<mlir::OpFoldResult> loopSizes;

  mlir::Value index(int64_t v);
  mlir::Value constant(mlir::TypedAttr value);

  /// `size` as a value (a constant if static).
  mlir::Value value(mlir::OpFoldResult size);
  /// The sizes of loops `dims`, and products and quotients of sizes, folded
  /// where static.
  llvm::SmallVector<mlir::OpFoldResult> sizesOf(llvm::ArrayRef<unsigned> dims);
  mlir::OpFoldResult product(llvm::ArrayRef<mlir::OpFoldResult> sizes);
  mlir::OpFoldResult ceilDiv(mlir::OpFoldResult size, int64_t divisor);

  /// `id` split into indices of `sizes` (row-major, the last fastest).
  llvm::SmallVector<mlir::Value>
  delinearize(mlir::Value id, llvm::ArrayRef<mlir::OpFoldResult> sizes);

  /// `ivs` with the loops `dims` set to `flat` split over their sizes.
  llvm::SmallVector<mlir::Value> withLoops(llvm::ArrayRef<mlir::Value> ivs,
                                           llvm::ArrayRef<unsigned> dims,
                                           mlir::Value flat);

  /// The indices `map` gives for the loop indices `ivs` (one per loop).
  llvm::SmallVector<mlir::Value> indices(mlir::AffineMap map,
                                         mlir::ValueRange ivs);
  llvm::SmallVector<mlir::Value> indices(mlir::OpOperand &operand,
                                         mlir::ValueRange ivs);

  /// `v` broadcast to `width` lanes (unchanged if scalar kernel or vector).
  mlir::Value splat(mlir::Value v);
  /// A vector of `width` elements of `type` (scalar type if `width` is 1).
  mlir::Type widen(mlir::Type type);

  /// The alignment of a vector of `width` elements of `type`'s element type
  /// (their byte size, at most 16: vectors start at multiples of it).
  llvm::MaybeAlign alignment(mlir::MemRefType type);

  /// `operand` at `ivs`: a vector if `width` > 1 and the innermost loop
  /// indexes it, else a scalar (broadcast to `width`).
  mlir::Value load(mlir::OpOperand &operand, mlir::ValueRange ivs);
  void store(mlir::Value value, mlir::OpOperand &operand, mlir::ValueRange ivs);
  /// A vector of `width` elements (or a scalar) of `memref` at `indices`.
  mlir::Value loadAt(mlir::Value memref, mlir::ValueRange indices);

  /// The initial value of output `init` at `ivs`: from `initSource`, else
  /// the output's contents.
  mlir::Value initial(mlir::OpOperand &init, mlir::ValueRange ivs);

  /// `like` (a binary op of the payload) applied to `lhs` and `rhs`.
  mlir::Value apply(mlir::Operation *like, mlir::Value lhs, mlir::Value rhs);

  /// A clone of payload op `inner` with operands from `map`, widened to
  /// `width` lanes (operands defined outside the payload are broadcast).
  void cloneWidened(mlir::Operation &inner, mlir::IRMapping &map);

  /// Maps the payload's arguments that are used and not yet in `map` to
  /// loaded operands, and clones the payload's ops but `skip` (widened when
  /// `width` > 1). `linalg.index` becomes the matching entry of `ivs`.
  void emitPayload(mlir::IRMapping &map, mlir::ValueRange ivs,
                   mlir::Operation *skip = nullptr);

  /// A launch of `grid` x `block` threads (x dimension, `gridY` and `gridZ`
  /// blocks in y and z, 1 if null); the builder is left in its body. Where
  /// a grid size is dynamic, host code launches only if no size is 0 (CUDA
  /// rejects empty grids).
  mlir::gpu::LaunchOp launch(mlir::OpFoldResult grid, int64_t block,
                             mlir::OpFoldResult gridY = {},
                             mlir::OpFoldResult gridZ = {});

  /// `blockIdx.x * block + threadIdx.x`.
  mlir::Value globalThreadId(mlir::gpu::LaunchOp launch, int64_t block);

  /// A buffer of `shape` x `type` in workgroup (shared) memory of `launch`.
  mlir::Value workgroupBuffer(mlir::gpu::LaunchOp launch,
                              llvm::ArrayRef<int64_t> shape, mlir::Type type);

  /// An scf.if on `condition` without results; the builder is left in its
  /// then-block.
  void ifThen(mlir::Value condition);
  mlir::Value cmp(mlir::arith::CmpIPredicate predicate, mlir::Value lhs,
                  mlir::Value rhs);
};

/// Combination of `value` across the lanes of a warp with xor shuffles
/// (every lane gets the result), by `combine` or by a clone of `combiner`.
mlir::Value
warpReduce(KernelBuilder &kb,
           llvm::function_ref<mlir::Value(mlir::Value, mlir::Value)> combine,
           mlir::Value value);
mlir::Value warpReduce(KernelBuilder &kb, mlir::Operation *combiner,
                       mlir::Value value);

/// The first operand (a buffer) and dimension that loop `d` indexes alone:
/// their size is the loop's.
std::optional<std::pair<mlir::OpOperand *, unsigned>>
loopDimension(mlir::linalg::GenericOp op, unsigned d);

/// Whether the innermost loop indexes `map` once, as its last result.
bool indexesInnermostLast(mlir::AffineMap map);

/// Whether vectors of `width` elements along the innermost dimension of
/// `memref` are contiguous and start at multiples of their size: a static
/// offset, innermost stride 1, the other strides and the offset multiples
/// of `width`, and a base address aligned to 16 bytes (buffers of host code
/// are; a constant global must say so, as bufferization's do). A dynamic
/// stride qualifies in a view of a buffer of identity layout whose
/// innermost size is a multiple of `width`: the buffer's dynamic strides
/// are multiples of that size, and views pick strides or multiply them.
bool allowsVectors(mlir::Value memref, int64_t width);

/// Whether kernels take a buffer of `type` as a bare pointer: a static
/// shape, strides and offset (the bare-pointer convention of
/// convert-gpu-to-nvvm rebuilds the descriptor from the type;
/// ../shared/notes/mlir22-gpu.md pitfall 5). Other buffers go by
/// descriptor (mlc-cuda-expand-kernel-buffers).
bool isBarePointerBuffer(mlir::MemRefType type);

/// The buffer `v` is a view of (through subviews, reshapes and casts).
mlir::Value viewRoot(mlir::Value v);

/// The loop sizes of `dims`, and their product.
llvm::SmallVector<int64_t> sizesOf(llvm::ArrayRef<unsigned> dims,
                                   llvm::ArrayRef<int64_t> sizes);
int64_t product(llvm::ArrayRef<int64_t> sizes);

// The kernel kinds. Each replaces `op` (and erases it) by a gpu.launch;
// `initSource`, if set, is where `op`'s single output's initial values come
// from, a fill's value or a copy's source, the fill or copy that the kernel
// takes over (the caller erases it).

/// All loops parallel, every map a loop or constant per result: one thread
/// per 128-bit vector (or element) of the innermost loop.
void mapElementwise(mlir::linalg::GenericOp op, llvm::ArrayRef<int64_t> sizes,
                    int64_t blockSize);

/// The op combining the payload's value into the accumulator of a
/// single-output reduction with a neutral element and a 32-bit accumulator,
/// if there is one.
mlir::Operation *findCombiner(mlir::linalg::GenericOp op);

/// The row of `kb.op` (a reduction whose innermost loop is its one
/// reduction loop, `combiner` from findCombiner, `neutral` its neutral
/// element) at the outer loop indices `rowIvs`, combined by `threads`
/// threads (`tid`), each taking elements tid, tid + threads, ..., then by
/// the lanes of each warp: every lane gets its warp's value. The builder is
/// left after it.
mlir::Value combineRowInWarps(KernelBuilder &kb, mlir::Operation *combiner,
                              mlir::Value neutral,
                              llvm::ArrayRef<mlir::Value> rowIvs,
                              mlir::Value tid, int64_t threads);

/// One reduction loop, innermost, `combiner` from findCombiner: one block
/// per output element. With an `epilogue` (an all-parallel generic whose
/// first loops are the reduction's parallel loops and which reads the
/// reduction's output only at them: an RMSNorm's scaling after its sum of
/// squares), the block then computes the epilogue's points of its row with
/// the row's result, in the same kernel, and `epilogue` is erased too.
void mapRowReduction(mlir::linalg::GenericOp op, mlir::Operation *combiner,
                     llvm::ArrayRef<int64_t> sizes, int64_t blockSize,
                     mlir::Value initSource,
                     mlir::linalg::GenericOp epilogue = {});

/// Anything else with valid output maps: one thread per point of the
/// parallel loops, the reduction loops as scf.for inside the thread.
void mapGeneral(mlir::linalg::GenericOp op, int64_t blockSize,
                mlir::Value initSource);

/// What a GEMV computes in each of its blocks before its loop: `lhs`, an
/// all-parallel generic that writes one of the GEMV's inputs whole (a
/// buffer of identity layout, at most kMaxPrologueElements elements, that
/// only the GEMV reads), from its inputs and, if `reduction` is set, from
/// that reduction's single result: a row reduction to one element (an
/// RMSNorm's sum of squares) starting from `reductionInit` (its fill's
/// value), `combiner` its combining op, whose output only `lhs` reads.
struct GemvPrologue {
  mlir::linalg::GenericOp lhs;
  mlir::linalg::GenericOp reduction;
  mlir::Operation *combiner = nullptr;
  mlir::Value reductionInit;
};

/// A contraction `C += f(A) * g(B)` with f32 accumulation as a GEMV (at
/// most `kMaxGemvRows` rows) or a tiled matmul; false (and `op` untouched)
/// if `op` is not such a contraction. A GEMV along k whose lhs `prologue`
/// (if set) writes computes it in each block instead (a kernel or two
/// less), erases the prologue's generics and sets `tookPrologue`. With
/// `libraryGemm`, a matmul that has a GEMM's form is offered to the
/// runtime's cuBLASLt first (mapLibraryGemm).
bool mapContraction(mlir::linalg::GenericOp op, llvm::ArrayRef<int64_t> sizes,
                    int64_t blockSize, bool libraryGemm,
                    mlir::Value initSource,
                    const GemvPrologue *prologue = nullptr,
                    bool *tookPrologue = nullptr);

/// A generic of mlc-cuda-attention-to-linalg (`attrs`: its `mlc.attention`)
/// as the attention kernel (Attention.cpp); an error if its head sizes do
/// not suit it.
mlir::LogicalResult mapAttention(mlir::linalg::GenericOp op,
                                 mlir::DictionaryAttr attrs);

} // namespace mlc::cuda

#endif // MLC_LIB_TARGET_CUDA_TRANSFORMS_KERNELS_H
