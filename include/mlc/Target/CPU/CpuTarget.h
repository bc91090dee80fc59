//===- CpuTarget.h - compile mlc modules to CPU shared libraries -*- C++ -*-===//
//
// The driver behind `mlc-compile --target cpu`: runs mlc-cpu-pipeline on an
// mlc module, gathers the parameters it reads into one blob, and writes a
// shared library with the ABI of include/mlc-c/Module.h.
//
//===----------------------------------------------------------------------===//

#ifndef MLC_TARGET_CPU_CPUTARGET_H
#define MLC_TARGET_CPU_CPUTARGET_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Error.h"
#include <functional>
#include <string>

namespace mlc {

struct CpuTargetOptions {
  /// LLVM CPU name, or "native" for the host's CPU and its features.
  std::string cpu = "native";
  /// LLVM optimization level for the generated code (0-3).
  unsigned optLevel = 3;
  /// Where relative `#mlc.file` paths of parameters are resolved.
  std::string parameterDir = ".";
  /// If set, receives one line per finished step (progress output).
  std::function<void(llvm::StringRef)> progress;
  /// Options of mlc-cpu-pipeline, as on mlc-opt's command line
  /// ("register-n=64 cache-k=512").
  std::string pipelineOptions;
  /// If set, the LLVM-dialect module is written here before translation.
  std::string dumpLLVMDialectTo;
};

/// A tensor name as mlc-c/Module.h writes it in metadata and parameter
/// files: bytes outside [A-Za-z0-9._:/-] become %XX.
std::string encodeModuleName(llvm::StringRef name);

/// Compiles `module` (mlc dialect, entry function `main` or the only public
/// function) into a shared library at `outputPath`. The module is lowered in
/// place. Errors name the parameter or file that caused them.
llvm::Error compileToSharedLibrary(mlir::ModuleOp module,
                                   llvm::StringRef outputPath,
                                   const CpuTargetOptions &options);

} // namespace mlc

#endif // MLC_TARGET_CPU_CPUTARGET_H
