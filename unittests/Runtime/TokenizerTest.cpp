//===- TokenizerTest.cpp - tests of libmlcrt's tokenizer ------------------===//
//
// The JSON parser (errors with offsets, truncation, depth bombs, escapes),
// UTF-8 decoding and streaming, character classes and NFC, the pre-tokenizer
// regex on tricky strings (expected splits computed with Python's `regex`
// module), and the C API of mlc-c/Tokenizer.h on a tiny byte-level BPE
// tokenizer written by the test: encoding, added tokens, decoding, bad
// tokenizer folders. The real Qwen3 tokenizer is compared against
// transformers.js by utils/tokenizer_compare.py (ctest
// MlcTokenizer.Qwen3VsTransformersJs).
//
//===----------------------------------------------------------------------===//

#include "Json.h"
#include "TokenizerImpl.h"
#include "Unicode.h"

#include "mlc-c/Tokenizer.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using namespace mlc::rt;

//===----------------------------------------------------------------------===//
// JSON
//===----------------------------------------------------------------------===//

std::string parseError(std::string_view text) {
  json::Document doc;
  std::string error;
  EXPECT_FALSE(doc.parse(text, error)) << text;
  return error;
}

TEST(TokenizerJson, ParsesValues) {
  json::Document doc;
  std::string error;
  ASSERT_TRUE(doc.parse(R"( {"a": [1, -2.5e3, true, false, null],
      "s": "x\u00e9\ud83d\ude00\n\"\\\/", "big": 123456789012345678901234,
      "o": {}, "e": [], "a": 2} )",
                        error))
      << error;
  json::Value root = doc.root();
  ASSERT_TRUE(root.isObject());
  EXPECT_EQ(root.size(), 6u);
  json::Value a = root.find("a"); // The first of two "a" keys.
  ASSERT_TRUE(a.isArray());
  ASSERT_EQ(a.size(), 5u);
  int64_t whole = 0;
  EXPECT_TRUE(a.at(0).integer(&whole));
  EXPECT_EQ(whole, 1);
  EXPECT_FALSE(a.at(1).integer(&whole));
  EXPECT_EQ(a.at(1).number(), -2500.0);
  EXPECT_TRUE(a.at(2).boolean());
  EXPECT_TRUE(a.at(3).isBool());
  EXPECT_FALSE(a.at(3).boolean());
  EXPECT_TRUE(a.at(4).isNull());
  EXPECT_TRUE(a.at(5).isMissing());
  EXPECT_EQ(root.find("s").string(), "x\xC3\xA9\xF0\x9F\x98\x80\n\"\\/");
  EXPECT_FALSE(root.find("big").integer(&whole));
  EXPECT_DOUBLE_EQ(root.find("big").number(), 1.2345678901234568e23);
  EXPECT_TRUE(root.find("o").isObject());
  EXPECT_EQ(root.find("e").size(), 0u);
  EXPECT_TRUE(root.find("nope").isMissing());
  std::vector<std::string> keys;
  for (auto it = root.begin(), e = root.end(); it != e; ++it)
    keys.emplace_back(it.key());
  EXPECT_THAT(keys, ElementsAre("a", "s", "big", "o", "e", "a"));
}

TEST(TokenizerJson, SkipsByteOrderMark) {
  json::Document doc;
  std::string error;
  EXPECT_TRUE(doc.parse("\xEF\xBB\xBF[1]", error)) << error;
}

