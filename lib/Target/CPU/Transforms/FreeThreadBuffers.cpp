//===- FreeThreadBuffers.cpp - free the buffers of scf.forall iterations --===//
//
// See Passes.td. Runs after bufferization and deallocation, before the
// buffers of the function's top level are planned.
//
//===----------------------------------------------------------------------===//

#include "mlc/Target/CPU/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace mlc {
#define GEN_PASS_DEF_CPUFREETHREADBUFFERSPASS
#include "mlc/Target/CPU/Transforms/Passes.h.inc"
} // namespace mlc

using namespace mlir;

namespace {

/// Whether `buffer` and its views are only read, written and viewed within
/// the iteration: not deallocated, and not handed on (yielded, carried by a
/// loop, returned, passed to a call).
bool isLocalToIteration(Value buffer) {
  for (Operation *user : buffer.getUsers()) {
    if (isa<memref::DeallocOp, RegionBranchTerminatorOpInterface,
            LoopLikeOpInterface, CallOpInterface>(user) ||
        user->hasTrait<OpTrait::ReturnLike>())
      return false;
    if (auto view = dyn_cast<ViewLikeOpInterface>(user);
        view && view.getViewSource() == buffer &&
        !llvm::all_of(user->getResults(), isLocalToIteration))
      return false;
  }
  return true;
}

struct CpuFreeThreadBuffersPass
    : mlc::impl::CpuFreeThreadBuffersPassBase<CpuFreeThreadBuffersPass> {
  void runOnOperation() override {
    getOperation().walk([](scf::ForallOp loop) {
      Block *body = loop.getBody();
      OpBuilder b(body->getTerminator());
      for (auto alloc : body->getOps<memref::AllocOp>())
        if (isLocalToIteration(alloc.getResult()))
          memref::DeallocOp::create(b, alloc.getLoc(), alloc.getResult());
    });
  }
};

} // namespace
