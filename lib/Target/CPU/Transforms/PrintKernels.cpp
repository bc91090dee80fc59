//===- PrintKernels.cpp - the kernels of each function --------------------===//
//
// A kernel is a top-level loop nest (or copy) of a function lowered to
// loops: what fusion tries to make few. Each is printed with the names of
// the source ops whose work it holds, from their NameLocs.
//
//===----------------------------------------------------------------------===//

#include "mlc/Target/CPU/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

namespace mlc {
#define GEN_PASS_DEF_CPUPRINTKERNELSPASS
#include "mlc/Target/CPU/Transforms/Passes.h.inc"
} // namespace mlc

using namespace mlir;

namespace {

/// Adds the names of the NameLocs in `loc` to `names`.
void collectNames(Location loc, llvm::SetVector<StringRef> &names) {
  if (auto name = dyn_cast<NameLoc>(loc)) {
    names.insert(name.getName().strref());
    return;
  }
  if (auto fused = dyn_cast<FusedLoc>(loc)) {
    for (Location inner : fused.getLocations())
      collectNames(inner, names);
    return;
  }
  if (auto callSite = dyn_cast<CallSiteLoc>(loc))
    collectNames(callSite.getCallee(), names);
}

struct CpuPrintKernelsPass
    : mlc::impl::CpuPrintKernelsPassBase<CpuPrintKernelsPass> {
  void runOnOperation() override {
    // One write for the module: functions in order, whole lines.
    std::string text;
    llvm::raw_string_ostream os(text);
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      if (func.isExternal())
        continue;
      std::string lines;
      llvm::raw_string_ostream body(lines);
      unsigned count = 0;
      for (Operation &op : func.getBody().getOps()) {
        const char *kind = isa<scf::ForallOp>(op) ? "parallel"
                           : isa<scf::ForOp, scf::ParallelOp>(op) ? "serial"
                           : isa<memref::CopyOp>(op)              ? "copy"
                           : isa<linalg::LinalgOp>(op)            ? "linalg"
                                                                  : nullptr;
        if (!kind)
          continue;
        llvm::SetVector<StringRef> names;
        op.walk([&](Operation *inner) { collectNames(inner->getLoc(), names); });
        body << llvm::format("  %2u %-9s ", ++count, kind);
        llvm::interleave(names, body, ", ");
        body << "\n";
      }
      os << "kernels of @" << func.getSymName() << ": " << count << "\n"
         << lines;
    }
    llvm::errs() << text;
  }
};

} // namespace
