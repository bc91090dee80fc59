//===- Passes.h - CUDA code generation passes -------------------*- C++ -*-===//

#ifndef MLC_TARGET_CUDA_TRANSFORMS_PASSES_H
#define MLC_TARGET_CUDA_TRANSFORMS_PASSES_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/Pass.h"

namespace mlc {

#define GEN_PASS_DECL
#include "mlc/Target/CUDA/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "mlc/Target/CUDA/Transforms/Passes.h.inc"

} // namespace mlc

#endif // MLC_TARGET_CUDA_TRANSFORMS_PASSES_H
