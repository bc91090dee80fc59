// REQUIRES: cuda-toolkit, fake-cuda
// RUN: mlc-compile %s -o %t.so --target cuda --quiet
// RUN: %python -c "import numpy as np; np.save('%t.40.npy', np.ones((40, 96), np.float32)); np.save('%t.8.npy', np.ones((8, 96), np.float32))"
// RUN: rm -f %t.40.log %t.8.log
// RUN: env MLC_CUDA_DRIVER=%fake_cuda MLC_CUBLASLT=%fake_cuda FAKE_CUDA_LOG=%t.40.log MLC_CUDA_GEMM_LOG=1 mlc-run %t.so %t.40.npy 2>&1 | FileCheck %s --check-prefix=GEMM40
// RUN: FileCheck %s --check-prefix=LOG40 < %t.40.log
// RUN: env MLC_CUDA_DRIVER=%fake_cuda MLC_CUBLASLT=%fake_cuda FAKE_CUDA_LOG=%t.8.log MLC_CUDA_GEMM_LOG=1 mlc-run %t.so %t.8.npy 2>&1 | FileCheck %s --check-prefix=GEMM8
// RUN: FileCheck %s --check-prefix=LOG8 < %t.8.log

// f32 activations times bf16 weights (a --dtype bf16 prefill's projection)
// on the fake driver and its cuBLASLt. At 40 rows host code asks the
// runtime about both forms of the GEMM (no C; C = D), launches the kernel
// that splits the activations into three bf16 parts, and queues three bf16
// GEMMs, the first without C and the two others adding to D. At 8 rows
// (below 32) the same answers, but the matmul kernel runs on the f32
// activations. (The fake driver runs no kernel: the values are not
// checked; the host side of the split is, in qwen3-prefill-numerics.test.)

// GEMM40: mlc: gemm 40 x 128 x 96 bf16 x bf16^T -> f32: cuBLASLt 13.1.0
// GEMM40-NEXT: mlc: gemm 40 x 128 x 96 bf16 x bf16^T -> f32 (+= D): cuBLASLt 13.1.0
// GEMM40: output 0 'output_0': f32 [40, 128]
// LOG40: launch main_kernel grid 4 1 1 block 256 1 1 shared 0
// LOG40-NEXT: gemm 128 40 96 batch 1 opA T opB N beta 0
// LOG40-NEXT: gemm 128 40 96 batch 1 opA T opB N beta 1
// LOG40-NEXT: gemm 128 40 96 batch 1 opA T opB N beta 1
// LOG40-NOT: launch

// GEMM8: mlc: gemm 8 x 128 x 96 bf16 x bf16^T -> f32: cuBLASLt 13.1.0
// LOG8: launch main_kernel_0 grid 2 1 1 block 256 1 1 shared 0
// LOG8-NOT: gemm
mlc.parameter @w : tensor<128x96xbf16> = dense<0.5> : tensor<128x96xbf16>
func.func @main(%x: tensor<?x96xf32>) -> tensor<?x128xf32> {
  %w = mlc.get_parameter @w : tensor<128x96xbf16>
  %wf = mlc.cast %w : (tensor<128x96xbf16>) -> tensor<128x96xf32>
  %0 = mlc.matmul %x, %wf {transpose_rhs} : (tensor<?x96xf32>, tensor<128x96xf32>) -> tensor<?x128xf32>
  return %0 : tensor<?x128xf32>
}
