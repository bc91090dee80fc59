//===- Metadata.h - parsing a compiled module's metadata text ---*- C++ -*-===//
//
// The in-memory form of the `mlc_module_metadata` text of mlc-c/Module.h and
// its parser. Internal to libmlcrt.
//
//===----------------------------------------------------------------------===//

#ifndef MLC_LIB_RUNTIME_METADATA_H
#define MLC_LIB_RUNTIME_METADATA_H

#include "mlc-c/Runtime.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mlc::rt {

/// One input, output or param line.
struct ArgInfo {
  std::string name; ///< Percent-decoded.
  mlc_dtype dtype = MLC_DTYPE_INVALID;
  std::vector<int64_t> dims; ///< -1 for `?`.
  uint64_t offset = 0;       ///< Params only: byte offset in the blob.
};

struct ModuleMetadata {
  std::vector<ArgInfo> inputs, outputs, params;
};

/// Parses `text`. On failure returns false with `error` saying what is wrong
/// and where ("line 3: unknown dtype 'f8'"); `unsupported` is set when the
/// text is well formed but of a version this runtime does not read.
bool parseMetadata(std::string_view text, ModuleMetadata &metadata,
                   std::string &error, bool &unsupported);

/// Decodes %XX escapes; false on a malformed escape or a NUL byte.
bool percentDecode(std::string_view encoded, std::string &decoded);

} // namespace mlc::rt

#endif // MLC_LIB_RUNTIME_METADATA_H
