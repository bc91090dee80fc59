//===- Metadata.cpp - parsing a compiled module's metadata text -----------===//
//
// Parser of the line-based metadata format of mlc-c/Module.h:
//
//   mlc-module 1
//   input  NAME DTYPE DIM...
//   output NAME DTYPE DIM...
//   param  NAME DTYPE OFFSET DIM...
//
// and of its version 2, where `entry NAME` lines start each entry point's
// lines, `inout` lines are inputs updated in place, and a param's OFFSET may
// be `extern`. CUDA modules (either version) have a `target cuda` line right
// after the header and, after all entry points, `kernel NAME` (NAME
// percent-encoded) and `image ARCH FORMAT OFFSET SIZE` lines.
//
// Tokens are separated by spaces or tabs; empty lines and lines of unknown
// kinds are skipped (later versions may add lines).
//
//===----------------------------------------------------------------------===//

#include "Metadata.h"
#include "TensorUtils.h"

#include "mlc-c/Module.h"

#include <cstring>

namespace mlc::rt {

namespace {

int hexValue(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/// A non-negative decimal number that fits int64_t (no sign, no spaces).
bool parseDecimal(std::string_view s, int64_t &value) {
  if (s.empty())
    return false;
  value = 0;
  for (char c : s) {
    if (c < '0' || c > '9')
      return false;
    if (__builtin_mul_overflow(value, int64_t(10), &value) ||
        __builtin_add_overflow(value, int64_t(c - '0'), &value))
      return false;
  }
  return true;
}

std::vector<std::string_view> splitTokens(std::string_view line) {
  std::vector<std::string_view> tokens;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t'))
      ++i;
    size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t')
      ++i;
    if (i > start)
      tokens.push_back(line.substr(start, i - start));
  }
  return tokens;
}

std::string quoteLine(std::string_view line) {
  constexpr size_t kMax = 80;
  std::string s(line.substr(0, kMax));
  if (line.size() > kMax)
    s += "...";
  return "'" + s + "'";
}

/// "sm_XY" (or sm_XYZ: X is all digits but the last) into the compute
/// capability X.Y; a trailing `a` (sm_90a: features of that version only)
/// sets `specific`.
bool parseArch(KernelImage &image) {
  std::string_view arch = image.arch;
  image.specific = !arch.empty() && arch.back() == 'a';
  if (image.specific)
    arch.remove_suffix(1);
  if (arch.size() < 5 || arch.size() > 6 || arch.substr(0, 3) != "sm_" ||
      arch[3] == '0')
    return false;
  int64_t value;
  if (!parseDecimal(arch.substr(3), value))
    return false;
  image.major = static_cast<int>(value / 10);
  image.minor = static_cast<int>(value % 10);
  return true;
}

/// Parses a `kernel` or `image` line (`kind`) of a CUDA module into
/// `metadata`; false with `error` (without the line prefix) on a bad line.
bool parseCudaLine(std::string_view kind,
                   const std::vector<std::string_view> &tokens, int lineNo,
                   ModuleMetadata &metadata, std::string &error) {
  if (metadata.target != Target::Cuda) {
    error = "'" + std::string(kind) +
            "' line in a module without a 'target cuda' line";
    return false;
  }
  if (kind == "kernel") {
    std::string name;
    if (tokens.size() != 2) {
      error = "expected 'kernel NAME'";
      return false;
    }
    if (!percentDecode(tokens[1], name)) {
      error = "bad percent-encoding in kernel name '" + std::string(tokens[1]) +
              "'";
      return false;
    }
    for (const std::string &kernel : metadata.kernels)
      if (kernel == name) {
        error = "kernel '" + name + "' is declared twice";
        return false;
      }
    metadata.kernels.push_back(std::move(name));
    return true;
  }
  if (tokens.size() != 5) {
    error = "expected 'image ARCH FORMAT OFFSET SIZE'";
    return false;
  }
  KernelImage image;
  image.arch = std::string(tokens[1]);
  image.line = lineNo;
  if (!parseArch(image)) {
    error = "bad architecture '" + image.arch +
            "' (expected sm_XY for compute capability X.Y, or sm_XYa)";
    return false;
  }
  if (tokens[2] != "cubin" && tokens[2] != "ptx") {
    error = "bad image format '" + std::string(tokens[2]) +
            "' (expected cubin or ptx)";
    return false;
  }
  image.ptx = tokens[2] == "ptx";
  int64_t offset, size;
  if (!parseDecimal(tokens[3], offset) || !parseDecimal(tokens[4], size) ||
      size == 0) {
    error = "bad offset or size of the " + image.describe() +
            " image (expected decimal numbers, a size above 0)";
    return false;
  }
  image.offset = static_cast<uint64_t>(offset);
  image.size = static_cast<uint64_t>(size);
  if (image.offset % 64) {
    error = "the " + image.describe() + " image's offset " +
            std::to_string(offset) + " is not 64-byte aligned";
    return false;
  }
  for (const KernelImage &other : metadata.images)
    if (other.arch == image.arch && other.ptx == image.ptx) {
      error = "a second " + image.describe() + " image (the first is on line " +
              std::to_string(other.line) + ")";
      return false;
    }
  metadata.images.push_back(std::move(image));
  return true;
}

} // namespace

bool percentDecode(std::string_view encoded, std::string &decoded) {
  decoded.clear();
  decoded.reserve(encoded.size());
  for (size_t i = 0; i < encoded.size(); ++i) {
    char c = encoded[i];
    if (c != '%') {
      if (c == '\0')
        return false;
      decoded += c;
      continue;
    }
    if (i + 2 >= encoded.size())
      return false;
    int hi = hexValue(encoded[i + 1]), lo = hexValue(encoded[i + 2]);
    if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
      return false;
    decoded += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return true;
}

std::string percentEncode(std::string_view name) {
  static const char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : name) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
        (c >= '0' && c <= '9') || std::strchr("._:/-", c)) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

bool parseMetadata(std::string_view text, ModuleMetadata &metadata,
                   std::string &error, bool &unsupported) {
  metadata = ModuleMetadata();
  unsupported = false;
  bool sawHeader = false;
  // Whether a line follows the header (`target` must come first), and
  // whether a kernel or image line was seen (they follow all entry points).
  bool sawBody = false, sawCudaLines = false;
  size_t pos = 0;
  for (int lineNo = 1; pos <= text.size(); ++lineNo) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos)
      end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (!line.empty() && line.back() == '\r')
      line.remove_suffix(1);
    std::vector<std::string_view> tokens = splitTokens(line);
    if (tokens.empty())
      continue;
    std::string where =
        "line " + std::to_string(lineNo) + " " + quoteLine(line) + ": ";

