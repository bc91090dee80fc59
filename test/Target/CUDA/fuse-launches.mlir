// RUN: mlc-opt %s --mlc-cuda-fuse-launches --split-input-file | FileCheck %s

// Two launches that read the same buffer and write different ones: one
// launch of 4 + 2 blocks, the first body in blocks [0, 4), the second in
// the others, at its block index minus 4. Each keeps its workgroup memory
// (and its barrier: the branch is the block's).
// CHECK-LABEL: func.func @independent
// CHECK:         %[[GRID:.+]] = arith.addi %c4, %c2 : index
// CHECK:         gpu.launch blocks(%[[B:[^,]+]], {{.*}} in ({{[^=]+}}= %[[GRID]], {{.*}} threads({{.*}} in ({{[^=]+}}= %c32{{[_0-9]*}}, {{.*}} workgroup(%[[W1:[^ ]+]] : memref<4xf32, #gpu.address_space<workgroup>>, %[[W2:[^ ]+]] : memref<8xf32, #gpu.address_space<workgroup>>)
// CHECK:           %[[FIRST:.+]] = arith.cmpi ult, %[[B]], %c4
// CHECK:           scf.if %[[FIRST]] {
// CHECK:             memref.store {{.*}}, %[[W1]]
// CHECK:             gpu.barrier
// CHECK:             memref.store {{.*}}, %arg1[%[[B]]
// CHECK:           } else {
// CHECK:             %[[B2:.+]] = arith.subi %[[B]], %c4
// CHECK:             memref.store {{.*}}, %[[W2]]
// CHECK:             memref.store {{.*}}, %arg2[%[[B2]]
// CHECK:           }
// CHECK-NOT:     gpu.launch
func.func @independent(%x: memref<64xf32>, %y: memref<4x32xf32>, %z: memref<2x32xf32>) {
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c4 = arith.constant 4 : index
  %c32 = arith.constant 32 : index
  gpu.launch blocks(%b, %by, %bz) in (%gx = %c4, %gy = %c1, %gz = %c1)
             threads(%t, %ty, %tz) in (%sx = %c32, %sy = %c1, %sz = %c1)
             workgroup(%w : memref<4xf32, #gpu.address_space<workgroup>>) {
    %v = memref.load %x[%t] : memref<64xf32>
    memref.store %v, %w[%c1] : memref<4xf32, #gpu.address_space<workgroup>>
    gpu.barrier
    memref.store %v, %y[%b, %t] : memref<4x32xf32>
    gpu.terminator
  }
  gpu.launch blocks(%b, %by, %bz) in (%gx = %c2, %gy = %c1, %gz = %c1)
             threads(%t, %ty, %tz) in (%sx = %c32, %sy = %c1, %sz = %c1)
             workgroup(%w : memref<8xf32, #gpu.address_space<workgroup>>) {
    %v = memref.load %x[%t] : memref<64xf32>
    memref.store %v, %w[%c1] : memref<8xf32, #gpu.address_space<workgroup>>
    memref.store %v, %z[%b, %t] : memref<2x32xf32>
    gpu.terminator
  }
  return
}

// -----

// Blocks of 128 threads with a barrier and of 256 without one: blocks of
// 128, each thread running the second body for two of its threads.
// CHECK-LABEL: func.func @coarsened
// CHECK:         gpu.launch {{.*}} threads(%[[T:[^,]+]], {{.*}} in ({{[^=]+}}= %c128
// CHECK:           scf.if
// CHECK:             gpu.barrier
// CHECK:           } else {
// CHECK:             scf.for %[[I:.+]] = %c0{{.*}} to %c256{{.*}} step %c128
// CHECK:               %[[VT:.+]] = arith.addi %[[I]], %[[T]]
// CHECK:               memref.load %arg0[%[[VT]]]
// CHECK-NOT:     gpu.launch
func.func @coarsened(%x: memref<256xf32>, %y: memref<128xf32>, %z: memref<256xf32>) {
  %c1 = arith.constant 1 : index
  %c128 = arith.constant 128 : index
  %c256 = arith.constant 256 : index
  gpu.launch blocks(%b, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%t, %ty, %tz) in (%sx = %c128, %sy = %c1, %sz = %c1) {
    %v = memref.load %x[%t] : memref<256xf32>
    gpu.barrier
    memref.store %v, %y[%t] : memref<128xf32>
    gpu.terminator
  }
  gpu.launch blocks(%b, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%t, %ty, %tz) in (%sx = %c256, %sy = %c1, %sz = %c1) {
    %v = memref.load %x[%t] : memref<256xf32>
    memref.store %v, %z[%t] : memref<256xf32>
    gpu.terminator
  }
  return
}

// -----

