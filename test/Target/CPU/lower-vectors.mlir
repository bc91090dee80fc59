// RUN: mlc-opt %s --mlc-cpu-lower-vectors | FileCheck %s

// exp on a vector becomes a polynomial (libm would be called per element);
// the 2-D transfer is unrolled into 1-D loads and stores.
// CHECK-LABEL: func.func @exp
// CHECK-NOT:     math.exp
// CHECK:         vector.load {{.*}} : memref<4x16xf32>, vector<16xf32>
// CHECK:         math.fma {{.*}} : vector<4x16xf32>
// CHECK:         vector.store {{.*}} : memref<4x16xf32>, vector<16xf32>
func.func @exp(%a: memref<4x16xf32>, %b: memref<4x16xf32>) {
  %c0 = arith.constant 0 : index
  %pad = arith.constant 0.0 : f32
  %v = vector.transfer_read %a[%c0, %c0], %pad {in_bounds = [true, true]}
      : memref<4x16xf32>, vector<4x16xf32>
  %e = math.exp %v : vector<4x16xf32>
  vector.transfer_write %e, %b[%c0, %c0] {in_bounds = [true, true]}
      : vector<4x16xf32>, memref<4x16xf32>
  return
}
