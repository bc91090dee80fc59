// RUN: mlc-opt %s -split-input-file -mlc-cuda-fuse-shared-producers | FileCheck %s

// A table computed from broadcast inputs (cos of positions x frequencies,
// as the rotary embedding's) and read by two elementwise consumers: each
// consumer recomputes it from the positions and frequencies, and the table
// is gone.

#p = affine_map<(d0, d1, d2) -> (d0, d1)>
#f = affine_map<(d0, d1, d2) -> (d2)>
#id = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @table
// CHECK-SAME: %[[POS:.*]]: tensor<1x4xi64>, %[[FREQ:.*]]: tensor<8xf32>
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %[[POS]], %[[FREQ]] :
// CHECK: math.cos
// CHECK: arith.mulf
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %[[POS]], %[[FREQ]] :
// CHECK: math.cos
// CHECK: arith.addf
// CHECK-NOT: linalg.generic
func.func @table(%pos: tensor<1x4xi64>, %freq: tensor<8xf32>, %q: tensor<1x4x8xf32>, %k: tensor<1x4x8xf32>) -> (tensor<1x4x8xf32>, tensor<1x4x8xf32>) {
  %e = tensor.empty() : tensor<1x4x8xf32>
  %t = linalg.generic {indexing_maps = [#p, #f, #id], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%pos, %freq : tensor<1x4xi64>, tensor<8xf32>) outs(%e : tensor<1x4x8xf32>) {
  ^bb0(%a: i64, %b: f32, %out: f32):
    %af = arith.sitofp %a : i64 to f32
    %m = arith.mulf %af, %b : f32
    %c = math.cos %m : f32
    linalg.yield %c : f32
  } -> tensor<1x4x8xf32>
  %q2 = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%q, %t : tensor<1x4x8xf32>, tensor<1x4x8xf32>) outs(%e : tensor<1x4x8xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %r = arith.mulf %a, %b : f32
    linalg.yield %r : f32
  } -> tensor<1x4x8xf32>
  %k2 = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%k, %t : tensor<1x4x8xf32>, tensor<1x4x8xf32>) outs(%e : tensor<1x4x8xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %r = arith.addf %a, %b : f32
    linalg.yield %r : f32
  } -> tensor<1x4x8xf32>
  return %q2, %k2 : tensor<1x4x8xf32>, tensor<1x4x8xf32>
}

// -----

// Not fused: a producer of two inputs of its result's size (each consumer
// would read both), and a reduction as the consumer.

#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @kept
// CHECK: %[[SUM:.*]] = linalg.generic
// CHECK: arith.addf
// CHECK: linalg.generic {{.*}} ins(%[[SUM]] :
// CHECK: linalg.generic {{.*}} ins(%[[SUM]] :
// CHECK: %[[EXP:.*]] = linalg.generic
// CHECK: math.exp
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]} ins(%[[EXP]] :
func.func @kept(%x: tensor<4x8xf32>, %y: tensor<4x8xf32>, %r: tensor<4xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4xf32>, tensor<4x8xf32>) {
  %e = tensor.empty() : tensor<4x8xf32>
  %s = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x, %y : tensor<4x8xf32>, tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %v = arith.addf %a, %b : f32
    linalg.yield %v : f32
  } -> tensor<4x8xf32>
  %n = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%s : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%a: f32, %out: f32):
    %v = arith.negf %a : f32
    linalg.yield %v : f32
  } -> tensor<4x8xf32>
  %m = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%s : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%a: f32, %out: f32):
    %v = arith.mulf %a, %a : f32
    linalg.yield %v : f32
  } -> tensor<4x8xf32>
  %x2 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%a: f32, %out: f32):
    %v = math.exp %a : f32
    linalg.yield %v : f32
  } -> tensor<4x8xf32>
  %sum = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x2 : tensor<4x8xf32>) outs(%r : tensor<4xf32>) {
  ^bb0(%a: f32, %out: f32):
    %v = arith.addf %out, %a : f32
    linalg.yield %v : f32
  } -> tensor<4xf32>
  return %n, %m, %sum, %x2 : tensor<4x8xf32>, tensor<4x8xf32>, tensor<4xf32>, tensor<4x8xf32>
}

// -----

// A transpose that only an elementwise generic reads (Qwen3's value rows
// rounded to bf16 for the KV cache) fuses into it: one generic reads the
// transpose's input through the permutation. One that a contraction reads
// stays a transpose.

#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[$PERM:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d2, d1, d3)>
// CHECK-DAG: #[[$ID:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func.func @transpose_into_cast
// CHECK-SAME: %[[V:.*]]: tensor<1x?x2x32xf32>
// CHECK-NOT: linalg.transpose
// CHECK: linalg.generic {indexing_maps = [#[[$PERM]], #[[$ID]]], {{.*}} ins(%[[V]] : tensor<1x?x2x32xf32>) outs(%{{.*}} : tensor<1x2x?x32xbf16>)
// CHECK: arith.truncf
// CHECK-NOT: linalg.generic
func.func @transpose_into_cast(%v: tensor<1x?x2x32xf32>) -> tensor<1x2x?x32xbf16> {
  %c1 = arith.constant 1 : index
  %n = tensor.dim %v, %c1 : tensor<1x?x2x32xf32>
  %e = tensor.empty(%n) : tensor<1x2x?x32xf32>
  %t = linalg.transpose ins(%v : tensor<1x?x2x32xf32>) outs(%e : tensor<1x2x?x32xf32>) permutation = [0, 2, 1, 3]
  %eb = tensor.empty(%n) : tensor<1x2x?x32xbf16>
  %b = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%t : tensor<1x2x?x32xf32>) outs(%eb : tensor<1x2x?x32xbf16>) {
  ^bb0(%in: f32, %out: bf16):
    %r = arith.truncf %in : f32 to bf16
    linalg.yield %r : bf16
  } -> tensor<1x2x?x32xbf16>
  return %b : tensor<1x2x?x32xbf16>
}

// CHECK-LABEL: func.func @transpose_into_matmul
// CHECK: linalg.transpose
// CHECK: linalg.matmul
func.func @transpose_into_matmul(%a: tensor<8x4xf32>, %b: tensor<8x16xf32>, %c: tensor<4x16xf32>) -> tensor<4x16xf32> {
  %e = tensor.empty() : tensor<4x8xf32>
  %t = linalg.transpose ins(%a : tensor<8x4xf32>) outs(%e : tensor<4x8xf32>) permutation = [1, 0]
  %m = linalg.matmul ins(%t, %b : tensor<4x8xf32>, tensor<8x16xf32>) outs(%c : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %m : tensor<4x16xf32>
}
