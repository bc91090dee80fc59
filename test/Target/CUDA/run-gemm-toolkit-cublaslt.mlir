// REQUIRES: cuda-toolkit, fake-cuda, toolkit-cublaslt
// RUN: mlc-compile %s -o %t.so --target cuda --quiet
// RUN: %python -c "import numpy as np; np.save('%t.x.npy', np.ones((20, 96), np.float32)); np.save('%t.w.npy', np.ones((128, 96), np.float32))"
// RUN: rm -f %t.log
// RUN: env MLC_CUDA_DRIVER=%fake_cuda MLC_CUBLASLT=%toolkit_cublaslt FAKE_CUDA_LOG=%t.log MLC_CUDA_GEMM_LOG=1 mlc-run %t.so %t.x.npy %t.w.npy 2>&1 | FileCheck %s
// RUN: FileCheck %s --check-prefix=LOG < %t.log

// The CUDA toolkit's real cuBLASLt, on the fake driver of a machine
// without a GPU: the runtime loads it and resolves every entry point it
// uses (a name the library lacks would be an error naming it), and its
// cublasLtCreate, which needs a GPU, fails; the runtime says so and the
// module's matmul kernel is launched instead.

// CHECK: mlc: gemm: the module's kernels: cublasLtCreate returned CUBLAS_STATUS_
// CHECK: output 0 'output_0': f32 [20, 128]
// LOG: launch main_kernel{{.*}} grid 2 1 1 block 256 1 1
func.func @main(%x: tensor<?x96xf32>, %w: tensor<128x96xf32>) -> tensor<?x128xf32> {
  %0 = mlc.matmul %x, %w {transpose_rhs} : (tensor<?x96xf32>, tensor<128x96xf32>) -> tensor<?x128xf32>
  return %0 : tensor<?x128xf32>
}
