//===- Safetensors.cpp - read a folder of safetensors files ---------------===//
//
// Header validation (every problem of a file is listed, sorted by tensor
// name), memory mapping, and sharded folders through
// model.safetensors.index.json.
//
//===----------------------------------------------------------------------===//

#include "Safetensors.h"
#include "Json.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <optional>
#include <sys/mman.h>
#include <sys/stat.h>
#include <tuple>
#include <unistd.h>
#include <unordered_set>

namespace mlc::rt {

namespace {

/// Real headers are a few hundred KB; a larger one is a corrupt length.
constexpr uint64_t kMaxHeaderBytes = 100'000'000;

/// The safetensors dtypes of whole bytes. mlc converts the float ones it
/// names a StDType for; tensors of the others are checked and kept as
/// Other. (The sub-byte F4/F6 types are rejected as unsupported.)
struct DTypeDesc {
  const char *name;
  int64_t size;
  StDType dtype;
};
constexpr DTypeDesc kDTypes[] = {
    {"F32", 4, StDType::F32},       {"F16", 2, StDType::F16},
    {"BF16", 2, StDType::BF16},     {"F64", 8, StDType::Other},
    {"I64", 8, StDType::Other},     {"U64", 8, StDType::Other},
    {"I32", 4, StDType::Other},     {"U32", 4, StDType::Other},
    {"I16", 2, StDType::Other},     {"U16", 2, StDType::Other},
    {"I8", 1, StDType::Other},      {"U8", 1, StDType::Other},
    {"BOOL", 1, StDType::Other},    {"F8_E4M3", 1, StDType::Other},
    {"F8_E5M2", 1, StDType::Other}, {"F8_E8M0", 1, StDType::Other},
    {"C64", 8, StDType::Other},
};

const DTypeDesc *lookupDType(std::string_view name) {
  for (const DTypeDesc &desc : kDTypes)
    if (name == desc.name)
      return &desc;
  return nullptr;
}

/// Joins problems, one per line.
std::string joinLines(const std::vector<std::string> &lines) {
  std::string text;
  for (const std::string &line : lines)
    text += (text.empty() ? "" : "\n") + line;
  return text;
}

/// A non-negative integer written as one.
std::optional<int64_t> nonNegative(const json::Value &value) {
  int64_t result;
  if (!value.integer(&result) || result < 0)
    return std::nullopt;
  return result;
}

/// A tensor of a file being read, before it joins the folder.
struct ParsedTensor {
  std::string name;
  const DTypeDesc *dtype = nullptr;
  std::vector<int64_t> shape;
  uint64_t begin = 0, end = 0;
};

/// Checks the entry `name` of a safetensors header; adds a problem and
/// returns std::nullopt when it is malformed.
std::optional<ParsedTensor>
parseTensorEntry(const std::string &path, std::string_view name,
                 const json::Value &entry, uint64_t dataSize,
                 std::vector<std::string> &problems) {
  std::string where = "tensor " + std::string(name) + " in " + path + ": ";
  auto fail = [&](const std::string &message) {
    problems.push_back(where + message);
    return std::nullopt;
  };
  if (!entry.isObject())
    return fail("expected an object with dtype, shape and data_offsets, "
                "found " +
                json::summarize(entry));

  ParsedTensor tensor;
  tensor.name = std::string(name);
  json::Value dtype = entry.find("dtype");
  if (dtype.isMissing())
    return fail("missing 'dtype'");
  if (!dtype.isString())
    return fail("'dtype' is not a string: " + json::summarize(dtype));
  tensor.dtype = lookupDType(dtype.string());
  if (!tensor.dtype)
    return fail("unsupported dtype '" + std::string(dtype.string()) +
                "' (mlc reads F32, F16 and BF16)");

  json::Value shape = entry.find("shape");
  if (shape.isMissing())
    return fail("missing 'shape'");
  if (!shape.isArray())
    return fail("'shape' is not a list: " + json::summarize(shape));
  int64_t elements = 1;
  bool overflow = false;
  for (json::Value dim : shape) {
    std::optional<int64_t> size = nonNegative(dim);
    if (!size)
      return fail("'shape' " + json::summarize(shape) +
                  " has a negative or non-integer dimension");
    tensor.shape.push_back(*size);
    overflow |= __builtin_mul_overflow(elements, *size, &elements);
  }
  int64_t bytes = 0;
  overflow |= __builtin_mul_overflow(elements, tensor.dtype->size, &bytes);
  if (overflow)
    return fail("shape " + formatDims(tensor.shape) + " has too many elements");

  json::Value offsets = entry.find("data_offsets");
  if (offsets.isMissing())
    return fail("missing 'data_offsets'");
  std::optional<int64_t> begin, end;
  if (offsets.isArray() && offsets.size() == 2) {
    begin = nonNegative(offsets.at(0));
    end = nonNegative(offsets.at(1));
  }
  if (!begin || !end)
    return fail("'data_offsets' must be [begin, end] with non-negative "
                "integers, found " +
                json::summarize(offsets));
  std::string range = formatDims({*begin, *end});
  if (*begin > *end)
    return fail("data_offsets " + range + " begin after they end");
  if (static_cast<uint64_t>(*end) > dataSize)
    return fail("data_offsets " + range + " end beyond the data section (" +
                std::to_string(dataSize) + " bytes)");
  if (*end - *begin != bytes)
    return fail("data_offsets " + range + " hold " +
                std::to_string(*end - *begin) + " bytes, but shape " +
                formatDims(tensor.shape) + " of " + tensor.dtype->name +
                " needs " + std::to_string(bytes));
  tensor.begin = static_cast<uint64_t>(*begin);
  tensor.end = static_cast<uint64_t>(*end);
  return tensor;
}

/// Problems with tensors that share bytes (empty tensors share none).
void findOverlaps(const std::string &path,
                  const std::vector<ParsedTensor> &parsed,
                  std::vector<std::string> &problems) {
  std::vector<const ParsedTensor *> byOffset;
  for (const ParsedTensor &tensor : parsed)
    if (tensor.begin != tensor.end)
      byOffset.push_back(&tensor);
  std::sort(byOffset.begin(), byOffset.end(),
            [](const ParsedTensor *a, const ParsedTensor *b) {
              return std::tie(a->begin, a->end, a->name) <
                     std::tie(b->begin, b->end, b->name);
            });
  const ParsedTensor *last = nullptr; // The one reaching furthest so far.
  auto range = [](const ParsedTensor *t) {
    return formatDims(
        {static_cast<int64_t>(t->begin), static_cast<int64_t>(t->end)});
  };
  for (const ParsedTensor *tensor : byOffset) {
    if (last && tensor->begin < last->end)
      problems.push_back("tensors " + last->name + " and " + tensor->name +
                         " in " + path + " overlap (bytes " + range(last) +
                         " and " + range(tensor) + ")");
    if (!last || tensor->end > last->end)
      last = tensor;
  }
}

bool exists(const std::string &path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

} // namespace

bool readTextFile(const std::string &path, std::string &text,
                  std::string &error) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = "cannot read " + path + ": " + std::strerror(errno);
    return false;
  }
  text.clear();
  char buffer[65536];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      error = "cannot read " + path + ": " + std::strerror(errno);
      ::close(fd);
      return false;
    }
    if (n == 0)
      break;
    text.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  return true;
}

