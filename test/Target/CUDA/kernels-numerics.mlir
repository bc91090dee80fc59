// RUN: mlc-opt %s -mlir-print-op-generic -o %t.ref.mlir
// RUN: mlc-opt %s -mlc-cuda-map-to-gpu -canonicalize -cse -mlir-print-op-generic -o %t.gpu.mlir
// RUN: %python %mlc_src_root/utils/simt_emulator.py compare %t.ref.mlir %t.gpu.mlir | FileCheck %s

// Every kernel kind of mlc-cuda-map-to-gpu run by utils/simt_emulator.py
// (threads of a block in lockstep, warps of 32 for shuffles, barriers as
// epochs of shared memory) and compared with the generics it replaces run
// as loop nests, on seeded random buffers. The emulator also fails on
// out-of-bounds indices, misaligned vector accesses, races, divergent
// barriers or shuffles and unwritten results. Sizes are odd on purpose:
// tile and vector edges.

#id1 = affine_map<(d0) -> (d0)>
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#tr2 = affine_map<(d0, d1) -> (d1, d0)>
#row2 = affine_map<(d0, d1) -> (d0)>
#col2 = affine_map<(d0, d1) -> (d1)>
#scalar2 = affine_map<(d0, d1) -> ()>
#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>

// CHECK-DAG: OK elementwise_row_broadcast
func.func @elementwise_row_broadcast(%x: memref<6x64xf32>, %s: memref<6xf32>, %y: memref<6x64xf32>) {
  linalg.generic {indexing_maps = [#id2, #row2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%x, %s : memref<6x64xf32>, memref<6xf32>) outs(%y : memref<6x64xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %e = math.exp %a : f32
    %r = arith.mulf %e, %b : f32
    linalg.yield %r : f32
  }
  return
}

// CHECK-DAG: OK elementwise_f16_to_f32
func.func @elementwise_f16_to_f32(%x: memref<3x40xf16>, %y: memref<3x40xf32>) {
  linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<3x40xf16>) outs(%y : memref<3x40xf32>) {
  ^bb0(%a: f16, %out: f32):
    %r = arith.extf %a : f16 to f32
    linalg.yield %r : f32
  }
  return
}

// A transpose and rows of 7: one element per thread.
// CHECK-DAG: OK elementwise_transpose
func.func @elementwise_transpose(%x: memref<5x7xf32>, %y: memref<7x5xf32>) {
  linalg.generic {indexing_maps = [#tr2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<5x7xf32>) outs(%y : memref<7x5xf32>) {
  ^bb0(%a: f32, %out: f32):
    %r = arith.negf %a : f32
    linalg.yield %r : f32
  }
  return
}

// In place on a strided view (the second half of each row): 4 lanes, the
// view's offset and row stride being multiples of 4.
// CHECK-DAG: OK elementwise_strided_view
func.func @elementwise_strided_view(%x: memref<3x32xf32>) {
  %v = memref.subview %x[0, 16] [3, 16] [1, 1] : memref<3x32xf32> to memref<3x16xf32, strided<[32, 1], offset: 16>>
  linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%v : memref<3x16xf32, strided<[32, 1], offset: 16>>) outs(%v : memref<3x16xf32, strided<[32, 1], offset: 16>>) {
  ^bb0(%a: f32, %out: f32):
    %two = arith.constant 2.0 : f32
    %r = arith.mulf %a, %two : f32
    linalg.yield %r : f32
  }
  return
}

// An offset of 2 elements: not 16-byte aligned, so scalars.
// CHECK-DAG: OK elementwise_unaligned_view
func.func @elementwise_unaligned_view(%x: memref<2x18xf32>, %y: memref<2x16xf32>) {
  %v = memref.subview %x[0, 2] [2, 16] [1, 1] : memref<2x18xf32> to memref<2x16xf32, strided<[18, 1], offset: 2>>
  linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%v : memref<2x16xf32, strided<[18, 1], offset: 2>>) outs(%y : memref<2x16xf32>) {
  ^bb0(%a: f32, %out: f32):
    linalg.yield %a : f32
  }
  return
}

