//===- Builder.h - Qwen3 in the mlc dialect ---------------------*- C++ -*-===//
//
// Builds the mlc module that `mlc-compile` turns into libqwen3.so: the entry
// points of a Qwen3 decoder with Hugging Face semantics, weights as named
// parameters bound at load time. The runtime (mlc-c/Qwen3.h) runs the layers
// one after the other, so the code of a layer is compiled once whatever the
// model's depth.
//
//===----------------------------------------------------------------------===//

#ifndef MLC_MODELS_QWEN3_BUILDER_H
#define MLC_MODELS_QWEN3_BUILDER_H

#include "mlc/Models/Qwen3/Config.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

namespace mlc::qwen3 {

struct BuildOptions {
  /// Rows of each layer's KV cache: the longest context a session holds.
  int64_t maxContext = 4096;
  /// The matrices (projections, embedding, lm_head) in bf16, as bf16
  /// checkpoints store them: computed in f32 all the same (each weight is
  /// widened when read, exactly), with half the memory traffic. Norm
  /// weights stay f32.
  bool bf16Weights = false;
  /// The KV caches in bf16: keys and values are rounded (nearest even) as
  /// they are written and widened as attention reads them, which halves
  /// what a decode step reads of them.
  bool bf16Cache = false;
  /// The projections and lm_head [out, in], as the checkpoint has them (for
  /// CUDA: GEMVs with a warp per output read a row each), else [in, out]
  /// (for CPUs: the matmuls stream weight rows).
  bool projectionsOutIn = false;
};

/// Prefix of the parameters of the layer entry points: the runtime binds
/// `layer.<suffix>` to `model.layers.<i>.<suffix>` for layer i.
inline constexpr const char *kLayerPrefix = "layer.";

/// The tensor name suffixes of one decoder layer, in parameter order.
llvm::ArrayRef<const char *> layerTensorSuffixes();

/// Builds the module. Entry points (f32 but for the caches, batch 1, S
/// tokens):
///
///   embed(tokens: 1xS i64) -> hidden 1xSxH
///   layer_prefill(hidden 1xSxH, positions 1xS i64, start i64,
///                 k_cache 1xKVxCxD, v_cache 1xKVxCxD) -> hidden 1xSxH
///                 (the caches f32, or bf16 with BuildOptions::bf16Cache)
///   layer_decode: the same with S = 1
///   head_prefill(hidden 1xSxH) -> logits 1xSxV
///   head_decode: the same with S = 1
///
/// Token i sits at absolute position positions[i] = start + i; a layer writes
/// its keys and values to rows [start, start + S) of the caches (in place:
/// the cache results carry `mlc.updates`) and attends to rows [0, start + S).
mlir::OwningOpRef<mlir::ModuleOp> buildModule(mlir::MLIRContext *context,
                                              const Config &config,
                                              const BuildOptions &options);

} // namespace mlc::qwen3

#endif // MLC_MODELS_QWEN3_BUILDER_H
