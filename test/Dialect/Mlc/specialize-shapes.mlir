// RUN: mlc-opt %s -split-input-file -verify-diagnostics -mlc-specialize-shapes=shapes=2x256,2x256 -canonicalize | FileCheck %s
// RUN: not mlc-opt %s -split-input-file -mlc-specialize-shapes=shapes=2x25x 2>&1 | FileCheck %s --check-prefix=BAD

// BAD: error: mlc-specialize-shapes: input #0: '2x25x' is not a shape like 2x16x256

// Dynamic axes of the entry's inputs fixed, the shapes inferred through
// the mlc ops, and the result made static.

// CHECK-LABEL: func.func @main(
// CHECK-SAME: %[[X:.*]]: tensor<2x256xf32>, %[[Y:.*]]: tensor<2x256xf32>) -> tensor<2x256xf32>
// CHECK: %[[S:.*]] = mlc.silu %[[X]] : tensor<2x256xf32>
// CHECK: %[[M:.*]] = mlc.mul %[[S]], %[[Y]] : (tensor<2x256xf32>, tensor<2x256xf32>) -> tensor<2x256xf32>
// CHECK: return %[[M]] : tensor<2x256xf32>
func.func @main(%x: tensor<?x256xf32>, %y: tensor<?x?xf32>) -> tensor<?x256xf32> {
  %s = mlc.silu %x : tensor<?x256xf32>
  %m = mlc.mul %s, %y : (tensor<?x256xf32>, tensor<?x?xf32>) -> tensor<?x256xf32>
  return %m : tensor<?x256xf32>
}

// -----

// Casts between the input and a result fold away (canonicalization runs
// between rounds of inference): the result is static too.

// CHECK-LABEL: func.func @main(
// CHECK-SAME: %[[X:.*]]: tensor<2x256xf32>, %[[Y:.*]]: tensor<2x256xf32>) -> tensor<2x256xf32>
// CHECK: return %[[X]]
func.func @main(%x: tensor<?x256xf32>, %y: tensor<2x256xf32>) -> tensor<?x256xf32> {
  %d = tensor.cast %x : tensor<?x256xf32> to tensor<?x256xf32>
  return %d : tensor<?x256xf32>
}

// -----

// Shapes computed from the input's dimensions (as ONNX exports spell a
// reshape) fold once those are static, and refine what follows.

// CHECK-LABEL: func.func @main(
// CHECK-SAME: %[[X:.*]]: tensor<2x256xf32>, %{{.*}}: tensor<2x256xf32>) -> tensor<2x16x16xf32>
// CHECK: mlc.reshape %[[X]] : (tensor<2x256xf32>) -> tensor<2x16x16xf32>
func.func @main(%x: tensor<?x256xf32>, %y: tensor<2x256xf32>) -> tensor<?x16x16xf32> {
  %s = mlc.shape_of %x : (tensor<?x256xf32>) -> tensor<2xi64>
  %b = mlc.slice %s {axes = array<i64: 0>, starts = array<i64: 0>, ends = array<i64: 1>} : (tensor<2xi64>) -> tensor<1xi64>
  %t = mlc.constant dense<[16, 16]> : tensor<2xi64>
  %shape = mlc.concat %b, %t {axis = 0 : i64} : (tensor<1xi64>, tensor<2xi64>) -> tensor<3xi64>
  %r = mlc.reshape %x, %shape : (tensor<?x256xf32>, tensor<3xi64>) -> tensor<?x16x16xf32>
  return %r : tensor<?x16x16xf32>
}

// -----

// expected-error @below {{mlc-specialize-shapes: input #0 is 'tensor<3x256xf32>', which shape 2x256 contradicts}}
func.func @main(%x: tensor<3x256xf32>, %y: tensor<2x256xf32>) -> tensor<3x256xf32> {
  return %x : tensor<3x256xf32>
}

// -----

// expected-error @below {{mlc-specialize-shapes: input #1 is 'tensor<?xf32>', not of rank 2 ('2x256')}}
func.func @main(%x: tensor<?x256xf32>, %y: tensor<?xf32>) -> tensor<?x256xf32> {
  return %x : tensor<?x256xf32>
}

// -----

// expected-error @below {{mlc-specialize-shapes: 2 shapes for 1 inputs}}
func.func @main(%x: tensor<?x256xf32>) -> tensor<?x256xf32> {
  return %x : tensor<?x256xf32>
}

// -----

func.func @first(%x: tensor<?x256xf32>) -> tensor<?x256xf32> {
  return %x : tensor<?x256xf32>
}
// expected-error @below {{mlc-specialize-shapes needs one entry point (@main or the only public function); this module has several}}
func.func @second(%x: tensor<?x256xf32>) -> tensor<?x256xf32> {
  return %x : tensor<?x256xf32>
}