bool readJsonObjectFile(const std::string &path, json::Document &document,
                        std::string &error) {
  std::string text;
  if (!readTextFile(path, text, error))
    return false;
  std::string parseError;
  if (!document.parse(text, parseError)) {
    error = path + " is not valid JSON: " + parseError;
    return false;
  }
  if (!document.root().isObject()) {
    error = path + ": expected a JSON object";
    return false;
  }
  return true;
}

std::string formatDims(const std::vector<int64_t> &dims) {
  std::string text = "[";
  for (size_t i = 0; i < dims.size(); ++i)
    text += (i ? ", " : "") + std::to_string(dims[i]);
  return text + "]";
}

int64_t StTensor::numElements() const {
  int64_t count = 1;
  for (int64_t dim : shape)
    count *= dim;
  return count;
}

SafetensorsFolder::~SafetensorsFolder() {
  for (const Mapping &mapping : mappings)
    ::munmap(mapping.data, mapping.size);
}

const StTensor *SafetensorsFolder::find(std::string_view name) const {
  auto it = byName.find(std::string(name));
  return it == byName.end() ? nullptr : &list[it->second];
}

void SafetensorsFolder::index() {
  std::sort(list.begin(), list.end(), [](const StTensor &a, const StTensor &b) {
    return a.name < b.name;
  });
  byName.clear();
  for (size_t i = 0; i < list.size(); ++i)
    byName[list[i].name] = i;
}

