// REQUIRES: cuda-toolkit, fake-cuda
// RUN: mlc-compile %s -o %t.so --target cuda --quiet
// RUN: %python -c "import numpy as n; [n.save('%t.%%d.npy' %% i, n.zeros(s, t)) for i, (s, t) in enumerate([((1, 4, 1, 32), n.float32), ((1, 2, 1, 32), n.float32), ((1, 2, 1, 32), n.float32), ((), n.int64), ((1, 2, 64, 32), n.float32), ((1, 2, 64, 32), n.float32)])]"
// RUN: rm -f %t.log
// RUN: env MLC_CUDA_DRIVER=%fake_cuda FAKE_CUDA_LOG=%t.log mlc-run %t.so %t.0.npy %t.1.npy %t.2.npy %t.3.npy %t.4.npy %t.5.npy | FileCheck %s
// RUN: FileCheck %s --check-prefix=LOG < %t.log

// A decode step's cache appends and attention compiled by mlc-compile for
// CUDA (mlc-compile keeps attention over a KV cache for the CUDA pipeline)
// and launched on the fake driver: host code only launches, the appends and
// the attention kernels read the position themselves: the 64 rows of the
// cache in 2 splits of 32 (a block of 4 warps per split and key/value
// head, for its 2 query heads),
// their states in a buffer of host code, combined by a block per query
// head. (No kernel runs: the values printed are not
// checked.)

// CHECK: output 0 'output_0': f32 [1, 4, 1, 32]

// The copies of the caches into the results (no mlc.updates here), the
// appends, the attention kernels, then only the results' copies back. The
// key's append and the value cache's copy are independent: one kernel of
// 1 + 4 blocks (mlc-cuda-fuse-launches).
// LOG: module_load cubin ELF
// LOG: launch decode_kernel grid 4 1 1 block 256 1 1 shared 0
// LOG-NEXT: alloc
// LOG-NEXT: launch decode_kernel_0 grid 5 1 1 block 256 1 1 shared 0
// LOG-NEXT: launch decode_kernel_1 grid 1 1 1 block 256 1 1 shared 0
// LOG: alloc 1280
// LOG-NEXT: launch decode_kernel_2 grid 2 2 1 block 128 1 1 shared 0
// LOG-NEXT: launch decode_kernel_3 grid 4 1 1 block 32 1 1 shared 0
// LOG-NEXT: dtoh 512
// LOG-NEXT: dtoh 16384
// LOG-NEXT: dtoh 16384
func.func @decode(%q: tensor<1x4x1x32xf32>, %k: tensor<1x2x1x32xf32>, %v: tensor<1x2x1x32xf32>, %pos: tensor<i64>, %kc: tensor<1x2x64x32xf32>, %vc: tensor<1x2x64x32xf32>) -> (tensor<1x4x1x32xf32>, tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32>) {
  %kn = mlc.update_slice %kc, %k, %pos {axis = 2 : i64} : (tensor<1x2x64x32xf32>, tensor<1x2x1x32xf32>, tensor<i64>) -> tensor<1x2x64x32xf32>
  %vn = mlc.update_slice %vc, %v, %pos {axis = 2 : i64} : (tensor<1x2x64x32xf32>, tensor<1x2x1x32xf32>, tensor<i64>) -> tensor<1x2x64x32xf32>
  %o = mlc.attention %q, %kn, %vn position(%pos) {causal} : (tensor<1x4x1x32xf32>, tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32>, tensor<i64>) -> tensor<1x4x1x32xf32>
  return %o, %kn, %vn : tensor<1x4x1x32xf32>, tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32>
}
