//===- Attention.cpp - the attention kernel over a KV cache ---------------===//
//
// The kernel of the generics that mlc-cuda-attention-to-linalg tags
// `mlc.attention`: one block of kWarps warps per group of queries that read
// the same key and value rows: the query heads of a GQA group (sharing a
// KV head) times consecutive query rows (a prefill's), at most kMaxQueries.
// The warps take the cache's valid rows in turn (row j to warp j % kWarps),
// each with an online softmax per query: its lanes hold Dk / 32 elements of
// each query row and multiply them with the same elements of key row j
// (loaded once for all), an xor shuffle reduction gives each score to every
// lane, and each lane accumulates its Dv / 32 elements of each output from
// value row j. The warps' maxima, sums and accumulators are combined
// through shared memory. The number of valid rows comes from the position
// in device memory; a row past a query row's own is masked for it.
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include <algorithm>
#include <limits>

using namespace mlir;
using namespace mlc::cuda;

/// Warps per block: each takes every kWarps-th row of the cache.
static constexpr int64_t kWarps = 4;
/// Rows of a block of a split decode step (8 per warp).
static constexpr int64_t kSplitRows = 32;
/// Queries (head, row) a block computes at most: each warp holds this many
/// online softmax states (2 + Dv/32 registers each per lane) and query rows
/// (Dk/32), at most kQueryRegisters registers of them per lane (8 queries
/// of heads of 128: 128 registers in all, no spills).
static constexpr int64_t kMaxQueries = 8;
static constexpr int64_t kQueryRegisters = 96;

namespace {
/// Builds the kernel of one tagged generic.
struct AttentionKernel {
  AttentionKernel(linalg::GenericOp op) : kb(op), b(kb.b), loc(kb.loc) {}

  KernelBuilder kb;
  OpBuilder &b;
  Location loc;

  Value f32(double x) {
    return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(x));
  }
  Value toF32(Value x) {
    Type t = b.getF32Type();
    return x.getType() == t ? x : arith::ExtFOp::create(b, loc, t, x);
  }

  /// `count` consecutive elements of `memref` from `at` (its last index
  /// the first of them), as f32: one vector load where the layout allows
  /// it, else scalar loads.
  SmallVector<Value> loadRow(Value memref, SmallVector<Value> at,
                             int64_t count) {
    auto type = cast<MemRefType>(memref.getType());
    SmallVector<Value> values;
    int64_t bytes = count * type.getElementTypeBitWidth() / 8;
    if (count > 1 && bytes <= kVectorBytes && allowsVectors(memref, count)) {
      auto vectorType = VectorType::get({count}, type.getElementType());
      Value vec = vector::LoadOp::create(b, loc, vectorType, memref, at,
                                         /*nontemporal=*/false,
                                         llvm::MaybeAlign(bytes));
      for (int64_t t = 0; t < count; ++t)
        values.push_back(toF32(vector::ExtractOp::create(b, loc, vec, t)));
      return values;
    }
    Value first = at.back();
    for (int64_t t = 0; t < count; ++t) {
      at.back() = arith::AddIOp::create(b, loc, first, kb.index(t));
      values.push_back(toF32(memref::LoadOp::create(b, loc, memref, at)));
    }
    return values;
  }

  /// `result` (f32) into `out` at `at`, in `out`'s element type.
  void storeResult(Value result, Value out, ValueRange at) {
    Type element = cast<MemRefType>(out.getType()).getElementType();
    if (element != result.getType())
      result = arith::TruncFOp::create(b, loc, element, result);
    memref::StoreOp::create(b, loc, result, out, at);
  }

  Value warpSum(Value value) {
    return warpReduce(
        kb,
        [&](Value x, Value y) { return arith::AddFOp::create(b, loc, x, y); },
        value);
  }

  void build(DictionaryAttr attrs);
};
} // namespace

