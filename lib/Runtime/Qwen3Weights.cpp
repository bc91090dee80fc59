//===- Qwen3Weights.cpp - a Qwen3 checkpoint as a library's params --------===//
//
// config.json (the sizes), the tensor list Hugging Face's Qwen3 reads, the
// parameter file layout and the conversion of each of its tensors.
//
//===----------------------------------------------------------------------===//

#include "Qwen3Weights.h"
#include "Json.h"
#include "Metadata.h"
#include "TensorUtils.h"

#include "mlc-c/Module.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <iterator>
#include <optional>
#include <sys/stat.h>
#include <tuple>
#include <unistd.h>

namespace mlc::rt::qwen3 {

namespace {

/// Every tensor dimension a config implies is at most this, and there are at
/// most kMaxCount layers and heads: sums of tensor sizes over all layers fit
/// in int64_t with room to spare.
constexpr int64_t kMaxDim = int64_t(1) << 24;
constexpr int64_t kMaxCount = 4096;

constexpr const char *kEmbed = "model.embed_tokens.weight";
constexpr const char *kFinalNorm = "model.norm.weight";
constexpr const char *kLmHead = "lm_head.weight";
constexpr const char *kLayerPrefix = "layer.";

/// The params of a layer in file order, and the merged ones' sources.
constexpr const char *kLayerSuffixes[] = {
    "input_layernorm.weight",  "self_attn.qkv_proj.weight",
    "self_attn.o_proj.weight", "self_attn.q_norm.weight",
    "self_attn.k_norm.weight", "post_attention_layernorm.weight",
    "mlp.gate_up_proj.weight", "mlp.down_proj.weight"};
struct Merge {
  const char *merged;
  std::vector<const char *> parts;
};
const Merge kMerges[] = {
    {"self_attn.qkv_proj.weight",
     {"self_attn.q_proj.weight", "self_attn.k_proj.weight",
      "self_attn.v_proj.weight"}},
    {"mlp.gate_up_proj.weight", {"mlp.gate_proj.weight", "mlp.up_proj.weight"}},
};

bool endsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() &&
         text.substr(text.size() - suffix.size()) == suffix;
}

std::string joinLines(const std::vector<std::string> &lines,
                      const std::string &indent = "") {
  std::string text;
  for (const std::string &line : lines)
    text += (text.empty() ? "" : "\n") + indent + line;
  return text;
}

std::string layerTensor(int64_t layer, const std::string &suffix) {
  return "model.layers." + std::to_string(layer) + "." + suffix;
}

//===----------------------------------------------------------------------===//
// config.json
//===----------------------------------------------------------------------===//

/// Reads keys of a config object, collecting every problem.
struct ConfigReader {
  const std::string &path;
  json::Value object;
  std::vector<std::string> problems;

  void badValue(const std::string &key, const char *expected,
                json::Value found) {
    problems.push_back("key '" + key + "' in " + path + ": expected " +
                       expected + ", found " + json::summarize(found));
  }

  /// The value of `key` (JSON null counts as absent).
  json::Value get(const char *key, bool required) {
    json::Value value = object.find(key);
    if (value.isNull())
      value = json::Value();
    if (value.isMissing() && required)
      problems.push_back("missing key '" + std::string(key) + "' in " + path);
    return value;
  }

  /// A positive integer of at most `max`; 0 when absent or invalid.
  int64_t size(const char *key, int64_t max, bool required = true) {
    json::Value value = get(key, required);
    int64_t result;
    if (value.isMissing())
      return 0;
    if (!value.integer(&result) || result <= 0) {
      badValue(key, "a positive integer", value);
      return 0;
    }
    if (result > max) {
      problems.push_back("key '" + std::string(key) + "' in " + path + ": " +
                         std::to_string(result) +
                         " is unreasonably large (the limit is " +
                         std::to_string(max) + ")");
      return 0;
    }
    return result;
  }

