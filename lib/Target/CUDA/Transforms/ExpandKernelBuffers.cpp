//===- ExpandKernelBuffers.cpp - buffers of dynamic type as kernel args ---===//
//
// The pass mlc-cuda-expand-kernel-buffers: a kernel argument that is a
// buffer of dynamic shape, strides or offset becomes its base buffer (rank
// 0, a bare pointer) and the dynamic parts of its descriptor; the kernel
// rebuilds it with memref.reinterpret_cast, and launches pass what
// memref.extract_strided_metadata gives.
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"
#include "mlc/Target/CUDA/Transforms/Passes.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/SymbolTable.h"

namespace mlc {
#define GEN_PASS_DEF_CUDAEXPANDKERNELBUFFERSPASS
#include "mlc/Target/CUDA/Transforms/Passes.h.inc"
} // namespace mlc

using namespace mlir;

namespace {
/// The layout of one strided buffer type: which parts are dynamic.
struct Descriptor {
  MemRefType type;
  SmallVector<int64_t> strides;
  int64_t offset;

  /// The layout of `type` if it is a strided buffer that kernels do not
  /// take as a bare pointer.
  static std::optional<Descriptor> of(Type type) {
    auto memref = dyn_cast<MemRefType>(type);
    Descriptor d;
    if (!memref || mlc::cuda::isBarePointerBuffer(memref) ||
        failed(memref.getStridesAndOffset(d.strides, d.offset)))
      return std::nullopt;
    d.type = memref;
    return d;
  }

  MemRefType baseType() const {
    return MemRefType::get({}, type.getElementType(),
                           MemRefLayoutAttrInterface(),
                           type.getMemorySpace());
  }

  /// The dynamic parts, in argument order: offset, sizes, strides.
  template <typename Fn>
  void forEachDynamic(Value offset, ValueRange sizes, ValueRange strideValues,
                      Fn fn) const {
    if (ShapedType::isDynamic(this->offset))
      fn(offset);
    for (auto [size, v] : llvm::zip(type.getShape(), sizes))
      if (ShapedType::isDynamic(size))
        fn(v);
    for (auto [stride, v] : llvm::zip(strides, strideValues))
      if (ShapedType::isDynamic(stride))
        fn(v);
  }
  unsigned numDynamic() const {
    unsigned n = ShapedType::isDynamic(offset);
    n += llvm::count_if(type.getShape(), ShapedType::isDynamic);
    return n + llvm::count_if(strides, ShapedType::isDynamic);
  }
};
} // namespace

/// Rewrites argument `index` of `func` (of layout `d`) into base and
/// scalars, rebuilding the buffer at the kernel's entry.
static void expandArgument(gpu::GPUFuncOp func, unsigned index,
                           const Descriptor &d) {
  Location loc = func.getLoc();
  BlockArgument old = func.getArgument(index);
  IndexType indexType = IndexType::get(func.getContext());
  unsigned at = index + 1;
  if (failed(func.insertArgument(at, d.baseType(), {}, loc)))
    llvm_unreachable("gpu.func takes inserted arguments");
  Value base = func.getArgument(at);
  SmallVector<Value> scalars;
  for (unsigned i = 0; i < d.numDynamic(); ++i) {
    (void)func.insertArgument(at + 1 + i, indexType, {}, loc);
    scalars.push_back(func.getArgument(at + 1 + i));
  }
  OpBuilder b = OpBuilder::atBlockBegin(&func.getBody().front());
  unsigned next = 0;
  auto part = [&](int64_t known) -> OpFoldResult {
    if (ShapedType::isDynamic(known))
      return scalars[next++];
    return b.getIndexAttr(known);
  };
  OpFoldResult offset = part(d.offset);
  SmallVector<OpFoldResult> sizes, strides;
  for (int64_t size : d.type.getShape())
    sizes.push_back(part(size));
  for (int64_t stride : d.strides)
    strides.push_back(part(stride));
  Value rebuilt = memref::ReinterpretCastOp::create(b, loc, d.type, base,
                                                    offset, sizes, strides);
  old.replaceAllUsesWith(rebuilt);
  (void)func.eraseArgument(index);
}

namespace {
struct CudaExpandKernelBuffersPass
    : public mlc::impl::CudaExpandKernelBuffersPassBase<
          CudaExpandKernelBuffersPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    // The kernels to rewrite and the layouts of their expanded arguments.
    DenseMap<Operation *, SmallVector<std::pair<unsigned, Descriptor>>>
        kernels;
    module.walk([&](gpu::GPUFuncOp func) {
      if (!func.isKernel())
        return;
      for (auto [i, type] : llvm::enumerate(func.getArgumentTypes()))
        if (std::optional<Descriptor> d = Descriptor::of(type))
          kernels[func].emplace_back(i, *d);
    });
    if (kernels.empty())
      return;

    WalkResult launches = module.walk([&](gpu::LaunchFuncOp launch) {
      auto func = SymbolTable::lookupNearestSymbolFrom<gpu::GPUFuncOp>(
          launch, launch.getKernel());
      if (!func) {
        launch.emitError("launches an unknown kernel ") << launch.getKernel();
        return WalkResult::interrupt();
      }
      auto it = kernels.find(func);
      if (it == kernels.end())
        return WalkResult::advance();
      OpBuilder b(launch);
      SmallVector<Value> operands;
      auto expanded = it->second.begin();
      for (auto [i, operand] : llvm::enumerate(launch.getKernelOperands())) {
        if (expanded == it->second.end() || expanded->first != i) {
          operands.push_back(operand);
          continue;
        }
        auto metadata = memref::ExtractStridedMetadataOp::create(
            b, launch.getLoc(), operand);
        operands.push_back(metadata.getBaseBuffer());
        expanded->second.forEachDynamic(
            metadata.getOffset(), metadata.getSizes(), metadata.getStrides(),
            [&](Value v) { operands.push_back(v); });
        ++expanded;
      }
      launch.getKernelOperandsMutable().assign(operands);
      return WalkResult::advance();
    });
    if (launches.wasInterrupted())
      return signalPassFailure();

    // Last argument first: the indices of the others stay valid.
    for (auto &[op, arguments] : kernels)
      for (auto &[index, d] : llvm::reverse(arguments))
        expandArgument(cast<gpu::GPUFuncOp>(op), index, d);
  }
};
} // namespace
