//===- Compile.cpp - compile mlc modules to shared libraries --------------===//
//
// One driver for both targets: the metadata, the parameter blob, LLVM code
// generation of the host code and the link are shared; a CUDA module's
// kernels arrive as a gpu.binary, whose objects become the image table of
// mlc-c/Module.h.
//
//===----------------------------------------------------------------------===//

#include "mlc/Target/Compile.h"
#include "mlc-c/Module.h"
#include "mlc/Config.h"
#include "mlc/Dialect/Mlc/IR/MlcOps.h"
#include "mlc/Dialect/Mlc/Transforms/Passes.h"
#include "mlc/Pipelines/Pipelines.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/OpenMP/OpenMPToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"

using namespace mlir;
using llvm::Error;

namespace {

Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

llvm::Expected<std::string> getDtypeName(Type type) {
  if (type.isF64()) return std::string("f64");
  if (type.isF32()) return std::string("f32");
  if (type.isF16()) return std::string("f16");
  if (type.isBF16()) return std::string("bf16");
  if (type.isInteger(1)) return std::string("bool");
  if (auto i = dyn_cast<IntegerType>(type)) {
    unsigned w = i.getWidth();
    if (w == 8 || w == 16 || w == 32 || w == 64)
      return (i.isUnsigned() ? "u" : "i") + std::to_string(w);
  }
  std::string text;
  llvm::raw_string_ostream os(text);
  os << "element type " << type << " cannot cross the module boundary";
  return makeError(text);
}

/// One `input`/`output`/`param` line of the metadata.
llvm::Expected<std::string> describe(llvm::StringRef kind, llvm::StringRef name,
                                     Type type,
                                     llvm::StringRef offset = {}) {
  auto tensorType = dyn_cast<RankedTensorType>(type);
  if (!tensorType)
    return makeError(kind + " '" + name + "' is not a ranked tensor");
  auto dtype = getDtypeName(tensorType.getElementType());
  if (!dtype)
    return dtype.takeError();
  std::string line = (kind + " " + mlc::encodeModuleName(name) + " " + *dtype).str();
  if (!offset.empty())
    line += (" " + offset).str();
  for (int64_t d : tensorType.getShape())
    line += ShapedType::isDynamic(d) ? std::string(" ?") : " " + std::to_string(d);
  return line + "\n";
}

/// The entry points: @main, or else every public function with a body.
SmallVector<func::FuncOp> findEntries(ModuleOp module) {
  if (auto main = module.lookupSymbol<func::FuncOp>("main"))
    return {main};
  SmallVector<func::FuncOp> entries;
  for (auto func : module.getOps<func::FuncOp>())
    if (func.isPublic() && !func.isExternal())
      entries.push_back(func);
  return entries;
}

/// The argument that result `r` of `func` updates in place, if any.
std::optional<unsigned> getUpdatedArgument(func::FuncOp func, unsigned r) {
  if (auto attr = func.getResultAttrOfType<IntegerAttr>(r, "mlc.updates"))
    return attr.getInt();
  return std::nullopt;
}

std::string getName(DictionaryAttr attrs, llvm::StringRef fallback) {
  if (attrs)
    if (auto name = attrs.getAs<StringAttr>("mlc.name"))
      return name.str();
  return fallback.str();
}

/// Appends the bytes of `parameter` to `blob`.
Error appendParameter(mlc::ParameterOp parameter, llvm::StringRef baseDir,
                      std::string &blob) {
  auto type = parameter.getTensorType();
  Attribute value = parameter.getValueAttr();
  llvm::StringRef name = parameter.getSymName();
  if (!value)
    return makeError("parameter '" + name +
                     "' has no value (#mlc.file or dense) to compile in");
  if (auto file = dyn_cast<mlc::FileAttr>(value)) {
    llvm::SmallString<256> path(file.getPath());
    if (!llvm::sys::path::is_absolute(path)) {
      path = baseDir;
      llvm::sys::path::append(path, file.getPath());
    }
    uint64_t fileSize;
    if (std::error_code ec = llvm::sys::fs::file_size(path, fileSize))
      return makeError("parameter '" + name + "': cannot read " + path +
                       ": " + ec.message());
    if (file.getOffset() > fileSize ||
        file.getSize() > fileSize - file.getOffset())
      return makeError("parameter '" + name + "': bytes [" +
                       llvm::Twine(file.getOffset()) + ", " +
                       llvm::Twine(file.getOffset() + file.getSize()) +
                       ") are past the end of " + path + " (" +
                       llvm::Twine(fileSize) + " bytes)");
    auto buffer = llvm::MemoryBuffer::getFileSlice(path, file.getSize(),
                                                   file.getOffset());
    if (!buffer)
      return makeError("parameter '" + name + "': cannot read " + path +
                       ": " + buffer.getError().message());
    blob.append((*buffer)->getBufferStart(), (*buffer)->getBufferSize());
    return Error::success();
  }
  auto dense = dyn_cast<DenseElementsAttr>(value);
  if (!dense)
    return makeError("parameter '" + name + "' has an unsupported value kind");
  Type elementType = type.getElementType();
  int64_t count = type.getNumElements();
  if (elementType.isInteger(1)) {
    for (bool b : dense.getValues<bool>())
      blob.push_back(b ? 1 : 0);
    return Error::success();
  }
  if (elementType.getIntOrFloatBitWidth() % 8 != 0)
    return makeError("parameter '" + name +
                     "': sub-byte dense values are not supported");
  llvm::ArrayRef<char> raw = dense.getRawData();
  if (dense.isSplat()) {
    for (int64_t i = 0; i < count; ++i)
      blob.append(raw.data(), raw.size());
  } else {
    blob.append(raw.data(), raw.size());
  }
  return Error::success();
}

/// One entry point of the module: its name and whether its C interface
/// returns results through a first pointer argument.
struct EntryPoint {
  std::string name;
  bool hasResults;
};

/// Adds the ABI symbols (metadata, params, run, free) around the
/// `_mlir_ciface_<entry>` functions: `mlc_module_run` for a module with one
/// entry point (ABI 1), `mlc_module_run_<entry>` for each of several (ABI 2).
Error addModuleInterface(llvm::Module &module, ArrayRef<EntryPoint> entries,
                         bool multiEntry, llvm::StringRef metadata,
                         llvm::StringRef params, llvm::StringRef cudaImages,
                         bool cuda) {
  llvm::LLVMContext &ctx = module.getContext();
  auto *ptrTy = llvm::PointerType::getUnqual(ctx);
  auto *voidTy = llvm::Type::getVoidTy(ctx);

  auto *metadataInit = llvm::ConstantDataArray::getString(ctx, metadata, true);
  new llvm::GlobalVariable(module, metadataInit->getType(), /*isConstant=*/true,
                           llvm::GlobalValue::ExternalLinkage, metadataInit,
                           MLC_MODULE_METADATA_SYMBOL);
  if (!params.empty()) {
    auto *paramsInit = llvm::ConstantDataArray::getRaw(
        params, params.size(), llvm::Type::getInt8Ty(ctx));
    auto *global = new llvm::GlobalVariable(
        module, paramsInit->getType(), /*isConstant=*/true,
        llvm::GlobalValue::ExternalLinkage, paramsInit,
        MLC_MODULE_PARAMS_SYMBOL);
    global->setAlignment(llvm::Align(64));
  }

  if (cuda) {
    auto *imagesInit = llvm::ConstantDataArray::getRaw(
        cudaImages, cudaImages.size(), llvm::Type::getInt8Ty(ctx));
    auto *global = new llvm::GlobalVariable(
        module, imagesInit->getType(), /*isConstant=*/true,
        llvm::GlobalValue::ExternalLinkage, imagesInit,
        MLC_MODULE_CUDA_IMAGES_SYMBOL);
    global->setAlignment(llvm::Align(64));
  }

  // void mlc_module_run[_<entry>](void **argv): argv[0] results, then the
  // arguments.
  llvm::StringSet<> exported = {
      MLC_MODULE_METADATA_SYMBOL, MLC_MODULE_PARAMS_SYMBOL,
      MLC_MODULE_FREE_SYMBOL, MLC_MODULE_SET_NUM_THREADS_SYMBOL,
      MLC_MODULE_CUDA_IMAGES_SYMBOL};
  for (const EntryPoint &entry : entries) {
    llvm::Function *ciface =
        module.getFunction(("_mlir_ciface_" + entry.name));
    if (!ciface)
      return makeError("no C interface was generated for '" + entry.name +
                       "'");
    std::string runName = MLC_MODULE_RUN_SYMBOL;
    if (multiEntry)
      runName += "_" + entry.name;
    exported.insert(runName);
    auto *run = llvm::Function::Create(
        llvm::FunctionType::get(voidTy, {ptrTy}, false),
        llvm::GlobalValue::ExternalLinkage, runName, module);
    llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx, "entry", run));
    llvm::SmallVector<llvm::Value *> args;
    unsigned first = entry.hasResults ? 0 : 1;
    for (unsigned i = 0; i < ciface->arg_size(); ++i) {
      llvm::Value *slot =
          b.CreateConstGEP1_64(ptrTy, run->getArg(0), first + i);
      args.push_back(b.CreateLoad(ptrTy, slot));
    }
    b.CreateCall(ciface, args);
    b.CreateRetVoid();
  }

  // void mlc_module_free(void *allocated): buffers come from the module's
  // own allocation functions (lib/Target/CPU/ModuleSupport).
  llvm::FunctionCallee freeFn = module.getOrInsertFunction(
      "_mlir_memref_to_llvm_free",
      llvm::FunctionType::get(voidTy, {ptrTy}, false));
  auto *freeWrapper = llvm::Function::Create(
      llvm::FunctionType::get(voidTy, {ptrTy}, false),
      llvm::GlobalValue::ExternalLinkage, MLC_MODULE_FREE_SYMBOL, module);
  llvm::IRBuilder<> fb(llvm::BasicBlock::Create(ctx, "entry", freeWrapper));
  fb.CreateCall(freeFn, {freeWrapper->getArg(0)});
  fb.CreateRetVoid();

  // void mlc_module_set_num_threads(int n): the OpenMP thread count (the
  // host code of CUDA modules runs on the calling thread).
  if (!cuda) {
    llvm::FunctionCallee setThreads = module.getOrInsertFunction(
        "omp_set_num_threads",
        llvm::FunctionType::get(voidTy, {llvm::Type::getInt32Ty(ctx)}, false));
    auto *setThreadsWrapper = llvm::Function::Create(
        llvm::FunctionType::get(voidTy, {llvm::Type::getInt32Ty(ctx)}, false),
        llvm::GlobalValue::ExternalLinkage, MLC_MODULE_SET_NUM_THREADS_SYMBOL,
        module);
    llvm::IRBuilder<> tb(
        llvm::BasicBlock::Create(ctx, "entry", setThreadsWrapper));
    tb.CreateCall(setThreads, {setThreadsWrapper->getArg(0)});
    tb.CreateRetVoid();
  }

  // Only the ABI is exported; everything else may be inlined and dropped.
  for (llvm::GlobalValue &value : module.global_values())
    if (!value.isDeclaration() && !exported.contains(value.getName()))
      value.setLinkage(llvm::GlobalValue::InternalLinkage);
  return Error::success();
}