// Not fused: the second reads what the first writes (%a, then %y); a
// larger block whose body has a barrier; a copy between two launches; a
// view of what the launch before writes.
// CHECK-LABEL: func.func @dependent
// CHECK-COUNT-6: gpu.launch blocks
func.func @dependent(%x: memref<256xf32>, %y: memref<256xf32>, %z: memref<256xf32>) {
  %c1 = arith.constant 1 : index
  %c128 = arith.constant 128 : index
  %c256 = arith.constant 256 : index
  %a = memref.alloc() : memref<256xf32>
  gpu.launch blocks(%b, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%t, %ty, %tz) in (%sx = %c256, %sy = %c1, %sz = %c1) {
    %v = memref.load %x[%t] : memref<256xf32>
    memref.store %v, %a[%t] : memref<256xf32>
    gpu.terminator
  }
  gpu.launch blocks(%b, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%t, %ty, %tz) in (%sx = %c256, %sy = %c1, %sz = %c1) {
    %v = memref.load %a[%t] : memref<256xf32>
    memref.store %v, %y[%t] : memref<256xf32>
    gpu.terminator
  }
  gpu.launch blocks(%b, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%t, %ty, %tz) in (%sx = %c128, %sy = %c1, %sz = %c1) {
    %v = memref.load %y[%t] : memref<256xf32>
    memref.store %v, %z[%t] : memref<256xf32>
    gpu.terminator
  }
  gpu.launch blocks(%b, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%t, %ty, %tz) in (%sx = %c256, %sy = %c1, %sz = %c1) {
    %v = memref.load %x[%t] : memref<256xf32>
    gpu.barrier
    memref.store %v, %a[%t] : memref<256xf32>
    gpu.terminator
  }
  memref.copy %x, %z : memref<256xf32> to memref<256xf32>
  gpu.launch blocks(%b, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%t, %ty, %tz) in (%sx = %c256, %sy = %c1, %sz = %c1) {
    %v = memref.load %x[%t] : memref<256xf32>
    memref.store %v, %a[%t] : memref<256xf32>
    gpu.terminator
  }
  %u = memref.subview %a[0] [128] [1] : memref<256xf32> to memref<128xf32, strided<[1]>>
  gpu.launch blocks(%b, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%t, %ty, %tz) in (%sx = %c128, %sy = %c1, %sz = %c1) {
    %v = memref.load %u[%t] : memref<128xf32, strided<[1]>>
    memref.store %v, %z[%t] : memref<256xf32>
    gpu.terminator
  }
  memref.dealloc %a : memref<256xf32>
  return
}

// -----

// Launches of dynamic grids under host code's guards (grid != 0): one
// launch of both grids under one guard; a body whose grid is empty gets
// no blocks.
// CHECK-LABEL: func.func @guarded
// CHECK-SAME:    (%[[N:[^:]+]]: index, %[[M:[^:]+]]: index
// CHECK:         %[[GRID:.+]] = arith.addi %[[N]], %[[M]] : index
// CHECK:         %[[NONEMPTY:.+]] = arith.cmpi ne, %[[GRID]], %c0
// CHECK:         scf.if %[[NONEMPTY]] {
// CHECK:           gpu.launch blocks({{.*}}) in ({{[^=]+}}= %[[GRID]],
// CHECK:             arith.cmpi ult, %{{.+}}, %[[N]]
// CHECK-NOT:     gpu.launch
func.func @guarded(%n: index, %m: index, %x: memref<?xf32>, %y: memref<?xf32>, %z: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %a = arith.cmpi ne, %n, %c0 : index
  scf.if %a {
    gpu.launch blocks(%b, %by, %bz) in (%gx = %n, %gy = %c1, %gz = %c1)
               threads(%t, %ty, %tz) in (%sx = %c64, %sy = %c1, %sz = %c1) {
      %v = memref.load %x[%t] : memref<?xf32>
      memref.store %v, %y[%t] : memref<?xf32>
      gpu.terminator
    }
  }
  %b2 = arith.cmpi ne, %m, %c0 : index
  scf.if %b2 {
    gpu.launch blocks(%b, %by, %bz) in (%gx = %m, %gy = %c1, %gz = %c1)
               threads(%t, %ty, %tz) in (%sx = %c64, %sy = %c1, %sz = %c1) {
      %v = memref.load %x[%t] : memref<?xf32>
      memref.store %v, %z[%t] : memref<?xf32>
      gpu.terminator
    }
  }
  return
}

// -----

// Not fused: together 64 KiB of workgroup memory, more than a block's
// static 48 KiB.
// CHECK-LABEL: func.func @too_much_shared
// CHECK-COUNT-2: gpu.launch blocks
func.func @too_much_shared(%x: memref<256xf32>, %y: memref<256xf32>, %z: memref<256xf32>) {
  %c1 = arith.constant 1 : index
  %c256 = arith.constant 256 : index
  gpu.launch blocks(%b, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%t, %ty, %tz) in (%sx = %c256, %sy = %c1, %sz = %c1)
             workgroup(%w : memref<8192xf32, #gpu.address_space<workgroup>>) {
    %v = memref.load %x[%t] : memref<256xf32>
    memref.store %v, %w[%t] : memref<8192xf32, #gpu.address_space<workgroup>>
    memref.store %v, %y[%t] : memref<256xf32>
    gpu.terminator
  }
  gpu.launch blocks(%b, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%t, %ty, %tz) in (%sx = %c256, %sy = %c1, %sz = %c1)
             workgroup(%w : memref<8192xf32, #gpu.address_space<workgroup>>) {
    %v = memref.load %x[%t] : memref<256xf32>
    memref.store %v, %w[%t] : memref<8192xf32, #gpu.address_space<workgroup>>
    memref.store %v, %z[%t] : memref<256xf32>
    gpu.terminator
  }
  return
}
