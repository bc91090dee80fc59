/*===- CudaModuleSupport.c - linked into every CUDA module ----------------===*
 *
 * The functions that the host code of a CUDA module calls, forwarded to the
 * hooks the runtime fills in (mlc-c/Module.h): buffers come from the
 * device (finalize-memref-to-llvm with use-generic-functions calls
 * _mlir_memref_to_llvm_alloc/free), kernels are launched by index
 * (mlc-cuda-lower-launches emits the calls of mlc_cuda_launch) and GEMMs
 * offered to the runtime's library (mlc-cuda-map-to-gpu emits the calls of
 * mlc_cuda_gemm). Before the runtime has filled the hooks, allocations
 * fail, launches do nothing and GEMMs are declined.
 *
 *===----------------------------------------------------------------------===*/

#include "mlc-c/Module.h"
#include "mlc-c/Runtime.h"

#include <stddef.h>
#include <stdint.h>

#define MLC_HIDDEN __attribute__((visibility("hidden")))

__attribute__((visibility("default"))) mlc_cuda_hooks mlc_module_cuda_hooks;

MLC_HIDDEN void *_mlir_memref_to_llvm_alloc(size_t size) {
  if (!mlc_module_cuda_hooks.alloc)
    return NULL;
  return mlc_module_cuda_hooks.alloc(mlc_module_cuda_hooks.context, size);
}

MLC_HIDDEN void _mlir_memref_to_llvm_free(void *pointer) {
  if (pointer && mlc_module_cuda_hooks.free)
    mlc_module_cuda_hooks.free(mlc_module_cuda_hooks.context, pointer);
}

MLC_HIDDEN void mlc_cuda_launch(int32_t kernel, int64_t grid_x, int64_t grid_y,
                                int64_t grid_z, int64_t block_x,
                                int64_t block_y, int64_t block_z,
                                int32_t shared_bytes, void **params) {
  if (mlc_module_cuda_hooks.launch)
    mlc_module_cuda_hooks.launch(mlc_module_cuda_hooks.context, kernel, grid_x,
                                 grid_y, grid_z, block_x, block_y, block_z,
                                 shared_bytes, params);
}

/* Pointers and offsets come as the index values of host code (int64_t);
 * offsets count elements. Returns 1 if the runtime queued the GEMM, 0 if
 * the module is to launch its own kernel. */
MLC_HIDDEN int32_t mlc_cuda_gemm(int32_t a_type, int32_t b_type,
                                 int32_t d_type, int32_t flags, int64_t m,
                                 int64_t n, int64_t k, int64_t batch,
                                 int64_t a, int64_t a_offset, int64_t lda,
                                 int64_t stride_a, int64_t b, int64_t b_offset,
                                 int64_t ldb, int64_t stride_b, int64_t c,
                                 int64_t c_offset, int64_t ldc,
                                 int64_t stride_c, int64_t d, int64_t d_offset,
                                 int64_t ldd, int64_t stride_d) {
  if (!mlc_module_cuda_hooks.gemm)
    return 0;
  /* Bytes per element of a type this hook takes (f32, f16, bf16). */
  int64_t a_size = a_type == MLC_DTYPE_F32 ? 4 : 2;
  int64_t b_size = b_type == MLC_DTYPE_F32 ? 4 : 2;
  mlc_cuda_gemm_args g = {a_type, b_type, d_type, flags, m, n, k, batch,
                     (const char *)(intptr_t)a + a_offset * a_size, lda,
                     stride_a,
                     (const char *)(intptr_t)b + b_offset * b_size, ldb,
                     stride_b,
                     c ? (const char *)(intptr_t)c + c_offset * 4 : NULL, ldc,
                     stride_c,
                     (char *)(intptr_t)d + d_offset * 4, ldd, stride_d};
  return mlc_module_cuda_hooks.gemm(mlc_module_cuda_hooks.context, &g);
}
