//===- ParameterFile.cpp - write a Qwen3 checkpoint as params.bin ---------===//

#include "mlc/Models/Qwen3/ParameterFile.h"
#include "mlc-c/Module.h"
#include "mlc/Target/CPU/CpuTarget.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/raw_ostream.h"

namespace mlc::qwen3 {

namespace {
/// `in` [rows, cols] transposed into `out` [cols, rows], in blocks that stay
/// in cache.
void transpose(llvm::ArrayRef<float> in, int64_t rows, int64_t cols,
               llvm::MutableArrayRef<float> out) {
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

llvm::Error
writeParameterFile(const Checkpoint &checkpoint, llvm::StringRef path,
                   const std::function<void(llvm::StringRef)> &progress) {
  // What the file holds: the checkpoint's tensors, with every projection
  // [out, in] stored transposed as [in, out], and lm_head.weight even when
  // tied to the embedding (which the gather reads untransposed).
  struct Stored {
    TensorSpec spec;    ///< As stored.
    std::string source; ///< The checkpoint tensor it comes from.
    bool transposed;
  };
  std::vector<Stored> stored;
  const Config &config = checkpoint.config();
  for (TensorSpec &spec : expectedTensors(config)) {
    std::string source = spec.name;
    bool projection = isProjection(spec.name);
    if (projection)
      std::swap(spec.shape[0], spec.shape[1]);
    stored.push_back({std::move(spec), std::move(source), projection});
  }
  if (config.tieWordEmbeddings)
    stored.push_back({{std::string(kLmHeadTensor),
                       {config.hiddenSize, config.vocabSize}},
                      std::string(kEmbedTokensTensor),
                      true});
  std::vector<TensorSpec> specs;
  for (const Stored &s : stored)
    specs.push_back(s.spec);
  auto bytesOf = [](const TensorSpec &spec) {
    int64_t count = 1;
    for (int64_t d : spec.shape)
      count *= d;
    return static_cast<uint64_t>(count) * sizeof(float);
  };

  // The header's size depends on the offsets it prints: lay out the data
  // after a generous bound on the header, then pad the header to it.
  uint64_t headerBound = 64;
  for (const TensorSpec &spec : specs)
    headerBound += mlc::encodeModuleName(spec.name).size() + 32 + 21 * spec.shape.size();
  headerBound = llvm::alignTo(headerBound, 4096);
  std::string header =
      "mlc-params " + std::to_string(MLC_PARAMS_FILE_VERSION) + "\n";
  std::vector<uint64_t> offsets;
  uint64_t offset = headerBound;
  for (const TensorSpec &spec : specs) {
    offsets.push_back(offset);
    header += mlc::encodeModuleName(spec.name) + " f32 " + std::to_string(offset);
    for (int64_t d : spec.shape)
      header += " " + std::to_string(d);
    header += "\n";
    offset = llvm::alignTo(offset + bytesOf(spec), 64);
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
  std::string currentLayer;
  for (auto [s, start] : llvm::zip_equal(stored, offsets)) {
    const TensorSpec &spec = s.spec;
    os.write_zeros(start - written);
    buffer.resize(bytesOf(spec) / sizeof(float));
    if (!s.transposed) {
      if (llvm::Error e = checkpoint.readF32(s.source, spec.shape, buffer))
        return e;
    } else {
      int64_t rows = spec.shape[1], cols = spec.shape[0];
      transposed.resize(buffer.size());
      if (llvm::Error e =
              checkpoint.readF32(s.source, {rows, cols}, transposed))
        return e;
      transpose(transposed, rows, cols, buffer);
    }
    os.write(reinterpret_cast<const char *>(buffer.data()),
             buffer.size() * sizeof(float));
    written = start + bytesOf(spec);
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
