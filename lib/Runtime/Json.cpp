//===- Json.cpp - a small strict JSON parser for libmlcrt -----------------===//
//
// A recursive-descent parser writing the flat node tape of Json.h. The
// recursion depth is bounded by maxDepth; every other loop is iterative.
//
//===----------------------------------------------------------------------===//

#include "Json.h"
#include "Unicode.h"

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>

namespace mlc::rt::json {

const char *kindName(Kind kind) {
  switch (kind) {
  case Kind::Missing:
    return "nothing";
  case Kind::Null:
    return "null";
  case Kind::Bool:
    return "boolean";
  case Kind::Number:
    return "number";
  case Kind::String:
    return "string";
  case Kind::Array:
    return "array";
  case Kind::Object:
    return "object";
  }
  return "?";
}

//===----------------------------------------------------------------------===//
// Value
//===----------------------------------------------------------------------===//

Kind Value::kind() const {
  return document ? document->nodes[index].kind : Kind::Missing;
}

bool Value::boolean() const { return isBool() && document->nodes[index].flag; }

double Value::number() const {
  if (!isNumber())
    return 0;
  const Document::Node &node = document->nodes[index];
  return node.flag ? static_cast<double>(node.whole) : node.real;
}

bool Value::integer(int64_t *out) const {
  if (!isNumber() || !document->nodes[index].flag)
    return false;
  *out = document->nodes[index].whole;
  return true;
}

std::string_view Value::string() const {
  if (!isString())
    return {};
  const Document::Node &node = document->nodes[index];
  return std::string_view(document->strings)
      .substr(node.stringStart, node.count);
}

size_t Value::size() const {
  return isArray() || isObject() ? document->nodes[index].count : 0;
}

Value Value::at(size_t i) const {
  if (!isArray() || i >= size())
    return Value();
  uint32_t child = index + 1;
  for (; i > 0; --i)
    child = document->nodes[child].end;
  return Value(document, child);
}

Value Value::find(std::string_view key) const {
  if (!isObject())
    return Value();
  for (Iterator it = begin(), e = end(); it != e; ++it)
    if (it.key() == key)
      return *it;
  return Value();
}

size_t Value::offset() const {
  return document ? document->nodes[index].offset : 0;
}

Value::Iterator Value::begin() const {
  return Iterator(document, index + 1, isObject(), size());
}

Value::Iterator Value::end() const {
  return Iterator(document, 0, isObject(), 0);
}

std::string_view Value::Iterator::key() const {
  return object ? Value(document, node).string() : std::string_view();
}

Value::Iterator &Value::Iterator::operator++() {
  // An object member is a key node (a leaf) followed by the value's subtree.
  node = document->nodes[valueIndex()].end;
  --remaining;
  return *this;
}

namespace {
/// Appends compact JSON for `value` to `out`, stopping once `out` holds more
/// than `limit` bytes.
void appendJson(const Value &value, std::string &out, size_t limit) {
  if (out.size() > limit)
    return;
  switch (value.kind()) {
  case Kind::Missing:
    return;
  case Kind::Null:
    out += "null";
    return;
  case Kind::Bool:
    out += value.boolean() ? "true" : "false";
    return;
  case Kind::Number: {
    int64_t whole;
    if (value.integer(&whole)) {
      out += std::to_string(whole);
      return;
    }
    // The shortest form that reads back as the same double.
    char buffer[32];
    for (int precision = 1; precision <= 17; ++precision) {
      std::snprintf(buffer, sizeof buffer, "%.*g", precision, value.number());
      if (std::strtod(buffer, nullptr) == value.number())
        break;
    }
    out += buffer;
    return;
  }
  case Kind::String:
    out += '"';
    for (char c : value.string()) {
      if (c == '"' || c == '\\')
        out += '\\';
      out += c;
    }
    out += '"';
    return;
  case Kind::Array:
  case Kind::Object: {
    bool object = value.isObject();
    out += object ? '{' : '[';
    bool first = true;
    for (auto it = value.begin(); it != value.end(); ++it) {
      if (!first)
        out += ',';
      first = false;
      if (object) {
        out += '"';
        out += it.key();
        out += "\":";
      }
      appendJson(*it, out, limit);
      if (out.size() > limit)
        return;
    }
    out += object ? '}' : ']';
    return;
  }
  }
}
} // namespace

std::string summarize(const Value &value, size_t maxChars) {
  std::string text;
  appendJson(value, text, maxChars);
  if (text.size() > maxChars)
    text = text.substr(0, maxChars > 3 ? maxChars - 3 : 0) + "...";
  return text;
}

//===----------------------------------------------------------------------===//
// Parser
//===----------------------------------------------------------------------===//

std::string Document::describeOffset(std::string_view text, size_t offset) {
  size_t line = 1, lineStart = 0;
  for (size_t i = 0; i < offset && i < text.size(); ++i)
    if (text[i] == '\n') {
      ++line;
      lineStart = i + 1;
    }
  return "byte " + std::to_string(offset) + " (line " + std::to_string(line) +
         ", column " + std::to_string(offset - lineStart + 1) + ")";
}

/// The length of the valid UTF-8 sequence at p (a byte >= 0x80), 0 if the
/// bytes there are not one.
static size_t utf8SequenceLength(const unsigned char *p,
                                 const unsigned char *end) {
  unsigned char b = p[0];
  size_t length;
  unsigned char low = 0x80, high = 0xBF; // Allowed range of the second byte.
  if (b >= 0xC2 && b <= 0xDF) {
    length = 2;
  } else if (b >= 0xE0 && b <= 0xEF) {
    length = 3;
    if (b == 0xE0)
      low = 0xA0; // No overlong forms.
    else if (b == 0xED)
      high = 0x9F; // No surrogates.
  } else if (b >= 0xF0 && b <= 0xF4) {
    length = 4;
    if (b == 0xF0)
      low = 0x90;
    else if (b == 0xF4)
      high = 0x8F; // Nothing above U+10FFFF.
  } else {
    return 0;
  }
  if (static_cast<size_t>(end - p) < length || p[1] < low || p[1] > high)
    return 0;
  for (size_t i = 2; i < length; ++i)
    if (p[i] < 0x80 || p[i] > 0xBF)
      return 0;
  return length;
}


class Parser {
public:
  Parser(std::string_view text, Document &document, unsigned maxDepth)
      : text(text), begin(reinterpret_cast<const unsigned char *>(text.data())),
        p(begin), end(begin + text.size()), document(document),
        maxDepth(maxDepth) {}

