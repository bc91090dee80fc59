/*===- mlc-c/Runtime.h - libmlcrt: load and run compiled modules --*- C -*-===*\
|*                                                                            *|
|* The plain-C API of libmlcrt, the runtime that loads a model compiled by    *|
|* mlc (a shared library implementing mlc-c/Module.h), checks inputs against  *|
|* its metadata, runs it and hands the outputs back. libmlcrt has no MLIR or  *|
|* LLVM inside it and links only libdl and libpthread; for CUDA modules it    *|
|* loads the NVIDIA driver (libcuda.so.1) with dlopen on first use.          *|
|*                                                                            *|
|* Naming: the runtime's functions are `mlc_model_*`, `mlc_result_*`,         *|
|* `mlc_dtype_*`; the `mlc_module_*` names belong to compiled modules         *|
|* (Module.h) and are never defined by libmlcrt, so the two cannot interpose  *|
|* on each other.                                                             *|
|*                                                                            *|
|* Errors: every function that can fail returns an mlc_status; on failure     *|
|* mlc_last_error() gives a message naming the file, input or tensor.         *|
|*                                                                            *|
|* Threads: a loaded model is immutable after mlc_model_load, so queries are  *|
|* safe from any thread, and mlc_model_run may be called concurrently when    *|
|* the compiled module is reentrant (modules produced by mlc-compile are).    *|
|* Runs of a CUDA module are serialised (they share one stream).              *|
|*                                                                            *|
|* Example:                                                                   *|
|*                                                                            *|
|*   mlc_model *model;                                                        *|
|*   if (mlc_model_load("resnet.so", &model) != MLC_OK)                       *|
|*     die(mlc_last_error());                                                 *|
|*   int64_t shape[] = {1, 3, 224, 224};                                      *|
|*   mlc_tensor x = {MLC_DTYPE_F32, 4, shape, NULL, pixels};                  *|
|*   mlc_result *result;                                                      *|
|*   if (mlc_model_run(model, &x, 1, &result) != MLC_OK)                      *|
|*     die(mlc_last_error()); // e.g. "input 'x' dimension 2: expected ..."   *|
|*   const mlc_tensor *logits = mlc_result_output(result, 0);                 *|
|*   ...                                                                      *|
|*   mlc_result_free(result);                                                 *|
|*   mlc_model_unload(model);                                                 *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef MLC_C_RUNTIME_H
#define MLC_C_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#define MLC_RT_API
#else
#define MLC_RT_API __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

/*===----------------------------------------------------------------------===*
 * Status and errors
 *===----------------------------------------------------------------------===*/

typedef enum mlc_status {
  MLC_OK = 0,
  /* A bad argument: a NULL pointer, an index out of range, or an input tensor
   * whose dtype, rank or dims do not match the model. */
  MLC_ERROR_INVALID_ARGUMENT = 1,
  /* A file could not be opened, read, written or loaded (dlopen). */
  MLC_ERROR_IO = 2,
  /* The compiled module is unusable: a required symbol is missing, its
   * metadata is malformed, its params are out of range, or it returned
   * outputs that contradict its metadata. */
  MLC_ERROR_INVALID_MODULE = 3,
  /* A tensor file (.npy, .pb) is malformed or truncated. */
  MLC_ERROR_INVALID_FILE = 4,
  /* A well-formed file or module uses something this runtime does not
   * support (e.g. a Fortran-order .npy, ONNX external data). */
  MLC_ERROR_UNSUPPORTED = 5,
  /* Memory could not be allocated, or a size overflows. */
  MLC_ERROR_OUT_OF_MEMORY = 6,
  /* A bad environment setting, e.g. MLC_NUM_THREADS=abc, or
   * MLC_CUDA_DEVICE naming no device. */
  MLC_ERROR_ENVIRONMENT = 7,
  /* The GPU cannot run the module: no CUDA driver (or only the toolkit's
   * stub library), no device, no kernel image for the device's compute
   * capability, or a CUDA call (a kernel launch, a copy) failed. Running
   * out of device memory is MLC_ERROR_OUT_OF_MEMORY. */
  MLC_ERROR_DEVICE = 8
} mlc_status;

/* The message of the last error raised by libmlcrt on the calling thread
 * ("" if none). Valid until the next libmlcrt call on the same thread. */
MLC_RT_API const char *mlc_last_error(void);

/* A short name for a status, e.g. "invalid argument". */
MLC_RT_API const char *mlc_status_name(mlc_status status);

/*===----------------------------------------------------------------------===*
 * Element types
 *===----------------------------------------------------------------------===*/

