//===- Compile.h - compile mlc modules to shared libraries ------*- C++ -*-===//
//
// The driver behind `mlc-compile`: runs the target's pipeline on an mlc
// module (mlc-cpu-pipeline, or mlc-cuda-pipeline and
// mlc-cuda-host-to-llvm-pipeline), gathers the parameters it reads into one
// blob, and writes a shared library with the ABI of include/mlc-c/Module.h
// (a CUDA module also embeds its kernel images).
//
//===----------------------------------------------------------------------===//

#ifndef MLC_TARGET_COMPILE_H
#define MLC_TARGET_COMPILE_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Error.h"
#include <functional>
#include <string>
#include <vector>

namespace mlc {

struct CompileOptions {
  /// "cpu", or "cuda" for NVIDIA GPUs (host code for this machine's CPU).
  std::string target = "cpu";
  /// LLVM CPU name of the (host) code, or "native" for the host's CPU.
  std::string cpu = "native";
  /// LLVM optimization level for the generated host code (0-3).
  unsigned optLevel = 3;
  /// Where relative `#mlc.file` paths of parameters are resolved.
  std::string parameterDir = ".";
  /// If set, receives one line per finished step (progress output).
  std::function<void(llvm::StringRef)> progress;
  /// Options of the target's pipeline, as on mlc-opt's command line:
  /// mlc-cpu-pipeline's ("register-n=64 cache-k=512") or
  /// mlc-cuda-pipeline's ("gpu-arch=sm_80,sm_90").
  std::string pipelineOptions;
  /// If set, the LLVM-dialect module is written here before translation.
  std::string dumpLLVMDialectTo;
  /// Static shapes for the entry point's inputs, in order ("2x16x256";
  /// mlc-specialize-shapes), fixing dimensions the model leaves dynamic.
  std::vector<std::string> inputShapes;
};

/// A tensor name as mlc-c/Module.h writes it in metadata and parameter
/// files: bytes outside [A-Za-z0-9._:/-] become %XX.
std::string encodeModuleName(llvm::StringRef name);

/// Compiles `module` (mlc dialect, entry function `main` or the only public
/// function) into a shared library at `outputPath`. The module is lowered in
/// place. Errors name the parameter or file that caused them.
llvm::Error compileToSharedLibrary(mlir::ModuleOp module,
                                   llvm::StringRef outputPath,
                                   const CompileOptions &options);

} // namespace mlc

#endif // MLC_TARGET_COMPILE_H
