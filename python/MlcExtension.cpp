//===- MlcExtension.cpp - mlc._mlc: mlc's C++ API for Python --------------===//
//
// The compiled half of the `mlc` package (the Python half is python/mlc/):
//
//   import_file(path) -> str          a model file (.onnx, .mlir) as mlc IR
//   compile_file(path, out.so, ...)   a model file to a shared library
//   Builder                           builds an mlc module op by op (the FX
//                                     importer's target), compiles it
//   Model                             a compiled module loaded by libmlcrt;
//                                     runs on numpy arrays without copies
//
// Everything is mlc's own C++ API (importer, CPU target, runtime); no MLIR
// Python bindings. Errors become mlc.Error (mlc.UnsupportedError for valid
// models mlc cannot compile) or ValueError for bad inputs, with the messages
// of the C++ side (they name the file, node or input).
//
//===----------------------------------------------------------------------===//

#include "mlc-c/Runtime.h"
#include "mlc/Dialect/Mlc/IR/MlcDialect.h"
#include "mlc/Dialect/Mlc/IR/MlcOps.h"
#include "mlc/Import/ModelFile.h"
#include "mlc/InitAll.h"
#include "mlc/Target/Compile.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "llvm/Support/Path.h"

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

namespace py = pybind11;
using namespace mlir;

namespace {

struct MlcError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
struct UnsupportedError : MlcError {
  using MlcError::MlcError;
};

std::unique_ptr<MLIRContext> makeContext() {
  DialectRegistry registry;
  mlc::registerAllDialects(registry);
  auto context = std::make_unique<MLIRContext>(registry);
  context->loadAllAvailableDialects();
  return context;
}

/// Collects the error diagnostics emitted while it lives, with the node (a
/// NameLoc set by the builder) or file position they point at.
class Diagnostics {
public:
  explicit Diagnostics(MLIRContext *context)
      : handler(context, [this](Diagnostic &d) {
          if (d.getSeverity() != DiagnosticSeverity::Error)
            return success();
          llvm::raw_string_ostream os(text);
          if (auto name = dyn_cast<NameLoc>(d.getLocation()))
            os << "node '" << name.getName().strref() << "': ";
          else if (!isa<UnknownLoc>(d.getLocation()))
            os << d.getLocation() << ": ";
          os << d.str() << "\n";
          for (Diagnostic &note : d.getNotes())
            os << "  note: " << note.str() << "\n";
          return success();
        }) {}
  std::string take(const std::string &message) const {
    return text.empty() ? message
                        : message + "\n" + llvm::StringRef(text).rtrim().str();
  }

private:
  std::string text;
  ScopedDiagnosticHandler handler;
};

[[noreturn]] void throwError(llvm::Error error, const Diagnostics &diags) {
  bool unsupported = false;
  std::string message;
  llvm::handleAllErrors(std::move(error), [&](const llvm::ErrorInfoBase &e) {
    unsupported |= mlc::isUnsupportedModelError(e);
    message = e.message();
  });
  if (unsupported)
    throw UnsupportedError(diags.take(message));
  throw MlcError(diags.take(message));
}

//===----------------------------------------------------------------------===//
// Element types: mlc's metadata spelling (mlc-c/Runtime.h) <-> MLIR types.
//===----------------------------------------------------------------------===//

Type parseDtype(MLIRContext *context, const std::string &dtype) {
  Builder b(context);
  Type type = llvm::StringSwitch<Type>(dtype)
                  .Case("f64", b.getF64Type())
                  .Case("f32", b.getF32Type())
                  .Case("f16", b.getF16Type())
                  .Case("bf16", b.getBF16Type())
                  .Case("i64", b.getI64Type())
                  .Case("i32", b.getI32Type())
                  .Case("i16", b.getI16Type())
                  .Case("i8", b.getI8Type())
                  .Case("bool", b.getI1Type())
                  .Default(Type());
  if (!type)
    throw MlcError("unknown dtype '" + dtype + "'");
  return type;
}

std::string dtypeName(Type type) {
  if (type.isInteger(1))
    return "bool";
  std::string s;
  llvm::raw_string_ostream os(s);
  os << type;
  return s;
}

RankedTensorType tensorType(MLIRContext *context, const std::string &dtype,
                            const std::vector<int64_t> &shape) {
  SmallVector<int64_t> dims;
  for (int64_t d : shape)
    dims.push_back(d < 0 ? ShapedType::kDynamic : d);
  return RankedTensorType::get(dims, parseDtype(context, dtype));
}

//===----------------------------------------------------------------------===//
// Compiling model files
//===----------------------------------------------------------------------===//

struct CompileOptions {
  std::string target = "cpu";
  std::string cpu = "native";
  unsigned optLevel = 3;
  std::string pipelineOptions;
  std::vector<std::string> inputShapes;
  bool verbose = false;

