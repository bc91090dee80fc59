/*===- mlc-c/Tokenizer.h - libmlcrt: byte-level BPE tokenizer -----*- C -*-===*\
|*                                                                            *|
|* The plain-C API of libmlcrt's tokenizer: Hugging Face tokenizer.json files *|
|* of the byte-level BPE family with an NFC normalizer and the Qwen2/Qwen3    *|
|* (or Llama-3) split regex -- the tokenizer of Qwen3 checkpoints -- and      *|
|* Qwen3's chat template. Like the rest of libmlcrt it has no MLIR or LLVM    *|
|* inside. docs/tokenizer.md says what is implemented and how it is tested.   *|
|*                                                                            *|
|* Encoding matches HF `tokenizers` with add_special_tokens=False and         *|
|* split_special_tokens=False: added tokens written in the text (e.g.         *|
|* "<|im_end|>", "<think>") become their single ids, the rest is NFC          *|
|* normalized, split by the pre-tokenizer regex and BPE-merged. Nothing (no   *|
|* BOS/EOS) is added. Input bytes that are not well-formed UTF-8 are read as  *|
|* U+FFFD, one per maximal ill-formed subsequence (as Python's                *|
|* errors="replace" does); encoding never fails on any input.                 *|
|*                                                                            *|
|* Errors: functions that can fail return an mlc_status (mlc-c/Runtime.h); on *|
|* failure mlc_last_error() gives a message naming the file (and the byte,    *|
|* line and column of a JSON error), the token id or the message.             *|
|*                                                                            *|
|* Memory: buffers returned through `char **` / `int32_t **` are malloc'ed;   *|
|* the caller free()s them. Text buffers are also NUL-terminated.             *|
|*                                                                            *|
|* Threads: a loaded tokenizer may be used from several threads at once (its  *|
|* word cache is guarded by a mutex).                                         *|
|*                                                                            *|
|* Example:                                                                   *|
|*                                                                            *|
|*   mlc_tokenizer *tok;                                                      *|
|*   if (mlc_tokenizer_load("Qwen3-0.6B", &tok) != MLC_OK)                    *|
|*     die(mlc_last_error());                                                 *|
|*   mlc_chat_message chat[] = {{"user", "Hello!", NULL}};                    *|
|*   char *prompt; size_t prompt_len;                                         *|
|*   mlc_tokenizer_apply_chat_template(tok, chat, 1, 1, 1, &prompt,           *|
|*                                     &prompt_len);                          *|
|*   int32_t *ids; size_t n;                                                  *|
|*   mlc_tokenizer_encode(tok, prompt, prompt_len, 0, &ids, &n);              *|
|*   ... run the model; for each generated id, stream its text:               *|
|*     const char *bytes; size_t len;                                         *|
|*     mlc_tokenizer_token_bytes(tok, id, &bytes, &len);                      *|
|*     append bytes to `pending`; then print the first                        *|
|*     mlc_tokenizer_utf8_complete_length(pending, pending_len) bytes and     *|
|*     keep the rest (the start of a character the next token completes).     *|
|*   free(ids); free(prompt);                                                 *|
|*   mlc_tokenizer_free(tok);                                                 *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef MLC_C_TOKENIZER_H
#define MLC_C_TOKENIZER_H

#include "mlc-c/Runtime.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A loaded tokenizer. */
typedef struct mlc_tokenizer mlc_tokenizer;

/*===----------------------------------------------------------------------===*
 * Loading
 *===----------------------------------------------------------------------===*/

/*
 * Loads `dir`/tokenizer.json and `dir`/tokenizer_config.json (a Hugging Face
 * checkpoint folder). Fails with
 *   MLC_ERROR_IO            a file is missing or unreadable,
 *   MLC_ERROR_INVALID_FILE  malformed or truncated JSON, or JSON that is not
 *                           a valid tokenizer (bad ids, merges of unknown
 *                           tokens, ...),
 *   MLC_ERROR_UNSUPPORTED   a model type, normalizer, pre-tokenizer, decoder
 *                           or added-token option this tokenizer does not
 *                           implement;
 * the message names the file. On failure *out is NULL.
 */
MLC_RT_API mlc_status mlc_tokenizer_load(const char *dir, mlc_tokenizer **out);

/* The same from two paths; `tokenizer_config_json` may be NULL (then there
 * is no chat template and no eos/pad token). */
MLC_RT_API mlc_status mlc_tokenizer_load_files(
    const char *tokenizer_json, const char *tokenizer_config_json,
    mlc_tokenizer **out);

/* Frees a tokenizer (NULL is ignored). */
MLC_RT_API void mlc_tokenizer_free(mlc_tokenizer *tokenizer);

/*===----------------------------------------------------------------------===*
 * Vocabulary
 *===----------------------------------------------------------------------===*/

/* The number of ids: one past the largest id of the vocabulary and the added
 * tokens (151669 for Qwen3; the model's embedding may have more rows). */
MLC_RT_API size_t mlc_tokenizer_vocab_size(const mlc_tokenizer *tokenizer);

/* The id of a token as tokenizer.json spells it ("<|im_end|>", "<think>",
 * "hello", or "Ġhello" for " hello"), or -1 if there is none. */