// CHECK-DAG: OK row_sum_with_fill
func.func @row_sum_with_fill(%x: memref<5x300xf32>, %y: memref<5xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.generic {indexing_maps = [affine_map<(d0) -> ()>, #id1], iterator_types = ["parallel"]}
      ins(%zero : f32) outs(%y : memref<5xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  linalg.generic {indexing_maps = [#id2, #row2], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<5x300xf32>) outs(%y : memref<5xf32>) {
  ^bb0(%a: f32, %out: f32):
    %sq = arith.mulf %a, %a : f32
    %r = arith.addf %out, %sq : f32
    linalg.yield %r : f32
  }
  return
}

// A row of 40: one block of 64 threads (two warps, one of them partly idle).
// CHECK-DAG: OK row_max_short
func.func @row_max_short(%x: memref<3x40xf32>, %y: memref<3xf32>) {
  linalg.generic {indexing_maps = [#id2, #row2], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<3x40xf32>) outs(%y : memref<3xf32>) {
  ^bb0(%a: f32, %out: f32):
    %r = arith.maximumf %a, %out : f32
    linalg.yield %r : f32
  }
  return
}

// A sum over the outer dimension: the general kernel, one thread per column.
// CHECK-DAG: OK column_sum
func.func @column_sum(%x: memref<9x33xf32>, %y: memref<33xf32>) {
  linalg.generic {indexing_maps = [#id2, #col2], iterator_types = ["reduction", "parallel"]}
      ins(%x : memref<9x33xf32>) outs(%y : memref<33xf32>) {
  ^bb0(%a: f32, %out: f32):
    %r = arith.addf %a, %out : f32
    linalg.yield %r : f32
  }
  return
}

// Rows of 5 (shorter than a warp): one thread per row; f16 and i64
// accumulators.
// CHECK-DAG: OK short_rows_f16
func.func @short_rows_f16(%x: memref<7x5xf16>, %y: memref<7xf16>) {
  linalg.generic {indexing_maps = [#id2, #row2], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<7x5xf16>) outs(%y : memref<7xf16>) {
  ^bb0(%a: f16, %out: f16):
    %r = arith.addf %a, %out : f16
    linalg.yield %r : f16
  }
  return
}

// CHECK-DAG: OK row_sum_i64
func.func @row_sum_i64(%x: memref<4x100xi64>, %y: memref<4xi64>) {
  linalg.generic {indexing_maps = [#id2, #row2], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<4x100xi64>) outs(%y : memref<4xi64>) {
  ^bb0(%a: i64, %out: i64):
    %r = arith.addi %a, %out : i64
    linalg.yield %r : i64
  }
  return
}

// Argmax: two outputs, a payload that reads both accumulators, linalg.index.
// CHECK-DAG: OK argmax
func.func @argmax(%x: memref<6x50xf32>, %v: memref<6xf32>, %i: memref<6xi64>) {
  linalg.generic {indexing_maps = [#id2, #row2, #row2], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<6x50xf32>) outs(%v, %i : memref<6xf32>, memref<6xi64>) {
  ^bb0(%a: f32, %best: f32, %at: i64):
    %k = linalg.index 1 : index
    %ki = arith.index_cast %k : index to i64
    %gt = arith.cmpf ogt, %a, %best : f32
    %nv = arith.select %gt, %a, %best : f32
    %ni = arith.select %gt, %ki, %at : i64
    linalg.yield %nv, %ni : f32, i64
  }
  return
}

// NCHW convolution, stride 2, dilation 2, bias as the initial value.
// CHECK-DAG: OK conv_strided_dilated
func.func @conv_strided_dilated(%x: memref<1x3x13x11xf32>, %w: memref<5x3x3x3xf32>, %y: memref<1x5x4x3xf32>) {
  linalg.generic {indexing_maps = [
        affine_map<(n, f, h, w, c, kh, kw) -> (n, c, h * 2 + kh * 2, w * 2 + kw * 2)>,
        affine_map<(n, f, h, w, c, kh, kw) -> (f, c, kh, kw)>,
        affine_map<(n, f, h, w, c, kh, kw) -> (n, f, h, w)>],
      iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
      ins(%x, %w : memref<1x3x13x11xf32>, memref<5x3x3x3xf32>) outs(%y : memref<1x5x4x3xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %out, %m : f32
    linalg.yield %r : f32
  }
  return
}

// Depthwise NCHW convolution with the output channel in loop order
// (n, h, w, c): threads follow the output's layout.
// CHECK-DAG: OK conv_depthwise
func.func @conv_depthwise(%x: memref<1x4x9x9xf32>, %w: memref<4x3x3xf32>, %y: memref<1x4x7x7xf32>) {
  linalg.generic {indexing_maps = [
        affine_map<(n, h, w, c, kh, kw) -> (n, c, h + kh, w + kw)>,
        affine_map<(n, h, w, c, kh, kw) -> (c, kh, kw)>,
        affine_map<(n, h, w, c, kh, kw) -> (n, c, h, w)>],
      iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]}
      ins(%x, %w : memref<1x4x9x9xf32>, memref<4x3x3xf32>) outs(%y : memref<1x4x7x7xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %out, %m : f32
    linalg.yield %r : f32
  }
  return
}

// 3x3 max pooling, stride 2, the window as a reduction without an input.
// CHECK-DAG: OK max_pool
func.func @max_pool(%x: memref<1x2x11x11xf32>, %k: memref<3x3xf32>, %y: memref<1x2x5x5xf32>) {
  linalg.generic {indexing_maps = [
        affine_map<(n, c, h, w, kh, kw) -> (n, c, h * 2 + kh, w * 2 + kw)>,
        affine_map<(n, c, h, w, kh, kw) -> (kh, kw)>,
        affine_map<(n, c, h, w, kh, kw) -> (n, c, h, w)>],
      iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]}
      ins(%x, %k : memref<1x2x11x11xf32>, memref<3x3xf32>) outs(%y : memref<1x2x5x5xf32>) {
  ^bb0(%a: f32, %unused: f32, %out: f32):
    %r = arith.maximumf %out, %a : f32
    linalg.yield %r : f32
  }
  return
}

// All loops parallel with a strided map: the general kernel.
// CHECK-DAG: OK strided_slice
func.func @strided_slice(%x: memref<20x9xf32>, %y: memref<7x9xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0 * 3 + 1, d1)>, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<20x9xf32>) outs(%y : memref<7x9xf32>) {
  ^bb0(%a: f32, %out: f32):
    linalg.yield %a : f32
  }
  return
}

// A copy into a strided slice of a cache (the new row of each head), and
// a rank-0 copy.
// CHECK-DAG: OK copy_into_cache
func.func @copy_into_cache(%row: memref<1x2x1x32xf32>, %cache: memref<1x2x8x32xf32>, %s: memref<f32>, %t: memref<f32>) {
  %slot = memref.subview %cache[0, 0, 5, 0] [1, 2, 1, 32] [1, 1, 1, 1] : memref<1x2x8x32xf32> to memref<1x2x1x32xf32, strided<[512, 256, 32, 1], offset: 160>>
  memref.copy %row, %slot : memref<1x2x1x32xf32> to memref<1x2x1x32xf32, strided<[512, 256, 32, 1], offset: 160>>
  memref.copy %s, %t : memref<f32> to memref<f32>
  return
}

// A copy into the cache row at a position that the kernel reads from
// device memory (clamped into the cache, as mlc.update_slice does).
// CHECK-DAG: OK copy_at_device_position
func.func @copy_at_device_position(%row: memref<1x2x1x32xf32>, %cache: memref<1x2x8x32xf32>, %pos: memref<i64>) {
  %p = memref.load %pos[] : memref<i64>
  %i = arith.index_cast %p : i64 to index
  %c0 = arith.constant 0 : index
  %c7 = arith.constant 7 : index
  %lo = arith.maxsi %i, %c0 : index
  %at = arith.minsi %lo, %c7 : index
  %slot = memref.subview %cache[0, 0, %at, 0] [1, 2, 1, 32] [1, 1, 1, 1] : memref<1x2x8x32xf32> to memref<1x2x1x32xf32, strided<[512, 256, 32, 1], offset: ?>>
  memref.copy %row, %slot : memref<1x2x1x32xf32> to memref<1x2x1x32xf32, strided<[512, 256, 32, 1], offset: ?>>
  return
}

// Constant globals read by kernels (element by element without an
// alignment of their own, in 128-bit vectors with one), and one returned.
memref.global "private" constant @table : memref<4xf32> = dense<[1.0, 2.0, 3.0, 4.0]>
memref.global "private" constant @aligned : memref<8xf32> = dense<[1.0, -2.0, 3.0, -4.0, 5.0, -6.0, 7.0, -8.0]> {alignment = 64 : i64}
// CHECK-DAG: OK global_read_aligned
func.func @global_read_aligned(%x: memref<3x8xf32>, %y: memref<3x8xf32>) {
  %g = memref.get_global @aligned : memref<8xf32>
  linalg.generic {indexing_maps = [#id2, #col2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%x, %g : memref<3x8xf32>, memref<8xf32>) outs(%y : memref<3x8xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %r = arith.mulf %a, %b : f32
    linalg.yield %r : f32
  }
  return
}

// CHECK-DAG: OK global_read
func.func @global_read(%x: memref<3x4xf32>, %y: memref<3x4xf32>) {
  %g = memref.get_global @table : memref<4xf32>
  linalg.generic {indexing_maps = [#id2, #col2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%x, %g : memref<3x4xf32>, memref<4xf32>) outs(%y : memref<3x4xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %r = arith.addf %a, %b : f32
    linalg.yield %r : f32
  }
  return
}

// CHECK-DAG: OK global_returned
func.func @global_returned(%x: memref<4xf32>) -> memref<4xf32> {
  %g = memref.get_global @table : memref<4xf32>
  return %g : memref<4xf32>
}

// Initial values from a copy (a residual): the matvec's kernel reads `res`
// where the output's contents would be, and the copy is no kernel of its
// own. Then a zeroed buffer that bufferization fills once, copies for one
// reduction and reuses for another: the fill moves to the second, the copy
// becomes a fill for the first, and both fold into their kernels.

// CHECK-DAG: OK residual_matvec
func.func @residual_matvec(%x: memref<1x96xf32>, %w: memref<96x40xbf16>, %res: memref<1x40xf32>, %y: memref<1x40xf32>) {
  memref.copy %res, %y : memref<1x40xf32> to memref<1x40xf32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<1x96xf32>, memref<96x40xbf16>) outs(%y : memref<1x40xf32>) {
  ^bb0(%a: f32, %b: bf16, %acc: f32):
    %e = arith.extf %b : bf16 to f32
    %m = arith.mulf %a, %e : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  }
  return
}

// CHECK-DAG: OK shared_zeros
func.func @shared_zeros(%x: memref<3x64xf32>, %z: memref<3x64xf32>, %sx: memref<3xf32>, %sz: memref<3xf32>) {
  %zero = arith.constant 0.0 : f32
  %a = memref.alloc() {alignment = 64 : i64} : memref<3xf32>
  %b = memref.alloc() {alignment = 64 : i64} : memref<3xf32>
  linalg.generic {indexing_maps = [affine_map<(d0) -> ()>, #id1], iterator_types = ["parallel"]}
      ins(%zero : f32) outs(%a : memref<3xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  memref.copy %a, %b : memref<3xf32> to memref<3xf32>
  linalg.generic {indexing_maps = [#id2, #row2], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<3x64xf32>) outs(%b : memref<3xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %sq = arith.mulf %v, %v : f32
    %s = arith.addf %acc, %sq : f32
    linalg.yield %s : f32
  }
  memref.copy %b, %sx : memref<3xf32> to memref<3xf32>
  linalg.generic {indexing_maps = [#id2, #row2], iterator_types = ["parallel", "reduction"]}
      ins(%z : memref<3x64xf32>) outs(%a : memref<3xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %s = arith.addf %acc, %v : f32
    linalg.yield %s : f32
  }
  memref.copy %a, %sz : memref<3xf32> to memref<3xf32>
  memref.dealloc %a : memref<3xf32>
  memref.dealloc %b : memref<3xf32>
  return
}

// A row reduction and the elementwise generic after it that reads its
// result per row (an RMSNorm): one kernel, the row's sum passed to every
// thread through shared memory. Rows of 32 (one warp), of 1000 (not a
// multiple of the block) and a 5-d epilogue over a row split in two halves
// (a per-head norm and the rotary embedding after it).

// CHECK-DAG: OK rms_norm_short
func.func @rms_norm_short(%x: memref<5x32xf32>, %g: memref<32xf32>, %y: memref<5x32xf32>) {
  %zero = arith.constant 0.0 : f32
  %n = arith.constant 32.0 : f32
  %s = memref.alloc() {alignment = 64 : i64} : memref<5xf32>
  linalg.generic {indexing_maps = [affine_map<(d0) -> ()>, #id1], iterator_types = ["parallel"]}
      ins(%zero : f32) outs(%s : memref<5xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  linalg.generic {indexing_maps = [#id2, #row2], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<5x32xf32>) outs(%s : memref<5xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %sq = arith.mulf %v, %v : f32
    %r = arith.addf %acc, %sq : f32
    linalg.yield %r : f32
  }
  linalg.generic {indexing_maps = [#id2, #row2, #col2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%x, %s, %g : memref<5x32xf32>, memref<5xf32>, memref<32xf32>) outs(%y : memref<5x32xf32>) {
  ^bb0(%v: f32, %sum: f32, %w: f32, %out: f32):
    %mean = arith.divf %sum, %n : f32
    %inv = math.rsqrt %mean : f32
    %a = arith.mulf %v, %inv : f32
    %r = arith.mulf %a, %w : f32
    linalg.yield %r : f32
  }
  memref.dealloc %s : memref<5xf32>
  return
}

// CHECK-DAG: OK rms_norm_long
func.func @rms_norm_long(%x: memref<3x1000xf32>, %y: memref<3x1000xf32>, %s: memref<3xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.generic {indexing_maps = [affine_map<(d0) -> ()>, #id1], iterator_types = ["parallel"]}
      ins(%zero : f32) outs(%s : memref<3xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  linalg.generic {indexing_maps = [#id2, #row2], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<3x1000xf32>) outs(%s : memref<3xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %sq = arith.mulf %v, %v : f32
    %r = arith.addf %acc, %sq : f32
    linalg.yield %r : f32
  }
  linalg.generic {indexing_maps = [#id2, #row2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%x, %s : memref<3x1000xf32>, memref<3xf32>) outs(%y : memref<3x1000xf32>) {
  ^bb0(%v: f32, %sum: f32, %out: f32):
    %r = arith.divf %v, %sum : f32
    linalg.yield %r : f32
  }
  return
}

// CHECK-DAG: OK head_norm_rope
func.func @head_norm_rope(%q: memref<1x4x3x32xf32>, %cos: memref<16xf32>, %y: memref<1x4x3x2x16xf32>) {
  %zero = arith.constant 0.0 : f32
  %s = memref.alloc() {alignment = 64 : i64} : memref<1x4x3xf32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> ()>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%zero : f32) outs(%s : memref<1x4x3xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  linalg.generic {indexing_maps = [#id4, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%q : memref<1x4x3x32xf32>) outs(%s : memref<1x4x3xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %sq = arith.mulf %v, %v : f32
    %r = arith.addf %acc, %sq : f32
    linalg.yield %r : f32
  }
  %lo = memref.subview %q[0, 0, 0, 0] [1, 4, 3, 16] [1, 1, 1, 1] : memref<1x4x3x32xf32> to memref<1x4x3x16xf32, strided<[384, 96, 32, 1]>>
  %hi = memref.subview %q[0, 0, 0, 16] [1, 4, 3, 16] [1, 1, 1, 1] : memref<1x4x3x32xf32> to memref<1x4x3x16xf32, strided<[384, 96, 32, 1], offset: 16>>
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>, affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>, affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2)>, affine_map<(d0, d1, d2, d3, d4) -> (d4)>, affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3, d4)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]}
      ins(%lo, %hi, %s, %cos : memref<1x4x3x16xf32, strided<[384, 96, 32, 1]>>, memref<1x4x3x16xf32, strided<[384, 96, 32, 1], offset: 16>>, memref<1x4x3xf32>, memref<16xf32>) outs(%y : memref<1x4x3x2x16xf32>) {
  ^bb0(%a: f32, %b: f32, %sum: f32, %c: f32, %out: f32):
    %half = linalg.index 3 : index
    %c0 = arith.constant 0 : index
    %first = arith.cmpi eq, %half, %c0 : index
    %v = arith.select %first, %a, %b : f32
    %n = math.rsqrt %sum : f32
    %vn = arith.mulf %v, %n : f32
    %r = arith.mulf %vn, %c : f32
    linalg.yield %r : f32
  }
  memref.dealloc %s : memref<1x4x3xf32>
  return
}

// A new key written by its kernel straight into the cache at a position
// in device memory (the copy after it gone).

// CHECK-DAG: OK key_into_cache
func.func @key_into_cache(%x: memref<1x2x1x2x16xf32>, %cache: memref<1x2x8x32xf32>, %pos: memref<i64>) {
  %c0 = arith.constant 0 : index
  %c7 = arith.constant 7 : index
  %a = memref.alloc() {alignment = 64 : i64} : memref<1x2x1x2x16xf32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3, d4)>, affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3, d4)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]}
      ins(%x : memref<1x2x1x2x16xf32>) outs(%a : memref<1x2x1x2x16xf32>) {
  ^bb0(%v: f32, %out: f32):
    %e = math.exp %v : f32
    linalg.yield %e : f32
  }
  %flat = memref.collapse_shape %a [[0], [1], [2], [3, 4]] : memref<1x2x1x2x16xf32> into memref<1x2x1x32xf32>
  %p = memref.load %pos[] : memref<i64>
  %i = arith.index_cast %p : i64 to index
  %lo = arith.maxsi %i, %c0 : index
  %at = arith.minsi %lo, %c7 : index
  %slot = memref.subview %cache[0, 0, %at, 0] [1, 2, 1, 32] [1, 1, 1, 1] : memref<1x2x8x32xf32> to memref<1x2x1x32xf32, strided<[512, 256, 32, 1], offset: ?>>
  memref.copy %flat, %slot : memref<1x2x1x32xf32> to memref<1x2x1x32xf32, strided<[512, 256, 32, 1], offset: ?>>
  memref.dealloc %a : memref<1x2x1x2x16xf32>
  return
}
