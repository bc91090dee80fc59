// RUN: mlc-opt %s --mlc-plan-memory --split-input-file | FileCheck %s

// Three buffers of 4 KiB: %a and %b are alive together, %c only after %a's
// last use, so %c takes %a's place: an arena of 8 KiB, not 12.
// CHECK-LABEL: func.func @reuse
// CHECK:         %[[ARENA:.+]] = memref.alloc() {alignment = 64 : i64} : memref<8192xi8>
// CHECK-DAG:     memref.view %[[ARENA]][%c0{{.*}}][] : memref<8192xi8> to memref<1024xf32>
// CHECK-DAG:     memref.view %[[ARENA]][%c4096{{.*}}][] : memref<8192xi8> to memref<1024xf32>
// CHECK-NOT:     memref.alloc()
// CHECK:         memref.dealloc %[[ARENA]]
// CHECK-NEXT:    return
func.func @reuse(%x: memref<1024xf32>, %y: memref<1024xf32>) {
  %a = memref.alloc() : memref<1024xf32>
  %b = memref.alloc() : memref<1024xf32>
  memref.copy %x, %a : memref<1024xf32> to memref<1024xf32>
  memref.copy %a, %b : memref<1024xf32> to memref<1024xf32>
  %c = memref.alloc() : memref<1024xf32>
  memref.copy %b, %c : memref<1024xf32> to memref<1024xf32>
  memref.copy %c, %y : memref<1024xf32> to memref<1024xf32>
  memref.dealloc %a : memref<1024xf32>
  memref.dealloc %b : memref<1024xf32>
  memref.dealloc %c : memref<1024xf32>
  return
}

// -----

// Sizes proportional to one dynamic size share an arena whose size and
// offsets are multiples of it. A returned buffer keeps its allocation.
// CHECK-LABEL: func.func @scaled
// CHECK-SAME:    (%[[N:.+]]: index
// CHECK:         %[[BYTES:.+]] = arith.muli %[[N]], %c512
// CHECK:         %[[ARENA:.+]] = memref.alloc(%[[BYTES]]) {alignment = 64 : i64} : memref<?xi8>
// CHECK:         memref.view %[[ARENA]][%{{.+}}][%[[N]]] : memref<?xi8> to memref<?x64xf32>
// CHECK:         %[[OFF:.+]] = arith.muli %c256{{.*}}, %[[N]]
// CHECK:         memref.view %[[ARENA]][%[[OFF]]][%[[N]]] : memref<?xi8> to memref<?x64xf32>
// CHECK:         %[[R:.+]] = memref.alloc(%[[N]]) : memref<?x64xf32>
// CHECK:         return %[[R]]
func.func @scaled(%n: index, %x: memref<?x64xf32>) -> memref<?x64xf32> {
  %a = memref.alloc(%n) : memref<?x64xf32>
  %b = memref.alloc(%n) : memref<?x64xf32>
  memref.copy %x, %a : memref<?x64xf32> to memref<?x64xf32>
  memref.copy %a, %b : memref<?x64xf32> to memref<?x64xf32>
  %r = memref.alloc(%n) : memref<?x64xf32>
  memref.copy %b, %r : memref<?x64xf32> to memref<?x64xf32>
  memref.dealloc %a : memref<?x64xf32>
  memref.dealloc %b : memref<?x64xf32>
  return %r : memref<?x64xf32>
}

// -----

// A buffer allocated in each iteration of a sequential loop is allocated
// once, before the loop; in a parallel loop it stays per iteration.
// CHECK-LABEL: func.func @loops
// CHECK:         memref.alloc() : memref<256xf32>
// CHECK-NEXT:    scf.for
// CHECK-NOT:       memref.alloc
// CHECK:         scf.forall
// CHECK-NEXT:      memref.alloc() : memref<256xf32>
func.func @loops(%x: memref<256xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.for %i = %c0 to %n step %c1 {
    %t = memref.alloc() : memref<256xf32>
    memref.copy %x, %t : memref<256xf32> to memref<256xf32>
    memref.dealloc %t : memref<256xf32>
  }
  scf.forall (%i) in (%n) {
    %t = memref.alloc() : memref<256xf32>
    memref.copy %x, %t : memref<256xf32> to memref<256xf32>
    memref.dealloc %t : memref<256xf32>
  }
  return
}

// -----

