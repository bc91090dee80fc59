//===- TokenizerImpl.cpp - byte-level BPE tokenizer (Qwen3) ---------------===//
//
// Loading a Hugging Face tokenizer.json (BPE model, NFC normalizer, the
// Qwen2/Llama-3 split regex + ByteLevel pre-tokenizer, ByteLevel decoder),
// the hand-written pre-tokenizer regex, BPE with a merge-rank hash map and a
// word cache, decoding, and the Qwen3 chat template.
//
//===----------------------------------------------------------------------===//

#include "TokenizerImpl.h"

#include "Json.h"
#include "Unicode.h"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>

namespace mlc::rt {

namespace {

// Bits of Tokenizer::tokenFlags.
constexpr uint8_t kPresent = 1, kAdded = 2, kSpecial = 4, kInVocab = 8;

/// Words longer than this (in bytes) are not cached; the cache stops
/// growing at kCacheCapacity words (as in HF tokenizers).
constexpr size_t kMaxCachedWordLength = 256;
constexpr size_t kCacheCapacity = 1 << 16;

/// Pieces of up to this many bytes are merged with a quadratic scan, longer
/// ones with a heap.
constexpr size_t kSmallWord = 16;

const char *const kQwen2Regex =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| "
    "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const char *const kLlama3Regex =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| "
    "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

/// FNV-1a of Qwen3's chat_template (tokenizer_config.json of the Qwen3
/// checkpoints), the only template applyChatTemplate implements.
constexpr uint64_t kQwen3TemplateHash = 0x2bfdb7aa9754484eULL;
constexpr size_t kQwen3TemplateSize = 4116;

uint64_t fnv1a(std::string_view text) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

/// GPT-2's byte-to-character map of the ByteLevel pre-tokenizer: printable
/// bytes stand for themselves, the others for U+0100 onwards.
struct ByteLevelMap {
  static constexpr char32_t kChars = 256 + 68; ///< Characters used.
  char32_t byteToChar[256];
  int16_t charToByte[kChars]; ///< -1 for characters of no byte.
  ByteLevelMap() {
    std::fill(std::begin(charToByte), std::end(charToByte), -1);
    char32_t next = 256;
    for (int b = 0; b < 256; ++b) {
      bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) ||
                       (b >= 174 && b <= 255);
      byteToChar[b] = printable ? static_cast<char32_t>(b) : next++;
      charToByte[byteToChar[b]] = static_cast<int16_t>(b);
    }
  }
};

const ByteLevelMap &byteLevel() {
  static const ByteLevelMap map;
  return map;
}

/// The ByteLevel spelling of raw bytes.
std::string byteLevelSpelling(std::string_view raw) {
  std::string out;
  for (unsigned char b : raw)
    unicode::appendUtf8(byteLevel().byteToChar[b], out);
  return out;
}

/// The raw bytes of a ByteLevel spelling; characters outside the map (never
/// produced by the pre-tokenizer) stand for their own UTF-8 bytes.
void appendRawBytes(std::string_view spelling, std::string &out) {
  std::vector<char32_t> cps;
  unicode::decodeUtf8(spelling, cps);
  const ByteLevelMap &map = byteLevel();
  for (char32_t cp : cps) {
    if (cp < ByteLevelMap::kChars && map.charToByte[cp] >= 0)
      out += static_cast<char>(map.charToByte[cp]);
    else
      unicode::appendUtf8(cp, out);
  }
}

bool readFile(const std::string &path, std::string &out,
              TokenizerError &error) {
  FILE *file = std::fopen(path.c_str(), "rb");
  if (!file)
    return error.set(MLC_ERROR_IO,
                     "cannot open '" + path + "': " + std::strerror(errno));
  out.clear();
  char buffer[1 << 16];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), file)) > 0)
    out.append(buffer, n);
  bool failed = std::ferror(file);
  int savedErrno = errno;
  std::fclose(file);
  if (failed)
    return error.set(MLC_ERROR_IO, "cannot read '" + path +
                                       "': " + std::strerror(savedErrno));
  return true;
}

bool startsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

bool endsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.substr(s.size() - suffix.size()) == suffix;
}

// Python's str.lstrip('\n'), rstrip('\n'), strip('\n').
std::string_view lstripNewlines(std::string_view s) {
  size_t i = s.find_first_not_of('\n');
  return i == std::string_view::npos ? std::string_view() : s.substr(i);
}
std::string_view rstripNewlines(std::string_view s) {
  size_t i = s.find_last_not_of('\n');
  return i == std::string_view::npos ? std::string_view() : s.substr(0, i + 1);
}
std::string_view stripNewlines(std::string_view s) {
  return rstripNewlines(lstripNewlines(s));
}

/// Python's s.split(sep)[0] and s.split(sep)[-1].
std::string_view beforeFirst(std::string_view s, std::string_view sep) {
  size_t i = s.find(sep);
  return i == std::string_view::npos ? s : s.substr(0, i);
}
std::string_view afterLast(std::string_view s, std::string_view sep) {
  size_t i = s.rfind(sep);
  return i == std::string_view::npos ? s : s.substr(i + sep.size());
}

