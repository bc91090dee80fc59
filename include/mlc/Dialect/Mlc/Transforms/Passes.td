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
    dialects' ops are untouched; an mlc op reading such a cast (or any cast
    to a less static type) reads its source instead. Run `canonicalize` afterwards to fold the
    shape computations that became constant.

    Example: with `%x : tensor<2x3xf32>`,
    `mlc.add %x, %x : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<?x?xf32>`
    becomes `... -> tensor<2x3xf32>`.
  }];
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
}

def SpecializeShapesPass
    : Pass<"mlc-specialize-shapes", "::mlir::ModuleOp"> {
  let summary = "Fix the dynamic input dimensions of the entry point";
  let description = [{
    Gives the entry point (`@main`, or the only public function) the input
    shapes listed in `shapes`, in argument order (`2x16x256`; `scalar` for
    a rank-0 input), then refines the mlc ops as `mlc-infer-shapes` does and
    makes the function's results as static as inference found them. A model
    exported with dynamic axes so becomes one with static shapes, which the
    CUDA target needs (kernels take bare pointers) and which lets either
    target specialize its loops.

    Each listed shape must have the input's rank and agree with its static
    dimensions; inputs past the list are unchanged.

    ```mlir
    func.func @main(%x: tensor<?x256xf32>) -> tensor<?x256xf32>
    // with shapes=2x256 becomes
    func.func @main(%x: tensor<2x256xf32>) -> tensor<2x256xf32>
    ```
  }];
  let options = [
    ListOption<"shapes", "shapes", "std::string",
               "Static shapes of the entry point's inputs, in order">,
  ];
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
}

def FuseCompositesPass : Pass<"mlc-fuse-composites"> {
  let summary = "Recognize decomposed RMSNorm and SwiGLU as mlc composite ops, and fuse QK-norm into RoPE";
  let description = [{
    Graphs exported op by op (ONNX from PyTorch) spell the composite
    operations of transformer blocks in elementary ops. This pass rewrites
    them into mlc's composite ops, whose lowering computes each in one pass
    over its rows:

    - RMSNorm over the last axis, `w * (x * rsqrt(mean(x^2) + eps))` in its
      exported spellings (`x^2` as `pow(x, 2)` or `x * x`; the reciprocal
      square root as `rsqrt`, `1 / sqrt`, or `x / sqrt`; either operand
      order of the multiplications), with a 1-D weight the size of the
      last axis and a constant epsilon, becomes `mlc.rms_norm`;
    - SwiGLU, `(g * sigmoid(g)) * u` with `g` and `u` of one shape, becomes
      `mlc.swiglu`;
    - an `mlc.rms_norm` whose only use is an `mlc.rotary_embedding`,
      directly or through a transpose or reshape that keeps the last axis
      (Qwen3's QK-norm), becomes the rotation's `norm(weight)`: one pass
      over each head normalizes and rotates it.

    Example:

    ```mlir
    %sq = mlc.pow %x, %two : (tensor<?x256xf32>, tensor<f32>) -> tensor<?x256xf32>
    %m = mlc.reduce mean %sq {axes = array<i64: 1>, keepdims} : (tensor<?x256xf32>) -> tensor<?x1xf32>
    %v = mlc.add %m, %eps : (tensor<?x1xf32>, tensor<f32>) -> tensor<?x1xf32>
    %r = mlc.rsqrt %v : tensor<?x1xf32>
    %n = mlc.mul %x, %r : (tensor<?x256xf32>, tensor<?x1xf32>) -> tensor<?x256xf32>
    %y = mlc.mul %w, %n : (tensor<256xf32>, tensor<?x256xf32>) -> tensor<?x256xf32>
    // becomes
    %y = mlc.rms_norm %x, %w {epsilon = 1.0e-06 : f32} : (tensor<?x256xf32>, tensor<256xf32>) -> tensor<?x256xf32>
    ```
  }];
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

    Arguments are the caller's storage, which modules only read: they are
    marked `bufferization.writable = false`, except an argument that a
    result updates in place. A result with the attribute
    `mlc.updates = J : i64` is argument `J`'s new value (a KV cache, say):
    argument `J` stays writable and `mlc-drop-in-place-results` later turns
    the result into a write to the argument's buffer. The pass checks that
    `J` names an argument of the result's type, updated by one result only.
  }];
}

def DropInPlaceResultsPass
    : Pass<"mlc-drop-in-place-results", "::mlir::ModuleOp"> {
  let summary = "Turn results marked `mlc.updates` into writes to arguments";
  let description = [{
    Runs after one-shot bufferization. A public function's result with
    `mlc.updates = J` holds the new value of argument `J`; bufferization
    normally writes it into the argument's buffer and returns that buffer.
    The pass removes the result from the function: the caller sees the
    update in the buffer it passed. If the returned buffer is not the
    argument's (bufferization had to copy), the pass copies it into the
    argument before returning and warns, since that costs a full copy per
    call.

    Example:

    ```mlir
    func.func @step(%cache: memref<8x16xf32>, %x: memref<16xf32>)
        -> (memref<8x16xf32> {mlc.updates = 0 : i64}) {
      ...
      return %cache : memref<8x16xf32>
    }
    // becomes
    func.func @step(%cache: memref<8x16xf32>, %x: memref<16xf32>) {
      ...
      return
    }
    ```
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect"];
}

#endif // MLC_DIALECT_MLC_TRANSFORMS_PASSES_TD
