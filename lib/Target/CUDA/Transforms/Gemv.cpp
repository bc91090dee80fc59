//===- Gemv.cpp - contractions with at most a few rows (batch-1 decode) ---===//
//
// A GEMV is bound by reading the matrix (rhs) once; its kernels differ by
// the direction the matrix is contiguous in:
//
// - along k (weights stored [n][k]): one warp per output column; lanes
//   stride over k with 128-bit loads of the matrix (4 f32 or 8 f16/bf16) and
//   of the rows at the same k, accumulate in f32 and meet with xor shuffles.
//   Every matrix element is loaded once for all (at most 4) rows.
// - along n (weights stored [k][n]), or any other layout: threads along n,
//   each holding a 128-bit vector of columns (where n is contiguous), so a
//   group of 8 threads reads 128 contiguous bytes of one k; the block's
//   other threads take other k (a strided share of K each), and their
//   partial sums meet in shared memory.
//
//===----------------------------------------------------------------------===//

#include "Contraction.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlc::cuda;

/// Threads along n of one block of a GEMV along n: 8 x 16 bytes are one
/// 128-byte line.
static constexpr int64_t kColumnThreads = 8;
/// Most slices of K in one block of a GEMV along n (bounds shared memory:
/// 32 x 4 rows x 64 columns x 4 bytes = 32 KiB).
static constexpr int64_t kMaxSlices = 32;

/// 128 bits of the rhs's element type if the rhs, and the lhs too if
/// `lhsToo`, can be read in vectors of that many elements along loop `dim`
/// (their innermost, contiguous, aligned, and a whole number of vectors
/// long); else 1.
static int64_t vectorWidthAlong(const Contraction &c, unsigned dim,
                                bool lhsToo) {
  auto rhsType = cast<MemRefType>(c.rhs->get().getType());
  int64_t width = kVectorBytes * 8 / rhsType.getElementTypeBitWidth();
  if (width <= 1 || c.sizes[dim] % width)
    return 1;
  auto readable = [&](OpOperand *operand) {
    return c.innermostLoop(operand) == dim &&
           allowsVectors(operand->get(), width);
  };
  if (!readable(c.rhs) || (lhsToo && !readable(c.lhs)))
    return 1;
  return width;
}

/// Stores `init + sum` into the output at `ivs` (scalars).
static void storeTotal(KernelBuilder &kb, const Contraction &c, Value sum,
                       ValueRange ivs) {
  kb.width = 1;
  kb.store(kb.apply(c.add, kb.initial(*c.out, ivs), sum), *c.out, ivs);
}

/// The single result of `prologue.reduction`, combined by all the block's
/// threads (each a strided share of the row, then xor shuffles, then the
/// warps' values through shared memory of `launch`): every thread gets it.
static Value reduceInBlock(KernelBuilder &kb, gpu::LaunchOp launch,
                           const GemvPrologue &prologue, int64_t blockSize) {
  OpBuilder &b = kb.b;
  Location loc = kb.loc;
  linalg::GenericOp op = prologue.reduction;
  Operation *combiner = prologue.combiner;
  Value tid = launch.getThreadIds().x;
  // The reduction's loops before the innermost are all of size 1.
  KernelBuilder rb(op);
  rb.b.setInsertionPoint(b.getInsertionBlock(), b.getInsertionPoint());
  SmallVector<Value> rowIvs(op.getNumLoops() - 1, rb.index(0));
  Value neutral = rb.constant(*arith::getNeutralElement(combiner));
  Value partial =
      combineRowInWarps(rb, combiner, neutral, rowIvs, tid, blockSize);
  b.setInsertionPoint(rb.b.getInsertionBlock(), rb.b.getInsertionPoint());
  int64_t warps = blockSize / kWarpSize;
  Value shared = kb.workgroupBuffer(launch, {warps}, partial.getType());
  Value lane = arith::RemUIOp::create(b, loc, tid, kb.index(kWarpSize));
  Value warp = arith::DivUIOp::create(b, loc, tid, kb.index(kWarpSize));
  {
    OpBuilder::InsertionGuard guard(b);
    kb.ifThen(kb.cmp(arith::CmpIPredicate::eq, lane, kb.index(0)));
    memref::StoreOp::create(b, loc, partial, shared, warp);
  }
  gpu::BarrierOp::create(b, loc);
  // Every thread combines the warps' values (in the same order).
  Value total = prologue.reductionInit;
  for (int64_t w = 0; w < warps; ++w)
    total = kb.apply(combiner, total,
                     memref::LoadOp::create(b, loc, shared, kb.index(w)));
  return total;
}