TEST(TokenizerJson, Truncated) {
  EXPECT_THAT(parseError(R"({"a": [1, 2)"),
              HasSubstr("byte 11 (line 1, column 12): unexpected end of the "
                        "text (truncated file?)"));
  EXPECT_THAT(parseError(R"({"a": "abc)"), HasSubstr("truncated"));
  EXPECT_THAT(parseError(R"({"a")"), HasSubstr("truncated"));
  EXPECT_THAT(parseError(R"({"a": tr)"), HasSubstr("truncated"));
  EXPECT_THAT(parseError(R"({"a": -)"), HasSubstr("truncated"));
  EXPECT_THAT(parseError(R"(["\u12)"), HasSubstr("truncated"));
  EXPECT_THAT(parseError(""), HasSubstr("empty text"));
  EXPECT_THAT(parseError("  \n "), HasSubstr("empty text"));
}

TEST(TokenizerJson, LineAndColumn) {
  EXPECT_THAT(parseError("{\n  \"a\": 1,\n  \"b\" 2\n}"),
              HasSubstr("byte 18 (line 3, column 7): expected ':' after the "
                        "key, got '2'"));
}

TEST(TokenizerJson, DepthBomb) {
  std::string bomb(1000000, '[');
  EXPECT_THAT(parseError(bomb), HasSubstr("nesting deeper than 128 levels"));
  std::string objects;
  for (int i = 0; i < 200; ++i)
    objects += "{\"a\":";
  EXPECT_THAT(parseError(objects), HasSubstr("nesting deeper than 128"));
  std::string ok = std::string(128, '[') + std::string(128, ']');
  json::Document doc;
  std::string error;
  EXPECT_TRUE(doc.parse(ok, error)) << error;
}

TEST(TokenizerJson, BadEscapes) {
  EXPECT_THAT(parseError(R"(["\x"])"), HasSubstr("invalid escape"));
  EXPECT_THAT(parseError(R"(["\u12G4"])"), HasSubstr("invalid hex digit"));
  EXPECT_THAT(parseError(R"(["\ud800"])"), HasSubstr("lone high surrogate"));
  EXPECT_THAT(parseError(R"(["\ud800\u0041"])"),
              HasSubstr("lone high surrogate"));
  EXPECT_THAT(parseError(R"(["\udc00"])"), HasSubstr("lone low surrogate"));
  EXPECT_THAT(parseError("[\"a\tb\"]"), HasSubstr("unescaped control"));
  EXPECT_THAT(parseError("[\"a\xC3\"]"), HasSubstr("invalid UTF-8"));
  EXPECT_THAT(parseError("[\"\xED\xA0\x80\"]"), HasSubstr("invalid UTF-8"));
}

TEST(TokenizerJson, BadSyntax) {
  EXPECT_THAT(parseError("[01]"), HasSubstr("leading zero"));
  EXPECT_THAT(parseError("[1,]"), HasSubstr("expected a JSON value"));
  EXPECT_THAT(parseError("{\"a\":1,}"), HasSubstr("expected a string key"));
  EXPECT_THAT(parseError("[1] x"), HasSubstr("unexpected text after"));
  EXPECT_THAT(parseError("[NaN]"), HasSubstr("expected a JSON value"));
  EXPECT_THAT(parseError("[1.]"), HasSubstr("expected a digit"));
  EXPECT_THAT(parseError("[1e]"), HasSubstr("expected a digit"));
  EXPECT_THAT(parseError("[1e999]"), HasSubstr("out of range"));
  EXPECT_THAT(parseError("[nul]"), HasSubstr("invalid literal"));
  EXPECT_THAT(parseError("// c\n[]"), HasSubstr("got '/'"));
  EXPECT_THAT(parseError("[\x01]"), HasSubstr("got byte 0x01"));
}

//===----------------------------------------------------------------------===//
// Unicode
//===----------------------------------------------------------------------===//

std::vector<char32_t> decode(std::string_view bytes) {
  std::vector<char32_t> out;
  unicode::decodeUtf8(bytes, out);
  return out;
}

std::u32string nfc(std::u32string s) {
  std::vector<char32_t> v(s.begin(), s.end());
  unicode::toNfc(v);
  return std::u32string(v.begin(), v.end());
}

TEST(TokenizerUnicode, DecodesUtf8) {
  EXPECT_THAT(decode("a\xC3\xA9\xE4\xB8\xAD\xF0\x9F\x98\x80"),
              ElementsAre(U'a', 0xE9, 0x4E2D, 0x1F600));
  EXPECT_TRUE(decode("").empty());
  EXPECT_THAT(decode(std::string("a\0b", 3)), ElementsAre(U'a', 0, U'b'));
}

TEST(TokenizerUnicode, ReplacesMaximalIllFormedSubparts) {
  // The counts are those of Python's bytes.decode("utf-8", "replace").
  const char32_t R = unicode::kReplacement;
  EXPECT_THAT(decode("\xE0\x80\x80"), ElementsAre(R, R, R)); // Overlong.
  EXPECT_THAT(decode("\xC0\xAF"), ElementsAre(R, R));        // Overlong.
  EXPECT_THAT(decode("\xED\xA0\x80"), ElementsAre(R, R, R)); // Surrogate.
  EXPECT_THAT(decode("\xF4\x90\x80\x80"), ElementsAre(R, R, R, R));
  EXPECT_THAT(decode("\xF0\x9F\x98"), ElementsAre(R)); // Truncated.
  EXPECT_THAT(decode("\xF0\x9F\x98x"), ElementsAre(R, U'x'));
  EXPECT_THAT(decode("a\xFF\x80"), ElementsAre(U'a', R, R));
  EXPECT_EQ(unicode::makeValidUtf8("ok\xE2\x82"), "ok\xEF\xBF\xBD");
}

TEST(TokenizerUnicode, CompleteUtf8Prefix) {
  EXPECT_EQ(unicode::completeUtf8Prefix(""), 0u);
  EXPECT_EQ(unicode::completeUtf8Prefix("abc"), 3u);
  EXPECT_EQ(unicode::completeUtf8Prefix("a\xE2\x82"), 1u);
  EXPECT_EQ(unicode::completeUtf8Prefix("a\xE2\x82\xAC"), 4u);
  EXPECT_EQ(unicode::completeUtf8Prefix("\xF0\x9F\x98"), 0u);
  EXPECT_EQ(unicode::completeUtf8Prefix("\xF0"), 0u);
  EXPECT_EQ(unicode::completeUtf8Prefix("\xE0\x80"), 2u); // Never valid.
  EXPECT_EQ(unicode::completeUtf8Prefix("\x80\x80"), 2u);
  EXPECT_EQ(unicode::completeUtf8Prefix("\x80\x80\x80\x80\x80"), 5u);
}

TEST(TokenizerUnicode, CharacterClasses) {
  using namespace unicode;
  EXPECT_EQ(charFlags('a'), kLetter);
  EXPECT_EQ(charFlags(0x4E2D), kLetter);  // 中
  EXPECT_EQ(charFlags(0x20000), kLetter); // CJK extension B
  EXPECT_EQ(charFlags('7'), kNumber);
  EXPECT_EQ(charFlags(0x0663), kNumber);  // Arabic-Indic three
  EXPECT_EQ(charFlags(0x216B), kNumber);  // Roman numeral twelve (Nl)
  EXPECT_EQ(charFlags(0xB2), kNumber);    // Superscript two (No)
  EXPECT_EQ(charFlags(0x1D7CE), kNumber); // Mathematical bold zero
  EXPECT_EQ(charFlags(' '), kWhiteSpace);
  EXPECT_EQ(charFlags('\n'), kWhiteSpace | kLineBreak);
  EXPECT_EQ(charFlags('\r'), kWhiteSpace | kLineBreak);
  EXPECT_EQ(charFlags(0x0B), kWhiteSpace);
  EXPECT_EQ(charFlags(0x85), kWhiteSpace);
  EXPECT_EQ(charFlags(0xA0), kWhiteSpace);
  EXPECT_EQ(charFlags(0x3000), kWhiteSpace);
  EXPECT_EQ(charFlags(0x2029), kWhiteSpace);
  EXPECT_EQ(charFlags(0xFEFF), 0); // Not White_Space.
  EXPECT_EQ(charFlags(0x200B), 0);
  EXPECT_EQ(charFlags('!'), 0);
  EXPECT_EQ(charFlags(0x1F600), 0); // Emoji (So)
  EXPECT_EQ(charFlags(0x0301), 0);  // Combining acute (Mn)
  EXPECT_EQ(charFlags(0x10FFFF), 0);
  EXPECT_EQ(unicode::combiningClass(0x0301), 230);
  EXPECT_EQ(unicode::combiningClass(0x0323), 220);
  EXPECT_EQ(unicode::combiningClass('a'), 0);
}

TEST(TokenizerUnicode, Nfc) {
  // Expected values from Python's unicodedata.normalize("NFC", ...).
  EXPECT_EQ(nfc(U"e\u0301"), U"\u00E9");
  EXPECT_EQ(nfc(U"A\u0307\u0323"), U"\u1EA0\u0307"); // Reordered first.
  EXPECT_EQ(nfc(U"\u212B"), U"\u00C5");              // Singleton.
  EXPECT_EQ(nfc(U"\u0958"), U"\u0915\u093C");        // Exclusion.
  EXPECT_EQ(nfc(U"\u0344"), U"\u0308\u0301");        // Non-starter.
  EXPECT_EQ(nfc(U"\u1100\u1161\u11A8"), U"\uAC01");  // Hangul L V T.
  EXPECT_EQ(nfc(U"\uAC00\u11A8"), U"\uAC01");        // Hangul LV T.
  EXPECT_EQ(nfc(U"e\u0301\u0301"), U"\u00E9\u0301"); // Blocked.
  EXPECT_EQ(nfc(U"A\u030A\u0301"), U"\u01FA");       // Two steps.
  EXPECT_EQ(nfc(U"q\u0307\u0323"), U"q\u0323\u0307");
  EXPECT_EQ(nfc(U"\u00E9\u0323"), U"\u1EB9\u0301");
  EXPECT_EQ(nfc(U"\u0301abc"), U"\u0301abc"); // Leading mark.
  EXPECT_EQ(nfc(U"plain ascii, \u4E2D\u6587"), U"plain ascii, \u4E2D\u6587");
  // A pathological run of marks stays fast and sorted.
  std::u32string marks = U"a";
  for (int i = 0; i < 100000; ++i)
    marks += i % 2 ? U'\u0301' : U'\u0323';
  std::u32string result = nfc(marks);
  ASSERT_EQ(result.size(), marks.size() - 1);
  EXPECT_EQ(result[0], U'\u1EA1'); // a + dot below.
  EXPECT_EQ(result[1], U'\u0323');
  EXPECT_EQ(result.back(), U'\u0301');
}

//===----------------------------------------------------------------------===//
// Pre-tokenizer
//===----------------------------------------------------------------------===//

std::vector<std::string>
split(const std::string &text,
      PretokenizerPattern pattern = PretokenizerPattern::Qwen2) {
  std::vector<char32_t> cps = decode(text);
  std::vector<std::pair<uint32_t, uint32_t>> pieces;
  splitPretokens(cps, pattern, pieces);
  std::vector<std::string> out;
  for (auto [b, e] : pieces) {
    std::string piece;
    for (uint32_t i = b; i < e; ++i)
      unicode::appendUtf8(cps[i], piece);
    out.push_back(piece);
  }
  return out;
}

// Expected splits: Python's regex.findall with the tokenizer.json pattern.
TEST(TokenizerPretokenize, Contractions) {
  EXPECT_THAT(split("I'M here's YOU'LL they'Re we'VE it'D don'T 'S"),
              ElementsAre("I", "'M", " here", "'s", " YOU", "'LL", " they",
                          "'Re", " we", "'VE", " it", "'D", " don", "'T", " '",
                          "S"));
  EXPECT_THAT(split("'''s"), ElementsAre("'''", "s"));
  // (?i) folds U+017F (long s) to 's'; U+212A (Kelvin) folds to 'k'.
  EXPECT_THAT(split("it'\u017Fok he'\u017F \u017F'S'\u212A"),
              ElementsAre("it", "'\u017F", "ok", " he", "'\u017F", " \u017F",
                          "'S", "'\u212A"));
}

TEST(TokenizerPretokenize, Numbers) {
  EXPECT_THAT(split("abc12345def 3.14"),
              ElementsAre("abc", "1", "2", "3", "4", "5", "def", " ", "3", ".",
                          "1", "4"));
  EXPECT_THAT(split("$100,000.00", PretokenizerPattern::Llama3),
              ElementsAre("$", "100", ",", "000", ".", "00"));
  EXPECT_THAT(split("abc12345def", PretokenizerPattern::Llama3),
              ElementsAre("abc", "123", "45", "def"));
  EXPECT_THAT(split("\u0663\u0664 x"), ElementsAre("\u0663", "\u0664", " x"));
}

TEST(TokenizerPretokenize, WhiteSpace) {
  EXPECT_THAT(split("hello   world  "),
              ElementsAre("hello", "  ", " world", "  "));
  EXPECT_THAT(split("a \t\tb"), ElementsAre("a", " \t", "\tb"));
  EXPECT_THAT(split("\t!!!"), ElementsAre("\t", "!!!"));
  EXPECT_THAT(split(" ..."), ElementsAre(" ..."));
  EXPECT_THAT(split("a\u3000b  \u3000c"),
              ElementsAre("a", "\u3000b", "  ", "\u3000c"));
  EXPECT_THAT(split("\u0085x\u00A0y"), ElementsAre("\u0085x", "\u00A0y"));
  EXPECT_THAT(split("   "), ElementsAre("   "));
  EXPECT_THAT(split(" "), ElementsAre(" "));
}

TEST(TokenizerPretokenize, Newlines) {
  EXPECT_THAT(split("line1\nline2\r\n\r\n  line3\n"),
              ElementsAre("line", "1", "\n", "line", "2", "\r\n\r\n", " ",
                          " line", "3", "\n"));
  EXPECT_THAT(split("  \n  x"), ElementsAre("  \n", " ", " x"));
  EXPECT_THAT(split("x  \n\n  "), ElementsAre("x", "  \n\n", "  "));
  EXPECT_THAT(split("foo!!!\n\nbar ?? baz"),
              ElementsAre("foo", "!!!\n\n", "bar", " ??", " baz"));
}

TEST(TokenizerPretokenize, Scripts) {
  EXPECT_THAT(split("\u00E9t\u00E9 \u4E2D\u6587\u5B57 \u0663\u0664"),
              ElementsAre("\u00E9t\u00E9", " \u4E2D\u6587\u5B57", " ", "\u0663",
                          "\u0664"));
  EXPECT_THAT(split("emoji \U0001F600\U0001F600 x"),
              ElementsAre("emoji", " \U0001F600\U0001F600", " x"));
}

TEST(TokenizerPretokenize, CoversEveryInput) {
  std::mt19937 rng(42);
  const char32_t alphabet[] = {U'a',   U'Z',    U'1', U' ', U'\t',  U'\n',
                               U'\r',  U'\'',   U's', U'!', 0x3000, 0x4E2D,
                               0x0301, 0x1F600, 0x85, 0xA0, U'L'};
  for (int round = 0; round < 200; ++round) {
    std::vector<char32_t> text(rng() % 64);
    for (char32_t &c : text)
      c = alphabet[rng() % std::size(alphabet)];
    std::vector<std::pair<uint32_t, uint32_t>> pieces;
    splitPretokens(text, PretokenizerPattern::Qwen2, pieces);
    uint32_t at = 0;
    for (auto [b, e] : pieces) {
      ASSERT_EQ(b, at);
      ASSERT_LT(b, e);
      at = e;
    }
    ASSERT_EQ(at, text.size());
  }
}

//===----------------------------------------------------------------------===//
// The C API on a tiny tokenizer
//===----------------------------------------------------------------------===//

/// GPT-2's byte-to-character map, written independently of the library.
std::string byteChar(int b) {
  int n = 0, cp = b;
  bool printable =
      (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
  if (!printable) {
    for (int x = 0; x < b; ++x)
      if (!((x >= 33 && x <= 126) || (x >= 161 && x <= 172) ||
            (x >= 174 && x <= 255)))
        ++n;
    cp = 256 + n;
  }
  std::string out;
  unicode::appendUtf8(static_cast<char32_t>(cp), out);
  return out;
}

std::string jsonString(const std::string &s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\')
      out += '\\';
    out += c;
  }
  return out + "\"";
}

struct TinyOptions {
  std::string normalizer = R"({"type": "NFC"})";
  std::string modelType = "BPE";
  std::string regex =
      "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\\\r\\\\n\\\\p{L}\\\\p{N}]"
      "?\\\\p{L}+|\\\\p{N}| ?[^\\\\s\\\\p{L}\\\\p{N}]+[\\\\r\\\\n]*|"
      "\\\\s*[\\\\r\\\\n]+|\\\\s+(?!\\\\S)|\\\\s+";
  bool ignoreMerges = false;
  std::string extraVocab;
  std::string extraMerge;
};

/// A byte-level BPE tokenizer.json: ids 0-255 are the bytes, then
/// Ġt(256) he(257) ll(258) hell(259) hello(260) Ġthe(261) aa(262), and the
/// added tokens <|im_end|>(263, special) and <think>(264).
std::string tinyTokenizerJson(const TinyOptions &o = {}) {
  std::string vocab;
  for (int b = 0; b < 256; ++b)
    vocab += jsonString(byteChar(b)) + ": " + std::to_string(b) + ", ";
  vocab += R"("Ġt": 256, "he": 257, "ll": 258, "hell": 259, "hello": 260,
              "Ġthe": 261, "aa": 262)" +
           o.extraVocab;
  return R"({"version": "1.0", "truncation": null, "padding": null,
  "added_tokens": [
    {"id": 263, "content": "<|im_end|>", "single_word": false, "lstrip": false,
     "rstrip": false, "normalized": false, "special": true},
    {"id": 264, "content": "<think>", "single_word": false, "lstrip": false,
     "rstrip": false, "normalized": false, "special": false}],
  "normalizer": )" +
         o.normalizer + R"(,
  "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
    {"type": "Split", "pattern": {"Regex": ")" +
         o.regex + R"("}, "behavior": "Isolated", "invert": false},
    {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": false,
     "use_regex": false}]},
  "post_processor": null,
  "decoder": {"type": "ByteLevel", "add_prefix_space": false,
              "trim_offsets": false, "use_regex": false},
  "model": {"type": ")" +
         o.modelType + R"(", "dropout": null, "unk_token": null,
    "continuing_subword_prefix": "", "end_of_word_suffix": "",
    "fuse_unk": false, "byte_fallback": false, "ignore_merges": )" +
         (o.ignoreMerges ? "true" : "false") + R"(,
    "vocab": {)" +
         vocab +
         R"(},
    "merges": [["Ġ", "t"], "h e", ["l", "l"], ["he", "ll"], ["hell", "o"],
               ["Ġt", "he"], ["a", "a"])" +
         o.extraMerge + R"(]}})";
}

