//===- Passes.td - passes on buffers shared by the targets -*- tablegen -*-===//

#ifndef MLC_TRANSFORMS_PASSES_TD
#define MLC_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def PlanMemoryPass : Pass<"mlc-plan-memory", "::mlir::func::FuncOp"> {
  let summary = "Place intermediate buffers in one arena, planned at compile "
                "time";
  let description = [{
    After bufferization and deallocation, moves buffers with static shapes
    out of the sequential loops that allocate them on every iteration, then
    gives the buffers of the function's top level offsets in an arena: a
    buffer lives from its allocation to the last use of it or of a view of
    it, and buffers whose lifetimes do not overlap share memory (placed
    largest first, at the lowest 64-byte aligned offset free for their
    lifetime). Buffers with static sizes share one arena; buffers whose size
    is a static multiple of one dynamic size (the batch size, a sequence
    length) share an arena per such size, whose offsets scale with it. Each
    call then allocates one block per arena instead of one per
    intermediate.

    Dynamic sizes are compared after looking through what bufferization
    leaves between a size and the value it was computed from: `memref.dim`
    of a view, reshape or allocation (to the size it was given),
    `(x * c) floordiv c` (from reshapes: sizes do not overflow), and a
    select between two sizes that are the same.

    Both targets run it: the CPU on its buffers in host memory; CUDA on the
    host code after mlc-cuda-map-to-gpu, where the buffers are device memory
    that the kernels of one stream use in order, so a buffer whose last
    kernel was launched may be reused by the next one.

    Buffers that are returned, yielded, passed to calls or stored, and
    buffers with other layouts or more than one dynamic dimension, keep
    their own allocation.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::memref::MemRefDialect"
  ];
}

#endif // MLC_TRANSFORMS_PASSES_TD