/// The prologue of a GEMV along k: the block's threads compute every
/// element of `prologue.lhs`'s output (the GEMV's lhs) into a new buffer
/// of shared memory of `launch`, in the output's row-major order (after
/// the reduction it reads, if any), then meet at a barrier. Returns that
/// buffer.
static Value computeIntoShared(KernelBuilder &kb, gpu::LaunchOp launch,
                               const GemvPrologue &prologue,
                               int64_t blockSize) {
  OpBuilder &b = kb.b;
  Location loc = kb.loc;
  linalg::GenericOp lhs = prologue.lhs;
  kb.width = 1;
  Value reduced = prologue.reduction
                      ? reduceInBlock(kb, launch, prologue, blockSize)
                      : Value();
  linalg::GenericOp reduction = prologue.reduction;
  Value reducedBuffer =
      reduction ? reduction.getDpsInitOperand(0)->get() : Value();
  auto type = cast<MemRefType>(lhs.getDpsInitOperand(0)->get().getType());
  Value shared = kb.workgroupBuffer(launch, {type.getNumElements()},
                                    type.getElementType());
  auto loop =
      scf::ForOp::create(b, loc, launch.getThreadIds().x,
                         kb.index(type.getNumElements()), kb.index(blockSize));
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value element = loop.getInductionVar();
    // The output's map is the identity (its static shape the loops'): its
    // indices are the loop indices.
    KernelBuilder lb(lhs);
    lb.b.setInsertionPoint(b.getInsertionBlock(), b.getInsertionPoint());
    SmallVector<Value> ivs = lb.delinearize(element, lb.loopSizes);
    IRMapping map;
    if (reduced)
      for (OpOperand *input : lhs.getDpsInputOperands())
        if (input->get() == reducedBuffer)
          map.map(lhs.getMatchingBlockArgument(input), reduced);
    lb.emitPayload(map, ivs);
    Value result =
        map.lookupOrDefault(lhs.getBody()->getTerminator()->getOperand(0));
    memref::StoreOp::create(lb.b, loc, result, shared, ValueRange{element});
  }
  gpu::BarrierOp::create(b, loc);
  return shared;
}

/// The row-major offset of `indices` in a buffer of static `shape`.
static Value linearize(KernelBuilder &kb, ValueRange indices,
                       ArrayRef<int64_t> shape) {
  Value flat = kb.index(0);
  for (auto [index, size] : llvm::zip_equal(indices, shape))
    flat = arith::AddIOp::create(
        kb.b, kb.loc, arith::MulIOp::create(kb.b, kb.loc, flat, kb.index(size)),
        index);
  return flat;
}

