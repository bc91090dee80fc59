# Loss functions, decomposed: NegativeLogLikelihoodLoss (weights,
# ignore_index, the three reductions) and SoftmaxCrossEntropyLoss (its
# optional log_prob output).
#
# RUN: %python %s %t
# RUN: mlc-import %t/nll.onnx | FileCheck %s --check-prefix=NLL
# RUN: mlc-import %t/sce.onnx | FileCheck %s --check-prefix=SCE

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "Inputs"))
from onnx_test_utils import *  # noqa: E402,F403


def nll():
    return single_op("NegativeLogLikelihoodLoss",
                     [("x", F32, [2, 5, 3]), ("t", I64, [2, 3]),
                      ("w", F32, [5])],
                     [("loss", F32, None)], ignore_index=-1)


# NLL-LABEL: func.func @main(
# NLL-SAME: %[[X:[^:]*]]: tensor<2x5x3xf32>{{.*}}, %[[T:[^:]*]]: tensor<2x3xi64>{{.*}}, %[[W:[^:]*]]: tensor<5xf32>
# Ignored targets read class 0 and weigh 0.
# NLL: %[[KEPT:.*]] = mlc.cmp ne, %[[T]], %{{.*}} : (tensor<2x3xi64>, tensor<i64>) -> tensor<2x3xi1>
# NLL: %[[SAFE:.*]] = mlc.where %[[KEPT]], %[[T]], %{{.*}} : (tensor<2x3xi1>, tensor<2x3xi64>, tensor<i64>) -> tensor<2x3xi64>
# NLL: %[[IDX:.*]] = mlc.unsqueeze %[[SAFE]] {axes = array<i64: 1>}
# NLL: %[[PICK:.*]] = mlc.gather_elements %[[X]], %[[IDX]] {axis = 1 : i64} : (tensor<2x5x3xf32>, tensor<2x1x3xi64>) -> tensor<2x1x3xf32>
# NLL: %[[PICKED:.*]] = mlc.squeeze %[[PICK]] {axes = array<i64: 1>}
# NLL: %[[WT:.*]] = mlc.gather %[[W]], %[[SAFE]] {axis = 0 : i64} : (tensor<5xf32>, tensor<2x3xi64>) -> tensor<2x3xf32>
# NLL: %[[WK:.*]] = mlc.where %[[KEPT]], %[[WT]], %{{.*}}
# NLL: %[[NEG:.*]] = mlc.neg %[[PICKED]]
# NLL: %[[LOSS:.*]] = mlc.mul %[[NEG]], %[[WK]]
# The mean divides by the sum of the weights picked.
# NLL: %[[SUM:.*]] = mlc.reduce sum %[[LOSS]] {axes = array<i64: 0, 1>} : (tensor<2x3xf32>) -> tensor<f32>
# NLL: %[[WSUM:.*]] = mlc.reduce sum %[[WK]] {axes = array<i64: 0, 1>}
# NLL: %[[MEAN:.*]] = mlc.div %[[SUM]], %[[WSUM]] : (tensor<f32>, tensor<f32>) -> tensor<f32>
# NLL: return %[[MEAN]]


def sce():
    return single_op("SoftmaxCrossEntropyLoss",
                     [("x", F32, ["n", 4]), ("t", I32, ["n"])],
                     [("loss", F32, None), ("log_prob", F32, None)],
                     reduction="sum")


# SCE-LABEL: func.func @main(
# SCE-SAME: %[[X:[^:]*]]: tensor<?x4xf32>{{.*}}, %[[T:[^:]*]]: tensor<?xi32>
# SCE: %[[LP:.*]] = mlc.log_softmax %[[X]] {axis = 1 : i64} : tensor<?x4xf32>
# SCE: %[[IDX:.*]] = mlc.unsqueeze %[[T]] {axes = array<i64: 1>} : (tensor<?xi32>) -> tensor<?x1xi32>
# SCE: mlc.gather_elements %[[LP]], %[[IDX]] {axis = 1 : i64}
# SCE: %[[NEG:.*]] = mlc.neg
# SCE: %[[SUM:.*]] = mlc.reduce sum %[[NEG]] {axes = array<i64: 0>} : (tensor<?xf32>) -> tensor<f32>
# SCE: return %[[SUM]], %[[LP]]

if __name__ == "__main__":
    main({"nll": nll, "sce": sce})