/* The element types of Module.h's metadata, in its order. Values are stable. */
typedef enum mlc_dtype {
  MLC_DTYPE_INVALID = 0,
  MLC_DTYPE_F64 = 1,
  MLC_DTYPE_F32 = 2,
  MLC_DTYPE_F16 = 3,
  MLC_DTYPE_BF16 = 4,
  MLC_DTYPE_I64 = 5,
  MLC_DTYPE_I32 = 6,
  MLC_DTYPE_I16 = 7,
  MLC_DTYPE_I8 = 8,
  MLC_DTYPE_U64 = 9,
  MLC_DTYPE_U32 = 10,
  MLC_DTYPE_U16 = 11,
  MLC_DTYPE_U8 = 12,
  MLC_DTYPE_BOOL = 13 /* one byte per element, 0 or 1 */
} mlc_dtype;

/* The metadata spelling ("f32", "bool", ...); "invalid" for an unknown value.
 */
MLC_RT_API const char *mlc_dtype_name(mlc_dtype dtype);

/* Bytes per element; 0 for an unknown value. */
MLC_RT_API size_t mlc_dtype_size(mlc_dtype dtype);

/* The dtype spelled `name` (metadata spelling), MLC_DTYPE_INVALID if none. */
MLC_RT_API mlc_dtype mlc_dtype_from_name(const char *name);

/*===----------------------------------------------------------------------===*
 * Tensor views
 *===----------------------------------------------------------------------===*/

/*
 * A tensor view: it points at memory owned by someone else.
 *
 * Element (i_0, ..., i_{r-1}) is at
 *   (char *)data + (i_0 * strides[0] + ... + i_{r-1} * strides[r-1]) * size
 * where size is mlc_dtype_size(dtype). Strides count elements and may be zero
 * or negative; strides == NULL means dense row-major. A rank-0 tensor is a
 * scalar (shape and strides may be NULL). `data` may be NULL only when the
 * tensor has no elements.
 */
typedef struct mlc_tensor {
  mlc_dtype dtype;
  int32_t rank;
  const int64_t *shape;   /* rank sizes, each >= 0 */
  const int64_t *strides; /* rank strides in elements, or NULL */
  void *data;
} mlc_tensor;

/* The number of elements of `t` (1 for a scalar); -1 if a size is negative or
 * the product overflows int64_t. */
MLC_RT_API int64_t mlc_tensor_num_elements(const mlc_tensor *t);

/* Nonzero if `t` is dense row-major (strides NULL, or equal to the row-major
 * strides wherever the size is > 1). */
MLC_RT_API int mlc_tensor_is_dense(const mlc_tensor *t);

/*===----------------------------------------------------------------------===*
 * Models
 *===----------------------------------------------------------------------===*/

/* A loaded compiled module. */
typedef struct mlc_model mlc_model;

/*
 * Loads the compiled module at `path` (dlopen with RTLD_NOW | RTLD_LOCAL),
 * parses and checks its metadata, builds the param descriptors and, when the
 * environment variable MLC_NUM_THREADS is set (a positive integer; empty
 * counts as unset), calls the module's mlc_module_set_num_threads with it if
 * the module exports one. A malformed MLC_NUM_THREADS fails the load with
 * MLC_ERROR_ENVIRONMENT. On success *out is the model; on failure *out is
 * NULL.
 */
MLC_RT_API mlc_status mlc_model_load(const char *path, mlc_model **out);

/* Releases the caller's reference to `model` (NULL is ignored). The library
 * stays loaded until every mlc_result obtained from the model is freed too. */
MLC_RT_API void mlc_model_unload(mlc_model *model);

/* The path the model was loaded from. */
MLC_RT_API const char *mlc_model_path(const mlc_model *model);

/* The three lists of a model's metadata. */
typedef enum mlc_arg_kind {
  MLC_ARG_INPUT = 0,
  MLC_ARG_OUTPUT = 1,
  MLC_ARG_PARAM = 2
} mlc_arg_kind;

/* Number of inputs, outputs or params (0 for a bad kind or NULL model). */
MLC_RT_API size_t mlc_model_num_args(const mlc_model *model, mlc_arg_kind kind);

/*
 * Describing argument `index` of a list. Out-of-range indices give NULL,
 * MLC_DTYPE_INVALID or -1. Returned pointers live as long as the model.
 */
/* The decoded name (percent-escapes resolved), NUL-terminated. */
MLC_RT_API const char *mlc_model_arg_name(const mlc_model *model,
                                          mlc_arg_kind kind, size_t index);
MLC_RT_API mlc_dtype mlc_model_arg_dtype(const mlc_model *model,
                                         mlc_arg_kind kind, size_t index);
MLC_RT_API int32_t mlc_model_arg_rank(const mlc_model *model, mlc_arg_kind kind,
                                      size_t index);
/* rank dims; -1 marks a dimension fixed only at run time. NULL for rank 0. */
MLC_RT_API const int64_t *mlc_model_arg_dims(const mlc_model *model,
                                             mlc_arg_kind kind, size_t index);

/* The index of the argument named `name` in a list, or -1. */
MLC_RT_API int64_t mlc_model_find_arg(const mlc_model *model, mlc_arg_kind kind,
                                      const char *name);

