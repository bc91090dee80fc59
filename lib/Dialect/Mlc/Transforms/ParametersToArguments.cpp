//===- ParametersToArguments.cpp - parameters become entry arguments ------===//

#include "mlc/Dialect/Mlc/IR/MlcOps.h"
#include "mlc/Dialect/Mlc/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/StringSet.h"

namespace mlc {
#define GEN_PASS_DEF_PARAMETERSTOARGUMENTSPASS
#include "mlc/Dialect/Mlc/Transforms/Passes.h.inc"
} // namespace mlc

using namespace mlir;
using namespace mlc;

namespace {
struct ParametersToArgumentsPass
    : mlc::impl::ParametersToArgumentsPassBase<ParametersToArgumentsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    // Table order decides argument order.
    llvm::StringMap<unsigned> order;
    for (auto parameter : module.getOps<ParameterOp>())
      order.try_emplace(parameter.getSymName(), order.size());

    for (auto func : module.getOps<func::FuncOp>()) {
      SmallVector<GetParameterOp> reads;
      func.walk([&](GetParameterOp op) { reads.push_back(op); });
      if (reads.empty())
        continue;
      if (func.isPrivate() || func.isExternal()) {
        func.emitError("private function reads parameters; only public "
                       "functions can receive them as arguments");
        return signalPassFailure();
      }
      // One argument per distinct parameter, in table order.
      std::vector<std::pair<unsigned, GetParameterOp>> used;
      llvm::StringSet<> seen;
      for (GetParameterOp read : reads) {
        auto it = order.find(read.getName());
        if (it == order.end()) {
          read.emitOpError("reads an unknown parameter");
          return signalPassFailure();
        }
        if (seen.insert(read.getName()).second)
          used.push_back({it->second, read});
      }
      llvm::sort(used, [](auto &a, auto &b) { return a.first < b.first; });

      Block &entry = func.getBody().front();
      llvm::StringMap<Value> arguments;
      SmallVector<Type> inputs(func.getArgumentTypes());
      MLIRContext *ctx = &getContext();
      for (auto &[index, read] : used) {
        Value argument = entry.addArgument(read.getType(), read.getLoc());
        arguments[read.getName()] = argument;
        inputs.push_back(read.getType());
      }
      func.setType(FunctionType::get(ctx, inputs, func.getResultTypes()));
      unsigned first = func.getNumArguments() - used.size();
      for (auto [i, entryPair] : llvm::enumerate(used)) {
        func.setArgAttr(first + i, "mlc.parameter",
                        FlatSymbolRefAttr::get(ctx, entryPair.second.getName()));
        func.setArgAttr(first + i, "bufferization.writable",
                        BoolAttr::get(ctx, false));
      }
      for (GetParameterOp read : reads) {
        read.replaceAllUsesWith(arguments[read.getName()]);
        read.erase();
      }
    }
  }
};
} // namespace