  mlc::CompileOptions toTarget(llvm::StringRef parameterDir) const {
    mlc::CompileOptions options;
    options.target = target;
    options.inputShapes = inputShapes;
    options.cpu = cpu;
    options.optLevel = optLevel;
    options.pipelineOptions = pipelineOptions;
    options.parameterDir = parameterDir.str();
    if (verbose)
      options.progress = [](llvm::StringRef line) {
        llvm::errs() << "mlc: " << line << "\n";
      };
    return options;
  }
};

void compileModule(ModuleOp module, const std::string &output,
                   const CompileOptions &options, llvm::StringRef parameterDir,
                   const Diagnostics &diags) {
  if (options.optLevel > 3)
    throw MlcError("opt_level must be 0 to 3");
  if (llvm::Error e = mlc::compileToSharedLibrary(
          module, output, options.toTarget(parameterDir)))
    throwError(std::move(e), diags);
}

std::string importFile(const std::string &path, int64_t maxConstantElements) {
  auto context = makeContext();
  Diagnostics diags(context.get());
  mlc::OnnxImportOptions options;
  options.maxConstantElements = maxConstantElements;
  auto module = mlc::importModelFile(context.get(), path, options);
  if (!module)
    throwError(module.takeError(), diags);
  std::string text;
  llvm::raw_string_ostream os(text);
  (*module)->print(os);
  return text;
}

void compileFile(const std::string &path, const std::string &output,
                 const CompileOptions &options) {
  py::gil_scoped_release release;
  auto context = makeContext();
  Diagnostics diags(context.get());
  auto module = mlc::importModelFile(context.get(), path);
  if (!module)
    throwError(module.takeError(), diags);
  llvm::SmallString<256> dir(path);
  llvm::sys::path::remove_filename(dir);
  compileModule(**module, output, options, dir.empty() ? "." : dir.str(),
                diags);
}

//===----------------------------------------------------------------------===//
// Builder: an mlc module with one function, @main, built op by op
//===----------------------------------------------------------------------===//

/// The context and module a builder and its values share.
struct BuilderState {
  std::unique_ptr<MLIRContext> context = makeContext();
  OwningOpRef<ModuleOp> module =
      ModuleOp::create(UnknownLoc::get(context.get()));
  func::FuncOp func;
  bool finished = false;
};

/// A value of a builder's function; keeps its builder's context alive.
struct PyValue {
  Value value;
  std::shared_ptr<BuilderState> owner;

  RankedTensorType type() const {
    return cast<RankedTensorType>(value.getType());
  }
  std::string dtype() const { return dtypeName(type().getElementType()); }
  std::vector<int64_t> shape() const {
    std::vector<int64_t> dims;
    for (int64_t d : type().getShape())
      dims.push_back(ShapedType::isDynamic(d) ? -1 : d);
    return dims;
  }
};

/// An attribute made by Builder's typed helpers (f64, enum, ...).
struct PyAttribute {
  Attribute attr;
  std::shared_ptr<BuilderState> owner;
};

class PyBuilder {
public:
  PyBuilder() : state(std::make_shared<BuilderState>()) {
    MLIRContext *context = state->context.get();
    Location loc = UnknownLoc::get(context);
    state->func =
        func::FuncOp::create(loc, "main", FunctionType::get(context, {}, {}));
    state->module->push_back(state->func);
    state->func.addEntryBlock();
  }