    if (!sawHeader) {
      if (tokens[0] != "mlc-module" || tokens.size() != 2) {
        error = where + "expected the header 'mlc-module " +
                std::to_string(MLC_MODULE_ABI_VERSION) + "'";
        return false;
      }
      int64_t version;
      if (!parseDecimal(tokens[1], version)) {
        error = where + "bad version '" + std::string(tokens[1]) + "'";
        return false;
      }
      if (version != MLC_MODULE_ABI_VERSION &&
          version != MLC_MODULE_ABI_VERSION_MULTI_ENTRY) {
        error = where + "metadata version " + std::to_string(version) +
                " is not supported (this runtime reads versions " +
                std::to_string(MLC_MODULE_ABI_VERSION) + " and " +
                std::to_string(MLC_MODULE_ABI_VERSION_MULTI_ENTRY) + ")";
        unsupported = true;
        return false;
      }
      metadata.version = static_cast<int>(version);
      sawHeader = true;
      continue;
    }

    std::string_view kind = tokens[0];
    bool multiEntry = metadata.version == MLC_MODULE_ABI_VERSION_MULTI_ENTRY;
    bool firstBodyLine = !sawBody;
    sawBody = true;
    if (kind == "target") {
      if (!firstBodyLine || tokens.size() != 2) {
        error = where + "expected 'target NAME' right after the header";
        return false;
      }
      if (tokens[1] != "cuda") {
        error = where + "target '" + std::string(tokens[1]) +
                "' is not supported (this runtime runs CPU modules, which "
                "have no target line, and 'target cuda' modules)";
        unsupported = true;
        return false;
      }
      metadata.target = Target::Cuda;
      continue;
    }
    if (kind == "kernel" || kind == "image") {
      sawCudaLines = true;
      if (!parseCudaLine(kind, tokens, lineNo, metadata, error)) {
        error = where + error;
        return false;
      }
      continue;
    }
    if (sawCudaLines &&
        (kind == "entry" || kind == "input" || kind == "inout" ||
         kind == "output" || kind == "param")) {
      error = where + "'" + std::string(kind) +
              "' after the kernel and image lines (they follow all entry "
              "points)";
      return false;
    }
    if (multiEntry && kind == "entry") {
      if (tokens.size() != 2) {
        error = where + "expected 'entry NAME'";
        return false;
      }
      metadata.entries.emplace_back();
      metadata.entries.back().name = std::string(tokens[1]);
      continue;
    }
    bool inout = multiEntry && kind == "inout";
    EntryMetadata *entry = &metadata;
    if (multiEntry) {
      if (metadata.entries.empty()) {
        if (kind == "input" || inout || kind == "output" || kind == "param") {
          error = where + "'" + std::string(kind) +
                  "' before the first 'entry' line";
          return false;
        }
        continue;
      }
      entry = &metadata.entries.back();
    }
    std::vector<ArgInfo> *list = kind == "input" || inout ? &entry->inputs
                                 : kind == "output"       ? &entry->outputs
                                 : kind == "param"        ? &entry->params
                                                          : nullptr;
    if (!list)
      continue; // A line kind of a later version.
    bool isParam = list == &entry->params;
    size_t firstDim = isParam ? 4 : 3;
    if (tokens.size() < firstDim) {
      error = where + "expected '" + std::string(kind) +
              (isParam ? " NAME DTYPE OFFSET DIM...'" : " NAME DTYPE DIM...'");
      return false;
    }

