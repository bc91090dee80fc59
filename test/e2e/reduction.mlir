// RUN: mlc-compile %s -o %t.so --quiet
// RUN: %python %S/check_module.py %t.so %s

// Reductions, softmax, normalizations and pooling, against numpy.

// PY: def pool(x, k, s, p, ceil, kind, cip):
// PY:     n, c, h, w = x.shape
// PY:     def out_size(i, d):
// PY:         span = i + p[d] + p[d + 2] - k[d]
// PY:         o = (-(-span // s[d]) if ceil else span // s[d]) + 1
// PY:         if ceil and (o - 1) * s[d] >= i + p[d]: o -= 1
// PY:         return o
// PY:     oh, ow = out_size(h, 0), out_size(w, 1)
// PY:     out = np.zeros((n, c, oh, ow), np.float32)
// PY:     for a in range(oh):
// PY:         for b in range(ow):
// PY:             h0, w0 = a * s[0] - p[0], b * s[1] - p[1]
// PY:             h1, w1 = h0 + k[0], w0 + k[1]
// PY:             win = x[:, :, max(h0, 0):min(h1, h), max(w0, 0):min(w1, w)]
// PY:             if kind == "max": out[:, :, a, b] = win.max(axis=(2, 3))
// PY:             else:
// PY:                 cnt = (min(h1, h + p[2]) - h0) * (min(w1, w + p[3]) - w0) if cip else win.shape[2] * win.shape[3]
// PY:                 out[:, :, a, b] = win.sum(axis=(2, 3)) / cnt
// PY:     return out
// PY: x = rng.standard_normal((2, 3, 7, 6)).astype(np.float32)
// PY: i = rng.integers(-9, 9, (3, 5)).astype(np.int64)
// PY: g = rng.standard_normal((6,)).astype(np.float32)
// PY: bias = rng.standard_normal((6,)).astype(np.float32)
// PY: sm = np.exp(x - x.max(2, keepdims=True)); sm /= sm.sum(2, keepdims=True)
// PY: lsm = x - x.max(3, keepdims=True); lsm = lsm - np.log(np.exp(lsm).sum(3, keepdims=True))
// PY: mu = x.mean(axis=(2, 3), keepdims=True); var = ((x - mu) ** 2).mean(axis=(2, 3), keepdims=True)
// PY: rms = x / np.sqrt((x ** 2).mean(3, keepdims=True) + 1e-6) * g
// PY: inputs = [x, i, g, bias]
// PY: expected = [
// PY:   x.sum(axis=(0, 2)), x.mean(axis=3, keepdims=True), x.max(axis=1), i.min(axis=1),
// PY:   np.prod(i, axis=0), np.log(np.exp(x).sum(axis=(1, 3))), np.sqrt((x ** 2).sum(axis=2)),
// PY:   np.abs(i).sum(axis=0, keepdims=True), i.mean(axis=1).astype(np.int64) if False else np.trunc(i.sum(1) / 5).astype(np.int64),
// PY:   sm.astype(np.float32), lsm.astype(np.float32),
// PY:   ((x - mu) / np.sqrt(var + 1e-5)).astype(np.float32),
// PY:   rms.astype(np.float32),
// PY:   pool(x, (3, 2), (2, 2), (1, 0, 1, 1), True, "max", False),
// PY:   pool(x, (3, 3), (2, 2), (1, 1, 1, 1), False, "avg", False),
// PY:   pool(x, (3, 3), (2, 2), (1, 1, 1, 1), True, "avg", True),
// PY: ]
// PY: rtol = 1e-4; atol = 1e-5

func.func @main(%x: tensor<2x3x7x6xf32>, %i: tensor<3x5xi64>, %g: tensor<6xf32>, %b: tensor<6xf32>)
    -> (tensor<3x6xf32>, tensor<2x3x7x1xf32>, tensor<2x7x6xf32>, tensor<3xi64>,
        tensor<5xi64>, tensor<2x7xf32>, tensor<2x3x6xf32>, tensor<1x5xi64>, tensor<3xi64>,
        tensor<2x3x7x6xf32>, tensor<2x3x7x6xf32>, tensor<2x3x7x6xf32>, tensor<2x3x7x6xf32>,
        tensor<2x3x4x3xf32>, tensor<2x3x4x3xf32>, tensor<2x3x4x4xf32>) {
  %0 = mlc.reduce sum %x {axes = array<i64: 0, 2>} : (tensor<2x3x7x6xf32>) -> tensor<3x6xf32>
  %1 = mlc.reduce mean %x {axes = array<i64: 3>, keepdims} : (tensor<2x3x7x6xf32>) -> tensor<2x3x7x1xf32>
  %2 = mlc.reduce max %x {axes = array<i64: 1>} : (tensor<2x3x7x6xf32>) -> tensor<2x7x6xf32>
  %3 = mlc.reduce min %i {axes = array<i64: 1>} : (tensor<3x5xi64>) -> tensor<3xi64>
  %4 = mlc.reduce prod %i {axes = array<i64: 0>} : (tensor<3x5xi64>) -> tensor<5xi64>
  %5 = mlc.reduce log_sum_exp %x {axes = array<i64: 1, 3>} : (tensor<2x3x7x6xf32>) -> tensor<2x7xf32>
  %6 = mlc.reduce l2 %x {axes = array<i64: 2>} : (tensor<2x3x7x6xf32>) -> tensor<2x3x6xf32>
  %7 = mlc.reduce l1 %i {axes = array<i64: 0>, keepdims} : (tensor<3x5xi64>) -> tensor<1x5xi64>
  %8 = mlc.reduce mean %i {axes = array<i64: 1>} : (tensor<3x5xi64>) -> tensor<3xi64>
  %9 = mlc.softmax %x {axis = 2 : i64} : tensor<2x3x7x6xf32>
  %10 = mlc.log_softmax %x {axis = 3 : i64} : tensor<2x3x7x6xf32>
  %ones = mlc.constant dense<1.0> : tensor<1x1xf32>
  %11 = mlc.layer_norm %x, %ones {axis = 2 : i64, epsilon = 1.0e-05 : f32} : (tensor<2x3x7x6xf32>, tensor<1x1xf32>) -> tensor<2x3x7x6xf32>
  %12 = mlc.rms_norm %x, %g {epsilon = 1.0e-06 : f32} : (tensor<2x3x7x6xf32>, tensor<6xf32>) -> tensor<2x3x7x6xf32>
  %13 = mlc.pool2d max %x {ceil_mode, kernel = array<i64: 3, 2>, padding = array<i64: 1, 0, 1, 1>, strides = array<i64: 2, 2>} : (tensor<2x3x7x6xf32>) -> tensor<2x3x4x3xf32>
  %14 = mlc.pool2d avg %x {kernel = array<i64: 3, 3>, padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<2x3x7x6xf32>) -> tensor<2x3x4x3xf32>
  %15 = mlc.pool2d avg %x {ceil_mode, count_include_pad, kernel = array<i64: 3, 3>, padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<2x3x7x6xf32>) -> tensor<2x3x4x4xf32>
  return %0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15
      : tensor<3x6xf32>, tensor<2x3x7x1xf32>, tensor<2x7x6xf32>, tensor<3xi64>,
        tensor<5xi64>, tensor<2x7xf32>, tensor<2x3x6xf32>, tensor<1x5xi64>, tensor<3xi64>,
        tensor<2x3x7x6xf32>, tensor<2x3x7x6xf32>, tensor<2x3x7x6xf32>, tensor<2x3x7x6xf32>,
        tensor<2x3x4x3xf32>, tensor<2x3x4x3xf32>, tensor<2x3x4x4xf32>
}
