//===- DynamicShapeOps.h - shape ops with run-time parameters ---*- C++ -*-===//
//
// Private to the ONNX importer: the converters of DynamicShapeOps.cpp, which
// the converters of Squeeze, Unsqueeze, Slice, Split, Pad and the
// reductions call when those inputs are not constants. Each sets the node's
// outputs (or fails it).
//
//===----------------------------------------------------------------------===//

#ifndef MLC_LIB_IMPORT_ONNX_DYNAMICSHAPEOPS_H
#define MLC_LIB_IMPORT_ONNX_DYNAMICSHAPEOPS_H

#include "ConverterContext.h"

namespace mlc::onnx_import {

llvm::LogicalResult convertDynamicSqueeze(ConverterContext &node, mlir::Value x,
                                          mlir::Value axes);
llvm::LogicalResult convertDynamicUnsqueeze(ConverterContext &node,
                                            mlir::Value x, mlir::Value axes);
/// `axes` and `steps` may be null (all leading axes, steps of 1).
llvm::LogicalResult convertDynamicSlice(ConverterContext &node, mlir::Value x,
                                        mlir::Value starts, mlir::Value ends,
                                        mlir::Value axes, mlir::Value steps);
llvm::LogicalResult convertDynamicSplit(ConverterContext &node, mlir::Value x,
                                        int64_t axis, mlir::Value sizes);
/// `value` is the 0-d fill value of constant padding.
llvm::LogicalResult convertDynamicPad(ConverterContext &node, mlir::Value x,
                                      mlir::Value pads, PadMode mode,
                                      mlir::Value value);
llvm::LogicalResult convertDynamicReduce(ConverterContext &node, mlir::Value x,
                                         ReduceKind kind, mlir::Value axes,
                                         bool keepdims);

} // namespace mlc::onnx_import

#endif // MLC_LIB_IMPORT_ONNX_DYNAMICSHAPEOPS_H
