// RUN: mlc-opt %s -mlc-cpu-free-thread-buffers | FileCheck %s

// Buffers of one iteration of a thread loop are freed at its end, unless
// they are freed already or handed on (here: carried by a loop).
// CHECK-LABEL: func.func @per_iteration
// CHECK:         scf.forall
// CHECK:           %[[A:.*]] = memref.alloc() : memref<16xf32>
// CHECK:           %[[B:.*]] = memref.alloc() : memref<4xf32>
// CHECK:           memref.dealloc %[[B]]
// CHECK:           %[[C:.*]] = memref.alloc() : memref<4xf32>
// CHECK-NOT:       memref.dealloc %[[B]]
// CHECK-NOT:       memref.dealloc %[[C]]
// CHECK:           memref.dealloc %[[A]]
// CHECK-NEXT:    }
func.func @per_iteration(%out: memref<4x16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %f = arith.constant 1.0 : f32
  scf.forall (%i) in (4) {
    %a = memref.alloc() : memref<16xf32>
    %v = memref.subview %a[0] [8] [1] : memref<16xf32> to memref<8xf32, strided<[1]>>
    memref.store %f, %v[%c0] : memref<8xf32, strided<[1]>>
    %b = memref.alloc() : memref<4xf32>
    memref.store %f, %b[%c0] : memref<4xf32>
    memref.dealloc %b : memref<4xf32>
    %c = memref.alloc() : memref<4xf32>
    %r = scf.for %k = %c0 to %c4 step %c1 iter_args(%acc = %c) -> (memref<4xf32>) {
      scf.yield %acc : memref<4xf32>
    }
    %x = memref.load %a[%c0] : memref<16xf32>
    memref.store %x, %out[%i, %c0] : memref<4x16xf32>
  }
  return
}
