//===- TensorImporter.h - ONNX tensors and types as mlc values --*- C++ -*-===//
//
// Private to the ONNX importer. Converts ONNX element types and value types
// to MLIR types, and ONNX tensors (initializers, Constant values) to values:
// a small tensor becomes an `mlc.constant`; a large one an `mlc.parameter`
// whose value is a byte range of the model file (raw_data), of an external
// data file, or (typed fields such as float_data) a dense attribute.
//
// Errors are returned without the model's path; the importer adds it.
//
//===----------------------------------------------------------------------===//

#ifndef MLC_LIB_IMPORT_ONNX_TENSORIMPORTER_H
#define MLC_LIB_IMPORT_ONNX_TENSORIMPORTER_H

#include "WireFormat.h"
#include "mlc/Import/Onnx/OnnxImporter.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/StringSet.h"

namespace onnx {
class TensorProto;
class ValueInfoProto;
} // namespace onnx

namespace mlc::onnx_import {

/// The most elements any tensor may have. Beyond this a shape is taken to be
/// corrupt (2^38 elements are a terabyte of f32), which also keeps every
/// size computation far from overflow.
constexpr int64_t kMaxTensorElements = int64_t(1) << 38;

/// The element type of ONNX data type `dataType`; null if mlc has none.
mlir::Type convertDataType(mlir::MLIRContext *context, int32_t dataType);

/// The ONNX name of a data type ("FLOAT16"), or "data type <n>".
std::string getDataTypeName(int32_t dataType);
/// The data type named `name` ("FLOAT16"); 0 (UNDEFINED) if none is.
int32_t parseDataTypeName(llvm::StringRef name);

/// Number of elements of `shape` (dynamic dims count as 1) if no dim is
/// negative and the count is at most kMaxTensorElements.
std::optional<int64_t> getCheckedElementCount(llvm::ArrayRef<int64_t> shape);

/// The ranked tensor type of a graph input or output; `what` names it.
llvm::Expected<mlir::RankedTensorType>
convertValueInfoType(mlir::MLIRContext *context,
                     const onnx::ValueInfoProto &info, const llvm::Twine &what);

class TensorImporter {
public:
  /// `modelBytes` is the content of the model file at `modelPath`.
  TensorImporter(mlir::ModuleOp module, llvm::StringRef modelPath,
                 llvm::StringRef modelBytes, const OnnxImportOptions &options);

  /// Reserves a symbol name that parameters must not take (the function's).
  void reserveSymbol(llvm::StringRef name) { usedSymbols.insert(name); }

  /// Builds `tensor` with `builder`: an `mlc.constant` if it has at most
  /// `maxConstantElements` elements, else an `mlc.get_parameter` of a new
  /// `mlc.parameter` named `symbolName`. `raw` is where the tensor's
  /// raw_data lies in the model file; `what` names the tensor in errors.
  llvm::Expected<mlir::Value>
  importTensor(mlir::OpBuilder &builder, mlir::Location loc,
               const onnx::TensorProto &tensor, llvm::StringRef symbolName,
               std::optional<ByteRange> raw, const llvm::Twine &what);

  /// The values of a tensor that must be small (at most
  /// kMaxFoldableElements elements), such as ConstantOfShape's `value`.
  llvm::Expected<mlir::DenseElementsAttr>
  readSmallTensor(const onnx::TensorProto &tensor, const llvm::Twine &what);

  /// Largest tensor readSmallTensor accepts.
  static constexpr int64_t kMaxFoldableElements = 4096;

private:
  llvm::Expected<mlir::RankedTensorType>
  getTensorType(const onnx::TensorProto &tensor, const llvm::Twine &what);
  /// Bytes of the tensor's data, read from wherever it is stored.
  llvm::Expected<std::vector<char>> readBytes(const onnx::TensorProto &tensor,
                                              mlir::RankedTensorType type,
                                              const llvm::Twine &what);
  mlir::Value declareParameter(mlir::OpBuilder &builder, mlir::Location loc,
                               llvm::StringRef symbolName,
                               mlir::RankedTensorType type,
                               mlir::Attribute value);

  mlir::ModuleOp module;
  std::string modelPath, modelDir, modelFileName;
  llvm::StringRef modelBytes;
  const OnnxImportOptions &options;
  llvm::StringSet<> usedSymbols;
};

} // namespace mlc::onnx_import

#endif // MLC_LIB_IMPORT_ONNX_TENSORIMPORTER_H
