//===- DataMovementOps.cpp - reshape, transpose, gather, ... --------------===//

#include "FoldUtils.h"
#include "mlc/Dialect/Mlc/IR/MlcOps.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlc;
using namespace mlc::detail;

static Type elementTypeOf(Value v) { return getElementTypeOrSelf(v.getType()); }

/// Checks that two sizes that must agree can; `what` names them.
static LogicalResult checkEqual(ShapeBuilder &b, Dim x, Dim y,
                                const Twine &what) {
  if (x.isConstant() && y.isConstant() && x.getConstant() != y.getConstant())
    return b.emitError(what.str(), ": ", x.getConstant(), " vs ",
                       y.getConstant());
  return success();
}

/// Checks that the element count of `dims` can equal `count`.
static LogicalResult checkElementCount(ShapeBuilder &b, ArrayRef<Dim> dims,
                                       Dim count) {
  Dim product = b.constant(1);
  for (Dim d : dims) {
    if (!d.isConstant())
      return success();
    product = b.constant(product.getConstant() * d.getConstant());
  }
  return checkEqual(b, count, product,
                    "element counts of input and result differ");
}

//===----------------------------------------------------------------------===//
// reshape
//===----------------------------------------------------------------------===//

LogicalResult ReshapeOp::computeShapes(ShapeBuilder &b, Adaptor adaptor,
                                       SmallVectorImpl<ShapedResult> &results) {
  auto resultType = cast<RankedTensorType>(b.getResultTypes()[0]);
  int64_t rank = resultType.getRank();
  Dim count = b.product(b.dims(adaptor.getInput()));
  ShapedResult result;
  if (Value shape = adaptor.getShape()) {
    auto shapeType = cast<RankedTensorType>(shape.getType());
    if (shapeType.isDynamicDim(0) || shapeType.getDimSize(0) != rank)
      return b.emitError("shape operand must have one value per result "
                         "dimension (",
                         rank, ")");
    SmallVector<Dim> values;
    int derived = 0;
    for (int64_t i = 0; i < rank; ++i) {
      values.push_back(b.element(shape, {i}));
      if (values.back().isConstant() && values.back().getConstant() < -1)
        return b.emitError("shape value ", values.back().getConstant(),
                           " is negative");
      derived += values.back().isConstant(-1);
    }
    if (derived > 1)
      return b.emitError("shape may have at most one -1");
    for (int64_t i = 0; i < rank; ++i) {
      SmallVector<Dim> others(values);
      others.erase(others.begin() + i);
      // (Computed for every dimension, used only for the -1: a zero-sized
      // other dimension must not divide by zero at run time.)
      Dim fromCount =
          b.floorDiv(count, b.max(b.product(others), b.constant(1)));
      result.dims.push_back(b.selectIf(arith::CmpIPredicate::eq, values[i],
                                       b.constant(-1), fromCount, values[i]));
    }
  } else {
    Dim known = b.constant(1);
    int dynamic = 0;
    for (int64_t size : resultType.getShape()) {
      if (ShapedType::isDynamic(size))
        ++dynamic;
      else
        known = b.constant(known.getConstant() * size);
    }
    if (dynamic > 1)
      return b.emitError("result has ", dynamic,
                         " dynamic dimensions; give a shape operand");
    if (dynamic == 1 && known.getConstant() != 0 && count.isConstant() &&
        count.getConstant() % known.getConstant() != 0)
      return b.emitError("input element count ", count.getConstant(),
                         " is not a multiple of ", known.getConstant());
    for (int64_t size : resultType.getShape())
      result.dims.push_back(ShapedType::isDynamic(size)
                                ? b.floorDiv(count,
                                             b.max(known, b.constant(1)))
                                : b.constant(size));
  }
  if (failed(checkElementCount(b, result.dims, count)))
    return failure();
  results.push_back(std::move(result));
  return success();
}

OpFoldResult ReshapeOp::fold(FoldAdaptor adaptor) {
  if (!getShape() && getInput().getType() == getType())
    return getInput();
  // reshape(reshape(x)) == reshape(x): a reshape only reads the element count.
  if (auto inner = getInput().getDefiningOp<ReshapeOp>()) {
    getInputMutable().assign(inner.getInput());
    return getResult();
  }
  if (auto dense = asDense(adaptor.getInput()))
    if (isFoldableType(getType()))
      return dense.reshape(getType());
  return {};
}

/// Whether `op` without its shape operand, typed `type`, computes its own
/// result shape (see the op descriptions).
static bool canDropShapeOperand(ReshapeOp, RankedTensorType type) {
  return llvm::count_if(type.getShape(), ShapedType::isDynamic) <= 1;
}
static bool canDropShapeOperand(ExpandOp op, RankedTensorType type) {
  auto inputType = op.getInput().getType();
  int64_t offset = type.getRank() - inputType.getRank();
  for (int64_t i = 0; i < type.getRank(); ++i)
    if (type.isDynamicDim(i) &&
        (i < offset || inputType.getDimSize(i - offset) == 1))
      return false;
  return true;
}

