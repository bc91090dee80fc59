//===- MlcInterfaces.td - interfaces of the mlc dialect ----*- tablegen -*-===//

#ifndef MLC_DIALECT_MLC_IR_MLCINTERFACES_TD
#define MLC_DIALECT_MLC_IR_MLCINTERFACES_TD

include "mlir/IR/OpBase.td"

def Mlc_ShapedOpInterface : OpInterface<"ShapedOpInterface"> {
  let description = [{
    An op whose result shapes are computed by one shape function from its
    operands and attributes. `mlc-infer-shapes` calls it on every op to
    refine dynamic dimensions; the same function backs type inference and
    `ReifyRankedShapedTypeOpInterface`.
  }];
  let cppNamespace = "::mlc";
  let methods = [
    InterfaceMethod<
      /*desc=*/"Computes the result shapes with `b` (see ShapeBuilder).",
      /*retTy=*/"::llvm::LogicalResult",
      /*methodName=*/"computeResultShapes",
      /*args=*/(ins "::mlc::ShapeBuilder &":$b,
                    "::llvm::SmallVectorImpl<::mlc::ShapedResult> &":$results),
      /*methodBody=*/[{
        return ConcreteOp::computeShapes(b, typename ConcreteOp::Adaptor($_op),
                                         results);
      }]>
  ];
}

#endif // MLC_DIALECT_MLC_IR_MLCINTERFACES_TD
