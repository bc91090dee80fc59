//===- Qwen3WeightsTest.cpp - the safetensors reader and Qwen3 conversion -===//
//
// libmlcrt's safetensors reader on files written here byte by byte (single,
// sharded with an index, every malformation the reader checks; truncated
// and corrupted files must give errors and never crash), the exact
// F16/BF16/F32 conversions, the Qwen3 checks (config.json, the tensor list,
// a checkpoint against a library's config) and the conversion into a
// library's params (transposes, q/k/v and gate/up side by side, lm_head
// tied or not, the parameter file's header and layout), in memory and in a
// file.
//
//===----------------------------------------------------------------------===//

#include "Qwen3Weights.h"
#include "Metadata.h"
#include "Safetensors.h"
#include "SafetensorsTestUtils.h"

#include "mlc-c/Module.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

using namespace mlc::rt;
using namespace mlc::rt::qwen3;
using namespace mlc::test;
using ::testing::HasSubstr;

namespace {

//===----------------------------------------------------------------------===//
// Writing test files
//===----------------------------------------------------------------------===//

std::string f32Bytes(const std::vector<float> &values) {
  return rawBytes(values);
}

std::string u16Bytes(const std::vector<uint16_t> &values) {
  return rawBytes(values);
}

int64_t product(const std::vector<int64_t> &shape) {
  int64_t count = 1;
  for (int64_t dim : shape)
    count *= dim;
  return count;
}

/// An f32 tensor whose element i is `base + i`.
RawTensor f32Tensor(std::string name, std::vector<int64_t> shape,
                    float base = 0) {
  std::vector<float> values(product(shape));
  for (size_t i = 0; i < values.size(); ++i)
    values[i] = base + float(i);
  return {std::move(name), "F32", std::move(shape), f32Bytes(values)};
}

/// A bf16 tensor whose element i has the bits `base + i`.
RawTensor bf16Tensor(std::string name, std::vector<int64_t> shape,
                     uint16_t base = 0) {
  std::vector<uint16_t> bits(product(shape));
  for (size_t i = 0; i < bits.size(); ++i)
    bits[i] = uint16_t(base + i);
  return {std::move(name), "BF16", std::move(shape), u16Bytes(bits)};
}

/// The config.json of a tiny Qwen3: vocab 16, hidden 8, ffn 12, 2 layers, 2
/// heads of 4, one KV head; `extra` adds or overrides keys.
std::string tinyConfig(const std::string &extra = "", bool tied = true) {
  std::string text = R"({
    "architectures": ["Qwen3ForCausalLM"], "model_type": "qwen3",
    "vocab_size": 16, "hidden_size": 8, "intermediate_size": 12,
    "num_hidden_layers": 2, "num_attention_heads": 2,
    "num_key_value_heads": 1, "head_dim": 4, "max_position_embeddings": 32,
    "rms_norm_eps": 1e-06, "rope_theta": 1000000, "rope_scaling": null,
    "bos_token_id": 1, "eos_token_id": 2, "torch_dtype": "bfloat16",
    "tie_word_embeddings": )";
  text += tied ? "true" : "false";
  return text + extra + "}";
}

/// Every tensor of tinyConfig(), written out by hand; f32 with distinct
/// values (the matrices' element i is 1000 * k + i for the k-th tensor), or
/// bf16.
std::vector<RawTensor> tinyTensors(bool bf16 = false, bool lmHead = false) {
  int k = 0;
  auto make = [&](std::string name, std::vector<int64_t> shape) {
    ++k;
    return bf16 ? bf16Tensor(std::move(name), std::move(shape),
                             uint16_t(0x3f00 + 64 * k))
                : f32Tensor(std::move(name), std::move(shape), 1000.0f * k);
  };
  std::vector<RawTensor> tensors = {
      make("model.embed_tokens.weight", {16, 8}),
      make("model.norm.weight", {8}),
  };
  for (int layer = 0; layer < 2; ++layer) {
    std::string prefix = "model.layers." + std::to_string(layer) + ".";
    tensors.push_back(make(prefix + "input_layernorm.weight", {8}));
    tensors.push_back(make(prefix + "self_attn.q_proj.weight", {8, 8}));
    tensors.push_back(make(prefix + "self_attn.k_proj.weight", {4, 8}));
    tensors.push_back(make(prefix + "self_attn.v_proj.weight", {4, 8}));
    tensors.push_back(make(prefix + "self_attn.o_proj.weight", {8, 8}));
    tensors.push_back(make(prefix + "self_attn.q_norm.weight", {4}));
    tensors.push_back(make(prefix + "self_attn.k_norm.weight", {4}));
    tensors.push_back(make(prefix + "post_attention_layernorm.weight", {8}));
    tensors.push_back(make(prefix + "mlp.gate_proj.weight", {12, 8}));
    tensors.push_back(make(prefix + "mlp.up_proj.weight", {12, 8}));
    tensors.push_back(make(prefix + "mlp.down_proj.weight", {8, 12}));
  }
  if (lmHead)
    tensors.push_back(make("lm_head.weight", {16, 8}));
  return tensors;
}

/// The params a tiny library declares (as the Qwen3 builder does), the
/// matrices in `matrices`.
/// The params of the tiny library; `outIn`: its projections [out, in] (a
/// library for CUDA).
std::vector<ParamSpec> tinySpecs(mlc_dtype matrices = MLC_DTYPE_F32,
                                 bool outIn = false) {
  auto spec = [&](const char *name, std::vector<int64_t> dims) {
    return ParamSpec{name, dims.size() == 2 ? matrices : MLC_DTYPE_F32, dims};
  };
  auto projection = [&](const char *name, int64_t in, int64_t out) {
    return spec(name, outIn ? std::vector<int64_t>{out, in}
                            : std::vector<int64_t>{in, out});
  };
  return {spec("model.embed_tokens.weight", {16, 8}),
          spec("layer.input_layernorm.weight", {8}),
          projection("layer.self_attn.qkv_proj.weight", 8, 16),
          projection("layer.self_attn.o_proj.weight", 8, 8),
          spec("layer.self_attn.q_norm.weight", {4}),
          spec("layer.self_attn.k_norm.weight", {4}),
          spec("layer.post_attention_layernorm.weight", {8}),
          projection("layer.mlp.gate_up_proj.weight", 8, 24),
          projection("layer.mlp.down_proj.weight", 12, 8),
          spec("model.norm.weight", {8}),
          projection("lm_head.weight", 8, 16)};
}

