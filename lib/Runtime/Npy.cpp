//===- Npy.cpp - NumPy .npy files -----------------------------------------===//
//
// Reads and writes the NumPy .npy format (versions 1.0, 2.0 and 3.0): magic
// "\x93NUMPY", version, header length, then a Python dict literal
//
//   {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
//
// padded with spaces and a newline, then the raw little-endian data in C
// order. The dict is parsed by a small parser of Python literals (strings,
// booleans, integers, tuples and lists), enough for any header numpy writes.
//
//===----------------------------------------------------------------------===//

#include "TensorIOInternal.h"
#include "TensorUtils.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string_view>

using namespace mlc::rt;
using namespace mlc::rt::io;

namespace {

constexpr std::string_view kMagic("\x93NUMPY", 6);

/// A Python literal of an .npy header.
struct PyValue {
  enum Kind { String, Bool, Int, Sequence, None } kind = None;
  std::string string;
  bool boolean = false;
  int64_t integer = 0;
  bool intOverflow = false;
  std::vector<PyValue> elements;
};

/// A recursive-descent parser of the header dict.
class HeaderParser {
public:
  explicit HeaderParser(std::string_view text) : text(text) {}

  /// Parses `{key: value, ...}`; false with `error` set otherwise.
  bool parseDict(std::vector<std::pair<std::string, PyValue>> &entries) {
    skipSpace();
    if (!consume('{'))
      return setError("expected '{'");
    for (;;) {
      skipSpace();
      if (consume('}'))
        break;
      PyValue key;
      if (!parseValue(key, 0))
        return false;
      if (key.kind != PyValue::String)
        return setError("expected a string key");
      skipSpace();
      if (!consume(':'))
        return setError("expected ':' after key '" + key.string + "'");
      PyValue value;
      if (!parseValue(value, 0))
        return false;
      entries.emplace_back(key.string, std::move(value));
      skipSpace();
      if (consume(','))
        continue;
      if (consume('}'))
        break;
      return setError("expected ',' or '}'");
    }
    skipSpace();
    if (pos != text.size())
      return setError("unexpected text after the dict");
    return true;
  }

  std::string error;

private:
  bool setError(std::string message) {
    error = message + " at offset " + std::to_string(pos) + " of the header";
    return false;
  }
  void skipSpace() {
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t' ||
                                 text[pos] == '\n' || text[pos] == '\r'))
      ++pos;
  }
  bool consume(char c) {
    if (pos < text.size() && text[pos] == c) {
      ++pos;
      return true;
    }
    return false;
  }
  bool consumeWord(std::string_view word) {
    if (text.substr(pos, word.size()) != word)
      return false;
    pos += word.size();
    return true;
  }

  bool parseValue(PyValue &value, int depth) {
    if (depth > 32)
      return setError("too deeply nested");
    skipSpace();
    if (pos >= text.size())
      return setError("unexpected end");
    char c = text[pos];
    if (c == '\'' || c == '"') {
      ++pos;
      value.kind = PyValue::String;
      while (pos < text.size() && text[pos] != c) {
        if (text[pos] == '\\')
          return setError("escapes in strings are not supported");
        value.string += text[pos++];
      }
      if (!consume(c))
        return setError("unterminated string");
      return true;
    }
    if (consumeWord("True") || consumeWord("False")) {
      value.kind = PyValue::Bool;
      value.boolean = c == 'T';
      return true;
    }
    if (consumeWord("None")) {
      value.kind = PyValue::None;
      return true;
    }
    if (c == '(' || c == '[') {
      char close = c == '(' ? ')' : ']';
      ++pos;
      value.kind = PyValue::Sequence;
      for (;;) {
        skipSpace();
        if (consume(close))
          return true;
        PyValue element;
        if (!parseValue(element, depth + 1))
          return false;
        value.elements.push_back(std::move(element));
        skipSpace();
        if (consume(','))
          continue;
        if (consume(close))
          return true;
        return setError(std::string("expected ',' or '") + close + "'");
      }
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
      bool negative = consume('-');
      size_t start = pos;
      value.kind = PyValue::Int;
      while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
        value.intOverflow |=
            __builtin_mul_overflow(value.integer, int64_t(10),
                                   &value.integer) ||
            __builtin_add_overflow(value.integer, int64_t(text[pos] - '0'),
                                   &value.integer);
        ++pos;
      }
      if (pos == start)
        return setError("expected digits");
      consume('L'); // Python 2 longs, as in old files: (3L, 4L).
      if (negative)
        value.integer = -value.integer;
      return true;
    }
    return setError(std::string("unexpected character '") + c + "'");
  }

  std::string_view text;
  size_t pos = 0;
};

