//===- ConverterContext.h - what an ONNX op converter sees ------*- C++ -*-===//
//
// Private to the ONNX importer. Every ONNX op (or op family) has one
// converter function, registered by op type in the ConverterRegistry:
//
//   LogicalResult convertGemm(ConverterContext &node);
//
// A converter reads the node's inputs (values, constant where folding made
// them so) and attributes (with the defaults of the node's opset), builds
// mlc ops with `create<OpTy>` and sets the node's outputs. It fails in one
// of two ways: `unsupported(reason)` for a valid node mlc cannot express
// (the importer collects these and reports them all), or `error(message)`
// for a malformed node.
//
// Failure is sticky: once a node failed, `create` returns null without
// building anything, so a converter may chain ops and check once.
//
//===----------------------------------------------------------------------===//

#ifndef MLC_LIB_IMPORT_ONNX_CONVERTERCONTEXT_H
#define MLC_LIB_IMPORT_ONNX_CONVERTERCONTEXT_H

#include "TensorImporter.h"
#include "WireFormat.h"
#include "mlc/Dialect/Mlc/IR/MlcOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringMap.h"

namespace onnx {
class NodeProto;
class AttributeProto;
class OpSchema;
} // namespace onnx

namespace mlc::onnx_import {

/// State of one import that converters share.
struct ImportSession {
  ImportSession(mlir::MLIRContext *context, mlir::OpBuilder builder,
                TensorImporter &tensors, const RawDataLocations &rawData)
      : context(context), builder(builder), tensors(tensors), rawData(rawData) {
  }

  mlir::MLIRContext *context;
  /// Builds into the body of the generated function.
  mlir::OpBuilder builder;
  TensorImporter &tensors;
  const RawDataLocations &rawData;
  /// Constants converters made, by value: each is built once.
  llvm::DenseMap<mlir::Attribute, mlir::Value> constants;
  /// `mlc.shape_of` of values, each built once.
  llvm::DenseMap<mlir::Value, mlir::Value> shapes;
  /// The message of the last error diagnostic MLIR emitted (op verifiers,
  /// shape functions); cleared before every op is built.
  std::string lastDiagnostic;
};

/// What is known statically about one element of a shape being computed:
/// its value, or that it is dimension `dim` of `source` (a dynamic one).
struct ShapeElement {
  std::optional<int64_t> value;
  mlir::Value source;
  int64_t dim = -1;

  bool isDimOf(mlir::Value v, int64_t i) const {
    return source == v && dim == i;
  }
};

/// What `error` and `unsupported` return: it converts to failure, a null
/// value or an empty optional, so that any helper can return it directly.
struct ConversionFailure {
  operator llvm::LogicalResult() const { return llvm::failure(); }
  operator mlir::Value() const { return {}; }
  template <typename T> operator std::optional<T>() const {
    return std::nullopt;
  }
};

/// One ONNX node being converted.
class ConverterContext {
public:
  /// `nodeIndex` is the node's position in the graph's node list; `inputs`
  /// has one value per listed input, null for absent optional ones.
  ConverterContext(ImportSession &session, const onnx::NodeProto &node,
                   const onnx::OpSchema *schema, int64_t opset,
                   int64_t nodeIndex, llvm::ArrayRef<mlir::Value> inputs,
                   mlir::Location loc);

  //===--------------------------------------------------------------------===//
  // The node
  //===--------------------------------------------------------------------===//

  llvm::StringRef getOpType() const;
  llvm::StringRef getName() const;
  /// The opset version of the node's domain in this model.
  int64_t getOpset() const { return opset; }
  /// "node 'name' (OpType)" or "node #3 (OpType)" for unnamed nodes.
  std::string describe() const;

  //===--------------------------------------------------------------------===//
  // Inputs and outputs
  //===--------------------------------------------------------------------===//

  /// Number of inputs listed, absent optional ones included.
  unsigned getNumInputs() const { return inputs.size(); }
  bool hasInput(unsigned i) const { return i < inputs.size() && inputs[i]; }
  /// Input `i`; fails the node if it is absent.
  mlir::Value input(unsigned i);
  /// Input `i`, or null if it is absent.
  mlir::Value optionalInput(unsigned i) const {
    return hasInput(i) ? inputs[i] : mlir::Value();
  }