const char *const kTinyConfig =
    R"({"eos_token": "<|im_end|>", "pad_token": {"content": "<think>"},
        "chat_template": "{{ messages }}"})";

/// A temporary folder, removed with its files at scope exit.
class TempDir {
public:
  TempDir() {
    char pattern[] = "/tmp/mlc-tokenizer-test-XXXXXX";
    path = mkdtemp(pattern);
  }
  ~TempDir() {
    for (const std::string &f : files)
      std::remove(f.c_str());
    rmdir(path.c_str());
  }
  std::string write(const std::string &name, const std::string &text) {
    std::string file = path + "/" + name;
    std::ofstream(file, std::ios::binary) << text;
    files.push_back(file);
    return file;
  }
  std::string path;

private:
  std::vector<std::string> files;
};

struct TokenizerPtr {
  mlc_tokenizer *tok = nullptr;
  ~TokenizerPtr() { mlc_tokenizer_free(tok); }
};

/// Loads a tokenizer folder holding `json` and `config`.
mlc_status loadTiny(TokenizerPtr &out, const std::string &json,
                    const std::string &config = kTinyConfig) {
  TempDir dir;
  dir.write("tokenizer.json", json);
  dir.write("tokenizer_config.json", config);
  return mlc_tokenizer_load(dir.path.c_str(), &out.tok);
}

