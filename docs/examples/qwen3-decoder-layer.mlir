// One Qwen3-0.6B decoder layer in the mlc dialect (hidden 1024, 16 query
// heads and 8 key/value heads of 128, MLP 3072): prefill of S tokens that
// start at position %start, appending to a 4096-token KV cache.
//
//   build/bin/mlc-opt docs/examples/qwen3-decoder-layer.mlir -mlc-infer-shapes -canonicalize
//
// The weights are named parameters, bound by name when the model is loaded.

mlc.parameter @"model.layers.0.input_layernorm.weight" : tensor<1024xf32>
mlc.parameter @"model.layers.0.self_attn.q_proj.weight" : tensor<2048x1024xf32>
mlc.parameter @"model.layers.0.self_attn.k_proj.weight" : tensor<1024x1024xf32>
mlc.parameter @"model.layers.0.self_attn.v_proj.weight" : tensor<1024x1024xf32>
mlc.parameter @"model.layers.0.self_attn.o_proj.weight" : tensor<1024x2048xf32>
mlc.parameter @"model.layers.0.self_attn.q_norm.weight" : tensor<128xf32>
mlc.parameter @"model.layers.0.self_attn.k_norm.weight" : tensor<128xf32>
mlc.parameter @"model.layers.0.post_attention_layernorm.weight" : tensor<1024xf32>
mlc.parameter @"model.layers.0.mlp.gate_proj.weight" : tensor<3072x1024xf32>
mlc.parameter @"model.layers.0.mlp.up_proj.weight" : tensor<3072x1024xf32>
mlc.parameter @"model.layers.0.mlp.down_proj.weight" : tensor<1024x3072xf32>

