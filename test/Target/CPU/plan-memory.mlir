// RUN: mlc-opt %s --mlc-cpu-plan-memory --split-input-file | FileCheck %s

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
