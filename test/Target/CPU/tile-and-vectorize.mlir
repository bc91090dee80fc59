// RUN: mlc-opt %s --mlc-cpu-tile-and-vectorize --split-input-file | FileCheck %s
// RUN: mlc-opt %s --mlc-cpu-tile-and-vectorize="matvec-streams=4" --split-input-file | FileCheck %s --check-prefix=STREAMS4

#a = affine_map<(m, n, k) -> (m, k)>
#b = affine_map<(m, n, k) -> (k, n)>
#c = affine_map<(m, n, k) -> (m, n)>

// 256 rows: B is packed into panels of 32 columns contiguous over k (the
// last panel padded: N = 1000), each panel block moved as an 8x32 vector.
// The product runs on threads, one 8x32 register tile per k step, on the
// blocked result, which is unpacked into C at the end.
// CHECK-LABEL: func.func @matmul_packed
// CHECK:         scf.forall
// CHECK:           vector.create_mask %{{.+}}, %{{.+}} : vector<8x32xi1>
// CHECK:           vector.transfer_read {{.*}} : tensor<8x?xf32>, vector<8x32xf32>
// CHECK:           vector.transpose {{.*}} [1, 0, 2] : vector<8x1x32xf32> to vector<1x8x32xf32>
// CHECK:         scf.forall
// CHECK:           vector.contract
// CHECK-SAME:        vector<8x1xf32>, vector<1x32xf32> into vector<8x32xf32>
// CHECK:         scf.forall
// CHECK:           vector.transfer_write {{.*}} : vector<1x32xf32>, tensor<1x?xf32>
// CHECK-NOT:     linalg.
func.func @matmul_packed(%a: tensor<256x64xf32>, %b: tensor<64x1000xf32>) -> tensor<256x1000xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<256x1000xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<256x1000xf32>) -> tensor<256x1000xf32>
  %r = linalg.generic {indexing_maps = [#a, #b, #c],
                       iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : tensor<256x64xf32>, tensor<64x1000xf32>) outs(%init : tensor<256x1000xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<256x1000xf32>
  return %r : tensor<256x1000xf32>
}

// -----

#a = affine_map<(m, n, k) -> (m, k)>
#b = affine_map<(m, n, k) -> (k, n)>
#c = affine_map<(m, n, k) -> (m, n)>

// 64 rows: B is read in place; 8x32 register tiles, the 8 leftover
// columns of N = 200 (static in each thread's tile) an 8x8 tile.
// CHECK-LABEL: func.func @matmul_in_place
// CHECK-NOT:     vector.transpose
// CHECK:         vector.contract
// CHECK-SAME:      vector<8x1xf32>, vector<1x32xf32> into vector<8x32xf32>
// CHECK:         vector.contract
// CHECK-SAME:      vector<8x1xf32>, vector<1x8xf32> into vector<8x8xf32>
func.func @matmul_in_place(%a: tensor<64x64xf32>, %b: tensor<64x200xf32>) -> tensor<64x200xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<64x200xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<64x200xf32>) -> tensor<64x200xf32>
  %r = linalg.generic {indexing_maps = [#a, #b, #c],
                       iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : tensor<64x64xf32>, tensor<64x200xf32>) outs(%init : tensor<64x200xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<64x200xf32>
  return %r : tensor<64x200xf32>
}

// -----

#a = affine_map<(m, n, k) -> (m, k)>
#b = affine_map<(m, n, k) -> (k, n)>
#c = affine_map<(m, n, k) -> (m, n)>

// One row (a decode step): the rows of B are split in 4 contiguous blocks,
// one per thread iteration, each streamed in order (partial products
// P[t] = a[block t] . B[block t, :], zeroed inside the thread loop). Each
// block is read as 8 streams of 16 rows: for every step k, a[8 rows] *
// B[8 rows, 64 columns] into P[t], one contraction over the 8 streams.
// Then C = P[0] + ... + P[3], elementwise (the zeros C started from are not
// needed).
// CHECK-LABEL: func.func @matvec
// CHECK:         scf.forall (%[[T:.*]]) in (4) shared_outs(%{{.*}}) -> (tensor<4x1x4096xf32>)
// CHECK:           affine.linearize_index disjoint [%[[T]], %{{.*}}, %{{.*}}] by (4, 8, 16)
// CHECK:           tensor.extract_slice %arg1[%{{.*}}, 0] [128, 4096]
// CHECK:           tensor.expand_shape {{.*}} into tensor<1x8x16x4096xf32>
// CHECK:           vector.transfer_write %{{.*}} : vector<1x1x64xf32>, tensor<1x1x64xf32>
// CHECK:           scf.for %{{.*}} = %{{.*}} to %{{.*}} step %[[ONE:.*]] iter_args
// CHECK:             tensor.extract_slice {{.*}} [1, 8, 1, 4096]
// CHECK:             scf.for
// CHECK:               vector.contract
// CHECK-SAME:            vector<8xf32>, vector<8x64xf32> into vector<64xf32>
// CHECK:         scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args
// CHECK-COUNT-4:     vector.transfer_read {{.*}} : tensor<1x16xf32>, vector<1x16xf32>
// CHECK-COUNT-3:     arith.addf {{.*}} : vector<1x16xf32>
// With matvec-streams=4, 4 streams of 32 rows.
// STREAMS4-LABEL: func.func @matvec
// STREAMS4:         tensor.expand_shape {{.*}} into tensor<1x4x32x4096xf32>
// STREAMS4:         vector.contract
// STREAMS4-SAME:      vector<4xf32>, vector<4x64xf32> into vector<64xf32>
func.func @matvec(%a: tensor<1x512xf32>, %b: tensor<512x4096xf32>) -> tensor<1x4096xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x4096xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x4096xf32>) -> tensor<1x4096xf32>
  %r = linalg.generic {indexing_maps = [#a, #b, #c],
                       iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : tensor<1x512xf32>, tensor<512x4096xf32>) outs(%init : tensor<1x4096xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<1x4096xf32>
  return %r : tensor<1x4096xf32>
}

// -----

#row = affine_map<(m, k) -> (m, k)>
#sum = affine_map<(m, k) -> (m)>
#a = affine_map<(m, n, k) -> (m, k)>
#b = affine_map<(m, n, k) -> (k, n)>
#c = affine_map<(m, n, k) -> (m, n)>

// The norm that produces the vector of a matrix-vector product is computed
// by each thread for the block of the vector it reads: the sum of squares
// of the whole row, then the norm of its 128 elements. No kernel of its own.
// CHECK-LABEL: func.func @matvec_norm
// CHECK-NOT:     scf.for
// CHECK:         scf.forall (%[[T:.*]]) in (4)
// CHECK:           affine.linearize_index disjoint [%[[T]], %{{.*}}, %{{.*}}] by (4, 8, 16)
// CHECK:           tensor.extract_slice %arg0[0, %{{.*}}] [1, 128]
// CHECK:           scf.for
// CHECK:             vector.multi_reduction <add>, %{{.*}} [1] : vector<1x16xf32> to vector<1xf32>
// CHECK:           scf.for
// CHECK:             math.rsqrt
// CHECK:           vector.contract
// CHECK:         scf.forall.in_parallel
func.func @matvec_norm(%x: tensor<1x512xf32>, %b: tensor<512x4096xf32>) -> tensor<1x4096xf32> {
  %zero = arith.constant 0.0 : f32
  %s0 = tensor.empty() : tensor<1xf32>
  %s1 = linalg.fill ins(%zero : f32) outs(%s0 : tensor<1xf32>) -> tensor<1xf32>
  %ss = linalg.generic {indexing_maps = [#row, #sum],
                        iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<1x512xf32>) outs(%s1 : tensor<1xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %q = arith.mulf %v, %v : f32
    %s = arith.addf %acc, %q : f32
    linalg.yield %s : f32
  } -> tensor<1xf32>
  %n0 = tensor.empty() : tensor<1x512xf32>
  %n = linalg.generic {indexing_maps = [#row, #sum, #row],
                       iterator_types = ["parallel", "parallel"]}
      ins(%x, %ss : tensor<1x512xf32>, tensor<1xf32>) outs(%n0 : tensor<1x512xf32>) {
  ^bb0(%v: f32, %s: f32, %out: f32):
    %r = math.rsqrt %s : f32
    %y = arith.mulf %v, %r : f32
    linalg.yield %y : f32
  } -> tensor<1x512xf32>
  %e = tensor.empty() : tensor<1x4096xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x4096xf32>) -> tensor<1x4096xf32>
  %r = linalg.generic {indexing_maps = [#a, #b, #c],
                       iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%n, %b : tensor<1x512xf32>, tensor<512x4096xf32>) outs(%init : tensor<1x4096xf32>) {
  ^bb0(%v: f32, %w: f32, %acc: f32):
    %p = arith.mulf %v, %w : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<1x4096xf32>
  return %r : tensor<1x4096xf32>
}

// -----

#row = affine_map<(m, k) -> (m, k)>
#a = affine_map<(m, n, k) -> (m, k)>
#b = affine_map<(m, n, k) -> (k, n)>
#c = affine_map<(m, n, k) -> (m, n)>

// An activation of two halves of one vector (SwiGLU of gate|up), the
// vector itself elementwise (a sum of partial products), all before a
// matrix-vector product: each thread computes its block of each, reading
// its blocks of the two halves of u and v.
// CHECK-LABEL: func.func @matvec_sliced_producers
// CHECK-NOT:     scf.for
// CHECK:         scf.forall (%[[T:.*]]) in (4)
// CHECK:           %[[GATE:.*]] = affine.linearize_index disjoint [%[[T]], %{{.*}}, %{{.*}}] by (4, 8, 16)
// CHECK:           tensor.extract_slice %arg0[0, %[[GATE]]] [1, 128]
// CHECK:           tensor.extract_slice %arg1[0, %[[GATE]]] [1, 128]
// CHECK:           %[[UP:.*]] = affine.apply #{{.*}}()[%[[GATE]]]
// CHECK:           tensor.extract_slice %arg0[0, %[[UP]]] [1, 128]
// CHECK:           math.exp
// CHECK:           vector.contract
// CHECK:         scf.forall.in_parallel
func.func @matvec_sliced_producers(%u: tensor<1x1024xf32>, %v: tensor<1x1024xf32>,
                                   %b: tensor<512x4096xf32>) -> tensor<1x4096xf32> {
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %g0 = tensor.empty() : tensor<1x1024xf32>
  %g = linalg.generic {indexing_maps = [#row, #row, #row],
                       iterator_types = ["parallel", "parallel"]}
      ins(%u, %v : tensor<1x1024xf32>, tensor<1x1024xf32>) outs(%g0 : tensor<1x1024xf32>) {
  ^bb0(%x: f32, %y: f32, %out: f32):
    %s = arith.addf %x, %y : f32
    linalg.yield %s : f32
  } -> tensor<1x1024xf32>
  %gate = tensor.extract_slice %g[0, 0] [1, 512] [1, 1] : tensor<1x1024xf32> to tensor<1x512xf32>
  %up = tensor.extract_slice %g[0, 512] [1, 512] [1, 1] : tensor<1x1024xf32> to tensor<1x512xf32>
  %a0 = tensor.empty() : tensor<1x512xf32>
  %act = linalg.generic {indexing_maps = [#row, #row, #row],
                         iterator_types = ["parallel", "parallel"]}
      ins(%gate, %up : tensor<1x512xf32>, tensor<1x512xf32>) outs(%a0 : tensor<1x512xf32>) {
  ^bb0(%x: f32, %y: f32, %out: f32):
    %n = arith.negf %x : f32
    %e = math.exp %n : f32
    %d = arith.addf %e, %one : f32
    %sig = arith.divf %x, %d : f32
    %p = arith.mulf %sig, %y : f32
    linalg.yield %p : f32
  } -> tensor<1x512xf32>
  %e = tensor.empty() : tensor<1x4096xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x4096xf32>) -> tensor<1x4096xf32>
  %r = linalg.generic {indexing_maps = [#a, #b, #c],
                       iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%act, %b : tensor<1x512xf32>, tensor<512x4096xf32>) outs(%init : tensor<1x4096xf32>) {
  ^bb0(%x: f32, %w: f32, %acc: f32):
    %p = arith.mulf %x, %w : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<1x4096xf32>
  return %r : tensor<1x4096xf32>
}

// -----

#q = affine_map<(i, j, d) -> (i, d)>
#k = affine_map<(i, j, d) -> (j, d)>
#s = affine_map<(i, j, d) -> (i, j)>

// Scores of two query rows against a dynamic number of key rows (q K^T,
// inside attention's thread loop): B is read along k, innermost, so each
// register tile is one query row by 8 key rows over all of k (dot products,
// lowered by mlc-cpu-lower-vectors), not a column of the keys per k. The
// last < 8 keys are peeled off.
// CHECK-LABEL: func.func @scores_dot_form
// CHECK:         scf.forall
// CHECK:           scf.for
// CHECK:             %[[MAIN:.*]] = affine.apply #{{.*}}()[%{{.*}}]
// CHECK:             scf.for %{{.*}} = %{{.*}} to %[[MAIN]] step %[[EIGHT:.*]] iter_args
// CHECK:               vector.transfer_read {{.*}} : tensor<8x128xf32>, vector<8x128xf32>
// CHECK:               vector.contract
// CHECK-SAME:            vector<1x128xf32>, vector<8x128xf32> into vector<1x8xf32>
// CHECK:             scf.for %{{.*}} = %[[MAIN]] to %{{.*}} step %[[EIGHT]] iter_args
// CHECK:               linalg.contract
func.func @scores_dot_form(%q: tensor<2x128xf32>, %k: tensor<?x128xf32>) -> tensor<2x?xf32> {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %n = tensor.dim %k, %c0 : tensor<?x128xf32>
  %e = tensor.empty(%n) : tensor<2x?xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<2x?xf32>) -> tensor<2x?xf32>
  %r = linalg.generic {indexing_maps = [#q, #k, #s],
                       iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%q, %k : tensor<2x128xf32>, tensor<?x128xf32>) outs(%init : tensor<2x?xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<2x?xf32>
  return %r : tensor<2x?xf32>
}

// -----

#p = affine_map<(i, e, j) -> (i, j)>
#v = affine_map<(i, e, j) -> (j, e)>
#o = affine_map<(i, e, j) -> (i, e)>

// Two rows too few for threads (attention's p . V over a block of keys):
// the 2 x 128 accumulators fit in 16 vector registers, so each step of k
// reads a whole row of B (no loop over columns inside the k loop).
// CHECK-LABEL: func.func @few_rows_whole_row
// CHECK-NOT:     scf.forall
// CHECK:         scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args
// CHECK-NOT:       scf.for
// CHECK:           vector.contract
// CHECK-SAME:        vector<2x1xf32>, vector<1x128xf32> into vector<2x128xf32>
func.func @few_rows_whole_row(%p: tensor<2x32xf32>, %v: tensor<32x128xf32>,
                              %acc: tensor<2x128xf32>) -> tensor<2x128xf32> {
  %r = linalg.generic {indexing_maps = [#p, #v, #o],
                       iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%p, %v : tensor<2x32xf32>, tensor<32x128xf32>) outs(%acc : tensor<2x128xf32>) {
  ^bb0(%x: f32, %y: f32, %a: f32):
    %m = arith.mulf %x, %y : f32
    %s = arith.addf %a, %m : f32
    linalg.yield %s : f32
  } -> tensor<2x128xf32>
  return %r : tensor<2x128xf32>
}

// -----

#a = affine_map<(m, n, k) -> (m, k)>
#b = affine_map<(m, n, k) -> (k, n)>
#c = affine_map<(m, n, k) -> (m, n)>

// Blocks of 66 rows do not split into 16, 8 or 4 streams: 2 streams of 33.
// CHECK-LABEL: func.func @matvec_two_streams
// CHECK:         scf.forall (%{{.*}}) in (4)
// CHECK:           tensor.expand_shape {{.*}} into tensor<1x2x33x4096xf32>
// CHECK:           vector.contract
// CHECK-SAME:        vector<2xf32>, vector<2x64xf32> into vector<64xf32>
func.func @matvec_two_streams(%a: tensor<1x264xf32>, %b: tensor<264x4096xf32>) -> tensor<1x4096xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x4096xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x4096xf32>) -> tensor<1x4096xf32>
  %r = linalg.generic {indexing_maps = [#a, #b, #c],
                       iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : tensor<1x264xf32>, tensor<264x4096xf32>) outs(%init : tensor<1x4096xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<1x4096xf32>
  return %r : tensor<1x4096xf32>
}

// -----

// A thread loop over heads reading a KV cache after the step's rows were
// appended to it (attention in a decode step): each iteration appends its
// head's row to its slab of the cache, a new shared output of the loop
// (which the function now returns), and the op producing the rows (RoPE in
// a model) is computed per head inside the loop.
// CHECK-LABEL: func.func @cache_append
// CHECK-NOT:     tensor.insert_slice
// CHECK:         %[[LOOP:.*]]:2 = scf.forall (%[[H:.*]]) in (8) shared_outs(%{{.*}} = %{{.*}}, %[[CACHE:.*]] = %arg1)
// CHECK:           %[[SLAB:.*]] = tensor.extract_slice %[[CACHE]][0, %[[H]], 0, 0] [1, 1, 64, 128]
// CHECK:           tensor.extract_slice %arg0[0, %[[H]], 0, 0] [1, 1, 1, 128]
// CHECK:           %[[ROW:.*]] = scf.for
// CHECK:             arith.mulf {{.*}} : vector<1x1x1x16xf32>
// CHECK:           %[[UPDATED:.*]] = tensor.insert_slice %[[ROW]] into %[[SLAB]][0, 0, %arg2, 0] [1, 1, 1, 128]
// CHECK:           tensor.extract_slice %[[UPDATED]][0, 0, 0, 0] [1, 1, %arg3, 128] [1, 1, 1, 1] : tensor<1x1x64x128xf32> to tensor<?x128xf32>
// CHECK:           scf.forall.in_parallel
// CHECK:             tensor.parallel_insert_slice %[[UPDATED]] into %[[CACHE]][0, %[[H]], 0, 0] [1, 1, 64, 128]
// CHECK:         return %[[LOOP]]#0, %[[LOOP]]#1
#id = affine_map<(a, b, c, d) -> (a, b, c, d)>
func.func @cache_append(%x: tensor<1x8x1x128xf32>, %cache: tensor<1x8x64x128xf32>,
                        %pos: index, %len: index)
    -> (tensor<8x128xf32>, tensor<1x8x64x128xf32>) {
  %e0 = tensor.empty() : tensor<1x8x1x128xf32>
  %new = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x : tensor<1x8x1x128xf32>) outs(%e0 : tensor<1x8x1x128xf32>) {
  ^bb0(%a: f32, %b: f32):
    %s = arith.mulf %a, %a : f32
    linalg.yield %s : f32
  } -> tensor<1x8x1x128xf32>
  %i = tensor.insert_slice %new into %cache[0, 0, %pos, 0] [1, 8, 1, 128] [1, 1, 1, 1]
      : tensor<1x8x1x128xf32> into tensor<1x8x64x128xf32>
  %e = tensor.extract_slice %i[0, 0, 0, 0] [1, 8, %len, 128] [1, 1, 1, 1]
      : tensor<1x8x64x128xf32> to tensor<1x8x?x128xf32>
  %out = tensor.empty() : tensor<8x128xf32>
  %r = scf.forall (%h) in (8) shared_outs(%o = %out) -> (tensor<8x128xf32>) {
    %k = tensor.extract_slice %e[0, %h, 0, 0] [1, 1, %len, 128] [1, 1, 1, 1]
        : tensor<1x8x?x128xf32> to tensor<?x128xf32>
    %z = arith.constant 0.0 : f32
    %row = tensor.empty() : tensor<1x128xf32>
    %f = linalg.fill ins(%z : f32) outs(%row : tensor<1x128xf32>) -> tensor<1x128xf32>
    %s = linalg.generic {indexing_maps = [affine_map<(j, d) -> (j, d)>, affine_map<(j, d) -> (0, d)>],
                         iterator_types = ["reduction", "parallel"]}
        ins(%k : tensor<?x128xf32>) outs(%f : tensor<1x128xf32>) {
    ^bb0(%a: f32, %b: f32):
      %x2 = arith.addf %a, %b : f32
      linalg.yield %x2 : f32
    } -> tensor<1x128xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %s into %o[%h, 0] [1, 128] [1, 1] : tensor<1x128xf32> into tensor<8x128xf32>
    }
  }
  return %r, %i : tensor<8x128xf32>, tensor<1x8x64x128xf32>
}

// -----

// A thread loop reading the first halves of two heads of a vector viewed as
// [1, 16, 1, 128] (RoPE's inputs in attention's loop): not contiguous in
// the vector, so the slice is taken of the expansion of the two heads
// whole (256 contiguous elements), and the elementwise op producing the
// vector (a sum of partial products) computes them in each iteration.
// CHECK-LABEL: func.func @slice_through_hull
// CHECK:         scf.forall (%[[H:.*]]) in (8)
// CHECK:           %[[START:.*]] = affine.apply #{{.*}}()[%{{.*}}]
// CHECK:           tensor.extract_slice %arg0[%[[START]]] [256] [1]
// CHECK:           %[[SUM:.*]] = scf.for
// CHECK:             arith.addf {{.*}} : vector<16xf32>
// CHECK:           %[[HULL:.*]] = tensor.expand_shape %[[SUM]] {{\[\[}}0, 1, 2, 3]] output_shape [1, 2, 1, 128]
// CHECK:           tensor.extract_slice %[[HULL]][0, 0, 0, 0] [1, 2, 1, 64]
func.func @slice_through_hull(%a: tensor<2048xf32>, %b: tensor<2048xf32>) -> tensor<8x2x64xf32> {
  %e = tensor.empty() : tensor<2048xf32>
  %sum = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>, affine_map<(i) -> (i)>],
                         iterator_types = ["parallel"]}
      ins(%a, %b : tensor<2048xf32>, tensor<2048xf32>) outs(%e : tensor<2048xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %s = arith.addf %x, %y : f32
    linalg.yield %s : f32
  } -> tensor<2048xf32>
  %heads = tensor.expand_shape %sum [[0, 1, 2, 3]] output_shape [1, 16, 1, 128]
      : tensor<2048xf32> into tensor<1x16x1x128xf32>
  %c2 = arith.constant 2 : index
  %out = tensor.empty() : tensor<8x2x64xf32>
  %r = scf.forall (%h) in (8) shared_outs(%o = %out) -> (tensor<8x2x64xf32>) {
    %g = arith.muli %h, %c2 : index
    %lo = tensor.extract_slice %heads[0, %g, 0, 0] [1, 2, 1, 64] [1, 1, 1, 1]
        : tensor<1x16x1x128xf32> to tensor<2x64xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %lo into %o[%h, 0, 0] [1, 2, 64] [1, 1, 1]
          : tensor<2x64xf32> into tensor<8x2x64xf32>
    }
  }
  return %r : tensor<8x2x64xf32>
}

// -----

// A residual sum x = u + v read by the norm before a matrix-vector product
// and by another elementwise op (the layer's next residual sum): the
// product's threads compute x for the norm themselves (the whole row for
// the sum of squares, their block for the scaling), and the other op
// computes u + v + c in one loop: x has no kernel of its own.
// CHECK-LABEL: func.func @residual_recomputed
// CHECK:         scf.forall (%{{.*}}) in (4)
// CHECK:           scf.for
// CHECK:             arith.addf {{.*}} : vector<1x16xf32>
// CHECK:           scf.for
// CHECK:             arith.addf {{.*}} : vector<1x16xf32>
// CHECK:           vector.contract
// CHECK:         scf.forall.in_parallel
// CHECK:         scf.for
// CHECK-COUNT-3:   arith.addf {{.*}} : vector<1x16xf32>
// CHECK:         %[[Y:.*]] = scf.for
// CHECK-COUNT-2:   arith.addf {{.*}} : vector<1x16xf32>
// CHECK-NOT:     arith.addf
// CHECK:         return %{{.*}}, %[[Y]]
#row = affine_map<(m, k) -> (m, k)>
#sum = affine_map<(m, k) -> (m)>
#a = affine_map<(m, n, k) -> (m, k)>
#b = affine_map<(m, n, k) -> (k, n)>
#c = affine_map<(m, n, k) -> (m, n)>
func.func @residual_recomputed(%u: tensor<1x512xf32>, %v: tensor<1x512xf32>, %c: tensor<1x512xf32>,
                               %w: tensor<512x4096xf32>) -> (tensor<1x4096xf32>, tensor<1x512xf32>) {
  %zero = arith.constant 0.0 : f32
  %x0 = tensor.empty() : tensor<1x512xf32>
  %x = linalg.generic {indexing_maps = [#row, #row, #row], iterator_types = ["parallel", "parallel"]}
      ins(%u, %v : tensor<1x512xf32>, tensor<1x512xf32>) outs(%x0 : tensor<1x512xf32>) {
  ^bb0(%p: f32, %q: f32, %o: f32):
    %s = arith.addf %p, %q : f32
    linalg.yield %s : f32
  } -> tensor<1x512xf32>
  %s0 = tensor.empty() : tensor<1xf32>
  %s1 = linalg.fill ins(%zero : f32) outs(%s0 : tensor<1xf32>) -> tensor<1xf32>
  %ss = linalg.generic {indexing_maps = [#row, #sum], iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<1x512xf32>) outs(%s1 : tensor<1xf32>) {
  ^bb0(%p: f32, %acc: f32):
    %q = arith.mulf %p, %p : f32
    %s = arith.addf %acc, %q : f32
    linalg.yield %s : f32
  } -> tensor<1xf32>
  %n0 = tensor.empty() : tensor<1x512xf32>
  %n = linalg.generic {indexing_maps = [#row, #sum, #row], iterator_types = ["parallel", "parallel"]}
      ins(%x, %ss : tensor<1x512xf32>, tensor<1xf32>) outs(%n0 : tensor<1x512xf32>) {
  ^bb0(%p: f32, %s: f32, %o: f32):
    %r = math.rsqrt %s : f32
    %y = arith.mulf %p, %r : f32
    linalg.yield %y : f32
  } -> tensor<1x512xf32>
  %e = tensor.empty() : tensor<1x4096xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x4096xf32>) -> tensor<1x4096xf32>
  %r = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%n, %w : tensor<1x512xf32>, tensor<512x4096xf32>) outs(%init : tensor<1x4096xf32>) {
  ^bb0(%p: f32, %q: f32, %acc: f32):
    %m = arith.mulf %p, %q : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  } -> tensor<1x4096xf32>
  %y0 = tensor.empty() : tensor<1x512xf32>
  %y = linalg.generic {indexing_maps = [#row, #row, #row], iterator_types = ["parallel", "parallel"]}
      ins(%x, %c : tensor<1x512xf32>, tensor<1x512xf32>) outs(%y0 : tensor<1x512xf32>) {
  ^bb0(%p: f32, %q: f32, %o: f32):
    %s = arith.addf %p, %q : f32
    linalg.yield %s : f32
  } -> tensor<1x512xf32>
  return %r, %y : tensor<1x4096xf32>, tensor<1x512xf32>
}

// -----

// A row reduction and its elementwise consumer (an RMS norm) in one loop
// over rows, the threads', with the reduction's fill inside too.
// CHECK-LABEL: func.func @norm_rows
// CHECK-NOT:     linalg.fill
// CHECK:         scf.forall (%[[ROW:.*]]) in (64)
// CHECK:           vector.transfer_write %{{.*}} : vector<1xf32>
// CHECK:           vector.multi_reduction <add>
// CHECK:           math.rsqrt
// CHECK:         scf.forall.in_parallel
// CHECK-NOT:     scf.forall
func.func @norm_rows(%x: tensor<64x1024xf32>) -> tensor<64x1024xf32> {
  %zero = arith.constant 0.0 : f32
  %e1 = tensor.empty() : tensor<64xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e1 : tensor<64xf32>) -> tensor<64xf32>
  %sq = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>],
                        iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<64x1024xf32>) outs(%init : tensor<64xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %m = arith.mulf %in, %in : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  } -> tensor<64xf32>
  %e2 = tensor.empty() : tensor<64x1024xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%x, %sq : tensor<64x1024xf32>, tensor<64xf32>) outs(%e2 : tensor<64x1024xf32>) {
  ^bb0(%in: f32, %s: f32, %out: f32):
    %r = math.rsqrt %s : f32
    %v = arith.mulf %in, %r : f32
    linalg.yield %v : f32
  } -> tensor<64x1024xf32>
  return %y : tensor<64x1024xf32>
}

// -----

// A matrix-vector product reading bf16 weights: each step of the streams
// of a block of rows is read as bf16 and widened in registers
// (vector.contract takes one element type).
// CHECK-LABEL: func.func @matvec_bf16
// CHECK:         scf.forall
// CHECK:           %[[B:.*]] = vector.transfer_read {{.*}} : tensor<8x64xbf16>, vector<8x64xbf16>
// CHECK:           %[[BF:.*]] = arith.extf %[[B]] : vector<8x64xbf16> to vector<8x64xf32>
// CHECK:           vector.contract {{.*}} %{{.*}}, %[[BF]], %{{.*}} : vector<8xf32>, vector<8x64xf32> into vector<64xf32>
func.func @matvec_bf16(%a: tensor<1x512xf32>, %b: tensor<512x4096xbf16>) -> tensor<1x4096xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x4096xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x4096xf32>) -> tensor<1x4096xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>],
                       iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : tensor<1x512xf32>, tensor<512x4096xbf16>) outs(%init : tensor<1x4096xf32>) {
  ^bb0(%x: f32, %y: bf16, %acc: f32):
    %yf = arith.extf %y : bf16 to f32
    %p = arith.mulf %x, %yf : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<1x4096xf32>
  return %r : tensor<1x4096xf32>
}

// -----

// A 3x3 convolution: im2col by 9 strided slices of the input (no
// floordiv/mod indexing), then filter[16, 72] x col[72, 64].
// CHECK-LABEL: func.func @conv
// CHECK-NOT:     floordiv
// CHECK-COUNT-9: tensor.extract_slice %arg0[0, 0, {{[0-2]}}, {{[0-2]}}] [1, 8, 8, 8] [1, 1, 1, 1]
// CHECK:         tensor.collapse_shape {{.*}} {{\[}}[0, 1, 2], [3, 4]] : tensor<8x3x3x8x8xf32> into tensor<72x64xf32>
// CHECK:         tensor.collapse_shape %arg1 {{\[}}[0], [1, 2, 3]] : tensor<16x8x3x3xf32> into tensor<16x72xf32>
// CHECK:         vector.contract
// CHECK-SAME:      vector<8x1xf32>, vector<1x32xf32> into vector<8x32xf32>
// CHECK:         tensor.expand_shape {{.*}} : tensor<16x64xf32> into tensor<1x16x8x8xf32>
func.func @conv(%in: tensor<1x8x10x10xf32>, %f: tensor<16x8x3x3xf32>) -> tensor<1x16x8x8xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x16x8x8xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x16x8x8xf32>) -> tensor<1x16x8x8xf32>
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%in, %f : tensor<1x8x10x10xf32>, tensor<16x8x3x3xf32>)
      outs(%init : tensor<1x16x8x8xf32>) -> tensor<1x16x8x8xf32>
  return %r : tensor<1x16x8x8xf32>
}

