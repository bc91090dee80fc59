"""Helpers of the ONNX importer's lit tests.

Models are built at test time with onnx 1.12 (never committed as .onnx
files). A test script calls `main(models)` with a dict from model name to a
function returning the ModelProto; each model is saved as <dir>/<name>.onnx,
<dir> being the script's first argument.
"""

import os
import shutil
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

F32 = TensorProto.FLOAT
F16 = TensorProto.FLOAT16
BF16 = TensorProto.BFLOAT16
F64 = TensorProto.DOUBLE
I64 = TensorProto.INT64
I32 = TensorProto.INT32
I8 = TensorProto.INT8
U8 = TensorProto.UINT8
BOOL = TensorProto.BOOL

node = helper.make_node


def value(name, elem_type, shape):
    """A graph input or output; `shape` may hold strings (dim_param) and
    None (unknown dims), or be None (no shape)."""
    return helper.make_tensor_value_info(name, elem_type, shape)


def tensor(name, array):
    """An initializer or tensor attribute holding `array` in raw_data."""
    return numpy_helper.from_array(np.asarray(array), name)


def graph_model(nodes, inputs, outputs, initializers=(), opset=17,
                ir_version=None, extra_opsets=(), name="test_graph"):
    graph = helper.make_graph(nodes, name, inputs, outputs,
                              list(initializers))
    opsets = [helper.make_opsetid("", opset)] + [
        helper.make_opsetid(d, v) for d, v in extra_opsets]
    model = helper.make_model(graph, opset_imports=opsets,
                              producer_name="mlc-lit-test")
    if ir_version is not None:
        model.ir_version = ir_version
    return model


def single_op(op, inputs, outputs, opset=17, initializers=(), **attrs):
    """A model of one node; `inputs`/`outputs` are (name, type, shape)."""
    n = node(op, [i[0] for i in inputs], [o[0] for o in outputs],
             name=op.lower(), **attrs)
    init_names = {t.name for t in initializers}
    return graph_model([n], [value(*i) for i in inputs
                             if i[0] not in init_names],
                       [value(*o) for o in outputs], initializers, opset)


def main(models):
    directory = sys.argv[1]
    # Start afresh: ONNX appends to external data files.
    shutil.rmtree(directory, ignore_errors=True)
    os.makedirs(directory)
    selected = sys.argv[2:] or list(models)
    for name in selected:
        model = models[name]()
        if isinstance(model, bytes):
            with open(os.path.join(directory, name + ".onnx"), "wb") as f:
                f.write(model)
        else:
            onnx.save(model, os.path.join(directory, name + ".onnx"))
