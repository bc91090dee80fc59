# Elementwise ONNX ops: one mlc op each where mlc has it, decompositions
# into mlc elementwise ops otherwise, NumPy broadcasting, and the limited
# broadcasting of opsets before 7.
#
# RUN: %python %s %t
# RUN: mlc-import %t/binary.onnx | FileCheck %s --check-prefix=BINARY
# RUN: mlc-import %t/unary.onnx | FileCheck %s --check-prefix=UNARY
# RUN: mlc-import %t/activations.onnx | FileCheck %s --check-prefix=ACT
# RUN: mlc-import %t/clip.onnx | FileCheck %s --check-prefix=CLIP
# RUN: mlc-import %t/clip6.onnx | FileCheck %s --check-prefix=CLIP6
# RUN: mlc-import %t/cast.onnx | FileCheck %s --check-prefix=CAST
# RUN: mlc-import %t/legacy_broadcast.onnx | FileCheck %s --check-prefix=LEGACY
# RUN: mlc-import %t/extras.onnx | FileCheck %s --check-prefix=EXTRAS
# RUN: mlc-import %t/integer.onnx | FileCheck %s --check-prefix=INTEGER
# RUN: mlc-import %t/trig.onnx | FileCheck %s --check-prefix=TRIG

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "Inputs"))
from onnx_test_utils import *  # noqa: E402,F403


def binary():
    nodes = [
        node("Add", ["a", "b"], ["add"]),
        node("Sub", ["a", "b"], ["sub"]),
        node("Mul", ["a", "b"], ["mul"]),
        node("Div", ["a", "b"], ["div"]),
        node("Pow", ["a", "e"], ["pow"]),
        node("Max", ["a", "b", "a"], ["max"]),
        node("Min", ["a", "b"], ["min"]),
        node("Sum", ["a"], ["sum"]),
        node("Mean", ["a", "b"], ["mean"]),
        node("Equal", ["a", "b"], ["eq"]),
        node("Less", ["a", "b"], ["lt"]),
        node("LessOrEqual", ["a", "b"], ["le"]),
        node("Greater", ["a", "b"], ["gt"]),
        node("GreaterOrEqual", ["a", "b"], ["ge"]),
        node("Where", ["eq", "a", "b"], ["where"]),
        node("And", ["p", "q"], ["and"]),
        node("Or", ["p", "q"], ["or"]),
        node("Xor", ["p", "q"], ["xor"]),
        node("Not", ["p"], ["not"]),
    ]
    outputs = ["add", "sub", "mul", "div", "pow", "max", "min", "sum", "mean",
               "where", "and", "or", "xor", "not"]
    return graph_model(
        nodes,
        [value("a", F32, [2, 3]), value("b", F32, [3]), value("e", I64, []),
         value("p", BOOL, ["n"]), value("q", BOOL, [1])],
        [value(o, BOOL if o in ("and", "or", "xor", "not") else F32, None)
         for o in outputs])


