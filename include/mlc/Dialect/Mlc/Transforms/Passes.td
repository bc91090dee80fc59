//===- Passes.td - graph passes on the mlc dialect ---------*- tablegen -*-===//

#ifndef MLC_DIALECT_MLC_TRANSFORMS_PASSES_TD
#define MLC_DIALECT_MLC_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def InferShapesPass : Pass<"mlc-infer-shapes"> {
  let summary = "Refine dynamic result dimensions of mlc ops";
  let description = [{
    Runs every mlc op's shape function, in order, and makes each dynamic
    result dimension static where the operands determine it (after an
    importer fixed an input shape, say). Uses that are not mlc ops keep
    their type through a `tensor.cast`, so function signatures and other
    dialects' ops are untouched. Run `canonicalize` afterwards to fold the
    shape computations that became constant.

    Example: with `%x : tensor<2x3xf32>`,
    `mlc.add %x, %x : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<?x?xf32>`
    becomes `... -> tensor<2x3xf32>`.
  }];
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
}

#endif // MLC_DIALECT_MLC_TRANSFORMS_PASSES_TD