/// Each test gets a fresh directory.
class Qwen3WeightsTest : public ::testing::Test {
protected:
  void SetUp() override {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "mlc-weights-XXXXXX")
            .string();
    ASSERT_TRUE(mkdtemp(pattern.data())) << "mkdtemp failed";
    dir = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir); }

  std::string path(const std::string &name) const { return dir + "/" + name; }

  void write(const std::string &name, const std::string &contents) const {
    std::ofstream out(path(name), std::ios::binary | std::ios::trunc);
    out.write(contents.data(), contents.size());
    ASSERT_TRUE(out.good()) << "cannot write " << path(name);
  }

  /// `file` as model.safetensors, then the folder's error ("" on success).
  std::string openError(const std::string &file) const {
    write("model.safetensors", file);
    std::string error;
    return SafetensorsFolder::open(dir, error) ? "" : error;
  }

  /// openError for a header alone (no data section beyond `data`).
  std::string headerError(const std::string &header,
                          const std::string &data = "") const {
    return openError(safetensorsFile(header, data));
  }

  std::unique_ptr<SafetensorsFolder> openOk() const {
    std::string error;
    std::unique_ptr<SafetensorsFolder> folder =
        SafetensorsFolder::open(dir, error);
    EXPECT_TRUE(folder) << error;
    return folder;
  }

  std::unique_ptr<Checkpoint> checkpointOk() const {
    std::string error;
    std::unique_ptr<Checkpoint> checkpoint = Checkpoint::open(dir, error);
    EXPECT_TRUE(checkpoint) << error;
    return checkpoint;
  }

  std::string dir;
};

//===----------------------------------------------------------------------===//
// Opening folders
//===----------------------------------------------------------------------===//

TEST_F(Qwen3WeightsTest, FolderErrors) {
  std::string error;
  EXPECT_FALSE(SafetensorsFolder::open(path("nothing"), error));
  EXPECT_EQ(error, "checkpoint " + path("nothing") + " is not a directory");
  EXPECT_FALSE(SafetensorsFolder::open(dir, error));
  EXPECT_EQ(error, "checkpoint " + dir +
                       " has neither model.safetensors nor "
                       "model.safetensors.index.json");
  // A checkpoint needs its config.json.
  EXPECT_FALSE(Checkpoint::open(dir, error));
  EXPECT_THAT(error, HasSubstr("cannot read " + path("config.json")));
}

TEST_F(Qwen3WeightsTest, SingleFile) {
  write("model.safetensors",
        safetensorsFile({f32Tensor("a", {2, 3}, 1),
                         bf16Tensor("b", {4}),
                         f32Tensor("scalar", {}, 7),
                         {"ids", "I64", {2}, std::string(16, '\0')},
                         f32Tensor("empty", {0, 5})}));
  std::unique_ptr<SafetensorsFolder> folder = openOk();
  ASSERT_TRUE(folder);
  const StTensor *a = folder->find("a");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->name, "a");
  EXPECT_EQ(a->dtype, StDType::F32);
  EXPECT_EQ(a->dtypeName, "F32");
  EXPECT_EQ(a->shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(a->file, path("model.safetensors"));
  EXPECT_EQ(a->size, 24u);
  EXPECT_EQ(a->numElements(), 6);
  EXPECT_EQ(folder->find("b")->dtype, StDType::BF16);
  EXPECT_EQ(folder->find("b")->size, 8u);
  EXPECT_EQ(folder->find("empty")->size, 0u);
  EXPECT_EQ(folder->find("ids")->dtype, StDType::Other);
  EXPECT_EQ(folder->find("missing"), nullptr);
  std::vector<std::string> names;
  for (const StTensor &tensor : folder->tensors())
    names.push_back(tensor.name);
  EXPECT_EQ(names,
            (std::vector<std::string>{"a", "b", "empty", "ids", "scalar"}));
  EXPECT_FALSE(folder->identity().empty());

  std::string error;
  std::vector<float> values(6);
  ASSERT_TRUE(convertElements(*a, MLC_DTYPE_F32,
                              reinterpret_cast<char *>(values.data()), error))
      << error;
  EXPECT_EQ(values, (std::vector<float>{1, 2, 3, 4, 5, 6}));
  float scalar = 0;
  ASSERT_TRUE(convertElements(*folder->find("scalar"), MLC_DTYPE_F32,
                              reinterpret_cast<char *>(&scalar), error));
  EXPECT_EQ(scalar, 7.0f);
  EXPECT_FALSE(convertElements(*folder->find("ids"), MLC_DTYPE_F32,
                               reinterpret_cast<char *>(values.data()), error));
  EXPECT_EQ(error, "tensor ids in " + path("model.safetensors") +
                       ": unsupported dtype I64 (mlc reads F32, F16 and BF16)");
  // bf16 is kept only from BF16, bit for bit.
  EXPECT_FALSE(convertElements(*a, MLC_DTYPE_BF16,
                               reinterpret_cast<char *>(values.data()), error));
  EXPECT_THAT(error, HasSubstr("tensor a in " + path("model.safetensors") +
                               " is F32, but the library stores it in bf16"));
}

/// The bit patterns of `values`, so that -0 and NaN payloads compare.
std::vector<uint32_t> bitsOf(const std::vector<float> &values) {
  std::vector<uint32_t> bits(values.size());
  std::memcpy(bits.data(), values.data(), 4 * values.size());
  return bits;
}

float fromBits(uint32_t bits) {
  float value;
  std::memcpy(&value, &bits, 4);
  return value;
}

/// A 16-bit pattern and the f32 it stands for.
struct Half {
  uint16_t bits;
  float value;
};

TEST_F(Qwen3WeightsTest, ConvertsExactly) {
  float nan = fromBits(0x7fc00000u);
  // f16: zeros, subnormals (smallest, largest, negative), normals, the
  // largest finite value, infinities and NaNs with their payloads.
  std::vector<Half> f16 = {
      {0x0000, 0.0f},
      {0x8000, -0.0f},
      {0x0001, 0x1p-24f},
      {0x03ff, 1023 * 0x1p-24f},
      {0x8001, -0x1p-24f},
      {0x0400, 0x1p-14f},
      {0x3c00, 1.0f},
      {0xc000, -2.0f},
      {0x3555, 0x1.554p-2f},
      {0x7bff, 65504.0f},
      {0x7c00, INFINITY},
      {0xfc00, -INFINITY},
      {0x7e00, nan},
      {0x7c01, fromBits(0x7f802000u)},
      {0xfe01, fromBits(0xffc02000u)},
  };
  // bf16: the upper half of an f32; negative values, a subnormal, -0,
  // infinities, a NaN.
  std::vector<Half> bf16 = {
      {0x3f80, 1.0f},      {0xbfc0, -1.5f},
      {0xc2f7, -123.5f},   {0x0001, 0x1p-133f},
      {0x8000, -0.0f},     {0x7f80, INFINITY},
      {0xff80, -INFINITY}, {0x7fc1, fromBits(0x7fc10000u)},
  };
  // f32 passes through bit for bit, NaN payload included.
  std::vector<float> f32 = {0.1f, -0.0f, 0x1p-149f, 3.4e38f,
                            fromBits(0x7fa00001u)};
  auto bitsOfHalves = [](const std::vector<Half> &halves) {
    std::vector<uint16_t> bits;
    for (const Half &half : halves)
      bits.push_back(half.bits);
    return bits;
  };
  auto valuesOf = [](const std::vector<Half> &halves) {
    std::vector<float> values;
    for (const Half &half : halves)
      values.push_back(half.value);
    return values;
  };
  int64_t f16Count = f16.size(), bf16Count = bf16.size(), f32Count = f32.size();
  write("model.safetensors",
        safetensorsFile(
            {{"f16", "F16", {f16Count}, u16Bytes(bitsOfHalves(f16))},
             {"bf16", "BF16", {2, bf16Count / 2}, u16Bytes(bitsOfHalves(bf16))},
             {"f32", "F32", {f32Count}, f32Bytes(f32)}}));
  std::unique_ptr<SafetensorsFolder> folder = openOk();
  ASSERT_TRUE(folder);
  std::string error;
  auto convert = [&](const char *name, int64_t count) {
    std::vector<float> out(count);
    EXPECT_TRUE(convertElements(*folder->find(name), MLC_DTYPE_F32,
                                reinterpret_cast<char *>(out.data()), error))
        << error;
    return out;
  };
  EXPECT_EQ(bitsOf(convert("f16", f16Count)), bitsOf(valuesOf(f16)));
  EXPECT_EQ(bitsOf(convert("bf16", bf16Count)), bitsOf(valuesOf(bf16)));
  EXPECT_EQ(bitsOf(convert("f32", f32Count)), bitsOf(f32));
  std::vector<uint16_t> kept(bf16Count);
  ASSERT_TRUE(convertElements(*folder->find("bf16"), MLC_DTYPE_BF16,
                              reinterpret_cast<char *>(kept.data()), error));
  EXPECT_EQ(kept, bitsOfHalves(bf16));
}

