// RUN: mlc-opt %s | mlc-opt | FileCheck %s
// RUN: mlc-opt %s --mlir-print-op-generic | mlc-opt | FileCheck %s

// Every mlc op, printed and parsed back (also through the generic form).

// CHECK: mlc.parameter @model.embed_tokens.weight : tensor<151936x1024xbf16> = #mlc.file<"model.safetensors", offset = 0, size = 311164928>
mlc.parameter @"model.embed_tokens.weight" : tensor<151936x1024xbf16>
    = #mlc.file<"model.safetensors", offset = 0, size = 311164928>
// CHECK: mlc.parameter @fc.bias : tensor<4xf32> = dense<[0.000000e+00, 1.000000e+00, 2.000000e+00, 3.000000e+00]> : tensor<4xf32>
mlc.parameter @"fc.bias" : tensor<4xf32> = dense<[0.0, 1.0, 2.0, 3.0]> : tensor<4xf32>
// CHECK: mlc.parameter "private" @q.weight : tensor<64x128xi4>{{$}}
mlc.parameter "private" @"q.weight" : tensor<64x128xi4>

// CHECK-LABEL: func.func @parameters
func.func @parameters() -> (tensor<151936x1024xbf16>, tensor<4xi64>) {
  // CHECK: mlc.get_parameter @model.embed_tokens.weight : tensor<151936x1024xbf16>
  %w = mlc.get_parameter @"model.embed_tokens.weight" : tensor<151936x1024xbf16>
  // CHECK: mlc.constant dense<[1, -1, 16, 64]> : tensor<4xi64>
  %s = mlc.constant dense<[1, -1, 16, 64]> : tensor<4xi64>
  return %w, %s : tensor<151936x1024xbf16>, tensor<4xi64>
}

// CHECK-LABEL: func.func @unary
func.func @unary(%x: tensor<?x128xf32>, %i: tensor<4xi32>, %b: tensor<?xi1>) {
  // CHECK: mlc.neg %{{.*}} : tensor<?x128xf32>
  %0 = mlc.neg %x : tensor<?x128xf32>
  // CHECK: mlc.abs %{{.*}} : tensor<4xi32>
  %1 = mlc.abs %i : tensor<4xi32>
  // CHECK: mlc.sign
  %2 = mlc.sign %x : tensor<?x128xf32>
  // CHECK: mlc.relu
  %3 = mlc.relu %x : tensor<?x128xf32>
  // CHECK: mlc.exp
  %4 = mlc.exp %x : tensor<?x128xf32>
  // CHECK: mlc.log
  %5 = mlc.log %x : tensor<?x128xf32>
  // CHECK: mlc.sqrt
  %6 = mlc.sqrt %x : tensor<?x128xf32>
  // CHECK: mlc.rsqrt
  %7 = mlc.rsqrt %x : tensor<?x128xf32>
  // CHECK: mlc.reciprocal
  %8 = mlc.reciprocal %x : tensor<?x128xf32>
  // CHECK: mlc.tanh
  %9 = mlc.tanh %x : tensor<?x128xf32>
  // CHECK: mlc.sigmoid
  %10 = mlc.sigmoid %x : tensor<?x128xf32>
  // CHECK: mlc.silu
  %11 = mlc.silu %x : tensor<?x128xf32>
  // CHECK: mlc.erf
  %12 = mlc.erf %x : tensor<?x128xf32>
  // CHECK: mlc.sin
  %13 = mlc.sin %x : tensor<?x128xf32>
  // CHECK: mlc.cos
  %14 = mlc.cos %x : tensor<?x128xf32>
  // CHECK: mlc.asin %{{.*}} : tensor<?x128xf32>
  %25 = mlc.asin %x : tensor<?x128xf32>
  // CHECK: mlc.acos
  %26 = mlc.acos %x : tensor<?x128xf32>
  // CHECK: mlc.atan
  %27 = mlc.atan %x : tensor<?x128xf32>
  // CHECK: mlc.floor
  %15 = mlc.floor %x : tensor<?x128xf32>
  // CHECK: mlc.ceil
  %16 = mlc.ceil %x : tensor<?x128xf32>
  // CHECK: mlc.round
  %17 = mlc.round %x : tensor<?x128xf32>
  // CHECK: mlc.not %{{.*}} : tensor<?xi1>
  %18 = mlc.not %b : tensor<?xi1>
  // CHECK: mlc.gelu %{{.*}} : tensor<?x128xf32>
  %19 = mlc.gelu %x : tensor<?x128xf32>
  // CHECK: mlc.gelu %{{.*}} {approximate} : tensor<?x128xf32>
  %20 = mlc.gelu %x {approximate} : tensor<?x128xf32>
  // CHECK: mlc.clip %{{.*}} {max = 6.000000e+00 : f32, min = 0.000000e+00 : f32} : tensor<?x128xf32>
  %21 = mlc.clip %x {min = 0.0 : f32, max = 6.0 : f32} : tensor<?x128xf32>
  // CHECK: mlc.clip %{{.*}} {min = 0 : i32} : tensor<4xi32>
  %22 = mlc.clip %i {min = 0 : i32} : tensor<4xi32>
  // CHECK: mlc.cast %{{.*}} : (tensor<?x128xf32>) -> tensor<?x128xbf16>
  %23 = mlc.cast %x : (tensor<?x128xf32>) -> tensor<?x128xbf16>
  // CHECK: mlc.cast %{{.*}} : (tensor<4xi32>) -> tensor<4xui8>
  %24 = mlc.cast %i : (tensor<4xi32>) -> tensor<4xui8>
  return
}

