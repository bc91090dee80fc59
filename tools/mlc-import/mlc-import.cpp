//===- mlc-import.cpp - ONNX models to mlc IR -----------------------------===//
//
// Imports an ONNX model, or builds Qwen3 from a Hugging Face checkpoint
// folder (only its config.json is read), and prints it in the mlc dialect:
//
//   mlc-import model.onnx [-o model.mlir]
//   mlc-import CHECKPOINT_DIR [--max-context N] [--target cpu|cuda]
//       [-o qwen3.mlir]
//
// Exit codes: 0 success, 1 error (bad or unreadable model), 2 usage error,
// 3 the model uses ops mlc cannot convert (all of them are listed).
//
//===----------------------------------------------------------------------===//

#include "mlc/Import/Onnx/OnnxImporter.h"
#include "mlc/Models/Qwen3/Builder.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/ToolOutputFile.h"

namespace {
enum ExitCode { kSuccess = 0, kError = 1, kUsage = 2, kUnsupported = 3 };

int reportError(const llvm::Twine &message) {
  llvm::errs() << "mlc-import: error: " << message << "\n";
  return kError;
}
} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);

  llvm::cl::OptionCategory category("mlc-import options");
  llvm::cl::opt<std::string> inputPath(
      llvm::cl::Positional, llvm::cl::desc("<model.onnx|checkpoint dir>"),
      llvm::cl::Required, llvm::cl::cat(category));
  llvm::cl::opt<std::string> outputPath(
      "o", llvm::cl::desc("Output file (default: stdout)"),
      llvm::cl::value_desc("filename"), llvm::cl::init("-"),
      llvm::cl::cat(category));
  llvm::cl::opt<int64_t> maxConstantElements(
      "max-constant-elements",
      llvm::cl::desc("Initializers with more elements become mlc.parameter "
                     "(default 64)"),
      llvm::cl::init(mlc::OnnxImportOptions().maxConstantElements),
      llvm::cl::cat(category));
  llvm::cl::opt<int64_t> maxContext(
      "max-context",
      llvm::cl::desc("Qwen3: tokens the KV cache holds (default 4096)"),
      llvm::cl::init(mlc::qwen3::BuildOptions().maxContext),
      llvm::cl::cat(category));
  llvm::cl::opt<std::string> dtype(
      "dtype",
      llvm::cl::desc("Qwen3: matrices and KV cache in bf16 or f32 (default: "
                     "bf16 when the config's torch_dtype is bfloat16, as "
                     "mlc-compile does for such checkpoints)"),
      llvm::cl::init("auto"), llvm::cl::cat(category));
  llvm::cl::opt<std::string> target(
      "target",
      llvm::cl::desc("Qwen3: the module mlc-compile builds for cpu (default) "
                     "or cuda (projections [out, in])"),
      llvm::cl::init("cpu"), llvm::cl::cat(category));
  llvm::cl::HideUnrelatedOptions(category);
  if (!llvm::cl::ParseCommandLineOptions(
          argc, argv, "mlc ONNX importer: prints a model in the mlc dialect\n",
          &llvm::errs()))
    return kUsage;
  if (maxConstantElements < 0) {
    llvm::errs() << "mlc-import: error: --max-constant-elements must be >= 0\n";
    return kUsage;
  }

  mlir::MLIRContext context;
  llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>> module =
      mlir::OwningOpRef<mlir::ModuleOp>();
  if (llvm::sys::fs::is_directory(inputPath)) {
    if (maxContext < 1) {
      llvm::errs() << "mlc-import: error: --max-context must be >= 1\n";
      return kUsage;
    }
    llvm::SmallString<256> configPath(inputPath);
    llvm::sys::path::append(configPath, "config.json");
    llvm::Expected<mlc::qwen3::Config> config =
        mlc::qwen3::loadConfig(configPath);
    if (!config)
      return reportError(llvm::toString(config.takeError()));
    mlc::qwen3::BuildOptions build;
    build.maxContext = maxContext;
    if (dtype != "auto" && dtype != "bf16" && dtype != "f32") {
      llvm::errs() << "mlc-import: error: --dtype must be auto, bf16 or "
                      "f32\n";
      return kUsage;
    }
    build.bf16Weights = build.bf16Cache =
        dtype == "bf16" ||
        (dtype == "auto" && config->torchDtype == "bfloat16");
    if (target != "cpu" && target != "cuda") {
      llvm::errs() << "mlc-import: error: --target must be cpu or cuda\n";
      return kUsage;
    }
    build.projectionsOutIn = target == "cuda";
    module = mlc::qwen3::buildModule(&context, *config, build);
  } else {
    mlc::OnnxImportOptions options;
    options.maxConstantElements = maxConstantElements;
    module = mlc::importOnnxFile(&context, inputPath, options);
  }
  if (!module) {
    int code = kError;
    llvm::handleAllErrors(
        module.takeError(),
        [&](const mlc::UnsupportedOnnxOpsError &e) {
          reportError(e.message());
          code = kUnsupported;
        },
        [&](const mlc::UnsupportedOnnxFeatureError &e) {
          reportError(e.message());
          code = kUnsupported;
        },
        [&](const llvm::ErrorInfoBase &e) { reportError(e.message()); });
    return code;
  }

  std::string errorMessage;
  std::unique_ptr<llvm::ToolOutputFile> output =
      mlir::openOutputFile(outputPath, &errorMessage);
  if (!output)
    return reportError(errorMessage);
  (*module)->print(output->os());
  output->os() << "\n";
  if (output->os().has_error())
    return reportError("cannot write '" + outputPath + "'");
  output->keep();
  return kSuccess;
}