  bool run(std::string &error) {
    document.nodes.clear();
    document.strings.clear();
    if (text.size() >= std::numeric_limits<uint32_t>::max())
      return fail(begin, "text larger than 4 GiB", error);
    if (text.size() >= 3 && std::memcmp(p, "\xEF\xBB\xBF", 3) == 0)
      p += 3; // A UTF-8 byte order mark.
    skipWhitespace();
    if (p == end)
      return fail(p, "empty text, expected a JSON value", error);
    if (!parseValue(0))
      return fail(errorAt, message, error);
    skipWhitespace();
    if (p != end)
      return fail(p, "unexpected text after the JSON value", error);
    return true;
  }

private:
  bool fail(const unsigned char *at, const std::string &what,
            std::string &error) {
    error = Document::describeOffset(text, static_cast<size_t>(at - begin)) +
            ": " + what;
    document.nodes.clear();
    document.strings.clear();
    return false;
  }

  /// Records the first error; returns false.
  bool error(const unsigned char *at, std::string what) {
    errorAt = at;
    message = std::move(what);
    return false;
  }

  bool truncated() {
    return error(end, "unexpected end of the text (truncated file?)");
  }

  void skipWhitespace() {
    while (p != end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
      ++p;
  }

  uint32_t addNode(Kind kind, const unsigned char *at) {
    Document::Node node{};
    node.kind = kind;
    node.offset = static_cast<uint32_t>(at - begin);
    document.nodes.push_back(node);
    return static_cast<uint32_t>(document.nodes.size() - 1);
  }

  void close(uint32_t node) {
    document.nodes[node].end = static_cast<uint32_t>(document.nodes.size());
  }

  bool literal(const char *word, size_t length) {
    if (static_cast<size_t>(end - p) < length)
      return std::memcmp(p, word, static_cast<size_t>(end - p)) == 0
                 ? truncated()
                 : error(p, "invalid literal");
    if (std::memcmp(p, word, length) != 0)
      return error(p, "invalid literal");
    p += length;
    return true;
  }

  bool parseValue(unsigned depth) {
    if (p == end)
      return truncated();
    const unsigned char *at = p;
    switch (*p) {
    case '{':
    case '[':
      if (depth >= maxDepth)
        return error(p, "nesting deeper than " + std::to_string(maxDepth) +
                            " levels");
      return *p == '{' ? parseObject(depth + 1) : parseArray(depth + 1);
    case '"':
      return parseString();
    case 't':
    case 'f': {
      bool value = *p == 't';
      if (!(value ? literal("true", 4) : literal("false", 5)))
        return false;
      uint32_t node = addNode(Kind::Bool, at);
      document.nodes[node].flag = value;
      close(node);
      return true;
    }
    case 'n':
      if (!literal("null", 4))
        return false;
      close(addNode(Kind::Null, at));
      return true;
    default:
      if (*p == '-' || (*p >= '0' && *p <= '9'))
        return parseNumber();
      return error(p, describeUnexpected("expected a JSON value"));
    }
  }

  std::string describeUnexpected(const char *expected) {
    if (p == end)
      return std::string(expected) + ", got the end of the text";
    if (*p >= 0x20 && *p < 0x7F)
      return std::string(expected) + ", got '" + static_cast<char>(*p) + "'";
    char hex[8];
    std::snprintf(hex, sizeof(hex), "0x%02X", *p);
    return std::string(expected) + ", got byte " + hex;
  }

  bool parseArray(unsigned depth) {
    uint32_t node = addNode(Kind::Array, p);
    ++p;
    skipWhitespace();
    uint32_t count = 0;
    if (p != end && *p == ']') {
      ++p;
    } else {
      while (true) {
        if (!parseValue(depth))
          return false;
        ++count;
        skipWhitespace();
        if (p == end)
          return truncated();
        if (*p == ']') {
          ++p;
          break;
        }
        if (*p != ',')
          return error(p, describeUnexpected("expected ',' or ']' in array"));
        ++p;
        skipWhitespace();
      }
    }
    document.nodes[node].count = count;
    close(node);
    return true;
  }

  bool parseObject(unsigned depth) {
    uint32_t node = addNode(Kind::Object, p);
    ++p;
    skipWhitespace();
    uint32_t count = 0;
    if (p != end && *p == '}') {
      ++p;
    } else {
      while (true) {
        if (p == end)
          return truncated();
        if (*p != '"')
          return error(p, describeUnexpected("expected a string key"));
        if (!parseString())
          return false;
        skipWhitespace();
        if (p == end)
          return truncated();
        if (*p != ':')
          return error(p, describeUnexpected("expected ':' after the key"));
        ++p;
        skipWhitespace();
        if (!parseValue(depth))
          return false;
        ++count;
        skipWhitespace();
        if (p == end)
          return truncated();
        if (*p == '}') {
          ++p;
          break;
        }
        if (*p != ',')
          return error(p, describeUnexpected("expected ',' or '}' in object"));
        ++p;
        skipWhitespace();
      }
    }
    document.nodes[node].count = count;
    close(node);
    return true;
  }

  bool hex4(const unsigned char *at, uint32_t &value) {
    if (end - at < 4)
      return truncated();
    value = 0;
    for (int i = 0; i < 4; ++i) {
      unsigned char c = at[i];
      uint32_t digit;
      if (c >= '0' && c <= '9')
        digit = c - '0';
      else if (c >= 'a' && c <= 'f')
        digit = c - 'a' + 10;
      else if (c >= 'A' && c <= 'F')
        digit = c - 'A' + 10;
      else
        return error(at + i, "invalid hex digit in \\u escape");
      value = value * 16 + digit;
    }
    return true;
  }

  bool parseString() {
    const unsigned char *at = p;
    ++p; // '"'
    std::string &out = document.strings;
    size_t start = out.size();
    while (true) {
      // Copy a run of plain ASCII at once.
      const unsigned char *run = p;
      while (p != end && *p != '"' && *p != '\\' && *p >= 0x20 && *p < 0x80)
        ++p;
      out.append(reinterpret_cast<const char *>(run),
                 static_cast<size_t>(p - run));
      if (p == end)
        return truncated();
      unsigned char c = *p;
      if (c == '"') {
        ++p;
        break;
      }
      if (c < 0x20)
        return error(p, "unescaped control character in string");
      if (c >= 0x80) {
        size_t length = utf8SequenceLength(p, end);
        if (length == 0)
          return error(p, "invalid UTF-8 in string");
        out.append(reinterpret_cast<const char *>(p), length);
        p += length;
        continue;
      }
      // An escape.
      const unsigned char *escape = p;
      if (++p == end)
        return truncated();
      switch (*p++) {
      case '"':
        out += '"';
        break;
      case '\\':
        out += '\\';
        break;
      case '/':
        out += '/';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'u': {
        uint32_t cp;
        if (!hex4(p, cp))
          return false;
        p += 4;
        if (cp >= 0xDC00 && cp <= 0xDFFF)
          return error(escape, "lone low surrogate in \\u escape");
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          uint32_t low;
          if (end - p < 2)
            return truncated();
          if (p[0] != '\\' || p[1] != 'u')
            return error(escape, "lone high surrogate in \\u escape");
          if (!hex4(p + 2, low))
            return false;
          if (low < 0xDC00 || low > 0xDFFF)
            return error(escape, "lone high surrogate in \\u escape");
          p += 6;
          cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        }
        unicode::appendUtf8(static_cast<char32_t>(cp), out);
        break;
      }
      default:
        return error(escape, "invalid escape in string");
      }
    }
    if (out.size() >= std::numeric_limits<uint32_t>::max())
      return error(at, "strings larger than 4 GiB");
    uint32_t node = addNode(Kind::String, at);
    document.nodes[node].stringStart = static_cast<uint32_t>(start);
    document.nodes[node].count = static_cast<uint32_t>(out.size() - start);
    close(node);
    return true;
  }

