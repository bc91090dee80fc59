//===- Unicode.cpp - UTF-8, character classes and NFC for libmlcrt --------===//
//
// Lookups go through a 64 KiB table for the Basic Multilingual Plane (built
// once, on first use, from the generated ranges) and binary searches of the
// generated ranges above it. NFC follows UAX #15: full canonical
// decomposition, a stable sort of each run of nonzero combining classes, then
// canonical composition of unblocked pairs.
//
//===----------------------------------------------------------------------===//

#include "Unicode.h"

#include <algorithm>
#include <unordered_map>

namespace mlc::rt::unicode {

namespace {

struct CodeRange {
  char32_t first, last;
  uint8_t value;
};

struct Decomposition {
  char32_t cp, first, second; ///< second is 0 for singletons.
};

#include "UnicodeTables.inc"

// Hangul syllables (Unicode 15, section 3.12).
constexpr char32_t kSBase = 0xAC00, kLBase = 0x1100, kVBase = 0x1161,
                   kTBase = 0x11A7;
constexpr char32_t kLCount = 19, kVCount = 21, kTCount = 28;
constexpr char32_t kNCount = kVCount * kTCount, kSCount = kLCount * kNCount;

template <size_t N>
uint8_t lookupRange(const CodeRange (&ranges)[N], char32_t cp) {
  const CodeRange *it = std::upper_bound(
      ranges, ranges + N, cp,
      [](char32_t c, const CodeRange &r) { return c < r.first; });
  if (it == ranges)
    return 0;
  --it;
  return cp <= it->last ? it->value : 0;
}

const Decomposition *findDecomposition(char32_t cp) {
  const Decomposition *end = kDecompositions + std::size(kDecompositions);
  const Decomposition *it = std::lower_bound(
      kDecompositions, end, cp,
      [](const Decomposition &d, char32_t c) { return d.cp < c; });
  return it != end && it->cp == cp ? it : nullptr;
}

/// Bit of the BMP table: the code point is NFC-inert (see isTriviallyNfc).
constexpr uint8_t kNfcInert = 0x10;

/// Data derived from the generated tables once.
struct Tables {
  std::vector<uint8_t> bmp; ///< CharFlags | kNfcInert per BMP code point.
  std::unordered_map<uint64_t, char32_t> compositions;
  std::vector<char32_t> secondElements; ///< Sorted; Hangul jamo excluded.

  Tables() {
    for (const Decomposition &d : kDecompositions) {
      if (!d.second ||
          std::binary_search(std::begin(kCompositionExclusions),
                             std::end(kCompositionExclusions), d.cp))
        continue;
      compositions.emplace(key(d.first, d.second), d.cp);
      secondElements.push_back(d.second);
    }
    std::sort(secondElements.begin(), secondElements.end());
    secondElements.erase(
        std::unique(secondElements.begin(), secondElements.end()),
        secondElements.end());
    bmp.resize(0x10000);
    for (char32_t cp = 0; cp < 0x10000; ++cp)
      bmp[cp] = computeFlags(cp) | (computeNfcInert(cp) ? kNfcInert : 0);
  }

  static uint64_t key(char32_t a, char32_t b) {
    return (static_cast<uint64_t>(a) << 21) | b;
  }

  static uint8_t computeFlags(char32_t cp) {
    uint8_t flags = 0;
    switch (lookupRange(kCategoryRanges, cp)) {
    case 1:
      flags |= kLetter;
      break;
    case 2:
      flags |= kNumber;
      break;
    default:
      break;
    }
    if (lookupRange(kWhiteSpaceRanges, cp))
      flags |= kWhiteSpace;
    if (cp == '\r' || cp == '\n')
      flags |= kLineBreak;
    return flags;
  }

  bool isSecondElement(char32_t cp) const {
    if ((cp >= kVBase && cp < kVBase + kVCount) ||
        (cp > kTBase && cp < kTBase + kTCount))
      return true;
    return std::binary_search(secondElements.begin(), secondElements.end(), cp);
  }