struct NpyType {
  mlc_dtype dtype;
  const char *descr;
};

constexpr NpyType kNpyTypes[] = {
    {MLC_DTYPE_BOOL, "|b1"}, {MLC_DTYPE_F16, "<f2"}, {MLC_DTYPE_F32, "<f4"},
    {MLC_DTYPE_F64, "<f8"},  {MLC_DTYPE_I8, "|i1"},  {MLC_DTYPE_I16, "<i2"},
    {MLC_DTYPE_I32, "<i4"},  {MLC_DTYPE_I64, "<i8"}, {MLC_DTYPE_U8, "|u1"},
    {MLC_DTYPE_U16, "<u2"},  {MLC_DTYPE_U32, "<u4"}, {MLC_DTYPE_U64, "<u8"},
};

/// The dtype of a descr string; sets `error` and returns INVALID otherwise.
mlc_dtype dtypeOfDescr(const std::string &descr, mlc_status &status,
                       std::string &error) {
  status = MLC_ERROR_UNSUPPORTED;
  if (descr.size() >= 2) {
    char order = descr[0];
    std::string code = descr.substr(1);
    for (const NpyType &type : kNpyTypes) {
      if (code != type.descr + 1)
        continue;
      bool oneByte = dtypeSize(type.dtype) == 1;
      if (order == '<' || order == '|' || order == '=' ||
          (oneByte && order == '>'))
        return type.dtype;
      if (order == '>') {
        error = "big-endian data (descr '" + descr +
                "') is not supported; convert with "
                "arr.astype(arr.dtype.newbyteorder('<'))";
        return MLC_DTYPE_INVALID;
      }
    }
  }
  error = "dtype '" + descr +
          "' is not supported (expected bool, float16/32/64, int8..int64 or "
          "uint8..uint64)";
  return MLC_DTYPE_INVALID;
}

const char *descrOf(mlc_dtype dtype) {
  if (dtype == MLC_DTYPE_BF16)
    return "<f4";
  for (const NpyType &type : kNpyTypes)
    if (type.dtype == dtype)
      return type.descr;
  return nullptr;
}

uint32_t readLE(const unsigned char *p, int bytes) {
  uint32_t v = 0;
  for (int i = bytes - 1; i >= 0; --i)
    v = (v << 8) | p[i];
  return v;
}

} // namespace