  /// A positive finite number; 0 when absent or invalid.
  double number(json::Value value, const std::string &key) {
    if (value.isMissing())
      return 0;
    if (!value.isNumber() || !std::isfinite(value.number()) ||
        value.number() <= 0) {
      badValue(key, "a positive number", value);
      return 0;
    }
    return value.number();
  }
};

//===----------------------------------------------------------------------===//
// Conversion
//===----------------------------------------------------------------------===//

struct LoadF32 {
  float operator()(const char *p) const {
    float v;
    std::memcpy(&v, p, sizeof v);
    return v;
  }
};
struct LoadF16 {
  float operator()(const char *p) const {
    uint16_t bits;
    std::memcpy(&bits, p, sizeof bits);
    return f16ToFloat(bits);
  }
};
struct LoadBF16 {
  float operator()(const char *p) const {
    uint16_t bits;
    std::memcpy(&bits, p, sizeof bits);
    return bf16ToFloat(bits);
  }
};
struct LoadBits16 {
  uint16_t operator()(const char *p) const {
    uint16_t bits;
    std::memcpy(&bits, p, sizeof bits);
    return bits;
  }
};

/// Writes `src` (its elements read by `load`) to `out`: as it is, or, when
/// `transposed`, src [rows, cols] as columns of out [cols, stride] (in
/// blocks that stay in cache).
template <typename Load>
void place(const StTensor &src, size_t elementSize, Load load, char *out,
           bool transposed, int64_t stride) {
  using Out = decltype(load(nullptr));
  Out *dst = reinterpret_cast<Out *>(out);
  const char *data = src.data;
  if (!transposed) {
    int64_t count = src.numElements();
    for (int64_t i = 0; i < count; ++i)
      dst[i] = load(data + i * elementSize);
    return;
  }
  constexpr int64_t kBlock = 64;
  int64_t rows = src.shape[0], cols = src.shape[1];
  for (int64_t r0 = 0; r0 < rows; r0 += kBlock)
    for (int64_t c0 = 0; c0 < cols; c0 += kBlock)
      for (int64_t r = r0; r < std::min(rows, r0 + kBlock); ++r)
        for (int64_t c = c0; c < std::min(cols, c0 + kBlock); ++c)
          dst[c * stride + r] = load(data + (r * cols + c) * elementSize);
}

/// `src` in `dtype` into `out` (see place); false (with `error`) for a dtype
/// pair that is not converted exactly.
bool placeAs(const StTensor &src, mlc_dtype dtype, char *out, bool transposed,
             int64_t stride, std::string &error) {
  if (dtype == MLC_DTYPE_F32 && src.dtype == StDType::F32)
    place(src, 4, LoadF32(), out, transposed, stride);
  else if (dtype == MLC_DTYPE_F32 && src.dtype == StDType::F16)
    place(src, 2, LoadF16(), out, transposed, stride);
  else if (dtype == MLC_DTYPE_F32 && src.dtype == StDType::BF16)
    place(src, 2, LoadBF16(), out, transposed, stride);
  else if (dtype == MLC_DTYPE_BF16 && src.dtype == StDType::BF16)
    place(src, 2, LoadBits16(), out, transposed, stride);
  else if (src.dtype == StDType::Other) {
    error = "tensor " + src.name + " in " + src.file + ": unsupported dtype " +
            src.dtypeName + " (mlc reads F32, F16 and BF16)";
    return false;
  } else {
    error = "tensor " + src.name + " in " + src.file + " is " + src.dtypeName +
            ", but the library stores it in " + dtypeName(dtype) +
            " (which keeps only BF16 bit for bit; compile the library with "
            "--dtype f32 for this checkpoint)";
    return false;
  }
  return true;
}

/// The checkpoint tensors of param-file tensor `name` (side by side, or
/// stacked), and whether they are matrices that CPU libraries transpose
/// from [out, in] to [in, out].
std::vector<std::string> sourcesOf(const std::string &name, bool tied,
                                   bool &matrix) {
  matrix = endsWith(name, "_proj.weight") || name == kLmHead;
  if (name == kLmHead)
    return {tied ? kEmbed : kLmHead};
  for (const Merge &merge : kMerges)
    if (endsWith(name, merge.merged)) {
      std::string prefix =
          name.substr(0, name.size() - std::strlen(merge.merged));
      std::vector<std::string> sources;
      for (const char *part : merge.parts)
        sources.push_back(prefix + part);
      return sources;
    }
  return {name};
}

/// The position of a param-file tensor in the file: (group, layer, index).
std::tuple<int, int64_t, size_t> fileOrder(const std::string &name) {
  if (name == kEmbed)
    return {0, 0, 0};
  if (name == kFinalNorm)
    return {2, 0, 0};
  if (name == kLmHead)
    return {3, 0, 0};
  if (name.rfind(kLayerPrefix, 0) == 0) {
    std::string suffix = name.substr(std::strlen(kLayerPrefix));
    size_t index = std::size(kLayerSuffixes);
    for (size_t i = 0; i < std::size(kLayerSuffixes); ++i)
      if (suffix == kLayerSuffixes[i])
        index = i;
    return {1, 0, index};
  }
  return {4, 0, 0};
}

/// Reports a line per finished layer ("model.layers.3.mlp..." -> layer 3).
class LayerProgress {
public:
  explicit LayerProgress(
      const std::function<void(const std::string &)> &progress)
      : progress(progress) {}
  void tensor(const std::string &name) {
    std::string_view rest = name;
    std::string layer;
    if (progress && rest.rfind("model.layers.", 0) == 0) {
      rest.remove_prefix(std::strlen("model.layers."));
      layer = std::string(rest.substr(0, rest.find('.')));
    }
    if (layer != current)
      finish();
    current = layer;
  }
  void finish() {
    if (progress && !current.empty())
      progress("converted layer " + current);
    current.clear();
  }

private:
  const std::function<void(const std::string &)> &progress;
  std::string current;
};

} // namespace