func.func @decoder_layer(%x: tensor<1x?x1024xf32>, %pos: tensor<1x?xi64>,
                         %start: tensor<i64>,
                         %k_cache: tensor<1x8x4096x128xf32>,
                         %v_cache: tensor<1x8x4096x128xf32>)
    -> (tensor<1x?x1024xf32>, tensor<1x8x4096x128xf32>, tensor<1x8x4096x128xf32>) {
  %w_in = mlc.get_parameter @"model.layers.0.input_layernorm.weight" : tensor<1024xf32>
  %w_q = mlc.get_parameter @"model.layers.0.self_attn.q_proj.weight" : tensor<2048x1024xf32>
  %w_k = mlc.get_parameter @"model.layers.0.self_attn.k_proj.weight" : tensor<1024x1024xf32>
  %w_v = mlc.get_parameter @"model.layers.0.self_attn.v_proj.weight" : tensor<1024x1024xf32>
  %w_o = mlc.get_parameter @"model.layers.0.self_attn.o_proj.weight" : tensor<1024x2048xf32>
  %w_qn = mlc.get_parameter @"model.layers.0.self_attn.q_norm.weight" : tensor<128xf32>
  %w_kn = mlc.get_parameter @"model.layers.0.self_attn.k_norm.weight" : tensor<128xf32>
  %w_post = mlc.get_parameter @"model.layers.0.post_attention_layernorm.weight" : tensor<1024xf32>
  %w_gate = mlc.get_parameter @"model.layers.0.mlp.gate_proj.weight" : tensor<3072x1024xf32>
  %w_up = mlc.get_parameter @"model.layers.0.mlp.up_proj.weight" : tensor<3072x1024xf32>
  %w_down = mlc.get_parameter @"model.layers.0.mlp.down_proj.weight" : tensor<1024x3072xf32>

  // Attention block.
  %h = mlc.rms_norm %x, %w_in {epsilon = 1.0e-06 : f32} : (tensor<1x?x1024xf32>, tensor<1024xf32>) -> tensor<1x?x1024xf32>
  %q = mlc.matmul %h, %w_q {transpose_rhs} : (tensor<1x?x1024xf32>, tensor<2048x1024xf32>) -> tensor<1x?x2048xf32>
  %k = mlc.matmul %h, %w_k {transpose_rhs} : (tensor<1x?x1024xf32>, tensor<1024x1024xf32>) -> tensor<1x?x1024xf32>
  %v = mlc.matmul %h, %w_v {transpose_rhs} : (tensor<1x?x1024xf32>, tensor<1024x1024xf32>) -> tensor<1x?x1024xf32>
  %q_heads = mlc.reshape %q : (tensor<1x?x2048xf32>) -> tensor<1x?x16x128xf32>
  %k_heads = mlc.reshape %k : (tensor<1x?x1024xf32>) -> tensor<1x?x8x128xf32>
  %v_heads = mlc.reshape %v : (tensor<1x?x1024xf32>) -> tensor<1x?x8x128xf32>
  // Qwen3's QK-norm: RMSNorm over each head, before the rotary embedding.
  %q_norm = mlc.rms_norm %q_heads, %w_qn {epsilon = 1.0e-06 : f32} : (tensor<1x?x16x128xf32>, tensor<128xf32>) -> tensor<1x?x16x128xf32>
  %k_norm = mlc.rms_norm %k_heads, %w_kn {epsilon = 1.0e-06 : f32} : (tensor<1x?x8x128xf32>, tensor<128xf32>) -> tensor<1x?x8x128xf32>
  %q_t = mlc.transpose %q_norm {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x?x16x128xf32>) -> tensor<1x16x?x128xf32>
  %k_t = mlc.transpose %k_norm {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x?x8x128xf32>) -> tensor<1x8x?x128xf32>
  %v_t = mlc.transpose %v_heads {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x?x8x128xf32>) -> tensor<1x8x?x128xf32>
  %q_rot = mlc.rotary_embedding %q_t, %pos {theta = 1.0e+06 : f64} : (tensor<1x16x?x128xf32>, tensor<1x?xi64>) -> tensor<1x16x?x128xf32>
  %k_rot = mlc.rotary_embedding %k_t, %pos {theta = 1.0e+06 : f64} : (tensor<1x8x?x128xf32>, tensor<1x?xi64>) -> tensor<1x8x?x128xf32>
  %k_cache2 = mlc.update_slice %k_cache, %k_rot, %start {axis = 2 : i64} : (tensor<1x8x4096x128xf32>, tensor<1x8x?x128xf32>, tensor<i64>) -> tensor<1x8x4096x128xf32>
  %v_cache2 = mlc.update_slice %v_cache, %v_t, %start {axis = 2 : i64} : (tensor<1x8x4096x128xf32>, tensor<1x8x?x128xf32>, tensor<i64>) -> tensor<1x8x4096x128xf32>
  %attn = mlc.attention %q_rot, %k_cache2, %v_cache2 position(%start) {causal} : (tensor<1x16x?x128xf32>, tensor<1x8x4096x128xf32>, tensor<1x8x4096x128xf32>, tensor<i64>) -> tensor<1x16x?x128xf32>
  %attn_t = mlc.transpose %attn {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x16x?x128xf32>) -> tensor<1x?x16x128xf32>
  %attn_flat = mlc.reshape %attn_t : (tensor<1x?x16x128xf32>) -> tensor<1x?x2048xf32>
  %o = mlc.matmul %attn_flat, %w_o {transpose_rhs} : (tensor<1x?x2048xf32>, tensor<1024x2048xf32>) -> tensor<1x?x1024xf32>
  %r1 = mlc.add %x, %o : (tensor<1x?x1024xf32>, tensor<1x?x1024xf32>) -> tensor<1x?x1024xf32>

  // MLP block.
  %h2 = mlc.rms_norm %r1, %w_post {epsilon = 1.0e-06 : f32} : (tensor<1x?x1024xf32>, tensor<1024xf32>) -> tensor<1x?x1024xf32>
  %gate = mlc.matmul %h2, %w_gate {transpose_rhs} : (tensor<1x?x1024xf32>, tensor<3072x1024xf32>) -> tensor<1x?x3072xf32>
  %up = mlc.matmul %h2, %w_up {transpose_rhs} : (tensor<1x?x1024xf32>, tensor<3072x1024xf32>) -> tensor<1x?x3072xf32>
  %act = mlc.swiglu %gate, %up : (tensor<1x?x3072xf32>, tensor<1x?x3072xf32>) -> tensor<1x?x3072xf32>
  %down = mlc.matmul %act, %w_down {transpose_rhs} : (tensor<1x?x3072xf32>, tensor<1024x3072xf32>) -> tensor<1x?x1024xf32>
  %out = mlc.add %r1, %down : (tensor<1x?x1024xf32>, tensor<1x?x1024xf32>) -> tensor<1x?x1024xf32>
  return %out, %k_cache2, %v_cache2 : tensor<1x?x1024xf32>, tensor<1x8x4096x128xf32>, tensor<1x8x4096x128xf32>
}
