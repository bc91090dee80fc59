//===- TransformerOps.cpp - rotary embedding, attention, SwiGLU -----------===//

#include "mlc/Dialect/Mlc/IR/MlcOps.h"

using namespace mlir;
using namespace mlc;
using namespace mlc::detail;

/// Checks that sizes `x` and `y` (named by `what`) can be equal.
static LogicalResult checkSame(ShapeBuilder &b, Dim x, Dim y,
                               const Twine &what) {
  if (x.isConstant() && y.isConstant() && x.getConstant() != y.getConstant())
    return b.emitError(what.str(), " differ: ", x.getConstant(), " vs ",
                       y.getConstant());
  return success();
}

LogicalResult
RotaryEmbeddingOp::computeShapes(ShapeBuilder &b, Adaptor adaptor,
                                 SmallVectorImpl<ShapedResult> &results) {
  SmallVector<Dim> in = b.dims(adaptor.getInput());
  SmallVector<Dim> pos = b.dims(adaptor.getPositions());
  if (in.size() != 4)
    return b.emitError("input must be [batch, heads, seq, head_dim], has rank ",
                       in.size());
  if (pos.size() != 2)
    return b.emitError("positions must be [batch, seq], has rank ", pos.size());
  if (failed(checkSame(b, in[0], pos[0], "batch sizes of input and positions")) ||
      failed(checkSame(b, in[2], pos[1],
                       "sequence lengths of input and positions")))
    return failure();
  if (in[3].isConstant()) {
    int64_t headDim = in[3].getConstant();
    std::optional<int64_t> rotaryDim = adaptor.getRotaryDim();
    int64_t dim = rotaryDim ? *rotaryDim : headDim;
    if (dim < 2 || dim % 2 != 0 || dim > headDim)
      return b.emitError("rotary_dim ", dim,
                         " must be even and in [2, head_dim = ", headDim, "]");
  }
  if (Value weight = adaptor.getNormWeight()) {
    SmallVector<Dim> w = b.dims(weight);
    if (w.size() != 1)
      return b.emitError("norm weight must be [head_dim], has rank ", w.size());
    if (failed(checkSame(b, in[3], w[0], "head_dim and norm weight size")))
      return failure();
  }
  return sameShapeAs(b, adaptor.getInput(), results);
}

LogicalResult AttentionOp::computeShapes(ShapeBuilder &b, Adaptor adaptor,
                                         SmallVectorImpl<ShapedResult> &results) {
  SmallVector<Dim> q = b.dims(adaptor.getQuery());
  SmallVector<Dim> k = b.dims(adaptor.getKey());
  SmallVector<Dim> v = b.dims(adaptor.getValue());
  if (q.size() != 4 || k.size() != 4 || v.size() != 4)
    return b.emitError("query, key and value must be [batch, heads, seq, "
                       "head_dim]");
  if (failed(checkSame(b, q[0], k[0], "batch sizes of query and key")) ||
      failed(checkSame(b, k[0], v[0], "batch sizes of key and value")) ||
      failed(checkSame(b, k[1], v[1], "head counts of key and value")) ||
      failed(checkSame(b, k[2], v[2], "sequence lengths of key and value")) ||
      failed(checkSame(b, q[3], k[3], "head sizes of query and key")))
    return failure();
  auto queryType =
      dyn_cast<FloatType>(getElementTypeOrSelf(adaptor.getQuery().getType()));
  auto keyType =
      dyn_cast<FloatType>(getElementTypeOrSelf(adaptor.getKey().getType()));
  if (queryType && keyType && keyType != queryType &&
      keyType.getWidth() >= queryType.getWidth())
    return b.emitError("key and value must be of the query's element type "
                       "or a narrower float type");
  if (q[1].isConstant() && k[1].isConstant() &&
      (k[1].getConstant() == 0 || q[1].getConstant() % k[1].getConstant() != 0))
    return b.emitError("query heads (", q[1].getConstant(),
                       ") must be a multiple of key/value heads (",
                       k[1].getConstant(), ")");
  if (Value mask = adaptor.getMask()) {
    Type maskType = getElementTypeOrSelf(mask.getType());
    if (!maskType.isInteger(1) &&
        maskType != getElementTypeOrSelf(adaptor.getQuery().getType()))
      return b.emitError("mask must be i1 or of the query's element type");
    SmallVector<Dim> scores = {q[0], q[1], q[2], k[2]};
    SmallVector<Dim> maskDims = b.dims(mask);
    if (maskDims.size() > 4)
      return b.emitError("mask must have rank <= 4, has ", maskDims.size());
    for (auto [i, d] : llvm::enumerate(maskDims)) {
      Dim target = scores[4 - maskDims.size() + i];
      if (!d.isConstant(1) &&
          failed(checkSame(b, d, target, "mask and score sizes")))
        return failure();
    }
  }
  results.push_back({{q[0], q[1], q[2], v[3]},
                     getElementTypeOrSelf(adaptor.getQuery().getType())});
  return success();
}

LogicalResult SwigluOp::computeShapes(ShapeBuilder &b, Adaptor adaptor,
                                      SmallVectorImpl<ShapedResult> &results) {
  SmallVector<Dim> gate = b.dims(adaptor.getGate());
  SmallVector<Dim> up = b.dims(adaptor.getUp());
  if (gate.size() != up.size())
    return b.emitError("gate and up must have the same shape");
  for (auto [i, pair] : llvm::enumerate(llvm::zip(gate, up))) {
    auto &[g, u] = pair;
    if (failed(checkSame(b, g, u, "gate and up dimension " + Twine(i))))
      return failure();
    if (!g.isConstant())
      g = u;
  }
  results.push_back({gate, getElementTypeOrSelf(adaptor.getGate().getType())});
  return success();
}
