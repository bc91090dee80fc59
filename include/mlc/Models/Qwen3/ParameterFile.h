//===- ParameterFile.h - write a Qwen3 checkpoint as params.bin -*- C++ -*-===//
//
// Converts the weights of a checkpoint once, at compile time, into the
// parameter file format of mlc-c/Module.h (f32, dense, 64-byte aligned),
// which the runtime maps and binds to the `extern` params of libqwen3.so.
//
//===----------------------------------------------------------------------===//

#ifndef MLC_MODELS_QWEN3_PARAMETERFILE_H
#define MLC_MODELS_QWEN3_PARAMETERFILE_H

#include "mlc/Models/Qwen3/Checkpoint.h"
#include <functional>

namespace mlc::qwen3 {

/// Writes every tensor of expectedTensors(checkpoint.config()) to `path` as
/// f32, with the projections (`*_proj.weight`, `lm_head.weight`) transposed
/// to [in, out], the layout a matmul streams for one token; lm_head.weight
/// is written (from the embedding) also when it is tied. `progress`, if set,
/// receives a line per finished layer.
llvm::Error
writeParameterFile(const Checkpoint &checkpoint, llvm::StringRef path,
                   const std::function<void(llvm::StringRef)> &progress = {});

} // namespace mlc::qwen3

#endif // MLC_MODELS_QWEN3_PARAMETERFILE_H
