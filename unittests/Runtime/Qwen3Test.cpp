//===- Qwen3Test.cpp - mlc-c/Qwen3.h on a compiled tiny model -------------===//
//
// Runs a library that ctest compiles first (a tiny random Qwen3 checkpoint
// from utils/models/qwen3_checkpoint.py through mlc-compile; the folder is
// in MLC_QWEN3_TEST_LIB): the prefill and decode entry points agree, reset
// and set_position replay the same logits, and bad calls get named errors.
// The same library compiled from config.json alone (lib-no-weights, next to
// it, with the checkpoint) bound to the checkpoint at load gives the same
// logits, bit for bit; checkpoints of another model are refused. Numerics
// against PyTorch are test/models/qwen3.test's job.
//
//===----------------------------------------------------------------------===//

#include "mlc-c/Qwen3.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

using ::testing::HasSubstr;

namespace {

class Qwen3Test : public ::testing::Test {
protected:
  void SetUp() override {
    const char *dir = std::getenv("MLC_QWEN3_TEST_LIB");
    if (!dir || !*dir)
      GTEST_SKIP() << "MLC_QWEN3_TEST_LIB is not set";
    ASSERT_EQ(mlc_qwen3_load(dir, &model), MLC_OK) << mlc_last_error();
    vocab = mlc_qwen3_vocab_size(model);
  }
  void TearDown() override { mlc_qwen3_free(model); }

  std::vector<float> logits() { return std::vector<float>(vocab); }

  /// max |a - b| / max |b|.
  static double relativeError(const float *a, const float *b, int64_t n) {
    double diff = 0, scale = 0;
    for (int64_t i = 0; i < n; ++i) {
      diff = std::max(diff, std::fabs(double(a[i]) - b[i]));
      scale = std::max(scale, std::fabs(double(b[i])));
    }
    return scale ? diff / scale : diff;
  }

