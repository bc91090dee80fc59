//===- MlcTypes.td - type constraints of the mlc dialect ---*- tablegen -*-===//
//
// mlc uses builtin ranked tensors; this file names the element types and
// tensor kinds that its ops accept.
//
//===----------------------------------------------------------------------===//

#ifndef MLC_DIALECT_MLC_IR_MLCTYPES_TD
#define MLC_DIALECT_MLC_IR_MLCTYPES_TD

include "mlir/IR/CommonTypeConstraints.td"

def Mlc_Float : AnyTypeOf<[F64, F32, F16, BF16], "floating-point">;
def Mlc_Integer : AnyTypeOf<[I64, I32, I16, I8, UI64, UI32, UI16, UI8],
                            "integer">;
def Mlc_Numeric : AnyTypeOf<[Mlc_Float, Mlc_Integer], "numeric">;
def Mlc_Element : AnyTypeOf<[Mlc_Numeric, I1], "mlc element">;
def Mlc_I4 : I<4>;
/// Storage of quantized weights and activations.
def Mlc_QuantStorage : AnyTypeOf<[I8, UI8, Mlc_I4], "quantized storage">;

def Mlc_Tensor : RankedTensorOf<[Mlc_Element]>;
def Mlc_FloatTensor : RankedTensorOf<[Mlc_Float]>;
def Mlc_NumericTensor : RankedTensorOf<[Mlc_Numeric]>;
def Mlc_IntegerTensor : RankedTensorOf<[Mlc_Integer]>;
def Mlc_BoolTensor : RankedTensorOf<[I1]>;
/// Integer or boolean: bitwise/logical ops.
def Mlc_BitsTensor : RankedTensorOf<[Mlc_Integer, I1]>;
/// Indices (gather) and shapes (reshape, expand).
def Mlc_IndexTensor : RankedTensorOf<[I64, I32]>;
def Mlc_ShapeTensor : 1DTensorOf<[I64]>;
def Mlc_I64Scalar : 0DTensorOf<[I64]>;
def Mlc_QuantTensor : RankedTensorOf<[Mlc_QuantStorage]>;
/// What a parameter may hold: any element type, quantized storage included.
def Mlc_ParameterTensor : RankedTensorOf<[Mlc_Element, Mlc_I4]>;

#endif // MLC_DIALECT_MLC_IR_MLCTYPES_TD
