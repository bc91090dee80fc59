//===- OnnxImporter.cpp - ONNX models into the mlc dialect ----------------===//
//
// The model and graph level of the importer: reads and checks the file, the
// IR version and opsets, the graph's inputs, initializers and outputs, puts
// the nodes in topological order (rejecting cycles and dangling inputs), and
// runs one converter per node (ConverterContext.h). Nodes that cannot be
// converted are collected and reported together.
//
//===----------------------------------------------------------------------===//

#include "mlc/Import/Onnx/OnnxImporter.h"
#include "ConverterContext.h"
#include "TensorImporter.h"
#include "WireFormat.h"
#include "mlc/Dialect/Mlc/IR/MlcDialect.h"
#include "mlc/Dialect/Mlc/IR/MlcOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "onnx/defs/schema.h"
#include "onnx/onnx_pb.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include <climits>
#include <queue>

using namespace mlir;
using namespace mlc;
using namespace mlc::onnx_import;
using llvm::Twine;

char UnsupportedOnnxOpsError::ID = 0;

void UnsupportedOnnxOpsError::log(llvm::raw_ostream &os) const {
  os << path << ": the model has " << nodes.size() << " node"
     << (nodes.size() == 1 ? "" : "s") << " that mlc cannot convert:";
  for (const UnsupportedOnnxNode &node : nodes) {
    os << "\n  node ";
    if (!node.nodeName.empty())
      os << "'" << node.nodeName << "'";
    else
      os << "#" << node.nodeIndex;
    os << " (";
    if (!node.domain.empty())
      os << node.domain << ".";
    os << node.opType << ", opset " << node.opsetVersion
       << "): " << node.reason;
  }
}

std::error_code UnsupportedOnnxOpsError::convertToErrorCode() const {
  return llvm::inconvertibleErrorCode();
}

char UnsupportedOnnxFeatureError::ID = 0;

std::error_code UnsupportedOnnxFeatureError::convertToErrorCode() const {
  return llvm::inconvertibleErrorCode();
}

namespace {

/// Opsets of the default domain whose semantics the converters implement.
constexpr int64_t kMinOpset = 1, kMaxOpset = 18;
/// IR versions whose model structure the importer understands.
constexpr int64_t kMinIrVersion = 3, kMaxIrVersion = 10;

bool isDefaultDomain(StringRef domain) {
  return domain.empty() || domain == "ai.onnx";
}

/// Imports one parsed model.
class ModelImporter {
public:
  ModelImporter(MLIRContext *context, StringRef path, StringRef bytes,
                const RawDataLocations &rawData,
                const OnnxImportOptions &options, const onnx::ModelProto &model)
      : context(context), path(path), bytes(bytes), rawData(rawData),
        options(options), model(model), graph(model.graph()) {}

  llvm::Expected<OwningOpRef<ModuleOp>> run();

private:
  llvm::Error checkModel();
  /// Checks the names the graph defines and uses, and orders the nodes.
  llvm::Error orderNodes();
  llvm::Error convertNodes(ImportSession &session);
  llvm::Error makeError(const Twine &message) {
    return llvm::createStringError(message);
  }
  std::string describeNode(int64_t index) const {
    const onnx::NodeProto &node = graph.node(index);
    if (!node.name().empty())
      return ("node '" + Twine(node.name()) + "' (" + node.op_type() + ")")
          .str();
    return ("node #" + Twine(index) + " (" + node.op_type() + ")").str();
  }
  Location nodeLoc(int64_t index) const {
    const onnx::NodeProto &node = graph.node(index);
    std::string name = node.name();
    if (name.empty())
      name = node.output_size() ? node.output(0) : node.op_type();
    return NameLoc::get(StringAttr::get(context, name),
                        FileLineColLoc::get(context, path, 0, 0));
  }

  MLIRContext *context;
  StringRef path, bytes;
  const RawDataLocations &rawData;
  const OnnxImportOptions &options;
  const onnx::ModelProto &model;
  const onnx::GraphProto &graph;

  int64_t defaultOpset = 0;
  llvm::StringMap<int64_t> opsets;
  llvm::StringSet<> initializerNames;
  /// Node indices in topological order.
  std::vector<int64_t> order;
  llvm::StringMap<Value> values;
  std::vector<UnsupportedOnnxNode> unsupported;
};

} // namespace