TEST_F(Qwen3WeightsTest, EveryF16Value) {
  // All 65536 f16 values against an independent formula.
  std::vector<uint16_t> all(65536);
  for (size_t i = 0; i < all.size(); ++i)
    all[i] = uint16_t(i);
  write("model.safetensors",
        safetensorsFile({{"all", "F16", {65536}, u16Bytes(all)}}));
  std::unique_ptr<SafetensorsFolder> folder = openOk();
  ASSERT_TRUE(folder);
  std::vector<float> out(all.size());
  std::string error;
  ASSERT_TRUE(convertElements(*folder->find("all"), MLC_DTYPE_F32,
                              reinterpret_cast<char *>(out.data()), error));
  for (uint32_t bits = 0; bits < 65536; ++bits) {
    int exponent = (bits >> 10) & 0x1f, mantissa = bits & 0x3ff;
    float sign = (bits & 0x8000) ? -1.0f : 1.0f;
    float value = out[bits];
    if (exponent == 0x1f) {
      EXPECT_TRUE(mantissa ? std::isnan(value) : value == sign * INFINITY)
          << bits;
      continue;
    }
    float expected = exponent == 0 ? sign * std::ldexp(float(mantissa), -24)
                                   : sign * std::ldexp(float(1024 + mantissa),
                                                       exponent - 25);
    EXPECT_EQ(bitsOf({value}), bitsOf({expected})) << "f16 bits " << bits;
  }
}

TEST_F(Qwen3WeightsTest, Sharded) {
  write("model-00001-of-00002.safetensors",
        safetensorsFile({f32Tensor("a", {2}, 1), bf16Tensor("b", {3})}));
  write("model-00002-of-00002.safetensors",
        safetensorsFile({f32Tensor("c", {2, 2}, 10)}));
  write("model.safetensors.index.json",
        R"({"metadata": {"total_size": 30},
            "weight_map": {"a": "model-00001-of-00002.safetensors",
                           "b": "model-00001-of-00002.safetensors",
                           "c": "model-00002-of-00002.safetensors"}})");
  std::unique_ptr<SafetensorsFolder> folder = openOk();
  ASSERT_TRUE(folder);
  EXPECT_EQ(folder->tensors().size(), 3u);
  EXPECT_EQ(folder->find("a")->file, path("model-00001-of-00002.safetensors"));
  EXPECT_EQ(folder->find("c")->file, path("model-00002-of-00002.safetensors"));
  std::vector<float> c(4);
  std::string error;
  ASSERT_TRUE(convertElements(*folder->find("c"), MLC_DTYPE_F32,
                              reinterpret_cast<char *>(c.data()), error));
  EXPECT_EQ(c, (std::vector<float>{10, 11, 12, 13}));

  // A single model.safetensors wins over the index, as in transformers.
  write("model.safetensors", safetensorsFile({f32Tensor("single", {1})}));
  folder = openOk();
  ASSERT_TRUE(folder);
  EXPECT_EQ(folder->tensors().size(), 1u);
  EXPECT_TRUE(folder->find("single"));
}

TEST_F(Qwen3WeightsTest, IndexErrors) {
  std::string index = path("model.safetensors.index.json");
  std::string shard1 = path("s1.safetensors");
  auto indexError = [&](const std::string &text) {
    write("model.safetensors.index.json", text);
    std::string error;
    return SafetensorsFolder::open(dir, error) ? std::string() : error;
  };
  write("s1.safetensors",
        safetensorsFile({f32Tensor("a", {2}), f32Tensor("b", {2})}));
  write("s2.safetensors", safetensorsFile({f32Tensor("b", {2})}));

  EXPECT_THAT(indexError("{\"weight_map\": "),
              HasSubstr(index + " is not valid JSON"));
  EXPECT_EQ(indexError("[]"), index + ": expected a JSON object");
  EXPECT_EQ(indexError("{}"), "missing key 'weight_map' in " + index);
  EXPECT_EQ(indexError(R"({"weight_map": []})"),
            "key 'weight_map' in " + index + ": expected an object, found []");
  EXPECT_EQ(indexError(R"({"weight_map": {}})"),
            "key 'weight_map' in " + index + " lists no tensors");
  EXPECT_EQ(indexError(R"({"weight_map": {"a": 1}})"),
            "tensor a in " + index + ": the shard is not a string: 1");
  EXPECT_EQ(indexError(R"({"weight_map": {"a": "../s1.safetensors"}})"),
            "tensor a in " + index +
                ": shard '../s1.safetensors' is not a file name in the "
                "checkpoint folder");
  EXPECT_EQ(indexError(R"({"weight_map": {"a": "s1.safetensors",
                                          "a": "s1.safetensors"}})"),
            "tensor a is listed twice in " + index);
  EXPECT_EQ(indexError(R"({"weight_map": {"a": "gone.safetensors"}})"),
            "shard gone.safetensors listed in " + index +
                " (for tensor a) does not exist in " + dir);
  EXPECT_EQ(indexError(R"({"weight_map": {"a": "s1.safetensors",
                                          "x": "s1.safetensors"}})"),
            "tensor x listed in " + index + " is not in " + shard1);
  EXPECT_EQ(indexError(R"({"weight_map": {"a": "s1.safetensors",
                                          "b": "s2.safetensors"}})"),
            "tensor b is in both " + shard1 + " and " + path("s2.safetensors"));
  // A corrupt shard is named.
  write("s2.safetensors", "tiny");
  EXPECT_THAT(indexError(R"({"weight_map": {"a": "s1.safetensors",
                                            "c": "s2.safetensors"}})"),
              HasSubstr(path("s2.safetensors") + ": the file is 4 bytes"));
  // An index entry naming the wrong shard.
  write("s2.safetensors", safetensorsFile({f32Tensor("c", {2})}));
  EXPECT_EQ(indexError(R"({"weight_map": {"a": "s2.safetensors",
                                          "c": "s1.safetensors"}})"),
            "tensor a listed in " + index + " for " + path("s2.safetensors") +
                " is in " + shard1 + "\ntensor c listed in " + index + " for " +
                shard1 + " is in " + path("s2.safetensors"));
}

