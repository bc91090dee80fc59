//===- Passes.td - CUDA code generation passes -------------*- tablegen -*-===//

#ifndef MLC_TARGET_CUDA_TRANSFORMS_PASSES_TD
#define MLC_TARGET_CUDA_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def CudaFuseSharedProducersPass
    : Pass<"mlc-cuda-fuse-shared-producers", "::mlir::func::FuncOp"> {
  let summary = "Fuse elementwise producers with several consumers into each";
  let description = [{
    Elementwise fusion (`linalg-fuse-elementwise-ops`) fuses a producer only
    into its single consumer. On a GPU each generic is a kernel launch and
    a round trip of its result through memory, so this pass also fuses an
    all-parallel producer with several uses into each all-parallel consumer
    (the producer recomputed there), where recomputing reads no more memory
    than the intermediate would: at most one of the producer's inputs is as
    large as its result (an indexing map that leaves out only loops of size
    1), the others are broadcast (their maps leave out a larger loop). The
    rotary embedding's cos and sin tables, computed from the positions and
    the frequencies and read by the query's and the key's kernels, are the
    case it was written for. Contractions and reductions are not consumers
    (their kernels recognise payloads fed by one input each).

    A `linalg.transpose` that only all-parallel generics read is
    generalized first, so that it fuses into them: the consumer reads the
    transpose's input through the permutation. Qwen3's value rows, a
    transpose of the projection's columns, are rounded to bf16 into the KV
    cache by the generic that transposes them.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def CudaAttentionToLinalgPass
    : Pass<"mlc-cuda-attention-to-linalg", "::mlir::func::FuncOp"> {
  let summary = "KV-cache attention as a tagged linalg.generic for the "
                "attention kernel";
  let description = [{
    Runs after `convert-mlc-to-linalg{keep-kv-cache-attention}` and
    elementwise fusion in the CUDA pipeline (fusion would inline the
    payload into its consumers and drop the inputs it does not read). An
    `mlc.attention` with `position` and without a mask (a KV cache: query
    row `i` at position `position + i`) becomes a `linalg.generic` over the
    result [B, Hq, Sq, Dv] whose payload computes one element exactly: the
    online softmax over the cache's rows `[0, min(position + i + 1, Skv))`
    (causal; else `position + Sq`) of `scale * q . k`, weighting `v`, in
    f32. Its inputs are q, k, v and the position (the payload reads the
    first three whole with `tensor.extract`), and it carries
    `mlc.attention = {group, scale, causal}`, by which
    `mlc-cuda-map-to-gpu` gives it the attention kernel. The position stays
    in device memory: the CPU lowering reads it on the host to size its
    loops, which a GPU kernel (and a captured CUDA graph replayed at
    another position) cannot.

    ```mlir
    %o = mlc.attention %q, %kc, %vc position(%pos) {causal} : (...) -> tensor<1x16x1x128xf32>
    // becomes
    %o = linalg.generic {..., iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
        ins(%q, %kc, %vc, %pos : ...) outs(%empty : tensor<1x16x1x128xf32>)
        attrs = {mlc.attention = {causal = true, group = 2 : i64, scale = 0.088 : f64}} { ... }
    ```
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

def CudaMapToGpuPass : Pass<"mlc-cuda-map-to-gpu", "::mlir::ModuleOp"> {
  let summary = "Map linalg generics and copies on buffers to gpu.launch kernels";
  let description = [{
    Runs after bufferization and `linalg-generalize-named-ops`; every
    `linalg.generic` of a function becomes one `gpu.launch`, the first kind
    that applies:

    - All loops parallel, every map a loop or constant per result
      (elementwise, broadcast): one thread per 128 bits of the widest element
      type along the innermost loop (`vector.load {alignment = 16}` where
      every operand indexed by that loop has it innermost, contiguous and
      aligned, strided views included; operands not indexed by it are loaded
      once and broadcast), else one element per thread.
    - A contraction `acc + f(a) * g(b)` in f32 (f, g elementwise chains such
      as `arith.extf` of bf16/f16 weights), maps projected permutations:
      - at most 4 rows (M), the matrix read along its innermost k loop: one
        warp per output column, lanes over k with 128-bit loads of the
        matrix and of the rows, fused multiply-adds, xor shuffles. An
        all-parallel generic right before it that writes its rows (at most
        4096 elements, a buffer nothing else reads before it is written
        again) is computed by every block into shared memory first
        (SiLU(gate) * up before a down projection: one kernel less), with
        the row reduction to one value that it scales if it is one's
        epilogue (an RMSNorm: two kernels less); such a GEMV has at most
        512 blocks, its warps looping over the columns;
      - at most 4 rows, any other layout: threads along n with 128-bit
        vectors of columns where n is contiguous, K split over the block,
        partial sums combined in shared memory;
      - otherwise a 64x64 tile per block of 256 threads, 16-deep k slabs of
        both operands in shared memory, a 4x4 register tile per thread.
        Where such a matmul has a GEMM's form (one m, n and k loop, at most
        one batch loop; both operands f32, f16 or bf16, read as they are or
        through `arith.extf`, each with a contiguous dimension and static
        leading and batch strides; an f32 output contiguous along n or m;
        a fill of 0, a copy or nothing folded in), host code first calls
        `mlc_cuda_gemm` (the runtime's cuBLASLt, `mlc-c/Module.h`) and
        launches the kernel only where that returns 0 (no library for it).
        An f32 operand beside a bf16 one is split into three bf16 parts by
        an elementwise kernel and the GEMM made three (f32 results), once
        the runtime has said it takes them. Option `library-gemm`.
    - One reduction loop, innermost, at least 32 long, a combiner that
      `arith::getNeutralElement` knows and a 32-bit accumulator: one block
      per row (warp shuffles and a workgroup combine).
    - Anything else (convolutions, pooling, reductions that are not
      innermost or not 32-bit, several outputs, windows through any affine
      map, `linalg.index`): one thread per point of the parallel loops, the
      reduction loops as `scf.for` inside the thread.

    - A generic of `mlc-cuda-attention-to-linalg` (`mlc.attention`): one
      block of 4 warps per group of up to 8 queries that read the same
      cache rows (the query heads of a GQA group times consecutive query
      rows), the warps over the cache's rows (each with an online softmax
      per query), lanes over the head (head sizes multiples of 32, at most
      256), a shared-memory combine; a decode step over more than 32 rows
      split along them, a second kernel combining the splits.

    A fill of a reduction's or contraction's output right before it is
    folded into its kernel. `memref.copy` becomes a copy kernel (strided
    views included). A constant global that a kernel reads is read by the
    kernel itself (its `memref.get_global` is cloned into the launch, so
    outlining copies it into the kernel's module: device memory); a returned
    global is first copied into a buffer.

    Dynamic loop sizes (a sequence length) are `memref.dim`s of operands in
    host code, which computes the grids from them and launches only grids
    that are not empty; kernels take them as arguments, and buffers of
    dynamic type too (`mlc-cuda-expand-kernel-buffers` passes those by
    descriptor after outlining). GEMV needs static sizes; a contraction
    with a dynamic M is a matmul, one with another dynamic loop a general
    kernel.

    Values that host code would read from device memory are computed by
    the kernels: a `memref.load` of a function argument that nothing writes
    (the position, in device memory), the arithmetic on it and views at
    offsets computed from it (a KV cache row at the position) are cloned
    into the launch, whose kernel takes the viewed buffer and the scalars.

    Errors that name the op: buffers whose offset or sizes come from other
    device memory (a shape read from a tensor, an offset from a buffer the
    function writes), an output map that is not a projected permutation
    of the parallel loops (two points would write one element), a mutable
    global read by a kernel, and any op left in host code that reads or
    writes a buffer (host code cannot touch device memory).

    ```mlir
    linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
        ins(%x : memref<4x256xf32>) outs(%y : memref<4x256xf32>) { ... }
    // becomes
    gpu.launch blocks(...) in (%gx = %c1, ...) threads(...) in (%bx = %c256, ...) {
      %v = vector.load %x[%i, %j] {alignment = 16 : i64} : memref<4x256xf32>, vector<4xf32>
      ...
    }
    ```
  }];
  let options = [
    Option<"blockSize", "block-size", "int64_t", "256",
           "Threads per block of the elementwise, general, row-reduction "
           "and GEMV kernels (a multiple of 32, at most 1024; the matmul "
           "uses 256)">,
    Option<"libraryGemm", "library-gemm", "bool", "true",
           "Offer matmuls of a GEMM's form to the runtime's cuBLASLt first "
           "(mlc_cuda_gemm), the matmul kernel where it declines">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::func::FuncDialect",
    "::mlir::gpu::GPUDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::vector::VectorDialect"
  ];
}

def CudaFuseLaunchesPass
    : Pass<"mlc-cuda-fuse-launches", "::mlir::func::FuncOp"> {
  let summary = "Run independent consecutive launches as one kernel";
  let description = [{
    After `mlc-cuda-map-to-gpu`, two consecutive `gpu.launch` ops of which
    neither writes memory that the other reads or writes become one launch:
    its blocks are the first launch's, then the second's (a uniform branch
    on the block index, so each block runs one body and reaches the
    barriers that body has). A decode step of Qwen3 normalizes and rotates
    its query heads, does the same to its key heads writing them into the
    cache, and copies its value heads into the cache: three small kernels
    that read the same projection and write three different buffers, one
    kernel after this pass.

    Both launches must have one-dimensional grids and blocks of constant
    size, no async tokens, clusters, dynamic shared memory or private
    memory, at most 48 KiB of workgroup memory together (a block's static
    limit), and only ops without memory effects (views, constants,
    allocations) between them. A launch may be under the guard that host
    code puts around a dynamic grid (`scf.if` of `grid != 0` around the
    launch alone); the fused launch is then under a guard of the sum of
    the grids (a body whose grid is empty gets no blocks). Blocks of different sizes are fused when
    the larger is a multiple of the smaller and the body of the larger has
    no barrier, shuffle or workgroup memory: each thread then runs the
    larger body for several of its threads in turn. Buffers are told apart
    by what they are views of: distinct allocations, distinct arguments
    of the function (entry points take buffers that do not overlap) and
    globals of distinct names are distinct memory.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::gpu::GPUDialect",
    "::mlir::scf::SCFDialect"
  ];
}

def CudaWriteBinariesPass
    : Pass<"mlc-cuda-write-binaries", "::mlir::ModuleOp"> {
  let summary = "Write the objects of gpu.binary ops to files";
  let description = [{
    Writes each object of each `gpu.binary` to
    `<prefix><binary>.<chip>.<ptx|cubin|fatbin>` (by the object's format),
    so that PTX can be checked and assembled (`ptxas`) outside of mlc. The
    IR is unchanged.
  }];
  let options = [
    Option<"prefix", "prefix", "std::string", "\"\"",
           "Path prefix of the files written">,
  ];
}

def CudaMergeKernelModulesPass
    : Pass<"mlc-cuda-merge-kernel-modules", "::mlir::ModuleOp"> {
  let summary = "Move every kernel into one gpu.module";
  let description = [{
    `gpu-kernel-outlining` makes one `gpu.module` per launch. This pass moves
    their contents into one module, so that the artifact has one image per
    architecture and the runtime loads it once. Each kernel is renamed
    after the module it came from (outlining names modules uniquely, not
    the kernels in them) and every `gpu.launch_func` follows. Other symbols
    that several modules hold (a constant that outlining cloned into each)
    are kept once; two different definitions of one name are an error.

    ```mlir
    gpu.module @main_kernel { gpu.func @main_kernel(...) kernel { ... } }
    gpu.module @main_kernel_0 { gpu.func @main_kernel(...) kernel { ... } }
    // becomes
    gpu.module @mlc_kernels {
      gpu.func @main_kernel(...) kernel { ... }
      gpu.func @main_kernel_0(...) kernel { ... }
    }
    ```
  }];
  let options = [
    Option<"moduleName", "module-name", "std::string", "\"mlc_kernels\"",
           "Name of the gpu.module that receives every kernel">,
  ];
  let dependentDialects = ["::mlir::gpu::GPUDialect"];
}

def CudaExpandKernelBuffersPass
    : Pass<"mlc-cuda-expand-kernel-buffers", "::mlir::ModuleOp"> {
  let summary = "Pass kernel buffers of dynamic type as base pointer and "
                "scalars";
  let description = [{
    Kernels take bare pointers (`convert-gpu-to-nvvm` with
    `use-bare-ptr-memref-call-conv`), which needs buffers of static shape,
    strides and offset. After `gpu-kernel-outlining`, every kernel argument
    of another buffer type (a view at an offset that host code computes, a
    buffer as long as a sequence) becomes its base buffer, a `memref` of
    rank 0, followed by the dynamic parts of its offset, sizes and strides
    as `index` arguments. The kernel rebuilds the buffer, of the same type,
    with `memref.reinterpret_cast`; each `gpu.launch_func` passes the
    results of `memref.extract_strided_metadata`. This runs after outlining:
    before it, canonicalization folds the pair back into the buffer.

    ```mlir
    gpu.func @k(%a: memref<?x64xf32>) kernel { ... }
    // becomes
    gpu.func @k(%base: memref<f32>, %size: index, %stride: index) kernel {
      %a = memref.reinterpret_cast %base to offset: [0],
          sizes: [%size, 64], strides: [%stride, 1]
          : memref<f32> to memref<?x64xf32>
      ...
    }
    ```
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect"];
}

def CudaSerializePass : Pass<"mlc-cuda-serialize", "::mlir::ModuleOp"> {
  let summary = "Compile gpu.modules into gpu.binary ops: cubins and PTX";
  let description = [{
    Replaces upstream `gpu-module-to-binary`, whose binary holds one format
    for all targets. With `format=bin`, each NVVM target of a module gives a
    cubin (the toolkit's ptxas) and the last target, when `ptx-fallback` is
    set, also its PTX: a driver compiles that for architectures newer than
    every cubin, which would otherwise find no image. `format=isa` gives PTX
    only (no ptxas needed), `format=fatbin` a fatbin per target.

    ```mlir
    gpu.module @mlc_kernels [#nvvm.target<chip = "sm_80">, #nvvm.target<chip = "sm_90">] { ... }
    // becomes
    gpu.binary @mlc_kernels [#gpu.object<#nvvm.target<chip = "sm_80">, bin = "\7FELF...">,
                             #gpu.object<#nvvm.target<chip = "sm_90">, bin = "\7FELF...">,
                             #gpu.object<#nvvm.target<chip = "sm_90">, assembly = "...">]
    ```
  }];
  let options = [
    Option<"format", "format", "std::string", "\"bin\"",
           "isa (PTX), bin (cubin) or fatbin">,
    Option<"ptxFallback", "ptx-fallback", "bool", "true",
           "With format=bin, also keep the PTX of the last target">,
    Option<"toolkit", "toolkit", "std::string", "\"\"",
           "CUDA toolkit (ptxas, nvvm/libdevice)">,
  ];
  let dependentDialects = ["::mlir::gpu::GPUDialect"];
}

def CudaLowerLaunchesPass
    : Pass<"mlc-cuda-lower-launches", "::mlir::ModuleOp"> {
  let summary = "Turn gpu.launch_func into calls of the module's launch hook";
  let description = [{
    Host code of a CUDA module launches kernels through the runtime
    (mlc-c/Module.h, `mlc_module_cuda_hooks`): each `gpu.launch_func`
    becomes a call of `mlc_cuda_launch(kernel, grid x/y/z, block x/y/z,
    shared bytes, params)`, defined by the support object linked into
    every CUDA module. `kernel` is an index into the list of kernels that
    the pass records on the `gpu.binary` as `mlc.kernels` (in the order of
    first launch); `params` points at one slot per kernel argument, holding
    its value as the kernels take them with bare pointers (the aligned
    pointer of a memref, whose type has a static shape, strides and offset
    that the kernel applies, or the scalar itself). The slots (8 bytes each) are allocas in the function's
    entry block, shared by its launches.

    ```mlir
    gpu.launch_func @mlc_kernels::@main_kernel blocks in (%c4, %c1, %c1)
        threads in (%c256, %c1, %c1) args(%x : memref<1024xf32>)
    // becomes
    %p = memref.extract_aligned_pointer_as_index %x : memref<1024xf32> -> index
    ...
    llvm.call @mlc_cuda_launch(%c0_i32, %c4_i64, ..., %params) : (i32, i64, ...) -> ()
    ```
  }];
  let dependentDialects = [
    "::mlir::LLVM::LLVMDialect",
    "::mlir::arith::ArithDialect",
    "::mlir::memref::MemRefDialect"
  ];
}

#endif // MLC_TARGET_CUDA_TRANSFORMS_PASSES_TD