bool readConfig(const std::string &path, ModelConfig &config,
                std::string &error) {
  config = ModelConfig();
  config.path = path;
  json::Document document;
  if (!readJsonObjectFile(path, document, error))
    return false;
  ConfigReader reader{path, document.root(), {}};
  json::Value modelType = reader.get("model_type", /*required=*/true);
  if (!modelType.isMissing() && modelType.string() != "qwen3")
    reader.problems.push_back("model_type " + json::summarize(modelType) +
                              " in " + path + " is not qwen3");
  if (!reader.problems.empty()) {
    error = joinLines(reader.problems);
    return false;
  }
  config.vocabSize = reader.size("vocab_size", kMaxDim);
  config.hiddenSize = reader.size("hidden_size", kMaxDim);
  config.intermediateSize = reader.size("intermediate_size", kMaxDim);
  config.numLayers = reader.size("num_hidden_layers", kMaxCount);
  config.numHeads = reader.size("num_attention_heads", kMaxCount);
  config.numKvHeads = reader.size("num_key_value_heads", kMaxCount);
  // transformers takes hidden_size // num_attention_heads without head_dim.
  if (!reader.get("head_dim", /*required=*/false).isMissing()) {
    config.headDim = reader.size("head_dim", kMaxDim);
  } else if (config.hiddenSize > 0 && config.numHeads > 0) {
    config.headDim = config.hiddenSize / config.numHeads;
    if (config.headDim == 0)
      reader.problems.push_back("no head_dim in " + path +
                                ", and hidden_size is smaller than "
                                "num_attention_heads");
  }
  if (config.numHeads * config.headDim > kMaxDim)
    reader.problems.push_back("num_attention_heads * head_dim in " + path +
                              " is unreasonably large");
  config.rmsNormEps =
      reader.number(reader.get("rms_norm_eps", true), "rms_norm_eps");
  // Newer transformers write rope_theta in rope_parameters.
  json::Value theta = reader.get("rope_theta", false);
  if (theta.isMissing())
    theta = reader.get("rope_parameters", false).find("rope_theta");
  if (theta.isMissing())
    reader.problems.push_back("missing key 'rope_theta' in " + path);
  config.ropeTheta = reader.number(theta, "rope_theta");
  json::Value tied = reader.get("tie_word_embeddings", false);
  if (!tied.isMissing() && !tied.isBool())
    reader.badValue("tie_word_embeddings", "true or false", tied);
  config.tieWordEmbeddings = tied.boolean();
  for (const char *key : {"torch_dtype", "dtype"})
    if (json::Value dtype = reader.get(key, false); dtype.isString()) {
      config.torchDtype = std::string(dtype.string());
      break;
    }
  if (!reader.problems.empty()) {
    error = joinLines(reader.problems);
    return false;
  }
  return true;
}

