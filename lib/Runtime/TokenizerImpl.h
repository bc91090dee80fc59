//===- TokenizerImpl.h - byte-level BPE tokenizer (Qwen3) -------*- C++ -*-===//
//
// The C++ side of mlc-c/Tokenizer.h: a Hugging Face tokenizer.json of the
// byte-level BPE family (Qwen2/Qwen3, and the Llama-3 pre-tokenizer) and the
// Qwen3 chat template of tokenizer_config.json.
//
// encode(text) does what HF `tokenizers` does with add_special_tokens=False:
//   1. split the raw text on added tokens (leftmost-longest match; with
//      splitSpecial the tokens marked "special" are not matched);
//   2. per remaining segment: UTF-8 decoding (ill-formed bytes become
//      U+FFFD), NFC, the pre-tokenizer regex (splitPretokens), then BPE on
//      the bytes of each piece (lowest merge rank first, leftmost on ties).
//
// A loaded Tokenizer is immutable apart from its word cache, which a mutex
// guards, so every method is safe to call from several threads.
//
//===----------------------------------------------------------------------===//

#ifndef MLC_LIB_RUNTIME_TOKENIZERIMPL_H
#define MLC_LIB_RUNTIME_TOKENIZERIMPL_H

#include "mlc-c/Runtime.h"

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace mlc::rt {

/// A status and the message for it.
struct TokenizerError {
  mlc_status status = MLC_OK;
  std::string message;
  /// Sets the error; returns false for `return error.set(...)`.
  bool set(mlc_status s, std::string m) {
    status = s;
    message = std::move(m);
    return false;
  }
};

/// The split-regex variants the pre-tokenizer implements.
enum class PretokenizerPattern {
  /// Qwen2/Qwen3: (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|
  /// \p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
  Qwen2,
  /// Llama 3: the same with \p{N}{1,3}.
  Llama3,
};

/// The regex of a pattern, as tokenizer.json spells it.
const char *pretokenizerRegex(PretokenizerPattern pattern);

/// Splits `text` the way the pattern's regex does with find_iter and
/// "Isolated" behaviour: appends [begin, end) code-point ranges covering
/// `text` in order.
void splitPretokens(const std::vector<char32_t> &text,
                    PretokenizerPattern pattern,
                    std::vector<std::pair<uint32_t, uint32_t>> &pieces);

/// A message of a chat.
struct ChatMessage {
  std::string_view role;
  std::string_view content;
  /// Assistant messages: the reasoning, when given separately.
  const std::string_view *reasoningContent = nullptr;
};

class Tokenizer {
public:
  /// Loads `dir`/tokenizer.json and `dir`/tokenizer_config.json.
  static std::unique_ptr<Tokenizer> loadDirectory(const std::string &dir,
                                                  TokenizerError &error);

  /// Loads the two files; `configPath` may be null.
  static std::unique_ptr<Tokenizer> loadFiles(const std::string &tokenizerPath,
                                              const char *configPath,
                                              TokenizerError &error);

  /// Loads from JSON texts; the names are used in messages. `configJson`
  /// may be null (no chat template, no eos/pad tokens).
  static std::unique_ptr<Tokenizer> loadJson(std::string_view tokenizerJson,
                                             const std::string &tokenizerName,
                                             const std::string_view *configJson,
                                             const std::string &configName,
                                             TokenizerError &error);

  /// Appends the ids of `text` (any bytes; see the file comment).
  void encode(std::string_view text, bool splitSpecial,
              std::vector<int32_t> &ids) const;

  /// Appends the bytes of the tokens (raw: possibly ill-formed UTF-8 when
  /// the ids end inside a character). Fails on an id out of range.
  bool decode(const int32_t *ids, size_t count, bool skipSpecial,
              std::string &out, TokenizerError &error) const;

  /// Number of ids: one past the largest id of the vocabulary and the added
  /// tokens.
  size_t vocabSize() const { return spellingOffsets.size() - 1; }

  /// The token's bytes (a decoded vocabulary entry or an added token's
  /// content); empty for an id without a token.
  std::string_view tokenBytes(int32_t id) const;

  /// The token as tokenizer.json spells it ("Ġhello", "<|im_end|>").
  std::string_view tokenSpelling(int32_t id) const;

  /// The same NUL-terminated, or null for an id without a token.
  const char *tokenSpellingCString(int32_t id) const;

  /// The id of a spelling, or -1.
  int32_t tokenId(std::string_view spelling) const;

  /// Whether `id` is an added token marked special.
  bool isSpecial(int32_t id) const;

  /// The ids of tokenizer_config.json's eos_token / pad_token, or -1.
  int32_t eosId() const { return eos; }
  int32_t padId() const { return pad; }

  /// Renders the Qwen3 chat template (see docs/tokenizer.md for the subset).
  bool applyChatTemplate(const std::vector<ChatMessage> &messages,
                         bool addGenerationPrompt, bool enableThinking,
                         std::string &out, TokenizerError &error) const;

  /// Drops the word cache (for benchmarks).
  void clearCache() const;

private:
  Tokenizer() = default;
  bool loadTokenizerJson(std::string_view text, const std::string &name,
                         TokenizerError &error);
  bool loadConfigJson(std::string_view text, const std::string &name,
                      TokenizerError &error);
  void encodeSegment(std::string_view segment, std::vector<int32_t> &ids) const;
  void bpe(std::string_view piece, std::vector<int32_t> &ids) const;
  void mergeSymbols(std::vector<int32_t> &symbols) const;

  struct Merge {
    int32_t rank;
    int32_t result;
  };
  /// An open-addressing map from an id pair to its merge.
  class MergeMap {
  public:
    void reserve(size_t count);
    bool insert(int32_t left, int32_t right, Merge merge);
    const Merge *find(int32_t left, int32_t right) const;

  private:
    static uint64_t key(int32_t left, int32_t right) {
      return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) |
             static_cast<uint32_t>(right);
    }
    static size_t hash(uint64_t k) {
      k ^= k >> 33;
      k *= 0xff51afd7ed558ccdULL;
      k ^= k >> 33;
      return static_cast<size_t>(k);
    }
    std::vector<uint64_t> keys;
    std::vector<Merge> values;
    size_t mask = 0;
  };

  struct AddedToken {
    std::string content;
    int32_t id;
    bool special;
  };

  // Token spellings and bytes, both indexed by id through offset tables
  // into one arena each (spellings each followed by a NUL).
  std::string spellings, bytes;
  std::vector<uint32_t> spellingOffsets{0}, byteOffsets{0};
  std::vector<uint8_t> tokenFlags; ///< kPresent, kAdded, ... per id.
  /// Spelling -> id, open addressing: each slot is (32-bit hash << 32 | id),
  /// kEmptySlot when free; spellings are compared in the arena.
  std::vector<uint64_t> spellingSlots;
  static constexpr uint64_t kEmptySlot = ~0ULL;
  static uint32_t hashSpelling(std::string_view s);
  /// Adds `id` under its spelling; with `replace` it overwrites another id
  /// of the same spelling, else returns false when there is one.
  bool addSpelling(int32_t id, bool replace);
  int32_t byteIds[256];
  MergeMap merges;
  bool ignoreMerges = false;
  bool nfc = false;
  PretokenizerPattern pattern = PretokenizerPattern::Qwen2;
  /// Added tokens, longest first; addedFirstBytes marks their first bytes.
  std::vector<AddedToken> added;
  bool addedFirstBytes[256] = {};

  int32_t eos = -1, pad = -1;
  std::string chatTemplate; ///< Empty when none.
  std::string configName;

  mutable std::mutex cacheMutex;
  mutable std::unordered_map<std::string, std::vector<int32_t>> cache;
};

} // namespace mlc::rt

#endif // MLC_LIB_RUNTIME_TOKENIZERIMPL_H