/// Moves the kernel images of a CUDA module's gpu.binary (after
/// mlc-cuda-lower-launches) into `images` and describes them in `metadata`
/// with the `kernel` and `image` lines of mlc-c/Module.h. PTX is stored
/// with a terminating NUL, which the driver's loader needs.
Error takeCudaImages(ModuleOp module, std::string &metadata,
                     std::string &images) {
  auto binaries = llvm::to_vector(module.getOps<gpu::BinaryOp>());
  if (binaries.size() > 1)
    return makeError("a CUDA module has one gpu.binary, this one has " +
                     llvm::Twine(binaries.size()));
  if (binaries.empty())
    return Error::success(); // Nothing runs on the GPU.
  gpu::BinaryOp binary = binaries.front();
  auto kernels = binary->getAttrOfType<ArrayAttr>("mlc.kernels");
  if (!kernels)
    return makeError("gpu.binary @" + binary.getSymName() +
                     " has no mlc.kernels list (run mlc-cuda-lower-launches)");
  for (auto name : kernels.getAsRange<StringAttr>())
    metadata += "kernel " + mlc::encodeModuleName(name.getValue()) + "\n";
  for (auto object : binary.getObjects().getAsRange<gpu::ObjectAttr>()) {
    auto target = dyn_cast<NVVM::NVVMTargetAttr>(object.getTarget());
    if (!target)
      return makeError("gpu.binary @" + binary.getSymName() +
                       " has an object for a target that is not NVVM");
    bool ptx = object.getFormat() == gpu::CompilationTarget::Assembly;
    if (!ptx && object.getFormat() != gpu::CompilationTarget::Binary)
      return makeError("gpu.binary @" + binary.getSymName() +
                       ": CUDA modules embed cubins and PTX, not " +
                       gpu::stringifyCompilationTarget(object.getFormat()));
    images.resize(llvm::alignTo(images.size(), 64), '\0');
    size_t offset = images.size();
    images += object.getObject().getValue();
    if (ptx)
      images.push_back('\0');
    metadata += "image " + target.getChip().str() + (ptx ? " ptx " : " cubin ") +
                std::to_string(offset) + " " +
                std::to_string(images.size() - offset) + "\n";
  }
  binary.erase();
  return Error::success();
}