  PyValue input(const std::string &name, const std::string &dtype,
                const std::vector<int64_t> &shape) {
    checkOpen();
    func::FuncOp func = state->func;
    Block &entry = func.getBody().front();
    RankedTensorType type = tensorType(context(), dtype, shape);
    BlockArgument arg = entry.addArgument(type, func.getLoc());
    func.setType(FunctionType::get(context(), entry.getArgumentTypes(), {}));
    func.setArgAttr(arg.getArgNumber(), "mlc.name",
                    StringAttr::get(context(), name));
    return wrap(arg);
  }

  /// A weight: `size` bytes at `offset` in the file `path`, read when the
  /// module is compiled (never copied into the IR).
  PyValue parameter(const std::string &name, const std::string &dtype,
                    const std::vector<int64_t> &shape, const std::string &path,
                    int64_t offset, int64_t size) {
    checkOpen();
    RankedTensorType type = tensorType(context(), dtype, shape);
    Location loc = NameLoc::get(StringAttr::get(context(), name));
    if (state->module->lookupSymbol(name))
      throw MlcError("parameter '" + name + "' is declared twice");
    OpBuilder mb(context());
    mb.setInsertionPoint(state->func);
    mlc::ParameterOp::create(mb, loc, name, /*sym_visibility=*/nullptr, type,
                             mlc::FileAttr::get(context(), path, offset, size));
    OpBuilder b = atEnd();
    return wrap(mlc::GetParameterOp::create(b, loc, type, name));
  }

  /// A small constant (an mlc.constant with a dense value) from a buffer.
  PyValue constant(py::buffer data, const std::string &dtype,
                   const std::vector<int64_t> &shape) {
    checkOpen();
    RankedTensorType type = tensorType(context(), dtype, shape);
    if (type.getElementType().isInteger(1))
      throw MlcError("bool constants are not supported; build them with cmp");
    py::buffer_info info = data.request();
    size_t bytes = type.getNumElements() *
                   (type.getElementType().getIntOrFloatBitWidth() / 8);
    if (size_t(info.size * info.itemsize) != bytes)
      throw MlcError("constant: the buffer has " +
                     std::to_string(info.size * info.itemsize) + " bytes, " +
                     std::to_string(bytes) + " expected");
    auto value = DenseElementsAttr::getFromRawBuffer(
        type, llvm::ArrayRef<char>(static_cast<const char *>(info.ptr), bytes));
    OpBuilder b = atEnd();
    return wrap(
        mlc::ConstantOp::create(b, UnknownLoc::get(context()), type, value));
  }

  PyAttribute f64(double value) {
    return {FloatAttr::get(Float64Type::get(context()), value), state};
  }
  PyAttribute f32(double value) {
    return {FloatAttr::get(Float32Type::get(context()), value), state};
  }
  /// A typed scalar of `dtype` (clip bounds).
  PyAttribute scalar(double value, const std::string &dtype) {
    Type type = parseDtype(context(), dtype);
    if (isa<FloatType>(type))
      return {FloatAttr::get(type, value), state};
    return {IntegerAttr::get(type, static_cast<int64_t>(value)), state};
  }
  /// An mlc enum attribute, e.g. enum("pool_kind", "max").
  PyAttribute enumAttr(const std::string &kind, const std::string &value) {
    MLIRContext *c = context();
    auto get = [&](auto symbol, auto make) -> Attribute {
      if (!symbol)
        throw MlcError("unknown " + kind + " '" + value + "'");
      return make(c, *symbol);
    };
    Attribute attr;
    if (kind == "pool_kind")
      attr = get(mlc::symbolizePoolKind(value), mlc::PoolKindAttr::get);
    else if (kind == "reduce_kind")
      attr = get(mlc::symbolizeReduceKind(value), mlc::ReduceKindAttr::get);
    else if (kind == "cmp_predicate")
      attr = get(mlc::symbolizeCmpPredicate(value), mlc::CmpPredicateAttr::get);
    else if (kind == "layout")
      attr = get(mlc::symbolizeLayout(value), mlc::LayoutAttr::get);
    else if (kind == "pad_mode")
      attr = get(mlc::symbolizePadMode(value), mlc::PadModeAttr::get);
    else
      throw MlcError("unknown enum kind '" + kind + "'");
    return {attr, state};
  }