namespace {
/// A reshape or expand whose shape operand is a constant becomes one without
/// the operand, with a result type as static as the constant allows.
template <typename OpT>
struct FoldConstantShapeOperand : OpRewritePattern<OpT> {
  using OpRewritePattern<OpT>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpT op,
                                PatternRewriter &rewriter) const override {
    if (!op.getShape() || !matchPattern(op.getShape(), m_Constant()))
      return failure();
    ShapeBuilder b(op->getContext(), std::nullopt, op->getName().getStringRef(),
                   op->getResultTypes());
    SmallVector<ShapedResult> shapes;
    if (failed(OpT::computeShapes(b, typename OpT::Adaptor(op), shapes)))
      return failure();
    RankedTensorType oldType = op.getType();
    SmallVector<int64_t> sizes = getStaticSizes(shapes[0].dims);
    for (auto [i, size] : llvm::enumerate(sizes))
      if (ShapedType::isDynamic(size))
        size = oldType.getDimSize(i);
    auto newType = RankedTensorType::get(sizes, oldType.getElementType());
    if (!canDropShapeOperand(op, newType))
      return failure();
    Value result =
        OpT::create(rewriter, op.getLoc(), newType, op.getInput(), Value());
    if (newType != oldType)
      result = tensor::CastOp::create(rewriter, op.getLoc(), oldType, result);
    rewriter.replaceOp(op, result);
    return success();
  }
};
} // namespace

void ReshapeOp::getCanonicalizationPatterns(RewritePatternSet &patterns,
                                            MLIRContext *context) {
  patterns.add<FoldConstantShapeOperand<ReshapeOp>>(context);
}

//===----------------------------------------------------------------------===//
// transpose
//===----------------------------------------------------------------------===//

LogicalResult
TransposeOp::computeShapes(ShapeBuilder &b, Adaptor adaptor,
                           SmallVectorImpl<ShapedResult> &results) {
  SmallVector<Dim> in = b.dims(adaptor.getInput());
  ArrayRef<int64_t> perm = adaptor.getPermutation();
  if (perm.size() != in.size())
    return b.emitError("permutation has ", perm.size(),
                       " entries for an input of rank ", in.size());
  SmallVector<bool> seen(in.size(), false);
  ShapedResult result;
  result.elementType = elementTypeOf(adaptor.getInput());
  for (int64_t p : perm) {
    if (p < 0 || p >= static_cast<int64_t>(in.size()) || seen[p])
      return b.emitError("permutation [", llvm::make_range(perm.begin(), perm.end()),
                         "] is not a permutation of 0..", in.size() - 1);
    seen[p] = true;
    result.dims.push_back(in[p]);
  }
  results.push_back(std::move(result));
  return success();
}

OpFoldResult TransposeOp::fold(FoldAdaptor adaptor) {
  ArrayRef<int64_t> perm = getPermutation();
  if (llvm::equal(perm, llvm::seq<int64_t>(0, perm.size())) &&
      getInput().getType() == getType())
    return getInput();
  // transpose(transpose(x, p), q) == transpose(x, p o q).
  if (auto inner = getInput().getDefiningOp<TransposeOp>()) {
    ArrayRef<int64_t> innerPerm = inner.getPermutation();
    SmallVector<int64_t> composed =
        llvm::map_to_vector(perm, [&](int64_t p) { return innerPerm[p]; });
    getInputMutable().assign(inner.getInput());
    setPermutation(composed);
    return getResult();
  }
  auto inputType = getInput().getType();
  if (!inputType.hasStaticShape())
    return {};
  SmallVector<int64_t> inStrides = getStrides(inputType.getShape());
  return foldGather(adaptor.getInput(), getType(), [&](ArrayRef<int64_t> idx) {
    int64_t source = 0;
    for (auto [i, p] : llvm::enumerate(perm))
      source += idx[i] * inStrides[p];
    return source;
  });
}

namespace {
/// A transpose that keeps the order of the dimensions larger than 1 moves no
/// data: it is a reshape (static shapes only, where sizes are known to be 1).
struct TransposeOfUnitDimsToReshape : OpRewritePattern<TransposeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(TransposeOp op,
                                PatternRewriter &rewriter) const override {
    auto inputType = op.getInput().getType();
    if (!inputType.hasStaticShape() || !op.getType().hasStaticShape())
      return failure();
    int64_t last = -1;
    for (int64_t p : op.getPermutation()) {
      if (inputType.getDimSize(p) == 1)
        continue;
      if (p < last)
        return failure();
      last = p;
    }
    rewriter.replaceOpWithNewOp<ReshapeOp>(op, op.getType(), op.getInput(),
                                           /*shape=*/Value());
    return success();
  }
};
} // namespace

