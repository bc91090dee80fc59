//===- Tokenizer.cpp - libmlcrt: the C API of the tokenizer ---------------===//
//
// Implements mlc-c/Tokenizer.h over mlc::rt::Tokenizer (TokenizerImpl.h):
// argument checks, errors through libmlcrt's mlc_last_error() (Error.h),
// malloc'ed outputs, and no exception escaping into C (std::bad_alloc
// becomes MLC_ERROR_OUT_OF_MEMORY).
//
//===----------------------------------------------------------------------===//

#include "Error.h"
#include "TokenizerImpl.h"
#include "Unicode.h"

#include "mlc-c/Tokenizer.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>

using namespace mlc::rt;

struct mlc_tokenizer {
  std::unique_ptr<Tokenizer> impl;
};

namespace {

/// Records a TokenizerError as the last error.
mlc_status report(const TokenizerError &error) {
  return fail(error.status, error.message);
}

/// Runs `body`, turning an allocation failure into a status.
template <typename Body> mlc_status guarded(Body body) {
  try {
    return body();
  } catch (const std::bad_alloc &) {
    return fail(MLC_ERROR_OUT_OF_MEMORY, "out of memory");
  } catch (const std::length_error &) {
    return fail(MLC_ERROR_OUT_OF_MEMORY, "out of memory (size overflow)");
  }
}

/// A malloc'ed, NUL-terminated copy of `bytes`.
mlc_status copyOut(std::string_view bytes, char **text, size_t *length) {
  char *buffer = static_cast<char *>(std::malloc(bytes.size() + 1));
  if (!buffer)
    return fail(MLC_ERROR_OUT_OF_MEMORY, "out of memory");
  std::memcpy(buffer, bytes.data(), bytes.size());
  buffer[bytes.size()] = '\0';
  *text = buffer;
  *length = bytes.size();
  return MLC_OK;
}

/// Wraps a loaded tokenizer, or reports the load's error.
mlc_status finishLoad(std::unique_ptr<Tokenizer> impl,
                      const TokenizerError &error, mlc_tokenizer **out) {
  if (!impl)
    return report(error);
  *out = new mlc_tokenizer{std::move(impl)};
  return MLC_OK;
}

} // namespace

mlc_status mlc_tokenizer_load(const char *dir, mlc_tokenizer **out) {
  if (!out)
    return fail(MLC_ERROR_INVALID_ARGUMENT, "out is NULL");
  *out = nullptr;
  if (!dir)
    return fail(MLC_ERROR_INVALID_ARGUMENT, "dir is NULL");
  return guarded([&] {
    TokenizerError error;
    return finishLoad(Tokenizer::loadDirectory(dir, error), error, out);
  });
}

mlc_status mlc_tokenizer_load_files(const char *tokenizerJson,
                                    const char *tokenizerConfigJson,
                                    mlc_tokenizer **out) {
  if (!out)
    return fail(MLC_ERROR_INVALID_ARGUMENT, "out is NULL");
  *out = nullptr;
  if (!tokenizerJson)
    return fail(MLC_ERROR_INVALID_ARGUMENT, "tokenizer_json is NULL");
  return guarded([&] {
    TokenizerError error;
    return finishLoad(
        Tokenizer::loadFiles(tokenizerJson, tokenizerConfigJson, error), error,
        out);
  });
}

void mlc_tokenizer_free(mlc_tokenizer *tokenizer) { delete tokenizer; }

size_t mlc_tokenizer_vocab_size(const mlc_tokenizer *tokenizer) {
  return tokenizer ? tokenizer->impl->vocabSize() : 0;
}

int32_t mlc_tokenizer_token_to_id(const mlc_tokenizer *tokenizer,
                                  const char *token) {
  return tokenizer && token ? tokenizer->impl->tokenId(token) : -1;
}

const char *mlc_tokenizer_id_to_token(const mlc_tokenizer *tokenizer,
                                      int32_t id) {
  return tokenizer ? tokenizer->impl->tokenSpellingCString(id) : nullptr;
}

int mlc_tokenizer_is_special(const mlc_tokenizer *tokenizer, int32_t id) {
  return tokenizer && tokenizer->impl->isSpecial(id);
}

int32_t mlc_tokenizer_eos_id(const mlc_tokenizer *tokenizer) {
  return tokenizer ? tokenizer->impl->eosId() : -1;
}

int32_t mlc_tokenizer_pad_id(const mlc_tokenizer *tokenizer) {
  return tokenizer ? tokenizer->impl->padId() : -1;
}

