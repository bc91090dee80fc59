// RUN: mlc-opt %s -mlir-print-op-generic -o %t.ref.mlir
// RUN: mlc-opt %s -mlc-cuda-map-to-gpu -canonicalize -cse -mlir-print-op-generic -o %t.gpu.mlir
// RUN: %python %mlc_src_root/utils/simt_emulator.py compare %t.ref.mlir %t.gpu.mlir | FileCheck %s
// RUN: %python %mlc_src_root/utils/simt_emulator.py compare %t.ref.mlir %t.gpu.mlir --gemm library | FileCheck %s
// RUN: mlc-opt %s -mlc-cuda-map-to-gpu | FileCheck %s --check-prefix=KIND

// The GEMV and matmul kernels run by utils/simt_emulator.py and compared
// with the contractions they replace (see kernels-numerics.mlir). Sizes are
// odd on purpose: K tails, partial column groups, partial 64x64 tiles.
// KIND lines check that each case takes the kernel it is meant for.

#mk = affine_map<(d0, d1, d2) -> (d0, d2)>
#nk = affine_map<(d0, d1, d2) -> (d1, d2)>
#kn = affine_map<(d0, d1, d2) -> (d2, d1)>
#km = affine_map<(d0, d1, d2) -> (d2, d0)>
#mn = affine_map<(d0, d1, d2) -> (d0, d1)>

// Decode: one row, weights [n][k] (k contiguous), K = 512: 16 vectors of
// 4 per lane, four per iteration.
// CHECK-DAG: OK gemv_along_k_f32
// KIND-LABEL: func @gemv_along_k_f32
// KIND: vector.load %{{.*}} {alignment = 16 : i64} : memref<40x512xf32>, vector<4xf32>
// KIND: gpu.shuffle xor
func.func @gemv_along_k_f32(%x: memref<1x1x512xf32>, %w: memref<40x512xf32>, %y: memref<1x1x40xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> ()>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%zero : f32) outs(%y : memref<1x1x40xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>, affine_map<(d0, d1, d2, d3) -> (d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>],
                  iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<1x1x512xf32>, memref<40x512xf32>) outs(%y : memref<1x1x40xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %out, %m : f32
    linalg.yield %r : f32
  }
  return
}

