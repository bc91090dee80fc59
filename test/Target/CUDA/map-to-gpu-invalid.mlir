// RUN: mlc-opt %s -split-input-file -mlc-cuda-map-to-gpu -verify-diagnostics

// What mlc-cuda-map-to-gpu rejects, naming the op (map-to-gpu.mlir has
// named ops).

// Every point of d0 would write y[d1]: a race.
func.func @output_broadcast(%x: memref<4x8xf32>, %y: memref<8xf32>) {
  // expected-error @+1 {{'linalg.generic' op is not mapped to the GPU: an output indexing map that is not a projected permutation of the parallel loops}}
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<4x8xf32>) outs(%y : memref<8xf32>) {
  ^bb0(%a: f32, %out: f32):
    linalg.yield %a : f32
  }
  return
}

// -----

// An output indexed by a window (d0 + d1): not a projected permutation.
func.func @output_window(%x: memref<4x3xf32>, %y: memref<6xf32>) {
  // expected-error @+1 {{is not mapped to the GPU: an output indexing map that is not a projected permutation}}
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0 + d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<4x3xf32>) outs(%y : memref<6xf32>) {
  ^bb0(%a: f32, %out: f32):
    linalg.yield %a : f32
  }
  return
}

// -----

// A cache row at a position read from a buffer that the function also
// writes: a kernel would not read the value host code would have read.
func.func @offset_from_written_buffer(%row: memref<32xf32>, %cache: memref<8x32xf32>, %pos: memref<i64>) {
  %v = memref.load %pos[] : memref<i64>
  %i = arith.index_cast %v : i64 to index
  %slot = memref.subview %cache[%i, 0] [1, 32] [1, 1] : memref<8x32xf32> to memref<32xf32, strided<[1], offset: ?>>
  // expected-error @+1 {{'linalg.generic' op is not mapped to the GPU: a buffer whose offset, sizes or strides come from device memory (kernels recompute only views at offsets loaded from arguments that the function does not write): 'memref<32xf32, strided<[1], offset: ?>>'}}
  linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%row : memref<32xf32>) outs(%slot : memref<32xf32, strided<[1], offset: ?>>) {
  ^bb0(%a: f32, %out: f32):
    linalg.yield %a : f32
  }
  %c1 = arith.constant 1 : i64
  linalg.generic {indexing_maps = [affine_map<() -> ()>], iterator_types = []} outs(%pos : memref<i64>) {
  ^bb0(%out: i64):
    linalg.yield %c1 : i64
  }
  return
}

// -----

// Host code reading a buffer (a position to slice a cache at, say): the
// buffer is in device memory.
func.func @host_load(%start: memref<i64>, %x: memref<4xf32>) -> index {
  // expected-error @+1 {{'memref.load' op is not mapped to the GPU: host code cannot read or write device memory}}
  %v = memref.load %start[] : memref<i64>
  %i = arith.index_cast %v : i64 to index
  return %i : index
}

// -----

func.func @host_vector_store(%x: memref<8xf32>, %v: vector<4xf32>) {
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{'vector.transfer_write' op is not mapped to the GPU: host code cannot read or write device memory}}
  vector.transfer_write %v, %x[%c0] : vector<4xf32>, memref<8xf32>
  return
}

// -----

// A mutable global would be copied into each kernel that uses it.
memref.global "private" @state : memref<4xf32> = dense<0.0>
func.func @mutable_global(%y: memref<4xf32>) {
  // expected-error @+1 {{'memref.get_global' op is not mapped to the GPU: kernels read only constant globals}}
  %g = memref.get_global @state : memref<4xf32>
  linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%g : memref<4xf32>) outs(%y : memref<4xf32>) {
  ^bb0(%a: f32, %out: f32):
    linalg.yield %a : f32
  }
  return
}
