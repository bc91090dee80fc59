//===- Qwen3Weights.h - a Qwen3 checkpoint as a library's params -*- C++
//-*-===//
//
// The one conversion of Hugging Face Qwen3 weights into the params a Qwen3
// library declares (mlc-c/Module.h, docs/qwen3.md): the projections
// transposed from [out, in] to [in, out], q/k/v and gate/up side by side
// (`self_attn.qkv_proj.weight`, `mlp.gate_up_proj.weight`), lm_head.weight
// also when tied to the embedding, each tensor in the dtype the library
// declares (f32: widened exactly from F32, F16 or BF16; bf16: the
// checkpoint's BF16 bits). It fills a parameter file's bytes, written to
// params.bin (mlc-compile, mlc_qwen3_write_params) or built in memory
// (mlc_qwen3_load_with_weights): the same bytes either way.
//
// Also here: the part of config.json the weights and the compiled code
// depend on, so that a checkpoint is checked against the library's config
// before its weights are bound. Plain C++17 (part of libmlcrt: no LLVM);
// errors name the file and the tensor or key.
//
//===----------------------------------------------------------------------===//

#ifndef MLC_LIB_RUNTIME_QWEN3WEIGHTS_H
#define MLC_LIB_RUNTIME_QWEN3WEIGHTS_H

#include "Safetensors.h"

#include "mlc-c/Runtime.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace mlc::rt::qwen3 {

/// What of a Qwen3 config.json the shapes of the weights depend on and the
/// compiled code bakes in.
struct ModelConfig {
  std::string path; ///< The config.json read.
  int64_t vocabSize = 0, hiddenSize = 0, intermediateSize = 0, numLayers = 0,
          numHeads = 0, numKvHeads = 0, headDim = 0;
  bool tieWordEmbeddings = false;
  double ropeTheta = 0, rmsNormEps = 0;
  std::string torchDtype; ///< "bfloat16", ...; empty when absent.
};

/// Reads `path` (model_type qwen3; the sizes positive and small enough that
/// products of two fit in int64_t). All problems are listed in `error`.
bool readConfig(const std::string &path, ModelConfig &config,
                std::string &error);

/// "" when `checkpoint` describes the model `library` was compiled for;
/// otherwise an error naming both files and every key that differs.
std::string compareConfigs(const ModelConfig &library,
                           const ModelConfig &checkpoint);

/// A param that a Qwen3 library declares (its metadata's `extern` params,
/// or the mlc.parameter ops the compiler builds): `layer.<suffix>` for the
/// layer entry points (bound to `model.layers.<i>.<suffix>`), or a global
/// name. Matrices are f32 or bf16, the rest f32.
struct ParamSpec {
  std::string name;
  mlc_dtype dtype = MLC_DTYPE_INVALID;
  std::vector<int64_t> dims;
};

/// One tensor of a parameter file.
struct ParamTensor {
  std::string name;
  mlc_dtype dtype = MLC_DTYPE_INVALID;
  std::vector<int64_t> dims;
  uint64_t offset = 0, bytes = 0;
};

/// A parameter file (mlc-c/Module.h): its header (padded to where the data
/// starts), its tensors and its size.
struct ParamsLayout {
  std::string header;
  std::vector<ParamTensor> tensors;
  uint64_t size = 0;
  /// The projections and lm_head [out, in], as checkpoints store them
  /// (libraries for CUDA: their GEMVs read one row per output); else
  /// transposed to [in, out] (CPU libraries stream weight rows).
  bool projectionsOutIn = false;
};

/// The file for `specs` with `layers` decoder layers: the embedding, each
/// layer's tensors (layer by layer), the final norm, lm_head, then any
/// other name, whatever the order of `specs` (so that a library's metadata
/// and the compiler's module give the same file).
bool planParams(const std::vector<ParamSpec> &specs, int64_t layers,
                ParamsLayout &layout, std::string &error);

/// Converts `tensor` (elements of F32, F16 or BF16, any shape) into `out`
/// as `dtype` (f32: exact; bf16: from BF16 only, bit for bit).
bool convertElements(const StTensor &tensor, mlc_dtype dtype, char *out,
                     std::string &error);

/// A Hugging Face Qwen3 checkpoint folder: config.json and its safetensors.
class Checkpoint {
public:
  static std::unique_ptr<Checkpoint> open(const std::string &dir,
                                          std::string &error);

  const std::string &directory() const { return dir; }
  const ModelConfig &config() const { return cfg; }
  const SafetensorsFolder &files() const { return *folder; }

  /// Checks that every tensor Qwen3 reads for config() exists with its
  /// shape and a float dtype; one error listing every problem under
  /// "checkpoint DIR does not match its config.json:".
  bool verify(std::string &error) const;
  /// Whether every matrix is BF16 (and can be kept in bf16).
  bool hasBf16Matrices() const;

  /// Fills `out` (tensor.bytes bytes) with param-file tensor `tensor`
  /// (`model.layers.<i>.<suffix>` for layer params) from the checkpoint,
  /// its matrices [out, in] if `projectionsOutIn` (ParamsLayout).
  bool convert(const ParamTensor &tensor, bool projectionsOutIn, char *out,
               std::string &error) const;

  /// Fills `image` (layout.size bytes, zeroed) with the parameter file.
  /// `progress`, if set, receives a line per converted layer.
  bool
  fill(const ParamsLayout &layout, char *image, std::string &error,
       const std::function<void(const std::string &)> &progress = {}) const;
  /// Writes the parameter file to `path` (through `path`.tmp, renamed once
  /// complete).
  bool
  write(const ParamsLayout &layout, const std::string &path, std::string &error,
        const std::function<void(const std::string &)> &progress = {}) const;

private:
  Checkpoint() = default;
  std::string dir;
  ModelConfig cfg;
  std::unique_ptr<SafetensorsFolder> folder;
};

} // namespace mlc::rt::qwen3

#endif // MLC_LIB_RUNTIME_QWEN3WEIGHTS_H
