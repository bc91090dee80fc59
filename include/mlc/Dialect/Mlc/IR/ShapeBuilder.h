//===- ShapeBuilder.h - shape functions of mlc ops --------------*- C++ -*-===//
//
// Every shaped mlc op has one shape function, `computeShapes`, written once
// against ShapeBuilder. Run in inference mode it yields static sizes (or
// "unknown") and reports invalid operands; run in reification mode it emits
// `arith`/`tensor` ops that compute every dynamic size at run time. Type
// inference, verification, ReifyRankedShapedTypeOpInterface and
// mlc-infer-shapes all go through it, so they cannot disagree.
//
//===----------------------------------------------------------------------===//

#ifndef MLC_DIALECT_MLC_IR_SHAPEBUILDER_H
#define MLC_DIALECT_MLC_IR_SHAPEBUILDER_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include <optional>

namespace mlc {

/// One dimension size while a shape is computed: a constant, an SSA `index`
/// value (only when reifying), or unknown (only when inferring).
class Dim {
public:
  Dim() = default;
  static Dim constant(int64_t size) {
    Dim d;
    d.size = size;
    return d;
  }
  static Dim value(mlir::Value v) {
    Dim d;
    d.ssa = v;
    return d;
  }

  bool isConstant() const { return size.has_value(); }
  bool isConstant(int64_t v) const { return size && *size == v; }
  int64_t getConstant() const { return *size; }
  mlir::Value getValue() const { return ssa; }
  /// The size as a static dimension (ShapedType::kDynamic if not constant).
  int64_t getStaticSize() const {
    return size ? *size : mlir::ShapedType::kDynamic;
  }

private:
  std::optional<int64_t> size;
  mlir::Value ssa;
};

/// The shape (and, where it is inferable, element type) of one result.
struct ShapedResult {
  llvm::SmallVector<Dim> dims;
  /// Null for ops whose result element type is not a function of operands.
  mlir::Type elementType;
};

class ShapeBuilder {
public:
  /// Inference mode: constants only. Errors are reported at `loc` when it is
  /// set. `resultTypes` are the op's declared result types when it exists.
  ShapeBuilder(mlir::MLIRContext *context, std::optional<mlir::Location> loc,
               llvm::StringRef opName, mlir::TypeRange resultTypes = {});
  /// Reification mode: dynamic sizes are built as `index` values at the
  /// builder's insertion point.
  ShapeBuilder(mlir::OpBuilder &builder, mlir::Location loc,
               llvm::StringRef opName, mlir::TypeRange resultTypes);

  mlir::MLIRContext *getContext() const { return context; }
  bool isReifying() const { return builder != nullptr; }
  /// Only valid when reifying.
  mlir::OpBuilder &getBuilder() const { return *builder; }
  mlir::Location getLoc() const;
  /// The op's declared result types; empty while inferring them.
  mlir::TypeRange getResultTypes() const { return resultTypes; }

  Dim constant(int64_t size) const { return Dim::constant(size); }
  /// Size of dimension `i` of the ranked tensor `shaped`.
  Dim dim(mlir::Value shaped, int64_t i);
  llvm::SmallVector<Dim> dims(mlir::Value shaped);
  /// Value of element `index` of the integer tensor `tensor`, folded when
  /// `tensor` is a constant.
  Dim element(mlir::Value tensor, llvm::ArrayRef<int64_t> index);

  Dim add(Dim a, Dim b);
  Dim sub(Dim a, Dim b);
  Dim mul(Dim a, Dim b);
  Dim floorDiv(Dim a, Dim b);
  Dim ceilDiv(Dim a, Dim b);
  Dim max(Dim a, Dim b);
  Dim min(Dim a, Dim b);
  /// `(a <predicate> b) ? then : otherwise`, signed comparison.
  Dim selectIf(mlir::arith::CmpIPredicate predicate, Dim a, Dim b, Dim then,
               Dim otherwise);
  /// NumPy broadcast of two aligned sizes; nullopt if provably incompatible.
  std::optional<Dim> broadcast(Dim a, Dim b);
  /// Product of `dims`.
  Dim product(llvm::ArrayRef<Dim> dims);

  /// Reports `'<op>' op <message>` at the location (if any); returns failure.
  template <typename... Args>
  llvm::LogicalResult emitError(Args &&...args) const {
    return mlir::emitOptionalError(loc, "'", opName, "' op ",
                                   std::forward<Args>(args)...);
  }

private:
  mlir::Value toIndex(Dim d);
  Dim binary(Dim a, Dim b,
             llvm::function_ref<std::optional<int64_t>(int64_t, int64_t)> fold,
             llvm::function_ref<mlir::Value(mlir::Value, mlir::Value)> build);

