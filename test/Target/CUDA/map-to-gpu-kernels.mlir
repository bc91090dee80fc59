// RUN: mlc-opt %s -split-input-file -mlc-cuda-map-to-gpu -canonicalize -cse | FileCheck %s

// The kernels of mlc-cuda-map-to-gpu beyond elementwise ops and row
// reductions (map-to-gpu.mlir): the general kernel, copies, constant
// globals, GEMV along k and along n, the tiled matmul. Their numerics are
// checked by kernels-numerics.mlir and contraction-numerics.mlir.

// A strided, dilated convolution: one thread per output element (60, one
// block), the window's indices computed from the loops, the reduction loops
// nested in loop order, the output carried through them from its initial
// value, one store.

// CHECK-LABEL: func @conv
// CHECK-DAG: %[[C60:.*]] = arith.constant 60 : index
// CHECK-DAG: %[[C3:.*]] = arith.constant 3 : index
// CHECK-DAG: %[[C2:.*]] = arith.constant 2 : index
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}}) threads(%[[TX:.*]], %{{.*}}, %{{.*}}) in
// CHECK: %[[IN:.*]] = arith.cmpi ult, %[[TX]], %[[C60]] : index
// CHECK: scf.if %[[IN]] {
// CHECK: %[[W:.*]] = arith.remui %[[TX]], %[[C3]] : index
// CHECK: %[[Q:.*]] = arith.divui %[[TX]], %[[C3]] : index
// CHECK: %[[H:.*]] = arith.remui %[[Q]], %{{.*}} : index
// CHECK: %[[F:.*]] = arith.divui %[[Q]], %{{.*}} : index
// CHECK: %[[INIT:.*]] = memref.load %[[Y:.*]][%{{.*}}, %[[F]], %[[H]], %[[W]]] : memref<1x5x4x3xf32>
// CHECK: %[[SUM:.*]] = scf.for %[[C:.*]] = {{.*}} to %[[C3]] {{.*}} iter_args(%[[A0:.*]] = %[[INIT]]) -> (f32) {
// CHECK: scf.for %[[KH:.*]] = {{.*}} iter_args(%[[A1:.*]] = %[[A0]]) -> (f32) {
// CHECK: scf.for %[[KW:.*]] = {{.*}} iter_args(%[[A2:.*]] = %[[A1]]) -> (f32) {
// CHECK-DAG: %[[H2:.*]] = arith.muli %[[H]], %[[C2]] overflow<nsw> : index
// CHECK-DAG: %[[KH2:.*]] = arith.muli %[[KH]], %[[C2]] overflow<nsw> : index
// CHECK: %[[ROW:.*]] = arith.addi %[[H2]], %[[KH2]] : index
// CHECK: %[[X:.*]] = memref.load %{{.*}}[%{{.*}}, %[[C]], %[[ROW]], %{{.*}}] : memref<1x3x13x11xf32>
// CHECK: %[[K:.*]] = memref.load %{{.*}}[%[[F]], %[[C]], %[[KH]], %[[KW]]] : memref<5x3x3x3xf32>
// CHECK: %[[M:.*]] = arith.mulf %[[X]], %[[K]] : f32
// CHECK: %[[R:.*]] = arith.addf %[[A2]], %[[M]] : f32
// CHECK: scf.yield %[[R]] : f32
// CHECK: memref.store %[[SUM]], %[[Y]][%{{.*}}, %[[F]], %[[H]], %[[W]]] : memref<1x5x4x3xf32>
// CHECK-NOT: gpu.barrier
func.func @conv(%x: memref<1x3x13x11xf32>, %w: memref<5x3x3x3xf32>, %y: memref<1x5x4x3xf32>) {
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

// -----

// A reduction over the outer loop: one thread per column (consecutive
// threads on consecutive columns), a fill of the output folded in.

// CHECK-LABEL: func @column_max
// CHECK-DAG: %[[NEG:.*]] = arith.constant 0xFF800000 : f32
// CHECK: gpu.launch
// CHECK: scf.if
// CHECK: %[[MAX:.*]] = scf.for %[[I:.*]] = {{.*}} iter_args(%[[ACC:.*]] = %[[NEG]]) -> (f32) {
// CHECK: %[[X:.*]] = memref.load %{{.*}}[%[[I]], %[[TX:.*]]] : memref<9x33xf32>
// CHECK: arith.maximumf %[[ACC]], %[[X]] : f32
// CHECK: memref.store %[[MAX]], %{{.*}}[%[[TX]]] : memref<33xf32>
// CHECK: gpu.terminator
// CHECK-NOT: gpu.launch
func.func @column_max(%x: memref<9x33xf32>, %y: memref<33xf32>) {
  %neg = arith.constant 0xFF800000 : f32
  linalg.generic {indexing_maps = [affine_map<(d0) -> ()>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%neg : f32) outs(%y : memref<33xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>], iterator_types = ["reduction", "parallel"]}
      ins(%x : memref<9x33xf32>) outs(%y : memref<33xf32>) {
  ^bb0(%a: f32, %out: f32):
    %r = arith.maximumf %out, %a : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// Argmax: both outputs carried through the loop, linalg.index as the
// loop's induction variable.

// CHECK-LABEL: func @argmax
// CHECK: %[[V0:.*]] = memref.load %[[V:.*]][%[[ROW:.*]]] : memref<6xf32>
// CHECK: %[[I0:.*]] = memref.load %[[I:.*]][%[[ROW]]] : memref<6xi64>
// CHECK: %[[R:.*]]:2 = scf.for %[[K:.*]] = {{.*}} iter_args(%[[BEST:.*]] = %[[V0]], %[[AT:.*]] = %[[I0]]) -> (f32, i64) {
// CHECK: %[[KI:.*]] = arith.index_cast %[[K]] : index to i64
// CHECK: %[[GT:.*]] = arith.cmpf ogt, %{{.*}}, %[[BEST]] : f32
// CHECK: arith.select %[[GT]], %[[KI]], %[[AT]] : i64
// CHECK: memref.store %[[R]]#0, %[[V]][%[[ROW]]] : memref<6xf32>
// CHECK: memref.store %[[R]]#1, %[[I]][%[[ROW]]] : memref<6xi64>
func.func @argmax(%x: memref<6x50xf32>, %v: memref<6xf32>, %i: memref<6xi64>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]}
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

// -----

// A copy into a slice of a KV cache: the slice's offset (160) and strides
// are multiples of 4, so 128-bit loads and stores, 16 threads.

// CHECK-LABEL: func @copy_into_cache
// CHECK-SAME: %[[ROW:.*]]: memref<1x2x1x32xf32>, %[[CACHE:.*]]: memref<1x2x8x32xf32>
// CHECK: %[[SLOT:.*]] = memref.subview %[[CACHE]][0, 0, 5, 0] [1, 2, 1, 32] [1, 1, 1, 1]
// CHECK: gpu.launch
// CHECK: arith.cmpi ult, %{{.*}}, %{{.*}} : index
// CHECK: %[[V:.*]] = vector.load %[[ROW]][{{.*}}] {alignment = 16 : i64} : memref<1x2x1x32xf32>, vector<4xf32>
// CHECK: vector.store %[[V]], %[[SLOT]][{{.*}}] {alignment = 16 : i64} : memref<1x2x1x32xf32, strided<[512, 256, 32, 1], offset: 160>>, vector<4xf32>
// CHECK-NOT: memref.copy
func.func @copy_into_cache(%row: memref<1x2x1x32xf32>, %cache: memref<1x2x8x32xf32>) {
  %slot = memref.subview %cache[0, 0, 5, 0] [1, 2, 1, 32] [1, 1, 1, 1] : memref<1x2x8x32xf32> to memref<1x2x1x32xf32, strided<[512, 256, 32, 1], offset: 160>>
  memref.copy %row, %slot : memref<1x2x1x32xf32> to memref<1x2x1x32xf32, strided<[512, 256, 32, 1], offset: 160>>
  return
}

// -----

// A copy into the cache row at a position in device memory (a decode step's
// start, as mlc.update_slice lowers): the load of the position, its clamp
// and the view are computed by the kernel, which takes the cache and the
// position buffer; host code keeps none of them. The offset is unknown, so
// one element per thread.

// CHECK-LABEL: func @copy_at_device_position
// CHECK-SAME: %[[ROW:.*]]: memref<1x2x1x32xf32>, %[[CACHE:.*]]: memref<1x2x8x32xf32>, %[[POS:.*]]: memref<i64>
// CHECK-NOT: memref.load
// CHECK-NOT: memref.subview
// CHECK: gpu.launch
// CHECK: %[[P:.*]] = memref.load %[[POS]][] : memref<i64>
// CHECK: %[[I:.*]] = arith.index_cast %[[P]] : i64 to index
// CHECK: %[[SLOT:.*]] = memref.subview %[[CACHE]][0, 0, %{{.*}}, 0] [1, 2, 1, 32] [1, 1, 1, 1]
// CHECK-NOT: vector.load
// CHECK: memref.store %{{.*}}, %[[SLOT]]
// CHECK: gpu.terminator
// CHECK-NEXT: }
// CHECK-NEXT: return
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

// -----

// A view at an offset host code has (a scalar argument): host code makes
// the view, and the kernel takes it (by descriptor, after outlining:
// mlc-cuda-expand-kernel-buffers).

// CHECK-LABEL: func @copy_at_host_offset
// CHECK-SAME: %[[ROW:.*]]: memref<32xf32>, %[[CACHE:.*]]: memref<8x32xf32>, %[[I:.*]]: index
// CHECK: %[[SLOT:.*]] = memref.subview %[[CACHE]][%[[I]], 0] [1, 32] [1, 1]
// CHECK: gpu.launch
// CHECK-NOT: memref.subview
// CHECK: memref.store %{{.*}}, %[[SLOT]]
func.func @copy_at_host_offset(%row: memref<32xf32>, %cache: memref<8x32xf32>, %i: index) {
  %slot = memref.subview %cache[%i, 0] [1, 32] [1, 1] : memref<8x32xf32> to memref<32xf32, strided<[1], offset: ?>>
  memref.copy %row, %slot : memref<32xf32> to memref<32xf32, strided<[1], offset: ?>>
  return
}

// -----

// A slice at offset 2: not 16-byte aligned, so one element per thread.

// CHECK-LABEL: func @copy_unaligned
// CHECK: gpu.launch
// CHECK-NOT: vector.load
// CHECK: %[[X:.*]] = memref.load %{{.*}} : memref<2x16xf32, strided<[18, 1], offset: 2>>
// CHECK: memref.store %[[X]], %{{.*}} : memref<2x16xf32>
func.func @copy_unaligned(%x: memref<2x18xf32>, %y: memref<2x16xf32>) {
  %v = memref.subview %x[0, 2] [2, 16] [1, 1] : memref<2x18xf32> to memref<2x16xf32, strided<[18, 1], offset: 2>>
  memref.copy %v, %y : memref<2x16xf32, strided<[18, 1], offset: 2>> to memref<2x16xf32>
  return
}

// -----

// A constant global read by a kernel: the get_global (and the view of it)
// move into the launch, so that outlining copies the global into the
// kernel's module. Aligned to 64 bytes, it is read in vectors.

memref.global "private" constant @table : memref<4xf32> = dense<[1.0, 2.0, 3.0, 4.0]> {alignment = 64 : i64}
// CHECK-LABEL: func @global_read
// CHECK-NOT: memref.get_global
// CHECK: gpu.launch
// CHECK-NEXT: %[[G:.*]] = memref.get_global @table : memref<4xf32>
// CHECK-NEXT: %[[E:.*]] = memref.expand_shape %[[G]] {{\[\[}}0, 1]] output_shape [1, 4]
// CHECK: vector.load %[[E]][%{{.*}}, %{{.*}}] {alignment = 16 : i64} : memref<1x4xf32>, vector<4xf32>
func.func @global_read(%x: memref<3x4xf32>, %y: memref<3x4xf32>) {
  %g = memref.get_global @table : memref<4xf32>
  %e = memref.expand_shape %g [[0, 1]] output_shape [1, 4] : memref<4xf32> into memref<1x4xf32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%x, %e : memref<3x4xf32>, memref<1x4xf32>) outs(%y : memref<3x4xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %r = arith.addf %a, %b : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// Without an alignment of its own a global is read element by element.

memref.global "private" constant @unaligned : memref<4xf32> = dense<[1.0, 2.0, 3.0, 4.0]>
// CHECK-LABEL: func @global_unaligned
// CHECK: gpu.launch
// CHECK: %[[G:.*]] = memref.get_global @unaligned : memref<4xf32>
// CHECK-NOT: vector.load
// CHECK: memref.load %[[G]][%{{.*}}] : memref<4xf32>
func.func @global_unaligned(%x: memref<3x4xf32>, %y: memref<3x4xf32>) {
  %g = memref.get_global @unaligned : memref<4xf32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%x, %g : memref<3x4xf32>, memref<4xf32>) outs(%y : memref<3x4xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %r = arith.addf %a, %b : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// A returned global (a shape, say) is copied by a kernel into a buffer of
// host code: a function hands out device buffers only.

memref.global "private" constant @shape : memref<2xi64> = dense<[3, 4]> {alignment = 64 : i64}
// CHECK-LABEL: func @global_returned
// CHECK: %[[BUF:.*]] = memref.alloc() {alignment = 64 : i64} : memref<2xi64>
// CHECK: gpu.launch
// CHECK: %[[G:.*]] = memref.get_global @shape : memref<2xi64>
// CHECK: %[[V:.*]] = vector.load %[[G]][%{{.*}}] {alignment = 16 : i64} : memref<2xi64>, vector<2xi64>
// CHECK: vector.store %[[V]], %[[BUF]][%{{.*}}] {alignment = 16 : i64} : memref<2xi64>, vector<2xi64>
// CHECK: return %[[BUF]] : memref<2xi64>
func.func @global_returned() -> memref<2xi64> {
  %g = memref.get_global @shape : memref<2xi64>
  return %g : memref<2xi64>
}

// -----

// GEMV along k (weights [n][k], bf16): one warp per column (8 per block of
// 256, 12 blocks for 96 columns), lanes take 8-element (128-bit) vectors of
// the weights and of both rows at the same k, two per iteration (128
// vectors per row = 2 x 32 lanes x 2), fused multiply-adds on vector<8xf32>
// accumulators, one per row; then each row's lanes reduce and 5 xor
// shuffles combine the warp, and lane 0 stores both rows. The fill is
// folded in (adds 0 instead of reading the output).

// CHECK-LABEL: func @gemv_along_k
// CHECK-DAG: %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : vector<8xf32>
// CHECK-DAG: %[[C12:.*]] = arith.constant 12 : index
// CHECK-DAG: %[[C256:.*]] = arith.constant 256 : index
// CHECK-DAG: %[[C64:.*]] = arith.constant 64 : index
// CHECK-DAG: %[[C128:.*]] = arith.constant 128 : index
// CHECK: gpu.launch blocks(%[[BX:.*]], %{{.*}}, %{{.*}}) in ({{.*}} = %[[C12]], {{.*}}) threads(%[[TX:.*]], %{{.*}}, %{{.*}}) in ({{.*}} = %[[C256]],
// CHECK: %[[LANE:.*]] = arith.remui %[[TX]], %{{.*}} : index
// CHECK: %[[WARP:.*]] = arith.divui %[[TX]], %{{.*}} : index
// CHECK: %[[COL:.*]] = arith.addi %{{.*}}, %[[WARP]] : index
// CHECK: scf.if
// CHECK: %[[ACC:.*]]:2 = scf.for %[[V:.*]] = %[[LANE]] to %[[C128]] step %[[C64]] iter_args(%[[A0:.*]] = %[[ZERO]], %[[A1:.*]] = %[[ZERO]]) -> (vector<8xf32>, vector<8xf32>) {
// CHECK: %[[K:.*]] = arith.muli %[[V]], %{{.*}} : index
// CHECK: %[[W:.*]] = vector.load %{{.*}}[%[[COL]], %[[K]]] {alignment = 16 : i64} : memref<96x1024xbf16>, vector<8xbf16>
// CHECK: %[[X0:.*]] = vector.load %{{.*}}[%{{.*}}, %[[K]]] {alignment = 16 : i64} : memref<2x1024xf32>, vector<8xf32>
// CHECK: %[[X1:.*]] = vector.load %{{.*}}[%{{.*}}, %[[K]]] {alignment = 16 : i64} : memref<2x1024xf32>, vector<8xf32>
// CHECK-COUNT-3: vector.load
// CHECK: %[[WE:.*]] = arith.extf %[[W]] : vector<8xbf16> to vector<8xf32>
// CHECK: %[[F0:.*]] = math.fma %[[X0]], %[[WE]], %[[A0]] : vector<8xf32>
// CHECK: %[[F1:.*]] = math.fma %[[X1]], %[[WE]], %[[A1]] : vector<8xf32>
// CHECK: arith.extf
// CHECK: math.fma %{{.*}}, %{{.*}}, %[[F0]] : vector<8xf32>
// CHECK: math.fma %{{.*}}, %{{.*}}, %[[F1]] : vector<8xf32>
// CHECK: scf.yield
// CHECK: %[[S0:.*]] = vector.reduction <add>, %[[ACC]]#0 : vector<8xf32> into f32
// CHECK: gpu.shuffle xor %[[S0]], %{{.*}}, %{{.*}} : f32
// CHECK-COUNT-4: gpu.shuffle xor
// CHECK: vector.reduction <add>, %[[ACC]]#1
// CHECK-COUNT-5: gpu.shuffle xor
// CHECK: %[[FIRST:.*]] = arith.cmpi eq, %[[LANE]], %{{.*}} : index
// CHECK: scf.if %[[FIRST]] {
// CHECK-NOT: memref.load
// CHECK: memref.store %{{.*}}, %{{.*}}[%{{.*}}, %[[COL]]] : memref<2x96xf32>
// CHECK: memref.store %{{.*}}, %{{.*}}[%{{.*}}, %[[COL]]] : memref<2x96xf32>
// CHECK-NOT: gpu.barrier
// CHECK-NOT: gpu.launch
func.func @gemv_along_k(%x: memref<2x1024xf32>, %w: memref<96x1024xbf16>, %y: memref<2x96xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> ()>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%zero : f32) outs(%y : memref<2x96xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<2x1024xf32>, memref<96x1024xbf16>) outs(%y : memref<2x96xf32>) {
  ^bb0(%a: f32, %b: bf16, %out: f32):
    %be = arith.extf %b : bf16 to f32
    %m = arith.mulf %a, %be : f32
    %r = arith.addf %out, %m : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// GEMV along n (weights [k][n], f32, as ONNX exports them): threads along n
// with 4 columns each, 8 threads per 128-byte line, 32 slices of k per
// block of 256 (8 blocks of 32 columns), 4 values of k per iteration (all
// 4 loads first: in flight together); the partial sums
// [slice][row][4 columns] meet in shared memory (vector<4xf32> elements,
// 16-byte aligned) after one barrier, and a thread per (row, 4 columns)
// adds up the 32 slices onto the output's contents (a residual).

// CHECK-LABEL: func @gemv_along_n
// CHECK-DAG: %[[C8:.*]] = arith.constant 8 : index
// CHECK-DAG: %[[C32:.*]] = arith.constant 32 : index
// CHECK-DAG: %[[C128:.*]] = arith.constant 128 : index
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %[[C8]], {{.*}}) threads(%[[TX:.*]], %{{.*}}, %{{.*}}) in ({{.*}}) workgroup(%[[PART:.*]] : memref<32x1x8xvector<4xf32>, #gpu.address_space<workgroup>>)
// CHECK: %[[CT:.*]] = arith.remui %[[TX]], %[[C8]] : index
// CHECK: %[[SLICE:.*]] = arith.divui %[[TX]], %[[C8]] : index
// CHECK: %[[END:.*]] = arith.select %{{.*}}, %{{.*}}, %{{.*}} : index
// CHECK: %[[ACC:.*]] = scf.for %[[K:.*]] = %[[SLICE]] to %[[END]] step %[[C128]] iter_args(%[[A:.*]] = %{{.*}}) -> (vector<4xf32>) {
// CHECK: %[[W:.*]] = vector.load %{{.*}}[%[[K]], %{{.*}}] {alignment = 16 : i64} : memref<512x256xf32>, vector<4xf32>
// CHECK-COUNT-3: vector.load %{{.*}} {alignment = 16 : i64} : memref<512x256xf32>, vector<4xf32>
// CHECK: %[[X:.*]] = memref.load %{{.*}}[%{{.*}}, %[[K]]] : memref<1x512xf32>
// CHECK: %[[XV:.*]] = vector.broadcast %[[X]] : f32 to vector<4xf32>
// CHECK: math.fma %[[XV]], %[[W]], %[[A]] : vector<4xf32>
// CHECK-COUNT-3: math.fma
// CHECK: memref.store %[[ACC]], %[[PART]][%[[SLICE]], %{{.*}}, %[[CT]]]
// CHECK: gpu.barrier
// CHECK: scf.for %[[T:.*]] = %[[TX]] to %[[C8]] step %{{.*}} {
// CHECK: %[[SUM:.*]] = scf.for {{.*}} to %[[C32]] {{.*}} -> (vector<4xf32>) {
// CHECK: memref.load %[[PART]]
// CHECK: %[[S0:.*]] = vector.extract %[[SUM]][0] : f32 from vector<4xf32>
// CHECK: scf.if
// CHECK: %[[OLD:.*]] = memref.load %[[Y:.*]][%{{.*}}, %{{.*}}] : memref<1x256xf32>
// CHECK: %[[NEW:.*]] = arith.addf %[[OLD]], %[[S0]] : f32
// CHECK: memref.store %[[NEW]], %[[Y]]
// CHECK-COUNT-3: vector.extract %[[SUM]]
// CHECK-NOT: gpu.barrier
func.func @gemv_along_n(%x: memref<1x512xf32>, %w: memref<512x256xf32>, %y: memref<1x256xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<1x512xf32>, memref<512x256xf32>) outs(%y : memref<1x256xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %out, %m : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// A matmul (prefill, M = 100 > 4): 64x64 output tiles (2 x 3 blocks),
// 256 threads, the lhs slab [16][64 rows] and the rhs slab [16][64 columns]
// in shared memory as vectors of 4 (16-byte aligned, one padding vector per
// k row); rows of the lhs staged from consecutive k (k contiguous), columns
// of the rhs as one 128-bit load (n contiguous); a barrier, 16 unrolled k
// steps of 2 shared vector loads and 4 vector FMAs, a barrier; then each
// thread's 4x4 tile, bounds-checked, onto the output.

// CHECK-LABEL: func @matmul
// CHECK-DAG: %[[C3:.*]] = arith.constant 3 : index
// CHECK-DAG: %[[C2:.*]] = arith.constant 2 : index
// CHECK-DAG: %[[C16:.*]] = arith.constant 16 : index
// CHECK: gpu.launch blocks(%[[BX:.*]], %[[BY:.*]], %{{.*}}) in ({{.*}} = %[[C3]], {{.*}} = %[[C2]], {{.*}}) threads(%[[TX:.*]], %{{.*}}, %{{.*}}) in ({{.*}}) workgroup(%[[A:.*]] : memref<16x17xvector<4xf32>, #gpu.address_space<workgroup>>, %[[B:.*]] : memref<16x17xvector<4xf32>, #gpu.address_space<workgroup>>)
// CHECK: %[[ACC:.*]]:4 = scf.for %[[K0:.*]] = %{{.*}} to %{{.*}} step %[[C16]] iter_args({{.*}}) -> (vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>) {
// CHECK-COUNT-4: memref.load %{{.*}} : memref<100x40xf32>
// CHECK: %[[AV:.*]] = vector.from_elements %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : vector<4xf32>
// CHECK: memref.store %[[AV]], %[[A]][%{{.*}}, %{{.*}}] : memref<16x17xvector<4xf32>, #gpu.address_space<workgroup>>
// CHECK: %[[BV:.*]] = vector.load %{{.*}} {alignment = 16 : i64} : memref<40x136xf32>, vector<4xf32>
// CHECK: %[[BS:.*]] = arith.select %{{.*}}, %[[BV]], %{{.*}} : vector<4xf32>
// CHECK: memref.store %[[BS]], %[[B]][%{{.*}}, %{{.*}}] : memref<16x17xvector<4xf32>, #gpu.address_space<workgroup>>
// CHECK: gpu.barrier
// CHECK-COUNT-16: memref.load %[[A]]
// CHECK: gpu.barrier
// CHECK: scf.yield
// CHECK-COUNT-16: memref.store %{{.*}} : memref<100x136xf32>
func.func @matmul(%x: memref<100x40xf32>, %w: memref<40x136xf32>, %y: memref<100x136xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<100x40xf32>, memref<40x136xf32>) outs(%y : memref<100x136xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %out, %m : f32
    linalg.yield %r : f32
  }
  return
}
