//===- Matmul.cpp - contractions as a shared-memory tiled SIMT kernel -----===//
//
// One block of 256 threads per 64x64 tile of the output (and per batch
// point, grid z). K is walked in slabs of 16: the block stages the lhs
// slab (64 rows x 16) and the rhs slab (16 x 64 columns) in shared memory,
// each thread a 4x4 register tile of the output, accumulated in f32.
//
// The slabs are stored k-major as vectors of 4 rows (columns), so a thread
// reads its 4 lhs rows and 4 rhs columns of one k with two 128-bit shared
// loads; the vector element type also gives the shared buffers their
// 16-byte alignment (attributions of a gpu.launch carry no alignment of
// their own). Each thread stages one such vector per slab: one vector load
// where the 4 rows are the operand's contiguous dimension, else four loads
// with consecutive threads on consecutive k. Elements outside the operands
// (tile edges: M, N or K not multiples of the tile) are staged as zeros, from
// clamped addresses, so every load is in bounds and nothing branches
// before the stores.
//
//===----------------------------------------------------------------------===//

#include "Contraction.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlc::cuda;

static constexpr int64_t kTile = 64;     // Output rows and columns per block.
static constexpr int64_t kSlab = 16;     // K per shared-memory stage.
static constexpr int64_t kPerThread = 4; // Rows and columns per thread.
static constexpr int64_t kThreadsPerSide = kTile / kPerThread; // 16
static constexpr int64_t kThreads = kThreadsPerSide * kThreadsPerSide;
static constexpr int64_t kMaxGridYZ = 65535;

namespace {
/// Staging of one operand's slab into shared memory.
struct Stager {
  KernelBuilder &kb;
  const Contraction &c;
  bool rhsSide;
  /// The loops the tile's rows (lhs) or columns (rhs) stand for.
  ArrayRef<unsigned> tileLoops;
  Value tile; // memref<kSlab x (kTile/4 + 1) x vector<4xf32>, workgroup>

  /// Whether the 4 rows (columns) of a thread are contiguous in `operand`
  /// and can be loaded as one aligned vector.
  bool readsVectors(OpOperand *operand) const {
    int64_t size = c.sizes[tileLoops.back()];
    return !tileLoops.empty() && c.innermostLoop(operand) == tileLoops.back() &&
           !ShapedType::isDynamic(size) && size % kPerThread == 0 &&
           allowsVectors(operand->get(), kPerThread);
  }

  void stage(Value tid, Value tileStart, Value k0, ArrayRef<Value> ivs) {
    OpBuilder &b = kb.b;
    Location loc = kb.loc;
    OpOperand *operand = rhsSide ? c.rhs : c.lhs;
    Value extent = kb.value(kb.product(kb.sizesOf(tileLoops)));
    int64_t depth = c.size(c.k);
    // Consecutive threads on consecutive k where k is the operand's
    // contiguous dimension, else on consecutive rows (columns).
    bool alongK = c.innermostLoop(operand) == c.k.back();
    Value groups = kb.index(kTile / kPerThread);
    Value slab = kb.index(kSlab);
    Value ki = alongK ? arith::RemUIOp::create(b, loc, tid, slab).getResult()
                      : arith::DivUIOp::create(b, loc, tid, groups).getResult();
    Value group = alongK
                      ? arith::DivUIOp::create(b, loc, tid, slab).getResult()
                      : arith::RemUIOp::create(b, loc, tid, groups).getResult();
    Value k = arith::AddIOp::create(b, loc, k0, ki);
    Value kInside = kb.cmp(arith::CmpIPredicate::ult, k, kb.index(depth));
    Value kClamped = arith::MinUIOp::create(b, loc, k, kb.index(depth - 1));
    SmallVector<Value> at = kb.withLoops(ivs, c.k, kClamped);
    Value first = arith::AddIOp::create(
        b, loc, tileStart,
        arith::MulIOp::create(b, loc, group, kb.index(kPerThread)));
    Type f32 = c.add->getResult(0).getType();
    Value zero = kb.constant(b.getFloatAttr(f32, 0.0));
    auto rowIndices = [&](Value row) {
      return kb.indices(*operand, kb.withLoops(at, tileLoops, row));
    };
    auto extentMinus = [&](int64_t x) {
      return arith::SubIOp::create(b, loc, extent, kb.index(x));
    };
    Value vector;
    if (!alongK && readsVectors(operand)) {
      // The 4 rows are contiguous: one vector load (a whole vector is
      // inside or outside, the extent being a multiple of 4).
      Value inside = arith::AndIOp::create(
          b, loc, kInside,
          kb.cmp(arith::CmpIPredicate::ult, first, extent));
      Value clamped =
          arith::MinUIOp::create(b, loc, first, extentMinus(kPerThread));
      kb.width = kPerThread;
      Value elements = kb.loadAt(operand->get(), rowIndices(clamped));
      vector = arith::SelectOp::create(b, loc, inside,
                                       c.operandValue(kb, rhsSide, elements),
                                       kb.splat(zero));
      kb.width = 1;
    } else {
      SmallVector<Value> elements;
      for (int64_t j = 0; j < kPerThread; ++j) {
        Value row = arith::AddIOp::create(b, loc, first, kb.index(j));
        Value inside = arith::AndIOp::create(
            b, loc, kInside,
            kb.cmp(arith::CmpIPredicate::ult, row, extent));
        Value clamped = arith::MinUIOp::create(b, loc, row, extentMinus(1));
        Value element =
            memref::LoadOp::create(b, loc, operand->get(), rowIndices(clamped));
        elements.push_back(arith::SelectOp::create(
            b, loc, inside, c.operandValue(kb, rhsSide, element), zero));
      }
      vector = vector::FromElementsOp::create(
          b, loc, VectorType::get({kPerThread}, f32), elements);
    }
    memref::StoreOp::create(b, loc, vector, tile, ValueRange{ki, group});
  }
};
} // namespace

