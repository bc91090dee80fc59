// RUN: mlc-opt %s --mlc-cpu-print-kernels -o /dev/null 2>&1 | FileCheck %s

// One line per top-level loop nest or copy, with the names of the source
// ops inside (their NameLocs, through fused locations); other ops are not
// kernels.
// CHECK: kernels of @step: 3
// CHECK-NEXT: 1 parallel  q_proj, k_proj
// CHECK-NEXT: 2 copy      residual
// CHECK-NEXT: 3 serial    swiglu
func.func @step(%a: memref<16xf32>, %b: memref<16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %f = arith.constant 1.0 : f32
  scf.forall (%i) in (16) {
    memref.store %f, %a[%i] : memref<16xf32> loc("q_proj")
    memref.store %f, %b[%i] : memref<16xf32> loc(fused["k_proj", "k_proj"])
  }
  memref.copy %a, %b : memref<16xf32> to memref<16xf32> loc("residual")
  scf.for %i = %c0 to %c16 step %c1 {
    %x = memref.load %a[%i] : memref<16xf32> loc("swiglu")
    memref.store %x, %b[%i] : memref<16xf32>
  }
  return
}
