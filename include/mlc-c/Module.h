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
 * mlc-compile writes it, or the runtime from a checkpoint folder
 * (mlc_qwen3_write_params of mlc-c/Qwen3.h, the same bytes), which can also
 * build it in memory at load (mlc_qwen3_load_with_weights) for a library
 * compiled without weights. A Qwen3 library's metadata is the same either
 * way.
 */
#define MLC_PARAMS_FILE_VERSION 1

/*
 * CUDA modules (`mlc-compile --target cuda`, ABI 1 or 2): the host code of
 * the entry points runs on the CPU and launches kernels on an NVIDIA GPU.
 * Its metadata has a `target cuda` line right after the version line (a
 * module without one is a CPU module), and these lines after all entry
 * points (shared by all of them: kernel indices are the module's):
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
 *
 * With several entry points (ABI 2, a Qwen3 library), arguments stay on
 * the device from call to call:
 *
 *   input   device memory the runtime wrote before the call, or the output
 *           of an earlier entry point passed on as it is (not copied), or a
 *           view into one: `allocated` and `aligned` then both point at the
 *           view's first element, inside a block of hooks->alloc that the
 *           entry point must not free. Small inputs that change from call
 *           to call (token ids, positions, a start position) are at fixed
 *           addresses for a given shape, updated by the runtime before the
 *           call; the host code must not read them (the kernels do).
 *   inout   a buffer the runtime allocates once (a KV cache: for the whole
 *           session, zeroed at first), passes at the same address on every
 *           call and never copies; the kernels update it in place.
 *   extern  a param bound from the parameter file: the runtime uploads the
 *   param   file's bytes of that tensor once, when it loads the library,
 *           and passes the same device copy on every call (the same one to
 *           every entry point that binds that tensor, and to every session
 *           of the library and file). Never written.
 *   output  a block from hooks->alloc, as above; the runtime frees it with
 *           mlc_module_free once it has passed it to the next entry point
 *           (stream order makes that safe) or copied it back.
 *
 * Every buffer an entry point receives is 16-byte aligned at least, as
 * kernels load 128-bit vectors: the runtime's own start at multiples of 256
 * bytes (each extern param and each inout) or 64 (the small inputs above),
 * and a row view at its row's offset in bytes (a multiple of 16 for every
 * Qwen3 size: hidden sizes are multiples of 64).
 *
 * The runtime may capture the work of a sequence of entry point calls into
 * a CUDA graph and replay it later instead of calling them (a Qwen3 decode
 * step: embed, every layer_decode, head_decode). Every CUDA entry point
 * must therefore:
 *
 *   - never read or write an argument's data on the host (it is device
 *     memory: only kernels touch it), scalars included;
 *   - make the same hook calls (launches with the same kernels, grids,
 *     blocks, shared memory and argument values; allocations of the same
 *     sizes, in the same order; frees) whenever it is called with the same
 *     argument shapes and addresses: they may depend on shapes and
 *     addresses only, never on values;
 *   - queue work only through hooks->launch and hooks->gemm (no driver
 *     calls of its own,
 *     no other stream, no synchronisation), and get device memory only
 *     from hooks->alloc, freeing temporary blocks with hooks->free before
 *     it returns.
 *
 * During a capture the hooks work as always, except that hooks->alloc
 * serves only blocks of the runtime's cache (a capture cannot allocate
 * device memory): the runtime calls the sequence directly first, so that
 * the same requests find their blocks, and keeps the blocks a graph uses
 * for it until the graph is destroyed.
 */
#define MLC_MODULE_CUDA_IMAGES_SYMBOL "mlc_module_cuda_images"

