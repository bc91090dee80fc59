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
/// f32 (the matrices as bf16 with `bf16Weights`: bit for bit the
/// checkpoint's, which must then be bf16), with the projections (`*_proj.weight`, `lm_head.weight`) transposed
/// to [in, out], the layout a matmul streams for one token; lm_head.weight
/// is written (from the embedding) also when it is tied. `progress`, if set,
/// receives a line per finished layer.
llvm::Error
writeParameterFile(const Checkpoint &checkpoint, llvm::StringRef path,
                   bool bf16Weights,
                   const std::function<void(llvm::StringRef)> &progress = {});

/// True if every matrix Qwen3 reads is bf16 in the checkpoint, so that
/// writing them in bf16 (BuildOptions::bf16Weights) loses nothing.
bool hasBf16Matrices(const Checkpoint &checkpoint);

} // namespace mlc::qwen3

#endif // MLC_MODELS_QWEN3_PARAMETERFILE_H
