//===- mlc-import.cpp - ONNX models to mlc IR -----------------------------===//
//
// Imports an ONNX model and prints it in the mlc dialect:
//
//   mlc-import model.onnx [-o model.mlir]
//
// Exit codes: 0 success, 1 error (bad or unreadable model), 2 usage error,
// 3 the model uses ops mlc cannot convert (all of them are listed).
//
//===----------------------------------------------------------------------===//

#include "mlc/Import/Onnx/OnnxImporter.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
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
      llvm::cl::Positional, llvm::cl::desc("<model.onnx>"), llvm::cl::Required,
      llvm::cl::cat(category));
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
  mlc::OnnxImportOptions options;
  options.maxConstantElements = maxConstantElements;
  llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>> module =
      mlc::importOnnxFile(&context, inputPath, options);
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
