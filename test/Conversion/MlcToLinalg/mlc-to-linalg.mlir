// RUN: mlc-opt %s -convert-mlc-to-linalg -split-input-file -verify-diagnostics | FileCheck %s

// The shapes of the lowering; numerics are checked by test/e2e.

// CHECK-DAG: #[[$ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[$ROW:.*]] = affine_map<(d0, d1) -> (0, d1)>
// CHECK-LABEL: func.func @broadcast_add
// CHECK-SAME: (%[[A:.*]]: tensor<?x4xf32>, %[[B:.*]]: tensor<1x4xf32>)
func.func @broadcast_add(%a: tensor<?x4xf32>, %b: tensor<1x4xf32>) -> tensor<?x4xf32> {
  // CHECK: %[[D:.*]] = tensor.dim %[[A]]
  // CHECK: %[[E:.*]] = tensor.empty(%[[D]]) : tensor<?x4xf32>
  // CHECK: linalg.generic {indexing_maps = [#[[$ID]], #[[$ROW]], #[[$ID]]], iterator_types = ["parallel", "parallel"]}
  // CHECK-SAME: ins(%[[A]], %[[B]] : tensor<?x4xf32>, tensor<1x4xf32>) outs(%[[E]] : tensor<?x4xf32>)
  // CHECK: arith.addf
  %0 = mlc.add %a, %b : (tensor<?x4xf32>, tensor<1x4xf32>) -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

// Unsigned types become signless at the function boundary, and unsigned
// semantics survive in the arithmetic.
// CHECK-LABEL: func.func @unsigned
// CHECK-SAME: (%{{.*}}: tensor<4xi8>, %{{.*}}: tensor<4xi8>) -> tensor<4xi8>
func.func @unsigned(%a: tensor<4xui8>, %b: tensor<4xui8>) -> tensor<4xui8> {
  // CHECK: arith.divui
  %0 = mlc.div %a, %b : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
  return %0 : tensor<4xui8>
}

// -----

// CHECK-LABEL: func.func @matmul_transposed
func.func @matmul_transposed(%x: tensor<2x?x8xf32>, %w: tensor<16x8xf32>) -> tensor<2x?x16xf32> {
  // CHECK: linalg.fill
  // CHECK: linalg.generic
  // CHECK-SAME: iterator_types = ["parallel", "parallel", "parallel", "reduction"]
  // CHECK: arith.mulf
  // CHECK: arith.addf
  %0 = mlc.matmul %x, %w {transpose_rhs} : (tensor<2x?x8xf32>, tensor<16x8xf32>) -> tensor<2x?x16xf32>
  return %0 : tensor<2x?x16xf32>
}

// -----

// CHECK-LABEL: func.func @conv_nchw
func.func @conv_nchw(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<4xf32>) -> tensor<1x4x8x8xf32> {
  // CHECK: tensor.pad
  // CHECK: linalg.conv_2d_nchw_fchw
  %0 = mlc.conv2d %x, %w, %b {padding = array<i64: 1, 1, 1, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<1x4x8x8xf32>
  return %0 : tensor<1x4x8x8xf32>
}

// -----

// CHECK-LABEL: func.func @depthwise
func.func @depthwise(%x: tensor<1x4x8x8xf32>, %w: tensor<4x1x3x3xf32>) -> tensor<1x4x6x6xf32> {
  // CHECK: tensor.collapse_shape
  // CHECK: linalg.depthwise_conv_2d_nchw_chw
  %0 = mlc.conv2d %x, %w {groups = 4 : i64} : (tensor<1x4x8x8xf32>, tensor<4x1x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

// CHECK-LABEL: func.func @softmax
func.func @softmax(%x: tensor<2x?xf32>) -> tensor<2x?xf32> {
  // CHECK: arith.maximumf
  // CHECK: math.exp
  // CHECK: arith.addf
  // CHECK: arith.divf
  %0 = mlc.softmax %x {axis = 1 : i64} : tensor<2x?xf32>
  return %0 : tensor<2x?xf32>
}

// -----

// CHECK-LABEL: func.func @data_movement
func.func @data_movement(%x: tensor<?x6xf32>, %u: tensor<1x3xf32>, %p: tensor<i64>) -> (tensor<?x2x3xf32>, tensor<6x?xf32>, tensor<?x3xf32>, tensor<?x6xf32>) {
  // CHECK: tensor.expand_shape
  %0 = mlc.reshape %x : (tensor<?x6xf32>) -> tensor<?x2x3xf32>
  // CHECK: linalg.transpose
  %1 = mlc.transpose %x {permutation = array<i64: 1, 0>} : (tensor<?x6xf32>) -> tensor<6x?xf32>
  // CHECK: tensor.extract_slice %{{.*}}[0, 1] [%{{.*}}, 3] [1, 2]
  %2 = mlc.slice %x {axes = array<i64: 1>, starts = array<i64: 1>, ends = array<i64: 6>, steps = array<i64: 2>} : (tensor<?x6xf32>) -> tensor<?x3xf32>
  // CHECK: tensor.insert_slice
  %3 = mlc.update_slice %x, %u, %p {axis = 1 : i64} : (tensor<?x6xf32>, tensor<1x3xf32>, tensor<i64>) -> tensor<?x6xf32>
  return %0, %1, %2, %3 : tensor<?x2x3xf32>, tensor<6x?xf32>, tensor<?x3xf32>, tensor<?x6xf32>
}

// -----

// A static reshape that no single collapse or expand spells goes through one
// dimension: views, which bufferize without a copy (unlike tensor.reshape).
// CHECK-LABEL: func.func @static_reshape
// CHECK:         %[[FLAT:.*]] = tensor.collapse_shape %arg0 {{\[\[}}0, 1, 2]] : tensor<1x1x1024xf32> into tensor<1024xf32>
// CHECK:         tensor.expand_shape %[[FLAT]] {{\[\[}}0, 1, 2, 3]] output_shape [1, 8, 1, 128]
// CHECK-NOT:     tensor.reshape
func.func @static_reshape(%x: tensor<1x1x1024xf32>) -> tensor<1x8x1x128xf32> {
  %0 = mlc.reshape %x : (tensor<1x1x1024xf32>) -> tensor<1x8x1x128xf32>
  return %0 : tensor<1x8x1x128xf32>
}

// -----

// A parameter read left in a function is an error with a hint.
func.func @unlowered_parameter() -> tensor<4xf32> {
  // expected-error @+1 {{run mlc-parameters-to-arguments before convert-mlc-to-linalg}}
  %0 = mlc.get_parameter @w : tensor<4xf32>
  return %0 : tensor<4xf32>
}
mlc.parameter @w : tensor<4xf32>

// -----

// argmax carries the maximum and its index through one reduction.
// CHECK-LABEL: func.func @argmax
func.func @argmax(%x: tensor<3x?xf32>) -> tensor<3xi64> {
  // CHECK: %[[R:.*]]:2 = linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]{{.*}} ins(%{{.*}} : tensor<3x?xf32>) outs(%{{.*}}, %{{.*}} : tensor<3xf32>, tensor<3xi64>)
  // CHECK: arith.cmpf ogt
  // CHECK: linalg.index 1
  // CHECK: return %[[R]]#1
  %0 = mlc.argmax %x {axis = 1 : i64} : (tensor<3x?xf32>) -> tensor<3xi64>
  return %0 : tensor<3xi64>
}

// -----

// cumsum reduces over a second copy of the axis, adding the admitted taps.
// CHECK-LABEL: func.func @cumsum
func.func @cumsum(%x: tensor<4x5xi64>) -> tensor<4x5xi64> {
  // CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]
  // CHECK: %[[I:.*]] = linalg.index 1
  // CHECK: %[[J:.*]] = linalg.index 2
  // CHECK: arith.cmpi sgt, %[[J]], %[[I]]
  %0 = mlc.cumsum %x {axis = 1 : i64, exclusive, reverse} : tensor<4x5xi64>
  return %0 : tensor<4x5xi64>
}

// -----

// Linear resizing: one gathering generic per dimension, two taps each.
// CHECK-LABEL: func.func @resize_linear
func.func @resize_linear(%x: tensor<4x6xf32>, %s: tensor<2xi64>) -> tensor<?x?xf32> {
  // CHECK-COUNT-2: tensor.extract %{{.*}}[%{{.*}}] : tensor<2xi64>
  // CHECK: linalg.generic
  // CHECK-COUNT-2: tensor.extract %{{.*}} : tensor<4x6xf32>
  // CHECK: linalg.generic
  // CHECK-COUNT-2: tensor.extract %{{.*}} : tensor<?x6xf32>
  %0 = mlc.resize linear %x, %s : (tensor<4x6xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

// Attention over a KV cache reads only the rows up to position + Sq, one
// key/value head per thread with its two query heads stacked as rows (each
// block of keys and values read once for both), in blocks of 256 keys with
// an online softmax: the running max m, sum l and output are updated in
// place per block (no score matrix beyond a block's).
// CHECK-LABEL: func.func @attention_cache
// CHECK-SAME: (%[[Q:.*]]: tensor<1x4x1x8xf32>, %[[K:.*]]: tensor<1x2x64x8xf32>, %[[V:.*]]: tensor<1x2x64x8xf32>, %[[P:.*]]: tensor<i64>)
// CHECK: %[[POS:.*]] = tensor.extract %[[P]][]
// CHECK: %[[IDX:.*]] = arith.index_cast %[[POS]]
// CHECK: %[[END:.*]] = arith.addi %[[IDX]], %{{.*}}
// CHECK: %[[USED:.*]] = arith.minsi %[[END]], %{{.*}}
// CHECK: %[[KS:.*]] = tensor.extract_slice %[[K]][0, 0, 0, 0] [1, 2, %[[USED]], 8] [1, 1, 1, 1] : tensor<1x2x64x8xf32> to tensor<1x2x?x8xf32>
// CHECK: %[[VS:.*]] = tensor.extract_slice %[[V]][0, 0, 0, 0] [1, 2, %[[USED]], 8] [1, 1, 1, 1] : tensor<1x2x64x8xf32> to tensor<1x2x?x8xf32>
// CHECK: scf.forall (%[[B:.*]], %[[KVH:.*]]) in (1, 2) shared_outs(%[[OUT:.*]] = %{{.*}}) -> (tensor<1x4x1x8xf32>)
// CHECK:   %[[H:.*]] = arith.muli %[[KVH]], %{{.*}} : index
// CHECK:   %[[QG:.*]] = tensor.extract_slice %[[Q]][%[[B]], %[[H]], 0, 0] [1, 2, 1, 8] [1, 1, 1, 1] : tensor<1x4x1x8xf32> to tensor<1x2x1x8xf32>
// CHECK:   tensor.collapse_shape %[[QG]] {{\[\[}}0, 1, 2], [3]] : tensor<1x2x1x8xf32> into tensor<2x8xf32>
// CHECK:   tensor.extract_slice %[[KS]][%[[B]], %[[KVH]], 0, 0] [1, 1, %[[USED]], 8]
// CHECK:   %[[LOOP:.*]]:3 = scf.for %{{.*}} = %{{.*}} to %[[USED]] step %{{.*}} iter_args(%[[ACC:.*]] = %{{.*}}, %[[M:.*]] = %{{.*}}, %[[L:.*]] = %{{.*}}) -> (tensor<2x8xf32>, tensor<2xf32>, tensor<2xf32>)
// CHECK:     linalg.generic {{.*}} outs(%[[M]] : tensor<2xf32>)
// CHECK:     linalg.generic {{.*}} outs(%[[L]] : tensor<2xf32>)
// CHECK:     linalg.generic {{.*}} outs(%[[ACC]] : tensor<2x8xf32>)
// CHECK:     scf.yield
// CHECK:   %[[NORM:.*]] = linalg.generic {{.*}} ins(%[[LOOP]]#0, %[[LOOP]]#2 : tensor<2x8xf32>, tensor<2xf32>)
// CHECK:   %[[HEADS:.*]] = tensor.expand_shape %[[NORM]] {{\[\[}}0, 1], [2]] output_shape [2, 1, 8]
// CHECK:   tensor.parallel_insert_slice %[[HEADS]] into %[[OUT]][%[[B]], %[[H]], 0, 0] [1, 2, 1, 8]
func.func @attention_cache(%q: tensor<1x4x1x8xf32>, %k: tensor<1x2x64x8xf32>, %v: tensor<1x2x64x8xf32>, %p: tensor<i64>) -> tensor<1x4x1x8xf32> {
  %o = mlc.attention %q, %k, %v position(%p) {causal} : (tensor<1x4x1x8xf32>, tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>, tensor<i64>) -> tensor<1x4x1x8xf32>
  return %o : tensor<1x4x1x8xf32>
}

// -----

// A bf16 cache: its slices stay bf16, and each key and value is widened as
// the score and output contractions read it.
// CHECK-LABEL: func.func @attention_bf16_cache
// CHECK: tensor.extract_slice %{{.*}} : tensor<1x2x64x8xbf16> to tensor<1x2x?x8xbf16>
// CHECK: scf.forall
// CHECK:   scf.for
// CHECK:     linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<2x8xf32>, tensor<?x8xbf16>)
// CHECK:     ^bb0(%[[QE:.*]]: f32, %[[KE:.*]]: bf16, %[[SE:.*]]: f32):
// CHECK:       %[[KF:.*]] = arith.extf %[[KE]] : bf16 to f32
// CHECK:       arith.mulf %[[QE]], %[[KF]] : f32
// CHECK:     linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<2x?xf32>, tensor<?x8xbf16>)
// CHECK:       arith.extf %{{.*}} : bf16 to f32
func.func @attention_bf16_cache(%q: tensor<1x4x1x8xf32>, %k: tensor<1x2x64x8xbf16>, %v: tensor<1x2x64x8xbf16>, %p: tensor<i64>) -> tensor<1x4x1x8xf32> {
  %o = mlc.attention %q, %k, %v position(%p) {causal} : (tensor<1x4x1x8xf32>, tensor<1x2x64x8xbf16>, tensor<1x2x64x8xbf16>, tensor<i64>) -> tensor<1x4x1x8xf32>
  return %o : tensor<1x4x1x8xf32>
}

// -----

// RoPE over the whole head dimension (rotate-half, with QK-norm): one
// generic over the result viewed as [B, H, S, 2, D/2] reading the two
// halves of x (no gather of each feature's partner), the cosines and sines
// of each position's angles ([B, S, D/2], from a constant table of
// frequencies 1 / 10000^(2j / 8)), the norm's scale per row and the two
// halves of its weight.
// CHECK-LABEL: func.func @rope_pairs
// CHECK-DAG:     %[[FREQ:.*]] = arith.constant dense<[1.000000e+00, 1.000000e-01, 0.00999999977, 1.000000e-03]> : tensor<4xf32>
// CHECK:         %[[COS:.*]] = linalg.generic {{.*}} ins(%arg1, %[[FREQ]] : tensor<1x?xi64>, tensor<4xf32>) outs(%{{.*}} : tensor<1x?x4xf32>)
// CHECK:           math.cos
// CHECK:         %[[SIN:.*]] = linalg.generic {{.*}} ins(%arg1, %[[FREQ]] : tensor<1x?xi64>, tensor<4xf32>) outs(%{{.*}} : tensor<1x?x4xf32>)
// CHECK:           math.sin
// CHECK-DAG:     %[[LO:.*]] = tensor.extract_slice %arg0[0, 0, 0, 0] [1, 2, %{{.*}}, 4] [1, 1, 1, 1]
// CHECK-DAG:     %[[HI:.*]] = tensor.extract_slice %arg0[0, 0, 0, 4] [1, 2, %{{.*}}, 4] [1, 1, 1, 1]
// CHECK-DAG:     %[[WLO:.*]] = tensor.extract_slice %arg2[0] [4] [1]
// CHECK-DAG:     %[[WHI:.*]] = tensor.extract_slice %arg2[4] [4] [1]
// CHECK:         %[[PAIRS:.*]] = linalg.generic
// CHECK-SAME:      ins(%[[LO]], %[[HI]], %[[COS]], %[[SIN]], %{{.*}}, %[[WLO]], %[[WHI]] :
// CHECK-SAME:      outs(%{{.*}} : tensor<1x2x?x2x4xf32>)
// CHECK-NOT:       tensor.extract
// CHECK-NOT:       math.
// CHECK:         } -> tensor<1x2x?x2x4xf32>
// CHECK:         tensor.collapse_shape %[[PAIRS]] {{\[\[}}0], [1], [2], [3, 4]] : tensor<1x2x?x2x4xf32> into tensor<1x2x?x8xf32>
func.func @rope_pairs(%x: tensor<1x2x?x8xf32>, %pos: tensor<1x?xi64>, %w: tensor<8xf32>) -> tensor<1x2x?x8xf32> {
  %0 = mlc.rotary_embedding %x, %pos norm(%w) {theta = 1.0e+04 : f64} : (tensor<1x2x?x8xf32>, tensor<1x?xi64>, tensor<8xf32>) -> tensor<1x2x?x8xf32>
  return %0 : tensor<1x2x?x8xf32>
}

// -----

// Interleaved pairs: each feature reads its partner with a gather.
// CHECK-LABEL: func.func @rope_interleaved
// CHECK:         linalg.generic {{.*}} outs(%{{.*}} : tensor<1x2x3x8xf32>)
// CHECK:           tensor.extract %arg0
func.func @rope_interleaved(%x: tensor<1x2x3x8xf32>, %pos: tensor<1x3xi64>) -> tensor<1x2x3x8xf32> {
  %0 = mlc.rotary_embedding %x, %pos {interleaved, theta = 1.0e+04 : f64} : (tensor<1x2x3x8xf32>, tensor<1x3xi64>) -> tensor<1x2x3x8xf32>
  return %0 : tensor<1x2x3x8xf32>
}

// -----

// A partial rotation (rotary_dim < D): one generic over the features,
// reading each one's partner with a gather (the features past rotary_dim
// pass through).
// CHECK-LABEL: func.func @rope_partial
// CHECK:         linalg.generic {{.*}} outs(%{{.*}} : tensor<1x2x3x8xf32>)
// CHECK:           math.powf
// CHECK:           tensor.extract %arg0
func.func @rope_partial(%x: tensor<1x2x3x8xf32>, %pos: tensor<1x3xi64>) -> tensor<1x2x3x8xf32> {
  %0 = mlc.rotary_embedding %x, %pos {rotary_dim = 4 : i64} : (tensor<1x2x3x8xf32>, tensor<1x3xi64>) -> tensor<1x2x3x8xf32>
  return %0 : tensor<1x2x3x8xf32>
}
