//===- CheckpointTest.cpp - tests of the Qwen3 checkpoint loader ----------===//
//----------===//
//
// config.json validation, safetensors files written here byte by byte
// (single, sharded with an index, every malformation the reader checks),
// exact f16/bf16/f32 conversion, verify() on a complete tiny Qwen3 tensor set
// and on a broken one, and truncated or corrupted files, which must give
// errors and never crash.
//
//===----------------------------------------------------------------------===//

#include "mlc/Models/Qwen3/Checkpoint.h"

#include "llvm/ADT/bit.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

using namespace mlc::qwen3;
using ::testing::HasSubstr;
namespace json = llvm::json;

namespace {

//===----------------------------------------------------------------------===//
// Writing test files
//===----------------------------------------------------------------------===//

/// A tensor to write: dtype spelled as safetensors does, raw little-endian
/// bytes.
struct RawTensor {
  std::string name, dtype;
  std::vector<int64_t> shape;
  std::string bytes;
};

std::string jsonText(json::Value value) {
  std::string text;
  llvm::raw_string_ostream(text) << value;
  return text;
}

/// The message of `error`, "" for success.
std::string errorText(llvm::Error error) {
  return error ? llvm::toString(std::move(error)) : "";
}

/// 8-byte little-endian length, header, data.
std::string safetensorsFile(llvm::StringRef header, llvm::StringRef data) {
  std::string file;
  uint64_t size = header.size();
  for (int i = 0; i < 8; ++i)
    file.push_back(char((size >> (8 * i)) & 0xff));
  return file + header.str() + data.str();
}

/// A well-formed safetensors file holding `tensors` back to back.
std::string safetensorsFile(const std::vector<RawTensor> &tensors) {
  json::Object header;
  header["__metadata__"] = json::Object{{"format", "pt"}};
  std::string data;
  for (const RawTensor &tensor : tensors) {
    int64_t begin = data.size();
    data += tensor.bytes;
    header[tensor.name] = json::Object{
        {"dtype", tensor.dtype},
        {"shape", json::Array(tensor.shape)},
        {"data_offsets", json::Array{begin, int64_t(data.size())}}};
  }
  return safetensorsFile(jsonText(std::move(header)), data);
}

std::string f32Bytes(const std::vector<float> &values) {
  std::string bytes;
  for (float value : values) {
    uint32_t bits = llvm::bit_cast<uint32_t>(value);
    for (int i = 0; i < 4; ++i)
      bytes.push_back(char((bits >> (8 * i)) & 0xff));
  }
  return bytes;
}

std::string u16Bytes(const std::vector<uint16_t> &values) {
  std::string bytes;
  for (uint16_t value : values) {
    bytes.push_back(char(value & 0xff));
    bytes.push_back(char(value >> 8));
  }
  return bytes;
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

/// A bf16 tensor of zeros.
RawTensor bf16Tensor(std::string name, std::vector<int64_t> shape) {
  std::string bytes(2 * product(shape), '\0');
  return {std::move(name), "BF16", std::move(shape), std::move(bytes)};
}

/// The config of a tiny Qwen3: vocab 16, hidden 8, ffn 12, 2 layers, 2 heads
/// of 4, one KV head.
json::Object tinyConfig() {
  return json::Object{
      {"architectures", json::Array{"Qwen3ForCausalLM"}},
      {"model_type", "qwen3"},
      {"vocab_size", 16},
      {"hidden_size", 8},
      {"intermediate_size", 12},
      {"num_hidden_layers", 2},
      {"num_attention_heads", 2},
      {"num_key_value_heads", 1},
      {"head_dim", 4},
      {"max_position_embeddings", 32},
      {"rms_norm_eps", 1e-6},
      {"rope_theta", 1000000},
      {"tie_word_embeddings", true},
      {"rope_scaling", nullptr},
      {"bos_token_id", 1},
      {"eos_token_id", 2},
      {"torch_dtype", "bfloat16"},
  };
}

/// Every tensor of tinyConfig(), written out by hand (not from
/// expectedTensors, which verify() uses).
std::vector<RawTensor> tinyTensors() {
  std::vector<RawTensor> tensors = {
      bf16Tensor("model.embed_tokens.weight", {16, 8}),
      bf16Tensor("model.norm.weight", {8}),
  };
  for (int layer = 0; layer < 2; ++layer) {
    std::string prefix = "model.layers." + std::to_string(layer) + ".";
    tensors.push_back(bf16Tensor(prefix + "input_layernorm.weight", {8}));
    tensors.push_back(bf16Tensor(prefix + "self_attn.q_proj.weight", {8, 8}));
    tensors.push_back(bf16Tensor(prefix + "self_attn.k_proj.weight", {4, 8}));
    tensors.push_back(bf16Tensor(prefix + "self_attn.v_proj.weight", {4, 8}));
    tensors.push_back(bf16Tensor(prefix + "self_attn.o_proj.weight", {8, 8}));
    tensors.push_back(bf16Tensor(prefix + "self_attn.q_norm.weight", {4}));
    tensors.push_back(bf16Tensor(prefix + "self_attn.k_norm.weight", {4}));
    tensors.push_back(
        bf16Tensor(prefix + "post_attention_layernorm.weight", {8}));
    tensors.push_back(bf16Tensor(prefix + "mlp.gate_proj.weight", {12, 8}));
    tensors.push_back(bf16Tensor(prefix + "mlp.up_proj.weight", {12, 8}));
    tensors.push_back(bf16Tensor(prefix + "mlp.down_proj.weight", {8, 12}));
  }
  return tensors;
}

/// The real config.json of Qwen/Qwen3-0.6B.
constexpr const char *kQwen3_0_6BConfig = R"({
  "architectures": ["Qwen3ForCausalLM"],
  "attention_bias": false,
  "attention_dropout": 0.0,
  "bos_token_id": 151643,
  "eos_token_id": 151645,
  "head_dim": 128,
  "hidden_act": "silu",
  "hidden_size": 1024,
  "initializer_range": 0.02,
  "intermediate_size": 3072,
  "max_position_embeddings": 40960,
  "max_window_layers": 28,
  "model_type": "qwen3",
  "num_attention_heads": 16,
  "num_hidden_layers": 28,
  "num_key_value_heads": 8,
  "rms_norm_eps": 1e-06,
  "rope_scaling": null,
  "rope_theta": 1000000,
  "sliding_window": null,
  "tie_word_embeddings": true,
  "torch_dtype": "bfloat16",
  "transformers_version": "4.51.0",
  "use_cache": true,
  "use_sliding_window": false,
  "vocab_size": 151936
})";