// CHECK-LABEL: func.func @binary
func.func @binary(%a: tensor<?x4xf32>, %b: tensor<4xf32>, %i: tensor<2x4xi64>,
                  %j: tensor<4xi64>, %p: tensor<?x4xi1>, %q: tensor<1x4xi1>) {
  // CHECK: mlc.add %{{.*}}, %{{.*}} : (tensor<?x4xf32>, tensor<4xf32>) -> tensor<?x4xf32>
  %0 = mlc.add %a, %b : (tensor<?x4xf32>, tensor<4xf32>) -> tensor<?x4xf32>
  // CHECK: mlc.sub
  %1 = mlc.sub %a, %b : (tensor<?x4xf32>, tensor<4xf32>) -> tensor<?x4xf32>
  // CHECK: mlc.mul
  %2 = mlc.mul %a, %b : (tensor<?x4xf32>, tensor<4xf32>) -> tensor<?x4xf32>
  // CHECK: mlc.div %{{.*}}, %{{.*}} : (tensor<2x4xi64>, tensor<4xi64>) -> tensor<2x4xi64>
  %3 = mlc.div %i, %j : (tensor<2x4xi64>, tensor<4xi64>) -> tensor<2x4xi64>
  // CHECK: mlc.pow
  %4 = mlc.pow %a, %b : (tensor<?x4xf32>, tensor<4xf32>) -> tensor<?x4xf32>
  // CHECK: mlc.max
  %5 = mlc.max %a, %b : (tensor<?x4xf32>, tensor<4xf32>) -> tensor<?x4xf32>
  // CHECK: mlc.min
  %6 = mlc.min %i, %j : (tensor<2x4xi64>, tensor<4xi64>) -> tensor<2x4xi64>
  // CHECK: mlc.and %{{.*}}, %{{.*}} : (tensor<?x4xi1>, tensor<1x4xi1>) -> tensor<?x4xi1>
  %7 = mlc.and %p, %q : (tensor<?x4xi1>, tensor<1x4xi1>) -> tensor<?x4xi1>
  // CHECK: mlc.or
  %8 = mlc.or %p, %q : (tensor<?x4xi1>, tensor<1x4xi1>) -> tensor<?x4xi1>
  // CHECK: mlc.xor
  %9 = mlc.xor %i, %j : (tensor<2x4xi64>, tensor<4xi64>) -> tensor<2x4xi64>
  // CHECK: mlc.cmp lt, %{{.*}}, %{{.*}} : (tensor<?x4xf32>, tensor<4xf32>) -> tensor<?x4xi1>
  %10 = mlc.cmp lt, %a, %b : (tensor<?x4xf32>, tensor<4xf32>) -> tensor<?x4xi1>
  // CHECK: mlc.cmp ne,
  %11 = mlc.cmp ne, %i, %j : (tensor<2x4xi64>, tensor<4xi64>) -> tensor<2x4xi1>
  // CHECK: mlc.where %{{.*}}, %{{.*}}, %{{.*}} : (tensor<1x4xi1>, tensor<?x4xf32>, tensor<4xf32>) -> tensor<?x4xf32>
  %12 = mlc.where %q, %a, %b : (tensor<1x4xi1>, tensor<?x4xf32>, tensor<4xf32>) -> tensor<?x4xf32>
  // CHECK: mlc.rem %{{.*}}, %{{.*}} : (tensor<2x4xi64>, tensor<4xi64>) -> tensor<2x4xi64>
  %14 = mlc.rem %i, %j : (tensor<2x4xi64>, tensor<4xi64>) -> tensor<2x4xi64>
  // CHECK: mlc.rem %{{.*}}, %{{.*}} : (tensor<?x4xf32>, tensor<4xf32>) -> tensor<?x4xf32>
  %15 = mlc.rem %a, %b : (tensor<?x4xf32>, tensor<4xf32>) -> tensor<?x4xf32>
  // CHECK: mlc.shl %{{.*}}, %{{.*}} : (tensor<2x4xi64>, tensor<4xi64>) -> tensor<2x4xi64>
  %16 = mlc.shl %i, %j : (tensor<2x4xi64>, tensor<4xi64>) -> tensor<2x4xi64>
  // CHECK: mlc.shr %{{.*}}, %{{.*}} : (tensor<2x4xi64>, tensor<4xi64>) -> tensor<2x4xi64>
  %17 = mlc.shr %i, %j : (tensor<2x4xi64>, tensor<4xi64>) -> tensor<2x4xi64>
  // A declared result may be more static than what the operands imply.
  // CHECK: mlc.add %{{.*}}, %{{.*}} : (tensor<?x4xf32>, tensor<4xf32>) -> tensor<8x4xf32>
  %13 = mlc.add %a, %b : (tensor<?x4xf32>, tensor<4xf32>) -> tensor<8x4xf32>
  return
}

