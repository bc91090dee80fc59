// RUN: mlc-compile %s -o %t.so --quiet
// RUN: %python %S/check_module.py %t.so %s

// mlc.resize with sizes and scales known only at run time, against a
// numpy transcription of ONNX Resize (separable, border taps repeated).

// PY: def coord(o, n_in, scale, mode):
// PY:     if mode == "half_pixel": return (o + 0.5) / scale - 0.5
// PY:     if mode == "align_corners": return 0.0 if n_in * scale == 1 else o * (n_in - 1) / (n_in * scale - 1)
// PY:     return o / scale
// PY: def cubic_weight(u, a=-0.75):
// PY:     if u > 1: return ((a * u - 5 * a) * u + 8 * a) * u - 4 * a
// PY:     return ((a + 2) * u - (a + 3)) * u * u + 1
// PY: def resize1d(x, axis, n_out, scale, mode, kind):
// PY:     n_in = x.shape[axis]; out = []
// PY:     for o in range(n_out):
// PY:         c = coord(o, n_in, scale, mode); f = np.floor(c); t = c - f
// PY:         if kind == "nearest": taps, w = [np.floor(c)], [1.0]
// PY:         elif kind == "linear": taps, w = [f, f + 1], [1 - t, t]
// PY:         else: taps, w = [f - 1, f, f + 1, f + 2], [cubic_weight(u) for u in (t + 1, t, 1 - t, 2 - t)]
// PY:         idx = [int(min(max(k, 0), n_in - 1)) for k in taps]
// PY:         out.append(sum(wi * np.take(x, i, axis=axis).astype(np.float64) for wi, i in zip(w, idx)))
// PY:     return np.stack(out, axis=axis)
// PY: def resize(x, sizes, scales, mode, kind):
// PY:     for d in range(x.ndim):
// PY:         scale = scales[d] if scales is not None else sizes[d] / x.shape[d]
// PY:         x = resize1d(x, d, sizes[d], np.float64(scale), mode, kind)
// PY:     return x.astype(np.float32)
// PY: x = rng.standard_normal((1, 2, 4, 5)).astype(np.float32)
// PY: linear_sizes = np.array([1, 2, 7, 3], np.int64)
// PY: cubic_scales = np.array([1, 1, 2, 0.6], np.float32)
// PY: cubic_sizes = np.floor(np.array(x.shape) * cubic_scales.astype(np.float64)).astype(np.int64)
// PY: nearest_sizes = np.array([1, 2, 8, 10], np.int64)
// PY: inputs = [x, linear_sizes, cubic_sizes, cubic_scales, nearest_sizes]
// PY: expected = [
// PY:   resize(x, linear_sizes, None, "half_pixel", "linear"),
// PY:   resize(x, cubic_sizes, cubic_scales, "align_corners", "cubic"),
// PY:   resize(x, nearest_sizes, None, "asymmetric", "nearest"),
// PY: ]
// PY: rtol = 1e-4; atol = 1e-5

func.func @main(%x: tensor<1x2x4x5xf32>, %linear: tensor<4xi64>, %cubic: tensor<4xi64>,
                %scales: tensor<4xf32>, %nearest: tensor<4xi64>)
    -> (tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>) {
  %0 = mlc.resize linear %x, %linear : (tensor<1x2x4x5xf32>, tensor<4xi64>) -> tensor<?x?x?x?xf32>
  %1 = mlc.resize cubic %x, %cubic scales %scales {coordinate_transform = #mlc.coordinate_transform<align_corners>} : (tensor<1x2x4x5xf32>, tensor<4xi64>, tensor<4xf32>) -> tensor<?x?x?x?xf32>
  %2 = mlc.resize nearest %x, %nearest {coordinate_transform = #mlc.coordinate_transform<asymmetric>, nearest_rounding = #mlc.nearest_rounding<floor>} : (tensor<1x2x4x5xf32>, tensor<4xi64>) -> tensor<?x?x?x?xf32>
  return %0, %1, %2 : tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>
}
