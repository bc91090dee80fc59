// RUN: mlc-opt %s -canonicalize -split-input-file | FileCheck %s

// CHECK-LABEL: func.func @transpose_of_transpose
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4xf32>)
func.func @transpose_of_transpose(%x: tensor<2x3x4xf32>) -> tensor<4x2x3xf32> {
  // CHECK: %[[T:.*]] = mlc.transpose %[[X]] {permutation = array<i64: 2, 0, 1>} : (tensor<2x3x4xf32>) -> tensor<4x2x3xf32>
  // CHECK-NEXT: return %[[T]]
  %0 = mlc.transpose %x {permutation = array<i64: 1, 0, 2>} : (tensor<2x3x4xf32>) -> tensor<3x2x4xf32>
  %1 = mlc.transpose %0 {permutation = array<i64: 2, 1, 0>} : (tensor<3x2x4xf32>) -> tensor<4x2x3xf32>
  return %1 : tensor<4x2x3xf32>
}

// -----

// CHECK-LABEL: func.func @transpose_round_trip
// CHECK-SAME: (%[[X:.*]]: tensor<?x3x4xf32>)
func.func @transpose_round_trip(%x: tensor<?x3x4xf32>) -> tensor<?x3x4xf32> {
  // CHECK-NEXT: return %[[X]]
  %0 = mlc.transpose %x {permutation = array<i64: 0, 2, 1>} : (tensor<?x3x4xf32>) -> tensor<?x4x3xf32>
  %1 = mlc.transpose %0 {permutation = array<i64: 0, 2, 1>} : (tensor<?x4x3xf32>) -> tensor<?x3x4xf32>
  return %1 : tensor<?x3x4xf32>
}

// -----

// Moving only dimensions of size 1 moves no data: a reshape. Otherwise the
// transpose stays.
// CHECK-LABEL: func.func @transpose_of_unit_dims
// CHECK-SAME: (%[[X:.*]]: tensor<1x1x16x64xf32>, %[[Y:.*]]: tensor<1x2x16x64xf32>)
func.func @transpose_of_unit_dims(%x: tensor<1x1x16x64xf32>, %y: tensor<1x2x16x64xf32>) -> (tensor<1x16x1x64xf32>, tensor<1x16x2x64xf32>) {
  // CHECK: %[[R:.*]] = mlc.reshape %[[X]] : (tensor<1x1x16x64xf32>) -> tensor<1x16x1x64xf32>
  // CHECK: %[[T:.*]] = mlc.transpose %[[Y]] {permutation = array<i64: 0, 2, 1, 3>}
  // CHECK: return %[[R]], %[[T]]
  %0 = mlc.transpose %x {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x1x16x64xf32>) -> tensor<1x16x1x64xf32>
  %1 = mlc.transpose %y {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x2x16x64xf32>) -> tensor<1x16x2x64xf32>
  return %0, %1 : tensor<1x16x1x64xf32>, tensor<1x16x2x64xf32>
}

// -----

// CHECK-LABEL: func.func @reshape_of_reshape
// CHECK-SAME: (%[[X:.*]]: tensor<?x16x64xf32>)
func.func @reshape_of_reshape(%x: tensor<?x16x64xf32>) -> tensor<?x32x32xf32> {
  // CHECK: %[[R:.*]] = mlc.reshape %[[X]] : (tensor<?x16x64xf32>) -> tensor<?x32x32xf32>
  // CHECK-NEXT: return %[[R]]
  %0 = mlc.reshape %x : (tensor<?x16x64xf32>) -> tensor<?x1024xf32>
  %1 = mlc.reshape %0 : (tensor<?x1024xf32>) -> tensor<?x32x32xf32>
  return %1 : tensor<?x32x32xf32>
}

// -----

