# Tiling, block rearrangement, generated tensors and resizing: Tile (repeats
# constant or not), DepthToSpace, SpaceToDepth, OneHot (depth known at run
# time), EyeLike, Resize (sizes, or scales known at run time) and Upsample.
#
# RUN: %python %s %t
# RUN: mlc-import %t/tile.onnx | FileCheck %s --check-prefix=TILE
# RUN: mlc-import %t/depth_space.onnx | FileCheck %s --check-prefix=D2S
# RUN: mlc-import %t/one_hot.onnx | FileCheck %s --check-prefix=ONEHOT
# RUN: mlc-import %t/eye_like.onnx | FileCheck %s --check-prefix=EYE
# RUN: mlc-import %t/resize.onnx | FileCheck %s --check-prefix=RESIZE
# RUN: mlc-import %t/upsample.onnx | FileCheck %s --check-prefix=UPSAMPLE

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "Inputs"))
from onnx_test_utils import *  # noqa: E402,F403


def tile():
    nodes = [node("Tile", ["x", "reps"], ["fixed"]),
             node("Tile", ["x", "r"], ["free"])]
    return graph_model(nodes, [value("x", F32, [2, 3]), value("r", I64, [2])],
                       [value("fixed", F32, None), value("free", F32, None)],
                       [tensor("reps", np.array([2, 1], np.int64))])


# [2, 3] -> [1, 2, 1, 3] -> [2, 2, 1, 3] -> [4, 3]
# TILE-LABEL: func.func @main(
# TILE: %[[U:.*]] = mlc.unsqueeze %{{.*}} {axes = array<i64: 0, 2>} : (tensor<2x3xf32>) -> tensor<1x2x1x3xf32>
# TILE: %[[E:.*]] = mlc.expand %[[U]], %{{.*}} : (tensor<1x2x1x3xf32>, tensor<4xi64>) -> tensor<2x2x1x3xf32>
# TILE: %[[FIXED:.*]] = mlc.reshape %[[E]] : (tensor<2x2x1x3xf32>) -> tensor<4x3xf32>
# Repeats known at run time give dynamic sizes.
# TILE: %[[EF:.*]] = mlc.expand %{{.*}}, %{{.*}} : (tensor<1x2x1x3xf32>, tensor<4xi64>) -> tensor<?x2x?x3xf32>
# TILE: %[[FREE:.*]] = mlc.reshape %[[EF]], %{{.*}} : (tensor<?x2x?x3xf32>, tensor<2xi64>) -> tensor<?x?xf32>
# TILE: return %[[FIXED]], %[[FREE]]


def depth_space():
    nodes = [node("DepthToSpace", ["x"], ["dcr"], blocksize=2),
             node("DepthToSpace", ["x"], ["crd"], blocksize=2, mode="CRD"),
             node("SpaceToDepth", ["x"], ["s2d"], blocksize=2)]
    return graph_model(nodes, [value("x", F32, ["n", 8, 2, 4])],
                       [value(o, F32, None) for o in ["dcr", "crd", "s2d"]])


# D2S-LABEL: func.func @main(
# D2S: mlc.reshape %{{.*}} : (tensor<?x8x2x4xf32>) -> tensor<?x2x2x2x2x4xf32>
# D2S: mlc.transpose %{{.*}} {permutation = array<i64: 0, 3, 4, 1, 5, 2>}
# D2S: %[[DCR:.*]] = mlc.reshape %{{.*}} : (tensor<?x2x2x2x4x2xf32>) -> tensor<?x2x4x8xf32>
# D2S: mlc.transpose %{{.*}} {permutation = array<i64: 0, 1, 4, 2, 5, 3>}
# D2S: %[[CRD:.*]] = mlc.reshape
# D2S: mlc.reshape %{{.*}} : (tensor<?x8x2x4xf32>) -> tensor<?x8x1x2x2x2xf32>
# D2S: mlc.transpose %{{.*}} {permutation = array<i64: 0, 3, 5, 1, 2, 4>}
# D2S: %[[S2D:.*]] = mlc.reshape %{{.*}} -> tensor<?x32x1x2xf32>
# D2S: return %[[DCR]], %[[CRD]], %[[S2D]]


def one_hot():
    return single_op("OneHot", [("i", I64, [3]), ("depth", F32, []),
                                ("values", F32, [2])],
                     [("y", F32, None)], axis=0)


