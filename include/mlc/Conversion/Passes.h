//===- Passes.h - conversions out of the mlc dialect ------------*- C++ -*-===//

#ifndef MLC_CONVERSION_PASSES_H
#define MLC_CONVERSION_PASSES_H

#include "mlc/Conversion/MlcToLinalg/MlcToLinalg.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/Pass.h"

namespace mlc {

/// The fusion control of `mlc-fuse-elementwise-ops`: whether the producer of
/// `fusedOperand` has one use and fusing it into the owner recomputes
/// nothing beyond a broadcast into an elementwise op.
bool isFusableWithoutRecompute(mlir::OpOperand *fusedOperand);

#define GEN_PASS_DECL
#include "mlc/Conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "mlc/Conversion/Passes.h.inc"

} // namespace mlc

#endif // MLC_CONVERSION_PASSES_H