void TransposeOp::getCanonicalizationPatterns(RewritePatternSet &patterns,
                                              MLIRContext *context) {
  patterns.add<TransposeOfUnitDimsToReshape>(context);
}

//===----------------------------------------------------------------------===//
// concat, split
//===----------------------------------------------------------------------===//

LogicalResult ConcatOp::computeShapes(ShapeBuilder &b, Adaptor adaptor,
                                      SmallVectorImpl<ShapedResult> &results) {
  ValueRange inputs = adaptor.getInputs();
  if (inputs.empty())
    return b.emitError("needs at least one input");
  int64_t rank = getRank(inputs[0]);
  int64_t axis = adaptor.getAxis();
  if (axis < 0 || axis >= rank)
    return b.emitError("axis ", axis, " is out of range for rank ", rank);
  ShapedResult result;
  result.elementType = elementTypeOf(inputs[0]);
  result.dims = b.dims(inputs[0]);
  for (auto [k, input] : llvm::enumerate(inputs.drop_front())) {
    if (getRank(input) != rank)
      return b.emitError("input #", k + 1, " has rank ", getRank(input),
                         ", expected ", rank);
    if (elementTypeOf(input) != result.elementType)
      return b.emitError("input #", k + 1, " has element type ",
                         elementTypeOf(input), ", expected ",
                         result.elementType);
    SmallVector<Dim> dims = b.dims(input);
    for (int64_t i = 0; i < rank; ++i) {
      if (i == axis) {
        result.dims[i] = b.add(result.dims[i], dims[i]);
        continue;
      }
      if (failed(checkEqual(b, result.dims[i], dims[i],
                            "input #" + Twine(k + 1) + " dimension " +
                                Twine(i) + " differs")))
        return failure();
      if (!result.dims[i].isConstant())
        result.dims[i] = dims[i];
    }
  }
  results.push_back(std::move(result));
  return success();
}

OpFoldResult ConcatOp::fold(FoldAdaptor adaptor) {
  if (getInputs().size() == 1 && getInputs()[0].getType() == getType())
    return getInputs()[0];
  if (!isFoldableType(getType()))
    return {};
  SmallVector<DenseElementsAttr> inputs;
  for (Attribute a : adaptor.getInputs()) {
    DenseElementsAttr dense = asDense(a);
    if (!dense)
      return {};
    inputs.push_back(dense);
  }
  int64_t axis = getAxis();
  ArrayRef<int64_t> shape = getType().getShape();
  int64_t outer = 1;
  for (int64_t i = 0; i < axis; ++i)
    outer *= shape[i];
  SmallVector<Attribute> values;
  for (int64_t o = 0; o < outer; ++o) {
    for (DenseElementsAttr input : inputs) {
      ArrayRef<int64_t> inShape = input.getType().getShape();
      int64_t chunk = 1;
      for (size_t i = axis; i < inShape.size(); ++i)
        chunk *= inShape[i];
      auto all = input.getValues<Attribute>();
      for (int64_t j = 0; j < chunk; ++j)
        values.push_back(all[input.isSplat() ? 0 : o * chunk + j]);
    }
  }
  return DenseElementsAttr::get(getType(), values);
}

LogicalResult SplitOp::computeShapes(ShapeBuilder &b, Adaptor adaptor,
                                     SmallVectorImpl<ShapedResult> &results) {
  SmallVector<Dim> in = b.dims(adaptor.getInput());
  int64_t axis = adaptor.getAxis();
  if (axis < 0 || axis >= static_cast<int64_t>(in.size()))
    return b.emitError("axis ", axis, " is out of range for rank ", in.size());
  int64_t n = b.getResultTypes().size();
  if (n < 1)
    return b.emitError("needs at least one result");
  SmallVector<Dim> sizes;
  if (std::optional<ArrayRef<int64_t>> given = adaptor.getSizes()) {
    if (static_cast<int64_t>(given->size()) != n)
      return b.emitError("has ", n, " results but ", given->size(), " sizes");
    int64_t total = 0;
    for (int64_t s : *given) {
      if (s < 0)
        return b.emitError("sizes must be non-negative, got ", s);
      sizes.push_back(b.constant(s));
      total += s;
    }
    if (failed(checkEqual(b, in[axis], b.constant(total),
                          "sizes do not add up to the split dimension")))
      return failure();
  } else {
    Dim chunk = b.ceilDiv(in[axis], b.constant(n));
    for (int64_t i = 0; i + 1 < n; ++i)
      sizes.push_back(chunk);
    sizes.push_back(b.sub(in[axis], b.mul(chunk, b.constant(n - 1))));
    if (sizes.back().isConstant() && sizes.back().getConstant() < 0)
      return b.emitError("cannot split ", in[axis].getConstant(), " into ", n,
                         " pieces");
  }
  for (Dim size : sizes) {
    ShapedResult result{in, elementTypeOf(adaptor.getInput())};
    result.dims[axis] = size;
    results.push_back(std::move(result));
  }
  return success();
}