bool mlc::cuda::fitsMatmulGrid(const Contraction &c) {
  // A dynamic M of more than 65535 tiles (4M rows) fails at launch.
  bool dynamicRows = llvm::any_of(sizesOf(c.m, c.sizes), ShapedType::isDynamic);
  return (dynamicRows || llvm::divideCeil(c.size(c.m), kTile) <= kMaxGridYZ) &&
         c.size(c.batch) <= kMaxGridYZ;
}

bool mlc::cuda::mapMatmul(const Contraction &c, Value initSource) {
  int64_t columns = c.size(c.n), depth = c.size(c.k);
  int64_t gridX = llvm::divideCeil(columns, kTile);
  int64_t batches = c.size(c.batch);
  if (!fitsMatmulGrid(c))
    return false;
  linalg::GenericOp op = c.op;
  KernelBuilder kb(op, initSource);
  OpBuilder &b = kb.b;
  Location loc = kb.loc;
  OpFoldResult rows = kb.product(kb.sizesOf(c.m));
  gpu::LaunchOp launch =
      kb.launch(b.getIndexAttr(gridX), kThreads, kb.ceilDiv(rows, kTile),
                b.getIndexAttr(batches));
  Value tid = launch.getThreadIds().x;
  Value side = kb.index(kThreadsPerSide);
  Value tx = arith::RemUIOp::create(b, loc, tid, side);
  Value ty = arith::DivUIOp::create(b, loc, tid, side);
  Value rowStart =
      arith::MulIOp::create(b, loc, launch.getBlockIds().y, kb.index(kTile));
  Value columnStart =
      arith::MulIOp::create(b, loc, launch.getBlockIds().x, kb.index(kTile));
  SmallVector<Value> ivs = kb.withLoops(
      SmallVector<Value>(op.getNumLoops(), kb.index(0)), c.batch,
      launch.getBlockIds().z);

  Type f32 = c.add->getResult(0).getType();
  auto vec = VectorType::get({kPerThread}, f32);
  // One vector of padding per k row: the 8 threads of a 128-bit store
  // phase that write one column of vectors hit distinct banks.
  SmallVector<int64_t> tileShape = {kSlab, kTile / kPerThread + 1};
  Stager lhs{kb, c, false, c.m, kb.workgroupBuffer(launch, tileShape, vec)};
  Stager rhs{kb, c, true, c.n, kb.workgroupBuffer(launch, tileShape, vec)};

  Value zeros =
      kb.constant(DenseElementsAttr::get(vec, b.getFloatAttr(f32, 0.0)));
  auto slabs =
      scf::ForOp::create(b, loc, kb.index(0), kb.index(depth), kb.index(kSlab),
                         SmallVector<Value>(kPerThread, zeros));
  b.setInsertionPointToStart(slabs.getBody());
  Value k0 = slabs.getInductionVar();
  lhs.stage(tid, rowStart, k0, ivs);
  rhs.stage(tid, columnStart, k0, ivs);
  gpu::BarrierOp::create(b, loc);
  // The slab's 16 steps unrolled (no loop overhead between the FMAs).
  SmallVector<Value> accs =
      llvm::to_vector_of<Value>(slabs.getRegionIterArgs());
  for (int64_t kk = 0; kk < kSlab; ++kk) {
    Value a =
        memref::LoadOp::create(b, loc, lhs.tile, ValueRange{kb.index(kk), ty});
    Value bv =
        memref::LoadOp::create(b, loc, rhs.tile, ValueRange{kb.index(kk), tx});
    for (int64_t i = 0; i < kPerThread; ++i) {
      Value ai = vector::BroadcastOp::create(
          b, loc, vec, vector::ExtractOp::create(b, loc, a, i));
      accs[i] = c.multiplyAdd(kb, ai, bv, accs[i]);
    }
  }
  // Nobody restages a slab that another thread still reads.
  gpu::BarrierOp::create(b, loc);
  scf::YieldOp::create(b, loc, accs);
  b.setInsertionPointAfter(slabs);

  // Thread (ty, tx) holds rows 4 ty + i and columns 4 tx + j of the tile.
  Value firstRow = arith::AddIOp::create(
      b, loc, rowStart,
      arith::MulIOp::create(b, loc, ty, kb.index(kPerThread)));
  Value firstColumn = arith::AddIOp::create(
      b, loc, columnStart,
      arith::MulIOp::create(b, loc, tx, kb.index(kPerThread)));
  for (int64_t i = 0; i < kPerThread; ++i) {
    Value row = arith::AddIOp::create(b, loc, firstRow, kb.index(i));
    SmallVector<Value> atRow = kb.withLoops(ivs, c.m, row);
    Value rowInside = kb.cmp(arith::CmpIPredicate::ult, row, kb.value(rows));
    for (int64_t j = 0; j < kPerThread; ++j) {
      Value column = arith::AddIOp::create(b, loc, firstColumn, kb.index(j));
      Value inside = arith::AndIOp::create(
          b, loc, rowInside,
          kb.cmp(arith::CmpIPredicate::ult, column, kb.index(columns)));
      OpBuilder::InsertPoint after = b.saveInsertionPoint();
      kb.ifThen(inside);
      SmallVector<Value> at = kb.withLoops(atRow, c.n, column);
      Value sum = vector::ExtractOp::create(b, loc, slabs.getResult(i), j);
      kb.store(kb.apply(c.add, kb.initial(*c.out, at), sum), *c.out, at);
      b.restoreInsertionPoint(after);
    }
  }
  op.erase();
  return true;
}
