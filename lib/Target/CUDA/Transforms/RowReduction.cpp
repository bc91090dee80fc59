//===- RowReduction.cpp - innermost reductions as one block per row -------===//
//
// Each thread combines a strided part of the row, warps combine with xor
// shuffles, the warps' results meet in a workgroup buffer of one value per
// warp (one barrier) and the first warp combines those. Written by hand:
// gpu.subgroup_reduce does not legalize and upstream's reduction tiling
// races (../shared/notes/mlir22-gpu.md, pitfalls 6 and 8).
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace mlc::cuda;

Operation *mlc::cuda::findCombiner(linalg::GenericOp op) {
  if (op.getNumDpsInits() != 1)
    return nullptr;
  BlockArgument acc = op.getMatchingBlockArgument(op.getDpsInitOperand(0));
  Value yielded = op.getBody()->getTerminator()->getOperand(0);
  Operation *combiner = yielded.getDefiningOp();
  if (!combiner || combiner->getBlock() != op.getBody() || !acc.hasOneUse() ||
      *acc.user_begin() != combiner || combiner->getNumOperands() != 2 ||
      combiner->getNumRegions() || !arith::getNeutralElement(combiner) ||
      !acc.getType().isIntOrFloat() ||
      acc.getType().getIntOrFloatBitWidth() != 32)
    return nullptr;
  return combiner;
}

Value mlc::cuda::combineRowInWarps(KernelBuilder &kb, Operation *combiner,
                                   Value neutral, ArrayRef<Value> rowIvs,
                                   Value tid, int64_t threads) {
  OpBuilder &b = kb.b;
  Location loc = kb.loc;
  linalg::GenericOp op = kb.op;
  // Each thread combines elements tid, tid + threads, ... of the row.
  auto loop = scf::ForOp::create(b, loc, tid, kb.value(kb.loopSizes.back()),
                                 kb.index(threads), ValueRange{neutral});
  b.setInsertionPointToStart(loop.getBody());
  SmallVector<Value> ivs(rowIvs);
  ivs.push_back(loop.getInductionVar());
  IRMapping map;
  BlockArgument acc = op.getMatchingBlockArgument(op.getDpsInitOperand(0));
  // Only the combiner (skipped) uses the accumulator.
  map.map(acc, loop.getRegionIterArgs()[0]);
  kb.emitPayload(map, ivs, combiner);
  Value element = combiner->getOperand(0) == acc ? combiner->getOperand(1)
                                                 : combiner->getOperand(0);
  scf::YieldOp::create(b, loc,
                       kb.apply(combiner, loop.getRegionIterArgs()[0],
                                map.lookupOrDefault(element)));
  b.setInsertionPointAfter(loop);
  return warpReduce(kb, combiner, loop.getResult(0));
}

/// The points of `epilogue` whose first loops are `rowIvs` (one row of the
/// reduction), by the block's `threads` threads in turn, with `rowResult`
/// for every element of `result` (the reduction's output) it reads; then
/// `epilogue` is erased.
static void mapEpilogue(linalg::GenericOp epilogue, Value result,
                        Value rowResult, ArrayRef<Value> rowIvs,
                        KernelBuilder &kb, Value tid, int64_t threads) {
  KernelBuilder eb(epilogue);
  eb.b.setInsertionPoint(kb.b.getInsertionBlock(), kb.b.getInsertionPoint());
  SmallVector<OpFoldResult> inner =
      llvm::to_vector(ArrayRef(eb.loopSizes).drop_front(rowIvs.size()));
  auto loop = scf::ForOp::create(eb.b, eb.loc, tid, eb.value(eb.product(inner)),
                                 eb.index(threads), ValueRange{});
  eb.b.setInsertionPoint(loop.getBody()->getTerminator());
  SmallVector<Value> ivs(rowIvs);
  llvm::append_range(ivs, eb.delinearize(loop.getInductionVar(), inner));
  IRMapping map;
  for (OpOperand *input : epilogue.getDpsInputOperands())
    if (input->get() == result)
      map.map(epilogue.getMatchingBlockArgument(input), rowResult);
  eb.emitPayload(map, ivs);
  auto yield = cast<linalg::YieldOp>(epilogue.getBody()->getTerminator());
  for (auto [value, init] :
       llvm::zip(yield.getValues(), epilogue.getDpsInitsMutable()))
    eb.store(map.lookupOrDefault(value), init, ivs);
  epilogue.erase();
}