std::string quoted(std::string_view s) {
  std::string out = "'";
  for (char c : s.substr(0, 80))
    out += (c == '\n' ? ' ' : c);
  if (s.size() > 80)
    out += "...";
  return out + "'";
}

} // namespace

//===----------------------------------------------------------------------===//
// Pre-tokenizer
//===----------------------------------------------------------------------===//

const char *pretokenizerRegex(PretokenizerPattern pattern) {
  return pattern == PretokenizerPattern::Qwen2 ? kQwen2Regex : kLlama3Regex;
}

void splitPretokens(const std::vector<char32_t> &text,
                    PretokenizerPattern pattern,
                    std::vector<std::pair<uint32_t, uint32_t>> &pieces) {
  const size_t n = text.size();
  std::vector<uint8_t> flags(n);
  for (size_t i = 0; i < n; ++i)
    flags[i] = unicode::charFlags(text[i]);
  using namespace unicode;
  auto letter = [&](size_t k) { return k < n && (flags[k] & kLetter); };
  auto space = [&](size_t k) { return k < n && (flags[k] & kWhiteSpace); };
  auto lineBreak = [&](size_t k) { return k < n && (flags[k] & kLineBreak); };
  // [^\s\p{L}\p{N}]
  auto other = [&](size_t k) {
    return k < n && !(flags[k] & (kLetter | kNumber | kWhiteSpace));
  };
  // [^\r\n\p{L}\p{N}]
  auto prefix = [&](size_t k) {
    return k < n && !(flags[k] & (kLetter | kNumber | kLineBreak));
  };
  // Simple case folding, as (?i) does in Oniguruma and Rust's regex: of
  // the letters of the contractions only ASCII and U+017F (long s, which
  // folds to 's') have other cases.
  auto fold = [&](size_t k) -> char32_t {
    char32_t c = k < n ? text[k] : 0;
    if (c == 0x17F)
      return 's';
    return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
  };
  const size_t maxDigits = pattern == PretokenizerPattern::Llama3 ? 3 : 1;

  size_t i = 0;
  while (i < n) {
    size_t end = 0; // One past the match; 0 while nothing matched.
    // (?i:'s|'t|'re|'ve|'m|'ll|'d)
    if (text[i] == '\'') {
      char32_t a = fold(i + 1), b = fold(i + 2);
      if (a == 's' || a == 't' || a == 'm' || a == 'd')
        end = i + 2;
      else if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') ||
               (a == 'l' && b == 'l'))
        end = i + 3;
    }
    // [^\r\n\p{L}\p{N}]?\p{L}+
    if (!end) {
      size_t j = prefix(i) && letter(i + 1) ? i + 1 : i;
      if (letter(j)) {
        while (letter(j))
          ++j;
        end = j;
      }
    }
    // \p{N} or \p{N}{1,3}
    if (!end && (flags[i] & kNumber)) {
      size_t j = i;
      while (j < n && j - i < maxDigits && (flags[j] & kNumber))
        ++j;
      end = j;
    }
    //  ?[^\s\p{L}\p{N}]+[\r\n]*
    if (!end) {
      size_t j = text[i] == ' ' && other(i + 1) ? i + 1 : i;
      if (other(j)) {
        while (other(j))
          ++j;
        while (lineBreak(j))
          ++j;
        end = j;
      }
    }
    if (!end && space(i)) {
      size_t runEnd = i;
      while (space(runEnd))
        ++runEnd;
      // \s*[\r\n]+ : \s* gives back characters until the last line break
      // of the run, then [\r\n]+ takes it.
      for (size_t k = runEnd; k > i; --k)
        if (flags[k - 1] & kLineBreak) {
          end = k;
          break;
        }
      // \s+(?!\S) : the whole run at the end of the text, else the run
      // minus its last character (which then precedes a space).
      if (!end) {
        if (runEnd == n)
          end = n;
        else if (runEnd - i >= 2)
          end = runEnd - 1;
        else
          end = runEnd; // \s+
      }
    }
    if (!end)
      end = i + 1; // Unreachable: every character matches an alternative.
    pieces.emplace_back(static_cast<uint32_t>(i), static_cast<uint32_t>(end));
    i = end;
  }
}

//===----------------------------------------------------------------------===//
// Merge map
//===----------------------------------------------------------------------===//

void Tokenizer::MergeMap::reserve(size_t count) {
  size_t capacity = 16;
  while (capacity < count * 2)
    capacity *= 2;
  keys.assign(capacity, UINT64_MAX);
  values.assign(capacity, Merge{0, 0});
  mask = capacity - 1;
}

bool Tokenizer::MergeMap::insert(int32_t left, int32_t right, Merge merge) {
  uint64_t k = key(left, right);
  for (size_t slot = hash(k) & mask;; slot = (slot + 1) & mask) {
    if (keys[slot] == UINT64_MAX || keys[slot] == k) {
      bool fresh = keys[slot] == UINT64_MAX;
      keys[slot] = k;
      values[slot] = merge;
      return fresh;
    }
  }
}