// Three rows, bf16 weights (8 per 128-bit load), K = 264 (33 vectors: lanes
// take 2 or 1), accumulating onto the output's contents (a residual).
// CHECK-DAG: OK gemv_along_k_bf16
// KIND-LABEL: func @gemv_along_k_bf16
// KIND: vector.load %{{.*}} {alignment = 16 : i64} : memref<37x264xbf16>, vector<8xbf16>
// KIND: arith.extf %{{.*}} : vector<8xbf16> to vector<8xf32>
func.func @gemv_along_k_bf16(%x: memref<3x264xf32>, %w: memref<37x264xbf16>, %y: memref<3x37xf32>) {
  linalg.generic {indexing_maps = [#mk, #nk, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<3x264xf32>, memref<37x264xbf16>) outs(%y : memref<3x37xf32>) {
  ^bb0(%a: f32, %b: bf16, %out: f32):
    %be = arith.extf %b : bf16 to f32
    %m = arith.mulf %a, %be : f32
    %r = arith.addf %m, %out : f32
    linalg.yield %r : f32
  }
  return
}

// Four rows, f16 weights.
// CHECK-DAG: OK gemv_along_k_f16
// KIND-LABEL: func @gemv_along_k_f16
// KIND: vector<8xf16>
func.func @gemv_along_k_f16(%x: memref<4x64xf32>, %w: memref<9x64xf16>, %y: memref<4x9xf32>) {
  linalg.generic {indexing_maps = [#mk, #nk, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<4x64xf32>, memref<9x64xf16>) outs(%y : memref<4x9xf32>) {
  ^bb0(%a: f32, %b: f16, %out: f32):
    %be = arith.extf %b : f16 to f32
    %m = arith.mulf %be, %a : f32
    %r = arith.addf %out, %m : f32
    linalg.yield %r : f32
  }
  return
}

// K = 102 is not a whole number of 4-element vectors: scalar loads.
// CHECK-DAG: OK gemv_along_k_scalar
// KIND-LABEL: func @gemv_along_k_scalar
// KIND-NOT: vector.load
// KIND: gpu.shuffle xor
func.func @gemv_along_k_scalar(%x: memref<2x102xf32>, %w: memref<7x102xf32>, %y: memref<2x7xf32>) {
  linalg.generic {indexing_maps = [#mk, #nk, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<2x102xf32>, memref<7x102xf32>) outs(%y : memref<2x7xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %out, %m : f32
    linalg.yield %r : f32
  }
  return
}

// Weights [k][n] (n contiguous), N = 104 (26 groups of 4 columns, 4 blocks),
// two rows, a fill folded in.
// CHECK-DAG: OK gemv_along_n_f32
// KIND-LABEL: func @gemv_along_n_f32
// KIND: vector.load %{{.*}} {alignment = 16 : i64} : memref<256x104xf32>, vector<4xf32>
// KIND: gpu.barrier
func.func @gemv_along_n_f32(%x: memref<2x256xf32>, %w: memref<256x104xf32>, %y: memref<2x104xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> ()>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%zero : f32) outs(%y : memref<2x104xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<2x256xf32>, memref<256x104xf32>) outs(%y : memref<2x104xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %out, %m : f32
    linalg.yield %r : f32
  }
  return
}

// bf16 weights [k][n]: 8 columns per thread, N = 136 (17 groups).
// CHECK-DAG: OK gemv_along_n_bf16
// KIND-LABEL: func @gemv_along_n_bf16
// KIND: vector.load %{{.*}} {alignment = 16 : i64} : memref<70x136xbf16>, vector<8xbf16>
func.func @gemv_along_n_bf16(%x: memref<1x70xf32>, %w: memref<70x136xbf16>, %y: memref<1x136xf32>) {
  linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<1x70xf32>, memref<70x136xbf16>) outs(%y : memref<1x136xf32>) {
  ^bb0(%a: f32, %b: bf16, %out: f32):
    %be = arith.extf %b : bf16 to f32
    %m = arith.mulf %a, %be : f32
    %r = arith.addf %out, %m : f32
    linalg.yield %r : f32
  }
  return
}

// N = 37: one column per thread.
// CHECK-DAG: OK gemv_along_n_scalar
// KIND-LABEL: func @gemv_along_n_scalar
// KIND-NOT: vector.load
// KIND: gpu.barrier
func.func @gemv_along_n_scalar(%x: memref<4x50xf32>, %w: memref<50x37xf32>, %y: memref<4x37xf32>) {
  linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<4x50xf32>, memref<50x37xf32>) outs(%y : memref<4x37xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %out, %m : f32
    linalg.yield %r : f32
  }
  return
}

// Two n loops (heads x head_dim, as a projection writes them).
// CHECK-DAG: OK gemv_two_n_loops
// KIND-LABEL: func @gemv_two_n_loops
// KIND: vector.load %{{.*}} : memref<64x4x8xf32>, vector<4xf32>
func.func @gemv_two_n_loops(%x: memref<1x64xf32>, %w: memref<64x4x8xf32>, %y: memref<1x4x8xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d3)>, affine_map<(d0, d1, d2, d3) -> (d3, d1, d2)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>],
                  iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<1x64xf32>, memref<64x4x8xf32>) outs(%y : memref<1x4x8xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %out, %m : f32
    linalg.yield %r : f32
  }
  return
}

// Batched (attention scores of one query per head): batch 3, N = 5, K = 32
// read along k.
// CHECK-DAG: OK gemv_batched
// KIND-LABEL: func @gemv_batched
// KIND: gpu.shuffle xor
func.func @gemv_batched(%q: memref<3x1x32xf32>, %k: memref<3x5x32xf32>, %s: memref<3x1x5xf32>) {
  linalg.generic {indexing_maps = [affine_map<(b, m, n, k) -> (b, m, k)>, affine_map<(b, m, n, k) -> (b, n, k)>, affine_map<(b, m, n, k) -> (b, m, n)>],
                  iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%q, %k : memref<3x1x32xf32>, memref<3x5x32xf32>) outs(%s : memref<3x1x5xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %out, %m : f32
    linalg.yield %r : f32
  }
  return
}

