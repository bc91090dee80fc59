//===- OnnxTensor.cpp - ONNX TensorProto files (.pb) ----------------------===//
//
// A hand-written decoder of a serialized onnx.TensorProto (the .pb files of
// ONNX's test data), reading the protobuf wire format directly so that the
// runtime needs no protobuf library. Fields read:
//
//   1 dims (int64, packed or not)   2 data_type     4 float_data
//   5 int32_data                    7 int64_data    8 name
//   9 raw_data                      10 double_data  11 uint64_data
//   13 external_data, 14 data_location (external data is rejected)
//
// Every length is checked against the end of the input, so a truncated or
// corrupted file gives an error, never an out-of-bounds read.
//
//===----------------------------------------------------------------------===//

#include "TensorIOInternal.h"
#include "TensorUtils.h"

#include <cstring>

using namespace mlc::rt;
using namespace mlc::rt::io;

namespace {

/// ONNX TensorProto.DataType numbers.
enum OnnxType : int64_t {
  kFloat = 1,
  kUint8 = 2,
  kInt8 = 3,
  kUint16 = 4,
  kInt16 = 5,
  kInt32 = 6,
  kInt64 = 7,
  kString = 8,
  kBool = 9,
  kFloat16 = 10,
  kDouble = 11,
  kUint32 = 12,
  kUint64 = 13,
  kComplex64 = 14,
  kComplex128 = 15,
  kBfloat16 = 16,
};

mlc_dtype dtypeOfOnnx(int64_t type) {
  switch (type) {
  case kFloat:
    return MLC_DTYPE_F32;
  case kUint8:
    return MLC_DTYPE_U8;
  case kInt8:
    return MLC_DTYPE_I8;
  case kUint16:
    return MLC_DTYPE_U16;
  case kInt16:
    return MLC_DTYPE_I16;
  case kInt32:
    return MLC_DTYPE_I32;
  case kInt64:
    return MLC_DTYPE_I64;
  case kBool:
    return MLC_DTYPE_BOOL;
  case kFloat16:
    return MLC_DTYPE_F16;
  case kDouble:
    return MLC_DTYPE_F64;
  case kUint32:
    return MLC_DTYPE_U32;
  case kUint64:
    return MLC_DTYPE_U64;
  case kBfloat16:
    return MLC_DTYPE_BF16;
  default:
    return MLC_DTYPE_INVALID;
  }
}

const char *onnxTypeName(int64_t type) {
  switch (type) {
  case kString:
    return "STRING";
  case kComplex64:
    return "COMPLEX64";
  case kComplex128:
    return "COMPLEX128";
  case 17:
    return "FLOAT8E4M3FN";
  case 18:
    return "FLOAT8E4M3FNUZ";
  case 19:
    return "FLOAT8E5M2";
  case 20:
    return "FLOAT8E5M2FNUZ";
  case 21:
    return "UINT4";
  case 22:
    return "INT4";
  default:
    return nullptr;
  }
}

enum WireType { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

/// The fields of a TensorProto that we keep.
struct TensorFields {
  std::vector<int64_t> dims;
  int64_t dataType = 0;
  std::vector<float> floatData;
  std::vector<int64_t> int32Data; // int64, so that bad values can be reported
  std::vector<int64_t> int64Data;
  std::vector<double> doubleData;
  std::vector<uint64_t> uint64Data;
  std::string name;
  const unsigned char *rawData = nullptr;
  size_t rawSize = 0;
  bool hasRawData = false, hasStrings = false, hasExternalData = false;
  int64_t dataLocation = 0;
};

class Decoder {
public:
  Decoder(const unsigned char *begin, const unsigned char *end)
      : begin(begin), p(begin), end(end) {}

  /// Decodes the whole message into `fields`; false with `error` set on
  /// malformed input.
  bool decode(TensorFields &fields);

  std::string error;

private:
  bool setError(const std::string &message) {
    error = message + " at byte " + std::to_string(p - begin);
    return false;
  }

  bool readVarint(const unsigned char *&q, const unsigned char *limit,
                  uint64_t &value) {
    value = 0;
    for (int shift = 0; shift < 70; shift += 7) {
      if (q >= limit)
        return setError("truncated varint");
      unsigned char byte = *q++;
      if (shift == 63 && byte > 1)
        return setError("varint overflows 64 bits");
      value |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if (!(byte & 0x80))
        return true;
    }
    return setError("varint longer than 10 bytes");
  }

