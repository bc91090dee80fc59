//===- Qwen3CudaTest.cpp - mlc-c/Qwen3.h on a CUDA Qwen3 library ----------===//
//
// Runs the hand-written CUDA Qwen3 library FakeCudaQwen3Module.c (its
// kernels are host functions the fake driver FakeCuda.c runs) through
// mlc-c/Qwen3.h, with a params.bin each test writes, and checks the
// runtime's plumbing against the same functions computed here (Reference):
// prefill and decode logits, the KV caches on the device across steps,
// reset and set_position, CUDA graphs on and off (and every way a capture
// can fail), the weights uploaded once, the only copies per step (token ids
// and positions up, logits down), device memory running out for the
// weights or the KV cache, failed steps that leave the session usable and
// a sticky one that does not, modules that break the ABI, two sessions of
// one library, and the weights bound at load from a checkpoint folder
// (mlc_qwen3_load_with_weights) instead of params.bin.
//
//===----------------------------------------------------------------------===//

#include "FakeCudaTestUtils.h"
#include "RuntimeTestUtils.h"
#include "SafetensorsTestUtils.h"

#include "mlc-c/Qwen3.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace {

using ::mlc::test::driverCount;
using ::mlc::test::isDevicePointer;
using ::testing::HasSubstr;

// The fake library's shapes (FakeCudaQwen3Module.c).
constexpr int64_t kVocab = 8, kHidden = 4, kKvHeads = 2, kHeadDim = 2,
                  kContext = 16, kLayers = 2;
/// Its entry points, as fake_qwen3_input numbers them.
enum { kEmbed, kLayerPrefill, kLayerDecode, kHeadPrefill, kHeadDecode };

const ::mlc::test::Library &fakeQwen3() {
  static ::mlc::test::Library library(MLC_FAKE_CUDA_QWEN3_MODULE);
  return library;
}

void setMode(int mode) {
  fakeQwen3().get<void(int)>("fake_qwen3_set_mode")(mode);
}
long entryCalls() {
  return fakeQwen3().get<long()>("fake_qwen3_entry_calls")();
}
const void *entryInput(int entry, int index) {
  return fakeQwen3().get<const void *(int, int)>("fake_qwen3_input")(entry,
                                                                     index);
}
const float *deviceCache(int layer, bool value) {
  return fakeQwen3().get<float *(int, int)>("fake_qwen3_cache")(layer, value);
}

uint16_t toBf16(float f) {
  uint32_t word;
  std::memcpy(&word, &f, sizeof word);
  return static_cast<uint16_t>(word >> 16); // the values are exact in bf16
}

float fromBf16(uint16_t bits) {
  uint32_t word = static_cast<uint32_t>(bits) << 16;
  float f;
  std::memcpy(&f, &word, sizeof f);
  return f;
}

/// The weights (multiples of 1/8 or 1/4: exact in bf16) and the model of
/// FakeCudaQwen3Module.c computed on the host, with its own KV caches.
struct Reference {
  std::vector<uint16_t> embed, lm;
  std::vector<float> norm;
  struct Layer {
    std::vector<float> a;
    std::vector<uint16_t> qkv, down;
  };
  std::vector<Layer> layers;
  /// [layer][k or v][head][position][d]
  std::vector<float> caches;

  Reference() {
    for (int64_t i = 0; i < kVocab * kHidden; ++i)
      embed.push_back(toBf16(float(i % 13 - 6) / 8));
    for (int64_t i = 0; i < kHidden * kVocab; ++i)
      lm.push_back(toBf16(float(i % 9 - 4) / 8));
    for (int64_t j = 0; j < kHidden; ++j)
      norm.push_back(0.5f + float(j) / 4);
    for (int64_t l = 0; l < kLayers; ++l) {
      Layer layer;
      for (int64_t j = 0; j < kHidden; ++j)
        layer.a.push_back(1 + float(l + j) / 8);
      for (int64_t i = 0; i < kHidden * 12; ++i)
        layer.qkv.push_back(toBf16(float((i + l) % 11 - 5) / 8));
      for (int64_t i = 0; i < kHidden * kHidden; ++i)
        layer.down.push_back(toBf16(float((i + 3 * l) % 7 - 3) / 4));
      layers.push_back(layer);
    }
    caches.assign(kLayers * 2 * kKvHeads * kContext * kHeadDim, 0);
  }

  float &cache(int64_t layer, int value, int64_t h, int64_t p, int64_t d) {
    return caches[(((layer * 2 + value) * kKvHeads + h) * kContext + p) *
                      kHeadDim +
                  d];
  }

  /// Runs tokens at positions start...; the logits of every row.
  std::vector<float> run(const std::vector<int64_t> &tokens, int64_t start) {
    int64_t n = static_cast<int64_t>(tokens.size());
    std::vector<float> x(n * kHidden);
    for (int64_t s = 0; s < n; ++s)
      for (int64_t j = 0; j < kHidden; ++j)
        x[s * kHidden + j] = fromBf16(embed[tokens[s] * kHidden + j]);
    for (int64_t l = 0; l < kLayers; ++l) {
      const Layer &w = layers[l];
      std::vector<float> y(n * kHidden);
      for (int64_t s = 0; s < n; ++s) {
        int64_t p = start + s;
        for (int64_t j = 0; j < kHidden; ++j) {
          int64_t h = j / kHeadDim, d = j % kHeadDim;
          float xa = x[s * kHidden + j] * w.a[j];
          cache(l, 0, h, p, d) =
              xa * fromBf16(w.qkv[j * 12 + 4 + j]) + 0.125f * float(p);
          cache(l, 1, h, p, d) = xa * fromBf16(w.qkv[j * 12 + 8 + j]);
          float sum = 0;
          for (int64_t r = 0; r <= p; ++r)
            sum += cache(l, 0, h, r, d) * cache(l, 1, h, r, d);
          y[s * kHidden + j] =
              x[s * kHidden + j] +
              fromBf16(w.down[j * kHidden + j]) * sum / float(p + 1);
        }
      }
      x = y;
    }
    std::vector<float> logits(n * kVocab);
    for (int64_t s = 0; s < n; ++s)
      for (int64_t t = 0; t < kVocab; ++t) {
        float sum = 0;
        for (int64_t j = 0; j < kHidden; ++j)
          sum += x[s * kHidden + j] * norm[j] * fromBf16(lm[j * kVocab + t]);
        logits[s * kVocab + t] = sum;
      }
    return logits;
  }