const Tokenizer::Merge *Tokenizer::MergeMap::find(int32_t left,
                                                  int32_t right) const {
  if (keys.empty())
    return nullptr;
  uint64_t k = key(left, right);
  for (size_t slot = hash(k) & mask;; slot = (slot + 1) & mask) {
    if (keys[slot] == k)
      return &values[slot];
    if (keys[slot] == UINT64_MAX)
      return nullptr;
  }
}

//===----------------------------------------------------------------------===//
// Loading
//===----------------------------------------------------------------------===//

std::unique_ptr<Tokenizer> Tokenizer::loadDirectory(const std::string &dir,
                                                    TokenizerError &error) {
  std::string base = dir.empty() || dir.back() == '/' ? dir : dir + "/";
  return loadFiles(base + "tokenizer.json",
                   (base + "tokenizer_config.json").c_str(), error);
}

std::unique_ptr<Tokenizer>
Tokenizer::loadFiles(const std::string &tokenizerPath, const char *configPath,
                     TokenizerError &error) {
  std::string tokenizerText, configText;
  if (!readFile(tokenizerPath, tokenizerText, error))
    return nullptr;
  if (configPath && !readFile(configPath, configText, error))
    return nullptr;
  std::string_view config = configText;
  return loadJson(tokenizerText, tokenizerPath, configPath ? &config : nullptr,
                  configPath ? configPath : "", error);
}

std::unique_ptr<Tokenizer>
Tokenizer::loadJson(std::string_view tokenizerJson,
                    const std::string &tokenizerName,
                    const std::string_view *configJson,
                    const std::string &configName, TokenizerError &error) {
  std::unique_ptr<Tokenizer> tokenizer(new Tokenizer());
  if (!tokenizer->loadTokenizerJson(tokenizerJson, tokenizerName, error))
    return nullptr;
  tokenizer->configName = configName;
  if (configJson && !tokenizer->loadConfigJson(*configJson, configName, error))
    return nullptr;
  return tokenizer;
}

