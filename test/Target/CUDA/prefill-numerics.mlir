// RUN: mlc-opt %s -mlc-cuda-pipeline=format=isa -mlir-print-ir-before=mlc-cuda-map-to-gpu -mlir-print-ir-after=mlc-plan-memory -mlir-print-op-generic -mlir-print-ir-module-scope -mlir-disable-threading -o /dev/null 2> %t.dump
// RUN: %python %mlc_src_root/utils/simt_emulator.py compare-dump %t.dump --dim 1 --fill 4=0 --fill 1=arange:0 | FileCheck %s
// RUN: %python %mlc_src_root/utils/simt_emulator.py compare-dump %t.dump --dim 5 --fill 4=21 --fill 1=arange:21 | FileCheck %s
// RUN: %python %mlc_src_root/utils/simt_emulator.py compare-dump %t.dump --dim 13 --fill 4=51 --fill 1=arange:51 | FileCheck %s
// RUN: %python %mlc_src_root/utils/simt_emulator.py compare-dump %t.dump --dim 13 --fill 4=51 --fill 1=arange:51 --gemm library | FileCheck %s
// RUN: not %python %mlc_src_root/utils/simt_emulator.py compare-dump %t.dump | FileCheck %s --check-prefix=NODIM

// A prefill of S query rows (S dynamic: `?` in the types) through
// mlc-cuda-pipeline: an RMSNorm over rows of 64, a [64, 96] projection into
// a query, a key and a value of 32, SiLU on the query, rotary embeddings at
// the rows' positions (argument 1: start, start + 1, ...), the new keys and
// values written into 64-row caches at the position (argument 4), then
// causal attention of the S rows over the caches. The kernels take their
// sizes from memref.dim, their grids from the host (a launch only when the
// grid is not empty); run in the SIMT emulator at S = 1, 5 and 13 (the
// last at position 51, up to the caches' last row) and compared with the
// generics before mapping (the output and both caches); at S = 13 also with
// the projection computed from the descriptor host code passes to the
// runtime's cuBLASLt (--gemm library) in the arena mlc-plan-memory planned.

// CHECK: OK prefill
// NODIM: ERROR prefill: an argument of type memref<1x?x64xf32>: give its dynamic sizes with --dim N
func.func @prefill(%x: tensor<1x?x64xf32>, %positions: tensor<1x?xi64>, %w: tensor<64xf32>, %wqkv: tensor<64x96xf32>, %pos: tensor<i64>, %kc: tensor<1x1x64x32xf32>, %vc: tensor<1x1x64x32xf32>) -> (tensor<1x?x32xf32>, tensor<1x1x64x32xf32>, tensor<1x1x64x32xf32>) {
  %n = mlc.rms_norm %x, %w : (tensor<1x?x64xf32>, tensor<64xf32>) -> tensor<1x?x64xf32>
  %p = mlc.matmul %n, %wqkv : (tensor<1x?x64xf32>, tensor<64x96xf32>) -> tensor<1x?x96xf32>
  %q0 = mlc.slice %p {axes = array<i64: 2>, starts = array<i64: 0>, ends = array<i64: 32>} : (tensor<1x?x96xf32>) -> tensor<1x?x32xf32>
  %k0 = mlc.slice %p {axes = array<i64: 2>, starts = array<i64: 32>, ends = array<i64: 64>} : (tensor<1x?x96xf32>) -> tensor<1x?x32xf32>
  %v0 = mlc.slice %p {axes = array<i64: 2>, starts = array<i64: 64>, ends = array<i64: 96>} : (tensor<1x?x96xf32>) -> tensor<1x?x32xf32>
  %q1 = mlc.silu %q0 : tensor<1x?x32xf32>
  %q2 = mlc.reshape %q1 : (tensor<1x?x32xf32>) -> tensor<1x?x1x32xf32>
  %q3 = mlc.transpose %q2 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x?x1x32xf32>) -> tensor<1x1x?x32xf32>
  %q = mlc.rotary_embedding %q3, %positions {theta = 1.000000e+04 : f64} : (tensor<1x1x?x32xf32>, tensor<1x?xi64>) -> tensor<1x1x?x32xf32>
  %k2 = mlc.reshape %k0 : (tensor<1x?x32xf32>) -> tensor<1x?x1x32xf32>
  %k3 = mlc.transpose %k2 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x?x1x32xf32>) -> tensor<1x1x?x32xf32>
  %k = mlc.rotary_embedding %k3, %positions {theta = 1.000000e+04 : f64} : (tensor<1x1x?x32xf32>, tensor<1x?xi64>) -> tensor<1x1x?x32xf32>
  %v2 = mlc.reshape %v0 : (tensor<1x?x32xf32>) -> tensor<1x?x1x32xf32>
  %v = mlc.transpose %v2 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x?x1x32xf32>) -> tensor<1x1x?x32xf32>
  %kn = mlc.update_slice %kc, %k, %pos {axis = 2 : i64} : (tensor<1x1x64x32xf32>, tensor<1x1x?x32xf32>, tensor<i64>) -> tensor<1x1x64x32xf32>
  %vn = mlc.update_slice %vc, %v, %pos {axis = 2 : i64} : (tensor<1x1x64x32xf32>, tensor<1x1x?x32xf32>, tensor<i64>) -> tensor<1x1x64x32xf32>
  %a = mlc.attention %q, %kn, %vn position(%pos) {causal} : (tensor<1x1x?x32xf32>, tensor<1x1x64x32xf32>, tensor<1x1x64x32xf32>, tensor<i64>) -> tensor<1x1x?x32xf32>
  %o = mlc.reshape %a : (tensor<1x1x?x32xf32>) -> tensor<1x?x32xf32>
  return %o, %kn, %vn : tensor<1x?x32xf32>, tensor<1x1x64x32xf32>, tensor<1x1x64x32xf32>
}
