// RUN: mlc-opt %s -mlc-cuda-pipeline=format=isa -mlir-print-ir-before=mlc-cuda-map-to-gpu -mlir-print-ir-after=mlc-plan-memory -mlir-print-op-generic -mlir-print-ir-module-scope -mlir-disable-threading -o /dev/null 2> %t.dump
// RUN: %python %mlc_src_root/utils/simt_emulator.py compare-dump %t.dump | FileCheck %s
// RUN: mlc-opt %s -mlc-cuda-pipeline=format=isa | FileCheck %s --check-prefix=LAUNCH

// A softmax over rows of 128 (its second kernel: blocks of 128 threads and
// a barrier) and an independent SiLU (8 blocks of 256 threads, no barrier)
// run as one kernel by mlc-cuda-fuse-launches: 4 + 8 blocks of 128
// threads, each thread of the last 8 running the SiLU for two. The
// emulator runs it against the generics before mapping.

// CHECK: OK two
// LAUNCH-LABEL: func.func @two
// LAUNCH: gpu.launch_func {{.*}} blocks in (%c4, %c1, %c1) threads in (%c128, %c1, %c1)
// LAUNCH: gpu.launch_func {{.*}} blocks in (%c12, %c1, %c1) threads in (%c128, %c1, %c1)
// LAUNCH-NOT: gpu.launch_func
func.func @two(%x: tensor<4x128xf32>, %y: tensor<8x1024xf32>) -> (tensor<4x128xf32>, tensor<8x1024xf32>) {
  %s = mlc.softmax %x {axis = 1 : i64} : tensor<4x128xf32>
  %t = mlc.silu %y : tensor<8x1024xf32>
  return %s, %t : tensor<4x128xf32>, tensor<8x1024xf32>
}
