// REQUIRES: cuda-toolkit
// RUN: mlc-opt %s -mlc-linalg-to-cuda-pipeline='gpu-arch=sm_90 format=isa' | FileCheck %s

// A constant that a kernel reads ends up in device memory: the kernel
// references the global itself (mlc-cuda-map-to-gpu moves the get_global
// into the launch), so gpu-kernel-outlining copies it into the kernel's
// module and the PTX defines it as a .global, read through the read-only
// data path (bufferization aligns it to 64 bytes: 128-bit loads). The
// launch takes only the input and the output.

// The host keeps no copy of the constant (symbol-dce after outlining).
// CHECK-NOT: memref.global
// CHECK-LABEL: func.func @scale_by_table(
// CHECK: gpu.launch_func @mlc_kernels::@scale_by_table_kernel {{.*}} args(%{{.*}} : memref<3x8xf32>, %{{.*}} : memref<3x8xf32>)
// CHECK: gpu.binary @mlc_kernels {{.*}}.global .align 64 .b8 __constant_8xf32[32] = {0, 0, 128, 63,{{.*}}ld.global.nc.v4.b32{{.*}}
func.func @scale_by_table(%x: tensor<3x8xf32>) -> tensor<3x8xf32> {
  %t = arith.constant dense<[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]> : tensor<8xf32>
  %e = tensor.empty() : tensor<3x8xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%x, %t : tensor<3x8xf32>, tensor<8xf32>) outs(%e : tensor<3x8xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %m = arith.mulf %a, %b : f32
    linalg.yield %m : f32
  } -> tensor<3x8xf32>
  return %r : tensor<3x8xf32>
}