// CHECK-LABEL: func.func @contractions
func.func @contractions(%x: tensor<?x?x1024xbf16>, %w: tensor<3072x1024xbf16>,
                        %a: tensor<?x512xf32>, %fc: tensor<1000x512xf32>,
                        %bias: tensor<1000xf32>, %img: tensor<?x3x224x224xf32>,
                        %filter: tensor<64x3x7x7xf32>, %cb: tensor<64xf32>,
                        %nhwc: tensor<1x56x56x32xf32>, %dw: tensor<3x3x1x32xf32>) {
  // CHECK: mlc.matmul %{{.*}}, %{{.*}} {transpose_rhs} : (tensor<?x?x1024xbf16>, tensor<3072x1024xbf16>) -> tensor<?x?x3072xbf16>
  %0 = mlc.matmul %x, %w {transpose_rhs} : (tensor<?x?x1024xbf16>, tensor<3072x1024xbf16>) -> tensor<?x?x3072xbf16>
  // CHECK: mlc.gemm %{{.*}}, %{{.*}}, %{{.*}} {alpha = 5.000000e-01 : f32, transpose_rhs} : (tensor<?x512xf32>, tensor<1000x512xf32>, tensor<1000xf32>) -> tensor<?x1000xf32>
  %1 = mlc.gemm %a, %fc, %bias {alpha = 0.5 : f32, transpose_rhs} : (tensor<?x512xf32>, tensor<1000x512xf32>, tensor<1000xf32>) -> tensor<?x1000xf32>
  // CHECK: mlc.gemm %{{.*}}, %{{.*}} {transpose_rhs} : (tensor<?x512xf32>, tensor<1000x512xf32>) -> tensor<?x1000xf32>
  %2 = mlc.gemm %a, %fc {transpose_rhs} : (tensor<?x512xf32>, tensor<1000x512xf32>) -> tensor<?x1000xf32>
  // CHECK: mlc.conv2d %{{.*}}, %{{.*}}, %{{.*}} {padding = array<i64: 3, 3, 3, 3>, strides = array<i64: 2, 2>} : (tensor<?x3x224x224xf32>, tensor<64x3x7x7xf32>, tensor<64xf32>) -> tensor<?x64x112x112xf32>
  %3 = mlc.conv2d %img, %filter, %cb {padding = array<i64: 3, 3, 3, 3>, strides = array<i64: 2, 2>} : (tensor<?x3x224x224xf32>, tensor<64x3x7x7xf32>, tensor<64xf32>) -> tensor<?x64x112x112xf32>
  // Depthwise, channels last.
  // CHECK: mlc.conv2d %{{.*}}, %{{.*}} {groups = 32 : i64, layout = #mlc.layout<nhwc>, padding = array<i64: 1, 1, 1, 1>} : (tensor<1x56x56x32xf32>, tensor<3x3x1x32xf32>) -> tensor<1x56x56x32xf32>
  %4 = mlc.conv2d %nhwc, %dw {groups = 32 : i64, layout = #mlc.layout<nhwc>, padding = array<i64: 1, 1, 1, 1>} : (tensor<1x56x56x32xf32>, tensor<3x3x1x32xf32>) -> tensor<1x56x56x32xf32>
  return
}

// CHECK-LABEL: func.func @reductions
func.func @reductions(%x: tensor<?x512x7x7xf32>, %s: tensor<?x16x?x?xf32>,
                      %h: tensor<?x?x768xf32>, %g: tensor<768xf32>,
                      %r: tensor<1x?x1024xf32>, %rw: tensor<1024xf32>,
                      %img: tensor<?x64x112x112xf32>) {
  // CHECK: mlc.reduce mean %{{.*}} {axes = array<i64: 2, 3>, keepdims} : (tensor<?x512x7x7xf32>) -> tensor<?x512x1x1xf32>
  %0 = mlc.reduce mean %x {axes = array<i64: 2, 3>, keepdims} : (tensor<?x512x7x7xf32>) -> tensor<?x512x1x1xf32>
  // CHECK: mlc.reduce log_sum_exp %{{.*}} {axes = array<i64: 1>} : (tensor<?x512x7x7xf32>) -> tensor<?x7x7xf32>
  %1 = mlc.reduce log_sum_exp %x {axes = array<i64: 1>} : (tensor<?x512x7x7xf32>) -> tensor<?x7x7xf32>
  // CHECK: mlc.softmax %{{.*}} {axis = 3 : i64} : tensor<?x16x?x?xf32>
  %2 = mlc.softmax %s {axis = 3 : i64} : tensor<?x16x?x?xf32>
  // CHECK: mlc.log_softmax %{{.*}} {axis = 1 : i64} : tensor<?x16x?x?xf32>
  %3 = mlc.log_softmax %s {axis = 1 : i64} : tensor<?x16x?x?xf32>
  // CHECK: mlc.layer_norm %{{.*}}, %{{.*}}, %{{.*}} {axis = 2 : i64} : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>) -> tensor<?x?x768xf32>
  %4 = mlc.layer_norm %h, %g, %g {axis = 2 : i64, epsilon = 1.0e-05 : f32} : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>) -> tensor<?x?x768xf32>
  // CHECK: mlc.layer_norm %{{.*}}, %{{.*}} {axis = 2 : i64, epsilon = 9.99999997E-7 : f32} : (tensor<?x?x768xf32>, tensor<768xf32>) -> tensor<?x?x768xf32>
  %5 = mlc.layer_norm %h, %g {axis = 2 : i64, epsilon = 1.0e-06 : f32} : (tensor<?x?x768xf32>, tensor<768xf32>) -> tensor<?x?x768xf32>
  // CHECK: mlc.rms_norm %{{.*}}, %{{.*}} : (tensor<1x?x1024xf32>, tensor<1024xf32>) -> tensor<1x?x1024xf32>
  %6 = mlc.rms_norm %r, %rw {epsilon = 1.0e-06 : f32} : (tensor<1x?x1024xf32>, tensor<1024xf32>) -> tensor<1x?x1024xf32>
  // CHECK: mlc.pool2d max %{{.*}} {kernel = array<i64: 3, 3>, padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<?x64x112x112xf32>) -> tensor<?x64x56x56xf32>
  %7 = mlc.pool2d max %img {kernel = array<i64: 3, 3>, padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<?x64x112x112xf32>) -> tensor<?x64x56x56xf32>
  // CHECK: mlc.pool2d avg %{{.*}} {ceil_mode, count_include_pad, kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<?x64x112x112xf32>) -> tensor<?x64x56x56xf32>
  %8 = mlc.pool2d avg %img {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, ceil_mode, count_include_pad} : (tensor<?x64x112x112xf32>) -> tensor<?x64x56x56xf32>
  // CHECK: mlc.argmax %{{.*}} {axis = 1 : i64, keepdims} : (tensor<?x512x7x7xf32>) -> tensor<?x1x7x7xi64>
  %9 = mlc.argmax %x {axis = 1 : i64, keepdims} : (tensor<?x512x7x7xf32>) -> tensor<?x1x7x7xi64>
  // CHECK: mlc.argmin %{{.*}} {axis = 3 : i64, select_last_index} : (tensor<?x512x7x7xf32>) -> tensor<?x512x7xi64>
  %10 = mlc.argmin %x {axis = 3 : i64, select_last_index} : (tensor<?x512x7x7xf32>) -> tensor<?x512x7xi64>
  // CHECK: mlc.cumsum %{{.*}} {axis = 2 : i64, exclusive, reverse} : tensor<?x?x768xf32>
  %11 = mlc.cumsum %h {axis = 2 : i64, exclusive, reverse} : tensor<?x?x768xf32>
  return
}