  unsigned getNumOutputs() const;
  /// Whether output `i` exists and has a name (is used).
  bool hasOutput(unsigned i) const;
  llvm::StringRef getOutputName(unsigned i) const;
  void setOutput(unsigned i, mlir::Value value);
  /// Sets output 0; success if `value` is non-null and nothing failed.
  llvm::LogicalResult finish(mlir::Value value) {
    setOutput(0, value);
    return llvm::success(value && !hasFailed());
  }
  mlir::Value getOutput(unsigned i) const {
    return i < outputs.size() ? outputs[i] : mlir::Value();
  }

  //===--------------------------------------------------------------------===//
  // Attributes: the node's value, else the default of the node's opset
  //===--------------------------------------------------------------------===//

  /// Whether the node sets attribute `name` (defaults do not count).
  bool hasAttr(llvm::StringRef name) const;
  int64_t getInt(llvm::StringRef name, int64_t fallback);
  double getFloat(llvm::StringRef name, double fallback);
  std::string getString(llvm::StringRef name, llvm::StringRef fallback);
  /// An `ints` attribute; nullopt if neither set nor defaulted.
  std::optional<llvm::SmallVector<int64_t>> getInts(llvm::StringRef name);
  /// A tensor attribute as a value (mlc.constant, or mlc.parameter named
  /// `symbolName` when large); null (and the node failed) on error.
  mlir::Value getTensorAttrValue(llvm::StringRef name,
                                 llvm::StringRef symbolName);
  /// A small tensor attribute's values; null if absent or on error.
  mlir::DenseElementsAttr getSmallTensorAttr(llvm::StringRef name);
  /// The value of a Constant node, whichever attribute holds it (`value`,
  /// `value_float(s)`, `value_int(s)`); large values become parameters named
  /// after the node's output.
  mlir::Value getConstantNodeValue();

  //===--------------------------------------------------------------------===//
  // Outcome
  //===--------------------------------------------------------------------===//

  /// A valid node that mlc cannot express. The first failure of a node is
  /// the one reported.
  ConversionFailure unsupported(const llvm::Twine &reason);
  /// A malformed node.
  ConversionFailure error(const llvm::Twine &message);
  bool hasFailed() const { return status != Status::Ok; }
  bool isUnsupported() const { return status == Status::Unsupported; }
  const std::string &getMessage() const { return message; }

  //===--------------------------------------------------------------------===//
  // Building mlc ops
  //===--------------------------------------------------------------------===//

  mlir::MLIRContext *getContext() const { return session.context; }
  mlir::OpBuilder &getBuilder() { return session.builder; }
  mlir::Location getLoc() const { return loc; }
  mlir::NamedAttribute namedAttr(llvm::StringRef name, mlir::Attribute value) {
    return mlir::NamedAttribute(mlir::StringAttr::get(getContext(), name),
                                value);
  }

  /// Builds an `OpTy` and folds it if it can. Without result types, mlc's
  /// type inference computes them. Returns no values (and fails the node)
  /// when an operand is null, the op does not verify, or the node has
  /// already failed.
  template <typename OpTy>
  llvm::SmallVector<mlir::Value>
  createMulti(mlir::ValueRange operands,
              llvm::ArrayRef<mlir::NamedAttribute> attrs,
              mlir::TypeRange resultTypes);

  /// Single-result form of createMulti; null on failure.
  template <typename OpTy>
  mlir::Value create(mlir::ValueRange operands,
                     llvm::ArrayRef<mlir::NamedAttribute> attrs = {},
                     mlir::Type resultType = {}) {
    llvm::SmallVector<mlir::Value> results = createMulti<OpTy>(
        operands, attrs,
        resultType ? mlir::TypeRange(resultType) : mlir::TypeRange());
    return results.empty() ? mlir::Value() : results.front();
  }

  //===--------------------------------------------------------------------===//
  // Helpers shared by converters
  //===--------------------------------------------------------------------===//

