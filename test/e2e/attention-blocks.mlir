// RUN: mlc-compile %s -o %t.so --quiet
// RUN: %python %S/check_module.py %t.so %s

// Attention over several blocks of 256 keys (the online softmax of the
// blockwise lowering): a KV cache read up to position + Sq = 605 rows (3
// blocks, the last partial), causal prefill of 300 tokens (2 blocks, the
// diagonal inside the second), and no mask over 600 keys; grouped-query
// heads, batch 2. Against numpy in float64.

// PY: def attention(q, k, v, scale, causal, offset=0, kvlen=None):
// PY:     g = q.shape[1] // k.shape[1]
// PY:     k = np.repeat(k, g, axis=1); v = np.repeat(v, g, axis=1)
// PY:     s = q.astype(np.float64) @ np.swapaxes(k, -1, -2) * scale
// PY:     sq, skv = s.shape[-2], s.shape[-1]
// PY:     valid = np.ones((sq, skv), bool)
// PY:     if kvlen is not None: valid &= np.arange(skv)[None, :] < kvlen
// PY:     if causal: valid &= np.arange(skv)[None, :] <= offset + np.arange(sq)[:, None]
// PY:     s = np.where(valid, s, -np.inf)
// PY:     p = np.exp(s - s.max(-1, keepdims=True)); p /= p.sum(-1, keepdims=True)
// PY:     return (p @ v).astype(np.float32)
// PY: q = rng.standard_normal((2, 4, 5, 16)).astype(np.float32)
// PY: kc = rng.standard_normal((2, 2, 700, 16)).astype(np.float32)
// PY: vc = rng.standard_normal((2, 2, 700, 16)).astype(np.float32)
// PY: start = np.array(600, dtype=np.int64)
// PY: qp = rng.standard_normal((1, 4, 300, 16)).astype(np.float32)
// PY: kp = rng.standard_normal((1, 2, 300, 16)).astype(np.float32)
// PY: vp = rng.standard_normal((1, 2, 300, 16)).astype(np.float32)
// PY: k6 = (3 * rng.standard_normal((1, 1, 600, 16))).astype(np.float32)
// PY: v6 = rng.standard_normal((1, 1, 600, 16)).astype(np.float32)
// PY: inputs = [q, kc, vc, start, qp, kp, vp, k6, v6]
// PY: expected = [
// PY:   attention(q, kc, vc, 0.25, True, offset=600, kvlen=605),
// PY:   attention(qp, kp, vp, 0.25, True),
// PY:   attention(qp[:, :2], k6, v6, 0.5, False),
// PY: ]
// PY: rtol = 2e-4; atol = 2e-4

func.func @main(%q: tensor<2x4x5x16xf32>, %kc: tensor<2x2x700x16xf32>,
                %vc: tensor<2x2x700x16xf32>, %start: tensor<i64>,
                %qp: tensor<1x4x300x16xf32>, %kp: tensor<1x2x300x16xf32>,
                %vp: tensor<1x2x300x16xf32>, %k6: tensor<1x1x600x16xf32>,
                %v6: tensor<1x1x600x16xf32>)
    -> (tensor<2x4x5x16xf32>, tensor<1x4x300x16xf32>, tensor<1x2x300x16xf32>) {
  %0 = mlc.attention %q, %kc, %vc position(%start) {causal} : (tensor<2x4x5x16xf32>, tensor<2x2x700x16xf32>, tensor<2x2x700x16xf32>, tensor<i64>) -> tensor<2x4x5x16xf32>
  %1 = mlc.attention %qp, %kp, %vp {causal} : (tensor<1x4x300x16xf32>, tensor<1x2x300x16xf32>, tensor<1x2x300x16xf32>) -> tensor<1x4x300x16xf32>
  %q2 = mlc.slice %qp {axes = array<i64: 1>, starts = array<i64: 0>, ends = array<i64: 2>} : (tensor<1x4x300x16xf32>) -> tensor<1x2x300x16xf32>
  %2 = mlc.attention %q2, %k6, %v6 {scale = 0.5 : f64} : (tensor<1x2x300x16xf32>, tensor<1x1x600x16xf32>, tensor<1x1x600x16xf32>) -> tensor<1x2x300x16xf32>
  return %0, %1, %2 : tensor<2x4x5x16xf32>, tensor<1x4x300x16xf32>, tensor<1x2x300x16xf32>
}