bool Tokenizer::loadTokenizerJson(std::string_view text,
                                  const std::string &name,
                                  TokenizerError &error) {
  json::Document document;
  std::string parseError;
  if (!document.parse(text, parseError))
    return error.set(MLC_ERROR_INVALID_FILE,
                     name + ": malformed JSON: " + parseError);
  json::Value root = document.root();
  auto where = [&](json::Value v) {
    return json::Document::describeOffset(text, v.offset());
  };
  auto invalid = [&](json::Value v, const std::string &what) {
    return error.set(MLC_ERROR_INVALID_FILE,
                     name + ": " + where(v) + ": " + what);
  };
  auto unsupported = [&](json::Value v, const std::string &what) {
    return error.set(MLC_ERROR_UNSUPPORTED,
                     name + ": " + where(v) + ": " + what);
  };
  auto nullOr = [](json::Value v, json::Kind kind) {
    return v.isMissing() || v.isNull() || v.kind() == kind;
  };
  if (!root.isObject())
    return invalid(root, "expected an object at the top level");

  // The model.
  json::Value model = root.find("model");
  if (!model.isObject())
    return invalid(model.isMissing() ? root : model,
                   "expected a \"model\" object");
  json::Value type = model.find("type");
  if (!type.isString())
    return unsupported(model, "the model has no \"type\" (only BPE is "
                              "supported)");
  if (type.string() != "BPE")
    return unsupported(type, "model type '" + std::string(type.string()) +
                                 "' is not supported (only BPE)");
  json::Value dropout = model.find("dropout");
  if (!nullOr(dropout, json::Kind::Number) ||
      (dropout.isNumber() && dropout.number() != 0))
    return unsupported(dropout, "BPE dropout is not supported");
  for (const char *key : {"continuing_subword_prefix", "end_of_word_suffix"}) {
    json::Value v = model.find(key);
    if (!nullOr(v, json::Kind::String) || !v.string().empty())
      return unsupported(v, std::string("a non-empty ") + key +
                                " is not supported");
  }
  json::Value byteFallback = model.find("byte_fallback");
  if (!nullOr(byteFallback, json::Kind::Bool) || byteFallback.boolean())
    return unsupported(byteFallback, "byte_fallback is not supported");
  json::Value ignore = model.find("ignore_merges");
  if (!nullOr(ignore, json::Kind::Bool))
    return invalid(ignore, "ignore_merges: expected a boolean");
  ignoreMerges = ignore.boolean();

  // The normalizer: none, NFC, or a sequence of NFCs.
  json::Value normalizer = root.find("normalizer");
  if (!normalizer.isMissing() && !normalizer.isNull()) {
    std::vector<json::Value> steps;
    if (!normalizer.isObject())
      return invalid(normalizer, "normalizer: expected an object or null");
    if (normalizer.find("type").string() == "Sequence") {
      json::Value list = normalizer.find("normalizers");
      if (!list.isArray())
        return invalid(normalizer, "normalizer Sequence without a "
                                   "\"normalizers\" array");
      for (json::Value step : list)
        steps.push_back(step);
    } else {
      steps.push_back(normalizer);
    }
    for (json::Value step : steps) {
      std::string_view stepType = step.find("type").string();
      if (stepType != "NFC")
        return unsupported(step, "normalizer '" + std::string(stepType) +
                                     "' is not supported (only NFC)");
      nfc = true;
    }
  }

  // The pre-tokenizer: Sequence[Split(known regex, Isolated), ByteLevel].
  json::Value pre = root.find("pre_tokenizer");
  {
    const char *expected = "only Sequence[Split(Qwen2 or Llama-3 regex, "
                           "Isolated), ByteLevel(add_prefix_space=false, "
                           "use_regex=false)] is supported";
    if (!pre.isObject() || pre.find("type").string() != "Sequence")
      return unsupported(pre.isMissing() ? root : pre,
                         std::string("pre_tokenizer: ") + expected);
    json::Value list = pre.find("pretokenizers");
    if (!list.isArray() || list.size() != 2)
      return unsupported(pre, std::string("pre_tokenizer: ") + expected);
    json::Value split = list.at(0), level = list.at(1);
    if (split.find("type").string() != "Split" ||
        level.find("type").string() != "ByteLevel")
      return unsupported(pre, std::string("pre_tokenizer: ") + expected);
    std::string_view regex = split.find("pattern").find("Regex").string();
    if (regex == kQwen2Regex)
      pattern = PretokenizerPattern::Qwen2;
    else if (regex == kLlama3Regex)
      pattern = PretokenizerPattern::Llama3;
    else
      return unsupported(split, "pre_tokenizer: split pattern " +
                                    quoted(regex) +
                                    " is not supported (only the Qwen2 and "
                                    "Llama-3 regexes)");
    if (split.find("behavior").string() != "Isolated" ||
        split.find("invert").boolean())
      return unsupported(split, "pre_tokenizer: only the Isolated, "
                                "non-inverted Split is supported");
    if (level.find("add_prefix_space").boolean() ||
        level.find("use_regex").boolean())
      return unsupported(level, "pre_tokenizer: only ByteLevel with "
                                "add_prefix_space=false and use_regex=false "
                                "is supported");
  }

  // The decoder.
  json::Value decoder = root.find("decoder");
  if (!decoder.isObject() || decoder.find("type").string() != "ByteLevel")
    return unsupported(decoder.isMissing() ? root : decoder,
                       "decoder: only ByteLevel is supported");

  // The vocabulary and the added tokens, by id.
  json::Value vocab = model.find("vocab");
  if (!vocab.isObject())
    return invalid(vocab.isMissing() ? model : vocab,
                   "model.vocab: expected an object");
  std::vector<std::string_view> byId;
  std::vector<json::Value> sourceOf; // For messages.
  byId.reserve(vocab.size());
  sourceOf.reserve(vocab.size());
  for (auto it = vocab.begin(), e = vocab.end(); it != e; ++it) {
    int64_t id;
    if (!(*it).integer(&id) || id < 0 || id >= INT32_MAX)
      return invalid(*it, "model.vocab: the id of token " + quoted(it.key()) +
                              " is not an integer in [0, 2^31-1)");
    if (static_cast<size_t>(id) >= byId.size()) {
      byId.resize(static_cast<size_t>(id) + 1);
      sourceOf.resize(byId.size());
    }
    if (!byId[id].empty() || it.key().empty())
      return invalid(*it, it.key().empty()
                              ? std::string("model.vocab: empty token")
                              : "model.vocab: id " + std::to_string(id) +
                                    " is used twice");
    byId[id] = it.key();
    sourceOf[id] = *it;
  }

  json::Value addedList = root.find("added_tokens");
  if (!nullOr(addedList, json::Kind::Array))
    return invalid(addedList, "added_tokens: expected an array");
  std::vector<uint8_t> flags(byId.size(), 0);
  for (size_t id = 0; id < byId.size(); ++id)
    flags[id] = byId[id].empty() ? 0 : kPresent | kInVocab;
  for (json::Value token : addedList) {
    int64_t id;
    json::Value content = token.find("content");
    if (!token.isObject() || !token.find("id").integer(&id) || id < 0 ||
        id >= INT32_MAX || !content.isString() || content.string().empty())
      return invalid(token, "added_tokens: expected {\"id\": integer, "
                            "\"content\": non-empty string, ...}");
    for (const char *key : {"lstrip", "rstrip", "single_word"})
      if (token.find(key).boolean())
        return unsupported(token, "added token " + quoted(content.string()) +
                                      ": " + key + "=true is not supported");
    if (static_cast<size_t>(id) >= byId.size()) {
      byId.resize(static_cast<size_t>(id) + 1);
      flags.resize(byId.size(), 0);
    }
    if ((flags[id] & kInVocab) && byId[id] != content.string())
      return invalid(token, "added token " + quoted(content.string()) +
                                " has id " + std::to_string(id) +
                                ", which model.vocab gives to " +
                                quoted(byId[id]));
    if (flags[id] & kAdded)
      return invalid(token, "added_tokens: id " + std::to_string(id) +
                                " is used twice");
    byId[id] = content.string();
    bool special = token.find("special").boolean();
    flags[id] |= kPresent | kAdded | (special ? kSpecial : 0);
    added.push_back(
        {std::string(content.string()), static_cast<int32_t>(id), special});
  }
  std::sort(added.begin(), added.end(),
            [](const AddedToken &a, const AddedToken &b) {
              return a.content.size() != b.content.size()
                         ? a.content.size() > b.content.size()
                         : a.id < b.id;
            });
  for (const AddedToken &token : added)
    addedFirstBytes[static_cast<unsigned char>(token.content[0])] = true;

  // Arenas of spellings and bytes, then the map of the vocabulary's
  // spellings over them (the added tokens join it after the merges, which
  // refer to the model's vocabulary only).
  size_t total = 0;
  for (std::string_view s : byId)
    total += s.size() + 1;
  if (total >= UINT32_MAX)
    return invalid(vocab, "the vocabulary is larger than 4 GiB");
  spellings.reserve(total);
  bytes.reserve(total);
  spellingOffsets.reserve(byId.size() + 1);
  byteOffsets.reserve(byId.size() + 1);
  for (size_t id = 0; id < byId.size(); ++id) {
    spellings += byId[id];
    spellings += '\0'; // For tokenSpellingCString.
    if (flags[id] & kAdded)
      bytes += byId[id];
    else if (flags[id] & kPresent)
      appendRawBytes(byId[id], bytes);
    spellingOffsets.push_back(static_cast<uint32_t>(spellings.size()));
    byteOffsets.push_back(static_cast<uint32_t>(bytes.size()));
  }
  tokenFlags = std::move(flags);
  size_t slots = 16;
  while (slots < byId.size() * 2)
    slots *= 2;
  spellingSlots.assign(slots, kEmptySlot);
  for (size_t id = 0; id < byId.size(); ++id)
    if ((tokenFlags[id] & kInVocab) &&
        !addSpelling(static_cast<int32_t>(id), /*replace=*/false))
      return invalid(sourceOf[id], "model.vocab: token " + quoted(byId[id]) +
                                       " appears twice");

  // The byte tokens every piece starts from.
  for (int b = 0; b < 256; ++b) {
    std::string spelling;
    unicode::appendUtf8(byteLevel().byteToChar[b], spelling);
    int32_t id = tokenId(spelling);
    if (id < 0) {
      char hex[8];
      std::snprintf(hex, sizeof(hex), "0x%02X", b);
      return invalid(vocab, std::string("model.vocab has no token for byte ") +
                                hex + " ('" + spelling +
                                "'); a byte-level BPE needs all 256");
    }
    byteIds[b] = id;
  }

  // The merges: "a b" strings (tokenizers < 0.20) or ["a", "b"] pairs. Like
  // HF, a repeated pair keeps its last rank.
  json::Value mergeList = model.find("merges");
  if (!mergeList.isArray())
    return invalid(mergeList.isMissing() ? model : mergeList,
                   "model.merges: expected an array");
  merges.reserve(mergeList.size());
  std::string joined;
  int32_t rank = 0;
  for (json::Value merge : mergeList) {
    std::string_view left, right;
    if (merge.isString()) {
      std::string_view s = merge.string();
      size_t space = s.find(' ');
      if (space == std::string_view::npos || space == 0 ||
          space + 1 == s.size() || s.find(' ', space + 1) != s.npos)
        return invalid(merge, "model.merges: expected \"left right\", got " +
                                  quoted(s));
      left = s.substr(0, space);
      right = s.substr(space + 1);
    } else if (merge.isArray() && merge.size() == 2 && merge.at(0).isString() &&
               merge.at(1).isString()) {
      left = merge.at(0).string();
      right = merge.at(1).string();
    } else {
      return invalid(merge, "model.merges: expected a string or a pair of "
                            "strings");
    }
    joined.assign(left);
    joined += right;
    int32_t l = tokenId(left), r = tokenId(right), j = tokenId(joined);
    if (l < 0 || r < 0 || j < 0)
      return invalid(merge, "model.merges: merge " + std::to_string(rank) +
                                " (" + quoted(left) + ", " + quoted(right) +
                                ") uses a token not in model.vocab");
    merges.insert(l, r, Merge{rank, j});
    ++rank;
  }

  // Like HF, an added token's spelling maps to the added token.
  for (const AddedToken &token : added)
    addSpelling(token.id, /*replace=*/true);
  return true;
}