  /// The logits of the last row only.
  std::vector<float> last(const std::vector<int64_t> &tokens, int64_t start) {
    std::vector<float> all = run(tokens, start);
    return std::vector<float>(all.end() - kVocab, all.end());
  }
};

/// Bytes of a tensor of params.bin (name, dtype, dims, data).
struct FileTensor {
  std::string name, dtype;
  std::vector<int64_t> dims;
  std::string bytes;
};

template <typename T> std::string bytesOf(const std::vector<T> &values) {
  return std::string(reinterpret_cast<const char *>(values.data()),
                     values.size() * sizeof(T));
}

/// Writes params.bin (the format of mlc-c/Module.h): the header, then each
/// tensor at a 64-byte aligned offset from byte 4096.
void writeParams(const std::string &path,
                 const std::vector<FileTensor> &tensors) {
  std::string header = "mlc-params 1\n", data;
  for (const FileTensor &t : tensors) {
    data.resize((data.size() + 63) / 64 * 64, '\0');
    header += t.name + " " + t.dtype + " " + std::to_string(4096 + data.size());
    for (int64_t dim : t.dims)
      header += " " + std::to_string(dim);
    header += "\n";
    data += t.bytes;
  }
  header += "end\n";
  ASSERT_LE(header.size(), 4096u);
  header.resize(4096, '\0');
  std::ofstream(path, std::ios::binary) << header << data;
}

/// `w` [rows, cols] transposed to [cols, rows].
std::vector<uint16_t> transposedOf(const std::vector<uint16_t> &w, int64_t rows,
                                   int64_t cols) {
  std::vector<uint16_t> out(w.size());
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c)
      out[c * rows + r] = w[r * cols + c];
  return out;
}

/// params.bin of the library: the projections and lm_head [out, in], as a
/// library for CUDA keeps them (the reference holds them [in, out]).
std::vector<FileTensor> paramsOf(const Reference &ref) {
  std::vector<FileTensor> tensors = {
      {"model.embed_tokens.weight",
       "bf16",
       {kVocab, kHidden},
       bytesOf(ref.embed)},
      // Not read by the library: not uploaded.
      {"model.unused", "f32", {kHidden}, bytesOf(ref.norm)}};
  for (int64_t l = 0; l < kLayers; ++l) {
    std::string prefix = "model.layers." + std::to_string(l) + ".";
    tensors.push_back({prefix + "input_layernorm.weight",
                       "f32",
                       {kHidden},
                       bytesOf(ref.layers[l].a)});
    tensors.push_back({prefix + "self_attn.qkv_proj.weight",
                       "bf16",
                       {12, kHidden},
                       bytesOf(transposedOf(ref.layers[l].qkv, kHidden, 12))});
    tensors.push_back(
        {prefix + "mlp.down_proj.weight",
         "bf16",
         {kHidden, kHidden},
         bytesOf(transposedOf(ref.layers[l].down, kHidden, kHidden))});
  }
  tensors.push_back({"model.norm.weight", "f32", {kHidden}, bytesOf(ref.norm)});
  tensors.push_back({"lm_head.weight",
                     "bf16",
                     {kVocab, kHidden},
                     bytesOf(transposedOf(ref.lm, kHidden, kVocab))});
  return tensors;
}

/// Makes `dir` a library folder: libqwen3.so a link to the fake library
/// (dlopen gives the library the test reaches too), params.bin with
/// `ref`'s weights.
void makeLibraryDir(const std::string &dir, const Reference &ref) {
  mkdir(dir.c_str(), 0777);
  unlink((dir + "/libqwen3.so").c_str());
  ASSERT_EQ(symlink(MLC_FAKE_CUDA_QWEN3_MODULE, (dir + "/libqwen3.so").c_str()),
            0);
  writeParams(dir + "/params.bin", paramsOf(ref));
}

/// The tensors the library reads (all but model.unused).
constexpr size_t kUploadedTensors = 1 + 3 * kLayers + 2;

void expectLogits(const std::vector<float> &got, const std::vector<float> &want,
                  const std::string &what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i)
    EXPECT_NEAR(got[i], want[i], 1e-5f * std::max(1.0f, std::fabs(want[i])))
        << what << ", logit " << i;
}

/// Tests of FakeCudaQwen3Module on the fake driver, each with a library
/// folder of its own.
class Qwen3CudaTest : public ::mlc::test::FakeDriverTest {
protected:
  void SetUp() override {
    FakeDriverTest::SetUp();
    if (IsSkipped())
      return;
    fakeQwen3().get<void()>("fake_qwen3_reset")();
    dir = ::testing::TempDir() + "mlc_cuda_qwen3_" +
          ::testing::UnitTest::GetInstance()->current_test_info()->name();
    makeLibraryDir(dir, Reference());
  }

  void TearDown() override {
    for (mlc_qwen3 *session : sessions)
      mlc_qwen3_free(session);
    sessions.clear();
    FakeDriverTest::TearDown();
  }

  /// A session of the folder (freed at the end of the test).
  mlc_qwen3 *load() {
    mlc_qwen3 *model = nullptr;
    EXPECT_EQ(mlc_qwen3_load(dir.c_str(), &model), MLC_OK) << mlc_last_error();
    if (model)
      sessions.push_back(model);
    return model;
  }

  std::vector<float> prefill(mlc_qwen3 *model,
                             const std::vector<int64_t> &tokens) {
    std::vector<float> logits(kVocab);
    EXPECT_EQ(mlc_qwen3_prefill(model, tokens.data(),
                                static_cast<int64_t>(tokens.size()),
                                logits.data()),
              MLC_OK)
        << mlc_last_error();
    return logits;
  }

  std::vector<float> decode(mlc_qwen3 *model, int64_t token) {
    std::vector<float> logits(kVocab);
    EXPECT_EQ(mlc_qwen3_decode(model, token, logits.data()), MLC_OK)
        << mlc_last_error();
    return logits;
  }

  /// The device's KV caches hold the reference's in rows [0, rows).
  void expectCaches(Reference &ref, int64_t rows) {
    for (int64_t l = 0; l < kLayers; ++l)
      for (int value = 0; value < 2; ++value) {
        const float *cache = deviceCache(static_cast<int>(l), value);
        ASSERT_NE(cache, nullptr);
        for (int64_t h = 0; h < kKvHeads; ++h)
          for (int64_t p = 0; p < rows; ++p)
            for (int64_t d = 0; d < kHeadDim; ++d)
              EXPECT_NEAR(cache[(h * kContext + p) * kHeadDim + d],
                          ref.cache(l, value, h, p, d), 1e-5)
                  << "layer " << l << (value ? " v" : " k") << " head " << h
                  << " row " << p;
      }
  }

