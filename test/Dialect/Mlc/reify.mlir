// RUN: mlc-opt %s -resolve-ranked-shaped-type-result-dims -canonicalize -split-input-file | FileCheck %s

// Dynamic result sizes of mlc ops, reified from their operands
// (ReifyRankedShapedTypeOpInterface, driven by an upstream pass).

// CHECK-LABEL: func.func @broadcast
// CHECK-SAME: (%[[A:.*]]: tensor<?x4xf32>, %[[B:.*]]: tensor<?x1xf32>)
func.func @broadcast(%a: tensor<?x4xf32>, %b: tensor<?x1xf32>) -> index {
  // CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
  // CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
  // CHECK-DAG: %[[DA:.*]] = tensor.dim %[[A]], %[[C0]]
  // CHECK-DAG: %[[DB:.*]] = tensor.dim %[[B]], %[[C0]]
  // CHECK: %[[ONE:.*]] = arith.cmpi eq, %[[DA]], %[[C1]]
  // CHECK: %[[D:.*]] = arith.select %[[ONE]], %[[DB]], %[[DA]]
  // CHECK: return %[[D]]
  %0 = mlc.add %a, %b : (tensor<?x4xf32>, tensor<?x1xf32>) -> tensor<?x4xf32>
  %c0 = arith.constant 0 : index
  %d = tensor.dim %0, %c0 : tensor<?x4xf32>
  return %d : index
}

// -----

// CHECK-LABEL: func.func @conv_height
// CHECK-SAME: (%[[X:.*]]: tensor<1x3x?x224xf32>
func.func @conv_height(%x: tensor<1x3x?x224xf32>, %w: tensor<64x3x7x7xf32>) -> index {
  // (H + 3 + 3 - 7) floordiv 2 + 1
  // CHECK-DAG: %[[C2:.*]] = arith.constant 2 : index
  // CHECK-DAG: %[[H:.*]] = tensor.dim %[[X]], %[[C2]]
  // CHECK: %[[S:.*]] = arith.addi %[[H]], %{{.*}}
  // CHECK: %[[Q:.*]] = arith.floordivsi %[[S]], %[[C2]]
  // CHECK: %[[OH:.*]] = arith.addi %[[Q]], %{{.*}}
  // CHECK: return %[[OH]]
  %0 = mlc.conv2d %x, %w {padding = array<i64: 3, 3, 3, 3>, strides = array<i64: 2, 2>} : (tensor<1x3x?x224xf32>, tensor<64x3x7x7xf32>) -> tensor<1x64x?x112xf32>
  %c2 = arith.constant 2 : index
  %d = tensor.dim %0, %c2 : tensor<1x64x?x112xf32>
  return %d : index
}

// -----

// A -1 in a run-time shape takes what the element count leaves.
// CHECK-LABEL: func.func @reshape_from_shape_operand
// CHECK-SAME: (%[[X:.*]]: tensor<?x64xf32>, %[[S:.*]]: tensor<2xi64>)
func.func @reshape_from_shape_operand(%x: tensor<?x64xf32>, %s: tensor<2xi64>) -> index {
  // CHECK-DAG: %[[N:.*]] = tensor.dim %[[X]]
  // CHECK-DAG: %[[E0:.*]] = tensor.extract %[[S]][%{{.*}}]
  // CHECK-DAG: %[[E1:.*]] = tensor.extract %[[S]][%{{.*}}]
  // CHECK: arith.floordivsi
  // CHECK: arith.cmpi eq
  // CHECK: %[[D:.*]] = arith.select
  // CHECK: return %[[D]]
  %0 = mlc.reshape %x, %s : (tensor<?x64xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  %c0 = arith.constant 0 : index
  %d = tensor.dim %0, %c0 : tensor<?x?xf32>
  return %d : index
}

// -----

// CHECK-LABEL: func.func @concat_sum
// CHECK-SAME: (%[[A:.*]]: tensor<2x?xf32>, %[[B:.*]]: tensor<2x?xf32>)
func.func @concat_sum(%a: tensor<2x?xf32>, %b: tensor<2x?xf32>) -> index {
  // CHECK-DAG: %[[DA:.*]] = tensor.dim %[[A]]
  // CHECK-DAG: %[[DB:.*]] = tensor.dim %[[B]]
  // CHECK: %[[D:.*]] = arith.addi %[[DA]], %[[DB]]
  // CHECK: return %[[D]]
  %0 = mlc.concat %a, %b {axis = 1 : i64} : (tensor<2x?xf32>, tensor<2x?xf32>) -> tensor<2x?xf32>
  %c1 = arith.constant 1 : index
  %d = tensor.dim %0, %c1 : tensor<2x?xf32>
  return %d : index
}

// -----

// The last two positions of a dynamic axis: max(n - 2, 0) up to n.
// CHECK-LABEL: func.func @slice_from_end
// CHECK-SAME: (%[[X:.*]]: tensor<?xf32>)
func.func @slice_from_end(%x: tensor<?xf32>) -> index {
  // CHECK: %[[N:.*]] = tensor.dim %[[X]]
  // CHECK: arith.maxsi
  // CHECK: arith.minsi
  // CHECK: %[[D:.*]] = arith.subi %[[N]]
  // CHECK: return
  %0 = mlc.slice %x {axes = array<i64: 0>, starts = array<i64: -2>, ends = array<i64: 9223372036854775807>} : (tensor<?xf32>) -> tensor<?xf32>
  %c0 = arith.constant 0 : index
  %d = tensor.dim %0, %c0 : tensor<?xf32>
  return %d : index
}

// -----

// CHECK-LABEL: func.func @range_length
// CHECK-SAME: (%[[LO:.*]]: tensor<i64>, %[[HI:.*]]: tensor<i64>)
func.func @range_length(%lo: tensor<i64>, %hi: tensor<i64>) -> index {
  // CHECK-DAG: %[[A:.*]] = tensor.extract %[[LO]][]
  // CHECK-DAG: %[[B:.*]] = tensor.extract %[[HI]][]
  // CHECK: arith.subi
  // CHECK: arith.ceildivsi
  // CHECK: %[[D:.*]] = arith.maxsi
  // CHECK: return %[[D]]
  %two = mlc.constant dense<2> : tensor<i64>
  %0 = mlc.range %lo, %hi, %two : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<?xi64>
  %c0 = arith.constant 0 : index
  %d = tensor.dim %0, %c0 : tensor<?xi64>
  return %d : index
}

// -----

// CHECK-LABEL: func.func @gather_indices
// CHECK-SAME: (%[[T:.*]]: tensor<1000x64xf32>, %[[I:.*]]: tensor<1x?xi64>)
func.func @gather_indices(%t: tensor<1000x64xf32>, %i: tensor<1x?xi64>) -> index {
  // CHECK: %[[D:.*]] = tensor.dim %[[I]], %{{.*}}
  // CHECK: return %[[D]]
  %0 = mlc.gather %t, %i {axis = 0 : i64} : (tensor<1000x64xf32>, tensor<1x?xi64>) -> tensor<1x?x64xf32>
  %c1 = arith.constant 1 : index
  %d = tensor.dim %0, %c1 : tensor<1x?x64xf32>
  return %d : index
}
