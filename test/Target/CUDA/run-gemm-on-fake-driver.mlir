// REQUIRES: cuda-toolkit, fake-cuda
// RUN: mlc-compile %s -o %t.so --target cuda --quiet
// RUN: rm -rf %t.d && mkdir -p %t.d
// RUN: %python -c "import numpy as np; g = np.random.default_rng(0); [np.save('%t.d/' + n + '.npy', g.standard_normal(s).astype(np.float32)) for n, s in [('x', (20, 96)), ('w', (128, 96)), ('r', (20, 128)), ('a', (3, 16, 24)), ('b', (3, 8, 24))]]"
// RUN: env MLC_CUDA_DRIVER=%fake_cuda MLC_CUBLASLT=%fake_cuda FAKE_CUDA_LOG=%t.log MLC_CUDA_GEMM_LOG=1 mlc-run %t.so %t.d/x.npy %t.d/w.npy %t.d/r.npy %t.d/a.npy %t.d/b.npy --output-dir %t.d/out 2>&1 | FileCheck %s --check-prefix=GEMM
// RUN: FileCheck %s --check-prefix=LOG < %t.log
// RUN: %python -c "import numpy as np; L = lambda n: np.load('%t.d/' + n + '.npy'); x, w, r, a, b = map(L, 'xwrab'); np.testing.assert_allclose(L('out/output_0'), x @ w.T + r, rtol=1e-5, atol=1e-5); np.testing.assert_allclose(L('out/output_1'), a @ b.transpose(0, 2, 1), rtol=1e-5, atol=1e-5)"
// RUN: rm -f %t.off.log
// RUN: env MLC_CUDA_DRIVER=%fake_cuda MLC_CUBLASLT=off FAKE_CUDA_LOG=%t.off.log MLC_CUDA_GEMM_LOG=1 mlc-run %t.so %t.d/x.npy %t.d/w.npy %t.d/r.npy %t.d/a.npy %t.d/b.npy 2>&1 | FileCheck %s --check-prefix=OFF
// RUN: FileCheck %s --check-prefix=OFF-LOG < %t.off.log
// RUN: rm -f %t.none.log
// RUN: env MLC_CUDA_DRIVER=%fake_cuda MLC_CUBLASLT=%fake_cuda FAKE_CUBLASLT_NO_ALGO=1 FAKE_CUDA_LOG=%t.none.log MLC_CUDA_GEMM_LOG=1 mlc-run %t.so %t.d/x.npy %t.d/w.npy %t.d/r.npy %t.d/a.npy %t.d/b.npy 2>&1 | FileCheck %s --check-prefix=NONE
// RUN: FileCheck %s --check-prefix=OFF-LOG < %t.none.log
// RUN: env MLC_CUDA_DRIVER=%fake_cuda MLC_CUBLASLT=/nonexistent/libcublasLt.so MLC_CUDA_GEMM_LOG=1 mlc-run %t.so %t.d/x.npy %t.d/w.npy %t.d/r.npy %t.d/a.npy %t.d/b.npy 2>&1 | FileCheck %s --check-prefix=MISSING

// The matmuls of a module compiled for CUDA go to the runtime's cuBLASLt
// (hooks->gemm), here the fake driver's, which computes them on the host in
// cuBLASLt's column-major terms: the row-major GEMMs that mlc's host code
// describes (a projection with a residual as C, a batched matmul with a
// transposed rhs) must come out as numpy's. Without cuBLASLt, or without
// an algorithm for a GEMM, the module launches its own matmul kernel (the
// fake driver runs none: only the launches are checked), and
// MLC_CUDA_GEMM_LOG says which path each shape took.

// GEMM: mlc: gemm: cuBLASLt 13.1.0 ({{.*}}libmlc_test_FakeCuda.so), 32 MiB of workspace
// GEMM: mlc: gemm 20 x 128 x 96 f32 x f32^T -> f32 (+ C): cuBLASLt 13.1.0
// GEMM: mlc: gemm 16 x 8 x 24 (batch 3) f32 x f32^T -> f32: cuBLASLt 13.1.0
// GEMM: output 0 'output_0': f32 [20, 128]

// The column-major view: D^T (128 x 20) = op(W stored 96 x 128)^T . X^T.
// LOG: cublaslt_create
// LOG: gemm 128 20 96 batch 1 opA T opB N beta 1
// LOG: gemm 8 16 24 batch 3 opA T opB N beta 0
// LOG-NOT: launch
// LOG: cublaslt_destroy

// OFF: mlc: gemm: the module's kernels: MLC_CUBLASLT=off
// OFF-LOG: launch main_kernel{{.*}} grid 2 1 1 block 256 1 1
// OFF-LOG: launch main_kernel{{.*}} grid 1 1 3 block 256 1 1
// OFF-LOG-NOT: gemm

// NONE: mlc: gemm 20 x 128 x 96 f32 x f32^T -> f32 (+ C): the module's kernel: cuBLASLt's heuristic has no algorithm for it
// MISSING: mlc: gemm: the module's kernels: cannot load cuBLASLt (/nonexistent/libcublasLt.so: cannot open shared object file: No such file or directory); install it or set MLC_CUBLASLT to its path
func.func @main(%x: tensor<?x96xf32>, %w: tensor<128x96xf32>, %r: tensor<?x128xf32>, %a: tensor<3x16x24xf32>, %b: tensor<3x8x24xf32>) -> (tensor<?x128xf32>, tensor<3x16x8xf32>) {
  %0 = mlc.matmul %x, %w {transpose_rhs} : (tensor<?x96xf32>, tensor<128x96xf32>) -> tensor<?x128xf32>
  %1 = mlc.add %0, %r : (tensor<?x128xf32>, tensor<?x128xf32>) -> tensor<?x128xf32>
  %2 = mlc.matmul %a, %b {transpose_rhs} : (tensor<3x16x24xf32>, tensor<3x8x24xf32>) -> tensor<3x16x8xf32>
  return %1, %2 : tensor<?x128xf32>, tensor<3x16x8xf32>
}