  /// A prompt of 3, then decode steps of `steps` tokens, checked against
  /// the reference; returns every logit.
  std::vector<float> generate(mlc_qwen3 *model, int steps) {
    Reference ref;
    std::vector<int64_t> prompt = {3, 1, 4};
    std::vector<float> all = prefill(model, prompt);
    expectLogits(all, ref.last(prompt, 0), "prefill");
    for (int i = 0; i < steps; ++i) {
      int64_t token = (5 * i + 2) % kVocab;
      std::vector<float> logits = decode(model, token);
      expectLogits(logits, ref.last({token}, 3 + i),
                   "decode step " + std::to_string(i));
      all.insert(all.end(), logits.begin(), logits.end());
    }
    expectCaches(ref, 3 + steps);
    return all;
  }

  std::string dir;
  std::vector<mlc_qwen3 *> sessions;
};

//===----------------------------------------------------------------------===//
// Loading
//===----------------------------------------------------------------------===//

TEST_F(Qwen3CudaTest, LoadsOntoTheDevice) {
  mlc_qwen3 *model = load();
  ASSERT_TRUE(model);
  EXPECT_EQ(mlc_qwen3_vocab_size(model), kVocab);
  EXPECT_EQ(mlc_qwen3_num_layers(model), kLayers);
  EXPECT_EQ(mlc_qwen3_max_context(model), kContext);
  const char *device = nullptr;
  ASSERT_EQ(mlc_qwen3_device(model, &device), MLC_OK);
  EXPECT_STREQ(device,
               "cuda:0 Fake GPU (compute capability 9.0, 1.0 GiB), sm_90 "
               "cubin");
  EXPECT_EQ(mlc_qwen3_device(model, nullptr), MLC_ERROR_INVALID_ARGUMENT);
  // Each tensor the library reads went up once, on its own (no host copy of
  // the file): the embedding and lm_head (64 bytes each), three norms (16),
  // two qkv_proj (96) and two down_proj (32); model.unused did not.
  EXPECT_EQ(count("htod "), kUploadedTensors);
  EXPECT_EQ(count("htod 64"), 2u);
  EXPECT_EQ(count("htod 16"), 3u);
  EXPECT_EQ(count("htod 96"), 2u);
  EXPECT_EQ(count("htod 32"), 2u);
  // One block for the weights (9 tensors, 256-byte aligned), one for the
  // KV caches (2 layers x k and v x 256 bytes), zeroed, one for a step's
  // inputs (start, then 16 token ids and 16 positions, each in 64-byte
  // slots: 8 x (8 + 2 x 16) bytes).
  EXPECT_EQ(count("alloc 2304"), 1u);
  EXPECT_EQ(count("alloc 1024"), 1u);
  EXPECT_EQ(count("memset 1024"), 1u);
  EXPECT_EQ(count("alloc 320"), 1u);
  EXPECT_EQ(count("alloc "), 3u);
  // params.bin is no longer mapped.
  std::ifstream maps("/proc/self/maps");
  std::string text(std::istreambuf_iterator<char>(maps), {});
  EXPECT_THAT(text, ::testing::Not(HasSubstr(dir + "/params.bin")));
  // The caches start zeroed.
  std::vector<float> logits = prefill(model, {1});
  for (int64_t p = 1; p < kContext; ++p)
    EXPECT_EQ(deviceCache(1, 1)[p * kHeadDim], 0.0f) << p;
}

TEST_F(Qwen3CudaTest, OutOfDeviceMemoryForTheWeightsOrTheKvCache) {
  mlc_qwen3 *model = reinterpret_cast<mlc_qwen3 *>(1);
  setenv("FAKE_CUDA_MEMORY", "1000", 1);
  EXPECT_EQ(mlc_qwen3_load(dir.c_str(), &model), MLC_ERROR_OUT_OF_MEMORY);
  EXPECT_EQ(model, nullptr);
  EXPECT_THAT(mlc_last_error(),
              HasSubstr("module '" + dir +
                        "/libqwen3.so': out of device memory: cannot allocate "
                        "2304 bytes (2.2 KiB) for the weights (9 tensors of "
                        "params.bin) on cuda:0 Fake GPU (1000 bytes free of "
                        "1000 bytes)"));
  // The weights fit, the KV cache does not.
  setenv("FAKE_CUDA_MEMORY", "2816", 1);
  EXPECT_EQ(mlc_qwen3_load(dir.c_str(), &model), MLC_ERROR_OUT_OF_MEMORY);
  EXPECT_THAT(mlc_last_error(),
              HasSubstr("/libqwen3.so': out of device memory: cannot allocate "
                        "1024 bytes (1.0 KiB) for the KV cache (2 layers, a k "
                        "and a v cache of [1, 2, 16, 2] f32 each) on cuda:0 "
                        "Fake GPU (512 bytes free of 2.8 KiB)"));
  // TearDown: nothing was left on the device.
}

TEST_F(Qwen3CudaTest, BadGraphsSetting) {
  setenv("MLC_CUDA_GRAPHS", "yes", 1);
  mlc_qwen3 *model = nullptr;
  EXPECT_EQ(mlc_qwen3_load(dir.c_str(), &model), MLC_ERROR_ENVIRONMENT);
  EXPECT_THAT(mlc_last_error(), HasSubstr("Qwen3 library '" + dir +
                                          "': MLC_CUDA_GRAPHS='yes' is not 0"));
  EXPECT_EQ(count("ctx_retain 0"), 0u);
}

//===----------------------------------------------------------------------===//
// Steps
//===----------------------------------------------------------------------===//

TEST_F(Qwen3CudaTest, PrefillAndDecodeMatchTheHost) {
  setenv("MLC_CUDA_GRAPHS", "0", 1);
  mlc_qwen3 *model = load();
  generate(model, 5);
  EXPECT_EQ(mlc_qwen3_position(model), 8);
  // Rows past the context are untouched.
  for (int64_t p = 8; p < kContext; ++p)
    EXPECT_EQ(deviceCache(0, 0)[p * kHeadDim], 0.0f) << p;
}

