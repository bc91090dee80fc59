//===- MlcDialect.cpp - the mlc dialect -----------------------------------===//

#include "mlc/Dialect/Mlc/IR/MlcDialect.h"
#include "mlc/Dialect/Mlc/IR/MlcOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlc;

#include "mlc/Dialect/Mlc/IR/MlcDialect.cpp.inc"
#include "mlc/Dialect/Mlc/IR/MlcEnums.cpp.inc"
#include "mlc/Dialect/Mlc/IR/MlcInterfaces.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "mlc/Dialect/Mlc/IR/MlcAttrs.cpp.inc"

void MlcDialect::initialize() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "mlc/Dialect/Mlc/IR/MlcAttrs.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "mlc/Dialect/Mlc/IR/MlcOps.cpp.inc"
      >();
}

Operation *MlcDialect::materializeConstant(OpBuilder &builder, Attribute value,
                                           Type type, Location loc) {
  auto elements = dyn_cast<ElementsAttr>(value);
  if (!elements || elements.getType() != type)
    return nullptr;
  return ConstantOp::create(builder, loc, type, elements);
}

std::optional<uint64_t> mlc::getStorageSize(RankedTensorType type) {
  if (!type.hasStaticShape())
    return std::nullopt;
  uint64_t count = type.getNumElements();
  unsigned bits = type.getElementType().getIntOrFloatBitWidth();
  if (bits == 4)
    return (count + 1) / 2;
  return count * std::max(1u, bits / 8);
}
