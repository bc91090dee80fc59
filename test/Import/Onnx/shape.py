# Shape and data-movement ops. Shape arithmetic folds while the model is
# imported (Shape -> Gather -> Concat -> Reshape becomes a static reshape
# where the dims are static); what stays dynamic is computed with mlc ops.
#
# RUN: %python %s %t
# RUN: mlc-import %t/reshape.onnx | FileCheck %s --check-prefix=RESHAPE
# RUN: mlc-import %t/reshape_dynamic.onnx | FileCheck %s --check-prefix=RESHAPE-DYN
# RUN: mlc-import %t/reshape_runtime.onnx | FileCheck %s --check-prefix=RESHAPE-RT
# RUN: mlc-import %t/flatten.onnx | FileCheck %s --check-prefix=FLATTEN
# RUN: mlc-import %t/squeeze.onnx | FileCheck %s --check-prefix=SQUEEZE
# RUN: mlc-import %t/squeeze11.onnx | FileCheck %s --check-prefix=SQUEEZE11
# RUN: mlc-import %t/expand.onnx | FileCheck %s --check-prefix=EXPAND
# RUN: mlc-import %t/transpose_concat.onnx | FileCheck %s --check-prefix=TC
# RUN: mlc-import %t/split.onnx | FileCheck %s --check-prefix=SPLIT
# RUN: mlc-import %t/split11.onnx | FileCheck %s --check-prefix=SPLIT11
# RUN: mlc-import %t/slice.onnx | FileCheck %s --check-prefix=SLICE
# RUN: mlc-import %t/slice9.onnx | FileCheck %s --check-prefix=SLICE9
# RUN: mlc-import %t/pad.onnx | FileCheck %s --check-prefix=PAD
# RUN: mlc-import %t/pad2.onnx | FileCheck %s --check-prefix=PAD2
# RUN: mlc-import %t/gather.onnx | FileCheck %s --check-prefix=GATHER
# RUN: mlc-import %t/shape_size.onnx | FileCheck %s --check-prefix=SHAPE
# RUN: mlc-import %t/range.onnx | FileCheck %s --check-prefix=RANGE
# RUN: mlc-import %t/constants.onnx | FileCheck %s --check-prefix=CONST

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "Inputs"))
from onnx_test_utils import *  # noqa: E402,F403


def i64(name, values):
    return tensor(name, np.array(values, np.int64))


def reshape():
    nodes = [node("Reshape", ["x", "s1"], ["copy"]),
             node("Reshape", ["x", "s2"], ["flat"]),
             node("Reshape", ["d", "s3"], ["batch"])]
    return graph_model(
        nodes, [value("x", F32, [2, 3, 4]), value("d", F32, ["N", 3, 4])],
        [value(o, F32, None) for o in ["copy", "flat", "batch"]],
        [i64("s1", [0, -1]), i64("s2", [-1]), i64("s3", [0, 2, -1, 3])])


# 0 copies the input dim, -1 takes the rest; a copied dynamic dim cancels
# out of the -1.
# RESHAPE-LABEL: func.func @main(
# RESHAPE-SAME: %[[X:[^:]*]]: tensor<2x3x4xf32>{{.*}}, %[[D:[^:]*]]: tensor<?x3x4xf32>
# RESHAPE: %[[COPY:.*]] = mlc.reshape %[[X]] : (tensor<2x3x4xf32>) -> tensor<2x12xf32>
# RESHAPE: %[[FLAT:.*]] = mlc.reshape %[[X]] : (tensor<2x3x4xf32>) -> tensor<24xf32>
# RESHAPE: %[[BATCH:.*]] = mlc.reshape %[[D]] : (tensor<?x3x4xf32>) -> tensor<?x2x2x3xf32>
# RESHAPE: return %[[COPY]], %[[FLAT]], %[[BATCH]]


