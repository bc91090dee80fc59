/*===- mlc-c/Qwen3.h - run a Qwen3 library compiled by mlc --------*- C -*-===*\
|*                                                                            *|
|* `mlc-compile CHECKPOINT_DIR -o OUT_DIR` writes OUT_DIR/libqwen3.so (the    *|
|* compiled entry points, ABI 2 of mlc-c/Module.h) and OUT_DIR/params.bin     *|
|* (the weights in the layout the code reads). This API loads such a folder   *|
|* and runs the model on one sequence (a session): prefill appends tokens to  *|
|* the context, decode appends one and returns the next token's logits. The   *|
|* KV cache holds up to max_context tokens.                                   *|
|*                                                                            *|
|* Errors: functions return an mlc_status; mlc_last_error() says what failed. *|
|* A session is not thread-safe; use one per thread.                          *|
|*                                                                            *|
|* Example (greedy generation):                                               *|
|*                                                                            *|
|*   mlc_qwen3 *model;                                                        *|
|*   if (mlc_qwen3_load("out", &model) != MLC_OK) die(mlc_last_error());      *|
|*   float *logits = malloc(mlc_qwen3_vocab_size(model) * sizeof(float));     *|
|*   mlc_qwen3_prefill(model, prompt, n, logits);                             *|
|*   for (int i = 0; i < 16; ++i) {                                           *|
|*     int64_t next = argmax(logits);                                         *|
|*     mlc_qwen3_decode(model, next, logits);                                 *|
|*   }                                                                        *|
|*   mlc_qwen3_free(model);                                                   *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef MLC_C_QWEN3_H
#define MLC_C_QWEN3_H

#include "mlc-c/Runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mlc_qwen3 mlc_qwen3;

/* Loads OUT_DIR (libqwen3.so + params.bin) and allocates the KV cache.
 * Honours MLC_NUM_THREADS like mlc_model_load. */
MLC_RT_API mlc_status mlc_qwen3_load(const char *dir, mlc_qwen3 **out);

/* Frees the session and unloads the library (NULL is a no-op). */
MLC_RT_API void mlc_qwen3_free(mlc_qwen3 *model);

MLC_RT_API int64_t mlc_qwen3_vocab_size(const mlc_qwen3 *model);
MLC_RT_API int64_t mlc_qwen3_num_layers(const mlc_qwen3 *model);
MLC_RT_API int64_t mlc_qwen3_max_context(const mlc_qwen3 *model);
/* Tokens in the context so far (the position of the next token). */
MLC_RT_API int64_t mlc_qwen3_position(const mlc_qwen3 *model);

/* Appends tokens[0..n) (n >= 1) to the context. `logits` (vocab_size floats)
 * receives the logits after the last token; it may be NULL. Fails, leaving
 * the context unchanged, on a token outside [0, vocab_size) or when the
 * context would exceed max_context. */
MLC_RT_API mlc_status mlc_qwen3_prefill(mlc_qwen3 *model,
                                        const int64_t *tokens, int64_t n,
                                        float *logits);

/* As mlc_qwen3_prefill, but `logits` (n * vocab_size floats, not NULL)
 * receives the logits after every token. */
MLC_RT_API mlc_status mlc_qwen3_prefill_all(mlc_qwen3 *model,
                                            const int64_t *tokens, int64_t n,
                                            float *logits);

/* Appends one token with the decode entry point (compiled for one token) and
 * writes the next token's logits (vocab_size floats, not NULL). */
MLC_RT_API mlc_status mlc_qwen3_decode(mlc_qwen3 *model, int64_t token,
                                       float *logits);

/* Empties the context (position 0). */
MLC_RT_API void mlc_qwen3_reset(mlc_qwen3 *model);

/* Keeps the first `position` tokens of the context (0 <= position <= the
 * current position) and forgets the rest: the next prefill or decode
 * continues at `position` (to regenerate from there, or to decode one token
 * at a given position). */
MLC_RT_API mlc_status mlc_qwen3_set_position(mlc_qwen3 *model,
                                             int64_t position);

#ifdef __cplusplus
}
#endif

#endif /* MLC_C_QWEN3_H */
