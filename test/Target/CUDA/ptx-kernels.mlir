// REQUIRES: cuda-toolkit
// RUN: rm -rf %t && mkdir -p %t
// RUN: mlc-opt %s -mlc-cuda-pipeline='gpu-arch=sm_80,sm_90 format=isa' -mlc-cuda-write-binaries=prefix=%t/ -o /dev/null
// RUN: FileCheck %s < %t/mlc_kernels.sm_80.ptx
// RUN: FileCheck %s < %t/mlc_kernels.sm_90.ptx
// RUN: FileCheck %s --check-prefix=NOLOCAL < %t/mlc_kernels.sm_80.ptx
// RUN: FileCheck %s --check-prefix=NOLOCAL < %t/mlc_kernels.sm_90.ptx
// RUN: bash %mlc_src_root/utils/ptxas-report.sh %ptxas %t | FileCheck %s --check-prefix=PTXAS

// PTX of the kernels mlc emits for an elementwise chain, RMSNorm and
// softmax (all in one module per architecture), and every kernel assembled
// by ptxas for sm_80 and sm_90 (the register counts are printed; nothing
// here runs on a GPU). RMSNorm is one kernel: the block's sum of squares,
// passed to every thread through shared memory (a second barrier), then the
// row scaled. Softmax is two: the maximum and the exponentials, then the
// sum and the division (in place).

// CHECK: .target sm_{{[89]}}0

// CHECK-LABEL: .visible .entry silu_mul_kernel(
// CHECK-COUNT-3: ld.global.v4.{{[bf]}}32
// CHECK: st.global.v4.{{[bf]}}32
// CHECK: ret;

// CHECK-LABEL: .visible .entry rms_norm_kernel(
// CHECK: .shared .align 4 .b8 {{.*}}[36];
// CHECK-COUNT-5: shfl.sync.bfly.b32
// CHECK: bar.sync 0;
// CHECK-COUNT-5: shfl.sync.bfly.b32
// CHECK: st.shared.b32
// CHECK: bar.sync 0;
// CHECK: ld.shared.b32
// CHECK: ld.global
// CHECK: st.global
// CHECK-NOT: bar.sync
// CHECK: ret;

// CHECK-LABEL: .visible .entry softmax_kernel(
// CHECK: .shared .align 4 .b8 {{.*}}[36];
// CHECK-COUNT-5: shfl.sync.bfly.b32
// CHECK: bar.sync 0;
// CHECK-COUNT-5: shfl.sync.bfly.b32
// CHECK: bar.sync 0;
// CHECK: ex2.approx
// CHECK-NOT: bar.sync
// CHECK: ret;

// CHECK-LABEL: .visible .entry softmax_kernel_0(
// CHECK: .shared .align 4 .b8 {{.*}}[36];
// CHECK-COUNT-5: shfl.sync.bfly.b32
// CHECK: bar.sync 0;
// CHECK-COUNT-5: shfl.sync.bfly.b32
// CHECK: bar.sync 0;
// CHECK: div.rn.f32
// CHECK-NOT: bar.sync
// CHECK: ret;

// No kernel spills to local memory.
// NOLOCAL-NOT: .local

// PTXAS-NOT: ptxas failed
// PTXAS-NOT: {{[1-9][0-9]*}} bytes spill
// PTXAS-DAG: rms_norm_kernel.sm_80: {{[0-9]+}} registers, 0 bytes spill stores, 0 bytes spill loads, 36 bytes smem, 1 barriers
// PTXAS-DAG: rms_norm_kernel.sm_90: {{[0-9]+}} registers, 0 bytes spill stores, 0 bytes spill loads, 36 bytes smem, 1 barriers
// PTXAS-DAG: silu_mul_kernel.sm_80: {{[0-9]+}} registers, 0 bytes spill stores
// PTXAS-DAG: silu_mul_kernel.sm_90: {{[0-9]+}} registers, 0 bytes spill stores
// PTXAS-DAG: softmax_kernel.sm_80: {{[0-9]+}} registers, 0 bytes spill stores, 0 bytes spill loads, 36 bytes smem, 1 barriers
// PTXAS-DAG: softmax_kernel_0.sm_90: {{[0-9]+}} registers, 0 bytes spill stores, 0 bytes spill loads, 36 bytes smem, 1 barriers

func.func @silu_mul(%x: tensor<4x1024xf32>, %y: tensor<4x1024xf32>, %b: tensor<1024xf32>) -> tensor<4x1024xf32> {
  %s = mlc.silu %x : tensor<4x1024xf32>
  %m = mlc.mul %s, %y : (tensor<4x1024xf32>, tensor<4x1024xf32>) -> tensor<4x1024xf32>
  %a = mlc.add %m, %b : (tensor<4x1024xf32>, tensor<1024xf32>) -> tensor<4x1024xf32>
  return %a : tensor<4x1024xf32>
}

func.func @rms_norm(%x: tensor<8x1024xf32>, %g: tensor<1024xf32>) -> tensor<8x1024xf32> {
  %0 = mlc.rms_norm %x, %g {epsilon = 1.0e-06 : f32} : (tensor<8x1024xf32>, tensor<1024xf32>) -> tensor<8x1024xf32>
  return %0 : tensor<8x1024xf32>
}

func.func @softmax(%x: tensor<8x1024xf32>) -> tensor<8x1024xf32> {
  %0 = mlc.softmax %x {axis = 1 : i64} : tensor<8x1024xf32>
  return %0 : tensor<8x1024xf32>
}