// A dot product (no m, no n loop).
// CHECK-DAG: OK dot
func.func @dot(%x: memref<20xf32>, %w: memref<20xf32>, %y: memref<f32>) {
  linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>, affine_map<(d0) -> ()>], iterator_types = ["reduction"]}
      ins(%x, %w : memref<20xf32>, memref<20xf32>) outs(%y : memref<f32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %out, %m : f32
    linalg.yield %r : f32
  }
  return
}

// A matrix times a vector written the other way round (the matrix is the
// lhs): the rows are the columns of the GEMV.
// CHECK-DAG: OK matvec
func.func @matvec(%w: memref<45x96xf32>, %x: memref<96xf32>, %y: memref<45xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]}
      ins(%w, %x : memref<45x96xf32>, memref<96xf32>) outs(%y : memref<45xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %out, %m : f32
    linalg.yield %r : f32
  }
  return
}

// Prefill: M = 37, N = 45 (one partial tile), K = 29 (a partial slab),
// weights [k][n].
// CHECK-DAG: OK matmul_kn
// KIND-LABEL: func @matmul_kn
// Offered to cuBLASLt first: f32 x f32 -> f32, no transposes, M N K = 37
// 45 29, one batch; A (ld 29), B (ld 45), C = D (the output's contents,
// ld 45); the kernel only where the runtime declines.
// KIND: %[[Q:.*]] = call @mlc_cuda_gemm(%c2_i32, %c2_i32_0, %c2_i32_1, %c0_i32, %c37, %c45, %c29, %c1, %[[X:intptr[_0-9]*]], %c0, %c29_2, %c0_3, %intptr_4, %c0_5, %c45_6, %c0_7, %[[Y:intptr[_0-9]*]], %c0_9, %c45_10, %c0_11, %[[Y2:intptr[_0-9]*]], %c0_13, %c45_14, %c0_15)
// KIND: %[[NO:.*]] = arith.cmpi eq, %[[Q]], %c0_i32
// KIND: scf.if %[[NO]] {
// KIND: gpu.launch
// KIND: workgroup(%{{.*}} : memref<16x17xvector<4xf32>, #gpu.address_space<workgroup>>, %{{.*}} : memref<16x17xvector<4xf32>, #gpu.address_space<workgroup>>)
func.func @matmul_kn(%x: memref<37x29xf32>, %w: memref<29x45xf32>, %y: memref<37x45xf32>) {
  linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<37x29xf32>, memref<29x45xf32>) outs(%y : memref<37x45xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %out, %m : f32
    linalg.yield %r : f32
  }
  return
}