//===----------------------------------------------------------------------===//
// slice, pad
//===----------------------------------------------------------------------===//

/// The start and length of a slice of `size` elements, ONNX semantics.
static std::pair<Dim, Dim> normalizeSlice(ShapeBuilder &b, Dim size,
                                          int64_t start, int64_t end,
                                          int64_t step) {
  Dim zero = b.constant(0);
  auto fromEnd = [&](int64_t v) {
    return v < 0 ? b.add(size, b.constant(v)) : b.constant(v);
  };
  Dim s = fromEnd(start), e = fromEnd(end);
  if (step > 0) {
    s = b.min(b.max(s, zero), size);
    e = b.min(b.max(e, zero), size);
    return {s, b.max(b.ceilDiv(b.sub(e, s), b.constant(step)), zero)};
  }
  Dim last = b.sub(size, b.constant(1));
  s = b.min(b.max(s, zero), last);
  e = b.min(b.max(e, b.constant(-1)), last);
  return {s, b.max(b.ceilDiv(b.sub(s, e), b.constant(-step)), zero)};
}

LogicalResult mlc::getSliceAxes(ShapeBuilder &b, SliceOp::Adaptor adaptor,
                                SmallVectorImpl<SliceAxis> &result) {
  SmallVector<Dim> dims = b.dims(adaptor.getInput());
  ArrayRef<int64_t> axes = adaptor.getAxes(), starts = adaptor.getStarts(),
                    ends = adaptor.getEnds();
  SmallVector<int64_t> steps(axes.size(), 1);
  if (std::optional<ArrayRef<int64_t>> given = adaptor.getSteps())
    steps.assign(given->begin(), given->end());
  if (starts.size() != axes.size() || ends.size() != axes.size() ||
      steps.size() != axes.size())
    return b.emitError("axes, starts, ends and steps must have equal lengths");
  if (failed(checkAxes(b, "axis", axes, dims.size(), /*sortedUnique=*/false)))
    return failure();
  SmallVector<bool> seen(dims.size(), false);
  for (auto [axis, start, end, step] : llvm::zip(axes, starts, ends, steps)) {
    if (seen[axis])
      return b.emitError("axis ", axis, " is sliced twice");
    seen[axis] = true;
    if (step == 0 || step == INT64_MIN)
      return b.emitError("step must be non-zero and greater than INT64_MIN");
    auto [s, length] = normalizeSlice(b, dims[axis], start, end, step);
    result.push_back({axis, s, length, step});
  }
  return success();
}

LogicalResult SliceOp::computeShapes(ShapeBuilder &b, Adaptor adaptor,
                                     SmallVectorImpl<ShapedResult> &results) {
  ShapedResult result;
  result.elementType = elementTypeOf(adaptor.getInput());
  result.dims = b.dims(adaptor.getInput());
  SmallVector<SliceAxis> axes;
  if (failed(getSliceAxes(b, adaptor, axes)))
    return failure();
  for (const SliceAxis &a : axes)
    result.dims[a.axis] = a.length;
  results.push_back(std::move(result));
  return success();
}

OpFoldResult SliceOp::fold(FoldAdaptor adaptor) {
  auto inputType = getInput().getType();
  if (!inputType.hasStaticShape())
    return {};
  bool unitSteps = !getSteps() || llvm::all_of(*getSteps(), [](int64_t s) {
    return s == 1;
  });
  if (unitSteps && inputType == getType())
    return getInput();
  if (!adaptor.getInput())
    return {};
  ShapeBuilder b(getContext(), std::nullopt, getOperationName());
  SmallVector<SliceAxis> axes;
  if (failed(getSliceAxes(b, Adaptor(*this), axes)))
    return {};
  SmallVector<int64_t> starts(inputType.getRank(), 0);
  SmallVector<int64_t> steps(inputType.getRank(), 1);
  for (const SliceAxis &a : axes) {
    starts[a.axis] = a.start.getConstant();
    steps[a.axis] = a.step;
  }
  SmallVector<int64_t> inStrides = getStrides(inputType.getShape());
  return foldGather(adaptor.getInput(), getType(), [&](ArrayRef<int64_t> idx) {
    int64_t source = 0;
    for (size_t i = 0; i < idx.size(); ++i)
      source += (starts[i] + idx[i] * steps[i]) * inStrides[i];
    return source;
  });
}

