//===- CpuPipeline.cpp - mlc to LLVM for CPUs -----------------------------===//
//
// The pass order for the LLVM part follows ../shared/notes/mlir22-cpu.md.
//
//===----------------------------------------------------------------------===//

#include "mlc/Conversion/Passes.h"
#include "mlc/Dialect/Mlc/Transforms/Passes.h"
#include "mlc/Pipelines/Pipelines.h"
#include "mlc/Target/CPU/Transforms/Passes.h"
#include "mlc/Transforms/Passes.h"
#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void mlc::buildMlcToLinalgPipeline(OpPassManager &pm,
                                   bool keepKvCacheAttention) {
  pm.addPass(createInferShapesPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createFuseCompositesPass());
  pm.addPass(createParametersToArgumentsPass());
  pm.addPass(createExportEntryPointsPass());
  ConvertMlcToLinalgPassOptions lowering;
  lowering.keepKvCacheAttention = keepKvCacheAttention;
  pm.addPass(createConvertMlcToLinalgPass(lowering));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  pm.addNestedPass<func::FuncOp>(createFuseElementwiseOpsPass());
  pm.addPass(createCanonicalizerPass());
}

void mlc::buildBufferizationPipeline(OpPassManager &pm) {
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  // Results inserted into a larger tensor (new rows of a KV cache) are
  // computed in place there, not in a buffer of their own and copied.
  pm.addPass(bufferization::createEmptyTensorEliminationPass());
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  pm.addPass(createDropInPlaceResultsPass());
}

void mlc::buildLinalgToLLVMCpuPipeline(OpPassManager &pm,
                                       const CpuPipelineOptions &options) {
  // Tiling and vectorization on tensors.
  CpuTileAndVectorizePassOptions tiling;
  tiling.vectorWidth = options.vectorWidth;
  tiling.registerM = options.registerM;
  tiling.registerN = options.registerN;
  tiling.cacheK = options.cacheK;
  tiling.threadM = options.threadM;
  tiling.threadN = options.threadN;
  tiling.matvecStreams = options.matvecStreams;
  tiling.packRhs = options.packRhs;
  pm.addNestedPass<func::FuncOp>(createCpuTileAndVectorizePass(tiling));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());

  // Buffers, with deallocation of intermediates.
  buildBufferizationPipeline(pm);
  bufferization::BufferDeallocationPipelineOptions dealloc;
  bufferization::buildBufferDeallocationPipeline(pm, dealloc);
  pm.addPass(createConvertBufferizationToMemRefPass());
  pm.addNestedPass<func::FuncOp>(createCpuFreeThreadBuffersPass());
  pm.addNestedPass<func::FuncOp>(createConvertStridedCopyToLinalgPass());
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  pm.addPass(createCanonicalizerPass());
  pm.addNestedPass<func::FuncOp>(createCpuLowerVectorsPass());
  // After the accumulators are hoisted: their aliasing check tells buffers
  // apart by allocation, which the arena would merge.
  if (options.planMemory)
    pm.addNestedPass<func::FuncOp>(createPlanMemoryPass());
  if (options.printKernels)
    pm.addPass(createCpuPrintKernelsPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());

  // Threads: scf.forall -> scf.parallel -> OpenMP (before scf -> cf, see
  // ../shared/notes/mlir22-cpu.md).
  pm.addNestedPass<func::FuncOp>(createForallToParallelLoopPass());
  pm.addPass(createConvertSCFToOpenMPPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  // Buffers come from the allocation functions of
  // lib/Target/CPU/ModuleSupport, which keep large blocks between calls.
  FinalizeMemRefToLLVMConversionPassOptions memrefToLLVM;
  memrefToLLVM.useGenericFunctions = true;
  pm.addPass(createFinalizeMemRefToLLVMConversionPass(memrefToLLVM));
  pm.addPass(createSCFToControlFlowPass());
  // Math first: libm calls on vectors are unrolled into vector ops.
  pm.addPass(math::createMathExtendToSupportedTypes());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  ConvertVectorToLLVMPassOptions vectorToLLVM;
  vectorToLLVM.reassociateFPReductions = true;
  pm.addPass(createConvertVectorToLLVMPass(vectorToLLVM));
  pm.addPass(createFinalizeMemRefToLLVMConversionPass(memrefToLLVM));
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertOpenMPToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createUBToLLVMConversionPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
}

void mlc::buildMlcCpuPipeline(OpPassManager &pm,
                              const CpuPipelineOptions &options) {
  buildMlcToLinalgPipeline(pm);
  buildLinalgToLLVMCpuPipeline(pm, options);
}

void mlc::registerPipelines() {
  PassPipelineRegistration<CpuPipelineOptions>(
      "mlc-cpu-pipeline",
      "Lower an mlc module to the LLVM dialect for CPUs (mlc-compile's "
      "pipeline).",
      buildMlcCpuPipeline);
  PassPipelineRegistration<CudaPipelineOptions>(
      "mlc-cuda-pipeline",
      "Lower an mlc module to NVIDIA GPU kernels (gpu.binary) and host code "
      "that launches them.",
      buildMlcCudaPipeline);
  PassPipelineRegistration<>(
      "mlc-cuda-host-to-llvm-pipeline",
      "Lower the host code of a CUDA module (after mlc-cuda-pipeline) to the "
      "LLVM dialect: launches through the runtime's hooks, device buffers.",
      buildCudaHostToLLVMPipeline);
  PassPipelineRegistration<CudaPipelineOptions>(
      "mlc-linalg-to-cuda-pipeline",
      "Lower linalg on tensors to NVIDIA GPU kernels (the second half of "
      "mlc-cuda-pipeline).",
      buildLinalgToCudaPipeline);
}
