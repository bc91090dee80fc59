//===- MlcContractionOps.td - matmul, gemm, convolution ----*- tablegen -*-===//

#ifndef MLC_DIALECT_MLC_IR_MLCCONTRACTIONOPS_TD
#define MLC_DIALECT_MLC_IR_MLCCONTRACTIONOPS_TD

def Mlc_MatmulOp : Mlc_ShapedOp<"matmul", [
    AllElementTypesMatch<["lhs", "rhs", "result"]>]> {
  let summary = "batched matrix multiplication with broadcast batch dims";
  let description = [{
    Multiplies the matrices held in the last two dimensions of `lhs`
    ([..., M, K]) and `rhs` ([..., K, N]); the leading (batch) dimensions
    broadcast the NumPy way. `transpose_lhs` / `transpose_rhs` swap the last
    two dimensions of an operand first, so a PyTorch `nn.Linear` weight
    [N, K] is used as is with `transpose_rhs`. Both operands have rank >= 2;
    importers reshape vectors to matrices.

    Example:

    ```mlir
    %y = mlc.matmul %x, %w {transpose_rhs} : (tensor<?x?x1024xbf16>, tensor<3072x1024xbf16>) -> tensor<?x?x3072xbf16>
    ```
  }];
  let arguments = (ins Mlc_NumericTensor:$lhs, Mlc_NumericTensor:$rhs,
                       UnitAttr:$transpose_lhs, UnitAttr:$transpose_rhs);
  let results = (outs Mlc_NumericTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` functional-type(operands, results)
  }];
}

def Mlc_GemmOp : Mlc_ShapedOp<"gemm", [
    AllElementTypesMatch<["lhs", "rhs", "result"]>]> {
  let summary = "alpha * op(lhs) * op(rhs) + beta * bias, on matrices";
  let description = [{
    General matrix multiply as in BLAS and ONNX `Gemm`: `lhs` is [M, K]
    ([K, M] with `transpose_lhs`), `rhs` is [K, N] ([N, K] with
    `transpose_rhs`), and the optional `bias` broadcasts to [M, N].
    `alpha` and `beta` default to 1.

    Example:

    ```mlir
    %y = mlc.gemm %x, %w, %b {transpose_rhs} : (tensor<?x512xf32>, tensor<1000x512xf32>, tensor<1000xf32>) -> tensor<?x1000xf32>
    ```
  }];
  let arguments = (ins Mlc_NumericTensor:$lhs, Mlc_NumericTensor:$rhs,
                       Optional<Mlc_NumericTensor>:$bias,
                       DefaultValuedAttr<F32Attr, "1.0f">:$alpha,
                       DefaultValuedAttr<F32Attr, "1.0f">:$beta,
                       UnitAttr:$transpose_lhs, UnitAttr:$transpose_rhs);
  let results = (outs Mlc_NumericTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
}

def Mlc_Conv2dOp : Mlc_ShapedOp<"conv2d", [
    AllElementTypesMatch<["input", "filter", "result"]>]> {
  let summary = "2-D convolution (cross-correlation) with groups";
  let description = [{
    2-D convolution in the given `layout` (see `#mlc.layout`; default
    `nchw`, filters [F, C/groups, KH, KW]). `strides` and `dilations`
    (default 1) are [H, W]; `padding` (default 0) is
    [top, left, bottom, right]; `groups` (default 1) splits input and output
    channels. The optional `bias` has shape [F]. The output spatial size is
    `(in + pad_begin + pad_end - dilation * (k - 1) - 1) / stride + 1`.

    Example:

    ```mlir
    %y = mlc.conv2d %x, %w, %b {padding = array<i64: 3, 3, 3, 3>, strides = array<i64: 2, 2>} : (tensor<?x3x224x224xf32>, tensor<64x3x7x7xf32>, tensor<64xf32>) -> tensor<?x64x112x112xf32>
    ```
  }];
  let arguments = (ins Mlc_NumericTensor:$input, Mlc_NumericTensor:$filter,
                       Optional<Mlc_NumericTensor>:$bias,
                       DefaultValuedAttr<Mlc_LayoutAttr, "::mlc::Layout::nchw">:$layout,
                       OptionalAttr<DenseI64ArrayAttr>:$strides,
                       OptionalAttr<DenseI64ArrayAttr>:$dilations,
                       OptionalAttr<DenseI64ArrayAttr>:$padding,
                       DefaultValuedAttr<I64Attr, "1">:$groups);
  let results = (outs Mlc_NumericTensor:$result);
  let assemblyFormat = [{
    $input `,` $filter (`,` $bias^)? attr-dict `:`
    functional-type(operands, results)
  }];
}

#endif // MLC_DIALECT_MLC_IR_MLCCONTRACTIONOPS_TD
