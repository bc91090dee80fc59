// RUN: mlc-opt %s -convert-mlc-to-linalg=keep-kv-cache-attention -mlc-cuda-attention-to-linalg | FileCheck %s
// RUN: mlc-opt %s -convert-mlc-to-linalg | FileCheck %s --check-prefix=CPU

// Attention over a KV cache becomes one generic over the result's elements,
// tagged for the attention kernel: q, k, v and the position are its inputs,
// the payload loops over the rows below the position (the position read in
// the payload, not on the host). Without the option, convert-mlc-to-linalg
// lowers it for CPUs (the position read on the host to size the loops).

// CHECK-LABEL: func @decode
// CHECK-SAME: %[[Q:.*]]: tensor<1x4x1x32xf32>, %[[K:.*]]: tensor<1x2x64x32xf32>, %[[V:.*]]: tensor<1x2x64x32xf32>, %[[P:.*]]: tensor<i64>
// CHECK-NOT: tensor.extract %[[P]]
// CHECK: %[[E:.*]] = tensor.empty() : tensor<1x4x1x32xf32>
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "parallel", "parallel", "parallel"]
// CHECK-SAME: ins(%[[Q]], %[[K]], %[[V]], %[[P]] :
// CHECK-SAME: outs(%[[E]] : tensor<1x4x1x32xf32>)
// CHECK-SAME: mlc.attention = {causal = true, group = 2 : i64, scale = 0.17677669529663687 : f64}
// CHECK: ^bb0(%{{.*}}: f32, %{{.*}}: f32, %{{.*}}: f32, %[[START:.*]]: i64, %{{.*}}: f32):
// CHECK: arith.index_cast %[[START]]
// CHECK: scf.for
// CHECK: scf.for
// CHECK: tensor.extract %[[Q]]
// CHECK: tensor.extract %[[K]]
// CHECK: math.exp
// CHECK: tensor.extract %[[V]]
// CHECK: arith.divf

// CPU-LABEL: func @decode
// CPU: tensor.extract %{{.*}}[] : tensor<i64>
// CPU: scf.forall
// CPU-NOT: mlc.attention
func.func @decode(%q: tensor<1x4x1x32xf32>, %k: tensor<1x2x64x32xf32>, %v: tensor<1x2x64x32xf32>, %pos: tensor<i64>) -> tensor<1x4x1x32xf32> {
  %o = mlc.attention %q, %k, %v position(%pos) {causal} : (tensor<1x4x1x32xf32>, tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32>, tensor<i64>) -> tensor<1x4x1x32xf32>
  return %o : tensor<1x4x1x32xf32>
}

// bf16: computed in f32, the result narrowed; an explicit scale.

// CHECK-LABEL: func @bf16
// CHECK: mlc.attention = {causal = false, group = 1 : i64, scale = 1.250000e-01 : f64}
// CHECK: arith.extf %{{.*}} : bf16 to f32
// CHECK: arith.truncf %{{.*}} : f32 to bf16
func.func @bf16(%q: tensor<1x2x3x64xbf16>, %k: tensor<1x2x16x64xbf16>, %v: tensor<1x2x16x64xbf16>, %pos: tensor<i64>) -> tensor<1x2x3x64xbf16> {
  %o = mlc.attention %q, %k, %v position(%pos) {scale = 0.125 : f64} : (tensor<1x2x3x64xbf16>, tensor<1x2x16x64xbf16>, tensor<1x2x16x64xbf16>, tensor<i64>) -> tensor<1x2x3x64xbf16>
  return %o : tensor<1x2x3x64xbf16>
}