TEST_F(Qwen3CudaTest, PrefillAllGivesEveryRow) {
  mlc_qwen3 *model = load();
  Reference ref;
  std::vector<int64_t> tokens = {7, 0, 2, 2, 5};
  std::vector<float> logits(tokens.size() * kVocab);
  ASSERT_EQ(mlc_qwen3_prefill_all(model, tokens.data(), 5, logits.data()),
            MLC_OK)
      << mlc_last_error();
  expectLogits(logits, ref.run(tokens, 0), "prefill_all");
  EXPECT_EQ(count("dtoh 160"), 1u); // 5 rows of 8 logits
  // A second prefill (without logits) continues at 5.
  ASSERT_EQ(mlc_qwen3_prefill(model, tokens.data(), 2, nullptr), MLC_OK);
  ref.run({7, 0}, 5);
  expectLogits(decode(model, 1), ref.last({1}, 7), "decode at 7");
  expectCaches(ref, 8);
}

TEST_F(Qwen3CudaTest, OnlyTokensGoUpAndLogitsComeDown) {
  mlc_qwen3 *model = load();
  clearLog();
  Reference ref;
  expectLogits(prefill(model, {3, 1, 4}), ref.last({3, 1, 4}, 0), "prefill");
  // One copy up: start, 3 token ids at 64 bytes, 3 positions at 128; one
  // down: 8 logits.
  EXPECT_EQ(count("htod "), 1u);
  EXPECT_EQ(count("htod 152"), 1u);
  EXPECT_EQ(count("dtoh "), 1u);
  EXPECT_EQ(count("dtoh 32"), 1u);
  // The entry points saw device memory only: the step inputs, and each
  // other's outputs.
  EXPECT_TRUE(isDevicePointer(entryInput(kEmbed, 0)));
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(isDevicePointer(entryInput(kLayerPrefill, i))) << i;
    // Kernels load 128-bit vectors: every input is 16-byte aligned.
    EXPECT_EQ(reinterpret_cast<uintptr_t>(entryInput(kLayerPrefill, i)) % 16,
              0u)
        << i;
  }
  EXPECT_TRUE(isDevicePointer(entryInput(kHeadDecode, 0)));
  for (int i = 0; i < 6; ++i) {
    clearLog();
    expectLogits(decode(model, i), ref.last({i}, 3 + i),
                 "decode " + std::to_string(i));
    EXPECT_EQ(count("htod "), 1u) << i;
    EXPECT_EQ(count("htod 136"), 1u) << i;
    EXPECT_EQ(count("dtoh "), 1u) << i;
    EXPECT_EQ(count("dtoh 32"), 1u) << i;
    EXPECT_EQ(count("sync"), 1u) << i;
    // The module's blocks came from the cache.
    EXPECT_EQ(count("alloc "), 0u) << i;
  }
  // The decode step's inputs were at fixed device addresses: the graph
  // reads them there.
  EXPECT_TRUE(isDevicePointer(entryInput(kLayerDecode, 1)));
  EXPECT_TRUE(isDevicePointer(entryInput(kLayerDecode, 2)));
}

TEST_F(Qwen3CudaTest, ResetAndSetPositionReplayTheContext) {
  mlc_qwen3 *model = load();
  Reference ref;
  std::vector<float> first = prefill(model, {6, 2, 1, 3});
  std::vector<float> fifth = decode(model, 5);
  decode(model, 4);
  decode(model, 7);
  // Back to 3 tokens: the 4th again gives the same logits, the cache rows
  // are rewritten, and decoding goes on from there (replaying the graph at
  // another position).
  ASSERT_EQ(mlc_qwen3_set_position(model, 3), MLC_OK);
  EXPECT_EQ(mlc_qwen3_position(model), 3);
  expectLogits(decode(model, 3), first, "the 4th token again");
  ref.run({6, 2, 1, 3}, 0);
  expectLogits(decode(model, 5), ref.last({5}, 4), "the 5th token again");
  expectLogits(fifth, ref.last({5}, 4), "the 5th token");
  expectLogits(decode(model, 0), ref.last({0}, 5), "a new 6th");
  expectCaches(ref, 6);
  // From scratch.
  mlc_qwen3_reset(model);
  EXPECT_EQ(mlc_qwen3_position(model), 0);
  EXPECT_EQ(prefill(model, {6, 2, 1, 3}), first);
  EXPECT_EQ(mlc_qwen3_set_position(model, 5), MLC_ERROR_INVALID_ARGUMENT);
  EXPECT_THAT(mlc_last_error(), HasSubstr("outside the context [0, 4]"));
}

TEST_F(Qwen3CudaTest, BadCallsGetNamedErrors) {
  mlc_qwen3 *model = load();
  std::vector<float> logits(kVocab);
  const int64_t bad[] = {1, 8};
  EXPECT_EQ(mlc_qwen3_prefill(model, bad, 2, logits.data()),
            MLC_ERROR_INVALID_ARGUMENT);
  EXPECT_THAT(mlc_last_error(),
              HasSubstr("token 1 is 8, outside the vocabulary [0, 8)"));
  std::vector<int64_t> many(17, 1);
  EXPECT_EQ(mlc_qwen3_prefill(model, many.data(), 17, logits.data()),
            MLC_ERROR_INVALID_ARGUMENT);
  EXPECT_THAT(mlc_last_error(), HasSubstr("the KV cache holds 16"));
  EXPECT_EQ(count("htod 136"), 0u);
  // A context that is full.
  many.resize(16);
  ASSERT_EQ(mlc_qwen3_prefill(model, many.data(), 16, nullptr), MLC_OK)
      << mlc_last_error();
  EXPECT_EQ(mlc_qwen3_decode(model, 1, logits.data()),
            MLC_ERROR_INVALID_ARGUMENT);
  EXPECT_THAT(mlc_last_error(), HasSubstr("the context would hold 17"));
}

//===----------------------------------------------------------------------===//
// CUDA graphs
//===----------------------------------------------------------------------===//

