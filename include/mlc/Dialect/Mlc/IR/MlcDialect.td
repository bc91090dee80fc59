//===- MlcDialect.td - the mlc dialect ---------------------*- tablegen -*-===//
//
// The high-level graph dialect every mlc front end (ONNX, torch.fx, Qwen3
// checkpoints) imports into.
//
//===----------------------------------------------------------------------===//

#ifndef MLC_DIALECT_MLC_IR_MLCDIALECT_TD
#define MLC_DIALECT_MLC_IR_MLCDIALECT_TD

include "mlir/IR/OpBase.td"

def Mlc_Dialect : Dialect {
  let name = "mlc";
  let cppNamespace = "::mlc";
  let summary = "High-level tensor graph dialect of the mlc compiler";
  let description = [{
    The `mlc` dialect holds a model as a graph of tensor operations with value
    semantics, at the granularity that graph passes need: elementwise ops with
    NumPy broadcasting, contractions, normalizations, data movement, and the
    composite ops large language models spend their time in (rotary
    embedding, attention with a KV cache, SwiGLU, quantized matmul).

    Conventions shared by every op:
    - Operands and results are ranked tensors; any dimension may be dynamic
      (`?`). Every op can reify its result shape from its operands
      (`ReifyRankedShapedTypeOpInterface`), so lowering never guesses a size.
    - Axes, permutations and other dimension indices are non-negative and in
      range; importers normalize ONNX/PyTorch negative axes.
    - Weights are not inlined: a module-level `mlc.parameter` names each one,
      and `mlc.get_parameter` reads it. Small constants may be
      `mlc.constant` dense attributes.
    - Signless integers are signed; `ui*` types are unsigned. `i4` appears
      only as quantized weight storage, packed two per byte.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::tensor::TensorDialect"
  ];
  let useDefaultAttributePrinterParser = 1;
  let hasConstantMaterializer = 1;
}

#endif // MLC_DIALECT_MLC_IR_MLCDIALECT_TD