// CHECK-LABEL: func.func @reshape_identity
// CHECK-SAME: (%[[X:.*]]: tensor<?x4xf32>)
func.func @reshape_identity(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  // CHECK-NEXT: return %[[X]]
  %0 = mlc.reshape %x : (tensor<?x4xf32>) -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

// A constant shape operand becomes a static result type.
// CHECK-LABEL: func.func @reshape_constant_shape
// CHECK-SAME: (%[[X:.*]]: tensor<?x128x1024xf32>)
func.func @reshape_constant_shape(%x: tensor<?x128x1024xf32>) -> tensor<?x?x?x?xf32> {
  // CHECK: %[[R:.*]] = mlc.reshape %[[X]] : (tensor<?x128x1024xf32>) -> tensor<?x128x16x64xf32>
  // CHECK-NEXT: %[[C:.*]] = tensor.cast %[[R]] : tensor<?x128x16x64xf32> to tensor<?x?x?x?xf32>
  // CHECK-NEXT: return %[[C]]
  %s = mlc.constant dense<[-1, 128, 16, 64]> : tensor<4xi64>
  %0 = mlc.reshape %x, %s : (tensor<?x128x1024xf32>, tensor<4xi64>) -> tensor<?x?x?x?xf32>
  return %0 : tensor<?x?x?x?xf32>
}

// -----

// CHECK-LABEL: func.func @expand_constant_shape
func.func @expand_constant_shape(%x: tensor<1x1x?x64xf32>) -> tensor<?x?x?x64xf32> {
  // CHECK-NOT: mlc.constant
  // CHECK: %[[E:.*]] = mlc.expand %{{.*}} : (tensor<1x1x?x64xf32>) -> tensor<1x4x?x64xf32>
  // CHECK-NEXT: tensor.cast %[[E]] : tensor<1x4x?x64xf32> to tensor<?x?x?x64xf32>
  %s = mlc.constant dense<[1, 4, 1, 1]> : tensor<4xi64>
  %0 = mlc.expand %x, %s : (tensor<1x1x?x64xf32>, tensor<4xi64>) -> tensor<?x?x?x64xf32>
  return %0 : tensor<?x?x?x64xf32>
}

// -----

// CHECK-LABEL: func.func @arithmetic_identities
// CHECK-SAME: (%[[X:.*]]: tensor<?x4xf32>)
func.func @arithmetic_identities(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  // CHECK-NEXT: return %[[X]]
  %zero = mlc.constant dense<0.0> : tensor<4xf32>
  %one = mlc.constant dense<1.0> : tensor<f32>
  %0 = mlc.add %x, %zero : (tensor<?x4xf32>, tensor<4xf32>) -> tensor<?x4xf32>
  %1 = mlc.mul %0, %one : (tensor<?x4xf32>, tensor<f32>) -> tensor<?x4xf32>
  %2 = mlc.sub %1, %zero : (tensor<?x4xf32>, tensor<4xf32>) -> tensor<?x4xf32>
  %3 = mlc.div %2, %one : (tensor<?x4xf32>, tensor<f32>) -> tensor<?x4xf32>
  // The constant moves to the right-hand side of commutative ops first.
  %4 = mlc.mul %one, %3 : (tensor<f32>, tensor<?x4xf32>) -> tensor<?x4xf32>
  return %4 : tensor<?x4xf32>
}

// -----

// x + 0 that broadcasts x to a larger shape is not x.
// CHECK-LABEL: func.func @identity_that_broadcasts
func.func @identity_that_broadcasts(%x: tensor<4xf32>) -> tensor<3x4xf32> {
  // CHECK: mlc.add
  %zero = mlc.constant dense<0.0> : tensor<3x4xf32>
  %0 = mlc.add %x, %zero : (tensor<4xf32>, tensor<3x4xf32>) -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

// CHECK-LABEL: func.func @fold_constants
func.func @fold_constants() -> (tensor<2x3xi64>, tensor<3xf32>, tensor<3xi1>, tensor<3xf32>) {
  // CHECK-DAG: %[[A:.*]] = mlc.constant dense<{{\[}}[11, 12, 13], [21, 22, 23]]> : tensor<2x3xi64>
  // CHECK-DAG: %[[B:.*]] = mlc.constant dense<[5.000000e-01, 1.000000e+00, 1.500000e+00]> : tensor<3xf32>
  // CHECK-DAG: %[[C:.*]] = mlc.constant dense<[true, false, false]> : tensor<3xi1>
  // CHECK-DAG: %[[D:.*]] = mlc.constant dense<[5.000000e-01, -2.000000e+00, -3.000000e+00]> : tensor<3xf32>
  // CHECK: return %[[A]], %[[B]], %[[C]], %[[D]]
  %rows = mlc.constant dense<[[10], [20]]> : tensor<2x1xi64>
  %cols = mlc.constant dense<[1, 2, 3]> : tensor<3xi64>
  %0 = mlc.add %rows, %cols : (tensor<2x1xi64>, tensor<3xi64>) -> tensor<2x3xi64>
  %f = mlc.cast %cols : (tensor<3xi64>) -> tensor<3xf32>
  %half = mlc.constant dense<0.5> : tensor<f32>
  %1 = mlc.mul %f, %half : (tensor<3xf32>, tensor<f32>) -> tensor<3xf32>
  %2 = mlc.cmp lt, %1, %half : (tensor<3xf32>, tensor<f32>) -> tensor<3xi1>
  %3 = mlc.cmp le, %1, %half : (tensor<3xf32>, tensor<f32>) -> tensor<3xi1>
  %neg = mlc.neg %f : tensor<3xf32>
  %4 = mlc.where %3, %1, %neg : (tensor<3xi1>, tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %0, %1, %3, %4 : tensor<2x3xi64>, tensor<3xf32>, tensor<3xi1>, tensor<3xf32>
}

// -----

// CHECK-LABEL: func.func @fold_integer_division
func.func @fold_integer_division() -> (tensor<2xi32>, tensor<2xui8>, tensor<2xi32>) {
  // Signed division rounds toward zero; unsigned casts wrap.
  // CHECK-DAG: mlc.constant dense<[-3, 3]> : tensor<2xi32>
  // CHECK-DAG: mlc.constant dense<[255, 1]> : tensor<2xui8>
  // A division by zero is left for run time.
  // CHECK-DAG: %[[Z:.*]] = mlc.constant dense<0> : tensor<2xi32>
  // CHECK: mlc.div %{{.*}}, %[[Z]]
  %a = mlc.constant dense<[-7, 7]> : tensor<2xi32>
  %b = mlc.constant dense<2> : tensor<2xi32>
  %0 = mlc.div %a, %b : (tensor<2xi32>, tensor<2xi32>) -> tensor<2xi32>
  %m = mlc.constant dense<[-1, 1]> : tensor<2xi32>
  %1 = mlc.cast %m : (tensor<2xi32>) -> tensor<2xui8>
  %z = mlc.constant dense<0> : tensor<2xi32>
  %2 = mlc.div %a, %z : (tensor<2xi32>, tensor<2xi32>) -> tensor<2xi32>
  return %0, %1, %2 : tensor<2xi32>, tensor<2xui8>, tensor<2xi32>
}

// -----

// An ONNX-style shape computation folds away where the dims it reads are static.
// CHECK-LABEL: func.func @fold_shape_computation
// CHECK-SAME: (%[[X:.*]]: tensor<?x128x1024xf32>)
func.func @fold_shape_computation(%x: tensor<?x128x1024xf32>) -> (tensor<3xi64>, tensor<4xi64>) {
  // CHECK-DAG: %[[SEQ:.*]] = mlc.constant dense<128> : tensor<1xi64>
  // CHECK-DAG: %[[HEADS:.*]] = mlc.constant dense<[16, 64]> : tensor<2xi64>
  // CHECK-DAG: %[[S:.*]] = mlc.shape_of %[[X]]
  // CHECK: %[[N:.*]] = mlc.gather %[[S]]
  // CHECK: %[[SHAPE:.*]] = mlc.concat %[[N]], %[[SEQ]], %[[HEADS]]
  // CHECK: return %[[S]], %[[SHAPE]]
  %shape = mlc.shape_of %x : (tensor<?x128x1024xf32>) -> tensor<3xi64>
  %i0 = mlc.constant dense<[0]> : tensor<1xi64>
  %i1 = mlc.constant dense<[1]> : tensor<1xi64>
  %n = mlc.gather %shape, %i0 {axis = 0 : i64} : (tensor<3xi64>, tensor<1xi64>) -> tensor<1xi64>
  %s = mlc.gather %shape, %i1 {axis = 0 : i64} : (tensor<3xi64>, tensor<1xi64>) -> tensor<1xi64>
  %heads = mlc.constant dense<[16, 64]> : tensor<2xi64>
  %0 = mlc.concat %n, %s, %heads {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>, tensor<2xi64>) -> tensor<4xi64>
  return %shape, %0 : tensor<3xi64>, tensor<4xi64>
}

// -----

// CHECK-LABEL: func.func @fold_static_shape_of
func.func @fold_static_shape_of(%x: tensor<2x3xf32>) -> tensor<2xi64> {
  // CHECK: %[[C:.*]] = mlc.constant dense<[2, 3]> : tensor<2xi64>
  // CHECK-NEXT: return %[[C]]
  %0 = mlc.shape_of %x : (tensor<2x3xf32>) -> tensor<2xi64>
  return %0 : tensor<2xi64>
}

// -----

// CHECK-LABEL: func.func @fold_data_movement
func.func @fold_data_movement() -> (tensor<3x2xi64>, tensor<2xi64>, tensor<1x6xi64>, tensor<2x2xi64>, tensor<5xi64>) {
  // CHECK-DAG: mlc.constant dense<{{\[}}[1, 4], [2, 5], [3, 6]]> : tensor<3x2xi64>
  // CHECK-DAG: mlc.constant dense<[6, 4]> : tensor<2xi64>
  // CHECK-DAG: mlc.constant dense<{{\[}}[1, 2, 3, 4, 5, 6]]> : tensor<1x6xi64>
  // CHECK-DAG: mlc.constant dense<{{\[}}[4, 5], [1, 2]]> : tensor<2x2xi64>
  // CHECK-DAG: mlc.constant dense<[0, 3, 6, 9, 12]> : tensor<5xi64>
  // CHECK-NOT: mlc.transpose
  // CHECK-NOT: mlc.slice
  // CHECK-NOT: mlc.reshape
  // CHECK-NOT: mlc.gather
  // CHECK-NOT: mlc.range
  %m = mlc.constant dense<[[1, 2, 3], [4, 5, 6]]> : tensor<2x3xi64>
  %0 = mlc.transpose %m {permutation = array<i64: 1, 0>} : (tensor<2x3xi64>) -> tensor<3x2xi64>
  %flat = mlc.reshape %m : (tensor<2x3xi64>) -> tensor<6xi64>
  %1 = mlc.slice %flat {axes = array<i64: 0>, starts = array<i64: -1>, ends = array<i64: 0>, steps = array<i64: -2>} : (tensor<6xi64>) -> tensor<3xi64>
  %2 = mlc.slice %1 {axes = array<i64: 0>, starts = array<i64: 0>, ends = array<i64: 2>} : (tensor<3xi64>) -> tensor<2xi64>
  %3 = mlc.unsqueeze %flat {axes = array<i64: 0>} : (tensor<6xi64>) -> tensor<1x6xi64>
  %idx = mlc.constant dense<[1, -2]> : tensor<2xi64>
  %4 = mlc.gather %m, %idx {axis = 0 : i64} : (tensor<2x3xi64>, tensor<2xi64>) -> tensor<2x3xi64>
  %5 = mlc.slice %4 {axes = array<i64: 1>, starts = array<i64: 0>, ends = array<i64: 2>} : (tensor<2x3xi64>) -> tensor<2x2xi64>
  %start = mlc.constant dense<0> : tensor<i64>
  %limit = mlc.constant dense<13> : tensor<i64>
  %delta = mlc.constant dense<3> : tensor<i64>
  %6 = mlc.range %start, %limit, %delta : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<5xi64>
  return %0, %2, %3, %5, %6 : tensor<3x2xi64>, tensor<2xi64>, tensor<1x6xi64>, tensor<2x2xi64>, tensor<5xi64>
}

// -----

// CHECK-LABEL: func.func @neg_neg
// CHECK-SAME: (%[[X:.*]]: tensor<?xf32>)
func.func @neg_neg(%x: tensor<?xf32>) -> tensor<?xf32> {
  // CHECK-NEXT: return %[[X]]
  %0 = mlc.neg %x : tensor<?xf32>
  %1 = mlc.neg %0 : tensor<?xf32>
  return %1 : tensor<?xf32>
}

// -----

// Tensors above the folding limit (4096 elements) stay as ops.
// CHECK-LABEL: func.func @no_large_folds
func.func @no_large_folds() -> tensor<128x64xf32> {
  // CHECK: mlc.add
  %a = mlc.constant dense<1.0> : tensor<128x64xf32>
  %0 = mlc.add %a, %a : (tensor<128x64xf32>, tensor<128x64xf32>) -> tensor<128x64xf32>
  return %0 : tensor<128x64xf32>
}
