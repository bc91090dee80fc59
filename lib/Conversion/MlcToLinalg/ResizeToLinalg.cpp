//===- ResizeToLinalg.cpp - mlc.resize to gathering linalg.generics -------===//
//
// Nearest-neighbour resizing is one generic that reads the input at the
// rounded source coordinate of every dimension. Linear and cubic resizing
// are separable: one generic per dimension interpolates along it, reading
// 2 or 4 taps, so the work grows with the sum, not the product, of the
// taps. Coordinates and weights are computed in f64, as ONNX's reference
// does; taps outside the input repeat its border.
//
//===----------------------------------------------------------------------===//

#include "PatternsImpl.h"
#include "Utils.h"

using namespace mlir;
using namespace mlc;
using namespace mlc::lowering;

namespace {

/// What the coordinate mapping of one dimension needs, as f64 / index
/// values built outside the generics.
struct DimMapping {
  Value inSize;   // index
  Value outSize;  // index
  Value scale;    // f64
  Value roiStart; // f64, tf_crop_and_resize only
  Value roiEnd;   // f64, tf_crop_and_resize only
};

Value f64Const(OpBuilder &b, Location loc, double v) {
  return arith::ConstantOp::create(b, loc, b.getF64FloatAttr(v));
}

Value indexToF64(OpBuilder &b, Location loc, Value index) {
  Value i = arith::IndexCastOp::create(b, loc, b.getI64Type(), index);
  return arith::SIToFPOp::create(b, loc, b.getF64Type(), i);
}

/// The input coordinate (f64) of output position `o` (index) along a
/// dimension, per ONNX Resize.
Value sourceCoordinate(OpBuilder &b, Location loc, CoordinateTransform mode,
                       const DimMapping &m, Value o) {
  Value x = indexToF64(b, loc, o);
  Value in = indexToF64(b, loc, m.inSize);
  Value half = f64Const(b, loc, 0.5), one = f64Const(b, loc, 1);
  // The resized length before rounding, as the reference uses it.
  Value resized = arith::MulFOp::create(b, loc, in, m.scale);
  auto halfPixel = [&] {
    Value shifted = arith::AddFOp::create(b, loc, x, half);
    return arith::SubFOp::create(
        b, loc, arith::DivFOp::create(b, loc, shifted, m.scale), half);
  };
  Value resizedAboveOne =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, resized, one);
  Value inMinusOne = arith::SubFOp::create(b, loc, in, one);
  switch (mode) {
  case CoordinateTransform::half_pixel:
    return halfPixel();
  case CoordinateTransform::asymmetric:
    return arith::DivFOp::create(b, loc, x, m.scale);
  case CoordinateTransform::tf_half_pixel_for_nn:
    return arith::DivFOp::create(b, loc, arith::AddFOp::create(b, loc, x, half),
                                 m.scale);
  case CoordinateTransform::pytorch_half_pixel:
    return arith::SelectOp::create(b, loc, resizedAboveOne, halfPixel(),
                                   f64Const(b, loc, 0));
  case CoordinateTransform::align_corners: {
    Value stretched = arith::DivFOp::create(
        b, loc, arith::MulFOp::create(b, loc, x, inMinusOne),
        arith::SubFOp::create(b, loc, resized, one));
    Value isOne =
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, resized, one);
    return arith::SelectOp::create(b, loc, isOne, f64Const(b, loc, 0),
                                   stretched);
  }
  case CoordinateTransform::tf_crop_and_resize: {
    Value width = arith::SubFOp::create(b, loc, m.roiEnd, m.roiStart);
    Value start = arith::MulFOp::create(b, loc, m.roiStart, inMinusOne);
    Value step = arith::DivFOp::create(
        b, loc, arith::MulFOp::create(b, loc, width, inMinusOne),
        arith::SubFOp::create(b, loc, resized, one));
    Value spread = arith::AddFOp::create(
        b, loc, start, arith::MulFOp::create(b, loc, x, step));
    Value center = arith::MulFOp::create(
        b, loc,
        arith::MulFOp::create(
            b, loc, arith::AddFOp::create(b, loc, m.roiStart, m.roiEnd), half),
        inMinusOne);
    return arith::SelectOp::create(b, loc, resizedAboveOne, spread, center);
  }
  }
  llvm_unreachable("unknown coordinate transform");
}

/// Whether the f64 coordinate `x` lies outside [0, in - 1].
Value isOutside(OpBuilder &b, Location loc, Value x, Value inSize) {
  Value last = arith::SubFOp::create(b, loc, indexToF64(b, loc, inSize),
                                     f64Const(b, loc, 1));
  Value below = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, x,
                                      f64Const(b, loc, 0));
  Value above =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x, last);
  return arith::OrIOp::create(b, loc, below, above);
}

/// The f64 coordinate `x` (integral) as an index clamped into the input.
Value toClampedIndex(OpBuilder &b, Location loc, Value x, Value inSize) {
  Value i = arith::FPToSIOp::create(b, loc, b.getI64Type(), x);
  Value index = arith::IndexCastOp::create(b, loc, b.getIndexType(), i);
  return clampIndex(b, loc, index, inSize);
}