//===----------------------------------------------------------------------===//
// Malformed safetensors files
//===----------------------------------------------------------------------===//

TEST_F(Qwen3WeightsTest, FileLevelErrors) {
  std::string file = path("model.safetensors");
  EXPECT_EQ(openError("12345"), file + ": the file is 5 bytes, too short for "
                                       "a safetensors header");
  EXPECT_EQ(openError(""), file + ": the file is 0 bytes, too short for a "
                                  "safetensors header");
  std::string tooLong = safetensorsFile("{}", "");
  tooLong[0] = 100;
  EXPECT_EQ(openError(tooLong), file + ": header length 100 exceeds the file "
                                       "size (10 bytes)");
  std::string huge = safetensorsFile("{}", "");
  huge[7] = char(0xff);
  EXPECT_THAT(openError(huge), HasSubstr("exceeds the file size"));
  EXPECT_THAT(headerError("{\"a\": "),
              HasSubstr(file + ": the header is not valid JSON"));
  EXPECT_EQ(headerError("[1, 2]"), file + ": the header is not a JSON object");
  EXPECT_EQ(headerError(R"({"__metadata__": 3})"),
            file + ": __metadata__ is not an object");
  // An empty file list and trailing spaces (header padding) are fine.
  EXPECT_EQ(headerError("{}    "), "");
}

TEST_F(Qwen3WeightsTest, HeaderOverTheSizeLimit) {
  // A sparse file, so that the header length fits in the file.
  std::string file = path("model.safetensors");
  uint64_t length = 200'000'000;
  std::string prefix = safetensorsFile("", "");
  for (int i = 0; i < 8; ++i)
    prefix[i] = char((length >> (8 * i)) & 0xff);
  write("model.safetensors", prefix);
  std::filesystem::resize_file(file, length + 8);
  std::string error;
  EXPECT_FALSE(SafetensorsFolder::open(dir, error));
  EXPECT_EQ(error, file + ": header length 200000000 is over the 100 MB limit");
}

TEST_F(Qwen3WeightsTest, TensorEntryErrors) {
  std::string in = " in " + path("model.safetensors") + ": ";
  std::string data(64, '\0');
  EXPECT_EQ(headerError(R"({"t": 3})", data),
            "tensor t" + in +
                "expected an object with dtype, shape and data_offsets, "
                "found 3");
  EXPECT_EQ(
      headerError(R"({"t": {"shape": [2], "data_offsets": [0, 8]}})", data),
      "tensor t" + in + "missing 'dtype'");
  EXPECT_EQ(headerError(R"({"t": {"dtype": 5, "shape": [2],
                                  "data_offsets": [0, 8]}})",
                        data),
            "tensor t" + in + "'dtype' is not a string: 5");
  EXPECT_EQ(headerError(R"({"t": {"dtype": "F4", "shape": [2],
                                  "data_offsets": [0, 1]}})",
                        data),
            "tensor t" + in +
                "unsupported dtype 'F4' (mlc reads F32, F16 and BF16)");
  EXPECT_EQ(
      headerError(R"({"t": {"dtype": "F32", "data_offsets": [0, 8]}})", data),
      "tensor t" + in + "missing 'shape'");
  EXPECT_EQ(headerError(R"({"t": {"dtype": "F32", "shape": 2,
                                  "data_offsets": [0, 8]}})",
                        data),
            "tensor t" + in + "'shape' is not a list: 2");
  EXPECT_EQ(headerError(R"({"t": {"dtype": "F32", "shape": [2, -1],
                                  "data_offsets": [0, 8]}})",
                        data),
            "tensor t" + in +
                "'shape' [2,-1] has a negative or non-integer dimension");
  EXPECT_EQ(headerError(R"({"t": {"dtype": "F32", "shape": [2.5],
                                  "data_offsets": [0, 8]}})",
                        data),
            "tensor t" + in +
                "'shape' [2.5] has a negative or non-integer dimension");
  EXPECT_EQ(headerError(R"({"t": {"dtype": "F32",
                                  "shape": [4294967296, 4294967296],
                                  "data_offsets": [0, 8]}})",
                        data),
            "tensor t" + in +
                "shape [4294967296, 4294967296] has too many elements");
  // Fits in int64 as elements, not as bytes.
  EXPECT_EQ(headerError(R"({"t": {"dtype": "F32",
                                  "shape": [4611686018427387904],
                                  "data_offsets": [0, 8]}})",
                        data),
            "tensor t" + in +
                "shape [4611686018427387904] has too many elements");
  EXPECT_EQ(headerError(R"({"t": {"dtype": "F32", "shape": [2]}})", data),
            "tensor t" + in + "missing 'data_offsets'");
  for (auto [offsets, shown] : std::vector<std::pair<std::string, std::string>>{
           {"[0]", "[0]"},
           {"[0, 8, 16]", "[0,8,16]"},
           {"8", "8"},
           {"[-8, 0]", "[-8,0]"},
           {"[0, 18446744073709551615]", "[0,1.8446744073709552e+19]"},
           {"[0, \"8\"]", "[0,\"8\"]"}})
    EXPECT_EQ(headerError(R"({"t": {"dtype": "F32", "shape": [2],
                                    "data_offsets": )" +
                              offsets + "}}",
                          data),
              "tensor t" + in +
                  "'data_offsets' must be [begin, end] with non-negative "
                  "integers, found " +
                  shown)
        << offsets;
  EXPECT_EQ(headerError(R"({"t": {"dtype": "F32", "shape": [0],
                                  "data_offsets": [8, 0]}})",
                        data),
            "tensor t" + in + "data_offsets [8, 0] begin after they end");
  EXPECT_EQ(headerError(R"({"t": {"dtype": "F32", "shape": [2],
                                  "data_offsets": [60, 68]}})",
                        data),
            "tensor t" + in +
                "data_offsets [60, 68] end beyond the data section (64 "
                "bytes)");
  EXPECT_EQ(headerError(R"({"t": {"dtype": "BF16", "shape": [2, 3],
                                  "data_offsets": [0, 8]}})",
                        data),
            "tensor t" + in +
                "data_offsets [0, 8] hold 8 bytes, but shape [2, 3] of BF16 "
                "needs 12");
}