  template <typename T, typename Convert>
  bool readPackedVarints(const unsigned char *q, const unsigned char *limit,
                         std::vector<T> &out, Convert convert) {
    while (q < limit) {
      uint64_t v;
      if (!readVarint(q, limit, v))
        return false;
      out.push_back(convert(v));
    }
    return true;
  }

  template <typename T>
  bool readPackedFixed(const unsigned char *q, size_t size, std::vector<T> &out,
                       const char *field) {
    if (size % sizeof(T))
      return setError(std::string("packed ") + field + " of " +
                      std::to_string(size) + " bytes is not a multiple of " +
                      std::to_string(sizeof(T)));
    size_t n = size / sizeof(T);
    size_t old = out.size();
    out.resize(old + n);
    if (n)
      std::memcpy(out.data() + old, q, size);
    return true;
  }

  const unsigned char *begin, *p, *end;
};

bool Decoder::decode(TensorFields &f) {
  auto asInt64 = [](uint64_t v) { return static_cast<int64_t>(v); };
  while (p < end) {
    uint64_t key;
    if (!readVarint(p, end, key))
      return false;
    uint64_t field = key >> 3;
    unsigned wire = key & 7;
    if (field == 0 || field > 0x1fffffff)
      return setError("invalid field number " + std::to_string(field));

    // Read the value of whatever wire type.
    uint64_t scalar = 0;
    const unsigned char *bytes = nullptr;
    size_t size = 0;
    switch (wire) {
    case kVarint:
      if (!readVarint(p, end, scalar))
        return false;
      break;
    case kFixed64:
      if (end - p < 8)
        return setError("truncated 64-bit field " + std::to_string(field));
      std::memcpy(&scalar, p, 8);
      bytes = p;
      p += 8;
      break;
    case kFixed32: {
      if (end - p < 4)
        return setError("truncated 32-bit field " + std::to_string(field));
      uint32_t word;
      std::memcpy(&word, p, 4);
      scalar = word;
      bytes = p;
      p += 4;
      break;
    }
    case kLengthDelimited: {
      uint64_t length;
      if (!readVarint(p, end, length))
        return false;
      if (length > static_cast<uint64_t>(end - p))
        return setError("field " + std::to_string(field) + " of " +
                        std::to_string(length) +
                        " bytes runs past the end (truncated file?)");
      bytes = p;
      size = static_cast<size_t>(length);
      p += size;
      break;
    }
    default:
      return setError("unsupported wire type " + std::to_string(wire) +
                      " of field " + std::to_string(field));
    }

    auto wrongWire = [&](const char *name) {
      return setError(std::string("field ") + name + " (" +
                      std::to_string(field) + ") has wire type " +
                      std::to_string(wire));
    };
    bool packed = wire == kLengthDelimited;
    switch (field) {
    case 1: // dims
      if (wire == kVarint)
        f.dims.push_back(asInt64(scalar));
      else if (!packed)
        return wrongWire("dims");
      else if (!readPackedVarints(bytes, bytes + size, f.dims, asInt64))
        return false;
      break;
    case 2: // data_type
      if (wire != kVarint)
        return wrongWire("data_type");
      f.dataType = asInt64(scalar);
      break;
    case 4: // float_data
      if (wire == kFixed32) {
        float value;
        std::memcpy(&value, bytes, 4);
        f.floatData.push_back(value);
      } else if (!packed) {
        return wrongWire("float_data");
      } else if (!readPackedFixed(bytes, size, f.floatData, "float_data")) {
        return false;
      }
      break;
    case 5: // int32_data: int32 varints (negative ones sign-extended to 64
            // bits); values are range-checked against the dtype later.
      if (wire == kVarint)
        f.int32Data.push_back(asInt64(scalar));
      else if (!packed)
        return wrongWire("int32_data");
      else if (!readPackedVarints(bytes, bytes + size, f.int32Data, asInt64))
        return false;
      break;
    case 6: // string_data
      f.hasStrings = true;
      break;
    case 7: // int64_data
      if (wire == kVarint)
        f.int64Data.push_back(asInt64(scalar));
      else if (!packed)
        return wrongWire("int64_data");
      else if (!readPackedVarints(bytes, bytes + size, f.int64Data, asInt64))
        return false;
      break;
    case 8: // name
      if (!packed)
        return wrongWire("name");
      f.name.assign(reinterpret_cast<const char *>(bytes), size);
      break;
    case 9: // raw_data
      if (!packed)
        return wrongWire("raw_data");
      f.hasRawData = true;
      f.rawData = bytes;
      f.rawSize = size;
      break;
    case 10: // double_data
      if (wire == kFixed64) {
        double value;
        std::memcpy(&value, bytes, 8);
        f.doubleData.push_back(value);
      } else if (!packed) {
        return wrongWire("double_data");
      } else if (!readPackedFixed(bytes, size, f.doubleData, "double_data")) {
        return false;
      }
      break;
    case 11: // uint64_data
      if (wire == kVarint)
        f.uint64Data.push_back(scalar);
      else if (!packed)
        return wrongWire("uint64_data");
      else if (!readPackedVarints(bytes, bytes + size, f.uint64Data,
                                  [](uint64_t v) { return v; }))
        return false;
      break;
    case 13: // external_data
      f.hasExternalData = true;
      break;
    case 14: // data_location
      if (wire != kVarint)
        return wrongWire("data_location");
      f.dataLocation = asInt64(scalar);
      break;
    default: // segment, doc_string, metadata_props, later fields
      break;
    }
  }
  return true;
}

/// Stores `values` (from int32_data) as `dtype` elements, checking that each
/// fits; false with `error` set otherwise.
bool storeInts(const std::vector<int64_t> &values, mlc_dtype dtype, void *data,
               std::string &error) {
  int64_t lo, hi;
  switch (dtype) {
  case MLC_DTYPE_BOOL:
    lo = 0, hi = 1;
    break;
  case MLC_DTYPE_I8:
    lo = INT8_MIN, hi = INT8_MAX;
    break;
  case MLC_DTYPE_U8:
    lo = 0, hi = UINT8_MAX;
    break;
  case MLC_DTYPE_I16:
    lo = INT16_MIN, hi = INT16_MAX;
    break;
  case MLC_DTYPE_U16:
    lo = 0, hi = UINT16_MAX;
    break;
  case MLC_DTYPE_F16:
  case MLC_DTYPE_BF16: // bit patterns, as unsigned or signed 16-bit values
    lo = INT16_MIN, hi = UINT16_MAX;
    break;
  case MLC_DTYPE_I32:
    lo = INT32_MIN, hi = INT32_MAX;
    break;
  default:
    lo = INT64_MIN, hi = INT64_MAX;
    break;
  }
  size_t elemSize = dtypeSize(dtype);
  auto *out = static_cast<unsigned char *>(data);
  for (size_t i = 0; i < values.size(); ++i) {
    int64_t v = values[i];
    if (v < lo || v > hi) {
      error = "value " + std::to_string(v) + " at index " + std::to_string(i) +
              " does not fit " + dtypeName(dtype);
      return false;
    }
    // Little-endian host: the low bytes of v are the element.
    std::memcpy(out + i * elemSize, &v, elemSize);
  }
  return true;
}

} // namespace

mlc_status mlc_tensor_parse_onnx_pb(const void *bytesIn, size_t size,
                                    const char *whatIn,
                                    mlc_tensor_buffer **out) {
  if (!out)
    return fail(MLC_ERROR_INVALID_ARGUMENT,
                "mlc_tensor_parse_onnx_pb: out is NULL");
  *out = nullptr;
  std::string file = std::string("'") + (whatIn ? whatIn : "<memory>") + "'";
  if (!bytesIn && size)
    return fail(MLC_ERROR_INVALID_ARGUMENT, file + ": bytes are NULL");
  const auto *bytes = static_cast<const unsigned char *>(bytesIn);

  TensorFields f;
  Decoder decoder(bytes, bytes + size);
  if (!decoder.decode(f))
    return fail(MLC_ERROR_INVALID_FILE,
                file + ": malformed ONNX TensorProto: " + decoder.error);

  std::string what = file + (f.name.empty() ? "" : " tensor '" + f.name + "'");
  auto malformed = [&](const std::string &message) {
    return fail(MLC_ERROR_INVALID_FILE,
                what + ": malformed ONNX TensorProto: " + message);
  };
  if (f.hasExternalData || f.dataLocation == 1)
    return fail(MLC_ERROR_UNSUPPORTED, what + ": external data not supported");
  if (f.dataLocation != 0)
    return malformed("unknown data_location " + std::to_string(f.dataLocation));
  if (f.dataType == 0)
    return malformed(size == 0 ? "the file is empty"
                               : "data_type is missing (not a TensorProto?)");
  mlc_dtype dtype = dtypeOfOnnx(f.dataType);
  if (dtype == MLC_DTYPE_INVALID) {
    const char *name = onnxTypeName(f.dataType);
    if (name)
      return fail(MLC_ERROR_UNSUPPORTED, what + ": data_type " +
                                             std::to_string(f.dataType) + " (" +
                                             name + ") is not supported");
    return malformed("unknown data_type " + std::to_string(f.dataType));
  }
  if (f.hasStrings)
    return malformed("string_data in a tensor of " +
                     std::string(dtypeName(dtype)));
  for (int64_t dim : f.dims)
    if (dim < 0)
      return malformed("negative dimension " + std::to_string(dim));

  std::vector<int64_t> dims = f.dims;
  BufferPtr buffer;
  if (mlc_status status = makeBuffer(dtype, std::move(dims), what, buffer))
    return status;
  int32_t rank = buffer->view.rank;
  int64_t count = 1;
  checkedNumElements(rank, buffer->shape.data(), count);
  size_t elemSize = dtypeSize(dtype);
  std::string shape = formatShape(rank, buffer->shape.data());

  // Which typed field the data type stores its values in.
  const char *expectedField;
  size_t typedCount;
  switch (dtype) {
  case MLC_DTYPE_F32:
    expectedField = "float_data";
    typedCount = f.floatData.size();
    break;
  case MLC_DTYPE_I64:
    expectedField = "int64_data";
    typedCount = f.int64Data.size();
    break;
  case MLC_DTYPE_F64:
    expectedField = "double_data";
    typedCount = f.doubleData.size();
    break;
  case MLC_DTYPE_U32:
  case MLC_DTYPE_U64:
    expectedField = "uint64_data";
    typedCount = f.uint64Data.size();
    break;
  default:
    expectedField = "int32_data";
    typedCount = f.int32Data.size();
    break;
  }
  struct {
    const char *name;
    size_t size;
  } typedFields[] = {{"float_data", f.floatData.size()},
                     {"int32_data", f.int32Data.size()},
                     {"int64_data", f.int64Data.size()},
                     {"double_data", f.doubleData.size()},
                     {"uint64_data", f.uint64Data.size()}};
  for (const auto &field : typedFields) {
    if (!field.size)
      continue;
    if (f.hasRawData)
      return malformed(std::string("both raw_data and ") + field.name);
    if (std::strcmp(field.name, expectedField))
      return malformed(std::string("a tensor of ") + dtypeName(dtype) +
                       " keeps its values in " + expectedField + ", not " +
                       field.name);
  }

  if (f.hasRawData) {
    if (f.rawSize != static_cast<size_t>(count) * elemSize)
      return malformed("raw_data has " + std::to_string(f.rawSize) +
                       " bytes, shape " + shape + " of " + dtypeName(dtype) +
                       " needs " +
                       std::to_string(static_cast<size_t>(count) * elemSize));
    if (f.rawSize)
      std::memcpy(buffer->data, f.rawData, f.rawSize);
  } else {
    if (typedCount != static_cast<size_t>(count))
      return malformed(std::string(expectedField) + " has " +
                       std::to_string(typedCount) + " values, shape " + shape +
                       " needs " + std::to_string(count));
    std::string error;
    bool ok = true;
    switch (dtype) {
    case MLC_DTYPE_F32:
      if (count)
        std::memcpy(buffer->data, f.floatData.data(), count * elemSize);
      break;
    case MLC_DTYPE_F64:
      if (count)
        std::memcpy(buffer->data, f.doubleData.data(), count * elemSize);
      break;
    case MLC_DTYPE_I64:
      if (count)
        std::memcpy(buffer->data, f.int64Data.data(), count * elemSize);
      break;
    case MLC_DTYPE_U64:
      if (count)
        std::memcpy(buffer->data, f.uint64Data.data(), count * elemSize);
      break;
    case MLC_DTYPE_U32:
      for (size_t i = 0; ok && i < f.uint64Data.size(); ++i) {
        if (f.uint64Data[i] > UINT32_MAX) {
          error = "value " + std::to_string(f.uint64Data[i]) + " at index " +
                  std::to_string(i) + " does not fit u32";
          ok = false;
        } else {
          uint32_t v = static_cast<uint32_t>(f.uint64Data[i]);
          std::memcpy(static_cast<char *>(buffer->data) + 4 * i, &v, 4);
        }
      }
      break;
    default:
      ok = storeInts(f.int32Data, dtype, buffer->data, error);
      break;
    }
    if (!ok)
      return malformed(std::string(expectedField) + ": " + error);
  }
  buffer->name = std::move(f.name);
  *out = buffer.release();
  return MLC_OK;
}
