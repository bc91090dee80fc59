// REQUIRES: cuda-toolkit, fake-cuda
// RUN: mlc-compile %s -o %t.so --target cuda --quiet
// RUN: %python -c "import numpy; numpy.save('%t.x.npy', numpy.ones((8, 1024), numpy.float32))"
// RUN: rm -f %t.log
// RUN: env MLC_CUDA_DRIVER=%fake_cuda FAKE_CUDA_CC=8.6 FAKE_CUDA_LOG=%t.log mlc-run %t.so %t.x.npy | FileCheck %s --check-prefix=SM86
// RUN: FileCheck %s --check-prefix=LOG < %t.log
// RUN: env MLC_CUDA_DRIVER=%fake_cuda FAKE_CUDA_CC=9.0 mlc-run %t.so %t.x.npy | FileCheck %s --check-prefix=SM90
// RUN: env MLC_CUDA_DRIVER=%fake_cuda FAKE_CUDA_CC=12.0 mlc-run %t.so %t.x.npy | FileCheck %s --check-prefix=SM120
// RUN: env MLC_CUDA_DRIVER=%fake_cuda FAKE_CUDA_CC=7.5 not mlc-run %t.so %t.x.npy 2>&1 | FileCheck %s --check-prefix=SM75

// A softmax compiled for CUDA by mlc-compile and run by mlc-run on the
// fake driver: the runtime picks the image for the device's compute
// capability, loads it, and launches the two kernels the host code asks
// for (each a row reduction with the elementwise work after it: the
// maximum and the exponentials, then the sum and the division), in order,
// with their grids. (No kernel runs: the values printed are
// not checked.)

// SM86: device: cuda:0 Fake GPU (compute capability 8.6, {{.*}}), sm_80 cubin
// SM86: output 0 'output_0': f32 [8, 1024]

// LOG: module_load cubin ELF
// LOG: launch main_kernel grid 8 1 1 block 256 1 1 shared 0
// LOG: launch main_kernel_0 grid 8 1 1 block 256 1 1 shared 0
// LOG-NOT: launch

// SM90: device: cuda:0 Fake GPU (compute capability 9.0, {{.*}}), sm_90 cubin
// SM120: device: cuda:0 Fake GPU (compute capability 12.0, {{.*}}), sm_90 ptx (compiled by the driver)
// SM75: has no kernel image for cuda:0 Fake GPU (compute capability 7.5): its images are sm_80 cubin, sm_90 cubin, sm_90 ptx
// SM75-SAME: recompile it for this GPU with --gpu-arch sm_75
func.func @main(%x: tensor<8x1024xf32>) -> tensor<8x1024xf32> {
  %0 = mlc.softmax %x {axis = 1 : i64} : tensor<8x1024xf32>
  return %0 : tensor<8x1024xf32>
}