std::vector<int32_t> encode(const mlc_tokenizer *tok, const std::string &text,
                            int flags = 0) {
  int32_t *ids = nullptr;
  size_t n = 0;
  EXPECT_EQ(
      mlc_tokenizer_encode(tok, text.data(), text.size(), flags, &ids, &n),
      MLC_OK)
      << mlc_last_error();
  std::vector<int32_t> out(ids, ids + n);
  std::free(ids);
  return out;
}

std::string decodeIds(const mlc_tokenizer *tok, std::vector<int32_t> ids,
                      int flags = 0) {
  char *text = nullptr;
  size_t n = 0;
  EXPECT_EQ(mlc_tokenizer_decode(tok, ids.data(), ids.size(), flags, &text, &n),
            MLC_OK)
      << mlc_last_error();
  std::string out(text ? text : "", n);
  std::free(text);
  return out;
}

class TinyTokenizer : public ::testing::Test {
protected:
  void SetUp() override {
    ASSERT_EQ(loadTiny(tok, tinyTokenizerJson()), MLC_OK) << mlc_last_error();
  }
  TokenizerPtr tok;
};

TEST_F(TinyTokenizer, Vocabulary) {
  EXPECT_EQ(mlc_tokenizer_vocab_size(tok.tok), 265u);
  EXPECT_EQ(mlc_tokenizer_token_to_id(tok.tok, "Ġthe"), 261);
  EXPECT_EQ(mlc_tokenizer_token_to_id(tok.tok, "<|im_end|>"), 263);
  EXPECT_EQ(mlc_tokenizer_token_to_id(tok.tok, "<think>"), 264);
  EXPECT_EQ(mlc_tokenizer_token_to_id(tok.tok, "nope"), -1);
  EXPECT_STREQ(mlc_tokenizer_id_to_token(tok.tok, 261), "Ġthe");
  EXPECT_STREQ(mlc_tokenizer_id_to_token(tok.tok, 32), "Ġ");
  EXPECT_EQ(mlc_tokenizer_id_to_token(tok.tok, 265), nullptr);
  EXPECT_EQ(mlc_tokenizer_id_to_token(tok.tok, -1), nullptr);
  EXPECT_TRUE(mlc_tokenizer_is_special(tok.tok, 263));
  EXPECT_FALSE(mlc_tokenizer_is_special(tok.tok, 264));
  EXPECT_FALSE(mlc_tokenizer_is_special(tok.tok, 100000));
  EXPECT_EQ(mlc_tokenizer_eos_id(tok.tok), 263);
  EXPECT_EQ(mlc_tokenizer_pad_id(tok.tok), 264);
}

