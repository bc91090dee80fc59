// RUN: mlc-opt %s -split-input-file -verify-diagnostics -mlc-cuda-merge-kernel-modules | FileCheck %s

// Two modules from gpu-kernel-outlining with kernels of the same name and a
// constant cloned into both: one module, kernels named after their modules,
// the constant once, launches redirected.

// CHECK-LABEL: func.func @main(
// CHECK: gpu.launch_func @mlc_kernels::@main_kernel blocks
// CHECK: gpu.launch_func @mlc_kernels::@main_kernel_0 blocks
// CHECK-NOT: gpu.module @main_kernel
// CHECK: gpu.module @mlc_kernels {
// CHECK-DAG: gpu.func @main_kernel(%{{.*}}: memref<4xf32>) kernel
// CHECK-DAG: gpu.func @main_kernel_0(%{{.*}}: memref<4xf32>) kernel
// CHECK-DAG: memref.global "private" constant @table
// CHECK-NOT: memref.global
// CHECK: }
module attributes {gpu.container_module} {
  func.func @main(%x: memref<4xf32>) {
    %c1 = arith.constant 1 : index
    gpu.launch_func @main_kernel::@main_kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%x : memref<4xf32>)
    gpu.launch_func @main_kernel_0::@main_kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%x : memref<4xf32>)
    return
  }
  gpu.module @main_kernel {
    memref.global "private" constant @table : memref<4xf32> = dense<[1.0, 2.0, 3.0, 4.0]>
    gpu.func @main_kernel(%x: memref<4xf32>) kernel {
      %t = memref.get_global @table : memref<4xf32>
      gpu.return
    }
  }
  gpu.module @main_kernel_0 {
    memref.global "private" constant @table : memref<4xf32> = dense<[1.0, 2.0, 3.0, 4.0]>
    gpu.func @main_kernel(%x: memref<4xf32>) kernel {
      %t = memref.get_global @table : memref<4xf32>
      gpu.return
    }
  }
}

// -----

// Nothing to merge: the module is unchanged.

// CHECK-LABEL: func.func @host_only
// CHECK-NOT: gpu.module
module attributes {gpu.container_module} {
  func.func @host_only() {
    return
  }
}

// -----

module attributes {gpu.container_module} {
  gpu.module @a {
    memref.global "private" constant @table : memref<2xf32> = dense<[1.0, 2.0]>
  }
  gpu.module @b {
    // expected-error @below {{symbol @table is defined differently in two kernel modules}}
    memref.global "private" constant @table : memref<2xf32> = dense<[1.0, 3.0]>
  }
}

// -----

module attributes {gpu.container_module} {
  // expected-error @below {{has targets already: merge kernel modules before attaching targets}}
  gpu.module @a [#nvvm.target<chip = "sm_90">] {
  }
}