bool SafetensorsFolder::addFile(const std::string &path, std::string &error) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = "cannot read " + path + ": " + std::strerror(errno);
    return false;
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    error = "cannot read " + path + ": " + std::strerror(errno);
    ::close(fd);
    return false;
  }
  uint64_t fileSize = static_cast<uint64_t>(st.st_size);
  if (fileSize < 8) {
    ::close(fd);
    error = path + ": the file is " + std::to_string(fileSize) +
            " bytes, too short for a safetensors header";
    return false;
  }
  void *data = ::mmap(nullptr, fileSize, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (data == MAP_FAILED) {
    error = "cannot map " + path + ": " + std::strerror(errno);
    return false;
  }
  mappings.push_back({data, fileSize});
  ids += std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino) + ":" +
         std::to_string(st.st_size) + ":" + std::to_string(st.st_mtim.tv_sec) +
         "." + std::to_string(st.st_mtim.tv_nsec) + ";";

  const char *bytes = static_cast<const char *>(data);
  uint64_t headerSize = 0;
  for (int i = 0; i < 8; ++i)
    headerSize |= uint64_t(static_cast<unsigned char>(bytes[i])) << (8 * i);
  if (headerSize > fileSize - 8) {
    error = path + ": header length " + std::to_string(headerSize) +
            " exceeds the file size (" + std::to_string(fileSize) + " bytes)";
    return false;
  }
  if (headerSize > kMaxHeaderBytes) {
    error = path + ": header length " + std::to_string(headerSize) +
            " is over the 100 MB limit";
    return false;
  }
  std::string_view header(bytes + 8, headerSize);
  const char *dataSection = bytes + 8 + headerSize;
  uint64_t dataSize = fileSize - 8 - headerSize;

  json::Document document;
  std::string parseError;
  if (!document.parse(header, parseError)) {
    error = path + ": the header is not valid JSON: " + parseError;
    return false;
  }
  json::Value root = document.root();
  if (!root.isObject()) {
    error = path + ": the header is not a JSON object";
    return false;
  }

  // Sorted by name, so that problems come in a stable order; a name listed
  // twice is a problem (the JSON parser keeps both).
  std::vector<std::pair<std::string_view, json::Value>> entries;
  for (auto it = root.begin(); it != root.end(); ++it)
    entries.emplace_back(it.key(), *it);
  std::sort(entries.begin(), entries.end(),
            [](const auto &a, const auto &b) { return a.first < b.first; });
  std::vector<std::string> problems;
  std::vector<ParsedTensor> parsed;
  for (size_t i = 0; i < entries.size(); ++i) {
    auto [name, value] = entries[i];
    if (i > 0 && entries[i - 1].first == name) {
      if (i < 2 || entries[i - 2].first != name)
        problems.push_back("tensor " + std::string(name) + " in " + path +
                           ": listed twice in the header");
      continue;
    }
    if (name == "__metadata__") {
      if (!value.isObject())
        problems.push_back(path + ": __metadata__ is not an object");
      continue;
    }
    if (std::optional<ParsedTensor> tensor =
            parseTensorEntry(path, name, value, dataSize, problems))
      parsed.push_back(std::move(*tensor));
  }
  findOverlaps(path, parsed, problems);
  if (!problems.empty()) {
    error = joinLines(problems);
    return false;
  }

  for (ParsedTensor &tensor : parsed) {
    if (const StTensor *other = find(tensor.name)) {
      error = "tensor " + tensor.name + " is in both " + other->file + " and " +
              path;
      return false;
    }
    StTensor entry;
    entry.name = std::move(tensor.name);
    entry.dtypeName = tensor.dtype->name;
    entry.dtype = tensor.dtype->dtype;
    entry.shape = std::move(tensor.shape);
    entry.file = path;
    entry.data = dataSection + tensor.begin;
    entry.size = tensor.end - tensor.begin;
    byName[entry.name] = list.size();
    list.push_back(std::move(entry));
  }
  return true;
}