  /// Appends op `name` (e.g. "mlc.matmul"); None operands are absent
  /// optional ones. `attrs` maps attribute names to
  /// True (unit), int (i64), float (f32), a list of ints (i64 array), a str,
  /// or an attribute from f64()/enum(); False and None are left out. Result
  /// types are inferred unless given as (dtype, shape) pairs. `node` names
  /// the op's location, so errors name it.
  std::vector<PyValue>
  op(const std::string &name,
     const std::vector<std::optional<PyValue>> &operands, const py::dict &attrs,
     const std::optional<
         std::vector<std::pair<std::string, std::vector<int64_t>>>>
         &resultTypes,
     const std::string &node) {
    checkOpen();
    MLIRContext *c = context();
    Location loc = node.empty()
                       ? Location(UnknownLoc::get(c))
                       : Location(NameLoc::get(StringAttr::get(c, node)));
    Diagnostics diags(c);
    auto where = [&] { return node.empty() ? name : "node '" + node + "'"; };
    OperationName opName(name, c);
    if (!opName.isRegistered())
      throw UnsupportedError(where() + ": unknown op '" + name + "'");
    OperationState opState(loc, opName);
    for (const auto &operand : operands)
      if (operand)
        opState.addOperands(operand->value);
    // Ops with several optional operands (mlc.attention) say which are
    // there; each entry of `operands` is one operand group.
    if (opName.hasTrait<OpTrait::AttrSizedOperandSegments>()) {
      SmallVector<int32_t> sizes;
      for (const auto &operand : operands)
        sizes.push_back(operand ? 1 : 0);
      opState.addAttribute("operandSegmentSizes",
                           DenseI32ArrayAttr::get(c, sizes));
    }
    for (auto [key, value] : attrs)
      if (Attribute attr = toAttribute(value, key.cast<std::string>()))
        opState.addAttribute(key.cast<std::string>(), attr);

    if (resultTypes) {
      for (auto &[dtype, shape] : *resultTypes)
        opState.addTypes(tensorType(c, dtype, shape));
    } else {
      // Inference reads the op's properties, so it runs on a result-less
      // copy of the op first.
      auto infer = opName.getInterface<InferTypeOpInterface>();
      if (!infer)
        throw MlcError(where() + ": '" + name + "' needs result types");
      Operation *probe = Operation::create(opState);
      SmallVector<Type> types;
      LogicalResult inferred = infer->inferReturnTypes(
          c, loc, probe->getOperands(), probe->getRawDictionaryAttrs(),
          probe->getPropertiesStorage(), probe->getRegions(), types);
      probe->destroy();
      if (failed(inferred))
        throw MlcError(diags.take(where() + ": invalid '" + name + "'"));
      opState.addTypes(types);
    }
    Operation *op = Operation::create(opState);
    if (failed(verify(op, /*verifyRecursively=*/false))) {
      op->destroy();
      throw MlcError(diags.take(where() + ": invalid '" + name + "'"));
    }
    atEnd().insert(op);
    std::vector<PyValue> results;
    for (Value result : op->getResults())
      results.push_back(wrap(result));
    return results;
  }

