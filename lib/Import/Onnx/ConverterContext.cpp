//===- ConverterContext.cpp - what an ONNX op converter sees --------------===//
//
// Node inputs, attributes with opset defaults, op building with type
// inference, verification and folding, and the helpers converters share
// (see ConverterContext.h). Also builds the converter registry.
//
//===----------------------------------------------------------------------===//

#include "ConverterContext.h"
#include "mlir/IR/Verifier.h"
#include "onnx/defs/schema.h"
#include "onnx/onnx_pb.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MathExtras.h"
#include <cmath>

using namespace mlir;
using namespace mlc;
using namespace mlc::onnx_import;
using llvm::Twine;

ConverterContext::ConverterContext(ImportSession &session,
                                   const onnx::NodeProto &node,
                                   const onnx::OpSchema *schema, int64_t opset,
                                   int64_t nodeIndex, ArrayRef<Value> inputs,
                                   Location loc)
    : session(session), node(node), schema(schema), opset(opset),
      nodeIndex(nodeIndex), loc(loc), inputs(inputs) {
  outputs.resize(node.output_size());
}

StringRef ConverterContext::getOpType() const { return node.op_type(); }
StringRef ConverterContext::getName() const { return node.name(); }

std::string ConverterContext::describe() const {
  if (!node.name().empty())
    return ("node '" + Twine(node.name()) + "' (" + node.op_type() + ")").str();
  return ("node #" + Twine(nodeIndex) + " (" + node.op_type() + ")").str();
}

//===----------------------------------------------------------------------===//
// Inputs and outputs
//===----------------------------------------------------------------------===//

Value ConverterContext::input(unsigned i) {
  if (hasInput(i))
    return inputs[i];
  if (!hasFailed())
    error("input #" + Twine(i) + " is required but missing");
  return {};
}

unsigned ConverterContext::getNumOutputs() const { return node.output_size(); }

bool ConverterContext::hasOutput(unsigned i) const {
  return static_cast<int>(i) < node.output_size() && !node.output(i).empty();
}

StringRef ConverterContext::getOutputName(unsigned i) const {
  return static_cast<int>(i) < node.output_size() ? StringRef(node.output(i))
                                                  : StringRef();
}

void ConverterContext::setOutput(unsigned i, Value value) {
  if (i < outputs.size())
    outputs[i] = foldKnownValues(value);
}

Value ConverterContext::foldKnownValues(Value v) {
  // Shape arithmetic on partly dynamic shapes: the dialect folds only ops
  // on constants, but a slice of the static dims of a shape is known too.
  if (!v || hasFailed() || getConstant(v))
    return v;
  auto type = dyn_cast<RankedTensorType>(v.getType());
  if (!type || type.getRank() > 1 || !type.hasStaticShape())
    return v;
  auto elementType = dyn_cast<IntegerType>(type.getElementType());
  if (!elementType || elementType.getWidth() == 1)
    return v;
  SmallVector<APInt> values;
  for (const ShapeElement &e : getKnownElements(v)) {
    if (!e.value)
      return v;
    values.push_back(APInt(elementType.getWidth(),
                           static_cast<uint64_t>(*e.value),
                           /*isSigned=*/true, /*implicitTrunc=*/true));
  }
  if (static_cast<int64_t>(values.size()) != type.getNumElements())
    return v;
  return constant(DenseElementsAttr::get(type, values));
}

//===----------------------------------------------------------------------===//
// Attributes
//===----------------------------------------------------------------------===//

const onnx::AttributeProto *ConverterContext::findAttr(StringRef name) const {
  for (const onnx::AttributeProto &attr : node.attribute())
    if (attr.name() == name)
      return &attr;
  return nullptr;
}

const onnx::AttributeProto *
ConverterContext::getAttrOrDefault(StringRef name) const {
  if (const onnx::AttributeProto *attr = findAttr(name))
    return attr;
  if (!schema)
    return nullptr;
  const auto &attrs = schema->attributes();
  auto it = attrs.find(name.str());
  if (it == attrs.end() || !it->second.default_value.has_type())
    return nullptr;
  return &it->second.default_value;
}

bool ConverterContext::hasAttr(StringRef name) const {
  return findAttr(name) != nullptr;
}

