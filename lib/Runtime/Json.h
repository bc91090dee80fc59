//===- Json.h - a small strict JSON parser for libmlcrt ---------*- C++ -*-===//
//
// A strict RFC 8259 parser for the files of a model checkpoint
// (tokenizer.json, tokenizer_config.json). It builds a flat "tape" of nodes
// in one vector and copies the (unescaped) strings into one arena, so an
// 11 MB tokenizer.json parses without a heap allocation per value.
//
// Strict means: no comments, no trailing commas, no NaN/Infinity, no leading
// zeros, no control characters or invalid UTF-8 inside strings, no lone
// surrogates in \u escapes, nothing but whitespace after the value. A UTF-8
// byte order mark at the start is skipped. Nesting is limited (default 128)
// so a "[[[[..." bomb fails with an error instead of overflowing the stack.
// Errors give the byte offset, line and column of the problem.
//
// Duplicate object keys are kept; find() returns the first.
//
//===----------------------------------------------------------------------===//

#ifndef MLC_LIB_RUNTIME_JSON_H
#define MLC_LIB_RUNTIME_JSON_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mlc::rt::json {

enum class Kind : uint8_t {
  Missing,
  Null,
  Bool,
  Number,
  String,
  Array,
  Object
};

/// The name of a kind for messages ("string", "object", ...).
const char *kindName(Kind kind);

class Document;
class Value;

/// `value` as compact JSON for a message (`[2,-1]`, `"eight"`, `2.5`), cut
/// to `maxChars` with "..." when longer.
std::string summarize(const Value &value, size_t maxChars = 40);

/// A read-only handle to a value inside a Document (valid while the Document
/// lives). A default-constructed Value, or the result of find() for an absent
/// key, has kind Missing.
class Value {
public:
  Value() = default;

  Kind kind() const;
  bool isMissing() const { return kind() == Kind::Missing; }
  bool isNull() const { return kind() == Kind::Null; }
  bool isBool() const { return kind() == Kind::Bool; }
  bool isNumber() const { return kind() == Kind::Number; }
  bool isString() const { return kind() == Kind::String; }
  bool isArray() const { return kind() == Kind::Array; }
  bool isObject() const { return kind() == Kind::Object; }

  bool boolean() const;
  double number() const;
  /// True when the number was written without fraction or exponent and fits
  /// in int64_t; then *out is its value.
  bool integer(int64_t *out) const;
  /// The unescaped UTF-8 bytes of a string ("" for other kinds).
  std::string_view string() const;

  /// Number of elements of an array or members of an object.
  size_t size() const;
  /// Element `index` of an array (Missing if out of range).
  Value at(size_t index) const;
  /// The first member named `key` of an object (Missing if none).
  Value find(std::string_view key) const;

  /// Byte offset of the value in the parsed text (for messages).
  size_t offset() const;

  /// Iterates the elements of an array, or the values of an object's members
  /// (key() gives the member's name).
  class Iterator {
  public:
    Value operator*() const { return Value(document, valueIndex()); }
    std::string_view key() const;
    Iterator &operator++();
    bool operator!=(const Iterator &other) const {
      return remaining != other.remaining;
    }

  private:
    friend class Value;
    Iterator(const Document *document, uint32_t node, bool object,
             size_t remaining)
        : document(document), node(node), object(object), remaining(remaining) {
    }
    uint32_t valueIndex() const { return object ? node + 1 : node; }
    const Document *document;
    uint32_t node;
    bool object;
    size_t remaining;
  };
  Iterator begin() const;
  Iterator end() const;

private:
  friend class Document;
  Value(const Document *document, uint32_t index)
      : document(document), index(index) {}
  const Document *document = nullptr;
  uint32_t index = 0;
};

/// A parsed JSON text.
class Document {
public:
  /// Parses `text`. On failure returns false and sets `error` to a message
  /// such as "byte 120 (line 3, column 7): expected ',' or '}' in object".
  bool parse(std::string_view text, std::string &error,
             unsigned maxDepth = 128);

  /// The top-level value (Missing before a successful parse).
  Value root() const { return nodes.empty() ? Value() : Value(this, 0); }

  /// "byte B (line L, column C)" for a byte offset of `text` (lines and
  /// columns count from 1, columns in bytes).
  static std::string describeOffset(std::string_view text, size_t offset);

private:
  friend class Value;
  friend class Parser;
  struct Node {
    Kind kind;
    bool flag;       ///< Bool: the value; Number: an exact int64 is stored.
    uint32_t count;  ///< Array elements, object members, string length.
    uint32_t end;    ///< Index one past the node's subtree.
    uint32_t offset; ///< Byte offset in the text.
    union {
      double real;
      int64_t whole;
      uint32_t stringStart; ///< Offset of a string in `strings`.
    };
  };
  std::vector<Node> nodes;
  std::string strings;
};

} // namespace mlc::rt::json

#endif // MLC_LIB_RUNTIME_JSON_H