  /// Ends @main with `values` as its named results and verifies the module.
  void output(const std::vector<PyValue> &values,
              const std::vector<std::string> &names) {
    checkOpen();
    if (values.size() != names.size())
      throw MlcError("output: " + std::to_string(values.size()) + " values, " +
                     std::to_string(names.size()) + " names");
    SmallVector<Value> results;
    for (const PyValue &v : values)
      results.push_back(v.value);
    func::FuncOp func = state->func;
    OpBuilder b = atEnd();
    func::ReturnOp::create(b, func.getLoc(), results);
    func.setType(FunctionType::get(context(),
                                   func.getBody().front().getArgumentTypes(),
                                   ValueRange(results).getTypes()));
    for (auto [i, name] : llvm::enumerate(names))
      func.setResultAttr(i, "mlc.name", StringAttr::get(context(), name));
    state->finished = true;
    Diagnostics diags(context());
    if (failed(verify(*state->module)))
      throw MlcError(diags.take("the built module is invalid"));
  }

  std::string str() const {
    std::string text;
    llvm::raw_string_ostream os(text);
    state->module->print(os);
    return text;
  }

  /// Compiles a copy of the module (compiling lowers in place);
  /// `parameter_dir` resolves relative parameter paths.
  void compile(const std::string &output, const std::string &parameterDir,
               const CompileOptions &options) {
    if (!state->finished)
      throw MlcError("compile: call output() first");
    py::gil_scoped_release release;
    OwningOpRef<ModuleOp> copy = state->module->clone();
    Diagnostics diags(context());
    compileModule(*copy, output, options, parameterDir, diags);
  }

private:
  std::shared_ptr<BuilderState> state;

  MLIRContext *context() const { return state->context.get(); }
  PyValue wrap(Value v) { return {v, state}; }
  OpBuilder atEnd() {
    return OpBuilder::atBlockEnd(&state->func.getBody().front());
  }
  void checkOpen() const {
    if (state->finished)
      throw MlcError(
          "the builder's function is finished (output() was called)");
  }

  Attribute toAttribute(py::handle value, const std::string &key) {
    MLIRContext *c = context();
    if (value.is_none())
      return {};
    if (py::isinstance<PyAttribute>(value))
      return value.cast<PyAttribute>().attr;
    if (py::isinstance<py::bool_>(value))
      return value.cast<bool>() ? UnitAttr::get(c) : Attribute();
    if (py::isinstance<py::int_>(value))
      return IntegerAttr::get(IntegerType::get(c, 64), value.cast<int64_t>());
    if (py::isinstance<py::float_>(value))
      return FloatAttr::get(Float32Type::get(c), value.cast<double>());
    if (py::isinstance<py::str>(value))
      return StringAttr::get(c, value.cast<std::string>());
    if (py::isinstance<py::sequence>(value))
      return DenseI64ArrayAttr::get(c, value.cast<std::vector<int64_t>>());
    throw MlcError("attribute '" + key + "': unsupported Python value " +
                   py::repr(value).cast<std::string>());
  }
};

//===----------------------------------------------------------------------===//
// Model: a compiled module run through libmlcrt
//===----------------------------------------------------------------------===//

[[noreturn]] void throwRuntimeError(mlc_status status) {
  std::string message = mlc_last_error();
  if (status == MLC_ERROR_INVALID_ARGUMENT)
    throw py::value_error(message);
  throw MlcError(message);
}

mlc_dtype numpyToDtype(const py::dtype &dt) {
  switch (dt.kind()) {
  case 'f':
    return dt.itemsize() == 8   ? MLC_DTYPE_F64
           : dt.itemsize() == 4 ? MLC_DTYPE_F32
           : dt.itemsize() == 2 ? MLC_DTYPE_F16
                                : MLC_DTYPE_INVALID;
  case 'i':
  case 'u': {
    bool s = dt.kind() == 'i';
    switch (dt.itemsize()) {
    case 8:
      return s ? MLC_DTYPE_I64 : MLC_DTYPE_U64;
    case 4:
      return s ? MLC_DTYPE_I32 : MLC_DTYPE_U32;
    case 2:
      return s ? MLC_DTYPE_I16 : MLC_DTYPE_U16;
    case 1:
      return s ? MLC_DTYPE_I8 : MLC_DTYPE_U8;
    }
    return MLC_DTYPE_INVALID;
  }
  case 'b':
    return MLC_DTYPE_BOOL;
  }
  return MLC_DTYPE_INVALID;
}

py::dtype dtypeToNumpy(mlc_dtype dtype) {
  const char *names[] = {"",       "float64", "float32", "float16", "",
                         "int64",  "int32",   "int16",   "int8",    "uint64",
                         "uint32", "uint16",  "uint8",   "bool"};
  if (dtype <= MLC_DTYPE_INVALID || dtype > MLC_DTYPE_BOOL || !*names[dtype])
    throw MlcError(std::string("no numpy dtype for ") + mlc_dtype_name(dtype));
  return py::dtype(names[dtype]);
}

class PyModel {
public:
  explicit PyModel(const std::string &path) {
    mlc_model *m;
    if (mlc_status s = mlc_model_load(path.c_str(), &m))
      throwRuntimeError(s);
    model.reset(m, mlc_model_unload);
  }

