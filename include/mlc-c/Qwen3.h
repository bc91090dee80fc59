/*===- mlc-c/Qwen3.h - run a Qwen3 library compiled by mlc --------*- C -*-===*\
|*                                                                            *|
|* `mlc-compile CHECKPOINT_DIR -o OUT_DIR` writes OUT_DIR/libqwen3.so (the    *|
|* compiled entry points, ABI 2 of mlc-c/Module.h) and OUT_DIR/params.bin     *|
|* (the weights in the layout the code reads). This API loads such a folder   *|
|* and runs the model on one sequence (a session): prefill appends tokens to  *|
|* the context, decode appends one and returns the next token's logits. The   *|
|* KV cache holds up to max_context tokens.                                   *|
|*                                                                            *|
|* A library compiled from config.json alone (`mlc-compile ... --no-weights`) *|
|* has no params.bin: mlc_qwen3_load_with_weights binds the weights of a      *|
|* Hugging Face checkpoint folder at load, or mlc_qwen3_write_params writes   *|
|* params.bin from one (see "Weights from a checkpoint" below).               *|
|*                                                                            *|
|* A library compiled for CUDA (its metadata has `target cuda`) runs on the   *|
|* GPU through the same calls: see "CUDA libraries" below.                    *|
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
 * Honours MLC_NUM_THREADS like mlc_model_load. For a CUDA library it also
 * sets the device up, uploads the weights and allocates the KV cache on it
 * (and reads MLC_CUDA_GRAPHS); see below. */
MLC_RT_API mlc_status mlc_qwen3_load(const char *dir, mlc_qwen3 **out);

/*
 * Weights from a checkpoint. mlc_qwen3_load_with_weights loads OUT_DIR's
 * libqwen3.so as mlc_qwen3_load does, but takes the weights from
 * CHECKPOINT_DIR, a Hugging Face Qwen3 folder (config.json and
 * model.safetensors, or model.safetensors.index.json and its shards),
 * instead of OUT_DIR/params.bin (which may be absent; it is not read). The
 * safetensors files are mapped and converted once into the layout and
 * dtypes the library declares (projections transposed, q/k/v and gate/up
 * side by side; in a library for CUDA, projections [out, in] as they are,
 * q/k/v and gate/up stacked; lm_head also when tied; a library with bf16
 * matrices needs BF16 ones, one with f32 matrices widens F32, F16 or BF16
 * exactly), in
 * anonymous memory holding the bytes params.bin would: the results are the
 * same, bit for bit, as with the params.bin mlc-compile writes from that
 * checkpoint. For a CUDA library that memory is uploaded, then released.
 * The files are unmapped before it returns.
 *
 * Before converting, CHECKPOINT_DIR/config.json is checked against
 * OUT_DIR/config.json (which mlc-compile writes): vocab_size, hidden_size,
 * intermediate_size, num_hidden_layers, num_attention_heads,
 * num_key_value_heads, head_dim, tie_word_embeddings, rms_norm_eps and
 * rope_theta must be equal, and every tensor must be there with its shape.
 * A mismatch is MLC_ERROR_INVALID_FILE with a message naming both files
 * and each key that differs ("num_hidden_layers: 3 in the checkpoint, 2 in
 * the library"), or the file and tensor. A NULL or empty checkpoint_dir is
 * mlc_qwen3_load.
 */
MLC_RT_API mlc_status mlc_qwen3_load_with_weights(const char *dir,
                                                  const char *checkpoint_dir,
                                                  mlc_qwen3 **out);

/* Writes the parameter file of OUT_DIR's library from CHECKPOINT_DIR (the
 * checks and conversion of mlc_qwen3_load_with_weights) to `path`, or to
 * OUT_DIR/params.bin when `path` is NULL or empty: the file mlc-compile
 * writes when it compiles from that checkpoint, byte for byte. Written to
 * PATH.tmp, then renamed. Fails with MLC_ERROR_INVALID_FILE on a
 * mismatch, MLC_ERROR_IO when the file cannot be written. */
MLC_RT_API mlc_status mlc_qwen3_write_params(const char *dir,
                                             const char *checkpoint_dir,
                                             const char *path);