bool Tokenizer::loadConfigJson(std::string_view text, const std::string &name,
                               TokenizerError &error) {
  json::Document document;
  std::string parseError;
  if (!document.parse(text, parseError))
    return error.set(MLC_ERROR_INVALID_FILE,
                     name + ": malformed JSON: " + parseError);
  json::Value root = document.root();
  auto invalid = [&](json::Value v, const std::string &what) {
    return error.set(MLC_ERROR_INVALID_FILE,
                     name + ": " +
                         json::Document::describeOffset(text, v.offset()) +
                         ": " + what);
  };
  if (!root.isObject())
    return invalid(root, "expected an object at the top level");

  // chat_template: a string, or a list of {"name", "template"} of which
  // "default" is used.
  json::Value tmpl = root.find("chat_template");
  if (tmpl.isString()) {
    chatTemplate = tmpl.string();
  } else if (tmpl.isArray()) {
    for (json::Value entry : tmpl)
      if (entry.find("name").string() == "default")
        chatTemplate = entry.find("template").string();
  } else if (!tmpl.isMissing() && !tmpl.isNull()) {
    return invalid(tmpl, "chat_template: expected a string or a list");
  }

  // eos_token / pad_token: a string or an AddedToken {"content": ...}.
  auto tokenOf = [&](const char *key, int32_t &id) {
    json::Value v = root.find(key);
    if (v.isObject())
      v = v.find("content");
    if (v.isMissing() || v.isNull())
      return true;
    if (!v.isString())
      return invalid(v, std::string(key) + ": expected a string");
    id = tokenId(v.string());
    if (id < 0)
      return invalid(v, std::string(key) + " " + quoted(v.string()) +
                            " is not a token of the tokenizer");
    return true;
  };
  return tokenOf("eos_token", eos) && tokenOf("pad_token", pad);
}