void mlc::cuda::mapGemvAlongK(const Contraction &c, int64_t blockSize,
                              Value initSource, const GemvPrologue *prologue) {
  linalg::GenericOp op = c.op;
  KernelBuilder kb(op, initSource);
  OpBuilder &b = kb.b;
  Location loc = kb.loc;
  int64_t width = vectorWidthAlong(c, c.k.back(), /*lhsToo=*/true);
  int64_t rows = c.size(c.m), depth = c.size(c.k);
  SmallVector<unsigned> columnLoops(c.batch);
  llvm::append_range(columnLoops, c.n);
  int64_t columns = c.size(columnLoops);
  int64_t warps = blockSize / kWarpSize;
  // With a prologue, which every block computes, at most
  // kMaxPrologueBlocks blocks, their warps taking several columns each.
  int64_t blocks = llvm::divideCeil(columns, warps);
  if (prologue)
    blocks = std::min(blocks, kMaxPrologueBlocks);
  gpu::LaunchOp launch = kb.launch(kb.b.getIndexAttr(blocks), blockSize);
  Value tid = launch.getThreadIds().x;
  Value lane = arith::RemUIOp::create(b, loc, tid, kb.index(kWarpSize));
  Value warp = arith::DivUIOp::create(b, loc, tid, kb.index(kWarpSize));
  Value column = arith::AddIOp::create(
      b, loc,
      arith::MulIOp::create(b, loc, launch.getBlockIds().x, kb.index(warps)),
      warp);
  // Every thread takes part in the prologue, before warps leave.
  Value lhsShared =
      prologue ? computeIntoShared(kb, launch, *prologue, blockSize) : Value();
  ArrayRef<int64_t> lhsShape =
      cast<MemRefType>(c.lhs->get().getType()).getShape();
  // Whole warps leave together, so the shuffles below see all 32 lanes.
  if (prologue) {
    auto columnLoop = scf::ForOp::create(b, loc, column, kb.index(columns),
                                         kb.index(blocks * warps));
    b.setInsertionPoint(columnLoop.getBody()->getTerminator());
    column = columnLoop.getInductionVar();
  } else {
    kb.ifThen(kb.cmp(arith::CmpIPredicate::ult, column, kb.index(columns)));
  }
  SmallVector<Value> ivs(op.getNumLoops(), kb.index(0));
  ivs = kb.withLoops(ivs, columnLoops, column);

  // Each lane takes vectors lane, lane + 32, ... of K; `unroll` of them per
  // iteration where that divides evenly (loads in flight together), fewer
  // with more rows (registers).
  int64_t vectors = depth / width;
  int64_t unroll = 1;
  for (int64_t u : {4, 2})
    if (u * rows <= 4 && vectors % (kWarpSize * u) == 0) {
      unroll = u;
      break;
    }
  kb.width = width;
  Type accType = c.add->getResult(0).getType();
  Value zero = kb.splat(kb.constant(b.getFloatAttr(accType, 0.0)));
  auto loop = scf::ForOp::create(b, loc, lane, kb.index(vectors),
                                 kb.index(kWarpSize * unroll),
                                 SmallVector<Value>(rows, zero));
  b.setInsertionPointToStart(loop.getBody());
  // Loads first, then the arithmetic.
  SmallVector<Value> matrix;
  SmallVector<SmallVector<Value>> vecs(unroll);
  for (int64_t u = 0; u < unroll; ++u) {
    Value v = loop.getInductionVar();
    if (u)
      v = arith::AddIOp::create(b, loc, v, kb.index(u * kWarpSize));
    Value k = arith::MulIOp::create(b, loc, v, kb.index(width));
    SmallVector<Value> at = kb.withLoops(ivs, c.k, k);
    matrix.push_back(kb.loadAt(c.rhs->get(), kb.indices(*c.rhs, at)));
    for (int64_t r = 0; r < rows; ++r) {
      SmallVector<Value> atRow = kb.withLoops(at, c.m, kb.index(r));
      SmallVector<Value> lhsAt = kb.indices(*c.lhs, atRow);
      vecs[u].push_back(
          lhsShared ? kb.loadAt(lhsShared, linearize(kb, lhsAt, lhsShape))
                    : kb.loadAt(c.lhs->get(), lhsAt));
    }
  }
  SmallVector<Value> accs = llvm::to_vector_of<Value>(loop.getRegionIterArgs());
  for (int64_t u = 0; u < unroll; ++u) {
    Value y = c.operandValue(kb, /*rhsSide=*/true, matrix[u]);
    for (int64_t r = 0; r < rows; ++r) {
      Value x = c.operandValue(kb, /*rhsSide=*/false, vecs[u][r]);
      accs[r] = c.multiplyAdd(kb, x, y, accs[r]);
    }
  }
  scf::YieldOp::create(b, loc, accs);
  b.setInsertionPointAfter(loop);

  SmallVector<Value> sums;
  for (int64_t r = 0; r < rows; ++r) {
    Value sum = loop.getResult(r);
    if (width > 1)
      sum =
          vector::ReductionOp::create(b, loc, vector::CombiningKind::ADD, sum);
    sums.push_back(warpReduce(kb, c.add, sum));
  }
  kb.ifThen(kb.cmp(arith::CmpIPredicate::eq, lane, kb.index(0)));
  for (int64_t r = 0; r < rows; ++r)
    storeTotal(kb, c, sums[r], kb.withLoops(ivs, c.m, kb.index(r)));
  op.erase();
  if (prologue) {
    linalg::GenericOp(prologue->lhs).erase();
    if (linalg::GenericOp reduction = prologue->reduction)
      reduction.erase();
  }
}