/// Opens the shards `indexPath` names and checks that each holds the
/// tensors the index says it does.
bool SafetensorsFolder::addShards(const std::string &dir,
                                  const std::string &indexPath,
                                  std::string &error) {
  json::Document document;
  if (!readJsonObjectFile(indexPath, document, error))
    return false;
  json::Value root = document.root();
  json::Value weightMap = root.find("weight_map");
  if (weightMap.isMissing()) {
    error = "missing key 'weight_map' in " + indexPath;
    return false;
  }
  if (!weightMap.isObject()) {
    error = "key 'weight_map' in " + indexPath +
            ": expected an object, found " + json::summarize(weightMap);
    return false;
  }
  if (weightMap.size() == 0) {
    error = "key 'weight_map' in " + indexPath + " lists no tensors";
    return false;
  }

  // Tensor -> shard, sorted by tensor name for a stable order of problems.
  std::vector<std::pair<std::string, std::string>> entries;
  std::vector<std::string> problems;
  for (auto it = weightMap.begin(); it != weightMap.end(); ++it) {
    std::string name(it.key());
    json::Value value = *it;
    std::string_view shard = value.string();
    if (!value.isString())
      problems.push_back(
          "tensor " + name + " in " + indexPath +
          ": the shard is not a string: " + json::summarize(value));
    // Shards live in the checkpoint folder; a path could reach elsewhere.
    else if (shard.empty() || shard == "." || shard == ".." ||
             shard.find_first_of("/\\") != std::string_view::npos)
      problems.push_back("tensor " + name + " in " + indexPath + ": shard '" +
                         std::string(shard) +
                         "' is not a file name in the checkpoint folder");
    else
      entries.emplace_back(name, std::string(shard));
  }
  std::sort(entries.begin(), entries.end());
  for (size_t i = 1; i < entries.size(); ++i)
    if (entries[i].first == entries[i - 1].first)
      problems.push_back("tensor " + entries[i].first + " is listed twice in " +
                         indexPath);
  if (!problems.empty()) {
    error = joinLines(problems);
    return false;
  }

  std::unordered_set<std::string> opened;
  for (const auto &[name, shard] : entries) {
    if (!opened.insert(shard).second)
      continue;
    std::string path = dir + "/" + shard;
    if (!exists(path)) {
      error = "shard " + shard + " listed in " + indexPath + " (for tensor " +
              name + ") does not exist in " + dir;
      return false;
    }
    if (!addFile(path, error))
      return false;
  }
  for (const auto &[name, shard] : entries) {
    std::string path = dir + "/" + shard;
    const StTensor *tensor = find(name);
    if (!tensor)
      problems.push_back("tensor " + name + " listed in " + indexPath +
                         " is not in " + path);
    else if (tensor->file != path)
      problems.push_back("tensor " + name + " listed in " + indexPath +
                         " for " + path + " is in " + tensor->file);
  }
  error = joinLines(problems);
  return problems.empty();
}

std::unique_ptr<SafetensorsFolder>
SafetensorsFolder::open(const std::string &dir, std::string &error) {
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    error = "checkpoint " + dir + " is not a directory";
    return nullptr;
  }
  std::unique_ptr<SafetensorsFolder> folder(new SafetensorsFolder());
  std::string single = dir + "/model.safetensors";
  std::string index = dir + "/model.safetensors.index.json";
  if (exists(single)) {
    if (!folder->addFile(single, error))
      return nullptr;
  } else if (exists(index)) {
    if (!folder->addShards(dir, index, error))
      return nullptr;
  } else {
    error = "checkpoint " + dir +
            " has neither model.safetensors nor model.safetensors.index.json";
    return nullptr;
  }
  folder->index();
  return folder;
}

std::unique_ptr<SafetensorsFolder>
SafetensorsFolder::openFile(const std::string &path, std::string &error) {
  std::unique_ptr<SafetensorsFolder> folder(new SafetensorsFolder());
  if (!folder->addFile(path, error))
    return nullptr;
  folder->index();
  return folder;
}

} // namespace mlc::rt
