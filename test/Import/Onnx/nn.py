# Neural-network ONNX ops: MatMul (vectors included), Gemm, Conv and pooling
# (2-D and 1-D, explicit and automatic padding), global pooling,
# BatchNormalization and LayerNormalization (inference), Dropout.
#
# RUN: %python %s %t
# RUN: mlc-import %t/matmul.onnx | FileCheck %s --check-prefix=MATMUL
# RUN: mlc-import %t/gemm.onnx | FileCheck %s --check-prefix=GEMM
# RUN: mlc-import %t/conv.onnx | FileCheck %s --check-prefix=CONV
# RUN: mlc-import %t/conv_same.onnx | FileCheck %s --check-prefix=SAME
# RUN: mlc-import %t/conv1d.onnx | FileCheck %s --check-prefix=CONV1D
# RUN: mlc-import %t/pool.onnx | FileCheck %s --check-prefix=POOL
# RUN: mlc-import %t/batchnorm.onnx | FileCheck %s --check-prefix=BN
# RUN: mlc-import %t/layernorm.onnx | FileCheck %s --check-prefix=LN
# RUN: mlc-import %t/dropout.onnx | FileCheck %s --check-prefix=DROPOUT
# RUN: mlc-import %t/conv_transpose.onnx | FileCheck %s --check-prefix=CONVT

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "Inputs"))
from onnx_test_utils import *  # noqa: E402,F403


def matmul():
    nodes = [node("MatMul", ["a", "b"], ["mm"]),
             node("MatMul", ["v", "b"], ["vm"]),
             node("MatMul", ["a", "w"], ["mv"]),
             node("MatMul", ["v", "w"], ["vv"])]
    return graph_model(
        nodes, [value("a", F32, ["batch", 2, 3, 4]), value("b", F32, [4, 5]),
                value("v", F32, [4]), value("w", F32, [4])],
        [value(o, F32, None) for o in ["mm", "vm", "mv", "vv"]])


# MATMUL-LABEL: func.func @main(
# MATMUL-SAME: %[[A:[^:]*]]: tensor<?x2x3x4xf32>{{.*}}, %[[B:[^:]*]]: tensor<4x5xf32>{{.*}}, %[[V:[^:]*]]: tensor<4xf32>{{.*}}, %[[W:[^:]*]]: tensor<4xf32>
# MATMUL: %[[MM:.*]] = mlc.matmul %[[A]], %[[B]] : (tensor<?x2x3x4xf32>, tensor<4x5xf32>) -> tensor<?x2x3x5xf32>
# A vector on the left is a row [1, K], removed from the result.
# MATMUL: %[[V1:.*]] = mlc.unsqueeze %[[V]] {axes = array<i64: 0>} : (tensor<4xf32>) -> tensor<1x4xf32>
# MATMUL: %[[VM1:.*]] = mlc.matmul %[[V1]], %[[B]] : (tensor<1x4xf32>, tensor<4x5xf32>) -> tensor<1x5xf32>
# MATMUL: %[[VM:.*]] = mlc.squeeze %[[VM1]] {axes = array<i64: 0>} : (tensor<1x5xf32>) -> tensor<5xf32>
# A vector on the right is a column [K, 1].
# MATMUL: %[[W1:.*]] = mlc.unsqueeze %[[W]] {axes = array<i64: 1>} : (tensor<4xf32>) -> tensor<4x1xf32>
# MATMUL: %[[MV1:.*]] = mlc.matmul %[[A]], %[[W1]] : (tensor<?x2x3x4xf32>, tensor<4x1xf32>) -> tensor<?x2x3x1xf32>
# MATMUL: %[[MV:.*]] = mlc.squeeze %[[MV1]] {axes = array<i64: 3>} : (tensor<?x2x3x1xf32>) -> tensor<?x2x3xf32>
# Two vectors give a scalar.
# MATMUL: %[[VV1:.*]] = mlc.unsqueeze %[[V]] {axes = array<i64: 0>}
# MATMUL: %[[VV2:.*]] = mlc.unsqueeze %[[W]] {axes = array<i64: 1>}
# MATMUL: %[[VV3:.*]] = mlc.matmul %[[VV1]], %[[VV2]] : (tensor<1x4xf32>, tensor<4x1xf32>) -> tensor<1x1xf32>
# MATMUL: %[[VV:.*]] = mlc.squeeze %[[VV3]] {axes = array<i64: 0, 1>} : (tensor<1x1xf32>) -> tensor<f32>
# MATMUL: return %[[MM]], %[[VM]], %[[MV]], %[[VV]]