MLC_RT_API int32_t mlc_tokenizer_token_to_id(const mlc_tokenizer *tokenizer,
                                             const char *token);

/* The spelling of token `id` (NUL-terminated, owned by the tokenizer), or
 * NULL for an id without a token. */
MLC_RT_API const char *mlc_tokenizer_id_to_token(const mlc_tokenizer *tokenizer,
                                                 int32_t id);

/* Nonzero if `id` is an added token marked special (e.g. <|im_end|>; not
 * <think>). */
MLC_RT_API int mlc_tokenizer_is_special(const mlc_tokenizer *tokenizer,
                                        int32_t id);

/* The ids of tokenizer_config.json's eos_token and pad_token, or -1. */
MLC_RT_API int32_t mlc_tokenizer_eos_id(const mlc_tokenizer *tokenizer);
MLC_RT_API int32_t mlc_tokenizer_pad_id(const mlc_tokenizer *tokenizer);

/*===----------------------------------------------------------------------===*
 * Encoding and decoding
 *===----------------------------------------------------------------------===*/

/* Encode flag: added tokens marked special in the text are tokenized as
 * plain text (HF split_special_tokens=True), e.g. for untrusted input. */
#define MLC_TOKENIZER_SPLIT_SPECIAL 1

/*
 * Encodes `length` bytes of `text` (embedded NULs allowed). On success *ids
 * is a malloc'ed array of *num_ids ids (never NULL, even for no ids). Fails
 * only on bad arguments or when memory runs out.
 */
MLC_RT_API mlc_status mlc_tokenizer_encode(const mlc_tokenizer *tokenizer,
                                           const char *text, size_t length,
                                           int flags, int32_t **ids,
                                           size_t *num_ids);

/* Decode flags: leave out added tokens marked special; return the raw bytes
 * (which end inside a character when the ids do) instead of replacing
 * ill-formed UTF-8 by U+FFFD as HF's decode does. */
#define MLC_TOKENIZER_SKIP_SPECIAL 1
#define MLC_TOKENIZER_RAW_BYTES 2

/*
 * Decodes ids to text: the concatenated bytes of the tokens, made valid UTF-8
 * (each maximal ill-formed subsequence, e.g. the first bytes of a character
 * whose last byte is in a later token, becomes U+FFFD) unless
 * MLC_TOKENIZER_RAW_BYTES is given. On success *text is malloc'ed,
 * NUL-terminated, *length bytes long. An id without a token fails with
 * MLC_ERROR_INVALID_ARGUMENT naming it and its position.
 */
MLC_RT_API mlc_status mlc_tokenizer_decode(const mlc_tokenizer *tokenizer,
                                           const int32_t *ids, size_t num_ids,
                                           int flags, char **text,
                                           size_t *length);

/* The raw bytes of one token (possibly part of a UTF-8 character), owned by
 * the tokenizer: the streaming form of decode. */
MLC_RT_API mlc_status mlc_tokenizer_token_bytes(const mlc_tokenizer *tokenizer,
                                                int32_t id, const char **bytes,
                                                size_t *length);

/* The length of the longest prefix of `bytes` that does not end with an
 * unfinished (but so far well-formed) UTF-8 character. A streaming decoder
 * prints that prefix and keeps the remaining 0-3 bytes for the next token. */
MLC_RT_API size_t mlc_tokenizer_utf8_complete_length(const char *bytes,
                                                     size_t length);

/*===----------------------------------------------------------------------===*
 * Chat template
 *===----------------------------------------------------------------------===*/

/* A chat message; strings are UTF-8 and NUL-terminated. */
typedef struct mlc_chat_message {
  const char *role;    /* "system", "user", "assistant" or "tool" */
  const char *content; /* not NULL */
  /* Assistant messages: the reasoning, when kept apart from the content
   * (Jinja's message.reasoning_content); NULL when not given, and then a
   * "<think>...</think>" prefix of the content is used. */
  const char *reasoning_content;
} mlc_chat_message;

/*
 * Renders the checkpoint's chat template for `messages`, as HF's
 * apply_chat_template(messages, tokenize=False, add_generation_prompt,
 * enable_thinking) does, without tools. Only Qwen3's template is implemented
 * (tokenizer_config.json's chat_template must be it; other templates fail
 * with MLC_ERROR_UNSUPPORTED): "<|im_start|>role\ncontent<|im_end|>\n" per
 * message, assistant reasoning in "<think>\n...\n</think>\n\n" after the
 * last user turn, tool messages as "<tool_response>" blocks in a user turn,
 * then with add_generation_prompt "<|im_start|>assistant\n", followed by
 * "<think>\n\n</think>\n\n" when enable_thinking is 0. An empty list or an
 * unknown role fails with MLC_ERROR_INVALID_ARGUMENT. On success *text is
 * malloc'ed, NUL-terminated, *length bytes long.
 */
MLC_RT_API mlc_status mlc_tokenizer_apply_chat_template(
    const mlc_tokenizer *tokenizer, const mlc_chat_message *messages,
    size_t num_messages, int add_generation_prompt, int enable_thinking,
    char **text, size_t *length);

#ifdef __cplusplus
}
#endif

#endif /* MLC_C_TOKENIZER_H */
