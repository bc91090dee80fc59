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
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
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

#endif // MLC_TARGET_CUDA_TRANSFORMS_PASSES_TD
