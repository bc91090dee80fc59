//===- MlcTransformerOps.td - composite ops of LLMs --------*- tablegen -*-===//
//
// Composite ops that decoders spend their time in. Fusion passes form them
// from their decomposed patterns; the Qwen3 builder emits them directly.
// Activations are [batch, heads, sequence, head_dim] as in PyTorch's
// scaled_dot_product_attention.
//
//===----------------------------------------------------------------------===//

#ifndef MLC_DIALECT_MLC_IR_MLCTRANSFORMEROPS_TD
#define MLC_DIALECT_MLC_IR_MLCTRANSFORMEROPS_TD

def Mlc_RotaryEmbeddingOp : Mlc_ShapedOp<"rotary_embedding", [
    AllElementTypesMatch<["input", "result"]>]> {
  let summary = "rotary position embedding (RoPE)";
  let description = [{
    Rotates pairs of features of `input` ([B, H, S, D]) by angles
    `position * theta^(-2i / rotary_dim)`, with `positions` [B, S] holding
    each token's absolute position. Pairs are `(x[i], x[i + rotary_dim/2])`
    (the "rotate half" form of GPT-NeoX, LLaMA and Qwen) or, with
    `interleaved`, `(x[2i], x[2i+1])` (GPT-J). `rotary_dim` (even, default D)
    limits the rotation to the first features; `theta` defaults to 10000.

    With `norm(%w)`, each row of D features is first RMS-normalized and
    scaled by `w` ([D]) as `mlc.rms_norm` with `norm_epsilon` computes it:
    Qwen3's QK-norm, fused into the rotation by `mlc-fuse-composites` so
    that one pass over each head does both.

    Example:

    ```mlir
    %q2 = mlc.rotary_embedding %q, %pos {theta = 1.0e+06 : f64} : (tensor<1x16x?x128xf32>, tensor<1x?xi64>) -> tensor<1x16x?x128xf32>
    %k2 = mlc.rotary_embedding %k, %pos norm(%w) {norm_epsilon = 1.0e-06 : f32, theta = 1.0e+06 : f64} : (tensor<1x8x?x128xf32>, tensor<1x?xi64>, tensor<128xf32>) -> tensor<1x8x?x128xf32>
    ```
  }];
  let arguments = (ins Mlc_FloatTensor:$input, Mlc_IndexTensor:$positions,
                       Optional<Mlc_FloatTensor>:$norm_weight,
                       DefaultValuedAttr<F64Attr, "10000.0">:$theta,
                       OptionalAttr<I64Attr>:$rotary_dim,
                       UnitAttr:$interleaved,
                       DefaultValuedAttr<F32Attr, "1.0e-6f">:$norm_epsilon);
  let results = (outs Mlc_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $positions (`norm` `(` $norm_weight^ `)`)? attr-dict `:`
    functional-type(operands, results)
  }];
}

def Mlc_AttentionOp : Mlc_ShapedOp<"attention", [
    AttrSizedOperandSegments,
    AllElementTypesMatch<["query", "result"]>,
    AllElementTypesMatch<["key", "value"]>]> {
  let summary = "scaled dot-product attention, grouped-query, with KV cache";
  let description = [{
    `softmax(scale * query @ key^T + mask) @ value` per head, with
    `query` [B, Hq, Sq, D], `key` [B, Hkv, Skv, D], `value` [B, Hkv, Skv, Dv]
    and result [B, Hq, Sq, Dv]. Hq is a multiple of Hkv: query head `h` reads
    key/value head `h / (Hq / Hkv)` (grouped-query attention). `scale`
    defaults to `1 / sqrt(D)`.

    `key` and `value` have one element type: the query's, or a narrower
    float type that is widened as it is read (a bf16 KV cache for attention
    computed in f32).

    `mask`, if given, broadcasts to [B, Hq, Sq, Skv]; an `i1` mask keeps the
    positions where it is true, a float mask is added to the scores.

    With `position` (a 0-d `i64` tensor), `key` and `value` are KV caches:
    only their first `position + Sq` rows are valid, and query row `i` sits at
    absolute position `position + i`. The new keys and values are written to
    the caches beforehand with `mlc.update_slice`.

    With `causal`, query position `p` attends to key positions `<= p` (the
    top-left aligned mask of PyTorch's `is_causal` when there is no
    `position`).

    Example (a decode step reading an 8-head KV cache):

    ```mlir
    %o = mlc.attention %q, %kc, %vc position(%pos) {causal} : (tensor<1x16x1x128xbf16>, tensor<1x8x4096x128xbf16>, tensor<1x8x4096x128xbf16>, tensor<i64>) -> tensor<1x16x1x128xbf16>
    ```
  }];
  let arguments = (ins Mlc_FloatTensor:$query, Mlc_FloatTensor:$key,
                       Mlc_FloatTensor:$value,
                       Optional<Mlc_Tensor>:$mask,
                       Optional<Mlc_I64Scalar>:$position,
                       UnitAttr:$causal, OptionalAttr<F64Attr>:$scale);
  let results = (outs Mlc_FloatTensor:$result);
  let assemblyFormat = [{
    $query `,` $key `,` $value (`mask` `(` $mask^ `)`)?
    (`position` `(` $position^ `)`)? attr-dict `:`
    functional-type(operands, results)
  }];
}

def Mlc_SwigluOp : Mlc_ShapedOp<"swiglu", [
    AllElementTypesMatch<["gate", "up", "result"]>]> {
  let summary = "SwiGLU gate: silu(gate) * up";
  let description = [{
    The gated activation of LLaMA/Qwen MLPs, `silu(gate) * up`, elementwise;
    `gate` and `up` have the same shape (no broadcasting).

    Example:

    ```mlir
    %h = mlc.swiglu %g, %u : (tensor<1x?x3072xf32>, tensor<1x?x3072xf32>) -> tensor<1x?x3072xf32>
    ```
  }];
  let arguments = (ins Mlc_FloatTensor:$gate, Mlc_FloatTensor:$up);
  let results = (outs Mlc_FloatTensor:$result);
  let assemblyFormat = [{
    $gate `,` $up attr-dict `:` functional-type(operands, results)
  }];
}

#endif // MLC_DIALECT_MLC_IR_MLCTRANSFORMEROPS_TD
