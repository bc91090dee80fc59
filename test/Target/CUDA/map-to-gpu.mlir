// RUN: mlc-opt %s -split-input-file -mlc-cuda-map-to-gpu -verify-diagnostics | FileCheck %s

// Elementwise with a row broadcast: 4 lanes of f32 per thread (128 bits),
// 4x1024/4 = 1024 work items in 4 blocks of 256. The row operand is read
// once per work item and broadcast.

#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func @silu_scale
// CHECK-DAG: %[[C4:.*]] = arith.constant 4 : index
// CHECK-DAG: %[[C256:.*]] = arith.constant 256 : index
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %[[C4]], {{.*}}) threads({{.*}}) in ({{.*}} = %[[C256]],
// CHECK: scf.if
// CHECK: %[[X:.*]] = vector.load %{{.*}}[%{{.*}}, %{{.*}}] {alignment = 16 : i64} : memref<4x1024xf32>, vector<4xf32>
// CHECK: %[[S:.*]] = memref.load %{{.*}}[%{{.*}}] : memref<4xf32>
// CHECK: %[[SV:.*]] = vector.broadcast %[[S]] : f32 to vector<4xf32>
// CHECK: %[[E:.*]] = math.exp %{{.*}} : vector<4xf32>
// CHECK: %[[M:.*]] = arith.mulf %{{.*}}, %[[SV]] : vector<4xf32>
// CHECK: vector.store %[[M]], %{{.*}}[%{{.*}}, %{{.*}}] {alignment = 16 : i64} : memref<4x1024xf32>, vector<4xf32>
// CHECK-NOT: linalg.generic
func.func @silu_scale(%x: memref<4x1024xf32>, %s: memref<4xf32>, %y: memref<4x1024xf32>) {
  linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x, %s : memref<4x1024xf32>, memref<4xf32>) outs(%y : memref<4x1024xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %one = arith.constant 1.0 : f32
    %n = arith.negf %a : f32
    %e = math.exp %n : f32
    %d = arith.addf %e, %one : f32
    %sig = arith.divf %a, %d : f32
    %r = arith.mulf %sig, %b : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// f16: 8 lanes per 128-bit access.

#id = affine_map<(d0) -> (d0)>
// CHECK-LABEL: func @add_f16
// CHECK: vector.load %{{.*}} {alignment = 16 : i64} : memref<4096xf16>, vector<8xf16>
// CHECK: arith.addf %{{.*}} : vector<8xf16>
// CHECK: vector.store %{{.*}} {alignment = 16 : i64} : memref<4096xf16>, vector<8xf16>
func.func @add_f16(%x: memref<4096xf16>, %y: memref<4096xf16>) {
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%x : memref<4096xf16>) outs(%y : memref<4096xf16>) {
  ^bb0(%a: f16, %out: f16):
    %r = arith.addf %a, %out : f16
    linalg.yield %r : f16
  }
  return
}

// -----

// f16 to f32: 4 lanes (128 bits of f32), so the f16 loads are 8 bytes and
// claim only 8-byte alignment.

#id = affine_map<(d0) -> (d0)>
// CHECK-LABEL: func @extend
// CHECK: vector.load %{{.*}} {alignment = 8 : i64} : memref<4096xf16>, vector<4xf16>
// CHECK: arith.extf %{{.*}} : vector<4xf16> to vector<4xf32>
// CHECK: vector.store %{{.*}} {alignment = 16 : i64} : memref<4096xf32>, vector<4xf32>
func.func @extend(%x: memref<4096xf16>, %y: memref<4096xf32>) {
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%x : memref<4096xf16>) outs(%y : memref<4096xf32>) {
  ^bb0(%a: f16, %out: f32):
    %r = arith.extf %a : f16 to f32
    linalg.yield %r : f32
  }
  return
}

// -----

// A row of 6 f32 is not a whole number of 128-bit vectors: one element per
// thread.

