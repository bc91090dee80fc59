//===- ParameterOps.cpp - parameters and constants ------------------------===//

#include "mlc/Dialect/Mlc/IR/MlcOps.h"

using namespace mlir;
using namespace mlc;

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

LogicalResult ParameterOp::verify() {
  RankedTensorType type = getTensorType();
  if (!type.hasStaticShape())
    return emitOpError("parameter @")
           << getSymName() << " must have a static shape, has " << type;
  Attribute value = getValueAttr();
  if (!value)
    return success();
  if (auto file = dyn_cast<FileAttr>(value)) {
    if (file.getPath().empty())
      return emitOpError("parameter @") << getSymName() << " has an empty file path";
    uint64_t expected = *getStorageSize(type);
    if (file.getSize() != expected)
      return emitOpError("parameter @")
             << getSymName() << " of type " << type << " needs " << expected
             << " bytes, its file range holds " << file.getSize();
    return success();
  }
  auto elements = cast<ElementsAttr>(value);
  if (elements.getType() != type)
    return emitOpError("parameter @")
           << getSymName() << " has type " << type << " but its value has type "
           << elements.getType();
  return success();
}

LogicalResult
GetParameterOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  auto parameter =
      symbolTable.lookupNearestSymbolFrom<ParameterOp>(*this, getNameAttr());
  if (!parameter)
    return emitOpError("'") << getName()
                            << "' does not name an mlc.parameter";
  if (parameter.getType() != getType())
    return emitOpError("result type ")
           << getType() << " differs from the type of parameter @"
           << getName() << ", " << parameter.getType();
  return success();
}
