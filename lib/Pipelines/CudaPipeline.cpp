//===- CudaPipeline.cpp - mlc to NVVM kernels for NVIDIA GPUs -------------===//
//
// The pass order follows ../shared/notes/mlir22-gpu.md: index computations
// sunk into launches before outlining (pitfall 2), bare-pointer kernel
// arguments (pitfall 5), an explicit PTX ISA (pitfall 1). The host code is
// lowered by mlc's own passes, not gpu-to-llvm: it launches through the
// runtime's hooks (mlc-c/Module.h) and its buffers are device memory.
//
//===----------------------------------------------------------------------===//

#include "mlc/Config.h"
#include "mlc/Pipelines/Pipelines.h"
#include "mlc/Target/CUDA/Transforms/Passes.h"
#include "mlc/Transforms/Passes.h"
#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void mlc::buildLinalgToCudaPipeline(OpPassManager &pm,
                                    const CudaPipelineOptions &options) {
  pm.addNestedPass<func::FuncOp>(createCudaFuseSharedProducersPass());
  // After elementwise fusion, which would take its payload apart.
  pm.addNestedPass<func::FuncOp>(createCudaAttentionToLinalgPass());
  buildBufferizationPipeline(pm);
  // Intermediates are freed (on the device, through the module's hooks).
  bufferization::BufferDeallocationPipelineOptions dealloc;
  bufferization::buildBufferDeallocationPipeline(pm, dealloc);
  pm.addPass(createConvertBufferizationToMemRefPass());
  pm.addNestedPass<func::FuncOp>(createLinalgGeneralizeNamedOpsPass());
  pm.addPass(createCanonicalizerPass());
  CudaMapToGpuPassOptions mapping;
  mapping.blockSize = options.blockSize;
  mapping.libraryGemm = options.libraryGemm;
  pm.addPass(createCudaMapToGpuPass(mapping));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  // Independent launches as one kernel, told apart by their allocations
  // (so before the arena, which makes them views of one buffer).
  if (options.fuseLaunches)
    pm.addNestedPass<func::FuncOp>(createCudaFuseLaunchesPass());
  // Device intermediates in one arena per size (after the mapping, whose
  // patterns look for the allocation behind a buffer; kernels on one stream
  // run in order, so a buffer is free once its last kernel is launched).
  if (options.planMemory)
    pm.addNestedPass<func::FuncOp>(createPlanMemoryPass());

  pm.addPass(createGpuLaunchSinkIndexComputationsPass());
  pm.addPass(createGpuKernelOutliningPass());
  pm.addPass(createCudaMergeKernelModulesPass());
  pm.addPass(createCudaExpandKernelBuffersPass());
  // Host constants that only the launches used; globals that only kernels
  // read (outlining copied them into the kernel module).
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createSymbolDCEPass());
  SmallVector<std::string> archs(options.gpuArch.begin(),
                                 options.gpuArch.end());
  if (archs.empty())
    archs = {"sm_80", "sm_90"};
  for (const std::string &arch : archs) {
    GpuNVVMAttachTargetOptions target;
    target.chip = arch;
    target.features = options.ptxFeatures;
    target.optLevel = 3;
    pm.addPass(createGpuNVVMAttachTarget(target));
  }
  OpPassManager &kernels = pm.nest<gpu::GPUModuleOp>();
  // Views that kernels compute (at offsets read from device memory).
  kernels.addPass(memref::createExpandStridedMetadataPass());
  kernels.addPass(createLowerAffinePass());
  kernels.addPass(createSCFToControlFlowPass());
  ConvertGpuOpsToNVVMOpsOptions nvvm;
  nvvm.useBarePtrCallConv = true;
  kernels.addPass(createConvertGpuOpsToNVVMOps(nvvm));
  kernels.addPass(createCanonicalizerPass());
  kernels.addPass(createCSEPass());
  kernels.addPass(createReconcileUnrealizedCastsPass());

  CudaSerializePassOptions serialize;
  serialize.format = options.format;
  serialize.toolkit = options.cudaToolkit.empty()
                          ? std::string(MLC_CUDA_TOOLKIT_PATH)
                          : options.cudaToolkit.getValue();
  pm.addPass(createCudaSerializePass(serialize));
}

void mlc::buildMlcCudaPipeline(OpPassManager &pm,
                               const CudaPipelineOptions &options) {
  buildMlcToLinalgPipeline(pm, /*keepKvCacheAttention=*/true);
  buildLinalgToCudaPipeline(pm, options);
}

void mlc::buildCudaHostToLLVMPipeline(OpPassManager &pm) {
  pm.addPass(createCudaLowerLaunchesPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  // Buffers come from the device through the module's support object
  // (lib/Target/CUDA/ModuleSupport).
  FinalizeMemRefToLLVMConversionPassOptions memrefToLLVM;
  memrefToLLVM.useGenericFunctions = true;
  pm.addPass(createFinalizeMemRefToLLVMConversionPass(memrefToLLVM));
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createUBToLLVMConversionPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
}