Value roundNearest(OpBuilder &b, Location loc, NearestRounding rounding,
                   Value x) {
  Value half = f64Const(b, loc, 0.5);
  switch (rounding) {
  case NearestRounding::round_prefer_floor:
    return math::CeilOp::create(b, loc, arith::SubFOp::create(b, loc, x, half));
  case NearestRounding::round_prefer_ceil:
    return math::FloorOp::create(b, loc,
                                 arith::AddFOp::create(b, loc, x, half));
  case NearestRounding::floor:
    return math::FloorOp::create(b, loc, x);
  case NearestRounding::ceil:
    return math::CeilOp::create(b, loc, x);
  }
  llvm_unreachable("unknown rounding");
}

/// The cubic convolution weights of the taps at distances 1 + t, t, 1 - t
/// and 2 - t from the coordinate (t its fractional part).
SmallVector<Value> cubicWeights(OpBuilder &b, Location loc, Value t, double a) {
  Value one = f64Const(b, loc, 1);
  auto c = [&](double v) { return f64Const(b, loc, v); };
  auto mul = [&](Value x, Value y) {
    return arith::MulFOp::create(b, loc, x, y);
  };
  auto add = [&](Value x, Value y) {
    return arith::AddFOp::create(b, loc, x, y);
  };
  auto sub = [&](Value x, Value y) {
    return arith::SubFOp::create(b, loc, x, y);
  };
  // Distance in (1, 2): ((a d - 5a) d + 8a) d - 4a.
  auto outer = [&](Value d) {
    return sub(mul(add(mul(sub(mul(c(a), d), c(5 * a)), d), c(8 * a)), d),
               c(4 * a));
  };
  // Distance in [0, 1]: ((a + 2) d - (a + 3)) d^2 + 1.
  auto inner = [&](Value d) {
    return add(mul(mul(sub(mul(c(a + 2), d), c(a + 3)), d), d), one);
  };
  Value oneMinusT = sub(one, t);
  return {outer(add(t, one)), inner(t), inner(oneMinusT),
          outer(add(oneMinusT, one))};
}

/// A generic over the index space `sizes` (no inputs) whose element at the
/// loop indices is `body(loops)`.
Value buildIndexedGeneric(
    OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes, Type elementType,
    function_ref<Value(OpBuilder &, Location, ArrayRef<Value>)> body) {
  int64_t rank = sizes.size();
  Value init = createEmpty(b, loc, sizes, elementType);
  return linalg::GenericOp::create(
             b, loc, TypeRange{init.getType()}, ValueRange{}, ValueRange{init},
             b.getMultiDimIdentityMap(rank), getParallelIterators(rank),
             [&](OpBuilder &nb, Location nl, ValueRange) {
               SmallVector<Value> loops;
               for (int64_t i = 0; i < rank; ++i)
                 loops.push_back(linalg::IndexOp::create(nb, nl, i));
               linalg::YieldOp::create(nb, nl, body(nb, nl, loops));
             })
      .getResult(0);
}

struct ResizeLowering : OpConversionPattern<ResizeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(ResizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RankedTensorType type = getResultType(*getTypeConverter(), op);
    auto sizes = reifyResultSizes(op, adaptor, rewriter, type);
    if (failed(sizes))
      return rewriter.notifyMatchFailure(op, "cannot reify result sizes");
    Location loc = op.getLoc();
    OpBuilder &b = rewriter;
    Value input = adaptor.getInput();
    int64_t rank = type.getRank();
    SmallVector<DimMapping> dims(rank);
    auto readF64 = [&](Value tensor, int64_t i) -> Value {
      Value v = tensor::ExtractOp::create(
          b, loc, tensor,
          ValueRange{arith::ConstantIndexOp::create(b, loc, i)});
      return arith::ExtFOp::create(b, loc, b.getF64Type(), v);
    };
    for (int64_t d = 0; d < rank; ++d) {
      DimMapping &m = dims[d];
      m.inSize = tensor::DimOp::create(b, loc, input, d);
      m.outSize = toValue(b, loc, (*sizes)[0][d]);
      m.scale =
          adaptor.getScales()
              ? readF64(adaptor.getScales(), d)
              : arith::DivFOp::create(b, loc, indexToF64(b, loc, m.outSize),
                                      indexToF64(b, loc, m.inSize))
                    .getResult();
      if (adaptor.getRoi()) {
        m.roiStart = readF64(adaptor.getRoi(), d);
        m.roiEnd = readF64(adaptor.getRoi(), d + rank);
      }
    }
    Value result = op.getMode() == InterpolationMode::nearest
                       ? nearest(b, loc, op, input, dims, type, (*sizes)[0])
                       : separable(b, loc, op, input, dims, type);
    rewriter.replaceOp(op, castTo(b, loc, result, type));
    return success();
  }

