//===- Passes.td - conversions out of the mlc dialect ------*- tablegen -*-===//

#ifndef MLC_CONVERSION_PASSES_TD
#define MLC_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertMlcToLinalgPass : Pass<"convert-mlc-to-linalg", "::mlir::ModuleOp"> {
  let summary = "Lower mlc ops to linalg, tensor, arith and math on tensors";
  let description = [{
    Rewrites every mlc op except `mlc.parameter` (which the compile driver
    reads) into structured ops on tensors: elementwise ops become
    `linalg.generic`s with broadcasting indexing maps, contractions become
    contraction generics or named convolutions, reductions and
    normalizations become reduction generics, data movement becomes
    `tensor` ops. Unsigned element types become signless; the ops keep their
    unsigned semantics. Dynamic sizes come from the ops' shape functions.

    Broadcasting is decided statically: a dimension broadcasts when its size
    is the static 1; two dynamic sizes are assumed equal.
  }];
  let dependentDialects = [
    "::mlir::affine::AffineDialect",
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

def ConvertStridedCopyToLinalgPass
    : Pass<"convert-strided-copy-to-linalg", "::mlir::func::FuncOp"> {
  let summary = "Rewrite memref.copy of strided memrefs as linalg.copy";
  let description = [{
    `finalize-memref-to-llvm` lowers a `memref.copy` whose operands are not
    both contiguous to a call to `memrefCopy` from MLIR's runner-utils
    library, which compiled mlc modules do not link. This pass turns those
    copies into `linalg.copy`, which becomes loops. Contiguous copies are
    left alone (they become `memcpy`).
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

#endif // MLC_CONVERSION_PASSES_TD