TEST_F(Qwen3CudaTest, DecodeStepsReplayAGraph) {
  mlc_qwen3 *model = load();
  const char *detail = nullptr;
  EXPECT_EQ(mlc_qwen3_cuda_graphs(model, &detail), 1);
  EXPECT_THAT(detail, HasSubstr("no decode step captured yet"));
  Reference ref;
  prefill(model, {3, 1, 4});
  decode(model, 0); // runs directly: its blocks warm the cache
  EXPECT_EQ(count("capture_begin"), 0u);
  long calls = entryCalls();
  expectLogits(decode(model, 1), ref.last({3, 1, 4, 0, 1}, 0), "captured");
  // Captured (the host code ran once more, its launches recorded, not
  // run), then launched; no allocation or synchronisation in the capture.
  EXPECT_EQ(entryCalls(), calls + 4);
  EXPECT_EQ(count("capture_begin"), 1u);
  EXPECT_EQ(count("capture_end 4"), 1u);
  EXPECT_EQ(count("graph_launch 4"), 1u);
  EXPECT_EQ(count("capture_invalidated "), 0u);
  EXPECT_EQ(mlc_qwen3_cuda_graphs(model, &detail), 1);
  EXPECT_STREQ(detail, "on: decode steps replay a CUDA graph");
  ref = Reference();
  ref.run({3, 1, 4, 0, 1}, 0);
  for (int64_t i = 0; i < 6; ++i) {
    clearLog();
    expectLogits(decode(model, i), ref.last({i}, 5 + i),
                 "replay " + std::to_string(i));
    // Only the step's inputs went up before the launch: no host code ran.
    EXPECT_EQ(count("graph_launch 4"), 1u);
    EXPECT_EQ(count("launch fake_qwen3_layer grid 1 1 1 block 32 1 1 shared 0 "
                    "(graph)"),
              2u);
    EXPECT_EQ(count("htod 136"), 1u);
    EXPECT_EQ(count("dtoh 32"), 1u);
  }
  EXPECT_EQ(entryCalls(), calls + 4);
  expectCaches(ref, 11);
  // A prefill runs directly between replays; decoding replays on.
  clearLog();
  expectLogits(prefill(model, {2, 2}), ref.last({2, 2}, 11), "prefill");
  expectLogits(decode(model, 6), ref.last({6}, 13), "replay after prefill");
  EXPECT_EQ(count("graph_launch 4"), 1u);
  // A prefill of one token is a decode step: it replays the graph too
  // (without logits, nothing comes down).
  clearLog();
  ASSERT_EQ(
      mlc_qwen3_prefill(model, std::vector<int64_t>{1}.data(), 1, nullptr),
      MLC_OK);
  ref.run({1}, 14);
  EXPECT_EQ(count("graph_launch 4"), 1u);
  EXPECT_EQ(count("dtoh "), 0u);
  expectCaches(ref, 15);
}

TEST_F(Qwen3CudaTest, GraphsOnAndOffAgree) {
  std::vector<float> on = generate(load(), 8);
  EXPECT_EQ(count("graph_launch 4"), 7u);
  mlc_qwen3_free(sessions.back());
  sessions.pop_back();
  fakeQwen3().get<void()>("fake_qwen3_reset")();
  clearLog();
  setenv("MLC_CUDA_GRAPHS", "0", 1);
  mlc_qwen3 *model = load();
  const char *detail = nullptr;
  EXPECT_EQ(mlc_qwen3_cuda_graphs(model, &detail), 0);
  EXPECT_STREQ(detail,
               "off (MLC_CUDA_GRAPHS=0): decode steps are launched directly");
  std::vector<float> off = generate(model, 8);
  EXPECT_EQ(count("capture_begin"), 0u);
  EXPECT_EQ(count("graph_launch "), 0u);
  EXPECT_EQ(on, off);
  EXPECT_EQ(mlc_qwen3_cuda_graphs(nullptr, &detail), 0);
}

TEST_F(Qwen3CudaTest, FailedCapturesFallBackToDirectLaunches) {
  struct {
    const char *error, *reason;
  } cases[] = {
      {"begin", "cuStreamBeginCapture failed: CUDA_ERROR_NOT_SUPPORTED"},
      {"capture", "embed: launching kernel 'fake_qwen3_embed' (grid [1, 1, "
                  "1], block [32, 1, 1], 0 bytes of shared memory) failed: "
                  "CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED (operation not "
                  "permitted when stream is capturing) (while capturing a "
                  "CUDA graph)"},
      {"instantiate", "cuGraphInstantiate failed: CUDA_ERROR_NOT_SUPPORTED"},
      {"launch", "cuGraphLaunch failed: CUDA_ERROR_NOT_SUPPORTED"},
  };
  for (const auto &c : cases) {
    SCOPED_TRACE(c.error);
    setenv("FAKE_CUDA_GRAPH_ERROR", c.error, 1);
    fakeQwen3().get<void()>("fake_qwen3_reset")();
    clearLog();
    mlc_qwen3 *model = load();
    generate(model, 4);
    // Steps 2 and 3 tried to capture; the others ran directly.
    EXPECT_EQ(count("graph_launch "), 0u);
    EXPECT_EQ(count("capture_begin"),
              c.error == std::string("begin") ? 0u : 2u);
    const char *detail = nullptr;
    EXPECT_EQ(mlc_qwen3_cuda_graphs(model, &detail), 0);
    EXPECT_THAT(detail, HasSubstr("off (capturing a decode step failed 2 "
                                  "times, the last time: "));
    EXPECT_THAT(detail, HasSubstr(c.reason));
    EXPECT_THAT(detail, HasSubstr("decode steps are launched directly"));
    mlc_qwen3_free(sessions.back());
    sessions.pop_back();
  }
}

TEST_F(Qwen3CudaTest, StepFailuresDoNotTurnGraphsOff) {
  // A step that fails when captured and when run directly is the step's
  // failure, not the capture's: graphs stay on.
  mlc_qwen3 *model = load();
  Reference ref;
  prefill(model, {3, 1, 4});
  decode(model, 0);
  setMode(1);
  std::vector<float> logits(kVocab);
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(mlc_qwen3_decode(model, 1, logits.data()),
              MLC_ERROR_OUT_OF_MEMORY);
  EXPECT_EQ(count("capture_begin"), 3u);
  // The failed allocations emptied the cache (a trim before trying again),
  // so the next capture misses it once; the one after succeeds.
  setMode(0);
  expectLogits(decode(model, 1), ref.last({3, 1, 4, 0, 1}, 0), "direct");
  expectLogits(decode(model, 2), ref.last({2}, 5), "captured");
  expectLogits(decode(model, 3), ref.last({3}, 6), "replayed");
  EXPECT_EQ(count("graph_launch 4"), 2u);
  const char *detail = nullptr;
  EXPECT_EQ(mlc_qwen3_cuda_graphs(model, &detail), 1);
  EXPECT_STREQ(detail, "on: decode steps replay a CUDA graph");
}

