//===- CudaPipeline.cpp - mlc to NVVM kernels for NVIDIA GPUs -------------===//
//
// The pass order follows ../shared/notes/mlir22-gpu.md: index computations
// sunk into launches before outlining (pitfall 2), bare-pointer kernel
// arguments (pitfall 5), an explicit PTX ISA (pitfall 1).
//
//===----------------------------------------------------------------------===//

#include "mlc/Config.h"
#include "mlc/Pipelines/Pipelines.h"
#include "mlc/Target/CUDA/Transforms/Passes.h"
#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void mlc::buildLinalgToCudaPipeline(OpPassManager &pm,
                                    const CudaPipelineOptions &options) {
  buildBufferizationPipeline(pm);
  pm.addNestedPass<func::FuncOp>(createLinalgGeneralizeNamedOpsPass());
  pm.addPass(createCanonicalizerPass());
  CudaMapToGpuPassOptions mapping;
  mapping.blockSize = options.blockSize;
  pm.addNestedPass<func::FuncOp>(createCudaMapToGpuPass(mapping));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());

  pm.addPass(createGpuLaunchSinkIndexComputationsPass());
  pm.addPass(createGpuKernelOutliningPass());
  // Host constants that only the launches used.
  pm.addPass(createCanonicalizerPass());
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
  kernels.addPass(createLowerAffinePass());
  kernels.addPass(createSCFToControlFlowPass());
  ConvertGpuOpsToNVVMOpsOptions nvvm;
  nvvm.useBarePtrCallConv = true;
  kernels.addPass(createConvertGpuOpsToNVVMOps(nvvm));
  kernels.addPass(createCanonicalizerPass());
  kernels.addPass(createCSEPass());
  kernels.addPass(createReconcileUnrealizedCastsPass());

  GpuModuleToBinaryPassOptions binary;
  binary.compilationTarget = options.format;
  binary.toolkitPath = options.cudaToolkit.empty()
                           ? std::string(MLC_CUDA_TOOLKIT_PATH)
                           : options.cudaToolkit.getValue();
  pm.addPass(createGpuModuleToBinaryPass(binary));
}

void mlc::buildMlcCudaPipeline(OpPassManager &pm,
                               const CudaPipelineOptions &options) {
  buildMlcToLinalgPipeline(pm);
  buildLinalgToCudaPipeline(pm, options);
}
