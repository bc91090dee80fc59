# Reductions and softmax: axes as an attribute (opset < 13, and < 18 for
# all but ReduceSum) or as a constant input, keepdims, noop_with_empty_axes,
# negative axes; Softmax with the flatten-to-2-D semantics of opsets < 13.
#
# RUN: %python %s %t
# RUN: mlc-import %t/reduce11.onnx | FileCheck %s --check-prefix=R11
# RUN: mlc-import %t/reduce13.onnx | FileCheck %s --check-prefix=R13
# RUN: mlc-import %t/reduce18.onnx | FileCheck %s --check-prefix=R18
# RUN: mlc-import %t/shape_arith.onnx | FileCheck %s --check-prefix=SHAPE-ARITH
# RUN: mlc-import %t/softmax13.onnx | FileCheck %s --check-prefix=SM13
# RUN: mlc-import %t/softmax11.onnx | FileCheck %s --check-prefix=SM11
# RUN: mlc-import %t/arg.onnx | FileCheck %s --check-prefix=ARG
# RUN: mlc-import %t/cumsum.onnx | FileCheck %s --check-prefix=CUMSUM

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "Inputs"))
from onnx_test_utils import *  # noqa: E402,F403

KINDS = ["ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd",
         "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp",
         "ReduceSumSquare"]


def reduce11():
    nodes = [node(k, ["x"], [k], axes=[-1]) for k in KINDS]
    nodes.append(node("ReduceMean", ["x"], ["all"], keepdims=0))
    nodes.append(node("ReduceSum", ["s"], ["scalar"]))
    return graph_model(nodes, [value("x", F32, ["N", 3, 4]),
                               value("s", F32, [])],
                       [value(o, F32, None) for o in KINDS + ["all", "scalar"]],
                       opset=11)


# R11-LABEL: func.func @main(
# R11-SAME: %[[X:[^:]*]]: tensor<?x3x4xf32>{{.*}}, %[[S:[^:]*]]: tensor<f32>
# R11: mlc.reduce sum %[[X]] {axes = array<i64: 2>, keepdims} : (tensor<?x3x4xf32>) -> tensor<?x3x1xf32>
# R11: mlc.reduce mean %[[X]] {axes = array<i64: 2>, keepdims}
# R11: mlc.reduce max %[[X]] {axes = array<i64: 2>, keepdims}
# R11: mlc.reduce min %[[X]] {axes = array<i64: 2>, keepdims}
# R11: mlc.reduce prod %[[X]] {axes = array<i64: 2>, keepdims}
# R11: mlc.reduce l1 %[[X]] {axes = array<i64: 2>, keepdims}
# R11: mlc.reduce l2 %[[X]] {axes = array<i64: 2>, keepdims}
# R11: mlc.reduce log_sum %[[X]] {axes = array<i64: 2>, keepdims}
# R11: mlc.reduce log_sum_exp %[[X]] {axes = array<i64: 2>, keepdims}
# R11: mlc.reduce sum_square %[[X]] {axes = array<i64: 2>, keepdims}
# No axes: every axis.
# R11: mlc.reduce mean %[[X]] {axes = array<i64: 0, 1, 2>} : (tensor<?x3x4xf32>) -> tensor<f32>
# A scalar is reduced as a one-element vector.
# R11: %[[S1:.*]] = mlc.unsqueeze %[[S]] {axes = array<i64: 0>} : (tensor<f32>) -> tensor<1xf32>
# R11: mlc.reduce sum %[[S1]] {axes = array<i64: 0>} : (tensor<1xf32>) -> tensor<f32>


def reduce13():
    nodes = [node("ReduceSum", ["x", "axes"], ["sum"], keepdims=0),
             node("ReduceSum", ["x"], ["sum_all"]),
             node("ReduceSum", ["x", "empty"], ["noop"],
                  noop_with_empty_axes=1),
             node("ReduceMax", ["x"], ["max"], axes=[0, -2])]
    return graph_model(
        nodes, [value("x", F32, [2, 3, 4])],
        [value(o, F32, None) for o in ["sum", "sum_all", "noop", "max"]],
        [tensor("axes", np.array([2, 0], np.int64)),
         tensor("empty", np.zeros([0], np.int64))], opset=13)