void mlc::cuda::mapGemvAlongN(const Contraction &c, int64_t blockSize,
                              Value initSource) {
  linalg::GenericOp op = c.op;
  KernelBuilder kb(op, initSource);
  OpBuilder &b = kb.b;
  Location loc = kb.loc;
  int64_t width =
      c.n.empty() ? 1 : vectorWidthAlong(c, c.n.back(), /*lhsToo=*/false);
  // Partial sums are kept in slots of 4 columns (below).
  if (width % 4)
    width = 1;
  int64_t rows = c.size(c.m), columns = c.size(c.n), depth = c.size(c.k);
  int64_t slices = std::min(kMaxSlices, blockSize / kColumnThreads);
  int64_t threads = kColumnThreads * slices;
  // Columns are taken in groups of `width` (one vector), kColumnThreads
  // groups per block.
  int64_t groups = columns / width;
  int64_t blockColumns = kColumnThreads * width;
  int64_t groupBlocks = llvm::divideCeil(groups, kColumnThreads);
  gpu::LaunchOp launch =
      kb.launch(kb.b.getIndexAttr(groupBlocks * c.size(c.batch)), threads);
  Value tid = launch.getThreadIds().x;
  Value bid = launch.getBlockIds().x;
  Value blockBatch = arith::DivUIOp::create(b, loc, bid, kb.index(groupBlocks));
  Value blockGroup = arith::RemUIOp::create(b, loc, bid, kb.index(groupBlocks));
  Value columnThread =
      arith::RemUIOp::create(b, loc, tid, kb.index(kColumnThreads));
  Value slice = arith::DivUIOp::create(b, loc, tid, kb.index(kColumnThreads));
  Value group = arith::AddIOp::create(
      b, loc,
      arith::MulIOp::create(b, loc, blockGroup, kb.index(kColumnThreads)),
      columnThread);
  SmallVector<Value> ivs(op.getNumLoops(), kb.index(0));
  ivs = kb.withLoops(ivs, c.batch, blockBatch);
  ivs = kb.withLoops(ivs, c.n,
                     arith::MulIOp::create(b, loc, group, kb.index(width)));

  // Threads past the last column group still meet the barrier, with zeros.
  Value depthEnd = arith::SelectOp::create(
      b, loc, kb.cmp(arith::CmpIPredicate::ult, group, kb.index(groups)),
      kb.index(depth), kb.index(0));
  Type accType = c.add->getResult(0).getType();
  Value zero = kb.constant(b.getFloatAttr(accType, 0.0));
  // Each thread takes k = slice, slice + slices, ...; `unroll` of them per
  // iteration where that divides K evenly (their loads in flight together),
  // fewer with more rows (registers).
  int64_t unroll = 1;
  for (int64_t u : {4, 2})
    if (u * rows <= 4 && depth % (slices * u) == 0) {
      unroll = u;
      break;
    }
  kb.width = width;
  auto loop =
      scf::ForOp::create(b, loc, slice, depthEnd, kb.index(slices * unroll),
                         SmallVector<Value>(rows, kb.splat(zero)));
  b.setInsertionPointToStart(loop.getBody());
  // Loads first, then the arithmetic.
  SmallVector<SmallVector<Value>> ats;
  SmallVector<Value> ys;
  for (int64_t u = 0; u < unroll; ++u) {
    Value k = loop.getInductionVar();
    if (u)
      k = arith::AddIOp::create(b, loc, k, kb.index(u * slices));
    ats.push_back(kb.withLoops(ivs, c.k, k));
    ys.push_back(kb.loadAt(c.rhs->get(), kb.indices(*c.rhs, ats.back())));
  }
  SmallVector<Value> accs = llvm::to_vector_of<Value>(loop.getRegionIterArgs());
  for (int64_t u = 0; u < unroll; ++u) {
    Value y = c.operandValue(kb, /*rhsSide=*/true, ys[u]);
    for (int64_t r = 0; r < rows; ++r) {
      SmallVector<Value> atRow = kb.withLoops(ats[u], c.m, kb.index(r));
      kb.width = 1;
      Value element = memref::LoadOp::create(b, loc, c.lhs->get(),
                                             kb.indices(*c.lhs, atRow));
      Value x = c.operandValue(kb, /*rhsSide=*/false, element);
      kb.width = width;
      accs[r] = c.multiplyAdd(kb, kb.splat(x), y, accs[r]);
    }
  }
  scf::YieldOp::create(b, loc, accs);
  b.setInsertionPointAfter(loop);

  // Partial sums [slice][row][column of the block] in slots of 4 columns
  // (vector<4xf32> elements: 16-byte aligned shared memory, which LLVM may
  // otherwise assume when it merges a thread's stores), or of one column
  // for scalar kernels; then one thread per (row, slot) adds up the slices.
  int64_t slotLanes = width >= 4 ? 4 : 1;
  int64_t slotsPerThread = width / slotLanes;
  int64_t slotsPerRow = blockColumns / slotLanes;
  Type slotType =
      slotLanes > 1 ? Type(VectorType::get({slotLanes}, accType)) : accType;
  Value partials =
      kb.workgroupBuffer(launch, {slices, rows, slotsPerRow}, slotType);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t q = 0; q < slotsPerThread; ++q) {
      Value part = loop.getResult(r);
      // A shuffle lowers to NVVM directly (extract_strided_slice does not).
      if (slotsPerThread > 1)
        part =
            vector::ShuffleOp::create(b, loc, part, part,
                                      llvm::to_vector(llvm::seq<int64_t>(
                                          q * slotLanes, (q + 1) * slotLanes)));
      Value slot = arith::AddIOp::create(
          b, loc,
          arith::MulIOp::create(b, loc, columnThread, kb.index(slotsPerThread)),
          kb.index(q));
      memref::StoreOp::create(b, loc, part, partials,
                              ValueRange{slice, kb.index(r), slot});
    }
  gpu::BarrierOp::create(b, loc);

  auto outputs = scf::ForOp::create(b, loc, tid, kb.index(rows * slotsPerRow),
                                    kb.index(threads));
  b.setInsertionPointToStart(outputs.getBody());
  Value t = outputs.getInductionVar();
  Value row = arith::DivUIOp::create(b, loc, t, kb.index(slotsPerRow));
  Value slot = arith::RemUIOp::create(b, loc, t, kb.index(slotsPerRow));
  kb.width = slotLanes;
  auto total = scf::ForOp::create(b, loc, kb.index(0), kb.index(slices),
                                  kb.index(1), ValueRange{kb.splat(zero)});
  b.setInsertionPointToStart(total.getBody());
  Value partial = memref::LoadOp::create(
      b, loc, partials, ValueRange{total.getInductionVar(), row, slot});
  scf::YieldOp::create(b, loc,
                       kb.apply(c.add, total.getRegionIterArgs()[0], partial));
  b.setInsertionPointAfter(total);
  Value first = arith::AddIOp::create(
      b, loc, arith::MulIOp::create(b, loc, blockGroup, kb.index(blockColumns)),
      arith::MulIOp::create(b, loc, slot, kb.index(slotLanes)));
  for (int64_t j = 0; j < slotLanes; ++j) {
    Value n = arith::AddIOp::create(b, loc, first, kb.index(j));
    Value sum = total.getResult(0);
    if (slotLanes > 1)
      sum = vector::ExtractOp::create(b, loc, sum, j);
    OpBuilder::InsertPoint after = b.saveInsertionPoint();
    kb.ifThen(kb.cmp(arith::CmpIPredicate::ult, n, kb.index(columns)));
    SmallVector<Value> atOut = kb.withLoops(ivs, c.n, n);
    storeTotal(kb, c, sum, kb.withLoops(atOut, c.m, row));
    b.restoreInsertionPoint(after);
  }
  op.erase();
}
