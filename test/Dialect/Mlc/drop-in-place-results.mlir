// RUN: mlc-opt %s -mlc-drop-in-place-results -split-input-file -verify-diagnostics | FileCheck %s

// A result that bufferization computed in place of its argument leaves the
// signature.
// CHECK-LABEL: func.func @in_place
// CHECK-SAME: (%[[X:.*]]: memref<4xf32>, %[[C:.*]]: memref<8x4xf32>) -> memref<4xf32>
// CHECK-NOT: memref.copy
// CHECK: return %[[X]] : memref<4xf32>
func.func @in_place(%x: memref<4xf32>, %cache: memref<8x4xf32>) -> (memref<4xf32>, memref<8x4xf32> {mlc.updates = 1 : i64}) {
  %c0 = arith.constant 0 : index
  %f = arith.constant 1.0 : f32
  memref.store %f, %cache[%c0, %c0] : memref<8x4xf32>
  return %x, %cache : memref<4xf32>, memref<8x4xf32>
}

// -----

// A result in a buffer of its own is copied into the argument, with a
// warning.
// CHECK-LABEL: func.func @copied
// CHECK-SAME: (%[[C:.*]]: memref<8x4xf32>) {
// CHECK: %[[NEW:.*]] = memref.alloc
// CHECK: memref.copy %[[NEW]], %[[C]]
// CHECK-NEXT: return{{$}}
// expected-warning @below {{result #0 could not be computed in place of argument #0: it is copied on every call}}
func.func @copied(%cache: memref<8x4xf32>) -> (memref<8x4xf32> {mlc.updates = 0 : i64}) {
  %new = memref.alloc() : memref<8x4xf32>
  return %new : memref<8x4xf32>
}

// -----

// expected-error @below {{mlc-drop-in-place-results runs after bufferization; result #0 is not a memref}}
func.func @tensor(%cache: tensor<8x4xf32>) -> (tensor<8x4xf32> {mlc.updates = 0 : i64}) {
  return %cache : tensor<8x4xf32>
}
