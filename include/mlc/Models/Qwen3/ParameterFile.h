//===- ParameterFile.h - write a Qwen3 checkpoint as params.bin -*- C++ -*-===//
//
// mlc-compile's side of params.bin: the weights of a checkpoint folder,
// read by the runtime's safetensors reader and converted by the runtime's
// conversion (lib/Runtime/Qwen3Weights.h, the code mlc_qwen3_load_with_weights
// runs at load) into the params the built module declares. There is one
// conversion: a library compiled with --no-weights and bound to the same
// checkpoint at load reads the same bytes.
//
//===----------------------------------------------------------------------===//

#ifndef MLC_MODELS_QWEN3_PARAMETERFILE_H
#define MLC_MODELS_QWEN3_PARAMETERFILE_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Error.h"
#include <functional>
#include <memory>

namespace mlc::rt::qwen3 {
class Checkpoint;
} // namespace mlc::rt::qwen3

namespace mlc::qwen3 {

/// The weights of a checkpoint folder (config.json and its safetensors),
/// memory-mapped.
class CheckpointWeights {
public:
  /// Opens `dir` and checks that every tensor its config.json implies is
  /// there with its shape and a float dtype (one error listing every
  /// problem, naming the files and tensors).
  static llvm::Expected<std::unique_ptr<CheckpointWeights>>
  open(llvm::StringRef dir);
  ~CheckpointWeights();

  /// True if every matrix Qwen3 reads is bf16 in the checkpoint, so that
  /// keeping them in bf16 (BuildOptions::bf16Weights) loses nothing.
  bool hasBf16Matrices() const;

  /// Writes the params that `module` (from buildModule) declares to `path`
  /// in the parameter file format of mlc-c/Module.h: the projections
  /// transposed to [in, out] with q/k/v and gate/up side by side, or with
  /// `projectionsOutIn` (BuildOptions) as they are with q/k/v and gate/up
  /// stacked; lm_head also when tied; each in the module's dtype.
  /// `progress`, if set, receives a line per converted layer.
  llvm::Error writeParameterFile(
      mlir::ModuleOp module, llvm::StringRef path, bool projectionsOutIn,
      const std::function<void(llvm::StringRef)> &progress = {}) const;

private:
  explicit CheckpointWeights(std::unique_ptr<rt::qwen3::Checkpoint> checkpoint);
  std::unique_ptr<rt::qwen3::Checkpoint> checkpoint;
};

} // namespace mlc::qwen3

#endif // MLC_MODELS_QWEN3_PARAMETERFILE_H
