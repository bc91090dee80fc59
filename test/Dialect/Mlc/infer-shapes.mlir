// RUN: mlc-opt %s -mlc-infer-shapes -split-input-file | FileCheck %s

// Static input shapes flow through the graph; the function keeps its type.
// CHECK-LABEL: func.func @propagate
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>, %[[B:.*]]: tensor<3xf32>) -> (tensor<?x?xf32>, tensor<?xf32>)
func.func @propagate(%x: tensor<2x3xf32>, %b: tensor<3xf32>) -> (tensor<?x?xf32>, tensor<?xf32>) {
  // CHECK: %[[ADD:.*]] = mlc.add %[[X]], %[[B]] : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %0 = mlc.add %x, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<?x?xf32>
  // CHECK: %[[EXP:.*]] = mlc.exp %[[ADD]] : tensor<2x3xf32>
  // CHECK: %[[CAST:.*]] = tensor.cast %[[EXP]] : tensor<2x3xf32> to tensor<?x?xf32>
  %1 = mlc.exp %0 : tensor<?x?xf32>
  // CHECK: %[[T:.*]] = mlc.transpose %[[EXP]] {permutation = array<i64: 1, 0>} : (tensor<2x3xf32>) -> tensor<3x2xf32>
  %2 = mlc.transpose %1 {permutation = array<i64: 1, 0>} : (tensor<?x?xf32>) -> tensor<?x?xf32>
  // CHECK: %[[R:.*]] = mlc.reshape %[[T]] : (tensor<3x2xf32>) -> tensor<6xf32>
  %3 = mlc.reshape %2 : (tensor<?x?xf32>) -> tensor<?xf32>
  // CHECK: %[[RCAST:.*]] = tensor.cast %[[R]] : tensor<6xf32> to tensor<?xf32>
  // CHECK: return %[[CAST]], %[[RCAST]]
  return %1, %3 : tensor<?x?xf32>, tensor<?xf32>
}

// -----

// Dimensions that depend on run-time values stay dynamic.
// CHECK-LABEL: func.func @partially_dynamic
func.func @partially_dynamic(%x: tensor<?x64xf32>, %w: tensor<128x64xf32>, %s: tensor<2xi64>) -> tensor<?x?xf32> {
  // CHECK: mlc.matmul %{{.*}}, %{{.*}} {transpose_rhs} : (tensor<?x64xf32>, tensor<128x64xf32>) -> tensor<?x128xf32>
  %0 = mlc.matmul %x, %w {transpose_rhs} : (tensor<?x64xf32>, tensor<128x64xf32>) -> tensor<?x?xf32>
  // CHECK: mlc.reshape %{{.*}}, %{{.*}} : (tensor<?x128xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  %1 = mlc.reshape %0, %s : (tensor<?x?xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  return %1 : tensor<?x?xf32>
}

// -----

// Constant operands fix sizes too: a reshape's shape, a range's bounds.
// CHECK-LABEL: func.func @constant_operands
func.func @constant_operands(%x: tensor<4x6xf32>) -> (tensor<?x?x?xf32>, tensor<?xi64>, tensor<?x?xf32>, tensor<?x?xf32>) {
  %s = mlc.constant dense<[2, -1, 3]> : tensor<3xi64>
  // CHECK: mlc.reshape %{{.*}}, %{{.*}} : (tensor<4x6xf32>, tensor<3xi64>) -> tensor<2x4x3xf32>
  %0 = mlc.reshape %x, %s : (tensor<4x6xf32>, tensor<3xi64>) -> tensor<?x?x?xf32>
  %a = mlc.constant dense<2> : tensor<i64>
  %b = mlc.constant dense<11> : tensor<i64>
  %c = mlc.constant dense<3> : tensor<i64>
  // CHECK: mlc.range %{{.*}}, %{{.*}}, %{{.*}} : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<3xi64>
  %1 = mlc.range %a, %b, %c : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<?xi64>
  // CHECK: mlc.split %{{.*}} {axis = 1 : i64} : (tensor<4x6xf32>) -> (tensor<4x3xf32>, tensor<4x3xf32>)
  %2:2 = mlc.split %x {axis = 1 : i64} : (tensor<4x6xf32>) -> (tensor<?x?xf32>, tensor<?x?xf32>)
  return %0, %1, %2#0, %2#1 : tensor<?x?x?xf32>, tensor<?xi64>, tensor<?x?xf32>, tensor<?x?xf32>
}

// -----

// A dynamic dimension of an expand without a shape operand comes from the
// input, also when the input's is 1; an operand cast to a less static type
// is read at its own type.
// CHECK-LABEL: func.func @expand_keeps_unit
// CHECK: %[[E:.*]] = mlc.expand %{{.*}} : (tensor<1x1x4xf32>) -> tensor<1x2x4xf32>
// CHECK: %[[N:.*]] = mlc.neg %[[E]] : tensor<1x2x4xf32>
func.func @expand_keeps_unit(%x: tensor<1x1x4xf32>) -> tensor<?x2x4xf32> {
  %c = tensor.cast %x : tensor<1x1x4xf32> to tensor<?x1x4xf32>
  %e = mlc.expand %c : (tensor<?x1x4xf32>) -> tensor<?x2x4xf32>
  %n = mlc.neg %e : tensor<?x2x4xf32>
  return %n : tensor<?x2x4xf32>
}
