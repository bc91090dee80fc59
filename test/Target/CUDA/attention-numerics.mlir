// RUN: mlc-opt %s -mlc-cuda-pipeline=format=isa -mlir-print-ir-before=mlc-cuda-map-to-gpu -mlir-print-ir-after=mlc-plan-memory -mlir-print-op-generic -mlir-print-ir-module-scope -mlir-disable-threading -o /dev/null 2> %t.dump
// RUN: %python %mlc_src_root/utils/simt_emulator.py compare-dump %t.dump --fill 3=21 | FileCheck %s
// RUN: %python %mlc_src_root/utils/simt_emulator.py compare-dump %t.dump --fill 3=0 | FileCheck %s
// RUN: %python %mlc_src_root/utils/simt_emulator.py compare-dump %t.dump --fill 3=62 | FileCheck %s
// RUN: %python %mlc_src_root/utils/simt_emulator.py compare-dump %t.dump --func decode_splits --fill 3=200 | FileCheck %s --check-prefix=SPLITS
// RUN: %python %mlc_src_root/utils/simt_emulator.py compare-dump %t.dump --func decode_splits --fill 3=255 | FileCheck %s --check-prefix=SPLITS

// A decode step and a short prefill through mlc-cuda-pipeline: the new keys
// and values written into the caches at the position, which the kernels
// read from device memory (argument 3, set to 21, 0 and the cache's last
// rows), then attention over the rows up to it (the attention kernel: warps
// over rows with online softmaxes, lanes over the head, a shared-memory
// combine), run in the SIMT emulator and compared with the generics before
// mapping (the caches and the output). A decode step over a cache of more
// than 32 rows is split along them (flash-decoding: a block per 32 rows,
// then a kernel combining the blocks' states). Positions 62 and 63 are the last
// rows of the 64-row cache: prefill's 3 rows at 62 are clamped into it, as
// mlc.update_slice does.

// CHECK-DAG: OK decode
func.func @decode(%q: tensor<1x4x1x32xf32>, %k: tensor<1x2x1x32xf32>, %v: tensor<1x2x1x32xf32>, %pos: tensor<i64>, %kc: tensor<1x2x64x32xf32>, %vc: tensor<1x2x64x32xf32>) -> (tensor<1x4x1x32xf32>, tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32>) {
  %kn = mlc.update_slice %kc, %k, %pos {axis = 2 : i64} : (tensor<1x2x64x32xf32>, tensor<1x2x1x32xf32>, tensor<i64>) -> tensor<1x2x64x32xf32>
  %vn = mlc.update_slice %vc, %v, %pos {axis = 2 : i64} : (tensor<1x2x64x32xf32>, tensor<1x2x1x32xf32>, tensor<i64>) -> tensor<1x2x64x32xf32>
  %o = mlc.attention %q, %kn, %vn position(%pos) {causal} : (tensor<1x4x1x32xf32>, tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32>, tensor<i64>) -> tensor<1x4x1x32xf32>
  return %o, %kn, %vn : tensor<1x4x1x32xf32>, tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32>
}

// Three query rows (causal: row i sees the rows up to position + i), head
// size 64 (2 elements per lane), one query head per key/value head.
// CHECK-DAG: OK prefill
func.func @prefill(%q: tensor<1x2x3x64xf32>, %k: tensor<1x2x3x64xf32>, %v: tensor<1x2x3x64xf32>, %pos: tensor<i64>, %kc: tensor<1x2x64x64xf32>, %vc: tensor<1x2x64x64xf32>) -> (tensor<1x2x3x64xf32>, tensor<1x2x64x64xf32>, tensor<1x2x64x64xf32>) {
  %kn = mlc.update_slice %kc, %k, %pos {axis = 2 : i64} : (tensor<1x2x64x64xf32>, tensor<1x2x3x64xf32>, tensor<i64>) -> tensor<1x2x64x64xf32>
  %vn = mlc.update_slice %vc, %v, %pos {axis = 2 : i64} : (tensor<1x2x64x64xf32>, tensor<1x2x3x64xf32>, tensor<i64>) -> tensor<1x2x64x64xf32>
  %o = mlc.attention %q, %kn, %vn position(%pos) {causal} : (tensor<1x2x3x64xf32>, tensor<1x2x64x64xf32>, tensor<1x2x64x64xf32>, tensor<i64>) -> tensor<1x2x3x64xf32>
  return %o, %kn, %vn : tensor<1x2x3x64xf32>, tensor<1x2x64x64xf32>, tensor<1x2x64x64xf32>
}