  mlc_qwen3 *model = nullptr;
  int64_t vocab = 0;
};

TEST_F(Qwen3Test, ReportsItsShape) {
  EXPECT_EQ(vocab, 151936);
  EXPECT_EQ(mlc_qwen3_num_layers(model), 2);
  EXPECT_EQ(mlc_qwen3_max_context(model), 32);
  EXPECT_EQ(mlc_qwen3_position(model), 0);
  const char *device = nullptr;
  ASSERT_EQ(mlc_qwen3_device(model, &device), MLC_OK);
  EXPECT_STREQ(device, "cpu");
  const char *graphs = nullptr;
  EXPECT_EQ(mlc_qwen3_cuda_graphs(model, &graphs), 0);
  EXPECT_STREQ(graphs, "off (a CPU library)");
}

TEST_F(Qwen3Test, DecodeAgreesWithPrefill) {
  const int64_t tokens[] = {9707, 11, 1879, 0, 358};
  // All positions at once...
  std::vector<float> all(5 * vocab);
  ASSERT_EQ(mlc_qwen3_prefill_all(model, tokens, 5, all.data()), MLC_OK)
      << mlc_last_error();
  EXPECT_EQ(mlc_qwen3_position(model), 5);
  // ... against a prefill of 3 (its last row) and two decode steps.
  mlc_qwen3_reset(model);
  std::vector<float> step = logits();
  ASSERT_EQ(mlc_qwen3_prefill(model, tokens, 3, step.data()), MLC_OK);
  EXPECT_LT(relativeError(step.data(), all.data() + 2 * vocab, vocab), 1e-5);
  for (int64_t i = 3; i < 5; ++i) {
    ASSERT_EQ(mlc_qwen3_decode(model, tokens[i], step.data()), MLC_OK);
    EXPECT_LT(relativeError(step.data(), all.data() + i * vocab, vocab), 1e-5)
        << "position " << i;
  }
}

TEST_F(Qwen3Test, SetPositionReplaysTheContext) {
  const int64_t tokens[] = {151644, 872, 198, 9707};
  std::vector<float> first = logits(), again = logits();
  ASSERT_EQ(mlc_qwen3_prefill(model, tokens, 4, first.data()), MLC_OK);
  ASSERT_EQ(mlc_qwen3_decode(model, 42, again.data()), MLC_OK);
  // Back to 3 tokens: the 4th again gives the same logits.
  ASSERT_EQ(mlc_qwen3_set_position(model, 3), MLC_OK);
  EXPECT_EQ(mlc_qwen3_position(model), 3);
  ASSERT_EQ(mlc_qwen3_decode(model, tokens[3], again.data()), MLC_OK);
  EXPECT_LT(relativeError(again.data(), first.data(), vocab), 1e-6);
  // And from scratch.
  mlc_qwen3_reset(model);
  ASSERT_EQ(mlc_qwen3_prefill(model, tokens, 4, again.data()), MLC_OK);
  EXPECT_EQ(again, first);
}

TEST_F(Qwen3Test, BadCallsGetNamedErrors) {
  std::vector<float> out = logits();
  const int64_t bad[] = {1, 151936};
  EXPECT_EQ(mlc_qwen3_prefill(model, bad, 2, out.data()),
            MLC_ERROR_INVALID_ARGUMENT);
  EXPECT_THAT(mlc_last_error(),
              HasSubstr("token 1 is 151936, outside the vocabulary"));
  EXPECT_EQ(mlc_qwen3_position(model), 0);
  std::vector<int64_t> many(33, 7);
  EXPECT_EQ(mlc_qwen3_prefill(model, many.data(), 33, out.data()),
            MLC_ERROR_INVALID_ARGUMENT);
  EXPECT_THAT(mlc_last_error(), HasSubstr("the KV cache holds 32"));
  EXPECT_EQ(mlc_qwen3_set_position(model, 1), MLC_ERROR_INVALID_ARGUMENT);
  EXPECT_THAT(mlc_last_error(), HasSubstr("outside the context [0, 0]"));
  EXPECT_EQ(mlc_qwen3_decode(model, 1, nullptr), MLC_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(mlc_qwen3_prefill(model, nullptr, 0, out.data()),
            MLC_ERROR_INVALID_ARGUMENT);
  mlc_qwen3 *none = nullptr;
  EXPECT_EQ(mlc_qwen3_load("/nonexistent-mlc-qwen3", &none), MLC_ERROR_IO);
  EXPECT_EQ(none, nullptr);
  EXPECT_THAT(mlc_last_error(), HasSubstr("libqwen3.so"));
}

/// The library compiled with --no-weights and the checkpoint, next to
/// MLC_QWEN3_TEST_LIB.
class Qwen3WithoutWeightsTest : public ::testing::Test {
protected:
  void SetUp() override {
    const char *lib = std::getenv("MLC_QWEN3_TEST_LIB");
    if (!lib || !*lib)
      GTEST_SKIP() << "MLC_QWEN3_TEST_LIB is not set";
    withWeights = lib;
    std::filesystem::path parent = std::filesystem::path(lib).parent_path();
    withoutWeights = (parent / "lib-no-weights").string();
    checkpoint = (parent / "checkpoint").string();
    scratch =
        (parent /
         ("scratch-" +
          std::string(
              ::testing::UnitTest::GetInstance()->current_test_info()->name())))
            .string();
    std::filesystem::remove_all(scratch);
    std::filesystem::create_directories(scratch);
  }
  void TearDown() override {
    if (!scratch.empty())
      std::filesystem::remove_all(scratch);
  }

  /// The logits of a prefill of 4 tokens (every row) and 3 decode steps.
  static std::vector<float> run(mlc_qwen3 *model) {
    const int64_t tokens[] = {9707, 11, 1879, 0};
    int64_t vocab = mlc_qwen3_vocab_size(model);
    std::vector<float> logits(7 * vocab);
    EXPECT_EQ(mlc_qwen3_prefill_all(model, tokens, 4, logits.data()), MLC_OK)
        << mlc_last_error();
    for (int64_t i = 0; i < 3; ++i)
      EXPECT_EQ(
          mlc_qwen3_decode(model, 100 + i, logits.data() + (4 + i) * vocab),
          MLC_OK)
          << mlc_last_error();
    return logits;
  }

  static std::string readFile(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)),
                       std::istreambuf_iterator<char>());
  }

  std::string withWeights, withoutWeights, checkpoint, scratch;
};

