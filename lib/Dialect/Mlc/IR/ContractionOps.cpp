//===- ContractionOps.cpp - matmul, gemm, convolution ---------------------===//

#include "mlc/Dialect/Mlc/IR/MlcOps.h"

using namespace mlir;
using namespace mlc;
using namespace mlc::detail;

/// Checks that two contraction sizes can be equal.
static LogicalResult checkSameSize(ShapeBuilder &b, StringRef what, Dim a,
                                   Dim c) {
  if (a.isConstant() && c.isConstant() && a.getConstant() != c.getConstant())
    return b.emitError(what, " differ: ", a.getConstant(), " vs ",
                       c.getConstant());
  return success();
}

LogicalResult MatmulOp::computeShapes(ShapeBuilder &b, Adaptor adaptor,
                                      SmallVectorImpl<ShapedResult> &results) {
  SmallVector<Dim> lhs = b.dims(adaptor.getLhs());
  SmallVector<Dim> rhs = b.dims(adaptor.getRhs());
  if (lhs.size() < 2 || rhs.size() < 2)
    return b.emitError("operands must have rank >= 2, got ", lhs.size(),
                       " and ", rhs.size());
  if (adaptor.getTransposeLhs())
    std::swap(lhs[lhs.size() - 2], lhs[lhs.size() - 1]);
  if (adaptor.getTransposeRhs())
    std::swap(rhs[rhs.size() - 2], rhs[rhs.size() - 1]);
  if (failed(checkSameSize(b, "contraction sizes (K) of lhs and rhs",
                           lhs.back(), rhs[rhs.size() - 2])))
    return failure();
  SmallVector<SmallVector<Dim>> batches = {
      SmallVector<Dim>(ArrayRef(lhs).drop_back(2)),
      SmallVector<Dim>(ArrayRef(rhs).drop_back(2))};
  ShapedResult result;
  result.elementType = getElementTypeOrSelf(adaptor.getLhs().getType());
  if (failed(broadcastDims(b, batches, result.dims)))
    return failure();
  result.dims.push_back(lhs[lhs.size() - 2]);
  result.dims.push_back(rhs.back());
  results.push_back(std::move(result));
  return success();
}

LogicalResult GemmOp::computeShapes(ShapeBuilder &b, Adaptor adaptor,
                                    SmallVectorImpl<ShapedResult> &results) {
  SmallVector<Dim> lhs = b.dims(adaptor.getLhs());
  SmallVector<Dim> rhs = b.dims(adaptor.getRhs());
  if (lhs.size() != 2 || rhs.size() != 2)
    return b.emitError("operands must be matrices, got ranks ", lhs.size(),
                       " and ", rhs.size());
  if (adaptor.getTransposeLhs())
    std::swap(lhs[0], lhs[1]);
  if (adaptor.getTransposeRhs())
    std::swap(rhs[0], rhs[1]);
  if (failed(checkSameSize(b, "contraction sizes (K) of lhs and rhs", lhs[1],
                           rhs[0])))
    return failure();
  SmallVector<Dim> dims = {lhs[0], rhs[1]};
  if (Value bias = adaptor.getBias()) {
    SmallVector<Dim> biasDims = b.dims(bias);
    if (biasDims.size() > 2)
      return b.emitError("bias must have rank <= 2, got ", biasDims.size());
    size_t offset = 2 - biasDims.size();
    for (auto [i, d] : llvm::enumerate(biasDims))
      if (!d.isConstant(1) &&
          failed(checkSameSize(b, "bias and result sizes", d, dims[offset + i])))
        return failure();
    if (getElementTypeOrSelf(bias.getType()) !=
        getElementTypeOrSelf(adaptor.getLhs().getType()))
      return b.emitError("bias element type differs from the operands'");
  }
  results.push_back(
      {dims, getElementTypeOrSelf(adaptor.getLhs().getType())});
  return success();
}

LogicalResult Conv2dOp::computeShapes(ShapeBuilder &b, Adaptor adaptor,
                                      SmallVectorImpl<ShapedResult> &results) {
  SmallVector<Dim> in = b.dims(adaptor.getInput());
  SmallVector<Dim> filter = b.dims(adaptor.getFilter());
  if (in.size() != 4 || filter.size() != 4)
    return b.emitError("input and filter must have rank 4, got ", in.size(),
                       " and ", filter.size());
  bool nchw = adaptor.getLayout() == Layout::nchw;
  Dim n = in[0], c = nchw ? in[1] : in[3];
  Dim h = nchw ? in[2] : in[1], w = nchw ? in[3] : in[2];
  Dim f = nchw ? filter[0] : filter[3], cg = nchw ? filter[1] : filter[2];
  Dim kh = nchw ? filter[2] : filter[0], kw = nchw ? filter[3] : filter[1];
  int64_t groups = adaptor.getGroups();
  if (groups < 1)
    return b.emitError("groups must be >= 1, got ", groups);
  if (c.isConstant() && cg.isConstant() &&
      c.getConstant() != cg.getConstant() * groups)
    return b.emitError("input has ", c.getConstant(),
                       " channels, filter expects ", cg.getConstant(), " x ",
                       groups, " groups");
  if (f.isConstant() && f.getConstant() % groups != 0)
    return b.emitError("filter count ", f.getConstant(),
                       " is not a multiple of groups ", groups);
  if (Value bias = adaptor.getBias()) {
    SmallVector<Dim> biasDims = b.dims(bias);
    if (biasDims.size() != 1 ||
        (biasDims[0].isConstant() && f.isConstant() &&
         biasDims[0].getConstant() != f.getConstant()))
      return b.emitError("bias must be 1-D with one value per filter");
  }
  FailureOr<Window> window = getWindow(b, adaptor.getStrides(),
                                       adaptor.getDilations(),
                                       adaptor.getPadding());
  if (failed(window))
    return failure();
  Dim oh = getWindowOutputSize(b, *window, 0, h, kh, /*ceilMode=*/false);
  Dim ow = getWindowOutputSize(b, *window, 1, w, kw, /*ceilMode=*/false);
  for (Dim d : {oh, ow})
    if (d.isConstant() && d.getConstant() < 1)
      return b.emitError("window does not fit the input: output size ",
                         d.getConstant());
  SmallVector<Dim> dims = nchw ? SmallVector<Dim>{n, f, oh, ow}
                               : SmallVector<Dim>{n, oh, ow, f};
  results.push_back(
      {dims, getElementTypeOrSelf(adaptor.getInput().getType())});
  return success();
}
