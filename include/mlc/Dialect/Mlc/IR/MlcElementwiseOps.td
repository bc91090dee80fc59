//===- MlcElementwiseOps.td - elementwise ops --------------*- tablegen -*-===//
//
// Unary ops keep their operand's type. Binary and ternary ops broadcast their
// operands the NumPy way: shapes are aligned on the right and each dimension
// pair must be equal or contain a 1.
//
//===----------------------------------------------------------------------===//

#ifndef MLC_DIALECT_MLC_IR_MLCELEMENTWISEOPS_TD
#define MLC_DIALECT_MLC_IR_MLCELEMENTWISEOPS_TD

//===----------------------------------------------------------------------===//
// Unary
//===----------------------------------------------------------------------===//

class Mlc_UnaryOp<string mnemonic, Type type, string formula,
                  string exampleType = "f32", list<Trait> traits = []>
    : Mlc_ShapedOp<mnemonic, traits> {
  let summary = "elementwise " # formula;
  let description = "Computes `" # formula # "` for every element `x` of "
    # "`input`.\n\nExample:\n\n```mlir\n%y = mlc." # mnemonic
    # " %x : tensor<?x128x" # exampleType # ">\n```";
  let arguments = (ins type:$input);
  let results = (outs type:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let shapeFunction = [{
    return ::mlc::detail::sameShapeAs(b, adaptor.getInput(), results);
  }];
}

def Mlc_NegOp : Mlc_UnaryOp<"neg", Mlc_NumericTensor, "-x"> {
  let hasFolder = 1;
}
def Mlc_AbsOp : Mlc_UnaryOp<"abs", Mlc_NumericTensor, "|x|">;
def Mlc_SignOp : Mlc_UnaryOp<"sign", Mlc_NumericTensor, "sign(x) in {-1, 0, 1}">;
def Mlc_ReluOp : Mlc_UnaryOp<"relu", Mlc_NumericTensor, "max(x, 0)">;
def Mlc_ExpOp : Mlc_UnaryOp<"exp", Mlc_FloatTensor, "e^x">;
def Mlc_LogOp : Mlc_UnaryOp<"log", Mlc_FloatTensor, "ln(x)">;
def Mlc_SqrtOp : Mlc_UnaryOp<"sqrt", Mlc_FloatTensor, "sqrt(x)">;
def Mlc_RsqrtOp : Mlc_UnaryOp<"rsqrt", Mlc_FloatTensor, "1 / sqrt(x)">;
def Mlc_ReciprocalOp : Mlc_UnaryOp<"reciprocal", Mlc_FloatTensor, "1 / x">;
def Mlc_TanhOp : Mlc_UnaryOp<"tanh", Mlc_FloatTensor, "tanh(x)">;
def Mlc_SigmoidOp : Mlc_UnaryOp<"sigmoid", Mlc_FloatTensor, "1 / (1 + e^-x)">;
def Mlc_SiluOp : Mlc_UnaryOp<"silu", Mlc_FloatTensor, "x * sigmoid(x)">;
def Mlc_ErfOp : Mlc_UnaryOp<"erf", Mlc_FloatTensor, "erf(x)">;
def Mlc_SinOp : Mlc_UnaryOp<"sin", Mlc_FloatTensor, "sin(x)">;
def Mlc_CosOp : Mlc_UnaryOp<"cos", Mlc_FloatTensor, "cos(x)">;
def Mlc_AsinOp : Mlc_UnaryOp<"asin", Mlc_FloatTensor, "asin(x)">;
def Mlc_AcosOp : Mlc_UnaryOp<"acos", Mlc_FloatTensor, "acos(x)">;
def Mlc_AtanOp : Mlc_UnaryOp<"atan", Mlc_FloatTensor, "atan(x)">;
def Mlc_FloorOp : Mlc_UnaryOp<"floor", Mlc_FloatTensor, "floor(x)">;
def Mlc_CeilOp : Mlc_UnaryOp<"ceil", Mlc_FloatTensor, "ceil(x)">;
def Mlc_RoundOp : Mlc_UnaryOp<"round", Mlc_FloatTensor,
                              "x rounded to nearest, ties to even">;
def Mlc_NotOp : Mlc_UnaryOp<"not", Mlc_BoolTensor, "!x", "i1">;

def Mlc_GeluOp : Mlc_UnaryOp<"gelu", Mlc_FloatTensor,
                             "x * Phi(x), Phi the normal CDF"> {
  let description = [{
    Gaussian error linear unit, `0.5 * x * (1 + erf(x / sqrt(2)))`. With
    `approximate` it uses the tanh form
    `0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3)))`.

    Example:

    ```mlir
    %y = mlc.gelu %x {approximate} : tensor<?x3072xf32>
    ```
  }];
  let arguments = (ins Mlc_FloatTensor:$input, UnitAttr:$approximate);
}

def Mlc_ClipOp : Mlc_ShapedOp<"clip"> {
  let summary = "elementwise clamp to [min, max]";
  let description = [{
    Clamps every element to `[min, max]`; either bound may be absent. Bounds
    are typed attributes of the tensor's element type.

    Example:

    ```mlir
    %y = mlc.clip %x {min = 0.0 : f32, max = 6.0 : f32} : tensor<1x32x112x112xf32>
    ```
  }];
  let arguments = (ins Mlc_NumericTensor:$input, OptionalAttr<TypedAttrInterface>:$min,
                       OptionalAttr<TypedAttrInterface>:$max);
  let results = (outs Mlc_NumericTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasExtraVerifier = 1;
  let shapeFunction = [{
    return ::mlc::detail::sameShapeAs(b, adaptor.getInput(), results);
  }];
}

def Mlc_CastOp : Mlc_ShapedOp<"cast", [], /*infersType=*/0> {
  let summary = "elementwise element-type conversion";
  let description = [{
    Converts every element to the result's element type. Float to integer
    rounds toward zero; integer to float rounds to nearest; to `i1` tests
    `x != 0`; from `i1` gives 0 or 1. The shape is unchanged.

    Example:

    ```mlir
    %y = mlc.cast %x : (tensor<?x16xf32>) -> tensor<?x16xbf16>
    ```
  }];
  let arguments = (ins Mlc_Tensor:$input);
  let results = (outs Mlc_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasFolder = 1;
  let shapeFunction = [{
    // The element type is the declared result's.
    results.push_back({b.dims(adaptor.getInput()), ::mlir::Type()});
    return ::mlir::success();
  }];
}

//===----------------------------------------------------------------------===//
// Binary, broadcasting
//===----------------------------------------------------------------------===//

class Mlc_BinaryOp<string mnemonic, Type type, string formula,
                   list<Trait> traits = [], string exampleType = "f32">
    : Mlc_ShapedOp<mnemonic, traits # [
        AllElementTypesMatch<["lhs", "rhs", "result"]>]> {
  let summary = "elementwise " # formula # " with broadcasting";
  let description = "Computes `" # formula # "` elementwise after NumPy "
    # "broadcasting of `lhs` (`a`) and `rhs` (`b`).\n\nExample:\n\n```mlir\n"
    # "%c = mlc." # mnemonic # " %a, %b : (tensor<?x4x" # exampleType
    # ">, tensor<4x" # exampleType # ">) -> tensor<?x4x" # exampleType
    # ">\n```";
  let arguments = (ins type:$lhs, type:$rhs);
  let results = (outs type:$result);
  let assemblyFormat =
    "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
  let hasFolder = 1;
  let shapeFunction = [{
    return ::mlc::detail::broadcastShapes(
        b, {adaptor.getLhs(), adaptor.getRhs()},
        ::mlir::getElementTypeOrSelf(adaptor.getLhs().getType()), results);
  }];
}

def Mlc_AddOp : Mlc_BinaryOp<"add", Mlc_NumericTensor, "a + b", [Commutative]>;
def Mlc_SubOp : Mlc_BinaryOp<"sub", Mlc_NumericTensor, "a - b">;
def Mlc_MulOp : Mlc_BinaryOp<"mul", Mlc_NumericTensor, "a * b", [Commutative]>;
def Mlc_DivOp : Mlc_BinaryOp<"div", Mlc_NumericTensor,
                             "a / b (integers round toward zero)">;
def Mlc_PowOp : Mlc_BinaryOp<"pow", Mlc_NumericTensor, "a ^ b">;
def Mlc_RemOp : Mlc_BinaryOp<"rem", Mlc_NumericTensor,
                             "a - trunc(a / b) * b (the sign of a, as C fmod)">;
def Mlc_MaxOp : Mlc_BinaryOp<"max", Mlc_NumericTensor, "max(a, b)", [Commutative]>;
def Mlc_MinOp : Mlc_BinaryOp<"min", Mlc_NumericTensor, "min(a, b)", [Commutative]>;
def Mlc_AndOp : Mlc_BinaryOp<"and", Mlc_BitsTensor, "a & b", [Commutative], "i1">;
def Mlc_OrOp : Mlc_BinaryOp<"or", Mlc_BitsTensor, "a | b", [Commutative], "i1">;
def Mlc_XorOp : Mlc_BinaryOp<"xor", Mlc_BitsTensor, "a ^ b (bitwise)", [Commutative], "i1">;
def Mlc_ShlOp : Mlc_BinaryOp<"shl", Mlc_IntegerTensor,
                             "a << b (0 when b >= the bit width)", [], "ui8">;
def Mlc_ShrOp : Mlc_BinaryOp<"shr", Mlc_IntegerTensor,
                             "a >> b (logical for unsigned a, arithmetic for signed)",
                             [], "ui8">;

def Mlc_CmpOp : Mlc_ShapedOp<"cmp", [AllElementTypesMatch<["lhs", "rhs"]>]> {
  let summary = "elementwise comparison with broadcasting";
  let description = [{
    Compares `lhs` and `rhs` elementwise after NumPy broadcasting and returns
    `i1` results. Floating-point comparisons are ordered: any NaN compares
    false except under `ne`.

    Example:

    ```mlir
    %m = mlc.cmp lt, %a, %b : (tensor<?x8xi64>, tensor<1x8xi64>) -> tensor<?x8xi1>
    ```
  }];
  let arguments = (ins Mlc_CmpPredicateAttr:$predicate, Mlc_Tensor:$lhs,
                       Mlc_Tensor:$rhs);
  let results = (outs Mlc_BoolTensor:$result);
  let assemblyFormat = [{
    `` $predicate `,` $lhs `,` $rhs attr-dict `:` functional-type(operands, results)
  }];
  let hasFolder = 1;
  let shapeFunction = [{
    return ::mlc::detail::broadcastShapes(
        b, {adaptor.getLhs(), adaptor.getRhs()},
        ::mlir::IntegerType::get(b.getContext(), 1), results);
  }];
}

def Mlc_WhereOp : Mlc_ShapedOp<"where", [
    AllElementTypesMatch<["true_value", "false_value", "result"]>]> {
  let summary = "elementwise select with broadcasting";
  let description = [{
    Picks `true_value` where `condition` holds and `false_value` elsewhere,
    after NumPy broadcasting of all three operands.

    Example:

    ```mlir
    %y = mlc.where %m, %a, %b : (tensor<1x1x?x?xi1>, tensor<f32>, tensor<?x8x?x?xf32>) -> tensor<?x8x?x?xf32>
    ```
  }];
  let arguments = (ins Mlc_BoolTensor:$condition, Mlc_Tensor:$true_value,
                       Mlc_Tensor:$false_value);
  let results = (outs Mlc_Tensor:$result);
  let assemblyFormat = [{
    $condition `,` $true_value `,` $false_value attr-dict `:`
    functional-type(operands, results)
  }];
  let hasFolder = 1;
  let shapeFunction = [{
    return ::mlc::detail::broadcastShapes(
        b, {adaptor.getCondition(), adaptor.getTrueValue(),
            adaptor.getFalseValue()},
        ::mlir::getElementTypeOrSelf(adaptor.getTrueValue().getType()),
        results);
  }];
}

#endif // MLC_DIALECT_MLC_IR_MLCELEMENTWISEOPS_TD