/* Frees the session and unloads the library (NULL is a no-op). */
MLC_RT_API void mlc_qwen3_free(mlc_qwen3 *model);

MLC_RT_API int64_t mlc_qwen3_vocab_size(const mlc_qwen3 *model);
MLC_RT_API int64_t mlc_qwen3_num_layers(const mlc_qwen3 *model);
MLC_RT_API int64_t mlc_qwen3_max_context(const mlc_qwen3 *model);
/* Tokens in the context so far (the position of the next token). */
MLC_RT_API int64_t mlc_qwen3_position(const mlc_qwen3 *model);

/* Where the session runs, as one line that lives as long as the session:
 * "cpu", or for a CUDA library the line of mlc_model_device (mlc-c/
 * Runtime.h), e.g. "cuda:0 NVIDIA H100 80GB HBM3 (compute capability 9.0,
 * 79.1 GiB), sm_90 cubin". Fails only on NULL arguments. */
MLC_RT_API mlc_status mlc_qwen3_device(const mlc_qwen3 *model,
                                       const char **description);

/* Whether decode steps replay a CUDA graph: 1 while they do, or will once
 * one is captured, 0 when they are launched directly (a CPU library,
 * MLC_CUDA_GRAPHS=0, or a capture that failed). `detail` (if not NULL)
 * receives a line saying which and why, valid until the next call on the
 * session, e.g. "on: decode steps replay a CUDA graph", "off (capturing a
 * decode step failed 2 times, the last time: ...): decode steps are
 * launched directly". */
MLC_RT_API int mlc_qwen3_cuda_graphs(mlc_qwen3 *model, const char **detail);

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

/*
 * CUDA libraries. mlc_qwen3_load sets the device up as the first run of a
 * CUDA module does (MLC_CUDA_DRIVER, MLC_CUDA_DEVICE, the kernel image by
 * compute capability: mlc-c/Runtime.h), then uploads each tensor of
 * params.bin that an entry point reads, one at a time from the mapped file
 * (whose pages are dropped once uploaded, and which is unmapped after: the
 * host keeps no copy of the weights; sessions of the same library and
 * params.bin share one copy on the device), allocates the KV caches of every
 * layer for max_context tokens (zeroed) and a small buffer for a step's
 * token ids and positions. It fails naming the library and what failed: no
 * driver or device (MLC_ERROR_DEVICE), the weights or the KV cache not
 * fitting in device memory (MLC_ERROR_OUT_OF_MEMORY, with the bytes needed
 * and free), a bad MLC_CUDA_GRAPHS (MLC_ERROR_ENVIRONMENT).
 *
 * A step copies its token ids and positions to the device, runs embed,
 * the layers and the head there (activations stay on the device, each freed
 * once the next entry point has read it), copies the logits back and waits
 * for the GPU: when prefill or decode returns, the work is done, so timing
 * a call times the device too. Sampling (mlc-c/Sampling.h) runs on the host
 * on those logits. reset and set_position only move the position, as on
 * CPUs.
 *
 * Decode steps are replayed from a CUDA graph unless MLC_CUDA_GRAPHS=0: the
 * first decode step of a session runs directly, the second is captured
 * (embed, every layer, the head) and launched, and later ones only update
 * the token and position and launch the graph. If the capture fails, the
 * step runs directly, the next decode step tries once more, and then decode
 * steps are launched directly for the session (mlc_qwen3_cuda_graphs says
 * why). Results are the same either way.
 *
 * A failed step (a kernel that cannot launch, device memory the module's
 * buffers do not fit in, a kernel fault found when waiting) returns
 * MLC_ERROR_DEVICE or MLC_ERROR_OUT_OF_MEMORY with a message naming the
 * library, the step and, where known, the entry point and kernel, and
 * leaves the context unchanged: the session can go on (or reset). After an
 * error that makes the CUDA context unusable (an illegal address, a device
 * assert, ...) the message says so, and every later step fails: only
 * mlc_qwen3_free is left, and a new process to use the GPU again.
 */

#ifdef __cplusplus
}
#endif

#endif /* MLC_C_QWEN3_H */
