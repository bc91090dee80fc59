//===- Serialize.cpp - gpu.modules to cubins and PTX ----------------------===//
//
// Upstream gpu-module-to-binary makes one object per target in a single
// format. A CUDA module wants a cubin per architecture it was compiled for
// and PTX for the ones that come after (the driver compiles it), so this
// pass serializes each module through the targets' TargetAttrInterface
// once per format it needs.
//
//===----------------------------------------------------------------------===//

#include "mlc/Target/CUDA/Transforms/Passes.h"
#include "mlir/Dialect/GPU/IR/CompilationInterfaces.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/SymbolTable.h"

namespace mlc {
#define GEN_PASS_DEF_CUDASERIALIZEPASS
#include "mlc/Target/CUDA/Transforms/Passes.h.inc"
} // namespace mlc

using namespace mlir;

namespace {
struct CudaSerializePass
    : public mlc::impl::CudaSerializePassBase<CudaSerializePass> {
  using Base::Base;

  void runOnOperation() override {
    std::optional<gpu::CompilationTarget> main =
        llvm::StringSwitch<std::optional<gpu::CompilationTarget>>(format)
            .Case("isa", gpu::CompilationTarget::Assembly)
            .Case("bin", gpu::CompilationTarget::Binary)
            .Case("fatbin", gpu::CompilationTarget::Fatbin)
            .Default(std::nullopt);
    if (!main) {
      getOperation().emitError("mlc-cuda-serialize: format must be isa, bin "
                               "or fatbin, not '")
          << format << "'";
      return signalPassFailure();
    }
    ModuleOp module = getOperation();
    std::unique_ptr<SymbolTable> parentTable;
    auto symbolTable = [&]() -> SymbolTable * {
      if (!parentTable)
        parentTable = std::make_unique<SymbolTable>(module);
      return parentTable.get();
    };

    for (auto kernels :
         llvm::make_early_inc_range(module.getOps<gpu::GPUModuleOp>())) {
      ArrayAttr targets = kernels.getTargetsAttr();
      if (!targets || targets.empty()) {
        kernels.emitError("has no target: attach one (nvvm-attach-target) "
                          "before mlc-cuda-serialize");
        return signalPassFailure();
      }
      SmallVector<Attribute> objects;
      auto serialize = [&](Attribute target,
                           gpu::CompilationTarget kind) -> LogicalResult {
        auto iface = dyn_cast<gpu::TargetAttrInterface>(target);
        if (!iface)
          return kernels.emitError("target ")
                 << target << " cannot serialize kernels";
        gpu::TargetOptions options(toolkit, {}, "", "", kind, symbolTable);
        std::optional<SmallVector<char, 0>> object =
            iface.serializeToObject(kernels, options);
        if (!object)
          return kernels.emitError("cannot compile the kernels for ")
                 << target << " (see the messages above)";
        objects.push_back(iface.createObject(kernels, *object, options));
        return success();
      };
      for (Attribute target : targets)
        if (failed(serialize(target, *main)))
          return signalPassFailure();
      if (*main == gpu::CompilationTarget::Binary && ptxFallback &&
          failed(serialize(targets[targets.size() - 1],
                           gpu::CompilationTarget::Assembly)))
        return signalPassFailure();

      OpBuilder b(kernels);
      gpu::BinaryOp::create(b, kernels.getLoc(), kernels.getName(),
                            /*offloadingHandler=*/nullptr,
                            b.getArrayAttr(objects));
      kernels.erase();
    }
  }
};
} // namespace
