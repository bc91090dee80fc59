//===- Utils.h - shared helpers of the mlc to linalg lowering ---*- C++ -*-===//

#ifndef MLC_LIB_CONVERSION_MLCTOLINALG_UTILS_H
#define MLC_LIB_CONVERSION_MLCTOLINALG_UTILS_H

#include "mlc/Dialect/Mlc/IR/MlcOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlc::lowering {

using ScalarFn =
    llvm::function_ref<mlir::Value(mlir::OpBuilder &, mlir::Location,
                                   mlir::ValueRange)>;

/// Result sizes of `op`, computed by its shape function from the converted
/// operands in `adaptor`; static sizes come from `resultTypes`.
template <typename OpT>
llvm::FailureOr<mlir::ReifiedRankedShapedTypeDims>
reifyResultSizes(OpT op, typename OpT::Adaptor adaptor, mlir::OpBuilder &b,
                 mlir::TypeRange resultTypes) {
  ShapeBuilder shapes(b, op->getLoc(), OpT::getOperationName(), resultTypes);
  llvm::SmallVector<ShapedResult> results;
  if (failed(OpT::computeShapes(shapes, adaptor, results)))
    return llvm::failure();
  mlir::ReifiedRankedShapedTypeDims dims;
  if (failed(mlc::detail::toReifiedShapes(b, resultTypes, results, dims)))
    return llvm::failure();
  return dims;
}

/// The converted type of `op`'s result `i`.
mlir::RankedTensorType getResultType(const mlir::TypeConverter &converter,
                                     mlir::Operation *op, unsigned i = 0);

/// Whether `type` (or its element type) is an unsigned integer.
bool isUnsigned(mlir::Type type);

mlir::Value createEmpty(mlir::OpBuilder &b, mlir::Location loc,
                        llvm::ArrayRef<mlir::OpFoldResult> sizes,
                        mlir::Type elementType);
mlir::Value createFilled(mlir::OpBuilder &b, mlir::Location loc,
                         llvm::ArrayRef<mlir::OpFoldResult> sizes,
                         mlir::Value scalar);

/// A scalar constant of the (float or integer) type `type`.
mlir::Value createScalar(mlir::OpBuilder &b, mlir::Location loc,
                         mlir::Type type, double value);
/// The most negative / most positive value of `type` (-inf / +inf for
/// floats); `isUnsigned` selects the unsigned integer range.
mlir::Value createLowest(mlir::OpBuilder &b, mlir::Location loc,
                         mlir::Type type, bool isUnsigned);
mlir::Value createHighest(mlir::OpBuilder &b, mlir::Location loc,
                          mlir::Type type, bool isUnsigned);

/// Converts between scalar types (int/index/float) with value semantics.
mlir::Value convertScalar(mlir::OpBuilder &b, mlir::Location loc,
                          mlir::Value v, mlir::Type to, bool fromUnsigned,
                          bool toUnsigned);

/// The indexing map of an operand NumPy-broadcast into `resultType`: static
/// size-1 dimensions that the result does not share read index 0.
mlir::AffineMap getBroadcastMap(mlir::RankedTensorType operandType,
                                mlir::RankedTensorType resultType);

llvm::SmallVector<mlir::utils::IteratorType> getParallelIterators(unsigned n);

/// A linalg.generic over the result's index space reading the broadcast
/// operands; `body` computes one result element from theirs.
mlir::Value buildElementwise(mlir::OpBuilder &b, mlir::Location loc,
                             mlir::ValueRange operands,
                             mlir::RankedTensorType resultType,
                             llvm::ArrayRef<mlir::OpFoldResult> resultSizes,
                             ScalarFn body);

/// Reduces `input` over the sorted `axes` (result without them), starting
/// from `init` and folding each element in with `combine(acc, x)`; `map`
/// (if given) transforms each element before.
mlir::Value
buildReduction(mlir::OpBuilder &b, mlir::Location loc, mlir::Value input,
               llvm::ArrayRef<int64_t> axes, mlir::Value init,
               llvm::function_ref<mlir::Value(mlir::OpBuilder &, mlir::Location,
                                              mlir::Value, mlir::Value)>
                   combine);

/// Inserts size-1 dimensions at `axes` (positions in the result).
mlir::Value insertUnitDims(mlir::OpBuilder &b, mlir::Location loc,
                           mlir::Value input, llvm::ArrayRef<int64_t> axes);

/// 1 / sqrt(mean(x^2) + epsilon) over the last dimension of `x`: the scale
/// of RMSNorm, one per row (in ReductionToLinalg.cpp).
mlir::Value inverseRms(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                       double epsilon);

/// Reshapes `input` to `resultType` (with `sizes` for its dynamic dims):
/// expand_shape/collapse_shape where possible, tensor.reshape otherwise.
mlir::Value reshapeTo(mlir::OpBuilder &b, mlir::Location loc,
                      mlir::Value input, mlir::RankedTensorType resultType,
                      llvm::ArrayRef<mlir::OpFoldResult> sizes);

/// A tensor.cast to `type` if the value's type differs.
mlir::Value castTo(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v,
                   mlir::Type type);

/// An index value for `ofr`.
mlir::Value toValue(mlir::OpBuilder &b, mlir::Location loc,
                    mlir::OpFoldResult ofr);

/// Clamps the index `v` into [0, size - 1].
mlir::Value clampIndex(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v,
                       mlir::Value size);

} // namespace mlc::lowering

#endif // MLC_LIB_CONVERSION_MLCTOLINALG_UTILS_H
