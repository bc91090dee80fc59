//===- GeneralKernel.cpp - any generic as one thread per output element ---===//
//
// The correctness baseline for generics no specialised kernel takes:
// convolutions, pooling, reductions that are not innermost or not 32-bit,
// several outputs, windows through any affine indexing map. One thread per
// point of the parallel loops, which owns the output elements of that point
// (the caller checked that the output maps make them distinct); the
// reduction loops run in the thread as scf.for, in loop order, with the
// outputs carried as loop values, so every element is computed exactly as
// the sequential loop nest would.
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace mlc::cuda;

/// The parallel loops in the order of the first output's dimensions,
/// outermost first, then the other (unit) parallel loops: consecutive
/// threads then write consecutive elements.
static SmallVector<unsigned> threadLoops(linalg::GenericOp op) {
  SmallVector<unsigned> loops;
  llvm::SmallBitVector seen(op.getNumLoops());
  for (AffineExpr e :
       op.getMatchingIndexingMap(op.getDpsInitOperand(0)).getResults())
    if (auto dim = dyn_cast<AffineDimExpr>(e)) {
      loops.push_back(dim.getPosition());
      seen.set(dim.getPosition());
    }
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  for (unsigned d = 0; d < op.getNumLoops(); ++d)
    if (!seen.test(d) && iterators[d] == utils::IteratorType::parallel)
      loops.push_back(d);
  return loops;
}

void mlc::cuda::mapGeneral(linalg::GenericOp op, int64_t blockSize,
                           Value initSource) {
  KernelBuilder kb(op, initSource);
  OpBuilder &b = kb.b;
  Location loc = kb.loc;
  SmallVector<unsigned> parallel = threadLoops(op);
  SmallVector<OpFoldResult> threadSizes = kb.sizesOf(parallel);
  OpFoldResult count = kb.product(threadSizes);
  gpu::LaunchOp launch = kb.launch(kb.ceilDiv(count, blockSize), blockSize);
  Value id = kb.globalThreadId(launch, blockSize);
  kb.ifThen(kb.cmp(arith::CmpIPredicate::ult, id, kb.value(count)));

  // Loop indices: the thread's point, and 0 for the reduction loops until
  // their scf.for exists (outputs do not depend on them).
  SmallVector<Value> ivs(op.getNumLoops(), kb.index(0));
  for (auto [d, iv] : llvm::zip(parallel, kb.delinearize(id, threadSizes)))
    ivs[d] = iv;

  SmallVector<unsigned> reductions;
  for (auto [d, it] : llvm::enumerate(op.getIteratorTypesArray()))
    if (it == utils::IteratorType::reduction)
      reductions.push_back(d);

  // The outputs' values at this point, carried through the reduction loops.
  SmallVector<Value> values;
  SmallVector<BlockArgument> outputArgs;
  for (OpOperand &init : op.getDpsInitsMutable()) {
    BlockArgument arg = op.getMatchingBlockArgument(&init);
    outputArgs.push_back(arg);
    if (reductions.empty() && arg.use_empty())
      values.push_back(nullptr); // Written, never read.
    else
      values.push_back(kb.initial(init, ivs));
  }

  SmallVector<scf::ForOp> loops;
  for (unsigned d : reductions) {
    auto loop = scf::ForOp::create(b, loc, kb.index(0),
                                   kb.value(kb.loopSizes[d]), kb.index(1),
                                   values);
    b.setInsertionPointToStart(loop.getBody());
    ivs[d] = loop.getInductionVar();
    values = llvm::to_vector_of<Value>(loop.getRegionIterArgs());
    loops.push_back(loop);
  }
  IRMapping map;
  for (auto [arg, value] : llvm::zip(outputArgs, values))
    if (value)
      map.map(arg, value);
  kb.emitPayload(map, ivs);
  auto yield = cast<linalg::YieldOp>(op.getBody()->getTerminator());
  SmallVector<Value> results = llvm::map_to_vector(
      yield.getValues(), [&](Value v) { return map.lookupOrDefault(v); });
  if (!loops.empty()) {
    // Each loop yields the results of the loop it holds.
    scf::YieldOp::create(b, loc, results);
    for (size_t i = 0; i + 1 < loops.size(); ++i) {
      b.setInsertionPointToEnd(loops[i].getBody());
      scf::YieldOp::create(b, loc, loops[i + 1].getResults());
    }
    b.setInsertionPointAfter(loops.front());
    results = llvm::to_vector_of<Value>(loops.front().getResults());
    for (unsigned d : reductions)
      ivs[d] = kb.index(0);
  }
  for (auto [value, init] : llvm::zip(results, op.getDpsInitsMutable()))
    kb.store(value, init, ivs);
  op.erase();
}