/*
 * A Qwen3 library for CUDA (lib/Runtime/Qwen3.cpp runs it) is an ABI 2
 * module with `target cuda` and the five entry points, arguments, names
 * and `extern` params of the CPU library (docs/qwen3.md):
 *
 *   embed          input tokens i64 [1, S]; output hidden f32 [1, S, H]
 *   layer_prefill  input hidden f32 [1, S, H], positions i64 [1, S],
 *   layer_decode   start i64 (a scalar); inout k_cache, v_cache
 *                  [1, KV, C, D] (C the max context; the metadata's dtype,
 *                  f32 today); output hidden f32 [1, S, H]; params layer.*,
 *                  bound to model.layers.<i>.* for layer i; S = 1 for
 *                  layer_decode
 *   head_prefill   input hidden f32 [1, S, H]; output logits f32 [1, S, V]
 *   head_decode    the same with S = 1
 *
 * positions[s] is start + s. The kernels read start and the positions from
 * device memory (a graph replays a decode step at any position), write the
 * new k and v rows at those positions and attend over rows [0, start + s];
 * the cache rows past them hold zeros or stale values, which must not
 * change the result. The runtime calls embed, each layer in order (layer i
 * with its caches and params), then the head on the last row (a view) or
 * on all rows, and copies only the logits back.
 */

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
 * gemm: queues `*gemm` (below) on the stream through a GEMM library
 * (cuBLASLt) and returns 1, or returns 0, queuing nothing, where the
 * runtime has none for it (no library on the machine, no algorithm for
 * these types and layouts); the module then launches a kernel of its own
 * for it. With MLC_CUDA_GEMM_QUERY in the flags it only answers (a null
 * pointer stands for a block hooks->alloc will give: 256-byte aligned),
 * and a GEMM it said 1 for is then queued. The answer depends only on the
 * descriptor's types, flags, sizes, leading dimensions, batch strides,
 * which C (none, D, another) and pointer alignments, never on data.
 *
 * The hooks cannot report errors to the host code: the runtime records the
 * first failure (launch, allocation, GEMM) in its context, does nothing for
 * the calls that follow but `free` (which still releases the block), and
 * reports it when the entry point returns.
 */
#define MLC_MODULE_CUDA_HOOKS_SYMBOL "mlc_module_cuda_hooks"

/*
 * A GEMM, row-major, for each batch point p < batch:
 *
 *   D[i][j] = sum over l < k of A(i, l) * B(l, j)  (+ C[i][j] if c)
 *
 * for i < m, j < n, accumulated in f32. A(i, l) is a[p * stride_a +
 * i * lda + l], or a[p * stride_a + l * lda + i] with MLC_CUDA_GEMM_TRANS_A;
 * B(l, j) is b[p * stride_b + l * ldb + j], or b[... + j * ldb + l] with
 * MLC_CUDA_GEMM_TRANS_B; C[i][j] is c[p * stride_c + i * ldc + j], D the
 * same with d, ldd, stride_d. C is null for none (beta 0), may be D itself
 * (D += A B), and is of D's type. Types are mlc_dtype values
 * (mlc-c/Runtime.h): A and B both f32, both f16 or both bf16 (others are
 * declined); D f32. Pointers are device memory.
 */
#define MLC_CUDA_GEMM_TRANS_A 1
#define MLC_CUDA_GEMM_TRANS_B 2
#define MLC_CUDA_GEMM_QUERY 4
typedef struct mlc_cuda_gemm_args {
  int32_t a_type, b_type, d_type, flags;
  int64_t m, n, k, batch;
  const void *a;
  int64_t lda, stride_a;
  const void *b;
  int64_t ldb, stride_b;
  const void *c;
  int64_t ldc, stride_c;
  void *d;
  int64_t ldd, stride_d;
} mlc_cuda_gemm_args;

typedef struct mlc_cuda_hooks {
  void *context;
  void (*launch)(void *context, int32_t kernel, int64_t grid_x,
                 int64_t grid_y, int64_t grid_z, int64_t block_x,
                 int64_t block_y, int64_t block_z, int32_t shared_bytes,
                 void **params);
  void *(*alloc)(void *context, uint64_t bytes);
  void (*free)(void *context, void *pointer);
  int32_t (*gemm)(void *context, const mlc_cuda_gemm_args *gemm);
} mlc_cuda_hooks;

#ifdef __cplusplus
}
#endif

#endif /* MLC_C_MODULE_H */
