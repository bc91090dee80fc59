// RUN: mlc-opt %s -split-input-file -verify-diagnostics -mlc-cuda-lower-launches | FileCheck %s

// Launches become calls of the hook with the kernel's index (by first
// launch), the grid and block sizes, and slots holding the arguments:
// memrefs by aligned pointer, indices as i64, other scalars as they are.
// One array of slots and one of pointers to them, in the entry block,
// serve every launch of the function, also one in a loop.

// CHECK: llvm.func @mlc_cuda_launch(i32, i64, i64, i64, i64, i64, i64, i32, !llvm.ptr)
// CHECK-LABEL: func.func @main(
// CHECK-SAME: %[[X:.*]]: memref<4x256xf32>, %[[S:.*]]: f32, %[[N:.*]]: index)
// CHECK: %[[COUNT:.*]] = llvm.mlir.constant(3 : i64) : i64
// CHECK: %[[VALUES:.*]] = llvm.alloca %[[COUNT]] x i64 : (i64) -> !llvm.ptr
// CHECK: %[[PARAMS:.*]] = llvm.alloca %[[COUNT]] x !llvm.ptr : (i64) -> !llvm.ptr
// CHECK-NOT: llvm.alloca
// CHECK: scf.for
// CHECK: %[[ADDR:.*]] = memref.extract_aligned_pointer_as_index %[[X]]
// CHECK: %[[ADDR64:.*]] = arith.index_cast %[[ADDR]] : index to i64
// CHECK: %[[PTR:.*]] = llvm.inttoptr %[[ADDR64]] : i64 to !llvm.ptr
// CHECK: %[[V0:.*]] = llvm.getelementptr %[[VALUES]][0]
// CHECK: llvm.store %[[PTR]], %[[V0]] : !llvm.ptr, !llvm.ptr
// CHECK: %[[P0:.*]] = llvm.getelementptr %[[PARAMS]][0]
// CHECK: llvm.store %[[V0]], %[[P0]]
// CHECK: %[[V1:.*]] = llvm.getelementptr %[[VALUES]][1]
// CHECK: llvm.store %[[S]], %[[V1]] : f32, !llvm.ptr
// CHECK: %[[P1:.*]] = llvm.getelementptr %[[PARAMS]][1]
// CHECK: llvm.store %[[V1]], %[[P1]]
// CHECK: %[[N64:.*]] = arith.index_cast %[[N]] : index to i64
// CHECK: %[[V2:.*]] = llvm.getelementptr %[[VALUES]][2]
// CHECK: llvm.store %[[N64]], %[[V2]] : i64, !llvm.ptr
// CHECK: %[[K0:.*]] = llvm.mlir.constant(0 : i32) : i32
// CHECK: llvm.call @mlc_cuda_launch(%[[K0]], {{.*}}, %[[PARAMS]])
// CHECK: }
// CHECK: %[[K1:.*]] = llvm.mlir.constant(1 : i32) : i32
// CHECK: llvm.call @mlc_cuda_launch(%[[K1]], {{.*}}, %[[PARAMS]])
// CHECK: %[[K0B:.*]] = llvm.mlir.constant(0 : i32) : i32
// CHECK: llvm.call @mlc_cuda_launch(%[[K0B]], {{.*}}, %[[PARAMS]])
// CHECK-NOT: gpu.launch_func
// CHECK: gpu.binary @mlc_kernels {mlc.kernels = ["scale", "shift"]}
module attributes {gpu.container_module} {
  func.func @main(%x: memref<4x256xf32>, %s: f32, %n: index) {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c4 = arith.constant 4 : index
    %c256 = arith.constant 256 : index
    scf.for %i = %c0 to %c4 step %c1 {
      gpu.launch_func @mlc_kernels::@scale blocks in (%c4, %c1, %c1) threads in (%c256, %c1, %c1) args(%x : memref<4x256xf32>, %s : f32, %n : index)
    }
    gpu.launch_func @mlc_kernels::@shift blocks in (%c1, %c1, %c1) threads in (%c256, %c1, %c1) args(%x : memref<4x256xf32>)
    gpu.launch_func @mlc_kernels::@scale blocks in (%c4, %c1, %c1) threads in (%c256, %c1, %c1) args(%x : memref<4x256xf32>, %s : f32, %n : index)
    return
  }
  gpu.binary @mlc_kernels [#gpu.object<#nvvm.target<chip = "sm_90">, bin = "not a real cubin">]
}

// -----

// A view with a static offset and strides (the interior of a padded
// buffer) goes as its aligned pointer: the kernel applies the offset.

// CHECK-LABEL: func.func @padded_interior(
// CHECK-SAME: %[[X:.*]]: memref<1x3x4x4xf32, strided<[108, 36, 6, 1], offset: 43>>)
// CHECK: %[[ADDR:.*]] = memref.extract_aligned_pointer_as_index %[[X]]
// CHECK: llvm.call @mlc_cuda_launch(
module attributes {gpu.container_module} {
  func.func @padded_interior(%x: memref<1x3x4x4xf32, strided<[108, 36, 6, 1], offset: 43>>) {
    %c1 = arith.constant 1 : index
    gpu.launch_func @mlc_kernels::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%x : memref<1x3x4x4xf32, strided<[108, 36, 6, 1], offset: 43>>)
    return
  }
  gpu.binary @mlc_kernels [#gpu.object<#nvvm.target<chip = "sm_90">, bin = "">]
}

// -----

module attributes {gpu.container_module} {
  func.func @dynamic_offset(%x: memref<4x256xf32, strided<[512, 1], offset: ?>>) {
    %c1 = arith.constant 1 : index
    // expected-error @below {{kernel argument of type 'memref<4x256xf32, strided<[512, 1], offset: ?>>' cannot be passed (memrefs need a static shape, strides and offset)}}
    gpu.launch_func @mlc_kernels::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%x : memref<4x256xf32, strided<[512, 1], offset: ?>>)
    return
  }
  gpu.binary @mlc_kernels [#gpu.object<#nvvm.target<chip = "sm_90">, bin = "">]
}

// -----

module attributes {gpu.container_module} {
  func.func @not_serialized() {
    %c1 = arith.constant 1 : index
    // expected-error @below {{launches a kernel of @kernels, which is not a gpu.binary: serialize the kernels first}}
    gpu.launch_func @kernels::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1)
    return
  }
  gpu.module @kernels {
    gpu.func @k() kernel {
      gpu.return
    }
  }
}

// -----

module attributes {gpu.container_module} {
  func.func @two_binaries() {
    %c1 = arith.constant 1 : index
    // expected-error @below {{launches kernels of 2 binaries: run mlc-cuda-merge-kernel-modules first (a CUDA module has one)}}
    gpu.launch_func @a::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1)
    gpu.launch_func @b::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1)
    return
  }
  gpu.binary @a [#gpu.object<#nvvm.target<chip = "sm_90">, bin = "">]
  gpu.binary @b [#gpu.object<#nvvm.target<chip = "sm_90">, bin = "">]
}

// -----

module attributes {gpu.container_module} {
  func.func @async() {
    %c1 = arith.constant 1 : index
    %t = gpu.wait async
    // expected-error @below {{asynchronous launches are not lowered: the module's work is ordered on the runtime's stream}}
    %u = gpu.launch_func async [%t] @mlc_kernels::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1)
    return
  }
  gpu.binary @mlc_kernels [#gpu.object<#nvvm.target<chip = "sm_90">, bin = "">]
}