std::string compareConfigs(const ModelConfig &library,
                           const ModelConfig &checkpoint) {
  std::vector<std::string> differences;
  auto compare = [&](const char *key, auto a, auto b) {
    if (a == b)
      return;
    auto text = [](auto value) {
      if constexpr (std::is_same_v<decltype(value), bool>)
        return std::string(value ? "true" : "false");
      else if constexpr (std::is_same_v<decltype(value), double>) {
        // Whole numbers as such, others in the shortest exact form.
        char buffer[32];
        if (value == std::floor(value) && std::fabs(value) < 1e15)
          std::snprintf(buffer, sizeof buffer, "%.0f", value);
        else
          for (int precision = 1; precision <= 17; ++precision) {
            std::snprintf(buffer, sizeof buffer, "%.*g", precision, value);
            if (std::strtod(buffer, nullptr) == value)
              break;
          }
        return std::string(buffer);
      } else
        return std::to_string(value);
    };
    differences.push_back(std::string(key) + ": " + text(b) +
                          " in the checkpoint, " + text(a) + " in the library");
  };
  compare("vocab_size", library.vocabSize, checkpoint.vocabSize);
  compare("hidden_size", library.hiddenSize, checkpoint.hiddenSize);
  compare("intermediate_size", library.intermediateSize,
          checkpoint.intermediateSize);
  compare("num_hidden_layers", library.numLayers, checkpoint.numLayers);
  compare("num_attention_heads", library.numHeads, checkpoint.numHeads);
  compare("num_key_value_heads", library.numKvHeads, checkpoint.numKvHeads);
  compare("head_dim", library.headDim, checkpoint.headDim);
  compare("tie_word_embeddings", library.tieWordEmbeddings,
          checkpoint.tieWordEmbeddings);
  compare("rms_norm_eps", library.rmsNormEps, checkpoint.rmsNormEps);
  compare("rope_theta", library.ropeTheta, checkpoint.ropeTheta);
  if (differences.empty())
    return "";
  return "the checkpoint's " + checkpoint.path +
         " does not match the library's " + library.path + ":\n" +
         joinLines(differences, "  ");
}

