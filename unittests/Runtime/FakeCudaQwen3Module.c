/*===- FakeCudaQwen3Module.c - a hand-written CUDA Qwen3 library
-----------===*\
|*                                                                            *|
|* What `mlc-compile --target cuda CHECKPOINT -o OUT` is to write, at tiny    *|
|* shapes (vocabulary 8, hidden 4, 2 KV heads of head_dim 2, context 16;     *|
|* the layer count comes from params.bin): the five entry points of a Qwen3   *|
|* library (ABI 2) with the metadata of a real one (the CPU library's         *|
|* argument lines and `extern` params, plus `target cuda`, kernel and image   *|
|* lines), whose host code allocates outputs through the hooks and launches   *|
|* kernels. The kernels are host functions that the fake driver (FakeCuda.c)  *|
|* runs at a launch or a graph replay (FakeCudaKernels.h): under the fake     *|
|* driver device memory is host memory, so they compute through the device    *|
|* pointers, like this (x the input rows, p = positions[s]; a, wk, wv, wo    *|
|* the diagonals of a layer's input_layernorm, k and v blocks of             *|
|* qkv_proj, and down_proj; j = h * 2 + d):                                   *|
|*                                                                            *|
|*   embed   hidden[s][j] = embed_tokens[tokens[s]][j]                        *|
|*   layer   k_cache[h][p][d] = x[s][j] * a[j] * wk[j] + 0.125 * p            *|
|*           v_cache[h][p][d] = x[s][j] * a[j] * wv[j]                        *|
|*           out[s][j] = x[s][j] + wo[j] * (sum over r <= p of               *|
|*                       k_cache[h][r][d] * v_cache[h][r][d]) / (p + 1)       *|
|*   head    logits[s][v] = sum over j of x[s][j] * norm[j] * lm_head[v][j]   *|
|*                                                                            *|
|* Projections and lm_head are [out, in], as a library for CUDA keeps them.  *|
|*                                                                            *|
|* so that a test can compute the same on the host and check the runtime's    *|
|* plumbing: the step inputs, the KV caches at the positions, activations     *|
|* handed from entry point to entry point on the device, graphs. A kernel     *|
|* that finds positions[s] != start + s, or a token outside the vocabulary,   *|
|* writes NaNs. The host code reads no argument's data (Module.h), only       *|
|* shapes and addresses. fake_qwen3_set_mode breaks the ABI on purpose.       *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include "FakeCudaKernels.h"
#include "FakeMemref.h"

#include "mlc-c/Module.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#define EXPORT __attribute__((visibility("default")))

enum { kVocab = 8, kHidden = 4, kKvHeads = 2, kHeadDim = 2, kContext = 16 };

#define LAYER_LINES(S)                                                         \
  "input hidden f32 1 " S " 4\n"                                               \
  "input positions i64 1 " S "\n"                                              \
  "input start i64\n"                                                          \
  "inout k_cache f32 1 2 16 2\n"                                               \
  "inout v_cache f32 1 2 16 2\n"                                               \
  "output hidden f32 1 " S " 4\n"                                              \
  "param layer.input_layernorm.weight f32 extern 4\n"                          \
  "param layer.self_attn.qkv_proj.weight bf16 extern 12 4\n"                   \
  "param layer.mlp.down_proj.weight bf16 extern 4 4\n"

#define HEAD_LINES(S)                                                          \
  "input hidden f32 1 " S " 4\n"                                               \
  "output logits f32 1 " S " 8\n"                                              \
  "param model.norm.weight f32 extern 4\n"                                     \
  "param lm_head.weight bf16 extern 8 4\n"

/* clang-format off */
EXPORT const char mlc_module_metadata[] =
    "mlc-module 2\n"
    "target cuda\n"
    "entry embed\n"
    "input tokens i64 1 ?\n"
    "output hidden f32 1 ? 4\n"
    "param model.embed_tokens.weight bf16 extern 8 4\n"
    "entry layer_prefill\n"
    LAYER_LINES("?")
    "entry layer_decode\n"
    LAYER_LINES("1")
    "entry head_prefill\n"
    HEAD_LINES("?")
    "entry head_decode\n"
    HEAD_LINES("1")
    "kernel fake_qwen3_embed\n"
    "kernel fake_qwen3_layer\n"
    "kernel fake_qwen3_head\n"
    "image sm_90 cubin 0 352\n";
/* clang-format on */

EXPORT mlc_cuda_hooks mlc_module_cuda_hooks;

/*===--------------------------------------------------------------------===*
 * Kernels (run by the fake driver)
 *===--------------------------------------------------------------------===*/

static float bf16(uint16_t bits) {
  uint32_t word = (uint32_t)bits << 16;
  float f;
  memcpy(&f, &word, sizeof f);
  return f;
}

#define ARG(type, i) (*(type *)params[i])

