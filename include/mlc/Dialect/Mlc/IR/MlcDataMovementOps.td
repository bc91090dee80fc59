//===- MlcDataMovementOps.td - reshape, transpose, gather... -*- tablegen -*-===//

#ifndef MLC_DIALECT_MLC_IR_MLCDATAMOVEMENTOPS_TD
#define MLC_DIALECT_MLC_IR_MLCDATAMOVEMENTOPS_TD

def Mlc_ReshapeOp : Mlc_ShapedOp<"reshape", [
    AllElementTypesMatch<["input", "result"]>], /*infersType=*/0> {
  let summary = "reinterpret a tensor with another shape";
  let description = [{
    Returns the elements of `input`, in row-major order, with the result's
    shape. Without `shape`, the result type may have at most one dynamic
    dimension, derived from the element count. With `shape` (a 1-D `i64`
    tensor of the result's rank) the result dimensions are its values, one of
    which may be -1 to be derived from the element count.

    Example:

    ```mlir
    %y = mlc.reshape %x : (tensor<?x128x16x64xf32>) -> tensor<?x128x1024xf32>
    %z = mlc.reshape %x, %s : (tensor<?x128x16x64xf32>, tensor<2xi64>) -> tensor<?x?xf32>
    ```
  }];
  let arguments = (ins Mlc_Tensor:$input, Optional<Mlc_ShapeTensor>:$shape);
  let results = (outs Mlc_Tensor:$result);
  let assemblyFormat = [{
    $input (`,` $shape^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

def Mlc_TransposeOp : Mlc_ShapedOp<"transpose", [
    AllElementTypesMatch<["input", "result"]>]> {
  let summary = "permute dimensions";
  let description = [{
    Result dimension `i` is input dimension `permutation[i]`. A transpose
    that only moves dimensions of size 1 canonicalizes to a reshape (it
    moves no data: the heads of one decoded token, say).

    Example:

    ```mlir
    %y = mlc.transpose %x {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x?x16x64xf32>) -> tensor<1x16x?x64xf32>
    ```
  }];
  let arguments = (ins Mlc_Tensor:$input, DenseI64ArrayAttr:$permutation);
  let results = (outs Mlc_Tensor:$result);
  let assemblyFormat = [{
    $input attr-dict `:` functional-type(operands, results)
  }];
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

def Mlc_ConcatOp : Mlc_ShapedOp<"concat"> {
  let summary = "concatenate tensors along one axis";
  let description = [{
    Joins `inputs` (same rank, equal sizes outside `axis`) along `axis`.

    Example:

    ```mlir
    %y = mlc.concat %a, %b {axis = 1 : i64} : (tensor<?x3xi64>, tensor<?x5xi64>) -> tensor<?x8xi64>
    ```
  }];
  let arguments = (ins Variadic<Mlc_Tensor>:$inputs, I64Attr:$axis);
  let results = (outs Mlc_Tensor:$result);
  let assemblyFormat = [{
    $inputs attr-dict `:` functional-type(operands, results)
  }];
  let hasFolder = 1;
}

def Mlc_SplitOp : Mlc_ShapedOp<"split", [], /*infersType=*/0> {
  let summary = "split a tensor into pieces along one axis";
  let description = [{
    Cuts `input` along `axis` into as many pieces as the op has results, of
    the given `sizes` (which sum to the axis size). Without `sizes` the
    pieces are equal, `ceil(size / n)` each, the last one taking what is
    left.

    Example:

    ```mlir
    %a, %b = mlc.split %x {axis = 2 : i64, sizes = array<i64: 3072, 3072>} : (tensor<1x?x6144xf32>) -> (tensor<1x?x3072xf32>, tensor<1x?x3072xf32>)
    ```
  }];
  let arguments = (ins Mlc_Tensor:$input, I64Attr:$axis,
                       OptionalAttr<DenseI64ArrayAttr>:$sizes);
  let results = (outs Variadic<Mlc_Tensor>:$results);
  let assemblyFormat = [{
    $input attr-dict `:` functional-type(operands, results)
  }];
}

def Mlc_SliceOp : Mlc_ShapedOp<"slice", [
    AllElementTypesMatch<["input", "result"]>]> {
  let summary = "strided slice along some axes (ONNX semantics)";
  let description = [{
    Takes elements `starts[i], starts[i] + steps[i], ...` up to (excluding)
    `ends[i]` along `axes[i]`; other axes are kept whole. As in ONNX `Slice`,
    negative starts and ends count from the end, and both are clamped to
    the dimension (so `ends` may be `INT64_MAX`); `steps` (default 1) may be
    negative but not 0.

    Example:

    ```mlir
    %y = mlc.slice %x {axes = array<i64: 3>, ends = array<i64: 32>, starts = array<i64: 0>} : (tensor<1x16x?x64xf32>) -> tensor<1x16x?x32xf32>
    ```
  }];
  let arguments = (ins Mlc_Tensor:$input, DenseI64ArrayAttr:$axes,
                       DenseI64ArrayAttr:$starts, DenseI64ArrayAttr:$ends,
                       OptionalAttr<DenseI64ArrayAttr>:$steps);
  let results = (outs Mlc_Tensor:$result);
  let assemblyFormat = [{
    $input attr-dict `:` functional-type(operands, results)
  }];
  let hasFolder = 1;
}

def Mlc_PadOp : Mlc_ShapedOp<"pad", [
    AllElementTypesMatch<["input", "result"]>]> {
  let summary = "pad a tensor at the begin and end of each axis";
  let description = [{
    `padding` lists, for every dimension, the elements added before it, then
    for every dimension the elements added after it (ONNX order); all are
    non-negative. `mode` (default `constant`) fills with `value` (default
    zero), or mirrors (`reflect`), repeats the border (`edge`) or wraps
    around (`wrap`).

    Example:

    ```mlir
    %y = mlc.pad %x {padding = array<i64: 0, 0, 1, 1, 0, 0, 1, 1>, value = -1.0 : f32} : (tensor<?x3x8x8xf32>) -> tensor<?x3x10x10xf32>
    ```
  }];
  let arguments = (ins Mlc_Tensor:$input, DenseI64ArrayAttr:$padding,
                       DefaultValuedAttr<Mlc_PadModeAttr, "::mlc::PadMode::constant">:$mode,
                       OptionalAttr<TypedAttrInterface>:$value);
  let results = (outs Mlc_Tensor:$result);
  let assemblyFormat = [{
    $input attr-dict `:` functional-type(operands, results)
  }];
  let hasExtraVerifier = 1;
}

def Mlc_ExpandOp : Mlc_ShapedOp<"expand", [
    AllElementTypesMatch<["input", "result"]>], /*infersType=*/0> {
  let summary = "broadcast a tensor to a larger shape";
  let description = [{
    Broadcasts `input` the NumPy way to the result shape. Without `shape`,
    the result type fixes the shape and each of its dynamic dimensions must
    come from a matching input dimension (whose size it then has, 1
    included). With `shape` (1-D `i64`, as in
    ONNX `Expand`) the result shape is the broadcast of the input shape with
    the values of `shape`.

    Example:

    ```mlir
    %y = mlc.expand %x : (tensor<1x1x?x64xf32>) -> tensor<1x4x?x64xf32>
    %z = mlc.expand %x, %s : (tensor<1x1x?x64xf32>, tensor<4xi64>) -> tensor<?x?x?x64xf32>
    ```
  }];
  let arguments = (ins Mlc_Tensor:$input, Optional<Mlc_ShapeTensor>:$shape);
  let results = (outs Mlc_Tensor:$result);
  let assemblyFormat = [{
    $input (`,` $shape^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

def Mlc_SqueezeOp : Mlc_ShapedOp<"squeeze", [
    AllElementTypesMatch<["input", "result"]>]> {
  let summary = "remove size-1 dimensions";
  let description = [{
    Removes the dimensions listed in `axes` (sorted, unique), which must have
    size 1 (a dynamic one must be 1 at run time).

    Example:

    ```mlir
    %y = mlc.squeeze %x {axes = array<i64: 2, 3>} : (tensor<?x512x1x1xf32>) -> tensor<?x512xf32>
    ```
  }];
  let arguments = (ins Mlc_Tensor:$input, DenseI64ArrayAttr:$axes);
  let results = (outs Mlc_Tensor:$result);
  let assemblyFormat = [{
    $input attr-dict `:` functional-type(operands, results)
  }];
  let hasFolder = 1;
}

def Mlc_UnsqueezeOp : Mlc_ShapedOp<"unsqueeze", [
    AllElementTypesMatch<["input", "result"]>]> {
  let summary = "insert size-1 dimensions";
  let description = [{
    Inserts size-1 dimensions at the positions `axes` (sorted, unique,
    indices into the result).

    Example:

    ```mlir
    %y = mlc.unsqueeze %x {axes = array<i64: 1, 2>} : (tensor<?x?xi1>) -> tensor<?x1x1x?xi1>
    ```
  }];
  let arguments = (ins Mlc_Tensor:$input, DenseI64ArrayAttr:$axes);
  let results = (outs Mlc_Tensor:$result);
  let assemblyFormat = [{
    $input attr-dict `:` functional-type(operands, results)
  }];
  let hasFolder = 1;
}

def Mlc_GatherOp : Mlc_ShapedOp<"gather", [
    AllElementTypesMatch<["input", "result"]>]> {
  let summary = "take slices along an axis at the given indices";
  let description = [{
    As ONNX `Gather` and `torch.index_select` generalised to index tensors of
    any rank: the result shape is `input.shape[:axis] + indices.shape +
    input.shape[axis+1:]`. Negative indices count from the end of the axis.
    An embedding lookup is a gather on axis 0.

    Example:

    ```mlir
    %e = mlc.gather %table, %ids {axis = 0 : i64} : (tensor<151936x1024xbf16>, tensor<1x?xi64>) -> tensor<1x?x1024xbf16>
    ```
  }];
  let arguments = (ins Mlc_Tensor:$input, Mlc_IndexTensor:$indices,
                       I64Attr:$axis);
  let results = (outs Mlc_Tensor:$result);
  let assemblyFormat = [{
    $input `,` $indices attr-dict `:` functional-type(operands, results)
  }];
  let hasFolder = 1;
}

def Mlc_GatherElementsOp : Mlc_ShapedOp<"gather_elements", [
    AllElementTypesMatch<["input", "result"]>]> {
  let summary = "take elements along an axis at per-element indices";
  let description = [{
    As ONNX `GatherElements` and `torch.gather`: `indices` has the rank of
    `input`, and its sizes outside `axis` do not exceed the input's; the
    result has the shape of `indices`, and
    `result[i][j][k] = input[i][indices[i][j][k]][k]` for `axis = 1`.
    Negative indices count from the end of the axis.

    Example:

    ```mlir
    %y = mlc.gather_elements %x, %i {axis = 1 : i64} : (tensor<4x10xf32>, tensor<4x3xi64>) -> tensor<4x3xf32>
    ```
  }];
  let arguments = (ins Mlc_Tensor:$input, Mlc_IndexTensor:$indices,
                       I64Attr:$axis);
  let results = (outs Mlc_Tensor:$result);
  let assemblyFormat = [{
    $input `,` $indices attr-dict `:` functional-type(operands, results)
  }];
}

def Mlc_UpdateSliceOp : Mlc_ShapedOp<"update_slice", [
    AllElementTypesMatch<["dest", "update", "result"]>]> {
  let summary = "overwrite a slice of a tensor along one axis";
  let description = [{
    Returns `dest` with `update` written at `offset` along `axis`; all other
    dimensions of `update` equal those of `dest`. `offset` is a 0-d `i64`
    tensor, and `offset + update.shape[axis]` must not exceed
    `dest.shape[axis]`. This is how a decoder appends keys and values to its
    KV cache; after bufferization the write happens in place.

    Example:

    ```mlir
    %kc2 = mlc.update_slice %kc, %k, %pos {axis = 2 : i64} : (tensor<1x8x4096x128xbf16>, tensor<1x8x?x128xbf16>, tensor<i64>) -> tensor<1x8x4096x128xbf16>
    ```
  }];
  let arguments = (ins Mlc_Tensor:$dest, Mlc_Tensor:$update,
                       Mlc_I64Scalar:$offset, I64Attr:$axis);
  let results = (outs Mlc_Tensor:$result);
  let assemblyFormat = [{
    $dest `,` $update `,` $offset attr-dict `:`
    functional-type(operands, results)
  }];
}

def Mlc_ShapeOfOp : Mlc_ShapedOp<"shape_of"> {
  let summary = "the shape of a tensor as a 1-D i64 tensor";
  let description = [{
    As ONNX `Shape`: returns the dimensions of `input`. Folds to a constant
    when the shape is static.

    Example:

    ```mlir
    %s = mlc.shape_of %x : (tensor<?x128x1024xf32>) -> tensor<3xi64>
    ```
  }];
  let arguments = (ins Mlc_Tensor:$input);
  let results = (outs Mlc_ShapeTensor:$result);
  let assemblyFormat = [{
    $input attr-dict `:` functional-type(operands, results)
  }];
  let hasFolder = 1;
}

def Mlc_RangeOp : Mlc_ShapedOp<"range", [
    AllElementTypesMatch<["start", "limit", "delta", "result"]>]> {
  let summary = "the sequence start, start + delta, ... below limit";
  let description = [{
    As ONNX `Range` and `torch.arange`: `start`, `limit` and `delta` are
    0-d tensors (`delta` non-zero) and the result has
    `max(ceil((limit - start) / delta), 0)` elements.

    Example:

    ```mlir
    %p = mlc.range %start, %end, %one : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<?xi64>
    ```
  }];
  let arguments = (ins 0DTensorOf<[Mlc_Numeric]>:$start,
                       0DTensorOf<[Mlc_Numeric]>:$limit,
                       0DTensorOf<[Mlc_Numeric]>:$delta);
  let results = (outs 1DTensorOf<[Mlc_Numeric]>:$result);
  let assemblyFormat = [{
    $start `,` $limit `,` $delta attr-dict `:`
    functional-type(operands, results)
  }];
  let hasFolder = 1;
}

def Mlc_ResizeOp : Mlc_ShapedOp<"resize", [AttrSizedOperandSegments,
    AllElementTypesMatch<["input", "result"]>]> {
  let summary = "resize by interpolation (ONNX Resize)";
  let description = [{
    Resizes `input` to the shape `sizes` (1-D `i64`, one size per
    dimension) by `nearest`, `linear` or `cubic` interpolation along every
    dimension. Output coordinate `o` of a dimension maps back to the input
    coordinate given by `coordinate_transform` (as in ONNX `Resize`) with
    that dimension's scale: `scales[d]` when given, else
    `sizes[d] / input.shape[d]`. `tf_crop_and_resize` takes the crop box
    from `roi` ([starts..., ends...], normalized) and gives
    `extrapolation_value` outside the input. `nearest` rounds as
    `nearest_rounding` says; `cubic` uses the coefficient `cubic_coeff_a`
    and, with `exclude_outside`, drops (and renormalizes away) the taps that
    fall outside the input. Taps outside the input otherwise repeat the
    border. `linear` and `cubic` need a floating-point input.

    Example:

    ```mlir
    %y = mlc.resize linear %x, %sizes scales %s {coordinate_transform = #mlc.coordinate_transform<align_corners>} : (tensor<1x3x32x32xf32>, tensor<4xi64>, tensor<4xf32>) -> tensor<1x3x?x?xf32>
    ```
  }];
  let arguments = (ins Mlc_InterpolationModeAttr:$mode,
                       Mlc_NumericTensor:$input, Mlc_ShapeTensor:$sizes,
                       Optional<1DTensorOf<[F32]>>:$scales,
                       Optional<1DTensorOf<[F32]>>:$roi,
                       DefaultValuedAttr<Mlc_CoordinateTransformAttr,
                         "::mlc::CoordinateTransform::half_pixel">:$coordinate_transform,
                       DefaultValuedAttr<Mlc_NearestRoundingAttr,
                         "::mlc::NearestRounding::round_prefer_floor">:$nearest_rounding,
                       DefaultValuedAttr<F32Attr, "-0.75f">:$cubic_coeff_a,
                       UnitAttr:$exclude_outside,
                       DefaultValuedAttr<F32Attr, "0.0f">:$extrapolation_value);
  let results = (outs Mlc_NumericTensor:$result);
  let assemblyFormat = [{
    `` $mode $input `,` $sizes (`scales` $scales^)? (`roi` $roi^)? attr-dict
    `:` functional-type(operands, results)
  }];
  let hasExtraVerifier = 1;
}

#endif // MLC_DIALECT_MLC_IR_MLCDATAMOVEMENTOPS_TD