def reshape_dynamic():
    # The pattern exporters write for x.view(x.size(0), -1) and
    # x.view(b, s, heads, head_dim).
    nodes = [
        node("Shape", ["x"], ["shape"]),
        node("Gather", ["shape", "zero"], ["n"], axis=0),
        node("Unsqueeze", ["n", "axes0"], ["n1"]),
        node("Concat", ["n1", "minus1"], ["target"], axis=0),
        node("Reshape", ["x", "target"], ["flat"]),
        node("Reshape", ["h", "heads"], ["split_heads"]),
    ]
    return graph_model(
        nodes, [value("x", F32, ["N", 12, 64]), value("h", F32, ["B", "S", 768])],
        [value("flat", F32, None), value("split_heads", F32, None)],
        [i64("zero", 0), i64("axes0", [0]), i64("minus1", [-1]),
         i64("heads", [0, 0, 12, 64])], opset=13)


# RESHAPE-DYN-LABEL: func.func @main(
# RESHAPE-DYN-SAME: %[[X:[^:]*]]: tensor<?x12x64xf32>{{.*}}, %[[H:[^:]*]]: tensor<?x?x768xf32>
# The computed shape [dim 0 of x, -1] copies x's dim 0, which cancels out of
# the -1: one dynamic dim, derived from the element count.
# RESHAPE-DYN: %[[FLAT:.*]] = mlc.reshape %[[X]] : (tensor<?x12x64xf32>) -> tensor<?x768xf32>
# Two copied dynamic dims: the shape is [d0, d1, 12, 64] at run time.
# RESHAPE-DYN: %[[HS:.*]] = mlc.shape_of %[[H]] : (tensor<?x?x768xf32>) -> tensor<3xi64>
# RESHAPE-DYN: %[[BS:.*]] = mlc.slice %[[HS]] {axes = array<i64: 0>, ends = array<i64: 2>, starts = array<i64: 0>} : (tensor<3xi64>) -> tensor<2xi64>
# RESHAPE-DYN: %[[REST:.*]] = mlc.constant dense<[12, 64]> : tensor<2xi64>
# RESHAPE-DYN: %[[TARGET:.*]] = mlc.concat %[[BS]], %[[REST]] {axis = 0 : i64} : (tensor<2xi64>, tensor<2xi64>) -> tensor<4xi64>
# RESHAPE-DYN: %[[SHEADS:.*]] = mlc.reshape %[[H]], %[[TARGET]] : (tensor<?x?x768xf32>, tensor<4xi64>) -> tensor<?x?x12x64xf32>
# RESHAPE-DYN: return %[[FLAT]], %[[SHEADS]]
# RESHAPE-DYN-NOT: mlc.gather


def reshape_runtime():
    nodes = [node("Reshape", ["x", "s"], ["y"]),
             node("Reshape", ["x", "s"], ["z"], allowzero=1)]
    return graph_model(nodes, [value("x", F32, ["N", 6]), value("s", I64, [3])],
                       [value("y", F32, None), value("z", F32, None)],
                       opset=14)


