//===- MlcAttrs.td - attributes of the mlc dialect ---------*- tablegen -*-===//

#ifndef MLC_DIALECT_MLC_IR_MLCATTRS_TD
#define MLC_DIALECT_MLC_IR_MLCATTRS_TD

include "mlc/Dialect/Mlc/IR/MlcDialect.td"
include "mlc/Dialect/Mlc/IR/MlcEnums.td"
include "mlir/IR/AttrTypeBase.td"

class Mlc_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<Mlc_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

// Keyword-like enums sit in an op's format (`mlc.reduce sum %x`); option-like
// enums sit in its attribute dictionary (`{layout = #mlc.layout<nhwc>}`).
// A keyword enum prints its own leading space, so op formats put `` before
// it to drop theirs (`mlc.reduce sum`, not `mlc.reduce  sum`).
def Mlc_CmpPredicateAttr : EnumAttr<Mlc_Dialect, Mlc_CmpPredicate, "cmp_predicate">;
def Mlc_ReduceKindAttr : EnumAttr<Mlc_Dialect, Mlc_ReduceKind, "reduce_kind">;
def Mlc_PoolKindAttr : EnumAttr<Mlc_Dialect, Mlc_PoolKind, "pool_kind">;
def Mlc_LayoutAttr : EnumAttr<Mlc_Dialect, Mlc_Layout, "layout"> {
  let assemblyFormat = "`<` $value `>`";
}
def Mlc_PadModeAttr : EnumAttr<Mlc_Dialect, Mlc_PadMode, "pad_mode"> {
  let assemblyFormat = "`<` $value `>`";
}
def Mlc_InterpolationModeAttr
    : EnumAttr<Mlc_Dialect, Mlc_InterpolationMode, "interpolation_mode">;
def Mlc_CoordinateTransformAttr
    : EnumAttr<Mlc_Dialect, Mlc_CoordinateTransform, "coordinate_transform"> {
  let assemblyFormat = "`<` $value `>`";
}
def Mlc_NearestRoundingAttr
    : EnumAttr<Mlc_Dialect, Mlc_NearestRounding, "nearest_rounding"> {
  let assemblyFormat = "`<` $value `>`";
}

def Mlc_FileAttr : Mlc_Attr<"File", "file"> {
  let summary = "A byte range of a file that holds a parameter's data";
  let description = [{
    Where a parameter's values live: `size` bytes at `offset` in `path`
    (relative paths are resolved against the directory of the model being
    compiled). The bytes are the tensor in row-major order, little endian, in
    the parameter's element type; `i1` takes one byte per element and `i4` is
    packed two per byte, low nibble first.

    Example:

    ```mlir
    mlc.parameter @"layers.0.mlp.up_proj.weight" : tensor<3072x1024xbf16>
        = #mlc.file<"model.safetensors", offset = 1048576, size = 6291456>
    ```
  }];
  let parameters = (ins StringRefParameter<"file path">:$path,
                        "uint64_t":$offset, "uint64_t":$size);
  let assemblyFormat = [{
    `<` $path `,` `offset` `=` $offset `,` `size` `=` $size `>`
  }];
}

#endif // MLC_DIALECT_MLC_IR_MLCATTRS_TD
