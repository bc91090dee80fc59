//===- Safetensors.h - read a folder of safetensors files -------*- C++ -*-===//
//
// The safetensors reader of mlc (the runtime binds a checkpoint's weights at
// load time with it, and mlc-compile writes params.bin with it): a
// checkpoint folder's model.safetensors, or model.safetensors.index.json and
// the shards it names, memory-mapped, never copied. A tensor points at its
// bytes inside the mapping, which lives as long as the SafetensorsFolder.
//
// Layout of a file: an 8-byte little-endian header length N, N bytes of
// JSON mapping each tensor name to {"dtype", "shape", "data_offsets":
// [begin, end]} (offsets relative to the data section that follows the
// header), and an optional "__metadata__" object.
//
// Every malformed input (a truncated file, a header length beyond the file,
// bad JSON, a bad entry, offsets out of range or overlapping, a tensor in
// two shards, an index naming a missing shard) is an error naming the file
// and the tensor; nothing aborts or reads outside a mapping. Plain C++17
// (part of libmlcrt: no LLVM).
//
//===----------------------------------------------------------------------===//

#ifndef MLC_LIB_RUNTIME_SAFETENSORS_H
#define MLC_LIB_RUNTIME_SAFETENSORS_H

#include "Json.h"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace mlc::rt {

/// The float types mlc converts; Other for the well-formed safetensors
/// dtypes it does not (I64, F64, F8_E4M3, ...).
enum class StDType { F32, F16, BF16, Other };

/// One tensor of a safetensors file. `data` may be unaligned; the bytes are
/// little-endian.
struct StTensor {
  std::string name;
  std::string dtypeName; ///< As the header spells it: "BF16".
  StDType dtype = StDType::Other;
  std::vector<int64_t> shape; ///< Empty for a scalar.
  std::string file;           ///< The path of the file holding it.
  const char *data = nullptr;
  uint64_t size = 0;

  int64_t numElements() const;
};

/// "[2, 3]".
std::string formatDims(const std::vector<int64_t> &dims);

/// Reads the whole file `path` (a config.json, an index) into `text`; false
/// with "cannot read PATH: why" in `error`.
bool readTextFile(const std::string &path, std::string &text,
                  std::string &error);

/// Reads and parses `path`, whose root must be a JSON object; false with
/// "PATH is not valid JSON: why" or "PATH: expected a JSON object" (or
/// readTextFile's error) in `error`.
bool readJsonObjectFile(const std::string &path, json::Document &document,
                        std::string &error);

class SafetensorsFolder {
public:
  /// Opens DIR/model.safetensors or, without it, DIR/model.safetensors.
  /// index.json and its shards (as in transformers, a single file wins).
  /// On failure returns null with `error` set (every problem of the failing
  /// file, one per line).
  static std::unique_ptr<SafetensorsFolder> open(const std::string &dir,
                                                 std::string &error);
  /// Opens one safetensors file as a folder of its own.
  static std::unique_ptr<SafetensorsFolder> openFile(const std::string &path,
                                                     std::string &error);
  ~SafetensorsFolder();
  SafetensorsFolder(const SafetensorsFolder &) = delete;
  SafetensorsFolder &operator=(const SafetensorsFolder &) = delete;

  /// Every tensor (all dtypes), sorted by name.
  const std::vector<StTensor> &tensors() const { return list; }
  /// nullptr when absent.
  const StTensor *find(std::string_view name) const;
  /// What identifies the files read (device, inode, size and modification
  /// time of each): equal for the same unchanged files.
  const std::string &identity() const { return ids; }

private:
  SafetensorsFolder() = default;
  bool addFile(const std::string &path, std::string &error);
  bool addShards(const std::string &dir, const std::string &indexPath,
                 std::string &error);
  void index();

  struct Mapping {
    void *data;
    size_t size;
  };
  std::vector<Mapping> mappings;
  std::vector<StTensor> list;
  std::unordered_map<std::string, size_t> byName;
  std::string ids;
};

} // namespace mlc::rt

#endif // MLC_LIB_RUNTIME_SAFETENSORS_H
