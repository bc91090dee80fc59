//===- MlcOps.cpp - generated op definitions of mlc -----------------------===//
//
// The ops' own code (shape functions, verifiers, folders) lives in one file
// per op family next to this one.
//
//===----------------------------------------------------------------------===//

#include "mlc/Dialect/Mlc/IR/MlcOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

using namespace mlir;

#define GET_OP_CLASSES
#include "mlc/Dialect/Mlc/IR/MlcOps.cpp.inc"
