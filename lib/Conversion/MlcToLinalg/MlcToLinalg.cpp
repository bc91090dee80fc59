//===- MlcToLinalg.cpp - the convert-mlc-to-linalg pass -------------------===//

#include "mlc/Conversion/MlcToLinalg/MlcToLinalg.h"
#include "PatternsImpl.h"
#include "mlc/Conversion/Passes.h"
#include "mlc/Dialect/Mlc/IR/MlcOps.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Func/Transforms/FuncConversions.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

namespace mlc {
#define GEN_PASS_DEF_CONVERTMLCTOLINALGPASS
#include "mlc/Conversion/Passes.h.inc"
} // namespace mlc

using namespace mlir;
using namespace mlc;

MlcToLinalgTypeConverter::MlcToLinalgTypeConverter() {
  addConversion([](Type type) { return type; });
  addConversion([](IntegerType type) -> Type {
    if (type.isUnsigned())
      return IntegerType::get(type.getContext(), type.getWidth());
    return type;
  });
  addConversion([this](RankedTensorType type) -> Type {
    return type.clone(convertType(type.getElementType()));
  });
  // Values whose type changes meet the unconverted world through bitcasts.
  auto bitcast = [](OpBuilder &b, Type type, ValueRange inputs,
                    Location loc) -> Value {
    if (inputs.size() != 1 || !isa<RankedTensorType>(type))
      return {};
    return tensor::BitcastOp::create(b, loc, type, inputs[0]);
  };
  addSourceMaterialization(bitcast);
  addTargetMaterialization(bitcast);
}

void mlc::populateMlcToLinalgPatterns(const TypeConverter &converter,
                                      RewritePatternSet &patterns) {
  lowering::populateElementwisePatterns(converter, patterns);
  lowering::populateContractionPatterns(converter, patterns);
  lowering::populateReductionPatterns(converter, patterns);
  lowering::populateDataMovementPatterns(converter, patterns);
  lowering::populateResizePatterns(converter, patterns);
  lowering::populateTransformerPatterns(converter, patterns);
  lowering::populateQuantPatterns(converter, patterns);
}

namespace {
struct ConvertMlcToLinalgPass
    : mlc::impl::ConvertMlcToLinalgPassBase<ConvertMlcToLinalgPass> {
  using Base::Base;
  void runOnOperation() override {
    MLIRContext *context = &getContext();
    // Parameters reach compiled code as arguments, not as ops.
    WalkResult reads = getOperation().walk([](GetParameterOp op) {
      op.emitOpError("reads a parameter inside a function; run "
                     "mlc-parameters-to-arguments before "
                     "convert-mlc-to-linalg");
      return WalkResult::interrupt();
    });
    if (reads.wasInterrupted())
      return signalPassFailure();
    MlcToLinalgTypeConverter converter;
    ConversionTarget target(*context);
    target.addIllegalDialect<MlcDialect>();
    target.addLegalOp<ParameterOp>();
    if (keepKvCacheAttention)
      target.addDynamicallyLegalOp<AttentionOp>([](AttentionOp op) {
        return op.getPosition() && !op.getMask();
      });
    target.addLegalDialect<affine::AffineDialect, arith::ArithDialect,
                           linalg::LinalgDialect, math::MathDialect,
                           scf::SCFDialect, tensor::TensorDialect>();
    target.addDynamicallyLegalOp<func::FuncOp>([&](func::FuncOp func) {
      return converter.isSignatureLegal(func.getFunctionType()) &&
             converter.isLegal(&func.getBody());
    });
    target.addDynamicallyLegalOp<func::ReturnOp, func::CallOp>(
        [&](Operation *op) { return converter.isLegal(op); });

    RewritePatternSet patterns(context);
    populateFunctionOpInterfaceTypeConversionPattern<func::FuncOp>(patterns,
                                                                   converter);
    populateReturnOpTypeConversionPattern(patterns, converter);
    populateCallOpTypeConversionPattern(patterns, converter);
    populateMlcToLinalgPatterns(converter, patterns);
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
