//===- ElementwiseToLinalg.cpp - elementwise mlc ops to linalg.generic ----===//
//
// Every elementwise op (unary, broadcasting binary/ternary, casts, SwiGLU)
// becomes one linalg.generic whose body is the op's scalar formula.
//
//===----------------------------------------------------------------------===//

#include "PatternsImpl.h"
#include "Utils.h"

using namespace mlir;
using namespace mlc;
using namespace mlc::lowering;

namespace {

/// What the scalar formula of an op needs besides its operands.
struct ScalarContext {
  /// Element type of the op's first operand before conversion (signedness).
  Type originalType;
  bool isUnsigned() const { return originalType.isUnsignedInteger(); }
};

bool isFloat(Value v) { return isa<FloatType>(v.getType()); }

Value sigmoid(OpBuilder &b, Location loc, Value x) {
  Value one = createScalar(b, loc, x.getType(), 1);
  Value negX = arith::NegFOp::create(b, loc, x);
  Value expNeg = math::ExpOp::create(b, loc, negX);
  Value denom = arith::AddFOp::create(b, loc, one, expNeg);
  return arith::DivFOp::create(b, loc, one, denom);
}

// One scalar formula per op.
Value scalarOf(NegOp, OpBuilder &b, Location loc, ValueRange a,
               const ScalarContext &) {
  if (isFloat(a[0]))
    return arith::NegFOp::create(b, loc, a[0]);
  return arith::SubIOp::create(b, loc, createScalar(b, loc, a[0].getType(), 0),
                               a[0]);
}
Value scalarOf(AbsOp, OpBuilder &b, Location loc, ValueRange a,
               const ScalarContext &ctx) {
  if (isFloat(a[0]))
    return math::AbsFOp::create(b, loc, a[0]);
  if (ctx.isUnsigned())
    return a[0];
  return math::AbsIOp::create(b, loc, a[0]);
}
Value scalarOf(SignOp, OpBuilder &b, Location loc, ValueRange a,
               const ScalarContext &ctx) {
  Type t = a[0].getType();
  Value zero = createScalar(b, loc, t, 0), one = createScalar(b, loc, t, 1);
  if (isFloat(a[0])) {
    Value minusOne = createScalar(b, loc, t, -1);
    Value pos = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, a[0],
                                      zero);
    Value neg = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, a[0],
                                      zero);
    // Zero and NaN map to themselves.
    Value negOrSelf = arith::SelectOp::create(b, loc, neg, minusOne, a[0]);
    return arith::SelectOp::create(b, loc, pos, one, negOrSelf);
  }
  if (ctx.isUnsigned()) {
    Value nonZero =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, a[0], zero);
    return arith::SelectOp::create(b, loc, nonZero, one, zero);
  }
  Value minusOne = createScalar(b, loc, t, -1);
  Value pos =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, a[0], zero);
  Value neg =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, a[0], zero);
  Value negOrZero = arith::SelectOp::create(b, loc, neg, minusOne, zero);
  return arith::SelectOp::create(b, loc, pos, one, negOrZero);
}
Value scalarOf(ReluOp, OpBuilder &b, Location loc, ValueRange a,
               const ScalarContext &ctx) {
  Value zero = createScalar(b, loc, a[0].getType(), 0);
  if (isFloat(a[0])) {
    // max(x, 0) that keeps NaN.
    Value pos = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UGT, a[0],
                                      zero);
    return arith::SelectOp::create(b, loc, pos, a[0], zero);
  }
  if (ctx.isUnsigned())
    return a[0];
  return arith::MaxSIOp::create(b, loc, a[0], zero);
}
Value scalarOf(ExpOp, OpBuilder &b, Location loc, ValueRange a,
               const ScalarContext &) {
  return math::ExpOp::create(b, loc, a[0]);
}
Value scalarOf(LogOp, OpBuilder &b, Location loc, ValueRange a,
               const ScalarContext &) {
  return math::LogOp::create(b, loc, a[0]);
}
Value scalarOf(SqrtOp, OpBuilder &b, Location loc, ValueRange a,
               const ScalarContext &) {
  return math::SqrtOp::create(b, loc, a[0]);
}
Value scalarOf(RsqrtOp, OpBuilder &b, Location loc, ValueRange a,
               const ScalarContext &) {
  return math::RsqrtOp::create(b, loc, a[0]);
}
Value scalarOf(ReciprocalOp, OpBuilder &b, Location loc, ValueRange a,
               const ScalarContext &) {
  return arith::DivFOp::create(b, loc, createScalar(b, loc, a[0].getType(), 1),
                               a[0]);
}
Value scalarOf(TanhOp, OpBuilder &b, Location loc, ValueRange a,
               const ScalarContext &) {
  return math::TanhOp::create(b, loc, a[0]);
}
Value scalarOf(SigmoidOp, OpBuilder &b, Location loc, ValueRange a,
               const ScalarContext &) {
  return sigmoid(b, loc, a[0]);
}
Value scalarOf(SiluOp, OpBuilder &b, Location loc, ValueRange a,
               const ScalarContext &) {
  return arith::MulFOp::create(b, loc, a[0], sigmoid(b, loc, a[0]));
}
Value scalarOf(ErfOp, OpBuilder &b, Location loc, ValueRange a,
               const ScalarContext &) {
  return math::ErfOp::create(b, loc, a[0]);
}
Value scalarOf(SinOp, OpBuilder &b, Location loc, ValueRange a,
               const ScalarContext &) {
  return math::SinOp::create(b, loc, a[0]);
}
Value scalarOf(CosOp, OpBuilder &b, Location loc, ValueRange a,
               const ScalarContext &) {
  return math::CosOp::create(b, loc, a[0]);
}
Value scalarOf(AsinOp, OpBuilder &b, Location loc, ValueRange a,
               const ScalarContext &) {
  return math::AsinOp::create(b, loc, a[0]);
}
Value scalarOf(AcosOp, OpBuilder &b, Location loc, ValueRange a,
               const ScalarContext &) {
  return math::AcosOp::create(b, loc, a[0]);
}
Value scalarOf(AtanOp, OpBuilder &b, Location loc, ValueRange a,
               const ScalarContext &) {
  return math::AtanOp::create(b, loc, a[0]);
}
Value scalarOf(FloorOp, OpBuilder &b, Location loc, ValueRange a,
               const ScalarContext &) {
  return math::FloorOp::create(b, loc, a[0]);
}
Value scalarOf(CeilOp, OpBuilder &b, Location loc, ValueRange a,
               const ScalarContext &) {
  return math::CeilOp::create(b, loc, a[0]);
}
Value scalarOf(RoundOp, OpBuilder &b, Location loc, ValueRange a,
               const ScalarContext &) {
  return math::RoundEvenOp::create(b, loc, a[0]);
}
Value scalarOf(NotOp, OpBuilder &b, Location loc, ValueRange a,
               const ScalarContext &) {
  return arith::XOrIOp::create(b, loc, a[0],
                               createScalar(b, loc, a[0].getType(), 1));
}
Value scalarOf(GeluOp op, OpBuilder &b, Location loc, ValueRange a,
               const ScalarContext &) {
  Value x = a[0];
  Type t = x.getType();
  Value half = createScalar(b, loc, t, 0.5), one = createScalar(b, loc, t, 1);
  Value inner;
  if (op.getApproximate()) {
    // tanh(sqrt(2/pi) * (x + 0.044715 x^3))
    Value x3 = arith::MulFOp::create(
        b, loc, x, arith::MulFOp::create(b, loc, x, x));
    Value poly = arith::AddFOp::create(
        b, loc, x,
        arith::MulFOp::create(b, loc, createScalar(b, loc, t, 0.044715), x3));
    inner = math::TanhOp::create(
        b, loc,
        arith::MulFOp::create(
            b, loc, createScalar(b, loc, t, 0.7978845608028654), poly));
  } else {
    inner = math::ErfOp::create(
        b, loc,
        arith::MulFOp::create(b, loc, x,
                              createScalar(b, loc, t, 0.7071067811865476)));
  }
  Value factor = arith::AddFOp::create(b, loc, one, inner);
  return arith::MulFOp::create(b, loc, arith::MulFOp::create(b, loc, half, x),
                               factor);
}
Value scalarOf(ClipOp op, OpBuilder &b, Location loc, ValueRange a,
               const ScalarContext &ctx) {
  Value x = a[0];
  Type t = x.getType();
  auto bound = [&](TypedAttr attr) -> Value {
    if (auto f = dyn_cast<FloatAttr>(attr))
      return arith::ConstantOp::create(b, loc,
                                       b.getFloatAttr(t, f.getValueAsDouble()));
    return arith::ConstantOp::create(
        b, loc, b.getIntegerAttr(t, cast<IntegerAttr>(attr).getValue()));
  };
  if (TypedAttr low = op.getMinAttr()) {
    Value l = bound(low);
    x = isFloat(x) ? arith::MaximumFOp::create(b, loc, x, l).getResult()
        : ctx.isUnsigned() ? arith::MaxUIOp::create(b, loc, x, l).getResult()
                           : arith::MaxSIOp::create(b, loc, x, l).getResult();
  }
  if (TypedAttr high = op.getMaxAttr()) {
    Value h = bound(high);
    x = isFloat(x) ? arith::MinimumFOp::create(b, loc, x, h).getResult()
        : ctx.isUnsigned() ? arith::MinUIOp::create(b, loc, x, h).getResult()
                           : arith::MinSIOp::create(b, loc, x, h).getResult();
  }
  return x;
}
Value scalarOf(CastOp op, OpBuilder &b, Location loc, ValueRange a,
               const ScalarContext &ctx) {
  Type to = getElementTypeOrSelf(op.getType());
  Type signlessTo = to;
  if (to.isUnsignedInteger())
    signlessTo = b.getIntegerType(to.getIntOrFloatBitWidth());
  return convertScalar(b, loc, a[0], signlessTo, ctx.isUnsigned(),
                       to.isUnsignedInteger());
}