  static mlir::RankedTensorType typeOf(mlir::Value v) {
    return llvm::cast<mlir::RankedTensorType>(v.getType());
  }
  static mlir::Type elementTypeOf(mlir::Value v) {
    return typeOf(v).getElementType();
  }
  /// The constant value of `v`, if it is one (after folding).
  static mlir::DenseElementsAttr getConstant(mlir::Value v);
  /// The values of an integer constant, if `v` is one.
  static std::optional<llvm::SmallVector<int64_t>>
  getConstantInts(mlir::Value v);
  /// What is known statically about each element of the 1-D i64 tensor `v`
  /// (a shape being computed): constants, and dims read with shape_of. Has
  /// one entry per element when `v` has a static length, none otherwise.
  static llvm::SmallVector<ShapeElement> getKnownElements(mlir::Value v);

  /// `mlc.constant` of `value`.
  mlir::Value constant(mlir::DenseElementsAttr value);
  /// A 1-D i64 constant.
  mlir::Value constantI64(llvm::ArrayRef<int64_t> values);
  /// A 0-d constant of `elementType` holding `value`.
  mlir::Value scalar(mlir::Type elementType, double value);
  /// A scalar attribute of `elementType` holding `value` (FloatAttr or
  /// IntegerAttr).
  mlir::TypedAttr scalarAttr(mlir::Type elementType, double value);

  /// `axis` in [-rank, rank) as a non-negative axis; fails the node if it is
  /// out of range. `what` names the attribute or input.
  std::optional<int64_t> normalizeAxis(int64_t axis, int64_t rank,
                                       llvm::StringRef what = "axis");
  /// Normalized, sorted axes; fails the node on a repeated axis.
  std::optional<llvm::SmallVector<int64_t>>
  normalizeAxes(llvm::ArrayRef<int64_t> axes, int64_t rank,
                llvm::StringRef what = "axes");

  /// `mlc.shape_of v`, built once per value.
  mlir::Value shapeOf(mlir::Value v);
  /// Dimensions [begin, end) of `v` as a 1-D i64 tensor (constant where the
  /// dims are static).
  mlir::Value dimsOf(mlir::Value v, int64_t begin, int64_t end);
  /// Product of dimensions [begin, end) of `v` as a [1] i64 tensor.
  mlir::Value productOfDims(mlir::Value v, int64_t begin, int64_t end);
  /// `v` reshaped to `shape` (static sizes or kDynamic). With at most one
  /// dynamic size no shape operand is needed; otherwise `shapeOperand`
  /// (1-D i64, one -1 allowed) gives the sizes at run time.
  mlir::Value reshape(mlir::Value v, llvm::ArrayRef<int64_t> shape,
                      mlir::Value shapeOperand = {});
  /// `v` as a 2-D tensor [prod(dims[:axis]), prod(dims[axis:])].
  mlir::Value flattenTo2D(mlir::Value v, int64_t axis);
  /// `v` reshaped back to the shape of `like` (same element count).
  mlir::Value reshapeLike(mlir::Value v, mlir::Value like);
  mlir::Value unsqueeze(mlir::Value v, llvm::ArrayRef<int64_t> axes);
  mlir::Value squeeze(mlir::Value v, llvm::ArrayRef<int64_t> axes);
  /// `v` converted to `elementType` (no op if it already has it).
  mlir::Value castTo(mlir::Value v, mlir::Type elementType);
  /// Elements [start, end) of `v` along `axis`, as ONNX Slice bounds
  /// (negative ones count from the end, both are clamped).
  mlir::Value sliceAlong(mlir::Value v, int64_t axis, int64_t start,
                         int64_t end);
  /// `mlc.cmp predicate, lhs, rhs`.
  mlir::Value compare(CmpPredicate predicate, mlir::Value lhs, mlir::Value rhs);
  /// `mlc.reduce kind` of `v` over the sorted `axes`.
  mlir::Value reduce(ReduceKind kind, mlir::Value v,
                     llvm::ArrayRef<int64_t> axes, bool keepdims);
  /// 0, 1, ..., n - 1 (i64) for the 0-d i64 `n`.
  mlir::Value range(mlir::Value n);
  /// 0, 1, ..., n - 1 (i64) for n the size of dimension `dim` of `v`.
  mlir::Value indicesAlong(mlir::Value v, int64_t dim);
  /// `v` reduced over all its axes to a 0-d tensor.
  mlir::Value reduceAll(ReduceKind kind, mlir::Value v);

private:
  enum class Status { Ok, Unsupported, Error };

