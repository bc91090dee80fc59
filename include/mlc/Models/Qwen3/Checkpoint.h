//===- Checkpoint.h - Hugging Face Qwen3 checkpoints ------------*- C++ -*-===//
//
// Reads a Hugging Face Qwen3 checkpoint folder at compile time:
//
//   config.json                          -> Config (validated)
//   model.safetensors                    -> tensors, or
//   model.safetensors.index.json + the shards it names
//
// Safetensors files are memory-mapped, never copied: a TensorInfo points at
// its bytes inside the mapping, which lives as long as the Checkpoint. Every
// malformed input (truncated file, bad header, overlapping or out-of-range
// tensors, a config mlc cannot compile) gives an llvm::Error naming the file
// and the key or tensor; nothing aborts on user input.
//
//===----------------------------------------------------------------------===//

#ifndef MLC_MODELS_QWEN3_CHECKPOINT_H
#define MLC_MODELS_QWEN3_CHECKPOINT_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace mlc::qwen3 {

/// The model hyperparameters of a Qwen3 config.json (Qwen3Config in
/// transformers), after validation: every size is positive and small enough
/// that products of two sizes (and of the layer count with one) fit in
/// int64_t.
struct Config {
  int64_t vocabSize = 0, hiddenSize = 0, intermediateSize = 0, numLayers = 0,
          numHeads = 0, numKvHeads = 0, headDim = 0, maxPositionEmbeddings = 0;
  double ropeTheta = 0, rmsNormEps = 0;
  bool tieWordEmbeddings = false;
  /// -1 when absent or null.
  int64_t bosTokenId = -1;
  /// The config's eos_token_id (an integer or a list); empty when absent.
  std::vector<int64_t> eosTokenIds;
  /// "bfloat16", "float32", ...; the config's torch_dtype (or dtype, as newer
  /// transformers write it); empty when absent.
  std::string torchDtype;
};

/// Reads and validates `path` (a config.json). Errors name the file and key;
/// all problems of the file are listed in one error.
llvm::Expected<Config> loadConfig(llvm::StringRef path);

/// The element types mlc reads from safetensors files. Tensors of other
/// (well-formed) safetensors dtypes are checked and then skipped: find()
/// does not return them, and verify()/readF32() report their dtype.
enum class DType { F32, F16, BF16 };

/// "F32", "F16" or "BF16" (the safetensors spelling).
llvm::StringRef dtypeName(DType dtype);
/// Bytes per element.
size_t dtypeSize(DType dtype);

/// One tensor of a checkpoint. `data` points into the memory-mapped file and
/// may be unaligned; the bytes are little-endian.
struct TensorInfo {
  std::string name;
  DType dtype;
  /// Empty for a scalar.
  std::vector<int64_t> shape;
  /// The safetensors file holding it (the path Checkpoint::open built).
  std::string file;
  const char *data;
  size_t size;

  int64_t numElements() const;
};

/// A tensor name with the shape Qwen3 expects for it.
struct TensorSpec {
  std::string name;
  std::vector<int64_t> shape;
};

/// A checkpoint folder: config.json + model.safetensors or
/// model.safetensors.index.json + shards, all memory-mapped. As in
/// transformers, a single model.safetensors wins over an index.
class Checkpoint {
public:
  static llvm::Expected<std::unique_ptr<Checkpoint>> open(llvm::StringRef dir);

  const Config &config() const { return cfg; }
  llvm::StringRef directory() const { return dir; }
  /// Every F32/F16/BF16 tensor, sorted by name.
  llvm::ArrayRef<TensorInfo> tensors() const { return tensorList; }
  /// nullptr when absent (or of a dtype mlc does not read).
  const TensorInfo *find(llvm::StringRef name) const;

  /// Checks that every tensor Qwen3 needs for config() exists with the right
  /// shape and a float dtype; one error listing every problem ("missing
  /// tensor X", "tensor X in FILE: expected shape [a, b], found [c, d]").
  llvm::Error verify() const;

  /// Converts tensor `name` to f32 into `out` (size must equal its element
  /// count); checks the expected shape. Conversions from f16 and bf16 are
  /// exact (subnormals, infinities and NaN payloads included).
  llvm::Error readF32(llvm::StringRef name,
                      llvm::ArrayRef<int64_t> expectedShape,
                      llvm::MutableArrayRef<float> out) const;

private:
  Checkpoint() = default;
  /// A well-formed tensor of a dtype mlc does not read (I64, F64, ...).
  struct SkippedTensor {
    std::string dtype, file;
  };
  llvm::Error addFile(llvm::StringRef path);
  /// "tensor X in FILE: unsupported dtype ..." or "missing tensor X".
  std::string describeAbsent(llvm::StringRef name) const;

  std::string dir;
  Config cfg;
  std::vector<std::unique_ptr<llvm::MemoryBuffer>> buffers;
  std::vector<TensorInfo> tensorList;
  llvm::StringMap<size_t> tensorIndex;
  llvm::StringMap<SkippedTensor> skipped;
};

/// Names of the global tensors.
inline constexpr llvm::StringLiteral kEmbedTokensTensor =
    "model.embed_tokens.weight";
inline constexpr llvm::StringLiteral kFinalNormTensor = "model.norm.weight";
inline constexpr llvm::StringLiteral kLmHeadTensor = "lm_head.weight";

/// The tensor names of layer `i` and the global ones, for builders: e.g.
/// `layerTensor(i, "self_attn.q_proj.weight")` returns
/// "model.layers.i.self_attn.q_proj.weight".
std::string layerTensor(int64_t layer, llvm::StringRef suffix);

/// The output projection: the embedding when tie_word_embeddings is set
/// (transformers then ties lm_head to it, whatever the file holds),
/// lm_head.weight otherwise.
llvm::StringRef lmHeadTensor(const Config &config);

/// Every tensor a Qwen3 model of `config` reads, with its shape, in a fixed
/// order (embedding, layers 0..n-1, final norm, lm_head unless tied).
std::vector<TensorSpec> expectedTensors(const Config &config);

} // namespace mlc::qwen3

#endif // MLC_MODELS_QWEN3_CHECKPOINT_H
