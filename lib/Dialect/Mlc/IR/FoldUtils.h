//===- FoldUtils.h - constant folding helpers of mlc ops --------*- C++ -*-===//
//
// Constant folding on small dense tensors: shape computations of imported
// graphs (Shape -> Gather -> Concat -> Reshape) and tiny masks fold away,
// weights never do.
//
//===----------------------------------------------------------------------===//

#ifndef MLC_LIB_DIALECT_MLC_IR_FOLDUTILS_H
#define MLC_LIB_DIALECT_MLC_IR_FOLDUTILS_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"

namespace mlc::detail {

/// Largest result, in elements, that a folder materializes.
constexpr int64_t kMaxFoldElements = 4096;

/// `attr` as a dense constant if it is one; null otherwise.
mlir::DenseElementsAttr asDense(mlir::Attribute attr);

/// Whether `type` is a static shape small enough to fold into.
bool isFoldableType(mlir::Type type);

/// Whether `attr` is a splat constant equal to `value`.
bool isSplatOf(mlir::Attribute attr, double value);

/// Folds an elementwise op with NumPy broadcasting: `fn` maps the scalar
/// attributes (FloatAttr/IntegerAttr) of one result element's operands to
/// the result's scalar attribute, or null to give up.
mlir::Attribute
foldElementwise(llvm::ArrayRef<mlir::Attribute> operands, mlir::Type resultType,
                llvm::function_ref<mlir::Attribute(
                    llvm::ArrayRef<mlir::Attribute>)> fn);

/// Folds a data-movement op: result element `i` is element `sourceIndex(i)`
/// (a linear index) of the constant `input`.
mlir::Attribute
foldGather(mlir::Attribute input, mlir::Type resultType,
           llvm::function_ref<int64_t(llvm::ArrayRef<int64_t>)> sourceIndex);

/// Row-major strides of `shape`.
llvm::SmallVector<int64_t> getStrides(llvm::ArrayRef<int64_t> shape);

} // namespace mlc::detail

#endif // MLC_LIB_DIALECT_MLC_IR_FOLDUTILS_H
