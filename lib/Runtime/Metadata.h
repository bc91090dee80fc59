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
  bool inout = false;        ///< Inputs only (ABI 2): updated in place.
  bool external = false;     ///< Params only (ABI 2): bound by the caller.
};

/// The arguments of one entry point.
struct EntryMetadata {
  std::string name; ///< Empty for the single entry point of ABI 1.
  std::vector<ArgInfo> inputs, outputs, params;
};

/// What the entry points' host code runs kernels on (the `target` line).
enum class Target { Cpu, Cuda };

/// One `image ARCH FORMAT OFFSET SIZE` line of a CUDA module.
struct KernelImage {
  std::string arch; ///< "sm_90", as written.
  int major = 0, minor = 0;
  bool specific = false; ///< sm_XYa: for compute capability X.Y only.
  bool ptx = false;      ///< FORMAT `ptx`; otherwise `cubin`.
  uint64_t offset = 0, size = 0;
  int line = 0; ///< In the metadata text, for messages.

  /// "sm_90 cubin".
  std::string describe() const { return arch + (ptx ? " ptx" : " cubin"); }
};

/// ABI 1 fills the inherited lists; ABI 2 fills `entries` (one per `entry`
/// line) and leaves the inherited lists empty. CUDA modules add the kernel
/// names (in launch-index order) and their images.
struct ModuleMetadata : EntryMetadata {
  int version = 0;
  std::vector<EntryMetadata> entries;
  Target target = Target::Cpu;
  std::vector<std::string> kernels;
  std::vector<KernelImage> images;
};

/// Parses `text`. On failure returns false with `error` saying what is wrong
/// and where ("line 3: unknown dtype 'f8'"); `unsupported` is set when the
/// text is well formed but of a version this runtime does not read.
bool parseMetadata(std::string_view text, ModuleMetadata &metadata,
                   std::string &error, bool &unsupported);

/// Parses the header of a parameter file (mlc-c/Module.h) at the start of
/// `text`: one ArgInfo per tensor, with its offset. `dataStart` receives the
/// offset just past the `end` line.
bool parseParamsHeader(std::string_view text, std::vector<ArgInfo> &tensors,
                       size_t &dataStart, std::string &error);

/// Decodes %XX escapes; false on a malformed escape or a NUL byte.
bool percentDecode(std::string_view encoded, std::string &decoded);

/// Encodes a name as the metadata and parameter files write it: bytes
/// outside [A-Za-z0-9._:/-] become %XX.
std::string percentEncode(std::string_view name);

} // namespace mlc::rt

#endif // MLC_LIB_RUNTIME_METADATA_H
