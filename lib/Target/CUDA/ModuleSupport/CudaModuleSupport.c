/*===- CudaModuleSupport.c - linked into every CUDA module ----------------===*
 *
 * The functions that the host code of a CUDA module calls, forwarded to the
 * hooks the runtime fills in (mlc-c/Module.h): buffers come from the
 * device (finalize-memref-to-llvm with use-generic-functions calls
 * _mlir_memref_to_llvm_alloc/free), and kernels are launched by index
 * (mlc-cuda-lower-launches emits the calls of mlc_cuda_launch). Before the
 * runtime has filled the hooks, allocations fail and launches do nothing.
 *
 *===----------------------------------------------------------------------===*/

#include "mlc-c/Module.h"

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