/* out, tokens, table, n */
static void runEmbed(void **params) {
  float *out = ARG(float *, 0);
  const int64_t *tokens = ARG(const int64_t *, 1);
  const uint16_t *table = ARG(const uint16_t *, 2);
  int64_t n = ARG(int64_t, 3);
  for (int64_t s = 0; s < n; ++s)
    for (int j = 0; j < kHidden; ++j)
      out[s * kHidden + j] = tokens[s] >= 0 && tokens[s] < kVocab
                                 ? bf16(table[tokens[s] * kHidden + j])
                                 : NAN;
}

/* out, x, positions, start, k, v, a, qkv, down, n */
static void runLayer(void **params) {
  float *out = ARG(float *, 0);
  const float *x = ARG(const float *, 1);
  const int64_t *positions = ARG(const int64_t *, 2);
  int64_t start = *ARG(const int64_t *, 3);
  float *k = ARG(float *, 4), *v = ARG(float *, 5);
  const float *a = ARG(const float *, 6);
  const uint16_t *qkv = ARG(const uint16_t *, 7);
  const uint16_t *down = ARG(const uint16_t *, 8);
  int64_t n = ARG(int64_t, 9);
  /* Rows are written first, then read: a prefill's later tokens see the
   * earlier ones, as causal attention does. */
  for (int64_t s = 0; s < n; ++s) {
    int64_t p = positions[s];
    int valid = p == start + s && p >= 0 && p < kContext;
    for (int j = 0; j < kHidden; ++j) {
      int h = j / kHeadDim, d = j % kHeadDim;
      float xa = x[s * kHidden + j] * a[j];
      if (!valid) {
        out[s * kHidden + j] = NAN;
        continue;
      }
      k[(h * kContext + p) * kHeadDim + d] =
          xa * bf16(qkv[(4 + j) * kHidden + j]) + 0.125f * (float)p;
      v[(h * kContext + p) * kHeadDim + d] =
          xa * bf16(qkv[(8 + j) * kHidden + j]);
      float sum = 0;
      for (int64_t r = 0; r <= p; ++r)
        sum += k[(h * kContext + r) * kHeadDim + d] *
               v[(h * kContext + r) * kHeadDim + d];
      out[s * kHidden + j] = x[s * kHidden + j] +
                             bf16(down[j * kHidden + j]) * sum / (float)(p + 1);
    }
  }
}

/* out, x, norm, lm, rows */
static void runHead(void **params) {
  float *out = ARG(float *, 0);
  const float *x = ARG(const float *, 1);
  const float *norm = ARG(const float *, 2);
  const uint16_t *lm = ARG(const uint16_t *, 3);
  int64_t rows = ARG(int64_t, 4);
  for (int64_t s = 0; s < rows; ++s)
    for (int t = 0; t < kVocab; ++t) {
      float sum = 0;
      for (int j = 0; j < kHidden; ++j)
        sum += x[s * kHidden + j] * norm[j] * bf16(lm[t * kHidden + j]);
      out[s * kVocab + t] = sum;
    }
}

struct Image {
  char text[FAKE_HOST_KERNEL_TABLE_OFFSET];
  FakeHostKernel kernels[4];
};

_Static_assert(sizeof(struct Image) == 352, "the image line says 352 bytes");

EXPORT const struct Image mlc_module_cuda_images = {
    "\x7f"
    "ELFfake-cubin-host sm_90: fake_qwen3_embed fake_qwen3_layer "
    "fake_qwen3_head",
    {{"fake_qwen3_embed", runEmbed, 4},
     {"fake_qwen3_layer", runLayer, 10},
     {"fake_qwen3_head", runHead, 5},
     {0, 0, 0}}};

/*===--------------------------------------------------------------------===*
 * Host code (the entry points)
 *===--------------------------------------------------------------------===*/

enum { kEmbed, kLayerPrefill, kLayerDecode, kHeadPrefill, kHeadDecode };

static int mode;
static long entryCalls;
static long layerCalls;
static const void *lastInputs[5][3];
static void *caches[16][2];
static int numCaches;
static float notDeviceMemory[64];

/* 0: normal; 1: layer_decode asks for 1 TiB for its output; 2: the heads
 * return logits in memory the hooks did not allocate; 3: embed returns one
 * row too many; 4: layer_decode also allocates a scratch buffer that grows
 * with every call (so a captured decode step cannot find it in the cache);
 * 5: the heads launch kernel 9 (there are 3). */
EXPORT void fake_qwen3_set_mode(int m) { mode = m; }
/* How many times the host code of an entry point ran. */
EXPORT long fake_qwen3_entry_calls(void) { return entryCalls; }
/* Input `index` (its address) of the last call of `entry` (kEmbed...). */
EXPORT const void *fake_qwen3_input(int entry, int index) {
  return lastInputs[entry][index];
}
/* Layer `layer`'s k (`value` 0) or v cache: the caches in the order the
 * layer entry points first saw them, which is the layers' order. */