# Opset 13: ReduceSum's axes are an input, the other reductions' still an
# attribute.
# R13-LABEL: func.func @main(
# R13-SAME: %[[X:[^:]*]]: tensor<2x3x4xf32>
# R13: %[[SUM:.*]] = mlc.reduce sum %[[X]] {axes = array<i64: 0, 2>} : (tensor<2x3x4xf32>) -> tensor<3xf32>
# R13: %[[ALL:.*]] = mlc.reduce sum %[[X]] {axes = array<i64: 0, 1, 2>, keepdims} : (tensor<2x3x4xf32>) -> tensor<1x1x1xf32>
# R13: %[[MAX:.*]] = mlc.reduce max %[[X]] {axes = array<i64: 0, 1>, keepdims} : (tensor<2x3x4xf32>) -> tensor<1x1x4xf32>
# R13: return %[[SUM]], %[[ALL]], %[[X]], %[[MAX]]


def reduce18():
    nodes = [node("ReduceMean", ["x", "axes"], ["mean"]),
             node("ReduceL2", ["x"], ["l2"], keepdims=0)]
    return graph_model(nodes, [value("x", F32, [2, 3])],
                       [value("mean", F32, None), value("l2", F32, None)],
                       [tensor("axes", np.array([1], np.int64))], opset=18)


# Opset 18: every reduction takes its axes as an input.
# R18-LABEL: func.func @main(
# R18: mlc.reduce mean %{{.*}} {axes = array<i64: 1>, keepdims} : (tensor<2x3xf32>) -> tensor<2x1xf32>
# R18: mlc.reduce l2 %{{.*}} {axes = array<i64: 0, 1>} : (tensor<2x3xf32>) -> tensor<f32>


def shape_arith():
    # x.view(-1, prod(x.shape[1:])) as some exporters write it.
    nodes = [node("Shape", ["x"], ["s"]),
             node("Slice", ["s", "one", "end"], ["tail"]),
             node("ReduceProd", ["tail"], ["features"], keepdims=1),
             node("Concat", ["minus1", "features"], ["target"], axis=0),
             node("Reshape", ["x", "target"], ["y"])]
    return graph_model(
        nodes, [value("x", F32, ["N", 3, 4])], [value("y", F32, None)],
        [tensor("one", np.array([1], np.int64)),
         tensor("end", np.array([3], np.int64)),
         tensor("minus1", np.array([-1], np.int64))], opset=13)


# The integer reduction of a constant shape folds, so the reshape is static
# but for the batch dim.
# SHAPE-ARITH-LABEL: func.func @main(
# SHAPE-ARITH-SAME: %[[X:[^:]*]]: tensor<?x3x4xf32>
# SHAPE-ARITH-NEXT: %[[Y:.*]] = mlc.reshape %[[X]] : (tensor<?x3x4xf32>) -> tensor<?x12xf32>
# SHAPE-ARITH-NEXT: return %[[Y]]


def softmax13():
    nodes = [node("Softmax", ["x"], ["sm"]),
             node("LogSoftmax", ["x"], ["lsm"], axis=1)]
    return graph_model(nodes, [value("x", F32, ["N", 3, 4])],
                       [value("sm", F32, None), value("lsm", F32, None)],
                       opset=13)


# SM13-LABEL: func.func @main(
# SM13-SAME: %[[X:[^:]*]]: tensor<?x3x4xf32>
# SM13: mlc.softmax %[[X]] {axis = 2 : i64} : tensor<?x3x4xf32>
# SM13: mlc.log_softmax %[[X]] {axis = 1 : i64} : tensor<?x3x4xf32>


def softmax11():
    nodes = [node("Softmax", ["x"], ["sm"]),
             node("LogSoftmax", ["x"], ["last"], axis=-1),
             node("Softmax", ["d"], ["dyn"], axis=2)]
    return graph_model(nodes, [value("x", F32, [2, 3, 4]),
                               value("d", F32, ["N", "C", "H", 5])],
                       [value("sm", F32, None), value("last", F32, None),
                        value("dyn", F32, None)], opset=11)


