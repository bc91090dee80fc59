# Normalizations decomposed into mlc reductions and elementwise ops:
# InstanceNormalization, MeanVarianceNormalization and LRN.
#
# RUN: %python %s %t
# RUN: mlc-import %t/instance_norm.onnx | FileCheck %s --check-prefix=IN
# RUN: mlc-import %t/mvn.onnx | FileCheck %s --check-prefix=MVN
# RUN: mlc-import %t/lrn.onnx | FileCheck %s --check-prefix=LRN

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "Inputs"))
from onnx_test_utils import *  # noqa: E402,F403


def instance_norm():
    return single_op("InstanceNormalization",
                     [("x", F32, ["n", 3, 4, 5]), ("s", F32, [3]),
                      ("b", F32, [3])],
                     [("y", F32, None)], epsilon=0.01)


# IN-LABEL: func.func @main(
# IN-SAME: %[[X:[^:]*]]: tensor<?x3x4x5xf32>{{.*}}, %[[S:[^:]*]]: tensor<3xf32>{{.*}}, %[[B:[^:]*]]: tensor<3xf32>
# IN: %[[MEAN:.*]] = mlc.reduce mean %[[X]] {axes = array<i64: 2, 3>, keepdims} : (tensor<?x3x4x5xf32>) -> tensor<?x3x1x1xf32>
# IN: %[[C:.*]] = mlc.sub %[[X]], %[[MEAN]]
# IN: %[[SQ:.*]] = mlc.mul %[[C]], %[[C]]
# IN: %[[VAR:.*]] = mlc.reduce mean %[[SQ]] {axes = array<i64: 2, 3>, keepdims}
# IN: mlc.constant dense<0.00999999977> : tensor<f32>
# IN: mlc.rsqrt
# IN: %[[S1:.*]] = mlc.unsqueeze %[[S]] {axes = array<i64: 1, 2>} : (tensor<3xf32>) -> tensor<3x1x1xf32>
# IN: %[[B1:.*]] = mlc.unsqueeze %[[B]] {axes = array<i64: 1, 2>}
# IN: %[[Y:.*]] = mlc.add %{{.*}}, %[[B1]] : (tensor<?x3x4x5xf32>, tensor<3x1x1xf32>) -> tensor<?x3x4x5xf32>
# IN: return %[[Y]]


def mvn():
    return single_op("MeanVarianceNormalization", [("x", F32, [2, 3, 4, 4])],
                     [("y", F32, None)])


# MVN-LABEL: func.func @main(
# MVN: mlc.reduce mean %{{.*}} {axes = array<i64: 0, 2, 3>, keepdims} : (tensor<2x3x4x4xf32>) -> tensor<1x3x1x1xf32>
# MVN: %[[STD:.*]] = mlc.sqrt
# MVN: %[[DEN:.*]] = mlc.add %[[STD]], %{{.*}}
# MVN: %[[Y:.*]] = mlc.div %{{.*}}, %[[DEN]]
# MVN: return %[[Y]]


def lrn():
    return single_op("LRN", [("x", F32, ["n", 6, 4, 4])], [("y", F32, None)],
                     size=3, alpha=0.01, beta=0.5, bias=2.0)


# The sum of squares over 3 neighbouring channels: zero padding and three
# shifted slices.
# LRN-LABEL: func.func @main(
# LRN-SAME: %[[X:[^:]*]]: tensor<?x6x4x4xf32>
# LRN: %[[SQ:.*]] = mlc.mul %[[X]], %[[X]]
# LRN: %[[P:.*]] = mlc.pad %[[SQ]] {padding = array<i64: 0, 1, 0, 0, 0, 1, 0, 0>} : (tensor<?x6x4x4xf32>) -> tensor<?x8x4x4xf32>
# LRN: mlc.slice %[[P]] {axes = array<i64: 1>, ends = array<i64: -2>, starts = array<i64: 0>} : (tensor<?x8x4x4xf32>) -> tensor<?x6x4x4xf32>
# LRN: mlc.slice %[[P]] {axes = array<i64: 1>, ends = array<i64: -1>, starts = array<i64: 1>}
# LRN: mlc.slice %[[P]] {axes = array<i64: 1>, ends = array<i64: 9223372036854775807>, starts = array<i64: 2>}
# LRN: %[[DEN:.*]] = mlc.pow %{{.*}}, %{{.*}} : (tensor<?x6x4x4xf32>, tensor<f32>) -> tensor<?x6x4x4xf32>
# LRN: %[[Y:.*]] = mlc.div %[[X]], %[[DEN]]
# LRN: return %[[Y]]

if __name__ == "__main__":
    main({"instance_norm": instance_norm, "mvn": mvn, "lrn": lrn})
