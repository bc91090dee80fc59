//===- RearrangeOps.cpp - ONNX tiling and generated tensors to mlc --------===//
//
// Tile, DepthToSpace, SpaceToDepth (reshape, expand and transpose), OneHot
// and EyeLike (comparisons of index ranges), Resize and Upsample. Sizes
// that are inputs (Tile's repeats, OneHot's depth, Resize's scales and
// sizes) may be known only at run time.
//
//===----------------------------------------------------------------------===//

#include "ConverterContext.h"
#include "TensorImporter.h"

using namespace mlir;
using namespace mlc;
using namespace mlc::onnx_import;

namespace {

using CC = ConverterContext;

constexpr int64_t kDynamic = ShapedType::kDynamic;

Value transpose(CC &node, Value v, ArrayRef<int64_t> permutation) {
  return node.create<TransposeOp>(
      {v},
      {node.namedAttr("permutation",
                      DenseI64ArrayAttr::get(node.getContext(), permutation))});
}

/// `v` as a 0-d i64 tensor (from a one-element tensor of any number type).
Value toI64Scalar(CC &node, Value v, StringRef what) {
  if (!v)
    return {};
  RankedTensorType type = CC::typeOf(v);
  if (!type.hasStaticShape() || type.getNumElements() != 1)
    return node.error(what + " must have one element");
  return node.reshape(node.castTo(v, node.getBuilder().getI64Type()), {});
}

LogicalResult convertTile(CC &node) {
  Value x = node.input(0), repeats = node.input(1);
  if (node.hasFailed())
    return failure();
  RankedTensorType type = CC::typeOf(x);
  int64_t rank = type.getRank();
  RankedTensorType repeatsType = CC::typeOf(repeats);
  if (repeatsType.getRank() != 1 || repeatsType.getDimSize(0) != rank ||
      !repeatsType.getElementType().isInteger(64))
    return node.error("repeats must be a 1-D int64 tensor with one value per "
                      "input dimension");
  if (rank == 0)
    return node.finish(x);
  // [d0, d1, ...] -> [1, d0, 1, d1, ...] -> [r0, d0, r1, d1, ...]
  //               -> [r0 * d0, r1 * d1, ...]
  std::optional<SmallVector<int64_t>> known = CC::getConstantInts(repeats);
  SmallVector<int64_t> unitAxes, expanded, tiled;
  for (int64_t i = 0; i < rank; ++i) {
    int64_t d = type.getDimSize(i);
    int64_t r = known ? (*known)[i] : kDynamic;
    if (known && r < 0)
      return node.error("repeats must be non-negative");
    unitAxes.push_back(2 * i);
    expanded.append({r, d});
    tiled.push_back(ShapedType::isDynamic(r) || ShapedType::isDynamic(d)
                        ? kDynamic
                        : r * d);
  }
  Builder builder(node.getContext());
  Value shape = node.shapeOf(x);
  Value pairs = node.create<ConcatOp>(
      {node.unsqueeze(repeats, {1}), node.unsqueeze(shape, {1})},
      {node.namedAttr("axis", builder.getI64IntegerAttr(1))});
  Value expandedShape = node.reshape(pairs, {2 * rank});
  Value y = node.create<ExpandOp>(
      {node.unsqueeze(x, unitAxes), expandedShape}, {},
      RankedTensorType::get(expanded, type.getElementType()));
  return node.finish(
      node.reshape(y, tiled, node.create<MulOp>({repeats, shape})));
}

/// DepthToSpace and SpaceToDepth on [N, C, H, W] with block size b.
LogicalResult convertDepthSpace(CC &node, bool toSpace) {
  Value x = node.input(0);
  if (!x)
    return failure();
  RankedTensorType type = CC::typeOf(x);
  if (type.getRank() != 4)
    return node.error("input must have rank 4");
  int64_t b = node.getInt("blocksize", 0);
  if (b < 1 || b > (int64_t(1) << 16))
    return node.error("blocksize must be in [1, 2^16]");
  auto [n, c, h, w] =
      std::array<int64_t, 4>{type.getDimSize(0), type.getDimSize(1),
                             type.getDimSize(2), type.getDimSize(3)};
  auto divide = [&](int64_t v, int64_t by) -> std::optional<int64_t> {
    if (ShapedType::isDynamic(v))
      return std::nullopt;
    if (v % by != 0)
      return std::nullopt;
    return v / by;
  };
  auto times = [](int64_t v, int64_t by) {
    return ShapedType::isDynamic(v) ? kDynamic : v * by;
  };
  // Only N may be dynamic: the reshapes need the other sizes.
  if (ShapedType::isDynamic(c) || ShapedType::isDynamic(h) ||
      ShapedType::isDynamic(w))
    return node.unsupported("dynamic channel or spatial sizes");
  if (toSpace) {
    std::optional<int64_t> channels = divide(c, b * b);
    if (!channels)
      return node.error("channels must be a multiple of blocksize^2");
    std::string mode = node.getString("mode", "DCR");
    Value y;
    if (mode == "DCR")
      y = transpose(node, node.reshape(x, {n, b, b, *channels, h, w}),
                    {0, 3, 4, 1, 5, 2});
    else if (mode == "CRD")
      y = transpose(node, node.reshape(x, {n, *channels, b, b, h, w}),
                    {0, 1, 4, 2, 5, 3});
    else
      return node.error("mode must be DCR or CRD, is '" + mode + "'");
    return node.finish(node.reshape(y, {n, *channels, h * b, w * b}));
  }
  std::optional<int64_t> rows = divide(h, b), cols = divide(w, b);
  if (!rows || !cols)
    return node.error("spatial sizes must be multiples of blocksize");
  Value y = transpose(node, node.reshape(x, {n, c, *rows, b, *cols, b}),
                      {0, 3, 5, 1, 2, 4});
  return node.finish(node.reshape(y, {n, times(c, b * b), *rows, *cols}));
}

LogicalResult convertOneHot(CC &node) {
  Value indices = node.input(0), values = node.input(2);
  Value depth = toI64Scalar(node, node.input(1), "depth");
  if (node.hasFailed())
    return failure();
  int64_t rank = CC::typeOf(indices).getRank();
  std::optional<int64_t> axis =
      node.normalizeAxis(node.getInt("axis", -1), rank + 1);
  if (!axis)
    return failure();
  RankedTensorType valuesType = CC::typeOf(values);
  if (!valuesType.hasStaticShape() || valuesType.getNumElements() != 2)
    return node.error("values must have two elements");
  Type i64 = node.getBuilder().getI64Type();
  // Negative indices count from the end of the depth.
  Value index = node.castTo(indices, i64);
  index = node.create<WhereOp>(
      {node.compare(CmpPredicate::lt, index, node.scalar(i64, 0)),
       node.create<AddOp>({index, depth}), index});
  // [depth, 1, ...] with the depth at `axis` of the result, against the
  // indices with a unit dimension there.
  Value positions =
      node.unsqueeze(node.range(depth),
                     llvm::to_vector(llvm::seq<int64_t>(1, rank + 1 - *axis)));
  Value hot =
      node.compare(CmpPredicate::eq, node.unsqueeze(index, {*axis}), positions);
  Value flat = node.reshape(values, {2});
  auto element = [&](int64_t i) {
    return node.reshape(node.sliceAlong(flat, 0, i, i + 1), {});
  };
  return node.finish(node.create<WhereOp>({hot, element(1), element(0)}));
}

LogicalResult convertEyeLike(CC &node) {
  Value x = node.input(0);
  if (!x)
    return failure();
  RankedTensorType type = CC::typeOf(x);
  if (type.getRank() != 2)
    return node.error("input must have rank 2");
  Type elementType = type.getElementType();
  if (node.hasAttr("dtype")) {
    int64_t dtype = node.getInt("dtype", 0);
    elementType =
        convertDataType(node.getContext(), static_cast<int32_t>(dtype));
    if (!elementType)
      return node.unsupported("dtype " +
                              getDataTypeName(static_cast<int32_t>(dtype)));
  }
  Type i64 = node.getBuilder().getI64Type();
  // column - row == k on the k-th diagonal.
  Value offset = node.create<SubOp>(
      {node.indicesAlong(x, 1), node.unsqueeze(node.indicesAlong(x, 0), {1})});
  Value diagonal =
      node.compare(CmpPredicate::eq, offset,
                   node.scalar(i64, static_cast<double>(node.getInt("k", 0))));
  return node.finish(node.castTo(diagonal, elementType));
}

/// A 1-D input that may be absent or empty (ONNX's way to leave out roi or
/// scales); null if so.
Value optionalVector(CC &node, unsigned i) {
  Value v = node.optionalInput(i);
  if (v && CC::typeOf(v).getRank() == 1 && CC::typeOf(v).getDimSize(0) == 0)
    return {};
  return v;
}

template <typename EnumT>
std::optional<EnumT> parseEnum(CC &node, StringRef attr, StringRef fallback,
                               std::optional<EnumT> (*symbolize)(StringRef)) {
  std::string name = node.getString(attr, fallback);
  std::optional<EnumT> value = symbolize(name);
  if (!value)
    node.unsupported(attr + " '" + name + "'");
  return value;
}

/// floor(input size * scale) as a constant when both are known.
bool staticSizes(CC &node, Value x, Value scales, Value &sizes) {
  RankedTensorType type = CC::typeOf(x);
  DenseElementsAttr values = CC::getConstant(scales);
  if (!values || !type.hasStaticShape() ||
      !isa<FloatType>(values.getElementType()) ||
      values.getNumElements() != type.getRank())
    return false;
  SmallVector<int64_t> result;
  for (auto [size, scale] :
       llvm::zip(type.getShape(), values.getValues<APFloat>())) {
    double scaled =
        std::floor(static_cast<double>(size) * scale.convertToDouble());
    if (!(scaled >= 0 && scaled < 0x1p40))
      return false;
    result.push_back(static_cast<int64_t>(scaled));
  }
  sizes = node.constantI64(result);
  return true;
}

/// Resize (and Upsample, its predecessor): the output sizes are the `sizes`
/// input, or floor(input size * scale) (times the roi's extent when
/// cropping), computed at run time if the scales are.
LogicalResult convertResize(CC &node) {
  Value x = node.input(0);
  if (!x)
    return failure();
  if (node.getInt("antialias", 0) || node.hasAttr("axes") ||
      node.getString("keep_aspect_ratio_policy", "stretch") != "stretch")
    return node.unsupported("antialias, axes or keep_aspect_ratio_policy");
  bool legacy = node.getOpType() == "Upsample" || node.getOpset() < 11;
  MLIRContext *context = node.getContext();
  Type f32 = Float32Type::get(context), f64 = Float64Type::get(context);
  std::optional<InterpolationMode> mode = parseEnum<InterpolationMode>(
      node, "mode", "nearest", symbolizeInterpolationMode);
  if (!mode)
    return failure();
  // Before opset 11 coordinates are x / scale, rounded down by nearest.
  CoordinateTransform transform = CoordinateTransform::asymmetric;
  NearestRounding rounding = NearestRounding::floor;
  Value roi, scales, sizes;
  if (legacy) {
    if (*mode == InterpolationMode::cubic)
      return node.unsupported("cubic before opset 11");
    if (node.getOpType() == "Upsample" && node.getOpset() < 9)
      return node.unsupported("scales as an attribute (opset 7)");
    scales = node.input(1);
  } else {
    std::optional<CoordinateTransform> givenTransform =
        parseEnum<CoordinateTransform>(node, "coordinate_transformation_mode",
                                       "half_pixel",
                                       symbolizeCoordinateTransform);
    std::optional<NearestRounding> givenRounding = parseEnum<NearestRounding>(
        node, "nearest_mode", "round_prefer_floor", symbolizeNearestRounding);
    if (!givenTransform || !givenRounding)
      return failure();
    transform = *givenTransform;
    rounding = *givenRounding;
    roi = optionalVector(node, 1);
    scales = optionalVector(node, 2);
    sizes = optionalVector(node, 3);
  }
  if (node.hasFailed())
    return failure();
  bool crops = transform == CoordinateTransform::tf_crop_and_resize;
  if (crops && !roi)
    return node.error("tf_crop_and_resize needs roi");
  int64_t rank = CC::typeOf(x).getRank();
  if (roi)
    roi = crops ? node.castTo(roi, f32) : Value();
  if (sizes) {
    scales = {};
  } else if (scales && !crops && staticSizes(node, x, scales, sizes)) {
    scales = node.castTo(scales, f32);
  } else if (scales) {
    // floor(in * scale [* (roi end - roi start)]), in f64 as the reference.
    Value extent = node.create<MulOp>(
        {node.castTo(node.shapeOf(x), f64), node.castTo(scales, f64)});
    if (crops) {
      auto half = [&](int64_t begin) {
        return node.sliceAlong(node.castTo(roi, f64), 0, begin, begin + rank);
      };
      extent = node.create<MulOp>(
          {extent, node.create<SubOp>({half(rank), half(0)})});
    }
    sizes = node.castTo(node.create<FloorOp>({extent}),
                        IntegerType::get(context, 64));
    scales = node.castTo(scales, f32);
  } else {
    return node.error("needs scales or sizes");
  }
  SmallVector<Value> operands = {x, sizes};
  if (scales)
    operands.push_back(scales);
  if (roi)
    operands.push_back(roi);
  Builder builder(context);
  SmallVector<NamedAttribute> attrs = {
      node.namedAttr("mode", InterpolationModeAttr::get(context, *mode)),
      node.namedAttr("coordinate_transform",
                     CoordinateTransformAttr::get(context, transform)),
      node.namedAttr("nearest_rounding",
                     NearestRoundingAttr::get(context, rounding)),
      node.namedAttr(
          "operandSegmentSizes",
          builder.getDenseI32ArrayAttr({1, 1, scales ? 1 : 0, roi ? 1 : 0}))};
  if (!legacy) {
    attrs.push_back(node.namedAttr(
        "cubic_coeff_a",
        builder.getF32FloatAttr(node.getFloat("cubic_coeff_a", -0.75))));
    attrs.push_back(node.namedAttr(
        "extrapolation_value",
        builder.getF32FloatAttr(node.getFloat("extrapolation_value", 0))));
    if (node.getInt("exclude_outside", 0))
      attrs.push_back(
          node.namedAttr("exclude_outside", UnitAttr::get(context)));
  }
  return node.finish(node.create<ResizeOp>(operands, attrs));
}

} // namespace

void mlc::onnx_import::registerRearrangeConverters(
    ConverterRegistry &registry) {
  registry.add("Resize", convertResize);
  registry.add("Upsample", convertResize);
  registry.add("Tile", convertTile);
  registry.add("DepthToSpace",
               [](CC &node) { return convertDepthSpace(node, true); });
  registry.add("SpaceToDepth",
               [](CC &node) { return convertDepthSpace(node, false); });
  registry.add("OneHot", convertOneHot);
  registry.add("EyeLike", convertEyeLike);
}
