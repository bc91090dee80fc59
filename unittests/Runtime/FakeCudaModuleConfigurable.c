/*===- FakeCudaModuleConfigurable.c - a CUDA module tests write -----------===*\
|*                                                                            *|
|* Like FakeModuleConfigurable.c, for CUDA modules: its metadata, images and  *|
|* params are writable arrays that a test fills (through dlopen, which gives  *|
|* the same library mlc_model_load then gets) before loading it. It has the   *|
|* hooks global; its entry point does nothing.                                *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include "mlc-c/Module.h"

#define EXPORT __attribute__((visibility("default")))

EXPORT char mlc_module_metadata[4096] = "mlc-module 1\ntarget cuda\n";

EXPORT char mlc_module_cuda_images[16384];

EXPORT __attribute__((aligned(64))) unsigned char mlc_module_params[256];

EXPORT mlc_cuda_hooks mlc_module_cuda_hooks;

EXPORT void mlc_module_run(void **argv) { (void)argv; }

EXPORT void mlc_module_free(void *allocated) {
  mlc_module_cuda_hooks.free(mlc_module_cuda_hooks.context, allocated);
}
