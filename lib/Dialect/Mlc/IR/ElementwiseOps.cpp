//===- ElementwiseOps.cpp - unary, binary and ternary elementwise ops -----===//

#include "FoldUtils.h"
#include "mlc/Dialect/Mlc/IR/MlcOps.h"
#include "llvm/ADT/APSInt.h"

using namespace mlir;
using namespace mlc;
using namespace mlc::detail;

namespace {
using FloatFn = function_ref<std::optional<APFloat>(APFloat, APFloat)>;
using IntFn = function_ref<std::optional<APInt>(APInt, APInt, bool isUnsigned)>;
} // namespace

/// Applies a binary function to two scalar attributes of one element type.
static Attribute applyBinary(ArrayRef<Attribute> scalars, FloatFn floatFn,
                             IntFn intFn) {
  if (auto lhs = dyn_cast<FloatAttr>(scalars[0])) {
    if (!floatFn)
      return {};
    std::optional<APFloat> r =
        floatFn(lhs.getValue(), cast<FloatAttr>(scalars[1]).getValue());
    return r ? FloatAttr::get(lhs.getType(), *r) : Attribute();
  }
  auto lhs = cast<IntegerAttr>(scalars[0]);
  if (!intFn)
    return {};
  std::optional<APInt> r =
      intFn(lhs.getValue(), cast<IntegerAttr>(scalars[1]).getValue(),
            lhs.getType().isUnsignedInteger() || lhs.getType().isInteger(1));
  return r ? IntegerAttr::get(lhs.getType(), *r) : Attribute();
}

static Attribute foldBinary(Operation *op, ArrayRef<Attribute> operands,
                            FloatFn floatFn, IntFn intFn) {
  return foldElementwise(operands, op->getResult(0).getType(),
                         [&](ArrayRef<Attribute> scalars) {
                           return applyBinary(scalars, floatFn, intFn);
                         });
}

/// `lhs` unchanged when `rhs` is the identity and broadcasting adds nothing.
static Value foldIdentity(Value lhs, Attribute rhs, Type resultType,
                          double identity) {
  if (lhs.getType() == resultType && isSplatOf(rhs, identity))
    return lhs;
  return {};
}

OpFoldResult AddOp::fold(FoldAdaptor adaptor) {
  if (Value v = foldIdentity(getLhs(), adaptor.getRhs(), getType(), 0))
    return v;
  return foldBinary(
      *this, adaptor.getOperands(),
      [](APFloat a, APFloat b) -> std::optional<APFloat> {
        a.add(b, APFloat::rmNearestTiesToEven);
        return a;
      },
      [](APInt a, APInt b, bool) -> std::optional<APInt> { return a + b; });
}

OpFoldResult SubOp::fold(FoldAdaptor adaptor) {
  if (Value v = foldIdentity(getLhs(), adaptor.getRhs(), getType(), 0))
    return v;
  return foldBinary(
      *this, adaptor.getOperands(),
      [](APFloat a, APFloat b) -> std::optional<APFloat> {
        a.subtract(b, APFloat::rmNearestTiesToEven);
        return a;
      },
      [](APInt a, APInt b, bool) -> std::optional<APInt> { return a - b; });
}

OpFoldResult MulOp::fold(FoldAdaptor adaptor) {
  if (Value v = foldIdentity(getLhs(), adaptor.getRhs(), getType(), 1))
    return v;
  return foldBinary(
      *this, adaptor.getOperands(),
      [](APFloat a, APFloat b) -> std::optional<APFloat> {
        a.multiply(b, APFloat::rmNearestTiesToEven);
        return a;
      },
      [](APInt a, APInt b, bool) -> std::optional<APInt> { return a * b; });
}

/// Whether integer division (or remainder) of `a` by `b` is undefined.
static bool isUndefinedDivision(const APInt &a, const APInt &b,
                                bool isUnsigned) {
  return b.isZero() || (!isUnsigned && a.isMinSignedValue() && b.isAllOnes());
}

OpFoldResult DivOp::fold(FoldAdaptor adaptor) {
  if (Value v = foldIdentity(getLhs(), adaptor.getRhs(), getType(), 1))
    return v;
  return foldBinary(
      *this, adaptor.getOperands(),
      [](APFloat a, APFloat b) -> std::optional<APFloat> {
        a.divide(b, APFloat::rmNearestTiesToEven);
        return a;
      },
      [](APInt a, APInt b, bool isUnsigned) -> std::optional<APInt> {
        if (isUndefinedDivision(a, b, isUnsigned))
          return std::nullopt;
        return isUnsigned ? a.udiv(b) : a.sdiv(b);
      });
}