# A shape known only at run time: its zeros copy input dims (padded with 1s
# past the input's rank), unless allowzero.
# RESHAPE-RT-LABEL: func.func @main(
# RESHAPE-RT-SAME: %[[X:[^:]*]]: tensor<?x6xf32>{{.*}}, %[[S:[^:]*]]: tensor<3xi64>
# RESHAPE-RT: %[[XS:.*]] = mlc.shape_of %[[X]]
# RESHAPE-RT: %[[D0:.*]] = mlc.slice %[[XS]] {axes = array<i64: 0>, ends = array<i64: 1>, starts = array<i64: 0>}
# RESHAPE-RT: %[[D1:.*]] = mlc.constant dense<6> : tensor<1xi64>
# RESHAPE-RT: %[[D01:.*]] = mlc.concat %[[D0]], %[[D1]] {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>) -> tensor<2xi64>
# RESHAPE-RT: %[[ONE:.*]] = mlc.constant dense<1> : tensor<1xi64>
# RESHAPE-RT: %[[DIMS:.*]] = mlc.concat %[[D01]], %[[ONE]] {axis = 0 : i64} : (tensor<2xi64>, tensor<1xi64>) -> tensor<3xi64>
# RESHAPE-RT: %[[ZERO:.*]] = mlc.constant dense<0> : tensor<i64>
# RESHAPE-RT: %[[ISZERO:.*]] = mlc.cmp eq, %[[S]], %[[ZERO]] : (tensor<3xi64>, tensor<i64>) -> tensor<3xi1>
# RESHAPE-RT: %[[NEWSHAPE:.*]] = mlc.where %[[ISZERO]], %[[DIMS]], %[[S]]
# RESHAPE-RT: %[[Y:.*]] = mlc.reshape %[[X]], %[[NEWSHAPE]] : (tensor<?x6xf32>, tensor<3xi64>) -> tensor<?x?x?xf32>
# RESHAPE-RT: %[[Z:.*]] = mlc.reshape %[[X]], %[[S]] : (tensor<?x6xf32>, tensor<3xi64>) -> tensor<?x?x?xf32>
# RESHAPE-RT: return %[[Y]], %[[Z]]


def flatten():
    nodes = [node("Flatten", ["x"], ["default"]),
             node("Flatten", ["x"], ["zero"], axis=0),
             node("Flatten", ["x"], ["last"], axis=-1)]
    return graph_model(nodes, [value("x", F32, ["N", 3, 4])],
                       [value(o, F32, None) for o in ["default", "zero", "last"]])


# FLATTEN-LABEL: func.func @main(
# FLATTEN-SAME: %[[X:[^:]*]]: tensor<?x3x4xf32>
# FLATTEN: mlc.reshape %[[X]] : (tensor<?x3x4xf32>) -> tensor<?x12xf32>
# FLATTEN: mlc.reshape %[[X]] : (tensor<?x3x4xf32>) -> tensor<1x?xf32>
# FLATTEN: mlc.reshape %[[X]] : (tensor<?x3x4xf32>) -> tensor<?x4xf32>


def squeeze():
    nodes = [node("Squeeze", ["x", "axes"], ["sq"]),
             node("Squeeze", ["s"], ["all"]),
             node("Unsqueeze", ["x", "uaxes"], ["unsq"])]
    return graph_model(
        nodes, [value("x", F32, ["N", 1, 4, 1]), value("s", F32, [1, 3, 1])],
        [value(o, F32, None) for o in ["sq", "all", "unsq"]],
        [i64("axes", [-1, 1]), i64("uaxes", [-1, 0])], opset=13)


# SQUEEZE-LABEL: func.func @main(
# SQUEEZE-SAME: %[[X:[^:]*]]: tensor<?x1x4x1xf32>{{.*}}, %[[S:[^:]*]]: tensor<1x3x1xf32>
# SQUEEZE: %[[SQ:.*]] = mlc.squeeze %[[X]] {axes = array<i64: 1, 3>} : (tensor<?x1x4x1xf32>) -> tensor<?x4xf32>
# SQUEEZE: %[[ALL:.*]] = mlc.squeeze %[[S]] {axes = array<i64: 0, 2>} : (tensor<1x3x1xf32>) -> tensor<3xf32>
# Unsqueeze axes index the result (rank 6 here).
# SQUEEZE: %[[UNSQ:.*]] = mlc.unsqueeze %[[X]] {axes = array<i64: 0, 5>} : (tensor<?x1x4x1xf32>) -> tensor<1x?x1x4x1x1xf32>
# SQUEEZE: return %[[SQ]], %[[ALL]], %[[UNSQ]]


def squeeze11():
    nodes = [node("Squeeze", ["x"], ["sq"], axes=[0]),
             node("Unsqueeze", ["x"], ["unsq"], axes=[1])]
    return graph_model(nodes, [value("x", F32, [1, 2])],
                       [value("sq", F32, None), value("unsq", F32, None)],
                       opset=11)


