//===- ShapeBuilderTest.cpp - type inference and shape reification --------===//
//
// Builds mlc ops through the C++ API and checks the types they infer and the
// IR their dynamic dimensions reify to.
//
//===----------------------------------------------------------------------===//

#include "mlc/Dialect/Mlc/IR/MlcOps.h"
#include "mlc/InitAll.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Verifier.h"
#include "gtest/gtest.h"

using namespace mlir;
using namespace mlc;

namespace {

class ShapeBuilderTest : public ::testing::Test {
protected:
  ShapeBuilderTest() : builder(&context) {
    DialectRegistry registry;
    registerAllDialects(registry);
    context.appendDialectRegistry(registry);
    context.loadAllAvailableDialects();
    module = ModuleOp::create(builder.getUnknownLoc());
    builder.setInsertionPointToEnd(module->getBody());
  }

  /// A function with arguments of the given types; the builder is left in
  /// its body.
  ValueRange makeFunction(ArrayRef<Type> argTypes) {
    auto func = func::FuncOp::create(builder, builder.getUnknownLoc(), "f",
                                     builder.getFunctionType(argTypes, {}));
    Block *body = func.addEntryBlock();
    builder.setInsertionPointToStart(body);
    return body->getArguments();
  }

  RankedTensorType tensor(ArrayRef<int64_t> shape, Type elementType = {}) {
    return RankedTensorType::get(shape,
                                 elementType ? elementType : builder.getF32Type());
  }

  MLIRContext context;
  OpBuilder builder;
  OwningOpRef<ModuleOp> module;
  const int64_t kDyn = ShapedType::kDynamic;
};

TEST_F(ShapeBuilderTest, BroadcastInfersStaticWhereOperandsFixIt) {
  ValueRange args = makeFunction({tensor({kDyn, 4}), tensor({3, 1})});
  auto add = AddOp::create(builder, builder.getUnknownLoc(), args[0], args[1]);
  EXPECT_EQ(add.getType(), tensor({3, 4}));
}

TEST_F(ShapeBuilderTest, MatmulInfersBatchBroadcastAndTransposes) {
  ValueRange args =
      makeFunction({tensor({kDyn, 1, 7, 16}), tensor({5, 32, 16})});
  auto matmul = MatmulOp::create(builder, builder.getUnknownLoc(), args[0],
                                 args[1], /*transpose_lhs=*/false,
                                 /*transpose_rhs=*/true);
  EXPECT_EQ(matmul.getType(), tensor({kDyn, 5, 7, 32}));
}

TEST_F(ShapeBuilderTest, InferenceRejectsBadPermutation) {
  ValueRange args = makeFunction({tensor({2, 3, 4})});
  SmallVector<Type> types;
  NamedAttrList attrs;
  TransposeOp::Properties props;
  props.permutation = builder.getDenseI64ArrayAttr({0, 0, 1});
  EXPECT_TRUE(failed(TransposeOp::inferReturnTypes(
      &context, std::nullopt, args, attrs.getDictionary(&context), &props, {},
      types)));
  props.permutation = builder.getDenseI64ArrayAttr({2, 0, 1});
  EXPECT_TRUE(succeeded(TransposeOp::inferReturnTypes(
      &context, std::nullopt, args, attrs.getDictionary(&context), &props, {},
      types)));
  EXPECT_EQ(types.back(), tensor({4, 2, 3}));
}

TEST_F(ShapeBuilderTest, SliceNormalizesNegativeAndClampedBounds) {
  ValueRange args = makeFunction({tensor({10, 8})});
  auto slice = SliceOp::create(
      builder, builder.getUnknownLoc(), args[0],
      builder.getDenseI64ArrayAttr({0, 1}),
      builder.getDenseI64ArrayAttr({-3, 100}),
      builder.getDenseI64ArrayAttr({INT64_MAX, -100}),
      builder.getDenseI64ArrayAttr({1, -2}));
  // Axis 0: elements 7, 8, 9. Axis 1: from 7 down to 0 in steps of 2.
  EXPECT_EQ(slice.getType(), tensor({3, 4}));
}

TEST_F(ShapeBuilderTest, ReifiesDynamicBroadcastAsSelect) {
  ValueRange args = makeFunction({tensor({kDyn, 4}), tensor({kDyn, 1})});
  auto add = AddOp::create(builder, builder.getUnknownLoc(), args[0], args[1]);
  ASSERT_EQ(add.getType(), tensor({kDyn, 4}));
  ReifiedRankedShapedTypeDims dims;
  ASSERT_TRUE(succeeded(
      cast<ReifyRankedShapedTypeOpInterface>(add.getOperation())
          .reifyResultShapes(builder, dims)));
  ASSERT_EQ(dims.size(), 1u);
  ASSERT_EQ(dims[0].size(), 2u);
  // Dim 1 is static; dim 0 picks whichever operand size is not 1.
  EXPECT_EQ(getConstantIntValue(dims[0][1]), std::optional<int64_t>(4));
  auto dim0 = dyn_cast<Value>(dims[0][0]);
  ASSERT_TRUE(dim0);
  EXPECT_TRUE(isa<arith::SelectOp>(dim0.getDefiningOp()));
}

TEST_F(ShapeBuilderTest, ReifiesConvolutionOutputSize) {
  ValueRange args =
      makeFunction({tensor({1, 3, kDyn, 224}), tensor({64, 3, 7, 7})});
  auto conv = Conv2dOp::create(
      builder, builder.getUnknownLoc(), args[0], args[1], Value(),
      Layout::nchw, builder.getDenseI64ArrayAttr({2, 2}), nullptr,
      builder.getDenseI64ArrayAttr({3, 3, 3, 3}), 1);
  EXPECT_EQ(conv.getType(), tensor({1, 64, kDyn, 112}));
  ReifiedRankedShapedTypeDims dims;
  ASSERT_TRUE(succeeded(
      cast<ReifyRankedShapedTypeOpInterface>(conv.getOperation())
          .reifyResultShapes(builder, dims)));
  // (H + 6 - 7) floordiv 2 + 1, built from tensor.dim of the input.
  auto height = dyn_cast<Value>(dims[0][2]);
  ASSERT_TRUE(height);
  EXPECT_TRUE(isa<arith::AddIOp>(height.getDefiningOp()));
  func::ReturnOp::create(builder, builder.getUnknownLoc());
  EXPECT_TRUE(succeeded(verify(*module)));
}

} // namespace
