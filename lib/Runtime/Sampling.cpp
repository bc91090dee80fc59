//===- Sampling.cpp - pick the next token from logits ---------------------===//
//
// Implements mlc-c/Sampling.h with transformers' logits processors in their
// order (RepetitionPenalty, Temperature, TopK, TopP) and a xoshiro256**
// generator seeded by splitmix64.
//
//===----------------------------------------------------------------------===//

#include "Error.h"

#include "mlc-c/Sampling.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

using namespace mlc::rt;

struct mlc_sampler {
  mlc_sampling_params params;
  uint64_t state[4];
  std::vector<float> logits;
  std::vector<int64_t> order;

  /// xoshiro256**: a uniform double in [0, 1).
  double uniform() {
    auto rotl = [](uint64_t x, int k) { return (x << k) | (x >> (64 - k)); };
    uint64_t result = rotl(state[1] * 5, 7) * 9, t = state[1] << 17;
    state[2] ^= state[0];
    state[3] ^= state[1];
    state[1] ^= state[2];
    state[0] ^= state[3];
    state[2] ^= t;
    state[3] = rotl(state[3], 45);
    return static_cast<double>(result >> 11) * 0x1.0p-53;
  }
};

mlc_sampling_params mlc_sampling_greedy(void) {
  return mlc_sampling_params{0.0f, 0, 1.0f, 1.0f, 0};
}

mlc_status mlc_sampler_create(const mlc_sampling_params *params,
                              mlc_sampler **out) {
  if (!params || !out)
    return fail(MLC_ERROR_INVALID_ARGUMENT, "mlc_sampler_create: NULL argument");
  *out = nullptr;
  const mlc_sampling_params &p = *params;
  if (!(p.temperature >= 0) || p.top_k < 0 || !(p.top_p > 0 && p.top_p <= 1) ||
      !(p.repetition_penalty > 0))
    return fail(MLC_ERROR_INVALID_ARGUMENT,
                "sampling: temperature must be >= 0 (got " +
                    std::to_string(p.temperature) + "), top_k >= 0 (got " +
                    std::to_string(p.top_k) + "), top_p in (0, 1] (got " +
                    std::to_string(p.top_p) +
                    ") and the repetition penalty > 0 (got " +
                    std::to_string(p.repetition_penalty) + ")");
  auto *sampler = new mlc_sampler;
  sampler->params = p;
  uint64_t x = p.seed;
  for (uint64_t &word : sampler->state) { // splitmix64
    uint64_t z = (x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    word = z ^ (z >> 31);
  }
  *out = sampler;
  return MLC_OK;
}

void mlc_sampler_free(mlc_sampler *sampler) { delete sampler; }

mlc_status mlc_sampler_sample(mlc_sampler *sampler, const float *logits,
                              int64_t vocab, const int64_t *history,
                              int64_t n_history, int64_t *token) {
  if (!sampler || !logits || !token || vocab < 1 ||
      (n_history > 0 && !history) || n_history < 0)
    return fail(MLC_ERROR_INVALID_ARGUMENT, "mlc_sampler_sample: bad argument");
  const mlc_sampling_params &p = sampler->params;
  std::vector<float> &l = sampler->logits;
  l.assign(logits, logits + vocab);
  for (int64_t i = 0; i < vocab; ++i)
    if (std::isnan(l[i]))
      return fail(MLC_ERROR_INVALID_ARGUMENT,
                  "sampling: logit " + std::to_string(i) + " is NaN");
  if (p.repetition_penalty != 1.0f)
    for (int64_t i = 0; i < n_history; ++i) {
      int64_t t = history[i];
      if (t < 0 || t >= vocab)
        continue;
      // Once per token, as transformers' gather/scatter does.
      float original = logits[t];
      l[t] = original > 0 ? original / p.repetition_penalty
                          : original * p.repetition_penalty;
    }
  if (p.temperature == 0.0f) {
    *token = std::max_element(l.begin(), l.end()) - l.begin();
    return MLC_OK;
  }

  // Candidates by decreasing logit; top-k keeps ties with the k-th as
  // transformers does (logits < the k-th largest are removed).
  std::vector<int64_t> &order = sampler->order;
  order.resize(vocab);
  std::iota(order.begin(), order.end(), 0);
  auto byLogit = [&](int64_t a, int64_t b) {
    return l[a] > l[b] || (l[a] == l[b] && a < b);
  };
  int64_t keep = vocab;
  if (p.top_k > 0 && p.top_k < vocab) {
    std::nth_element(order.begin(), order.begin() + (p.top_k - 1), order.end(),
                     byLogit);
    float kth = l[order[p.top_k - 1]];
    keep = std::partition(order.begin(), order.end(),
                          [&](int64_t i) { return l[i] >= kth; }) -
           order.begin();
  }
  std::sort(order.begin(), order.begin() + keep, byLogit);
  double top = l[order[0]] / p.temperature, sum = 0;
  std::vector<double> probs(keep);
  for (int64_t i = 0; i < keep; ++i)
    sum += probs[i] = std::exp(l[order[i]] / p.temperature - top);
  // Top-p: the smallest prefix whose mass reaches top_p (at least one).
  if (p.top_p < 1.0f) {
    double mass = 0;
    int64_t n = 0;
    while (n < keep && mass < p.top_p * sum)
      mass += probs[n++];
    keep = std::max<int64_t>(n, 1);
    sum = mass > 0 ? mass : probs[0];
  }
  double draw = sampler->uniform() * sum;
  for (int64_t i = 0; i < keep; ++i) {
    draw -= probs[i];
    if (draw < 0) {
      *token = order[i];
      return MLC_OK;
    }
  }
  *token = order[keep - 1];
  return MLC_OK;
}