# Before opset 13 the axes are attributes.
# SQUEEZE11-LABEL: func.func @main(
# SQUEEZE11: mlc.squeeze %{{.*}} {axes = array<i64: 0>} : (tensor<1x2xf32>) -> tensor<2xf32>
# SQUEEZE11: mlc.unsqueeze %{{.*}} {axes = array<i64: 1>} : (tensor<1x2xf32>) -> tensor<1x1x2xf32>


def expand():
    nodes = [node("Expand", ["x", "shape"], ["static"]),
             node("Shape", ["like"], ["like_shape"]),
             node("Expand", ["x", "like_shape"], ["dynamic"])]
    return graph_model(
        nodes, [value("x", F32, ["N", 1]), value("like", F32, ["A", "B", 1])],
        [value("static", F32, None), value("dynamic", F32, None)],
        [i64("shape", [2, 1, 5])])


# EXPAND-LABEL: func.func @main(
# EXPAND-SAME: %[[X:[^:]*]]: tensor<?x1xf32>{{.*}}, %[[LIKE:[^:]*]]: tensor<?x?x1xf32>
# A constant shape gives the result type; 1 keeps the input's dim.
# EXPAND: %[[STATIC:.*]] = mlc.expand %[[X]] : (tensor<?x1xf32>) -> tensor<2x?x5xf32>
# EXPAND: %[[LSHAPE:.*]] = mlc.shape_of %[[LIKE]]
# EXPAND: %[[DYN:.*]] = mlc.expand %[[X]], %[[LSHAPE]] : (tensor<?x1xf32>, tensor<3xi64>) -> tensor<?x?x1xf32>
# EXPAND: return %[[STATIC]], %[[DYN]]


def transpose_concat():
    nodes = [node("Transpose", ["x"], ["reversed"]),
             node("Transpose", ["x"], ["perm"], perm=[0, 2, 1]),
             node("Concat", ["x", "y"], ["cat"], axis=-1)]
    return graph_model(
        nodes, [value("x", F32, ["N", 2, 3]), value("y", F32, ["N", 2, 5])],
        [value(o, F32, None) for o in ["reversed", "perm", "cat"]])


# TC-LABEL: func.func @main(
# TC-SAME: %[[X:[^:]*]]: tensor<?x2x3xf32>{{.*}}, %[[Y:[^:]*]]: tensor<?x2x5xf32>
# TC: mlc.transpose %[[X]] {permutation = array<i64: 2, 1, 0>} : (tensor<?x2x3xf32>) -> tensor<3x2x?xf32>
# TC: mlc.transpose %[[X]] {permutation = array<i64: 0, 2, 1>} : (tensor<?x2x3xf32>) -> tensor<?x3x2xf32>
# TC: mlc.concat %[[X]], %[[Y]] {axis = 2 : i64} : (tensor<?x2x3xf32>, tensor<?x2x5xf32>) -> tensor<?x2x8xf32>


def split():
    nodes = [node("Split", ["x", "sizes"], ["a", "b"], axis=-1),
             node("Split", ["x"], ["c", "d", "e"], axis=1)]
    return graph_model(nodes, [value("x", F32, ["N", 7, 10])],
                       [value(o, F32, None) for o in "abcde"],
                       [i64("sizes", [4, 6])], opset=13)


# SPLIT-LABEL: func.func @main(
# SPLIT-SAME: %[[X:[^:]*]]: tensor<?x7x10xf32>
# SPLIT: %[[AB:.*]]:2 = mlc.split %[[X]] {axis = 2 : i64, sizes = array<i64: 4, 6>} : (tensor<?x7x10xf32>) -> (tensor<?x7x4xf32>, tensor<?x7x6xf32>)
# Equal parts of ceil(7 / 3) = 3, the last one smaller.
# SPLIT: %[[CDE:.*]]:3 = mlc.split %[[X]] {axis = 1 : i64} : (tensor<?x7x10xf32>) -> (tensor<?x3x10xf32>, tensor<?x3x10xf32>, tensor<?x1x10xf32>)
# SPLIT: return %[[AB]]#0, %[[AB]]#1, %[[CDE]]#0, %[[CDE]]#1, %[[CDE]]#2