mlc_status mlc_tokenizer_encode(const mlc_tokenizer *tokenizer,
                                const char *text, size_t length, int flags,
                                int32_t **ids, size_t *numIds) {
  if (!ids || !numIds)
    return fail(MLC_ERROR_INVALID_ARGUMENT, "ids or num_ids is NULL");
  *ids = nullptr;
  *numIds = 0;
  if (!tokenizer || (!text && length))
    return fail(MLC_ERROR_INVALID_ARGUMENT, "tokenizer or text is NULL");
  if (flags & ~MLC_TOKENIZER_SPLIT_SPECIAL)
    return fail(MLC_ERROR_INVALID_ARGUMENT,
                "unknown encode flags " + std::to_string(flags));
  return guarded([&] {
    std::vector<int32_t> result;
    tokenizer->impl->encode(std::string_view(text ? text : "", length),
                            flags & MLC_TOKENIZER_SPLIT_SPECIAL, result);
    auto *buffer = static_cast<int32_t *>(
        std::malloc(std::max<size_t>(result.size(), 1) * sizeof(int32_t)));
    if (!buffer)
      return fail(MLC_ERROR_OUT_OF_MEMORY, "out of memory");
    if (!result.empty())
      std::memcpy(buffer, result.data(), result.size() * sizeof(int32_t));
    *ids = buffer;
    *numIds = result.size();
    return MLC_OK;
  });
}

mlc_status mlc_tokenizer_decode(const mlc_tokenizer *tokenizer,
                                const int32_t *ids, size_t numIds, int flags,
                                char **text, size_t *length) {
  if (!text || !length)
    return fail(MLC_ERROR_INVALID_ARGUMENT, "text or length is NULL");
  *text = nullptr;
  *length = 0;
  if (!tokenizer || (!ids && numIds))
    return fail(MLC_ERROR_INVALID_ARGUMENT, "tokenizer or ids is NULL");
  if (flags & ~(MLC_TOKENIZER_SKIP_SPECIAL | MLC_TOKENIZER_RAW_BYTES))
    return fail(MLC_ERROR_INVALID_ARGUMENT,
                "unknown decode flags " + std::to_string(flags));
  return guarded([&] {
    std::string bytes;
    TokenizerError error;
    if (!tokenizer->impl->decode(
            ids, numIds, flags & MLC_TOKENIZER_SKIP_SPECIAL, bytes, error))
      return report(error);
    if (flags & MLC_TOKENIZER_RAW_BYTES)
      return copyOut(bytes, text, length);
    return copyOut(unicode::makeValidUtf8(bytes), text, length);
  });
}

mlc_status mlc_tokenizer_token_bytes(const mlc_tokenizer *tokenizer, int32_t id,
                                     const char **bytes, size_t *length) {
  if (!tokenizer || !bytes || !length)
    return fail(MLC_ERROR_INVALID_ARGUMENT,
                "tokenizer, bytes or length is NULL");
  *bytes = nullptr;
  *length = 0;
  if (!tokenizer->impl->tokenSpellingCString(id))
    return fail(MLC_ERROR_INVALID_ARGUMENT,
                "token id " + std::to_string(id) +
                    " has no token (vocab size " +
                    std::to_string(tokenizer->impl->vocabSize()) + ")");
  std::string_view view = tokenizer->impl->tokenBytes(id);
  *bytes = view.data();
  *length = view.size();
  return MLC_OK;
}

size_t mlc_tokenizer_utf8_complete_length(const char *bytes, size_t length) {
  if (!bytes)
    return 0;
  return unicode::completeUtf8Prefix(std::string_view(bytes, length));
}

mlc_status mlc_tokenizer_apply_chat_template(const mlc_tokenizer *tokenizer,
                                             const mlc_chat_message *messages,
                                             size_t numMessages,
                                             int addGenerationPrompt,
                                             int enableThinking, char **text,
                                             size_t *length) {
  if (!text || !length)
    return fail(MLC_ERROR_INVALID_ARGUMENT, "text or length is NULL");
  *text = nullptr;
  *length = 0;
  if (!tokenizer || (!messages && numMessages))
    return fail(MLC_ERROR_INVALID_ARGUMENT, "tokenizer or messages is NULL");
  return guarded([&] {
    std::vector<ChatMessage> list(numMessages);
    std::vector<std::string_view> reasoning(numMessages);
    for (size_t i = 0; i < numMessages; ++i) {
      if (!messages[i].role || !messages[i].content)
        return fail(MLC_ERROR_INVALID_ARGUMENT,
                    "message " + std::to_string(i) +
                        ": role or content is NULL");
      list[i].role = messages[i].role;
      list[i].content = messages[i].content;
      if (messages[i].reasoning_content) {
        reasoning[i] = messages[i].reasoning_content;
        list[i].reasoningContent = &reasoning[i];
      }
    }
    std::string rendered;
    TokenizerError error;
    if (!tokenizer->impl->applyChatTemplate(list, addGenerationPrompt != 0,
                                            enableThinking != 0, rendered,
                                            error))
      return report(error);
    return copyOut(rendered, text, length);
  });
}
