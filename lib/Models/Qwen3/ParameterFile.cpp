//===- ParameterFile.cpp - write a Qwen3 checkpoint as params.bin ---------===//

#include "mlc/Models/Qwen3/ParameterFile.h"
#include "mlc-c/Module.h"
#include "mlc/Target/Compile.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/raw_ostream.h"
#include <cstring>

namespace mlc::qwen3 {

namespace {
/// `in` [rows, cols] transposed into `out` [cols, rows], in blocks that stay
/// in cache.
template <typename T>
void transpose(llvm::ArrayRef<T> in, int64_t rows, int64_t cols,
               llvm::MutableArrayRef<T> out) {
  constexpr int64_t kBlock = 64;
  for (int64_t r0 = 0; r0 < rows; r0 += kBlock)
    for (int64_t c0 = 0; c0 < cols; c0 += kBlock)
      for (int64_t r = r0; r < std::min(rows, r0 + kBlock); ++r)
        for (int64_t c = c0; c < std::min(cols, c0 + kBlock); ++c)
          out[c * rows + r] = in[r * cols + c];
}

bool isProjection(llvm::StringRef name) {
  return name.ends_with("_proj.weight") || name == kLmHeadTensor;
}

} // namespace

namespace {
/// Writes the tensors `sources` (T = float: converted to f32; T = uint16_t:
/// bf16 bits as stored), transposed from [out, in] to [in, out] if
/// `transposed`, side by side along the last dimension, as `spec`.
template <typename T>
llvm::Error writeStored(const Checkpoint &checkpoint,
                        llvm::ArrayRef<std::string> sources,
                        const TensorSpec &spec, bool transposed,
                        llvm::raw_ostream &os) {
  std::vector<std::vector<T>> parts;
  std::vector<int64_t> widths;
  for (const std::string &source : sources) {
    const TensorInfo *tensor = checkpoint.find(source);
    if (!tensor)
      return llvm::createStringError("missing tensor " + source);
    std::vector<int64_t> shape = tensor->shape;
    int64_t count = tensor->numElements();
    std::vector<T> data(count);
    if constexpr (std::is_same_v<T, float>) {
      if (llvm::Error e = checkpoint.readF32(source, shape, data))
        return e;
    } else {
      if (tensor->dtype != DType::BF16 || tensor->size != data.size() * 2)
        return llvm::createStringError("tensor " + source + " is not bf16");
      std::memcpy(data.data(), tensor->data, tensor->size);
    }
    if (transposed) {
      std::vector<T> t(count);
      transpose<T>(data, shape[0], shape[1], t);
      data.swap(t);
      widths.push_back(shape[0]);
    } else {
      widths.push_back(shape.empty() ? 1 : shape.back());
    }
    parts.push_back(std::move(data));
  }
  if (parts.size() == 1) {
    os.write(reinterpret_cast<const char *>(parts[0].data()),
             parts[0].size() * sizeof(T));
    return llvm::Error::success();
  }
  // Side by side: each row is the parts' rows one after the other.
  int64_t rows = spec.shape[0];
  for (int64_t r = 0; r < rows; ++r)
    for (auto [part, width] : llvm::zip_equal(parts, widths))
      os.write(reinterpret_cast<const char *>(part.data() + r * width),
               width * sizeof(T));
  return llvm::Error::success();
}
} // namespace

bool hasBf16Matrices(const Checkpoint &checkpoint) {
  for (const TensorSpec &spec : expectedTensors(checkpoint.config())) {
    const TensorInfo *tensor = checkpoint.find(spec.name);
    if (spec.shape.size() == 2 && (!tensor || tensor->dtype != DType::BF16))
      return false;
  }
  return true;
}

llvm::Error
writeParameterFile(const Checkpoint &checkpoint, llvm::StringRef path,
                   bool bf16Weights,
                   const std::function<void(llvm::StringRef)> &progress) {
  if (bf16Weights && !hasBf16Matrices(checkpoint))
    return llvm::createStringError(
        "bf16 weights need a checkpoint whose matrices are bf16");
  // What the file holds: the checkpoint's tensors, with every projection
  // [out, in] stored transposed as [in, out], and lm_head.weight even when
  // tied to the embedding (which the gather reads untransposed); matrices
  // in bf16 with `bf16Weights`. The projections that read the same input
  // are stored side by side, as one matrix-vector product each:
  // self_attn.qkv_proj.weight [hidden, q | k | v] and
  // mlp.gate_up_proj.weight [hidden, gate | up].
  struct Stored {
    TensorSpec spec;                  ///< As stored.
    std::vector<std::string> sources; ///< Checkpoint tensors, side by side.
    bool transposed;
    bool bf16;
  };
  std::vector<Stored> stored;
  const Config &config = checkpoint.config();
  auto merged = [](llvm::StringRef name) -> std::optional<std::string> {
    for (auto [first, mergedName] :
         {std::pair<llvm::StringRef, llvm::StringRef>{
              "self_attn.q_proj.weight", "self_attn.qkv_proj.weight"},
          {"mlp.gate_proj.weight", "mlp.gate_up_proj.weight"}})
      if (name.ends_with(first))
        return (name.drop_back(first.size()) + mergedName).str();
    return std::nullopt;
  };
  for (TensorSpec &spec : expectedTensors(config)) {
    llvm::StringRef name = spec.name;
    if (name.ends_with("self_attn.k_proj.weight") ||
        name.ends_with("self_attn.v_proj.weight") ||
        name.ends_with("mlp.up_proj.weight"))
      continue; // Stored with the q or gate projection.
    bool projection = isProjection(name);
    bool bf16 = bf16Weights && spec.shape.size() == 2;
    std::vector<std::string> sources = {spec.name};
    if (std::optional<std::string> combined = merged(name)) {
      llvm::StringRef prefix = name.drop_back(
          name.ends_with("q_proj.weight") ? strlen("q_proj.weight")
                                          : strlen("gate_proj.weight"));
      sources = name.ends_with("q_proj.weight")
                    ? std::vector<std::string>{(prefix + "q_proj.weight").str(),
                                               (prefix + "k_proj.weight").str(),
                                               (prefix + "v_proj.weight").str()}
                    : std::vector<std::string>{(prefix + "gate_proj.weight").str(),
                                               (prefix + "up_proj.weight").str()};
      spec.name = *combined;
    }
    TensorSpec storedSpec = spec;
    if (projection) {
      int64_t columns = 0;
      for (const std::string &source : sources)
        columns += checkpoint.find(source) ? checkpoint.find(source)->shape[0]
                                           : spec.shape[0];
      storedSpec.shape = {spec.shape[1], columns};
    }
    stored.push_back({std::move(storedSpec), std::move(sources), projection,
                      bf16});
  }
  if (config.tieWordEmbeddings)
    stored.push_back({{std::string(kLmHeadTensor),
                       {config.hiddenSize, config.vocabSize}},
                      {std::string(kEmbedTokensTensor)},
                      true,
                      bf16Weights});
  auto countOf = [](const TensorSpec &spec) {
    int64_t count = 1;
    for (int64_t d : spec.shape)
      count *= d;
    return static_cast<uint64_t>(count);
  };
  auto bytesOf = [&](const Stored &s) {
    return countOf(s.spec) * (s.bf16 ? 2 : sizeof(float));
  };

  // The header's size depends on the offsets it prints: lay out the data
  // after a generous bound on the header, then pad the header to it.
  uint64_t headerBound = 64;
  for (const Stored &s : stored)
    headerBound +=
        mlc::encodeModuleName(s.spec.name).size() + 32 + 21 * s.spec.shape.size();
  headerBound = llvm::alignTo(headerBound, 4096);
  std::string header =
      "mlc-params " + std::to_string(MLC_PARAMS_FILE_VERSION) + "\n";
  std::vector<uint64_t> offsets;
  uint64_t offset = headerBound;
  for (const Stored &s : stored) {
    offsets.push_back(offset);
    header += mlc::encodeModuleName(s.spec.name) + (s.bf16 ? " bf16 " : " f32 ") +
              std::to_string(offset);
    for (int64_t d : s.spec.shape)
      header += " " + std::to_string(d);
    header += "\n";
    offset = llvm::alignTo(offset + bytesOf(s), 64);
  }
  header += "end\n";
  if (header.size() > headerBound)
    return llvm::createStringError("parameter file header overflow");
  header.resize(headerBound, '\n');

  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  if (ec)
    return llvm::createStringError("cannot write " + path + ": " +
                                   ec.message());
  os << header;
  uint64_t written = headerBound;
  std::string currentLayer;
  for (auto [s, start] : llvm::zip_equal(stored, offsets)) {
    const TensorSpec &spec = s.spec;
    os.write_zeros(start - written);
    llvm::Error error = s.bf16 ? writeStored<uint16_t>(checkpoint, s.sources,
                                                        spec, s.transposed, os)
                               : writeStored<float>(checkpoint, s.sources,
                                                    spec, s.transposed, os);
    if (error)
      return error;
    written = start + bytesOf(s);
    // "model.layers.3.mlp..." -> one progress line per layer.
    llvm::StringRef name = spec.name;
    if (progress && name.consume_front("model.layers.")) {
      std::string layer = name.split('.').first.str();
      if (layer != currentLayer && !currentLayer.empty())
        progress("converted layer " + currentLayer);
      currentLayer = layer;
    }
  }
  if (progress && !currentLayer.empty())
    progress("converted layer " + currentLayer);
  os.close();
  if (os.has_error())
    return llvm::createStringError("cannot write " + path + ": " +
                                   os.error().message());
  return llvm::Error::success();
}

} // namespace mlc::qwen3