TEST_F(Qwen3CudaTest, CaptureNeverAllocatesDeviceMemory) {
  // layer_decode's scratch buffer grows with every call: the capture cannot
  // find it in the cache, and must not call cuMemAlloc instead.
  mlc_qwen3 *model = load();
  setMode(4);
  generate(model, 4);
  EXPECT_EQ(count("capture_begin"), 2u);
  EXPECT_EQ(count("capture_invalidated "), 0u);
  const char *detail = nullptr;
  EXPECT_EQ(mlc_qwen3_cuda_graphs(model, &detail), 0);
  EXPECT_THAT(detail, HasSubstr("the last time: layer 0 (layer_decode): "
                                "hooks->alloc of "));
  EXPECT_THAT(detail, HasSubstr(" bytes while capturing a CUDA graph: no "
                                "block of that size is free in the cache, and "
                                "a capture cannot allocate device memory"));
}

TEST_F(Qwen3CudaTest, GraphMemoryOutlivesATrim) {
  mlc_qwen3 *model = load();
  Reference ref;
  ref.run({3, 1, 4, 0, 1}, 0);
  prefill(model, {3, 1, 4});
  decode(model, 0);
  decode(model, 1); // captured
  // The graph holds every block so far. A prefill of 15 rows gets two new
  // 256-byte blocks and needs a 512-byte one for its logits, which does not
  // fit: the allocator frees its cache (one of the two) and tries again;
  // the graph's blocks are not in the cache.
  mlc_qwen3_set_position(model, 0);
  std::string limit =
      std::to_string(driverCount<size_t>("fake_cuda_live_bytes") + 768);
  setenv("FAKE_CUDA_MEMORY", limit.c_str(), 1);
  clearLog();
  std::vector<int64_t> tokens(15, 2);
  std::vector<float> all(15 * kVocab);
  ASSERT_EQ(mlc_qwen3_prefill_all(model, tokens.data(), 15, all.data()), MLC_OK)
      << mlc_last_error();
  EXPECT_GE(count("alloc 512 failed"), 1u);
  EXPECT_GE(count("free 256"), 1u);
  unsetenv("FAKE_CUDA_MEMORY");
  ref = Reference();
  expectLogits(all, ref.run(tokens, 0), "prefill_all");
  // The replay finds its memory (the fake driver counts a misuse if not).
  expectLogits(decode(model, 3), ref.last({3}, 15), "replay");
  EXPECT_EQ(count("graph_launch 4"), 1u);
}

//===----------------------------------------------------------------------===//
// Failures
//===----------------------------------------------------------------------===//

TEST_F(Qwen3CudaTest, FailedStepsLeaveTheSessionUsable) {
  mlc_qwen3 *model = load();
  Reference ref;
  std::vector<float> logits(kVocab);
  const int64_t prompt[] = {3, 1, 4};
  setenv("FAKE_CUDA_FAIL_LAUNCH", "fake_qwen3_layer", 1);
  EXPECT_EQ(mlc_qwen3_prefill(model, prompt, 3, logits.data()),
            MLC_ERROR_DEVICE);
  EXPECT_THAT(mlc_last_error(),
              HasSubstr("Qwen3 library '" + dir +
                        "': prefill of 3 tokens at position 0: layer 0 "
                        "(layer_prefill): launching kernel 'fake_qwen3_layer' "
                        "(grid [3, 1, 1], block [32, 1, 1], 0 bytes of shared "
                        "memory) failed: CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES"));
  EXPECT_THAT(mlc_last_error(),
              HasSubstr("; the context is unchanged (position 0)"));
  EXPECT_EQ(mlc_qwen3_position(model), 0);
  unsetenv("FAKE_CUDA_FAIL_LAUNCH");
  expectLogits(prefill(model, {3, 1, 4}), ref.last({3, 1, 4}, 0), "prefill");

  // The module's buffers do not fit: out of memory, named.
  setMode(1);
  EXPECT_EQ(mlc_qwen3_decode(model, 2, logits.data()), MLC_ERROR_OUT_OF_MEMORY);
  EXPECT_THAT(mlc_last_error(),
              HasSubstr("decode at position 3: layer 0 (layer_decode): out of "
                        "device memory: cannot allocate 1099511627776 bytes "
                        "(1.0 TiB) for a buffer of the module on cuda:0 Fake "
                        "GPU"));
  EXPECT_EQ(mlc_qwen3_position(model), 3);
  setMode(0);
  expectLogits(decode(model, 2), ref.last({2}, 3), "decode after OOM");

  // A kernel fault found when waiting, of a kind that leaves the context
  // usable.
  setenv("FAKE_CUDA_SYNC_ERROR", "701", 1);
  EXPECT_EQ(mlc_qwen3_decode(model, 6, logits.data()), MLC_ERROR_DEVICE);
  EXPECT_THAT(mlc_last_error(),
              HasSubstr("decode at position 4: the module's work on cuda:0 "
                        "Fake GPU (compute capability 9.0) failed: "
                        "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES"));
  EXPECT_EQ(mlc_qwen3_position(model), 4);
  unsetenv("FAKE_CUDA_SYNC_ERROR");
  // That step was captured: the graph is kept and replays.
  expectLogits(decode(model, 6), ref.last({6}, 4), "decode after a fault");
  expectLogits(decode(model, 1), ref.last({1}, 5), "replayed");
  EXPECT_EQ(count("graph_launch 4"), 3u);
  expectCaches(ref, 7);
}

TEST_F(Qwen3CudaTest, StickyErrorEndsTheSession) {
  mlc_qwen3 *model = load();
  std::vector<float> logits(kVocab);
  const int64_t prompt[] = {3, 1, 4};
  setenv("FAKE_CUDA_SYNC_ERROR", "700", 1);
  EXPECT_EQ(mlc_qwen3_prefill(model, prompt, 3, logits.data()),
            MLC_ERROR_DEVICE);
  EXPECT_THAT(mlc_last_error(), HasSubstr("CUDA_ERROR_ILLEGAL_ADDRESS"));
  EXPECT_THAT(mlc_last_error(),
              HasSubstr("this leaves the CUDA context unusable: the session "
                        "cannot run any more"));
  unsetenv("FAKE_CUDA_SYNC_ERROR");
  mlc_qwen3_reset(model);
  clearLog();
  EXPECT_EQ(mlc_qwen3_prefill(model, prompt, 3, logits.data()),
            MLC_ERROR_DEVICE);
  EXPECT_THAT(mlc_last_error(),
              HasSubstr("prefill of 3 tokens at position 0: the session cannot "
                        "run any more: an earlier step failed with an error "
                        "that leaves the CUDA context unusable (the module's "
                        "work on cuda:0 Fake GPU (compute capability 9.0) "
                        "failed: CUDA_ERROR_ILLEGAL_ADDRESS"));
  EXPECT_EQ(count("htod "), 0u);
  // Freeing it still releases everything (TearDown checks).
}

