//===- InferShapes.cpp - refine dynamic dims of mlc op results ------------===//

#include "mlc/Dialect/Mlc/IR/MlcOps.h"
#include "mlc/Dialect/Mlc/Transforms/Passes.h"

namespace mlc {
#define GEN_PASS_DEF_INFERSHAPESPASS
#include "mlc/Dialect/Mlc/Transforms/Passes.h.inc"
} // namespace mlc

using namespace mlir;
using namespace mlc;

/// Refines the result types of `op` from its shape function.
static void refine(ShapedOpInterface op) {
  ShapeBuilder b(op->getContext(), std::nullopt, op->getName().getStringRef(),
                 op->getResultTypes());
  SmallVector<ShapedResult> shapes;
  if (failed(op.computeResultShapes(b, shapes)) ||
      shapes.size() != op->getNumResults())
    return;
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
}

void mlc::inferShapes(Operation *root) {
  root->walk([](ShapedOpInterface op) { refine(op); });
}

namespace {
struct InferShapesPass
    : mlc::impl::InferShapesPassBase<InferShapesPass> {
  void runOnOperation() override { inferShapes(getOperation()); }
};
} // namespace