def gemm():
    nodes = [node("Gemm", ["x", "w", "bias"], ["full"], alpha=0.5, beta=2.0,
                  transB=1),
             node("Gemm", ["wt", "x"], ["plain"], transA=1, transB=1)]
    return graph_model(
        nodes, [value("x", F32, ["n", 8]), value("w", F32, [16, 8]),
                value("wt", F32, [8, 16])],
        [value("full", F32, None), value("plain", F32, None)],
        [tensor("bias", np.zeros([16], np.float32))])


# GEMM-LABEL: func.func @main(
# GEMM-SAME: %[[X:[^:]*]]: tensor<?x8xf32>{{.*}}, %[[W:[^:]*]]: tensor<16x8xf32>{{.*}}, %[[WT:[^:]*]]: tensor<8x16xf32>
# GEMM: %[[BIAS:.*]] = mlc.constant dense<0.000000e+00> : tensor<16xf32>
# GEMM: %[[FULL:.*]] = mlc.gemm %[[X]], %[[W]], %[[BIAS]] {alpha = 5.000000e-01 : f32, beta = 2.000000e+00 : f32, transpose_rhs} : (tensor<?x8xf32>, tensor<16x8xf32>, tensor<16xf32>) -> tensor<?x16xf32>
# GEMM: %[[PLAIN:.*]] = mlc.gemm %[[WT]], %[[X]] {transpose_lhs, transpose_rhs} : (tensor<8x16xf32>, tensor<?x8xf32>) -> tensor<16x?xf32>
# GEMM: return %[[FULL]], %[[PLAIN]]


def conv():
    w = tensor("w", np.zeros([8, 2, 3, 3], np.float32))
    b = tensor("b", np.zeros([8], np.float32))
    nodes = [
        node("Conv", ["x", "w", "b"], ["y"], pads=[1, 2, 1, 2],
             strides=[2, 1], dilations=[1, 2], group=2),
        node("Conv", ["x", "w2"], ["valid"], auto_pad="VALID",
             kernel_shape=[1, 1]),
    ]
    w2 = tensor("w2", np.zeros([3, 4, 1, 1], np.float32))
    return graph_model(nodes, [value("x", F32, ["N", 4, 10, 10])],
                       [value("y", F32, None), value("valid", F32, None)],
                       [w, b, w2])


# CONV-LABEL: func.func @main(
# CONV-SAME: %[[X:[^:]*]]: tensor<?x4x10x10xf32>
# Weights over 64 elements are parameters, smaller ones constants.
# CONV: %[[W:.*]] = mlc.get_parameter @w : tensor<8x2x3x3xf32>
# CONV: %[[B:.*]] = mlc.constant dense<0.000000e+00> : tensor<8xf32>
# CONV: %[[W2:.*]] = mlc.constant dense<0.000000e+00> : tensor<3x4x1x1xf32>
# CONV: %[[Y:.*]] = mlc.conv2d %[[X]], %[[W]], %[[B]] {dilations = array<i64: 1, 2>, groups = 2 : i64, padding = array<i64: 1, 2, 1, 2>, strides = array<i64: 2, 1>} : (tensor<?x4x10x10xf32>, tensor<8x2x3x3xf32>, tensor<8xf32>) -> tensor<?x8x5x10xf32>
# CONV: %[[VALID:.*]] = mlc.conv2d %[[X]], %[[W2]] : (tensor<?x4x10x10xf32>, tensor<3x4x1x1xf32>) -> tensor<?x3x10x10xf32>
# CONV: return %[[Y]], %[[VALID]]


def conv_same():
    w = tensor("w", np.zeros([1, 1, 4, 3], np.float32))
    nodes = [node("Conv", ["x", "w"], ["upper"], auto_pad="SAME_UPPER",
                  strides=[2, 2]),
             node("Conv", ["x", "w"], ["lower"], auto_pad="SAME_LOWER",
                  strides=[2, 2])]
    return graph_model(nodes, [value("x", F32, [1, 1, 7, 7])],
                       [value("upper", F32, None), value("lower", F32, None)],
                       [w])