//===----------------------------------------------------------------------===//
// Encoding
//===----------------------------------------------------------------------===//

void Tokenizer::encode(std::string_view text, bool splitSpecial,
                       std::vector<int32_t> &ids) const {
  size_t start = 0;
  for (size_t i = 0; i < text.size();) {
    if (addedFirstBytes[static_cast<unsigned char>(text[i])]) {
      const AddedToken *match = nullptr;
      for (const AddedToken &token : added) // Longest first.
        if ((!splitSpecial || !token.special) &&
            text.compare(i, token.content.size(), token.content) == 0) {
          match = &token;
          break;
        }
      if (match) {
        encodeSegment(text.substr(start, i - start), ids);
        ids.push_back(match->id);
        i += match->content.size();
        start = i;
        continue;
      }
    }
    ++i;
  }
  encodeSegment(text.substr(start), ids);
}

void Tokenizer::encodeSegment(std::string_view segment,
                              std::vector<int32_t> &ids) const {
  if (segment.empty())
    return;
  std::vector<char32_t> text;
  unicode::decodeUtf8(segment, text);
  if (nfc)
    unicode::toNfc(text);
  std::string normalized;
  normalized.reserve(segment.size());
  std::vector<uint32_t> offsets;
  offsets.reserve(text.size() + 1);
  for (char32_t cp : text) {
    offsets.push_back(static_cast<uint32_t>(normalized.size()));
    unicode::appendUtf8(cp, normalized);
  }
  offsets.push_back(static_cast<uint32_t>(normalized.size()));

  std::vector<std::pair<uint32_t, uint32_t>> pieces;
  splitPretokens(text, pattern, pieces);
  std::string_view all = normalized;
  for (auto [begin, end] : pieces)
    bpe(all.substr(offsets[begin], offsets[end] - offsets[begin]), ids);
}

void Tokenizer::bpe(std::string_view piece, std::vector<int32_t> &ids) const {
  if (piece.size() == 1) {
    ids.push_back(byteIds[static_cast<unsigned char>(piece[0])]);
    return;
  }
  bool cacheable = piece.size() <= kMaxCachedWordLength;
  std::string key;
  if (cacheable) {
    key.assign(piece);
    std::lock_guard<std::mutex> lock(cacheMutex);
    auto it = cache.find(key);
    if (it != cache.end()) {
      ids.insert(ids.end(), it->second.begin(), it->second.end());
      return;
    }
  }
  std::vector<int32_t> symbols;
  int32_t whole = -1;
  if (ignoreMerges) {
    int32_t id = tokenId(byteLevelSpelling(piece));
    if (id >= 0 && (tokenFlags[id] & kInVocab))
      whole = id;
  }
  if (whole >= 0) {
    symbols.push_back(whole);
  } else {
    symbols.reserve(piece.size());
    for (unsigned char b : piece)
      symbols.push_back(byteIds[b]);
    mergeSymbols(symbols);
  }
  ids.insert(ids.end(), symbols.begin(), symbols.end());
  if (cacheable) {
    std::lock_guard<std::mutex> lock(cacheMutex);
    if (cache.size() < kCacheCapacity)
      cache.emplace(std::move(key), std::move(symbols));
  }
}

