//===- ModelFile.cpp - read a model file into the mlc dialect -------------===//

#include "mlc/Import/ModelFile.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"

using namespace mlir;

namespace mlc {

llvm::Expected<OwningOpRef<ModuleOp>>
importModelFile(MLIRContext *context, llvm::StringRef path,
                const OnnxImportOptions &options) {
  llvm::StringRef extension = llvm::sys::path::extension(path);
  if (extension == ".onnx")
    return importOnnxFile(context, path, options);
  if (extension != ".mlir")
    return llvm::createStringError("unsupported model file '" + path +
                                   "' (expected .onnx or .mlir)");
  std::string diagnostics;
  llvm::raw_string_ostream os(diagnostics);
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler handler(sourceMgr, context, os);
  OwningOpRef<ModuleOp> module =
      parseSourceFile<ModuleOp>(path, sourceMgr, context);
  if (!module)
    return llvm::createStringError("cannot parse " + path + "\n" +
                                   llvm::StringRef(diagnostics).rtrim());
  return module;
}

bool isUnsupportedModelError(const llvm::ErrorInfoBase &error) {
  return error.isA<UnsupportedOnnxOpsError>() ||
         error.isA<UnsupportedOnnxFeatureError>();
}

} // namespace mlc
