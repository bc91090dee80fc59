# QuantizeLinear / DequantizeLinear, per tensor and per axis, as exported
# by ONNX quantization tools (Q/DQ pairs around float ops).
#
# RUN: %python %s %t
# RUN: mlc-import %t/qdq.onnx | FileCheck %s --check-prefix=QDQ
# RUN: mlc-import %t/qdq10.onnx | FileCheck %s --check-prefix=QDQ10

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "Inputs"))
from onnx_test_utils import *  # noqa: E402,F403


def qdq():
    nodes = [
        node("QuantizeLinear", ["x", "scale", "zp"], ["xq"]),
        node("DequantizeLinear", ["xq", "scale", "zp"], ["xd"]),
        node("DequantizeLinear", ["w", "wscale", "wzp"], ["wd"], axis=0),
        node("QuantizeLinear", ["x", "scale"], ["xu"]),
        node("MatMul", ["xd", "wd"], ["y"]),
    ]
    return graph_model(
        nodes, [value("x", F32, ["N", 4]), value("w", I8, [4, 3])],
        [value("y", F32, None), value("xu", U8, None)],
        [tensor("scale", np.float32(0.1)), tensor("zp", np.int8(3)),
         tensor("wscale", np.array([0.5, 0.25, 0.125, 1.0], np.float32)),
         tensor("wzp", np.zeros([4], np.int8))], opset=13)


# QDQ-LABEL: func.func @main(
# QDQ-SAME: %[[X:[^:]*]]: tensor<?x4xf32>{{.*}}, %[[W:[^:]*]]: tensor<4x3xi8>
# QDQ-DAG: %[[SCALE:.*]] = mlc.constant dense<1.000000e-01> : tensor<f32>
# QDQ-DAG: %[[ZP:.*]] = mlc.constant dense<3> : tensor<i8>
# QDQ-DAG: %[[WSCALE:.*]] = mlc.constant dense<[5.000000e-01, 2.500000e-01, 1.250000e-01, 1.000000e+00]> : tensor<4xf32>
# QDQ-DAG: %[[WZP:.*]] = mlc.constant dense<0> : tensor<4xi8>
# The zero point's type is the result's.
# QDQ: %[[XQ:.*]] = mlc.quantize %[[X]], %[[SCALE]], %[[ZP]] : (tensor<?x4xf32>, tensor<f32>, tensor<i8>) -> tensor<?x4xi8>
# QDQ: %[[XD:.*]] = mlc.dequantize %[[XQ]], %[[SCALE]], %[[ZP]] : (tensor<?x4xi8>, tensor<f32>, tensor<i8>) -> tensor<?x4xf32>
# A 1-D scale is per axis.
# QDQ: %[[WD:.*]] = mlc.dequantize %[[W]], %[[WSCALE]], %[[WZP]] {axis = 0 : i64} : (tensor<4x3xi8>, tensor<4xf32>, tensor<4xi8>) -> tensor<4x3xf32>
# Without a zero point the result is uint8.
# QDQ: %[[XU:.*]] = mlc.quantize %[[X]], %[[SCALE]] : (tensor<?x4xf32>, tensor<f32>) -> tensor<?x4xui8>
# QDQ: %[[Y:.*]] = mlc.matmul %[[XD]], %[[WD]]
# QDQ: return %[[Y]], %[[XU]]


def qdq10():
    nodes = [node("QuantizeLinear", ["x", "scale", "zp"], ["q"]),
             node("DequantizeLinear", ["q", "scale", "zp"], ["y"])]
    return graph_model(nodes, [value("x", F32, [2])], [value("y", F32, None)],
                       [tensor("scale", np.float32(2)),
                        tensor("zp", np.uint8(128))], opset=10)


# QDQ10-LABEL: func.func @main(
# QDQ10: %[[Q:.*]] = mlc.quantize %{{.*}}, %{{.*}}, %{{.*}} : (tensor<2xf32>, tensor<f32>, tensor<ui8>) -> tensor<2xui8>
# QDQ10: mlc.dequantize %[[Q]], %{{.*}}, %{{.*}} : (tensor<2xui8>, tensor<f32>, tensor<ui8>) -> tensor<2xf32>

if __name__ == "__main__":
    main({"qdq": qdq, "qdq10": qdq10})
