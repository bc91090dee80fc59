//===- ShapeOps.cpp - ONNX shape and data-movement ops to mlc -------------===//
//
// Reshape, Flatten, Squeeze, Unsqueeze, Expand, Transpose, Concat, Split,
// Slice, Pad, Gather, GatherElements, Shape, Size, Range, Constant,
// ConstantOfShape. Shape arithmetic folds while it is built, so a shape
// that is static in the model becomes a constant; where it is not, the
// ONNX semantics (Reshape's 0 and -1, Expand's two-way broadcast) are
// computed with mlc ops at run time.
//
//===----------------------------------------------------------------------===//

#include "ConverterContext.h"
#include "DynamicShapeOps.h"
#include "TensorImporter.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace mlc;
using namespace mlc::onnx_import;

namespace {

using CC = ConverterContext;

constexpr int64_t kDynamic = ShapedType::kDynamic;

NamedAttribute axisAttr(CC &node, int64_t axis) {
  return node.namedAttr("axis",
                        Builder(node.getContext()).getI64IntegerAttr(axis));
}

NamedAttribute arrayAttr(CC &node, StringRef name, ArrayRef<int64_t> values) {
  return node.namedAttr(name,
                        DenseI64ArrayAttr::get(node.getContext(), values));
}

/// Checks that `shape` is a 1-D i64 tensor of static length; returns the
/// length or nullopt after failing the node.
std::optional<int64_t> getShapeLength(CC &node, Value shape) {
  RankedTensorType type = CC::typeOf(shape);
  if (type.getRank() != 1 || !type.getElementType().isInteger(64)) {
    node.error("the shape input must be a 1-D int64 tensor");
    return std::nullopt;
  }
  if (type.isDynamicDim(0)) {
    node.unsupported("a shape input of unknown length (the result rank "
                     "would be unknown)");
    return std::nullopt;
  }
  return type.getDimSize(0);
}

/// Builds a 1-D i64 tensor from pieces: constants and [k] values.
class ShapeAssembler {
public:
  explicit ShapeAssembler(CC &node) : node(node) {}
  void addConstant(int64_t v) { pending.push_back(v); }
  void addValue(Value v) {
    flush();
    pieces.push_back(v);
  }
  Value build() {
    flush();
    if (pieces.empty())
      return node.constantI64({});
    if (pieces.size() == 1)
      return pieces.front();
    return node.create<ConcatOp>(pieces, {axisAttr(node, 0)});
  }

private:
  void flush() {
    if (!pending.empty())
      pieces.push_back(node.constantI64(pending));
    pending.clear();
  }
  CC &node;
  SmallVector<int64_t> pending;
  SmallVector<Value> pieces;
};

//===----------------------------------------------------------------------===//
// Reshape, Flatten, Squeeze, Unsqueeze, Expand
//===----------------------------------------------------------------------===//

LogicalResult convertReshape(CC &node) {
  Value x = node.input(0), shape;
  // Before opset 5 the shape is an attribute.
  if (node.getOpset() >= 5)
    shape = node.input(1);
  else if (std::optional<SmallVector<int64_t>> given = node.getInts("shape"))
    shape = node.constantI64(*given);
  else
    return node.error("has no shape");
  if (node.hasFailed())
    return failure();
  std::optional<int64_t> length = getShapeLength(node, shape);
  if (!length)
    return failure();
  RankedTensorType inputType = CC::typeOf(x);
  int64_t inputRank = inputType.getRank();
  bool allowZero = node.getInt("allowzero", 0) != 0;
  SmallVector<ShapeElement> known = CC::getKnownElements(shape);
  known.resize(*length);

  // Classify each size: a constant, a copy of input dim i (a 0, or the
  // input's own dim i read with Shape, as exporters write x.view(x.size(0),
  // -1)), the -1, or unknown.
  SmallVector<int64_t> dims(*length, kDynamic);
  SmallVector<bool> copies(*length, false);
  int64_t inferred = -1;
  bool allKnown = true;
  for (int64_t i = 0; i < *length; ++i) {
    const ShapeElement &e = known[i];
    if (!e.value) {
      if (e.isDimOf(x, i)) {
        copies[i] = true;
        continue;
      }
      allKnown = false;
      continue;
    }
    int64_t v = *e.value;
    if (v == 0 && !allowZero) {
      if (i >= inputRank)
        return node.error("shape[" + Twine(i) +
                          "] is 0, which copies an input dimension, but the "
                          "input has rank " +
                          Twine(inputRank));
      dims[i] = inputType.getDimSize(i);
      copies[i] = true;
    } else if (v == -1) {
      if (inferred >= 0)
        return node.error("the shape has more than one -1");
      inferred = i;
    } else if (v < 0 || v > kMaxTensorElements) {
      return node.error("the shape has the invalid size " + Twine(v));
    } else {
      dims[i] = v;
    }
  }
  if (inferred >= 0) {
    // -1 is the input's element count over the other sizes; a copied input
    // dim cancels out, static or not.
    int64_t remaining = 1, others = 1;
    bool isStatic = true;
    for (int64_t j = 0; j < inputRank; ++j) {
      if (j < *length && copies[j])
        continue;
      if (inputType.isDynamicDim(j))
        isStatic = false;
      else
        remaining *= inputType.getDimSize(j);
    }
    for (int64_t i = 0; i < *length; ++i) {
      if (i == inferred || copies[i])
        continue;
      if (ShapedType::isDynamic(dims[i]))
        isStatic = false;
      else if (llvm::MulOverflow(others, dims[i], others))
        return node.error("the shape has more than 2^63 elements");
    }
    if (isStatic && others != 0) {
      if (remaining % others != 0)
        return node.error("cannot reshape " + Twine(remaining) +
                          " elements with a -1 next to sizes of product " +
                          Twine(others));
      dims[inferred] = remaining / others;
    }
  }

  // At most one dynamic size: mlc derives it from the element count.
  int64_t dynamic = llvm::count_if(dims, ShapedType::isDynamic);
  int64_t staticProduct = 1;
  for (int64_t d : dims)
    if (!ShapedType::isDynamic(d) &&
        llvm::MulOverflow(staticProduct, d, staticProduct))
      return node.error("the shape has more than 2^63 elements");
  if (dynamic == 0 || (dynamic == 1 && staticProduct != 0))
    return node.finish(node.reshape(x, dims));

  // Otherwise a shape operand carries the sizes, with ONNX's zeros resolved
  // to input dims (mlc.reshape accepts -1 but not 0).
  Value operand = shape;
  if (allKnown) {
    ShapeAssembler assembler(node);
    for (int64_t i = 0; i < *length;) {
      if (!copies[i]) {
        assembler.addConstant(*known[i].value);
      } else if (!inputType.isDynamicDim(i)) {
        assembler.addConstant(inputType.getDimSize(i));
      } else {
        // A run of copied dynamic dims is one slice of the input's shape.
        int64_t j = i + 1;
        while (j < *length && copies[j] && inputType.isDynamicDim(j))
          ++j;
        assembler.addValue(node.dimsOf(x, i, j));
        i = j;
        continue;
      }
      ++i;
    }
    operand = assembler.build();
  } else if (!allowZero) {
    // shape' = where(shape == 0, input dims (padded with 1s), shape)
    Value inputDims;
    if (*length <= inputRank) {
      inputDims = node.dimsOf(x, 0, *length);
    } else {
      ShapeAssembler assembler(node);
      assembler.addValue(node.dimsOf(x, 0, inputRank));
      for (int64_t i = inputRank; i < *length; ++i)
        assembler.addConstant(1);
      inputDims = assembler.build();
    }
    Value isZero = node.compare(CmpPredicate::eq, shape,
                                node.scalar(CC::elementTypeOf(shape), 0));
    operand = node.create<WhereOp>({isZero, inputDims, shape});
  }
  return node.finish(node.reshape(x, dims, operand));
}

LogicalResult convertFlatten(CC &node) {
  Value x = node.input(0);
  if (!x)
    return failure();
  int64_t rank = CC::typeOf(x).getRank();
  int64_t axis = node.getInt("axis", 1);
  if (axis < 0)
    axis += rank;
  if (axis < 0 || axis > rank)
    return node.error("axis " + Twine(node.getInt("axis", 1)) +
                      " is out of range for rank " + Twine(rank));
  return node.finish(node.flattenTo2D(x, axis));
}

/// The axes of Squeeze/Unsqueeze: an attribute before opset 13, an input
/// after. nullopt if there are none or they are not constant; then
/// `dynamicAxes` is the input if there is one.
std::optional<SmallVector<int64_t>> getSqueezeAxes(CC &node,
                                                   Value &dynamicAxes) {
  dynamicAxes = {};
  if (node.getOpset() < 13)
    return node.getInts("axes");
  Value axes = node.optionalInput(1);
  if (!axes)
    return std::nullopt;
  std::optional<SmallVector<int64_t>> values = CC::getConstantInts(axes);
  if (!values)
    dynamicAxes = axes;
  return values;
}

LogicalResult convertSqueeze(CC &node) {
  Value x = node.input(0);
  if (!x)
    return failure();
  RankedTensorType type = CC::typeOf(x);
  Value dynamicAxes;
  std::optional<SmallVector<int64_t>> axes = getSqueezeAxes(node, dynamicAxes);
  if (dynamicAxes)
    return convertDynamicSqueeze(node, x, dynamicAxes);
  SmallVector<int64_t> squeezed;
  if (!axes || axes->empty()) {
    for (int64_t i = 0; i < type.getRank(); ++i) {
      if (type.isDynamicDim(i))
        return node.unsupported("Squeeze without axes of a tensor with "
                                "dynamic dimensions");
      if (type.getDimSize(i) == 1)
        squeezed.push_back(i);
    }
  } else {
    std::optional<SmallVector<int64_t>> normalized =
        node.normalizeAxes(*axes, type.getRank());
    if (!normalized)
      return failure();
    squeezed = *normalized;
  }
  return node.finish(node.squeeze(x, squeezed));
}

LogicalResult convertUnsqueeze(CC &node) {
  Value x = node.input(0);
  if (!x)
    return failure();
  Value dynamicAxes;
  std::optional<SmallVector<int64_t>> axes = getSqueezeAxes(node, dynamicAxes);
  if (dynamicAxes)
    return convertDynamicUnsqueeze(node, x, dynamicAxes);
  if (!axes)
    return node.error("has no axes");
  int64_t rank = CC::typeOf(x).getRank() + axes->size();
  std::optional<SmallVector<int64_t>> normalized =
      node.normalizeAxes(*axes, rank);
  if (!normalized)
    return failure();
  return node.finish(node.unsqueeze(x, *normalized));
}

LogicalResult convertExpand(CC &node) {
  Value x = node.input(0), shape = node.input(1);
  if (node.hasFailed())
    return failure();
  std::optional<int64_t> length = getShapeLength(node, shape);
  if (!length)
    return failure();
  RankedTensorType inputType = CC::typeOf(x);
  int64_t inputRank = inputType.getRank();
  int64_t rank = std::max(inputRank, *length);
  SmallVector<ShapeElement> known = CC::getKnownElements(shape);
  known.resize(*length);
  bool allKnown = true;
  SmallVector<int64_t> dims;
  for (int64_t i = 0; i < rank; ++i) {
    int64_t j = i - (rank - inputRank), k = i - (rank - *length);
    int64_t in = j >= 0 ? inputType.getDimSize(j) : 1;
    std::optional<int64_t> target =
        k >= 0 ? known[k].value : std::optional<int64_t>(1);
    if (!target) {
      allKnown = false;
      // The target broadcasts with a static input size other than 1 only
      // when it is 1 or that size.
      dims.push_back(!ShapedType::isDynamic(in) && in != 1 ? in : kDynamic);
      continue;
    }
    if (*target < 0)
      return node.error("the shape has the invalid size " + Twine(*target));
    if (in == 1)
      dims.push_back(*target);
    else if (*target == 1 || *target == in)
      dims.push_back(in);
    else if (ShapedType::isDynamic(in))
      dims.push_back(*target);
    else
      return node.error("cannot broadcast input dimension " + Twine(j) +
                        " of size " + Twine(in) + " to " + Twine(*target));
  }
  auto resultType = RankedTensorType::get(dims, inputType.getElementType());
  // With every size known the result type says it all.
  if (allKnown)
    return node.finish(node.create<ExpandOp>({x}, {}, resultType));
  return node.finish(node.create<ExpandOp>({x, shape}, {}, resultType));
}

//===----------------------------------------------------------------------===//
// Transpose, Concat, Split, Slice, Pad, Gather
//===----------------------------------------------------------------------===//

LogicalResult convertTranspose(CC &node) {
  Value x = node.input(0);
  if (!x)
    return failure();
  int64_t rank = CC::typeOf(x).getRank();
  SmallVector<int64_t> perm;
  if (std::optional<SmallVector<int64_t>> given = node.getInts("perm");
      given && !given->empty())
    perm = *given;
  else
    perm = llvm::to_vector(llvm::reverse(llvm::seq<int64_t>(0, rank)));
  return node.finish(
      node.create<TransposeOp>({x}, {arrayAttr(node, "permutation", perm)}));
}

LogicalResult convertConcat(CC &node) {
  SmallVector<Value> inputs;
  for (unsigned i = 0, e = node.getNumInputs(); i < e; ++i)
    inputs.push_back(node.input(i));
  if (node.hasFailed() || inputs.empty())
    return node.error("needs at least one input");
  std::optional<int64_t> axis = node.normalizeAxis(
      node.getInt("axis", 0), CC::typeOf(inputs[0]).getRank());
  if (!axis)
    return failure();
  return node.finish(node.create<ConcatOp>(inputs, {axisAttr(node, *axis)}));
}

LogicalResult convertSplit(CC &node) {
  Value x = node.input(0);
  if (!x)
    return failure();
  RankedTensorType type = CC::typeOf(x);
  std::optional<int64_t> axis =
      node.normalizeAxis(node.getInt("axis", 0), type.getRank());
  if (!axis)
    return failure();
  int64_t n = node.getNumOutputs();
  std::optional<SmallVector<int64_t>> sizes;
  // Split sizes are an input from opset 13, an attribute before (opset 1
  // accepts either).
  if (Value split = node.optionalInput(1)) {
    sizes = CC::getConstantInts(split);
    if (!sizes)
      return convertDynamicSplit(node, x, *axis, split);
  } else if (node.getOpset() < 13) {
    sizes = node.getInts("split");
  }
  if (sizes && sizes->empty())
    sizes.reset();
  if (node.hasAttr("num_outputs") && node.getInt("num_outputs", n) != n)
    return node.error("num_outputs differs from the number of outputs");
  SmallVector<NamedAttribute> attrs = {axisAttr(node, *axis)};
  SmallVector<Type> types;
  int64_t size = type.getDimSize(*axis);
  SmallVector<int64_t> dims(type.getShape());
  if (sizes) {
    if (static_cast<int64_t>(sizes->size()) != n)
      return node.error("has " + Twine(n) + " outputs but " +
                        Twine(sizes->size()) + " split sizes");
    for (int64_t s : *sizes) {
      if (s < 0 || s > kMaxTensorElements)
        return node.error("split sizes must be in [0, 2^38]");
      dims[*axis] = s;
      types.push_back(type.clone(dims));
    }
    attrs.push_back(arrayAttr(node, "sizes", *sizes));
  } else {
    // Equal pieces, the last one smaller if the size does not divide.
    for (int64_t i = 0; i < n; ++i) {
      if (ShapedType::isDynamic(size)) {
        dims[*axis] = kDynamic;
      } else {
        int64_t chunk = (size + n - 1) / n;
        dims[*axis] = i + 1 < n ? chunk : size - chunk * (n - 1);
        if (dims[*axis] < 0)
          return node.error("cannot split " + Twine(size) + " into " +
                            Twine(n) + " pieces");
      }
      types.push_back(type.clone(dims));
    }
  }
  SmallVector<Value> results = node.createMulti<SplitOp>({x}, attrs, types);
  if (results.empty())
    return failure();
  for (int64_t i = 0; i < n; ++i)
    node.setOutput(i, results[i]);
  return success();
}

LogicalResult convertSlice(CC &node) {
  Value x = node.input(0);
  if (!x)
    return failure();
  int64_t rank = CC::typeOf(x).getRank();
  std::optional<SmallVector<int64_t>> starts, ends, axes, steps;
  if (node.getOpset() < 10) {
    starts = node.getInts("starts");
    ends = node.getInts("ends");
    axes = node.getInts("axes");
  } else {
    bool dynamic = false;
    auto constantInput =
        [&](unsigned i) -> std::optional<SmallVector<int64_t>> {
      Value v = node.optionalInput(i);
      if (!v)
        return std::nullopt;
      std::optional<SmallVector<int64_t>> values = CC::getConstantInts(v);
      dynamic |= !values;
      return values;
    };
    starts = constantInput(1);
    ends = constantInput(2);
    axes = constantInput(3);
    steps = constantInput(4);
    if (node.hasFailed())
      return failure();
    if (dynamic)
      return convertDynamicSlice(node, x, node.input(1), node.input(2),
                                 node.optionalInput(3), node.optionalInput(4));
  }
  if (!starts || !ends)
    return node.error("needs starts and ends");
  if (!axes || axes->empty())
    axes = llvm::to_vector(llvm::seq<int64_t>(0, starts->size()));
  if (!steps)
    steps = SmallVector<int64_t>(starts->size(), 1);
  if (ends->size() != starts->size() || axes->size() != starts->size() ||
      steps->size() != starts->size())
    return node.error("starts, ends, axes and steps must have equal lengths");
  for (int64_t &axis : *axes) {
    std::optional<int64_t> normalized = node.normalizeAxis(axis, rank);
    if (!normalized)
      return failure();
    axis = *normalized;
  }
  if (axes->empty())
    return node.finish(x);
  SmallVector<NamedAttribute> attrs = {arrayAttr(node, "axes", *axes),
                                       arrayAttr(node, "starts", *starts),
                                       arrayAttr(node, "ends", *ends)};
  if (llvm::any_of(*steps, [](int64_t s) { return s != 1; }))
    attrs.push_back(arrayAttr(node, "steps", *steps));
  return node.finish(node.create<SliceOp>({x}, attrs));
}

LogicalResult convertPad(CC &node) {
  Value x = node.input(0);
  if (!x)
    return failure();
  RankedTensorType type = CC::typeOf(x);
  int64_t rank = type.getRank();
  Type elementType = type.getElementType();
  std::string modeName = node.getString("mode", "constant");
  std::optional<PadMode> mode = symbolizePadMode(modeName);
  if (!mode)
    return node.unsupported("mode '" + modeName + "'");
  SmallVector<int64_t> pads;
  TypedAttr value;
  if (node.getOpset() < 11) {
    std::optional<SmallVector<int64_t>> given =
        node.getInts(node.getOpset() < 2 ? "paddings" : "pads");
    if (!given)
      return node.error("has no pads");
    pads = *given;
    double v = node.getFloat("value", 0.0);
    if (v != 0.0)
      value = node.scalarAttr(elementType, v);
  } else {
    std::optional<SmallVector<int64_t>> given =
        CC::getConstantInts(node.input(1));
    if (!given && !node.hasFailed() && !node.optionalInput(3)) {
      Value fill = node.scalar(elementType, 0);
      if (Value constantValue = node.optionalInput(2))
        fill = node.reshape(constantValue, {});
      return convertDynamicPad(node, x, node.input(1), *mode, fill);
    }
    if (!given)
      return node.hasFailed() ? failure()
                              : node.unsupported("pads that are not constant");
    pads = *given;
    if (Value constantValue = node.optionalInput(2)) {
      DenseElementsAttr c = CC::getConstant(constantValue);
      if (!c)
        return node.unsupported("a constant_value that is not constant");
      if (c.getNumElements() != 1 || c.getElementType() != elementType)
        return node.error("constant_value must be one value of the input's "
                          "type");
      auto scalar = cast<TypedAttr>(c.getValues<Attribute>()[0]);
      bool isZero = isa<FloatAttr>(scalar)
                        ? cast<FloatAttr>(scalar).getValue().isPosZero()
                        : cast<IntegerAttr>(scalar).getValue().isZero();
      if (!isZero)
        value = scalar;
    }
    if (Value axesInput = node.optionalInput(3)) {
      std::optional<SmallVector<int64_t>> axes = CC::getConstantInts(axesInput);
      if (!axes)
        return node.unsupported("axes that are not constant");
      if (pads.size() != 2 * axes->size())
        return node.error("pads must have 2 values per axis");
      SmallVector<int64_t> full(2 * rank, 0);
      int64_t n = axes->size();
      for (int64_t i = 0; i < n; ++i) {
        std::optional<int64_t> axis = node.normalizeAxis((*axes)[i], rank);
        if (!axis)
          return failure();
        full[*axis] = pads[i];
        full[*axis + rank] = pads[i + n];
      }
      pads = full;
    }
  }
  if (static_cast<int64_t>(pads.size()) != 2 * rank)
    return node.error("pads must have 2 x rank = " + Twine(2 * rank) +
                      " values, has " + Twine(pads.size()));
  for (int64_t p : pads)
    if (p < -kMaxTensorElements || p > kMaxTensorElements)
      return node.error("pads has the absurd value " + Twine(p));
  // Negative pads remove elements: slice them off first.
  SmallVector<int64_t> sliceAxes, starts, ends;
  for (int64_t i = 0; i < rank; ++i) {
    int64_t before = pads[i], after = pads[i + rank];
    if (before >= 0 && after >= 0)
      continue;
    sliceAxes.push_back(i);
    starts.push_back(before < 0 ? -before : 0);
    ends.push_back(after < 0 ? after : std::numeric_limits<int64_t>::max());
  }
  if (!sliceAxes.empty())
    x = node.create<SliceOp>({x}, {arrayAttr(node, "axes", sliceAxes),
                                   arrayAttr(node, "starts", starts),
                                   arrayAttr(node, "ends", ends)});
  for (int64_t &p : pads)
    p = std::max<int64_t>(p, 0);
  if (llvm::all_of(pads, [](int64_t p) { return p == 0; }))
    return node.finish(x);
  SmallVector<NamedAttribute> attrs = {arrayAttr(node, "padding", pads)};
  if (*mode != PadMode::constant)
    attrs.push_back(
        node.namedAttr("mode", PadModeAttr::get(node.getContext(), *mode)));
  else if (value)
    attrs.push_back(node.namedAttr("value", value));
  return node.finish(node.create<PadOp>({x}, attrs));
}

template <typename OpTy> LogicalResult convertGather(CC &node) {
  Value x = node.input(0), indices = node.input(1);
  if (node.hasFailed())
    return failure();
  std::optional<int64_t> axis =
      node.normalizeAxis(node.getInt("axis", 0), CC::typeOf(x).getRank());
  if (!axis)
    return failure();
  return node.finish(node.create<OpTy>({x, indices}, {axisAttr(node, *axis)}));
}

//===----------------------------------------------------------------------===//
// Shape, Size, Range, Constant, ConstantOfShape
//===----------------------------------------------------------------------===//

LogicalResult convertShape(CC &node) {
  Value x = node.input(0);
  if (!x)
    return failure();
  int64_t rank = CC::typeOf(x).getRank();
  auto clampIndex = [&](int64_t i) {
    if (i < 0)
      i += rank;
    return std::clamp<int64_t>(i, 0, rank);
  };
  int64_t start = clampIndex(node.getInt("start", 0));
  int64_t end =
      node.hasAttr("end") ? clampIndex(node.getInt("end", rank)) : rank;
  if (start == 0 && end == rank)
    return node.finish(node.shapeOf(x));
  return node.finish(node.dimsOf(x, start, std::max(start, end)));
}

LogicalResult convertSize(CC &node) {
  Value x = node.input(0);
  if (!x)
    return failure();
  RankedTensorType type = CC::typeOf(x);
  Type i64 = IntegerType::get(node.getContext(), 64);
  if (type.hasStaticShape())
    return node.finish(node.scalar(i64, type.getNumElements()));
  return node.finish(node.reduce(ReduceKind::prod, node.shapeOf(x), {0},
                                 /*keepdims=*/false));
}

LogicalResult convertRange(CC &node) {
  return node.finish(
      node.create<RangeOp>({node.input(0), node.input(1), node.input(2)}));
}

LogicalResult convertConstant(CC &node) {
  return node.finish(node.getConstantNodeValue());
}

LogicalResult convertConstantOfShape(CC &node) {
  Value shape = node.input(0);
  if (!shape)
    return failure();
  std::optional<int64_t> length = getShapeLength(node, shape);
  if (!length)
    return failure();
  Attribute element;
  if (node.hasAttr("value")) {
    DenseElementsAttr value = node.getSmallTensorAttr("value");
    if (!value)
      return failure();
    if (value.getNumElements() != 1)
      return node.error("value must hold exactly one element");
    element = value.getValues<Attribute>()[0];
  } else {
    element = FloatAttr::get(Float32Type::get(node.getContext()), 0.0);
  }
  Type elementType = cast<TypedAttr>(element).getType();
  if (std::optional<SmallVector<int64_t>> dims = CC::getConstantInts(shape)) {
    if (!getCheckedElementCount(*dims))
      return node.error("the shape has a negative size or more than 2^38 "
                        "elements");
    auto type = RankedTensorType::get(*dims, elementType);
    return node.finish(node.constant(DenseElementsAttr::get(type, element)));
  }
  SmallVector<int64_t> dims;
  for (const ShapeElement &e : CC::getKnownElements(shape))
    dims.push_back(e.value && *e.value >= 0 ? *e.value : kDynamic);
  dims.resize(*length, kDynamic);
  Value scalar = node.constant(
      DenseElementsAttr::get(RankedTensorType::get({}, elementType), element));
  return node.finish(node.create<ExpandOp>(
      {scalar, shape}, {}, RankedTensorType::get(dims, elementType)));
}

} // namespace