bool ConverterContext::checkAttrType(const onnx::AttributeProto *attr, int type,
                                     StringRef typeName) {
  // Old exporters may leave `type` unset; then trust the field that is read.
  if (attr->type() == type || attr->type() == onnx::AttributeProto::UNDEFINED)
    return true;
  error("attribute '" + attr->name() + "' must be of type " + typeName);
  return false;
}

int64_t ConverterContext::getInt(StringRef name, int64_t fallback) {
  const onnx::AttributeProto *attr = getAttrOrDefault(name);
  if (!attr || !checkAttrType(attr, onnx::AttributeProto::INT, "INT"))
    return fallback;
  return attr->i();
}

double ConverterContext::getFloat(StringRef name, double fallback) {
  const onnx::AttributeProto *attr = getAttrOrDefault(name);
  if (!attr || !checkAttrType(attr, onnx::AttributeProto::FLOAT, "FLOAT"))
    return fallback;
  return attr->f();
}

std::string ConverterContext::getString(StringRef name, StringRef fallback) {
  const onnx::AttributeProto *attr = getAttrOrDefault(name);
  if (!attr || !checkAttrType(attr, onnx::AttributeProto::STRING, "STRING"))
    return fallback.str();
  return attr->s();
}

std::optional<SmallVector<int64_t>> ConverterContext::getInts(StringRef name) {
  const onnx::AttributeProto *attr = getAttrOrDefault(name);
  if (!attr || !checkAttrType(attr, onnx::AttributeProto::INTS, "INTS"))
    return std::nullopt;
  return SmallVector<int64_t>(attr->ints().begin(), attr->ints().end());
}

Value ConverterContext::getTensorAttrValue(StringRef name,
                                           StringRef symbolName) {
  const onnx::AttributeProto *attr = findAttr(name);
  if (!attr || !checkAttrType(attr, onnx::AttributeProto::TENSOR, "TENSOR"))
    return {};
  std::optional<ByteRange> raw;
  int64_t attrIndex = 0;
  while (&node.attribute(attrIndex) != attr)
    ++attrIndex;
  const auto &nodes = session.rawData.nodeAttributes;
  if (nodeIndex < static_cast<int64_t>(nodes.size()) && attrIndex >= 0 &&
      attrIndex < static_cast<int64_t>(nodes[nodeIndex].size()))
    raw = nodes[nodeIndex][attrIndex];
  llvm::Expected<Value> value =
      session.tensors.importTensor(session.builder, loc, attr->t(), symbolName,
                                   raw, "tensor attribute '" + name + "'");
  if (!value) {
    error(llvm::toString(value.takeError()));
    return {};
  }
  return *value;
}

DenseElementsAttr ConverterContext::getSmallTensorAttr(StringRef name) {
  const onnx::AttributeProto *attr = getAttrOrDefault(name);
  if (!attr || !checkAttrType(attr, onnx::AttributeProto::TENSOR, "TENSOR"))
    return {};
  llvm::Expected<DenseElementsAttr> value = session.tensors.readSmallTensor(
      attr->t(), "tensor attribute '" + name + "'");
  if (!value) {
    error(llvm::toString(value.takeError()));
    return {};
  }
  return *value;
}

Value ConverterContext::getConstantNodeValue() {
  StringRef symbolName = getOutputName(0);
  if (hasAttr("value"))
    return getTensorAttrValue("value", symbolName);
  // The list forms are imported as the tensor they stand for.
  onnx::TensorProto tensor;
  if (const onnx::AttributeProto *attr = findAttr("value_float")) {
    tensor.set_data_type(onnx::TensorProto::FLOAT);
    tensor.add_float_data(attr->f());
  } else if (const onnx::AttributeProto *attr = findAttr("value_floats")) {
    tensor.set_data_type(onnx::TensorProto::FLOAT);
    tensor.add_dims(attr->floats_size());
    *tensor.mutable_float_data() = attr->floats();
  } else if (const onnx::AttributeProto *attr = findAttr("value_int")) {
    tensor.set_data_type(onnx::TensorProto::INT64);
    tensor.add_int64_data(attr->i());
  } else if (const onnx::AttributeProto *attr = findAttr("value_ints")) {
    tensor.set_data_type(onnx::TensorProto::INT64);
    tensor.add_dims(attr->ints_size());
    *tensor.mutable_int64_data() = attr->ints();
  } else if (hasAttr("sparse_value")) {
    unsupported("sparse constants");
    return {};
  } else if (hasAttr("value_string") || hasAttr("value_strings")) {
    unsupported("string constants");
    return {};
  } else {
    error("has no value attribute");
    return {};
  }
  llvm::Expected<Value> value = session.tensors.importTensor(
      session.builder, loc, tensor, symbolName, std::nullopt, "constant");
  if (!value) {
    error(llvm::toString(value.takeError()));
    return {};
  }
  return *value;
}

