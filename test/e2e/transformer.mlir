// RUN: mlc-compile %s -o %t.so --quiet
// RUN: %python %S/check_module.py %t.so %s

// Rotary embedding (also with QK-norm), grouped-query attention (causal,
// masked, with a KV cache) and SwiGLU, against numpy written from the Hugging Face semantics.

// PY: def rope(x, pos, theta, rd, interleaved):
// PY:     inv = 1.0 / (theta ** (np.arange(0, rd, 2, dtype=np.float32) / rd))
// PY:     ang = pos[:, None, :, None].astype(np.float32) * inv
// PY:     cos, sin = np.cos(ang), np.sin(ang)
// PY:     out = x.copy(); r = x[..., :rd]
// PY:     if interleaved:
// PY:         a, b = r[..., 0::2], r[..., 1::2]
// PY:         out[..., 0:rd:2] = a * cos - b * sin; out[..., 1:rd:2] = b * cos + a * sin
// PY:     else:
// PY:         a, b = r[..., :rd // 2], r[..., rd // 2:]
// PY:         out[..., :rd // 2] = a * cos - b * sin; out[..., rd // 2:rd] = b * cos + a * sin
// PY:     return out
// PY: def attention(q, k, v, scale, causal, offset=0, kvlen=None, mask=None):
// PY:     g = q.shape[1] // k.shape[1]
// PY:     k = np.repeat(k, g, axis=1); v = np.repeat(v, g, axis=1)
// PY:     s = q.astype(np.float64) @ np.swapaxes(k, -1, -2) * scale
// PY:     sq, skv = s.shape[-2], s.shape[-1]
// PY:     valid = np.ones((sq, skv), bool)
// PY:     if kvlen is not None: valid &= np.arange(skv)[None, :] < kvlen
// PY:     if causal: valid &= np.arange(skv)[None, :] <= offset + np.arange(sq)[:, None]
// PY:     if mask is not None: valid = valid & mask
// PY:     s = np.where(valid, s, -np.inf)
// PY:     p = np.exp(s - s.max(-1, keepdims=True)); p /= p.sum(-1, keepdims=True)
// PY:     return (p @ v).astype(np.float32)
// PY: x = rng.standard_normal((2, 3, 5, 8)).astype(np.float32)
// PY: pos = rng.integers(0, 4000, (2, 5)).astype(np.int64)
// PY: q = rng.standard_normal((1, 4, 3, 8)).astype(np.float32)
// PY: kc = rng.standard_normal((1, 2, 10, 8)).astype(np.float32)
// PY: vc = rng.standard_normal((1, 2, 10, 8)).astype(np.float32)
// PY: kn = rng.standard_normal((1, 2, 3, 8)).astype(np.float32)
// PY: vn = rng.standard_normal((1, 2, 3, 8)).astype(np.float32)
// PY: start = np.array(4, dtype=np.int64)
// PY: m = rng.random((3, 10)) > 0.3; m[:, 0] = True
// PY: gate = rng.standard_normal((2, 7)).astype(np.float32); up = rng.standard_normal((2, 7)).astype(np.float32)
// PY: w = rng.standard_normal(8).astype(np.float32)
// PY: inputs = [x, pos, q, kc, vc, kn, vn, start, m, gate, up, w]
// PY: normed = x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + 1e-6) * w
// PY: kc2 = kc.copy(); kc2[:, :, 4:7] = kn; vc2 = vc.copy(); vc2[:, :, 4:7] = vn
// PY: expected = [
// PY:   rope(x, pos, 1e6, 8, False), rope(x, pos, 10000.0, 4, True),
// PY:   attention(q, kc2, vc2, 1 / np.sqrt(8), True, offset=4, kvlen=7),
// PY:   attention(q, kc, vc, 0.25, False, mask=m),
// PY:   (gate / (1 + np.exp(-gate)) * up).astype(np.float32),
// PY:   kc2,
// PY:   rope(normed, pos, 1e6, 6, False),
// PY:   rope(x, pos, 10000.0, 8, True), rope(normed, pos, 1e6, 8, False),
// PY: ]
// PY: rtol = 2e-4; atol = 2e-4