  /// (name, dtype, shape) per input or output; -1 marks a dynamic dim.
  std::vector<std::tuple<std::string, std::string, std::vector<int64_t>>>
  args(mlc_arg_kind kind) const {
    std::vector<std::tuple<std::string, std::string, std::vector<int64_t>>> r;
    for (size_t i = 0, e = mlc_model_num_args(model.get(), kind); i < e; ++i) {
      int32_t rank = mlc_model_arg_rank(model.get(), kind, i);
      const int64_t *dims = mlc_model_arg_dims(model.get(), kind, i);
      r.emplace_back(mlc_model_arg_name(model.get(), kind, i),
                     mlc_dtype_name(mlc_model_arg_dtype(model.get(), kind, i)),
                     std::vector<int64_t>(dims, dims + rank));
    }
    return r;
  }

  /// Runs on numpy arrays (any strides; the runtime copies only views it
  /// cannot read in place). Outputs are numpy arrays over the result's
  /// memory, which lives as long as the arrays do.
  std::vector<py::array> run(const std::vector<py::array> &arrays) {
    size_t n = arrays.size();
    std::vector<mlc_tensor> inputs(n);
    std::vector<std::vector<int64_t>> shapes(n), strides(n);
    std::vector<py::array> kept; // contiguous copies of odd-strided arrays
    for (size_t i = 0; i < n; ++i) {
      py::array a = arrays[i];
      mlc_dtype dtype = numpyToDtype(a.dtype());
      if (dtype == MLC_DTYPE_INVALID) {
        const char *name = mlc_model_arg_name(model.get(), MLC_ARG_INPUT, i);
        throw py::value_error(
            "input " + std::to_string(i) +
            (name ? " '" + std::string(name) + "'" : std::string()) +
            ": unsupported numpy dtype " +
            py::str(a.dtype()).cast<std::string>());
      }
      for (py::ssize_t d = 0; d < a.ndim(); ++d)
        if (a.strides(d) % a.itemsize() != 0) {
          a = py::array::ensure(a, py::array::c_style);
          kept.push_back(a);
          break;
        }
      for (py::ssize_t d = 0; d < a.ndim(); ++d) {
        shapes[i].push_back(a.shape(d));
        strides[i].push_back(a.strides(d) / a.itemsize());
      }
      inputs[i] = {dtype, int32_t(a.ndim()), shapes[i].data(),
                   strides[i].data(), const_cast<void *>(a.data())};
    }
    mlc_result *raw;
    mlc_status status;
    {
      py::gil_scoped_release release;
      status = mlc_model_run(model.get(), inputs.data(), n, &raw);
    }
    if (status)
      throwRuntimeError(status);
    auto result = std::shared_ptr<mlc_result>(raw, mlc_result_free);
    std::vector<py::array> outputs;
    for (size_t i = 0, e = mlc_result_num_outputs(raw); i < e; ++i) {
      const mlc_tensor *t = mlc_result_output(raw, i);
      py::dtype dt = dtypeToNumpy(t->dtype);
      std::vector<py::ssize_t> shape(t->shape, t->shape + t->rank);
      py::capsule owner(new std::shared_ptr<mlc_result>(result), [](void *p) {
        delete static_cast<std::shared_ptr<mlc_result> *>(p);
      });
      outputs.emplace_back(dt, shape, t->data, owner);
    }
    return outputs;
  }

private:
  std::shared_ptr<mlc_model> model;
};

} // namespace

