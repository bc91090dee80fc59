// RUN: mlc-opt %s -mlc-cuda-expand-kernel-buffers | FileCheck %s

// A kernel argument of dynamic shape and stride (a column slice, say) and
// one at a dynamic offset: each
// becomes its base buffer (rank 0) and the dynamic parts of its descriptor,
// in order offset, sizes, strides; the kernel rebuilds the buffer with the
// static parts of its type. A buffer of static type stays as it is.

// CHECK-LABEL: func.func @main(
// CHECK-SAME: %[[X:.*]]: memref<?x64xf32, strided<[?, 1]>>, %[[C:.*]]: memref<8x32xf32>, %[[I:.*]]: index
// CHECK: %[[SLOT:.*]] = memref.subview %[[C]][%[[I]], 0]
// CHECK: %[[XB:.*]], %[[XO:.*]], %[[XS:.*]]:2, %[[XT:.*]]:2 = memref.extract_strided_metadata %[[X]]
// CHECK: %[[SB:.*]], %[[SO:.*]], %[[SS:.*]], %[[ST:.*]] = memref.extract_strided_metadata %[[SLOT]]
// CHECK: gpu.launch_func @kernels::@k blocks in ({{.*}}) threads in ({{.*}}) args(%[[XB]] : memref<f32>, %[[XS]]#0 : index, %[[XT]]#0 : index, %[[C]] : memref<8x32xf32>, %[[SB]] : memref<f32>, %[[SO]] : index)

// CHECK: gpu.func @k(%[[B0:.*]]: memref<f32>, %[[N:.*]]: index, %[[S:.*]]: index, %[[CK:.*]]: memref<8x32xf32>, %[[B1:.*]]: memref<f32>, %[[O:.*]]: index) kernel
// CHECK-DAG: %[[SLOTK:.*]] = memref.reinterpret_cast %[[B1]] to offset: [%[[O]]], sizes: [32], strides: [1] : memref<f32> to memref<32xf32, strided<[1], offset: ?>>
// CHECK-DAG: %[[XK:.*]] = memref.reinterpret_cast %[[B0]] to offset: [0], sizes: [%[[N]], 64], strides: [%[[S]], 1] : memref<f32> to memref<?x64xf32, strided<[?, 1]>>
// CHECK: %[[V:.*]] = memref.load %[[XK]]
// CHECK: memref.store %[[V]], %[[CK]]
// CHECK: memref.store %[[V]], %[[SLOTK]]
module attributes {gpu.container_module} {
  func.func @main(%x: memref<?x64xf32, strided<[?, 1]>>, %cache: memref<8x32xf32>, %i: index) {
    %c1 = arith.constant 1 : index
    %slot = memref.subview %cache[%i, 0] [1, 32] [1, 1] : memref<8x32xf32> to memref<32xf32, strided<[1], offset: ?>>
    gpu.launch_func @kernels::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%x : memref<?x64xf32, strided<[?, 1]>>, %cache : memref<8x32xf32>, %slot : memref<32xf32, strided<[1], offset: ?>>)
    return
  }
  gpu.module @kernels {
    gpu.func @k(%x: memref<?x64xf32, strided<[?, 1]>>, %cache: memref<8x32xf32>, %slot: memref<32xf32, strided<[1], offset: ?>>) kernel {
      %c0 = arith.constant 0 : index
      %v = memref.load %x[%c0, %c0] : memref<?x64xf32, strided<[?, 1]>>
      memref.store %v, %cache[%c0, %c0] : memref<8x32xf32>
      memref.store %v, %slot[%c0] : memref<32xf32, strided<[1], offset: ?>>
      gpu.return
    }
  }
}
