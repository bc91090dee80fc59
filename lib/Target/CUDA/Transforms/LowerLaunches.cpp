//===- LowerLaunches.cpp - gpu.launch_func as calls of the runtime's hook -===//
//
// Upstream's gpu-to-llvm lowers launches to the mgpu* functions of
// libmlir_cuda_runtime, which Debian does not ship, and loads the binary
// from a global constructor when the library is loaded, where no error can
// be reported. A CUDA module built by mlc instead launches through the
// hooks the runtime fills in (mlc-c/Module.h): the host code calls
// mlc_cuda_launch, which the module's support object forwards.
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"
#include "mlc/Target/CUDA/Transforms/Passes.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinOps.h"

namespace mlc {
#define GEN_PASS_DEF_CUDALOWERLAUNCHESPASS
#include "mlc/Target/CUDA/Transforms/Passes.h.inc"
} // namespace mlc

using namespace mlir;

/// The launch hook's name in the support object of CUDA modules
/// (lib/Target/CUDA/ModuleSupport).
static constexpr llvm::StringLiteral kLaunchFunction = "mlc_cuda_launch";

/// Whether the kernels can take `type` as an argument: a buffer as a bare
/// pointer (the kernel applies the offset of its type to the aligned
/// pointer it receives), or a scalar of a type LLVM stores as is.
static bool isKernelArgument(Type type) {
  if (auto memref = dyn_cast<MemRefType>(type))
    return mlc::cuda::isBarePointerBuffer(memref);
  return type.isIndex() || type.isIntOrFloat();
}

namespace {
struct CudaLowerLaunchesPass
    : public mlc::impl::CudaLowerLaunchesPassBase<CudaLowerLaunchesPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    SmallVector<gpu::LaunchFuncOp> launches;
    module.walk([&](gpu::LaunchFuncOp op) { launches.push_back(op); });
    if (launches.empty())
      return;

    // Kernel indices, by first launch, per binary.
    llvm::MapVector<StringAttr, llvm::MapVector<StringAttr, int32_t>> kernels;
    for (gpu::LaunchFuncOp launch : launches) {
      auto &table = kernels[launch.getKernelModuleName()];
      table.try_emplace(launch.getKernelName(), table.size());
    }
    if (kernels.size() > 1) {
      launches.front().emitError("launches kernels of ")
          << kernels.size()
          << " binaries: run mlc-cuda-merge-kernel-modules first (a CUDA "
             "module has one)";
      return signalPassFailure();
    }
    auto binary = module.lookupSymbol<gpu::BinaryOp>(kernels.front().first);
    if (!binary) {
      launches.front().emitError("launches a kernel of @")
          << kernels.front().first.getValue()
          << ", which is not a gpu.binary: serialize the kernels first";
      return signalPassFailure();
    }
    SmallVector<Attribute> names;
    for (auto &entry : kernels.front().second)
      names.push_back(entry.first);
    binary->setAttr("mlc.kernels", ArrayAttr::get(ctx, names));

    auto ptrType = LLVM::LLVMPointerType::get(ctx);
    auto i32 = IntegerType::get(ctx, 32), i64 = IntegerType::get(ctx, 64);
    OpBuilder b(module.getBodyRegion());
    auto hook = module.lookupSymbol<LLVM::LLVMFuncOp>(kLaunchFunction);
    if (!hook) {
      b.setInsertionPointToStart(module.getBody());
      SmallVector<Type> params = {i32, i64, i64, i64, i64, i64, i64, i32,
                                  ptrType};
      hook = LLVM::LLVMFuncOp::create(
          b, module.getLoc(), kLaunchFunction,
          LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(ctx), params));
    }

    // Per function, one array of 8-byte value slots and one of pointers to
    // them, in the entry block (so that launches in loops do not grow the
    // stack), shared by its launches: the driver reads the values when a
    // kernel is launched.
    DenseMap<Operation *, std::pair<Value, Value>> arrays;
    DenseMap<Operation *, unsigned> maxArgs;
    for (gpu::LaunchFuncOp launch : launches) {
      unsigned &count =
          maxArgs[launch->getParentOfType<FunctionOpInterface>()];
      count = std::max(count, launch.getNumKernelOperands());
    }
    auto getArrays = [&](gpu::LaunchFuncOp launch) {
      auto func = launch->getParentOfType<FunctionOpInterface>();
      auto [it, inserted] = arrays.try_emplace(func);
      if (inserted) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(&func.getFunctionBody().front());
        Location loc = func.getLoc();
        Value count = LLVM::ConstantOp::create(
            b, loc, i64, std::max(maxArgs.lookup(func), 1u));
        it->second = {LLVM::AllocaOp::create(b, loc, ptrType, i64, count),
                      LLVM::AllocaOp::create(b, loc, ptrType, ptrType, count)};
      }
      return it->second;
    };

    for (gpu::LaunchFuncOp launch : launches) {
      Location loc = launch.getLoc();
      if (!launch.getAsyncDependencies().empty() || launch.getAsyncToken() ||
          launch.getAsyncObject()) {
        launch.emitError("asynchronous launches are not lowered: the module's "
                         "work is ordered on the runtime's stream");
        return signalPassFailure();
      }
      if (launch.hasClusterSize()) {
        launch.emitError("thread block clusters are not supported");
        return signalPassFailure();
      }
      for (Value arg : launch.getKernelOperands())
        if (!isKernelArgument(arg.getType())) {
          launch.emitError("kernel argument of type ")
              << arg.getType()
              << " cannot be passed (memrefs need a static shape, strides "
                 "and offset)";
          return signalPassFailure();
        }
      auto [values, params] = getArrays(launch);

      b.setInsertionPoint(launch);
      auto toI64 = [&](Value index) -> Value {
        return arith::IndexCastOp::create(b, loc, i64, index);
      };
      for (auto [i, arg] : llvm::enumerate(launch.getKernelOperands())) {
        Value value = arg;
        if (isa<MemRefType>(arg.getType())) {
          Value address =
              memref::ExtractAlignedPointerAsIndexOp::create(b, loc, arg);
          value = LLVM::IntToPtrOp::create(b, loc, ptrType, toI64(address));
        } else if (arg.getType().isIndex()) {
          value = toI64(arg);
        }
        LLVM::GEPArg position[] = {static_cast<int32_t>(i)};
        Value slot =
            LLVM::GEPOp::create(b, loc, ptrType, i64, values, position);
        LLVM::StoreOp::create(b, loc, value, slot);
        LLVM::StoreOp::create(
            b, loc, slot,
            LLVM::GEPOp::create(b, loc, ptrType, ptrType, params, position));
      }
      Value index = LLVM::ConstantOp::create(
          b, loc, i32, kernels.front().second.lookup(launch.getKernelName()));
      Value shared = launch.getDynamicSharedMemorySize();
      if (!shared)
        shared = LLVM::ConstantOp::create(b, loc, i32, 0);
      gpu::KernelDim3 grid = launch.getGridSizeOperandValues(),
                      block = launch.getBlockSizeOperandValues();
      SmallVector<Value> operands = {
          index,
          toI64(grid.x),  toI64(grid.y),  toI64(grid.z),
          toI64(block.x), toI64(block.y), toI64(block.z),
          shared,         params};
      LLVM::CallOp::create(b, loc, hook, operands);
      launch.erase();
    }
  }
};
} // namespace