# Before opset 13 the input is flattened to 2-D at `axis` (default 1) and
# normalized along the rows; on the last axis that is a plain softmax.
# SM11-LABEL: func.func @main(
# SM11-SAME: %[[X:[^:]*]]: tensor<2x3x4xf32>{{.*}}, %[[D:[^:]*]]: tensor<?x?x?x5xf32>
# SM11: %[[X2:.*]] = mlc.reshape %[[X]] : (tensor<2x3x4xf32>) -> tensor<2x12xf32>
# SM11: %[[S2:.*]] = mlc.softmax %[[X2]] {axis = 1 : i64} : tensor<2x12xf32>
# SM11: %[[SM:.*]] = mlc.reshape %[[S2]] : (tensor<2x12xf32>) -> tensor<2x3x4xf32>
# SM11: %[[LAST:.*]] = mlc.log_softmax %[[X]] {axis = 2 : i64} : tensor<2x3x4xf32>
# With several dynamic dims the 2-D shape is computed at run time:
# [d0 * d1, -1].
# SM11: %[[SHAPE:.*]] = mlc.shape_of %[[D]] : (tensor<?x?x?x5xf32>) -> tensor<4xi64>
# SM11: %[[DIMS:.*]] = mlc.slice %[[SHAPE]] {axes = array<i64: 0>, ends = array<i64: 2>, starts = array<i64: 0>}
# SM11: %[[ROWS:.*]] = mlc.reduce prod %[[DIMS]] {axes = array<i64: 0>, keepdims} : (tensor<2xi64>) -> tensor<1xi64>
# SM11: %[[MINUS1:.*]] = mlc.constant dense<-1> : tensor<1xi64>
# SM11: %[[SHAPE2:.*]] = mlc.concat %[[ROWS]], %[[MINUS1]] {axis = 0 : i64}
# SM11: %[[D2:.*]] = mlc.reshape %[[D]], %[[SHAPE2]] : (tensor<?x?x?x5xf32>, tensor<2xi64>) -> tensor<?x?xf32>
# SM11: %[[DS:.*]] = mlc.softmax %[[D2]] {axis = 1 : i64} : tensor<?x?xf32>
# SM11: %[[DYN:.*]] = mlc.reshape %[[DS]], %[[SHAPE]] : (tensor<?x?xf32>, tensor<4xi64>) -> tensor<?x?x?x5xf32>
# SM11: return %[[SM]], %[[LAST]], %[[DYN]]

def arg():
    nodes = [node("ArgMax", ["x"], ["amax"], axis=-1),
             node("ArgMin", ["x"], ["amin"], keepdims=0, select_last_index=1),
             node("Hardmax", ["x"], ["hard"], axis=1)]
    return graph_model(nodes, [value("x", F32, ["n", 5])],
                       [value("amax", I64, None), value("amin", I64, None),
                        value("hard", F32, None)])


# ARG-LABEL: func.func @main(
# ARG-SAME: %[[X:[^:]*]]: tensor<?x5xf32>
# ARG: %[[AMAX:.*]] = mlc.argmax %[[X]] {axis = 1 : i64, keepdims} : (tensor<?x5xf32>) -> tensor<?x1xi64>
# ARG: %[[AMIN:.*]] = mlc.argmin %[[X]] {axis = 0 : i64, select_last_index} : (tensor<?x5xf32>) -> tensor<5xi64>
# Hardmax: positions along the axis compared with the argmax.
# ARG: %[[HMAX:.*]] = mlc.argmax %[[X]] {axis = 1 : i64, keepdims}
# ARG: %[[POS:.*]] = mlc.constant dense<{{\[\[}}0, 1, 2, 3, 4]]> : tensor<1x5xi64>
# ARG: %[[ONE:.*]] = mlc.cmp eq, %[[POS]], %[[HMAX]] : (tensor<1x5xi64>, tensor<?x1xi64>) -> tensor<?x5xi1>
# ARG: %[[HARD:.*]] = mlc.cast %[[ONE]] : (tensor<?x5xi1>) -> tensor<?x5xf32>
# ARG: return %[[AMAX]], %[[AMIN]], %[[HARD]]


def cumsum():
    nodes = [node("CumSum", ["x", "axis"], ["fixed"], exclusive=1),
             node("CumSum", ["x", "a"], ["free"], reverse=1)]
    return graph_model(nodes, [value("x", F32, [3, 4]), value("a", I32, [])],
                       [value("fixed", F32, None), value("free", F32, None)],
                       [tensor("axis", np.array(-1, np.int64))])


# CUMSUM-LABEL: func.func @main(
# CUMSUM-SAME: %[[X:[^:]*]]: tensor<3x4xf32>{{.*}}, %[[A:[^:]*]]: tensor<i32>
# CUMSUM: %[[FIXED:.*]] = mlc.cumsum %[[X]] {axis = 1 : i64, exclusive} : tensor<3x4xf32>
# An axis known only at run time selects among the sums along every axis.
# CUMSUM: %[[C1:.*]] = mlc.cumsum %[[X]] {axis = 1 : i64, reverse}
# CUMSUM: %[[IS0:.*]] = mlc.cmp eq,
# CUMSUM: %[[C0:.*]] = mlc.cumsum %[[X]] {axis = 0 : i64, reverse}
# CUMSUM: %[[FREE:.*]] = mlc.where %[[IS0]], %[[C0]], %[[C1]]
# CUMSUM: return %[[FIXED]], %[[FREE]]


if __name__ == "__main__":
    main({"reduce11": reduce11, "reduce13": reduce13, "reduce18": reduce18,
          "shape_arith": shape_arith,
          "softmax13": softmax13, "softmax11": softmax11, "arg": arg,
          "cumsum": cumsum})
