//===- ReductionOps.cpp - reductions, normalization, pooling --------------===//

#include "mlc/Dialect/Mlc/IR/MlcOps.h"

using namespace mlir;
using namespace mlc;
using namespace mlc::detail;

LogicalResult ReduceOp::computeShapes(ShapeBuilder &b, Adaptor adaptor,
                                      SmallVectorImpl<ShapedResult> &results) {
  SmallVector<Dim> in = b.dims(adaptor.getInput());
  ArrayRef<int64_t> axes = adaptor.getAxes();
  if (axes.empty())
    return b.emitError("needs at least one axis");
  if (failed(checkAxes(b, "axis", axes, in.size(), /*sortedUnique=*/true)))
    return failure();
  ShapedResult result;
  result.elementType = getElementTypeOrSelf(adaptor.getInput().getType());
  for (auto [i, d] : llvm::enumerate(in)) {
    if (!llvm::is_contained(axes, static_cast<int64_t>(i)))
      result.dims.push_back(d);
    else if (adaptor.getKeepdims())
      result.dims.push_back(b.constant(1));
  }
  results.push_back(std::move(result));
  return success();
}

/// The shape of `input` without `axis`, or with it as size 1.
static LogicalResult reduceOneAxis(ShapeBuilder &b, Value input, int64_t axis,
                                   bool keepdims, Type elementType,
                                   SmallVectorImpl<ShapedResult> &results) {
  SmallVector<Dim> in = b.dims(input);
  if (failed(checkAxes(b, "axis", {axis}, in.size(), /*sortedUnique=*/true)))
    return failure();
  ShapedResult result;
  result.elementType = elementType;
  for (auto [i, d] : llvm::enumerate(in)) {
    if (static_cast<int64_t>(i) != axis)
      result.dims.push_back(d);
    else if (keepdims)
      result.dims.push_back(b.constant(1));
  }
  results.push_back(std::move(result));
  return success();
}

LogicalResult ArgmaxOp::computeShapes(ShapeBuilder &b, Adaptor adaptor,
                                      SmallVectorImpl<ShapedResult> &results) {
  return reduceOneAxis(b, adaptor.getInput(), adaptor.getAxis(),
                       adaptor.getKeepdims(),
                       IntegerType::get(b.getContext(), 64), results);
}

LogicalResult ArgminOp::computeShapes(ShapeBuilder &b, Adaptor adaptor,
                                      SmallVectorImpl<ShapedResult> &results) {
  return reduceOneAxis(b, adaptor.getInput(), adaptor.getAxis(),
                       adaptor.getKeepdims(),
                       IntegerType::get(b.getContext(), 64), results);
}

static LogicalResult verifyAxisInRange(Operation *op, int64_t axis,
                                       int64_t rank) {
  if (axis < 0 || axis >= rank)
    return op->emitOpError("axis ") << axis << " is out of range for rank "
                                    << rank;
  return success();
}

LogicalResult SoftmaxOp::verifyExtra() {
  return verifyAxisInRange(*this, getAxis(), getType().getRank());
}

LogicalResult LogSoftmaxOp::verifyExtra() {
  return verifyAxisInRange(*this, getAxis(), getType().getRank());
}

LogicalResult CumsumOp::verifyExtra() {
  return verifyAxisInRange(*this, getAxis(), getType().getRank());
}

/// Checks that `param` ([..] of the trailing dims from `axis`) broadcasts
/// onto those dims of `input`.
static LogicalResult checkTrailingParam(ShapeBuilder &b, StringRef name,
                                        Value param, ArrayRef<Dim> input,
                                        int64_t axis) {
  SmallVector<Dim> dims = b.dims(param);
  int64_t expected = static_cast<int64_t>(input.size()) - axis;
  if (static_cast<int64_t>(dims.size()) != expected)
    return b.emitError(name, " must have rank ", expected, ", has ",
                       dims.size());
  for (auto [i, d] : llvm::enumerate(dims)) {
    Dim x = input[axis + i];
    if (d.isConstant() && x.isConstant() && !d.isConstant(1) &&
        d.getConstant() != x.getConstant())
      return b.emitError(name, " dimension ", i, " is ", d.getConstant(),
                         ", expected ", x.getConstant(), " or 1");
  }
  return success();
}