mlc_status mlc_tensor_parse_npy(const void *bytesIn, size_t size,
                                const char *whatIn, mlc_tensor_buffer **out) {
  if (!out)
    return fail(MLC_ERROR_INVALID_ARGUMENT,
                "mlc_tensor_parse_npy: out is NULL");
  *out = nullptr;
  std::string what = std::string("'") + (whatIn ? whatIn : "<memory>") + "'";
  if (!bytesIn && size)
    return fail(MLC_ERROR_INVALID_ARGUMENT, what + ": bytes are NULL");
  const auto *bytes = static_cast<const unsigned char *>(bytesIn);
  auto malformed = [&](const std::string &message) {
    return fail(MLC_ERROR_INVALID_FILE,
                what + ": malformed .npy file: " + message);
  };

  if (size < 10 ||
      std::string_view(reinterpret_cast<const char *>(bytes), 6) != kMagic)
    return malformed(size < 6 ? "shorter than the magic string"
                              : "bad magic (not a .npy file)");
  unsigned major = bytes[6], minor = bytes[7];
  size_t headerStart, headerLength;
  if (major == 1) {
    headerStart = 10;
    headerLength = readLE(bytes + 8, 2);
  } else if (major == 2 || major == 3) {
    if (size < 12)
      return malformed("truncated header length");
    headerStart = 12;
    headerLength = readLE(bytes + 8, 4);
  } else {
    return fail(MLC_ERROR_UNSUPPORTED,
                what + ": .npy format version " + std::to_string(major) + "." +
                    std::to_string(minor) + " is not supported (1.0 to 3.0)");
  }
  if (headerLength > size - headerStart)
    return malformed("the header (" + std::to_string(headerLength) +
                     " bytes) runs past the end of the file (" +
                     std::to_string(size) + " bytes)");

  std::string_view header(reinterpret_cast<const char *>(bytes) + headerStart,
                          headerLength);
  HeaderParser parser(header);
  std::vector<std::pair<std::string, PyValue>> entries;
  if (!parser.parseDict(entries))
    return malformed(parser.error);
  const PyValue *descr = nullptr, *fortran = nullptr, *shape = nullptr;
  for (const auto &[key, value] : entries) {
    if (key == "descr")
      descr = &value;
    else if (key == "fortran_order")
      fortran = &value;
    else if (key == "shape")
      shape = &value;
  }
  if (!descr || !fortran || !shape)
    return malformed(std::string("the header lacks the key '") +
                     (!descr     ? "descr"
                      : !fortran ? "fortran_order"
                                 : "shape") +
                     "'");
  if (descr->kind == PyValue::Sequence)
    return fail(MLC_ERROR_UNSUPPORTED,
                what + ": structured dtypes are not supported");
  if (descr->kind != PyValue::String)
    return malformed("'descr' is not a string");
  if (fortran->kind != PyValue::Bool)
    return malformed("'fortran_order' is not True or False");
  if (shape->kind != PyValue::Sequence)
    return malformed("'shape' is not a tuple");

  mlc_status status;
  std::string error;
  mlc_dtype dtype = dtypeOfDescr(descr->string, status, error);
  if (dtype == MLC_DTYPE_INVALID)
    return fail(status, what + ": " + error);

  std::vector<int64_t> dims;
  for (const PyValue &dim : shape->elements) {
    if (dim.kind != PyValue::Int || dim.intOverflow || dim.integer < 0)
      return malformed("'shape' holds something other than sizes");
    dims.push_back(dim.integer);
  }
  if (fortran->boolean && dims.size() > 1)
    return fail(MLC_ERROR_UNSUPPORTED,
                what + ": Fortran-order arrays are not supported; save a "
                       "C-order array (np.ascontiguousarray)");

  BufferPtr buffer;
  if (mlc_status status = makeBuffer(dtype, std::move(dims), what, buffer))
    return status;
  int64_t count = 1;
  checkedNumElements(buffer->view.rank, buffer->shape.data(), count);
  size_t dataBytes = static_cast<size_t>(count) * dtypeSize(dtype);
  size_t dataStart = headerStart + headerLength;
  if (size - dataStart < dataBytes)
    return malformed(
        "truncated: shape " +
        formatShape(buffer->view.rank, buffer->shape.data()) + " of " +
        descr->string + " needs " + std::to_string(dataBytes) +
        " bytes of data, the file has " + std::to_string(size - dataStart));
  if (dataBytes)
    std::memcpy(buffer->data, bytes + dataStart, dataBytes);
  *out = buffer.release();
  return MLC_OK;
}

