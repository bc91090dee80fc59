// RUN: mlc-opt %s -mlc-export-entry-points -split-input-file -verify-diagnostics | FileCheck %s

// Public functions get a C interface; their arguments are read-only except
// the ones a result updates in place.
// CHECK-LABEL: func.func @step
// CHECK-SAME: (%{{.*}}: tensor<4xf32> {bufferization.writable = false}, %{{.*}}: tensor<8x4xf32>)
// CHECK-SAME: -> (tensor<4xf32>, tensor<8x4xf32> {mlc.updates = 1 : i64})
// CHECK-SAME: attributes {llvm.emit_c_interface}
func.func @step(%x: tensor<4xf32>, %cache: tensor<8x4xf32>) -> (tensor<4xf32>, tensor<8x4xf32> {mlc.updates = 1 : i64}) {
  return %x, %cache : tensor<4xf32>, tensor<8x4xf32>
}

// Private functions are left alone.
// CHECK-LABEL: func.func private @helper
// CHECK-SAME: (%{{.*}}: tensor<4xf32>) -> tensor<4xf32> {
func.func private @helper(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}

// -----

// expected-error @below {{result #0: mlc.updates = 1 must name an argument of the result's type}}
func.func @wrong_type(%x: tensor<4xf32>, %cache: tensor<8x4xf32>) -> (tensor<4xf32> {mlc.updates = 1 : i64}) {
  return %x : tensor<4xf32>
}

// -----

// expected-error @below {{argument #0 is updated by two results}}
func.func @twice(%x: tensor<4xf32>) -> (tensor<4xf32> {mlc.updates = 0 : i64}, tensor<4xf32> {mlc.updates = 0 : i64}) {
  return %x, %x : tensor<4xf32>, tensor<4xf32>
}