// Weights [n][k] in bf16, M = 70, N = 68 (2 x 2 tiles, three partial),
// K = 40; columns of 4 in vectors where n is contiguous (it is not here:
// k is), so staged along k.
// With cuBLASLt (--gemm library), the f32 rows are split into three bf16
// parts p0 + p1 + p2 = x (a kernel), then three bf16 GEMMs, p0 W^T + Y,
// p1 W^T + Y, p2 W^T + Y: the f32 GEMM up to the order of the sums.
// CHECK-DAG: OK matmul_nk_bf16
// KIND-LABEL: func @matmul_nk_bf16
// Both forms asked first (flags 6: query, B transposed; the part null),
// and M at least 32 (below, three GEMMs would read the weights three times).
// KIND: %[[Q1:.*]] = call @mlc_cuda_gemm(%c4_i32, %c4_i32_0, %c2_i32, %c6_i32, %c70, %c68, %c40, %c1, %c0, %c0_1, %c40_2, %c0_3,
// KIND: %[[Q2:.*]] = call @mlc_cuda_gemm(%c4_i32_15, %c4_i32_16, %c2_i32_17, %c6_i32_18, %c70, %c68, %c40, %c1, %c0_19,
// KIND: %[[BOTH:.*]] = arith.andi %{{.*}}, %{{.*}} : i1
// KIND: %[[ROWS:.*]] = arith.cmpi uge, %c70{{.*}}, %c32{{.*}} : index
// KIND: %[[USE:.*]] = arith.andi %[[BOTH]], %[[ROWS]] : i1
// KIND: scf.if %[[USE]] {
// KIND: %[[P0:.*]] = memref.alloc() : memref<70x40xbf16>
// KIND: %[[P1:.*]] = memref.alloc() : memref<70x40xbf16>
// KIND: %[[P2:.*]] = memref.alloc() : memref<70x40xbf16>
// KIND: gpu.launch
// KIND-COUNT-3: arith.truncf %{{.*}} : vector<4xf32> to vector<4xbf16>
// KIND: func.call @mlc_cuda_gemm(%c4_i32_{{[0-9]+}}, %c4_i32_{{[0-9]+}}, %c2_i32_{{[0-9]+}}, %c2_i32_{{[0-9]+}}, %c70, %c68, %c40, %c1, %intptr
// KIND-COUNT-2: func.call @mlc_cuda_gemm(
// KIND: memref.dealloc %[[P0]]
// KIND: } else {
// KIND: gpu.launch
func.func @matmul_nk_bf16(%x: memref<70x40xf32>, %w: memref<68x40xbf16>, %y: memref<70x68xf32>) {
  linalg.generic {indexing_maps = [#mk, #nk, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<70x40xf32>, memref<68x40xbf16>) outs(%y : memref<70x68xf32>) {
  ^bb0(%a: f32, %b: bf16, %out: f32):
    %be = arith.extf %b : bf16 to f32
    %m = arith.mulf %a, %be : f32
    %r = arith.addf %out, %m : f32
    linalg.yield %r : f32
  }
  return
}

// A transposed lhs [k][m] with m contiguous: rows staged as vectors.
// CHECK-DAG: OK matmul_transposed_lhs
// KIND-LABEL: func @matmul_transposed_lhs
// A transposed (flags 1): M = 72 rows contiguous, ld 72.
// KIND: call @mlc_cuda_gemm(%c2_i32, %c2_i32_0, %c2_i32_1, %c1_i32, %c72, %c20, %c33, %c1, %intptr, %c0, %c72_2, %c0_3,
// KIND: vector.load %{{.*}} : memref<33x72xf32>, vector<4xf32>
func.func @matmul_transposed_lhs(%x: memref<33x72xf32>, %w: memref<33x20xf32>, %y: memref<72x20xf32>) {
  linalg.generic {indexing_maps = [#km, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<33x72xf32>, memref<33x20xf32>) outs(%y : memref<72x20xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %out, %m : f32
    linalg.yield %r : f32
  }
  return
}

// Batched (attention over 2 heads), with a fill folded in.
// CHECK-DAG: OK matmul_batched
// KIND-LABEL: func @matmul_batched
// Two batches 340, 561 and 660 elements apart; no C (the fill of 0 folded
// in: a null pointer).
// KIND: call @mlc_cuda_gemm(%c2_i32, %c2_i32_0, %c2_i32_1, %c0_i32, %c20, %c33, %c17, %c2, %intptr, %c0, %c17_2, %c340, %intptr_3, %c0_4, %c33_5, %c561, %c0_6, %c0_6, %c0_6, %c0_6, %intptr_7, %c0_8, %c33_9, %c660)
// KIND: gpu.launch blocks({{.*}}) in ({{.*}} = %{{.*}}, {{.*}} = %{{.*}}, {{.*}} = %[[C2:.*]]) threads
func.func @matmul_batched(%q: memref<2x20x17xf32>, %k: memref<2x17x33xf32>, %s: memref<2x20x33xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> ()>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%zero : f32) outs(%s : memref<2x20x33xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  linalg.generic {indexing_maps = [affine_map<(b, m, n, k) -> (b, m, k)>, affine_map<(b, m, n, k) -> (b, k, n)>, affine_map<(b, m, n, k) -> (b, m, n)>],
                  iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%q, %k : memref<2x20x17xf32>, memref<2x17x33xf32>) outs(%s : memref<2x20x33xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %out, %m : f32
    linalg.yield %r : f32
  }
  return
}

// Three k loops (heads x head_dim into an output projection) and two m
// loops, as the decoder block's prefill has them.
// CHECK-DAG: OK matmul_several_k_loops
func.func @matmul_several_k_loops(%x: memref<1x9x2x3x8xf32>, %w: memref<2x3x8x12xf32>, %y: memref<1x9x12xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d3, d4, d5)>, affine_map<(d0, d1, d2, d3, d4, d5) -> (d3, d4, d5, d2)>, affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2)>],
                  iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
      ins(%x, %w : memref<1x9x2x3x8xf32>, memref<2x3x8x12xf32>) outs(%y : memref<1x9x12xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %out, %m : f32
    linalg.yield %r : f32
  }
  return
}

