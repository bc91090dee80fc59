//===- QuantOps.cpp - quantize, dequantize, quantized matmul --------------===//

#include "mlc/Dialect/Mlc/IR/MlcOps.h"

using namespace mlir;
using namespace mlc;
using namespace mlc::detail;

/// Checks the layout of `scale` (and of `zeroPoint`, which must match it)
/// against the input shape: per tensor, per axis or per block.
static LogicalResult checkScaleLayout(ShapeBuilder &b, ArrayRef<Dim> input,
                                      Value scale, Value zeroPoint,
                                      std::optional<int64_t> axis,
                                      std::optional<int64_t> blockSize) {
  SmallVector<Dim> s = b.dims(scale);
  if (zeroPoint) {
    SmallVector<Dim> z = b.dims(zeroPoint);
    if (z.size() != s.size() ||
        llvm::any_of(llvm::zip(z, s), [](auto pair) {
          auto [x, y] = pair;
          return x.isConstant() && y.isConstant() &&
                 x.getConstant() != y.getConstant();
        }))
      return b.emitError("zero point must have the shape of the scale");
  }
  int64_t rank = input.size();
  if (axis && (*axis < 0 || *axis >= rank))
    return b.emitError("axis ", *axis, " is out of range for rank ", rank);
  if (blockSize) {
    if (!axis)
      return b.emitError("block_size needs an axis");
    if (*blockSize < 1)
      return b.emitError("block_size must be >= 1, got ", *blockSize);
    if (static_cast<int64_t>(s.size()) != rank)
      return b.emitError("blocked scale must have the input's rank ", rank);
    for (int64_t i = 0; i < rank; ++i) {
      Dim expected = i == *axis ? b.ceilDiv(input[i], b.constant(*blockSize))
                                : input[i];
      if (s[i].isConstant() && expected.isConstant() &&
          s[i].getConstant() != expected.getConstant())
        return b.emitError("scale dimension ", i, " is ", s[i].getConstant(),
                           ", expected ", expected.getConstant());
    }
    return success();
  }
  if (s.empty() || (s.size() == 1 && s[0].isConstant(1)))
    return success();
  if (!axis || s.size() != 1)
    return b.emitError("scale must be per tensor (0-d), per axis (1-D with "
                       "an axis) or per block (with block_size)");
  if (s[0].isConstant() && input[*axis].isConstant() &&
      s[0].getConstant() != input[*axis].getConstant())
    return b.emitError("per-axis scale has ", s[0].getConstant(),
                       " values, axis ", *axis, " has size ",
                       input[*axis].getConstant());
  return success();
}

LogicalResult QuantizeOp::computeShapes(ShapeBuilder &b, Adaptor adaptor,
                                        SmallVectorImpl<ShapedResult> &results) {
  SmallVector<Dim> in = b.dims(adaptor.getInput());
  if (failed(checkScaleLayout(b, in, adaptor.getScale(),
                              adaptor.getZeroPoint(), adaptor.getAxis(),
                              adaptor.getBlockSize())))
    return failure();
  if (getElementTypeOrSelf(adaptor.getScale().getType()) !=
      getElementTypeOrSelf(adaptor.getInput().getType()))
    return b.emitError("scale must have the input's element type");
  if (Value zp = adaptor.getZeroPoint())
    if (getElementTypeOrSelf(zp.getType()) !=
        getElementTypeOrSelf(b.getResultTypes()[0]))
      return b.emitError("zero point must have the result's element type");
  results.push_back({in, Type()});
  return success();
}

LogicalResult
DequantizeOp::computeShapes(ShapeBuilder &b, Adaptor adaptor,
                            SmallVectorImpl<ShapedResult> &results) {
  SmallVector<Dim> in = b.dims(adaptor.getInput());
  if (failed(checkScaleLayout(b, in, adaptor.getScale(),
                              adaptor.getZeroPoint(), adaptor.getAxis(),
                              adaptor.getBlockSize())))
    return failure();
  if (Value zp = adaptor.getZeroPoint())
    if (getElementTypeOrSelf(zp.getType()) !=
        getElementTypeOrSelf(adaptor.getInput().getType()))
      return b.emitError("zero point must have the input's element type");
  results.push_back({in, getElementTypeOrSelf(adaptor.getScale().getType())});
  return success();
}

LogicalResult
QuantizedMatmulOp::computeShapes(ShapeBuilder &b, Adaptor adaptor,
                                 SmallVectorImpl<ShapedResult> &results) {
  SmallVector<Dim> in = b.dims(adaptor.getInput());
  SmallVector<Dim> w = b.dims(adaptor.getWeight());
  SmallVector<Dim> s = b.dims(adaptor.getScales());
  int64_t group = adaptor.getGroupSize();
  if (in.empty())
    return b.emitError("input must have rank >= 1");
  if (w.size() != 2)
    return b.emitError("weight must be [N, K], has rank ", w.size());
  if (group < 1)
    return b.emitError("group_size must be >= 1, got ", group);
  Dim n = w[0], k = w[1];
  if (k.isConstant() && in.back().isConstant() &&
      k.getConstant() != in.back().getConstant())
    return b.emitError("input has K = ", in.back().getConstant(),
                       ", weight has K = ", k.getConstant());
  if (k.isConstant() && k.getConstant() % group != 0)
    return b.emitError("K = ", k.getConstant(),
                       " is not a multiple of group_size ", group);
  Dim groups = b.floorDiv(k, b.constant(group));
  if (s.size() != 2 ||
      (s[0].isConstant() && n.isConstant() && s[0].getConstant() != n.getConstant()) ||
      (s[1].isConstant() && groups.isConstant() &&
       s[1].getConstant() != groups.getConstant()))
    return b.emitError("scales must be [N, K / group_size]");
  if (Value zp = adaptor.getZeroPoints()) {
    SmallVector<Dim> z = b.dims(zp);
    if (z.size() != 2 ||
        llvm::any_of(llvm::zip(z, s), [](auto pair) {
          auto [x, y] = pair;
          return x.isConstant() && y.isConstant() &&
                 x.getConstant() != y.getConstant();
        }))
      return b.emitError("zero points must have the shape of the scales");
    if (getElementTypeOrSelf(zp.getType()) !=
        getElementTypeOrSelf(adaptor.getWeight().getType()))
      return b.emitError("zero points must have the weight's element type");
  }
  ShapedResult result;
  result.elementType = getElementTypeOrSelf(adaptor.getInput().getType());
  result.dims.assign(in.begin(), in.end() - 1);
  result.dims.push_back(n);
  results.push_back(std::move(result));
  return success();
}
