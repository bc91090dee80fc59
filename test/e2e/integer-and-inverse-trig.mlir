// RUN: mlc-compile %s -o %t.so --quiet
// RUN: %python %S/check_module.py %t.so %s

// Remainder, shifts, integer powers and inverse trigonometry, against numpy.

// PY: a = rng.uniform(-0.99, 0.99, (3, 5)).astype(np.float32)
// PY: x = rng.uniform(-9, 9, (3, 5)).astype(np.float32)
// PY: y = np.array([2.5, -1.5, 3.0, -4.0, 0.75], dtype=np.float32)
// PY: i = rng.integers(-50, 50, (3, 5)).astype(np.int32)
// PY: j = np.array([7, -3, 5, -8, 1], dtype=np.int32)
// PY: u = np.array([1, 200, 37, 255, 8], dtype=np.uint8)
// PY: s = np.array([0, 3, 7, 8, 9], dtype=np.uint8)
// PY: e = np.array([0, 1, 5, 3, 2], dtype=np.int32)
// PY: inputs = [a, x, y, i, j, u, s, e]
// PY: expected = [
// PY:   np.arcsin(a), np.arccos(a), np.arctan(x),
// PY:   np.fmod(x, y), np.fmod(i, j).astype(np.int32),
// PY:   np.where(s >= 8, 0, np.left_shift(u, s % 8)).astype(np.uint8),
// PY:   np.where(s >= 8, 0, np.right_shift(u, s % 8)).astype(np.uint8),
// PY:   np.power(i, e).astype(np.int32),
// PY: ]
// PY: rtol = 1e-5; atol = 1e-6

func.func @main(%a: tensor<3x5xf32>, %x: tensor<3x5xf32>, %y: tensor<5xf32>,
                %i: tensor<3x5xi32>, %j: tensor<5xi32>, %u: tensor<5xui8>,
                %s: tensor<5xui8>, %e: tensor<5xi32>)
    -> (tensor<3x5xf32>, tensor<3x5xf32>, tensor<3x5xf32>, tensor<3x5xf32>,
        tensor<3x5xi32>, tensor<5xui8>, tensor<5xui8>, tensor<3x5xi32>) {
  %0 = mlc.asin %a : tensor<3x5xf32>
  %1 = mlc.acos %a : tensor<3x5xf32>
  %2 = mlc.atan %x : tensor<3x5xf32>
  %3 = mlc.rem %x, %y : (tensor<3x5xf32>, tensor<5xf32>) -> tensor<3x5xf32>
  %4 = mlc.rem %i, %j : (tensor<3x5xi32>, tensor<5xi32>) -> tensor<3x5xi32>
  %5 = mlc.shl %u, %s : (tensor<5xui8>, tensor<5xui8>) -> tensor<5xui8>
  %6 = mlc.shr %u, %s : (tensor<5xui8>, tensor<5xui8>) -> tensor<5xui8>
  %7 = mlc.pow %i, %e : (tensor<3x5xi32>, tensor<5xi32>) -> tensor<3x5xi32>
  return %0, %1, %2, %3, %4, %5, %6, %7
      : tensor<3x5xf32>, tensor<3x5xf32>, tensor<3x5xf32>, tensor<3x5xf32>,
        tensor<3x5xi32>, tensor<5xui8>, tensor<5xui8>, tensor<3x5xi32>
}