PYBIND11_MODULE(_mlc, m) {
  m.doc() = "mlc's C++ API (import, compile, build, run); use the mlc package";
  auto error = py::register_exception<MlcError>(m, "Error", PyExc_RuntimeError);
  py::register_exception<UnsupportedError>(m, "UnsupportedError", error);

  py::class_<CompileOptions>(m, "CompileOptions")
      .def(py::init<>())
      .def_readwrite("target", &CompileOptions::target)
      .def_readwrite("input_shapes", &CompileOptions::inputShapes)
      .def_readwrite("cpu", &CompileOptions::cpu)
      .def_readwrite("opt_level", &CompileOptions::optLevel)
      .def_readwrite("pipeline_options", &CompileOptions::pipelineOptions)
      .def_readwrite("verbose", &CompileOptions::verbose);

  m.def("import_file", &importFile, py::arg("path"),
        py::arg("max_constant_elements") = 64);
  m.def("compile_file", &compileFile, py::arg("path"), py::arg("output"),
        py::arg("options"));

  py::class_<PyValue>(m, "Value")
      .def_property_readonly("dtype", &PyValue::dtype)
      .def_property_readonly("shape", &PyValue::shape)
      .def("__repr__", [](const PyValue &v) {
        std::string s;
        llvm::raw_string_ostream os(s);
        os << "<mlc.Value " << v.value.getType() << ">";
        return s;
      });
  py::class_<PyAttribute>(m, "Attribute");

  py::class_<PyBuilder>(m, "Builder")
      .def(py::init<>())
      .def("input", &PyBuilder::input, py::arg("name"), py::arg("dtype"),
           py::arg("shape"))
      .def("parameter", &PyBuilder::parameter, py::arg("name"),
           py::arg("dtype"), py::arg("shape"), py::arg("path"),
           py::arg("offset"), py::arg("size"))
      .def("constant", &PyBuilder::constant, py::arg("data"), py::arg("dtype"),
           py::arg("shape"))
      .def("f32", &PyBuilder::f32)
      .def("f64", &PyBuilder::f64)
      .def("scalar", &PyBuilder::scalar, py::arg("value"), py::arg("dtype"))
      .def("enum", &PyBuilder::enumAttr, py::arg("kind"), py::arg("value"))
      .def("op", &PyBuilder::op, py::arg("name"), py::arg("operands"),
           py::arg("attrs") = py::dict(), py::arg("result_types") = py::none(),
           py::arg("node") = "")
      .def("output", &PyBuilder::output, py::arg("values"), py::arg("names"))
      .def("compile", &PyBuilder::compile, py::arg("output"),
           py::arg("parameter_dir"), py::arg("options"))
      .def("__str__", &PyBuilder::str);

  py::class_<PyModel>(m, "Model")
      .def(py::init<const std::string &>(), py::arg("path"))
      .def_property_readonly(
          "inputs", [](const PyModel &m) { return m.args(MLC_ARG_INPUT); })
      .def_property_readonly(
          "outputs", [](const PyModel &m) { return m.args(MLC_ARG_OUTPUT); })
      .def("run", &PyModel::run, py::arg("inputs"));
}