# BINARY-LABEL: func.func @main(
# BINARY-SAME: %[[A:.*]]: tensor<2x3xf32> {mlc.name = "a"}, %[[B:.*]]: tensor<3xf32> {mlc.name = "b"}, %[[E:.*]]: tensor<i64> {mlc.name = "e"}, %[[P:.*]]: tensor<?xi1> {mlc.name = "p"}, %[[Q:.*]]: tensor<1xi1> {mlc.name = "q"})
# BINARY-SAME: -> (tensor<2x3xf32> {mlc.name = "add"}, {{.*}}, tensor<?xi1> {mlc.name = "not"})
# BINARY: %[[ADD:.*]] = mlc.add %[[A]], %[[B]] : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
# BINARY: %[[SUB:.*]] = mlc.sub %[[A]], %[[B]]
# BINARY: %[[MUL:.*]] = mlc.mul %[[A]], %[[B]]
# BINARY: %[[DIV:.*]] = mlc.div %[[A]], %[[B]]
# The exponent is converted to the base's type.
# BINARY: %[[EF:.*]] = mlc.cast %[[E]] : (tensor<i64>) -> tensor<f32>
# BINARY: %[[POW:.*]] = mlc.pow %[[A]], %[[EF]] : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
# Variadic ops fold from the left.
# BINARY: %[[MAX0:.*]] = mlc.max %[[A]], %[[B]]
# BINARY: %[[MAX:.*]] = mlc.max %[[MAX0]], %[[A]]
# BINARY: %[[MIN:.*]] = mlc.min %[[A]], %[[B]]
# BINARY: %[[MSUM:.*]] = mlc.add %[[A]], %[[B]]
# BINARY: %[[TWO:.*]] = mlc.constant dense<2.000000e+00> : tensor<f32>
# BINARY: %[[MEAN:.*]] = mlc.div %[[MSUM]], %[[TWO]]
# BINARY: %[[EQ:.*]] = mlc.cmp eq, %[[A]], %[[B]] : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xi1>
# Comparisons whose results are unused are dropped.
# BINARY-NOT: mlc.cmp
# BINARY: %[[WHERE:.*]] = mlc.where %[[EQ]], %[[A]], %[[B]] : (tensor<2x3xi1>, tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
# BINARY: %[[AND:.*]] = mlc.and %[[P]], %[[Q]] : (tensor<?xi1>, tensor<1xi1>) -> tensor<?xi1>
# BINARY: %[[OR:.*]] = mlc.or %[[P]], %[[Q]]
# BINARY: %[[XOR:.*]] = mlc.xor %[[P]], %[[Q]]
# BINARY: %[[NOT:.*]] = mlc.not %[[P]] : tensor<?xi1>
# Sum of one input is that input.
# BINARY: return %[[ADD]], %[[SUB]], %[[MUL]], %[[DIV]], %[[POW]], %[[MAX]], %[[MIN]], %[[A]], %[[MEAN]], %[[WHERE]], %[[AND]], %[[OR]], %[[XOR]], %[[NOT]]


def unary():
    ops = ["Neg", "Abs", "Sign", "Relu", "Exp", "Log", "Sqrt", "Reciprocal",
           "Tanh", "Sigmoid", "Erf", "Sin", "Cos", "Floor", "Ceil", "Round",
           "Identity", "Tan"]
    nodes = [node(op, ["x"], [op.lower()]) for op in ops]
    return graph_model(nodes, [value("x", F16, ["batch", 4])],
                       [value(op.lower(), F16, None) for op in ops])


# UNARY-LABEL: func.func @main(
# UNARY-SAME: %[[X:.*]]: tensor<?x4xf16> {mlc.name = "x"}
# UNARY: %[[NEG:.*]] = mlc.neg %[[X]] : tensor<?x4xf16>
# UNARY: %[[ABS:.*]] = mlc.abs %[[X]]
# UNARY: %[[SIGN:.*]] = mlc.sign %[[X]]
# UNARY: %[[RELU:.*]] = mlc.relu %[[X]]
# UNARY: %[[EXP:.*]] = mlc.exp %[[X]]
# UNARY: %[[LOG:.*]] = mlc.log %[[X]]
# UNARY: %[[SQRT:.*]] = mlc.sqrt %[[X]]
# UNARY: %[[RCP:.*]] = mlc.reciprocal %[[X]]
# UNARY: %[[TANH:.*]] = mlc.tanh %[[X]]
# UNARY: %[[SIG:.*]] = mlc.sigmoid %[[X]]
# UNARY: %[[ERF:.*]] = mlc.erf %[[X]]
# UNARY: %[[SIN:.*]] = mlc.sin %[[X]]
# UNARY: %[[COS:.*]] = mlc.cos %[[X]]
# UNARY: %[[FLOOR:.*]] = mlc.floor %[[X]]
# UNARY: %[[CEIL:.*]] = mlc.ceil %[[X]]
# UNARY: %[[ROUND:.*]] = mlc.round %[[X]]
# Tan is sin / cos.
# UNARY: %[[TSIN:.*]] = mlc.sin %[[X]]
# UNARY: %[[TCOS:.*]] = mlc.cos %[[X]]
# UNARY: %[[TAN:.*]] = mlc.div %[[TSIN]], %[[TCOS]]
# UNARY: return %[[NEG]], %[[ABS]], %[[SIGN]], %[[RELU]], %[[EXP]], %[[LOG]], %[[SQRT]], %[[RCP]], %[[TANH]], %[[SIG]], %[[ERF]], %[[SIN]], %[[COS]], %[[FLOOR]], %[[CEIL]], %[[ROUND]], %[[X]], %[[TAN]]


