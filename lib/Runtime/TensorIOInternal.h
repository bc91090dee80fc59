//===- TensorIOInternal.h - shared pieces of MLCTensorIO --------*- C++ -*-===//
//
// The owning tensor buffer behind mlc_tensor_buffer, error reporting and the
// file reader shared by the .npy and ONNX TensorProto readers. Internal to
// MLCTensorIO.
//
//===----------------------------------------------------------------------===//

#ifndef MLC_LIB_RUNTIME_TENSORIOINTERNAL_H
#define MLC_LIB_RUNTIME_TENSORIOINTERNAL_H

#include "mlc-c/TensorIO.h"

#include <memory>
#include <string>
#include <vector>

struct mlc_tensor_buffer {
  mlc_tensor view{};
  std::vector<int64_t> shape, strides;
  std::string name;
  void *data = nullptr; ///< 64-byte aligned, owned.
  ~mlc_tensor_buffer();
};

namespace mlc::rt::io {

using BufferPtr = std::unique_ptr<mlc_tensor_buffer>;

/// Records `message` as the calling thread's last error and returns `status`.
mlc_status fail(mlc_status status, std::string message);

/// A zero-filled buffer of `dtype` and `shape`; `what` names the tensor in
/// errors (too large, out of memory).
mlc_status makeBuffer(mlc_dtype dtype, std::vector<int64_t> shape,
                      const std::string &what, BufferPtr &out);

/// Reads the whole file at `path`.
mlc_status readFile(const char *path, std::string &bytes);

/// Largest rank accepted from files (numpy allows 64 dimensions).
constexpr size_t kMaxFileRank = 64;

} // namespace mlc::rt::io

#endif // MLC_LIB_RUNTIME_TENSORIOINTERNAL_H
