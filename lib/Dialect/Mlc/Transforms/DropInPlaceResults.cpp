//===- DropInPlaceResults.cpp - results updating arguments in place -------===//
//
// After bufferization, a result marked `mlc.updates = J` is argument J's new
// value. It leaves the signature: the function writes the argument's buffer,
// which is what bufferization chose anyway when it could update in place.
//
//===----------------------------------------------------------------------===//

#include "mlc/Dialect/Mlc/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

namespace mlc {
#define GEN_PASS_DEF_DROPINPLACERESULTSPASS
#include "mlc/Dialect/Mlc/Transforms/Passes.h.inc"
} // namespace mlc

using namespace mlir;

namespace {

/// `value` with casts that change no storage looked through.
Value stripCasts(Value value) {
  while (auto cast = value.getDefiningOp<memref::CastOp>())
    value = cast.getSource();
  return value;
}

struct DropInPlaceResultsPass
    : mlc::impl::DropInPlaceResultsPassBase<DropInPlaceResultsPass> {
  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      if (func.isExternal())
        continue;
      llvm::BitVector dropped(func.getNumResults());
      for (unsigned r = 0; r < func.getNumResults(); ++r) {
        auto attr = func.getResultAttrOfType<IntegerAttr>(r, "mlc.updates");
        if (!attr)
          continue;
        if (!isa<BaseMemRefType>(func.getResultTypes()[r])) {
          func.emitOpError("mlc-drop-in-place-results runs after "
                           "bufferization; result #")
              << r << " is not a memref";
          return signalPassFailure();
        }
        dropped.set(r);
        BlockArgument arg = func.getArgument(attr.getInt());
        func.walk([&](func::ReturnOp ret) {
          Value value = ret.getOperand(r);
          if (stripCasts(value) == arg)
            return;
          func.emitWarning("result #")
              << r << " could not be computed in place of argument #"
              << arg.getArgNumber() << ": it is copied on every call";
          OpBuilder b(ret);
          memref::CopyOp::create(b, ret.getLoc(), value, arg);
        });
      }
      if (dropped.none())
        continue;
      func.walk([&](func::ReturnOp ret) {
        for (int r = func.getNumResults() - 1; r >= 0; --r)
          if (dropped.test(r))
            ret->eraseOperand(r);
      });
      if (failed(func.eraseResults(dropped))) {
        func.emitOpError("cannot drop in-place results");
        return signalPassFailure();
      }
    }
  }
};

} // namespace
