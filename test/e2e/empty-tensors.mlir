// RUN: mlc-compile %s -o %t.so --quiet
// RUN: %python %S/check_module.py %t.so %s

// A batch of zero rows runs (no division by zero in reshape's -1, no work
// in the loops) and gives empty results of the right shapes.

// PY: x = np.zeros((0, 6), dtype=np.float32)
// PY: w = rng.standard_normal((6, 4)).astype(np.float32)
// PY: shape = np.array([0, 2, 3], dtype=np.int64)
// PY: inferred = np.array([-1, 3], dtype=np.int64)
// PY: inputs = [x, w, shape, inferred]
// PY: expected = [x.reshape(0, 2, 3), x.reshape(-1, 3), x @ w, x + x]

func.func @main(%x: tensor<?x6xf32>, %w: tensor<6x4xf32>, %shape: tensor<3xi64>,
                %inferred: tensor<2xi64>)
    -> (tensor<?x?x?xf32>, tensor<?x?xf32>, tensor<?x4xf32>, tensor<?x6xf32>) {
  %0 = mlc.reshape %x, %shape : (tensor<?x6xf32>, tensor<3xi64>) -> tensor<?x?x?xf32>
  %1 = mlc.reshape %x, %inferred : (tensor<?x6xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  %2 = mlc.matmul %x, %w : (tensor<?x6xf32>, tensor<6x4xf32>) -> tensor<?x4xf32>
  %3 = mlc.add %x, %x : (tensor<?x6xf32>, tensor<?x6xf32>) -> tensor<?x6xf32>
  return %0, %1, %2, %3 : tensor<?x?x?xf32>, tensor<?x?xf32>, tensor<?x4xf32>, tensor<?x6xf32>
}
