//===- Pipelines.h - mlc's compilation pipelines ----------------*- C++ -*-===//
//
// Every compile is a pipeline of passes that mlc-opt can replay:
//
//   mlc-opt model.mlir -mlc-cpu-pipeline
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
  Option<bool> packRhs{
      *this, "pack-rhs",
      llvm::cl::desc("Pack the right-hand operand of matmuls into panels"),
      llvm::cl::init(true)};
  Option<bool> planMemory{
      *this, "plan-memory",
      llvm::cl::desc("Place intermediates in arenas planned at compile time "
                     "(mlc-cpu-plan-memory)"),
      llvm::cl::init(true)};
  Option<bool> printKernels{
      *this, "print-kernels",
      llvm::cl::desc("Print the kernels of each function to stderr "
                     "(mlc-cpu-print-kernels)"),
      llvm::cl::init(false)};
};

/// mlc graph passes and the lowering to linalg on tensors: shape
/// refinement, canonicalization, parameters as entry arguments,
/// convert-mlc-to-linalg, elementwise fusion.
void buildMlcToLinalgPipeline(mlir::OpPassManager &pm);

/// linalg on tensors to the LLVM dialect for CPUs: one-shot bufferization,
/// ownership-based deallocation, loops, and the conversions to LLVM.
void buildLinalgToLLVMCpuPipeline(mlir::OpPassManager &pm,
                                  const CpuPipelineOptions &options);

/// Both of the above: mlc to LLVM dialect (`mlc-cpu-pipeline`).
void buildMlcCpuPipeline(mlir::OpPassManager &pm,
                         const CpuPipelineOptions &options);

/// Registers the pipelines with mlc-opt.
void registerPipelines();

} // namespace mlc

#endif // MLC_PIPELINES_PIPELINES_H