llvm::Expected<std::unique_ptr<llvm::TargetMachine>>
createTargetMachine(const mlc::CompileOptions &options) {
  static bool initialized = [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    return true;
  }();
  (void)initialized;
  llvm::Triple triple(llvm::sys::getDefaultTargetTriple());
  std::string error;
  const llvm::Target *target = llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return makeError("no LLVM target for " + triple.str() + ": " + error);
  std::string cpu = options.cpu;
  std::string features;
  if (cpu == "native") {
    cpu = llvm::sys::getHostCPUName().str();
    for (const auto &feature : llvm::sys::getHostCPUFeatures())
      features += (feature.second ? "+" : "-") + feature.first().str() + ",";
  }
  llvm::CodeGenOptLevel level = options.optLevel >= 3 ? llvm::CodeGenOptLevel::Aggressive
                                : options.optLevel == 2 ? llvm::CodeGenOptLevel::Default
                                : options.optLevel == 1 ? llvm::CodeGenOptLevel::Less
                                                        : llvm::CodeGenOptLevel::None;
  std::unique_ptr<llvm::TargetMachine> machine(target->createTargetMachine(
      triple, cpu, features, llvm::TargetOptions(), llvm::Reloc::PIC_,
      std::nullopt, level));
  if (!machine)
    return makeError("cannot create a target machine for CPU '" + cpu + "'");
  return machine;
}

