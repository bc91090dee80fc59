// REQUIRES: cuda-toolkit
// RUN: mlc-compile %s -o %t.so --target cuda --quiet
// RUN: llvm-nm -D --defined-only %t.so | FileCheck %s --check-prefix=SYMBOLS
// RUN: llvm-strings %t.so | FileCheck %s --check-prefix=METADATA
// RUN: mlc-compile %s -o %t80.so --target cuda --gpu-arch sm_80 --quiet
// RUN: llvm-strings %t80.so | FileCheck %s --check-prefix=SM80
// RUN: not mlc-compile %s -o %t.so --target cuda --gpu-arch 90 2>&1 | FileCheck %s --check-prefix=BADARCH
// RUN: not mlc-compile %s -o %t.so --gpu-arch sm_90 2>&1 | FileCheck %s --check-prefix=CPUARCH
// RUN: not mlc-compile %s -o %t.so --target cuda --print-kernels 2>&1 | FileCheck %s --check-prefix=KERNELS
// RUN: not mlc-compile %s -o %t.so --target tpu 2>&1 | FileCheck %s --check-prefix=TARGET

// A CUDA module: the ABI symbols of mlc-c/Module.h with the kernel images
// and the hooks the runtime fills, no OpenMP thread setter, and metadata
// naming each kernel and image (a cubin per architecture, then the PTX of
// the last).

// SYMBOLS-DAG: mlc_module_cuda_hooks
// SYMBOLS-DAG: mlc_module_cuda_images
// SYMBOLS-DAG: mlc_module_free
// SYMBOLS-DAG: mlc_module_metadata
// SYMBOLS-DAG: mlc_module_run
// SYMBOLS-NOT: mlc_module_set_num_threads

// METADATA: mlc-module 1
// METADATA-NEXT: target cuda
// METADATA-NEXT: input input_0 f32 8 1024
// METADATA-NEXT: output output_0 f32 8 1024
// METADATA-NEXT: kernel main_kernel
// METADATA-NEXT: kernel main_kernel_0
// METADATA-NEXT: image sm_80 cubin 0 {{[0-9]+}}
// METADATA-NEXT: image sm_90 cubin {{[0-9]+}} {{[0-9]+}}
// METADATA-NEXT: image sm_90 ptx {{[0-9]+}} {{[0-9]+}}

// SM80: image sm_80 cubin 0 {{[0-9]+}}
// SM80-NEXT: image sm_80 ptx {{[0-9]+}} {{[0-9]+}}

// BADARCH: error: --gpu-arch: '90' is not a list of sm_XY architectures
// CPUARCH: error: --gpu-arch is for --target cuda
// KERNELS: error: --print-kernels lists CPU kernels
// TARGET: error: unknown target 'tpu' (available: cpu, cuda)
func.func @main(%x: tensor<8x1024xf32>) -> tensor<8x1024xf32> {
  %0 = mlc.softmax %x {axis = 1 : i64} : tensor<8x1024xf32>
  return %0 : tensor<8x1024xf32>
}
