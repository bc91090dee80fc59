/*===- mlc-c/TensorIO.h - tensor files: NumPy .npy and ONNX .pb ---*- C -*-===*\
|*                                                                            *|
|* Reading and writing tensors in files, for tools and tests around libmlcrt: *|
|*                                                                            *|
|*  - NumPy .npy (format versions 1, 2 and 3), little-endian, C order:        *|
|*    |b1 <f2 <f4 <f8 |i1 <i2 <i4 <i8 |u1 <u2 <u4 <u8. Fortran order,         *|
|*    big-endian and other dtypes are rejected with an error.                 *|
|*  - ONNX TensorProto (.pb, as in ONNX's test data), decoded by hand from    *|
|*    the protobuf wire format; raw_data and the typed *_data fields. External*|
|*    data and string tensors are rejected with an error.                     *|
|*                                                                            *|
|* bf16 has no .npy code: mlc_tensor_write_npy writes bf16 as <f4 (exact).    *|
|*                                                                            *|
|* The library (MLCTensorIO) is static and self-contained: it uses the types  *|
|* of mlc-c/Runtime.h but does not link libmlcrt, so it reports errors        *|
|* through its own mlc_tensor_io_last_error(). Malformed or truncated input   *|
|* gives an error naming the file, never a crash.                             *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef MLC_C_TENSORIO_H
#define MLC_C_TENSORIO_H

#include "mlc-c/Runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A tensor that owns its (dense, row-major, 64-byte aligned) data. */
typedef struct mlc_tensor_buffer mlc_tensor_buffer;

/* The message of the last error of this library on the calling thread. */
const char *mlc_tensor_io_last_error(void);

/* Reads a .npy file (recognised by its magic bytes) or else an ONNX
 * TensorProto. On failure *out is NULL. */
mlc_status mlc_tensor_read_file(const char *path, mlc_tensor_buffer **out);

/* Reads a .npy file. */
mlc_status mlc_tensor_read_npy(const char *path, mlc_tensor_buffer **out);

/* Reads a serialized ONNX TensorProto. */
mlc_status mlc_tensor_read_onnx_pb(const char *path, mlc_tensor_buffer **out);

/* The same from memory; `what` names the bytes in error messages. */
mlc_status mlc_tensor_parse_npy(const void *bytes, size_t size,
                                const char *what, mlc_tensor_buffer **out);
mlc_status mlc_tensor_parse_onnx_pb(const void *bytes, size_t size,
                                    const char *what, mlc_tensor_buffer **out);

/* A new zero-filled dense tensor (rank 0 if shape is NULL and rank is 0). */
mlc_status mlc_tensor_buffer_create(mlc_dtype dtype, int32_t rank,
                                    const int64_t *shape,
                                    mlc_tensor_buffer **out);

/* The tensor's view (strides set); valid until the buffer is freed. */
const mlc_tensor *mlc_tensor_buffer_view(const mlc_tensor_buffer *buffer);

/* The TensorProto's name, "" for .npy files and created buffers. */
const char *mlc_tensor_buffer_name(const mlc_tensor_buffer *buffer);

/* Frees the buffer and its data; NULL is ignored. */
void mlc_tensor_buffer_free(mlc_tensor_buffer *buffer);

/* Writes `tensor` (any strides) as a version 1.0 .npy file (2.0 if the header
 * needs it); bf16 is written as float32. */
mlc_status mlc_tensor_write_npy(const char *path, const mlc_tensor *tensor);

/* The same into memory: *bytes is malloc'ed (free() it), *size its length. */
mlc_status mlc_tensor_serialize_npy(const mlc_tensor *tensor, const char *what,
                                    void **bytes, size_t *size);

#ifdef __cplusplus
}
#endif

#endif /* MLC_C_TENSORIO_H */
