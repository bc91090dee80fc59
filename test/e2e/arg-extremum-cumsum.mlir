// RUN: mlc-compile %s -o %t.so --quiet
// RUN: %python %S/check_module.py %t.so %s

// argmax, argmin (first and last of ties) and cumsum in all four
// directions, against numpy.

// PY: x = rng.standard_normal((3, 6, 4)).astype(np.float32)
// PY: t = rng.integers(0, 3, (4, 5)).astype(np.int64)
// PY: def last(f, v, axis):
// PY:     flipped = np.flip(v, axis)
// PY:     return v.shape[axis] - 1 - f(flipped, axis=axis)
// PY: def cumsum(v, axis, exclusive, reverse):
// PY:     if reverse: v = np.flip(v, axis)
// PY:     c = np.cumsum(v, axis=axis)
// PY:     if exclusive: c = c - v
// PY:     return np.flip(c, axis) if reverse else c
// PY: inputs = [x, t]
// PY: expected = [
// PY:   np.argmax(x, axis=1), np.expand_dims(np.argmin(x, axis=2), 2),
// PY:   np.argmax(t, axis=1), last(np.argmax, t, 1), last(np.argmin, t, 0),
// PY:   cumsum(x, 1, False, False), cumsum(x, 1, True, False),
// PY:   cumsum(t, 0, False, True), cumsum(t, 1, True, True),
// PY: ]
// PY: rtol = 1e-5; atol = 1e-5

func.func @main(%x: tensor<3x6x4xf32>, %t: tensor<4x5xi64>)
    -> (tensor<3x4xi64>, tensor<3x6x1xi64>, tensor<4xi64>, tensor<4xi64>,
        tensor<5xi64>, tensor<3x6x4xf32>, tensor<3x6x4xf32>, tensor<4x5xi64>,
        tensor<4x5xi64>) {
  %0 = mlc.argmax %x {axis = 1 : i64} : (tensor<3x6x4xf32>) -> tensor<3x4xi64>
  %1 = mlc.argmin %x {axis = 2 : i64, keepdims} : (tensor<3x6x4xf32>) -> tensor<3x6x1xi64>
  %2 = mlc.argmax %t {axis = 1 : i64} : (tensor<4x5xi64>) -> tensor<4xi64>
  %3 = mlc.argmax %t {axis = 1 : i64, select_last_index} : (tensor<4x5xi64>) -> tensor<4xi64>
  %4 = mlc.argmin %t {axis = 0 : i64, select_last_index} : (tensor<4x5xi64>) -> tensor<5xi64>
  %5 = mlc.cumsum %x {axis = 1 : i64} : tensor<3x6x4xf32>
  %6 = mlc.cumsum %x {axis = 1 : i64, exclusive} : tensor<3x6x4xf32>
  %7 = mlc.cumsum %t {axis = 0 : i64, reverse} : tensor<4x5xi64>
  %8 = mlc.cumsum %t {axis = 1 : i64, exclusive, reverse} : tensor<4x5xi64>
  return %0, %1, %2, %3, %4, %5, %6, %7, %8
      : tensor<3x4xi64>, tensor<3x6x1xi64>, tensor<4xi64>, tensor<4xi64>,
        tensor<5xi64>, tensor<3x6x4xf32>, tensor<3x6x4xf32>, tensor<4x5xi64>,
        tensor<4x5xi64>
}