#id = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func @odd_rows
// CHECK-NOT: vector.load
// CHECK: %[[A:.*]] = memref.load %{{.*}} : memref<3x6xf32>
// CHECK: %[[R:.*]] = arith.negf %[[A]] : f32
// CHECK: memref.store %[[R]], %{{.*}} : memref<3x6xf32>
func.func @odd_rows(%x: memref<3x6xf32>, %y: memref<3x6xf32>) {
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<3x6xf32>) outs(%y : memref<3x6xf32>) {
  ^bb0(%a: f32, %out: f32):
    %r = arith.negf %a : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// A sum over rows: one block per row, a strided loop per thread, xor
// shuffles within warps, one barrier around a workgroup buffer of one
// value per warp, and the first thread adds the initial value.

#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func @row_sum_of_squares
// CHECK: %[[C8:.*]] = arith.constant 8 : index
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %[[C8]], {{.*}}) threads({{.*}}) in ({{.*}}) workgroup(%[[SHARED:.*]] : memref<8xf32, #gpu.address_space<workgroup>>)
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[SUM:.*]] = scf.for {{.*}} iter_args(%[[ACC:.*]] = %[[ZERO]]) -> (f32)
// CHECK:   %[[X:.*]] = memref.load %{{.*}} : memref<8x1000xf32>
// CHECK:   %[[SQ:.*]] = arith.mulf %[[X]], %[[X]] : f32
// CHECK:   %[[NEXT:.*]] = arith.addf %[[ACC]], %[[SQ]] : f32
// CHECK:   scf.yield %[[NEXT]] : f32
// CHECK: gpu.shuffle xor %{{.*}}, %{{.*}}, %{{.*}} : f32
// CHECK-COUNT-4: gpu.shuffle xor
// CHECK: memref.store %{{.*}}, %[[SHARED]]
// CHECK: gpu.barrier
// CHECK: memref.load %[[SHARED]]
// CHECK-COUNT-5: gpu.shuffle xor
// CHECK: %[[INIT:.*]] = memref.load %{{.*}} : memref<8xf32>
// CHECK: %[[TOTAL:.*]] = arith.addf %{{.*}}, %[[INIT]] : f32
// CHECK: memref.store %[[TOTAL]], %{{.*}} : memref<8xf32>
// CHECK-NOT: gpu.barrier
func.func @row_sum_of_squares(%x: memref<8x1000xf32>, %y: memref<8xf32>) {
  linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<8x1000xf32>) outs(%y : memref<8xf32>) {
  ^bb0(%a: f32, %out: f32):
    %sq = arith.mulf %a, %a : f32
    %r = arith.addf %sq, %out : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// A row maximum: the neutral element of maximumf starts each thread.

#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func @row_max
// CHECK: %[[NEG_INF:.*]] = arith.constant 0xFF800000 : f32
// CHECK: scf.for {{.*}} iter_args(%{{.*}} = %[[NEG_INF]])
// CHECK: arith.maximumf
func.func @row_max(%x: memref<2x512xf32>, %y: memref<2xf32>) {
  linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<2x512xf32>) outs(%y : memref<2xf32>) {
  ^bb0(%a: f32, %out: f32):
    %r = arith.maximumf %a, %out : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// A fill of the output right before a reduction: one kernel, which starts
// from the filled value instead of reading it back.

#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
#scalar = affine_map<(d0) -> ()>
#vec = affine_map<(d0) -> (d0)>
// CHECK-LABEL: func @fill_then_max
// CHECK-SAME: %[[X:.*]]: memref<2x512xf32>, %[[Y:.*]]: memref<2xf32>
// CHECK: %[[INIT:.*]] = arith.constant -3.000000e+38 : f32
// CHECK: gpu.launch
// CHECK-NOT: memref.load %[[Y]][
// CHECK: %[[MAX:.*]] = arith.maximumf %{{.*}}, %[[INIT]] : f32
// CHECK-NEXT: memref.store %[[MAX]], %[[Y]]
// CHECK: gpu.terminator
// CHECK-NOT: gpu.launch
func.func @fill_then_max(%x: memref<2x512xf32>, %y: memref<2xf32>) {
  %init = arith.constant -3.0e+38 : f32
  linalg.generic {indexing_maps = [#scalar, #vec], iterator_types = ["parallel"]}
      ins(%init : f32) outs(%y : memref<2xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<2x512xf32>) outs(%y : memref<2xf32>) {
  ^bb0(%a: f32, %out: f32):
    %r = arith.maximumf %a, %out : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// Dynamic sizes: host code computes the grid from the buffers' sizes and
// launches only a grid that is not empty; the kernel bounds its threads by
// the size it takes as an argument. A copy of dynamic shape is such a
// kernel too. Dynamic strides of a buffer of identity layout are multiples
// of its static innermost size: 4 floats per thread.

#id = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func @dynamic
// CHECK-SAME: %[[X:.*]]: memref<?x8xf32>, %[[Y:.*]]: memref<?x8xf32>, %[[Z:.*]]: memref<?xf32>, %[[W:.*]]: memref<?xf32>
// CHECK: %[[ROWS:.*]] = memref.dim %[[X]], %c0
// CHECK: %[[COUNT:.*]] = arith.muli %[[ROWS]], %c2
// CHECK: %[[GRID:.*]] = arith.ceildivui %[[COUNT]], %c256
// CHECK: %[[NONEMPTY:.*]] = arith.cmpi ne, %[[GRID]], %c0
// CHECK: scf.if %[[NONEMPTY]] {
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %[[GRID]],
// CHECK: arith.cmpi ult, %{{.*}}, %[[COUNT]]
// CHECK: vector.load %[[X]]{{.*}} {alignment = 16 : i64} : memref<?x8xf32>, vector<4xf32>
// CHECK: vector.store {{.*}}, %[[Y]]
// CHECK: %[[N:.*]] = memref.dim %[[Z]], %{{.*}}
// CHECK: arith.ceildivui %[[N]], %c256
// CHECK: gpu.launch
// CHECK: memref.load %[[Z]]
// CHECK: memref.store {{.*}}, %[[W]]
func.func @dynamic(%x: memref<?x8xf32>, %y: memref<?x8xf32>, %z: memref<?xf32>, %w: memref<?xf32>) {
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<?x8xf32>) outs(%y : memref<?x8xf32>) {
  ^bb0(%a: f32, %out: f32):
    %e = math.exp %a : f32
    linalg.yield %e : f32
  }
  memref.copy %z, %w : memref<?xf32> to memref<?xf32>
  return
}

// -----

func.func @named(%x: memref<4xf32>) {
  %zero = arith.constant 0.0 : f32
  // expected-error @+1 {{is not mapped to the GPU: only linalg.generic on buffers is}}
  linalg.fill ins(%zero : f32) outs(%x : memref<4xf32>)
  return
}

// -----

// A copy into a reduction's output right before it is folded into the
// kernel, which reads its initial values from the copy's source; a copy from
// a view of the output itself is not (the kernel would read what it
// writes).

#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func @copy_folded
// CHECK-SAME: %[[X:.*]]: memref<2x64xf32>, %[[R:.*]]: memref<2xf32>, %[[Y:.*]]: memref<2xf32>
// CHECK: gpu.launch
// CHECK: %[[INIT:.*]] = memref.load %[[R]][
// CHECK: arith.addf %{{.*}}, %[[INIT]]
// CHECK: gpu.terminator
// CHECK-NOT: gpu.launch
func.func @copy_folded(%x: memref<2x64xf32>, %r: memref<2xf32>, %y: memref<2xf32>) {
  memref.copy %r, %y : memref<2xf32> to memref<2xf32>
  linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<2x64xf32>) outs(%y : memref<2xf32>) {
  ^bb0(%a: f32, %out: f32):
    %s = arith.addf %out, %a : f32
    linalg.yield %s : f32
  }
  return
}

// CHECK-LABEL: func @copy_within_output
// CHECK: gpu.launch
// CHECK: gpu.launch
func.func @copy_within_output(%x: memref<2x64xf32>, %y: memref<4xf32>) {
  %lo = memref.subview %y[0] [2] [1] : memref<4xf32> to memref<2xf32, strided<[1]>>
  %hi = memref.subview %y[2] [2] [1] : memref<4xf32> to memref<2xf32, strided<[1], offset: 2>>
  memref.copy %lo, %hi : memref<2xf32, strided<[1]>> to memref<2xf32, strided<[1], offset: 2>>
  linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<2x64xf32>) outs(%hi : memref<2xf32, strided<[1], offset: 2>>) {
  ^bb0(%a: f32, %out: f32):
    %s = arith.addf %out, %a : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// One zeroed buffer for two reductions, copied for the first (what
// bufferization makes of two fills that CSE merged): the copy becomes a
// fill, the fill moves to the second reduction, and both fold: two kernels.

#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
#scalar = affine_map<(d0) -> ()>
#vec = affine_map<(d0) -> (d0)>
// CHECK-LABEL: func @shared_zeros
// CHECK-COUNT-2: gpu.launch
// CHECK-NOT: gpu.launch
func.func @shared_zeros(%x: memref<2x64xf32>, %a: memref<2xf32>, %b: memref<2xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.generic {indexing_maps = [#scalar, #vec], iterator_types = ["parallel"]}
      ins(%zero : f32) outs(%a : memref<2xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  memref.copy %a, %b : memref<2xf32> to memref<2xf32>
  linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<2x64xf32>) outs(%b : memref<2xf32>) {
  ^bb0(%v: f32, %out: f32):
    %s = arith.addf %out, %v : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<2x64xf32>) outs(%a : memref<2xf32>) {
  ^bb0(%v: f32, %out: f32):
    %m = arith.maximumf %out, %v : f32
    linalg.yield %m : f32
  }
  return
}

// -----

// A row reduction and the generic after it that reads its result per row:
// one kernel (the views between them move before the reduction). Not when
// the second writes other rows of a buffer the reduction reads (other
// blocks may still be reading them); its own rows it may (softmax's
// divide in place).

#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func @row_epilogue
// CHECK: gpu.launch
// CHECK: gpu.barrier
// CHECK: gpu.barrier
// CHECK: scf.for
// CHECK: arith.divf
// CHECK: gpu.terminator
// CHECK-NOT: gpu.launch
func.func @row_epilogue(%x: memref<2x64xf32>, %s: memref<2xf32>, %y: memref<2x64xf32>) {
  linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<2x64xf32>) outs(%s : memref<2xf32>) {
  ^bb0(%a: f32, %out: f32):
    %r = arith.addf %out, %a : f32
    linalg.yield %r : f32
  }
  %v = memref.subview %y[0, 0] [2, 64] [1, 1] : memref<2x64xf32> to memref<2x64xf32, strided<[64, 1]>>
  linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x, %s : memref<2x64xf32>, memref<2xf32>) outs(%v : memref<2x64xf32, strided<[64, 1]>>) {
  ^bb0(%a: f32, %t: f32, %out: f32):
    %r = arith.divf %a, %t : f32
    linalg.yield %r : f32
  }
  return
}

// CHECK-LABEL: func @row_epilogue_in_place
// CHECK: gpu.launch
// CHECK: gpu.barrier
// CHECK: gpu.barrier
// CHECK-NOT: gpu.launch
func.func @row_epilogue_in_place(%x: memref<2x64xf32>, %s: memref<2xf32>) {
  linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<2x64xf32>) outs(%s : memref<2xf32>) {
  ^bb0(%a: f32, %out: f32):
    %r = arith.addf %out, %a : f32
    linalg.yield %r : f32
  }
  linalg.generic {indexing_maps = [#row, #id], iterator_types = ["parallel", "parallel"]}
      ins(%s : memref<2xf32>) outs(%x : memref<2x64xf32>) {
  ^bb0(%t: f32, %out: f32):
    %r = arith.divf %out, %t : f32
    linalg.yield %r : f32
  }
  return
}

// CHECK-LABEL: func @row_epilogue_other_rows
// CHECK-COUNT-2: gpu.launch
func.func @row_epilogue_other_rows(%x: memref<64x64xf32>, %s: memref<64xf32>) {
  linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<64x64xf32>) outs(%s : memref<64xf32>) {
  ^bb0(%a: f32, %out: f32):
    %r = arith.addf %out, %a : f32
    linalg.yield %r : f32
  }
  linalg.generic {indexing_maps = [#row, affine_map<(d0, d1) -> (d1, d0)>], iterator_types = ["parallel", "parallel"]}
      ins(%s : memref<64xf32>) outs(%x : memref<64x64xf32>) {
  ^bb0(%t: f32, %out: f32):
    %r = arith.divf %out, %t : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// A buffer that one elementwise generic writes and a copy puts into a KV
// cache at the position (read from device memory): the generic writes the
// cache's row itself, through the inverse reshape, computed in the kernel.
// Not when something else reads the buffer too.

#id5 = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3, d4)>
// CHECK-LABEL: func @key_into_cache
// CHECK-SAME: %[[X:.*]]: memref<1x2x1x2x16xf32>, %[[CACHE:.*]]: memref<1x2x8x32xf32>, %[[POS:.*]]: memref<i64>
// CHECK-NOT: memref.alloc
// CHECK: gpu.launch
// CHECK: memref.load %[[POS]][]
// CHECK: %[[ROW:.*]] = memref.subview %[[CACHE]]
// CHECK: %[[VIEW:.*]] = memref.expand_shape %[[ROW]] {{\[}}[0], [1], [2], [3, 4]]
// CHECK: math.exp
// CHECK: memref.store %{{.*}}, %[[VIEW]]
// CHECK-NOT: gpu.launch
func.func @key_into_cache(%x: memref<1x2x1x2x16xf32>, %cache: memref<1x2x8x32xf32>, %pos: memref<i64>) {
  %c0 = arith.constant 0 : index
  %c7 = arith.constant 7 : index
  %a = memref.alloc() {alignment = 64 : i64} : memref<1x2x1x2x16xf32>
  linalg.generic {indexing_maps = [#id5, #id5], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]}
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

// CHECK-LABEL: func @key_also_returned
// CHECK: memref.alloc
// CHECK-COUNT-3: gpu.launch
func.func @key_also_returned(%x: memref<1x2x1x32xf32>, %cache: memref<1x2x8x32xf32>, %y: memref<1x2x1x32xf32>) {
  %a = memref.alloc() {alignment = 64 : i64} : memref<1x2x1x32xf32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x : memref<1x2x1x32xf32>) outs(%a : memref<1x2x1x32xf32>) {
  ^bb0(%v: f32, %out: f32):
    %e = math.exp %v : f32
    linalg.yield %e : f32
  }
  %slot = memref.subview %cache[0, 0, 3, 0] [1, 2, 1, 32] [1, 1, 1, 1] : memref<1x2x8x32xf32> to memref<1x2x1x32xf32, strided<[512, 256, 32, 1], offset: 96>>
  memref.copy %a, %slot : memref<1x2x1x32xf32> to memref<1x2x1x32xf32, strided<[512, 256, 32, 1], offset: 96>>
  memref.copy %a, %y : memref<1x2x1x32xf32> to memref<1x2x1x32xf32>
  memref.dealloc %a : memref<1x2x1x32xf32>
  return
}

// -----

// No rows: the reduction and its epilogue are erased, nothing is launched.

// CHECK-LABEL: func @empty_rows
// CHECK-NOT: gpu.launch
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @empty_rows(%x: memref<0x64xf32>, %s: memref<0xf32>, %y: memref<0x64xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<0x64xf32>) outs(%s : memref<0xf32>) {
  ^bb0(%a: f32, %out: f32):
    %r = arith.addf %out, %a : f32
    linalg.yield %r : f32
  }
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%x, %s : memref<0x64xf32>, memref<0xf32>) outs(%y : memref<0x64xf32>) {
  ^bb0(%a: f32, %t: f32, %out: f32):
    %r = arith.divf %a, %t : f32
    linalg.yield %r : f32
  }
  return
}
