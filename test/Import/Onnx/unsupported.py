# A model with ops (or op variants) mlc cannot express gets one error that
# lists every such node with its op type, opset and the reason, and exit
# code 3. Nodes that only depend on unsupported ones are not listed.
#
# RUN: %python %s %t
# RUN: %python %S/Inputs/expect_exit.py 3 mlc-import %t/unsupported.onnx | FileCheck %s
# RUN: %python %S/Inputs/expect_exit.py 3 mlc-import %t/old_opset_op.onnx | FileCheck %s --check-prefix=OPSET

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "Inputs"))
from onnx_test_utils import *  # noqa: E402,F403


def unsupported():
    nodes = [
        node("NonMaxSuppression", ["boxes", "scores"], ["selected"],
             name="nms"),
        node("Cast", ["selected"], ["selected_f"], to=F32, name="after_nms"),
        node("Conv", ["v", "w3"], ["conv3d_out"], name="conv3d"),
        node("Dropout", ["x", "ratio", "training"], ["dropped"],
             name="training_dropout"),
        node("FusedGelu", ["x"], ["gelu"], domain="com.microsoft"),
        node("FooBar", ["x"], ["foo"], name="mystery"),
        node("MaxPool", ["img"], ["pooled", "indices"], kernel_shape=[2, 2],
             name="pool_with_indices"),
        node("Relu", ["x"], ["fine"], name="supported"),
    ]
    return graph_model(
        nodes,
        [value("boxes", F32, [1, 4, 4]), value("scores", F32, [1, 1, 4]),
         value("v", F32, [1, 1, 4, 4, 4]), value("w3", F32, [1, 1, 2, 2, 2]),
         value("x", F32, [2, 2]), value("ratio", F32, []),
         value("training", BOOL, []),
         value("img", F32, [1, 1, 4, 4])],
        [value(o, F32, None) for o in
         ["selected_f", "conv3d_out", "dropped", "gelu", "foo", "pooled",
          "fine"]] + [value("indices", I64, None)],
        extra_opsets=[("com.microsoft", 1)])


# CHECK: mlc-import: error: {{.*}}unsupported.onnx: the model has 6 nodes that mlc cannot convert:
# CHECK-NEXT: node 'nms' (NonMaxSuppression, opset 17): mlc has no conversion for this op
# CHECK-NEXT: node 'conv3d' (Conv, opset 17): 3-D convolution (mlc supports 1-D and 2-D)
# CHECK-NEXT: node 'training_dropout' (Dropout, opset 17): a training_mode input that is not constant
# CHECK-NEXT: node #4 (com.microsoft.FusedGelu, opset 1): ops of domain 'com.microsoft' are not supported
# CHECK-NEXT: node 'mystery' (FooBar, opset 17): not an op of ONNX opset 17
# CHECK-NEXT: node 'pool_with_indices' (MaxPool, opset 17): the Indices output
# CHECK-NOT: after_nms
# CHECK-NOT: supported


def old_opset_op():
    # LayerNormalization exists from opset 17 only.
    return single_op("LayerNormalization", [("x", F32, [2, 2]),
                                            ("s", F32, [2])],
                     [("y", F32, None)], opset=13)


# OPSET: the model has 1 node that mlc cannot convert:
# OPSET-NEXT: node 'layernormalization' (LayerNormalization, opset 13): not an op of ONNX opset 13

if __name__ == "__main__":
    main({"unsupported": unsupported, "old_opset_op": old_opset_op})