    ArgInfo arg;
    if (!percentDecode(tokens[1], arg.name)) {
      error = where + "bad percent-encoding in name '" +
              std::string(tokens[1]) + "'";
      return false;
    }
    std::string what = std::string(kind) + " '" + arg.name + "'";
    arg.dtype = dtypeFromName(tokens[2]);
    if (arg.dtype == MLC_DTYPE_INVALID) {
      error =
          where + "unknown dtype '" + std::string(tokens[2]) + "' of " + what;
      return false;
    }
    arg.inout = inout;
    if (isParam && multiEntry && tokens[3] == "extern") {
      arg.external = true;
    } else if (isParam) {
      int64_t offset;
      if (!parseDecimal(tokens[3], offset)) {
        error =
            where + "bad offset '" + std::string(tokens[3]) + "' of " + what;
        return false;
      }
      arg.offset = static_cast<uint64_t>(offset);
    }
    for (size_t i = firstDim; i < tokens.size(); ++i) {
      int64_t dim;
      if (tokens[i] == "?") {
        if (isParam) {
          error = where + what + " has a dynamic dimension";
          return false;
        }
        dim = -1;
      } else if (!parseDecimal(tokens[i], dim)) {
        error =
            where + "bad dimension '" + std::string(tokens[i]) + "' of " + what;
        return false;
      }
      arg.dims.push_back(dim);
    }
    if (arg.dims.size() > INT32_MAX) {
      error = where + what + " has too many dimensions";
      return false;
    }
    list->push_back(std::move(arg));
  }
  if (!sawHeader) {
    error = "empty metadata (expected the header 'mlc-module " +
            std::to_string(MLC_MODULE_ABI_VERSION) + "')";
    return false;
  }
  if (!metadata.kernels.empty() && metadata.images.empty()) {
    error = "the metadata declares kernels but no image holding them";
    return false;
  }
  return true;
}

bool parseParamsHeader(std::string_view text, std::vector<ArgInfo> &tensors,
                       size_t &dataStart, std::string &error) {
  tensors.clear();
  size_t pos = 0;
  for (int lineNo = 1;; ++lineNo) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) {
      error = "the header has no 'end' line";
      return false;
    }
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    std::vector<std::string_view> tokens = splitTokens(line);
    std::string where =
        "line " + std::to_string(lineNo) + " " + quoteLine(line) + ": ";
    if (lineNo == 1) {
      if (tokens.size() != 2 || tokens[0] != "mlc-params") {
        error = where + "expected the header 'mlc-params " +
                std::to_string(MLC_PARAMS_FILE_VERSION) + "'";
        return false;
      }
      if (tokens[1] != std::to_string(MLC_PARAMS_FILE_VERSION)) {
        error = where + "version " + std::string(tokens[1]) +
                " is not supported";
        return false;
      }
      continue;
    }
    if (tokens.size() == 1 && tokens[0] == "end") {
      dataStart = pos;
      return true;
    }
    ArgInfo tensor;
    int64_t offset;
    if (tokens.size() < 3 || !percentDecode(tokens[0], tensor.name) ||
        (tensor.dtype = dtypeFromName(tokens[1])) == MLC_DTYPE_INVALID ||
        !parseDecimal(tokens[2], offset) || offset % 64 != 0) {
      error = where + "expected 'NAME DTYPE OFFSET DIM...' with a known "
                      "dtype and a 64-byte aligned offset";
      return false;
    }
    tensor.offset = static_cast<uint64_t>(offset);
    for (size_t i = 3; i < tokens.size(); ++i) {
      int64_t dim;
      if (!parseDecimal(tokens[i], dim)) {
        error = where + "bad dimension '" + std::string(tokens[i]) + "'";
        return false;
      }
      tensor.dims.push_back(dim);
    }
    tensors.push_back(std::move(tensor));
  }
}

} // namespace mlc::rt