/* A view of param `index`'s data inside the module (read-only: the module's
 * params must not be written). */
MLC_RT_API mlc_status mlc_model_param(const mlc_model *model, size_t index,
                                      mlc_tensor *out);

/*
 * Where the model runs, as one line that lives as long as the model:
 *
 *   "cpu"                                             a CPU module
 *   "cuda:0 NVIDIA H100 80GB HBM3 (compute capability 9.0, 79.1 GiB),
 *    sm_90 cubin"                                     a CUDA module
 *
 * For a CUDA module: the device index, name, compute capability and memory,
 * then the kernel image chosen for it (a PTX image ends with "(compiled by
 * the driver)"). This sets the device up as the first mlc_model_run would,
 * and fails as it would (see "CUDA modules" below).
 */
MLC_RT_API mlc_status mlc_model_device(const mlc_model *model,
                                       const char **description);

/* Nonzero if the module exports mlc_module_set_num_threads. */
MLC_RT_API int mlc_model_has_num_threads(const mlc_model *model);

/* Calls the module's mlc_module_set_num_threads(n). Fails with
 * MLC_ERROR_INVALID_ARGUMENT for n < 1 and MLC_ERROR_UNSUPPORTED when the
 * module does not export it. */
MLC_RT_API mlc_status mlc_model_set_num_threads(mlc_model *model, int n);

/*===----------------------------------------------------------------------===*
 * Running
 *===----------------------------------------------------------------------===*/

/* The outputs of one run; owns their memory. */
typedef struct mlc_result mlc_result;

/*
 * Runs the model on `num_inputs` inputs (in metadata order). Every input's
 * dtype, rank and static dims are checked first; a mismatch fails with
 * MLC_ERROR_INVALID_ARGUMENT and a message naming the input, e.g.
 *   input 'x' dimension 1: expected 4, got 5
 * Inputs that are not dense row-major, or whose data is not aligned to its
 * element size, are copied to dense buffers for the call; the caller's memory
 * is never written. Outputs are checked against their static dims. On success
 * *out holds the outputs; free it with mlc_result_free.
 */
MLC_RT_API mlc_status mlc_model_run(mlc_model *model, const mlc_tensor *inputs,
                                    size_t num_inputs, mlc_result **out);

/* Number of outputs in `result`. */
MLC_RT_API size_t mlc_result_num_outputs(const mlc_result *result);

/* A view of output `index` (dense row-major; strides are set), owned by the
 * result; NULL if out of range. */
MLC_RT_API const mlc_tensor *mlc_result_output(const mlc_result *result,
                                               size_t index);

/* Frees the outputs (mlc_module_free once per distinct allocation) and the
 * result; NULL is ignored. */
MLC_RT_API void mlc_result_free(mlc_result *result);

/*===----------------------------------------------------------------------===*
 * CUDA modules
 *===----------------------------------------------------------------------===*/

/*
 * A module whose metadata has a `target cuda` line (mlc-c/Module.h) runs its
 * kernels on an NVIDIA GPU; the API above is the same for it. It loads, and
 * answers queries, without a driver or GPU. The first mlc_model_run or
 * mlc_model_device sets the device up: it loads the driver (once per
 * process: libcuda.so.1, or the file named by MLC_CUDA_DRIVER), takes device
 * MLC_CUDA_DEVICE (an index, default 0) and its primary context, creates
 * the model's stream, picks the module's kernel image for the device's
 * compute capability (a cubin of that version, else a cubin of the same
 * major version and a lower minor, else the newest PTX not above it,
 * compiled by the driver), loads it and uploads the params, which stay on
 * the device until the model is unloaded. If that fails, the call fails
 * (MLC_ERROR_DEVICE, MLC_ERROR_ENVIRONMENT for a bad MLC_CUDA_DEVICE,
 * MLC_ERROR_OUT_OF_MEMORY, MLC_ERROR_INVALID_MODULE for a broken image) and
 * the next one tries again; a missing driver is final for the process.
 *
 * mlc_model_run copies the inputs to device buffers (kept for the next
 * run), runs the entry point, copies the outputs back to host memory owned
 * by the result and waits for the GPU: when it returns, all work is done.
 * Kernel launch failures name the kernel; errors of a kernel while it runs
 * are reported at that wait, without the kernel's name (set
 * CUDA_LAUNCH_BLOCKING=1 to have each launch report its own). Models of
 * the same library file share the device state. mlc_model_param views the
 * host copy of a param.
 *
 * A CUDA library with several entry points (ABI 2: a Qwen3 library) is not
 * an mlc_model: mlc_qwen3_load (mlc-c/Qwen3.h) runs it, with its weights,
 * KV cache and activations kept on the device between calls, and decode
 * steps replayed from a CUDA graph unless MLC_CUDA_GRAPHS=0.
 */

#ifdef __cplusplus
}
#endif

#endif /* MLC_C_RUNTIME_H */