// Grouped-query prefill of 5 rows, 8 query heads over 2 key/value heads: a
// block per KV head's 4 query heads and 2 query rows (3 blocks of rows, the
// last holding row 4 alone: its second row clamped, never stored), the
// rows past each query row's own masked for it.
// CHECK-DAG: OK prefill_gqa
func.func @prefill_gqa(%q: tensor<1x8x5x32xf32>, %k: tensor<1x2x5x32xf32>, %v: tensor<1x2x5x32xf32>, %pos: tensor<i64>, %kc: tensor<1x2x64x32xf32>, %vc: tensor<1x2x64x32xf32>) -> (tensor<1x8x5x32xf32>, tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32>) {
  %kn = mlc.update_slice %kc, %k, %pos {axis = 2 : i64} : (tensor<1x2x64x32xf32>, tensor<1x2x5x32xf32>, tensor<i64>) -> tensor<1x2x64x32xf32>
  %vn = mlc.update_slice %vc, %v, %pos {axis = 2 : i64} : (tensor<1x2x64x32xf32>, tensor<1x2x5x32xf32>, tensor<i64>) -> tensor<1x2x64x32xf32>
  %o = mlc.attention %q, %kn, %vn position(%pos) {causal} : (tensor<1x8x5x32xf32>, tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32>, tensor<i64>) -> tensor<1x8x5x32xf32>
  return %o, %kn, %vn : tensor<1x8x5x32xf32>, tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32>
}

// A bf16 KV cache for f32 attention (mlc-compile --dtype bf16): head size
// 128, so each lane loads 4 bf16 elements of a key or value row in one
// 8-byte vector load and widens them; the new rows arrive in bf16 (rounded
// by their producer), so both sides compute from the same values.
// CHECK-DAG: OK decode_bf16_cache
func.func @decode_bf16_cache(%q: tensor<1x4x1x128xf32>, %k: tensor<1x2x1x128xbf16>, %v: tensor<1x2x1x128xbf16>, %pos: tensor<i64>, %kc: tensor<1x2x64x128xbf16>, %vc: tensor<1x2x64x128xbf16>) -> (tensor<1x4x1x128xf32>, tensor<1x2x64x128xbf16>, tensor<1x2x64x128xbf16>) {
  %kn = mlc.update_slice %kc, %k, %pos {axis = 2 : i64} : (tensor<1x2x64x128xbf16>, tensor<1x2x1x128xbf16>, tensor<i64>) -> tensor<1x2x64x128xbf16>
  %vn = mlc.update_slice %vc, %v, %pos {axis = 2 : i64} : (tensor<1x2x64x128xbf16>, tensor<1x2x1x128xbf16>, tensor<i64>) -> tensor<1x2x64x128xbf16>
  %o = mlc.attention %q, %kn, %vn position(%pos) {causal} : (tensor<1x4x1x128xf32>, tensor<1x2x64x128xbf16>, tensor<1x2x64x128xbf16>, tensor<i64>) -> tensor<1x4x1x128xf32>
  return %o, %kn, %vn : tensor<1x4x1x128xf32>, tensor<1x2x64x128xbf16>, tensor<1x2x64x128xbf16>
}

// A decode step over a 256-row cache: 8 splits of 32 rows, a block each
// (those past the position do nothing), then the kernel that combines a
// head's splits; at positions 21, 0 and 62 (the RUN lines above: 1 or 2
// splits), 200 (7) and 255 (all 8).
// CHECK-DAG: OK decode_splits
// SPLITS: OK decode_splits
func.func @decode_splits(%q: tensor<1x2x1x32xf32>, %k: tensor<1x1x1x32xf32>, %v: tensor<1x1x1x32xf32>, %pos: tensor<i64>, %kc: tensor<1x1x256x32xf32>, %vc: tensor<1x1x256x32xf32>) -> (tensor<1x2x1x32xf32>, tensor<1x1x256x32xf32>, tensor<1x1x256x32xf32>) {
  %kn = mlc.update_slice %kc, %k, %pos {axis = 2 : i64} : (tensor<1x1x256x32xf32>, tensor<1x1x1x32xf32>, tensor<i64>) -> tensor<1x1x256x32xf32>
  %vn = mlc.update_slice %vc, %v, %pos {axis = 2 : i64} : (tensor<1x1x256x32xf32>, tensor<1x1x1x32xf32>, tensor<i64>) -> tensor<1x1x256x32xf32>
  %o = mlc.attention %q, %kn, %vn position(%pos) {causal} : (tensor<1x2x1x32xf32>, tensor<1x1x256x32xf32>, tensor<1x1x256x32xf32>, tensor<i64>) -> tensor<1x2x1x32xf32>
  return %o, %kn, %vn : tensor<1x2x1x32xf32>, tensor<1x1x256x32xf32>, tensor<1x1x256x32xf32>
}
