//===- MlcOps.td - op base classes and op families ---------*- tablegen -*-===//
//
// Base classes of mlc ops. The ops themselves live in one file per family,
// included at the end.
//
//===----------------------------------------------------------------------===//

#ifndef MLC_DIALECT_MLC_IR_MLCOPS_TD
#define MLC_DIALECT_MLC_IR_MLCOPS_TD

include "mlc/Dialect/Mlc/IR/MlcAttrs.td"
include "mlc/Dialect/Mlc/IR/MlcDialect.td"
include "mlc/Dialect/Mlc/IR/MlcInterfaces.td"
include "mlc/Dialect/Mlc/IR/MlcTypes.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"
include "mlir/IR/OpBase.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

class Mlc_Op<string mnemonic, list<Trait> traits = []>
    : Op<Mlc_Dialect, mnemonic, traits>;

// Declaration of the one shape function of a shaped op.
defvar mlcShapeFunctionDecl = [{
  /// Computes the result shapes (and, where they follow from the operands,
  /// the element types) from the operands and attributes. Used both to infer
  /// result types and to reify dynamic dimensions as SSA values.
  static ::llvm::LogicalResult computeShapes(
      ::mlc::ShapeBuilder &b, Adaptor adaptor,
      ::llvm::SmallVectorImpl<::mlc::ShapedResult> &results);
}];

/// An op whose result shapes come from one shape function, `computeShapes`,
/// that serves its verifier, type inference (when `infersType` is set) and
/// `ReifyRankedShapedTypeOpInterface`. The function is defined in the op
/// family's .cpp file unless `shapeFunction` gives its body here. Checks that
/// are not about shapes go in `verifyExtra`, declared with
/// `hasExtraVerifier`.
class Mlc_ShapedOp<string mnemonic, list<Trait> traits = [],
                   bit infersType = 1>
    : Mlc_Op<mnemonic, traits # [
        Pure, Mlc_ShapedOpInterface,
        DeclareOpInterfaceMethods<ReifyRankedShapedTypeOpInterface,
                                  ["reifyResultShapes"]>]
        # !if(infersType, [InferTypeOpAdaptorWithIsCompatible], [])> {
  code shapeFunction = "";
  bit hasExtraVerifier = 0;
  let extraClassDeclaration = mlcShapeFunctionDecl
    # !if(hasExtraVerifier, "::llvm::LogicalResult verifyExtra();", "");
  // The verifier runs the shape function first, so invalid operands get its
  // message (not a generic "failed to infer returned types").
  let hasVerifier = 1;
  let extraClassDefinition = [{
    ::llvm::LogicalResult $cppClass::verify() {
      if (::llvm::failed(::mlc::detail::verifyResultShapes<$cppClass>(*this)))
        return ::llvm::failure();
      return }] # !if(hasExtraVerifier, "verifyExtra()", "::llvm::success()")
    # [{;
    }
    ::llvm::LogicalResult $cppClass::reifyResultShapes(
        ::mlir::OpBuilder &builder,
        ::mlir::ReifiedRankedShapedTypeDims &shapes) {
      return ::mlc::detail::reifyResultShapes<$cppClass>(*this, builder,
                                                         shapes);
    }
  }] # !if(infersType, [{
    ::llvm::LogicalResult $cppClass::inferReturnTypes(
        ::mlir::MLIRContext *context, std::optional<::mlir::Location> location,
        Adaptor adaptor, ::llvm::SmallVectorImpl<::mlir::Type> &types) {
      return ::mlc::detail::inferReturnTypes<$cppClass>(context, location,
                                                        adaptor, types);
    }
    bool $cppClass::isCompatibleReturnTypes(::mlir::TypeRange inferred,
                                            ::mlir::TypeRange actual) {
      return ::mlc::detail::isCompatibleReturnTypes(inferred, actual);
    }
  }], "") # !if(!empty(shapeFunction), "", [{
    ::llvm::LogicalResult $cppClass::computeShapes(
        ::mlc::ShapeBuilder &b, Adaptor adaptor,
        ::llvm::SmallVectorImpl<::mlc::ShapedResult> &results) {
  }] # shapeFunction # "\n}\n");
}

include "mlc/Dialect/Mlc/IR/MlcElementwiseOps.td"
include "mlc/Dialect/Mlc/IR/MlcContractionOps.td"
include "mlc/Dialect/Mlc/IR/MlcReductionOps.td"
include "mlc/Dialect/Mlc/IR/MlcDataMovementOps.td"
include "mlc/Dialect/Mlc/IR/MlcParameterOps.td"
include "mlc/Dialect/Mlc/IR/MlcTransformerOps.td"
include "mlc/Dialect/Mlc/IR/MlcQuantOps.td"

#endif // MLC_DIALECT_MLC_IR_MLCOPS_TD