def split11():
    return single_op("Split", [("x", F32, [6])],
                     [("a", F32, None), ("b", F32, None)], opset=11,
                     split=[2, 4])


# SPLIT11-LABEL: func.func @main(
# SPLIT11: mlc.split %{{.*}} {axis = 0 : i64, sizes = array<i64: 2, 4>} : (tensor<6xf32>) -> (tensor<2xf32>, tensor<4xf32>)


def slice_():
    nodes = [node("Slice", ["x", "starts", "ends", "axes", "steps"], ["y"]),
             node("Slice", ["x", "starts1", "ends1"], ["z"])]
    return graph_model(
        nodes, [value("x", F32, ["N", 10, 8])],
        [value("y", F32, None), value("z", F32, None)],
        [i64("starts", [-1, 1]), i64("ends", [-9223372036854775807, 100]),
         i64("axes", [-2, 2]), i64("steps", [-2, 3]),
         i64("starts1", [1]), i64("ends1", [-1])])


# SLICE-LABEL: func.func @main(
# SLICE-SAME: %[[X:[^:]*]]: tensor<?x10x8xf32>
# SLICE: mlc.slice %[[X]] {axes = array<i64: 1, 2>, ends = array<i64: -9223372036854775807, 100>, starts = array<i64: -1, 1>, steps = array<i64: -2, 3>} : (tensor<?x10x8xf32>) -> tensor<?x5x3xf32>
# Without axes the first dims are sliced.
# SLICE: mlc.slice %[[X]] {axes = array<i64: 0>, ends = array<i64: -1>, starts = array<i64: 1>} : (tensor<?x10x8xf32>) -> tensor<?x10x8xf32>


def slice9():
    return single_op("Slice", [("x", F32, [4, 4])], [("y", F32, None)],
                     opset=9, starts=[1], ends=[3], axes=[1])


# SLICE9-LABEL: func.func @main(
# SLICE9: mlc.slice %{{.*}} {axes = array<i64: 1>, ends = array<i64: 3>, starts = array<i64: 1>} : (tensor<4x4xf32>) -> tensor<4x2xf32>


def pad():
    nodes = [node("Pad", ["x", "pads", "value"], ["constant"]),
             node("Pad", ["x", "pads"], ["reflect"], mode="reflect"),
             node("Pad", ["x", "pads"], ["edge"], mode="edge"),
             node("Pad", ["x", "crop_pads"], ["crop"])]
    return graph_model(
        nodes, [value("x", F32, [1, 3, 4, 4])],
        [value(o, F32, None) for o in ["constant", "reflect", "edge", "crop"]],
        [i64("pads", [0, 0, 1, 2, 0, 0, 2, 1]), tensor("value", np.float32(-1)),
         i64("crop_pads", [0, 0, -1, 1, 0, 0, 0, -2])], opset=13)


