//===- ElementwiseOps.cpp - ONNX elementwise ops to mlc -------------------===//
//
// Arithmetic, logic, comparisons, activations (decomposed into mlc
// elementwise ops where mlc has no op of their own), Clip, Where, Cast.
// ONNX broadcasting is NumPy broadcasting, as in mlc's binary ops.
//
//===----------------------------------------------------------------------===//

#include "ConverterContext.h"
#include "TensorImporter.h"

using namespace mlir;
using namespace mlc;
using namespace mlc::onnx_import;

namespace {

using CC = ConverterContext;

template <typename OpTy> LogicalResult convertUnary(CC &node) {
  return node.finish(node.create<OpTy>({node.input(0)}));
}

/// The operands of a binary op. Before opset 7, `broadcast = 1` with an
/// `axis` aligns the right operand's dims with the left's starting at
/// `axis` (not at the end, as NumPy does); unit dims appended to the right
/// operand give that alignment.
std::pair<Value, Value> getBinaryOperands(CC &node) {
  Value lhs = node.input(0), rhs = node.input(1);
  if (node.hasFailed() || node.getOpset() >= 7 ||
      !node.getInt("broadcast", 0) || !node.hasAttr("axis"))
    return {lhs, rhs};
  int64_t lhsRank = CC::typeOf(lhs).getRank();
  int64_t rhsRank = CC::typeOf(rhs).getRank();
  int64_t axis = node.getInt("axis", 0);
  if (axis < 0)
    axis += lhsRank;
  int64_t trailing = lhsRank - axis - rhsRank;
  if (axis < 0 || trailing < 0) {
    node.error("broadcast axis " + Twine(node.getInt("axis", 0)) +
               " does not fit the operands' ranks");
    return {};
  }
  return {lhs, node.unsqueeze(rhs, llvm::to_vector(llvm::seq<int64_t>(
                                       rhsRank, rhsRank + trailing)))};
}

template <typename OpTy> LogicalResult convertBinary(CC &node) {
  auto [lhs, rhs] = getBinaryOperands(node);
  return node.finish(node.create<OpTy>({lhs, rhs}));
}

/// Max, Min, Sum: any number of inputs, folded from the left.
template <typename OpTy> LogicalResult convertVariadic(CC &node) {
  Value acc = node.input(0);
  for (unsigned i = 1, e = node.getNumInputs(); i < e; ++i)
    acc = node.create<OpTy>({acc, node.input(i)});
  return node.finish(acc);
}

LogicalResult convertMean(CC &node) {
  Value sum = node.input(0);
  unsigned n = node.getNumInputs();
  for (unsigned i = 1; i < n; ++i)
    sum = node.create<AddOp>({sum, node.input(i)});
  if (!sum)
    return failure();
  Value count = node.scalar(CC::elementTypeOf(sum), n);
  return node.finish(node.create<DivOp>({sum, count}));
}

LogicalResult convertCompare(CC &node, CmpPredicate predicate) {
  auto [lhs, rhs] = getBinaryOperands(node);
  return node.finish(node.compare(predicate, lhs, rhs));
}

/// Compares `x` with the scalar `value` of its element type.
Value compareWith(CC &node, CmpPredicate predicate, Value x, double value) {
  if (!x)
    return {};
  return node.compare(predicate, x, node.scalar(CC::elementTypeOf(x), value));
}

/// `x <op> value` for a scalar `value` of x's element type.
template <typename OpTy> Value withScalar(CC &node, Value x, double value) {
  if (!x)
    return {};
  return node.create<OpTy>({x, node.scalar(CC::elementTypeOf(x), value)});
}

/// `value <op> x` for a scalar `value` of x's element type.
template <typename OpTy> Value scalarWith(CC &node, double value, Value x) {
  if (!x)
    return {};
  return node.create<OpTy>({node.scalar(CC::elementTypeOf(x), value), x});
}

/// `clip(x, lo, hi)` with bounds of x's element type.
Value clip(CC &node, Value x, double lo, double hi) {
  if (!x)
    return {};
  Type type = CC::elementTypeOf(x);
  return node.create<ClipOp>(
      {x}, {node.namedAttr("min", node.scalarAttr(type, lo)),
            node.namedAttr("max", node.scalarAttr(type, hi))});
}

LogicalResult convertPow(CC &node) {
  auto [base, exponent] = getBinaryOperands(node);
  if (node.hasFailed())
    return failure();
  Type baseType = CC::elementTypeOf(base);
  Type exponentType = CC::elementTypeOf(exponent);
  if (baseType != exponentType) {
    // The result has the base's type. An integer base with a floating-point
    // exponent is raised in floating point and truncated back.
    if (!isa<FloatType>(baseType) && isa<FloatType>(exponentType))
      return node.finish(node.castTo(
          node.create<PowOp>({node.castTo(base, exponentType), exponent}),
          baseType));
    exponent = node.castTo(exponent, baseType);
  }
  return node.finish(node.create<PowOp>({base, exponent}));
}

/// Mod: with fmod, the remainder with the dividend's sign (C fmod);
/// otherwise the one with the divisor's sign (Python's %).
LogicalResult convertMod(CC &node) {
  auto [lhs, rhs] = getBinaryOperands(node);
  Value rem = node.create<RemOp>({lhs, rhs});
  if (!rem)
    return failure();
  Type type = CC::elementTypeOf(rem);
  if (node.getInt("fmod", 0) || type.isUnsignedInteger())
    return node.finish(rem);
  // A non-zero remainder whose sign differs from the divisor's moves by one
  // divisor.
  Value signsDiffer =
      node.create<XorOp>({compareWith(node, CmpPredicate::lt, rem, 0),
                          compareWith(node, CmpPredicate::lt, rhs, 0)});
  Value adjust = node.create<AndOp>(
      {compareWith(node, CmpPredicate::ne, rem, 0), signsDiffer});
  return node.finish(
      node.create<WhereOp>({adjust, node.create<AddOp>({rem, rhs}), rem}));
}

LogicalResult convertBitShift(CC &node) {
  auto [lhs, rhs] = getBinaryOperands(node);
  std::string direction = node.getString("direction", "");
  if (direction == "LEFT")
    return node.finish(node.create<ShlOp>({lhs, rhs}));
  if (direction == "RIGHT")
    return node.finish(node.create<ShrOp>({lhs, rhs}));
  return node.error("direction must be LEFT or RIGHT, is '" + direction + "'");
}

/// (e^x - e^-x) / 2 or (e^x + e^-x) / 2.
template <typename CombineOp> LogicalResult convertHyperbolic(CC &node) {
  Value x = node.input(0);
  Value sum = node.create<CombineOp>(
      {node.create<ExpOp>({x}), node.create<ExpOp>({node.create<NegOp>({x})})});
  return node.finish(withScalar<MulOp>(node, sum, 0.5));
}

LogicalResult convertAsinh(CC &node) {
  // sign(x) * ln(|x| + sqrt(x^2 + 1)), which does not cancel for x < 0.
  Value x = node.input(0);
  Value abs = node.create<AbsOp>({x});
  Value root = node.create<SqrtOp>(
      {withScalar<AddOp>(node, node.create<MulOp>({x, x}), 1)});
  Value log = node.create<LogOp>({node.create<AddOp>({abs, root})});
  return node.finish(node.create<MulOp>({node.create<SignOp>({x}), log}));
}

LogicalResult convertAcosh(CC &node) {
  // ln(x + sqrt(x^2 - 1))
  Value x = node.input(0);
  Value root = node.create<SqrtOp>(
      {withScalar<SubOp>(node, node.create<MulOp>({x, x}), 1)});
  return node.finish(node.create<LogOp>({node.create<AddOp>({x, root})}));
}

LogicalResult convertAtanh(CC &node) {
  // ln((1 + x) / (1 - x)) / 2
  Value x = node.input(0);
  Value ratio = node.create<DivOp>(
      {scalarWith<AddOp>(node, 1, x), scalarWith<SubOp>(node, 1, x)});
  return node.finish(withScalar<MulOp>(node, node.create<LogOp>({ratio}), 0.5));
}

LogicalResult convertTan(CC &node) {
  Value x = node.input(0);
  return node.finish(
      node.create<DivOp>({node.create<SinOp>({x}), node.create<CosOp>({x})}));
}

LogicalResult convertLeakyRelu(CC &node) {
  Value x = node.input(0);
  double alpha = node.getFloat("alpha", 0.01);
  Value negative = compareWith(node, CmpPredicate::lt, x, 0);
  return node.finish(
      node.create<WhereOp>({negative, withScalar<MulOp>(node, x, alpha), x}));
}

LogicalResult convertPRelu(CC &node) {
  Value x = node.input(0), slope = node.input(1);
  if (node.hasFailed())
    return failure();
  // Before opset 7 the slope may be one value per channel (dim 1), which
  // NumPy broadcasting would align with the last dim.
  RankedTensorType xType = CC::typeOf(x), slopeType = CC::typeOf(slope);
  if (node.getOpset() < 7 && xType.getRank() > 2 && slopeType.getRank() == 1 &&
      slopeType.getDimSize(0) != 1 &&
      slopeType.getDimSize(0) == xType.getDimSize(1))
    slope = node.unsqueeze(
        slope, llvm::to_vector(llvm::seq<int64_t>(1, xType.getRank() - 1)));
  Value negative = compareWith(node, CmpPredicate::lt, x, 0);
  return node.finish(
      node.create<WhereOp>({negative, node.create<MulOp>({x, slope}), x}));
}

/// alpha * (exp(x) - 1), the negative branch of Elu and Selu.
Value expm1Times(CC &node, Value x, double alpha) {
  Value expm1 = withScalar<SubOp>(node, node.create<ExpOp>({x}), 1);
  return withScalar<MulOp>(node, expm1, alpha);
}

LogicalResult convertElu(CC &node) {
  Value x = node.input(0);
  double alpha = node.getFloat("alpha", 1.0);
  Value negative = compareWith(node, CmpPredicate::lt, x, 0);
  return node.finish(
      node.create<WhereOp>({negative, expm1Times(node, x, alpha), x}));
}

LogicalResult convertSelu(CC &node) {
  Value x = node.input(0);
  double alpha = node.getFloat("alpha", 1.67326319217681884765625);
  double gamma = node.getFloat("gamma", 1.05070102214813232421875);
  Value notPositive = compareWith(node, CmpPredicate::le, x, 0);
  Value y = node.create<WhereOp>({notPositive, expm1Times(node, x, alpha), x});
  return node.finish(withScalar<MulOp>(node, y, gamma));
}

LogicalResult convertCelu(CC &node) {
  // max(0, x) + min(0, alpha * (exp(x / alpha) - 1))
  Value x = node.input(0);
  double alpha = node.getFloat("alpha", 1.0);
  Value negativePart = withScalar<MinOp>(
      node, expm1Times(node, withScalar<DivOp>(node, x, alpha), alpha), 0);
  return node.finish(
      node.create<AddOp>({withScalar<MaxOp>(node, x, 0), negativePart}));
}

LogicalResult convertHardSigmoid(CC &node) {
  Value x = node.input(0);
  double alpha = node.getFloat("alpha", 0.2), beta = node.getFloat("beta", 0.5);
  Value linear =
      withScalar<AddOp>(node, withScalar<MulOp>(node, x, alpha), beta);
  return node.finish(clip(node, linear, 0, 1));
}

LogicalResult convertHardSwish(CC &node) {
  // x * max(0, min(1, x / 6 + 0.5))
  Value x = node.input(0);
  Value linear =
      withScalar<AddOp>(node, withScalar<MulOp>(node, x, 1.0 / 6.0), 0.5);
  return node.finish(node.create<MulOp>({x, clip(node, linear, 0, 1)}));
}

LogicalResult convertSoftplus(CC &node) {
  // ln(exp(x) + 1), in the form that does not overflow for large x:
  // max(x, 0) + ln(1 + exp(-|x|)).
  Value x = node.input(0);
  Value tail = node.create<NegOp>({node.create<AbsOp>({x})});
  Value log = node.create<LogOp>(
      {scalarWith<AddOp>(node, 1, node.create<ExpOp>({tail}))});
  return node.finish(node.create<AddOp>({node.create<ReluOp>({x}), log}));
}

LogicalResult convertSoftsign(CC &node) {
  Value x = node.input(0);
  Value denominator = scalarWith<AddOp>(node, 1, node.create<AbsOp>({x}));
  return node.finish(node.create<DivOp>({x, denominator}));
}

LogicalResult convertThresholdedRelu(CC &node) {
  Value x = node.input(0);
  double alpha = node.getFloat("alpha", 1.0);
  Value above = compareWith(node, CmpPredicate::gt, x, alpha);
  if (!above)
    return failure();
  return node.finish(
      node.create<WhereOp>({above, x, node.scalar(CC::elementTypeOf(x), 0)}));
}

LogicalResult convertMish(CC &node) {
  // x * tanh(softplus(x))
  if (failed(convertSoftplus(node)))
    return failure();
  Value softplus = node.getOutput(0);
  return node.finish(
      node.create<MulOp>({node.input(0), node.create<TanhOp>({softplus})}));
}

LogicalResult convertShrink(CC &node) {
  // x < -lambd ? x + bias : (x > lambd ? x - bias : 0)
  Value x = node.input(0);
  double lambd = node.getFloat("lambd", 0.5), bias = node.getFloat("bias", 0);
  if (!x)
    return failure();
  Value zero = node.scalar(CC::elementTypeOf(x), 0);
  Value upper =
      node.create<WhereOp>({compareWith(node, CmpPredicate::gt, x, lambd),
                            withScalar<SubOp>(node, x, bias), zero});
  return node.finish(
      node.create<WhereOp>({compareWith(node, CmpPredicate::lt, x, -lambd),
                            withScalar<AddOp>(node, x, bias), upper}));
}

LogicalResult convertIsNaN(CC &node) {
  Value x = node.input(0);
  return node.finish(node.compare(CmpPredicate::ne, x, x));
}

LogicalResult convertIsInf(CC &node) {
  Value x = node.input(0);
  bool positive = node.getInt("detect_positive", 1) != 0;
  bool negative = node.getInt("detect_negative", 1) != 0;
  if (!x)
    return failure();
  double inf = std::numeric_limits<double>::infinity();
  if (positive && negative)
    return node.finish(
        compareWith(node, CmpPredicate::eq, node.create<AbsOp>({x}), inf));
  if (positive || negative)
    return node.finish(
        compareWith(node, CmpPredicate::eq, x, positive ? inf : -inf));
  // Neither: all false, with x's shape.
  return node.finish(
      node.create<AndOp>({node.compare(CmpPredicate::eq, x, x),
                          node.compare(CmpPredicate::ne, x, x)}));
}

LogicalResult convertBitwiseNot(CC &node) {
  return node.finish(withScalar<XorOp>(node, node.input(0), -1));
}

LogicalResult convertClip(CC &node) {
  Value x = node.input(0);
  if (!x)
    return failure();
  Type type = CC::elementTypeOf(x);
  SmallVector<NamedAttribute> bounds;
  SmallVector<std::pair<bool, Value>> dynamicBounds; // (is max, bound)
  if (node.getOpset() < 11) {
    if (node.hasAttr("min"))
      bounds.push_back(node.namedAttr(
          "min", node.scalarAttr(type, node.getFloat("min", 0))));
    if (node.hasAttr("max"))
      bounds.push_back(node.namedAttr(
          "max", node.scalarAttr(type, node.getFloat("max", 0))));
  } else {
    for (auto [index, name] :
         {std::pair<unsigned, StringRef>{1, "min"}, {2, "max"}}) {
      Value bound = node.optionalInput(index);
      if (!bound)
        continue;
      DenseElementsAttr constant = CC::getConstant(bound);
      if (constant && constant.getNumElements() == 1 &&
          constant.getElementType() == type)
        bounds.push_back(
            node.namedAttr(name, constant.getValues<Attribute>()[0]));
      else
        dynamicBounds.push_back({index == 2, bound});
    }
  }
  Value y = x;
  if (!bounds.empty())
    y = node.create<ClipOp>({x}, bounds);
  // Bounds known only at run time: min(max(x, lo), hi).
  for (auto [isMax, bound] : dynamicBounds)
    if (!isMax)
      y = node.create<MaxOp>({y, bound});
  for (auto [isMax, bound] : dynamicBounds)
    if (isMax)
      y = node.create<MinOp>({y, bound});
  return node.finish(y);
}

LogicalResult convertCast(CC &node) {
  Value x = node.input(0);
  // Before opset 6 `to` is a type name.
  int64_t to = node.getOpset() < 6 ? parseDataTypeName(node.getString("to", ""))
                                   : node.getInt("to", 0);
  Type type = convertDataType(node.getContext(), static_cast<int32_t>(to));
  if (!type)
    return node.unsupported("casts to " +
                            getDataTypeName(static_cast<int32_t>(to)));
  return node.finish(node.castTo(x, type));
}

LogicalResult convertCastLike(CC &node) {
  Value x = node.input(0), like = node.input(1);
  if (node.hasFailed())
    return failure();
  return node.finish(node.castTo(x, CC::elementTypeOf(like)));
}

LogicalResult convertIdentity(CC &node) { return node.finish(node.input(0)); }

} // namespace