/// Each test gets a fresh directory holding a checkpoint.
class Qwen3CheckpointTest : public ::testing::Test {
protected:
  void SetUp() override {
    llvm::SmallString<128> path;
    ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("mlc-qwen3-test", path));
    dir = path.str().str();
  }
  void TearDown() override { llvm::sys::fs::remove_directories(dir); }

  std::string path(llvm::StringRef name) const {
    llvm::SmallString<128> result(dir);
    llvm::sys::path::append(result, name);
    return result.str().str();
  }

  void write(llvm::StringRef name, llvm::StringRef contents) const {
    std::ofstream out(path(name), std::ios::binary | std::ios::trunc);
    out.write(contents.data(), contents.size());
    ASSERT_TRUE(out.good()) << "cannot write " << path(name);
  }

  void writeConfig(json::Object config = tinyConfig()) const {
    write("config.json", jsonText(std::move(config)));
  }

  /// config.json from `config`, then loadConfig's error ("" on success).
  std::string configError(json::Object config) const {
    writeConfig(std::move(config));
    llvm::Expected<Config> result = loadConfig(path("config.json"));
    return result ? "" : llvm::toString(result.takeError());
  }

  /// The tiny config and `file` as model.safetensors, then open's error (""
  /// on success).
  std::string openError(llvm::StringRef file) const {
    writeConfig();
    write("model.safetensors", file);
    llvm::Expected<std::unique_ptr<Checkpoint>> checkpoint =
        Checkpoint::open(dir);
    return checkpoint ? "" : llvm::toString(checkpoint.takeError());
  }

  /// openError for a header alone (no data section beyond `data`).
  std::string headerError(llvm::StringRef header,
                          llvm::StringRef data = "") const {
    return openError(safetensorsFile(header, data));
  }

  std::unique_ptr<Checkpoint> openOk() const {
    llvm::Expected<std::unique_ptr<Checkpoint>> checkpoint =
        Checkpoint::open(dir);
    if (!checkpoint) {
      ADD_FAILURE() << llvm::toString(checkpoint.takeError());
      return nullptr;
    }
    return std::move(*checkpoint);
  }

  std::string dir;
};

//===----------------------------------------------------------------------===//
// config.json
//===----------------------------------------------------------------------===//

