//===- Passes.td - CPU code generation passes --------------*- tablegen -*-===//

#ifndef MLC_TARGET_CPU_TRANSFORMS_PASSES_TD
#define MLC_TARGET_CPU_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def CpuTileAndVectorizePass
    : Pass<"mlc-cpu-tile-and-vectorize", "::mlir::func::FuncOp"> {
  let summary = "Tile linalg ops on tensors for threads, caches and registers, "
                "then vectorize them";
  let description = [{
    The CPU code generation strategy, applied to each linalg op before
    bufferization:

    - Convolutions (NCHW/FCHW), one image at a time: im2col by KH x KW
      strided copies of the input, then a matmul on the filter reshaped to
      F x (C KH KW). (Other layouts: upstream's rewriteInIm2Col.)
    - Depthwise convolutions (NCHW/CHW), one image at a time: one
      elementwise op over the output adding the KH x KW taps, each a
      strided slice of the input times a slice of the filter.
    - Matmul-like contractions with at least 256 rows (static): B packed
      into panels of `register-n` columns contiguous over k (padded at the
      edge), so that the k loop streams through memory instead of striding
      over rows that share cache sets.
    - Contractions: an `scf.forall` over output tiles (threads; tile sizes
      chosen to divide the shape where possible so that every tile is the
      same static size), a loop over K cache blocks, a register tile of
      `register-m` x `register-n` accumulators and a K loop of 1, vectorized
      to `vector.contract`. Edge tiles are peeled off; with static shapes
      they are static too and vectorize as smaller tiles.
    - Matrix-vector products (one or two static rows, enough work for
      threads), first (all split, then generated in order): the rows of B
      split into 4 contiguous
      blocks, an `scf.forall` over them computing partial products that a
      second op sums. Each thread reads its block as 16 streams (sub-blocks)
      side by side, one row of each per step: a core keeps several
      sequential reads in flight. Into each thread go the producers of the
      part of A it reads (elementwise ops, fills and small one-input
      reductions that nothing else reads, through slices of reshapes and of
      slices; a slice that is not contiguous in what a reshape expands is
      taken of the smallest contiguous hull; a small elementwise op that
      elementwise ops outside read too, such as a residual sum, is
      recomputed, and those ops compute it as well): a norm or an
      activation before the product costs no kernel of its own.
    - Products of one or two rows whose B is read along k, innermost (B is
      [..., n, k], as attention's keys in q K^T): register tiles of one row
      by 8 rows of B over all of k, each output a dot product of two
      contiguous rows (`mlc-cpu-lower-vectors` lowers them), rather than
      streaming B along n, which gathers a column of B per k.
    - Thread loops the lowering made (attention's, over key/value heads):
      a read of a KV cache right after the step's rows were appended to it
      becomes, in each iteration, an append of its head's rows to its slab
      of the cache (a new shared output of the loop, which the function
      returns in place of the append); then the cheap producers of what the
      iterations read (RoPE and QK-norm of q and k, elementwise ops even
      when they gather) are computed per iteration, as for matrix-vector
      products.
    - Everything else without gathers: an `scf.forall` over the outermost
      parallel dimension, and the innermost dimension vectorized by
      `vector-width` elements (the remainder peeled off).

    Vector sizes and tiles default to AVX-512 f32 and are pass options.
  }];
  let options = [
    Option<"vectorWidth", "vector-width", "int64_t", "16",
           "Elements per vector in elementwise code">,
    Option<"registerM", "register-m", "int64_t", "8",
           "Rows of the matmul register tile">,
    Option<"registerN", "register-n", "int64_t", "32",
           "Columns of the matmul register tile">,
    Option<"cacheK", "cache-k", "int64_t", "256",
           "Depth of a matmul K cache block">,
    Option<"threadM", "thread-m", "int64_t", "64",
           "Rows of the matmul tile one thread computes">,
    Option<"threadN", "thread-n", "int64_t", "256",
           "Columns of the matmul tile one thread computes">,
    Option<"matvecStreams", "matvec-streams", "int64_t", "16",
           "Sub-blocks of its rows of B that a thread of a matrix-vector "
           "product reads side by side (fewer where the rows do not divide)">,
    Option<"packRhs", "pack-rhs", "bool", "true",
           "Pack the right-hand operand of matmuls with enough rows into "
           "panels of register-n columns">,
  ];
  let dependentDialects = [
    "::mlir::affine::AffineDialect",
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
    "::mlir::vector::VectorDialect"
  ];
}

def CpuLowerVectorsPass
    : Pass<"mlc-cpu-lower-vectors", "::mlir::func::FuncOp"> {
  let summary = "Hoist and lower vector ops after bufferization";
  let description = [{
    Folds memref views into vector transfers, hoists loop-invariant
    transfers (a matmul's accumulators stay in registers across its K loop),
    and lowers masks, contractions (to outer products; those whose
    reduction is the innermost dimension of both inputs to a product and a
    reduction per output element), transposes,
    broadcasts and multi-dimensional transfers to what
    `convert-vector-to-llvm` handles. `exp`, `expm1`, `log`, `log1p`,
    `log2`, `tanh` and `erf` become polynomial approximations on vectors
    (upstream's, a few ulp from libm), which would otherwise be one libm
    call per element.
  }];
  let dependentDialects = [
    "::mlir::affine::AffineDialect",
    "::mlir::arith::ArithDialect",
    "::mlir::math::MathDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::vector::VectorDialect"
  ];
}

def CpuFreeThreadBuffersPass
    : Pass<"mlc-cpu-free-thread-buffers", "::mlir::func::FuncOp"> {
  let summary = "Free the buffers that iterations of an scf.forall allocate";
  let description = [{
    Upstream's buffer deallocation leaves the body of an `scf.forall`
    alone: a buffer that a thread allocates for one iteration (a partial
    result, a per-head accumulator) would never be freed, and a decode loop
    would grow by every step's buffers. This pass deallocates, at the end of
    the iteration, each buffer allocated at the top of an `scf.forall` body
    that is not deallocated there already and that only views, reads and
    writes use (a buffer passed on through loop-carried values, yielded,
    returned or passed to a call is left alone).
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect"];
}

def CpuPrintKernelsPass
    : Pass<"mlc-cpu-print-kernels", "::mlir::ModuleOp"> {
  let summary = "Print the kernels of each function";
  let description = [{
    After bufferization and lowering to loops, each loop nest at the top
    level of a function (`scf.forall`: run by all threads; `scf.for`,
    `scf.parallel`: one thread) and each remaining `memref.copy` or linalg
    op is one kernel: one pass over the memory it reads and writes. The pass
    prints, to stderr, one line per kernel with the names of the source ops
    it computes (the `NameLoc`s inside it: mlc's Qwen3 builder names every
    step, `q_proj`, `attention`, ...), then the count, function by function
    in the module's order. It changes nothing.

    Example output:

    ```
    kernels of @layer_decode: 2
      1 parallel  input_layernorm
      2 serial    q_proj
    ```
  }];
}

#endif // MLC_TARGET_CPU_TRANSFORMS_PASSES_TD
