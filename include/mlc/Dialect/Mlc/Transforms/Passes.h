//===- Passes.h - graph passes on the mlc dialect ---------------*- C++ -*-===//

#ifndef MLC_DIALECT_MLC_TRANSFORMS_PASSES_H
#define MLC_DIALECT_MLC_TRANSFORMS_PASSES_H

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Pass/Pass.h"

namespace mlc {

#define GEN_PASS_DECL
#include "mlc/Dialect/Mlc/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "mlc/Dialect/Mlc/Transforms/Passes.h.inc"

/// Refines the result types of the mlc ops nested in `root` from their
/// shape functions, in order (what mlc-infer-shapes does); whether any
/// type changed.
bool inferShapes(mlir::Operation *root);

} // namespace mlc

#endif // MLC_DIALECT_MLC_TRANSFORMS_PASSES_H
