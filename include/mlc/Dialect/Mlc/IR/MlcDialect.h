//===- MlcDialect.h - the mlc dialect ---------------------------*- C++ -*-===//

#ifndef MLC_DIALECT_MLC_IR_MLCDIALECT_H
#define MLC_DIALECT_MLC_IR_MLCDIALECT_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Dialect.h"

#include "mlc/Dialect/Mlc/IR/MlcDialect.h.inc"

#endif // MLC_DIALECT_MLC_IR_MLCDIALECT_H