  const onnx::AttributeProto *findAttr(llvm::StringRef name) const;
  /// The node's attribute `name`, else the schema's default; null if none.
  const onnx::AttributeProto *getAttrOrDefault(llvm::StringRef name) const;
  /// Fails the node if `attr` does not have type `type`.
  bool checkAttrType(const onnx::AttributeProto *attr, int type,
                     llvm::StringRef typeName);
  /// `v` as a constant if it is a small integer tensor whose elements are
  /// all known (see getKnownElements); else `v`.
  mlir::Value foldKnownValues(mlir::Value v);
  /// Creates, verifies and folds the op described by `state`.
  llvm::SmallVector<mlir::Value> finishCreate(mlir::OperationState &state);
  /// Records the last MLIR diagnostic as the node's error.
  void failFromDiagnostic(llvm::StringRef opName);

  ImportSession &session;
  const onnx::NodeProto &node;
  const onnx::OpSchema *schema;
  int64_t opset, nodeIndex;
  mlir::Location loc;
  llvm::SmallVector<mlir::Value> inputs;
  llvm::SmallVector<mlir::Value> outputs;
  Status status = Status::Ok;
  std::string message;
};

template <typename OpTy>
llvm::SmallVector<mlir::Value>
ConverterContext::createMulti(mlir::ValueRange operands,
                              llvm::ArrayRef<mlir::NamedAttribute> attrs,
                              mlir::TypeRange resultTypes) {
  if (hasFailed() || llvm::is_contained(operands, mlir::Value()))
    return {};
  session.lastDiagnostic.clear();
  mlir::OperationState state(loc, OpTy::getOperationName());
  state.addOperands(operands);
  // Inherent attributes live in the op's properties, which type inference
  // reads; fill them before inferring.
  if constexpr (!std::is_same_v<typename OpTy::Properties,
                                mlir::EmptyProperties>) {
    auto &properties = state.getOrAddProperties<typename OpTy::Properties>();
    if (failed(OpTy::setPropertiesFromAttr(
            properties, mlir::DictionaryAttr::get(getContext(), attrs),
            [&] { return mlir::emitError(loc); }))) {
      failFromDiagnostic(OpTy::getOperationName());
      return {};
    }
    OpTy::populateDefaultProperties(state.name, properties);
  } else {
    state.addAttributes(attrs);
  }
  llvm::SmallVector<mlir::Type> types(resultTypes.begin(), resultTypes.end());
  if constexpr (OpTy::template hasTrait<mlir::InferTypeOpInterface::Trait>()) {
    if (types.empty() && failed(OpTy::inferReturnTypes(
                             getContext(), loc, state.operands,
                             state.attributes.getDictionary(getContext()),
                             state.getRawProperties(), state.regions, types))) {
      failFromDiagnostic(OpTy::getOperationName());
      return {};
    }
  }
  state.addTypes(types);
  return finishCreate(state);
}

//===----------------------------------------------------------------------===//
// Registry
//===----------------------------------------------------------------------===//

using ConverterFn = llvm::LogicalResult (*)(ConverterContext &node);

/// Converters of the default ONNX domain, by op type.
class ConverterRegistry {
public:
  void add(llvm::StringRef opType, ConverterFn fn) { converters[opType] = fn; }
  ConverterFn lookup(llvm::StringRef opType) const {
    return converters.lookup(opType);
  }

private:
  llvm::StringMap<ConverterFn> converters;
};

/// The registry with every converter below, built once.
const ConverterRegistry &getConverterRegistry();

void registerElementwiseConverters(ConverterRegistry &registry);
void registerNNConverters(ConverterRegistry &registry);
void registerReductionConverters(ConverterRegistry &registry);
void registerShapeConverters(ConverterRegistry &registry);
void registerQuantConverters(ConverterRegistry &registry);
void registerLossConverters(ConverterRegistry &registry);
void registerRearrangeConverters(ConverterRegistry &registry);
void registerNormalizationConverters(ConverterRegistry &registry);

} // namespace mlc::onnx_import

#endif // MLC_LIB_IMPORT_ONNX_CONVERTERCONTEXT_H
