//===- InitAll.cpp - register what mlc tools use --------------------------===//
//
// The one place that decides which dialects and passes mlc's tools know.
// Only what mlc uses is registered, not all of MLIR.
//
//===----------------------------------------------------------------------===//

#include "mlc/InitAll.h"
#include "mlc/Dialect/Mlc/IR/MlcDialect.h"
#include "mlc/Dialect/Mlc/Transforms/Passes.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/Passes.h"

void mlc::registerAllDialects(mlir::DialectRegistry &registry) {
  registry.insert<mlc::MlcDialect, mlir::arith::ArithDialect,
                  mlir::func::FuncDialect, mlir::memref::MemRefDialect,
                  mlir::tensor::TensorDialect>();
}

void mlc::registerAllPasses() {
  mlc::registerMlcPasses();
  mlir::registerTransformsPasses();
  mlir::memref::registerMemRefPasses();
}
