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

// The accumulator of a register tile, written through a reshape of the
// result (as a convolution's is), stays in registers across the k loop:
// read before it, carried by it, written after it. (The result is a fresh
// allocation, so the reads of the arguments cannot alias it.)
// CHECK-LABEL: func.func @accumulator_through_view
// CHECK:         %[[C:.+]] = memref.collapse_shape
// CHECK:         %[[INIT:.+]] = vector.load %[[C]]
// CHECK:         %[[ACC:.+]] = scf.for {{.*}} iter_args(%[[ITER:.+]] = %[[INIT]])
// CHECK-NOT:       vector.store
// CHECK:           vector.fma {{.*}}, %[[ITER]]
// CHECK:           scf.yield
// CHECK:         vector.store %[[ACC]], %[[C]]
func.func @accumulator_through_view(%a: memref<64xf32>, %b: memref<64x16xf32>)
    -> memref<1x16xf32> {
  %out = memref.alloc() : memref<1x16xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %pad = arith.constant 0.0 : f32
  %c = memref.collapse_shape %out [[0, 1]] : memref<1x16xf32> into memref<16xf32>
  scf.for %k = %c0 to %c64 step %c1 {
    %x = vector.transfer_read %a[%k], %pad {in_bounds = [true]} : memref<64xf32>, vector<1xf32>
    %y = vector.transfer_read %b[%k, %c0], %pad {in_bounds = [true]} : memref<64x16xf32>, vector<16xf32>
    %acc = vector.transfer_read %c[%c0], %pad {in_bounds = [true]} : memref<16xf32>, vector<16xf32>
    %s = vector.extract %x[0] : f32 from vector<1xf32>
    %xs = vector.broadcast %s : f32 to vector<16xf32>
    %r = vector.fma %xs, %y, %acc : vector<16xf32>
    vector.transfer_write %r, %c[%c0] {in_bounds = [true]} : vector<16xf32>, memref<16xf32>
  }
  return %out : memref<1x16xf32>
}

// The same with the result passed in: it may alias an input, so the
// accumulator is read and written in every iteration.
// CHECK-LABEL: func.func @accumulator_may_alias
// CHECK:         scf.for
// CHECK:           vector.load %arg2
// CHECK:           vector.store {{.*}}, %arg2
func.func @accumulator_may_alias(%a: memref<64xf32>, %b: memref<64x16xf32>,
                                 %c: memref<16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %pad = arith.constant 0.0 : f32
  scf.for %k = %c0 to %c64 step %c1 {
    %x = vector.transfer_read %a[%k], %pad {in_bounds = [true]} : memref<64xf32>, vector<1xf32>
    %y = vector.transfer_read %b[%k, %c0], %pad {in_bounds = [true]} : memref<64x16xf32>, vector<16xf32>
    %acc = vector.transfer_read %c[%c0], %pad {in_bounds = [true]} : memref<16xf32>, vector<16xf32>
    %s = vector.extract %x[0] : f32 from vector<1xf32>
    %xs = vector.broadcast %s : f32 to vector<16xf32>
    %r = vector.fma %xs, %y, %acc : vector<16xf32>
    vector.transfer_write %r, %c[%c0] {in_bounds = [true]} : vector<16xf32>, memref<16xf32>
  }
  return
}

// A contraction whose reduction is the innermost dimension of both inputs
// (attention's scores: a query row times 8 key rows) is one product and one
// reduction per output element, over whole rows: no transposition of the
// key rows into columns, as the outer-product lowering would do.
// CHECK-LABEL: func.func @dot_form
// CHECK-NOT:     vector.contract
// CHECK-NOT:     vector.shuffle
// CHECK:         %[[Q:.+]] = vector.load %arg0{{.*}} : memref<1x128xf32>, vector<128xf32>
// CHECK:         %[[K:.+]] = vector.load %arg1{{.*}} : memref<8x128xf32>, vector<128xf32>
// CHECK:         %[[P:.+]] = arith.mulf %[[Q]], %[[K]] : vector<128xf32>
// CHECK:         vector.reduction <add>, %[[P]], %{{.*}} : vector<128xf32> into f32
// CHECK-COUNT-7: vector.reduction <add>, %{{.*}}, %{{.*}} : vector<128xf32> into f32
// CHECK:         vector.store {{.*}} : memref<1x8xf32>, vector<8xf32>
#q = affine_map<(i, j, d) -> (i, d)>
#k = affine_map<(i, j, d) -> (j, d)>
#s = affine_map<(i, j, d) -> (i, j)>
func.func @dot_form(%q: memref<1x128xf32>, %k: memref<8x128xf32>, %s: memref<1x8xf32>) {
  %c0 = arith.constant 0 : index
  %pad = arith.constant 0.0 : f32
  %a = vector.transfer_read %q[%c0, %c0], %pad {in_bounds = [true, true]}
      : memref<1x128xf32>, vector<1x128xf32>
  %b = vector.transfer_read %k[%c0, %c0], %pad {in_bounds = [true, true]}
      : memref<8x128xf32>, vector<8x128xf32>
  %c = vector.transfer_read %s[%c0, %c0], %pad {in_bounds = [true, true]}
      : memref<1x8xf32>, vector<1x8xf32>
  %r = vector.contract {indexing_maps = [#q, #k, #s],
                        iterator_types = ["parallel", "parallel", "reduction"],
                        kind = #vector.kind<add>} %a, %b, %c
      : vector<1x128xf32>, vector<8x128xf32> into vector<1x8xf32>
  vector.transfer_write %r, %s[%c0, %c0] {in_bounds = [true, true]}
      : vector<1x8xf32>, memref<1x8xf32>
  return
}
