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
    : public mlir::PassPipelineOptions<CpuPipelineOptions> {};

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
