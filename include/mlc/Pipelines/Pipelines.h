//===- Pipelines.h - mlc's compilation pipelines ----------------*- C++ -*-===//
//
// Every compile is a pipeline of passes that mlc-opt can replay:
//
//   mlc-opt model.mlir -mlc-cpu-pipeline
//   mlc-opt model.mlir -mlc-cuda-pipeline='gpu-arch=sm_80,sm_90' \
//       -mlc-cuda-host-to-llvm-pipeline
//
//===----------------------------------------------------------------------===//

#ifndef MLC_PIPELINES_PIPELINES_H
#define MLC_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

namespace mlc {

struct CpuPipelineOptions
    : public mlir::PassPipelineOptions<CpuPipelineOptions> {
  // The tile sizes of mlc-cpu-tile-and-vectorize (see its options).
  Option<int64_t> vectorWidth{*this, "vector-width",
                              llvm::cl::desc("Elements per vector"),
                              llvm::cl::init(16)};
  Option<int64_t> registerM{*this, "register-m",
                            llvm::cl::desc("Rows of the matmul register tile"),
                            llvm::cl::init(8)};
  Option<int64_t> registerN{
      *this, "register-n",
      llvm::cl::desc("Columns of the matmul register tile"),
      llvm::cl::init(32)};
  Option<int64_t> cacheK{*this, "cache-k",
                         llvm::cl::desc("Depth of a matmul K cache block"),
                         llvm::cl::init(256)};
  Option<int64_t> threadM{
      *this, "thread-m",
      llvm::cl::desc("Rows of the matmul tile one thread computes"),
      llvm::cl::init(64)};
  Option<int64_t> threadN{
      *this, "thread-n",
      llvm::cl::desc("Columns of the matmul tile one thread computes"),
      llvm::cl::init(256)};
  Option<int64_t> matvecStreams{
      *this, "matvec-streams",
      llvm::cl::desc("Sub-blocks of B a thread of a matrix-vector product "
                     "reads side by side"),
      llvm::cl::init(16)};
  Option<bool> packRhs{
      *this, "pack-rhs",
      llvm::cl::desc("Pack the right-hand operand of matmuls into panels"),
      llvm::cl::init(true)};
  Option<bool> planMemory{
      *this, "plan-memory",
      llvm::cl::desc("Place intermediates in arenas planned at compile time "
                     "(mlc-plan-memory)"),
      llvm::cl::init(true)};
  Option<bool> printKernels{
      *this, "print-kernels",
      llvm::cl::desc("Print the kernels of each function to stderr "
                     "(mlc-cpu-print-kernels)"),
      llvm::cl::init(false)};
};

struct CudaPipelineOptions
    : public mlir::PassPipelineOptions<CudaPipelineOptions> {
  ListOption<std::string> gpuArch{
      *this, "gpu-arch",
      llvm::cl::desc("NVIDIA architectures, one object each (default "
                     "sm_80,sm_90)")};
  Option<std::string> format{
      *this, "format",
      llvm::cl::desc("What mlc-cuda-serialize produces: isa (PTX), bin (a "
                     "cubin per architecture and the PTX of the last; needs "
                     "ptxas) or fatbin"),
      llvm::cl::init("bin")};
  Option<std::string> cudaToolkit{
      *this, "cuda-toolkit",
      llvm::cl::desc("CUDA toolkit (ptxas, nvvm/libdevice); default: the one "
                     "found when mlc was configured"),
      llvm::cl::init("")};
  Option<std::string> ptxFeatures{
      *this, "ptx-features",
      llvm::cl::desc("PTX ISA of the kernels (LLVM's default, ptx60, is too "
                     "old for sm_80 and sm_90)"),
      llvm::cl::init("+ptx80")};
  Option<int64_t> blockSize{*this, "block-size",
                            llvm::cl::desc("Threads per block"),
                            llvm::cl::init(256)};
  Option<bool> libraryGemm{
      *this, "library-gemm",
      llvm::cl::desc("Offer matmuls of a GEMM's form to the runtime's "
                     "cuBLASLt, the matmul kernel where it declines "
                     "(mlc-cuda-map-to-gpu)"),
      llvm::cl::init(true)};
  Option<bool> fuseLaunches{
      *this, "fuse-launches",
      llvm::cl::desc("Run independent consecutive kernels as one "
                     "(mlc-cuda-fuse-launches)"),
      llvm::cl::init(true)};
  Option<bool> planMemory{
      *this, "plan-memory",
      llvm::cl::desc("Place device intermediates in arenas planned at "
                     "compile time (mlc-plan-memory)"),
      llvm::cl::init(true)};
};

/// mlc graph passes and the lowering to linalg on tensors: shape
/// refinement, canonicalization, parameters as entry arguments,
/// convert-mlc-to-linalg, elementwise fusion. `keepKvCacheAttention`
/// leaves attention over a KV cache for the target to lower (see
/// convert-mlc-to-linalg's option).
void buildMlcToLinalgPipeline(mlir::OpPassManager &pm,
                              bool keepKvCacheAttention = false);

/// linalg on tensors to the LLVM dialect for CPUs: one-shot bufferization,
/// ownership-based deallocation, loops, and the conversions to LLVM.
void buildLinalgToLLVMCpuPipeline(mlir::OpPassManager &pm,
                                  const CpuPipelineOptions &options);

/// Both of the above: mlc to LLVM dialect (`mlc-cpu-pipeline`).
void buildMlcCpuPipeline(mlir::OpPassManager &pm,
                         const CpuPipelineOptions &options);

/// Tensors to buffers, shared by the targets: empty-tensor elimination
/// (results written in place into larger tensors), one-shot bufferization
/// with identity layouts at function boundaries, in-place results dropped.
void buildBufferizationPipeline(mlir::OpPassManager &pm);

/// linalg on tensors to kernels for NVIDIA GPUs: shared producers fused
/// (mlc-cuda-fuse-shared-producers), KV-cache attention as a tagged generic,
/// bufferization and deallocation, generics mapped to gpu.launch
/// (mlc-cuda-map-to-gpu), independent launches fused (mlc-cuda-fuse-launches),
/// device intermediates in arenas (mlc-plan-memory),
/// outlining into one gpu.module with buffers of
/// dynamic type passed by descriptor, NVVM, and a gpu.binary with a cubin per
/// architecture and the PTX of the last (mlc-cuda-serialize). Host code
/// stays in func/memref with gpu.launch_func.
void buildLinalgToCudaPipeline(mlir::OpPassManager &pm,
                               const CudaPipelineOptions &options);

/// mlc to linalg, then the above (`mlc-cuda-pipeline`).
void buildMlcCudaPipeline(mlir::OpPassManager &pm,
                          const CudaPipelineOptions &options);

/// The host code of a CUDA module (after the above) to the LLVM dialect:
/// launches as calls of the runtime's hook (mlc-cuda-lower-launches),
/// buffers from the device, the usual conversions
/// (`mlc-cuda-host-to-llvm-pipeline`).
void buildCudaHostToLLVMPipeline(mlir::OpPassManager &pm);

/// Registers the pipelines with mlc-opt.
void registerPipelines();

} // namespace mlc

#endif // MLC_PIPELINES_PIPELINES_H