Error link(llvm::StringRef object, llvm::StringRef output, bool cuda) {
  std::string clang = MLC_CLANG_PATH;
  if (const char *env = std::getenv("MLC_CLANG"))
    clang = env;
  llvm::SmallVector<llvm::StringRef> args = {clang,  "-shared", "-fuse-ld=lld",
                                             "-o",   output,    object};
  if (cuda)
    args.append({MLC_CUDA_MODULE_SUPPORT_OBJECT, "-lm"});
  else
    args.append({MLC_MODULE_SUPPORT_OBJECT, "-lomp", "-lm"});
  std::string message;
  int rc = llvm::sys::ExecuteAndWait(clang, args, std::nullopt, {}, 0, 0,
                                     &message);
  if (rc != 0)
    return makeError("linking " + output + " with " + clang + " failed" +
                     (message.empty() ? "" : ": " + message));
  return Error::success();
}

} // namespace

std::string mlc::encodeModuleName(llvm::StringRef name) {
  std::string out;
  for (unsigned char c : name) {
    if (llvm::isAlnum(c) || llvm::StringRef("._:/-").contains(c)) {
      out.push_back(c);
    } else {
      static const char hex[] = "0123456789ABCDEF";
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

Error mlc::compileToSharedLibrary(ModuleOp module, llvm::StringRef outputPath,
                                  const CompileOptions &options) {
  auto step = [&](llvm::StringRef what) {
    if (options.progress)
      options.progress(what);
  };
  MLIRContext *context = module.getContext();
  if (options.target != "cpu" && options.target != "cuda")
    return makeError("unknown target '" + options.target +
                     "' (available: cpu, cuda)");
  bool cuda = options.target == "cuda";
  if (!options.inputShapes.empty()) {
    PassManager specialize(context);
    SpecializeShapesPassOptions shapes;
    shapes.shapes.assign(options.inputShapes.begin(), options.inputShapes.end());
    specialize.addPass(createSpecializeShapesPass(shapes));
    specialize.addPass(createCanonicalizerPass());
    if (failed(specialize.run(module)))
      return makeError("cannot give the inputs the shapes asked for (see the "
                       "diagnostics above)");
  }
  SmallVector<func::FuncOp> entryFuncs = findEntries(module);
  if (entryFuncs.empty())
    return makeError("the module has no public function to export");
  // Several entry points (and arguments updated in place) need ABI 2.
  bool multiEntry = entryFuncs.size() > 1;
  std::string metadata =
      "mlc-module " +
      std::to_string(multiEntry ? MLC_MODULE_ABI_VERSION_MULTI_ENTRY
                                        : MLC_MODULE_ABI_VERSION) + "\n";
  if (cuda)
    metadata += "target cuda\n";

  // The signatures the runtime sees, before lowering changes types.
  struct EntryInfo {
    std::string name;
    std::string lines; ///< input/inout/output lines
    unsigned numInputs;
    bool hasResults = false;
  };
  SmallVector<EntryInfo> entries;
  for (func::FuncOp func : entryFuncs) {
    EntryInfo info{func.getSymName().str(), "", func.getNumArguments()};
    if (multiEntry && !llvm::all_of(info.name, [](char c) {
          return llvm::isAlnum(c) || c == '_';
        }))
      return makeError("entry point '" + info.name +
                       "' is not a C identifier");
    llvm::SmallVector<bool> updated(func.getNumArguments(), false);
    for (unsigned r = 0; r < func.getNumResults(); ++r)
      if (auto j = getUpdatedArgument(func, r); j && *j < updated.size())
        updated[*j] = true;
    if (!multiEntry && llvm::is_contained(updated, true))
      return makeError("arguments updated in place (mlc.updates) need a "
                       "module with several entry points (ABI 2)");
    FunctionType signature = func.getFunctionType();
    for (auto [i, type] : llvm::enumerate(signature.getInputs())) {
      auto line = describe(updated[i] ? "inout" : "input",
                           getName(func.getArgAttrDict(i),
                                   "input_" + std::to_string(i)),
                           type);
      if (!line)
        return line.takeError();
      info.lines += *line;
    }
    for (auto [i, type] : llvm::enumerate(signature.getResults())) {
      if (getUpdatedArgument(func, i))
        continue;
      info.hasResults = true;
      auto line = describe("output", getName(func.getResultAttrDict(i),
                                             "output_" + std::to_string(i)),
                           type);
      if (!line)
        return line.takeError();
      info.lines += *line;
    }
    entries.push_back(std::move(info));
  }

  // mlc -> linalg; parameters become trailing arguments.
  PassManager toLinalg(context);
  // CUDA lowers attention over a KV cache itself (mlc-cuda-pipeline).
  buildMlcToLinalgPipeline(toLinalg,
                           /*keepKvCacheAttention=*/cuda);
  if (failed(toLinalg.run(module)))
    return makeError("lowering to linalg failed (see the diagnostics above)");
  step("lowered to linalg");

  // Parameters: compiled into the blob when they have a value; bound by the
  // caller (`extern`, ABI 2) when they do not.
  std::string blob;
  llvm::StringMap<uint64_t> offsets;
  unsigned numParams = 0;
  for (EntryInfo &info : entries) {
    auto entry = module.lookupSymbol<func::FuncOp>(info.name);
    if (multiEntry)
      metadata += "entry " + info.name + "\n";
    metadata += info.lines;
    for (unsigned i = info.numInputs; i < entry.getNumArguments(); ++i) {
      auto ref = entry.getArgAttrOfType<FlatSymbolRefAttr>(i, "mlc.parameter");
      auto parameter =
          ref ? module.lookupSymbol<mlc::ParameterOp>(ref) : nullptr;
      if (!parameter)
        return makeError("argument #" + llvm::Twine(i) + " of '" + info.name +
                         "' is not a known parameter");
      llvm::StringRef name = parameter.getSymName();
      std::string offset = "extern";
      if (parameter.getValueAttr() || !multiEntry) {
        auto [it, inserted] = offsets.try_emplace(name, 0);
        if (inserted) {
          blob.resize(llvm::alignTo(blob.size(), 64), '\0');
          it->second = blob.size();
          if (Error e = appendParameter(parameter, options.parameterDir, blob))
            return e;
          ++numParams;
        }
        offset = std::to_string(it->second);
      }
      auto line = describe("param", name, parameter.getTensorType(), offset);
      if (!line)
        return line.takeError();
      metadata += *line;
    }
  }
  for (auto parameter :
       llvm::make_early_inc_range(module.getOps<mlc::ParameterOp>()))
    parameter.erase();
  // mlc's argument and result attributes mean nothing to LLVM, except
  // mlc.updates, which mlc-drop-in-place-results reads.
  auto dropMlcAttrs = [](DictionaryAttr attrs) {
    if (!attrs)
      return attrs;
    SmallVector<NamedAttribute> kept;
    for (NamedAttribute attr : attrs)
      if (!attr.getName().strref().starts_with("mlc.") ||
          attr.getName() == "mlc.updates")
        kept.push_back(attr);
    return DictionaryAttr::get(attrs.getContext(), kept);
  };
  for (EntryInfo &info : entries) {
    auto entry = module.lookupSymbol<func::FuncOp>(info.name);
    for (unsigned i = 0; i < entry.getNumArguments(); ++i)
      entry.setArgAttrs(i, dropMlcAttrs(entry.getArgAttrDict(i)));
    for (unsigned i = 0; i < entry.getNumResults(); ++i)
      entry.setResultAttrs(i, dropMlcAttrs(entry.getResultAttrDict(i)));
  }
  step("gathered " + std::to_string(numParams) + " parameters (" +
       std::to_string(blob.size()) + " bytes)");

  PassManager toLLVM(context);
  if (cuda) {
    auto pipelineOptions =
        CudaPipelineOptions::createFromString(options.pipelineOptions);
    if (!pipelineOptions)
      return makeError("invalid pipeline options '" + options.pipelineOptions +
                       "'");
    if (pipelineOptions->format != "bin")
      return makeError("a CUDA module embeds cubins: pipeline option format=" +
                       pipelineOptions->format + " is for mlc-opt");
    buildLinalgToCudaPipeline(toLLVM, *pipelineOptions);
    buildCudaHostToLLVMPipeline(toLLVM);
  } else {
    auto pipelineOptions =
        CpuPipelineOptions::createFromString(options.pipelineOptions);
    if (!pipelineOptions)
      return makeError("invalid pipeline options '" + options.pipelineOptions +
                       "'");
    buildLinalgToLLVMCpuPipeline(toLLVM, *pipelineOptions);
  }
  if (failed(toLLVM.run(module)))
    return makeError("lowering to LLVM failed (see the diagnostics above)");
  step("lowered to the LLVM dialect");
  std::string images;
  if (cuda) {
    if (Error e = takeCudaImages(module, metadata, images))
      return e;
    step("embedded " + std::to_string(images.size()) +
         " bytes of kernel images");
  }
  if (!options.dumpLLVMDialectTo.empty()) {
    std::error_code ec;
    llvm::raw_fd_ostream os(options.dumpLLVMDialectTo, ec);
    if (ec)
      return makeError("cannot write " + options.dumpLLVMDialectTo);
    module.print(os);
  }

  registerBuiltinDialectTranslation(*context);
  registerLLVMDialectTranslation(*context);
  registerOpenMPDialectTranslation(*context);
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(module, llvmContext, "mlc_module");
  if (!llvmModule)
    return makeError("translation to LLVM IR failed");
  SmallVector<EntryPoint> entryPoints;
  for (EntryInfo &info : entries)
    entryPoints.push_back({info.name, info.hasResults});
  if (Error e = addModuleInterface(*llvmModule, entryPoints, multiEntry,
                                   metadata, blob, images, cuda))
    return e;
  blob.clear();
  blob.shrink_to_fit();

  auto machine = createTargetMachine(options);
  if (!machine)
    return machine.takeError();
  llvmModule->setDataLayout((*machine)->createDataLayout());
  llvmModule->setTargetTriple((*machine)->getTargetTriple());
  auto optimize = makeOptimizingTransformer(options.optLevel, 0, machine->get());
  if (Error e = optimize(llvmModule.get()))
    return e;
  step("optimized LLVM IR");

  llvm::SmallString<128> objectPath;
  if (std::error_code ec =
          llvm::sys::fs::createTemporaryFile("mlc-module", "o", objectPath))
    return makeError("cannot create a temporary object file: " + ec.message());
  llvm::FileRemover removeObject(objectPath);
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(objectPath, ec);
    if (ec)
      return makeError("cannot write " + objectPath + ": " + ec.message());
    llvm::legacy::PassManager codegen;
    if ((*machine)->addPassesToEmitFile(codegen, os, nullptr,
                                        llvm::CodeGenFileType::ObjectFile))
      return makeError("the target cannot emit object files");
    codegen.run(*llvmModule);
  }
  step("generated machine code");
  if (Error e = link(objectPath, outputPath, cuda))
    return e;
  step("linked " + outputPath.str());
  return Error::success();
}
