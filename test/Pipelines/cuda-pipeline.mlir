// REQUIRES: cuda-toolkit
// RUN: mlc-opt %s -mlc-cuda-pipeline='gpu-arch=sm_80,sm_90 format=isa' | FileCheck %s
// RUN: mlc-opt %s -mlc-cuda-pipeline='gpu-arch=sm_90 format=bin' | FileCheck %s --check-prefix=CUBIN
// RUN: mlc-opt %s -mlc-cuda-pipeline='gpu-arch=sm_90 format=isa library-gemm=false' | FileCheck %s --check-prefix=NOGEMM

// The whole CUDA pipeline: the host function keeps buffers and launches;
// the kernels are in one gpu.binary with an object per architecture (PTX
// with format=isa; with format=bin a cubin each and the PTX of the last).

// The declaration of the runtime's GEMM (@projection, below, calls it).
// CHECK: func.func private @mlc_cuda_gemm(i32, i32, i32, i32, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index) -> i32
// CHECK-LABEL: func.func @main(
// CHECK-SAME: %[[X:.*]]: memref<4x1024xf32>, %[[B:.*]]: memref<1024xf32>) -> memref<4x1024xf32>
// CHECK: %[[Y:.*]] = memref.alloc() {{.*}} : memref<4x1024xf32>
// CHECK: gpu.launch_func @mlc_kernels::@main_kernel blocks in ({{.*}}) threads in ({{.*}}) args(%[[X]] : memref<4x1024xf32>, %[[B]] : memref<1024xf32>, %[[Y]] : memref<4x1024xf32>)
// CHECK: return %[[Y]]
// CHECK: gpu.binary @mlc_kernels [#gpu.object<#nvvm.target<O = 3, chip = "sm_80", features = "+ptx80">, {{.*}}assembly = "{{.*}}.target sm_80{{.*}}ld.global.v4{{.*}}st.global.v4{{.*}}">, #gpu.object<#nvvm.target<O = 3, chip = "sm_90", features = "+ptx80">, {{.*}}assembly = "{{.*}}.target sm_90{{.*}}">]

// CUBIN: gpu.binary @mlc_kernels [#gpu.object<#nvvm.target<O = 3, chip = "sm_90", features = "+ptx80">, {{.*}}bin = "\7FELF
// CUBIN-SAME: #gpu.object<#nvvm.target<O = 3, chip = "sm_90", features = "+ptx80">, {{.*}}assembly = "{{.*}}.target sm_90
func.func @main(%x: tensor<4x1024xf32>, %b: tensor<1024xf32>) -> tensor<4x1024xf32> {
  %s = mlc.silu %x : tensor<4x1024xf32>
  %y = mlc.add %s, %b : (tensor<4x1024xf32>, tensor<1024xf32>) -> tensor<4x1024xf32>
  return %y : tensor<4x1024xf32>
}

// Intermediates in device memory are planned at compile time
// (mlc-plan-memory, after mlc-cuda-map-to-gpu): four GEMVs, three
// intermediates of 1 KiB in one arena of 2 KiB, the third where the first
// was (its last kernel launched before).
// CHECK-LABEL: func.func @chain(
// CHECK:         %[[ARENA:.+]] = memref.alloc() {{.*}} : memref<2048xi8>
// CHECK:         %[[H:.+]] = memref.view %[[ARENA]][%c0][] : memref<2048xi8> to memref<1x256xf32>
// CHECK:         gpu.launch_func {{.*}} args({{.*}}, %[[H]] : memref<1x256xf32>)
// CHECK:         %[[G:.+]] = memref.view %[[ARENA]][%c1024][] : memref<2048xi8> to memref<1x256xf32>
// CHECK:         gpu.launch_func {{.*}} args({{.*}}, %[[H]] : memref<1x256xf32>, %[[G]] : memref<1x256xf32>)
// CHECK:         %[[O:.+]] = memref.view %[[ARENA]][%c0][] : memref<2048xi8> to memref<1x256xf32>
// CHECK:         gpu.launch_func {{.*}} args({{.*}}, %[[G]] : memref<1x256xf32>, %[[O]] : memref<1x256xf32>)
// CHECK:         gpu.launch_func {{.*}} args({{.*}}, %[[O]] : memref<1x256xf32>, %{{.+}} : memref<1x256xf32>)
// CHECK:         memref.dealloc %[[ARENA]] : memref<2048xi8>
// CHECK-NEXT:    return
func.func @chain(%x: tensor<1x256xf32>, %w1: tensor<256x256xf32>, %w2: tensor<256x256xf32>, %w3: tensor<256x256xf32>, %w4: tensor<256x256xf32>) -> tensor<1x256xf32> {
  %h = mlc.matmul %x, %w1 : (tensor<1x256xf32>, tensor<256x256xf32>) -> tensor<1x256xf32>
  %g = mlc.matmul %h, %w2 : (tensor<1x256xf32>, tensor<256x256xf32>) -> tensor<1x256xf32>
  %o = mlc.matmul %g, %w3 : (tensor<1x256xf32>, tensor<256x256xf32>) -> tensor<1x256xf32>
  %r = mlc.matmul %o, %w4 : (tensor<1x256xf32>, tensor<256x256xf32>) -> tensor<1x256xf32>
  return %r : tensor<1x256xf32>
}

// A matmul of a GEMM's form: offered to the runtime's cuBLASLt, the tiled
// kernel launched only where it declines; with library-gemm=false the
// kernel alone.
// CHECK-LABEL: func.func @projection(
// CHECK:         %[[Q:.+]] = call @mlc_cuda_gemm(
// CHECK:         %[[NO:.+]] = arith.cmpi eq, %[[Q]], %{{.+}} : i32
// CHECK:         scf.if %[[NO]] {
// CHECK-NEXT:      gpu.launch_func @mlc_kernels::@projection_kernel
// NOGEMM-LABEL: func.func @projection(
// NOGEMM-NOT:     mlc_cuda_gemm
// NOGEMM:         gpu.launch_func @mlc_kernels::@projection_kernel
// NOGEMM-NOT:     mlc_cuda_gemm
func.func @projection(%x: tensor<64x256xf32>, %w: tensor<256x128xf32>) -> tensor<64x128xf32> {
  %y = mlc.matmul %x, %w : (tensor<64x256xf32>, tensor<256x128xf32>) -> tensor<64x128xf32>
  return %y : tensor<64x128xf32>
}
