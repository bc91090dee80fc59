//===- MlcReductionOps.td - reductions, normalization, pooling -*- tablegen -*-===//

#ifndef MLC_DIALECT_MLC_IR_MLCREDUCTIONOPS_TD
#define MLC_DIALECT_MLC_IR_MLCREDUCTIONOPS_TD

def Mlc_ReduceOp : Mlc_ShapedOp<"reduce", [
    AllElementTypesMatch<["input", "result"]>]> {
  let summary = "reduction over a set of axes";
  let description = [{
    Reduces `input` over `axes` (sorted, unique, in range, non-empty) with
    the given kind: `sum`, `mean`, `max`, `min`, `prod`, `sum_square`
    (sum of x^2), `l1` (sum of |x|), `l2` (sqrt of sum of x^2), `log_sum`
    (ln of sum) and `log_sum_exp`. With `keepdims` the reduced dimensions
    stay as size 1.

    Example:

    ```mlir
    %m = mlc.reduce mean %x {axes = array<i64: 2, 3>, keepdims} : (tensor<?x512x7x7xf32>) -> tensor<?x512x1x1xf32>
    ```
  }];
  let arguments = (ins Mlc_ReduceKindAttr:$kind, Mlc_NumericTensor:$input,
                       DenseI64ArrayAttr:$axes, UnitAttr:$keepdims);
  let results = (outs Mlc_NumericTensor:$result);
  let assemblyFormat = [{
    `` $kind $input attr-dict `:` functional-type(operands, results)
  }];
}

class Mlc_ArgExtremumOp<string mnemonic, string extremum>
    : Mlc_ShapedOp<mnemonic> {
  let summary = "index of the " # extremum # " along one axis";
  let description = "Returns, as `i64`, the index along `axis` of the "
    # extremum # " of `input`: the first one, or the last one with "
    # "`select_last_index`. The axis is removed from the result, or kept as "
    # "size 1 with `keepdims`.\n\nExample:\n\n```mlir\n%i = mlc." # mnemonic
    # " %x {axis = 1 : i64, keepdims} : (tensor<?x1000xf32>) -> "
    # "tensor<?x1xi64>\n```";
  let arguments = (ins Mlc_NumericTensor:$input, I64Attr:$axis,
                       UnitAttr:$keepdims, UnitAttr:$select_last_index);
  let results = (outs RankedTensorOf<[I64]>:$result);
  let assemblyFormat = [{
    $input attr-dict `:` functional-type(operands, results)
  }];
}

def Mlc_ArgmaxOp : Mlc_ArgExtremumOp<"argmax", "maximum">;
def Mlc_ArgminOp : Mlc_ArgExtremumOp<"argmin", "minimum">;