# PAD-LABEL: func.func @main(
# PAD-SAME: %[[X:[^:]*]]: tensor<1x3x4x4xf32>
# PAD: mlc.pad %[[X]] {padding = array<i64: 0, 0, 1, 2, 0, 0, 2, 1>, value = -1.000000e+00 : f32} : (tensor<1x3x4x4xf32>) -> tensor<1x3x7x7xf32>
# PAD: mlc.pad %[[X]] {mode = #mlc.pad_mode<reflect>, padding = array<i64: 0, 0, 1, 2, 0, 0, 2, 1>}
# PAD: mlc.pad %[[X]] {mode = #mlc.pad_mode<edge>, padding = array<i64: 0, 0, 1, 2, 0, 0, 2, 1>}
# Negative pads crop: a slice, then the positive pads.
# PAD: %[[CROP:.*]] = mlc.slice %[[X]] {axes = array<i64: 2, 3>, ends = array<i64: 9223372036854775807, -2>, starts = array<i64: 1, 0>} : (tensor<1x3x4x4xf32>) -> tensor<1x3x3x2xf32>
# PAD: mlc.pad %[[CROP]] {padding = array<i64: 0, 0, 0, 1, 0, 0, 0, 0>} : (tensor<1x3x3x2xf32>) -> tensor<1x3x3x3xf32>


def pad2():
    return single_op("Pad", [("x", I64, [2])], [("y", I64, None)], opset=2,
                     pads=[1, 2], value=7.0)


# Before opset 11 pads and value are attributes.
# PAD2-LABEL: func.func @main(
# PAD2: mlc.pad %{{.*}} {padding = array<i64: 1, 2>, value = 7 : i64} : (tensor<2xi64>) -> tensor<5xi64>


def gather():
    nodes = [node("Gather", ["table", "ids"], ["rows"]),
             node("Gather", ["table", "col"], ["column"], axis=-1),
             node("GatherElements", ["table", "idx"], ["picked"], axis=1)]
    return graph_model(
        nodes, [value("table", F32, [10, 4]), value("ids", I64, ["B", "S"]),
                value("idx", I32, [10, 2])],
        [value(o, F32, None) for o in ["rows", "column", "picked"]],
        [i64("col", 2)])


# GATHER-LABEL: func.func @main(
# GATHER-SAME: %[[T:[^:]*]]: tensor<10x4xf32>{{.*}}, %[[IDS:[^:]*]]: tensor<?x?xi64>{{.*}}, %[[IDX:[^:]*]]: tensor<10x2xi32>
# GATHER: mlc.gather %[[T]], %[[IDS]] {axis = 0 : i64} : (tensor<10x4xf32>, tensor<?x?xi64>) -> tensor<?x?x4xf32>
# GATHER: mlc.gather %[[T]], %{{.*}} {axis = 1 : i64} : (tensor<10x4xf32>, tensor<i64>) -> tensor<10xf32>
# GATHER: mlc.gather_elements %[[T]], %[[IDX]] {axis = 1 : i64} : (tensor<10x4xf32>, tensor<10x2xi32>) -> tensor<10x2xf32>


def shape_size():
    nodes = [node("Shape", ["x"], ["full"]),
             node("Shape", ["x"], ["tail"], start=1),
             node("Shape", ["x"], ["middle"], start=1, end=-1),
             node("Size", ["x"], ["size"]),
             node("Size", ["s"], ["static_size"])]
    return graph_model(
        nodes, [value("x", F32, ["N", 3, "W"]), value("s", F32, [2, 3])],
        [value(o, I64, None)
         for o in ["full", "tail", "middle", "size", "static_size"]],
        opset=15)


# SHAPE-LABEL: func.func @main(
# SHAPE-SAME: %[[X:[^:]*]]: tensor<?x3x?xf32>
# SHAPE: %[[FULL:.*]] = mlc.shape_of %[[X]] : (tensor<?x3x?xf32>) -> tensor<3xi64>
# Static dims of a partial shape are constants.
# SHAPE: %[[THREE:.*]] = mlc.constant dense<3> : tensor<1xi64>
# SHAPE: %[[W:.*]] = mlc.slice %[[FULL]] {axes = array<i64: 0>, ends = array<i64: 3>, starts = array<i64: 2>}
# SHAPE: %[[TAIL:.*]] = mlc.concat %[[THREE]], %[[W]] {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>) -> tensor<2xi64>
# SHAPE: %[[SIZE:.*]] = mlc.reduce prod %[[FULL]] {axes = array<i64: 0>} : (tensor<3xi64>) -> tensor<i64>
# SHAPE: %[[SIX:.*]] = mlc.constant dense<6> : tensor<i64>
# SHAPE: return %[[FULL]], %[[TAIL]], %[[THREE]], %[[SIZE]], %[[SIX]]