TEST_F(Qwen3WeightsTest, OverlapsAndDuplicates) {
  std::string file = path("model.safetensors");
  std::string data(64, '\0');
  EXPECT_EQ(headerError(R"({"a": {"dtype": "F32", "shape": [4],
                                  "data_offsets": [0, 16]},
                            "b": {"dtype": "F32", "shape": [2],
                                  "data_offsets": [8, 16]},
                            "c": {"dtype": "F32", "shape": [0],
                                  "data_offsets": [4, 4]},
                            "d": {"dtype": "F32", "shape": [2],
                                  "data_offsets": [16, 24]}})",
                        data),
            "tensors a and b in " + file +
                " overlap (bytes [0, 16] and [8, 16])");
  // Gaps between tensors are harmless.
  EXPECT_EQ(headerError(R"({"a": {"dtype": "F32", "shape": [1],
                                  "data_offsets": [0, 4]},
                            "b": {"dtype": "F32", "shape": [1],
                                  "data_offsets": [32, 36]}})",
                        data),
            "");
  EXPECT_EQ(headerError(R"({"a": {"dtype": "F32", "shape": [1],
                                  "data_offsets": [0, 4]},
                            "a": {"dtype": "F32", "shape": [1],
                                  "data_offsets": [4, 8]}})",
                        data),
            "tensor a in " + file + ": listed twice in the header");
  // The same name written with an escape.
  EXPECT_EQ(headerError(R"({"a": {"dtype": "F32", "shape": [1],
                                  "data_offsets": [0, 4]},
                            "\u0061": {"dtype": "F32", "shape": [1],
                                       "data_offsets": [4, 8]}})",
                        data),
            "tensor a in " + file + ": listed twice in the header");
}

TEST_F(Qwen3WeightsTest, ListsEveryBadTensorOfAFile) {
  std::string in = " in " + path("model.safetensors") + ": ";
  EXPECT_EQ(headerError(R"({"a": {"dtype": "X", "shape": [1],
                                  "data_offsets": [0, 4]},
                            "b": {"dtype": "F32", "shape": [1],
                                  "data_offsets": [0, 8]},
                            "ok": {"dtype": "F32", "shape": [1],
                                   "data_offsets": [0, 4]}})",
                        std::string(8, '\0')),
            "tensor a" + in +
                "unsupported dtype 'X' (mlc reads F32, F16 and BF16)\n"
                "tensor b" +
                in +
                "data_offsets [0, 8] hold 8 bytes, but shape [1] of F32 "
                "needs 4");
}

TEST_F(Qwen3WeightsTest, TruncationsAndCorruptionsNeverCrash) {
  std::string valid =
      safetensorsFile({f32Tensor("a", {2, 3}),
                       bf16Tensor("b", {4}),
                       {"c", "F16", {3}, u16Bytes({0x3c00, 0x0001, 0x7c00})},
                       {"ids", "I64", {1}, std::string(8, '\0')}});
  ASSERT_EQ(openError(valid), "");
  uint64_t headerEnd =
      8 + uint64_t(uint8_t(valid[0])) + (uint64_t(uint8_t(valid[1])) << 8);

  /// Opens `file`; when it opens, converts every float tensor.
  auto tryOpen = [&](const std::string &file) {
    write("model.safetensors", file);
    std::string error;
    std::unique_ptr<SafetensorsFolder> folder =
        SafetensorsFolder::open(dir, error);
    if (!folder)
      return false;
    for (const StTensor &tensor : folder->tensors()) {
      std::vector<float> out(tensor.numElements());
      bool converted = convertElements(
          tensor, MLC_DTYPE_F32, reinterpret_cast<char *>(out.data()), error);
      EXPECT_EQ(converted, tensor.dtype != StDType::Other) << error;
    }
    return true;
  };

  for (size_t length = 0; length < valid.size(); ++length)
    EXPECT_FALSE(tryOpen(valid.substr(0, length))) << "prefix " << length;

  std::mt19937 random(20250101);
  std::uniform_int_distribution<uint64_t> position(0, headerEnd - 1);
  std::uniform_int_distribution<int> byte(0, 255);
  int opened = 0;
  for (int i = 0; i < 400; ++i) {
    std::string corrupt = valid;
    corrupt[position(random)] = char(byte(random));
    opened += tryOpen(corrupt);
  }
  // Some corruptions (in names, in padding) leave a valid file.
  EXPECT_GT(opened, 0);
  EXPECT_LT(opened, 400);
}

//===----------------------------------------------------------------------===//
// Qwen3: config.json and the tensor list
//===----------------------------------------------------------------------===//

TEST_F(Qwen3WeightsTest, ReadsConfig) {
  write("config.json", tinyConfig());
  ModelConfig config;
  std::string error;
  ASSERT_TRUE(readConfig(path("config.json"), config, error)) << error;
  EXPECT_EQ(config.path, path("config.json"));
  EXPECT_EQ(config.vocabSize, 16);
  EXPECT_EQ(config.hiddenSize, 8);
  EXPECT_EQ(config.intermediateSize, 12);
  EXPECT_EQ(config.numLayers, 2);
  EXPECT_EQ(config.numHeads, 2);
  EXPECT_EQ(config.numKvHeads, 1);
  EXPECT_EQ(config.headDim, 4);
  EXPECT_TRUE(config.tieWordEmbeddings);
  EXPECT_EQ(config.rmsNormEps, 1e-6);
  EXPECT_EQ(config.ropeTheta, 1e6);
  EXPECT_EQ(config.torchDtype, "bfloat16");

  // head_dim defaults to hidden / heads; rope_theta in rope_parameters.
  write("config.json",
        R"({"model_type": "qwen3", "vocab_size": 16, "hidden_size": 8,
            "intermediate_size": 12, "num_hidden_layers": 2,
            "num_attention_heads": 2, "num_key_value_heads": 1,
            "rms_norm_eps": 1e-6, "dtype": "float16",
            "rope_parameters": {"rope_theta": 5000.0}})");
  ASSERT_TRUE(readConfig(path("config.json"), config, error)) << error;
  EXPECT_EQ(config.headDim, 4);
  EXPECT_EQ(config.ropeTheta, 5000.0);
  EXPECT_FALSE(config.tieWordEmbeddings);
  EXPECT_EQ(config.torchDtype, "float16");
}

TEST_F(Qwen3WeightsTest, ConfigErrorsListEveryKey) {
  std::string file = path("config.json");
  ModelConfig config;
  std::string error;
  EXPECT_FALSE(readConfig(file, config, error));
  EXPECT_THAT(error, HasSubstr("cannot read " + file));
  write("config.json", "{\"model_type\": ");
  EXPECT_FALSE(readConfig(file, config, error));
  EXPECT_THAT(error, HasSubstr(file + " is not valid JSON"));
  write("config.json", R"({"model_type": "llama"})");
  EXPECT_FALSE(readConfig(file, config, error));
  EXPECT_EQ(error, "model_type \"llama\" in " + file + " is not qwen3");
  write("config.json",
        R"({"model_type": "qwen3", "vocab_size": 16, "hidden_size": "eight",
            "intermediate_size": 0, "num_hidden_layers": 1e9,
            "num_attention_heads": 2, "num_key_value_heads": 1,
            "rms_norm_eps": -1, "tie_word_embeddings": "yes"})");
  EXPECT_FALSE(readConfig(file, config, error));
  EXPECT_EQ(error, "key 'hidden_size' in " + file +
                       ": expected a positive integer, found \"eight\"\n"
                       "key 'intermediate_size' in " +
                       file +
                       ": expected a positive integer, found 0\n"
                       "key 'num_hidden_layers' in " +
                       file +
                       ": expected a positive integer, found 1e+09\n"
                       "key 'rms_norm_eps' in " +
                       file +
                       ": expected a positive number, found -1\n"
                       "missing key 'rope_theta' in " +
                       file +
                       "\n"
                       "key 'tie_word_embeddings' in " +
                       file + ": expected true or false, found \"yes\"");
  write("config.json",
        R"({"model_type": "qwen3", "vocab_size": 1099511627776,
            "hidden_size": 8, "intermediate_size": 8,
            "num_hidden_layers": 1, "num_attention_heads": 1,
            "num_key_value_heads": 1, "rms_norm_eps": 1e-6,
            "rope_theta": 1e4})");
  EXPECT_FALSE(readConfig(file, config, error));
  EXPECT_EQ(error, "key 'vocab_size' in " + file +
                       ": 1099511627776 is unreasonably large (the limit is "
                       "16777216)");
}

