// RUN: mlc-compile %s -o %t.so --quiet
// RUN: %python %S/check_module.py %t.so %s

// The products of a decode step (one row), against numpy in float64: a
// matrix-vector product whose rows of B are split into 4 blocks of 16
// streams, one whose blocks take 2 streams (66 rows), one with B read along
// k (transposed: each output a dot product of two rows), and attention of
// one query row per head (2 per key/value head) over 605 rows of a KV
// cache (blocks of 256, the last of 93: dot products over 8 keys at a
// time, the 5 left over one by one).

// PY: a = rng.standard_normal((1, 1, 1024)).astype(np.float32)
// PY: w = rng.standard_normal((1024, 768)).astype(np.float32)
// PY: a2 = rng.standard_normal((1, 1, 264)).astype(np.float32)
// PY: w2 = rng.standard_normal((264, 512)).astype(np.float32)
// PY: a3 = rng.standard_normal((1, 1, 256)).astype(np.float32)
// PY: w3 = rng.standard_normal((512, 256)).astype(np.float32)
// PY: q = rng.standard_normal((1, 4, 1, 128)).astype(np.float32)
// PY: kc = rng.standard_normal((1, 2, 700, 128)).astype(np.float32)
// PY: vc = rng.standard_normal((1, 2, 700, 128)).astype(np.float32)
// PY: start = np.array(604, dtype=np.int64)
// PY: def attention(q, k, v, n):
// PY:     k = np.repeat(k[:, :, :n], 2, axis=1).astype(np.float64)
// PY:     v = np.repeat(v[:, :, :n], 2, axis=1).astype(np.float64)
// PY:     s = q.astype(np.float64) @ np.swapaxes(k, -1, -2) / np.sqrt(128)
// PY:     p = np.exp(s - s.max(-1, keepdims=True)); p /= p.sum(-1, keepdims=True)
// PY:     return (p @ v).astype(np.float32)
// PY: inputs = [a, w, a2, w2, a3, w3, q, kc, vc, start]
// PY: f64 = lambda x: x.astype(np.float64)
// PY: expected = [
// PY:   (f64(a) @ f64(w)).astype(np.float32),
// PY:   (f64(a2) @ f64(w2)).astype(np.float32),
// PY:   (f64(a3) @ f64(w3).T).astype(np.float32),
// PY:   attention(q, kc, vc, 605),
// PY: ]
// PY: rtol = 1e-4; atol = 1e-4

func.func @main(%a: tensor<1x1x1024xf32>, %w: tensor<1024x768xf32>,
                %a2: tensor<1x1x264xf32>, %w2: tensor<264x512xf32>,
                %a3: tensor<1x1x256xf32>, %w3: tensor<512x256xf32>,
                %q: tensor<1x4x1x128xf32>, %kc: tensor<1x2x700x128xf32>,
                %vc: tensor<1x2x700x128xf32>, %start: tensor<i64>)
    -> (tensor<1x1x768xf32>, tensor<1x1x512xf32>, tensor<1x1x512xf32>,
        tensor<1x4x1x128xf32>) {
  %0 = mlc.matmul %a, %w : (tensor<1x1x1024xf32>, tensor<1024x768xf32>) -> tensor<1x1x768xf32>
  %1 = mlc.matmul %a2, %w2 : (tensor<1x1x264xf32>, tensor<264x512xf32>) -> tensor<1x1x512xf32>
  %2 = mlc.matmul %a3, %w3 {transpose_rhs} : (tensor<1x1x256xf32>, tensor<512x256xf32>) -> tensor<1x1x512xf32>
  %3 = mlc.attention %q, %kc, %vc position(%start) {causal} : (tensor<1x4x1x128xf32>, tensor<1x2x700x128xf32>, tensor<1x2x700x128xf32>, tensor<i64>) -> tensor<1x4x1x128xf32>
  return %0, %1, %2, %3 : tensor<1x1x768xf32>, tensor<1x1x512xf32>, tensor<1x1x512xf32>, tensor<1x4x1x128xf32>
}