TEST_F(Qwen3CudaTest, ModulesThatBreakTheAbi) {
  mlc_qwen3 *model = load();
  std::vector<float> logits(kVocab);
  const int64_t prompt[] = {3, 1, 4};
  struct {
    int mode;
    const char *message;
  } cases[] = {
      {2, "prefill of 3 tokens at position 0: head_decode: the head's output "
          "was not allocated through hooks->alloc (mlc_module_cuda_hooks)"},
      {3, "embed returned an output of shape [1, 4, 4], expected [1, 3, 4]"},
      {5, "head_decode: the host code launched kernel 9 but the metadata "
          "declares 3 kernels"},
  };
  for (const auto &c : cases) {
    setMode(c.mode);
    EXPECT_EQ(mlc_qwen3_prefill(model, prompt, 3, logits.data()),
              MLC_ERROR_INVALID_MODULE)
        << c.mode;
    EXPECT_THAT(mlc_last_error(), HasSubstr(c.message));
    EXPECT_THAT(mlc_last_error(), HasSubstr("Qwen3 library '" + dir + "'"));
    EXPECT_EQ(mlc_qwen3_position(model), 0);
  }
  setMode(0);
  expectLogits(prefill(model, {3, 1, 4}), Reference().last({3, 1, 4}, 0),
               "prefill");
}

TEST_F(Qwen3CudaTest, TwoSessionsOfOneLibrary) {
  mlc_qwen3 *a = load(), *b = load();
  Reference refA, refB;
  expectLogits(prefill(a, {3, 1, 4}), refA.last({3, 1, 4}, 0), "a");
  expectLogits(prefill(b, {7, 7}), refB.last({7, 7}, 0), "b");
  for (int64_t i = 0; i < 4; ++i) {
    expectLogits(decode(a, i), refA.last({i}, 3 + i), "a decode");
    expectLogits(decode(b, 7 - i), refB.last({7 - i}, 2 + i), "b decode");
  }
  // One device state (module, stream) for the library, one copy of the
  // weights of its params.bin; each session has its caches and graph.
  EXPECT_EQ(count("module_load "), 1u);
  EXPECT_EQ(count("stream_create 1"), 1u);
  EXPECT_EQ(count("alloc 2304"), 1u);
  EXPECT_EQ(count("htod "), kUploadedTensors + 2 + 2 * 4);
  // a's graph holds the blocks both warmed: b's first capture misses them,
  // its second (after a direct run) succeeds.
  EXPECT_EQ(count("capture_end 4"), 2u);
  const char *detail = nullptr;
  EXPECT_EQ(mlc_qwen3_cuda_graphs(a, &detail), 1);
  EXPECT_STREQ(detail, "on: decode steps replay a CUDA graph");
  EXPECT_EQ(mlc_qwen3_cuda_graphs(b, &detail), 1);
  EXPECT_STREQ(detail, "on: decode steps replay a CUDA graph");
}

TEST_F(Qwen3CudaTest, SessionsShareWeightsOfOneFileOnly) {
  // The same library with other weights in another folder: its own copy.
  Reference other;
  for (uint16_t &e : other.embed)
    e = toBf16(-fromBf16(e));
  std::string otherDir = dir + "_other";
  makeLibraryDir(otherDir, other);
  mlc_qwen3 *a = load();
  mlc_qwen3 *b = nullptr;
  ASSERT_EQ(mlc_qwen3_load(otherDir.c_str(), &b), MLC_OK) << mlc_last_error();
  sessions.push_back(b);
  EXPECT_EQ(count("alloc 2304"), 2u);
  expectLogits(prefill(a, {3, 1, 4}), Reference().last({3, 1, 4}, 0), "a");
  expectLogits(prefill(b, {3, 1, 4}), other.last({3, 1, 4}, 0), "b");
  // The weights go with the last session of their file; a session loaded
  // after that uploads them again.
  mlc_qwen3_free(a);
  sessions.erase(sessions.begin());
  EXPECT_EQ(count("free 2304"), 1u);
  mlc_qwen3 *c = load();
  EXPECT_EQ(count("alloc 2304"), 3u);
  expectLogits(prefill(c, {3, 1, 4}), Reference().last({3, 1, 4}, 0), "c");
}

/// The Hugging Face checkpoint that `ref`'s params.bin is converted from:
/// the projections [out, in] (q, k, v the column blocks of qkv; the
/// tensors the fake library does not read, zeros), lm_head untied.
void writeCheckpoint(const std::string &dir, const Reference &ref) {
  using ::mlc::test::rawBytes;
  using ::mlc::test::RawTensor;
  mkdir(dir.c_str(), 0777);
  std::ofstream(dir + "/config.json") << R"({
    "model_type": "qwen3", "vocab_size": 8, "hidden_size": 4,
    "intermediate_size": 4, "num_hidden_layers": )"
                                      << kLayers << R"(,
    "num_attention_heads": 2, "num_key_value_heads": 2, "head_dim": 2,
    "rms_norm_eps": 1e-06, "rope_theta": 10000, "tie_word_embeddings": false,
    "torch_dtype": "bfloat16"})";
  /// [rows, cols] of `source` ([cols, stride] from column `first`),
  /// transposed.
  auto transposed = [](const std::vector<uint16_t> &source, int64_t rows,
                       int64_t cols, int64_t stride, int64_t first) {
    std::vector<uint16_t> out(rows * cols);
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c)
        out[r * cols + c] = source[c * stride + first + r];
    return rawBytes(out);
  };
  std::string zeros(2 * kHidden * kHidden, '\0');
  std::vector<RawTensor> tensors = {
      {"model.embed_tokens.weight",
       "BF16",
       {kVocab, kHidden},
       rawBytes(ref.embed)},
      {"model.norm.weight", "F32", {kHidden}, rawBytes(ref.norm)},
      {"lm_head.weight",
       "BF16",
       {kVocab, kHidden},
       transposed(ref.lm, kVocab, kHidden, kVocab, 0)}};
  for (int64_t l = 0; l < kLayers; ++l) {
    std::string prefix = "model.layers." + std::to_string(l) + ".";
    const Reference::Layer &layer = ref.layers[l];
    tensors.push_back({prefix + "input_layernorm.weight",
                       "F32",
                       {kHidden},
                       rawBytes(layer.a)});
    for (auto [name, first] : {std::pair{"q", 0}, {"k", 4}, {"v", 8}})
      tensors.push_back({prefix + "self_attn." + name + "_proj.weight",
                         "BF16",
                         {4, kHidden},
                         transposed(layer.qkv, 4, kHidden, 12, first)});
    tensors.push_back({prefix + "mlp.down_proj.weight",
                       "BF16",
                       {kHidden, kHidden},
                       transposed(layer.down, kHidden, kHidden, kHidden, 0)});
    for (const char *name : {"self_attn.o_proj.weight", "mlp.gate_proj.weight",
                             "mlp.up_proj.weight"})
      tensors.push_back({prefix + name, "BF16", {kHidden, kHidden}, zeros});
    for (const char *name :
         {"self_attn.q_norm.weight", "self_attn.k_norm.weight"})
      tensors.push_back(
          {prefix + name, "BF16", {kHeadDim}, zeros.substr(0, 4)});
    tensors.push_back({prefix + "post_attention_layernorm.weight",
                       "BF16",
                       {kHidden},
                       zeros.substr(0, 8)});
  }
  std::ofstream(dir + "/model.safetensors", std::ios::binary)
      << ::mlc::test::safetensorsFile(tensors);
}

