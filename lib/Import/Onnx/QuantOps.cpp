//===- QuantOps.cpp - ONNX quantization ops to mlc ------------------------===//
//
// QuantizeLinear and DequantizeLinear, per tensor or per axis (opset 13),
// onto mlc.quantize and mlc.dequantize.
//
//===----------------------------------------------------------------------===//

#include "ConverterContext.h"
#include "llvm/Support/FormatVariadic.h"

using namespace mlir;
using namespace mlc;
using namespace mlc::onnx_import;

namespace {

using CC = ConverterContext;

/// Adds `axis` for a per-axis (1-D) scale. A 0-d scale is per tensor and
/// ONNX ignores the attribute then.
LogicalResult addQuantAxis(CC &node, Value x, Value scale,
                           SmallVectorImpl<NamedAttribute> &attrs) {
  if (CC::typeOf(scale).getRank() != 1)
    return success();
  std::optional<int64_t> axis =
      node.normalizeAxis(node.getInt("axis", 1), CC::typeOf(x).getRank());
  if (!axis)
    return failure();
  attrs.push_back(node.namedAttr(
      "axis", Builder(node.getContext()).getI64IntegerAttr(*axis)));
  return success();
}

LogicalResult convertQuantizeLinear(CC &node) {
  Value x = node.input(0), scale = node.input(1);
  Value zeroPoint = node.optionalInput(2);
  if (node.hasFailed())
    return failure();
  if (!isa<FloatType>(CC::elementTypeOf(x)))
    return node.unsupported("quantizing " +
                            llvm::formatv("{0}", CC::elementTypeOf(x)).str() +
                            " inputs");
  // The zero point's type is the result's; ONNX defaults to uint8.
  Type storage =
      zeroPoint ? CC::elementTypeOf(zeroPoint)
                : IntegerType::get(node.getContext(), 8, IntegerType::Unsigned);
  SmallVector<NamedAttribute> attrs;
  if (failed(addQuantAxis(node, x, scale, attrs)))
    return failure();
  SmallVector<Value> operands = {x, scale};
  if (zeroPoint)
    operands.push_back(zeroPoint);
  return node.finish(
      node.create<QuantizeOp>(operands, attrs, CC::typeOf(x).clone(storage)));
}

LogicalResult convertDequantizeLinear(CC &node) {
  Value x = node.input(0), scale = node.input(1);
  Value zeroPoint = node.optionalInput(2);
  if (node.hasFailed())
    return failure();
  SmallVector<NamedAttribute> attrs;
  if (failed(addQuantAxis(node, x, scale, attrs)))
    return failure();
  SmallVector<Value> operands = {x, scale};
  if (zeroPoint)
    operands.push_back(zeroPoint);
  return node.finish(node.create<DequantizeOp>(operands, attrs));
}

} // namespace

void mlc::onnx_import::registerQuantConverters(ConverterRegistry &registry) {
  registry.add("QuantizeLinear", convertQuantizeLinear);
  registry.add("DequantizeLinear", convertDequantizeLinear);
}