TEST_F(Qwen3CheckpointTest, LoadsTheRealQwen3_0_6BConfig) {
  write("config.json", kQwen3_0_6BConfig);
  llvm::Expected<Config> config = loadConfig(path("config.json"));
  ASSERT_TRUE(bool(config)) << llvm::toString(config.takeError());
  EXPECT_EQ(config->vocabSize, 151936);
  EXPECT_EQ(config->hiddenSize, 1024);
  EXPECT_EQ(config->intermediateSize, 3072);
  EXPECT_EQ(config->numLayers, 28);
  EXPECT_EQ(config->numHeads, 16);
  EXPECT_EQ(config->numKvHeads, 8);
  EXPECT_EQ(config->headDim, 128);
  EXPECT_EQ(config->maxPositionEmbeddings, 40960);
  EXPECT_EQ(config->ropeTheta, 1000000.0);
  EXPECT_EQ(config->rmsNormEps, 1e-6);
  EXPECT_TRUE(config->tieWordEmbeddings);
  EXPECT_EQ(config->bosTokenId, 151643);
  EXPECT_EQ(config->eosTokenIds, std::vector<int64_t>{151645});
  EXPECT_EQ(config->torchDtype, "bfloat16");
}

TEST_F(Qwen3CheckpointTest, ConfigDefaults) {
  json::Object config = tinyConfig();
  config.erase("head_dim");
  config.erase("tie_word_embeddings");
  config.erase("bos_token_id");
  config.erase("torch_dtype");
  config["dtype"] = "float16"; // How transformers >= 4.56 spells it.
  config["eos_token_id"] = json::Array{2, 3};
  writeConfig(std::move(config));
  llvm::Expected<Config> result = loadConfig(path("config.json"));
  ASSERT_TRUE(bool(result)) << llvm::toString(result.takeError());
  EXPECT_EQ(result->headDim, 4); // hidden_size / num_attention_heads
  EXPECT_FALSE(result->tieWordEmbeddings);
  EXPECT_EQ(result->bosTokenId, -1);
  EXPECT_EQ(result->eosTokenIds, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(result->torchDtype, "float16");

  config = tinyConfig();
  config["bos_token_id"] = nullptr;
  config.erase("eos_token_id");
  writeConfig(std::move(config));
  result = loadConfig(path("config.json"));
  ASSERT_TRUE(bool(result)) << llvm::toString(result.takeError());
  EXPECT_EQ(result->bosTokenId, -1);
  EXPECT_TRUE(result->eosTokenIds.empty());
}

TEST_F(Qwen3CheckpointTest, ConfigRopeVariants) {
  // rope_scaling naming the default type scales nothing.
  json::Object config = tinyConfig();
  config["rope_scaling"] = json::Object{{"rope_type", "default"}};
  EXPECT_EQ(configError(std::move(config)), "");

  // Newer transformers keep rope_theta in rope_parameters.
  config = tinyConfig();
  config.erase("rope_theta");
  config["rope_parameters"] =
      json::Object{{"rope_type", "default"}, {"rope_theta", 5000.0}};
  writeConfig(std::move(config));
  llvm::Expected<Config> result = loadConfig(path("config.json"));
  ASSERT_TRUE(bool(result)) << llvm::toString(result.takeError());
  EXPECT_EQ(result->ropeTheta, 5000.0);

  config = tinyConfig();
  config["rope_scaling"] = json::Object{{"rope_type", "yarn"}, {"factor", 4.0}};
  EXPECT_THAT(configError(std::move(config)),
              HasSubstr("unsupported rope_scaling in " + path("config.json") +
                        ": rope_type 'yarn'"));

  config = tinyConfig();
  config["rope_scaling"] = json::Object{{"type", "linear"}, {"factor", 2.0}};
  EXPECT_THAT(configError(std::move(config)), HasSubstr("rope_type 'linear'"));

  config = tinyConfig();
  config["rope_scaling"] = 3;
  EXPECT_THAT(configError(std::move(config)),
              HasSubstr("key 'rope_scaling' in " + path("config.json") +
                        ": expected an object or null, found 3"));
}

TEST_F(Qwen3CheckpointTest, ConfigUnknownModelType) {
  json::Object config = tinyConfig();
  config["model_type"] = "llama";
  EXPECT_EQ(configError(std::move(config)),
            "unknown model_type 'llama' in " + path("config.json") +
                ": mlc compiles qwen3 checkpoints");

  config = tinyConfig();
  config.erase("model_type");
  EXPECT_EQ(configError(std::move(config)),
            "missing key 'model_type' in " + path("config.json"));
}

TEST_F(Qwen3CheckpointTest, ConfigListsEveryMissingKey) {
  json::Object config = tinyConfig();
  config.erase("hidden_size");
  config.erase("rope_theta");
  config.erase("num_key_value_heads");
  std::string error = configError(std::move(config));
  std::string file = path("config.json");
  EXPECT_THAT(error, HasSubstr("missing key 'hidden_size' in " + file));
  EXPECT_THAT(error, HasSubstr("missing key 'rope_theta' in " + file));
  EXPECT_THAT(error, HasSubstr("missing key 'num_key_value_heads' in " + file));
}

TEST_F(Qwen3CheckpointTest, ConfigBadValues) {
  json::Object config = tinyConfig();
  config["hidden_size"] = "eight";
  config["num_hidden_layers"] = 0;
  config["intermediate_size"] = 12.5;
  config["rms_norm_eps"] = -1e-6;
  config["tie_word_embeddings"] = "yes";
  config["torch_dtype"] = 16;
  std::string error = configError(std::move(config));
  std::string file = path("config.json");
  EXPECT_THAT(error,
              HasSubstr("key 'hidden_size' in " + file +
                        ": expected a positive integer, found \"eight\""));
  EXPECT_THAT(error, HasSubstr("key 'num_hidden_layers' in " + file +
                               ": expected a positive integer, found 0"));
  EXPECT_THAT(error, HasSubstr("key 'intermediate_size' in " + file +
                               ": expected a positive integer, found 12.5"));
  EXPECT_THAT(error, HasSubstr("key 'rms_norm_eps' in " + file +
                               ": expected a positive number"));
  EXPECT_THAT(error, HasSubstr("key 'tie_word_embeddings' in " + file +
                               ": expected true or false, found \"yes\""));
  EXPECT_THAT(error, HasSubstr("key 'torch_dtype' in " + file +
                               ": expected a string, found 16"));
}

TEST_F(Qwen3CheckpointTest, ConfigHeadsAndSizes) {
  json::Object config = tinyConfig();
  config["num_attention_heads"] = 3;
  config["num_key_value_heads"] = 2;
  EXPECT_THAT(configError(std::move(config)),
              HasSubstr("num_attention_heads (3) in " + path("config.json") +
                        " is not a multiple of num_key_value_heads (2)"));

  // Sizes that would overflow products such as vocab_size * hidden_size.
  config = tinyConfig();
  config["vocab_size"] = int64_t(1) << 40;
  config["hidden_size"] = int64_t(1) << 40;
  std::string error = configError(std::move(config));
  EXPECT_THAT(error, HasSubstr("key 'vocab_size' in " + path("config.json") +
                               ": 1099511627776 is unreasonably large"));
  EXPECT_THAT(error, HasSubstr("key 'hidden_size'"));

  config = tinyConfig();
  config["num_attention_heads"] = 4096;
  config["num_key_value_heads"] = 1;
  config["head_dim"] = 8192;
  EXPECT_THAT(configError(std::move(config)),
              HasSubstr("num_attention_heads * head_dim (33554432)"));

  config = tinyConfig();
  config.erase("head_dim");
  config["hidden_size"] = 1;
  EXPECT_THAT(configError(std::move(config)),
              HasSubstr("hidden_size (1) is smaller than num_attention_heads"));

  // 1e400 parses as infinity.
  std::string text = jsonText(tinyConfig());
  size_t theta = text.find("\"rope_theta\":1000000");
  ASSERT_NE(theta, std::string::npos) << text;
  write("config.json", text.replace(theta, 20, "\"rope_theta\":1e400"));
  EXPECT_THAT(llvm::toString(loadConfig(path("config.json")).takeError()),
              HasSubstr("key 'rope_theta' in " + path("config.json") +
                        ": expected a positive number"));
}

TEST_F(Qwen3CheckpointTest, ConfigTokenIds) {
  json::Object config = tinyConfig();
  config["bos_token_id"] = 16;
  config["eos_token_id"] = json::Array{2, -1};
  std::string error = configError(std::move(config));
  EXPECT_THAT(error, HasSubstr("key 'bos_token_id' in " + path("config.json") +
                               ": token id 16 is not below vocab_size (16)"));
  EXPECT_THAT(error, HasSubstr("key 'eos_token_id' in " + path("config.json") +
                               ": expected a non-negative token id, found -1"));
}

TEST_F(Qwen3CheckpointTest, ConfigUnsupportedVariants) {
  json::Object config = tinyConfig();
  config["hidden_act"] = "gelu";
  config["attention_bias"] = true;
  config["use_sliding_window"] = true;
  config["layer_types"] = json::Array{"full_attention", "sliding_attention"};
  std::string error = configError(std::move(config));
  std::string file = path("config.json");
  EXPECT_THAT(error, HasSubstr("unsupported hidden_act 'gelu' in " + file));
  EXPECT_THAT(error, HasSubstr("unsupported attention_bias in " + file));
  EXPECT_THAT(error, HasSubstr("unsupported use_sliding_window in " + file));
  EXPECT_THAT(error,
              HasSubstr("unsupported layer_types entry \"sliding_attention\""));

  config = tinyConfig();
  config["layer_types"] = json::Array{"full_attention", "full_attention"};
  config["sliding_window"] = nullptr;
  config["use_sliding_window"] = false;
  EXPECT_EQ(configError(std::move(config)), "");
}

TEST_F(Qwen3CheckpointTest, ConfigFileErrors) {
  std::string file = path("config.json");
  EXPECT_THAT(llvm::toString(loadConfig(file).takeError()),
              HasSubstr("cannot read " + file));
  write("config.json", "{\"model_type\": ");
  EXPECT_THAT(llvm::toString(loadConfig(file).takeError()),
              HasSubstr(file + " is not valid JSON"));
  write("config.json", "[1, 2]");
  EXPECT_EQ(llvm::toString(loadConfig(file).takeError()),
            file + ": expected a JSON object");
}

//===----------------------------------------------------------------------===//
// Opening checkpoints
//===----------------------------------------------------------------------===//

TEST_F(Qwen3CheckpointTest, FolderErrors) {
  EXPECT_THAT(
      llvm::toString(Checkpoint::open(path("nothing")).takeError()),
      HasSubstr("checkpoint " + path("nothing") + " is not a directory"));
  // No config.json.
  EXPECT_THAT(llvm::toString(Checkpoint::open(dir).takeError()),
              HasSubstr("cannot read " + path("config.json")));
  writeConfig();
  EXPECT_EQ(llvm::toString(Checkpoint::open(dir).takeError()),
            "checkpoint " + dir +
                " has neither model.safetensors nor "
                "model.safetensors.index.json");
}

TEST_F(Qwen3CheckpointTest, SingleFile) {
  writeConfig();
  write("model.safetensors",
        safetensorsFile({f32Tensor("a", {2, 3}, 1),
                         bf16Tensor("b", {4}),
                         f32Tensor("scalar", {}, 7),
                         {"ids", "I64", {2}, std::string(16, '\0')},
                         f32Tensor("empty", {0, 5})}));
  std::unique_ptr<Checkpoint> checkpoint = openOk();
  ASSERT_TRUE(checkpoint);
  EXPECT_EQ(checkpoint->config().hiddenSize, 8);
  EXPECT_EQ(checkpoint->directory(), dir);

  const TensorInfo *a = checkpoint->find("a");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->name, "a");
  EXPECT_EQ(a->dtype, DType::F32);
  EXPECT_EQ(a->shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(a->file, path("model.safetensors"));
  EXPECT_EQ(a->size, 24u);
  EXPECT_EQ(a->numElements(), 6);
  EXPECT_EQ(checkpoint->find("b")->dtype, DType::BF16);
  EXPECT_EQ(checkpoint->find("b")->size, 8u);
  EXPECT_EQ(checkpoint->find("empty")->size, 0u);
  EXPECT_EQ(checkpoint->find("missing"), nullptr);
  // Tensors of other dtypes are skipped, and named when asked for.
  EXPECT_EQ(checkpoint->find("ids"), nullptr);
  std::vector<std::string> names;
  for (const TensorInfo &tensor : checkpoint->tensors())
    names.push_back(tensor.name);
  EXPECT_EQ(names, (std::vector<std::string>{"a", "b", "empty", "scalar"}));

  std::vector<float> values(6);
  ASSERT_EQ(errorText(checkpoint->readF32("a", {2, 3}, values)), "");
  EXPECT_EQ(values, (std::vector<float>{1, 2, 3, 4, 5, 6}));
  float scalar = 0;
  ASSERT_EQ(errorText(checkpoint->readF32("scalar", {}, scalar)), "");
  EXPECT_EQ(scalar, 7.0f);

  std::string file = path("model.safetensors");
  EXPECT_EQ(llvm::toString(checkpoint->readF32("a", {3, 2}, values)),
            "tensor a in " + file + ": expected shape [3, 2], found [2, 3]");
  std::vector<float> small(5);
  EXPECT_EQ(llvm::toString(checkpoint->readF32("a", {2, 3}, small)),
            "tensor a in " + file + " has 6 elements, but the output holds 5");
  EXPECT_EQ(llvm::toString(checkpoint->readF32("nope", {2}, values)),
            "missing tensor nope");
  EXPECT_EQ(llvm::toString(checkpoint->readF32("ids", {2}, values)),
            "tensor ids in " + file +
                ": unsupported dtype I64 (mlc reads F32, F16 and BF16)");
}

/// The bit patterns of `values`, so that -0 and NaN payloads compare.
std::vector<uint32_t> bitsOf(const std::vector<float> &values) {
  std::vector<uint32_t> bits;
  for (float value : values)
    bits.push_back(llvm::bit_cast<uint32_t>(value));
  return bits;
}

/// A 16-bit pattern and the f32 it stands for.
struct Half {
  uint16_t bits;
  float value;
};

TEST_F(Qwen3CheckpointTest, ConvertsExactly) {
  float nan = llvm::bit_cast<float>(0x7fc00000u);
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
      {0x7c01, llvm::bit_cast<float>(0x7f802000u)},
      {0xfe01, llvm::bit_cast<float>(0xffc02000u)},
  };
  // bf16: the upper half of an f32; negative values, a subnormal, -0,
  // infinities, a NaN.
  std::vector<Half> bf16 = {
      {0x3f80, 1.0f},      {0xbfc0, -1.5f},
      {0xc2f7, -123.5f},   {0x0001, 0x1p-133f},
      {0x8000, -0.0f},     {0x7f80, INFINITY},
      {0xff80, -INFINITY}, {0x7fc1, llvm::bit_cast<float>(0x7fc10000u)},
  };
  // f32 passes through bit for bit, NaN payload included.
  std::vector<float> f32 = {0.1f, -0.0f, 0x1p-149f, 3.4e38f,
                            llvm::bit_cast<float>(0x7fa00001u)};

  auto bitsOfHalves = [](const std::vector<Half> &halves) {
    std::vector<uint16_t> bits;
    for (const Half &half : halves)
      bits.push_back(half.bits);
    return u16Bytes(bits);
  };
  auto valuesOf = [](const std::vector<Half> &halves) {
    std::vector<float> values;
    for (const Half &half : halves)
      values.push_back(half.value);
    return values;
  };
  int64_t f16Count = f16.size(), bf16Count = bf16.size(), f32Count = f32.size();
  writeConfig();
  write(
      "model.safetensors",
      safetensorsFile({{"f16", "F16", {f16Count}, bitsOfHalves(f16)},
                       {"bf16", "BF16", {2, bf16Count / 2}, bitsOfHalves(bf16)},
                       {"f32", "F32", {f32Count}, f32Bytes(f32)}}));
  std::unique_ptr<Checkpoint> checkpoint = openOk();
  ASSERT_TRUE(checkpoint);

  std::vector<float> out(f16Count);
  ASSERT_EQ(errorText(checkpoint->readF32("f16", {f16Count}, out)), "");
  EXPECT_EQ(bitsOf(out), bitsOf(valuesOf(f16)));
  out.resize(bf16Count);
  ASSERT_EQ(errorText(checkpoint->readF32("bf16", {2, bf16Count / 2}, out)),
            "");
  EXPECT_EQ(bitsOf(out), bitsOf(valuesOf(bf16)));
  out.resize(f32Count);
  ASSERT_EQ(errorText(checkpoint->readF32("f32", {f32Count}, out)), "");
  EXPECT_EQ(bitsOf(out), bitsOf(f32));
}

