// REQUIRES: cuda-toolkit
// RUN: mlc-opt %s -split-input-file -verify-diagnostics -mlc-cuda-serialize | FileCheck %s
// RUN: mlc-opt %s -split-input-file -verify-diagnostics -mlc-cuda-serialize=format=isa | FileCheck %s --check-prefix=ISA
// RUN: mlc-opt %s -split-input-file -verify-diagnostics -mlc-cuda-serialize=ptx-fallback=false | FileCheck %s --check-prefix=NOPTX

// A cubin per target (ELF), then the PTX of the last target for newer GPUs.

// CHECK: gpu.binary @kernels [
// CHECK-SAME: #gpu.object<#nvvm.target<chip = "sm_80", features = "+ptx80">, properties = {{.[^}]*.}}, bin = "\7FELF
// CHECK-SAME: #gpu.object<#nvvm.target<chip = "sm_90", features = "+ptx80">, properties = {{.[^}]*.}}, bin = "\7FELF
// CHECK-SAME: #gpu.object<#nvvm.target<chip = "sm_90", features = "+ptx80">, properties = {{.[^}]*.}}, assembly = "{{.*}}.target sm_90{{.*}}.entry scale
// CHECK-NOT: gpu.module

// ISA: gpu.binary @kernels [
// ISA-SAME: assembly = "{{.*}}.target sm_80
// ISA-SAME: assembly = "{{.*}}.target sm_90
// ISA-NOT: bin =

// NOPTX: gpu.binary @kernels [
// NOPTX-NOT: assembly =
module attributes {gpu.container_module} {
  gpu.module @kernels [#nvvm.target<chip = "sm_80", features = "+ptx80">,
                       #nvvm.target<chip = "sm_90", features = "+ptx80">] {
    llvm.func @scale(%x: !llvm.ptr) attributes {nvvm.kernel} {
      %i = nvvm.read.ptx.sreg.tid.x : i32
      %p = llvm.getelementptr %x[%i] : (!llvm.ptr, i32) -> !llvm.ptr, f32
      %v = llvm.load %p : !llvm.ptr -> f32
      %w = llvm.fadd %v, %v : f32
      llvm.store %w, %p : f32, !llvm.ptr
      llvm.return
    }
  }
}

// -----

module attributes {gpu.container_module} {
  // expected-error @below {{has no target: attach one (nvvm-attach-target) before mlc-cuda-serialize}}
  gpu.module @kernels {
  }
}