llvm::Error ModelImporter::checkModel() {
  if (!model.has_ir_version() && !model.has_graph())
    return makeError("not an ONNX model (it has no IR version and no graph)");
  int64_t irVersion = model.ir_version();
  if (irVersion < kMinIrVersion || irVersion > kMaxIrVersion)
    return makeError("unsupported IR version " + Twine(irVersion) +
                     " (mlc reads IR versions " + Twine(kMinIrVersion) +
                     " to " + Twine(kMaxIrVersion) + ")");
  for (const onnx::OperatorSetIdProto &opset : model.opset_import()) {
    StringRef domain = opset.domain();
    if (isDefaultDomain(domain))
      defaultOpset = opset.version();
    else
      opsets[domain] = opset.version();
  }
  if (!defaultOpset)
    return llvm::make_error<UnsupportedOnnxFeatureError>(
        "the model imports no opset of the default ONNX domain");
  if (defaultOpset < kMinOpset || defaultOpset > kMaxOpset)
    return makeError("unsupported opset " + Twine(defaultOpset) +
                     " of the default ONNX domain (mlc reads opsets " +
                     Twine(kMinOpset) + " to " + Twine(kMaxOpset) + ")");
  if (!model.has_graph())
    return makeError("the model has no graph");
  if (graph.sparse_initializer_size())
    return makeError("sparse initializer '" +
                     Twine(graph.sparse_initializer(0).values().name()) +
                     "' is not supported");
  return llvm::Error::success();
}

llvm::Error ModelImporter::orderNodes() {
  // Who defines each name: -1 graph input, -2 initializer, else a node.
  llvm::StringMap<int64_t> definer;
  for (const onnx::TensorProto &init : graph.initializer()) {
    if (init.name().empty())
      return makeError("an initializer has no name");
    if (!initializerNames.insert(init.name()).second)
      return makeError("initializer '" + Twine(init.name()) +
                       "' is defined twice");
    definer[init.name()] = -2;
  }
  for (const onnx::ValueInfoProto &input : graph.input()) {
    if (input.name().empty())
      return makeError("a graph input has no name");
    if (initializerNames.contains(input.name()))
      continue;
    if (!definer.try_emplace(input.name(), -1).second)
      return makeError("graph input '" + Twine(input.name()) +
                       "' is listed twice");
  }
  int64_t numNodes = graph.node_size();
  for (int64_t i = 0; i < numNodes; ++i) {
    for (const std::string &output : graph.node(i).output()) {
      if (output.empty())
        continue;
      auto [it, inserted] = definer.try_emplace(output, i);
      if (inserted)
        continue;
      std::string other = it->second == -1   ? "a graph input"
                          : it->second == -2 ? "an initializer"
                                             : describeNode(it->second);
      return makeError(describeNode(i) + ": output '" + output +
                       "' is already defined by " + other);
    }
  }
  // Kahn's algorithm, taking ready nodes in their original order.
  std::vector<int64_t> pending(numNodes, 0);
  std::vector<std::vector<int64_t>> users(numNodes);
  for (int64_t i = 0; i < numNodes; ++i) {
    for (const std::string &input : graph.node(i).input()) {
      if (input.empty())
        continue;
      auto it = definer.find(input);
      if (it == definer.end())
        return makeError(describeNode(i) + ": input '" + input +
                         "' is not produced by any node, graph input or "
                         "initializer");
      if (it->second >= 0) {
        users[it->second].push_back(i);
        ++pending[i];
      }
    }
  }
  std::priority_queue<int64_t, std::vector<int64_t>, std::greater<int64_t>>
      ready;
  for (int64_t i = 0; i < numNodes; ++i)
    if (!pending[i])
      ready.push(i);
  while (!ready.empty()) {
    int64_t i = ready.top();
    ready.pop();
    order.push_back(i);
    for (int64_t user : users[i])
      if (--pending[user] == 0)
        ready.push(user);
  }
  if (static_cast<int64_t>(order.size()) != numNodes) {
    for (int64_t i = 0; i < numNodes; ++i)
      if (pending[i])
        return makeError("the graph has a cycle through " + describeNode(i));
  }
  for (const onnx::ValueInfoProto &output : graph.output())
    if (!definer.count(output.name()))
      return makeError("graph output '" + Twine(output.name()) +
                       "' is not produced by any node, graph input or "
                       "initializer");
  return llvm::Error::success();
}

