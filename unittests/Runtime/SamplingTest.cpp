//===- SamplingTest.cpp - mlc-c/Sampling.h --------------------------------===//
//
// Greedy picks, the repetition penalty, the filters (top-k, top-p), the
// distribution of draws against the softmax, reproducibility from the seed,
// and bad arguments.
//
//===----------------------------------------------------------------------===//

#include "mlc-c/Sampling.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

using ::testing::HasSubstr;

namespace {

struct Sampler {
  explicit Sampler(mlc_sampling_params params) {
    EXPECT_EQ(mlc_sampler_create(&params, &sampler), MLC_OK)
        << mlc_last_error();
  }
  ~Sampler() { mlc_sampler_free(sampler); }
  int64_t sample(const std::vector<float> &logits,
                 const std::vector<int64_t> &history = {}) {
    int64_t token = -1;
    EXPECT_EQ(mlc_sampler_sample(sampler, logits.data(),
                                 static_cast<int64_t>(logits.size()),
                                 history.data(),
                                 static_cast<int64_t>(history.size()), &token),
              MLC_OK)
        << mlc_last_error();
    return token;
  }
  /// How often each token is drawn in `n` draws.
  std::vector<double> frequencies(const std::vector<float> &logits, int n) {
    std::vector<double> counts(logits.size());
    for (int i = 0; i < n; ++i)
      counts[sample(logits)] += 1.0 / n;
    return counts;
  }
  mlc_sampler *sampler = nullptr;
};

mlc_sampling_params withTemperature(float t) {
  mlc_sampling_params p = mlc_sampling_greedy();
  p.temperature = t;
  p.seed = 42;
  return p;
}

/// Logits whose softmax is `probs`.
std::vector<float> logitsOf(const std::vector<double> &probs) {
  std::vector<float> logits;
  for (double p : probs)
    logits.push_back(static_cast<float>(std::log(p)));
  return logits;
}

TEST(SamplingTest, GreedyIsArgmaxWithTheLowestIdOnTies) {
  Sampler greedy(mlc_sampling_greedy());
  EXPECT_EQ(greedy.sample({0.5f, 2.0f, -1.0f, 1.5f}), 1);
  EXPECT_EQ(greedy.sample({3.0f, 1.0f, 3.0f}), 0);
  EXPECT_EQ(greedy.sample({-INFINITY, -5.0f}), 1);
}

TEST(SamplingTest, RepetitionPenaltyDividesPositiveAndMultipliesNegative) {
  mlc_sampling_params p = mlc_sampling_greedy();
  p.repetition_penalty = 2.0f;
  Sampler sampler(p);
  // 4 -> 2 once (even if the token repeats in the history), so 3 wins.
  EXPECT_EQ(sampler.sample({4.0f, 3.0f}, {0, 0, 0}), 1);
  // -1 -> -2 < -1.5.
  EXPECT_EQ(sampler.sample({-1.0f, -1.5f}, {0}), 1);
  // Ids outside the vocabulary in the history are ignored.
  EXPECT_EQ(sampler.sample({4.0f, 3.0f}, {7, -1}), 0);
}

TEST(SamplingTest, DrawsFollowTheSoftmax) {
  Sampler sampler(withTemperature(1.0f));
  std::vector<double> probs = {0.1, 0.2, 0.3, 0.4};
  std::vector<double> f = sampler.frequencies(logitsOf(probs), 40000);
  for (size_t i = 0; i < probs.size(); ++i)
    EXPECT_NEAR(f[i], probs[i], 0.01) << "token " << i;
}

TEST(SamplingTest, TemperatureSharpens) {
  // Temperature 0.5 squares the probabilities: 1:4 -> 1:16.
  Sampler sampler(withTemperature(0.5f));
  std::vector<double> f = sampler.frequencies(logitsOf({0.2, 0.8}), 40000);
  EXPECT_NEAR(f[1], 16.0 / 17.0, 0.01);
}

TEST(SamplingTest, TopKKeepsTheKMostLikely) {
  mlc_sampling_params p = withTemperature(1.0f);
  p.top_k = 2;
  Sampler sampler(p);
  std::vector<double> f =
      sampler.frequencies(logitsOf({0.1, 0.3, 0.2, 0.4}), 40000);
  EXPECT_EQ(f[0], 0.0);
  EXPECT_EQ(f[2], 0.0);
  EXPECT_NEAR(f[3], 4.0 / 7.0, 0.01);
}

TEST(SamplingTest, TopPKeepsTheSmallestSetReachingP) {
  mlc_sampling_params p = withTemperature(1.0f);
  p.top_p = 0.5f; // 0.4 < 0.5, so 0.3 joins; 0.7 >= 0.5 stops.
  Sampler sampler(p);
  std::vector<double> f =
      sampler.frequencies(logitsOf({0.1, 0.3, 0.2, 0.4}), 40000);
  EXPECT_EQ(f[0], 0.0);
  EXPECT_EQ(f[2], 0.0);
  EXPECT_NEAR(f[3], 4.0 / 7.0, 0.01);
  // A tiny p keeps the most likely token alone.
  p.top_p = 1e-6f;
  Sampler narrow(p);
  EXPECT_NEAR(narrow.frequencies(logitsOf({0.1, 0.3, 0.2, 0.4}), 100)[3], 1.0,
              1e-9);
}

TEST(SamplingTest, TheSeedMakesDrawsReproducible) {
  std::vector<float> logits(1000, 0.0f);
  auto draws = [&](uint64_t seed) {
    mlc_sampling_params p = withTemperature(1.0f);
    p.seed = seed;
    Sampler sampler(p);
    std::vector<int64_t> tokens;
    for (int i = 0; i < 20; ++i)
      tokens.push_back(sampler.sample(logits));
    return tokens;
  };
  EXPECT_EQ(draws(7), draws(7));
  EXPECT_NE(draws(7), draws(8));
}

TEST(SamplingTest, RejectsBadArguments) {
  mlc_sampler *sampler = nullptr;
  for (mlc_sampling_params p :
       {mlc_sampling_params{-1.0f, 0, 1.0f, 1.0f, 0},
        mlc_sampling_params{1.0f, -3, 1.0f, 1.0f, 0},
        mlc_sampling_params{1.0f, 0, 0.0f, 1.0f, 0},
        mlc_sampling_params{1.0f, 0, 1.5f, 1.0f, 0},
        mlc_sampling_params{1.0f, 0, 1.0f, 0.0f, 0},
        mlc_sampling_params{NAN, 0, 1.0f, 1.0f, 0}}) {
    EXPECT_EQ(mlc_sampler_create(&p, &sampler), MLC_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(sampler, nullptr);
    EXPECT_THAT(mlc_last_error(), HasSubstr("sampling:"));
  }
  Sampler valid(mlc_sampling_greedy());
  int64_t token;
  float nan[] = {1.0f, NAN};
  EXPECT_EQ(mlc_sampler_sample(valid.sampler, nan, 2, nullptr, 0, &token),
            MLC_ERROR_INVALID_ARGUMENT);
  EXPECT_THAT(mlc_last_error(), HasSubstr("logit 1 is NaN"));
  EXPECT_EQ(mlc_sampler_sample(valid.sampler, nan, 0, nullptr, 0, &token),
            MLC_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(mlc_sampler_sample(valid.sampler, nan, 2, nullptr, 3, &token),
            MLC_ERROR_INVALID_ARGUMENT);
}

} // namespace