def activations():
    specs = [
        ("LeakyRelu", {"alpha": 0.1}),
        ("PRelu", {}),
        ("Elu", {}),
        ("Selu", {}),
        ("Celu", {"alpha": 2.0}),
        ("HardSigmoid", {}),
        ("HardSwish", {}),
        ("Softplus", {}),
        ("Softsign", {}),
        ("ThresholdedRelu", {"alpha": 0.5}),
    ]
    nodes = []
    for op, attrs in specs:
        inputs = ["x", "slope"] if op == "PRelu" else ["x"]
        nodes.append(node(op, inputs, [op.lower()], **attrs))
    slope = tensor("slope", np.full([3, 1, 1], 0.25, np.float32))
    return graph_model(nodes, [value("x", F32, [1, 3, 2, 2])],
                       [value(op.lower(), F32, None) for op, _ in specs],
                       [slope])


# ACT-LABEL: func.func @main(
# ACT-SAME: %[[X:.*]]: tensor<1x3x2x2xf32>
# LeakyRelu: x < 0 ? alpha * x : x
# ACT: %[[SLOPE:.*]] = mlc.constant dense<2.500000e-01> : tensor<3x1x1xf32>
# ACT: %[[ZERO:.*]] = mlc.constant dense<0.000000e+00> : tensor<f32>
# ACT: %[[NEG:.*]] = mlc.cmp lt, %[[X]], %[[ZERO]]
# ACT: %[[ALPHA:.*]] = mlc.constant dense<1.000000e-01> : tensor<f32>
# ACT: %[[SCALED:.*]] = mlc.mul %[[X]], %[[ALPHA]]
# ACT: %[[LEAKY:.*]] = mlc.where %[[NEG]], %[[SCALED]], %[[X]]
# PRelu: the same with a broadcast slope.
# ACT: %[[PNEG:.*]] = mlc.cmp lt, %[[X]], %[[ZERO]]
# ACT: %[[PSCALED:.*]] = mlc.mul %[[X]], %[[SLOPE]] : (tensor<1x3x2x2xf32>, tensor<3x1x1xf32>) -> tensor<1x3x2x2xf32>
# ACT: %[[PRELU:.*]] = mlc.where %[[PNEG]], %[[PSCALED]], %[[X]]
# Elu: x < 0 ? alpha * (exp(x) - 1) : x (alpha = 1 folds away)
# ACT: %[[ENEG:.*]] = mlc.cmp lt, %[[X]], %[[ZERO]]
# ACT: %[[EXP:.*]] = mlc.exp %[[X]]
# ACT: %[[ONE:.*]] = mlc.constant dense<1.000000e+00> : tensor<f32>
# ACT: %[[EXPM1:.*]] = mlc.sub %[[EXP]], %[[ONE]]
# ACT: %[[ELU:.*]] = mlc.where %[[ENEG]], %[[EXPM1]], %[[X]]
# Selu: gamma * (x <= 0 ? alpha * (exp(x) - 1) : x)
# ACT: %[[SLE:.*]] = mlc.cmp le, %[[X]], %[[ZERO]]
# ACT: %[[SALPHA:.*]] = mlc.constant dense<1.67326319> : tensor<f32>
# ACT: %[[SNEG:.*]] = mlc.mul %{{.*}}, %[[SALPHA]]
# ACT: %[[SELU0:.*]] = mlc.where %[[SLE]], %[[SNEG]], %[[X]]
# ACT: %[[GAMMA:.*]] = mlc.constant dense<1.05070102> : tensor<f32>
# ACT: %[[SELU:.*]] = mlc.mul %[[SELU0]], %[[GAMMA]]
# Celu: max(0, x) + min(0, alpha * (exp(x / alpha) - 1))
# ACT: %[[CALPHA:.*]] = mlc.constant dense<2.000000e+00> : tensor<f32>
# ACT: %[[CDIV:.*]] = mlc.div %[[X]], %[[CALPHA]]
# ACT: %[[CEXP:.*]] = mlc.exp %[[CDIV]]
# ACT: %[[CEXPM1:.*]] = mlc.sub %[[CEXP]], %[[ONE]]
# ACT: %[[CNEG:.*]] = mlc.mul %[[CEXPM1]], %[[CALPHA]]
# ACT: %[[CMIN:.*]] = mlc.min %[[CNEG]], %[[ZERO]]
# ACT: %[[CMAX:.*]] = mlc.max %[[X]], %[[ZERO]]
# ACT: %[[CELU:.*]] = mlc.add %[[CMAX]], %[[CMIN]]
# HardSigmoid: clip(alpha * x + beta, 0, 1)
# ACT: %[[HALPHA:.*]] = mlc.constant dense<2.000000e-01> : tensor<f32>
# ACT: %[[HMUL:.*]] = mlc.mul %[[X]], %[[HALPHA]]
# ACT: %[[HALF:.*]] = mlc.constant dense<5.000000e-01> : tensor<f32>
# ACT: %[[HADD:.*]] = mlc.add %[[HMUL]], %[[HALF]]
# ACT: %[[HSIG:.*]] = mlc.clip %[[HADD]] {max = 1.000000e+00 : f32, min = 0.000000e+00 : f32} : tensor<1x3x2x2xf32>
# HardSwish: x * clip(x / 6 + 0.5, 0, 1)
# ACT: %[[SIXTH:.*]] = mlc.constant dense<0.166666672> : tensor<f32>
# ACT: %[[WMUL:.*]] = mlc.mul %[[X]], %[[SIXTH]]
# ACT: %[[WADD:.*]] = mlc.add %[[WMUL]], %[[HALF]]
# ACT: %[[WCLIP:.*]] = mlc.clip %[[WADD]] {max = 1.000000e+00 : f32, min = 0.000000e+00 : f32}
# ACT: %[[HSWISH:.*]] = mlc.mul %[[X]], %[[WCLIP]]
# Softplus, in its overflow-free form: relu(x) + log(1 + exp(-|x|))
# ACT: %[[SPABS:.*]] = mlc.abs %[[X]]
# ACT: %[[SPNEG:.*]] = mlc.neg %[[SPABS]]
# ACT: %[[SPEXP:.*]] = mlc.exp %[[SPNEG]]
# ACT: %[[SPONE:.*]] = mlc.add %[[SPEXP]], %[[ONE]]
# ACT: %[[SPLOG:.*]] = mlc.log %[[SPONE]]
# ACT: %[[SPRELU:.*]] = mlc.relu %[[X]]
# ACT: %[[SOFTPLUS:.*]] = mlc.add %[[SPRELU]], %[[SPLOG]]
# Softsign: x / (1 + |x|)
# ACT: %[[SSABS:.*]] = mlc.abs %[[X]]
# ACT: %[[SSDEN:.*]] = mlc.add %[[SSABS]], %[[ONE]]
# ACT: %[[SOFTSIGN:.*]] = mlc.div %[[X]], %[[SSDEN]]
# ThresholdedRelu: x > alpha ? x : 0
# ACT: %[[ABOVE:.*]] = mlc.cmp gt, %[[X]], %[[HALF]]
# ACT: %[[TRELU:.*]] = mlc.where %[[ABOVE]], %[[X]], %[[ZERO]]
# ACT: return %[[LEAKY]], %[[PRELU]], %[[ELU]], %[[SELU]], %[[CELU]], %[[HSIG]], %[[HSWISH]], %[[SOFTPLUS]], %[[SOFTSIGN]], %[[TRELU]]


