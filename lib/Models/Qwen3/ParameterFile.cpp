//===- ParameterFile.cpp - write a Qwen3 checkpoint as params.bin ---------===//

#include "mlc/Models/Qwen3/ParameterFile.h"
#include "mlc-c/Module.h"
#include "mlc/Target/CPU/CpuTarget.h"
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
  // in bf16 with `bf16Weights`.
  struct Stored {
    TensorSpec spec;    ///< As stored.
    std::string source; ///< The checkpoint tensor it comes from.
    bool transposed;
    bool bf16;
  };
  std::vector<Stored> stored;
  const Config &config = checkpoint.config();
  for (TensorSpec &spec : expectedTensors(config)) {
    std::string source = spec.name;
    bool projection = isProjection(spec.name);
    bool bf16 = bf16Weights && spec.shape.size() == 2;
    if (projection)
      std::swap(spec.shape[0], spec.shape[1]);
    stored.push_back({std::move(spec), std::move(source), projection, bf16});
  }
  if (config.tieWordEmbeddings)
    stored.push_back({{std::string(kLmHeadTensor),
                       {config.hiddenSize, config.vocabSize}},
                      std::string(kEmbedTokensTensor),
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
  std::vector<float> buffer, transposed;
  std::vector<uint16_t> raw, rawTransposed;
  std::string currentLayer;
  for (auto [s, start] : llvm::zip_equal(stored, offsets)) {
    const TensorSpec &spec = s.spec;
    os.write_zeros(start - written);
    int64_t rows = spec.shape.size() == 2 && s.transposed ? spec.shape[1] : 0,
            cols = rows ? spec.shape[0] : 0;
    if (s.bf16) {
      // The checkpoint's bytes (little-endian bf16), transposed if needed.
      const TensorInfo *tensor = checkpoint.find(s.source);
      raw.resize(countOf(spec));
      if (!tensor || tensor->size != raw.size() * 2)
        return llvm::createStringError("tensor " + s.source +
                                       ": unexpected size");
      std::memcpy(raw.data(), tensor->data, tensor->size);
      if (s.transposed) {
        rawTransposed.resize(raw.size());
        transpose<uint16_t>(raw, rows, cols, rawTransposed);
        raw.swap(rawTransposed);
      }
      os.write(reinterpret_cast<const char *>(raw.data()), raw.size() * 2);
    } else {
      buffer.resize(countOf(spec));
      if (!s.transposed) {
        if (llvm::Error e = checkpoint.readF32(s.source, spec.shape, buffer))
          return e;
      } else {
        transposed.resize(buffer.size());
        if (llvm::Error e =
                checkpoint.readF32(s.source, {rows, cols}, transposed))
          return e;
        transpose<float>(transposed, rows, cols, buffer);
      }
      os.write(reinterpret_cast<const char *>(buffer.data()),
               buffer.size() * sizeof(float));
    }
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