# SAME_UPPER puts the odd padding at the end, SAME_LOWER at the beginning:
# 7 rows, stride 2 -> 4 rows needs (4 - 1) * 2 + 4 - 7 = 3 rows of padding.
# SAME-LABEL: func.func @main(
# SAME: mlc.conv2d %{{.*}} {padding = array<i64: 1, 1, 2, 1>, strides = array<i64: 2, 2>} : (tensor<1x1x7x7xf32>, tensor<1x1x4x3xf32>) -> tensor<1x1x4x4xf32>
# SAME: mlc.conv2d %{{.*}} {padding = array<i64: 2, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x1x7x7xf32>, tensor<1x1x4x3xf32>) -> tensor<1x1x4x4xf32>


def conv1d():
    w = tensor("w", np.zeros([4, 2, 3], np.float32))
    nodes = [node("Conv", ["x", "w"], ["y"], pads=[1, 0], strides=[2]),
             node("MaxPool", ["x"], ["p"], kernel_shape=[2], strides=[2])]
    return graph_model(nodes, [value("x", F32, [1, 2, "L"])],
                       [value("y", F32, None), value("p", F32, None)], [w])


# 1-D windows run as 2-D ones of height 1.
# CONV1D-LABEL: func.func @main(
# CONV1D-SAME: %[[X:[^:]*]]: tensor<1x2x?xf32>
# CONV1D: %[[X2:.*]] = mlc.unsqueeze %[[X]] {axes = array<i64: 2>} : (tensor<1x2x?xf32>) -> tensor<1x2x1x?xf32>
# The unsqueezed weight folds to a constant.
# CONV1D: %[[W2:.*]] = mlc.constant dense<0.000000e+00> : tensor<4x2x1x3xf32>
# CONV1D: %[[Y2:.*]] = mlc.conv2d %[[X2]], %[[W2]] {padding = array<i64: 0, 1, 0, 0>, strides = array<i64: 1, 2>} : (tensor<1x2x1x?xf32>, tensor<4x2x1x3xf32>) -> tensor<1x4x1x?xf32>
# CONV1D: %[[Y:.*]] = mlc.squeeze %[[Y2]] {axes = array<i64: 2>} : (tensor<1x4x1x?xf32>) -> tensor<1x4x?xf32>
# CONV1D: %[[P2:.*]] = mlc.pool2d max %{{.*}} {kernel = array<i64: 1, 2>, strides = array<i64: 1, 2>} : (tensor<1x2x1x?xf32>) -> tensor<1x2x1x?xf32>
# CONV1D: %[[P:.*]] = mlc.squeeze %[[P2]] {axes = array<i64: 2>}
# CONV1D: return %[[Y]], %[[P]]


def pool():
    nodes = [
        node("MaxPool", ["x"], ["max"], kernel_shape=[3, 3], strides=[2, 2],
             pads=[1, 1, 1, 1], ceil_mode=1),
        node("AveragePool", ["x"], ["avg"], kernel_shape=[2, 2],
             count_include_pad=1, pads=[0, 0, 1, 1]),
        node("GlobalAveragePool", ["x"], ["gavg"]),
        node("GlobalMaxPool", ["x"], ["gmax"]),
    ]
    return graph_model(nodes, [value("x", F32, ["N", 3, 8, 8])],
                       [value(o, F32, None)
                        for o in ["max", "avg", "gavg", "gmax"]])


# POOL-LABEL: func.func @main(
# POOL-SAME: %[[X:[^:]*]]: tensor<?x3x8x8xf32>
# POOL: %[[MAX:.*]] = mlc.pool2d max %[[X]] {ceil_mode, kernel = array<i64: 3, 3>, padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<?x3x8x8xf32>) -> tensor<?x3x5x5xf32>
# POOL: %[[AVG:.*]] = mlc.pool2d avg %[[X]] {count_include_pad, kernel = array<i64: 2, 2>, padding = array<i64: 0, 0, 1, 1>} : (tensor<?x3x8x8xf32>) -> tensor<?x3x8x8xf32>
# POOL: %[[GAVG:.*]] = mlc.reduce mean %[[X]] {axes = array<i64: 2, 3>, keepdims} : (tensor<?x3x8x8xf32>) -> tensor<?x3x1x1xf32>
# POOL: %[[GMAX:.*]] = mlc.reduce max %[[X]] {axes = array<i64: 2, 3>, keepdims}
# POOL: return %[[MAX]], %[[AVG]], %[[GAVG]], %[[GMAX]]


