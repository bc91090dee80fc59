// RUN: mlc-opt %s -mlc-parameters-to-arguments -split-input-file -verify-diagnostics | FileCheck %s

mlc.parameter @b : tensor<4xf32>
mlc.parameter @a : tensor<4x4xf32> = dense<1.0> : tensor<4x4xf32>
mlc.parameter @unused : tensor<2xf32>

// Arguments follow the parameter table's order, one per parameter, read-only.
// CHECK: mlc.parameter @b
// CHECK-LABEL: func.func @main
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>, %[[B:.*]]: tensor<4xf32> {bufferization.writable = false, mlc.parameter = @b}, %[[A:.*]]: tensor<4x4xf32> {bufferization.writable = false, mlc.parameter = @a})
func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  %a = mlc.get_parameter @a : tensor<4x4xf32>
  %b = mlc.get_parameter @b : tensor<4xf32>
  %b2 = mlc.get_parameter @b : tensor<4xf32>
  // CHECK-NOT: mlc.get_parameter
  // CHECK: mlc.matmul %[[A]], %{{.*}}
  %xr = mlc.unsqueeze %x {axes = array<i64: 1>} : (tensor<4xf32>) -> tensor<4x1xf32>
  %y = mlc.matmul %a, %xr : (tensor<4x4xf32>, tensor<4x1xf32>) -> tensor<4x1xf32>
  %ys = mlc.squeeze %y {axes = array<i64: 1>} : (tensor<4x1xf32>) -> tensor<4xf32>
  // CHECK: mlc.add %{{.*}}, %[[B]]
  %z = mlc.add %ys, %b : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  // CHECK: mlc.add %{{.*}}, %[[B]]
  %w = mlc.add %z, %b2 : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %w : tensor<4xf32>
}

// -----

mlc.parameter @w : tensor<4xf32>
// expected-error @+1 {{private function reads parameters}}
func.func private @helper() -> tensor<4xf32> {
  %w = mlc.get_parameter @w : tensor<4xf32>
  return %w : tensor<4xf32>
}
