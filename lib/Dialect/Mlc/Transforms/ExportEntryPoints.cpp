//===- ExportEntryPoints.cpp - C interfaces for public functions ----------===//

#include "mlc/Dialect/Mlc/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

namespace mlc {
#define GEN_PASS_DEF_EXPORTENTRYPOINTSPASS
#include "mlc/Dialect/Mlc/Transforms/Passes.h.inc"
} // namespace mlc

using namespace mlir;

namespace {
struct ExportEntryPointsPass
    : mlc::impl::ExportEntryPointsPassBase<ExportEntryPointsPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      if (!func.isPublic() || func.isExternal())
        continue;
      func->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(),
                    UnitAttr::get(ctx));
      // Arguments updated in place stay writable; the others are read-only.
      llvm::SmallVector<bool> updated(func.getNumArguments(), false);
      for (unsigned r = 0; r < func.getNumResults(); ++r) {
        auto attr = func.getResultAttrOfType<IntegerAttr>(r, "mlc.updates");
        if (!attr)
          continue;
        int64_t j = attr.getInt();
        if (j < 0 || j >= func.getNumArguments() ||
            func.getArgumentTypes()[j] != func.getResultTypes()[r]) {
          func.emitOpError("result #")
              << r << ": mlc.updates = " << j
              << " must name an argument of the result's type";
          return signalPassFailure();
        }
        if (updated[j]) {
          func.emitOpError("argument #") << j << " is updated by two results";
          return signalPassFailure();
        }
        updated[j] = true;
      }
      for (unsigned i = 0; i < func.getNumArguments(); ++i)
        if (!updated[i] && isa<TensorType>(func.getArgumentTypes()[i]))
          func.setArgAttr(i, "bufferization.writable", BoolAttr::get(ctx, false));
    }
  }
};
} // namespace