void mlc::onnx_import::registerElementwiseConverters(
    ConverterRegistry &registry) {
  registry.add("Add", convertBinary<AddOp>);
  registry.add("Sub", convertBinary<SubOp>);
  registry.add("Mul", convertBinary<MulOp>);
  registry.add("Div", convertBinary<DivOp>);
  registry.add("Pow", convertPow);
  registry.add("And", convertBinary<AndOp>);
  registry.add("Or", convertBinary<OrOp>);
  registry.add("Xor", convertBinary<XorOp>);
  registry.add("BitwiseAnd", convertBinary<AndOp>);
  registry.add("BitwiseOr", convertBinary<OrOp>);
  registry.add("BitwiseXor", convertBinary<XorOp>);
  registry.add("BitwiseNot", convertBitwiseNot);
  registry.add("Max", convertVariadic<MaxOp>);
  registry.add("Min", convertVariadic<MinOp>);
  registry.add("Sum", convertVariadic<AddOp>);
  registry.add("Mean", convertMean);
  registry.add("Equal",
               [](CC &node) { return convertCompare(node, CmpPredicate::eq); });
  registry.add("Less",
               [](CC &node) { return convertCompare(node, CmpPredicate::lt); });
  registry.add("LessOrEqual",
               [](CC &node) { return convertCompare(node, CmpPredicate::le); });
  registry.add("Greater",
               [](CC &node) { return convertCompare(node, CmpPredicate::gt); });
  registry.add("GreaterOrEqual",
               [](CC &node) { return convertCompare(node, CmpPredicate::ge); });
  registry.add("Where", [](CC &node) {
    return node.finish(
        node.create<WhereOp>({node.input(0), node.input(1), node.input(2)}));
  });
  registry.add("Not", convertUnary<NotOp>);
  registry.add("Neg", convertUnary<NegOp>);
  registry.add("Abs", convertUnary<AbsOp>);
  registry.add("Sign", convertUnary<SignOp>);
  registry.add("Relu", convertUnary<ReluOp>);
  registry.add("Exp", convertUnary<ExpOp>);
  registry.add("Log", convertUnary<LogOp>);
  registry.add("Sqrt", convertUnary<SqrtOp>);
  registry.add("Reciprocal", convertUnary<ReciprocalOp>);
  registry.add("Tanh", convertUnary<TanhOp>);
  registry.add("Sigmoid", convertUnary<SigmoidOp>);
  registry.add("Erf", convertUnary<ErfOp>);
  registry.add("Sin", convertUnary<SinOp>);
  registry.add("Cos", convertUnary<CosOp>);
  registry.add("Tan", convertTan);
  registry.add("Asin", convertUnary<AsinOp>);
  registry.add("Acos", convertUnary<AcosOp>);
  registry.add("Atan", convertUnary<AtanOp>);
  registry.add("Sinh", convertHyperbolic<SubOp>);
  registry.add("Cosh", convertHyperbolic<AddOp>);
  registry.add("Asinh", convertAsinh);
  registry.add("Acosh", convertAcosh);
  registry.add("Atanh", convertAtanh);
  registry.add("Mod", convertMod);
  registry.add("BitShift", convertBitShift);
  registry.add("Floor", convertUnary<FloorOp>);
  registry.add("Ceil", convertUnary<CeilOp>);
  registry.add("Round", convertUnary<RoundOp>);
  registry.add("LeakyRelu", convertLeakyRelu);
  registry.add("PRelu", convertPRelu);
  registry.add("Elu", convertElu);
  registry.add("Selu", convertSelu);
  registry.add("Celu", convertCelu);
  registry.add("HardSigmoid", convertHardSigmoid);
  registry.add("HardSwish", convertHardSwish);
  registry.add("Softplus", convertSoftplus);
  registry.add("Softsign", convertSoftsign);
  registry.add("ThresholdedRelu", convertThresholdedRelu);
  registry.add("Mish", convertMish);
  registry.add("Shrink", convertShrink);
  registry.add("IsNaN", convertIsNaN);
  registry.add("IsInf", convertIsInf);
  registry.add("Clip", convertClip);
  registry.add("Cast", convertCast);
  registry.add("CastLike", convertCastLike);
  registry.add("Identity", convertIdentity);
}
