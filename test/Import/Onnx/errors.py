# Bad input: every case is an error naming the file and the node or tensor,
# exit code 1 (2 for usage errors) -- never a crash, a hang or an exception.
#
# RUN: %python %s %t
# RUN: %python %S/Inputs/expect_exit.py 1 mlc-import %t/does_not_exist.onnx | FileCheck %s --check-prefix=MISSING
# RUN: %python %S/Inputs/expect_exit.py 1 mlc-import %t/empty.onnx | FileCheck %s --check-prefix=EMPTY
# RUN: %python %S/Inputs/expect_exit.py 1 mlc-import %t/truncated.onnx | FileCheck %s --check-prefix=TRUNCATED
# RUN: %python %S/Inputs/expect_exit.py 1 mlc-import %t/text.onnx | FileCheck %s --check-prefix=TEXT
# RUN: %python %S/Inputs/expect_exit.py 1 mlc-import %t/not_onnx.onnx | FileCheck %s --check-prefix=NOT-ONNX
# RUN: %python %S/Inputs/expect_exit.py 1 mlc-import %t/ir_version_99.onnx | FileCheck %s --check-prefix=IR99
# RUN: %python %S/Inputs/expect_exit.py 1 mlc-import %t/ir_version_2.onnx | FileCheck %s --check-prefix=IR2
# RUN: %python %S/Inputs/expect_exit.py 3 mlc-import %t/no_opset.onnx | FileCheck %s --check-prefix=NO-OPSET
# RUN: %python %S/Inputs/expect_exit.py 1 mlc-import %t/opset_99.onnx | FileCheck %s --check-prefix=OPSET99
# RUN: %python %S/Inputs/expect_exit.py 1 mlc-import %t/cycle.onnx | FileCheck %s --check-prefix=CYCLE
# RUN: %python %S/Inputs/expect_exit.py 1 mlc-import %t/dangling_input.onnx | FileCheck %s --check-prefix=DANGLING
# RUN: %python %S/Inputs/expect_exit.py 1 mlc-import %t/missing_output.onnx | FileCheck %s --check-prefix=NO-OUTPUT
# RUN: %python %S/Inputs/expect_exit.py 1 mlc-import %t/defined_twice.onnx | FileCheck %s --check-prefix=TWICE
# RUN: %python %S/Inputs/expect_exit.py 1 mlc-import %t/missing_external.onnx | FileCheck %s --check-prefix=NO-EXTERNAL
# RUN: %python %S/Inputs/expect_exit.py 1 mlc-import %t/short_external.onnx | FileCheck %s --check-prefix=SHORT-EXTERNAL
# RUN: %python %S/Inputs/expect_exit.py 1 mlc-import %t/escaping_external.onnx | FileCheck %s --check-prefix=ESCAPING
# RUN: %python %S/Inputs/expect_exit.py 1 mlc-import %t/huge_dims.onnx | FileCheck %s --check-prefix=HUGE
# RUN: %python %S/Inputs/expect_exit.py 1 mlc-import %t/negative_dims.onnx | FileCheck %s --check-prefix=NEGATIVE
# RUN: %python %S/Inputs/expect_exit.py 1 mlc-import %t/negative_input_dim.onnx | FileCheck %s --check-prefix=NEG-INPUT
# RUN: %python %S/Inputs/expect_exit.py 1 mlc-import %t/raw_size.onnx | FileCheck %s --check-prefix=RAW-SIZE
# RUN: %python %S/Inputs/expect_exit.py 1 mlc-import %t/typed_count.onnx | FileCheck %s --check-prefix=TYPED-COUNT
# RUN: %python %S/Inputs/expect_exit.py 1 mlc-import %t/bad_attribute.onnx | FileCheck %s --check-prefix=BAD-ATTR
# RUN: %python %S/Inputs/expect_exit.py 1 mlc-import %t/missing_input.onnx | FileCheck %s --check-prefix=ARITY
# RUN: %python %S/Inputs/expect_exit.py 1 mlc-import %t/bad_shapes.onnx | FileCheck %s --check-prefix=SHAPES
# RUN: %python %S/Inputs/expect_exit.py 3 mlc-import %t/string_input.onnx | FileCheck %s --check-prefix=STRING
# RUN: %python %S/Inputs/expect_exit.py 1 mlc-import %t/no_shape.onnx | FileCheck %s --check-prefix=NO-SHAPE
# RUN: %python %S/Inputs/expect_exit.py 1 mlc-import %t/bad_reshape.onnx | FileCheck %s --check-prefix=RESHAPE
# RUN: %python %S/Inputs/expect_exit.py 1 mlc-import %t/huge_result.onnx | FileCheck %s --check-prefix=HUGE-RESULT
# RUN: %python %S/Inputs/expect_exit.py 2 mlc-import | FileCheck %s --check-prefix=USAGE
# RUN: %python %S/Inputs/expect_exit.py 2 mlc-import --no-such-option %t/empty.onnx | FileCheck %s --check-prefix=USAGE-OPTION

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "Inputs"))
from onnx_test_utils import *  # noqa: E402,F403