// -----

// A depthwise 3x3 convolution: one elementwise op over the output that adds
// 9 taps, each a strided slice of the input times a [C] slice of the filter,
// vectorized along the output row (8 wide here).
// CHECK-LABEL: func.func @depthwise
// CHECK-COUNT-9: tensor.extract_slice %arg0[0, 0, {{[0-4]}}, {{[0-4]}}] [1, 8, 4, 8] [1, 1, 2, 1]
// CHECK-COUNT-9:   arith.mulf {{.*}} : vector<1x1x8xf32>
// CHECK:         tensor.expand_shape {{.*}} : tensor<8x4x8xf32> into tensor<1x8x4x8xf32>
func.func @depthwise(%in: tensor<1x8x12x12xf32>, %f: tensor<8x3x3xf32>) -> tensor<1x8x4x8xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x8x4x8xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x8x4x8xf32>) -> tensor<1x8x4x8xf32>
  %r = linalg.depthwise_conv_2d_nchw_chw {dilations = dense<[2, 1]> : tensor<2xi64>, strides = dense<[2, 1]> : tensor<2xi64>}
      ins(%in, %f : tensor<1x8x12x12xf32>, tensor<8x3x3xf32>)
      outs(%init : tensor<1x8x4x8xf32>) -> tensor<1x8x4x8xf32>
  return %r : tensor<1x8x4x8xf32>
}