TEST_F(Qwen3WeightsTest, ComparesConfigs) {
  write("config.json", tinyConfig());
  ModelConfig library, checkpoint;
  std::string error;
  ASSERT_TRUE(readConfig(path("config.json"), library, error)) << error;
  checkpoint = library;
  checkpoint.path = "other/config.json";
  checkpoint.torchDtype = "float32"; // Not the library's business.
  EXPECT_EQ(compareConfigs(library, checkpoint), "");
  checkpoint.numLayers = 3;
  checkpoint.hiddenSize = 16;
  checkpoint.tieWordEmbeddings = false;
  checkpoint.ropeTheta = 1e4;
  EXPECT_EQ(compareConfigs(library, checkpoint),
            "the checkpoint's other/config.json does not match the library's " +
                path("config.json") +
                ":\n"
                "  hidden_size: 16 in the checkpoint, 8 in the library\n"
                "  num_hidden_layers: 3 in the checkpoint, 2 in the library\n"
                "  tie_word_embeddings: false in the checkpoint, true in the "
                "library\n"
                "  rope_theta: 10000 in the checkpoint, 1000000 in the "
                "library");
}

TEST_F(Qwen3WeightsTest, TinyQwen3Verifies) {
  write("config.json", tinyConfig());
  write("model.safetensors", safetensorsFile(tinyTensors(/*bf16=*/true)));
  std::unique_ptr<Checkpoint> checkpoint = checkpointOk();
  ASSERT_TRUE(checkpoint);
  std::string error;
  EXPECT_TRUE(checkpoint->verify(error)) << error;
  EXPECT_TRUE(checkpoint->hasBf16Matrices());
  EXPECT_EQ(checkpoint->directory(), dir);
  EXPECT_EQ(checkpoint->config().numLayers, 2);

  write("model.safetensors", safetensorsFile(tinyTensors(/*bf16=*/false)));
  checkpoint = checkpointOk();
  ASSERT_TRUE(checkpoint);
  EXPECT_TRUE(checkpoint->verify(error)) << error;
  EXPECT_FALSE(checkpoint->hasBf16Matrices());
}

TEST_F(Qwen3WeightsTest, UntiedNeedsLmHead) {
  write("config.json", tinyConfig("", /*tied=*/false));
  write("model.safetensors", safetensorsFile(tinyTensors()));
  std::unique_ptr<Checkpoint> checkpoint = checkpointOk();
  ASSERT_TRUE(checkpoint);
  std::string error;
  EXPECT_FALSE(checkpoint->verify(error));
  EXPECT_EQ(error, "checkpoint " + dir +
                       " does not match its config.json:\n  missing tensor "
                       "lm_head.weight");
  write("model.safetensors",
        safetensorsFile(tinyTensors(false, /*lmHead=*/true)));
  checkpoint = checkpointOk();
  ASSERT_TRUE(checkpoint);
  EXPECT_TRUE(checkpoint->verify(error)) << error;
}

TEST_F(Qwen3WeightsTest, VerifyListsEveryProblem) {
  write("config.json", tinyConfig());
  std::vector<RawTensor> tensors;
  for (RawTensor &tensor : tinyTensors(/*bf16=*/true)) {
    if (tensor.name == "model.layers.0.mlp.up_proj.weight" ||
        tensor.name == "model.norm.weight")
      continue;
    if (tensor.name == "model.layers.1.self_attn.k_proj.weight")
      tensor = bf16Tensor(tensor.name, {8, 8});
    if (tensor.name == "model.layers.1.self_attn.q_norm.weight")
      tensor = {tensor.name, "I32", {4}, std::string(16, '\0')};
    tensors.push_back(std::move(tensor));
  }
  // A tied checkpoint may still hold lm_head.weight; its shape must fit.
  tensors.push_back(bf16Tensor("lm_head.weight", {8, 16}));
  write("model.safetensors", safetensorsFile(tensors));
  std::unique_ptr<Checkpoint> checkpoint = checkpointOk();
  ASSERT_TRUE(checkpoint);
  std::string file = path("model.safetensors"), error;
  EXPECT_FALSE(checkpoint->verify(error));
  EXPECT_EQ(error, "checkpoint " + dir + " does not match its config.json:" +
                       "\n  missing tensor model.layers.0.mlp.up_proj.weight" +
                       "\n  tensor model.layers.1.self_attn.k_proj.weight in " +
                       file + ": expected shape [4, 8], found [8, 8]" +
                       "\n  tensor model.layers.1.self_attn.q_norm.weight in " +
                       file +
                       ": unsupported dtype I32 (mlc reads F32, F16 and BF16)" +
                       "\n  missing tensor model.norm.weight" +
                       "\n  tensor lm_head.weight in " + file +
                       ": expected shape [16, 8], found [8, 16]");
}

//===----------------------------------------------------------------------===//
// Qwen3: the params of a library
//===----------------------------------------------------------------------===//

/// Element [r, c] of the f32 tensor `name` of `tensors`.
/// The f32 data of param `name` in `image` (a parameter file of `layout`).
const float *f32Param(const ParamsLayout &layout,
                      const std::vector<char> &image,
                      const std::string &name) {
  for (const ParamTensor &t : layout.tensors)
    if (t.name == name)
      return reinterpret_cast<const float *>(image.data() + t.offset);
  ADD_FAILURE() << "no param " << name;
  return nullptr;
}

float at(const std::vector<RawTensor> &tensors, const std::string &name,
         int64_t r, int64_t c) {
  for (const RawTensor &tensor : tensors)
    if (tensor.name == name) {
      float value;
      std::memcpy(&value,
                  tensor.bytes.data() + 4 * (r * tensor.shape.back() + c), 4);
      return value;
    }
  ADD_FAILURE() << "no tensor " << name;
  return 0;
}

