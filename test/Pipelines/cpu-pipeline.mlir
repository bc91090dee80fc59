// RUN: mlc-opt %s -mlc-cpu-pipeline | FileCheck %s

// The whole CPU pipeline ends in the LLVM dialect with the C interface the
// runtime calls (mlc-compile then adds the ABI symbols and emits code).
// Buffers come from the allocation functions linked into every module.

mlc.parameter @w : tensor<4x8xf32> = dense<0.5> : tensor<4x8xf32>

// CHECK: mlc.parameter @w
// CHECK: llvm.func @main(
// CHECK: llvm.call @_mlir_memref_to_llvm_alloc
// CHECK: llvm.func @_mlir_ciface_main(%{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr {mlc.parameter = @w})
func.func @main(%x: tensor<?x8xf32>) -> tensor<?x4xf32> {
  %w = mlc.get_parameter @w : tensor<4x8xf32>
  %y = mlc.matmul %x, %w {transpose_rhs} : (tensor<?x8xf32>, tensor<4x8xf32>) -> tensor<?x4xf32>
  %s = mlc.softmax %y {axis = 1 : i64} : tensor<?x4xf32>
  return %s : tensor<?x4xf32>
}