def Mlc_CumsumOp : Mlc_ShapedOp<"cumsum"> {
  let summary = "cumulative sum along one axis";
  let description = [{
    `result[..., i, ...]` is the sum of `input[..., j, ...]` for `j <= i`
    along `axis` (`j < i` with `exclusive`; `j >= i`, or `j > i`, with
    `reverse`).

    Example:

    ```mlir
    %y = mlc.cumsum %x {axis = 1 : i64, exclusive} : tensor<?x128xi64>
    ```
  }];
  let arguments = (ins Mlc_NumericTensor:$input, I64Attr:$axis,
                       UnitAttr:$exclusive, UnitAttr:$reverse);
  let results = (outs Mlc_NumericTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasExtraVerifier = 1;
  let shapeFunction = [{
    return ::mlc::detail::sameShapeAs(b, adaptor.getInput(), results);
  }];
}

class Mlc_SoftmaxLikeOp<string mnemonic, string formula>
    : Mlc_ShapedOp<mnemonic> {
  let summary = formula # " along one axis";
  let description = "Computes `" # formula # "` along `axis`, numerically "
    # "stable (the maximum is subtracted first).\n\nExample:\n\n```mlir\n"
    # "%p = mlc." # mnemonic # " %x {axis = 3 : i64} : tensor<?x16x?x?xf32>\n```";
  let arguments = (ins Mlc_FloatTensor:$input, I64Attr:$axis);
  let results = (outs Mlc_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasExtraVerifier = 1;
  let shapeFunction = [{
    return ::mlc::detail::sameShapeAs(b, adaptor.getInput(), results);
  }];
}

def Mlc_SoftmaxOp : Mlc_SoftmaxLikeOp<"softmax", "exp(x) / sum(exp(x))">;
def Mlc_LogSoftmaxOp : Mlc_SoftmaxLikeOp<"log_softmax",
                                         "x - ln(sum(exp(x)))">;

def Mlc_LayerNormOp : Mlc_ShapedOp<"layer_norm", [
    AllElementTypesMatch<["input", "scale", "result"]>]> {
  let summary = "layer normalization over the trailing axes";
  let description = [{
    Normalizes `input` over the dimensions `[axis, rank)` to zero mean and
    unit variance, `(x - mean) / sqrt(var + epsilon)`, then multiplies by
    `scale` and adds the optional `bias`. `scale` and `bias` have the shape
    of those trailing dimensions (size-1 dimensions broadcast).

    Example:

    ```mlir
    %y = mlc.layer_norm %x, %g, %b {axis = 2 : i64, epsilon = 1.0e-05 : f32} : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>) -> tensor<?x?x768xf32>
    ```
  }];
  let arguments = (ins Mlc_FloatTensor:$input, Mlc_FloatTensor:$scale,
                       Optional<Mlc_FloatTensor>:$bias, I64Attr:$axis,
                       DefaultValuedAttr<F32Attr, "1.0e-5f">:$epsilon);
  let results = (outs Mlc_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $scale (`,` $bias^)? attr-dict `:`
    functional-type(operands, results)
  }];
}

def Mlc_RmsNormOp : Mlc_ShapedOp<"rms_norm", [
    AllElementTypesMatch<["input", "weight", "result"]>]> {
  let summary = "root-mean-square normalization over the last axis";
  let description = [{
    `x / sqrt(mean(x^2) + epsilon) * weight` over the last dimension, as in
    LLaMA and Qwen (`weight` has the size of that dimension). Qwen3 also
    applies it per attention head to queries and keys (QK-norm).

    Example:

    ```mlir
    %y = mlc.rms_norm %x, %w {epsilon = 1.0e-06 : f32} : (tensor<1x?x1024xf32>, tensor<1024xf32>) -> tensor<1x?x1024xf32>
    ```
  }];
  let arguments = (ins Mlc_FloatTensor:$input, Mlc_FloatTensor:$weight,
                       DefaultValuedAttr<F32Attr, "1.0e-6f">:$epsilon);
  let results = (outs Mlc_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight attr-dict `:` functional-type(operands, results)
  }];
}

def Mlc_Pool2dOp : Mlc_ShapedOp<"pool2d", [
    AllElementTypesMatch<["input", "result"]>]> {
  let summary = "2-D max or average pooling";
  let description = [{
    Pools windows of size `kernel` ([KH, KW]) in the given `layout`.
    `strides`, `dilations` (default 1) and `padding` (default 0,
    [top, left, bottom, right]) are as for `mlc.conv2d`. With `ceil_mode`
    the output size rounds up (a window that would start in the end padding
    is dropped). Average pooling divides by the number of input elements in
    the window unless `count_include_pad` counts the padding too; max pooling
    ignores padding.

    Example:

    ```mlir
    %y = mlc.pool2d max %x {kernel = array<i64: 3, 3>, padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<?x64x112x112xf32>) -> tensor<?x64x56x56xf32>
    ```
  }];
  let arguments = (ins Mlc_PoolKindAttr:$kind, Mlc_NumericTensor:$input,
                       DenseI64ArrayAttr:$kernel,
                       OptionalAttr<DenseI64ArrayAttr>:$strides,
                       OptionalAttr<DenseI64ArrayAttr>:$dilations,
                       OptionalAttr<DenseI64ArrayAttr>:$padding,
                       DefaultValuedAttr<Mlc_LayoutAttr, "::mlc::Layout::nchw">:$layout,
                       UnitAttr:$ceil_mode, UnitAttr:$count_include_pad);
  let results = (outs Mlc_NumericTensor:$result);
  let assemblyFormat = [{
    `` $kind $input attr-dict `:` functional-type(operands, results)
  }];
}

#endif // MLC_DIALECT_MLC_IR_MLCREDUCTIONOPS_TD
