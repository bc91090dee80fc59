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

// -----

// QK-norm before the rotation: an RMSNorm over the head dimension, seen
// through the transpose to [batch, heads, seq, head_dim] (or a reshape
// keeping the last axis), joins the rotation.
// CHECK-LABEL: func.func @qk_norm_rope
// CHECK-SAME:    (%[[X:.*]]: tensor<1x?x4x64xf32>, %[[Y:.*]]: tensor<1x1x2x64xf32>, %[[P:.*]]: tensor<1x?xi64>, %[[P1:.*]]: tensor<1x1xi64>, %[[W:.*]]: tensor<64xf32>)
// CHECK-NOT:     mlc.rms_norm
// CHECK:         %[[T:.*]] = mlc.transpose %[[X]] {permutation = array<i64: 0, 2, 1, 3>}
// CHECK:         mlc.rotary_embedding %[[T]], %[[P]] norm(%[[W]]) {norm_epsilon = 9.99999974E-6 : f32, theta = 1.000000e+06 : f64}
// CHECK:         %[[R:.*]] = mlc.reshape %[[Y]] : (tensor<1x1x2x64xf32>) -> tensor<1x2x1x64xf32>
// CHECK:         mlc.rotary_embedding %[[R]], %[[P1]] norm(%[[W]])
func.func @qk_norm_rope(%x: tensor<1x?x4x64xf32>, %y: tensor<1x1x2x64xf32>,
                        %p: tensor<1x?xi64>, %p1: tensor<1x1xi64>, %w: tensor<64xf32>)
    -> (tensor<1x4x?x64xf32>, tensor<1x2x1x64xf32>) {
  %n = mlc.rms_norm %x, %w {epsilon = 1.0e-05 : f32} : (tensor<1x?x4x64xf32>, tensor<64xf32>) -> tensor<1x?x4x64xf32>
  %t = mlc.transpose %n {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x?x4x64xf32>) -> tensor<1x4x?x64xf32>
  %r = mlc.rotary_embedding %t, %p {theta = 1.0e+06 : f64} : (tensor<1x4x?x64xf32>, tensor<1x?xi64>) -> tensor<1x4x?x64xf32>
  %m = mlc.rms_norm %y, %w : (tensor<1x1x2x64xf32>, tensor<64xf32>) -> tensor<1x1x2x64xf32>
  %s = mlc.reshape %m : (tensor<1x1x2x64xf32>) -> tensor<1x2x1x64xf32>
  %q = mlc.rotary_embedding %s, %p1 : (tensor<1x2x1x64xf32>, tensor<1x1xi64>) -> tensor<1x2x1x64xf32>
  return %r, %q : tensor<1x4x?x64xf32>, tensor<1x2x1x64xf32>
}

// -----

// Not fused: the norm's result is used elsewhere too, or the transpose
// moves the normalized axis.
// CHECK-LABEL: func.func @qk_norm_rope_kept
// CHECK-COUNT-2: mlc.rms_norm
// CHECK-NOT:     norm(
func.func @qk_norm_rope_kept(%x: tensor<1x2x4x64xf32>, %p: tensor<1x4xi64>, %w: tensor<64xf32>,
                             %z: tensor<1x64x4x2xf32>, %p2: tensor<1x4xi64>, %w2: tensor<2xf32>)
    -> (tensor<1x2x4x64xf32>, tensor<1x2x4x64xf32>, tensor<1x2x4x64xf32>) {
  %n = mlc.rms_norm %x, %w : (tensor<1x2x4x64xf32>, tensor<64xf32>) -> tensor<1x2x4x64xf32>
  %r = mlc.rotary_embedding %n, %p : (tensor<1x2x4x64xf32>, tensor<1x4xi64>) -> tensor<1x2x4x64xf32>
  %m = mlc.rms_norm %z, %w2 : (tensor<1x64x4x2xf32>, tensor<2xf32>) -> tensor<1x64x4x2xf32>
  %t = mlc.transpose %m {permutation = array<i64: 0, 3, 2, 1>} : (tensor<1x64x4x2xf32>) -> tensor<1x2x4x64xf32>
  %q = mlc.rotary_embedding %t, %p2 : (tensor<1x2x4x64xf32>, tensor<1x4xi64>) -> tensor<1x2x4x64xf32>
  return %r, %n, %q : tensor<1x2x4x64xf32>, tensor<1x2x4x64xf32>, tensor<1x2x4x64xf32>
}
