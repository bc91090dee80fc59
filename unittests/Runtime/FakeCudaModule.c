/*===- FakeCudaModule.c - a hand-written CUDA module for the tests --------===*\
|*                                                                            *|
|* Implements the CUDA part of mlc-c/Module.h by hand, as mlc-compile         *|
|* --target cuda would:                                                       *|
|*                                                                            *|
|*   input   x : f32 [?, 4]                                                   *|
|*   params  w : f32 [4] = {1, 2, 3, 4},  b : f32 [4] = {0.5, 0, 0, -1}       *|
|*   outputs y = x * w + b : f32 [?, 4]      (kernel fake_scale)              *|
|*           total = sum(y) : f32            (kernel fake_sum)                *|
|*           y_alias : f32 [?, 4], the same memory as y                       *|
|*                                                                            *|
|* Its images are a fake "cubin" for sm_80 and sm_90 and a fake "ptx" for     *|
|* sm_90, in the text form FakeCuda.c reads. The entry point allocates its    *|
|* outputs and a scratch buffer through the hooks and launches both kernels;  *|
|* then, because under the fake driver device memory is host memory, it      *|
|* computes what the kernels would through the device pointers, so that the   *|
|* runtime's uploads and copies back can be checked. Only valid with the      *|
|* fake driver. fake_set_mode breaks the ABI on purpose.                      *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include "FakeMemref.h"

#include "mlc-c/Module.h"

#include <stdatomic.h>
#include <stdint.h>

#define EXPORT __attribute__((visibility("default")))

EXPORT const char mlc_module_metadata[] = "mlc-module 1\n"
                                          "target cuda\n"
                                          "input x f32 ? 4\n"
                                          "output y f32 ? 4\n"
                                          "output total f32\n"
                                          "output y_alias f32 ? 4\n"
                                          "param w f32 0 4\n"
                                          "param b f32 64 4\n"
                                          "kernel fake_scale\n"
                                          "kernel fake_sum\n"
                                          "image sm_80 cubin 0 64\n"
                                          "image sm_90 cubin 64 64\n"
                                          "image sm_90 ptx 128 128\n";

struct Images {
  char sm80[64], sm90[64], ptx90[128];
};

EXPORT const struct Images mlc_module_cuda_images = {
    "\x7f"
    "ELFfake-cubin sm_80: fake_scale fake_sum",
    "\x7f"
    "ELFfake-cubin sm_90: fake_scale fake_sum",
    "// fake-ptx sm_90\n.entry fake_scale\n.entry fake_sum\n"};

EXPORT __attribute__((aligned(64)))
const float mlc_module_params[20] = {1, 2, 3, 4, [16] = 0.5f, 0, 0, -1};

EXPORT mlc_cuda_hooks mlc_module_cuda_hooks;

static atomic_int mode;
static const void *_Atomic lastInput;
static const void *_Atomic lastParam;
static float notDeviceMemory[64];

/* 0: normal; 1: launch kernel 7 (there are 2); 2: ask for 1 TiB for y;
 * 3: return y in memory the hooks did not allocate; 4: return y at an
 * offset past its allocation; 5: free a pointer the hooks did not give. */
EXPORT void fake_set_mode(int m) { mode = m; }
EXPORT const void *fake_last_input(void) { return lastInput; }
EXPORT const void *fake_last_param(void) { return lastParam; }

EXPORT void mlc_module_free(void *allocated) {
  mlc_module_cuda_hooks.free(mlc_module_cuda_hooks.context, allocated);
}

EXPORT void mlc_module_run(void **argv) {
  mlc_cuda_hooks *h = &mlc_module_cuda_hooks;
  char *out = (char *)argv[0];
  Memref2 *x = (Memref2 *)argv[1];
  Memref1 *w = (Memref1 *)argv[2];
  Memref1 *b = (Memref1 *)argv[3];
  lastInput = x->aligned;
  lastParam = w->aligned;
  int64_t n = x->sizes[0], count = n * 4;

  uint64_t bytes = mode == 2 ? 1ull << 40 : (uint64_t)count * sizeof(float);
  float *y = (float *)h->alloc(h->context, bytes);
  float *total = (float *)h->alloc(h->context, sizeof(float));
  void *scratch = h->alloc(h->context, 1024);

  /* kernelParams: a pointer to each argument's value. */
  void *scaleArgs[] = {&y, &x->aligned, &w->aligned, &b->aligned, &count};
  h->launch(h->context, mode == 1 ? 7 : 0, (count + 255) / 256, 1, 1, 256, 1, 1,
            0, scaleArgs);
  void *sumArgs[] = {&total, &y, &count};
  h->launch(h->context, 1, 1, 1, 1, 256, 1, 1, 1024, sumArgs);
  h->free(h->context, mode == 5 ? (void *)notDeviceMemory : scratch);

  /* What the kernels compute, done here through the "device" pointers. */
  if (y && total) {
    const float *xs = (const float *)x->aligned;
    const float *ws = (const float *)w->aligned;
    const float *bs = (const float *)b->aligned;
    *total = 0;
    for (int64_t i = 0; i < count; ++i) {
      y[i] = xs[i] * ws[i % 4] + bs[i % 4];
      *total += y[i];
    }
  }

  float *yData = mode == 3 ? notDeviceMemory : y;
  Memref2 yDesc = {yData, yData, mode == 4 ? 4 : 0, {n, 4}, {4, 1}};
  Memref0 totalDesc = {total, total, 0};
  __builtin_memcpy(out, &yDesc, sizeof yDesc);
  out += sizeof yDesc;
  __builtin_memcpy(out, &totalDesc, sizeof totalDesc);
  out += sizeof totalDesc;
  __builtin_memcpy(out, &yDesc, sizeof yDesc);
}