void mlc::cuda::mapRowReduction(linalg::GenericOp op, Operation *combiner,
                                ArrayRef<int64_t> sizes, int64_t blockSize,
                                Value initSource, linalg::GenericOp epilogue) {
  // Before `op`, so that the sizes it computes (host code in front of it)
  // come before the launch; both are replaced by the kernel.
  if (epilogue)
    epilogue->moveBefore(op);
  KernelBuilder kb(op, initSource);
  OpBuilder &b = kb.b;
  Location loc = kb.loc;
  ArrayRef<OpFoldResult> rows = ArrayRef(kb.loopSizes).drop_back();
  int64_t rowLength = sizes.back();
  // Short rows get fewer warps (idle threads would only add barrier work).
  int64_t threads =
      ShapedType::isDynamic(rowLength)
          ? blockSize
          : std::min<int64_t>(blockSize, llvm::alignTo(rowLength, kWarpSize));
  int64_t numWarps = threads / kWarpSize;
  gpu::LaunchOp launch = kb.launch(kb.product(rows), threads);
  Value neutral = kb.constant(*arith::getNeutralElement(combiner));
  Value tid = launch.getThreadIds().x;
  SmallVector<Value> ivs = kb.delinearize(launch.getBlockIds().x, rows);

  // Threads and warps, then the first warp over the warps' results in
  // workgroup memory.
  Value partial = combineRowInWarps(kb, combiner, neutral, ivs, tid, threads);
  ivs.push_back(kb.index(0));
  // One value per warp, and with an epilogue one more: the row's result.
  Value shared = kb.workgroupBuffer(launch, {numWarps + (epilogue ? 1 : 0)},
                                    neutral.getType());
  Value warpSize = kb.index(kWarpSize);
  Value lane = arith::RemUIOp::create(b, loc, tid, warpSize);
  Value warp = arith::DivUIOp::create(b, loc, tid, warpSize);
  Value zero = kb.index(0);
  Value resultSlot = kb.index(numWarps);
  auto isZero = [&](Value v) {
    return kb.cmp(arith::CmpIPredicate::eq, v, zero);
  };
  OpBuilder::InsertPoint afterIf = b.saveInsertionPoint();
  kb.ifThen(isZero(lane));
  memref::StoreOp::create(b, loc, partial, shared, warp);
  b.restoreInsertionPoint(afterIf);
  gpu::BarrierOp::create(b, loc);

  OpBuilder::InsertPoint afterReduction = b.saveInsertionPoint();
  kb.ifThen(isZero(warp));
  Value hasWarp = kb.cmp(arith::CmpIPredicate::ult, lane, kb.index(numWarps));
  Value slot = arith::MinUIOp::create(b, loc, lane, kb.index(numWarps - 1));
  Value total =
      warpReduce(kb, combiner,
                 arith::SelectOp::create(
                     b, loc, hasWarp,
                     memref::LoadOp::create(b, loc, shared, slot), neutral));
  kb.ifThen(isZero(lane));
  OpOperand &init = *op.getDpsInitOperand(0);
  Value result = kb.apply(combiner, total, kb.initial(init, ivs));
  kb.store(result, init, ivs);
  if (epilogue) {
    // The row's result to every thread, then the epilogue's points of this
    // row.
    memref::StoreOp::create(b, loc, result, shared, resultSlot);
    b.restoreInsertionPoint(afterReduction);
    gpu::BarrierOp::create(b, loc);
    Value rowResult = memref::LoadOp::create(b, loc, shared, resultSlot);
    ivs.pop_back();
    mapEpilogue(epilogue, op.getDpsInitOperand(0)->get(), rowResult, ivs, kb,
                tid, threads);
  }
  op.erase();
}