def range_():
    nodes = [node("Range", ["zero", "ten", "three"], ["folded"]),
             node("Range", ["zero", "n", "three"], ["dynamic"])]
    return graph_model(
        nodes, [value("n", I64, [])],
        [value("folded", I64, None), value("dynamic", I64, None)],
        [i64("zero", 0), i64("ten", 10), i64("three", 3)])


# RANGE-LABEL: func.func @main(
# RANGE-SAME: %[[N:[^:]*]]: tensor<i64>
# RANGE: %[[FOLDED:.*]] = mlc.constant dense<[0, 3, 6, 9]> : tensor<4xi64>
# RANGE: %[[DYN:.*]] = mlc.range %{{.*}}, %[[N]], %{{.*}} : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<?xi64>
# RANGE: return %[[FOLDED]], %[[DYN]]


def constants():
    value_tensor = helper.make_tensor("v", F32, [2], [1.5, -2.0])
    fill = helper.make_tensor("fill", I32, [1], [7])
    nodes = [
        node("Constant", [], ["c_tensor"], value=value_tensor),
        node("Constant", [], ["c_ints"], value_ints=[1, 2, 3]),
        node("Constant", [], ["c_float"], value_float=0.5),
        node("ConstantOfShape", ["shape"], ["filled"], value=fill),
        node("ConstantOfShape", ["shape"], ["zeros"]),
        node("Shape", ["x"], ["xs"]),
        node("ConstantOfShape", ["xs"], ["like_x"]),
    ]
    return graph_model(
        nodes, [value("x", F32, ["N", 2])],
        [value("c_tensor", F32, None), value("c_ints", I64, None),
         value("c_float", F32, None), value("filled", I32, None),
         value("zeros", F32, None), value("like_x", F32, None)],
        [i64("shape", [2, 3])])


# CONST-LABEL: func.func @main(
# CONST-SAME: %[[X:[^:]*]]: tensor<?x2xf32>
# CONST-DAG: %[[T:.*]] = mlc.constant dense<[1.500000e+00, -2.000000e+00]> : tensor<2xf32>
# CONST-DAG: %[[I:.*]] = mlc.constant dense<[1, 2, 3]> : tensor<3xi64>
# CONST-DAG: %[[F:.*]] = mlc.constant dense<5.000000e-01> : tensor<f32>
# CONST-DAG: %[[FILLED:.*]] = mlc.constant dense<7> : tensor<2x3xi32>
# CONST-DAG: %[[ZEROS:.*]] = mlc.constant dense<0.000000e+00> : tensor<2x3xf32>
# CONST-DAG: %[[ZERO:.*]] = mlc.constant dense<0.000000e+00> : tensor<f32>
# CONST-DAG: %[[XS:.*]] = mlc.shape_of %[[X]]
# CONST: %[[LIKE:.*]] = mlc.expand %[[ZERO]], %[[XS]] : (tensor<f32>, tensor<2xi64>) -> tensor<?x2xf32>
# CONST: return %[[T]], %[[I]], %[[F]], %[[FILLED]], %[[ZEROS]], %[[LIKE]]

if __name__ == "__main__":
    main({"reshape": reshape, "reshape_dynamic": reshape_dynamic,
          "reshape_runtime": reshape_runtime, "flatten": flatten,
          "squeeze": squeeze, "squeeze11": squeeze11, "expand": expand,
          "transpose_concat": transpose_concat, "split": split,
          "split11": split11, "slice": slice_, "slice9": slice9, "pad": pad,
          "pad2": pad2, "gather": gather, "shape_size": shape_size,
          "range": range_, "constants": constants})
