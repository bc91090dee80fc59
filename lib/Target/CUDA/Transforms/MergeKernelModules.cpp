//===- MergeKernelModules.cpp - every kernel in one gpu.module ------------===//
//
// One gpu.module per model, so that each architecture gets one image that
// the runtime loads once (gpu-kernel-outlining makes a module per launch).
//
//===----------------------------------------------------------------------===//

#include "mlc/Target/CUDA/Transforms/Passes.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OperationSupport.h"
#include "mlir/IR/SymbolTable.h"

namespace mlc {
#define GEN_PASS_DEF_CUDAMERGEKERNELMODULESPASS
#include "mlc/Target/CUDA/Transforms/Passes.h.inc"
} // namespace mlc

using namespace mlir;

namespace {
struct CudaMergeKernelModulesPass
    : public mlc::impl::CudaMergeKernelModulesPassBase<
          CudaMergeKernelModulesPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<gpu::GPUModuleOp> sources(module.getOps<gpu::GPUModuleOp>());
    if (sources.empty())
      return;
    for (gpu::GPUModuleOp source : sources)
      if (source.getTargetsAttr()) {
        source.emitError("has targets already: merge kernel modules before "
                         "attaching targets");
        return signalPassFailure();
      }

    // The merged module takes the place of the first; the sources are
    // erased, so their names may be reused.
    OpBuilder b(sources.front());
    auto merged = gpu::GPUModuleOp::create(b, sources.front().getLoc(),
                                           "mlc_kernels_merged");
    SymbolTable mergedSymbols(merged);
    // Kernel renames, per source module.
    DenseMap<StringAttr, DenseMap<StringAttr, StringAttr>> renames;
    for (gpu::GPUModuleOp source : sources) {
      StringAttr sourceName = source.getSymNameAttr();
      for (Operation &op :
           llvm::make_early_inc_range(source.getBody()->without_terminator())) {
        auto symbol = dyn_cast<SymbolOpInterface>(op);
        auto kernel = dyn_cast<gpu::GPUFuncOp>(op);
        if (kernel && kernel.isKernel()) {
          // The source module's name is unique in the parent's symbol table.
          renames[sourceName][kernel.getNameAttr()] = sourceName;
          if (mergedSymbols.lookup(sourceName)) {
            kernel.emitError("kernel name ")
                << sourceName << " is defined twice";
            return signalPassFailure();
          }
          kernel.setName(sourceName);
        } else if (symbol) {
          if (Operation *existing = mergedSymbols.lookup(symbol.getName())) {
            if (!OperationEquivalence::isEquivalentTo(
                    existing, &op, OperationEquivalence::Flags::IgnoreLocations)) {
              op.emitError("symbol @")
                  << symbol.getName()
                  << " is defined differently in two kernel modules";
              return signalPassFailure();
            }
            op.erase();
            continue;
          }
        }
        op.moveBefore(merged.getBody(), merged.getBody()->end());
        if (symbol)
          mergedSymbols.insert(&op);
      }
    }

    for (gpu::GPUModuleOp source : sources)
      source.erase();
    SymbolTable moduleSymbols(module);
    if (Operation *clash = moduleSymbols.lookup(moduleName)) {
      clash->emitError("the merged kernel module's name @")
          << moduleName << " is taken";
      return signalPassFailure();
    }
    merged.setName(moduleName);
    StringAttr mergedName = merged.getSymNameAttr();

    WalkResult result = module.walk([&](gpu::LaunchFuncOp launch) {
      auto byModule = renames.find(launch.getKernelModuleName());
      if (byModule == renames.end())
        return WalkResult::advance(); // A module this pass did not merge.
      auto kernel = byModule->second.find(launch.getKernelName());
      if (kernel == byModule->second.end()) {
        launch.emitError("launches a kernel its module does not define");
        return WalkResult::interrupt();
      }
      launch.setKernelAttr(SymbolRefAttr::get(
          mergedName, {FlatSymbolRefAttr::get(kernel->second)}));
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};
} // namespace