LogicalResult
LayerNormOp::computeShapes(ShapeBuilder &b, Adaptor adaptor,
                           SmallVectorImpl<ShapedResult> &results) {
  SmallVector<Dim> in = b.dims(adaptor.getInput());
  int64_t axis = adaptor.getAxis();
  if (axis < 0 || axis >= static_cast<int64_t>(in.size()))
    return b.emitError("axis ", axis, " is out of range for rank ", in.size());
  if (failed(checkTrailingParam(b, "scale", adaptor.getScale(), in, axis)))
    return failure();
  if (Value bias = adaptor.getBias()) {
    if (getElementTypeOrSelf(bias.getType()) !=
        getElementTypeOrSelf(adaptor.getInput().getType()))
      return b.emitError("bias element type differs from the input's");
    if (failed(checkTrailingParam(b, "bias", bias, in, axis)))
      return failure();
  }
  return sameShapeAs(b, adaptor.getInput(), results);
}

LogicalResult RmsNormOp::computeShapes(ShapeBuilder &b, Adaptor adaptor,
                                       SmallVectorImpl<ShapedResult> &results) {
  SmallVector<Dim> in = b.dims(adaptor.getInput());
  if (in.empty())
    return b.emitError("input must have rank >= 1");
  SmallVector<Dim> weight = b.dims(adaptor.getWeight());
  if (weight.size() != 1)
    return b.emitError("weight must be 1-D, has rank ", weight.size());
  if (weight[0].isConstant() && in.back().isConstant() &&
      weight[0].getConstant() != in.back().getConstant())
    return b.emitError("weight has ", weight[0].getConstant(),
                       " elements, the normalized dimension ",
                       in.back().getConstant());
  return sameShapeAs(b, adaptor.getInput(), results);
}

LogicalResult Pool2dOp::computeShapes(ShapeBuilder &b, Adaptor adaptor,
                                      SmallVectorImpl<ShapedResult> &results) {
  SmallVector<Dim> in = b.dims(adaptor.getInput());
  if (in.size() != 4)
    return b.emitError("input must have rank 4, has ", in.size());
  ArrayRef<int64_t> kernel = adaptor.getKernel();
  if (kernel.size() != 2 || kernel[0] < 1 || kernel[1] < 1)
    return b.emitError("kernel must be two sizes >= 1");
  FailureOr<Window> window = getWindow(b, adaptor.getStrides(),
                                       adaptor.getDilations(),
                                       adaptor.getPadding());
  if (failed(window))
    return failure();
  for (int i = 0; i < 2; ++i)
    if (window->padding[i] >= kernel[i] * window->dilations[i] ||
        window->padding[i + 2] >= kernel[i] * window->dilations[i])
      return b.emitError("padding must be smaller than the window");
  bool nchw = adaptor.getLayout() == Layout::nchw;
  Dim h = nchw ? in[2] : in[1], w = nchw ? in[3] : in[2];
  Dim oh = getWindowOutputSize(b, *window, 0, h, b.constant(kernel[0]),
                               adaptor.getCeilMode());
  Dim ow = getWindowOutputSize(b, *window, 1, w, b.constant(kernel[1]),
                               adaptor.getCeilMode());
  for (Dim d : {oh, ow})
    if (d.isConstant() && d.getConstant() < 1)
      return b.emitError("window does not fit the input: output size ",
                         d.getConstant());
  SmallVector<Dim> dims = nchw ? SmallVector<Dim>{in[0], in[1], oh, ow}
                               : SmallVector<Dim>{in[0], oh, ow, in[3]};
  results.push_back(
      {dims, getElementTypeOrSelf(adaptor.getInput().getType())});
  return success();
}