TEST_F(Qwen3CudaTest, WeightsBoundAtLoadFromACheckpoint) {
  // The library folder without params.bin, with the checkpoint's
  // config.json (as mlc-compile --no-weights leaves it).
  Reference ref;
  std::string checkpoint = dir + "_checkpoint";
  writeCheckpoint(checkpoint, ref);
  unlink((dir + "/params.bin").c_str());
  std::ifstream config(checkpoint + "/config.json");
  std::ofstream(dir + "/config.json") << config.rdbuf();
  mlc_qwen3 *model = nullptr;
  ASSERT_EQ(
      mlc_qwen3_load_with_weights(dir.c_str(), checkpoint.c_str(), &model),
      MLC_OK)
      << mlc_last_error();
  sessions.push_back(model);
  // The converted tensors the library reads went up, one block as from
  // params.bin; the checkpoint's files are no longer mapped.
  EXPECT_EQ(count("alloc 2304"), 1u);
  std::ifstream maps("/proc/self/maps");
  std::string text(std::istreambuf_iterator<char>(maps), {});
  EXPECT_THAT(text, ::testing::Not(HasSubstr(checkpoint)));
  generate(model, 4);

  // A second session of the same library and checkpoint shares the
  // weights on the device.
  mlc_qwen3 *again = nullptr;
  ASSERT_EQ(
      mlc_qwen3_load_with_weights(dir.c_str(), checkpoint.c_str(), &again),
      MLC_OK)
      << mlc_last_error();
  sessions.push_back(again);
  EXPECT_EQ(count("alloc 2304"), 1u);
  expectLogits(prefill(again, {3, 1, 4}), Reference().last({3, 1, 4}, 0),
               "second session");
}

TEST_F(Qwen3CudaTest, MlcGenerateRunsOnTheDevice) {
  // The greedy continuation of 3 1 4, computed here.
  Reference ref;
  std::vector<int64_t> context = {3, 1, 4}, expected;
  std::vector<float> logits = ref.last(context, 0);
  for (int i = 0; i < 6; ++i) {
    int64_t best = 0;
    for (int64_t t = 1; t < kVocab; ++t)
      if (logits[t] > logits[best])
        best = t;
    expected.push_back(best);
    logits = ref.last({best}, static_cast<int64_t>(context.size()));
    context.push_back(best);
  }
  std::string ids;
  for (int64_t id : expected)
    ids += (ids.empty() ? "" : " ") + std::to_string(id);
  // The environment (the fake driver) is the child's too.
  std::string errors = dir + "/stderr.txt";
  std::string command = std::string(MLC_GENERATE) + " --lib " + dir +
                        " --prompt-ids 3,1,4 --max-tokens 6 2>" + errors;
  FILE *pipe = popen(command.c_str(), "r");
  ASSERT_TRUE(pipe);
  std::string printed;
  char buffer[4096];
  while (size_t n = fread(buffer, 1, sizeof buffer, pipe))
    printed.append(buffer, n);
  std::ifstream in(errors);
  std::string output(std::istreambuf_iterator<char>(in), {});
  EXPECT_EQ(pclose(pipe), 0) << output;
  EXPECT_EQ(printed, ids + "\n");
  EXPECT_THAT(output, HasSubstr("mlc-generate: device: cuda:0 Fake GPU "
                                "(compute capability 9.0, 1.0 GiB), sm_90 "
                                "cubin\n"));
  EXPECT_THAT(output, HasSubstr("mlc-generate: prefill 3 tokens in "));
  EXPECT_THAT(output, HasSubstr("decode 5 tokens in "));
  EXPECT_THAT(output, HasSubstr("mlc-generate: CUDA graphs: on: decode steps "
                                "replay a CUDA graph\n"));
  // The child's steps, in the shared log: the capture's launch and three
  // replays.
  EXPECT_EQ(count("graph_launch 4"), 4u);
}

/// A CUDA library where there is no driver: the load fails, naming it.
TEST(Qwen3CudaNoDriverTest, LoadFailsNamingTheLibrary) {
  CLAIM_DRIVER("/nonexistent/libcuda.so.1");
  mlc::test::ScopedEnv env("MLC_CUDA_DRIVER", "/nonexistent/libcuda.so.1");
  std::string dir = ::testing::TempDir() + "mlc_cuda_qwen3_no_driver";
  makeLibraryDir(dir, Reference());
  mlc_qwen3 *model = nullptr;
  EXPECT_EQ(mlc_qwen3_load(dir.c_str(), &model), MLC_ERROR_DEVICE);
  EXPECT_EQ(model, nullptr);
  EXPECT_THAT(mlc_last_error(),
              HasSubstr("module '" + dir +
                        "/libqwen3.so': no CUDA driver: cannot load "
                        "'/nonexistent/libcuda.so.1' (MLC_CUDA_DRIVER)"));
}

} // namespace