void AttentionKernel::build(DictionaryAttr attrs) {
  linalg::GenericOp op = kb.op;
  Value q = op.getDpsInputOperand(0)->get();
  Value k = op.getDpsInputOperand(1)->get();
  Value v = op.getDpsInputOperand(2)->get();
  Value position = op.getDpsInputOperand(3)->get();
  Value out = op.getDpsInitOperand(0)->get();
  auto qType = cast<MemRefType>(q.getType());
  auto kType = cast<MemRefType>(k.getType());
  auto outType = cast<MemRefType>(out.getType());
  int64_t batch = qType.getDimSize(0), heads = qType.getDimSize(1);
  int64_t depth = qType.getDimSize(3);
  // The result's loops are (batch, head, query row, element).
  OpFoldResult queries = kb.loopSizes[2];
  int64_t rows = kType.getDimSize(2), valueDepth = outType.getDimSize(3);
  int64_t group = cast<IntegerAttr>(attrs.get("group")).getInt();
  double scale = cast<FloatAttr>(attrs.get("scale")).getValueAsDouble();
  bool causal = cast<BoolAttr>(attrs.get("causal")).getValue();
  int64_t perLane = depth / kWarpSize, valuesPerLane = valueDepth / kWarpSize;
  int64_t threads = kWarps * kWarpSize;
  Type f32Type = b.getF32Type();
  // A decode step (one query row) over a cache of more than kSplitRows
  // rows is split along the rows (flash-decoding): a block per
  // (kSplitRows rows, heads) writes its unnormalized states, and a second
  // kernel combines a head's splits. Else a block per (query rows, heads)
  // takes all the rows.
  std::optional<int64_t> staticQueries = getConstantIntValue(queries);
  bool split = staticQueries == 1 && rows > kSplitRows;
  int64_t splits = llvm::divideCeil(rows, kSplitRows);
  // The queries of a block, which read each key and value row once: the
  // query heads of a GQA group that share a KV head (as many as divide the
  // group, up to kMaxQueries), times consecutive query rows for the rest.
  int64_t maxQueries = std::clamp<int64_t>(
      kQueryRegisters / (perLane + 2 + valuesPerLane), 1, kMaxQueries);
  int64_t blockHeads = 1;
  for (int64_t g = std::min(group, maxQueries); g >= 1; --g)
    if (group % g == 0 && heads % g == 0) {
      blockHeads = g;
      break;
    }
  int64_t blockRows = split ? 1 : std::max<int64_t>(1, maxQueries / blockHeads);
  if (staticQueries)
    blockRows = std::min(blockRows, std::max<int64_t>(*staticQueries, 1));
  int64_t count = blockHeads * blockRows; // query (t, r) is t * blockRows + r

  // The position, loaded once in each kernel that needs it.
  auto loadStart = [&] {
    return arith::IndexCastOp::create(
               b, loc, b.getIndexType(),
               memref::LoadOp::create(b, loc, position, ValueRange{}))
        .getResult();
  };
  // The valid rows of query row i: those up to its position (inclusive).
  auto validRows = [&](Value start, Value i) {
    Value last = causal ? arith::AddIOp::create(
                              b, loc, arith::AddIOp::create(b, loc, start, i),
                              kb.index(1))
                        : arith::AddIOp::create(b, loc, start,
                                                kb.value(queries));
    return arith::MinSIOp::create(b, loc, last, kb.index(rows)).getResult();
  };

  // Host code: the splits' states, [batch, heads, splits, 2 + Dv] (m, l,
  // then the accumulators), freed after the combining kernel.
  Value states;
  if (split)
    states = memref::AllocOp::create(
        b, loc,
        MemRefType::get({batch, heads, splits, 2 + valueDepth}, f32Type),
        b.getI64IntegerAttr(64));

  gpu::LaunchOp launch = kb.launch(
      b.getIndexAttr(heads / blockHeads), threads,
      split ? OpFoldResult(b.getIndexAttr(splits))
            : kb.ceilDiv(queries, blockRows),
      b.getIndexAttr(batch));
  Value mShared = kb.workgroupBuffer(launch, {kWarps, count}, f32Type);
  Value lShared = kb.workgroupBuffer(launch, {kWarps, count}, f32Type);
  Value accShared =
      kb.workgroupBuffer(launch, {kWarps, count, valueDepth}, f32Type);
  Value bi = launch.getBlockIds().z, tid = launch.getThreadIds().x;
  Value firstHead =
      arith::MulIOp::create(b, loc, launch.getBlockIds().x, kb.index(blockHeads));
  Value firstRow = split ? kb.index(0)
                         : arith::MulIOp::create(b, loc, launch.getBlockIds().y,
                                                 kb.index(blockRows))
                               .getResult();
  Value lane = arith::RemUIOp::create(b, loc, tid, kb.index(kWarpSize));
  Value warp = arith::DivUIOp::create(b, loc, tid, kb.index(kWarpSize));
  Value kvHead = arith::DivUIOp::create(b, loc, firstHead, kb.index(group));
  Value lastQuery = arith::SubIOp::create(b, loc, kb.value(queries), kb.index(1));
  // The block's query rows, clamped to the last (rows past it compute what
  // that one does and store nothing), and their valid rows.
  SmallVector<Value> queryRows, valid;
  Value start = loadStart();
  for (int64_t r = 0; r < blockRows; ++r) {
    Value i = arith::AddIOp::create(b, loc, firstRow, kb.index(r));
    queryRows.push_back(arith::MinUIOp::create(b, loc, i, lastQuery));
    valid.push_back(validRows(start, queryRows.back()));
  }
  // This block's cache rows: [begin, end), end the most any row sees: the
  // last row's (the rows only grow, and causal rows see more each).
  Value n = valid.back();
  Value begin = kb.index(0), end = n;
  if (split) {
    begin = arith::MulIOp::create(b, loc, launch.getBlockIds().y,
                                  kb.index(kSplitRows));
    end = arith::MinSIOp::create(
        b, loc, arith::AddIOp::create(b, loc, begin, kb.index(kSplitRows)), n);
    // Splits past the valid rows have nothing to do (the combining kernel
    // reads only the others); the condition is the block's, so every
    // thread of a block reaches the barrier below or none does.
    kb.ifThen(kb.cmp(arith::CmpIPredicate::slt, begin, n));
  }

  Value qFirst = arith::MulIOp::create(b, loc, lane, kb.index(perLane));
  Value vFirst = arith::MulIOp::create(b, loc, lane, kb.index(valuesPerLane));
  SmallVector<SmallVector<Value>> qRows;
  SmallVector<Value> init;
  int64_t stateSize = 2 + valuesPerLane;
  for (int64_t t = 0; t < blockHeads; ++t)
    for (int64_t r = 0; r < blockRows; ++r) {
      Value h = arith::AddIOp::create(b, loc, firstHead, kb.index(t));
      qRows.push_back(loadRow(q, {bi, h, queryRows[r], qFirst}, perLane));
      init.push_back(f32(std::numeric_limits<float>::lowest()));
      init.push_back(f32(0));
      for (int64_t e = 0; e < valuesPerLane; ++e)
        init.push_back(f32(0));
    }
  // Rows beyond some query row's own (causal, several rows per block) are
  // masked for it: its state stays as it is.
  bool masked = causal && blockRows > 1;
  auto loop = scf::ForOp::create(
      b, loc, arith::AddIOp::create(b, loc, begin, warp), end,
      kb.index(kWarps), init,
      [&](OpBuilder &nb, Location, Value j, ValueRange state) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
        // The key's and the value's loads first: neither depends on the
        // scores, so both are in flight together.
        SmallVector<Value> kRow = loadRow(k, {bi, kvHead, j, qFirst}, perLane);
        SmallVector<Value> vRow =
            loadRow(v, {bi, kvHead, j, vFirst}, valuesPerLane);
        SmallVector<Value> next;
        for (int64_t qi = 0; qi < count; ++qi) {
          ValueRange s = state.slice(qi * stateSize, stateSize);
          Value partial = f32(0);
          for (int64_t t = 0; t < perLane; ++t)
            partial =
                math::FmaOp::create(b, loc, qRows[qi][t], kRow[t], partial);
          Value score =
              arith::MulFOp::create(b, loc, warpSum(partial), f32(scale));
          Value seen;
          if (masked) {
            seen = kb.cmp(arith::CmpIPredicate::slt, j, valid[qi % blockRows]);
            score = arith::SelectOp::create(
                b, loc, seen, score, f32(std::numeric_limits<float>::lowest()));
          }
          Value m = arith::MaximumFOp::create(b, loc, s[0], score);
          Value rescale = math::ExpOp::create(
              b, loc, arith::SubFOp::create(b, loc, s[0], m));
          Value p = math::ExpOp::create(
              b, loc, arith::SubFOp::create(b, loc, score, m));
          if (masked)
            p = arith::SelectOp::create(b, loc, seen, p, f32(0));
          next.push_back(m);
          next.push_back(math::FmaOp::create(b, loc, s[1], rescale, p));
          for (int64_t t = 0; t < valuesPerLane; ++t)
            next.push_back(math::FmaOp::create(
                b, loc, p, vRow[t],
                arith::MulFOp::create(b, loc, s[2 + t], rescale)));
        }
        scf::YieldOp::create(b, loc, next);
      });

  // Each warp's states into shared memory, then one thread per output
  // element (of each query) combines the warps'.
  {
    OpBuilder::InsertionGuard guard(b);
    kb.ifThen(kb.cmp(arith::CmpIPredicate::eq, lane, kb.index(0)));
    for (int64_t qi = 0; qi < count; ++qi) {
      memref::StoreOp::create(b, loc, loop.getResult(qi * stateSize), mShared,
                              ValueRange{warp, kb.index(qi)});
      memref::StoreOp::create(b, loc, loop.getResult(qi * stateSize + 1),
                              lShared, ValueRange{warp, kb.index(qi)});
    }
  }
  for (int64_t qi = 0; qi < count; ++qi)
    for (int64_t t = 0; t < valuesPerLane; ++t)
      memref::StoreOp::create(
          b, loc, loop.getResult(qi * stateSize + 2 + t), accShared,
          ValueRange{warp, kb.index(qi),
                     arith::AddIOp::create(b, loc, vFirst, kb.index(t))});
  gpu::BarrierOp::create(b, loc);
  scf::ForOp::create(
      b, loc, tid, kb.index(count * valueDepth), kb.index(threads),
      ValueRange{},
      [&](OpBuilder &nb, Location, Value e, ValueRange) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
        Value qi = arith::DivUIOp::create(b, loc, e, kb.index(valueDepth));
        Value d = arith::RemUIOp::create(b, loc, e, kb.index(valueDepth));
        Value h = arith::AddIOp::create(
            b, loc, firstHead,
            arith::DivUIOp::create(b, loc, qi, kb.index(blockRows)));
        Value i = arith::AddIOp::create(
            b, loc, firstRow,
            arith::RemUIOp::create(b, loc, qi, kb.index(blockRows)));
        SmallVector<Value> ms;
        for (int64_t w = 0; w < kWarps; ++w)
          ms.push_back(memref::LoadOp::create(b, loc, mShared,
                                              ValueRange{kb.index(w), qi}));
        Value m = ms[0];
        for (int64_t w = 1; w < kWarps; ++w)
          m = arith::MaximumFOp::create(b, loc, m, ms[w]);
        Value l = f32(0), acc = f32(0);
        for (int64_t w = 0; w < kWarps; ++w) {
          Value weight = math::ExpOp::create(
              b, loc, arith::SubFOp::create(b, loc, ms[w], m));
          l = math::FmaOp::create(
              b, loc,
              memref::LoadOp::create(b, loc, lShared,
                                     ValueRange{kb.index(w), qi}),
              weight, l);
          acc = math::FmaOp::create(
              b, loc,
              memref::LoadOp::create(b, loc, accShared,
                                     ValueRange{kb.index(w), qi, d}),
              weight, acc);
        }
        if (split) {
          // The block's state, unnormalized: m and l by d = 0's thread.
          Value s = launch.getBlockIds().y;
          memref::StoreOp::create(
              b, loc, acc, states,
              ValueRange{bi, h, s, arith::AddIOp::create(b, loc, d,
                                                         kb.index(2))});
          OpBuilder::InsertionGuard inner(b);
          kb.ifThen(kb.cmp(arith::CmpIPredicate::eq, d, kb.index(0)));
          memref::StoreOp::create(b, loc, m, states,
                                  ValueRange{bi, h, s, kb.index(0)});
          memref::StoreOp::create(b, loc, l, states,
                                  ValueRange{bi, h, s, kb.index(1)});
        } else {
          OpBuilder::InsertionGuard inner(b);
          kb.ifThen(kb.cmp(arith::CmpIPredicate::ult, i, kb.value(queries)));
          storeResult(arith::DivFOp::create(b, loc, acc, l), out,
                      {bi, h, i, d});
        }
        scf::YieldOp::create(b, loc);
      });
  if (!split)
    return;

  // The combining kernel: a block per head, a thread per output element,
  // over the splits that hold valid rows.
  b.setInsertionPointAfter(launch);
  gpu::LaunchOp combine = kb.launch(b.getIndexAttr(heads), valueDepth,
                                    b.getIndexAttr(1), b.getIndexAttr(batch));
  Value ch = combine.getBlockIds().x, cb = combine.getBlockIds().z;
  Value d = combine.getThreadIds().x;
  Value used = arith::CeilDivUIOp::create(b, loc, validRows(loadStart(), kb.index(0)),
                                          kb.index(kSplitRows));
  auto overSplits = [&](ValueRange init,
                        function_ref<SmallVector<Value>(Value, ValueRange)>
                            body) {
    return scf::ForOp::create(
               b, loc, kb.index(0), used, kb.index(1), init,
               [&](OpBuilder &nb, Location, Value s, ValueRange state) {
                 OpBuilder::InsertionGuard guard(b);
                 b.setInsertionPoint(nb.getInsertionBlock(),
                                     nb.getInsertionPoint());
                 scf::YieldOp::create(b, loc, body(s, state));
               })
        .getResults();
  };
  auto stateAt = [&](Value s, Value at) {
    return memref::LoadOp::create(b, loc, states, ValueRange{cb, ch, s, at})
        .getResult();
  };
  Value m = overSplits({f32(std::numeric_limits<float>::lowest())},
                       [&](Value s, ValueRange state) -> SmallVector<Value> {
                         return {arith::MaximumFOp::create(
                             b, loc, state[0], stateAt(s, kb.index(0)))};
                       })[0];
  ValueRange sums = overSplits(
      {f32(0), f32(0)}, [&](Value s, ValueRange state) -> SmallVector<Value> {
        Value weight = math::ExpOp::create(
            b, loc, arith::SubFOp::create(b, loc, stateAt(s, kb.index(0)), m));
        Value acc = stateAt(s, arith::AddIOp::create(b, loc, d, kb.index(2)));
        return {math::FmaOp::create(b, loc, stateAt(s, kb.index(1)), weight,
                                    state[0]),
                math::FmaOp::create(b, loc, acc, weight, state[1])};
      });
  storeResult(arith::DivFOp::create(b, loc, sums[1], sums[0]), out,
              {cb, ch, kb.index(0), d});
  b.setInsertionPointAfter(combine);
  memref::DeallocOp::create(b, loc, states);
}

LogicalResult mlc::cuda::mapAttention(linalg::GenericOp op,
                                      DictionaryAttr attrs) {
  auto depth = cast<MemRefType>(op.getDpsInputOperand(0)->get().getType())
                   .getDimSize(3);
  auto valueDepth =
      cast<MemRefType>(op.getDpsInitOperand(0)->get().getType()).getDimSize(3);
  if (depth % kWarpSize || valueDepth % kWarpSize ||
      depth > 8 * kWarpSize || valueDepth > 8 * kWarpSize)
    return op.emitOpError("is not mapped to the GPU: the attention kernel "
                          "needs head sizes that are multiples of 32, at "
                          "most 256, not ")
           << depth << " and " << valueDepth;
  AttentionKernel(op).build(attrs);
  op.erase();
  return success();
}
