//===- Qwen3Test.cpp - mlc-c/Qwen3.h on a compiled tiny model -------------===//
//
// Runs a library that ctest compiles first (a tiny random Qwen3 checkpoint
// from utils/models/qwen3_checkpoint.py through mlc-compile; the folder is
// in MLC_QWEN3_TEST_LIB): the prefill and decode entry points agree, reset
// and set_position replay the same logits, and bad calls get named errors.
// Numerics against PyTorch are test/models/qwen3.test's job.
//
//===----------------------------------------------------------------------===//

#include "mlc-c/Qwen3.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
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

} // namespace
