/*===- mlc-c/Sampling.h - pick the next token from logits ---------*- C -*-===*\
|*                                                                            *|
|* Sampling as Hugging Face's generate() does it, in its order: repetition    *|
|* penalty, temperature, top-k, top-p, then a draw from the softmax. A        *|
|* temperature of 0 is greedy decoding (argmax after the penalty). Draws are  *|
|* reproducible from the seed.                                                *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef MLC_C_SAMPLING_H
#define MLC_C_SAMPLING_H

#include "mlc-c/Runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mlc_sampling_params {
  float temperature;        /* 0: greedy; > 0: divide the logits by it */
  int32_t top_k;            /* keep the k most likely tokens; 0: all */
  float top_p;              /* keep the most likely tokens whose
                               probabilities sum to >= top_p; 1: all */
  float repetition_penalty; /* > 0; 1: none. Tokens already in the history
                               get logit / p when positive, logit * p when
                               not (CTRL, as transformers) */
  uint64_t seed;
} mlc_sampling_params;

/* Greedy decoding: temperature 0, top_k 0, top_p 1, penalty 1, seed 0. */
MLC_RT_API mlc_sampling_params mlc_sampling_greedy(void);

typedef struct mlc_sampler mlc_sampler;

/* Fails on a negative temperature, top_k < 0, top_p outside (0, 1] or a
 * penalty <= 0. */
MLC_RT_API mlc_status mlc_sampler_create(const mlc_sampling_params *params,
                                         mlc_sampler **out);
MLC_RT_API void mlc_sampler_free(mlc_sampler *sampler);

/* Picks a token from logits[0..vocab). `history` (n_history tokens, may be
 * NULL when 0) feeds the repetition penalty. NaN logits are an error. */
MLC_RT_API mlc_status mlc_sampler_sample(mlc_sampler *sampler,
                                         const float *logits, int64_t vocab,
                                         const int64_t *history,
                                         int64_t n_history, int64_t *token);

#ifdef __cplusplus
}
#endif

#endif /* MLC_C_SAMPLING_H */