bool planParams(const std::vector<ParamSpec> &specs, int64_t layers,
                ParamsLayout &layout, std::string &error) {
  layout = ParamsLayout();
  // Sorted by file order, then by name (names are unique).
  std::vector<const ParamSpec *> ordered;
  for (const ParamSpec &spec : specs)
    ordered.push_back(&spec);
  std::sort(ordered.begin(), ordered.end(),
            [](const ParamSpec *a, const ParamSpec *b) {
              auto orderA = fileOrder(a->name), orderB = fileOrder(b->name);
              return orderA != orderB ? orderA < orderB : a->name < b->name;
            });
  auto add = [&](const ParamSpec &spec, const std::string &name) {
    ParamTensor tensor{name, spec.dtype, spec.dims, 0, 0};
    int64_t count;
    size_t bytes;
    if (!checkedNumElements(static_cast<int32_t>(spec.dims.size()),
                            spec.dims.data(), count) ||
        !checkedByteSize(count, dtypeSize(spec.dtype), bytes)) {
      error = "param " + spec.name + " " + formatDims(spec.dims) +
              " has too many elements";
      return false;
    }
    if (spec.dtype != MLC_DTYPE_F32 &&
        !(spec.dtype == MLC_DTYPE_BF16 && spec.dims.size() == 2)) {
      error = "param " + spec.name + " is " + dtypeName(spec.dtype) +
              " (a Qwen3 library's params are f32, or bf16 matrices)";
      return false;
    }
    tensor.bytes = bytes;
    layout.tensors.push_back(std::move(tensor));
    return true;
  };
  for (size_t i = 0; i < ordered.size();) {
    const ParamSpec &spec = *ordered[i];
    if (spec.name.rfind(kLayerPrefix, 0) != 0) {
      if (!add(spec, spec.name))
        return false;
      ++i;
      continue;
    }
    // The run of layer params, for every layer.
    size_t end = i;
    while (end < ordered.size() &&
           ordered[end]->name.rfind(kLayerPrefix, 0) == 0)
      ++end;
    for (int64_t layer = 0; layer < layers; ++layer)
      for (size_t j = i; j < end; ++j)
        if (!add(*ordered[j],
                 layerTensor(layer, ordered[j]->name.substr(
                                        std::strlen(kLayerPrefix)))))
          return false;
    i = end;
  }

  // The header's size depends on the offsets it prints: lay out the data
  // after a generous bound on the header, then pad the header to it.
  uint64_t headerBound = 64;
  for (const ParamTensor &tensor : layout.tensors)
    headerBound +=
        percentEncode(tensor.name).size() + 32 + 21 * tensor.dims.size();
  headerBound = (headerBound + 4095) / 4096 * 4096;
  std::string header =
      "mlc-params " + std::to_string(MLC_PARAMS_FILE_VERSION) + "\n";
  uint64_t offset = headerBound;
  for (ParamTensor &tensor : layout.tensors) {
    tensor.offset = offset;
    header += percentEncode(tensor.name) + " " + dtypeName(tensor.dtype) + " " +
              std::to_string(offset);
    for (int64_t dim : tensor.dims)
      header += " " + std::to_string(dim);
    header += "\n";
    offset = (offset + tensor.bytes + 63) / 64 * 64;
  }
  header += "end\n";
  if (header.size() > headerBound) {
    error = "parameter file header overflow";
    return false;
  }
  header.resize(headerBound, '\n');
  layout.header = std::move(header);
  layout.size = layout.tensors.empty() ? headerBound
                                       : layout.tensors.back().offset +
                                             layout.tensors.back().bytes;
  return true;
}

bool convertElements(const StTensor &tensor, mlc_dtype dtype, char *out,
                     std::string &error) {
  return placeAs(tensor, dtype, out, /*transposed=*/false, 0, error);
}

std::unique_ptr<Checkpoint> Checkpoint::open(const std::string &dir,
                                             std::string &error) {
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    error = "checkpoint " + dir + " is not a directory";
    return nullptr;
  }
  std::unique_ptr<Checkpoint> checkpoint(new Checkpoint());
  checkpoint->dir = dir;
  if (!readConfig(dir + "/config.json", checkpoint->cfg, error))
    return nullptr;
  checkpoint->folder = SafetensorsFolder::open(dir, error);
  if (!checkpoint->folder)
    return nullptr;
  return checkpoint;
}