LogicalResult PadOp::computeShapes(ShapeBuilder &b, Adaptor adaptor,
                                   SmallVectorImpl<ShapedResult> &results) {
  SmallVector<Dim> in = b.dims(adaptor.getInput());
  ArrayRef<int64_t> padding = adaptor.getPadding();
  if (padding.size() != 2 * in.size())
    return b.emitError("padding must have 2 x rank = ", 2 * in.size(),
                       " values, has ", padding.size());
  ShapedResult result;
  result.elementType = elementTypeOf(adaptor.getInput());
  for (auto [i, d] : llvm::enumerate(in)) {
    int64_t before = padding[i], after = padding[i + in.size()];
    if (before < 0 || after < 0)
      return b.emitError("padding must be non-negative");
    result.dims.push_back(b.add(d, b.constant(before + after)));
  }
  results.push_back(std::move(result));
  return success();
}

LogicalResult PadOp::verifyExtra() {
  Type elementType = getType().getElementType();
  if (TypedAttr value = getValueAttr()) {
    if (getMode() != PadMode::constant)
      return emitOpError("a padding value needs mode constant");
    if (value.getType() != elementType || !isa<FloatAttr, IntegerAttr>(value))
      return emitOpError("padding value must be a scalar of type ")
             << elementType;
  }
  if (getMode() == PadMode::reflect || getMode() == PadMode::wrap) {
    ArrayRef<int64_t> padding = getPadding();
    auto inputType = getInput().getType();
    for (int64_t i = 0, e = inputType.getRank(); i < e; ++i) {
      if (inputType.isDynamicDim(i))
        continue;
      int64_t size = inputType.getDimSize(i);
      int64_t limit = getMode() == PadMode::reflect ? size - 1 : size;
      if (padding[i] > limit || padding[i + e] > limit)
        return emitOpError("padding of dimension ")
               << i << " exceeds what mode " << stringifyPadMode(getMode())
               << " allows (" << limit << ")";
    }
  }
  return success();
}

//===----------------------------------------------------------------------===//
// expand, squeeze, unsqueeze
//===----------------------------------------------------------------------===//

LogicalResult ExpandOp::computeShapes(ShapeBuilder &b, Adaptor adaptor,
                                      SmallVectorImpl<ShapedResult> &results) {
  auto resultType = cast<RankedTensorType>(b.getResultTypes()[0]);
  int64_t rank = resultType.getRank();
  SmallVector<Dim> in = b.dims(adaptor.getInput());
  int64_t inRank = in.size();
  if (inRank > rank)
    return b.emitError("input rank ", inRank, " exceeds result rank ", rank);
  ShapedResult result;
  Value shape = adaptor.getShape();
  int64_t shapeRank = 0;
  if (shape) {
    auto shapeType = cast<RankedTensorType>(shape.getType());
    shapeRank = shapeType.getDimSize(0);
    if (shapeType.isDynamicDim(0) || std::max(inRank, shapeRank) != rank)
      return b.emitError("result rank must be the larger of the input rank "
                         "and the shape length");
  }
  for (int64_t i = 0; i < rank; ++i) {
    int64_t j = i - (rank - inRank);
    Dim from = j >= 0 ? in[j] : b.constant(1);
    Dim target;
    if (shape) {
      int64_t k = i - (rank - shapeRank);
      target = k >= 0 ? b.element(shape, {k}) : b.constant(1);
    } else if (!resultType.isDynamicDim(i)) {
      target = b.constant(resultType.getDimSize(i));
    } else if (j < 0) {
      return b.emitError("result dimension ", i,
                         " is dynamic and not given by the input; give a "
                         "shape operand");
    } else {
      target = from;
    }
    std::optional<Dim> merged = b.broadcast(from, target);
    if (!merged)
      return b.emitError("input dimension ", j, " (", from.getConstant(),
                         ") cannot broadcast to ", target.getConstant());
    result.dims.push_back(*merged);
  }
  results.push_back(std::move(result));
  return success();
}

OpFoldResult ExpandOp::fold(FoldAdaptor adaptor) {
  if (!getShape() && getInput().getType() == getType())
    return getInput();
  if (auto dense = asDense(adaptor.getInput()))
    if (dense.isSplat() && getType().hasStaticShape())
      return dense.resizeSplat(getType());
  return {};
}

void ExpandOp::getCanonicalizationPatterns(RewritePatternSet &patterns,
                                           MLIRContext *context) {
  patterns.add<FoldConstantShapeOperand<ExpandOp>>(context);
}

LogicalResult SqueezeOp::computeShapes(ShapeBuilder &b, Adaptor adaptor,
                                       SmallVectorImpl<ShapedResult> &results) {
  SmallVector<Dim> in = b.dims(adaptor.getInput());
  ArrayRef<int64_t> axes = adaptor.getAxes();
  if (failed(checkAxes(b, "axis", axes, in.size(), /*sortedUnique=*/true)))
    return failure();
  ShapedResult result;
  result.elementType = elementTypeOf(adaptor.getInput());
  for (auto [i, d] : llvm::enumerate(in)) {
    if (!llvm::is_contained(axes, static_cast<int64_t>(i))) {
      result.dims.push_back(d);
      continue;
    }
    if (d.isConstant() && d.getConstant() != 1)
      return b.emitError("cannot squeeze dimension ", i, " of size ",
                         d.getConstant());
  }
  results.push_back(std::move(result));
  return success();
}