  /// Whether `cp` has NFC_Quick_Check=Yes, combining class 0 and never
  /// composes with a preceding character.
  bool computeNfcInert(char32_t cp) const {
    if (lookupRange(kCombiningClassRanges, cp) != 0 || isSecondElement(cp))
      return false;
    const Decomposition *d = findDecomposition(cp);
    if (!d)
      return true; // Includes Hangul syllables, which recompose.
    return d->second &&
           !std::binary_search(std::begin(kCompositionExclusions),
                               std::end(kCompositionExclusions), cp);
  }
};

const Tables &tables() {
  static const Tables instance;
  return instance;
}

bool isNfcInert(char32_t cp) {
  if (cp < 0x300)
    return true;
  if (cp < 0x10000)
    return tables().bmp[cp] & kNfcInert;
  return tables().computeNfcInert(cp);
}

void decomposeInto(char32_t cp, std::vector<char32_t> &out) {
  if (cp >= kSBase && cp < kSBase + kSCount) {
    char32_t s = cp - kSBase;
    out.push_back(kLBase + s / kNCount);
    out.push_back(kVBase + (s % kNCount) / kTCount);
    if (s % kTCount)
      out.push_back(kTBase + s % kTCount);
    return;
  }
  const Decomposition *d = cp < 0xC0 ? nullptr : findDecomposition(cp);
  if (!d) {
    out.push_back(cp);
    return;
  }
  decomposeInto(d->first, out);
  if (d->second)
    decomposeInto(d->second, out);
}

char32_t compose(char32_t a, char32_t b) {
  if (a >= kLBase && a < kLBase + kLCount && b >= kVBase &&
      b < kVBase + kVCount)
    return kSBase + ((a - kLBase) * kVCount + (b - kVBase)) * kTCount;
  if (a >= kSBase && a < kSBase + kSCount && (a - kSBase) % kTCount == 0 &&
      b > kTBase && b < kTBase + kTCount)
    return a + (b - kTBase);
  const auto &map = tables().compositions;
  auto it = map.find(Tables::key(a, b));
  return it == map.end() ? 0 : it->second;
}

} // namespace

const char *version() { return kUnicodeVersion; }

//===----------------------------------------------------------------------===//
// UTF-8
//===----------------------------------------------------------------------===//

void decodeUtf8(std::string_view bytes, std::vector<char32_t> &out) {
  const auto *p = reinterpret_cast<const unsigned char *>(bytes.data());
  const unsigned char *end = p + bytes.size();
  out.reserve(out.size() + bytes.size());
  while (p != end) {
    unsigned char b = *p;
    if (b < 0x80) {
      out.push_back(b);
      ++p;
      continue;
    }
    size_t length;
    char32_t cp;
    unsigned char low = 0x80, high = 0xBF;
    if (b >= 0xC2 && b <= 0xDF) {
      length = 2;
      cp = b & 0x1F;
    } else if (b >= 0xE0 && b <= 0xEF) {
      length = 3;
      cp = b & 0x0F;
      if (b == 0xE0)
        low = 0xA0;
      else if (b == 0xED)
        high = 0x9F;
    } else if (b >= 0xF0 && b <= 0xF4) {
      length = 4;
      cp = b & 0x07;
      if (b == 0xF0)
        low = 0x90;
      else if (b == 0xF4)
        high = 0x8F;
    } else {
      out.push_back(kReplacement); // A stray continuation or invalid lead.
      ++p;
      continue;
    }
    // Consume the longest valid prefix of the sequence; if it is incomplete,
    // that prefix (the maximal subpart) becomes one U+FFFD.
    size_t i = 1;
    for (; i < length; ++i) {
      if (p + i == end)
        break;
      unsigned char c = p[i];
      if (c < (i == 1 ? low : 0x80) || c > (i == 1 ? high : 0xBF))
        break;
      cp = (cp << 6) | (c & 0x3F);
    }
    out.push_back(i == length ? cp : kReplacement);
    p += i;
  }
}

void appendUtf8(char32_t cp, std::string &out) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::string makeValidUtf8(std::string_view bytes) {
  std::vector<char32_t> cps;
  decodeUtf8(bytes, cps);
  std::string out;
  out.reserve(bytes.size());
  for (char32_t cp : cps)
    appendUtf8(cp, out);
  return out;
}

size_t completeUtf8Prefix(std::string_view bytes) {
  const auto *p = reinterpret_cast<const unsigned char *>(bytes.data());
  size_t n = bytes.size();
  // Find the start of the last sequence: at most 3 continuation bytes back.
  for (size_t back = 1; back <= 4 && back <= n; ++back) {
    unsigned char b = p[n - back];
    if (b >= 0x80 && b <= 0xBF)
      continue; // A continuation byte.
    size_t length = b >= 0xC2 && b <= 0xDF   ? 2
                    : b >= 0xE0 && b <= 0xEF ? 3
                    : b >= 0xF0 && b <= 0xF4 ? 4
                                             : 0;
    if (length == 0 || back >= length)
      return n; // ASCII, an invalid lead, or a finished sequence.
    // An unfinished sequence: keep it only if it is a valid prefix.
    unsigned char low = 0x80, high = 0xBF;
    if (b == 0xE0)
      low = 0xA0;
    else if (b == 0xED)
      high = 0x9F;
    else if (b == 0xF0)
      low = 0x90;
    else if (b == 0xF4)
      high = 0x8F;
    if (back >= 2 && (p[n - back + 1] < low || p[n - back + 1] > high))
      return n;
    return n - back;
  }
  return n;
}

//===----------------------------------------------------------------------===//
// Classes
//===----------------------------------------------------------------------===//

uint8_t charFlags(char32_t cp) {
  if (cp < 0x10000)
    return tables().bmp[cp] & 0x0F;
  return Tables::computeFlags(cp);
}

uint8_t combiningClass(char32_t cp) {
  return cp < 0x300 ? 0 : lookupRange(kCombiningClassRanges, cp);
}

//===----------------------------------------------------------------------===//
// NFC
//===----------------------------------------------------------------------===//

bool isTriviallyNfc(const std::vector<char32_t> &text) {
  for (char32_t cp : text)
    if (!isNfcInert(cp))
      return false;
  return true;
}

void toNfc(std::vector<char32_t> &text) {
  if (isTriviallyNfc(text))
    return;

  // 1. Full canonical decomposition.
  std::vector<char32_t> decomposed;
  decomposed.reserve(text.size() + text.size() / 2);
  for (char32_t cp : text)
    decomposeInto(cp, decomposed);

  // 2. Canonical ordering: stable-sort each run of nonzero combining
  // classes by class (sorting (class, position) keys keeps a pathological
  // run of many marks O(n log n)).
  std::vector<uint8_t> classes(decomposed.size());
  for (size_t i = 0; i < decomposed.size(); ++i)
    classes[i] = combiningClass(decomposed[i]);
  for (size_t i = 0; i < decomposed.size();) {
    if (classes[i] == 0) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < decomposed.size() && classes[j] != 0)
      ++j;
    if (j - i > 1) {
      std::vector<uint64_t> keys;
      for (size_t k = i; k < j; ++k)
        keys.push_back((static_cast<uint64_t>(classes[k]) << 32) | (k - i));
      std::sort(keys.begin(), keys.end());
      std::vector<char32_t> run(decomposed.begin() + i, decomposed.begin() + j);
      for (size_t k = i; k < j; ++k) {
        classes[k] = static_cast<uint8_t>(keys[k - i] >> 32);
        decomposed[k] = run[keys[k - i] & 0xFFFFFFFF];
      }
    }
    i = j;
  }

  // 3. Canonical composition: a character composes with the last starter
  // when nothing between them blocks it (a character of class 0 or of a
  // class >= its own).
  text.clear();
  std::vector<uint8_t> outClasses;
  size_t starter = SIZE_MAX;
  for (size_t i = 0; i < decomposed.size(); ++i) {
    char32_t cp = decomposed[i];
    uint8_t ccc = classes[i];
    if (starter != SIZE_MAX) {
      bool adjacent = starter + 1 == text.size();
      uint8_t last = outClasses.back();
      if (adjacent || (last != 0 && last < ccc)) {
        if (char32_t composite = compose(text[starter], cp)) {
          text[starter] = composite;
          continue;
        }
      }
    }
    if (ccc == 0)
      starter = text.size();
    text.push_back(cp);
    outClasses.push_back(ccc);
  }
}

} // namespace mlc::rt::unicode
