//===- ParameterTest.cpp - the parameter table ----------------------------===//

#include "mlc/Dialect/Mlc/IR/MlcOps.h"
#include "mlc/InitAll.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Parser/Parser.h"
#include "gtest/gtest.h"

using namespace mlir;
using namespace mlc;

namespace {

TEST(ParameterTest, StorageSizePacksInt4AndBytesBooleans) {
  MLIRContext context;
  auto type = [&](ArrayRef<int64_t> shape, Type element) {
    return RankedTensorType::get(shape, element);
  };
  Builder b(&context);
  EXPECT_EQ(getStorageSize(type({1024, 1024}, b.getBF16Type())), 2u << 20);
  EXPECT_EQ(getStorageSize(type({3, 5}, b.getIntegerType(4))), 8u);
  EXPECT_EQ(getStorageSize(type({7}, b.getI1Type())), 7u);
  EXPECT_EQ(getStorageSize(type({ShapedType::kDynamic}, b.getF32Type())),
            std::nullopt);
}

class ParseTest : public ::testing::Test {
protected:
  ParseTest() {
    DialectRegistry registry;
    registerAllDialects(registry);
    context.appendDialectRegistry(registry);
  }

  /// Parses and verifies `source`; collects diagnostics.
  OwningOpRef<ModuleOp> parse(StringRef source) {
    ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
      errors.push_back(diag.str());
      return success();
    });
    return parseSourceString<ModuleOp>(source, &context);
  }

  MLIRContext context;
  std::vector<std::string> errors;
};

TEST_F(ParseTest, ParameterTableResolvesNames) {
  auto module = parse(R"mlir(
    mlc.parameter @"layers.0.w" : tensor<4x8xi4>
        = #mlc.file<"model.bin", offset = 64, size = 16>
    func.func @f() -> tensor<4x8xi4> {
      %w = mlc.get_parameter @"layers.0.w" : tensor<4x8xi4>
      return %w : tensor<4x8xi4>
    }
  )mlir");
  ASSERT_TRUE(module) << (errors.empty() ? "" : errors.front());
  auto parameter = module->lookupSymbol<ParameterOp>("layers.0.w");
  ASSERT_TRUE(parameter);
  auto file = cast<FileAttr>(parameter.getValueAttr());
  EXPECT_EQ(file.getPath(), "model.bin");
  EXPECT_EQ(file.getOffset(), 64u);
}

TEST_F(ParseTest, UnknownParameterIsAnError) {
  auto module = parse(R"mlir(
    func.func @f() -> tensor<4xf32> {
      %w = mlc.get_parameter @missing : tensor<4xf32>
      return %w : tensor<4xf32>
    }
  )mlir");
  EXPECT_FALSE(module);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("'missing' does not name an mlc.parameter"),
            std::string::npos);
}

TEST_F(ParseTest, FileRangeMustMatchTheType) {
  auto module = parse(R"mlir(
    mlc.parameter @w : tensor<4xf32> = #mlc.file<"w.bin", offset = 0, size = 8>
  )mlir");
  EXPECT_FALSE(module);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("needs 16 bytes"), std::string::npos);
}

} // namespace
