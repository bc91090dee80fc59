//===- MlcQuantOps.td - quantization ops -------------------*- tablegen -*-===//

#ifndef MLC_DIALECT_MLC_IR_MLCQUANTOPS_TD
#define MLC_DIALECT_MLC_IR_MLCQUANTOPS_TD

defvar mlcScaleLayoutDoc = [{
    Scales (and zero points) come per tensor (0-d or [1]), per `axis` (1-D
    of that dimension's size), or per block of `block_size` elements along
    `axis` (same rank as the input, that dimension `ceil(size / block_size)`).
}];

def Mlc_QuantizeOp : Mlc_ShapedOp<"quantize", [], /*infersType=*/0> {
  let summary = "affine quantization to integers";
  let description = [{
    As ONNX `QuantizeLinear`:
    `clamp(round_to_even(x / scale) + zero_point, qmin, qmax)` in the
    result's storage type (`i8`, `ui8` or `i4`). The zero point, if given,
    has that storage type; it defaults to 0.
  }] # mlcScaleLayoutDoc # [{

    Example:

    ```mlir
    %q = mlc.quantize %x, %s, %z {axis = 1 : i64} : (tensor<?x64xf32>, tensor<64xf32>, tensor<64xui8>) -> tensor<?x64xui8>
    ```
  }];
  let arguments = (ins Mlc_FloatTensor:$input, Mlc_FloatTensor:$scale,
                       Optional<Mlc_QuantTensor>:$zero_point,
                       OptionalAttr<I64Attr>:$axis,
                       OptionalAttr<I64Attr>:$block_size);
  let results = (outs Mlc_QuantTensor:$result);
  let assemblyFormat = [{
    $input `,` $scale (`,` $zero_point^)? attr-dict `:`
    functional-type(operands, results)
  }];
}

def Mlc_DequantizeOp : Mlc_ShapedOp<"dequantize"> {
  let summary = "affine dequantization to floats";
  let description = [{
    As ONNX `DequantizeLinear`: `(x - zero_point) * scale`, in the element
    type of `scale`. The zero point, if given, has the input's type; it
    defaults to 0.
  }] # mlcScaleLayoutDoc # [{

    Example (int4 weights, one scale per 128 columns):

    ```mlir
    %w = mlc.dequantize %q, %s {axis = 1 : i64, block_size = 128 : i64} : (tensor<1024x4096xi4>, tensor<1024x32xf32>) -> tensor<1024x4096xf32>
    ```
  }];
  let arguments = (ins RankedTensorOf<[Mlc_QuantStorage, I32]>:$input,
                       Mlc_FloatTensor:$scale,
                       Optional<RankedTensorOf<[Mlc_QuantStorage, I32]>>:$zero_point,
                       OptionalAttr<I64Attr>:$axis,
                       OptionalAttr<I64Attr>:$block_size);
  let results = (outs Mlc_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $scale (`,` $zero_point^)? attr-dict `:`
    functional-type(operands, results)
  }];
}

def Mlc_QuantizedMatmulOp : Mlc_ShapedOp<"quantized_matmul", [
    AllElementTypesMatch<["input", "scales", "result"]>]> {
  let summary = "matmul with group-wise quantized weights";
  let description = [{
    `input @ dequantize(weight)^T` with `input` [..., K] and an
    `nn.Linear`-layout `weight` [N, K] stored as `i8`, `ui8` or packed `i4`.
    Every run of `group_size` weights along K shares one scale: `scales` is
    [N, K / group_size] in the input's float type, and the optional
    `zero_points` (same shape, the weight's type) default to 0. The weight is
    dequantized on the fly, never materialized.

    Example (int4, groups of 128):

    ```mlir
    %y = mlc.quantized_matmul %x, %w, %s {group_size = 128 : i64} : (tensor<1x?x1024xf32>, tensor<3072x1024xi4>, tensor<3072x8xf32>) -> tensor<1x?x3072xf32>
    ```
  }];
  let arguments = (ins Mlc_FloatTensor:$input, Mlc_QuantTensor:$weight,
                       Mlc_FloatTensor:$scales,
                       Optional<Mlc_QuantTensor>:$zero_points,
                       I64Attr:$group_size);
  let results = (outs Mlc_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight `,` $scales (`,` $zero_points^)? attr-dict `:`
    functional-type(operands, results)
  }];
}

#endif // MLC_DIALECT_MLC_IR_MLCQUANTOPS_TD
