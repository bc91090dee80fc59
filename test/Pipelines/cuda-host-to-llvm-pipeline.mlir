// REQUIRES: cuda-toolkit
// RUN: mlc-opt %s -mlc-cuda-pipeline='format=isa' -mlc-cuda-host-to-llvm-pipeline | FileCheck %s

// The host code of a CUDA module in the LLVM dialect: buffers from the
// device allocator (freed when dead), kernels launched by index through
// the runtime's hook, the kernel list on the one gpu.binary. Softmax is
// two kernels (each a row reduction with the work after it), with buffers
// of row values between them.

// CHECK-DAG: llvm.func @_mlir_memref_to_llvm_alloc(i64) -> !llvm.ptr
// CHECK-DAG: llvm.func @_mlir_memref_to_llvm_free(!llvm.ptr)
// CHECK-DAG: llvm.func @mlc_cuda_launch(i32, i64, i64, i64, i64, i64, i64, i32, !llvm.ptr)
// CHECK-LABEL: llvm.func @main(
// CHECK: llvm.call @_mlir_memref_to_llvm_alloc
// CHECK: llvm.call @mlc_cuda_launch
// CHECK: llvm.call @mlc_cuda_launch
// CHECK: llvm.call @_mlir_memref_to_llvm_free
// CHECK: llvm.return
// CHECK-LABEL: llvm.func @_mlir_ciface_main(
// CHECK-NOT: memref.
// CHECK-NOT: gpu.launch_func
// CHECK: gpu.binary @mlc_kernels {mlc.kernels = ["main_kernel", "main_kernel_0"]}
func.func @main(%x: tensor<8x1024xf32>) -> tensor<8x1024xf32> {
  %0 = mlc.softmax %x {axis = 1 : i64} : tensor<8x1024xf32>
  return %0 : tensor<8x1024xf32>
}