/// Folds ops that only change the shape of a constant.
static OpFoldResult foldReshapeOfConstant(Attribute input, Type resultType) {
  if (auto dense = asDense(input))
    if (isFoldableType(resultType))
      return dense.reshape(cast<ShapedType>(resultType));
  return {};
}

OpFoldResult SqueezeOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  return foldReshapeOfConstant(adaptor.getInput(), getType());
}

LogicalResult
UnsqueezeOp::computeShapes(ShapeBuilder &b, Adaptor adaptor,
                           SmallVectorImpl<ShapedResult> &results) {
  SmallVector<Dim> in = b.dims(adaptor.getInput());
  ArrayRef<int64_t> axes = adaptor.getAxes();
  int64_t rank = in.size() + axes.size();
  if (failed(checkAxes(b, "axis", axes, rank, /*sortedUnique=*/true)))
    return failure();
  ShapedResult result;
  result.elementType = elementTypeOf(adaptor.getInput());
  auto next = in.begin();
  for (int64_t i = 0; i < rank; ++i)
    result.dims.push_back(llvm::is_contained(axes, i) ? b.constant(1)
                                                      : *next++);
  results.push_back(std::move(result));
  return success();
}

OpFoldResult UnsqueezeOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  return foldReshapeOfConstant(adaptor.getInput(), getType());
}

//===----------------------------------------------------------------------===//
// gather, gather_elements, update_slice
//===----------------------------------------------------------------------===//

LogicalResult GatherOp::computeShapes(ShapeBuilder &b, Adaptor adaptor,
                                      SmallVectorImpl<ShapedResult> &results) {
  SmallVector<Dim> in = b.dims(adaptor.getInput());
  int64_t axis = adaptor.getAxis();
  if (axis < 0 || axis >= static_cast<int64_t>(in.size()))
    return b.emitError("axis ", axis, " is out of range for rank ", in.size());
  ShapedResult result;
  result.elementType = elementTypeOf(adaptor.getInput());
  result.dims.append(in.begin(), in.begin() + axis);
  result.dims.append(b.dims(adaptor.getIndices()));
  result.dims.append(in.begin() + axis + 1, in.end());
  results.push_back(std::move(result));
  return success();
}

OpFoldResult GatherOp::fold(FoldAdaptor adaptor) {
  auto indices = dyn_cast_if_present<DenseIntElementsAttr>(adaptor.getIndices());
  if (!indices || !isFoldableType(getType()))
    return {};
  auto inputType = getInput().getType();
  int64_t axis = getAxis();
  // Dimensions picked out of a shape: shape_of(x)[i] for static dims of x.
  if (auto shapeOf = getInput().getDefiningOp<ShapeOfOp>()) {
    auto sourceType = shapeOf.getInput().getType();
    SmallVector<APInt> sizes;
    for (APInt index : indices.getValues<APInt>()) {
      int64_t i = index.getSExtValue();
      if (i < 0)
        i += sourceType.getRank();
      if (i < 0 || i >= sourceType.getRank() || sourceType.isDynamicDim(i))
        return {};
      sizes.push_back(APInt(64, sourceType.getDimSize(i)));
    }
    return DenseElementsAttr::get(getType(), sizes);
  }
  if (!inputType.hasStaticShape())
    return {};
  ArrayRef<int64_t> inShape = inputType.getShape();
  SmallVector<int64_t> inStrides = getStrides(inShape);
  SmallVector<int64_t> values = llvm::map_to_vector(
      indices.getValues<APInt>(), [](APInt v) { return v.getSExtValue(); });
  SmallVector<int64_t> idxStrides =
      getStrides(cast<ShapedType>(indices.getType()).getShape());
  int64_t idxRank = idxStrides.size();
  return foldGather(adaptor.getInput(), getType(), [&](ArrayRef<int64_t> idx) {
    int64_t source = 0;
    for (int64_t i = 0; i < axis; ++i)
      source += idx[i] * inStrides[i];
    int64_t linear = 0;
    for (int64_t i = 0; i < idxRank; ++i)
      linear += idx[axis + i] * idxStrides[i];
    int64_t picked = values[linear];
    if (picked < 0)
      picked += inShape[axis];
    if (picked < 0 || picked >= inShape[axis])
      return int64_t(-1);
    source += picked * inStrides[axis];
    for (int64_t i = axis + 1; i < inputType.getRank(); ++i)
      source += idx[i + idxRank - 1] * inStrides[i];
    return source;
  });
}