  mlir::MLIRContext *context;
  mlir::OpBuilder *builder = nullptr;
  std::optional<mlir::Location> loc;
  llvm::StringRef opName;
  mlir::TypeRange resultTypes;
};

namespace detail {

/// Static sizes of `dims`.
llvm::SmallVector<int64_t> getStaticSizes(llvm::ArrayRef<Dim> dims);

/// Shape function of ops whose single result has the shape and element type
/// of `operand`.
llvm::LogicalResult sameShapeAs(ShapeBuilder &b, mlir::Value operand,
                                llvm::SmallVectorImpl<ShapedResult> &results);

/// NumPy broadcasting of several shapes into `result`.
llvm::LogicalResult broadcastDims(ShapeBuilder &b,
                                  llvm::ArrayRef<llvm::SmallVector<Dim>> shapes,
                                  llvm::SmallVectorImpl<Dim> &result);

/// Shape function of broadcasting elementwise ops.
llvm::LogicalResult broadcastShapes(ShapeBuilder &b,
                                    llvm::ArrayRef<mlir::Value> operands,
                                    mlir::Type elementType,
                                    llvm::SmallVectorImpl<ShapedResult> &results);

/// Checks that every axis is in [0, rank) and, if `sortedUnique`, that the
/// list is strictly increasing.
llvm::LogicalResult checkAxes(ShapeBuilder &b, llvm::StringRef what,
                              llvm::ArrayRef<int64_t> axes, int64_t rank,
                              bool sortedUnique);

/// Window parameters of convolution and pooling, defaults filled in.
struct Window {
  llvm::SmallVector<int64_t, 2> strides, dilations;
  llvm::SmallVector<int64_t, 4> padding; // top, left, bottom, right
};
/// Checks and completes the optional `strides`, `dilations` and `padding`.
llvm::FailureOr<Window>
getWindow(ShapeBuilder &b, std::optional<llvm::ArrayRef<int64_t>> strides,
          std::optional<llvm::ArrayRef<int64_t>> dilations,
          std::optional<llvm::ArrayRef<int64_t>> padding);
/// Output size of a sliding window along spatial dimension `i` (0 = H).
Dim getWindowOutputSize(ShapeBuilder &b, const Window &window, int64_t i,
                        Dim input, Dim kernel, bool ceilMode);

/// Rank of a value's ranked tensor type.
int64_t getRank(mlir::Value v);

/// Shape functions assume ranked tensor operands; builders may not ensure it.
llvm::LogicalResult checkRankedOperands(ShapeBuilder &b,
                                        mlir::ValueRange operands);

/// Same element types and compatible shapes.
bool isCompatibleReturnTypes(mlir::TypeRange inferred, mlir::TypeRange actual);

/// Checks `shapes` (from a shape function) against the op's result types.
llvm::LogicalResult checkResultShapes(mlir::Operation *op,
                                      llvm::ArrayRef<ShapedResult> shapes);

/// Converts computed shapes into reified dims, preferring the static sizes
/// of `resultTypes`.
llvm::LogicalResult
toReifiedShapes(mlir::OpBuilder &builder, mlir::TypeRange resultTypes,
                llvm::ArrayRef<ShapedResult> shapes,
                mlir::ReifiedRankedShapedTypeDims &reified);

template <typename OpT>
llvm::LogicalResult
inferReturnTypes(mlir::MLIRContext *context,
                 std::optional<mlir::Location> location,
                 typename OpT::Adaptor adaptor,
                 llvm::SmallVectorImpl<mlir::Type> &types) {
  ShapeBuilder b(context, location, OpT::getOperationName());
  if (failed(checkRankedOperands(b, adaptor.getOperands())))
    return llvm::failure();
  llvm::SmallVector<ShapedResult> shapes;
  if (failed(OpT::computeShapes(b, adaptor, shapes)))
    return llvm::failure();
  for (const ShapedResult &shape : shapes)
    types.push_back(mlir::RankedTensorType::get(getStaticSizes(shape.dims),
                                                shape.elementType));
  return llvm::success();
}

template <typename OpT>
llvm::LogicalResult verifyResultShapes(OpT op) {
  ShapeBuilder b(op->getContext(), op->getLoc(), OpT::getOperationName(),
                 op->getResultTypes());
  llvm::SmallVector<ShapedResult> shapes;
  if (failed(OpT::computeShapes(b, typename OpT::Adaptor(op), shapes)))
    return llvm::failure();
  return checkResultShapes(op, shapes);
}

template <typename OpT>
llvm::LogicalResult
reifyResultShapes(OpT op, mlir::OpBuilder &builder,
                  mlir::ReifiedRankedShapedTypeDims &reified) {
  ShapeBuilder b(builder, op->getLoc(), OpT::getOperationName(),
                 op->getResultTypes());
  llvm::SmallVector<ShapedResult> shapes;
  if (failed(OpT::computeShapes(b, typename OpT::Adaptor(op), shapes)))
    return llvm::failure();
  return toReifiedShapes(builder, op->getResultTypes(), shapes, reified);
}

} // namespace detail
} // namespace mlc

#endif // MLC_DIALECT_MLC_IR_SHAPEBUILDER_H
