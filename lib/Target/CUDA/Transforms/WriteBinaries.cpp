//===- WriteBinaries.cpp - write gpu.binary objects to files --------------===//
//
// PTX and cubins leave mlc through this pass so that tests (and people) can
// read them and assemble them with ptxas.
//
//===----------------------------------------------------------------------===//

#include "mlc/Target/CUDA/Transforms/Passes.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

namespace mlc {
#define GEN_PASS_DEF_CUDAWRITEBINARIESPASS
#include "mlc/Target/CUDA/Transforms/Passes.h.inc"
} // namespace mlc

using namespace mlir;

static llvm::StringRef extension(gpu::CompilationTarget format) {
  switch (format) {
  case gpu::CompilationTarget::Assembly:
    return "ptx";
  case gpu::CompilationTarget::Binary:
    return "cubin";
  case gpu::CompilationTarget::Fatbin:
    return "fatbin";
  case gpu::CompilationTarget::Offload:
    return "bc";
  }
  llvm_unreachable("unknown gpu.binary format");
}

namespace {
struct CudaWriteBinariesPass
    : public mlc::impl::CudaWriteBinariesPassBase<CudaWriteBinariesPass> {
  using Base::Base;

  void runOnOperation() override {
    getOperation().walk([&](gpu::BinaryOp binary) {
      for (auto object : binary.getObjects().getAsRange<gpu::ObjectAttr>()) {
        auto target = dyn_cast<NVVM::NVVMTargetAttr>(object.getTarget());
        llvm::StringRef chip = target ? target.getChip() : "target";
        std::string path =
            (llvm::Twine(prefix.getValue()) + binary.getSymName() + "." + chip +
             "." + extension(object.getFormat()))
                .str();
        std::error_code error;
        llvm::raw_fd_ostream os(path, error, llvm::sys::fs::OF_None);
        if (!error)
          os << object.getObject().getValue();
        if (error || os.has_error()) {
          binary.emitError("cannot write ") << path << ": " << error.message();
          return signalPassFailure();
        }
      }
    });
  }
};
} // namespace