/// Trilu: the upper (or lower) triangle of the last two dimensions, with
/// diagonal offset k: upper keeps column - row >= k, lower <= k.
LogicalResult convertTrilu(CC &node) {
  Value x = node.input(0);
  if (!x)
    return failure();
  int64_t rank = CC::typeOf(x).getRank();
  if (rank < 2)
    return node.error("input must have rank >= 2, has " + Twine(rank));
  bool upper = node.getInt("upper", 1) != 0;
  Type i64 = node.getBuilder().getI64Type();
  // k is a one-element tensor, known at compile time or not.
  Value k = node.scalar(i64, 0);
  if (Value kValue = node.optionalInput(1)) {
    RankedTensorType kType = CC::typeOf(kValue);
    if (!kType.hasStaticShape() || kType.getNumElements() != 1)
      return node.error("k must have one element");
    k = node.reshape(node.castTo(kValue, i64), {});
  }
  Value rows = node.unsqueeze(node.indicesAlong(x, rank - 2), {1});
  Value cols = node.indicesAlong(x, rank - 1);
  Value offset = node.create<SubOp>({cols, rows});
  Value mask =
      node.compare(upper ? CmpPredicate::ge : CmpPredicate::le, offset, k);
  Value zeroX = node.scalar(CC::elementTypeOf(x), 0);
  return node.finish(node.create<WhereOp>({mask, x, zeroX}));
}

void mlc::onnx_import::registerShapeConverters(ConverterRegistry &registry) {
  registry.add("Trilu", convertTrilu);
  registry.add("Reshape", convertReshape);
  registry.add("Flatten", convertFlatten);
  registry.add("Squeeze", convertSqueeze);
  registry.add("Unsqueeze", convertUnsqueeze);
  registry.add("Expand", convertExpand);
  registry.add("Transpose", convertTranspose);
  registry.add("Concat", convertConcat);
  registry.add("Split", convertSplit);
  registry.add("Slice", convertSlice);
  registry.add("Pad", convertPad);
  registry.add("Gather", convertGather<GatherOp>);
  registry.add("GatherElements", convertGather<GatherElementsOp>);
  registry.add("Shape", convertShape);
  registry.add("Size", convertSize);
  registry.add("Range", convertRange);
  registry.add("Constant", convertConstant);
  registry.add("ConstantOfShape", convertConstantOfShape);
}