// A 1x1 convolution (NCHW): with its unit window loops at 0 it is a
// contraction (rows: the pixels, contiguous in the input; columns: the
// filters), so a matmul.
// CHECK-DAG: OK conv_1x1
// KIND-LABEL: func @conv_1x1
// KIND: workgroup(%{{.*}} : memref<16x17xvector<4xf32>
// KIND: vector.load %{{.*}} : memref<1x24x9x12xf32>, vector<4xf32>
func.func @conv_1x1(%x: memref<1x24x9x12xf32>, %w: memref<20x24x1x1xf32>, %y: memref<1x20x9x12xf32>) {
  linalg.generic {indexing_maps = [
        affine_map<(n, f, h, w, c, kh, kw) -> (n, c, h + kh, w + kw)>,
        affine_map<(n, f, h, w, c, kh, kw) -> (f, c, kh, kw)>,
        affine_map<(n, f, h, w, c, kh, kw) -> (n, f, h, w)>],
      iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
      ins(%x, %w : memref<1x24x9x12xf32>, memref<20x24x1x1xf32>) outs(%y : memref<1x20x9x12xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %out, %m : f32
    linalg.yield %r : f32
  }
  return
}

// Integers are not contractions for these kernels: the general kernel.
// CHECK-DAG: OK matmul_i32
// KIND-LABEL: func @matmul_i32
// KIND-NOT: workgroup
// KIND: scf.for
func.func @matmul_i32(%x: memref<6x7xi32>, %w: memref<7x5xi32>, %y: memref<6x5xi32>) {
  linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<6x7xi32>, memref<7x5xi32>) outs(%y : memref<6x5xi32>) {
  ^bb0(%a: i32, %b: i32, %out: i32):
    %m = arith.muli %a, %b : i32
    %r = arith.addi %out, %m : i32
    linalg.yield %r : i32
  }
  return
}

// A GEMV along k whose lhs an elementwise generic computes right before it
// from two views of one buffer (Qwen3's SiLU(gate) * up before the down
// projection), 2 rows: each block computes the lhs into shared memory,
// meets at a barrier, then reads it from there; one kernel for both
// generics, the lhs buffer gone.
// CHECK-DAG: OK gemv_along_k_prologue
// KIND-LABEL: func.func @gemv_along_k_prologue
// KIND-NOT:     memref.alloc
// KIND:         gpu.launch
// KIND-SAME:      workgroup(%[[LHS:.+]] : memref<1024xf32, #gpu.address_space<workgroup>>)
// KIND:           math.exp
// KIND:           memref.store {{.*}}, %[[LHS]]
// KIND:           gpu.barrier
// KIND:           vector.load %[[LHS]]
// KIND-NOT:     gpu.launch
func.func @gemv_along_k_prologue(%gu: memref<2x1024xf32>, %w: memref<24x512xbf16>, %y: memref<2x24xf32>) {
  %one = arith.constant 1.0 : f32
  %gate = memref.subview %gu[0, 0] [2, 512] [1, 1] : memref<2x1024xf32> to memref<2x512xf32, strided<[1024, 1]>>
  %up = memref.subview %gu[0, 512] [2, 512] [1, 1] : memref<2x1024xf32> to memref<2x512xf32, strided<[1024, 1], offset: 512>>
  %h = memref.alloc() {alignment = 64 : i64} : memref<2x512xf32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%gate, %up : memref<2x512xf32, strided<[1024, 1]>>, memref<2x512xf32, strided<[1024, 1], offset: 512>>) outs(%h : memref<2x512xf32>) {
  ^bb0(%g: f32, %u: f32, %out: f32):
    %n = arith.negf %g : f32
    %e = math.exp %n : f32
    %d = arith.addf %e, %one : f32
    %s = arith.divf %one, %d : f32
    %x = arith.mulf %g, %s : f32
    %r = arith.mulf %x, %u : f32
    linalg.yield %r : f32
  }
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%h, %w : memref<2x512xf32>, memref<24x512xbf16>) outs(%y : memref<2x24xf32>) {
  ^bb0(%a: f32, %b: bf16, %out: f32):
    %bf = arith.extf %b : bf16 to f32
    %m = arith.mulf %a, %bf : f32
    %r = arith.addf %out, %m : f32
    linalg.yield %r : f32
  }
  memref.dealloc %h : memref<2x512xf32>
  return
}

