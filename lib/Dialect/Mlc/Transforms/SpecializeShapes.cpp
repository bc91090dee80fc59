//===- SpecializeShapes.cpp - static input shapes for the entry point -----===//

#include "mlc/Dialect/Mlc/IR/MlcOps.h"
#include "mlc/Dialect/Mlc/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlc {
#define GEN_PASS_DEF_SPECIALIZESHAPESPASS
#include "mlc/Dialect/Mlc/Transforms/Passes.h.inc"
} // namespace mlc

using namespace mlir;
using namespace mlc;

/// At most this many rounds of shape inference and folding (each round
/// resolves one more level of shapes computed from shapes; exported models
/// need two or three).
static constexpr int kMaxRounds = 16;

/// `text` ("2x16x256", or "scalar") as sizes, or failure.
static FailureOr<SmallVector<int64_t>> parseShape(llvm::StringRef text) {
  SmallVector<int64_t> sizes;
  if (text == "scalar")
    return sizes;
  for (llvm::StringRef part : llvm::split(text, 'x')) {
    int64_t size;
    if (part.getAsInteger(10, size) || size < 0)
      return failure();
    sizes.push_back(size);
  }
  return sizes;
}

namespace {
struct SpecializeShapesPass
    : mlc::impl::SpecializeShapesPassBase<SpecializeShapesPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (shapes.empty())
      return;
    func::FuncOp entry = module.lookupSymbol<func::FuncOp>("main");
    if (!entry) {
      for (auto func : module.getOps<func::FuncOp>()) {
        if (!func.isPublic() || func.isExternal())
          continue;
        if (entry) {
          func.emitError("mlc-specialize-shapes needs one entry point (@main "
                         "or the only public function); this module has "
                         "several");
          return signalPassFailure();
        }
        entry = func;
      }
    }
    if (!entry || entry.isExternal()) {
      module.emitError("mlc-specialize-shapes: no entry point");
      return signalPassFailure();
    }
    if (shapes.size() > entry.getNumArguments()) {
      entry.emitError("mlc-specialize-shapes: ")
          << shapes.size() << " shapes for " << entry.getNumArguments()
          << " inputs";
      return signalPassFailure();
    }

    Block &body = entry.getBody().front();
    OpBuilder b(&body, body.begin());
    for (auto [i, text] : llvm::enumerate(shapes)) {
      BlockArgument arg = body.getArgument(i);
      auto type = dyn_cast<RankedTensorType>(arg.getType());
      FailureOr<SmallVector<int64_t>> sizes = parseShape(text);
      if (failed(sizes)) {
        entry.emitError("mlc-specialize-shapes: input #")
            << i << ": '" << text << "' is not a shape like 2x16x256";
        return signalPassFailure();
      }
      if (!type || type.getRank() != static_cast<int64_t>(sizes->size())) {
        entry.emitError("mlc-specialize-shapes: input #")
            << i << " is " << arg.getType() << ", not of rank "
            << sizes->size() << " ('" << text << "')";
        return signalPassFailure();
      }
      for (auto [declared, given] : llvm::zip(type.getShape(), *sizes))
        if (!ShapedType::isDynamic(declared) && declared != given) {
          entry.emitError("mlc-specialize-shapes: input #")
              << i << " is " << type << ", which shape " << text
              << " contradicts";
          return signalPassFailure();
        }
      auto specialized = type.clone(*sizes);
      if (specialized == type)
        continue;
      // mlc ops take the more static operand as is (their shape functions
      // see it); other users keep the old type through a cast.
      SmallVector<OpOperand *> foreign;
      for (OpOperand &use : arg.getUses())
        if (!isa<ShapedOpInterface>(use.getOwner()))
          foreign.push_back(&use);
      arg.setType(specialized);
      if (!foreign.empty()) {
        Value cast = tensor::CastOp::create(b, arg.getLoc(), type, arg);
        for (OpOperand *use : foreign)
          use->set(cast);
      }
    }
    // Shapes that an exporter computes from the input's dimensions (Shape,
    // Gather, Concat feeding a Reshape) fold to constants only once those
    // dimensions are static, and then refine more results: inference and
    // folding alternate until nothing changes.
    RewritePatternSet patterns(&getContext());
    for (Dialect *dialect : getContext().getLoadedDialects())
      dialect->getCanonicalizationPatterns(patterns);
    for (RegisteredOperationName op : getContext().getRegisteredOperations())
      op.getCanonicalizationPatterns(patterns, &getContext());
    FrozenRewritePatternSet canonicalization(std::move(patterns));
    for (int round = 0; round < kMaxRounds; ++round) {
      bool refined = inferShapes(entry);
      bool folded = false;
      if (failed(applyPatternsGreedily(entry, canonicalization,
                                       GreedyRewriteConfig(), &folded))) {
        entry.emitError("mlc-specialize-shapes: canonicalization did not "
                        "converge");
        return signalPassFailure();
      }
      if (!refined && !folded)
        break;
    }

    // Results as static as inference made them: a returned cast from a
    // more static type returns its source.
    auto ret = cast<func::ReturnOp>(body.getTerminator());
    for (OpOperand &operand : ret->getOpOperands())
      if (auto cast = operand.get().getDefiningOp<tensor::CastOp>())
        if (tensor::canFoldIntoConsumerOp(cast))
          operand.set(cast.getSource());
    entry.setFunctionType(FunctionType::get(
        &getContext(), body.getArgumentTypes(), ret.getOperandTypes()));
  }
};
} // namespace