// Sizes that bufferization computes in other ways from the same value are
// the same size: the dimension of a view or reshape of a buffer (to the
// size that buffer was allocated with), (x * 128) floordiv 128 (a reshape's
// size), and a select between two of them (a broadcast's size). All three
// buffers share one arena of 3 x 512 bytes per unit of %n.
// CHECK-LABEL: func.func @resolved_sizes
// CHECK-SAME:    (%[[N:[^:]+]]: index
// CHECK:         %[[BYTES:.+]] = arith.muli %[[N]], %c1536
// CHECK:         %[[ARENA:.+]] = memref.alloc(%[[BYTES]]) {alignment = 64 : i64} : memref<?xi8>
// CHECK-COUNT-3: memref.view %[[ARENA]]
// CHECK-NOT:     memref.alloc
// CHECK:         memref.dealloc %[[ARENA]]
// CHECK-NEXT:    return
func.func @resolved_sizes(%n: index, %x: memref<?x128xf32>, %c: i1) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c128 = arith.constant 128 : index
  %a = memref.alloc(%n) : memref<?x128xf32>
  memref.copy %x, %a : memref<?x128xf32> to memref<?x128xf32>
  %e = memref.expand_shape %a [[0], [1, 2]] output_shape [%n, 4, 32] : memref<?x128xf32> into memref<?x4x32xf32>
  %s = memref.subview %e[0, 0, 0] [%n, 2, 32] [1, 1, 1] : memref<?x4x32xf32> to memref<?x2x32xf32, strided<[128, 32, 1]>>
  %d = memref.dim %s, %c0 : memref<?x2x32xf32, strided<[128, 32, 1]>>
  %b = memref.alloc(%d) : memref<?x128xf32>
  memref.copy %a, %b : memref<?x128xf32> to memref<?x128xf32>
  %m = arith.muli %n, %c128 : index
  %q = arith.floordivsi %m, %c128 : index
  %r = arith.select %c, %q, %d : index
  %t = memref.alloc(%r) : memref<?x128xf32>
  memref.copy %b, %t : memref<?x128xf32> to memref<?x128xf32>
  memref.copy %t, %a : memref<?x128xf32> to memref<?x128xf32>
  memref.copy %a, %x : memref<?x128xf32> to memref<?x128xf32>
  memref.dealloc %a : memref<?x128xf32>
  memref.dealloc %b : memref<?x128xf32>
  memref.dealloc %t : memref<?x128xf32>
  return
}

// -----

// (x * 128) floordiv 64 is not x: a buffer of that size gets an arena of
// its own scale.
// CHECK-LABEL: func.func @other_sizes
// CHECK-COUNT-2: memref.alloc(%{{.+}}) {alignment = 64 : i64} : memref<?xi8>
func.func @other_sizes(%n: index, %x: memref<?x128xf32>) {
  %c64 = arith.constant 64 : index
  %c128 = arith.constant 128 : index
  %m = arith.muli %n, %c128 : index
  %q = arith.floordivsi %m, %c64 : index
  %a = memref.alloc(%n) : memref<?x128xf32>
  %b = memref.alloc(%n) : memref<?x128xf32>
  %t = memref.alloc(%q) : memref<?x128xf32>
  %u = memref.alloc(%q) : memref<?x128xf32>
  memref.copy %x, %a : memref<?x128xf32> to memref<?x128xf32>
  memref.copy %a, %b : memref<?x128xf32> to memref<?x128xf32>
  memref.copy %b, %x : memref<?x128xf32> to memref<?x128xf32>
  memref.copy %t, %u : memref<?x128xf32> to memref<?x128xf32>
  memref.dealloc %a : memref<?x128xf32>
  memref.dealloc %b : memref<?x128xf32>
  memref.dealloc %t : memref<?x128xf32>
  memref.dealloc %u : memref<?x128xf32>
  return
}

// -----

// Device buffers in host code (the CUDA pipeline runs the pass after
// mlc-cuda-map-to-gpu): a buffer lives until the last launch that uses it,
// so %c takes %a's place once the launch reading %a was issued: kernels on
// one stream run in order.
// CHECK-LABEL: func.func @launches
// CHECK:         %[[ARENA:.+]] = memref.alloc() {alignment = 64 : i64} : memref<8192xi8>
// CHECK-DAG:     memref.view %[[ARENA]][%c0{{.*}}][] : memref<8192xi8> to memref<1024xf32>
// CHECK-DAG:     memref.view %[[ARENA]][%c4096{{.*}}][] : memref<8192xi8> to memref<1024xf32>
// CHECK-COUNT-3: gpu.launch
// CHECK:         memref.dealloc %[[ARENA]]
// CHECK-NEXT:    return
func.func @launches(%x: memref<1024xf32>, %y: memref<1024xf32>) {
  %c1 = arith.constant 1 : index
  %c1024 = arith.constant 1024 : index
  %a = memref.alloc() : memref<1024xf32>
  %b = memref.alloc() : memref<1024xf32>
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1024, %sy = %c1, %sz = %c1) {
    %v = memref.load %x[%tx] : memref<1024xf32>
    memref.store %v, %a[%tx] : memref<1024xf32>
    gpu.terminator
  }
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1024, %sy = %c1, %sz = %c1) {
    %v = memref.load %a[%tx] : memref<1024xf32>
    memref.store %v, %b[%tx] : memref<1024xf32>
    gpu.terminator
  }
  %c = memref.alloc() : memref<1024xf32>
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1024, %sy = %c1, %sz = %c1) {
    %v = memref.load %b[%tx] : memref<1024xf32>
    memref.store %v, %c[%tx] : memref<1024xf32>
    memref.store %v, %y[%tx] : memref<1024xf32>
    gpu.terminator
  }
  memref.dealloc %a : memref<1024xf32>
  memref.dealloc %b : memref<1024xf32>
  memref.dealloc %c : memref<1024xf32>
  return
}
