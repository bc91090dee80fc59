//===- MlcOps.h - ops, attributes and enums of mlc --------------*- C++ -*-===//

#ifndef MLC_DIALECT_MLC_IR_MLCOPS_H
#define MLC_DIALECT_MLC_IR_MLCOPS_H

#include "mlc/Dialect/Mlc/IR/MlcDialect.h"
#include "mlc/Dialect/Mlc/IR/ShapeBuilder.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "mlc/Dialect/Mlc/IR/MlcEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "mlc/Dialect/Mlc/IR/MlcAttrs.h.inc"

#include "mlc/Dialect/Mlc/IR/MlcInterfaces.h.inc"

#define GET_OP_CLASSES
#include "mlc/Dialect/Mlc/IR/MlcOps.h.inc"

namespace mlc {

/// One axis of an `mlc.slice` after ONNX normalization of its bounds.
struct SliceAxis {
  int64_t axis;
  Dim start, length;
  int64_t step;
};
/// The sliced axes of a slice op, bounds clamped, sizes built by `b`.
llvm::LogicalResult getSliceAxes(ShapeBuilder &b, SliceOp::Adaptor adaptor,
                                 llvm::SmallVectorImpl<SliceAxis> &axes);

/// Bytes a tensor of `type` takes in a parameter file (i1 one byte per
/// element, i4 packed two per byte); nullopt for non-static shapes.
std::optional<uint64_t> getStorageSize(mlir::RankedTensorType type);
} // namespace mlc

#endif // MLC_DIALECT_MLC_IR_MLCOPS_H
