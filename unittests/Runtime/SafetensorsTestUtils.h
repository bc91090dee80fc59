//===- SafetensorsTestUtils.h - safetensors files for tests -----*- C++ -*-===//
//
// Writes safetensors files byte by byte (the 8-byte header length, the JSON
// header, the data), well formed or not, for the tests of the runtime's
// safetensors reader and of binding a checkpoint's weights at load.
//
//===----------------------------------------------------------------------===//

#ifndef MLC_UNITTESTS_RUNTIME_SAFETENSORSTESTUTILS_H
#define MLC_UNITTESTS_RUNTIME_SAFETENSORSTESTUTILS_H

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace mlc::test {

/// A tensor to write: dtype spelled as safetensors does, raw little-endian
/// bytes.
struct RawTensor {
  std::string name, dtype;
  std::vector<int64_t> shape;
  std::string bytes;
};

inline std::string jsonList(const std::vector<int64_t> &values) {
  std::string text = "[";
  for (size_t i = 0; i < values.size(); ++i)
    text += (i ? "," : "") + std::to_string(values[i]);
  return text + "]";
}

/// 8-byte little-endian length, header, data.
inline std::string safetensorsFile(const std::string &header,
                                   const std::string &data) {
  std::string file;
  uint64_t size = header.size();
  for (int i = 0; i < 8; ++i)
    file.push_back(char((size >> (8 * i)) & 0xff));
  return file + header + data;
}

/// A well-formed safetensors file holding `tensors` back to back.
inline std::string safetensorsFile(const std::vector<RawTensor> &tensors) {
  std::string header = R"({"__metadata__":{"format":"pt"})", data;
  for (const RawTensor &tensor : tensors) {
    int64_t begin = data.size();
    data += tensor.bytes;
    header += ",\"" + tensor.name + "\":{\"dtype\":\"" + tensor.dtype +
              "\",\"shape\":" + jsonList(tensor.shape) +
              ",\"data_offsets\":" + jsonList({begin, int64_t(data.size())}) +
              "}";
  }
  return safetensorsFile(header + "}", data);
}

/// The little-endian bytes of `values` (floats, 16-bit patterns).
template <typename T> std::string rawBytes(const std::vector<T> &values) {
  std::string bytes(sizeof(T) * values.size(), '\0');
  std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

} // namespace mlc::test

#endif // MLC_UNITTESTS_RUNTIME_SAFETENSORSTESTUTILS_H
