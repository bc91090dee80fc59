//===- Passes.td - CUDA code generation passes -------------*- tablegen -*-===//

#ifndef MLC_TARGET_CUDA_TRANSFORMS_PASSES_TD
#define MLC_TARGET_CUDA_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def CudaMapToGpuPass : Pass<"mlc-cuda-map-to-gpu", "::mlir::func::FuncOp"> {
  let summary = "Map linalg generics on buffers to gpu.launch kernels";
  let description = [{
    Runs after bufferization and `linalg-generalize-named-ops`; every
    `linalg.generic` of a function becomes one `gpu.launch`:

    - All loops parallel (elementwise, broadcast): one work item per
      128 bits of the widest element type along the innermost loop, loaded
      and stored as vectors (`vector.load {alignment = 16}`; narrower
      element types next to wider ones move fewer bytes) where
      every operand indexed by that loop has it innermost and contiguous;
      operands not indexed by it are loaded once and broadcast. Otherwise
      one element per work item. `block-size` threads per block.
    - One reduction loop, innermost, and a combiner that
      `arith::getNeutralElement` knows (sum, product, max, min): one block
      of `block-size` threads per output element (row). Each thread
      combines a strided part of the row, warps combine with
      `gpu.shuffle xor`, and warp results meet in a small workgroup buffer
      (one barrier). 32-bit accumulators only (what shuffles move). A fill
      of the output right before the reduction is folded into its kernel.

    Shapes must be static (bare-pointer kernel arguments). Contractions and
    anything else are reported as errors: they are not mapped yet.

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
           "Threads per block (a multiple of 32, at most 1024)">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::gpu::GPUDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::vector::VectorDialect"
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
    pointer of a memref, whose type has a static shape and offset, or the
    scalar itself). The slots (8 bytes each) are allocas in the function's
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