def clip():
    # Opset 11+: bounds are inputs; constant ones become attributes, others
    # max/min ops.
    nodes = [
        node("Clip", ["x", "lo", "hi"], ["both"]),
        node("Clip", ["x", "", "hi"], ["upper"]),
        node("Clip", ["x", "dyn"], ["dynamic"]),
        node("Clip", ["i"], ["none"]),
    ]
    return graph_model(
        nodes,
        [value("x", F32, [4]), value("dyn", F32, []), value("i", I32, [4])],
        [value(o, I32 if o == "none" else F32, None)
         for o in ["both", "upper", "dynamic", "none"]],
        [tensor("lo", np.float32(-1)), tensor("hi", np.float32(6))])


# CLIP-LABEL: func.func @main(
# CLIP-SAME: %[[X:[^:]*]]: tensor<4xf32>{{.*}}, %[[DYN:[^:]*]]: tensor<f32>{{.*}}, %[[I:[^:]*]]: tensor<4xi32>
# CLIP: %[[BOTH:.*]] = mlc.clip %[[X]] {max = 6.000000e+00 : f32, min = -1.000000e+00 : f32} : tensor<4xf32>
# CLIP: %[[UPPER:.*]] = mlc.clip %[[X]] {max = 6.000000e+00 : f32} : tensor<4xf32>
# CLIP: %[[DYNAMIC:.*]] = mlc.max %[[X]], %[[DYN]] : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
# CLIP: return %[[BOTH]], %[[UPPER]], %[[DYNAMIC]], %[[I]]