//===----------------------------------------------------------------------===//
// Outcome
//===----------------------------------------------------------------------===//

ConversionFailure ConverterContext::unsupported(const Twine &reason) {
  if (status == Status::Ok) {
    status = Status::Unsupported;
    message = reason.str();
  }
  return {};
}

ConversionFailure ConverterContext::error(const Twine &text) {
  if (status == Status::Ok) {
    status = Status::Error;
    message = describe() + ": " + text.str();
  }
  return {};
}

void ConverterContext::failFromDiagnostic(StringRef opName) {
  if (session.lastDiagnostic.empty())
    error("cannot build '" + opName + "'");
  else
    error(session.lastDiagnostic);
}

//===----------------------------------------------------------------------===//
// Building
//===----------------------------------------------------------------------===//

SmallVector<Value> ConverterContext::finishCreate(OperationState &state) {
  // Sizes computed from a model's values (Expand's shape, pads) may be
  // absurd; refuse them before anything is built for them.
  for (Type type : state.types) {
    auto tensorType = dyn_cast<RankedTensorType>(type);
    if (tensorType && !getCheckedElementCount(tensorType.getShape())) {
      error("'" + state.name.getStringRef() + "' would have the type " +
            llvm::formatv("{0}", type).str() +
            ", more than 2^38 elements or a negative size");
      return {};
    }
  }
  OpBuilder &builder = session.builder;
  Operation *op = builder.create(state);
  if (failed(mlir::verify(op, /*verifyRecursively=*/false))) {
    failFromDiagnostic(op->getName().getStringRef());
    op->erase();
    return {};
  }
  SmallVector<Value> results;
  if (succeeded(builder.tryFold(op, results)) && !results.empty()) {
    op->erase();
    return results;
  }
  return SmallVector<Value>(op->getResults());
}

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

DenseElementsAttr ConverterContext::getConstant(Value v) {
  DenseElementsAttr attr;
  if (v && matchPattern(v, m_Constant(&attr)))
    return attr;
  return {};
}

std::optional<SmallVector<int64_t>> ConverterContext::getConstantInts(Value v) {
  DenseElementsAttr attr = getConstant(v);
  if (!attr || !isa<IntegerType>(attr.getElementType()))
    return std::nullopt;
  bool isUnsigned = attr.getElementType().isUnsignedInteger() ||
                    attr.getElementType().isInteger(1);
  SmallVector<int64_t> values;
  for (const APInt &value : attr.getValues<APInt>()) {
    if (value.getBitWidth() > 64)
      return std::nullopt;
    values.push_back(isUnsigned ? static_cast<int64_t>(value.getZExtValue())
                                : value.getSExtValue());
  }
  return values;
}

