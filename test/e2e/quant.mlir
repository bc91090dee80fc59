// RUN: mlc-compile %s -o %t.so --quiet
// RUN: %python %S/check_module.py %t.so %s

// Quantization (per tensor, per axis, per block) and int8 weight-only
// matmul, against numpy.

// PY: x = (rng.standard_normal((4, 8)) * 3).astype(np.float32)
// PY: s_axis = np.array([0.02, 0.05, 0.1, 0.5], np.float32)
// PY: z_axis = np.array([128, 0, 10, 255], np.uint8)
// PY: w = rng.integers(-128, 128, (6, 8)).astype(np.int8)
// PY: ws = (rng.random((6, 2)) * 0.1).astype(np.float32)
// PY: wz = rng.integers(-5, 5, (6, 2)).astype(np.int8)
// PY: h = rng.standard_normal((3, 8)).astype(np.float32)
// PY: inputs = [x, s_axis, z_axis, w, ws, wz, h]
// PY: q0 = np.clip(np.round(x / s_axis[:, None]) + z_axis[:, None], 0, 255).astype(np.uint8)
// PY: q1 = np.clip(np.round(x / np.float32(0.1)), -128, 127).astype(np.int8)
// PY: dq = ((w.astype(np.float32) - np.repeat(wz, 4, axis=1)) * np.repeat(ws, 4, axis=1)).astype(np.float32)
// PY: expected = [q0, q1, ((q0.astype(np.float32) - z_axis[:, None]) * s_axis[:, None]).astype(np.float32), dq, (h @ dq.T).astype(np.float32)]
// PY: rtol = 1e-5; atol = 1e-5

func.func @main(%x: tensor<4x8xf32>, %s: tensor<4xf32>, %z: tensor<4xui8>,
                %w: tensor<6x8xi8>, %ws: tensor<6x2xf32>, %wz: tensor<6x2xi8>,
                %h: tensor<3x8xf32>)
    -> (tensor<4x8xui8>, tensor<4x8xi8>, tensor<4x8xf32>, tensor<6x8xf32>, tensor<3x6xf32>) {
  %0 = mlc.quantize %x, %s, %z {axis = 0 : i64} : (tensor<4x8xf32>, tensor<4xf32>, tensor<4xui8>) -> tensor<4x8xui8>
  %tenth = mlc.constant dense<0.1> : tensor<f32>
  %1 = mlc.quantize %x, %tenth : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xi8>
  %2 = mlc.dequantize %0, %s, %z {axis = 0 : i64} : (tensor<4x8xui8>, tensor<4xf32>, tensor<4xui8>) -> tensor<4x8xf32>
  %3 = mlc.dequantize %w, %ws, %wz {axis = 1 : i64, block_size = 4 : i64} : (tensor<6x8xi8>, tensor<6x2xf32>, tensor<6x2xi8>) -> tensor<6x8xf32>
  %4 = mlc.quantized_matmul %h, %w, %ws, %wz {group_size = 4 : i64} : (tensor<3x8xf32>, tensor<6x8xi8>, tensor<6x2xf32>, tensor<6x2xi8>) -> tensor<3x6xf32>
  return %0, %1, %2, %3, %4 : tensor<4x8xui8>, tensor<4x8xi8>, tensor<4x8xf32>, tensor<6x8xf32>, tensor<3x6xf32>
}
