// RUN: mlc-opt %s -mlc-fuse-composites -split-input-file | FileCheck %s

// RMSNorm as PyTorch exports it: pow, mean, add eps, sqrt, 1 / sqrt, x * r,
// w * normalized.
// CHECK-LABEL: func.func @rms_norm_exported
// CHECK-SAME:    (%[[X:.*]]: tensor<?x?x256xf32>, %[[W:.*]]: tensor<256xf32>)
// CHECK:         %[[Y:.*]] = mlc.rms_norm %[[X]], %[[W]] {epsilon = 9.99999974E-6 : f32} : (tensor<?x?x256xf32>, tensor<256xf32>) -> tensor<?x?x256xf32>
// CHECK-NEXT:    return %[[Y]]
func.func @rms_norm_exported(%x: tensor<?x?x256xf32>, %w: tensor<256xf32>) -> tensor<?x?x256xf32> {
  %two = mlc.constant dense<2.0> : tensor<f32>
  %eps = mlc.constant dense<1.0e-5> : tensor<f32>
  %one = mlc.constant dense<1.0> : tensor<f32>
  %sq = mlc.pow %x, %two : (tensor<?x?x256xf32>, tensor<f32>) -> tensor<?x?x256xf32>
  %m = mlc.reduce mean %sq {axes = array<i64: 2>, keepdims} : (tensor<?x?x256xf32>) -> tensor<?x?x1xf32>
  %v = mlc.add %m, %eps : (tensor<?x?x1xf32>, tensor<f32>) -> tensor<?x?x1xf32>
  %s = mlc.sqrt %v : tensor<?x?x1xf32>
  %r = mlc.div %one, %s : (tensor<f32>, tensor<?x?x1xf32>) -> tensor<?x?x1xf32>
  %n = mlc.mul %x, %r : (tensor<?x?x256xf32>, tensor<?x?x1xf32>) -> tensor<?x?x256xf32>
  %y = mlc.mul %w, %n : (tensor<256xf32>, tensor<?x?x256xf32>) -> tensor<?x?x256xf32>
  return %y : tensor<?x?x256xf32>
}

// -----

// x * x, rsqrt, and the operands of the multiplications the other way.
// CHECK-LABEL: func.func @rms_norm_rsqrt
// CHECK:         mlc.rms_norm
// CHECK-NOT:     mlc.rsqrt
func.func @rms_norm_rsqrt(%x: tensor<4x64xf32>, %w: tensor<64xf32>) -> tensor<4x64xf32> {
  %eps = mlc.constant dense<1.0e-6> : tensor<f32>
  %sq = mlc.mul %x, %x : (tensor<4x64xf32>, tensor<4x64xf32>) -> tensor<4x64xf32>
  %m = mlc.reduce mean %sq {axes = array<i64: 1>, keepdims} : (tensor<4x64xf32>) -> tensor<4x1xf32>
  %v = mlc.add %eps, %m : (tensor<f32>, tensor<4x1xf32>) -> tensor<4x1xf32>
  %r = mlc.rsqrt %v : tensor<4x1xf32>
  %n = mlc.mul %r, %x : (tensor<4x1xf32>, tensor<4x64xf32>) -> tensor<4x64xf32>
  %y = mlc.mul %n, %w : (tensor<4x64xf32>, tensor<64xf32>) -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}

// -----

// x / sqrt(mean(x^2) + eps).
// CHECK-LABEL: func.func @rms_norm_div
// CHECK:         mlc.rms_norm
// CHECK-NOT:     mlc.sqrt
func.func @rms_norm_div(%x: tensor<4x64xf32>, %w: tensor<64xf32>) -> tensor<4x64xf32> {
  %eps = mlc.constant dense<1.0e-6> : tensor<f32>
  %sq = mlc.mul %x, %x : (tensor<4x64xf32>, tensor<4x64xf32>) -> tensor<4x64xf32>
  %m = mlc.reduce mean %sq {axes = array<i64: 1>, keepdims} : (tensor<4x64xf32>) -> tensor<4x1xf32>
  %v = mlc.add %m, %eps : (tensor<4x1xf32>, tensor<f32>) -> tensor<4x1xf32>
  %s = mlc.sqrt %v : tensor<4x1xf32>
  %n = mlc.div %x, %s : (tensor<4x64xf32>, tensor<4x1xf32>) -> tensor<4x64xf32>
  %y = mlc.mul %w, %n : (tensor<64xf32>, tensor<4x64xf32>) -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}

// -----