/// What is known of each element of an integer tensor of rank <= 1 with a
/// static shape; empty if the shape is not such.
static SmallVector<ShapeElement> getKnownValues(Value v, int depth) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  if (!type || type.getRank() > 1 || !type.hasStaticShape() ||
      !isa<IntegerType>(type.getElementType()))
    return {};
  int64_t n = type.getNumElements();
  SmallVector<ShapeElement> unknown(n);
  if (auto values = ConverterContext::getConstantInts(v)) {
    if (static_cast<int64_t>(values->size()) != n)
      return unknown;
    return llvm::map_to_vector(*values, [](int64_t x) {
      return ShapeElement{x, Value(), -1};
    });
  }
  Operation *op = v.getDefiningOp();
  if (!op || depth > 16)
    return unknown;
  auto sameLength = [&](SmallVector<ShapeElement> known) {
    return static_cast<int64_t>(known.size()) == n ? known : unknown;
  };
  if (auto shapeOf = dyn_cast<ShapeOfOp>(op)) {
    SmallVector<ShapeElement> known;
    for (auto [i, d] :
         llvm::enumerate(shapeOf.getInput().getType().getShape())) {
      if (ShapedType::isDynamic(d))
        known.push_back(
            {std::nullopt, shapeOf.getInput(), static_cast<int64_t>(i)});
      else
        known.push_back({d, Value(), -1});
    }
    return sameLength(known);
  }
  if (auto concat = dyn_cast<ConcatOp>(op)) {
    SmallVector<ShapeElement> known;
    for (Value piece : concat.getInputs()) {
      SmallVector<ShapeElement> part = getKnownValues(piece, depth + 1);
      auto pieceType = cast<RankedTensorType>(piece.getType());
      if (!pieceType.hasStaticShape() ||
          static_cast<int64_t>(part.size()) != pieceType.getNumElements())
        return unknown;
      known.append(part);
    }
    return sameLength(known);
  }
  if (auto gather = dyn_cast<GatherOp>(op)) {
    auto indices = ConverterContext::getConstantInts(gather.getIndices());
    SmallVector<ShapeElement> source =
        getKnownValues(gather.getInput(), depth + 1);
    if (!indices || static_cast<int64_t>(indices->size()) != n ||
        source.empty())
      return unknown;
    SmallVector<ShapeElement> known;
    int64_t size = source.size();
    for (int64_t i : *indices) {
      if (i < 0)
        i += size;
      if (i < 0 || i >= size)
        return unknown;
      known.push_back(source[i]);
    }
    return known;
  }
  if (auto slice = dyn_cast<SliceOp>(op)) {
    SmallVector<ShapeElement> source =
        getKnownValues(slice.getInput(), depth + 1);
    int64_t size = source.size();
    if (source.empty() || slice.getSteps() || slice.getAxes().size() != 1)
      return unknown;
    int64_t start = slice.getStarts()[0], end = slice.getEnds()[0];
    start = std::clamp<int64_t>(start < 0 ? start + size : start, 0, size);
    end = std::clamp<int64_t>(end < 0 ? end + size : end, 0, size);
    if (end - start != n)
      return unknown;
    return SmallVector<ShapeElement>(source.begin() + start,
                                     source.begin() + end);
  }
  // Ops that keep the elements in order.
  if (isa<UnsqueezeOp, SqueezeOp, ReshapeOp, CastOp>(op)) {
    Value source = op->getOperand(0);
    auto sourceType = cast<RankedTensorType>(source.getType());
    if (!sourceType.hasStaticShape() || sourceType.getNumElements() != n)
      return unknown;
    if (isa<CastOp>(op) &&
        (!isa<IntegerType>(sourceType.getElementType()) ||
         sourceType.getElementTypeBitWidth() > type.getElementTypeBitWidth()))
      return unknown;
    return sameLength(getKnownValues(source, depth + 1));
  }
  return unknown;
}

SmallVector<ShapeElement> ConverterContext::getKnownElements(Value v) {
  return getKnownValues(v, 0);
}

Value ConverterContext::shapeOf(Value v) {
  if (!v)
    return {};
  Value &cached = session.shapes[v];
  if (!cached)
    cached = create<ShapeOfOp>({v});
  return cached;
}

Value ConverterContext::constant(DenseElementsAttr value) {
  // The function is one block, so a constant built earlier dominates here.
  Value &cached = session.constants[value];
  if (!cached)
    cached =
        create<ConstantOp>({}, {namedAttr("value", value)}, value.getType());
  return cached;
}

Value ConverterContext::constantI64(ArrayRef<int64_t> values) {
  auto type = RankedTensorType::get({static_cast<int64_t>(values.size())},
                                    IntegerType::get(getContext(), 64));
  return constant(DenseElementsAttr::get(type, values));
}

TypedAttr ConverterContext::scalarAttr(Type elementType, double value) {
  if (isa<FloatType>(elementType))
    return FloatAttr::get(elementType, value);
  unsigned width = elementType.getIntOrFloatBitWidth();
  if (width == 1)
    return IntegerAttr::get(elementType, APInt(1, value != 0));
  // Attribute values come from the model: keep the conversion defined for
  // NaN and out-of-range values (an integer tensor given a float bound).
  double clamped =
      std::isnan(value) ? 0.0 : std::clamp(value, -0x1p63, 0x1p63 - 1024);
  APInt bits(width, static_cast<uint64_t>(static_cast<int64_t>(clamped)),
             /*isSigned=*/true, /*implicitTrunc=*/true);
  return IntegerAttr::get(elementType, bits);
}

