// RUN: mlc-compile %s -o %t.so --quiet
// RUN: %python %S/check_module.py %t.so %s

// Data movement on dynamic shapes, against numpy.

// PY: x = rng.standard_normal((4, 6)).astype(np.float32)
// PY: shape = np.array([3, -1], dtype=np.int64)
// PY: idx = np.array([[0, -1], [2, 1]], dtype=np.int64)
// PY: gi = rng.integers(0, 6, (4, 3)).astype(np.int64)
// PY: upd = rng.standard_normal((4, 2)).astype(np.float32)
// PY: off = np.array(3, dtype=np.int64)
// PY: lo, hi, step = np.array(1.5, np.float32), np.array(4.0, np.float32), np.array(0.75, np.float32)
// PY: inputs = [x, shape, idx, gi, upd, off, lo, hi, step]
// PY: cache = x.copy(); cache[:, 3:5] = upd
// PY: expected = [
// PY:   x.reshape(3, 8), x.T, np.concatenate([x, x[:, :2]], axis=1),
// PY:   x[:, 1:3], x[:, 3:], x[::-2, 5:0:-2],
// PY:   np.pad(x, ((1, 2), (2, 1)), mode="reflect"), np.pad(x, ((1, 0), (0, 3)), mode="edge"),
// PY:   np.pad(x, ((2, 2), (1, 1)), mode="wrap"), np.pad(x, ((0, 1), (1, 0)), constant_values=2.5),
// PY:   np.broadcast_to(x[None, :, :1], (2, 4, 6)).copy(),
// PY:   x[None][..., None].reshape(4, 6), x[None, :, None, :],
// PY:   x[:, idx], np.take_along_axis(x, gi, axis=1), cache,
// PY:   np.array(x.shape, dtype=np.int64), np.arange(1.5, 4.0, 0.75, dtype=np.float32),
// PY: ]

func.func @main(%x: tensor<?x6xf32>, %shape: tensor<2xi64>, %idx: tensor<2x2xi64>,
                %gi: tensor<?x3xi64>, %upd: tensor<?x2xf32>, %off: tensor<i64>,
                %lo: tensor<f32>, %hi: tensor<f32>, %step: tensor<f32>)
    -> (tensor<?x?xf32>, tensor<6x?xf32>, tensor<?x8xf32>, tensor<?x2xf32>,
        tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x9xf32>, tensor<?x9xf32>,
        tensor<?x8xf32>, tensor<?x7xf32>, tensor<2x?x6xf32>, tensor<?x6xf32>,
        tensor<1x?x1x6xf32>, tensor<?x2x2xf32>, tensor<?x3xf32>, tensor<?x6xf32>,
        tensor<2xi64>, tensor<?xf32>) {
  %0 = mlc.reshape %x, %shape : (tensor<?x6xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  %1 = mlc.transpose %x {permutation = array<i64: 1, 0>} : (tensor<?x6xf32>) -> tensor<6x?xf32>
  %head = mlc.slice %x {axes = array<i64: 1>, starts = array<i64: 0>, ends = array<i64: 2>} : (tensor<?x6xf32>) -> tensor<?x2xf32>
  %2 = mlc.concat %x, %head {axis = 1 : i64} : (tensor<?x6xf32>, tensor<?x2xf32>) -> tensor<?x8xf32>
  %3:2 = mlc.split %x {axis = 1 : i64, sizes = array<i64: 3, 3>} : (tensor<?x6xf32>) -> (tensor<?x3xf32>, tensor<?x3xf32>)
  %s1 = mlc.slice %x {axes = array<i64: 1>, starts = array<i64: 1>, ends = array<i64: 3>} : (tensor<?x6xf32>) -> tensor<?x2xf32>
  %4 = mlc.slice %x {axes = array<i64: 0, 1>, starts = array<i64: -1, 5>, ends = array<i64: -9223372036854775808, 0>, steps = array<i64: -2, -2>} : (tensor<?x6xf32>) -> tensor<?x3xf32>
  %5 = mlc.pad %x {mode = #mlc.pad_mode<reflect>, padding = array<i64: 1, 2, 2, 1>} : (tensor<?x6xf32>) -> tensor<?x9xf32>
  %6 = mlc.pad %x {mode = #mlc.pad_mode<edge>, padding = array<i64: 1, 0, 0, 3>} : (tensor<?x6xf32>) -> tensor<?x9xf32>
  %7 = mlc.pad %x {mode = #mlc.pad_mode<wrap>, padding = array<i64: 2, 1, 2, 1>} : (tensor<?x6xf32>) -> tensor<?x8xf32>
  %8 = mlc.pad %x {padding = array<i64: 0, 1, 1, 0>, value = 2.5 : f32} : (tensor<?x6xf32>) -> tensor<?x7xf32>
  %col = mlc.slice %x {axes = array<i64: 1>, starts = array<i64: 0>, ends = array<i64: 1>} : (tensor<?x6xf32>) -> tensor<?x1xf32>
  %target = mlc.constant dense<[2, 1, 6]> : tensor<3xi64>
  %9 = mlc.expand %col, %target : (tensor<?x1xf32>, tensor<3xi64>) -> tensor<2x?x6xf32>
  %u = mlc.unsqueeze %x {axes = array<i64: 0, 3>} : (tensor<?x6xf32>) -> tensor<1x?x6x1xf32>
  %10 = mlc.squeeze %u {axes = array<i64: 0, 3>} : (tensor<1x?x6x1xf32>) -> tensor<?x6xf32>
  %11 = mlc.unsqueeze %x {axes = array<i64: 0, 2>} : (tensor<?x6xf32>) -> tensor<1x?x1x6xf32>
  %12 = mlc.gather %x, %idx {axis = 1 : i64} : (tensor<?x6xf32>, tensor<2x2xi64>) -> tensor<?x2x2xf32>
  %13 = mlc.gather_elements %x, %gi {axis = 1 : i64} : (tensor<?x6xf32>, tensor<?x3xi64>) -> tensor<?x3xf32>
  %14 = mlc.update_slice %x, %upd, %off {axis = 1 : i64} : (tensor<?x6xf32>, tensor<?x2xf32>, tensor<i64>) -> tensor<?x6xf32>
  %15 = mlc.shape_of %x : (tensor<?x6xf32>) -> tensor<2xi64>
  %16 = mlc.range %lo, %hi, %step : (tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<?xf32>
  return %0, %1, %2, %s1, %3#1, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, %16
      : tensor<?x?xf32>, tensor<6x?xf32>, tensor<?x8xf32>, tensor<?x2xf32>,
        tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x9xf32>, tensor<?x9xf32>,
        tensor<?x8xf32>, tensor<?x7xf32>, tensor<2x?x6xf32>, tensor<?x6xf32>,
        tensor<1x?x1x6xf32>, tensor<?x2x2xf32>, tensor<?x3xf32>, tensor<?x6xf32>,
        tensor<2xi64>, tensor<?xf32>
}