TEST_F(Qwen3CheckpointTest, EveryF16Value) {
  // All 65536 f16 values against an independent formula.
  std::vector<uint16_t> all(65536);
  for (size_t i = 0; i < all.size(); ++i)
    all[i] = uint16_t(i);
  writeConfig();
  write("model.safetensors",
        safetensorsFile({{"all", "F16", {65536}, u16Bytes(all)}}));
  std::unique_ptr<Checkpoint> checkpoint = openOk();
  ASSERT_TRUE(checkpoint);
  std::vector<float> out(all.size());
  ASSERT_EQ(errorText(checkpoint->readF32("all", {65536}, out)), "");
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
    EXPECT_EQ(llvm::bit_cast<uint32_t>(value),
              llvm::bit_cast<uint32_t>(expected))
        << "f16 bits " << bits;
  }
}

TEST_F(Qwen3CheckpointTest, Sharded) {
  writeConfig();
  write("model-00001-of-00002.safetensors",
        safetensorsFile({f32Tensor("a", {2}, 1), bf16Tensor("b", {3})}));
  write("model-00002-of-00002.safetensors",
        safetensorsFile({f32Tensor("c", {2, 2}, 10)}));
  write("model.safetensors.index.json",
        R"({"metadata": {"total_size": 30},
            "weight_map": {"a": "model-00001-of-00002.safetensors",
                           "b": "model-00001-of-00002.safetensors",
                           "c": "model-00002-of-00002.safetensors"}})");
  std::unique_ptr<Checkpoint> checkpoint = openOk();
  ASSERT_TRUE(checkpoint);
  EXPECT_EQ(checkpoint->tensors().size(), 3u);
  EXPECT_EQ(checkpoint->find("a")->file,
            path("model-00001-of-00002.safetensors"));
  EXPECT_EQ(checkpoint->find("c")->file,
            path("model-00002-of-00002.safetensors"));
  std::vector<float> c(4);
  ASSERT_EQ(errorText(checkpoint->readF32("c", {2, 2}, c)), "");
  EXPECT_EQ(c, (std::vector<float>{10, 11, 12, 13}));

  // A single model.safetensors wins over the index, as in transformers.
  write("model.safetensors", safetensorsFile({f32Tensor("single", {1})}));
  checkpoint = openOk();
  ASSERT_TRUE(checkpoint);
  EXPECT_EQ(checkpoint->tensors().size(), 1u);
  EXPECT_TRUE(checkpoint->find("single"));
}

