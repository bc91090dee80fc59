// RUN: rm -rf %t && mkdir -p %t
// RUN: mlc-opt %s -mlc-cuda-write-binaries=prefix=%t/ | FileCheck %s --check-prefix=IR
// RUN: FileCheck %s --check-prefix=SM80 < %t/kernels.sm_80.ptx
// RUN: FileCheck %s --check-prefix=SM90 < %t/kernels.sm_90.cubin

// One file per object, named by binary, chip and format; the IR is unchanged.

// IR: gpu.binary @kernels
// SM80: .target sm_80
// SM90: not really a cubin
gpu.binary @kernels [
  #gpu.object<#nvvm.target<chip = "sm_80">, assembly = ".version 8.0\0A.target sm_80\0A">,
  #gpu.object<#nvvm.target<chip = "sm_90">, bin = "not really a cubin">
]
