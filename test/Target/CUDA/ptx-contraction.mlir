// REQUIRES: cuda-toolkit
// RUN: rm -rf %t && mkdir -p %t
// RUN: mlc-opt %s -mlc-cuda-pipeline='gpu-arch=sm_80,sm_90 format=isa' -mlc-cuda-write-binaries=prefix=%t/ -o /dev/null
// RUN: FileCheck %s --check-prefix=GEMVK < %t/mlc_kernels.sm_80.ptx
// RUN: FileCheck %s --check-prefix=GEMVK < %t/mlc_kernels.sm_90.ptx
// RUN: FileCheck %s --check-prefix=GEMVN < %t/mlc_kernels.sm_80.ptx
// RUN: FileCheck %s --check-prefix=MATMUL < %t/mlc_kernels.sm_90.ptx
// RUN: FileCheck %s --check-prefix=CONV < %t/mlc_kernels.sm_80.ptx
// RUN: bash %mlc_src_root/utils/ptxas-report.sh %ptxas %t | FileCheck %s --check-prefix=PTXAS

// PTX of the contraction kernels for a decode step's projections (weights
// [n][k] in bf16 and [k][n] in f16, 1024 x 3072), a prefill matmul
// (128 x 1024 x 1000) and a padded, strided convolution (general kernel),
// each assembled by ptxas for sm_80 and sm_90 without spills.

// One warp per column: 4 x (8 bf16 + 2 x 4 f32) 128-bit loads per
// iteration, 32 FMAs, 5 shuffles, no shared memory.
// GEMVK-LABEL: .visible .entry gemv_nk_kernel(
// GEMVK-NOT: .shared
// GEMVK-COUNT-12: ld.global.v4.b32
// GEMVK-COUNT-32: fma.rn.f32
// GEMVK-COUNT-5: shfl.sync.bfly.b32
// GEMVK-NOT: bar.sync
// GEMVK-NOT: .local
// GEMVK: ret;

// Threads along n: 8 f16 columns per 128-bit load, partial sums in 16-byte
// aligned shared memory (vector stores), one barrier.
// GEMVN-LABEL: .visible .entry gemv_kn_kernel(
// GEMVN: .shared .align 16 .b8 {{.*}}[8192];
// GEMVN: ld.global.v4.b32
// GEMVN-COUNT-8: fma.rn.f32
// GEMVN-COUNT-2: st.shared.v4.b32
// GEMVN: bar.sync 0;
// GEMVN: ld.shared.v4.b32
// GEMVN-NOT: bar.sync
// GEMVN-NOT: .local
// GEMVN: ret;

// Two 16-byte aligned slabs, staged with 128-bit shared stores, 16 x 16
// FMAs between two barriers on 128-bit shared loads.
// MATMUL-LABEL: .visible .entry matmul_kernel(
// MATMUL-COUNT-2: .shared .align 16 .b8 {{.*}}[4352];
// MATMUL-COUNT-2: st.shared.v4.b32
// MATMUL: bar.sync 0;
// MATMUL-COUNT-2: ld.shared.v4.b32
// MATMUL-COUNT-16: fma.rn.f32
// MATMUL: bar.sync 0;
// MATMUL-NOT: .local
// MATMUL: ret;

// The convolution: one thread per output element, no shared memory.
// CONV-LABEL: .visible .entry conv_kernel_1(
// CONV-NOT: .shared
// CONV: ld.global
// CONV: st.global.b32
// CONV-NOT: bar.sync
// CONV: ret;

// PTXAS-NOT: ptxas failed
// PTXAS-NOT: {{[1-9][0-9]*}} bytes spill
// PTXAS-DAG: gemv_nk_kernel.sm_80: {{[0-9]+}} registers, 0 bytes spill stores, 0 bytes spill loads, 0 bytes smem
// PTXAS-DAG: gemv_nk_kernel.sm_90: {{[0-9]+}} registers, 0 bytes spill stores, 0 bytes spill loads, 0 bytes smem
// PTXAS-DAG: gemv_kn_kernel.sm_80: {{[0-9]+}} registers, 0 bytes spill stores, 0 bytes spill loads, 8192 bytes smem, 1 barriers
// PTXAS-DAG: gemv_kn_kernel.sm_90: {{[0-9]+}} registers, 0 bytes spill stores, 0 bytes spill loads, 8192 bytes smem, 1 barriers
// PTXAS-DAG: matmul_kernel.sm_80: {{[0-9]+}} registers, 0 bytes spill stores, 0 bytes spill loads, 8704 bytes smem, 1 barriers
// PTXAS-DAG: matmul_kernel.sm_90: {{[0-9]+}} registers, 0 bytes spill stores, 0 bytes spill loads, 8704 bytes smem, 1 barriers
// PTXAS-DAG: conv_kernel_1.sm_80: {{[0-9]+}} registers, 0 bytes spill stores
// PTXAS-DAG: conv_kernel_1.sm_90: {{[0-9]+}} registers, 0 bytes spill stores

func.func @gemv_nk(%x: tensor<1x1x1024xf32>, %w: tensor<3072x1024xbf16>) -> tensor<1x1x3072xf32> {
  %wf = mlc.cast %w : (tensor<3072x1024xbf16>) -> tensor<3072x1024xf32>
  %y = mlc.matmul %x, %wf {transpose_rhs} : (tensor<1x1x1024xf32>, tensor<3072x1024xf32>) -> tensor<1x1x3072xf32>
  return %y : tensor<1x1x3072xf32>
}

func.func @gemv_kn(%x: tensor<1x1x1024xf32>, %w: tensor<1024x3072xf16>) -> tensor<1x1x3072xf32> {
  %wf = mlc.cast %w : (tensor<1024x3072xf16>) -> tensor<1024x3072xf32>
  %y = mlc.matmul %x, %wf : (tensor<1x1x1024xf32>, tensor<1024x3072xf32>) -> tensor<1x1x3072xf32>
  return %y : tensor<1x1x3072xf32>
}

func.func @matmul(%x: tensor<1x128x1024xf32>, %w: tensor<1024x1000xf32>) -> tensor<1x128x1000xf32> {
  %y = mlc.matmul %x, %w : (tensor<1x128x1024xf32>, tensor<1024x1000xf32>) -> tensor<1x128x1000xf32>
  return %y : tensor<1x128x1000xf32>
}

func.func @conv(%x: tensor<1x3x32x32xf32>, %w: tensor<16x3x3x3xf32>) -> tensor<1x16x16x16xf32> {
  %y = mlc.conv2d %x, %w {padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x3x32x32xf32>, tensor<16x3x3x3xf32>) -> tensor<1x16x16x16xf32>
  return %y : tensor<1x16x16x16xf32>
}