TEST_F(Qwen3CheckpointTest, IndexErrors) {
  writeConfig();
  std::string index = path("model.safetensors.index.json");
  std::string shard1 = path("s1.safetensors");
  auto indexError = [&](llvm::StringRef text) {
    write("model.safetensors.index.json", text);
    llvm::Expected<std::unique_ptr<Checkpoint>> checkpoint =
        Checkpoint::open(dir);
    return checkpoint ? std::string() : llvm::toString(checkpoint.takeError());
  };
  write("s1.safetensors",
        safetensorsFile({f32Tensor("a", {2}), f32Tensor("b", {2})}));
  write("s2.safetensors", safetensorsFile({f32Tensor("b", {2})}));

  EXPECT_THAT(indexError("{\"weight_map\": "),
              HasSubstr(index + " is not valid JSON"));
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

TEST_F(Qwen3CheckpointTest, FileLevelErrors) {
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

TEST_F(Qwen3CheckpointTest, HeaderOverTheSizeLimit) {
  // A sparse file, so that the header length fits in the file.
  writeConfig();
  std::string file = path("model.safetensors");
  uint64_t length = 200'000'000;
  std::string prefix = safetensorsFile("", "");
  for (int i = 0; i < 8; ++i)
    prefix[i] = char((length >> (8 * i)) & 0xff);
  write("model.safetensors", prefix);
  std::filesystem::resize_file(file, length + 8);
  EXPECT_EQ(llvm::toString(Checkpoint::open(dir).takeError()),
            file + ": header length 200000000 is over the 100 MB limit");
}

TEST_F(Qwen3CheckpointTest, TensorEntryErrors) {
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
  for (const char *offsets : {"[0]", "[0, 8, 16]", "8", "[-8, 0]",
                              "[0, 18446744073709551615]", "[0, \"8\"]"})
    EXPECT_EQ(headerError(std::string(R"({"t": {"dtype": "F32", "shape": [2],
                                                "data_offsets": )") +
                              offsets + "}}",
                          data),
              "tensor t" + in +
                  "'data_offsets' must be [begin, end] with non-negative "
                  "integers, found " +
                  jsonText(*json::parse(offsets)))
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

TEST_F(Qwen3CheckpointTest, OverlapsAndDuplicates) {
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
            file + ": the header lists a tensor name twice");
}

TEST_F(Qwen3CheckpointTest, ListsEveryBadTensorOfAFile) {
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

//===----------------------------------------------------------------------===//
// verify()
//===----------------------------------------------------------------------===//

TEST_F(Qwen3CheckpointTest, TinyQwen3Verifies) {
  writeConfig();
  write("model.safetensors", safetensorsFile(tinyTensors()));
  std::unique_ptr<Checkpoint> checkpoint = openOk();
  ASSERT_TRUE(checkpoint);
  EXPECT_EQ(errorText(checkpoint->verify()), "");
  EXPECT_EQ(lmHeadTensor(checkpoint->config()), "model.embed_tokens.weight");

  std::vector<TensorSpec> specs = expectedTensors(checkpoint->config());
  ASSERT_EQ(specs.size(), 2u + 2 * 11);
  EXPECT_EQ(specs.front().name, kEmbedTokensTensor);
  EXPECT_EQ(specs.back().name, kFinalNormTensor);
  for (const TensorSpec &spec : specs) {
    const TensorInfo *tensor = checkpoint->find(spec.name);
    ASSERT_TRUE(tensor) << spec.name;
    EXPECT_EQ(tensor->shape, spec.shape) << spec.name;
  }

  EXPECT_EQ(layerTensor(1, "self_attn.q_proj.weight"),
            "model.layers.1.self_attn.q_proj.weight");
}

TEST_F(Qwen3CheckpointTest, UntiedNeedsLmHead) {
  json::Object config = tinyConfig();
  config["tie_word_embeddings"] = false;
  writeConfig(std::move(config));
  std::vector<RawTensor> tensors = tinyTensors();
  write("model.safetensors", safetensorsFile(tensors));
  std::unique_ptr<Checkpoint> checkpoint = openOk();
  ASSERT_TRUE(checkpoint);
  EXPECT_EQ(lmHeadTensor(checkpoint->config()), "lm_head.weight");
  EXPECT_EQ(llvm::toString(checkpoint->verify()),
            "checkpoint " + dir +
                " does not match its config.json:\n  missing tensor "
                "lm_head.weight");

  tensors.push_back(bf16Tensor("lm_head.weight", {16, 8}));
  write("model.safetensors", safetensorsFile(tensors));
  checkpoint = openOk();
  ASSERT_TRUE(checkpoint);
  EXPECT_EQ(errorText(checkpoint->verify()), "");
}

TEST_F(Qwen3CheckpointTest, VerifyListsEveryProblem) {
  writeConfig();
  std::vector<RawTensor> tensors;
  for (RawTensor &tensor : tinyTensors()) {
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
  std::unique_ptr<Checkpoint> checkpoint = openOk();
  ASSERT_TRUE(checkpoint);
  std::string file = path("model.safetensors");
  EXPECT_EQ(llvm::toString(checkpoint->verify()),
            "checkpoint " + dir + " does not match its config.json:" +
                "\n  missing tensor model.layers.0.mlp.up_proj.weight" +
                "\n  tensor model.layers.1.self_attn.k_proj.weight in " + file +
                ": expected shape [4, 8], found [8, 8]" +
                "\n  tensor model.layers.1.self_attn.q_norm.weight in " + file +
                ": unsupported dtype I32 (mlc reads F32, F16 and BF16)" +
                "\n  missing tensor model.norm.weight" +
                "\n  tensor lm_head.weight in " + file +
                ": expected shape [16, 8], found [8, 16]");
}

//===----------------------------------------------------------------------===//
// Truncated and corrupted files
//===----------------------------------------------------------------------===//

TEST_F(Qwen3CheckpointTest, TruncationsAndCorruptionsNeverCrash) {
  std::string valid =
      safetensorsFile({f32Tensor("a", {2, 3}),
                       bf16Tensor("b", {4}),
                       {"c", "F16", {3}, u16Bytes({0x3c00, 0x0001, 0x7c00})},
                       {"ids", "I64", {1}, std::string(8, '\0')}});
  ASSERT_EQ(openError(valid), "");
  uint64_t headerEnd =
      8 + uint64_t(uint8_t(valid[0])) + (uint64_t(uint8_t(valid[1])) << 8);

  /// Opens `file`; when it opens, reads every tensor.
  auto tryOpen = [&](const std::string &file) {
    write("model.safetensors", file);
    llvm::Expected<std::unique_ptr<Checkpoint>> checkpoint =
        Checkpoint::open(dir);
    if (!checkpoint) {
      llvm::consumeError(checkpoint.takeError());
      return false;
    }
    for (const TensorInfo &tensor : (*checkpoint)->tensors()) {
      std::vector<float> out(tensor.numElements());
      EXPECT_EQ(
          errorText((*checkpoint)->readF32(tensor.name, tensor.shape, out)),
          "");
    }
    llvm::consumeError((*checkpoint)->verify());
    return true;
  };

  writeConfig();
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

} // namespace