DIR = sys.argv[1]


def relu_model(**kwargs):
    return graph_model([node("Relu", ["x"], ["y"])], [value("x", F32, [2])],
                       [value("y", F32, None)], **kwargs)


# MISSING: mlc-import: error: {{.*}}does_not_exist.onnx: cannot read the file: No such file or directory


def empty():
    return b""


# EMPTY: mlc-import: error: {{.*}}empty.onnx: the file is empty


def truncated():
    model = graph_model([node("Add", ["x", "w"], ["y"])],
                        [value("x", F32, [256])], [value("y", F32, None)],
                        [tensor("w", np.ones([256], np.float32))])
    data = model.SerializeToString()
    return data[: len(data) // 2]


# TRUNCATED: mlc-import: error: {{.*}}truncated.onnx: not a valid ONNX model: file is truncated: field 7 at byte {{[0-9]+}} needs {{[0-9]+}} bytes, {{[0-9]+}} remain


def text():
    return b"This is not an ONNX model.\n"


# TEXT: mlc-import: error: {{.*}}text.onnx: not a valid ONNX model: not a protobuf file ({{.*}} at byte {{[0-9]+}})


def not_onnx():
    # Valid protobuf (field 2 as a varint), but nothing of a model.
    return b"\x10\x05"


# NOT-ONNX: mlc-import: error: {{.*}}not_onnx.onnx: not an ONNX model (it has no IR version and no graph)


def ir_version_99():
    return relu_model(ir_version=99)


# IR99: mlc-import: error: {{.*}}ir_version_99.onnx: unsupported IR version 99 (mlc reads IR versions 3 to 10)


def ir_version_2():
    return relu_model(ir_version=2)


# IR2: mlc-import: error: {{.*}}ir_version_2.onnx: unsupported IR version 2


def no_opset():
    model = relu_model()
    del model.opset_import[:]
    model.opset_import.add(domain="com.example", version=1)
    return model


# NO-OPSET: mlc-import: error: {{.*}}no_opset.onnx: the model imports no opset of the default ONNX domain


def opset_99():
    return relu_model(opset=99)


# OPSET99: mlc-import: error: {{.*}}opset_99.onnx: unsupported opset 99 of the default ONNX domain (mlc reads opsets 1 to 18)


def cycle():
    nodes = [node("Add", ["x", "b"], ["a"], name="first"),
             node("Relu", ["a"], ["b"], name="second")]
    return graph_model(nodes, [value("x", F32, [2])], [value("b", F32, None)])


# CYCLE: mlc-import: error: {{.*}}cycle.onnx: the graph has a cycle through node 'first' (Add)


def dangling_input():
    return graph_model([node("Add", ["x", "ghost"], ["y"], name="add")],
                       [value("x", F32, [2])], [value("y", F32, None)])


# DANGLING: mlc-import: error: {{.*}}dangling_input.onnx: node 'add' (Add): input 'ghost' is not produced by any node, graph input or initializer


def missing_output():
    return graph_model([node("Relu", ["x"], ["y"])], [value("x", F32, [2])],
                       [value("z", F32, None)])


# NO-OUTPUT: mlc-import: error: {{.*}}missing_output.onnx: graph output 'z' is not produced by any node, graph input or initializer


def defined_twice():
    nodes = [node("Relu", ["x"], ["y"], name="one"),
             node("Neg", ["x"], ["y"], name="two")]
    return graph_model(nodes, [value("x", F32, [2])], [value("y", F32, None)])


# TWICE: mlc-import: error: {{.*}}defined_twice.onnx: node 'two' (Neg): output 'y' is already defined by node 'one' (Relu)


def external_model(location, length=None):
    w = onnx.TensorProto(name="w", data_type=F32, dims=[128])
    w.data_location = onnx.TensorProto.EXTERNAL
    w.external_data.add(key="location", value=location)
    if length is not None:
        w.external_data.add(key="length", value=str(length))
    return graph_model([node("Add", ["x", "w"], ["y"])],
                       [value("x", F32, [128])], [value("y", F32, None)], [w])


def missing_external():
    return external_model("missing.bin")


# NO-EXTERNAL: mlc-import: error: {{.*}}missing_external.onnx: initializer 'w': external data file '{{.*}}missing.bin' does not exist


def short_external():
    with open(os.path.join(DIR, "short.bin"), "wb") as f:
        f.write(b"\0" * 100)
    return external_model("short.bin")


# SHORT-EXTERNAL: mlc-import: error: {{.*}}short_external.onnx: initializer 'w' needs bytes [0, 512) of external data file '{{.*}}short.bin', which has 100 bytes


def escaping_external():
    return external_model("../outside.bin")


# ESCAPING: mlc-import: error: {{.*}}escaping_external.onnx: initializer 'w' has external data location '../outside.bin', which is not a relative path inside the model's directory


def huge_dims():
    w = onnx.TensorProto(name="w", data_type=F32, dims=[1 << 20, 1 << 20],
                         raw_data=b"\0" * 4)
    return graph_model([node("Relu", ["w"], ["y"])], [],
                       [value("y", F32, None)], [w])


# HUGE: mlc-import: error: {{.*}}huge_dims.onnx: initializer 'w' has dimensions [1048576, 1048576] with more than 2^38 elements


def negative_dims():
    w = onnx.TensorProto(name="w", data_type=F32, dims=[-4],
                         raw_data=b"\0" * 16)
    return graph_model([node("Relu", ["w"], ["y"])], [],
                       [value("y", F32, None)], [w])


# NEGATIVE: mlc-import: error: {{.*}}negative_dims.onnx: initializer 'w' has a negative dimension in [-4]


def negative_input_dim():
    return graph_model([node("Relu", ["x"], ["y"])], [value("x", F32, [3, -2])],
                       [value("y", F32, None)])


# NEG-INPUT: mlc-import: error: {{.*}}negative_input_dim.onnx: graph input 'x' has a negative dimension in [3, -2]


def raw_size():
    w = onnx.TensorProto(name="w", data_type=F32, dims=[4],
                         raw_data=b"\0" * 8)
    return graph_model([node("Relu", ["w"], ["y"])], [],
                       [value("y", F32, None)], [w])


# RAW-SIZE: mlc-import: error: {{.*}}raw_size.onnx: initializer 'w' has 8 bytes of raw_data, its type tensor<4xf32> needs 16


def typed_count():
    w = onnx.TensorProto(name="w", data_type=F32, dims=[4],
                         float_data=[1.0, 2.0, 3.0])
    return graph_model([node("Relu", ["w"], ["y"])], [],
                       [value("y", F32, None)], [w])


# TYPED-COUNT: mlc-import: error: {{.*}}typed_count.onnx: initializer 'w' holds 3 values, its shape [4] needs 4


def bad_attribute():
    return graph_model([node("Softmax", ["x"], ["y"], name="sm", axis=1.5)],
                       [value("x", F32, [2, 2])], [value("y", F32, None)])


# BAD-ATTR: mlc-import: error: {{.*}}bad_attribute.onnx: node 'sm' (Softmax): Mismatched attribute type in 'sm : axis'


def missing_input():
    return graph_model([node("Add", ["x"], ["y"], name="half_add")],
                       [value("x", F32, [2])], [value("y", F32, None)])


# ARITY: mlc-import: error: {{.*}}missing_input.onnx: node 'half_add' (Add): {{.*}}input size 1


def bad_shapes():
    return graph_model([node("Add", ["a", "b"], ["y"], name="mismatch")],
                       [value("a", F32, [2, 3]), value("b", F32, [4])],
                       [value("y", F32, None)])


# The message of mlc's shape function, for the node.
# SHAPES: mlc-import: error: {{.*}}bad_shapes.onnx: node 'mismatch' (Add): 'mlc.add' op {{.*}}


def string_input():
    return graph_model([node("Identity", ["s"], ["y"])],
                       [value("s", TensorProto.STRING, [2])],
                       [value("y", TensorProto.STRING, None)])


# STRING: mlc-import: error: {{.*}}string_input.onnx: graph input 's' has element type STRING, which mlc does not support


def no_shape():
    return graph_model([node("Relu", ["x"], ["y"])], [value("x", F32, None)],
                       [value("y", F32, None)])


# NO-SHAPE: mlc-import: error: {{.*}}no_shape.onnx: graph input 'x' has no shape; mlc needs at least its rank


def bad_reshape():
    return graph_model([node("Reshape", ["x", "s"], ["y"], name="reshape")],
                       [value("x", F32, [2, 3])], [value("y", F32, None)],
                       [tensor("s", np.array([4, -1], np.int64))])


# RESHAPE: mlc-import: error: {{.*}}bad_reshape.onnx: node 'reshape' (Reshape): cannot reshape 6 elements with a -1 next to sizes of product 4

def huge_result():
    return graph_model([node("Expand", ["x", "s"], ["y"], name="expand")],
                       [value("x", F32, [1])], [value("y", F32, None)],
                       [tensor("s", np.array([1 << 30, 1 << 30], np.int64))])


# HUGE-RESULT: mlc-import: error: {{.*}}huge_result.onnx: node 'expand' (Expand): 'mlc.expand' would have the type tensor<1073741824x1073741824xf32>, more than 2^38 elements or a negative size

# USAGE: mlc-import: Not enough positional command line arguments specified!
# USAGE-OPTION: mlc-import: Unknown command line argument '--no-such-option'

if __name__ == "__main__":
    main({name: fn for name, fn in globals().items()
          if callable(fn) and name not in ("main", "relu_model",
                                           "external_model")
          and fn.__module__ == "__main__"})