TEST_F(TinyTokenizer, EncodesWithMerges) {
  EXPECT_THAT(encode(tok.tok, "hello"), ElementsAre(260));
  EXPECT_THAT(encode(tok.tok, "hello the"), ElementsAre(260, 261));
  EXPECT_THAT(encode(tok.tok, "hellohe"), ElementsAre(260, 257));
  EXPECT_THAT(encode(tok.tok, "aaa"), ElementsAre(262, 'a')); // Leftmost.
  EXPECT_THAT(encode(tok.tok, "Hello"), ElementsAre('H', 'e', 258, 'o'));
  EXPECT_TRUE(encode(tok.tok, "").empty());
  // Words longer than the quadratic path's limit go through the heap.
  std::vector<int32_t> expected(20, 262);
  EXPECT_EQ(encode(tok.tok, std::string(40, 'a')), expected);
  expected.push_back('a');
  EXPECT_EQ(encode(tok.tok, std::string(41, 'a')), expected);
  std::string longWord;
  std::vector<int32_t> longIds;
  for (int i = 0; i < 30; ++i) {
    longWord += "helloaaa";
    longIds.insert(longIds.end(), {260, 262, 'a'});
  }
  EXPECT_EQ(encode(tok.tok, longWord), longIds);
}

TEST_F(TinyTokenizer, AddedTokens) {
  EXPECT_THAT(encode(tok.tok, "x<|im_end|>y<think>"),
              ElementsAre('x', 263, 'y', 264));
  EXPECT_THAT(encode(tok.tok, "<|im_end|><|im_end|>"), ElementsAre(263, 263));
  EXPECT_THAT(encode(tok.tok, "<|im_end|"),
              ElementsAre('<', '|', 'i', 'm', '_', 'e', 'n', 'd', '|'));
  // split_special_tokens: special tokens become text, others stay.
  EXPECT_THAT(
      encode(tok.tok, "<|im_end|><think>", MLC_TOKENIZER_SPLIT_SPECIAL),
      ElementsAre('<', '|', 'i', 'm', '_', 'e', 'n', 'd', '|', '>', 264));
  int32_t *ids;
  size_t n;
  EXPECT_EQ(mlc_tokenizer_encode(tok.tok, "x", 1, 4, &ids, &n),
            MLC_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(mlc_tokenizer_encode(nullptr, "x", 1, 0, &ids, &n),
            MLC_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(ids, nullptr);
}

TEST_F(TinyTokenizer, Normalizes) {
  // "e" + combining acute is encoded as the bytes of U+00E9.
  EXPECT_EQ(encode(tok.tok, "e\xCC\x81"), encode(tok.tok, "\xC3\xA9"));
  EXPECT_THAT(encode(tok.tok, "\xC3\xA9"), ElementsAre(0xC3, 0xA9));
}

TEST_F(TinyTokenizer, IllFormedInput) {
  // Each maximal ill-formed subsequence reads as U+FFFD (EF BF BD).
  EXPECT_THAT(encode(tok.tok, "a\xFF"), ElementsAre('a', 0xEF, 0xBF, 0xBD));
  EXPECT_THAT(encode(tok.tok, std::string("a\0b", 3)),
              ElementsAre('a', 0, 'b'));
  std::mt19937 rng(7);
  for (int round = 0; round < 300; ++round) {
    std::string bytes(rng() % 200, '\0');
    for (char &c : bytes)
      c = static_cast<char>(rng() % 4 ? rng() % 256 : "<|im_end>"[rng() % 9]);
    std::vector<int32_t> ids = encode(tok.tok, bytes);
    std::string text = decodeIds(tok.tok, ids);
    // Valid UTF-8 out; nothing but NFC and the replacements changed.
    EXPECT_EQ(unicode::makeValidUtf8(text), text);
    EXPECT_EQ(encode(tok.tok, text), ids);
  }
}

TEST_F(TinyTokenizer, Decodes) {
  EXPECT_EQ(decodeIds(tok.tok, {260, 261, 263, 264}),
            "hello the<|im_end|><think>");
  EXPECT_EQ(decodeIds(tok.tok, {260, 263, 264}, MLC_TOKENIZER_SKIP_SPECIAL),
            "hello<think>");
  // A character split across tokens: U+FFFD, or raw bytes on request.
  EXPECT_EQ(decodeIds(tok.tok, {'a', 0xC3}), "a\xEF\xBF\xBD");
  EXPECT_EQ(decodeIds(tok.tok, {'a', 0xC3}, MLC_TOKENIZER_RAW_BYTES), "a\xC3");
  EXPECT_EQ(decodeIds(tok.tok, {}), "");

  std::vector<int32_t> bad = {260, 265};
  char *text = nullptr;
  size_t n = 0;
  EXPECT_EQ(mlc_tokenizer_decode(tok.tok, bad.data(), bad.size(), 0, &text, &n),
            MLC_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(text, nullptr);
  EXPECT_THAT(mlc_last_error(),
              HasSubstr("token id 265 at position 1 is out of range [0, 265)"));
  bad = {-3};
  EXPECT_EQ(mlc_tokenizer_decode(tok.tok, bad.data(), 1, 0, &text, &n),
            MLC_ERROR_INVALID_ARGUMENT);
}

TEST_F(TinyTokenizer, Streams) {
  // "né中" as bytes, one token each: print only whole characters.
  std::vector<int32_t> ids = encode(tok.tok, "n\xC3\xA9\xE4\xB8\xAD");
  ASSERT_EQ(ids.size(), 6u);
  std::string pending, printed;
  std::vector<size_t> printedAfter;
  for (int32_t id : ids) {
    const char *bytes;
    size_t length;
    ASSERT_EQ(mlc_tokenizer_token_bytes(tok.tok, id, &bytes, &length), MLC_OK);
    pending.append(bytes, length);
    size_t ready =
        mlc_tokenizer_utf8_complete_length(pending.data(), pending.size());
    printed += pending.substr(0, ready);
    pending.erase(0, ready);
    printedAfter.push_back(printed.size());
  }
  EXPECT_EQ(printed, "n\xC3\xA9\xE4\xB8\xAD");
  EXPECT_THAT(printedAfter, ElementsAre(1, 1, 3, 3, 3, 6));
  const char *bytes;
  size_t length;
  EXPECT_EQ(mlc_tokenizer_token_bytes(tok.tok, 263, &bytes, &length), MLC_OK);
  EXPECT_EQ(std::string(bytes, length), "<|im_end|>");
  EXPECT_EQ(mlc_tokenizer_token_bytes(tok.tok, 999, &bytes, &length),
            MLC_ERROR_INVALID_ARGUMENT);
}

TEST_F(TinyTokenizer, Threads) {
  std::string text;
  for (int i = 0; i < 200; ++i)
    text += "hello the aaa " + std::to_string(i) + " ";
  std::vector<int32_t> expected = encode(tok.tok, text);
  std::vector<std::vector<int32_t>> results(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int r = 0; r < 20; ++r)
        results[t] = encode(tok.tok, text);
    });
  for (std::thread &t : threads)
    t.join();
  for (const auto &r : results)
    EXPECT_EQ(r, expected);
}

TEST_F(TinyTokenizer, ChatTemplateMustBeQwen3s) {
  mlc_chat_message m = {"user", "hi", nullptr};
  char *text = nullptr;
  size_t n = 0;
  EXPECT_EQ(mlc_tokenizer_apply_chat_template(tok.tok, &m, 1, 1, 1, &text, &n),
            MLC_ERROR_UNSUPPORTED);
  EXPECT_THAT(mlc_last_error(), HasSubstr("tokenizer_config.json: the "
                                          "chat_template is not Qwen3's"));
  EXPECT_EQ(text, nullptr);
}

TEST(TokenizerOptions, IgnoreMerges) {
  TinyOptions o;
  o.extraVocab = R"(, "xyz": 265)";
  TokenizerPtr plain, ignoring;
  ASSERT_EQ(loadTiny(plain, tinyTokenizerJson(o)), MLC_OK) << mlc_last_error();
  o.ignoreMerges = true;
  ASSERT_EQ(loadTiny(ignoring, tinyTokenizerJson(o)), MLC_OK)
      << mlc_last_error();
  EXPECT_THAT(encode(plain.tok, "xyz"), ElementsAre('x', 'y', 'z'));
  EXPECT_THAT(encode(ignoring.tok, "xyz"), ElementsAre(265));
}

TEST(TokenizerOptions, NoNormalizer) {
  TinyOptions o;
  o.normalizer = "null";
  TokenizerPtr tok;
  ASSERT_EQ(loadTiny(tok, tinyTokenizerJson(o)), MLC_OK) << mlc_last_error();
  EXPECT_THAT(encode(tok.tok, "e\xCC\x81"), ElementsAre('e', 0xCC, 0x81));
}

TEST(TokenizerOptions, NoConfig) {
  TempDir dir;
  std::string json = dir.write("tokenizer.json", tinyTokenizerJson());
  TokenizerPtr tok;
  ASSERT_EQ(mlc_tokenizer_load_files(json.c_str(), nullptr, &tok.tok), MLC_OK)
      << mlc_last_error();
  EXPECT_EQ(mlc_tokenizer_eos_id(tok.tok), -1);
  mlc_chat_message m = {"user", "hi", nullptr};
  char *text;
  size_t n;
  EXPECT_EQ(mlc_tokenizer_apply_chat_template(tok.tok, &m, 1, 1, 1, &text, &n),
            MLC_ERROR_UNSUPPORTED);
  EXPECT_THAT(mlc_last_error(), HasSubstr("no chat_template"));
}

//===----------------------------------------------------------------------===//
// Bad tokenizer folders
//===----------------------------------------------------------------------===//

/// Loads a folder with `json` and `config`; returns the status and sets
/// `message` to the error.
mlc_status loadBad(const std::string &json, const std::string &config,
                   std::string &message) {
  TokenizerPtr tok;
  mlc_status status = loadTiny(tok, json, config);
  message = mlc_last_error();
  EXPECT_EQ(tok.tok, nullptr);
  return status;
}

TEST(TokenizerLoad, MissingFiles) {
  TokenizerPtr tok;
  EXPECT_EQ(mlc_tokenizer_load("/nonexistent/qwen3", &tok.tok), MLC_ERROR_IO);
  EXPECT_EQ(tok.tok, nullptr);
  EXPECT_THAT(mlc_last_error(),
              HasSubstr("cannot open '/nonexistent/qwen3/tokenizer.json': No "
                        "such file or directory"));
  TempDir dir;
  dir.write("tokenizer.json", tinyTokenizerJson());
  EXPECT_EQ(mlc_tokenizer_load(dir.path.c_str(), &tok.tok), MLC_ERROR_IO);
  EXPECT_THAT(mlc_last_error(), HasSubstr("cannot open '" + dir.path +
                                          "/tokenizer_config.json'"));
  EXPECT_EQ(mlc_tokenizer_load(nullptr, &tok.tok), MLC_ERROR_INVALID_ARGUMENT);
}

TEST(TokenizerLoad, MalformedJson) {
  std::string json = tinyTokenizerJson(), message;
  EXPECT_EQ(loadBad(json.substr(0, json.size() / 2), kTinyConfig, message),
            MLC_ERROR_INVALID_FILE);
  EXPECT_THAT(message, HasSubstr("/tokenizer.json: malformed JSON: byte "));
  EXPECT_THAT(message, HasSubstr("truncated"));
  EXPECT_EQ(loadBad("", kTinyConfig, message), MLC_ERROR_INVALID_FILE);
  EXPECT_THAT(message, HasSubstr("tokenizer.json: malformed JSON"));
  EXPECT_EQ(loadBad(json, "{\"eos_token\": }", message),
            MLC_ERROR_INVALID_FILE);
  EXPECT_THAT(message, HasSubstr("/tokenizer_config.json: malformed JSON: "
                                 "byte 14 (line 1, column 15)"));
  EXPECT_EQ(loadBad("[1, 2]", kTinyConfig, message), MLC_ERROR_INVALID_FILE);
  EXPECT_THAT(message, HasSubstr("expected an object at the top level"));
  EXPECT_EQ(loadBad(json, R"({"eos_token": "<|nope|>"})", message),
            MLC_ERROR_INVALID_FILE);
  EXPECT_THAT(message, HasSubstr("tokenizer_config.json: byte 14 (line 1, "
                                 "column 15): eos_token '<|nope|>' is not a "
                                 "token"));
}

TEST(TokenizerLoad, Unsupported) {
  std::string message;
  TinyOptions o;
  o.modelType = "WordPiece";
  EXPECT_EQ(loadBad(tinyTokenizerJson(o), kTinyConfig, message),
            MLC_ERROR_UNSUPPORTED);
  EXPECT_THAT(message, HasSubstr("tokenizer.json: "));
  EXPECT_THAT(message, HasSubstr("model type 'WordPiece' is not supported"));

  o = TinyOptions();
  o.normalizer = R"({"type": "NFKC"})";
  EXPECT_EQ(loadBad(tinyTokenizerJson(o), kTinyConfig, message),
            MLC_ERROR_UNSUPPORTED);
  EXPECT_THAT(message, HasSubstr("normalizer 'NFKC' is not supported"));

  o = TinyOptions();
  o.normalizer = R"({"type": "Sequence",
                     "normalizers": [{"type": "NFC"}, {"type": "Lowercase"}]})";
  EXPECT_EQ(loadBad(tinyTokenizerJson(o), kTinyConfig, message),
            MLC_ERROR_UNSUPPORTED);
  EXPECT_THAT(message, HasSubstr("normalizer 'Lowercase'"));

  o = TinyOptions();
  o.regex = "\\\\w+";
  EXPECT_EQ(loadBad(tinyTokenizerJson(o), kTinyConfig, message),
            MLC_ERROR_UNSUPPORTED);
  EXPECT_THAT(message, HasSubstr("split pattern '\\w+' is not supported"));
}