TEST_F(Qwen3WithoutWeightsTest, BindsTheCheckpointAtLoad) {
  ASSERT_FALSE(std::filesystem::exists(withoutWeights + "/params.bin"));
  mlc_qwen3 *compiled = nullptr, *bound = nullptr;
  ASSERT_EQ(mlc_qwen3_load(withWeights.c_str(), &compiled), MLC_OK)
      << mlc_last_error();
  ASSERT_EQ(mlc_qwen3_load_with_weights(withoutWeights.c_str(),
                                        checkpoint.c_str(), &bound),
            MLC_OK)
      << mlc_last_error();
  EXPECT_EQ(mlc_qwen3_num_layers(bound), 2);
  EXPECT_EQ(mlc_qwen3_vocab_size(bound), 151936);
  std::vector<float> expected = run(compiled), actual = run(bound);
  // Bit for bit: the same code on the same bytes.
  EXPECT_TRUE(expected == actual);
  mlc_qwen3_free(compiled);
  mlc_qwen3_free(bound);

  // Without a checkpoint, the library has no weights.
  mlc_qwen3 *none = nullptr;
  EXPECT_EQ(mlc_qwen3_load_with_weights(withoutWeights.c_str(), nullptr, &none),
            MLC_ERROR_IO);
  EXPECT_EQ(none, nullptr);
  EXPECT_THAT(mlc_last_error(), HasSubstr("params.bin': no such file"));
}

TEST_F(Qwen3WithoutWeightsTest, WritesTheCompilersParamsBin) {
  std::string path = scratch + "/params.bin";
  ASSERT_EQ(mlc_qwen3_write_params(withoutWeights.c_str(), checkpoint.c_str(),
                                   path.c_str()),
            MLC_OK)
      << mlc_last_error();
  std::string written = readFile(path);
  EXPECT_GT(written.size(), 19u << 20);
  EXPECT_TRUE(written == readFile(withWeights + "/params.bin"));
}

TEST_F(Qwen3WithoutWeightsTest, RefusesAnotherModel) {
  // The checkpoint with one key of config.json changed (and its weights).
  std::string other = scratch + "/other";
  std::filesystem::create_directories(other);
  std::filesystem::create_symlink(
      std::filesystem::absolute(checkpoint + "/model.safetensors"),
      other + "/model.safetensors");
  std::string config = readFile(checkpoint + "/config.json");
  size_t at = config.find("\"rms_norm_eps\": 1e-06");
  ASSERT_NE(at, std::string::npos) << config;
  config.replace(at, 21, "\"rms_norm_eps\": 1e-05");
  std::ofstream(other + "/config.json") << config;
  mlc_qwen3 *model = nullptr;
  EXPECT_EQ(mlc_qwen3_load_with_weights(withoutWeights.c_str(), other.c_str(),
                                        &model),
            MLC_ERROR_INVALID_FILE);
  EXPECT_EQ(model, nullptr);
  EXPECT_EQ(std::string(mlc_last_error()),
            "Qwen3 library '" + withoutWeights + "': the checkpoint's " +
                other + "/config.json does not match the library's " +
                withoutWeights +
                "/config.json:\n  rms_norm_eps: 1e-05 in the checkpoint, "
                "1e-06 in the library");
  EXPECT_EQ(mlc_qwen3_write_params(withoutWeights.c_str(), other.c_str(),
                                   (scratch + "/params.bin").c_str()),
            MLC_ERROR_INVALID_FILE);
  EXPECT_FALSE(std::filesystem::exists(scratch + "/params.bin"));

  // A missing tensor is named with the checkpoint.
  std::filesystem::remove(other + "/config.json");
  std::filesystem::copy_file(checkpoint + "/config.json",
                             other + "/config.json");
  std::filesystem::remove(other + "/model.safetensors");
  EXPECT_EQ(mlc_qwen3_load_with_weights(withoutWeights.c_str(), other.c_str(),
                                        &model),
            MLC_ERROR_INVALID_FILE);
  EXPECT_THAT(mlc_last_error(), HasSubstr("checkpoint " + other +
                                          " has neither model.safetensors nor "
                                          "model.safetensors.index.json"));
  EXPECT_EQ(mlc_qwen3_load_with_weights(nullptr, other.c_str(), &model),
            MLC_ERROR_INVALID_ARGUMENT);
  EXPECT_THAT(mlc_last_error(),
              HasSubstr("mlc_qwen3_load_with_weights: empty path"));
}

} // namespace
