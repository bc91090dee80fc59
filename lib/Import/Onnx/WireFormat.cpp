//===- WireFormat.cpp - byte offsets of tensors in an ONNX file -----------===//
//
// A minimal protobuf wire-format walker (see WireFormat.h). Field numbers
// come from onnx.proto: ModelProto.graph = 7, GraphProto.node = 1,
// GraphProto.initializer = 5, NodeProto.attribute = 5, AttributeProto.t = 5,
// TensorProto.raw_data = 9.
//
//===----------------------------------------------------------------------===//

#include "WireFormat.h"
#include "llvm/Support/FormatVariadic.h"

using namespace llvm;
using namespace mlc::onnx_import;

namespace {

enum WireType : unsigned {
  kVarint = 0,
  kFixed64 = 1,
  kLengthDelimited = 2,
  kStartGroup = 3,
  kEndGroup = 4,
  kFixed32 = 5,
};

// Field numbers of onnx.proto.
constexpr uint32_t kModelGraph = 7;
constexpr uint32_t kGraphNode = 1;
constexpr uint32_t kGraphInitializer = 5;
constexpr uint32_t kNodeAttribute = 5;
constexpr uint32_t kAttributeTensor = 5;
constexpr uint32_t kTensorRawData = 9;

/// Groups (a deprecated encoding) may nest; protobuf stops at 100 levels.
constexpr int kMaxGroupDepth = 100;

/// Reads the fields of one message, [begin, end) of the file.
class Reader {
public:
  Reader(StringRef bytes, uint64_t begin, uint64_t end)
      : bytes(bytes), pos(begin), end(end) {}

  bool atEnd() const { return pos >= end; }

  Error readTag(uint32_t &field, unsigned &wireType) {
    uint64_t start = pos, tag;
    if (Error e = readVarint(tag))
      return e;
    field = static_cast<uint32_t>(tag >> 3);
    wireType = static_cast<unsigned>(tag & 7);
    if (tag >> 32 || field == 0 || wireType > kFixed32)
      return notProtobuf(start, "invalid field tag");
    return Error::success();
  }

  /// Reads the length of a length-delimited field and returns its payload.
  Error readPayload(uint32_t field, ByteRange &payload) {
    uint64_t length;
    if (Error e = readVarint(length))
      return e;
    if (length > end - pos)
      return createStringError(
          formatv("file is truncated: field {0} at byte {1} needs {2} bytes, "
                  "{3} remain",
                  field, pos, length, end - pos)
              .str());
    payload = {pos, length};
    pos += length;
    return Error::success();
  }

  /// Skips the value of a field of the given wire type.
  Error skip(uint32_t field, unsigned wireType, int depth = 0) {
    switch (wireType) {
    case kVarint: {
      uint64_t unused;
      return readVarint(unused);
    }
    case kFixed64:
      return advance(8);
    case kFixed32:
      return advance(4);
    case kLengthDelimited: {
      ByteRange unused;
      return readPayload(field, unused);
    }
    case kStartGroup: {
      if (depth >= kMaxGroupDepth)
        return notProtobuf(pos, "groups nested too deeply");
      while (true) {
        if (atEnd())
          return truncated();
        uint32_t innerField;
        unsigned innerType;
        if (Error e = readTag(innerField, innerType))
          return e;
        if (innerType == kEndGroup) {
          if (innerField != field)
            return notProtobuf(pos, "mismatched end of group");
          return Error::success();
        }
        if (Error e = skip(innerField, innerType, depth + 1))
          return e;
      }
    }
    default:
      return notProtobuf(pos, "unexpected end of group");
    }
  }

private:
  Error readVarint(uint64_t &value) {
    value = 0;
    for (unsigned shift = 0; shift < 70; shift += 7) {
      if (pos >= end)
        return truncated();
      uint8_t byte = static_cast<uint8_t>(bytes[pos++]);
      value |= static_cast<uint64_t>(byte & 0x7f) << (shift < 64 ? shift : 0);
      if (!(byte & 0x80))
        return Error::success();
    }
    return notProtobuf(pos, "malformed varint");
  }

  Error advance(uint64_t n) {
    if (n > end - pos)
      return truncated();
    pos += n;
    return Error::success();
  }

  Error truncated() const {
    return createStringError(
        formatv("file is truncated: a field ends past byte {0}", end).str());
  }

  static Error notProtobuf(uint64_t at, StringRef what) {
    return createStringError(
        formatv("not a protobuf file ({0} at byte {1})", what, at).str());
  }