// Not an RMSNorm: the mean is over the first axis; the epsilon is not a
// constant; the weight does not have the size of the last axis; the
// square is of another value.
// CHECK-LABEL: func.func @not_rms_norm
// CHECK-NOT:     mlc.rms_norm
func.func @not_rms_norm(%x: tensor<4x64xf32>, %z: tensor<4x64xf32>, %w: tensor<64xf32>, %w4: tensor<4xf32>, %e: tensor<f32>)
    -> (tensor<4x64xf32>, tensor<4x64xf32>, tensor<4x64xf32>, tensor<4x64xf32>) {
  %eps = mlc.constant dense<1.0e-6> : tensor<f32>
  %sq = mlc.mul %x, %x : (tensor<4x64xf32>, tensor<4x64xf32>) -> tensor<4x64xf32>
  %m0 = mlc.reduce mean %sq {axes = array<i64: 0>, keepdims} : (tensor<4x64xf32>) -> tensor<1x64xf32>
  %v0 = mlc.add %m0, %eps : (tensor<1x64xf32>, tensor<f32>) -> tensor<1x64xf32>
  %r0 = mlc.rsqrt %v0 : tensor<1x64xf32>
  %n0 = mlc.mul %x, %r0 : (tensor<4x64xf32>, tensor<1x64xf32>) -> tensor<4x64xf32>
  %y0 = mlc.mul %w, %n0 : (tensor<64xf32>, tensor<4x64xf32>) -> tensor<4x64xf32>
  %m = mlc.reduce mean %sq {axes = array<i64: 1>, keepdims} : (tensor<4x64xf32>) -> tensor<4x1xf32>
  %v1 = mlc.add %m, %e : (tensor<4x1xf32>, tensor<f32>) -> tensor<4x1xf32>
  %r1 = mlc.rsqrt %v1 : tensor<4x1xf32>
  %n1 = mlc.mul %x, %r1 : (tensor<4x64xf32>, tensor<4x1xf32>) -> tensor<4x64xf32>
  %y1 = mlc.mul %w, %n1 : (tensor<64xf32>, tensor<4x64xf32>) -> tensor<4x64xf32>
  %v2 = mlc.add %m, %eps : (tensor<4x1xf32>, tensor<f32>) -> tensor<4x1xf32>
  %r2 = mlc.rsqrt %v2 : tensor<4x1xf32>
  %n2 = mlc.mul %x, %r2 : (tensor<4x64xf32>, tensor<4x1xf32>) -> tensor<4x64xf32>
  %w4b = mlc.unsqueeze %w4 {axes = array<i64: 1>} : (tensor<4xf32>) -> tensor<4x1xf32>
  %y2 = mlc.mul %w4b, %n2 : (tensor<4x1xf32>, tensor<4x64xf32>) -> tensor<4x64xf32>
  %n3 = mlc.mul %z, %r2 : (tensor<4x64xf32>, tensor<4x1xf32>) -> tensor<4x64xf32>
  %y3 = mlc.mul %w, %n3 : (tensor<64xf32>, tensor<4x64xf32>) -> tensor<4x64xf32>
  return %y0, %y1, %y2, %y3 : tensor<4x64xf32>, tensor<4x64xf32>, tensor<4x64xf32>, tensor<4x64xf32>
}

// -----

// SwiGLU: silu(g) * u, silu exported as g * sigmoid(g).
// CHECK-LABEL: func.func @swiglu
// CHECK-SAME:    (%[[G:.*]]: tensor<2x?x688xf32>, %[[U:.*]]: tensor<2x?x688xf32>, %[[V:.*]]: tensor<2x?x688xf32>)
// CHECK:         %[[S:.*]] = mlc.swiglu %[[G]], %[[U]]
// CHECK:         %[[SIG:.*]] = mlc.sigmoid %[[V]]
// CHECK:         %[[NOT:.*]] = mlc.mul %[[G]], %[[SIG]]
// CHECK:         mlc.mul %[[NOT]], %[[U]]
func.func @swiglu(%g: tensor<2x?x688xf32>, %u: tensor<2x?x688xf32>, %v: tensor<2x?x688xf32>)
    -> (tensor<2x?x688xf32>, tensor<2x?x688xf32>) {
  %s = mlc.sigmoid %g : tensor<2x?x688xf32>
  %silu = mlc.mul %g, %s : (tensor<2x?x688xf32>, tensor<2x?x688xf32>) -> tensor<2x?x688xf32>
  %y = mlc.mul %u, %silu : (tensor<2x?x688xf32>, tensor<2x?x688xf32>) -> tensor<2x?x688xf32>
  // The sigmoid of another value: not SwiGLU.
  %s2 = mlc.sigmoid %v : tensor<2x?x688xf32>
  %not = mlc.mul %g, %s2 : (tensor<2x?x688xf32>, tensor<2x?x688xf32>) -> tensor<2x?x688xf32>
  %z = mlc.mul %not, %u : (tensor<2x?x688xf32>, tensor<2x?x688xf32>) -> tensor<2x?x688xf32>
  return %y, %z : tensor<2x?x688xf32>, tensor<2x?x688xf32>
}