  bool parseNumber() {
    const unsigned char *at = p;
    auto digits = [&]() {
      const unsigned char *first = p;
      while (p != end && *p >= '0' && *p <= '9')
        ++p;
      return p != first;
    };
    if (*p == '-')
      ++p;
    if (p == end)
      return truncated();
    if (*p == '0') {
      ++p;
      if (p != end && *p >= '0' && *p <= '9')
        return error(at, "leading zero in number");
    } else if (!digits()) {
      return error(p, describeUnexpected("expected a digit"));
    }
    bool integral = true;
    if (p != end && *p == '.') {
      ++p;
      integral = false;
      if (!digits())
        return p == end ? truncated()
                        : error(p, describeUnexpected("expected a digit"));
    }
    if (p != end && (*p == 'e' || *p == 'E')) {
      ++p;
      integral = false;
      if (p != end && (*p == '+' || *p == '-'))
        ++p;
      if (!digits())
        return p == end ? truncated()
                        : error(p, describeUnexpected("expected a digit"));
    }
    const char *first = reinterpret_cast<const char *>(at);
    const char *last = reinterpret_cast<const char *>(p);
    uint32_t node = addNode(Kind::Number, at);
    Document::Node &n = document.nodes[node];
    int64_t whole;
    if (integral &&
        std::from_chars(first, last, whole).ec == std::errc() /*fits*/) {
      n.flag = true;
      n.whole = whole;
    } else {
      double real = 0;
      auto result = std::from_chars(first, last, real);
      if (result.ec == std::errc::result_out_of_range)
        return error(at, "number out of range");
      n.flag = false;
      n.real = real;
    }
    close(node);
    return true;
  }

  std::string_view text;
  const unsigned char *begin, *p, *end;
  Document &document;
  unsigned maxDepth;
  const unsigned char *errorAt = nullptr;
  std::string message;
};

bool Document::parse(std::string_view text, std::string &error,
                     unsigned maxDepth) {
  Parser parser(text, *this, maxDepth);
  return parser.run(error);
}

} // namespace mlc::rt::json
