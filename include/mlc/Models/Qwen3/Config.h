//===- Config.h - the config.json of a Hugging Face Qwen3 -------*- C++ -*-===//
//
// Reads the config.json of a Hugging Face Qwen3 checkpoint at compile time
// into a validated Config, the model the builder builds. Every problem (a
// missing or malformed key, a variant mlc does not implement) gives an
// llvm::Error naming the file and the key; nothing aborts on user input.
// The weights are not read here: the runtime's safetensors reader and
// conversion (lib/Runtime/Qwen3Weights.h) write params.bin.
//
//===----------------------------------------------------------------------===//

#ifndef MLC_MODELS_QWEN3_CONFIG_H
#define MLC_MODELS_QWEN3_CONFIG_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include <cstdint>
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

} // namespace mlc::qwen3

#endif // MLC_MODELS_QWEN3_CONFIG_H