TEST_F(Qwen3WeightsTest, LaysOutTheParameterFile) {
  ParamsLayout layout;
  std::string error;
  // The order of the specs does not matter.
  std::vector<ParamSpec> specs = tinySpecs();
  std::reverse(specs.begin(), specs.end());
  ASSERT_TRUE(planParams(specs, 2, layout, error)) << error;
  std::vector<std::string> names;
  for (const ParamTensor &tensor : layout.tensors)
    names.push_back(tensor.name);
  std::vector<std::string> expected = {"model.embed_tokens.weight"};
  for (int layer = 0; layer < 2; ++layer)
    for (const char *suffix :
         {"input_layernorm.weight", "self_attn.qkv_proj.weight",
          "self_attn.o_proj.weight", "self_attn.q_norm.weight",
          "self_attn.k_norm.weight", "post_attention_layernorm.weight",
          "mlp.gate_up_proj.weight", "mlp.down_proj.weight"})
      expected.push_back("model.layers." + std::to_string(layer) + "." +
                         suffix);
  expected.push_back("model.norm.weight");
  expected.push_back("lm_head.weight");
  EXPECT_EQ(names, expected);

  // The header is what the runtime parses; tensors are 64-byte aligned and
  // do not overlap.
  std::vector<ArgInfo> parsed;
  size_t dataStart;
  ASSERT_TRUE(parseParamsHeader(layout.header, parsed, dataStart, error))
      << error;
  ASSERT_EQ(parsed.size(), layout.tensors.size());
  EXPECT_EQ(layout.header.size() % 4096, 0u);
  uint64_t end = layout.header.size();
  for (size_t i = 0; i < parsed.size(); ++i) {
    EXPECT_EQ(parsed[i].name, layout.tensors[i].name);
    EXPECT_EQ(parsed[i].offset, layout.tensors[i].offset);
    EXPECT_EQ(parsed[i].dims, layout.tensors[i].dims);
    EXPECT_EQ(parsed[i].offset % 64, 0u);
    EXPECT_GE(parsed[i].offset, end);
    end = parsed[i].offset + layout.tensors[i].bytes;
  }
  EXPECT_EQ(layout.size, end);

  // Params a Qwen3 library cannot have.
  EXPECT_FALSE(planParams({{"model.norm.weight", MLC_DTYPE_BF16, {8}}}, 2,
                          layout, error));
  EXPECT_EQ(error, "param model.norm.weight is bf16 (a Qwen3 library's params "
                   "are f32, or bf16 matrices)");
  EXPECT_FALSE(
      planParams({{"x", MLC_DTYPE_F32, {int64_t(1) << 40, int64_t(1) << 40}}},
                 2, layout, error));
  EXPECT_THAT(error, HasSubstr("has too many elements"));
}

TEST_F(Qwen3WeightsTest, ConvertsTiedF32) {
  write("config.json", tinyConfig());
  std::vector<RawTensor> tensors = tinyTensors();
  write("model.safetensors", safetensorsFile(tensors));
  std::unique_ptr<Checkpoint> checkpoint = checkpointOk();
  ASSERT_TRUE(checkpoint);
  ParamsLayout layout;
  std::string error;
  ASSERT_TRUE(planParams(tinySpecs(), 2, layout, error)) << error;
  std::vector<char> image(layout.size, '\0');
  std::vector<std::string> lines;
  ASSERT_TRUE(
      checkpoint->fill(layout, image.data(), error,
                       [&](const std::string &line) { lines.push_back(line); }))
      << error;
  EXPECT_EQ(lines, (std::vector<std::string>{"converted layer 0",
                                             "converted layer 1"}));
  auto tensor = [&](const std::string &name) {
    return f32Param(layout, image, name);
  };
  std::string l1 = "model.layers.1.";
  // q, k, v transposed side by side: [in 8, 8 | 4 | 4].
  const float *qkv = tensor(l1 + "self_attn.qkv_proj.weight");
  for (int64_t in = 0; in < 8; ++in) {
    for (int64_t out = 0; out < 8; ++out)
      EXPECT_EQ(qkv[in * 16 + out],
                at(tensors, l1 + "self_attn.q_proj.weight", out, in));
    for (int64_t out = 0; out < 4; ++out) {
      EXPECT_EQ(qkv[in * 16 + 8 + out],
                at(tensors, l1 + "self_attn.k_proj.weight", out, in));
      EXPECT_EQ(qkv[in * 16 + 12 + out],
                at(tensors, l1 + "self_attn.v_proj.weight", out, in));
    }
  }
  // gate and up: [8, 12 | 12]; down transposed: [12, 8].
  const float *gateUp = tensor(l1 + "mlp.gate_up_proj.weight");
  const float *down = tensor(l1 + "mlp.down_proj.weight");
  for (int64_t in = 0; in < 8; ++in)
    for (int64_t out = 0; out < 12; ++out) {
      EXPECT_EQ(gateUp[in * 24 + out],
                at(tensors, l1 + "mlp.gate_proj.weight", out, in));
      EXPECT_EQ(gateUp[in * 24 + 12 + out],
                at(tensors, l1 + "mlp.up_proj.weight", out, in));
      EXPECT_EQ(down[out * 8 + in],
                at(tensors, l1 + "mlp.down_proj.weight", in, out));
    }
  // Tied: lm_head is the embedding transposed; the embedding as it is.
  const float *lmHead = tensor("lm_head.weight");
  const float *embed = tensor("model.embed_tokens.weight");
  for (int64_t v = 0; v < 16; ++v)
    for (int64_t h = 0; h < 8; ++h) {
      EXPECT_EQ(lmHead[h * 16 + v],
                at(tensors, "model.embed_tokens.weight", v, h));
      EXPECT_EQ(embed[v * 8 + h],
                at(tensors, "model.embed_tokens.weight", v, h));
    }
  EXPECT_EQ(tensor("model.norm.weight")[3],
            at(tensors, "model.norm.weight", 0, 3));

  // The file holds the same bytes.
  ASSERT_TRUE(checkpoint->write(layout, path("params.bin"), error)) << error;
  std::ifstream in(path("params.bin"), std::ios::binary);
  std::string file((std::istreambuf_iterator<char>(in)),
                   std::istreambuf_iterator<char>());
  EXPECT_EQ(file, std::string(image.begin(), image.end()));
  EXPECT_FALSE(std::filesystem::exists(path("params.bin.tmp")));
}

