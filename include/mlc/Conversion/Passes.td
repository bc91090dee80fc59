//===- Passes.td - conversions out of the mlc dialect ------*- tablegen -*-===//

#ifndef MLC_CONVERSION_PASSES_TD
#define MLC_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertMlcToLinalgPass : Pass<"convert-mlc-to-linalg", "::mlir::ModuleOp"> {
  let summary = "Lower mlc ops to linalg, tensor, arith and math on tensors";
  let description = [{
    Rewrites every mlc op except `mlc.parameter` (which the compile driver
    reads) into structured ops on tensors: elementwise ops become
    `linalg.generic`s with broadcasting indexing maps, contractions become
    contraction generics or named convolutions, reductions and
    normalizations become reduction generics, data movement becomes
    `tensor` ops. Unsigned element types become signless; the ops keep their
    unsigned semantics. Dynamic sizes come from the ops' shape functions.

    Broadcasting is decided statically: a dimension broadcasts when its size
    is the static 1; two dynamic sizes are assumed equal.

    With `keep-kv-cache-attention`, `mlc.attention` over a KV cache (with
    `position`, without a mask) is left for the target to lower (the CUDA
    pipeline's `mlc-cuda-attention-to-linalg`, after elementwise fusion).
  }];
  let options = [
    Option<"keepKvCacheAttention", "keep-kv-cache-attention", "bool",
           "false", "Leave mlc.attention with a position and no mask">,
  ];
  let dependentDialects = [
    "::mlir::affine::AffineDialect",
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

def ConvertStridedCopyToLinalgPass
    : Pass<"convert-strided-copy-to-linalg", "::mlir::func::FuncOp"> {
  let summary = "Rewrite memref.copy of strided memrefs as vector loops";
  let description = [{
    `finalize-memref-to-llvm` lowers a `memref.copy` whose operands are not
    both contiguous to a call to `memrefCopy` from MLIR's runner-utils
    library, which compiled mlc modules do not link, and which copies one
    element at a time. This pass turns those copies into loops over all
    dimensions but the last, each copying a row with
    `vector.transfer_read`/`transfer_write` of at most 64 bytes (and one
    shorter transfer for the rest of the row). Where rows have no static
    length, or elements are narrower than a byte, the copy becomes a
    `linalg.copy` (scalar loops). Contiguous copies are left alone (they
    become `memcpy`).
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::ub::UBDialect",
    "::mlir::vector::VectorDialect"
  ];
}

def FuseElementwiseOpsPass : Pass<"mlc-fuse-elementwise-ops"> {
  let summary = "Fuse elementwise linalg producers into consumers without "
                "recomputing them";
  let description = [{
    The fusion step that ends the lowering to linalg. It applies upstream's
    elementwise fusion, reshape propagation and constant folding patterns,
    but fuses a single-use elementwise producer into a reduction or
    contraction consumer only when the consumer reads it through a
    permutation map: a producer fused into a matmul operand would be
    recomputed once per column of the result and hide the contraction from
    the code generator. Into elementwise consumers, producers fuse as
    upstream does (broadcasts included). A producer that only widens
    (`arith.extf`, bf16 weights read as f32) fuses into any consumer.

    Example: `sigmoid(gate) * up` followed by the down projection stays two
    generics, the elementwise one and the contraction.

    First, a residual connection `x + contraction(...)`, where the
    contraction starts from zeros and has no other use, becomes the
    contraction accumulating into `x` (its init): the sum is not a pass of
    its own.
  }];
  let dependentDialects = [
    "::mlir::affine::AffineDialect",
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

#endif // MLC_CONVERSION_PASSES_TD
