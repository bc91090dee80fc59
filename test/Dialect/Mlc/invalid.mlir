// RUN: mlc-opt %s -split-input-file -verify-diagnostics

// Every verifier of the mlc dialect, one case each.

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

func.func @exp_of_integers(%x: tensor<4xi32>) -> tensor<4xi32> {
  // expected-error @+1 {{operand #0 must be ranked tensor of floating-point values}}
  %0 = mlc.exp %x : tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

func.func @broadcast_mismatch(%a: tensor<3x4xf32>, %b: tensor<5x4xf32>) {
  // expected-error @+1 {{operands are not broadcast-compatible: dimension 0 of the result is 3 and 5}}
  %0 = mlc.add %a, %b : (tensor<3x4xf32>, tensor<5x4xf32>) -> tensor<3x4xf32>
  return
}

// -----

func.func @element_type_mismatch(%a: tensor<4xf32>, %b: tensor<4xf16>) {
  // expected-error @+1 {{all of {lhs, rhs, result} have same element type}}
  %0 = mlc.mul %a, %b : (tensor<4xf32>, tensor<4xf16>) -> tensor<4xf32>
  return
}

// -----

func.func @result_shape_mismatch(%a: tensor<3x4xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{result #0 dimension 1 is 5, expected 4}}
  %0 = mlc.sub %a, %b : (tensor<3x4xf32>, tensor<4xf32>) -> tensor<3x5xf32>
  return
}

// -----

func.func @result_rank_mismatch(%a: tensor<?x4xf32>) {
  // expected-error @+1 {{result #0 has rank 1, expected 2}}
  %0 = "mlc.neg"(%a) : (tensor<?x4xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @clip_bound_type(%x: tensor<4xf32>) {
  // expected-error @+1 {{min bound has type 'f16', expected the element type 'f32'}}
  %0 = mlc.clip %x {min = 0.0 : f16} : tensor<4xf32>
  return
}

// -----

func.func @cast_changes_shape(%x: tensor<4xf32>) {
  // expected-error @+1 {{result #0 dimension 0 is 5, expected 4}}
  %0 = mlc.cast %x : (tensor<4xf32>) -> tensor<5xi32>
  return
}

// -----

func.func @cmp_result_not_bool(%a: tensor<4xf32>) {
  // expected-error @+1 {{result #0 must be ranked tensor of 1-bit signless integer values}}
  %0 = mlc.cmp eq, %a, %a : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @where_condition_not_bool(%c: tensor<4xi32>, %a: tensor<4xf32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of 1-bit signless integer values}}
  %0 = mlc.where %c, %a, %a : (tensor<4xi32>, tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @unranked(%x: tensor<*xf32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor}}
  %0 = "mlc.relu"(%x) : (tensor<*xf32>) -> tensor<*xf32>
  return
}

//===----------------------------------------------------------------------===//
// Contractions
//===----------------------------------------------------------------------===//

// -----

func.func @matmul_vector(%a: tensor<4xf32>, %b: tensor<4x8xf32>) {
  // expected-error @+1 {{operands must have rank >= 2, got 1 and 2}}
  %0 = mlc.matmul %a, %b : (tensor<4xf32>, tensor<4x8xf32>) -> tensor<8xf32>
  return
}

// -----

func.func @matmul_contraction_mismatch(%a: tensor<2x4xf32>, %b: tensor<8x4xf32>) {
  // expected-error @+1 {{contraction sizes (K) of lhs and rhs differ: 4 vs 8}}
  %0 = mlc.matmul %a, %b : (tensor<2x4xf32>, tensor<8x4xf32>) -> tensor<2x4xf32>
  return
}

// -----

func.func @matmul_batch_mismatch(%a: tensor<3x2x4xf32>, %b: tensor<5x4x8xf32>) {
  // expected-error @+1 {{operands are not broadcast-compatible}}
  %0 = mlc.matmul %a, %b : (tensor<3x2x4xf32>, tensor<5x4x8xf32>) -> tensor<3x2x8xf32>
  return
}

// -----

func.func @gemm_not_matrices(%a: tensor<2x2x4xf32>, %b: tensor<4x8xf32>) {
  // expected-error @+1 {{operands must be matrices, got ranks 3 and 2}}
  %0 = mlc.gemm %a, %b : (tensor<2x2x4xf32>, tensor<4x8xf32>) -> tensor<2x8xf32>
  return
}

// -----

func.func @gemm_bias_mismatch(%a: tensor<2x4xf32>, %b: tensor<4x8xf32>, %c: tensor<7xf32>) {
  // expected-error @+1 {{bias and result sizes differ: 7 vs 8}}
  %0 = mlc.gemm %a, %b, %c : (tensor<2x4xf32>, tensor<4x8xf32>, tensor<7xf32>) -> tensor<2x8xf32>
  return
}

// -----

func.func @conv_channels(%x: tensor<1x4x8x8xf32>, %w: tensor<16x3x3x3xf32>) {
  // expected-error @+1 {{input has 4 channels, filter expects 3 x 1 groups}}
  %0 = mlc.conv2d %x, %w : (tensor<1x4x8x8xf32>, tensor<16x3x3x3xf32>) -> tensor<1x16x6x6xf32>
  return
}

// -----

func.func @conv_groups(%x: tensor<1x4x8x8xf32>, %w: tensor<6x1x3x3xf32>) {
  // expected-error @+1 {{filter count 6 is not a multiple of groups 4}}
  %0 = mlc.conv2d %x, %w {groups = 4 : i64} : (tensor<1x4x8x8xf32>, tensor<6x1x3x3xf32>) -> tensor<1x6x6x6xf32>
  return
}

// -----

func.func @conv_strides(%x: tensor<1x3x8x8xf32>, %w: tensor<16x3x3x3xf32>) {
  // expected-error @+1 {{strides must have 2 values, has 1}}
  %0 = mlc.conv2d %x, %w {strides = array<i64: 2>} : (tensor<1x3x8x8xf32>, tensor<16x3x3x3xf32>) -> tensor<1x16x3x3xf32>
  return
}

// -----

func.func @conv_window_too_big(%x: tensor<1x3x2x2xf32>, %w: tensor<16x3x3x3xf32>) {
  // expected-error @+1 {{window does not fit the input: output size 0}}
  %0 = mlc.conv2d %x, %w : (tensor<1x3x2x2xf32>, tensor<16x3x3x3xf32>) -> tensor<1x16x0x0xf32>
  return
}

// -----

func.func @conv_bias(%x: tensor<1x3x8x8xf32>, %w: tensor<16x3x3x3xf32>, %b: tensor<8xf32>) {
  // expected-error @+1 {{bias must be 1-D with one value per filter}}
  %0 = mlc.conv2d %x, %w, %b : (tensor<1x3x8x8xf32>, tensor<16x3x3x3xf32>, tensor<8xf32>) -> tensor<1x16x6x6xf32>
  return
}

// -----

func.func @conv_output_size(%x: tensor<1x3x8x8xf32>, %w: tensor<16x3x3x3xf32>) {
  // expected-error @+1 {{result #0 dimension 2 is 8, expected 6}}
  %0 = mlc.conv2d %x, %w : (tensor<1x3x8x8xf32>, tensor<16x3x3x3xf32>) -> tensor<1x16x8x8xf32>
  return
}

//===----------------------------------------------------------------------===//
// Reductions and normalization
//===----------------------------------------------------------------------===//

// -----

func.func @reduce_no_axes(%x: tensor<4x4xf32>) {
  // expected-error @+1 {{needs at least one axis}}
  %0 = mlc.reduce sum %x {axes = array<i64>} : (tensor<4x4xf32>) -> tensor<4x4xf32>
  return
}

// -----

func.func @reduce_axis_range(%x: tensor<4x4xf32>) {
  // expected-error @+1 {{axis 2 is out of range for rank 2}}
  %0 = mlc.reduce max %x {axes = array<i64: 2>} : (tensor<4x4xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @reduce_axes_unsorted(%x: tensor<4x4xf32>) {
  // expected-error @+1 {{axis must be sorted and unique}}
  %0 = mlc.reduce min %x {axes = array<i64: 1, 0>} : (tensor<4x4xf32>) -> tensor<f32>
  return
}

// -----

func.func @softmax_axis(%x: tensor<4x4xf32>) {
  // expected-error @+1 {{axis -1 is out of range for rank 2}}
  %0 = mlc.softmax %x {axis = -1 : i64} : tensor<4x4xf32>
  return
}

// -----

func.func @log_softmax_axis(%x: tensor<4x4xf32>) {
  // expected-error @+1 {{axis 2 is out of range for rank 2}}
  %0 = mlc.log_softmax %x {axis = 2 : i64} : tensor<4x4xf32>
  return
}

// -----

func.func @layer_norm_scale_rank(%x: tensor<2x3x8xf32>, %g: tensor<3x8xf32>) {
  // expected-error @+1 {{scale must have rank 1, has 2}}
  %0 = mlc.layer_norm %x, %g {axis = 2 : i64} : (tensor<2x3x8xf32>, tensor<3x8xf32>) -> tensor<2x3x8xf32>
  return
}

// -----

func.func @layer_norm_bias(%x: tensor<2x3x8xf32>, %g: tensor<8xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{bias dimension 0 is 4, expected 8 or 1}}
  %0 = mlc.layer_norm %x, %g, %b {axis = 2 : i64} : (tensor<2x3x8xf32>, tensor<8xf32>, tensor<4xf32>) -> tensor<2x3x8xf32>
  return
}

// -----

func.func @layer_norm_axis(%x: tensor<2x3x8xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{axis 3 is out of range for rank 3}}
  %0 = mlc.layer_norm %x, %g {axis = 3 : i64} : (tensor<2x3x8xf32>, tensor<8xf32>) -> tensor<2x3x8xf32>
  return
}

// -----

func.func @rms_norm_weight(%x: tensor<2x8xf32>, %w: tensor<4xf32>) {
  // expected-error @+1 {{weight has 4 elements, the normalized dimension 8}}
  %0 = mlc.rms_norm %x, %w : (tensor<2x8xf32>, tensor<4xf32>) -> tensor<2x8xf32>
  return
}

// -----

func.func @pool_kernel(%x: tensor<1x3x8x8xf32>) {
  // expected-error @+1 {{kernel must be two sizes >= 1}}
  %0 = mlc.pool2d max %x {kernel = array<i64: 0, 2>} : (tensor<1x3x8x8xf32>) -> tensor<1x3x8x7xf32>
  return
}

// -----

func.func @pool_padding(%x: tensor<1x3x8x8xf32>) {
  // expected-error @+1 {{padding must be smaller than the window}}
  %0 = mlc.pool2d avg %x {kernel = array<i64: 2, 2>, padding = array<i64: 2, 0, 0, 0>} : (tensor<1x3x8x8xf32>) -> tensor<1x3x9x7xf32>
  return
}

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

// -----

func.func @reshape_count(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{element counts of input and result differ: 6 vs 8}}
  %0 = mlc.reshape %x : (tensor<2x3xf32>) -> tensor<2x4xf32>
  return
}

// -----

func.func @reshape_two_dynamic(%x: tensor<?x4xf32>) {
  // expected-error @+1 {{result has 2 dynamic dimensions; give a shape operand}}
  %0 = mlc.reshape %x : (tensor<?x4xf32>) -> tensor<?x?xf32>
  return
}

// -----

func.func @reshape_not_divisible(%x: tensor<2x5xf32>) {
  // expected-error @+1 {{input element count 10 is not a multiple of 4}}
  %0 = mlc.reshape %x : (tensor<2x5xf32>) -> tensor<?x4xf32>
  return
}

// -----

func.func @reshape_shape_length(%x: tensor<?x4xf32>, %s: tensor<3xi64>) {
  // expected-error @+1 {{shape operand must have one value per result dimension (2)}}
  %0 = mlc.reshape %x, %s : (tensor<?x4xf32>, tensor<3xi64>) -> tensor<?x?xf32>
  return
}

// -----

func.func @reshape_two_minus_ones(%x: tensor<?x4xf32>) {
  %s = mlc.constant dense<[-1, -1]> : tensor<2xi64>
  // expected-error @+1 {{shape may have at most one -1}}
  %0 = mlc.reshape %x, %s : (tensor<?x4xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  return
}

// -----

func.func @transpose_duplicate(%x: tensor<2x3x4xf32>) {
  // expected-error @+1 {{permutation [0, 0, 1] is not a permutation of 0..2}}
  %0 = mlc.transpose %x {permutation = array<i64: 0, 0, 1>} : (tensor<2x3x4xf32>) -> tensor<2x2x3xf32>
  return
}

// -----

func.func @transpose_length(%x: tensor<2x3x4xf32>) {
  // expected-error @+1 {{permutation has 2 entries for an input of rank 3}}
  %0 = mlc.transpose %x {permutation = array<i64: 1, 0>} : (tensor<2x3x4xf32>) -> tensor<3x2xf32>
  return
}

// -----

func.func @concat_rank(%a: tensor<2x3xf32>, %b: tensor<3xf32>) {
  // expected-error @+1 {{input #1 has rank 1, expected 2}}
  %0 = mlc.concat %a, %b {axis = 0 : i64} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<3x3xf32>
  return
}

// -----

func.func @concat_dims(%a: tensor<2x3xf32>, %b: tensor<2x4xf32>) {
  // expected-error @+1 {{input #1 dimension 1 differs: 3 vs 4}}
  %0 = mlc.concat %a, %b {axis = 0 : i64} : (tensor<2x3xf32>, tensor<2x4xf32>) -> tensor<4x3xf32>
  return
}

// -----

func.func @concat_element_types(%a: tensor<2xf32>, %b: tensor<2xi32>) {
  // expected-error @+1 {{input #1 has element type 'i32', expected 'f32'}}
  %0 = mlc.concat %a, %b {axis = 0 : i64} : (tensor<2xf32>, tensor<2xi32>) -> tensor<4xf32>
  return
}

// -----

func.func @concat_axis(%a: tensor<2xf32>) {
  // expected-error @+1 {{axis 1 is out of range for rank 1}}
  %0 = mlc.concat %a, %a {axis = 1 : i64} : (tensor<2xf32>, tensor<2xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @split_sizes(%x: tensor<2x6xf32>) {
  // expected-error @+1 {{sizes do not add up to the split dimension: 6 vs 5}}
  %0:2 = mlc.split %x {axis = 1 : i64, sizes = array<i64: 2, 3>} : (tensor<2x6xf32>) -> (tensor<2x2xf32>, tensor<2x3xf32>)
  return
}

// -----

func.func @split_count(%x: tensor<2x6xf32>) {
  // expected-error @+1 {{has 2 results but 3 sizes}}
  %0:2 = mlc.split %x {axis = 1 : i64, sizes = array<i64: 2, 2, 2>} : (tensor<2x6xf32>) -> (tensor<2x2xf32>, tensor<2x2xf32>)
  return
}

// -----

func.func @split_result_type(%x: tensor<2x6xf32>) {
  // expected-error @+1 {{result #1 dimension 1 is 4, expected 3}}
  %0:2 = mlc.split %x {axis = 1 : i64} : (tensor<2x6xf32>) -> (tensor<2x3xf32>, tensor<2x4xf32>)
  return
}

// -----

func.func @slice_step_zero(%x: tensor<8xf32>) {
  // expected-error @+1 {{step must be non-zero and greater than INT64_MIN}}
  %0 = mlc.slice %x {axes = array<i64: 0>, starts = array<i64: 0>, ends = array<i64: 4>, steps = array<i64: 0>} : (tensor<8xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @slice_lengths(%x: tensor<8xf32>) {
  // expected-error @+1 {{axes, starts, ends and steps must have equal lengths}}
  %0 = mlc.slice %x {axes = array<i64: 0>, starts = array<i64: 0, 1>, ends = array<i64: 4>} : (tensor<8xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @slice_axis_twice(%x: tensor<8xf32>) {
  // expected-error @+1 {{axis 0 is sliced twice}}
  %0 = mlc.slice %x {axes = array<i64: 0, 0>, starts = array<i64: 0, 0>, ends = array<i64: 4, 4>} : (tensor<8xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @slice_result(%x: tensor<8xf32>) {
  // expected-error @+1 {{result #0 dimension 0 is 4, expected 3}}
  %0 = mlc.slice %x {axes = array<i64: 0>, starts = array<i64: -3>, ends = array<i64: 100>} : (tensor<8xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @pad_count(%x: tensor<2x2xf32>) {
  // expected-error @+1 {{padding must have 2 x rank = 4 values, has 2}}
  %0 = mlc.pad %x {padding = array<i64: 1, 1>} : (tensor<2x2xf32>) -> tensor<4x2xf32>
  return
}

// -----

func.func @pad_negative(%x: tensor<2x2xf32>) {
  // expected-error @+1 {{padding must be non-negative}}
  %0 = mlc.pad %x {padding = array<i64: -1, 0, 0, 0>} : (tensor<2x2xf32>) -> tensor<1x2xf32>
  return
}

// -----

func.func @pad_value_mode(%x: tensor<2x2xf32>) {
  // expected-error @+1 {{a padding value needs mode constant}}
  %0 = mlc.pad %x {mode = #mlc.pad_mode<edge>, padding = array<i64: 1, 0, 0, 0>, value = 1.0 : f32} : (tensor<2x2xf32>) -> tensor<3x2xf32>
  return
}

// -----

func.func @pad_reflect(%x: tensor<2x2xf32>) {
  // expected-error @+1 {{padding of dimension 0 exceeds what mode reflect allows (1)}}
  %0 = mlc.pad %x {mode = #mlc.pad_mode<reflect>, padding = array<i64: 2, 0, 0, 0>} : (tensor<2x2xf32>) -> tensor<4x2xf32>
  return
}

// -----

func.func @expand_incompatible(%x: tensor<3x1xf32>) {
  // expected-error @+1 {{input dimension 0 (3) cannot broadcast to 4}}
  %0 = mlc.expand %x : (tensor<3x1xf32>) -> tensor<4x5xf32>
  return
}

// -----

func.func @expand_dynamic_unknown(%x: tensor<4xf32>) {
  // expected-error @+1 {{result dimension 0 is dynamic and not given by the input; give a shape operand}}
  %0 = mlc.expand %x : (tensor<4xf32>) -> tensor<?x4xf32>
  return
}

// -----

func.func @expand_rank(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{input rank 2 exceeds result rank 1}}
  %0 = mlc.expand %x : (tensor<2x3xf32>) -> tensor<3xf32>
  return
}

// -----

func.func @squeeze_non_unit(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{cannot squeeze dimension 1 of size 3}}
  %0 = mlc.squeeze %x {axes = array<i64: 1>} : (tensor<2x3xf32>) -> tensor<2xf32>
  return
}

// -----

func.func @unsqueeze_axis(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{axis 3 is out of range for rank 3}}
  %0 = mlc.unsqueeze %x {axes = array<i64: 3>} : (tensor<2x3xf32>) -> tensor<2x3x1xf32>
  return
}

// -----

func.func @gather_axis(%x: tensor<2x3xf32>, %i: tensor<4xi64>) {
  // expected-error @+1 {{axis 2 is out of range for rank 2}}
  %0 = mlc.gather %x, %i {axis = 2 : i64} : (tensor<2x3xf32>, tensor<4xi64>) -> tensor<2x3x4xf32>
  return
}

// -----

func.func @gather_float_indices(%x: tensor<2x3xf32>, %i: tensor<4xf32>) {
  // expected-error @+1 {{operand #1 must be ranked tensor of 64-bit signless integer or 32-bit signless integer values}}
  %0 = mlc.gather %x, %i {axis = 0 : i64} : (tensor<2x3xf32>, tensor<4xf32>) -> tensor<4x3xf32>
  return
}

// -----

func.func @gather_elements_rank(%x: tensor<2x3xf32>, %i: tensor<4xi64>) {
  // expected-error @+1 {{indices must have the input's rank 2, has 1}}
  %0 = mlc.gather_elements %x, %i {axis = 0 : i64} : (tensor<2x3xf32>, tensor<4xi64>) -> tensor<4xf32>
  return
}

// -----

func.func @update_slice_too_long(%c: tensor<1x4x8xf32>, %u: tensor<1x4x9xf32>, %p: tensor<i64>) {
  // expected-error @+1 {{update is longer along axis 2 (9) than dest (8)}}
  %0 = mlc.update_slice %c, %u, %p {axis = 2 : i64} : (tensor<1x4x8xf32>, tensor<1x4x9xf32>, tensor<i64>) -> tensor<1x4x8xf32>
  return
}

// -----

func.func @update_slice_dims(%c: tensor<1x4x8xf32>, %u: tensor<1x2x1xf32>, %p: tensor<i64>) {
  // expected-error @+1 {{update and dest dimension 1 differ: 2 vs 4}}
  %0 = mlc.update_slice %c, %u, %p {axis = 2 : i64} : (tensor<1x4x8xf32>, tensor<1x2x1xf32>, tensor<i64>) -> tensor<1x4x8xf32>
  return
}

// -----

func.func @range_zero_delta(%a: tensor<i64>) {
  %d = mlc.constant dense<0> : tensor<i64>
  // expected-error @+1 {{delta must not be 0}}
  %0 = mlc.range %a, %a, %d : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<?xi64>
  return
}

// -----

func.func @range_too_long() {
  %a = mlc.constant dense<0.0> : tensor<f32>
  %b = mlc.constant dense<1.0e+30> : tensor<f32>
  %c = mlc.constant dense<1.0e-30> : tensor<f32>
  // expected-error @+1 {{has too many elements}}
  %0 = mlc.range %a, %b, %c : (tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<?xf32>
  return
}

// -----

func.func @shape_of_length(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{result #0 dimension 0 is 3, expected 2}}
  %0 = mlc.shape_of %x : (tensor<2x3xf32>) -> tensor<3xi64>
  return
}

//===----------------------------------------------------------------------===//
// Parameters and constants
//===----------------------------------------------------------------------===//

// -----

// expected-error @+1 {{parameter @w must have a static shape, has 'tensor<?x4xf32>'}}
mlc.parameter @w : tensor<?x4xf32>

// -----

// expected-error @+1 {{parameter @w of type 'tensor<3x5xi4>' needs 8 bytes, its file range holds 15}}
mlc.parameter @w : tensor<3x5xi4> = #mlc.file<"w.bin", offset = 0, size = 15>

// -----

// expected-error @+1 {{parameter @w has an empty file path}}
mlc.parameter @w : tensor<4xf32> = #mlc.file<"", offset = 0, size = 16>

// -----

// expected-error @+1 {{parameter @w has type 'tensor<4xf32>' but its value has type 'tensor<2xf32>'}}
mlc.parameter @w : tensor<4xf32> = dense<1.0> : tensor<2xf32>

// -----

func.func @unknown_parameter() {
  // expected-error @+1 {{'missing' does not name an mlc.parameter}}
  %0 = mlc.get_parameter @missing : tensor<4xf32>
  return
}

// -----

mlc.parameter @w : tensor<4xf32>
func.func @parameter_type() {
  // expected-error @+1 {{result type 'tensor<8xf32>' differs from the type of parameter @w, 'tensor<4xf32>'}}
  %0 = mlc.get_parameter @w : tensor<8xf32>
  return
}

// -----

func.func @not_a_parameter() {
  // expected-error @+1 {{'not_a_parameter' does not name an mlc.parameter}}
  %0 = mlc.get_parameter @not_a_parameter : tensor<4xf32>
  return
}

// -----

func.func @constant_type() {
  // expected-error @+1 {{all of {value, result} have same type}}
  %0 = "mlc.constant"() <{value = dense<1> : tensor<2xi64>}> : () -> tensor<3xi64>
  return
}

//===----------------------------------------------------------------------===//
// Transformer ops
//===----------------------------------------------------------------------===//

// -----

func.func @rotary_rank(%x: tensor<2x8x64xf32>, %p: tensor<2x8xi64>) {
  // expected-error @+1 {{input must be [batch, heads, seq, head_dim], has rank 3}}
  %0 = mlc.rotary_embedding %x, %p : (tensor<2x8x64xf32>, tensor<2x8xi64>) -> tensor<2x8x64xf32>
  return
}

// -----

func.func @rotary_dim(%x: tensor<1x2x8x64xf32>, %p: tensor<1x8xi64>) {
  // expected-error @+1 {{rotary_dim 33 must be even and in [2, head_dim = 64]}}
  %0 = mlc.rotary_embedding %x, %p {rotary_dim = 33 : i64} : (tensor<1x2x8x64xf32>, tensor<1x8xi64>) -> tensor<1x2x8x64xf32>
  return
}

// -----

func.func @rotary_norm_weight(%x: tensor<1x2x8x64xf32>, %p: tensor<1x8xi64>, %w: tensor<32xf32>) {
  // expected-error @+1 {{head_dim and norm weight size differ: 64 vs 32}}
  %0 = mlc.rotary_embedding %x, %p norm(%w) : (tensor<1x2x8x64xf32>, tensor<1x8xi64>, tensor<32xf32>) -> tensor<1x2x8x64xf32>
  return
}

// -----

func.func @rotary_positions(%x: tensor<1x2x8x64xf32>, %p: tensor<1x7xi64>) {
  // expected-error @+1 {{sequence lengths of input and positions differ: 8 vs 7}}
  %0 = mlc.rotary_embedding %x, %p : (tensor<1x2x8x64xf32>, tensor<1x7xi64>) -> tensor<1x2x8x64xf32>
  return
}

// -----

func.func @attention_heads(%q: tensor<1x6x4x64xf32>, %k: tensor<1x4x4x64xf32>) {
  // expected-error @+1 {{query heads (6) must be a multiple of key/value heads (4)}}
  %0 = mlc.attention %q, %k, %k : (tensor<1x6x4x64xf32>, tensor<1x4x4x64xf32>, tensor<1x4x4x64xf32>) -> tensor<1x6x4x64xf32>
  return
}

// -----

func.func @attention_head_dim(%q: tensor<1x4x4x64xf32>, %k: tensor<1x4x4x32xf32>) {
  // expected-error @+1 {{head sizes of query and key differ: 64 vs 32}}
  %0 = mlc.attention %q, %k, %k : (tensor<1x4x4x64xf32>, tensor<1x4x4x32xf32>, tensor<1x4x4x32xf32>) -> tensor<1x4x4x32xf32>
  return
}

// -----

func.func @attention_wider_cache(%q: tensor<1x4x4x64xbf16>, %k: tensor<1x4x4x64xf32>) {
  // expected-error @+1 {{key and value must be of the query's element type or a narrower float type}}
  %0 = mlc.attention %q, %k, %k : (tensor<1x4x4x64xbf16>, tensor<1x4x4x64xf32>, tensor<1x4x4x64xf32>) -> tensor<1x4x4x64xbf16>
  return
}

// -----

func.func @attention_key_value_types(%q: tensor<1x4x4x64xf32>, %k: tensor<1x4x4x64xbf16>, %v: tensor<1x4x4x64xf16>) {
  // expected-error @+1 {{'mlc.attention' op failed to verify that all of {key, value} have same element type}}
  %0 = mlc.attention %q, %k, %v : (tensor<1x4x4x64xf32>, tensor<1x4x4x64xbf16>, tensor<1x4x4x64xf16>) -> tensor<1x4x4x64xf32>
  return
}

// -----

func.func @attention_mask_type(%q: tensor<1x4x4x64xf32>, %m: tensor<4x4xi32>) {
  // expected-error @+1 {{mask must be i1 or of the query's element type}}
  %0 = mlc.attention %q, %q, %q mask(%m) : (tensor<1x4x4x64xf32>, tensor<1x4x4x64xf32>, tensor<1x4x4x64xf32>, tensor<4x4xi32>) -> tensor<1x4x4x64xf32>
  return
}

// -----

func.func @attention_mask_shape(%q: tensor<1x4x4x64xf32>, %m: tensor<4x5xi1>) {
  // expected-error @+1 {{mask and score sizes differ: 5 vs 4}}
  %0 = mlc.attention %q, %q, %q mask(%m) : (tensor<1x4x4x64xf32>, tensor<1x4x4x64xf32>, tensor<1x4x4x64xf32>, tensor<4x5xi1>) -> tensor<1x4x4x64xf32>
  return
}

// -----

func.func @swiglu_shapes(%g: tensor<2x8xf32>, %u: tensor<2x4xf32>) {
  // expected-error @+1 {{gate and up dimension 1 differ: 8 vs 4}}
  %0 = mlc.swiglu %g, %u : (tensor<2x8xf32>, tensor<2x4xf32>) -> tensor<2x8xf32>
  return
}

//===----------------------------------------------------------------------===//
// Quantization
//===----------------------------------------------------------------------===//

// -----

func.func @quantize_zero_point_type(%x: tensor<4x8xf32>, %s: tensor<f32>, %z: tensor<i8>) {
  // expected-error @+1 {{zero point must have the result's element type}}
  %0 = mlc.quantize %x, %s, %z : (tensor<4x8xf32>, tensor<f32>, tensor<i8>) -> tensor<4x8xui8>
  return
}

// -----

func.func @quantize_axis_scale(%x: tensor<4x8xf32>, %s: tensor<4xf32>) {
  // expected-error @+1 {{per-axis scale has 4 values, axis 1 has size 8}}
  %0 = mlc.quantize %x, %s {axis = 1 : i64} : (tensor<4x8xf32>, tensor<4xf32>) -> tensor<4x8xi8>
  return
}

// -----

func.func @quantize_scale_layout(%x: tensor<4x8xf32>, %s: tensor<4xf32>) {
  // expected-error @+1 {{scale must be per tensor (0-d), per axis (1-D with an axis) or per block (with block_size)}}
  %0 = mlc.quantize %x, %s : (tensor<4x8xf32>, tensor<4xf32>) -> tensor<4x8xi8>
  return
}

// -----

func.func @dequantize_block_without_axis(%x: tensor<4x8xi8>, %s: tensor<4x2xf32>) {
  // expected-error @+1 {{block_size needs an axis}}
  %0 = mlc.dequantize %x, %s {block_size = 4 : i64} : (tensor<4x8xi8>, tensor<4x2xf32>) -> tensor<4x8xf32>
  return
}

// -----

func.func @dequantize_block_scale(%x: tensor<4x8xi8>, %s: tensor<4x3xf32>) {
  // expected-error @+1 {{scale dimension 1 is 3, expected 2}}
  %0 = mlc.dequantize %x, %s {axis = 1 : i64, block_size = 4 : i64} : (tensor<4x8xi8>, tensor<4x3xf32>) -> tensor<4x8xf32>
  return
}

// -----

func.func @dequantize_zero_point_type(%x: tensor<4x8xi8>, %s: tensor<f32>, %z: tensor<ui8>) {
  // expected-error @+1 {{zero point must have the input's element type}}
  %0 = mlc.dequantize %x, %s, %z : (tensor<4x8xi8>, tensor<f32>, tensor<ui8>) -> tensor<4x8xf32>
  return
}

// -----

func.func @qmatmul_k(%x: tensor<2x64xf32>, %w: tensor<16x128xi4>, %s: tensor<16x1xf32>) {
  // expected-error @+1 {{input has K = 64, weight has K = 128}}
  %0 = mlc.quantized_matmul %x, %w, %s {group_size = 128 : i64} : (tensor<2x64xf32>, tensor<16x128xi4>, tensor<16x1xf32>) -> tensor<2x16xf32>
  return
}

// -----

func.func @qmatmul_group(%x: tensor<2x96xf32>, %w: tensor<16x96xi4>, %s: tensor<16x1xf32>) {
  // expected-error @+1 {{K = 96 is not a multiple of group_size 64}}
  %0 = mlc.quantized_matmul %x, %w, %s {group_size = 64 : i64} : (tensor<2x96xf32>, tensor<16x96xi4>, tensor<16x1xf32>) -> tensor<2x16xf32>
  return
}

// -----

func.func @qmatmul_scales(%x: tensor<2x128xf32>, %w: tensor<16x128xi8>, %s: tensor<16x4xf32>) {
  // expected-error @+1 {{scales must be [N, K / group_size]}}
  %0 = mlc.quantized_matmul %x, %w, %s {group_size = 64 : i64} : (tensor<2x128xf32>, tensor<16x128xi8>, tensor<16x4xf32>) -> tensor<2x16xf32>
  return
}

// -----

func.func @qmatmul_float_weight(%x: tensor<2x128xf32>, %w: tensor<16x128xf32>, %s: tensor<16x1xf32>) {
  // expected-error @+1 {{operand #1 must be ranked tensor of quantized storage values}}
  %0 = mlc.quantized_matmul %x, %w, %s {group_size = 128 : i64} : (tensor<2x128xf32>, tensor<16x128xf32>, tensor<16x1xf32>) -> tensor<2x16xf32>
  return
}

// -----

func.func @argmax_axis_range(%x: tensor<4x4xf32>) {
  // expected-error @+1 {{axis 2 is out of range for rank 2}}
  %0 = mlc.argmax %x {axis = 2 : i64} : (tensor<4x4xf32>) -> tensor<4xi64>
  return
}

// -----

func.func @argmin_result_type(%x: tensor<4x4xf32>) {
  // expected-error @+1 {{result #0 must be ranked tensor of 64-bit signless integer values}}
  %0 = mlc.argmin %x {axis = 1 : i64} : (tensor<4x4xf32>) -> tensor<4xi32>
  return
}

// -----

func.func @cumsum_axis_range(%x: tensor<4x4xf32>) {
  // expected-error @+1 {{axis -1 is out of range for rank 2}}
  %0 = mlc.cumsum %x {axis = -1 : i64} : tensor<4x4xf32>
  return
}

// -----

func.func @shl_float(%x: tensor<4xf32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of}}
  %0 = mlc.shl %x, %x : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @resize_sizes_length(%x: tensor<1x3x8x8xf32>, %s: tensor<3xi64>) {
  // expected-error @+1 {{sizes must have 4 elements, has 3}}
  %0 = mlc.resize nearest %x, %s : (tensor<1x3x8x8xf32>, tensor<3xi64>) -> tensor<?x?x?x?xf32>
  return
}

// -----

func.func @resize_linear_integers(%x: tensor<1x3x8x8xi32>, %s: tensor<4xi64>) {
  // expected-error @+1 {{linear and cubic interpolation need a floating-point input}}
  %0 = mlc.resize linear %x, %s : (tensor<1x3x8x8xi32>, tensor<4xi64>) -> tensor<?x?x?x?xi32>
  return
}

// -----

func.func @resize_crop_without_roi(%x: tensor<1x3x8x8xf32>, %s: tensor<4xi64>) {
  // expected-error @+1 {{roi is needed by, and only by, tf_crop_and_resize}}
  %0 = mlc.resize linear %x, %s {coordinate_transform = #mlc.coordinate_transform<tf_crop_and_resize>} : (tensor<1x3x8x8xf32>, tensor<4xi64>) -> tensor<?x?x?x?xf32>
  return
}

// -----

func.func @resize_static_sizes(%x: tensor<1x3x8x8xf32>) {
  %s = mlc.constant dense<[1, 3, 16, 16]> : tensor<4xi64>
  // expected-error @+1 {{dimension 2}}
  %0 = mlc.resize nearest %x, %s : (tensor<1x3x8x8xf32>, tensor<4xi64>) -> tensor<1x3x8x16xf32>
  return
}
