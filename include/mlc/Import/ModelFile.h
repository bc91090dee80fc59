//===- ModelFile.h - read a model file into the mlc dialect -----*- C++ -*-===//
//
// The one entry point the tools and the Python package use to read a model
// file: ONNX (.onnx) through the ONNX importer, mlc IR (.mlir) through the
// parser. Parse diagnostics are returned in the error, not printed.
//
//===----------------------------------------------------------------------===//

#ifndef MLC_IMPORT_MODELFILE_H
#define MLC_IMPORT_MODELFILE_H

#include "mlc/Import/Onnx/OnnxImporter.h"

namespace mlc {

/// Imports `path` by its extension. Errors are those of importOnnxFile (an
/// UnsupportedOnnxOpsError or UnsupportedOnnxFeatureError for what mlc does
/// not support), or an llvm::StringError naming the file.
llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>>
importModelFile(mlir::MLIRContext *context, llvm::StringRef path,
                const OnnxImportOptions &options = {});

/// True for the errors that mean "valid model, unsupported by mlc".
bool isUnsupportedModelError(const llvm::ErrorInfoBase &error);

} // namespace mlc

#endif // MLC_IMPORT_MODELFILE_H