def batchnorm():
    c = 3
    inits = [tensor(n, np.full([c], v, np.float32))
             for n, v in [("scale", 2), ("bias", 1), ("mean", 0), ("var", 4)]]
    return graph_model(
        [node("BatchNormalization", ["x", "scale", "bias", "mean", "var"],
              ["y"], epsilon=1e-3)],
        [value("x", F32, ["N", c, "H", "W"])], [value("y", F32, None)], inits,
        opset=15)


# y = x * a + b with a = scale / sqrt(var + eps), b = bias - mean * a, both
# reshaped to [C, 1, 1]. Folding computes var + eps and moves constants to
# the right of commutative ops.
# BN-LABEL: func.func @main(
# BN-SAME: %[[X:[^:]*]]: tensor<?x3x?x?xf32>
# BN-DAG: %[[SCALE:.*]] = mlc.constant dense<2.000000e+00> : tensor<3xf32>
# BN-DAG: %[[BIAS:.*]] = mlc.constant dense<1.000000e+00> : tensor<3xf32>
# BN-DAG: %[[MEAN:.*]] = mlc.constant dense<0.000000e+00> : tensor<3xf32>
# BN-DAG: %[[VE:.*]] = mlc.constant dense<4.001000e+00> : tensor<3xf32>
# BN: %[[RS:.*]] = mlc.rsqrt %[[VE]] : tensor<3xf32>
# BN: %[[A:.*]] = mlc.mul %[[RS]], %[[SCALE]]
# BN: %[[MA:.*]] = mlc.mul %[[A]], %[[MEAN]]
# BN: %[[B:.*]] = mlc.sub %[[BIAS]], %[[MA]]
# BN: %[[A3:.*]] = mlc.unsqueeze %[[A]] {axes = array<i64: 1, 2>} : (tensor<3xf32>) -> tensor<3x1x1xf32>
# BN: %[[B3:.*]] = mlc.unsqueeze %[[B]] {axes = array<i64: 1, 2>}
# BN: %[[XA:.*]] = mlc.mul %[[X]], %[[A3]] : (tensor<?x3x?x?xf32>, tensor<3x1x1xf32>) -> tensor<?x3x?x?xf32>
# BN: %[[Y:.*]] = mlc.add %[[XA]], %[[B3]]
# BN: return %[[Y]]


def layernorm():
    nodes = [node("LayerNormalization", ["x", "g", "b"], ["y"], axis=-2,
                  epsilon=1e-6),
             node("LayerNormalization", ["x", "g1"], ["z", "mean", "inv"])]
    return graph_model(
        nodes, [value("x", F32, ["B", "S", 4, 8])],
        [value(o, F32, None) for o in ["y", "z", "mean", "inv"]],
        [tensor("g", np.ones([4, 8], np.float32)),
         tensor("b", np.zeros([8], np.float32)),
         tensor("g1", np.ones([8], np.float32))])


# LN-LABEL: func.func @main(
# LN-SAME: %[[X:[^:]*]]: tensor<?x?x4x8xf32>
# LN-DAG: %[[G:.*]] = mlc.constant dense<1.000000e+00> : tensor<4x8xf32>
# LN-DAG: %[[G1:.*]] = mlc.constant dense<1.000000e+00> : tensor<8xf32>
# The bias gets the rank of the normalized dims (the unsqueeze folds).
# LN: %[[B2:.*]] = mlc.constant dense<0.000000e+00> : tensor<1x8xf32>
# LN: %[[Y:.*]] = mlc.layer_norm %[[X]], %[[G]], %[[B2]] {axis = 2 : i64, epsilon = 9.99999997E-7 : f32} : (tensor<?x?x4x8xf32>, tensor<4x8xf32>, tensor<1x8xf32>) -> tensor<?x?x4x8xf32>
# The default epsilon (1e-5) is not printed.
# LN: %[[Z:.*]] = mlc.layer_norm %[[X]], %[[G1]] {axis = 3 : i64} : (tensor<?x?x4x8xf32>, tensor<8xf32>) -> tensor<?x?x4x8xf32>
# The statistics outputs: mean and 1 / sqrt(variance + epsilon).
# LN: %[[MEAN:.*]] = mlc.reduce mean %[[X]] {axes = array<i64: 3>, keepdims} : (tensor<?x?x4x8xf32>) -> tensor<?x?x4x1xf32>
# LN: %[[C:.*]] = mlc.sub %[[X]], %[[MEAN]]
# LN: %[[SQ:.*]] = mlc.mul %[[C]], %[[C]]
# LN: %[[VAR:.*]] = mlc.reduce mean %[[SQ]] {axes = array<i64: 3>, keepdims}
# LN: %[[VE:.*]] = mlc.add %[[VAR]], %{{.*}}
# LN: %[[INV:.*]] = mlc.rsqrt %[[VE]]
# LN: return %[[Y]], %[[Z]], %[[MEAN]], %[[INV]]