def clip6():
    return single_op("Clip", [("x", F32, [4])], [("y", F32, None)], opset=6,
                     min=0.0, max=6.0)


# Before opset 11 the bounds are attributes.
# CLIP6-LABEL: func.func @main(
# CLIP6: mlc.clip %{{.*}} {max = 6.000000e+00 : f32, min = 0.000000e+00 : f32} : tensor<4xf32>


def cast():
    nodes = [
        node("Cast", ["x"], ["to_f16"], to=F16),
        node("Cast", ["x"], ["to_bool"], to=BOOL),
        node("Cast", ["x"], ["same"], to=F32),
        node("CastLike", ["x", "like"], ["like_i8"]),
    ]
    return graph_model(nodes, [value("x", F32, [2]), value("like", I8, [])],
                       [value("to_f16", F16, None), value("to_bool", BOOL, None),
                        value("same", F32, None), value("like_i8", I8, None)])


# CAST-LABEL: func.func @main(
# CAST-SAME: %[[X:[^:]*]]: tensor<2xf32>
# CAST: %[[F16:.*]] = mlc.cast %[[X]] : (tensor<2xf32>) -> tensor<2xf16>
# CAST: %[[BOOL:.*]] = mlc.cast %[[X]] : (tensor<2xf32>) -> tensor<2xi1>
# CAST: %[[I8:.*]] = mlc.cast %[[X]] : (tensor<2xf32>) -> tensor<2xi8>
# CAST: return %[[F16]], %[[BOOL]], %[[X]], %[[I8]]


def legacy_broadcast():
    # Opset 6: `broadcast` with `axis` aligns B with A's dims from `axis`.
    nodes = [node("Add", ["a", "b"], ["y"], broadcast=1, axis=1),
             node("Mul", ["a", "s"], ["z"], broadcast=1)]
    return graph_model(
        nodes, [value("a", F32, [2, 3, 4]), value("b", F32, [3]),
                value("s", F32, [4])],
        [value("y", F32, None), value("z", F32, None)], opset=6, ir_version=3)


# LEGACY-LABEL: func.func @main(
# LEGACY-SAME: %[[A:[^:]*]]: tensor<2x3x4xf32>{{.*}}, %[[B:[^:]*]]: tensor<3xf32>{{.*}}, %[[S:[^:]*]]: tensor<4xf32>
# LEGACY: %[[B2:.*]] = mlc.unsqueeze %[[B]] {axes = array<i64: 1>} : (tensor<3xf32>) -> tensor<3x1xf32>
# LEGACY: %[[Y:.*]] = mlc.add %[[A]], %[[B2]] : (tensor<2x3x4xf32>, tensor<3x1xf32>) -> tensor<2x3x4xf32>
# LEGACY: %[[Z:.*]] = mlc.mul %[[A]], %[[S]] : (tensor<2x3x4xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
# LEGACY: return %[[Y]], %[[Z]]

