/*===- FakeModule.c - a hand-written compiled module for the tests --------===*\
|*                                                                            *|
|* Implements the ABI of mlc-c/Module.h by hand, as mlc-compile would:        *|
|*                                                                            *|
|*   inputs  x : f32 [?, 4],  "scale factor" : f64 (scalar)                   *|
|*   params  w : f32 [4] = {1, 2, 3, 4},  "b%" : i8 [3] = {-1, 0, 1}          *|
|*   outputs y = x * w * scale : f32 [?, 4]                                   *|
|*           total = sum(y) : f64                                             *|
|*           y_alias : f32 [?, 4], the same allocation as y                   *|
|*                                                                            *|
|* y is malloc'ed one float larger and returned at offset 1, so the runtime's *|
|* handling of descriptor offsets is exercised. fake_* functions let the      *|
|* tests look inside: live allocations, the thread count set, whether inputs  *|
|* arrived dense, and a mode that breaks the ABI on purpose.                  *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include "FakeMemref.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT __attribute__((visibility("default")))

EXPORT const char mlc_module_metadata[] =
    "mlc-module 1\n"
    "input x f32 ? 4\n"
    "input\tscale%20factor  f64\n"
    "future-line kind that this runtime does not know\n"
    "output y f32 ? 4\n"
    "output total f64\n"
    "output y_alias f32 ? 4\n"
    "param w f32 0 4\n"
    "param b%25 i8 64 3\n";

struct Params {
  float w[4];
  unsigned char pad0[48];
  int8_t b[3];
  unsigned char pad1[61];
};

EXPORT __attribute__((aligned(64))) const struct Params mlc_module_params = {
    {1.0f, 2.0f, 3.0f, 4.0f}, {0}, {-1, 0, 1}, {0}};

static atomic_long liveAllocations;
static atomic_int numThreads;
static atomic_int inputsDense = 1;
static atomic_int mode;

EXPORT long fake_live_allocations(void) { return liveAllocations; }
EXPORT int fake_num_threads(void) { return numThreads; }
EXPORT int fake_inputs_were_dense(void) { return inputsDense; }
/* 0: normal; 1: return y with 3 columns; 2: return y with transposed
 * strides. */
EXPORT void fake_set_mode(int m) { mode = m; }

EXPORT void mlc_module_set_num_threads(int n) { numThreads = n; }

EXPORT void mlc_module_free(void *allocated) {
  --liveAllocations;
  free(allocated);
}

EXPORT void mlc_module_run(void **argv) {
  char *out = (char *)argv[0];
  const Memref2 *x = (const Memref2 *)argv[1];
  const Memref0 *scale = (const Memref0 *)argv[2];
  const Memref1 *w = (const Memref1 *)argv[3];
  const Memref1 *b = (const Memref1 *)argv[4];

  int64_t n = x->sizes[0];
  inputsDense = x->offset == 0 && x->strides[1] == 1 && x->strides[0] == 4 &&
                x->allocated == x->aligned && w->sizes[0] == 4 &&
                w->strides[0] == 1 && b->sizes[0] == 3 && b->strides[0] == 1;

  const float *xs = (const float *)x->aligned;
  const float *ws = (const float *)w->aligned;
  double s = *(const double *)scale->aligned;

  float *y = (float *)malloc(sizeof(float) * (size_t)(n * 4 + 1));
  double *total = (double *)malloc(sizeof(double));
  liveAllocations += 2;
  *total = 0;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < 4; ++j) {
      float v = (float)(xs[i * 4 + j] * ws[j] * s);
      y[1 + i * 4 + j] = v;
      *total += v;
    }

  Memref2 yDesc = {y, y, 1, {n, 4}, {4, 1}};
  if (mode == 1)
    yDesc.sizes[1] = 3;
  if (mode == 2) {
    yDesc.strides[0] = 1;
    yDesc.strides[1] = n;
  }
  Memref0 totalDesc = {total, total, 0};
  memcpy(out, &yDesc, sizeof yDesc);
  out += sizeof yDesc;
  memcpy(out, &totalDesc, sizeof totalDesc);
  out += sizeof totalDesc;
  memcpy(out, &yDesc, sizeof yDesc);
}
