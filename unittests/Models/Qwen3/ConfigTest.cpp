//===- ConfigTest.cpp - tests of the Qwen3 config.json reader -------------===//
//
// config.json validation: the real Qwen3-0.6B config, defaults, RoPE
// variants, every missing or malformed key listed, unsupported variants.
// (The safetensors reader and the weight conversion are the runtime's:
// unittests/Runtime/Qwen3WeightsTest.cpp.)
//
//===----------------------------------------------------------------------===//

#include "mlc/Models/Qwen3/Config.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include <fstream>

using namespace mlc::qwen3;
using ::testing::HasSubstr;
namespace json = llvm::json;

namespace {

std::string jsonText(json::Value value) {
  std::string text;
  llvm::raw_string_ostream(text) << value;
  return text;
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

/// Each test gets a fresh directory for its config.json.
class Qwen3ConfigTest : public ::testing::Test {
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

  std::string dir;
};

//===----------------------------------------------------------------------===//
// config.json
//===----------------------------------------------------------------------===//

TEST_F(Qwen3ConfigTest, LoadsTheRealQwen3_0_6BConfig) {
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

TEST_F(Qwen3ConfigTest, ConfigDefaults) {
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

TEST_F(Qwen3ConfigTest, ConfigRopeVariants) {
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

TEST_F(Qwen3ConfigTest, ConfigUnknownModelType) {
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

TEST_F(Qwen3ConfigTest, ConfigListsEveryMissingKey) {
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

TEST_F(Qwen3ConfigTest, ConfigBadValues) {
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

TEST_F(Qwen3ConfigTest, ConfigHeadsAndSizes) {
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

TEST_F(Qwen3ConfigTest, ConfigTokenIds) {
  json::Object config = tinyConfig();
  config["bos_token_id"] = 16;
  config["eos_token_id"] = json::Array{2, -1};
  std::string error = configError(std::move(config));
  EXPECT_THAT(error, HasSubstr("key 'bos_token_id' in " + path("config.json") +
                               ": token id 16 is not below vocab_size (16)"));
  EXPECT_THAT(error, HasSubstr("key 'eos_token_id' in " + path("config.json") +
                               ": expected a non-negative token id, found -1"));
}

TEST_F(Qwen3ConfigTest, ConfigUnsupportedVariants) {
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

TEST_F(Qwen3ConfigTest, ConfigFileErrors) {
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

} // namespace