namespace {
/// Every tensor Hugging Face's Qwen3 reads for `config`, with its shape (the
/// embedding, the layers, the final norm, lm_head unless tied).
std::vector<std::pair<std::string, std::vector<int64_t>>>
expectedTensors(const ModelConfig &config) {
  int64_t hidden = config.hiddenSize, ffn = config.intermediateSize;
  int64_t qDim = config.numHeads * config.headDim;
  int64_t kvDim = config.numKvHeads * config.headDim;
  std::vector<std::pair<std::string, std::vector<int64_t>>> specs;
  specs.push_back({kEmbed, {config.vocabSize, hidden}});
  for (int64_t i = 0; i < config.numLayers; ++i) {
    auto add = [&](const char *suffix, std::vector<int64_t> shape) {
      specs.push_back({layerTensor(i, suffix), std::move(shape)});
    };
    add("input_layernorm.weight", {hidden});
    add("self_attn.q_proj.weight", {qDim, hidden});
    add("self_attn.k_proj.weight", {kvDim, hidden});
    add("self_attn.v_proj.weight", {kvDim, hidden});
    add("self_attn.o_proj.weight", {hidden, qDim});
    add("self_attn.q_norm.weight", {config.headDim});
    add("self_attn.k_norm.weight", {config.headDim});
    add("post_attention_layernorm.weight", {hidden});
    add("mlp.gate_proj.weight", {ffn, hidden});
    add("mlp.up_proj.weight", {ffn, hidden});
    add("mlp.down_proj.weight", {hidden, ffn});
  }
  specs.push_back({kFinalNorm, {hidden}});
  if (!config.tieWordEmbeddings)
    specs.push_back({kLmHead, {config.vocabSize, hidden}});
  return specs;
}
} // namespace

bool Checkpoint::verify(std::string &error) const {
  auto specs = expectedTensors(cfg);
  // transformers ties lm_head to the embedding, but still checks the shape
  // of an lm_head.weight the file holds.
  if (cfg.tieWordEmbeddings && folder->find(kLmHead))
    specs.push_back({kLmHead, {cfg.vocabSize, cfg.hiddenSize}});
  std::vector<std::string> problems;
  for (const auto &[name, shape] : specs) {
    const StTensor *tensor = folder->find(name);
    if (!tensor)
      problems.push_back("missing tensor " + name);
    else if (tensor->shape != shape)
      problems.push_back("tensor " + name + " in " + tensor->file +
                         ": expected shape " + formatDims(shape) + ", found " +
                         formatDims(tensor->shape));
    else if (tensor->dtype == StDType::Other)
      problems.push_back("tensor " + name + " in " + tensor->file +
                         ": unsupported dtype " + tensor->dtypeName +
                         " (mlc reads F32, F16 and BF16)");
  }
  if (problems.empty())
    return true;
  error = "checkpoint " + dir + " does not match its config.json:\n" +
          joinLines(problems, "  ");
  return false;
}

bool Checkpoint::hasBf16Matrices() const {
  for (const auto &[name, shape] : expectedTensors(cfg)) {
    const StTensor *tensor = folder->find(name);
    if (shape.size() == 2 && (!tensor || tensor->dtype != StDType::BF16))
      return false;
  }
  return true;
}

