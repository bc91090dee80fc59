//===- Elementwise.cpp - all-parallel generics as 128-bit vector kernels --===//
//
// One thread per 128 bits of the widest element type along the innermost
// loop (4 f32, 8 f16/bf16), loaded and stored with aligned vector accesses;
// operands the innermost loop does not index are loaded once and broadcast.
// Otherwise one element per thread.
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"
#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;
using namespace mlc::cuda;

/// Lanes per thread of an all-parallel generic: 128 bits of its widest
/// element type if every operand allows vector accesses, else 1.
static int64_t vectorWidth(linalg::GenericOp op, ArrayRef<int64_t> sizes) {
  unsigned maxBits = 0;
  SmallVector<Value> vectorOperands;
  for (OpOperand &operand : op->getOpOperands()) {
    auto type = dyn_cast<MemRefType>(operand.get().getType());
    if (!type)
      continue;
    if (!type.getElementType().isIntOrFloat() ||
        type.getElementTypeBitWidth() % 8)
      return 1;
    AffineMap map = op.getMatchingIndexingMap(&operand);
    // Operands indexed by the innermost loop (and every output) are moved
    // as vectors, so it must be their innermost dimension.
    if (map.isFunctionOfDim(map.getNumDims() - 1) || op.isDpsInit(&operand)) {
      if (!indexesInnermostLast(map))
        return 1;
      vectorOperands.push_back(operand.get());
    }
    maxBits = std::max(maxBits, type.getElementTypeBitWidth());
  }
  for (Operation &inner : op.getBody()->without_terminator())
    if (inner.getNumRegions() || isa<linalg::IndexOp>(inner) ||
        !(inner.hasTrait<OpTrait::Elementwise>() ||
          isa<arith::ConstantOp>(inner)))
      return 1;
  int64_t width = maxBits ? kVectorBytes * 8 / maxBits : 1;
  if (width == 1 || ShapedType::isDynamic(sizes.back()) ||
      sizes.back() % width)
    return 1;
  for (Value memref : vectorOperands)
    if (!allowsVectors(memref, width))
      return 1;
  return width;
}

void mlc::cuda::mapElementwise(linalg::GenericOp op, ArrayRef<int64_t> sizes,
                               int64_t blockSize) {
  KernelBuilder kb(op, /*initSource=*/nullptr, vectorWidth(op, sizes));
  OpBuilder &b = kb.b;
  SmallVector<OpFoldResult> items = kb.loopSizes;
  if (kb.width > 1)
    items.back() = b.getIndexAttr(sizes.back() / kb.width);
  OpFoldResult count = kb.product(items);
  gpu::LaunchOp launch = kb.launch(kb.ceilDiv(count, blockSize), blockSize);
  Value id = kb.globalThreadId(launch, blockSize);
  kb.ifThen(kb.cmp(arith::CmpIPredicate::ult, id, kb.value(count)));
  SmallVector<Value> ivs = kb.delinearize(id, items);
  if (kb.width > 1)
    ivs.back() =
        arith::MulIOp::create(b, op.getLoc(), ivs.back(), kb.index(kb.width));
  IRMapping map;
  kb.emitPayload(map, ivs);
  auto yield = cast<linalg::YieldOp>(op.getBody()->getTerminator());
  for (auto [value, init] :
       llvm::zip(yield.getValues(), op.getDpsInitsMutable()))
    kb.store(kb.splat(map.lookupOrDefault(value)), init, ivs);
  op.erase();
}
