// REQUIRES: cuda-toolkit
// RUN: rm -rf %t && mkdir -p %t
// RUN: mlc-opt %s -mlc-cuda-pipeline='gpu-arch=sm_80,sm_90 format=isa' -mlc-cuda-write-binaries=prefix=%t/ -o /dev/null
// RUN: FileCheck %s < %t/mlc_kernels.sm_80.ptx
// RUN: FileCheck %s < %t/mlc_kernels.sm_90.ptx
// RUN: bash %mlc_src_root/utils/ptxas-report.sh %ptxas %t | FileCheck %s --check-prefix=PTXAS

// A decode step's cache append and attention at Qwen3-0.6B's sizes (16
// query heads, 8 key/value heads of 128, a 256-row cache): the append
// reads the position from device memory (the kernel loads it: host code
// reads no buffer), the attention kernel loads 4 elements per lane
// of the query and of each key and value row in one 128-bit access, sums
// each score with xor shuffles and combines its 4 warps in shared memory.

// CHECK: .target sm_{{[89]}}0

// The append: the position loaded in the kernel, one element per thread.
// CHECK-LABEL: .visible .entry decode_kernel_0(
// CHECK: ld.global.{{[bu]}}32
// CHECK: ld.global.{{[bu]}}32
// CHECK: st.global.{{[bf]}}32
// CHECK: ret;

// The rows of the 256-row cache in 8 splits of 32 (a decode step:
// flash-decoding), a block each for the two query heads of a KV head (each
// key and value row read once for both): the key's and the value's rows
// loaded together (neither depends on the scores), a score's 5 shuffles per
// head, the block's unnormalized states (4160 bytes of shared memory for
// the two heads' warp states) stored for the combining kernel.
// CHECK-LABEL: .visible .entry decode_kernel_1(
// CHECK: ld.global.{{[bu]}}32
// CHECK: ld.global.v4.{{[bf]}}32
// CHECK: ld.global.v4.{{[bf]}}32
// CHECK-NOT: shfl
// CHECK: ld.global.v4.{{[bf]}}32
// CHECK-COUNT-10: shfl.sync.bfly.b32
// CHECK: ex2.approx
// CHECK: bar.sync 0;
// CHECK: st.global.{{[bf]}}32
// CHECK: ret;

// The combining kernel: a thread per output element over the splits that
// hold valid rows.
// CHECK-LABEL: .visible .entry decode_kernel_2(
// CHECK: ex2.approx
// CHECK: st.global.{{[bf]}}32
// CHECK: ret;

// A bf16 cache (mlc-compile --dtype bf16): 4 elements of a key or value row
// per lane in one 64-bit load, each widened to f32 (@decode_bf16's kernels:
// the whole cache copied into the result, the row appended, the splits,
// their combination).
// CHECK-LABEL: .visible .entry decode_bf16_kernel_4(
// CHECK: ld.global.v4.{{[bf]}}32
// CHECK: ld.global.v4.b16
// CHECK-COUNT-4: cvt.f32.bf16
// CHECK-NOT: shfl
// CHECK: ld.global.v4.b16
// CHECK-COUNT-4: cvt.f32.bf16
// CHECK-COUNT-5: shfl.sync.bfly.b32
// CHECK: bar.sync 0;
// CHECK: st.global.{{[bf]}}32
// CHECK: ret;
// CHECK-LABEL: .visible .entry decode_bf16_kernel_5(

// PTXAS-DAG: decode_bf16_kernel_4.sm_80: {{[0-9]+}} registers, 0 bytes spill stores, 0 bytes spill loads, 4160 bytes smem, 1 barriers
// PTXAS-DAG: decode_bf16_kernel_4.sm_90: {{[0-9]+}} registers, 0 bytes spill stores, 0 bytes spill loads, 4160 bytes smem, 1 barriers
// PTXAS-DAG: decode_kernel_1.sm_80: {{[0-9]+}} registers, 0 bytes spill stores, 0 bytes spill loads, 4160 bytes smem, 1 barriers
// PTXAS-DAG: decode_kernel_1.sm_90: {{[0-9]+}} registers, 0 bytes spill stores, 0 bytes spill loads, 4160 bytes smem, 1 barriers
// PTXAS-DAG: decode_kernel_2.sm_80: {{[0-9]+}} registers, 0 bytes spill stores, 0 bytes spill loads, 0 bytes smem, 0 barriers
// PTXAS-DAG: decode_kernel_2.sm_90: {{[0-9]+}} registers, 0 bytes spill stores, 0 bytes spill loads, 0 bytes smem, 0 barriers

func.func @decode(%q: tensor<1x16x1x128xf32>, %k: tensor<1x8x1x128xf32>, %pos: tensor<i64>, %kc: tensor<1x8x256x128xf32>, %vc: tensor<1x8x256x128xf32>) -> (tensor<1x16x1x128xf32>, tensor<1x8x256x128xf32>) {
  %kn = mlc.update_slice %kc, %k, %pos {axis = 2 : i64} : (tensor<1x8x256x128xf32>, tensor<1x8x1x128xf32>, tensor<i64>) -> tensor<1x8x256x128xf32>
  %o = mlc.attention %q, %kn, %vc position(%pos) {causal} : (tensor<1x16x1x128xf32>, tensor<1x8x256x128xf32>, tensor<1x8x256x128xf32>, tensor<i64>) -> tensor<1x16x1x128xf32>
  return %o, %kn : tensor<1x16x1x128xf32>, tensor<1x8x256x128xf32>
}

func.func @decode_bf16(%q: tensor<1x16x1x128xf32>, %k: tensor<1x8x1x128xbf16>, %pos: tensor<i64>, %kc: tensor<1x8x256x128xbf16>, %vc: tensor<1x8x256x128xbf16>) -> (tensor<1x16x1x128xf32>, tensor<1x8x256x128xbf16>) {
  %kn = mlc.update_slice %kc, %k, %pos {axis = 2 : i64} : (tensor<1x8x256x128xbf16>, tensor<1x8x1x128xbf16>, tensor<i64>) -> tensor<1x8x256x128xbf16>
  %o = mlc.attention %q, %kn, %vc position(%pos) {causal} : (tensor<1x16x1x128xf32>, tensor<1x8x256x128xbf16>, tensor<1x8x256x128xbf16>, tensor<i64>) -> tensor<1x16x1x128xf32>
  return %o, %kn : tensor<1x16x1x128xf32>, tensor<1x8x256x128xbf16>
}