mlc_status mlc_tensor_serialize_npy(const mlc_tensor *t, const char *whatIn,
                                    void **bytesOut, size_t *sizeOut) {
  std::string what = std::string("'") + (whatIn ? whatIn : "<memory>") + "'";
  if (!t || !bytesOut || !sizeOut)
    return fail(MLC_ERROR_INVALID_ARGUMENT,
                "mlc_tensor_serialize_npy: NULL argument");
  *bytesOut = nullptr;
  *sizeOut = 0;
  const char *descr = descrOf(t->dtype);
  if (!descr)
    return fail(MLC_ERROR_INVALID_ARGUMENT,
                what + ": invalid dtype " + std::to_string(int(t->dtype)));
  int64_t count;
  size_t bytes;
  if (t->rank < 0 || t->rank > int32_t(kMaxFileRank) ||
      (t->rank > 0 && !t->shape) ||
      !checkedNumElements(t->rank, t->shape, count) ||
      !checkedByteSize(count, dtypeSize(t->dtype), bytes))
    return fail(MLC_ERROR_INVALID_ARGUMENT, what + ": bad rank or shape");
  if (count > 0 && !t->data)
    return fail(MLC_ERROR_INVALID_ARGUMENT, what + ": data is NULL");

  std::string dict = std::string("{'descr': '") + descr +
                     "', 'fortran_order': False, 'shape': (";
  for (int32_t i = 0; i < t->rank; ++i)
    dict += std::to_string(t->shape[i]) + (t->rank == 1      ? ","
                                           : i + 1 < t->rank ? ", "
                                                             : "");
  dict += "), }";
  // Pad with spaces and a newline so that the data starts 64-byte aligned.
  size_t prefix = 10;
  size_t total = (prefix + dict.size() + 1 + 63) / 64 * 64;
  if (total - prefix > 65535) {
    prefix = 12;
    total = (prefix + dict.size() + 1 + 63) / 64 * 64;
  }
  size_t headerLength = total - prefix;
  dict.append(headerLength - dict.size() - 1, ' ');
  dict += '\n';

  size_t outBytes = t->dtype == MLC_DTYPE_BF16 ? bytes * 2 : bytes;
  size_t fileSize = total + outBytes;
  auto *file =
      static_cast<unsigned char *>(std::malloc(fileSize ? fileSize : 1));
  if (!file)
    return fail(MLC_ERROR_OUT_OF_MEMORY, what + ": cannot allocate " +
                                             std::to_string(fileSize) +
                                             " bytes");
  std::memcpy(file, kMagic.data(), kMagic.size());
  file[6] = prefix == 10 ? 1 : 2;
  file[7] = 0;
  for (size_t i = 0; i < prefix - 8; ++i)
    file[8 + i] = static_cast<unsigned char>(headerLength >> (8 * i));
  std::memcpy(file + prefix, dict.data(), dict.size());
  unsigned char *data = file + total;
  if (t->dtype != MLC_DTYPE_BF16) {
    copyToDense(*t, data);
  } else if (count > 0) {
    std::vector<uint16_t> halves(static_cast<size_t>(count));
    copyToDense(*t, halves.data());
    for (size_t i = 0; i < halves.size(); ++i) {
      float f = bf16ToFloat(halves[i]);
      std::memcpy(data + 4 * i, &f, 4);
    }
  }
  *bytesOut = file;
  *sizeOut = fileSize;
  return MLC_OK;
}

mlc_status mlc_tensor_write_npy(const char *path, const mlc_tensor *t) {
  if (!path)
    return fail(MLC_ERROR_INVALID_ARGUMENT,
                "mlc_tensor_write_npy: path is NULL");
  void *bytes;
  size_t size;
  if (mlc_status status = mlc_tensor_serialize_npy(t, path, &bytes, &size))
    return status;
  std::FILE *file = std::fopen(path, "wb");
  if (!file) {
    std::free(bytes);
    return fail(MLC_ERROR_IO, std::string("cannot create '") + path +
                                  "': " + std::strerror(errno));
  }
  bool ok = std::fwrite(bytes, 1, size, file) == size;
  int error = errno;
  std::free(bytes);
  if (std::fclose(file) != 0 && ok) {
    ok = false;
    error = errno;
  }
  if (!ok)
    return fail(MLC_ERROR_IO, std::string("cannot write '") + path +
                                  "': " + std::strerror(error));
  return MLC_OK;
}