void Tokenizer::mergeSymbols(std::vector<int32_t> &symbols) const {
  const size_t n = symbols.size();
  if (n < 2)
    return;
  if (n <= kSmallWord) {
    // Merge the lowest-ranked adjacent pair (leftmost on ties) until none
    // is left.
    while (symbols.size() > 1) {
      const Merge *best = nullptr;
      size_t bestAt = 0;
      for (size_t i = 0; i + 1 < symbols.size(); ++i) {
        const Merge *m = merges.find(symbols[i], symbols[i + 1]);
        if (m && (!best || m->rank < best->rank)) {
          best = m;
          bestAt = i;
        }
      }
      if (!best)
        break;
      symbols[bestAt] = best->result;
      symbols.erase(symbols.begin() + static_cast<ptrdiff_t>(bestAt) + 1);
    }
    return;
  }

  // The same with a linked list and a heap of candidate merges ordered by
  // (rank, position); a candidate is stale when its pair has changed.
  struct Candidate {
    int32_t rank;
    uint32_t at;
    int32_t left, right, result;
    bool operator>(const Candidate &o) const {
      return rank != o.rank ? rank > o.rank : at > o.at;
    }
  };
  std::vector<int32_t> prev(n), next(n);
  for (size_t i = 0; i < n; ++i) {
    prev[i] = static_cast<int32_t>(i) - 1;
    next[i] = i + 1 < n ? static_cast<int32_t>(i + 1) : -1;
  }
  std::vector<Candidate> heap;
  auto consider = [&](int32_t at) {
    if (at < 0 || next[at] < 0)
      return;
    int32_t left = symbols[at], right = symbols[next[at]];
    if (const Merge *m = merges.find(left, right)) {
      heap.push_back(
          {m->rank, static_cast<uint32_t>(at), left, right, m->result});
      std::push_heap(heap.begin(), heap.end(), std::greater<Candidate>());
    }
  };
  for (size_t i = 0; i + 1 < n; ++i)
    consider(static_cast<int32_t>(i));
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), std::greater<Candidate>());
    Candidate c = heap.back();
    heap.pop_back();
    int32_t at = static_cast<int32_t>(c.at);
    int32_t right = next[at];
    if (symbols[at] != c.left || right < 0 || symbols[right] != c.right)
      continue; // Stale.
    symbols[at] = c.result;
    symbols[right] = -1;
    next[at] = next[right];
    if (next[at] >= 0)
      prev[next[at]] = at;
    consider(prev[at]);
    consider(at);
  }
  size_t out = 0;
  for (int32_t i = 0; i >= 0; i = next[i])
    symbols[out++] = symbols[i];
  symbols.resize(out);
}

void Tokenizer::clearCache() const {
  std::lock_guard<std::mutex> lock(cacheMutex);
  cache.clear();
}

//===----------------------------------------------------------------------===//
// Decoding and lookups
//===----------------------------------------------------------------------===//

bool Tokenizer::decode(const int32_t *ids, size_t count, bool skipSpecial,
                       std::string &out, TokenizerError &error) const {
  for (size_t i = 0; i < count; ++i) {
    int32_t id = ids[i];
    if (id < 0 || static_cast<size_t>(id) >= vocabSize() ||
        !(tokenFlags[id] & kPresent))
      return error.set(
          MLC_ERROR_INVALID_ARGUMENT,
          "token id " + std::to_string(id) + " at position " +
              std::to_string(i) +
              (id < 0 || static_cast<size_t>(id) >= vocabSize()
                   ? " is out of range [0, " + std::to_string(vocabSize()) + ")"
                   : " has no token"));
    if (skipSpecial && (tokenFlags[id] & kSpecial))
      continue;
    out += tokenBytes(id);
  }
  return true;
}

std::string_view Tokenizer::tokenBytes(int32_t id) const {
  if (id < 0 || static_cast<size_t>(id) >= vocabSize())
    return {};
  return std::string_view(bytes).substr(byteOffsets[id],
                                        byteOffsets[id + 1] - byteOffsets[id]);
}

std::string_view Tokenizer::tokenSpelling(int32_t id) const {
  if (id < 0 || static_cast<size_t>(id) >= vocabSize())
    return {};
  return std::string_view(spellings).substr(
      spellingOffsets[id], spellingOffsets[id + 1] - spellingOffsets[id] - 1);
}

const char *Tokenizer::tokenSpellingCString(int32_t id) const {
  if (id < 0 || static_cast<size_t>(id) >= vocabSize() ||
      !(tokenFlags[id] & kPresent))
    return nullptr;
  return spellings.c_str() + spellingOffsets[id];
}

uint32_t Tokenizer::hashSpelling(std::string_view s) {
  return static_cast<uint32_t>(fnv1a(s) >> 16);
}