OpFoldResult PowOp::fold(FoldAdaptor adaptor) {
  if (Value v = foldIdentity(getLhs(), adaptor.getRhs(), getType(), 1))
    return v;
  return {};
}

OpFoldResult RemOp::fold(FoldAdaptor adaptor) {
  return foldBinary(
      *this, adaptor.getOperands(),
      [](APFloat a, APFloat b) -> std::optional<APFloat> {
        a.mod(b);
        return a;
      },
      [](APInt a, APInt b, bool isUnsigned) -> std::optional<APInt> {
        if (isUndefinedDivision(a, b, isUnsigned))
          return std::nullopt;
        return isUnsigned ? a.urem(b) : a.srem(b);
      });
}

OpFoldResult ShlOp::fold(FoldAdaptor adaptor) {
  if (Value v = foldIdentity(getLhs(), adaptor.getRhs(), getType(), 0))
    return v;
  return foldBinary(*this, adaptor.getOperands(), nullptr,
                    [](APInt a, APInt b, bool) -> std::optional<APInt> {
                      if (b.uge(a.getBitWidth()))
                        return APInt::getZero(a.getBitWidth());
                      return a.shl(b);
                    });
}

OpFoldResult ShrOp::fold(FoldAdaptor adaptor) {
  if (Value v = foldIdentity(getLhs(), adaptor.getRhs(), getType(), 0))
    return v;
  return foldBinary(
      *this, adaptor.getOperands(), nullptr,
      [](APInt a, APInt b, bool isUnsigned) -> std::optional<APInt> {
        unsigned width = a.getBitWidth();
        if (isUnsigned)
          return b.uge(width) ? APInt::getZero(width) : a.lshr(b);
        return a.ashr(b.uge(width) ? APInt(width, width - 1) : b);
      });
}

OpFoldResult MaxOp::fold(FoldAdaptor adaptor) {
  if (getLhs() == getRhs() && getLhs().getType() == getType())
    return getLhs();
  return foldBinary(
      *this, adaptor.getOperands(),
      [](APFloat a, APFloat b) -> std::optional<APFloat> {
        return llvm::maximum(a, b);
      },
      [](APInt a, APInt b, bool isUnsigned) -> std::optional<APInt> {
        return (isUnsigned ? a.uge(b) : a.sge(b)) ? a : b;
      });
}

OpFoldResult MinOp::fold(FoldAdaptor adaptor) {
  if (getLhs() == getRhs() && getLhs().getType() == getType())
    return getLhs();
  return foldBinary(
      *this, adaptor.getOperands(),
      [](APFloat a, APFloat b) -> std::optional<APFloat> {
        return llvm::minimum(a, b);
      },
      [](APInt a, APInt b, bool isUnsigned) -> std::optional<APInt> {
        return (isUnsigned ? a.ule(b) : a.sle(b)) ? a : b;
      });
}

OpFoldResult AndOp::fold(FoldAdaptor adaptor) {
  return foldBinary(*this, adaptor.getOperands(), nullptr,
                    [](APInt a, APInt b, bool) -> std::optional<APInt> {
                      return a & b;
                    });
}

OpFoldResult OrOp::fold(FoldAdaptor adaptor) {
  return foldBinary(*this, adaptor.getOperands(), nullptr,
                    [](APInt a, APInt b, bool) -> std::optional<APInt> {
                      return a | b;
                    });
}

OpFoldResult XorOp::fold(FoldAdaptor adaptor) {
  return foldBinary(*this, adaptor.getOperands(), nullptr,
                    [](APInt a, APInt b, bool) -> std::optional<APInt> {
                      return a ^ b;
                    });
}

static bool evaluate(CmpPredicate predicate, int order) {
  switch (predicate) {
  case CmpPredicate::eq:
    return order == 0;
  case CmpPredicate::ne:
    return order != 0;
  case CmpPredicate::lt:
    return order < 0;
  case CmpPredicate::le:
    return order <= 0;
  case CmpPredicate::gt:
    return order > 0;
  case CmpPredicate::ge:
    return order >= 0;
  }
  llvm_unreachable("unknown predicate");
}

