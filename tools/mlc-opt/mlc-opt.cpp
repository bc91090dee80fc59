//===- mlc-opt.cpp - the mlc pass driver ----------------------------------===//
//
// mlir-opt for mlc: parses IR, runs the passes and pipelines named on the
// command line, prints the result. Every mlc compile can be replayed with it.
//
//===----------------------------------------------------------------------===//

#include "mlc/InitAll.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  mlc::registerAllDialects(registry);
  mlc::registerAllPasses();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "mlc pass driver\n", registry));
}