Value ConverterContext::scalar(Type elementType, double value) {
  auto type = RankedTensorType::get({}, elementType);
  return constant(DenseElementsAttr::get(type, scalarAttr(elementType, value)));
}

std::optional<int64_t>
ConverterContext::normalizeAxis(int64_t axis, int64_t rank, StringRef what) {
  if (axis < -rank || axis >= rank) {
    error(what + " " + Twine(axis) + " is out of range for rank " +
          Twine(rank));
    return std::nullopt;
  }
  return axis < 0 ? axis + rank : axis;
}

std::optional<SmallVector<int64_t>>
ConverterContext::normalizeAxes(ArrayRef<int64_t> axes, int64_t rank,
                                StringRef what) {
  SmallVector<int64_t> result;
  for (int64_t axis : axes) {
    std::optional<int64_t> normalized = normalizeAxis(axis, rank, what);
    if (!normalized)
      return std::nullopt;
    result.push_back(*normalized);
  }
  llvm::sort(result);
  if (std::adjacent_find(result.begin(), result.end()) != result.end()) {
    error(what + " repeats an axis");
    return std::nullopt;
  }
  return result;
}

Value ConverterContext::dimsOf(Value v, int64_t begin, int64_t end) {
  if (!v)
    return {};
  if (begin >= end)
    return constantI64({});
  // Runs of static dims are constants, runs of dynamic ones slices of the
  // shape, so that what is static stays visible to later shape arithmetic.
  RankedTensorType type = typeOf(v);
  Value shape;
  SmallVector<Value> pieces;
  for (int64_t i = begin; i < end;) {
    int64_t j = i;
    bool isDynamic = type.isDynamicDim(i);
    while (j < end && type.isDynamicDim(j) == isDynamic)
      ++j;
    if (!isDynamic) {
      pieces.push_back(constantI64(type.getShape().slice(i, j - i)));
    } else {
      if (!shape)
        shape = shapeOf(v);
      MLIRContext *ctx = getContext();
      pieces.push_back(create<SliceOp>(
          {shape}, {namedAttr("axes", DenseI64ArrayAttr::get(ctx, {0})),
                    namedAttr("starts", DenseI64ArrayAttr::get(ctx, {i})),
                    namedAttr("ends", DenseI64ArrayAttr::get(ctx, {j}))}));
    }
    i = j;
  }
  if (pieces.size() == 1)
    return pieces.front();
  return create<ConcatOp>(
      pieces, {namedAttr("axis", getBuilder().getI64IntegerAttr(0))});
}

Value ConverterContext::productOfDims(Value v, int64_t begin, int64_t end) {
  if (!v)
    return {};
  RankedTensorType type = typeOf(v);
  int64_t product = 1;
  bool isStatic = true;
  for (int64_t i = begin; i < end; ++i) {
    if (type.isDynamicDim(i))
      isStatic = false;
    else
      product *= type.getDimSize(i);
  }
  if (isStatic)
    return constantI64({product});
  return reduce(ReduceKind::prod, dimsOf(v, begin, end), {0},
                /*keepdims=*/true);
}

Value ConverterContext::reshape(Value v, ArrayRef<int64_t> shape,
                                Value shapeOperand) {
  if (!v)
    return {};
  auto resultType = RankedTensorType::get(shape, elementTypeOf(v));
  int64_t dynamic = llvm::count_if(shape, ShapedType::isDynamic);
  int64_t known = 1;
  for (int64_t d : shape)
    if (!ShapedType::isDynamic(d) && llvm::MulOverflow(known, d, known))
      return error("cannot reshape to " + Twine(shape.size()) +
                   " sizes with more than 2^63 elements");
  // Without a shape operand mlc derives one dynamic size from the element
  // count, which needs the other sizes to be non-zero.
  if (dynamic == 0 || (dynamic == 1 && known != 0))
    return create<ReshapeOp>({v}, {}, resultType);
  if (!shapeOperand) {
    if (!hasFailed())
      error("cannot reshape to a shape with several dynamic sizes");
    return {};
  }
  return create<ReshapeOp>({v, shapeOperand}, {}, resultType);
}