OpFoldResult CmpOp::fold(FoldAdaptor adaptor) {
  CmpPredicate predicate = getPredicate();
  Type i1 = IntegerType::get(getContext(), 1);
  return foldElementwise(
      adaptor.getOperands(), getType(),
      [&](ArrayRef<Attribute> scalars) -> Attribute {
        bool result;
        if (auto lhs = dyn_cast<FloatAttr>(scalars[0])) {
          APFloat::cmpResult c =
              lhs.getValue().compare(cast<FloatAttr>(scalars[1]).getValue());
          if (c == APFloat::cmpUnordered)
            result = predicate == CmpPredicate::ne;
          else
            result = evaluate(predicate, c == APFloat::cmpLessThan    ? -1
                                         : c == APFloat::cmpEqual ? 0
                                                                  : 1);
        } else {
          auto lhsInt = cast<IntegerAttr>(scalars[0]);
          APInt a = lhsInt.getValue(),
                b = cast<IntegerAttr>(scalars[1]).getValue();
          bool isUnsigned = lhsInt.getType().isUnsignedInteger() ||
                            lhsInt.getType().isInteger(1);
          int order = a == b ? 0
                      : (isUnsigned ? a.ult(b) : a.slt(b)) ? -1
                                                           : 1;
          result = evaluate(predicate, order);
        }
        return IntegerAttr::get(i1, result);
      });
}

OpFoldResult WhereOp::fold(FoldAdaptor adaptor) {
  auto condition = asDense(adaptor.getCondition());
  if (condition && condition.isSplat()) {
    Value chosen = condition.getSplatValue<bool>() ? getTrueValue()
                                                   : getFalseValue();
    if (chosen.getType() == getType() &&
        getCondition().getType().getRank() <= getType().getRank())
      return chosen;
  }
  if (getTrueValue() == getFalseValue() &&
      getTrueValue().getType() == getType())
    return getTrueValue();
  return foldElementwise(adaptor.getOperands(), getType(),
                         [](ArrayRef<Attribute> scalars) {
                           return cast<IntegerAttr>(scalars[0]).getValue().isZero()
                                      ? scalars[2]
                                      : scalars[1];
                         });
}

OpFoldResult NegOp::fold(FoldAdaptor adaptor) {
  if (auto inner = getInput().getDefiningOp<NegOp>())
    return inner.getInput();
  return foldElementwise(
      adaptor.getOperands(), getType(),
      [](ArrayRef<Attribute> scalars) -> Attribute {
        if (auto f = dyn_cast<FloatAttr>(scalars[0])) {
          APFloat v = f.getValue();
          v.changeSign();
          return FloatAttr::get(f.getType(), v);
        }
        auto i = cast<IntegerAttr>(scalars[0]);
        return IntegerAttr::get(i.getType(), -i.getValue());
      });
}

/// Converts one scalar to `to` with mlc.cast semantics; null if the value
/// does not fit (NaN or out of range to an integer).
static Attribute castScalar(Attribute scalar, Type to) {
  if (auto f = dyn_cast<FloatAttr>(scalar)) {
    APFloat v = f.getValue();
    if (auto toFloat = dyn_cast<FloatType>(to)) {
      bool losesInfo;
      v.convert(toFloat.getFloatSemantics(), APFloat::rmNearestTiesToEven,
                &losesInfo);
      return FloatAttr::get(to, v);
    }
    if (to.isInteger(1))
      return IntegerAttr::get(to, !v.isZero());
    llvm::APSInt result(to.getIntOrFloatBitWidth(), to.isUnsignedInteger());
    bool isExact;
    if (v.convertToInteger(result, APFloat::rmTowardZero, &isExact) &
        APFloat::opInvalidOp)
      return {};
    return IntegerAttr::get(to, result);
  }
  auto i = cast<IntegerAttr>(scalar);
  APInt v = i.getValue();
  bool isSigned = !i.getType().isUnsignedInteger() && !i.getType().isInteger(1);
  if (auto toFloat = dyn_cast<FloatType>(to)) {
    APFloat result(toFloat.getFloatSemantics());
    result.convertFromAPInt(v, isSigned, APFloat::rmNearestTiesToEven);
    return FloatAttr::get(to, result);
  }
  if (to.isInteger(1))
    return IntegerAttr::get(to, !v.isZero());
  unsigned width = to.getIntOrFloatBitWidth();
  return IntegerAttr::get(to, isSigned ? v.sextOrTrunc(width)
                                       : v.zextOrTrunc(width));
}

OpFoldResult CastOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  Type to = getType().getElementType();
  return foldElementwise(adaptor.getOperands(), getType(),
                         [&](ArrayRef<Attribute> scalars) {
                           return castScalar(scalars[0], to);
                         });
}

LogicalResult ClipOp::verifyExtra() {
  Type elementType = getType().getElementType();
  for (auto [name, bound] : {std::pair<StringRef, TypedAttr>{"min", getMinAttr()},
                             {"max", getMaxAttr()}}) {
    if (bound && bound.getType() != elementType)
      return emitOpError() << name << " bound has type " << bound.getType()
                           << ", expected the element type " << elementType;
    if (bound && !isa<FloatAttr, IntegerAttr>(bound))
      return emitOpError() << name << " bound must be a scalar number";
  }
  return success();
}