private:
  /// The extrapolation value in the element type `t`.
  static Value extrapolation(OpBuilder &b, Location loc, ResizeOp op, Type t) {
    return createScalar(b, loc, t,
                        op.getExtrapolationValue().convertToDouble());
  }

  static Value nearest(OpBuilder &b, Location loc, ResizeOp op, Value input,
                       ArrayRef<DimMapping> dims, RankedTensorType type,
                       ArrayRef<OpFoldResult> sizes) {
    int64_t rank = type.getRank();
    bool crops =
        op.getCoordinateTransform() == CoordinateTransform::tf_crop_and_resize;
    return buildIndexedGeneric(
        b, loc, sizes, type.getElementType(),
        [&](OpBuilder &nb, Location nl, ArrayRef<Value> loops) {
          SmallVector<Value> index;
          Value outside;
          for (int64_t d = 0; d < rank; ++d) {
            Value x = sourceCoordinate(nb, nl, op.getCoordinateTransform(),
                                       dims[d], loops[d]);
            if (crops) {
              Value out = isOutside(nb, nl, x, dims[d].inSize);
              outside =
                  outside ? arith::OrIOp::create(nb, nl, outside, out) : out;
            }
            Value rounded = roundNearest(nb, nl, op.getNearestRounding(), x);
            index.push_back(toClampedIndex(nb, nl, rounded, dims[d].inSize));
          }
          Value v = tensor::ExtractOp::create(nb, nl, input, index);
          if (outside)
            v = arith::SelectOp::create(
                nb, nl, outside, extrapolation(nb, nl, op, v.getType()), v);
          return v;
        });
  }

  /// Linear or cubic interpolation, one dimension after the other.
  static Value separable(OpBuilder &b, Location loc, ResizeOp op, Value input,
                         ArrayRef<DimMapping> dims, RankedTensorType type) {
    int64_t rank = type.getRank();
    Value current = input;
    for (int64_t d = 0; d < rank; ++d) {
      SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, current);
      sizes[d] = dims[d].outSize;
      SmallVector<int64_t> shape(
          cast<RankedTensorType>(current.getType()).getShape());
      shape[d] = type.getDimSize(d);
      current =
          interpolateAlong(b, loc, op, current, d, dims[d], sizes,
                           RankedTensorType::get(shape, type.getElementType()));
    }
    return current;
  }

  static Value interpolateAlong(OpBuilder &b, Location loc, ResizeOp op,
                                Value source, int64_t d, const DimMapping &m,
                                ArrayRef<OpFoldResult> sizes,
                                RankedTensorType type) {
    bool cubic = op.getMode() == InterpolationMode::cubic;
    bool crops =
        op.getCoordinateTransform() == CoordinateTransform::tf_crop_and_resize;
    bool excludeOutside = op.getExcludeOutside();
    double a = op.getCubicCoeffA().convertToDouble();
    Type t = type.getElementType();
    return buildIndexedGeneric(
        b, loc, sizes, t,
        [&](OpBuilder &nb, Location nl, ArrayRef<Value> loops) {
          Value x = sourceCoordinate(nb, nl, op.getCoordinateTransform(), m,
                                     loops[d]);
          Value x0 = math::FloorOp::create(nb, nl, x);
          Value frac = arith::SubFOp::create(nb, nl, x, x0);
          SmallVector<Value> weights;
          int64_t firstTap;
          if (cubic) {
            weights = cubicWeights(nb, nl, frac, a);
            firstTap = -1;
          } else {
            weights = {arith::SubFOp::create(nb, nl, f64Const(nb, nl, 1), frac),
                       frac};
            firstTap = 0;
          }
          Value sum = f64Const(nb, nl, 0), total = f64Const(nb, nl, 0);
          for (auto [k, w] : llvm::enumerate(weights)) {
            Value tap = arith::AddFOp::create(
                nb, nl, x0, f64Const(nb, nl, firstTap + int64_t(k)));
            if (excludeOutside) {
              Value out = isOutside(nb, nl, tap, m.inSize);
              w = arith::SelectOp::create(nb, nl, out, f64Const(nb, nl, 0), w);
              total = arith::AddFOp::create(nb, nl, total, w);
            }
            SmallVector<Value> index(loops);
            index[d] = toClampedIndex(nb, nl, tap, m.inSize);
            Value v = tensor::ExtractOp::create(nb, nl, source, index);
            v = convertScalar(nb, nl, v, nb.getF64Type(), false, false);
            sum = arith::AddFOp::create(nb, nl, sum,
                                        arith::MulFOp::create(nb, nl, v, w));
          }
          if (excludeOutside)
            sum = arith::DivFOp::create(nb, nl, sum, total);
          Value y = convertScalar(nb, nl, sum, t, false, false);
          if (crops)
            y = arith::SelectOp::create(nb, nl, isOutside(nb, nl, x, m.inSize),
                                        extrapolation(nb, nl, op, t), y);
          return y;
        });
  }
};

} // namespace

void mlc::lowering::populateResizePatterns(const TypeConverter &converter,
                                           RewritePatternSet &patterns) {
  patterns.add<ResizeLowering>(converter, patterns.getContext());
}