Value ConverterContext::flattenTo2D(Value v, int64_t axis) {
  if (!v)
    return {};
  RankedTensorType type = typeOf(v);
  auto product = [&](int64_t begin, int64_t end) {
    int64_t p = 1;
    for (int64_t i = begin; i < end; ++i) {
      if (type.isDynamicDim(i))
        return ShapedType::kDynamic;
      p *= type.getDimSize(i);
    }
    return p;
  };
  int64_t rows = product(0, axis), cols = product(axis, type.getRank());
  Value shapeOperand;
  if (ShapedType::isDynamic(rows) && ShapedType::isDynamic(cols))
    shapeOperand = create<ConcatOp>(
        {productOfDims(v, 0, axis), constantI64({-1})},
        {namedAttr("axis", getBuilder().getI64IntegerAttr(0))});
  return reshape(v, {rows, cols}, shapeOperand);
}

Value ConverterContext::reshapeLike(Value v, Value like) {
  if (!v || !like)
    return {};
  ArrayRef<int64_t> shape = typeOf(like).getShape();
  Value shapeOperand;
  if (llvm::count_if(shape, ShapedType::isDynamic) > 1)
    shapeOperand = shapeOf(like);
  return reshape(v, shape, shapeOperand);
}

Value ConverterContext::unsqueeze(Value v, ArrayRef<int64_t> axes) {
  if (axes.empty())
    return v;
  return create<UnsqueezeOp>(
      {v}, {namedAttr("axes", DenseI64ArrayAttr::get(getContext(), axes))});
}

Value ConverterContext::squeeze(Value v, ArrayRef<int64_t> axes) {
  if (axes.empty())
    return v;
  return create<SqueezeOp>(
      {v}, {namedAttr("axes", DenseI64ArrayAttr::get(getContext(), axes))});
}

Value ConverterContext::castTo(Value v, Type elementType) {
  if (!v || elementTypeOf(v) == elementType)
    return v;
  return create<CastOp>({v}, {}, typeOf(v).clone(elementType));
}

Value ConverterContext::sliceAlong(Value v, int64_t axis, int64_t start,
                                   int64_t end) {
  MLIRContext *context = getContext();
  return create<SliceOp>(
      {v}, {namedAttr("axes", DenseI64ArrayAttr::get(context, {axis})),
            namedAttr("starts", DenseI64ArrayAttr::get(context, {start})),
            namedAttr("ends", DenseI64ArrayAttr::get(context, {end}))});
}

Value ConverterContext::compare(CmpPredicate predicate, Value lhs, Value rhs) {
  return create<CmpOp>(
      {lhs, rhs},
      {namedAttr("predicate", CmpPredicateAttr::get(getContext(), predicate))});
}

Value ConverterContext::reduce(ReduceKind kind, Value v, ArrayRef<int64_t> axes,
                               bool keepdims) {
  SmallVector<NamedAttribute> attrs = {
      namedAttr("kind", ReduceKindAttr::get(getContext(), kind)),
      namedAttr("axes", DenseI64ArrayAttr::get(getContext(), axes))};
  if (keepdims)
    attrs.push_back(namedAttr("keepdims", UnitAttr::get(getContext())));
  return create<ReduceOp>({v}, attrs);
}

Value ConverterContext::range(Value n) {
  Type i64 = IntegerType::get(getContext(), 64);
  return create<RangeOp>({scalar(i64, 0), n, scalar(i64, 1)});
}

Value ConverterContext::indicesAlong(Value v, int64_t dim) {
  return range(reshape(dimsOf(v, dim, dim + 1), {}));
}

Value ConverterContext::reduceAll(ReduceKind kind, Value v) {
  if (!v)
    return {};
  int64_t rank = typeOf(v).getRank();
  if (rank == 0)
    return v;
  return reduce(kind, v, llvm::to_vector(llvm::seq<int64_t>(0, rank)),
                /*keepdims=*/false);
}

//===----------------------------------------------------------------------===//
// Registry
//===----------------------------------------------------------------------===//

const ConverterRegistry &mlc::onnx_import::getConverterRegistry() {
  static const ConverterRegistry registry = [] {
    ConverterRegistry r;
    registerElementwiseConverters(r);
    registerNNConverters(r);
    registerReductionConverters(r);
    registerShapeConverters(r);
    registerQuantConverters(r);
    registerLossConverters(r);
    registerRearrangeConverters(r);
    registerNormalizationConverters(r);
    return r;
  }();
  return registry;
}
