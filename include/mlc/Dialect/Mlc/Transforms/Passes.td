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

def ParametersToArgumentsPass
    : Pass<"mlc-parameters-to-arguments", "::mlir::ModuleOp"> {
  let summary = "Pass parameters into public functions as trailing arguments";
  let description = [{
    A compiled module receives its weights from the runtime. This pass
    rewrites every public function that reads parameters: each parameter it
    reads (in the order of the module's `mlc.parameter` table) becomes a
    trailing function argument with an `mlc.parameter` argument attribute
    naming it, and the `mlc.get_parameter` ops are replaced by the
    arguments. Arguments are marked `bufferization.writable = false`: the
    parameter storage is read-only. The `mlc.parameter` ops stay for the
    compile driver to read their sources.

    Private functions cannot read parameters after this pass (there is no
    argument to take them from); the pass fails on them.
  }];
}

def ExportEntryPointsPass
    : Pass<"mlc-export-entry-points", "::mlir::ModuleOp"> {
  let summary = "Give public functions a C interface when lowered to LLVM";
  let description = [{
    Sets `llvm.emit_c_interface` on every public `func.func` with a body,
    so that `convert-func-to-llvm` emits `_mlir_ciface_<name>`, which takes
    memref descriptors by pointer: the calling convention of compiled mlc
    modules (see `include/mlc-c/Module.h`).
  }];
}

#endif // MLC_DIALECT_MLC_TRANSFORMS_PASSES_TD