bool Checkpoint::convert(const ParamTensor &tensor, bool projectionsOutIn,
                         char *out, std::string &error) const {
  bool matrix;
  std::vector<std::string> sources =
      sourcesOf(tensor.name, cfg.tieWordEmbeddings, matrix);
  bool transposed = matrix && !projectionsOutIn;
  // The shape the sources make: theirs; or, for matrices, [in, sum of their
  // outs] transposed or [sum of their outs, in] stacked.
  std::vector<const StTensor *> parts;
  std::vector<int64_t> shape;
  for (const std::string &source : sources) {
    const StTensor *part = folder->find(source);
    if (!part) {
      error = "checkpoint " + dir + ": missing tensor " + source;
      return false;
    }
    int64_t in = shape.empty() ? 0 : shape[transposed ? 0 : 1];
    if (matrix && (part->shape.size() != 2 ||
                   (!shape.empty() && part->shape[1] != in))) {
      error = "tensor " + source + " in " + part->file + " has shape " +
              formatDims(part->shape) + ", which cannot be part of " +
              tensor.name + " " + formatDims(tensor.dims);
      return false;
    }
    if (!matrix || shape.empty())
      shape = transposed ? std::vector<int64_t>{part->shape[1], part->shape[0]}
                         : part->shape;
    else
      shape[transposed ? 1 : 0] += part->shape[0];
    parts.push_back(part);
  }
  if (shape != tensor.dims) {
    error = "the library's " + tensor.name + " is " + formatDims(tensor.dims) +
            ", but the checkpoint's " +
            (parts.size() > 1 ? "tensors make " : "tensor makes ") +
            formatDims(shape) + " (from " + parts[0]->file + ")";
    return false;
  }
  // Transposed parts go side by side (columns), stacked ones one after the
  // other (rows).
  int64_t first = 0;
  for (const StTensor *part : parts) {
    size_t offset = static_cast<size_t>(first) * dtypeSize(tensor.dtype) *
                    (transposed ? 1 : shape.back());
    if (!placeAs(*part, tensor.dtype, out + offset, transposed,
                 transposed ? shape[1] : 0, error))
      return false;
    if (matrix)
      first += part->shape[0];
  }
  return true;
}

bool Checkpoint::fill(
    const ParamsLayout &layout, char *image, std::string &error,
    const std::function<void(const std::string &)> &progress) const {
  std::memcpy(image, layout.header.data(), layout.header.size());
  LayerProgress layers(progress);
  for (const ParamTensor &tensor : layout.tensors) {
    layers.tensor(tensor.name);
    if (!convert(tensor, layout.projectionsOutIn, image + tensor.offset,
                 error))
      return false;
  }
  layers.finish();
  return true;
}

bool Checkpoint::write(
    const ParamsLayout &layout, const std::string &path, std::string &error,
    const std::function<void(const std::string &)> &progress) const {
  std::string temporary = path + ".tmp";
  int fd =
      ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    error = "cannot write " + temporary + ": " + std::strerror(errno);
    return false;
  }
  auto writeAt = [&](const char *data, uint64_t size, uint64_t offset) {
    while (size > 0) {
      ssize_t n = ::pwrite(fd, data, size, static_cast<off_t>(offset));
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0) {
        error = "cannot write " + temporary + ": " +
                std::strerror(n < 0 ? errno : ENOSPC);
        return false;
      }
      data += n;
      size -= static_cast<uint64_t>(n);
      offset += static_cast<uint64_t>(n);
    }
    return true;
  };
  // The gaps between tensors read as zeros.
  bool ok = ::ftruncate(fd, static_cast<off_t>(layout.size)) == 0;
  if (!ok)
    error = "cannot write " + temporary + ": " + std::strerror(errno);
  ok = ok && writeAt(layout.header.data(), layout.header.size(), 0);
  std::vector<char> buffer;
  LayerProgress layers(progress);
  for (const ParamTensor &tensor : layout.tensors) {
    if (!ok)
      break;
    layers.tensor(tensor.name);
    buffer.resize(tensor.bytes);
    ok = convert(tensor, layout.projectionsOutIn, buffer.data(), error) &&
         writeAt(buffer.data(), tensor.bytes, tensor.offset);
  }
  if (ok)
    layers.finish();
  if (::close(fd) != 0 && ok) {
    error = "cannot write " + temporary + ": " + std::strerror(errno);
    ok = false;
  }
  if (ok && ::rename(temporary.c_str(), path.c_str()) != 0) {
    error = "cannot rename " + temporary + " to " + path + ": " +
            std::strerror(errno);
    ok = false;
  }
  if (!ok)
    ::unlink(temporary.c_str());
  return ok;
}

} // namespace mlc::rt::qwen3