LogicalResult
GatherElementsOp::computeShapes(ShapeBuilder &b, Adaptor adaptor,
                                SmallVectorImpl<ShapedResult> &results) {
  SmallVector<Dim> in = b.dims(adaptor.getInput());
  SmallVector<Dim> idx = b.dims(adaptor.getIndices());
  int64_t axis = adaptor.getAxis();
  if (idx.size() != in.size())
    return b.emitError("indices must have the input's rank ", in.size(),
                       ", has ", idx.size());
  if (axis < 0 || axis >= static_cast<int64_t>(in.size()))
    return b.emitError("axis ", axis, " is out of range for rank ", in.size());
  for (size_t i = 0; i < in.size(); ++i)
    if (static_cast<int64_t>(i) != axis && idx[i].isConstant() &&
        in[i].isConstant() && idx[i].getConstant() > in[i].getConstant())
      return b.emitError("indices dimension ", i, " (", idx[i].getConstant(),
                         ") exceeds the input's (", in[i].getConstant(), ")");
  results.push_back({idx, elementTypeOf(adaptor.getInput())});
  return success();
}

LogicalResult
UpdateSliceOp::computeShapes(ShapeBuilder &b, Adaptor adaptor,
                             SmallVectorImpl<ShapedResult> &results) {
  SmallVector<Dim> dest = b.dims(adaptor.getDest());
  SmallVector<Dim> update = b.dims(adaptor.getUpdate());
  int64_t axis = adaptor.getAxis();
  if (update.size() != dest.size())
    return b.emitError("update must have the rank of dest (", dest.size(),
                       "), has ", update.size());
  if (axis < 0 || axis >= static_cast<int64_t>(dest.size()))
    return b.emitError("axis ", axis, " is out of range for rank ",
                       dest.size());
  for (size_t i = 0; i < dest.size(); ++i) {
    if (static_cast<int64_t>(i) == axis) {
      if (update[i].isConstant() && dest[i].isConstant() &&
          update[i].getConstant() > dest[i].getConstant())
        return b.emitError("update is longer along axis ", axis, " (",
                           update[i].getConstant(), ") than dest (",
                           dest[i].getConstant(), ")");
    } else if (failed(checkEqual(b, update[i], dest[i],
                                 "update and dest dimension " + Twine(i) +
                                     " differ"))) {
      return failure();
    }
  }
  return sameShapeAs(b, adaptor.getDest(), results);
}

//===----------------------------------------------------------------------===//
// shape_of, range
//===----------------------------------------------------------------------===//

LogicalResult ShapeOfOp::computeShapes(ShapeBuilder &b, Adaptor adaptor,
                                       SmallVectorImpl<ShapedResult> &results) {
  results.push_back({{b.constant(getRank(adaptor.getInput()))},
                     IntegerType::get(b.getContext(), 64)});
  return success();
}

OpFoldResult ShapeOfOp::fold(FoldAdaptor) {
  auto inputType = getInput().getType();
  if (!inputType.hasStaticShape())
    return {};
  SmallVector<APInt> sizes = llvm::map_to_vector(
      inputType.getShape(), [](int64_t s) { return APInt(64, s); });
  return DenseElementsAttr::get(getType(), sizes);
}

/// The constant value of a 0-d tensor as a double, if it is constant.
static std::optional<double> getScalar(Value v) {
  DenseElementsAttr attr;
  if (!matchPattern(v, m_Constant(&attr)))
    return std::nullopt;
  Attribute scalar = attr.getValues<Attribute>()[0];
  if (auto f = dyn_cast<FloatAttr>(scalar))
    return f.getValueAsDouble();
  auto i = cast<IntegerAttr>(scalar);
  return i.getType().isUnsignedInteger()
             ? static_cast<double>(i.getValue().getZExtValue())
             : static_cast<double>(i.getValue().getSExtValue());
}