// CHECK-LABEL: func.func @data_movement
func.func @data_movement(%x: tensor<?x128x16x64xf32>, %s: tensor<2xi64>,
                         %a: tensor<?x3xi64>, %b: tensor<?x5xi64>,
                         %wide: tensor<1x?x6144xf32>, %img: tensor<?x3x8x8xf32>,
                         %kv: tensor<1x1x?x64xf32>, %s4: tensor<4xi64>,
                         %sq: tensor<?x512x1x1xf32>, %m: tensor<?x?xi1>,
                         %table: tensor<151936x1024xbf16>, %ids: tensor<1x?xi64>,
                         %d: tensor<4x10xf32>, %di: tensor<4x3xi64>,
                         %kc: tensor<1x8x4096x128xbf16>, %k: tensor<1x8x?x128xbf16>,
                         %pos: tensor<i64>, %scales: tensor<4xf32>,
                         %roi: tensor<8xf32>) {
  // CHECK: mlc.reshape %{{.*}} : (tensor<?x128x16x64xf32>) -> tensor<?x128x1024xf32>
  %0 = mlc.reshape %x : (tensor<?x128x16x64xf32>) -> tensor<?x128x1024xf32>
  // CHECK: mlc.reshape %{{.*}}, %{{.*}} : (tensor<?x128x16x64xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  %1 = mlc.reshape %x, %s : (tensor<?x128x16x64xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  // CHECK: mlc.transpose %{{.*}} {permutation = array<i64: 0, 2, 1, 3>} : (tensor<?x128x16x64xf32>) -> tensor<?x16x128x64xf32>
  %2 = mlc.transpose %x {permutation = array<i64: 0, 2, 1, 3>} : (tensor<?x128x16x64xf32>) -> tensor<?x16x128x64xf32>
  // CHECK: mlc.concat %{{.*}}, %{{.*}} {axis = 1 : i64} : (tensor<?x3xi64>, tensor<?x5xi64>) -> tensor<?x8xi64>
  %3 = mlc.concat %a, %b {axis = 1 : i64} : (tensor<?x3xi64>, tensor<?x5xi64>) -> tensor<?x8xi64>
  // CHECK: mlc.split %{{.*}} {axis = 2 : i64, sizes = array<i64: 2048, 4096>} : (tensor<1x?x6144xf32>) -> (tensor<1x?x2048xf32>, tensor<1x?x4096xf32>)
  %4:2 = mlc.split %wide {axis = 2 : i64, sizes = array<i64: 2048, 4096>} : (tensor<1x?x6144xf32>) -> (tensor<1x?x2048xf32>, tensor<1x?x4096xf32>)
  // CHECK: mlc.split %{{.*}} {axis = 2 : i64} : (tensor<1x?x6144xf32>) -> (tensor<1x?x3072xf32>, tensor<1x?x3072xf32>)
  %5:2 = mlc.split %wide {axis = 2 : i64} : (tensor<1x?x6144xf32>) -> (tensor<1x?x3072xf32>, tensor<1x?x3072xf32>)
  // CHECK: mlc.slice %{{.*}} {axes = array<i64: 3>, ends = array<i64: 32>, starts = array<i64: 0>} : (tensor<?x128x16x64xf32>) -> tensor<?x128x16x32xf32>
  %6 = mlc.slice %x {axes = array<i64: 3>, ends = array<i64: 32>, starts = array<i64: 0>} : (tensor<?x128x16x64xf32>) -> tensor<?x128x16x32xf32>
  // CHECK: mlc.slice %{{.*}} {axes = array<i64: 1>, ends = array<i64: -9223372036854775808>, starts = array<i64: -1>, steps = array<i64: -1>} : (tensor<?x128x16x64xf32>) -> tensor<?x128x16x64xf32>
  %7 = mlc.slice %x {axes = array<i64: 1>, ends = array<i64: -9223372036854775808>, starts = array<i64: -1>, steps = array<i64: -1>} : (tensor<?x128x16x64xf32>) -> tensor<?x128x16x64xf32>
  // CHECK: mlc.pad %{{.*}} {padding = array<i64: 0, 0, 1, 1, 0, 0, 1, 1>, value = -1.000000e+00 : f32} : (tensor<?x3x8x8xf32>) -> tensor<?x3x10x10xf32>
  %8 = mlc.pad %img {padding = array<i64: 0, 0, 1, 1, 0, 0, 1, 1>, value = -1.0 : f32} : (tensor<?x3x8x8xf32>) -> tensor<?x3x10x10xf32>
  // CHECK: mlc.pad %{{.*}} {mode = #mlc.pad_mode<reflect>, padding = array<i64: 0, 0, 2, 2, 0, 0, 2, 2>} : (tensor<?x3x8x8xf32>) -> tensor<?x3x12x12xf32>
  %9 = mlc.pad %img {mode = #mlc.pad_mode<reflect>, padding = array<i64: 0, 0, 2, 2, 0, 0, 2, 2>} : (tensor<?x3x8x8xf32>) -> tensor<?x3x12x12xf32>
  // CHECK: mlc.expand %{{.*}} : (tensor<1x1x?x64xf32>) -> tensor<1x4x?x64xf32>
  %10 = mlc.expand %kv : (tensor<1x1x?x64xf32>) -> tensor<1x4x?x64xf32>
  // CHECK: mlc.expand %{{.*}}, %{{.*}} : (tensor<1x1x?x64xf32>, tensor<4xi64>) -> tensor<?x?x?x64xf32>
  %11 = mlc.expand %kv, %s4 : (tensor<1x1x?x64xf32>, tensor<4xi64>) -> tensor<?x?x?x64xf32>
  // CHECK: mlc.squeeze %{{.*}} {axes = array<i64: 2, 3>} : (tensor<?x512x1x1xf32>) -> tensor<?x512xf32>
  %12 = mlc.squeeze %sq {axes = array<i64: 2, 3>} : (tensor<?x512x1x1xf32>) -> tensor<?x512xf32>
  // CHECK: mlc.unsqueeze %{{.*}} {axes = array<i64: 1, 2>} : (tensor<?x?xi1>) -> tensor<?x1x1x?xi1>
  %13 = mlc.unsqueeze %m {axes = array<i64: 1, 2>} : (tensor<?x?xi1>) -> tensor<?x1x1x?xi1>
  // CHECK: mlc.gather %{{.*}}, %{{.*}} {axis = 0 : i64} : (tensor<151936x1024xbf16>, tensor<1x?xi64>) -> tensor<1x?x1024xbf16>
  %14 = mlc.gather %table, %ids {axis = 0 : i64} : (tensor<151936x1024xbf16>, tensor<1x?xi64>) -> tensor<1x?x1024xbf16>
  // CHECK: mlc.gather_elements %{{.*}}, %{{.*}} {axis = 1 : i64} : (tensor<4x10xf32>, tensor<4x3xi64>) -> tensor<4x3xf32>
  %15 = mlc.gather_elements %d, %di {axis = 1 : i64} : (tensor<4x10xf32>, tensor<4x3xi64>) -> tensor<4x3xf32>
  // CHECK: mlc.update_slice %{{.*}}, %{{.*}}, %{{.*}} {axis = 2 : i64} : (tensor<1x8x4096x128xbf16>, tensor<1x8x?x128xbf16>, tensor<i64>) -> tensor<1x8x4096x128xbf16>
  %16 = mlc.update_slice %kc, %k, %pos {axis = 2 : i64} : (tensor<1x8x4096x128xbf16>, tensor<1x8x?x128xbf16>, tensor<i64>) -> tensor<1x8x4096x128xbf16>
  // CHECK: mlc.shape_of %{{.*}} : (tensor<?x128x16x64xf32>) -> tensor<4xi64>
  %17 = mlc.shape_of %x : (tensor<?x128x16x64xf32>) -> tensor<4xi64>
  // CHECK: mlc.range %{{.*}}, %{{.*}}, %{{.*}} : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<?xi64>
  %18 = mlc.range %pos, %pos, %pos : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<?xi64>
  // CHECK: mlc.resize nearest %{{.*}}, %{{.*}} : (tensor<?x128x16x64xf32>, tensor<4xi64>) -> tensor<?x?x?x?xf32>
  %19 = mlc.resize nearest %x, %s4 : (tensor<?x128x16x64xf32>, tensor<4xi64>) -> tensor<?x?x?x?xf32>
  // CHECK: mlc.resize cubic %{{.*}}, %{{.*}} scales %{{.*}} {coordinate_transform = #mlc.coordinate_transform<align_corners>, cubic_coeff_a = -5.000000e-01 : f32, exclude_outside} : (tensor<?x128x16x64xf32>, tensor<4xi64>, tensor<4xf32>) -> tensor<?x?x?x?xf32>
  %20 = mlc.resize cubic %x, %s4 scales %scales {coordinate_transform = #mlc.coordinate_transform<align_corners>, cubic_coeff_a = -0.5 : f32, exclude_outside} : (tensor<?x128x16x64xf32>, tensor<4xi64>, tensor<4xf32>) -> tensor<?x?x?x?xf32>
  // CHECK: mlc.resize linear %{{.*}}, %{{.*}} roi %{{.*}} {coordinate_transform = #mlc.coordinate_transform<tf_crop_and_resize>, extrapolation_value = 1.000000e+01 : f32, nearest_rounding = #mlc.nearest_rounding<floor>} : (tensor<?x128x16x64xf32>, tensor<4xi64>, tensor<8xf32>) -> tensor<?x?x?x?xf32>
  %21 = mlc.resize linear %x, %s4 roi %roi {coordinate_transform = #mlc.coordinate_transform<tf_crop_and_resize>, extrapolation_value = 10.0 : f32, nearest_rounding = #mlc.nearest_rounding<floor>} : (tensor<?x128x16x64xf32>, tensor<4xi64>, tensor<8xf32>) -> tensor<?x?x?x?xf32>
  return
}

// CHECK-LABEL: func.func @transformer
func.func @transformer(%q: tensor<1x16x?x128xf32>, %pos: tensor<1x?xi64>,
                       %qd: tensor<1x16x1x128xbf16>, %kc: tensor<1x8x4096x128xbf16>,
                       %p: tensor<i64>, %k: tensor<1x8x?x128xf32>,
                       %mask: tensor<1x1x?x?xi1>, %g: tensor<1x?x3072xf32>) {
  // CHECK: mlc.rotary_embedding %{{.*}}, %{{.*}} {theta = 1.000000e+06 : f64} : (tensor<1x16x?x128xf32>, tensor<1x?xi64>) -> tensor<1x16x?x128xf32>
  %0 = mlc.rotary_embedding %q, %pos {theta = 1.0e+06 : f64} : (tensor<1x16x?x128xf32>, tensor<1x?xi64>) -> tensor<1x16x?x128xf32>
  // CHECK: mlc.rotary_embedding %{{.*}}, %{{.*}} {interleaved, rotary_dim = 64 : i64} : (tensor<1x16x?x128xf32>, tensor<1x?xi64>) -> tensor<1x16x?x128xf32>
  %1 = mlc.rotary_embedding %q, %pos {interleaved, rotary_dim = 64 : i64, theta = 10000.0 : f64} : (tensor<1x16x?x128xf32>, tensor<1x?xi64>) -> tensor<1x16x?x128xf32>
  // CHECK: mlc.attention %{{.*}}, %{{.*}}, %{{.*}} position(%{{.*}}) {causal} : (tensor<1x16x1x128xbf16>, tensor<1x8x4096x128xbf16>, tensor<1x8x4096x128xbf16>, tensor<i64>) -> tensor<1x16x1x128xbf16>
  %2 = mlc.attention %qd, %kc, %kc position(%p) {causal} : (tensor<1x16x1x128xbf16>, tensor<1x8x4096x128xbf16>, tensor<1x8x4096x128xbf16>, tensor<i64>) -> tensor<1x16x1x128xbf16>
  // CHECK: mlc.attention %{{.*}}, %{{.*}}, %{{.*}} mask(%{{.*}}) {scale = 1.250000e-01 : f64} : (tensor<1x16x?x128xf32>, tensor<1x8x?x128xf32>, tensor<1x8x?x128xf32>, tensor<1x1x?x?xi1>) -> tensor<1x16x?x128xf32>
  %3 = mlc.attention %q, %k, %k mask(%mask) {scale = 0.125 : f64} : (tensor<1x16x?x128xf32>, tensor<1x8x?x128xf32>, tensor<1x8x?x128xf32>, tensor<1x1x?x?xi1>) -> tensor<1x16x?x128xf32>
  // A bf16 KV cache for f32 attention.
  // CHECK: mlc.attention %{{.*}}, %{{.*}}, %{{.*}} position(%{{.*}}) {causal} : (tensor<1x16x?x128xf32>, tensor<1x8x4096x128xbf16>, tensor<1x8x4096x128xbf16>, tensor<i64>) -> tensor<1x16x?x128xf32>
  %5 = mlc.attention %q, %kc, %kc position(%p) {causal} : (tensor<1x16x?x128xf32>, tensor<1x8x4096x128xbf16>, tensor<1x8x4096x128xbf16>, tensor<i64>) -> tensor<1x16x?x128xf32>
  // CHECK: mlc.swiglu %{{.*}}, %{{.*}} : (tensor<1x?x3072xf32>, tensor<1x?x3072xf32>) -> tensor<1x?x3072xf32>
  %4 = mlc.swiglu %g, %g : (tensor<1x?x3072xf32>, tensor<1x?x3072xf32>) -> tensor<1x?x3072xf32>
  return
}

// CHECK-LABEL: func.func @quantization
func.func @quantization(%x: tensor<?x64xf32>, %s: tensor<64xf32>, %z: tensor<64xui8>,
                        %t: tensor<f32>, %qw: tensor<1024x4096xi4>, %bs: tensor<1024x32xf32>,
                        %h: tensor<1x?x1024xf32>, %w4: tensor<3072x1024xi4>,
                        %gs: tensor<3072x8xf32>, %w8: tensor<3072x1024xi8>,
                        %gz: tensor<3072x8xi8>) {
  // CHECK: mlc.quantize %{{.*}}, %{{.*}}, %{{.*}} {axis = 1 : i64} : (tensor<?x64xf32>, tensor<64xf32>, tensor<64xui8>) -> tensor<?x64xui8>
  %0 = mlc.quantize %x, %s, %z {axis = 1 : i64} : (tensor<?x64xf32>, tensor<64xf32>, tensor<64xui8>) -> tensor<?x64xui8>
  // CHECK: mlc.quantize %{{.*}}, %{{.*}} : (tensor<?x64xf32>, tensor<f32>) -> tensor<?x64xi8>
  %1 = mlc.quantize %x, %t : (tensor<?x64xf32>, tensor<f32>) -> tensor<?x64xi8>
  // CHECK: mlc.dequantize %{{.*}}, %{{.*}}, %{{.*}} {axis = 1 : i64} : (tensor<?x64xui8>, tensor<64xf32>, tensor<64xui8>) -> tensor<?x64xf32>
  %2 = mlc.dequantize %0, %s, %z {axis = 1 : i64} : (tensor<?x64xui8>, tensor<64xf32>, tensor<64xui8>) -> tensor<?x64xf32>
  // CHECK: mlc.dequantize %{{.*}}, %{{.*}} {axis = 1 : i64, block_size = 128 : i64} : (tensor<1024x4096xi4>, tensor<1024x32xf32>) -> tensor<1024x4096xf32>
  %3 = mlc.dequantize %qw, %bs {axis = 1 : i64, block_size = 128 : i64} : (tensor<1024x4096xi4>, tensor<1024x32xf32>) -> tensor<1024x4096xf32>
  // CHECK: mlc.quantized_matmul %{{.*}}, %{{.*}}, %{{.*}} {group_size = 128 : i64} : (tensor<1x?x1024xf32>, tensor<3072x1024xi4>, tensor<3072x8xf32>) -> tensor<1x?x3072xf32>
  %4 = mlc.quantized_matmul %h, %w4, %gs {group_size = 128 : i64} : (tensor<1x?x1024xf32>, tensor<3072x1024xi4>, tensor<3072x8xf32>) -> tensor<1x?x3072xf32>
  // CHECK: mlc.quantized_matmul %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {group_size = 128 : i64} : (tensor<1x?x1024xf32>, tensor<3072x1024xi8>, tensor<3072x8xf32>, tensor<3072x8xi8>) -> tensor<1x?x3072xf32>
  %5 = mlc.quantized_matmul %h, %w8, %gs, %gz {group_size = 128 : i64} : (tensor<1x?x1024xf32>, tensor<3072x1024xi8>, tensor<3072x8xf32>, tensor<3072x8xi8>) -> tensor<1x?x3072xf32>
  return
}
