/*===- mlc-c/Module.h - the ABI of a module compiled by mlc -------*- C -*-===*\
|*                                                                            *|
|* A model compiled by `mlc-compile` is a shared library with the symbols     *|
|* below. libmlcrt (mlc-c/Runtime.h) is the supported way to use one; this    *|
|* header is the contract between the code generator and the runtime.         *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef MLC_C_MODULE_H
#define MLC_C_MODULE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Version of the text in mlc_module_metadata ("mlc-module 1"). */
#define MLC_MODULE_ABI_VERSION 1

/*
 * A module exports these symbols and no others.
 *
 * const char mlc_module_metadata[]: NUL-terminated text (an array, not a
 * pointer), one declaration per line:
 *
 *   mlc-module 1
 *   input  NAME DTYPE DIM...
 *   output NAME DTYPE DIM...
 *   param  NAME DTYPE OFFSET DIM...
 *
 * in entry-point order (inputs, outputs and params each in their order).
 * NAME is percent-encoded: bytes outside [A-Za-z0-9._:/-] are written %XX.
 * DTYPE is one of f64 f32 f16 bf16 i64 i32 i16 i8 u64 u32 u16 u8 bool.
 * DIM is a size in decimal, or `?` for a dimension fixed only at run time; a
 * scalar (rank 0) has no DIM. A param's OFFSET is the byte offset of its data
 * in mlc_module_params (64-byte aligned). Unknown line kinds are ignored, so
 * later versions may add lines.
 */
#define MLC_MODULE_METADATA_SYMBOL "mlc_module_metadata"

/*
 * const uint8_t mlc_module_params[]: the parameter blob (weights), 64-byte
 * aligned; its ELF symbol size is its size. Present only when the metadata
 * has param lines. Each param is a dense row-major
 * tensor of its DTYPE (bool: one byte per element).
 */
#define MLC_MODULE_PARAMS_SYMBOL "mlc_module_params"

/*
 * void mlc_module_run(void **argv);
 *
 *   argv[0]                 storage the outputs' memref descriptors are
 *                           written to, one after the other;
 *   argv[1 + i]             input i's memref descriptor;
 *   argv[1 + nin + j]       param j's memref descriptor.
 *
 * A memref descriptor of rank r is, with 8-byte fields and no padding:
 *
 *   struct { void *allocated; void *aligned; int64_t offset;
 *            int64_t sizes[r]; int64_t strides[r]; }
 *
 * Sizes and strides count elements. Inputs and params must be dense and
 * row-major (strides are the row-major ones of sizes); the module does not
 * write to them. The caller checks every input against the metadata before
 * the call: the module does not check shapes.
 *
 * Outputs are dense, row-major and owned by the caller, who releases each
 * distinct `allocated` pointer once with mlc_module_free.
 */
#define MLC_MODULE_RUN_SYMBOL "mlc_module_run"
typedef void (*mlc_module_run_fn)(void **argv);

/* void mlc_module_free(void *allocated); */
#define MLC_MODULE_FREE_SYMBOL "mlc_module_free"
typedef void (*mlc_module_free_fn)(void *allocated);

/*
 * Optional: void mlc_module_set_num_threads(int n); sets the number of
 * threads the module's parallel loops use (n >= 1). The runtime calls it at
 * load when MLC_NUM_THREADS is set; without it, all cores are used.
 */
#define MLC_MODULE_SET_NUM_THREADS_SYMBOL "mlc_module_set_num_threads"
typedef void (*mlc_module_set_num_threads_fn)(int n);

/*
 * ABI 2: several entry points (e.g. a language model's embed, layer and
 * head functions). The metadata starts with "mlc-module 2" and each entry's
 * lines follow an `entry NAME` line (NAME a C identifier):
 *
 *   mlc-module 2
 *   entry NAME
 *   input  NAME DTYPE DIM...
 *   inout  NAME DTYPE DIM...
 *   output NAME DTYPE DIM...
 *   param  NAME DTYPE OFFSET DIM...
 *
 * `inout` is an argument the entry point updates in place (a KV cache): the
 * caller passes a dense, writable buffer and reads the new value there;
 * inputs and inouts are passed in the order of their lines. A param's OFFSET
 * is a byte offset in mlc_module_params as in ABI 1, or `extern`: the caller
 * binds it by name (weights kept in a separate parameter file). Each entry
 * point is `void mlc_module_run_<NAME>(void **argv)` with the argv layout of
 * mlc_module_run above; the other symbols are as in ABI 1.
 */