def extras():
    # Opset 18: Mish and the bitwise ops are newer than the ONNX library's
    # schemas (1.12); their converters do without.
    nodes = [node("IsNaN", ["x"], ["nan"]),
             node("IsInf", ["x"], ["posinf"], detect_negative=0),
             node("Shrink", ["x"], ["shrink"], lambd=1.0, bias=0.5),
             node("Mish", ["x"], ["mish"]),
             node("BitwiseAnd", ["i", "j"], ["band"]),
             node("BitwiseNot", ["i"], ["bnot"])]
    return graph_model(
        nodes, [value("x", F32, [4]), value("i", I32, [4]),
                value("j", I32, [4])],
        [value("nan", BOOL, None), value("posinf", BOOL, None),
         value("shrink", F32, None), value("mish", F32, None),
         value("band", I32, None), value("bnot", I32, None)], opset=18)


# EXTRAS-LABEL: func.func @main(
# EXTRAS-SAME: %[[X:[^:]*]]: tensor<4xf32>{{.*}}, %[[I:[^:]*]]: tensor<4xi32>{{.*}}, %[[J:[^:]*]]: tensor<4xi32>
# IsNaN: x != x
# EXTRAS: %[[NAN:.*]] = mlc.cmp ne, %[[X]], %[[X]]
# EXTRAS: %[[INF:.*]] = mlc.constant dense<0x7F800000> : tensor<f32>
# EXTRAS: %[[POSINF:.*]] = mlc.cmp eq, %[[X]], %[[INF]]
# Shrink: x < -lambd ? x + bias : (x > lambd ? x - bias : 0)
# EXTRAS: mlc.cmp gt, %[[X]]
# EXTRAS: %[[UPPER:.*]] = mlc.where
# EXTRAS: mlc.cmp lt, %[[X]]
# EXTRAS: %[[SHRINK:.*]] = mlc.where %{{.*}}, %{{.*}}, %[[UPPER]]
# Mish: x * tanh(softplus(x))
# EXTRAS: %[[RELU:.*]] = mlc.relu %[[X]]
# EXTRAS: %[[SOFTPLUS:.*]] = mlc.add %[[RELU]]
# EXTRAS: %[[TANH:.*]] = mlc.tanh %[[SOFTPLUS]]
# EXTRAS: %[[MISH:.*]] = mlc.mul %[[X]], %[[TANH]]
# EXTRAS: %[[BAND:.*]] = mlc.and %[[I]], %[[J]] : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>
# BitwiseNot: x ^ -1
# EXTRAS: %[[ONES:.*]] = mlc.constant dense<-1> : tensor<i32>
# EXTRAS: %[[BNOT:.*]] = mlc.xor %[[I]], %[[ONES]]
# EXTRAS: return %[[NAN]], %[[POSINF]], %[[SHRINK]], %[[MISH]], %[[BAND]], %[[BNOT]]

def integer():
    nodes = [node("Mod", ["i", "j"], ["mod"]),
             node("Mod", ["x", "y"], ["fmod"], fmod=1),
             node("BitShift", ["u", "v"], ["left"], direction="LEFT"),
             node("BitShift", ["u", "v"], ["right"], direction="RIGHT"),
             node("Pow", ["i", "x"], ["ipow"])]
    return graph_model(
        nodes, [value("i", I32, [4]), value("j", I32, [4]),
                value("x", F32, [4]), value("y", F32, [4]),
                value("u", U8, [4]), value("v", U8, [4])],
        [value("mod", I32, None), value("fmod", F32, None),
         value("left", U8, None), value("right", U8, None),
         value("ipow", I32, None)])