# ONEHOT-LABEL: func.func @main(
# ONEHOT-SAME: %[[I:[^:]*]]: tensor<3xi64>{{.*}}, %[[D:[^:]*]]: tensor<f32>
# ONEHOT: %[[DEPTH:.*]] = mlc.cast %[[D]] : (tensor<f32>) -> tensor<i64>
# ONEHOT: %[[POS:.*]] = mlc.range %{{.*}}, %[[DEPTH]], %{{.*}} : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<?xi64>
# ONEHOT: %[[COL:.*]] = mlc.unsqueeze %[[POS]] {axes = array<i64: 1>} : (tensor<?xi64>) -> tensor<?x1xi64>
# ONEHOT: %[[HOT:.*]] = mlc.cmp eq, %{{.*}}, %[[COL]] : (tensor<1x3xi64>, tensor<?x1xi64>) -> tensor<?x3xi1>
# ONEHOT: %[[Y:.*]] = mlc.where %[[HOT]], %{{.*}}, %{{.*}} : (tensor<?x3xi1>, tensor<f32>, tensor<f32>) -> tensor<?x3xf32>
# ONEHOT: return %[[Y]]


def eye_like():
    return single_op("EyeLike", [("x", I32, [3, 4])], [("y", F32, None)],
                     k=1, dtype=F32)


# A static shape folds to a constant.
# EYE-LABEL: func.func @main(
# EYE: %[[Y:.*]] = mlc.constant dense<{{\[\[}}0.000000e+00, 1.000000e+00, 0.000000e+00, 0.000000e+00], [0.000000e+00, 0.000000e+00, 1.000000e+00, 0.000000e+00], [0.000000e+00, 0.000000e+00, 0.000000e+00, 1.000000e+00]]> : tensor<3x4xf32>
# EYE: return %[[Y]]


def resize():
    nodes = [node("Resize", ["x", "", "", "sizes"], ["by_sizes"],
                  mode="cubic", cubic_coeff_a=-0.5, exclude_outside=1),
             node("Resize", ["x", "", "scales"], ["by_scales"], mode="linear",
                  coordinate_transformation_mode="align_corners")]
    return graph_model(nodes, [value("x", F32, [1, 2, 4, 4]),
                               value("scales", F32, [4])],
                       [value("by_sizes", F32, None),
                        value("by_scales", F32, None)],
                       [tensor("sizes", np.array([1, 2, 8, 3], np.int64))])


# RESIZE-LABEL: func.func @main(
# RESIZE-SAME: %[[X:[^:]*]]: tensor<1x2x4x4xf32>{{.*}}, %[[S:[^:]*]]: tensor<4xf32>
# RESIZE: %[[SIZES:.*]] = mlc.constant dense<[1, 2, 8, 3]> : tensor<4xi64>
# RESIZE: %[[A:.*]] = mlc.resize cubic %[[X]], %[[SIZES]] {cubic_coeff_a = -5.000000e-01 : f32, exclude_outside} : (tensor<1x2x4x4xf32>, tensor<4xi64>) -> tensor<1x2x8x3xf32>
# Scales known at run time: the sizes are floor(input size * scale).
# RESIZE: %[[SCALED:.*]] = mlc.mul %{{.*}}, %{{.*}} : (tensor<4xf64>, tensor<4xf64>) -> tensor<4xf64>
# RESIZE: %[[FLOOR:.*]] = mlc.floor %[[SCALED]]
# RESIZE: %[[N:.*]] = mlc.cast %[[FLOOR]] : (tensor<4xf64>) -> tensor<4xi64>
# RESIZE: %[[B:.*]] = mlc.resize linear %[[X]], %[[N]] scales %[[S]] {coordinate_transform = #mlc.coordinate_transform<align_corners>} : (tensor<1x2x4x4xf32>, tensor<4xi64>, tensor<4xf32>) -> tensor<?x?x?x?xf32>
# RESIZE: return %[[A]], %[[B]]


def upsample():
    return single_op("Upsample", [("x", F32, [1, 1, 2, 2]), ("scales", F32, [4])],
                     [("y", F32, None)],
                     opset=9, mode="nearest",
                     initializers=[tensor("scales", np.array([1, 1, 2, 3],
                                                             np.float32))])


# Upsample is Resize with x / scale rounded down.
# UPSAMPLE-LABEL: func.func @main(
# UPSAMPLE: mlc.resize nearest %{{.*}}, %{{.*}} scales %{{.*}} {coordinate_transform = #mlc.coordinate_transform<asymmetric>, nearest_rounding = #mlc.nearest_rounding<floor>} : (tensor<1x1x2x2xf32>, tensor<4xi64>, tensor<4xf32>) -> tensor<1x1x4x6xf32>

if __name__ == "__main__":
    main({"tile": tile, "depth_space": depth_space, "one_hot": one_hot,
          "eye_like": eye_like, "resize": resize, "upsample": upsample})