#define MLC_MODULE_ABI_VERSION_MULTI_ENTRY 2

/*
 * A parameter file (params.bin next to a Qwen3 library) holds `extern`
 * params: a text header, then the data.
 *
 *   mlc-params 1
 *   NAME DTYPE OFFSET DIM...      (one line per tensor, NAME percent-encoded)
 *   end
 *
 * OFFSET is the byte offset of the tensor's dense row-major data from the
 * start of the file, a multiple of 64; the header is at most 64 MiB.
 */
#define MLC_PARAMS_FILE_VERSION 1

/*
 * CUDA modules (`mlc-compile --target cuda`): the host code of the entry
 * points runs on the CPU and launches kernels on an NVIDIA GPU. Its
 * metadata has a `target cuda` line right after the version line (a module
 * without one is a CPU module), and these lines after all entry points:
 *
 *   kernel NAME                      one per kernel, in the order of the
 *                                    indices the host code launches by
 *                                    (NAME percent-encoded as above)
 *   image ARCH FORMAT OFFSET SIZE    one per compiled form of the kernels:
 *                                    ARCH is sm_XY (compute capability X.Y;
 *                                    sm_XYa: features of X.Y only, runs on
 *                                    X.Y alone), FORMAT `cubin` (runs on X.Z,
 *                                    Z >= Y) or
 *                                    `ptx` (compiled by the driver on X.Y and
 *                                    later); the bytes are [OFFSET,
 *                                    OFFSET + SIZE) of mlc_module_cuda_images
 *                                    (OFFSET 64-byte aligned; PTX text ends
 *                                    with a NUL byte, counted in SIZE)
 *
 * Every image holds every kernel (NAME is its symbol there). The runtime
 * picks one image by the device's compute capability.
 *
 * Entry points are called as for CPU modules, except that every pointer in
 * the descriptors is device memory: inputs and inouts copied there by the
 * runtime, params uploaded once, outputs allocated by the module through
 * the hooks below (an output that is an input or param buffer makes the
 * module invalid) and copied back (then freed with mlc_module_free) by the
 * runtime (mlc_module_free releases a block through hooks->free). All work
 * is ordered on one stream of the runtime's; the call returns when it is
 * queued, not done.
 */
#define MLC_MODULE_CUDA_IMAGES_SYMBOL "mlc_module_cuda_images"

/*
 * mlc_cuda_hooks mlc_module_cuda_hooks: the runtime fills this global of
 * the module before the first call of an entry point. `context`
 * is the runtime's, passed back to each hook.
 *
 * launch: kernel `kernel` (index of its `kernel` line) on grid x block
 * threads with `shared_bytes` of dynamic shared memory; `params` holds one
 * pointer per kernel argument, to its value (cuLaunchKernel's
 * kernelParams). alloc: `bytes` of device memory, aligned to 256 bytes,
 * usable by work queued after the call; NULL on failure. free: releases
 * such a block once the work queued before the call is done with it.
 *
 * The hooks cannot report errors to the host code: the runtime records the
 * first failure (launch, allocation) in its context, does nothing for the
 * calls that follow but `free` (which still releases the block), and
 * reports it when the entry point returns.
 */
#define MLC_MODULE_CUDA_HOOKS_SYMBOL "mlc_module_cuda_hooks"
typedef struct mlc_cuda_hooks {
  void *context;
  void (*launch)(void *context, int32_t kernel, int64_t grid_x,
                 int64_t grid_y, int64_t grid_z, int64_t block_x,
                 int64_t block_y, int64_t block_z, int32_t shared_bytes,
                 void **params);
  void *(*alloc)(void *context, uint64_t bytes);
  void (*free)(void *context, void *pointer);
} mlc_cuda_hooks;

#ifdef __cplusplus
}
#endif

#endif /* MLC_C_MODULE_H */
