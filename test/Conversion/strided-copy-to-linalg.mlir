// RUN: mlc-opt %s --convert-strided-copy-to-linalg --canonicalize | FileCheck %s

// Rows of 20 floats between strided views: one vector of 16 and one of 4.
// CHECK-LABEL: func.func @rows
// CHECK:         scf.for %[[I:.+]] = %{{.+}} to %{{.+}} step
// CHECK:           %[[A:.+]] = vector.transfer_read %arg0[%[[I]], %{{.+}}]{{.*}} vector<16xf32>
// CHECK:           vector.transfer_write %[[A]], %arg1[%[[I]], %{{.+}}]{{.*}} vector<16xf32>
// CHECK:           %[[B:.+]] = vector.transfer_read %arg0[%[[I]], %c16]{{.*}} vector<4xf32>
// CHECK:           vector.transfer_write %[[B]], %arg1[%[[I]], %c16]{{.*}} vector<4xf32>
// CHECK-NOT:     memref.copy
func.func @rows(%src: memref<4x20xf32, strided<[32, 1], offset: ?>>,
                %dst: memref<4x20xf32, strided<[24, 1]>>) {
  memref.copy %src, %dst : memref<4x20xf32, strided<[32, 1], offset: ?>>
                        to memref<4x20xf32, strided<[24, 1]>>
  return
}

// A dynamic number of rows: the row loop runs to memref.dim.
// CHECK-LABEL: func.func @dynamic_rows
// CHECK:         %[[N:.+]] = memref.dim %arg0
// CHECK:         scf.for %{{.+}} = %{{.+}} to %[[N]]
// CHECK:           vector.transfer_read {{.*}} vector<16xf32>
func.func @dynamic_rows(%src: memref<?x20xf32, strided<[32, 1]>>,
                        %dst: memref<?x20xf32, strided<[24, 1]>>) {
  memref.copy %src, %dst : memref<?x20xf32, strided<[32, 1]>>
                        to memref<?x20xf32, strided<[24, 1]>>
  return
}

// Rows of dynamic length: element by element, through linalg.copy.
// CHECK-LABEL: func.func @dynamic_length
// CHECK:         linalg.copy
func.func @dynamic_length(%src: memref<4x?xf32, strided<[32, 1]>>,
                          %dst: memref<4x?xf32, strided<[24, 1]>>) {
  memref.copy %src, %dst : memref<4x?xf32, strided<[32, 1]>>
                        to memref<4x?xf32, strided<[24, 1]>>
  return
}

// i1 is bit-packed in vectors but not in memrefs: element by element.
// CHECK-LABEL: func.func @bits
// CHECK:         linalg.copy
func.func @bits(%src: memref<4x20xi1, strided<[32, 1]>>,
                %dst: memref<4x20xi1, strided<[24, 1]>>) {
  memref.copy %src, %dst : memref<4x20xi1, strided<[32, 1]>>
                        to memref<4x20xi1, strided<[24, 1]>>
  return
}

// Contiguous copies stay memref.copy (a memcpy).
// CHECK-LABEL: func.func @contiguous
// CHECK:         memref.copy
func.func @contiguous(%src: memref<4x20xf32>, %dst: memref<4x20xf32>) {
  memref.copy %src, %dst : memref<4x20xf32> to memref<4x20xf32>
  return
}
