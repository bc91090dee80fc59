//===- MlcParameterOps.td - weights and constants ----------*- tablegen -*-===//
//
// Weights live in a module-level table of `mlc.parameter` symbols and are
// read with `mlc.get_parameter`; IR text never holds large tensors.
//
//===----------------------------------------------------------------------===//

#ifndef MLC_DIALECT_MLC_IR_MLCPARAMETEROPS_TD
#define MLC_DIALECT_MLC_IR_MLCPARAMETEROPS_TD

def Mlc_ConstantOp : Mlc_Op<"constant", [
    ConstantLike, Pure, AllTypesMatch<["value", "result"]>]> {
  let summary = "a small constant tensor";
  let description = [{
    A tensor given inline as a dense attribute. Meant for small values
    (shapes, axes, scalars, masks); weights are `mlc.parameter`s.

    Example:

    ```mlir
    %s = mlc.constant dense<[1, -1, 16, 64]> : tensor<4xi64>
    ```
  }];
  let arguments = (ins ElementsAttr:$value);
  let results = (outs Mlc_Tensor:$result);
  let assemblyFormat = "attr-dict $value";
  let hasFolder = 1;
}

def Mlc_ParameterOp : Mlc_Op<"parameter", [Symbol]> {
  let summary = "a named weight tensor of the model";
  let description = [{
    Declares a weight: its symbol name (the ONNX initializer or safetensors
    tensor name), its static tensor type, and where its values come from:
    a byte range of a file (`#mlc.file`), a small dense attribute, or nothing,
    in which case the runtime binds the values by name when the model is
    loaded. Ops read it with `mlc.get_parameter`.

    Example:

    ```mlir
    mlc.parameter @"model.embed_tokens.weight" : tensor<151936x1024xbf16>
        = #mlc.file<"model.safetensors", offset = 0, size = 311164928>
    mlc.parameter @"fc.bias" : tensor<4xf32> = dense<[0.0, 1.0, 2.0, 3.0]>
    mlc.parameter "private" @"lm_head.weight" : tensor<151936x1024xbf16>
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name,
                       OptionalAttr<StrAttr>:$sym_visibility,
                       TypeAttrOf<Mlc_ParameterTensor>:$type,
                       OptionalAttr<AnyAttrOf<[Mlc_FileAttr, ElementsAttr]>>:$value);
  let assemblyFormat = [{
    ($sym_visibility^)? $sym_name `:` $type (`=` $value^)? attr-dict
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    ::mlir::RankedTensorType getTensorType() {
      return ::llvm::cast<::mlir::RankedTensorType>(getType());
    }
  }];
}

def Mlc_GetParameterOp : Mlc_Op<"get_parameter", [
    Pure, DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "read a parameter";
  let description = [{
    Returns the value of the `mlc.parameter` named `name`; the result type
    is the parameter's type.

    Example:

    ```mlir
    %w = mlc.get_parameter @"model.embed_tokens.weight" : tensor<151936x1024xbf16>
    ```
  }];
  let arguments = (ins FlatSymbolRefAttr:$name);
  let results = (outs Mlc_ParameterTensor:$result);
  let assemblyFormat = "$name attr-dict `:` type($result)";
}

#endif // MLC_DIALECT_MLC_IR_MLCPARAMETEROPS_TD