EXPORT float *fake_qwen3_cache(int layer, int value) {
  return layer < numCaches ? (float *)caches[layer][value] : NULL;
}
EXPORT void fake_qwen3_reset(void) {
  mode = 0;
  entryCalls = layerCalls = 0;
  numCaches = 0;
  memset(lastInputs, 0, sizeof lastInputs);
}

EXPORT void mlc_module_free(void *allocated) {
  mlc_module_cuda_hooks.free(mlc_module_cuda_hooks.context, allocated);
}

/* The address of a descriptor's first element (not read: device memory). */
static void *data(const void *descriptor, int64_t elementSize) {
  const Memref0 *d = (const Memref0 *)descriptor;
  return (char *)d->aligned + d->offset * elementSize;
}

static void *alloc(uint64_t bytes) {
  return mlc_module_cuda_hooks.alloc(mlc_module_cuda_hooks.context, bytes);
}

static void launch(int kernel, int64_t grid, void **args) {
  mlc_cuda_hooks *h = &mlc_module_cuda_hooks;
  h->launch(h->context, kernel, grid, 1, 1, 32, 1, 1, 0, args);
}

static void writeRows(void *out, void *rows, int64_t n, int64_t width) {
  Memref3 d = {rows, rows, 0, {1, n, width}, {n * width, width, 1}};
  memcpy(out, &d, sizeof d);
}

EXPORT void mlc_module_run_embed(void **argv) {
  ++entryCalls;
  const Memref2 *tokens = (const Memref2 *)argv[1];
  lastInputs[kEmbed][0] = data(tokens, 8);
  int64_t n = tokens->sizes[1];
  /* A row more than needed, so that mode 3's extra row is inside it. */
  float *out = (float *)alloc((uint64_t)(n + 1) * kHidden * sizeof(float));
  void *ids = data(tokens, 8), *table = data(argv[2], 2);
  void *args[] = {&out, &ids, &table, &n};
  launch(0, n, args);
  writeRows(argv[0], out, mode == 3 ? n + 1 : n, kHidden);
}

static void runLayerEntry(void **argv, int entry) {
  ++entryCalls;
  const Memref3 *x = (const Memref3 *)argv[1];
  int64_t n = x->sizes[1];
  void *in = data(x, 4), *positions = data(argv[2], 8),
       *start = data(argv[3], 8);
  void *k = data(argv[4], 4), *v = data(argv[5], 4);
  void *a = data(argv[6], 4), *qkv = data(argv[7], 2), *down = data(argv[8], 2);
  lastInputs[entry][0] = in;
  lastInputs[entry][1] = positions;
  lastInputs[entry][2] = start;
  int seen = 0;
  for (int i = 0; i < numCaches; ++i)
    seen |= caches[i][0] == k;
  if (!seen && numCaches < 16) {
    caches[numCaches][0] = k;
    caches[numCaches++][1] = v;
  }
  int decode = entry == kLayerDecode;
  uint64_t bytes =
      decode && mode == 1 ? 1ull << 40 : (uint64_t)n * kHidden * sizeof(float);
  float *out = (float *)alloc(bytes);
  void *scratch = NULL;
  if (decode && mode == 4)
    scratch = alloc(1024 * (uint64_t)(2 + layerCalls));
  ++layerCalls;
  void *args[] = {&out, &in, &positions, &start, &k, &v, &a, &qkv, &down, &n};
  launch(1, n, args);
  if (scratch)
    mlc_module_cuda_hooks.free(mlc_module_cuda_hooks.context, scratch);
  writeRows(argv[0], out, n, kHidden);
}

EXPORT void mlc_module_run_layer_prefill(void **argv) {
  runLayerEntry(argv, kLayerPrefill);
}

EXPORT void mlc_module_run_layer_decode(void **argv) {
  runLayerEntry(argv, kLayerDecode);
}

static void runHeadEntry(void **argv, int entry) {
  ++entryCalls;
  const Memref3 *x = (const Memref3 *)argv[1];
  int64_t rows = x->sizes[1];
  void *in = data(x, 4), *norm = data(argv[2], 4), *lm = data(argv[3], 2);
  lastInputs[entry][0] = in;
  float *out = (float *)alloc((uint64_t)rows * kVocab * sizeof(float));
  void *args[] = {&out, &in, &norm, &lm, &rows};
  launch(mode == 5 ? 9 : 2, rows, args);
  writeRows(argv[0], mode == 2 ? notDeviceMemory : out, rows, kVocab);
  if (mode == 2)
    mlc_module_cuda_hooks.free(mlc_module_cuda_hooks.context, out);
}

EXPORT void mlc_module_run_head_prefill(void **argv) {
  runHeadEntry(argv, kHeadPrefill);
}

EXPORT void mlc_module_run_head_decode(void **argv) {
  runHeadEntry(argv, kHeadDecode);
}
