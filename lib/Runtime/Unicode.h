//===- Unicode.h - UTF-8, character classes and NFC -------------*- C++ -*-===//
//
// The Unicode support the tokenizer needs, with data generated from Python's
// unicodedata into UnicodeTables.inc (utils/gen_unicode_tables.py):
//
//  - UTF-8 decoding that never fails: every maximal ill-formed subsequence
//    (Unicode 15, section 3.9, "U+FFFD substitution of maximal subparts";
//    what Python's errors="replace", Rust's from_utf8_lossy and WHATWG's
//    TextDecoder do) becomes one U+FFFD. Surrogates, overlong forms and
//    values above U+10FFFF are ill-formed.
//  - The classes of the pre-tokenizer regex: \p{L}, \p{N} and \s (White_Space:
//    U+0009..U+000D, U+0085 and the Zs, Zl, Zp categories, as in Oniguruma
//    and Rust's regex crate, which Hugging Face tokenizers use).
//  - NFC (canonical decomposition, canonical ordering, canonical
//    composition, Hangul syllables algorithmically).
//
//===----------------------------------------------------------------------===//

#ifndef MLC_LIB_RUNTIME_UNICODE_H
#define MLC_LIB_RUNTIME_UNICODE_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mlc::rt::unicode {

/// The Unicode version of the generated tables, e.g. "14.0.0".
const char *version();

/// U+FFFD, the replacement character.
constexpr char32_t kReplacement = 0xFFFD;

/// Appends the code points of `bytes` to `out`, replacing each maximal
/// ill-formed subsequence by U+FFFD.
void decodeUtf8(std::string_view bytes, std::vector<char32_t> &out);

/// Appends the UTF-8 encoding of `cp` (a scalar value) to `out`.
void appendUtf8(char32_t cp, std::string &out);

/// `bytes` with each maximal ill-formed subsequence replaced by U+FFFD
/// (returns the input unchanged when it is valid).
std::string makeValidUtf8(std::string_view bytes);

/// The length of the longest prefix of `bytes` that does not end with an
/// incomplete UTF-8 sequence that more bytes could still complete: a stream
/// decoder prints that prefix and keeps the rest for the next chunk.
/// Ill-formed bytes count as complete (they will never become valid).
size_t completeUtf8Prefix(std::string_view bytes);

/// The pre-tokenizer's classes of a code point.
enum CharFlags : uint8_t {
  kLetter = 1,     ///< \p{L}
  kNumber = 2,     ///< \p{N}
  kWhiteSpace = 4, ///< \s
  kLineBreak = 8,  ///< [\r\n]
};

/// The CharFlags of `cp`.
uint8_t charFlags(char32_t cp);

/// The canonical combining class of `cp`.
uint8_t combiningClass(char32_t cp);

/// Replaces `text` by its NFC normalization (Unicode Standard Annex #15).
void toNfc(std::vector<char32_t> &text);

/// True if toNfc would leave `text` unchanged because no code point in it
/// decomposes, reorders or composes with its predecessor (a fast check that
/// is exact for text such as ASCII or CJK; false is not a proof that NFC
/// changes the text).
bool isTriviallyNfc(const std::vector<char32_t> &text);

} // namespace mlc::rt::unicode

#endif // MLC_LIB_RUNTIME_UNICODE_H