llvm::Error ModelImporter::convertNodes(ImportSession &session) {
  const ConverterRegistry &registry = getConverterRegistry();
  int64_t maxKnownOpset = 0;
  try {
    const auto &ranges =
        onnx::OpSchemaRegistry::DomainToVersionRange::Instance().Map();
    auto it = ranges.find(onnx::ONNX_DOMAIN);
    if (it != ranges.end())
      maxKnownOpset = it->second.second;
  } catch (const std::exception &e) {
    return makeError(Twine("cannot read the ONNX schema registry: ") +
                     e.what());
  }
  for (int64_t index : order) {
    const onnx::NodeProto &node = graph.node(index);
    bool isDefault = isDefaultDomain(node.domain());
    int64_t opset = isDefault ? defaultOpset : opsets.lookup(node.domain());
    auto reportUnsupported = [&](const Twine &reason) {
      unsupported.push_back({node.op_type(), node.domain(), node.name(), opset,
                             reason.str(), index});
    };
    if (!isDefault) {
      reportUnsupported("ops of domain '" + node.domain() +
                        "' are not supported");
      continue;
    }
    const onnx::OpSchema *schema = nullptr;
    try {
      schema = onnx::OpSchemaRegistry::Schema(node.op_type(),
                                              static_cast<int>(opset), "");
    } catch (const std::exception &e) {
      return makeError(describeNode(index) + ": " + e.what());
    }
    ConverterFn convert = registry.lookup(node.op_type());
    // Ops newer than the ONNX library (opset 18 ops with ONNX 1.12) have no
    // schema; their converters work without one.
    if (!schema && !(convert && opset > maxKnownOpset)) {
      reportUnsupported("not an op of ONNX opset " + Twine(opset));
      continue;
    }
    if (!convert) {
      reportUnsupported("mlc has no conversion for this op");
      continue;
    }
    // Inputs; a node downstream of an unsupported one cannot be converted
    // (it is not reported itself unless its own op is unsupported).
    SmallVector<Value> inputs;
    bool available = true;
    for (const std::string &name : node.input()) {
      if (name.empty()) {
        inputs.push_back({});
        continue;
      }
      Value v = values.lookup(name);
      available &= static_cast<bool>(v);
      inputs.push_back(v);
    }
    if (!available)
      continue;
    // The schema checks inputs, outputs and attributes. Opsets newer than
    // the ONNX library's are checked against its latest schema by the
    // converters alone.
    if (schema && opset <= maxKnownOpset) {
      try {
        schema->Verify(node);
      } catch (const std::exception &e) {
        return makeError(describeNode(index) + ": " + e.what());
      }
    }
    ConverterContext converter(session, node, schema, opset, index, inputs,
                               nodeLoc(index));
    LogicalResult converted = convert(converter);
    if (converter.isUnsupported()) {
      reportUnsupported(converter.getMessage());
      continue;
    }
    if (converter.hasFailed())
      return makeError(converter.getMessage());
    if (failed(converted))
      return makeError(describeNode(index) + ": conversion failed");
    for (int i = 0, e = node.output_size(); i < e; ++i) {
      if (node.output(i).empty())
        continue;
      Value v = converter.getOutput(i);
      if (!v)
        return makeError(describeNode(index) + ": output '" + node.output(i) +
                         "' was not produced by the converter");
      values[node.output(i)] = v;
    }
  }
  return llvm::Error::success();
}