def dropout():
    nodes = [node("Dropout", ["x", "ratio"], ["y", "mask"]),
             node("Dropout", ["s"], ["t", "smask"])]
    return graph_model(
        nodes, [value("x", F32, ["N", 4]), value("s", F32, [2, 2])],
        [value("y", F32, None), value("mask", BOOL, None),
         value("t", F32, None), value("smask", BOOL, None)],
        [tensor("ratio", np.float32(0.5))])


# In inference Dropout is the identity and keeps every element.
# DROPOUT-LABEL: func.func @main(
# DROPOUT-SAME: %[[X:[^:]*]]: tensor<?x4xf32>{{.*}}, %[[S:[^:]*]]: tensor<2x2xf32>
# DROPOUT: %[[TRUE:.*]] = mlc.constant dense<true> : tensor<i1>
# DROPOUT: %[[SHAPE:.*]] = mlc.shape_of %[[X]] : (tensor<?x4xf32>) -> tensor<2xi64>
# DROPOUT: %[[MASK:.*]] = mlc.expand %[[TRUE]], %[[SHAPE]] : (tensor<i1>, tensor<2xi64>) -> tensor<?x4xi1>
# DROPOUT: %[[SMASK:.*]] = mlc.constant dense<true> : tensor<2x2xi1>
# DROPOUT: return %[[X]], %[[MASK]], %[[S]], %[[SMASK]]

def conv_transpose():
    return single_op("ConvTranspose",
                     [("x", F32, ["n", 4, 3, 3]), ("w", F32, [4, 1, 3, 3]),
                      ("b", F32, [2])],
                     [("y", F32, None)], strides=[2, 2], pads=[1, 1, 0, 0],
                     output_padding=[1, 0], group=2)


# A convolution of the input with stride - 1 zeros between its elements,
# with the flipped kernel whose channels are swapped within each group.
# CONVT-LABEL: func.func @main(
# CONVT-SAME: %[[X:[^:]*]]: tensor<?x4x3x3xf32>{{.*}}, %[[W:[^:]*]]: tensor<4x1x3x3xf32>{{.*}}, %[[B:[^:]*]]: tensor<2xf32>
# CONVT: %[[U:.*]] = mlc.unsqueeze %[[X]] {axes = array<i64: 3, 5>} : (tensor<?x4x3x3xf32>) -> tensor<?x4x3x1x3x1xf32>
# CONVT: %[[Z:.*]] = mlc.pad %[[U]] {padding = array<i64: 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1>} : (tensor<?x4x3x1x3x1xf32>) -> tensor<?x4x3x2x3x2xf32>
# CONVT: %[[D:.*]] = mlc.reshape %[[Z]] : (tensor<?x4x3x2x3x2xf32>) -> tensor<?x4x6x6xf32>
# CONVT: %[[F:.*]] = mlc.slice %[[W]] {axes = array<i64: 2, 3>, ends = array<i64: -9223372036854775808, -9223372036854775808>, starts = array<i64: -1, -1>, steps = array<i64: -1, -1>}
# CONVT: %[[G:.*]] = mlc.reshape %[[F]] : (tensor<4x1x3x3xf32>) -> tensor<2x2x1x3x3xf32>
# CONVT: %[[T:.*]] = mlc.transpose %[[G]] {permutation = array<i64: 0, 2, 1, 3, 4>}
# CONVT: %[[K:.*]] = mlc.reshape %[[T]] : (tensor<2x1x2x3x3xf32>) -> tensor<2x2x3x3xf32>
# CONVT: %[[Y:.*]] = mlc.conv2d %[[D]], %[[K]], %[[B]] {groups = 2 : i64, padding = array<i64: 1, 1, 2, 1>} : (tensor<?x4x6x6xf32>, tensor<2x2x3x3xf32>, tensor<2xf32>) -> tensor<?x2x7x6xf32>
# CONVT: return %[[Y]]


if __name__ == "__main__":
    main({"matmul": matmul, "gemm": gemm, "conv": conv,
          "conv_same": conv_same, "conv1d": conv1d, "pool": pool,
          "batchnorm": batchnorm, "layernorm": layernorm,
          "dropout": dropout, "conv_transpose": conv_transpose})