// An RMSNorm (a row reduction to one sum of squares, then the scaling)
// before a GEMV along k, as Qwen3's decode layers have them: each block
// computes the sum (threads, shuffles, the warps' values through shared
// memory) and the scaled row into shared memory itself, and its warps
// loop over their columns. One kernel for the three generics.
// CHECK-DAG: OK gemv_along_k_rmsnorm
// KIND-LABEL: func.func @gemv_along_k_rmsnorm
// KIND-NOT:     memref.alloc
// KIND:         gpu.launch
// KIND:           gpu.shuffle xor
// KIND:           gpu.barrier
// KIND:           math.rsqrt
// KIND:           gpu.barrier
// KIND:           scf.for
// KIND:             vector.load {{.*}} : memref<512xf32, #gpu.address_space<workgroup>>, vector<8xf32>
// KIND-NOT:     gpu.launch
func.func @gemv_along_k_rmsnorm(%x: memref<1x1x512xf32>, %g: memref<512xf32>, %w: memref<40x512xbf16>, %y: memref<1x1x40xf32>) {
  %zero = arith.constant 0.0 : f32
  %n = arith.constant 512.0 : f32
  %eps = arith.constant 1.0e-6 : f32
  %ss = memref.alloc() {alignment = 64 : i64} : memref<1x1xf32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> ()>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%zero : f32) outs(%ss : memref<1x1xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x : memref<1x1x512xf32>) outs(%ss : memref<1x1xf32>) {
  ^bb0(%in: f32, %out: f32):
    %sq = arith.mulf %in, %in : f32
    %s = arith.addf %out, %sq : f32
    linalg.yield %s : f32
  }
  %h = memref.alloc() {alignment = 64 : i64} : memref<1x1x512xf32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x, %ss, %g : memref<1x1x512xf32>, memref<1x1xf32>, memref<512xf32>) outs(%h : memref<1x1x512xf32>) {
  ^bb0(%in: f32, %sum: f32, %gain: f32, %out: f32):
    %mean = arith.divf %sum, %n : f32
    %e = arith.addf %mean, %eps : f32
    %r = math.rsqrt %e : f32
    %a = arith.mulf %in, %r : f32
    %b = arith.mulf %a, %gain : f32
    linalg.yield %b : f32
  }
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> ()>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%zero : f32) outs(%y : memref<1x1x40xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>, affine_map<(d0, d1, d2, d3) -> (d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>],
                  iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%h, %w : memref<1x1x512xf32>, memref<40x512xbf16>) outs(%y : memref<1x1x40xf32>) {
  ^bb0(%a: f32, %b: bf16, %out: f32):
    %bf = arith.extf %b : bf16 to f32
    %m = arith.mulf %a, %bf : f32
    %r = arith.addf %out, %m : f32
    linalg.yield %r : f32
  }
  memref.dealloc %ss : memref<1x1xf32>
  memref.dealloc %h : memref<1x1x512xf32>
  return
}
