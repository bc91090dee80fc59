// RUN: mlc-compile %s -o %t.so --quiet
// RUN: %python %S/check_module.py %t.so %s

// Matmul with broadcast batches and transposes, gemm, and 2-D convolutions
// (padding, strides, dilation, groups, depthwise, NHWC), against numpy.

// PY: def conv(x, w, b, stride, pad, dil, groups):
// PY:     n, c, h, wd = x.shape; f, cg, kh, kw = w.shape
// PY:     x = np.pad(x, ((0, 0), (0, 0), (pad[0], pad[2]), (pad[1], pad[3])))
// PY:     oh = (x.shape[2] - dil[0] * (kh - 1) - 1) // stride[0] + 1
// PY:     ow = (x.shape[3] - dil[1] * (kw - 1) - 1) // stride[1] + 1
// PY:     out = np.zeros((n, f, oh, ow), np.float64); fg = f // groups
// PY:     for o in range(f):
// PY:         g = o // fg
// PY:         for i in range(kh):
// PY:             for j in range(kw):
// PY:                 patch = x[:, g * cg:(g + 1) * cg, i * dil[0]:i * dil[0] + stride[0] * (oh - 1) + 1:stride[0], j * dil[1]:j * dil[1] + stride[1] * (ow - 1) + 1:stride[1]]
// PY:                 out[:, o] += np.einsum("nchw,c->nhw", patch, w[o, :, i, j])
// PY:     if b is not None: out += b[None, :, None, None]
// PY:     return out.astype(np.float32)
// PY: a = rng.standard_normal((3, 1, 5, 7)).astype(np.float32)
// PY: m = rng.standard_normal((4, 6, 7)).astype(np.float32)
// PY: g1 = rng.standard_normal((7, 5)).astype(np.float32)
// PY: g2 = rng.standard_normal((6, 7)).astype(np.float32)
// PY: gb = rng.standard_normal((6,)).astype(np.float32)
// PY: x = rng.standard_normal((2, 4, 9, 8)).astype(np.float32)
// PY: w1 = rng.standard_normal((6, 4, 3, 3)).astype(np.float32)
// PY: b1 = rng.standard_normal((6,)).astype(np.float32)
// PY: w2 = rng.standard_normal((6, 2, 3, 2)).astype(np.float32)
// PY: w3 = rng.standard_normal((4, 1, 3, 3)).astype(np.float32)
// PY: inputs = [a, m, g1, g2, gb, x, w1, b1, w2, w3]
// PY: expected = [
// PY:   np.matmul(a, np.swapaxes(m, 1, 2)),
// PY:   (0.5 * (g1.T @ g2.T) + 2.0 * gb).astype(np.float32),
// PY:   conv(x, w1, b1, (2, 1), (1, 1, 1, 1), (1, 1), 1),
// PY:   conv(x, w2, None, (1, 1), (0, 1, 2, 0), (2, 1), 2),
// PY:   conv(x, w3, None, (1, 2), (1, 1, 1, 1), (1, 1), 4),
// PY:   conv(x, w1, b1, (2, 1), (1, 1, 1, 1), (1, 1), 1).transpose(0, 2, 3, 1),
// PY: ]
// PY: rtol = 1e-4; atol = 1e-4

func.func @main(%a: tensor<3x1x5x7xf32>, %m: tensor<4x6x7xf32>,
                %g1: tensor<7x5xf32>, %g2: tensor<6x7xf32>, %gb: tensor<6xf32>,
                %x: tensor<2x4x9x8xf32>, %w1: tensor<6x4x3x3xf32>,
                %b1: tensor<6xf32>, %w2: tensor<6x2x3x2xf32>,
                %w3: tensor<4x1x3x3xf32>)
    -> (tensor<3x4x5x6xf32>, tensor<5x6xf32>, tensor<2x6x5x8xf32>,
        tensor<2x6x7x8xf32>, tensor<2x4x9x4xf32>, tensor<2x5x8x6xf32>) {
  %0 = mlc.matmul %a, %m {transpose_rhs} : (tensor<3x1x5x7xf32>, tensor<4x6x7xf32>) -> tensor<3x4x5x6xf32>
  %1 = mlc.gemm %g1, %g2, %gb {alpha = 0.5 : f32, beta = 2.0 : f32, transpose_lhs, transpose_rhs} : (tensor<7x5xf32>, tensor<6x7xf32>, tensor<6xf32>) -> tensor<5x6xf32>
  %2 = mlc.conv2d %x, %w1, %b1 {padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 1>} : (tensor<2x4x9x8xf32>, tensor<6x4x3x3xf32>, tensor<6xf32>) -> tensor<2x6x5x8xf32>
  %3 = mlc.conv2d %x, %w2 {dilations = array<i64: 2, 1>, groups = 2 : i64, padding = array<i64: 0, 1, 2, 0>} : (tensor<2x4x9x8xf32>, tensor<6x2x3x2xf32>) -> tensor<2x6x7x8xf32>
  %4 = mlc.conv2d %x, %w3 {groups = 4 : i64, padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 2>} : (tensor<2x4x9x8xf32>, tensor<4x1x3x3xf32>) -> tensor<2x4x9x4xf32>
  // The same as %2 in NHWC layout (filters HWCF).
  %xt = mlc.transpose %x {permutation = array<i64: 0, 2, 3, 1>} : (tensor<2x4x9x8xf32>) -> tensor<2x9x8x4xf32>
  %wt = mlc.transpose %w1 {permutation = array<i64: 2, 3, 1, 0>} : (tensor<6x4x3x3xf32>) -> tensor<3x3x4x6xf32>
  %5 = mlc.conv2d %xt, %wt, %b1 {layout = #mlc.layout<nhwc>, padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 1>} : (tensor<2x9x8x4xf32>, tensor<3x3x4x6xf32>, tensor<6xf32>) -> tensor<2x5x8x6xf32>
  return %0, %1, %2, %3, %4, %5 : tensor<3x4x5x6xf32>, tensor<5x6xf32>, tensor<2x6x5x8xf32>, tensor<2x6x7x8xf32>, tensor<2x4x9x4xf32>, tensor<2x5x8x6xf32>
}