TEST(TokenizerLoad, InvalidModel) {
  std::string message;
  TinyOptions o;
  o.extraMerge = R"(, ["x", "nope"])";
  EXPECT_EQ(loadBad(tinyTokenizerJson(o), kTinyConfig, message),
            MLC_ERROR_INVALID_FILE);
  EXPECT_THAT(message, HasSubstr("model.merges: merge 7 ('x', 'nope') uses a "
                                 "token not in model.vocab"));
  o = TinyOptions();
  o.extraMerge = R"(, "a b c")";
  EXPECT_EQ(loadBad(tinyTokenizerJson(o), kTinyConfig, message),
            MLC_ERROR_INVALID_FILE);
  EXPECT_THAT(message, HasSubstr("expected \"left right\""));
  o = TinyOptions();
  o.extraVocab = R"(, "dup": 5)";
  EXPECT_EQ(loadBad(tinyTokenizerJson(o), kTinyConfig, message),
            MLC_ERROR_INVALID_FILE);
  EXPECT_THAT(message, HasSubstr("id 5 is used twice"));
  o = TinyOptions();
  o.extraVocab = R"(, "neg": -1)";
  EXPECT_EQ(loadBad(tinyTokenizerJson(o), kTinyConfig, message),
            MLC_ERROR_INVALID_FILE);
  EXPECT_THAT(message, HasSubstr("the id of token 'neg' is not an integer"));
}

TEST(TokenizerLoad, MissingByteToken) {
  std::string json = tinyTokenizerJson(), message;
  // Drop the token of byte 'q' (id 113).
  size_t at = json.find("\"q\": 113, ");
  ASSERT_NE(at, std::string::npos);
  json.erase(at, 10);
  EXPECT_EQ(loadBad(json, kTinyConfig, message), MLC_ERROR_INVALID_FILE);
  EXPECT_THAT(message, HasSubstr("model.vocab has no token for byte 0x71"));
}

} // namespace