# INTEGER-LABEL: func.func @main(
# INTEGER-SAME: %[[I:[^:]*]]: tensor<4xi32>{{.*}}, %[[J:[^:]*]]: tensor<4xi32>{{.*}}, %[[X:[^:]*]]: tensor<4xf32>{{.*}}, %[[Y:[^:]*]]: tensor<4xf32>{{.*}}, %[[U:[^:]*]]: tensor<4xui8>{{.*}}, %[[V:[^:]*]]: tensor<4xui8>
# Python's %: a non-zero remainder whose sign differs from the divisor's
# moves by one divisor.
# INTEGER: %[[R:.*]] = mlc.rem %[[I]], %[[J]] : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>
# INTEGER: %[[DIFFER:.*]] = mlc.xor
# INTEGER: %[[ADJUST:.*]] = mlc.and %{{.*}}, %[[DIFFER]]
# INTEGER: %[[RJ:.*]] = mlc.add %[[R]], %[[J]]
# INTEGER: %[[MOD:.*]] = mlc.where %[[ADJUST]], %[[RJ]], %[[R]]
# INTEGER: %[[FMOD:.*]] = mlc.rem %[[X]], %[[Y]] : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
# INTEGER: %[[LEFT:.*]] = mlc.shl %[[U]], %[[V]] : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
# INTEGER: %[[RIGHT:.*]] = mlc.shr %[[U]], %[[V]] : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
# An integer base with a float exponent is raised in floating point.
# INTEGER: %[[IF:.*]] = mlc.cast %[[I]] : (tensor<4xi32>) -> tensor<4xf32>
# INTEGER: %[[P:.*]] = mlc.pow %[[IF]], %[[X]]
# INTEGER: %[[IPOW:.*]] = mlc.cast %[[P]] : (tensor<4xf32>) -> tensor<4xi32>
# INTEGER: return %[[MOD]], %[[FMOD]], %[[LEFT]], %[[RIGHT]], %[[IPOW]]


def trig():
    ops = ["Asin", "Acos", "Atan", "Sinh", "Cosh", "Asinh", "Acosh", "Atanh"]
    return graph_model([node(op, ["x"], [op]) for op in ops],
                       [value("x", F32, [4])],
                       [value(op, F32, None) for op in ops])


# TRIG-LABEL: func.func @main(
# TRIG-SAME: %[[X:[^:]*]]: tensor<4xf32>
# TRIG: %[[ASIN:.*]] = mlc.asin %[[X]] : tensor<4xf32>
# TRIG: %[[ACOS:.*]] = mlc.acos %[[X]] : tensor<4xf32>
# TRIG: %[[ATAN:.*]] = mlc.atan %[[X]] : tensor<4xf32>
# The hyperbolic functions and their inverses are built from exp, log and
# sqrt: sinh = (e^x - e^-x) / 2.
# TRIG: %[[E:.*]] = mlc.exp %[[X]]
# TRIG: %[[NX:.*]] = mlc.neg %[[X]]
# TRIG: %[[EN:.*]] = mlc.exp %[[NX]]
# TRIG: %[[D:.*]] = mlc.sub %[[E]], %[[EN]]
# TRIG: %[[SINH:.*]] = mlc.mul %[[D]], %{{.*}}
# TRIG: mlc.add %{{.*}}, %{{.*}}
# TRIG: %[[COSH:.*]] = mlc.mul
# TRIG: mlc.sign %[[X]]
# TRIG: %[[ASINH:.*]] = mlc.mul
# TRIG: %[[ACOSH:.*]] = mlc.log
# TRIG: %[[ATANH:.*]] = mlc.mul
# TRIG: return %[[ASIN]], %[[ACOS]], %[[ATAN]], %[[SINH]], %[[COSH]], %[[ASINH]], %[[ACOSH]], %[[ATANH]]


if __name__ == "__main__":
    main({"binary": binary, "unary": unary, "activations": activations,
          "clip": clip, "clip6": clip6, "cast": cast,
          "legacy_broadcast": legacy_broadcast, "extras": extras,
          "integer": integer, "trig": trig})