Value scalarOf(AddOp, OpBuilder &b, Location loc, ValueRange a,
               const ScalarContext &) {
  if (isFloat(a[0]))
    return arith::AddFOp::create(b, loc, a[0], a[1]);
  return arith::AddIOp::create(b, loc, a[0], a[1]);
}
Value scalarOf(SubOp, OpBuilder &b, Location loc, ValueRange a,
               const ScalarContext &) {
  if (isFloat(a[0]))
    return arith::SubFOp::create(b, loc, a[0], a[1]);
  return arith::SubIOp::create(b, loc, a[0], a[1]);
}
Value scalarOf(MulOp, OpBuilder &b, Location loc, ValueRange a,
               const ScalarContext &) {
  if (isFloat(a[0]))
    return arith::MulFOp::create(b, loc, a[0], a[1]);
  if (a[0].getType().isInteger(1))
    return arith::AndIOp::create(b, loc, a[0], a[1]);
  return arith::MulIOp::create(b, loc, a[0], a[1]);
}
/// The integer `divisor`, with 1 in place of 0: integer division and
/// remainder by zero are undefined, and must not trap.
Value nonZeroDivisor(OpBuilder &b, Location loc, Value divisor) {
  Type t = divisor.getType();
  Value zero = createScalar(b, loc, t, 0), one = createScalar(b, loc, t, 1);
  Value isZero =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, divisor, zero);
  return arith::SelectOp::create(b, loc, isZero, one, divisor);
}
Value scalarOf(DivOp, OpBuilder &b, Location loc, ValueRange a,
               const ScalarContext &ctx) {
  if (isFloat(a[0]))
    return arith::DivFOp::create(b, loc, a[0], a[1]);
  Value divisor = nonZeroDivisor(b, loc, a[1]);
  if (ctx.isUnsigned())
    return arith::DivUIOp::create(b, loc, a[0], divisor);
  return arith::DivSIOp::create(b, loc, a[0], divisor);
}
Value scalarOf(RemOp, OpBuilder &b, Location loc, ValueRange a,
               const ScalarContext &ctx) {
  if (isFloat(a[0]))
    return arith::RemFOp::create(b, loc, a[0], a[1]);
  Value divisor = nonZeroDivisor(b, loc, a[1]);
  if (ctx.isUnsigned())
    return arith::RemUIOp::create(b, loc, a[0], divisor);
  return arith::RemSIOp::create(b, loc, a[0], divisor);
}
/// Integer power by squaring, one step per exponent bit (wrapping like
/// integer multiplication). A negative exponent gives 1 / base^-e rounded
/// toward zero: 0 unless the base is 1 or -1.
Value integerPow(OpBuilder &b, Location loc, Value base, Value exponent,
                 bool isUnsigned) {
  Type t = base.getType();
  unsigned width = t.getIntOrFloatBitWidth();
  Value zero = createScalar(b, loc, t, 0), one = createScalar(b, loc, t, 1);
  Value result = one, square = base, e = exponent;
  for (unsigned i = 0; i < width; ++i) {
    Value bit = arith::TruncIOp::create(b, loc, b.getI1Type(), e);
    Value product = arith::MulIOp::create(b, loc, result, square);
    result = arith::SelectOp::create(b, loc, bit, product, result);
    if (i + 1 < width) {
      square = arith::MulIOp::create(b, loc, square, square);
      e = arith::ShRUIOp::create(b, loc, e, one);
    }
  }
  if (isUnsigned)
    return result;
  // Negative exponents: 1 for base 1, +-1 for base -1, else 0.
  Value minusOne = createScalar(b, loc, t, -1);
  Value odd = arith::TruncIOp::create(b, loc, b.getI1Type(), exponent);
  Value isOne =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, base, one);
  Value isMinusOne =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, base, minusOne);
  Value signOfMinusOne = arith::SelectOp::create(b, loc, odd, minusOne, one);
  Value reciprocal = arith::SelectOp::create(
      b, loc, isOne, one,
      arith::SelectOp::create(b, loc, isMinusOne, signOfMinusOne, zero));
  Value negative =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, exponent, zero);
  return arith::SelectOp::create(b, loc, negative, reciprocal, result);
}
Value scalarOf(PowOp, OpBuilder &b, Location loc, ValueRange a,
               const ScalarContext &ctx) {
  if (isFloat(a[0]))
    return math::PowFOp::create(b, loc, a[0], a[1]);
  return integerPow(b, loc, a[0], a[1], ctx.isUnsigned());
}
/// `a << b` or `a >> b`; shift amounts of the bit width or more give 0 (or
/// the sign for an arithmetic right shift), not poison.
Value shift(OpBuilder &b, Location loc, Value value, Value amount, bool left,
            bool isUnsigned) {
  Type t = value.getType();
  Value width = createScalar(b, loc, t, t.getIntOrFloatBitWidth());
  Value tooFar =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::uge, amount, width);
  if (!left && !isUnsigned) {
    Value last = createScalar(b, loc, t, t.getIntOrFloatBitWidth() - 1);
    Value clamped = arith::SelectOp::create(b, loc, tooFar, last, amount);
    return arith::ShRSIOp::create(b, loc, value, clamped);
  }
  Value shifted =
      left ? arith::ShLIOp::create(b, loc, value, amount).getResult()
           : arith::ShRUIOp::create(b, loc, value, amount).getResult();
  return arith::SelectOp::create(b, loc, tooFar, createScalar(b, loc, t, 0),
                                 shifted);
}
Value scalarOf(ShlOp, OpBuilder &b, Location loc, ValueRange a,
               const ScalarContext &ctx) {
  return shift(b, loc, a[0], a[1], /*left=*/true, ctx.isUnsigned());
}
Value scalarOf(ShrOp, OpBuilder &b, Location loc, ValueRange a,
               const ScalarContext &ctx) {
  return shift(b, loc, a[0], a[1], /*left=*/false, ctx.isUnsigned());
}
Value scalarOf(MaxOp, OpBuilder &b, Location loc, ValueRange a,
               const ScalarContext &ctx) {
  if (isFloat(a[0]))
    return arith::MaximumFOp::create(b, loc, a[0], a[1]);
  if (ctx.isUnsigned())
    return arith::MaxUIOp::create(b, loc, a[0], a[1]);
  return arith::MaxSIOp::create(b, loc, a[0], a[1]);
}
Value scalarOf(MinOp, OpBuilder &b, Location loc, ValueRange a,
               const ScalarContext &ctx) {
  if (isFloat(a[0]))
    return arith::MinimumFOp::create(b, loc, a[0], a[1]);
  if (ctx.isUnsigned())
    return arith::MinUIOp::create(b, loc, a[0], a[1]);
  return arith::MinSIOp::create(b, loc, a[0], a[1]);
}
Value scalarOf(AndOp, OpBuilder &b, Location loc, ValueRange a,
               const ScalarContext &) {
  return arith::AndIOp::create(b, loc, a[0], a[1]);
}
Value scalarOf(OrOp, OpBuilder &b, Location loc, ValueRange a,
               const ScalarContext &) {
  return arith::OrIOp::create(b, loc, a[0], a[1]);
}
Value scalarOf(XorOp, OpBuilder &b, Location loc, ValueRange a,
               const ScalarContext &) {
  return arith::XOrIOp::create(b, loc, a[0], a[1]);
}
Value scalarOf(CmpOp op, OpBuilder &b, Location loc, ValueRange a,
               const ScalarContext &ctx) {
  if (isFloat(a[0])) {
    arith::CmpFPredicate p;
    switch (op.getPredicate()) {
    case CmpPredicate::eq: p = arith::CmpFPredicate::OEQ; break;
    case CmpPredicate::ne: p = arith::CmpFPredicate::UNE; break;
    case CmpPredicate::lt: p = arith::CmpFPredicate::OLT; break;
    case CmpPredicate::le: p = arith::CmpFPredicate::OLE; break;
    case CmpPredicate::gt: p = arith::CmpFPredicate::OGT; break;
    case CmpPredicate::ge: p = arith::CmpFPredicate::OGE; break;
    }
    return arith::CmpFOp::create(b, loc, p, a[0], a[1]);
  }
  bool u = ctx.isUnsigned() || a[0].getType().isInteger(1);
  arith::CmpIPredicate p;
  switch (op.getPredicate()) {
  case CmpPredicate::eq: p = arith::CmpIPredicate::eq; break;
  case CmpPredicate::ne: p = arith::CmpIPredicate::ne; break;
  case CmpPredicate::lt: p = u ? arith::CmpIPredicate::ult : arith::CmpIPredicate::slt; break;
  case CmpPredicate::le: p = u ? arith::CmpIPredicate::ule : arith::CmpIPredicate::sle; break;
  case CmpPredicate::gt: p = u ? arith::CmpIPredicate::ugt : arith::CmpIPredicate::sgt; break;
  case CmpPredicate::ge: p = u ? arith::CmpIPredicate::uge : arith::CmpIPredicate::sge; break;
  }
  return arith::CmpIOp::create(b, loc, p, a[0], a[1]);
}
Value scalarOf(WhereOp, OpBuilder &b, Location loc, ValueRange a,
               const ScalarContext &) {
  return arith::SelectOp::create(b, loc, a[0], a[1], a[2]);
}
Value scalarOf(SwigluOp, OpBuilder &b, Location loc, ValueRange a,
               const ScalarContext &) {
  Value silu = arith::MulFOp::create(b, loc, a[0], sigmoid(b, loc, a[0]));
  return arith::MulFOp::create(b, loc, silu, a[1]);
}

