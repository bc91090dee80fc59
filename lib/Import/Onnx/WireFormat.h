//===- WireFormat.h - byte offsets of tensors in an ONNX file ---*- C++ -*-===//
//
// Private to the ONNX importer. Protobuf's C++ API copies `raw_data` out of
// the file and forgets where it was; parameters must point into the file
// instead (`#mlc.file<"model.onnx", offset, size>`). This scanner walks the
// protobuf wire format of a serialized ModelProto by hand and records the
// byte range of every TensorProto.raw_data payload that an importer needs:
//
//   ModelProto.graph (7) . initializer (5)                . raw_data (9)
//   ModelProto.graph (7) . node (1) . attribute (5) . t (5) . raw_data (9)
//
// It mirrors the parser's merge rules (a repeated `graph` field is merged,
// the last `raw_data` of a tensor wins), and it checks the framing of the
// fields it walks, so a truncated file is reported as truncated rather than
// as "not protobuf".
//
//===----------------------------------------------------------------------===//

#ifndef MLC_LIB_IMPORT_ONNX_WIREFORMAT_H
#define MLC_LIB_IMPORT_ONNX_WIREFORMAT_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include <cstdint>
#include <optional>
#include <vector>

namespace mlc::onnx_import {

/// A byte range of the model file.
struct ByteRange {
  uint64_t offset = 0, size = 0;
};

/// Where the raw_data payloads of a model's tensors lie in its file.
struct RawDataLocations {
  /// One entry per graph initializer, in order.
  std::vector<std::optional<ByteRange>> initializers;
  /// Per graph node, per attribute: the raw_data of the attribute's tensor.
  std::vector<std::vector<std::optional<ByteRange>>> nodeAttributes;
};

/// Scans the serialized ModelProto `bytes`. Fails with a message (without
/// the file name) when the framing is broken: a truncated file or bytes that
/// are not protobuf.
llvm::Expected<RawDataLocations> scanModelWireFormat(llvm::StringRef bytes);

} // namespace mlc::onnx_import

#endif // MLC_LIB_IMPORT_ONNX_WIREFORMAT_H