// A library for CUDA keeps the checkpoint's [out, in]: q/k/v and gate/up
// stacked row blocks, down and lm_head (the embedding, tied) as they are.
// o_proj is square here: only the layout's flag tells the two apart.
TEST_F(Qwen3WeightsTest, ConvertsOutInForCuda) {
  write("config.json", tinyConfig());
  std::vector<RawTensor> tensors = tinyTensors();
  write("model.safetensors", safetensorsFile(tensors));
  std::unique_ptr<Checkpoint> checkpoint = checkpointOk();
  ASSERT_TRUE(checkpoint);
  ParamsLayout layout;
  std::string error;
  ASSERT_TRUE(planParams(tinySpecs(MLC_DTYPE_F32, /*outIn=*/true), 2, layout,
                         error))
      << error;
  layout.projectionsOutIn = true;
  std::vector<char> image(layout.size, '\0');
  ASSERT_TRUE(checkpoint->fill(layout, image.data(), error)) << error;
  auto tensor = [&](const std::string &name) {
    return f32Param(layout, image, name);
  };
  std::string l0 = "model.layers.0.";
  // q [8, 8], k [4, 8], v [4, 8] one below the other: [16, 8].
  const float *qkv = tensor(l0 + "self_attn.qkv_proj.weight");
  for (int64_t in = 0; in < 8; ++in) {
    for (int64_t out = 0; out < 8; ++out)
      EXPECT_EQ(qkv[out * 8 + in],
                at(tensors, l0 + "self_attn.q_proj.weight", out, in));
    for (int64_t out = 0; out < 4; ++out) {
      EXPECT_EQ(qkv[(8 + out) * 8 + in],
                at(tensors, l0 + "self_attn.k_proj.weight", out, in));
      EXPECT_EQ(qkv[(12 + out) * 8 + in],
                at(tensors, l0 + "self_attn.v_proj.weight", out, in));
    }
  }
  const float *o = tensor(l0 + "self_attn.o_proj.weight");
  const float *gateUp = tensor(l0 + "mlp.gate_up_proj.weight");
  const float *down = tensor(l0 + "mlp.down_proj.weight");
  for (int64_t in = 0; in < 8; ++in) {
    for (int64_t out = 0; out < 8; ++out)
      EXPECT_EQ(o[out * 8 + in], at(tensors, l0 + "self_attn.o_proj.weight",
                                    out, in));
    for (int64_t out = 0; out < 12; ++out) {
      EXPECT_EQ(gateUp[out * 8 + in],
                at(tensors, l0 + "mlp.gate_proj.weight", out, in));
      EXPECT_EQ(gateUp[(12 + out) * 8 + in],
                at(tensors, l0 + "mlp.up_proj.weight", out, in));
      EXPECT_EQ(down[in * 12 + out],
                at(tensors, l0 + "mlp.down_proj.weight", in, out));
    }
  }
  const float *lmHead = tensor("lm_head.weight");
  for (int64_t v = 0; v < 16; ++v)
    for (int64_t h = 0; h < 8; ++h)
      EXPECT_EQ(lmHead[v * 8 + h],
                at(tensors, "model.embed_tokens.weight", v, h));

  // The [in, out] shapes are not what such a library declares.
  ParamsLayout wrong;
  ASSERT_TRUE(planParams(tinySpecs(), 2, wrong, error)) << error;
  wrong.projectionsOutIn = true;
  std::vector<char> other(wrong.size, '\0');
  EXPECT_FALSE(checkpoint->fill(wrong, other.data(), error));
  EXPECT_THAT(error, HasSubstr("self_attn.qkv_proj.weight is [8, 16], but "
                               "the checkpoint's tensors make [16, 8]"));
}

TEST_F(Qwen3WeightsTest, ConvertsUntiedBf16) {
  write("config.json", tinyConfig("", /*tied=*/false));
  std::vector<RawTensor> tensors = tinyTensors(/*bf16=*/true, /*lmHead=*/true);
  write("model.safetensors", safetensorsFile(tensors));
  std::unique_ptr<Checkpoint> checkpoint = checkpointOk();
  ASSERT_TRUE(checkpoint);
  ParamsLayout layout;
  std::string error;
  ASSERT_TRUE(planParams(tinySpecs(MLC_DTYPE_BF16), 2, layout, error)) << error;
  std::vector<char> image(layout.size, '\0');
  ASSERT_TRUE(checkpoint->fill(layout, image.data(), error)) << error;
  auto bitsOfSource = [&](const std::string &name, int64_t i) {
    for (const RawTensor &tensor : tensors)
      if (tensor.name == name) {
        uint16_t bits;
        std::memcpy(&bits, tensor.bytes.data() + 2 * i, 2);
        return bits;
      }
    ADD_FAILURE() << "no tensor " << name;
    return uint16_t(0);
  };
  for (const ParamTensor &param : layout.tensors) {
    if (param.name == "lm_head.weight") {
      // Untied: lm_head.weight's own bits, transposed.
      EXPECT_EQ(param.dtype, MLC_DTYPE_BF16);
      const uint16_t *lmHead =
          reinterpret_cast<const uint16_t *>(image.data() + param.offset);
      for (int64_t v = 0; v < 16; ++v)
        for (int64_t h = 0; h < 8; ++h)
          EXPECT_EQ(lmHead[h * 16 + v],
                    bitsOfSource("lm_head.weight", v * 8 + h));
    }
    if (param.name == "model.layers.0.input_layernorm.weight") {
      // Norms are widened to f32, exactly.
      EXPECT_EQ(param.dtype, MLC_DTYPE_F32);
      const float *norm =
          reinterpret_cast<const float *>(image.data() + param.offset);
      for (int64_t i = 0; i < 8; ++i) {
        uint32_t bits = uint32_t(bitsOfSource(param.name, i)) << 16;
        EXPECT_EQ(bitsOf({norm[i]}), std::vector<uint32_t>{bits});
      }
    }
  }
}

TEST_F(Qwen3WeightsTest, ConversionErrorsNameTheTensor) {
  // An f16 checkpoint cannot fill a library that keeps bf16 matrices.
  write("config.json", tinyConfig());
  std::vector<RawTensor> tensors = tinyTensors();
  for (RawTensor &tensor : tensors)
    if (tensor.name == "model.embed_tokens.weight")
      tensor = {tensor.name, "F16", tensor.shape,
                std::string(2 * product(tensor.shape), '\0')};
  write("model.safetensors", safetensorsFile(tensors));
  std::unique_ptr<Checkpoint> checkpoint = checkpointOk();
  ASSERT_TRUE(checkpoint);
  ParamsLayout layout;
  std::string error;
  ASSERT_TRUE(planParams(tinySpecs(MLC_DTYPE_BF16), 2, layout, error));
  std::vector<char> image(layout.size);
  EXPECT_FALSE(checkpoint->fill(layout, image.data(), error));
  EXPECT_EQ(error,
            "tensor model.embed_tokens.weight in " + path("model.safetensors") +
                " is F16, but the library stores it in bf16 (which keeps only "
                "BF16 bit for bit; compile the library with --dtype f32 "
                "for this checkpoint)");
  EXPECT_FALSE(checkpoint->write(layout, path("params.bin"), error));
  EXPECT_FALSE(std::filesystem::exists(path("params.bin")));
  EXPECT_FALSE(std::filesystem::exists(path("params.bin.tmp")));

  // A library whose params do not have the checkpoint's shapes.
  std::vector<ParamSpec> specs = tinySpecs();
  specs[2].dims = {8, 20};
  ASSERT_TRUE(planParams(specs, 2, layout, error));
  image.assign(layout.size, '\0');
  EXPECT_FALSE(checkpoint->fill(layout, image.data(), error));
  EXPECT_EQ(error, "the library's model.layers.0.self_attn.qkv_proj.weight is "
                   "[8, 20], but the checkpoint's tensors make [8, 16] (from " +
                       path("model.safetensors") + ")");
  // A param the checkpoint has nothing for.
  ASSERT_TRUE(planParams({{"layer.extra.weight", MLC_DTYPE_F32, {8}}}, 1,
                         layout, error));
  image.assign(layout.size, '\0');
  EXPECT_FALSE(checkpoint->fill(layout, image.data(), error));
  EXPECT_EQ(error, "checkpoint " + dir +
                       ": missing tensor model.layers.0.extra.weight");
}

} // namespace
