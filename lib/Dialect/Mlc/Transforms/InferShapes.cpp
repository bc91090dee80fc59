//===- InferShapes.cpp - refine dynamic dims of mlc op results ------------===//

#include "mlc/Dialect/Mlc/IR/MlcOps.h"
#include "mlc/Dialect/Mlc/Transforms/Passes.h"

namespace mlc {
#define GEN_PASS_DEF_INFERSHAPESPASS
#include "mlc/Dialect/Mlc/Transforms/Passes.h.inc"
} // namespace mlc

using namespace mlir;
using namespace mlc;

/// Refines the result types of `op` from its shape function; whether any
/// changed.
static bool refine(ShapedOpInterface op) {
  // An operand cast to a less static type (by this pass, for a user outside
  // mlc, or by an importer) is read at its own type where the op's shape
  // function accepts it: mlc ops take the more static operand, and their
  // shape functions see more.
  SmallVector<std::pair<OpOperand *, Value>> lookedThrough;
  for (OpOperand &operand : op->getOpOperands())
    if (auto cast = operand.get().getDefiningOp<tensor::CastOp>())
      if (tensor::canFoldIntoConsumerOp(cast)) {
        lookedThrough.push_back({&operand, operand.get()});
        operand.set(cast.getSource());
      }
  auto computeShapes = [&](SmallVectorImpl<ShapedResult> &shapes) {
    ShapeBuilder b(op->getContext(), std::nullopt,
                   op->getName().getStringRef(), op->getResultTypes());
    return succeeded(op.computeResultShapes(b, shapes)) &&
           shapes.size() == op->getNumResults();
  };
  SmallVector<ShapedResult> shapes;
  bool computed = computeShapes(shapes);
  if (!computed && !lookedThrough.empty()) {
    for (auto [operand, cast] : lookedThrough)
      operand->set(cast);
    lookedThrough.clear();
    shapes.clear();
    computed = computeShapes(shapes);
  }
  bool changed = !lookedThrough.empty();
  if (!computed)
    return changed;
  for (auto [result, shape] : llvm::zip(op->getResults(), shapes)) {
    auto oldType = cast<RankedTensorType>(result.getType());
    if (static_cast<size_t>(oldType.getRank()) != shape.dims.size())
      continue;
    SmallVector<int64_t> sizes(oldType.getShape());
    for (auto [size, dim] : llvm::zip(sizes, shape.dims))
      if (ShapedType::isDynamic(size) && dim.isConstant() &&
          dim.getConstant() >= 0)
        size = dim.getConstant();
    auto newType = RankedTensorType::get(sizes, oldType.getElementType(),
                                         oldType.getEncoding());
    if (newType == oldType)
      continue;
    changed = true;
    // Users outside mlc keep seeing the old type.
    SmallVector<OpOperand *> foreignUses;
    for (OpOperand &use : result.getUses())
      if (!isa<ShapedOpInterface>(use.getOwner()))
        foreignUses.push_back(&use);
    result.setType(newType);
    if (foreignUses.empty())
      continue;
    OpBuilder builder(op->getContext());
    builder.setInsertionPointAfter(op);
    Value cast = tensor::CastOp::create(builder, op->getLoc(), oldType, result);
    for (OpOperand *use : foreignUses)
      use->set(cast);
  }
  return changed;
}

bool mlc::inferShapes(Operation *root) {
  bool changed = false;
  root->walk([&](ShapedOpInterface op) { changed |= refine(op); });
  return changed;
}

namespace {
struct InferShapesPass
    : mlc::impl::InferShapesPassBase<InferShapesPass> {
  void runOnOperation() override { inferShapes(getOperation()); }
};
} // namespace
