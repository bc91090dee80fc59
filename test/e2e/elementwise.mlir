// RUN: mlc-compile %s -o %t.so --quiet
// RUN: %python %S/check_module.py %t.so %s

// Elementwise ops with NumPy broadcasting, against numpy.

// PY: import math
// PY: a = rng.standard_normal((2, 3, 4)).astype(np.float32)
// PY: b = rng.standard_normal((3, 1)).astype(np.float32)
// PY: i = rng.integers(-20, 20, (2, 4)).astype(np.int32)
// PY: j = np.array([3, -3, 7, 1], dtype=np.int32)
// PY: u = np.array([250, 3, 17, 0], dtype=np.uint8)
// PY: erf = np.vectorize(math.erf)
// PY: gelu_tanh = 0.5 * a * (1 + np.tanh(np.sqrt(2 / np.pi) * (a + 0.044715 * a ** 3)))
// PY: sig = 1 / (1 + np.exp(-a))
// PY: inputs = [a, b, i, j, u]
// PY: expected = [
// PY:   (a + b) * b - a / (np.abs(b) + 1),
// PY:   np.where(a < b, np.maximum(a, 0.5), np.clip(a, -0.25, 0.25)).astype(np.float32),
// PY:   (np.trunc(i / j)).astype(np.int32),
// PY:   np.maximum(u, np.uint8(16)) // np.uint8(3),
// PY:   (a * sig).astype(np.float32),
// PY:   gelu_tanh.astype(np.float32),
// PY:   (0.5 * a * (1 + erf(a / np.sqrt(2)))).astype(np.float32),
// PY:   a.astype(np.int32),
// PY:   np.sign(i).astype(np.int32),
// PY: ]
// PY: rtol = 1e-5; atol = 1e-5

func.func @main(%a: tensor<2x3x4xf32>, %b: tensor<3x1xf32>, %i: tensor<2x4xi32>,
                %j: tensor<4xi32>, %u: tensor<4xui8>)
    -> (tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x4xi32>, tensor<4xui8>,
        tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x4xi32>,
        tensor<2x4xi32>) {
  %sum = mlc.add %a, %b : (tensor<2x3x4xf32>, tensor<3x1xf32>) -> tensor<2x3x4xf32>
  %prod = mlc.mul %sum, %b : (tensor<2x3x4xf32>, tensor<3x1xf32>) -> tensor<2x3x4xf32>
  %absb = mlc.abs %b : tensor<3x1xf32>
  %one = mlc.constant dense<1.0> : tensor<f32>
  %den = mlc.add %absb, %one : (tensor<3x1xf32>, tensor<f32>) -> tensor<3x1xf32>
  %q = mlc.div %a, %den : (tensor<2x3x4xf32>, tensor<3x1xf32>) -> tensor<2x3x4xf32>
  %r0 = mlc.sub %prod, %q : (tensor<2x3x4xf32>, tensor<2x3x4xf32>) -> tensor<2x3x4xf32>

  %lt = mlc.cmp lt, %a, %b : (tensor<2x3x4xf32>, tensor<3x1xf32>) -> tensor<2x3x4xi1>
  %half = mlc.constant dense<0.5> : tensor<f32>
  %mx = mlc.max %a, %half : (tensor<2x3x4xf32>, tensor<f32>) -> tensor<2x3x4xf32>
  %cl = mlc.clip %a {min = -0.25 : f32, max = 0.25 : f32} : tensor<2x3x4xf32>
  %r1 = mlc.where %lt, %mx, %cl : (tensor<2x3x4xi1>, tensor<2x3x4xf32>, tensor<2x3x4xf32>) -> tensor<2x3x4xf32>

  %r2 = mlc.div %i, %j : (tensor<2x4xi32>, tensor<4xi32>) -> tensor<2x4xi32>

  %sixteen = mlc.constant dense<16> : tensor<ui8>
  %three = mlc.constant dense<3> : tensor<ui8>
  %um = mlc.max %u, %sixteen : (tensor<4xui8>, tensor<ui8>) -> tensor<4xui8>
  %r3 = mlc.div %um, %three : (tensor<4xui8>, tensor<ui8>) -> tensor<4xui8>

  %r4 = mlc.silu %a : tensor<2x3x4xf32>
  %r5 = mlc.gelu %a {approximate} : tensor<2x3x4xf32>
  %r6 = mlc.gelu %a : tensor<2x3x4xf32>
  %r7 = mlc.cast %a : (tensor<2x3x4xf32>) -> tensor<2x3x4xi32>
  %r8 = mlc.sign %i : tensor<2x4xi32>
  return %r0, %r1, %r2, %r3, %r4, %r5, %r6, %r7, %r8
      : tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x4xi32>, tensor<4xui8>,
        tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x4xi32>,
        tensor<2x4xi32>
}