func.func @main(%x: tensor<2x3x5x8xf32>, %pos: tensor<2x5xi64>, %q: tensor<1x4x3x8xf32>,
                %kc: tensor<1x2x10x8xf32>, %vc: tensor<1x2x10x8xf32>,
                %kn: tensor<1x2x3x8xf32>, %vn: tensor<1x2x3x8xf32>, %start: tensor<i64>,
                %m: tensor<3x10xi1>, %gate: tensor<2x7xf32>, %up: tensor<2x7xf32>,
                %w: tensor<8xf32>)
    -> (tensor<2x3x5x8xf32>, tensor<2x3x5x8xf32>, tensor<1x4x3x8xf32>,
        tensor<1x4x3x8xf32>, tensor<2x7xf32>, tensor<1x2x10x8xf32>,
        tensor<2x3x5x8xf32>, tensor<2x3x5x8xf32>, tensor<2x3x5x8xf32>) {
  %0 = mlc.rotary_embedding %x, %pos {theta = 1.0e+06 : f64} : (tensor<2x3x5x8xf32>, tensor<2x5xi64>) -> tensor<2x3x5x8xf32>
  %1 = mlc.rotary_embedding %x, %pos {interleaved, rotary_dim = 4 : i64} : (tensor<2x3x5x8xf32>, tensor<2x5xi64>) -> tensor<2x3x5x8xf32>
  %kc2 = mlc.update_slice %kc, %kn, %start {axis = 2 : i64} : (tensor<1x2x10x8xf32>, tensor<1x2x3x8xf32>, tensor<i64>) -> tensor<1x2x10x8xf32>
  %vc2 = mlc.update_slice %vc, %vn, %start {axis = 2 : i64} : (tensor<1x2x10x8xf32>, tensor<1x2x3x8xf32>, tensor<i64>) -> tensor<1x2x10x8xf32>
  %2 = mlc.attention %q, %kc2, %vc2 position(%start) {causal} : (tensor<1x4x3x8xf32>, tensor<1x2x10x8xf32>, tensor<1x2x10x8xf32>, tensor<i64>) -> tensor<1x4x3x8xf32>
  %3 = mlc.attention %q, %kc, %vc mask(%m) {scale = 0.25 : f64} : (tensor<1x4x3x8xf32>, tensor<1x2x10x8xf32>, tensor<1x2x10x8xf32>, tensor<3x10xi1>) -> tensor<1x4x3x8xf32>
  %4 = mlc.swiglu %gate, %up : (tensor<2x7xf32>, tensor<2x7xf32>) -> tensor<2x7xf32>
  // QK-norm in the rotation; features past rotary_dim are normalized only.
  %5 = mlc.rotary_embedding %x, %pos norm(%w) {theta = 1.0e+06 : f64, rotary_dim = 6 : i64} : (tensor<2x3x5x8xf32>, tensor<2x5xi64>, tensor<8xf32>) -> tensor<2x3x5x8xf32>
  // The whole head dimension rotated: interleaved (each feature gathers its
  // partner), and rotate-half with QK-norm (over pairs, without a gather).
  %6 = mlc.rotary_embedding %x, %pos {interleaved} : (tensor<2x3x5x8xf32>, tensor<2x5xi64>) -> tensor<2x3x5x8xf32>
  %7 = mlc.rotary_embedding %x, %pos norm(%w) {theta = 1.0e+06 : f64} : (tensor<2x3x5x8xf32>, tensor<2x5xi64>, tensor<8xf32>) -> tensor<2x3x5x8xf32>
  return %0, %1, %2, %3, %4, %kc2, %5, %6, %7 : tensor<2x3x5x8xf32>, tensor<2x3x5x8xf32>, tensor<1x4x3x8xf32>, tensor<1x4x3x8xf32>, tensor<2x7xf32>, tensor<1x2x10x8xf32>, tensor<2x3x5x8xf32>, tensor<2x3x5x8xf32>, tensor<2x3x5x8xf32>
}
