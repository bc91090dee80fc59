//===- TensorIO.cpp - owning tensor buffers and file reading --------------===//
//
// The parts of mlc-c/TensorIO.h shared by both file formats: the owning
// buffer, the thread-local error message, reading whole files and choosing a
// reader by content.
//
//===----------------------------------------------------------------------===//

#include "TensorIOInternal.h"
#include "TensorUtils.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace mlc::rt;
using namespace mlc::rt::io;

namespace {
thread_local std::string lastError;
} // namespace

mlc_tensor_buffer::~mlc_tensor_buffer() { std::free(data); }

mlc_status mlc::rt::io::fail(mlc_status status, std::string message) {
  lastError = std::move(message);
  return status;
}

mlc_status mlc::rt::io::makeBuffer(mlc_dtype dtype, std::vector<int64_t> shape,
                                   const std::string &what, BufferPtr &out) {
  size_t elemSize = dtypeSize(dtype);
  if (!elemSize)
    return fail(MLC_ERROR_INVALID_ARGUMENT,
                what + ": invalid dtype " + std::to_string(int(dtype)));
  if (shape.size() > kMaxFileRank)
    return fail(MLC_ERROR_UNSUPPORTED, what + ": rank " +
                                           std::to_string(shape.size()) +
                                           " exceeds the limit of 64");
  int32_t rank = static_cast<int32_t>(shape.size());
  int64_t count;
  size_t bytes;
  if (!checkedNumElements(rank, shape.data(), count) ||
      !checkedByteSize(count, elemSize, bytes))
    return fail(MLC_ERROR_INVALID_FILE, what + ": shape " +
                                            formatShape(rank, shape.data()) +
                                            " is negative or too large");
  BufferPtr buffer(new mlc_tensor_buffer);
  buffer->data = alignedAlloc(bytes);
  if (!buffer->data)
    return fail(MLC_ERROR_OUT_OF_MEMORY,
                what + ": cannot allocate " + std::to_string(bytes) + " bytes");
  std::memset(buffer->data, 0, bytes);
  buffer->shape = std::move(shape);
  buffer->strides.resize(buffer->shape.size());
  rowMajorStrides(rank, buffer->shape.data(), buffer->strides.data());
  buffer->view.dtype = dtype;
  buffer->view.rank = rank;
  buffer->view.shape = rank ? buffer->shape.data() : nullptr;
  buffer->view.strides = rank ? buffer->strides.data() : nullptr;
  buffer->view.data = buffer->data;
  out = std::move(buffer);
  return MLC_OK;
}

mlc_status mlc::rt::io::readFile(const char *path, std::string &bytes) {
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return fail(MLC_ERROR_IO, std::string("cannot open '") + path +
                                  "': " + std::strerror(errno));
  struct stat st;
  if (::fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
    int error = S_ISDIR(st.st_mode) ? EISDIR : errno;
    ::close(fd);
    return fail(MLC_ERROR_IO, std::string("cannot read '") + path +
                                  "': " + std::strerror(error));
  }
  bytes.clear();
  if (S_ISREG(st.st_mode))
    bytes.reserve(static_cast<size_t>(st.st_size));
  char chunk[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n == 0)
      break;
    if (n < 0) {
      if (errno == EINTR)
        continue;
      int error = errno;
      ::close(fd);
      return fail(MLC_ERROR_IO, std::string("cannot read '") + path +
                                    "': " + std::strerror(error));
    }
    bytes.append(chunk, static_cast<size_t>(n));
  }
  ::close(fd);
  return MLC_OK;
}

const char *mlc_tensor_io_last_error(void) { return lastError.c_str(); }

mlc_status mlc_tensor_read_file(const char *path, mlc_tensor_buffer **out) {
  if (!out || !path)
    return fail(MLC_ERROR_INVALID_ARGUMENT,
                "mlc_tensor_read_file: NULL argument");
  *out = nullptr;
  std::string bytes;
  if (mlc_status status = readFile(path, bytes))
    return status;
  size_t length = std::strlen(path);
  bool npyName = length >= 4 && std::strcmp(path + length - 4, ".npy") == 0;
  if (npyName || bytes.compare(0, 6, "\x93NUMPY") == 0)
    return mlc_tensor_parse_npy(bytes.data(), bytes.size(), path, out);
  return mlc_tensor_parse_onnx_pb(bytes.data(), bytes.size(), path, out);
}

mlc_status mlc_tensor_read_npy(const char *path, mlc_tensor_buffer **out) {
  if (!out || !path)
    return fail(MLC_ERROR_INVALID_ARGUMENT,
                "mlc_tensor_read_npy: NULL argument");
  *out = nullptr;
  std::string bytes;
  if (mlc_status status = readFile(path, bytes))
    return status;
  return mlc_tensor_parse_npy(bytes.data(), bytes.size(), path, out);
}

mlc_status mlc_tensor_read_onnx_pb(const char *path, mlc_tensor_buffer **out) {
  if (!out || !path)
    return fail(MLC_ERROR_INVALID_ARGUMENT,
                "mlc_tensor_read_onnx_pb: NULL argument");
  *out = nullptr;
  std::string bytes;
  if (mlc_status status = readFile(path, bytes))
    return status;
  return mlc_tensor_parse_onnx_pb(bytes.data(), bytes.size(), path, out);
}

mlc_status mlc_tensor_buffer_create(mlc_dtype dtype, int32_t rank,
                                    const int64_t *shape,
                                    mlc_tensor_buffer **out) {
  if (!out)
    return fail(MLC_ERROR_INVALID_ARGUMENT,
                "mlc_tensor_buffer_create: out is NULL");
  *out = nullptr;
  if (rank < 0 || (rank > 0 && !shape))
    return fail(MLC_ERROR_INVALID_ARGUMENT,
                "mlc_tensor_buffer_create: bad rank or NULL shape");
  BufferPtr buffer;
  if (mlc_status status =
          makeBuffer(dtype, std::vector<int64_t>(shape, shape + rank),
                     "new tensor", buffer))
    return status;
  *out = buffer.release();
  return MLC_OK;
}

const mlc_tensor *mlc_tensor_buffer_view(const mlc_tensor_buffer *buffer) {
  return buffer ? &buffer->view : nullptr;
}

const char *mlc_tensor_buffer_name(const mlc_tensor_buffer *buffer) {
  return buffer ? buffer->name.c_str() : nullptr;
}

void mlc_tensor_buffer_free(mlc_tensor_buffer *buffer) { delete buffer; }