bool Tokenizer::addSpelling(int32_t id, bool replace) {
  std::string_view spelling = tokenSpelling(id);
  uint64_t hash = hashSpelling(spelling);
  size_t mask = spellingSlots.size() - 1;
  for (size_t slot = hash & mask;; slot = (slot + 1) & mask) {
    uint64_t entry = spellingSlots[slot];
    if (entry == kEmptySlot) {
      spellingSlots[slot] = (hash << 32) | static_cast<uint32_t>(id);
      return true;
    }
    int32_t other = static_cast<int32_t>(entry & 0xFFFFFFFF);
    if ((entry >> 32) == hash && tokenSpelling(other) == spelling) {
      if (!replace)
        return false;
      spellingSlots[slot] = (hash << 32) | static_cast<uint32_t>(id);
      return true;
    }
  }
}

int32_t Tokenizer::tokenId(std::string_view spelling) const {
  if (spellingSlots.empty())
    return -1;
  uint64_t hash = hashSpelling(spelling);
  size_t mask = spellingSlots.size() - 1;
  for (size_t slot = hash & mask;; slot = (slot + 1) & mask) {
    uint64_t entry = spellingSlots[slot];
    if (entry == kEmptySlot)
      return -1;
    int32_t id = static_cast<int32_t>(entry & 0xFFFFFFFF);
    if ((entry >> 32) == hash && tokenSpelling(id) == spelling)
      return id;
  }
}

bool Tokenizer::isSpecial(int32_t id) const {
  return id >= 0 && static_cast<size_t>(id) < vocabSize() &&
         (tokenFlags[id] & kSpecial);
}

//===----------------------------------------------------------------------===//
// Chat template
//===----------------------------------------------------------------------===//

// Qwen3's template for messages without tools, written out by hand. The
// Jinja source (tokenizer_config.json of Qwen3) is checked by hash, so a
// checkpoint with another template fails instead of rendering wrongly.
bool Tokenizer::applyChatTemplate(const std::vector<ChatMessage> &messages,
                                  bool addGenerationPrompt, bool enableThinking,
                                  std::string &out,
                                  TokenizerError &error) const {
  if (chatTemplate.empty())
    return error.set(MLC_ERROR_UNSUPPORTED, configName + ": no chat_template");
  if (chatTemplate.size() != kQwen3TemplateSize ||
      fnv1a(chatTemplate) != kQwen3TemplateHash)
    return error.set(MLC_ERROR_UNSUPPORTED,
                     configName + ": the chat_template is not Qwen3's (the "
                                  "only template implemented)");
  if (messages.empty())
    return error.set(MLC_ERROR_INVALID_ARGUMENT, "no messages");
  const size_t n = messages.size();
  for (size_t i = 0; i < n; ++i) {
    std::string_view role = messages[i].role;
    if (role != "system" && role != "user" && role != "assistant" &&
        role != "tool")
      return error.set(MLC_ERROR_INVALID_ARGUMENT,
                       "message " + std::to_string(i) + ": role " +
                           quoted(role) +
                           " is not one of system, user, assistant, tool");
  }

  out.clear();
  if (messages[0].role == "system") {
    out += "<|im_start|>system\n";
    out += messages[0].content;
    out += "<|im_end|>\n";
  }
  // The last user message that is not a tool response (Jinja's
  // ns.last_query_index); assistant messages after it show their reasoning.
  size_t lastQuery = n - 1;
  for (size_t i = n; i-- > 0;) {
    const ChatMessage &m = messages[i];
    if (m.role == "user" && !(startsWith(m.content, "<tool_response>") &&
                              endsWith(m.content, "</tool_response>"))) {
      lastQuery = i;
      break;
    }
  }
  for (size_t i = 0; i < n; ++i) {
    const ChatMessage &m = messages[i];
    if (m.role == "user" || (m.role == "system" && i != 0)) {
      out += "<|im_start|>";
      out += m.role;
      out += '\n';
      out += m.content;
      out += "<|im_end|>\n";
    } else if (m.role == "assistant") {
      std::string_view content = m.content, reasoning;
      if (m.reasoningContent) {
        reasoning = *m.reasoningContent;
      } else if (content.find("</think>") != std::string_view::npos) {
        content = lstripNewlines(afterLast(m.content, "</think>"));
        reasoning = lstripNewlines(afterLast(
            rstripNewlines(beforeFirst(m.content, "</think>")), "<think>"));
      }
      out += "<|im_start|>assistant\n";
      if (i > lastQuery && (i == n - 1 || !reasoning.empty())) {
        out += "<think>\n";
        out += stripNewlines(reasoning);
        out += "\n</think>\n\n";
        out += lstripNewlines(content);
      } else {
        out += content;
      }
      out += "<|im_end|>\n";
    } else if (m.role == "tool") {
      if (i == 0 || messages[i - 1].role != "tool")
        out += "<|im_start|>user";
      out += "\n<tool_response>\n";
      out += m.content;
      out += "\n</tool_response>";
      if (i == n - 1 || messages[i + 1].role != "tool")
        out += "<|im_end|>\n";
    }
  }
  if (addGenerationPrompt) {
    out += "<|im_start|>assistant\n";
    if (!enableThinking)
      out += "<think>\n\n</think>\n\n";
  }
  return true;
}

} // namespace mlc::rt