LogicalResult RangeOp::computeShapes(ShapeBuilder &b, Adaptor adaptor,
                                     SmallVectorImpl<ShapedResult> &results) {
  Type elementType = elementTypeOf(adaptor.getStart());
  std::optional<double> start = getScalar(adaptor.getStart());
  std::optional<double> limit = getScalar(adaptor.getLimit());
  std::optional<double> delta = getScalar(adaptor.getDelta());
  if (delta && *delta == 0)
    return b.emitError("delta must not be 0");
  Dim length;
  if (start && limit && delta) {
    double count = std::ceil((*limit - *start) / *delta);
    if (!(count < static_cast<double>(1LL << 53)))
      return b.emitError("has too many elements (", count, ")");
    length = b.constant(std::max<int64_t>(static_cast<int64_t>(count), 0));
  } else if (b.isReifying()) {
    // ceil((limit - start) / delta), clamped at 0, computed at run time.
    OpBuilder &builder = b.getBuilder();
    Location loc = b.getLoc();
    auto scalar = [&](Value t) {
      return tensor::ExtractOp::create(builder, loc, t, ValueRange());
    };
    Value lo = scalar(adaptor.getStart()), hi = scalar(adaptor.getLimit()),
          step = scalar(adaptor.getDelta());
    Value count;
    Type index = builder.getIndexType();
    if (isa<FloatType>(elementType)) {
      Value span = arith::SubFOp::create(builder, loc, hi, lo);
      Value quotient = arith::DivFOp::create(builder, loc, span, step);
      Value truncated = arith::FPToSIOp::create(builder, loc,
                                                builder.getI64Type(), quotient);
      Value back = arith::SIToFPOp::create(builder, loc, elementType, truncated);
      Value below = arith::CmpFOp::create(builder, loc,
                                          arith::CmpFPredicate::OLT, back,
                                          quotient);
      Value one = arith::ConstantIntOp::create(builder, loc, 1, 64);
      Value up = arith::AddIOp::create(builder, loc, truncated, one);
      Value ceil = arith::SelectOp::create(builder, loc, below, up, truncated);
      count = arith::IndexCastOp::create(builder, loc, index, ceil);
    } else {
      auto toIndex = [&](Value v) -> Value {
        if (elementType.isUnsignedInteger())
          return arith::IndexCastUIOp::create(builder, loc, index, v);
        return arith::IndexCastOp::create(builder, loc, index, v);
      };
      Value span = arith::SubIOp::create(builder, loc, toIndex(hi), toIndex(lo));
      count = arith::CeilDivSIOp::create(builder, loc, span, toIndex(step));
    }
    length = b.max(Dim::value(count), b.constant(0));
  }
  results.push_back({{length}, elementType});
  return success();
}

OpFoldResult RangeOp::fold(FoldAdaptor adaptor) {
  auto type = getType();
  if (!isFoldableType(type))
    return {};
  auto start = asDense(adaptor.getStart()), delta = asDense(adaptor.getDelta());
  if (!start || !delta || !adaptor.getLimit())
    return {};
  Attribute first = start.getValues<Attribute>()[0];
  Attribute step = delta.getValues<Attribute>()[0];
  SmallVector<Attribute> values;
  for (int64_t i = 0, e = type.getNumElements(); i < e; ++i) {
    if (auto f = dyn_cast<FloatAttr>(first)) {
      APFloat v = f.getValue(), d = cast<FloatAttr>(step).getValue();
      APFloat n(v.getSemantics(), i);
      n.multiply(d, APFloat::rmNearestTiesToEven);
      v.add(n, APFloat::rmNearestTiesToEven);
      values.push_back(FloatAttr::get(f.getType(), v));
    } else {
      auto s = cast<IntegerAttr>(first);
      APInt v = s.getValue() +
                cast<IntegerAttr>(step).getValue() *
                    APInt(s.getValue().getBitWidth(), i);
      values.push_back(IntegerAttr::get(s.getType(), v));
    }
  }
  return DenseElementsAttr::get(type, values);
}

/// Checks that the 1-D `v` has `length` elements if its length is static.
static LogicalResult checkLength(ShapeBuilder &b, StringRef name, Value v,
                                 int64_t length) {
  int64_t size = cast<RankedTensorType>(v.getType()).getDimSize(0);
  if (!ShapedType::isDynamic(size) && size != length)
    return b.emitError(name, " must have ", length, " elements, has ", size);
  return success();
}

LogicalResult ResizeOp::computeShapes(ShapeBuilder &b, Adaptor adaptor,
                                      SmallVectorImpl<ShapedResult> &results) {
  int64_t rank = getRank(adaptor.getInput());
  if (failed(checkLength(b, "sizes", adaptor.getSizes(), rank)))
    return failure();
  if (Value scales = adaptor.getScales())
    if (failed(checkLength(b, "scales", scales, rank)))
      return failure();
  if (Value roi = adaptor.getRoi())
    if (failed(checkLength(b, "roi", roi, 2 * rank)))
      return failure();
  ShapedResult result;
  result.elementType = elementTypeOf(adaptor.getInput());
  for (int64_t i = 0; i < rank; ++i) {
    Dim size = b.element(adaptor.getSizes(), {i});
    if (size.isConstant() && size.getConstant() < 0)
      return b.emitError("sizes must be non-negative, size ", i, " is ",
                         size.getConstant());
    result.dims.push_back(size);
  }
  results.push_back(std::move(result));
  return success();
}

LogicalResult ResizeOp::verifyExtra() {
  if (getMode() != InterpolationMode::nearest &&
      !isa<FloatType>(getType().getElementType()))
    return emitOpError("linear and cubic interpolation need a floating-point "
                       "input");
  bool crops =
      getCoordinateTransform() == CoordinateTransform::tf_crop_and_resize;
  if (crops != static_cast<bool>(getRoi()))
    return emitOpError("roi is needed by, and only by, tf_crop_and_resize");
  return success();
}
