//===- MlcEnums.td - enumerations of the mlc dialect -------*- tablegen -*-===//

#ifndef MLC_DIALECT_MLC_IR_MLCENUMS_TD
#define MLC_DIALECT_MLC_IR_MLCENUMS_TD

include "mlir/IR/EnumAttr.td"

def Mlc_CmpPredicate : I32Enum<"CmpPredicate", "comparison predicate", [
  I32EnumCase<"eq", 0>, I32EnumCase<"ne", 1>, I32EnumCase<"lt", 2>,
  I32EnumCase<"le", 3>, I32EnumCase<"gt", 4>, I32EnumCase<"ge", 5>
]> { let cppNamespace = "::mlc"; }

def Mlc_ReduceKind : I32Enum<"ReduceKind", "reduction", [
  I32EnumCase<"sum", 0>, I32EnumCase<"mean", 1>, I32EnumCase<"max", 2>,
  I32EnumCase<"min", 3>, I32EnumCase<"prod", 4>, I32EnumCase<"sum_square", 5>,
  I32EnumCase<"l1", 6>, I32EnumCase<"l2", 7>, I32EnumCase<"log_sum", 8>,
  I32EnumCase<"log_sum_exp", 9>
]> { let cppNamespace = "::mlc"; }

def Mlc_PoolKind : I32Enum<"PoolKind", "pooling", [
  I32EnumCase<"max", 0>, I32EnumCase<"avg", 1>
]> { let cppNamespace = "::mlc"; }

def Mlc_Layout : I32Enum<"Layout", "image layout", [
  I32EnumCase<"nchw", 0>, I32EnumCase<"nhwc", 1>
]> {
  let cppNamespace = "::mlc";
  let description = [{
    `nchw`: activations [N, C, H, W], convolution filters [F, C/groups, KH, KW].
    `nhwc`: activations [N, H, W, C], convolution filters [KH, KW, C/groups, F].
  }];
}

def Mlc_PadMode : I32Enum<"PadMode", "padding mode", [
  I32EnumCase<"constant", 0>, I32EnumCase<"reflect", 1>, I32EnumCase<"edge", 2>,
  I32EnumCase<"wrap", 3>
]> { let cppNamespace = "::mlc"; }

def Mlc_InterpolationMode : I32Enum<"InterpolationMode", "interpolation", [
  I32EnumCase<"nearest", 0>, I32EnumCase<"linear", 1>, I32EnumCase<"cubic", 2>
]> { let cppNamespace = "::mlc"; }

def Mlc_CoordinateTransform : I32Enum<"CoordinateTransform",
    "how a resized coordinate maps back to the input", [
  I32EnumCase<"half_pixel", 0>, I32EnumCase<"asymmetric", 1>,
  I32EnumCase<"align_corners", 2>, I32EnumCase<"pytorch_half_pixel", 3>,
  I32EnumCase<"tf_half_pixel_for_nn", 4>, I32EnumCase<"tf_crop_and_resize", 5>
]> { let cppNamespace = "::mlc"; }

def Mlc_NearestRounding : I32Enum<"NearestRounding",
    "how nearest-neighbour resizing rounds a coordinate", [
  I32EnumCase<"round_prefer_floor", 0>, I32EnumCase<"round_prefer_ceil", 1>,
  I32EnumCase<"floor", 2>, I32EnumCase<"ceil", 3>
]> { let cppNamespace = "::mlc"; }

#endif // MLC_DIALECT_MLC_IR_MLCENUMS_TD