  StringRef bytes;
  uint64_t pos, end;
};

/// The raw_data of the TensorProto in `range`, if it has one.
Expected<std::optional<ByteRange>> scanTensor(StringRef bytes,
                                              ByteRange range) {
  Reader r(bytes, range.offset, range.offset + range.size);
  std::optional<ByteRange> raw;
  while (!r.atEnd()) {
    uint32_t field;
    unsigned wireType;
    if (Error e = r.readTag(field, wireType))
      return std::move(e);
    if (field == kTensorRawData && wireType == kLengthDelimited) {
      ByteRange payload;
      if (Error e = r.readPayload(field, payload))
        return std::move(e);
      raw = payload; // The last occurrence wins, as in the parser.
      continue;
    }
    if (Error e = r.skip(field, wireType))
      return std::move(e);
  }
  return raw;
}

/// The raw_data of the tensor of the AttributeProto in `range`.
Expected<std::optional<ByteRange>> scanAttribute(StringRef bytes,
                                                 ByteRange range) {
  Reader r(bytes, range.offset, range.offset + range.size);
  std::optional<ByteRange> raw;
  while (!r.atEnd()) {
    uint32_t field;
    unsigned wireType;
    if (Error e = r.readTag(field, wireType))
      return std::move(e);
    if (field == kAttributeTensor && wireType == kLengthDelimited) {
      ByteRange payload;
      if (Error e = r.readPayload(field, payload))
        return std::move(e);
      // Repeated occurrences of a message field are merged.
      Expected<std::optional<ByteRange>> tensorRaw = scanTensor(bytes, payload);
      if (!tensorRaw)
        return tensorRaw.takeError();
      if (*tensorRaw)
        raw = *tensorRaw;
      continue;
    }
    if (Error e = r.skip(field, wireType))
      return std::move(e);
  }
  return raw;
}

Error scanNode(StringRef bytes, ByteRange range,
               std::vector<std::optional<ByteRange>> &attributes) {
  Reader r(bytes, range.offset, range.offset + range.size);
  while (!r.atEnd()) {
    uint32_t field;
    unsigned wireType;
    if (Error e = r.readTag(field, wireType))
      return e;
    if (field == kNodeAttribute && wireType == kLengthDelimited) {
      ByteRange payload;
      if (Error e = r.readPayload(field, payload))
        return e;
      Expected<std::optional<ByteRange>> raw = scanAttribute(bytes, payload);
      if (!raw)
        return raw.takeError();
      attributes.push_back(*raw);
      continue;
    }
    if (Error e = r.skip(field, wireType))
      return e;
  }
  return Error::success();
}

Error scanGraph(StringRef bytes, ByteRange range, RawDataLocations &out) {
  Reader r(bytes, range.offset, range.offset + range.size);
  while (!r.atEnd()) {
    uint32_t field;
    unsigned wireType;
    if (Error e = r.readTag(field, wireType))
      return e;
    if (wireType == kLengthDelimited &&
        (field == kGraphInitializer || field == kGraphNode)) {
      ByteRange payload;
      if (Error e = r.readPayload(field, payload))
        return e;
      if (field == kGraphInitializer) {
        Expected<std::optional<ByteRange>> raw = scanTensor(bytes, payload);
        if (!raw)
          return raw.takeError();
        out.initializers.push_back(*raw);
      } else {
        out.nodeAttributes.emplace_back();
        if (Error e = scanNode(bytes, payload, out.nodeAttributes.back()))
          return e;
      }
      continue;
    }
    if (Error e = r.skip(field, wireType))
      return e;
  }
  return Error::success();
}

} // namespace

Expected<RawDataLocations>
mlc::onnx_import::scanModelWireFormat(StringRef bytes) {
  RawDataLocations out;
  Reader r(bytes, 0, bytes.size());
  while (!r.atEnd()) {
    uint32_t field;
    unsigned wireType;
    if (Error e = r.readTag(field, wireType))
      return std::move(e);
    if (field == kModelGraph && wireType == kLengthDelimited) {
      // Several `graph` fields merge into one graph: their repeated fields
      // concatenate, which is what appending here does.
      ByteRange payload;
      if (Error e = r.readPayload(field, payload))
        return std::move(e);
      if (Error e = scanGraph(bytes, payload, out))
        return std::move(e);
      continue;
    }
    if (Error e = r.skip(field, wireType))
      return std::move(e);
  }
  return out;
}