llvm::Expected<OwningOpRef<ModuleOp>> ModelImporter::run() {
  if (llvm::Error e = checkModel())
    return std::move(e);
  if (llvm::Error e = orderNodes())
    return std::move(e);

  Location fileLoc = FileLineColLoc::get(context, path, 0, 0);
  OwningOpRef<ModuleOp> module = ModuleOp::create(fileLoc);

  // Function arguments: graph inputs that are not initializers.
  SmallVector<Type> argTypes;
  SmallVector<std::string> argNames;
  for (const onnx::ValueInfoProto &input : graph.input()) {
    if (initializerNames.contains(input.name()))
      continue;
    llvm::Expected<RankedTensorType> type = convertValueInfoType(
        context, input, "graph input '" + Twine(input.name()) + "'");
    if (!type)
      return type.takeError();
    argTypes.push_back(*type);
    argNames.push_back(input.name());
  }
  auto func = func::FuncOp::create(fileLoc, "main",
                                   FunctionType::get(context, argTypes, {}));
  module->getBody()->push_back(func);
  Block *entry = func.addEntryBlock();
  for (auto [i, name] : llvm::enumerate(argNames)) {
    func.setArgAttr(i, "mlc.name", StringAttr::get(context, name));
    values[name] = entry->getArgument(i);
  }

  TensorImporter tensors(*module, path, bytes, options);
  tensors.reserveSymbol(func.getName());
  ImportSession session{context, OpBuilder::atBlockEnd(entry), tensors,
                        rawData};
  ScopedDiagnosticHandler handler(context, [&](Diagnostic &diag) {
    if (diag.getSeverity() == DiagnosticSeverity::Error &&
        session.lastDiagnostic.empty())
      session.lastDiagnostic = diag.str();
    return success();
  });

  // Initializers, in order; the scanner found their raw_data in the same
  // order when its count agrees with the parser's.
  bool rawDataKnown = static_cast<int64_t>(rawData.initializers.size()) ==
                      graph.initializer_size();
  for (auto [i, init] : llvm::enumerate(graph.initializer())) {
    std::optional<ByteRange> raw;
    if (rawDataKnown)
      raw = rawData.initializers[i];
    Location loc = NameLoc::get(StringAttr::get(context, init.name()), fileLoc);
    llvm::Expected<Value> value =
        tensors.importTensor(session.builder, loc, init, init.name(), raw,
                             "initializer '" + Twine(init.name()) + "'");
    if (!value)
      return value.takeError();
    values[init.name()] = *value;
  }

  if (llvm::Error e = convertNodes(session))
    return std::move(e);
  if (!unsupported.empty())
    return llvm::make_error<UnsupportedOnnxOpsError>(path.str(),
                                                     std::move(unsupported));

  // Results.
  SmallVector<Value> results;
  for (const onnx::ValueInfoProto &output : graph.output()) {
    Value v = values.lookup(output.name());
    if (!v)
      return makeError("graph output '" + Twine(output.name()) +
                       "' has no value");
    if (output.has_type() && output.type().has_tensor_type() &&
        output.type().tensor_type().elem_type()) {
      int32_t declared = output.type().tensor_type().elem_type();
      Type declaredType = convertDataType(context, declared);
      Type actual = ConverterContext::typeOf(v).getElementType();
      if (declaredType != actual)
        return makeError("graph output '" + Twine(output.name()) +
                         "' is declared " + getDataTypeName(declared) +
                         " but computed as " +
                         llvm::formatv("{0}", actual).str());
    }
    results.push_back(v);
  }
  func::ReturnOp::create(session.builder, fileLoc, results);
  func.setFunctionType(
      FunctionType::get(context, argTypes, TypeRange(ValueRange(results))));
  for (auto [i, output] : llvm::enumerate(graph.output()))
    func.setResultAttr(i, "mlc.name", StringAttr::get(context, output.name()));

  // Folding leaves dead shape computations and constants behind.
  for (Operation *op = &entry->back(); op;) {
    Operation *previous = op->getPrevNode();
    if (isOpTriviallyDead(op))
      op->erase();
    op = previous;
  }

  session.lastDiagnostic.clear();
  if (failed(mlir::verify(*module)))
    return makeError("internal error: the imported module does not verify: " +
                     session.lastDiagnostic);
  return std::move(module);
}

llvm::Expected<OwningOpRef<ModuleOp>>
mlc::importOnnxFile(MLIRContext *context, StringRef path,
                    const OnnxImportOptions &options) {
  context->loadDialect<MlcDialect, func::FuncDialect, arith::ArithDialect,
                       tensor::TensorDialect>();
  auto fail = [&](const Twine &message) -> llvm::Error {
    return llvm::createStringError(path + ": " + message);
  };
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buffer =
      llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                  /*RequiresNullTerminator=*/false);
  if (!buffer)
    return fail("cannot read the file: " + buffer.getError().message());
  StringRef bytes = (*buffer)->getBuffer();
  if (bytes.empty())
    return fail("the file is empty");
  if (bytes.size() > static_cast<size_t>(INT_MAX))
    return fail("the file is larger than 2 GiB, protobuf's limit; store "
                "large tensors as external data");
  llvm::Expected<RawDataLocations> rawData = scanModelWireFormat(bytes);
  if (!rawData)
    return fail("not a valid ONNX model: " +
                llvm::toString(rawData.takeError()));
  onnx::ModelProto model;
  bool parsed = false;
  try {
    parsed = model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()));
  } catch (const std::exception &e) {
    return fail(Twine("not a valid ONNX model: ") + e.what());
  }
  if (!parsed)
    return fail("not a valid ONNX model (protobuf parsing failed)");
  ModelImporter importer(context, path, bytes, *rawData, options, model);
  // Only allocation can throw here; the ONNX calls that may throw catch
  // where they are made.
  auto run = [&]() -> llvm::Expected<OwningOpRef<ModuleOp>> {
    try {
      return importer.run();
    } catch (const std::exception &e) {
      return llvm::createStringError(Twine("cannot import the model: ") +
                                     e.what());
    }
  };
  llvm::Expected<OwningOpRef<ModuleOp>> module = run();
  if (module)
    return module;
  // Name the file in every error (the unsupported-ops list already does).
  return llvm::handleErrors(
      module.takeError(),
      [&](const llvm::StringError &e) -> llvm::Error {
        return fail(e.getMessage());
      },
      [&](const UnsupportedOnnxFeatureError &e) -> llvm::Error {
        return llvm::make_error<UnsupportedOnnxFeatureError>(
            (path + ": " + e.getText()).str());
      });
}
