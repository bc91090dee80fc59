//===- OnnxImporter.h - ONNX models into the mlc dialect --------*- C++ -*-===//
//
// Reads an ONNX model (protobuf) and builds an mlc module:
//
//   mlc.parameter ...                      one per large initializer
//   func.func @main(%in...) -> (out...)    graph inputs/outputs in order
//
// Input and output names are kept in `mlc.name` argument/result attributes.
// Initializers with more than `maxConstantElements` elements are parameters
// whose value is a byte range of the model file (raw_data) or of an external
// data file; smaller ones are `mlc.constant`s. Models of IR versions 3 to 10
// and opsets 1 to 18 of the default domain are read; unknown dims become
// dynamic dims.
//
//===----------------------------------------------------------------------===//

#ifndef MLC_IMPORT_ONNX_ONNXIMPORTER_H
#define MLC_IMPORT_ONNX_ONNXIMPORTER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/Support/Error.h"
#include <string>
#include <vector>

namespace mlc {

struct OnnxImportOptions {
  /// Initializers with at most this many elements become `mlc.constant`s
  /// (so folding sees them); larger ones become `mlc.parameter`s.
  int64_t maxConstantElements = 64;
};

/// One node the importer cannot convert.
struct UnsupportedOnnxNode {
  std::string opType, domain, nodeName;
  int64_t opsetVersion;
  std::string reason;
  /// Position of the node in the graph's node list (names may be empty).
  int64_t nodeIndex = -1;
};

/// The error returned when a model uses ops (or op variants) mlc does not
/// support; lists every such node, not just the first.
class UnsupportedOnnxOpsError
    : public llvm::ErrorInfo<UnsupportedOnnxOpsError> {
public:
  static char ID;
  explicit UnsupportedOnnxOpsError(std::string path,
                                   std::vector<UnsupportedOnnxNode> nodes)
      : path(std::move(path)), nodes(std::move(nodes)) {}
  void log(llvm::raw_ostream &os) const override;
  std::error_code convertToErrorCode() const override;
  const std::vector<UnsupportedOnnxNode> &getNodes() const { return nodes; }

private:
  std::string path;
  std::vector<UnsupportedOnnxNode> nodes;
};

/// The error returned for a valid model that uses something mlc does not
/// support outside of nodes (string tensors, sequence inputs, only
/// non-default op domains).
class UnsupportedOnnxFeatureError
    : public llvm::ErrorInfo<UnsupportedOnnxFeatureError> {
public:
  static char ID;
  explicit UnsupportedOnnxFeatureError(std::string text)
      : text(std::move(text)) {}
  void log(llvm::raw_ostream &os) const override { os << text; }
  std::error_code convertToErrorCode() const override;
  const std::string &getText() const { return text; }

private:
  std::string text;
};

/// Imports the model at `path`. Malformed input gives an llvm::StringError
/// naming the file and the node or tensor; unsupported ops give an
/// UnsupportedOnnxOpsError, other unsupported features an
/// UnsupportedOnnxFeatureError.
llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>>
importOnnxFile(mlir::MLIRContext *context, llvm::StringRef path,
               const OnnxImportOptions &options = {});

} // namespace mlc

#endif // MLC_IMPORT_ONNX_ONNXIMPORTER_H