/// Lowers an elementwise op through its scalar formula.
template <typename OpT>
struct ElementwiseLowering : OpConversionPattern<OpT> {
  using OpConversionPattern<OpT>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OpT op, typename OpT::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType resultType =
        getResultType(*this->getTypeConverter(), op);
    auto sizes = reifyResultSizes(op, adaptor, rewriter, resultType);
    if (failed(sizes))
      return rewriter.notifyMatchFailure(op, "cannot reify result sizes");
    // `where` takes its signedness from the selected values (operand 1).
    unsigned typeOperand = std::is_same_v<OpT, WhereOp> ? 1 : 0;
    ScalarContext ctx{
        getElementTypeOrSelf(op->getOperand(typeOperand).getType())};
    Value result = buildElementwise(
        rewriter, loc, adaptor.getOperands(), resultType, (*sizes)[0],
        [&](OpBuilder &b, Location l, ValueRange args) {
          return scalarOf(op, b, l, args, ctx);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void mlc::lowering::populateElementwisePatterns(
    const TypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<ElementwiseLowering<NegOp>, ElementwiseLowering<AbsOp>,
               ElementwiseLowering<SignOp>, ElementwiseLowering<ReluOp>,
               ElementwiseLowering<ExpOp>, ElementwiseLowering<LogOp>,
               ElementwiseLowering<SqrtOp>, ElementwiseLowering<RsqrtOp>,
               ElementwiseLowering<ReciprocalOp>, ElementwiseLowering<TanhOp>,
               ElementwiseLowering<SigmoidOp>, ElementwiseLowering<SiluOp>,
               ElementwiseLowering<ErfOp>, ElementwiseLowering<SinOp>,
               ElementwiseLowering<CosOp>, ElementwiseLowering<FloorOp>,
               ElementwiseLowering<CeilOp>, ElementwiseLowering<RoundOp>,
               ElementwiseLowering<NotOp>, ElementwiseLowering<GeluOp>,
               ElementwiseLowering<ClipOp>, ElementwiseLowering<CastOp>,
               ElementwiseLowering<AddOp>, ElementwiseLowering<SubOp>,
               ElementwiseLowering<MulOp>, ElementwiseLowering<DivOp>,
               ElementwiseLowering<PowOp>, ElementwiseLowering<MaxOp>,
               ElementwiseLowering<MinOp>, ElementwiseLowering<AndOp>,
               ElementwiseLowering<OrOp>, ElementwiseLowering<XorOp>,
               ElementwiseLowering<CmpOp>, ElementwiseLowering<WhereOp>,
               ElementwiseLowering<SwigluOp>, ElementwiseLowering<AsinOp>,
               ElementwiseLowering<AcosOp>, ElementwiseLowering<AtanOp>,
               ElementwiseLowering<RemOp>, ElementwiseLowering<ShlOp>,
               ElementwiseLowering<ShrOp>>(converter, patterns.getContext());
}
