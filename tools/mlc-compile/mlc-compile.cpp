//===- mlc-compile.cpp - compile a model to a shared library --------------===//
//
//   mlc-compile MODEL -o OUT.so [--target cpu|cuda] [--cpu NAME] [-O N]
//       [--gpu-arch sm_80,sm_90] [--input-shape 2x16x256 ...]
//   mlc-compile CHECKPOINT_DIR -o OUT_DIR [--max-context N]
//       [--target cpu|cuda] [--gpu-arch sm_80,sm_90]
//   mlc-compile CONFIG_OR_CHECKPOINT_DIR -o OUT_DIR --no-weights
//       [--dtype auto|bf16|f32]
//
// MODEL is an ONNX file (.onnx) or mlc IR (.mlir); CHECKPOINT_DIR a Hugging
// Face Qwen3 folder (config.json with model_type qwen3, safetensors), which
// becomes OUT_DIR/libqwen3.so + params.bin + the tokenizer files
// (mlc-c/Qwen3.h runs it). With --no-weights a config.json (or a folder
// holding one) is enough: no params.bin is written, and the weights are
// bound at load (mlc_qwen3_load_with_weights, mlc-generate --weights-dir,
// mlc-bind-weights). Exit codes: 0 success, 1 error, 2 usage, 3 the
// model uses ops mlc does not support.
//
//===----------------------------------------------------------------------===//

#include "mlc/Import/ModelFile.h"
#include "mlc/InitAll.h"
#include "mlc/Models/Qwen3/Builder.h"
#include "mlc/Models/Qwen3/ParameterFile.h"
#include "mlc/Target/Compile.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/Timer.h"
#include "llvm/Support/WithColor.h"

using namespace mlir;
namespace cl = llvm::cl;

namespace {
enum ExitCode { kOk = 0, kError = 1, kUsage = 2, kUnsupported = 3 };

int fail(const llvm::Twine &message, int code = kError) {
  llvm::WithColor::error(llvm::errs(), "mlc-compile") << message << "\n";
  return code;
}

/// Compiles the Qwen3 checkpoint in `input` into `outDir`; with `noWeights`,
/// from `input`'s config.json alone (`input` may be that file).
int compileQwen3(MLIRContext &context, llvm::StringRef input,
                 llvm::StringRef outDir, int64_t maxContext,
                 llvm::StringRef dtypeOption, bool noWeights,
                 mlc::CompileOptions options) {
  llvm::SmallString<256> dir(input), configPath(input);
  if (llvm::sys::fs::is_directory(input)) {
    llvm::sys::path::append(configPath, "config.json");
  } else {
    llvm::sys::path::remove_filename(dir);
    if (dir.empty())
      dir = ".";
  }
  auto loaded = mlc::qwen3::loadConfig(configPath);
  if (!loaded)
    return fail(llvm::toString(loaded.takeError()));
  const mlc::qwen3::Config &config = *loaded;
  std::unique_ptr<mlc::qwen3::CheckpointWeights> checkpoint;
  bool bf16Matrices;
  if (noWeights) {
    // Without weights to look at, the dtype is the user's or the config's.
    llvm::StringRef dtype = config.torchDtype;
    if (dtypeOption == "auto" && dtype != "bfloat16" && dtype != "float32" &&
        dtype != "float16")
      return fail("--no-weights: the torch_dtype of " + configPath + " is " +
                      (dtype.empty() ? std::string("absent")
                                     : "'" + dtype.str() + "'") +
                      ", not bfloat16, float16 or float32: say --dtype "
                      "bf16 or --dtype f32",
                  kUsage);
    bf16Matrices = dtypeOption == "bf16" ||
                   (dtypeOption == "auto" && dtype == "bfloat16");
  } else {
    auto opened = mlc::qwen3::CheckpointWeights::open(dir);
    if (!opened)
      return fail(llvm::toString(opened.takeError()) +
                  " (--no-weights compiles from config.json alone)");
    checkpoint = std::move(*opened);
    bf16Matrices = checkpoint->hasBf16Matrices();
    if (dtypeOption == "bf16" && !bf16Matrices)
      return fail("--dtype bf16 needs a checkpoint whose matrices are bf16 "
                  "(this one is " +
                      config.torchDtype + ")",
                  kUsage);
  }
  options.progress("read " + configPath.str().str() + ": " +
                   std::to_string(config.numLayers) + " layers, hidden " +
                   std::to_string(config.hiddenSize) + ", vocabulary " +
                   std::to_string(config.vocabSize));
  mlc::qwen3::BuildOptions build;
  build.maxContext =
      maxContext > 0 ? maxContext
                     : std::min<int64_t>(4096, config.maxPositionEmbeddings);
  if (build.maxContext > config.maxPositionEmbeddings)
    return fail("--max-context " + llvm::Twine(build.maxContext) +
                    " exceeds max_position_embeddings (" +
                    llvm::Twine(config.maxPositionEmbeddings) + ")",
                kUsage);
  if (std::error_code ec = llvm::sys::fs::create_directories(outDir))
    return fail("cannot create " + outDir + ": " + ec.message());

  // One dtype for what is stored: the matrices and the KV caches.
  build.bf16Weights = build.bf16Cache = dtypeOption != "f32" && bf16Matrices;
  // CUDA's GEMVs read a row of [out, in] per output (a warp each).
  build.projectionsOutIn = options.target == "cuda";
  options.progress(
      std::string("weights and KV cache in ") +
      (build.bf16Weights ? "bf16 (computed in f32)" : "f32") +
      (noWeights ? ", bound at load" : ""));
  OwningOpRef<ModuleOp> module =
      mlc::qwen3::buildModule(&context, config, build);
  llvm::SmallString<256> path(outDir);
  llvm::sys::path::append(path, "params.bin");
  if (checkpoint) {
    if (llvm::Error e =
            checkpoint->writeParameterFile(*module, path,
                                           build.projectionsOutIn,
                                           options.progress))
      return fail(llvm::toString(std::move(e)));
    options.progress("wrote " + path.str().str());
  } else if (llvm::sys::fs::exists(path)) {
    // An earlier compile's weights would be loaded with this library.
    if (std::error_code ec = llvm::sys::fs::remove(path))
      return fail("cannot remove " + path + ": " + ec.message());
    options.progress("removed " + path.str().str() + " (no weights)");
  }
  for (const char *name : {"config.json", "generation_config.json",
                           "tokenizer.json", "tokenizer_config.json"}) {
    llvm::SmallString<256> from(dir), to(outDir);
    llvm::sys::path::append(from, name);
    if (llvm::StringRef(name) == "config.json")
      from = configPath;
    llvm::sys::path::append(to, name);
    if (!llvm::sys::fs::exists(from)) {
      llvm::WithColor::warning(llvm::errs(), "mlc-compile")
          << dir << " has no " << name << "\n";
      continue;
    }
    if (std::error_code ec = llvm::sys::fs::copy_file(from, to))
      return fail("cannot copy " + from + " to " + to + ": " + ec.message());
  }

  options.progress("built the model (KV cache of " +
                   std::to_string(build.maxContext) + " tokens)");
  path = outDir;
  llvm::sys::path::append(path, "libqwen3.so");
  if (llvm::Error e = mlc::compileToSharedLibrary(*module, path, options))
    return fail(llvm::toString(std::move(e)));
  return kOk;
}
} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::OptionCategory category("mlc-compile options");
  cl::opt<std::string> input(cl::Positional,
                             cl::desc("<model.onnx|model.mlir|checkpoint dir>"),
                             cl::Required, cl::cat(category));
  cl::opt<std::string> output(
      "o", cl::desc("Output shared library (a folder for a checkpoint)"),
      cl::value_desc("file.so|dir"), cl::Required, cl::cat(category));
  cl::opt<int64_t> maxContext(
      "max-context",
      cl::desc("Qwen3: tokens the KV cache holds (default: 4096, or "
               "max_position_embeddings when smaller)"),
      cl::init(0), cl::cat(category));
  cl::opt<std::string> target(
      "target",
      cl::desc("Target: cpu, or cuda (NVIDIA GPUs; host code for this CPU)"),
      cl::init("cpu"), cl::cat(category));
  cl::opt<std::string> gpuArch(
      "gpu-arch",
      cl::desc("cuda: architectures to compile cubins for, comma-separated "
               "(default sm_80,sm_90; the PTX of the last is embedded for "
               "newer GPUs)"),
      cl::cat(category));
  cl::opt<std::string> cpu("cpu",
                           cl::desc("CPU to generate code for (an LLVM CPU "
                                    "name such as x86-64-v3), or native"),
                           cl::init("native"), cl::cat(category));
  cl::opt<unsigned> optLevel("O", cl::desc("LLVM optimization level (0-3)"),
                             cl::init(3), cl::Prefix, cl::cat(category));
  cl::list<std::string> inputShapes(
      "input-shape",
      cl::desc("Static shape of an input with dynamic dimensions, one per "
               "input in order (2x16x256; 'scalar' for rank 0); needed for "
               "--target cuda"),
      cl::value_desc("AxBxC"), cl::CommaSeparated, cl::cat(category));
  cl::opt<std::string> pipelineOptions(
      "pipeline-options",
      cl::desc("Options of mlc-cpu-pipeline, e.g. \"register-n=64\", or "
               "of mlc-cuda-pipeline with --target cuda"),
      cl::cat(category));
  cl::opt<bool> quiet("quiet", cl::desc("Do not print progress"),
                      cl::cat(category));
  cl::opt<std::string> dtype(
      "dtype",
      cl::desc("Qwen3: how the matrices and the KV cache are stored (both "
               "computed in f32): auto (bf16 when the checkpoint's matrices "
               "are bf16, else f32), bf16 or f32"),
      cl::init("auto"), cl::cat(category));
  cl::opt<bool> noWeights(
      "no-weights",
      cl::desc("Qwen3: compile from config.json alone (a file, or a folder "
               "holding one) and write no params.bin; the weights are bound "
               "at load (mlc-generate --weights-dir, mlc-bind-weights). The "
               "matrices' dtype is --dtype, or auto: config.json's "
               "torch_dtype"),
      cl::cat(category));
  cl::opt<bool> printKernels(
      "print-kernels",
      cl::desc("Print the kernels of each entry point (Qwen3: layer_decode "
               "is one layer of a decode step)"),
      cl::cat(category));
  cl::opt<std::string> dumpLLVM("dump-llvm-dialect",
                                cl::desc("Also write the LLVM-dialect module "
                                         "to this file"),
                                cl::cat(category));
  cl::HideUnrelatedOptions(category);
  if (!cl::ParseCommandLineOptions(argc, argv,
                                   "mlc-compile: compile a model (ONNX or "
                                   "mlc IR) into a shared library\n",
                                   &llvm::errs()))
    return kUsage;
  if (target != "cpu" && target != "cuda")
    return fail("unknown target '" + target + "' (available: cpu, cuda)",
                kUsage);
  if (!gpuArch.empty() && target != "cuda")
    return fail("--gpu-arch is for --target cuda", kUsage);
  auto isArch = [](llvm::StringRef arch) {
    return arch.consume_front("sm_") && !arch.empty() &&
           llvm::all_of(arch, [](char c) { return llvm::isDigit(c) || c == 'a'; });
  };
  if (!gpuArch.empty() && !llvm::all_of(llvm::split(gpuArch, ','), isArch))
    return fail("--gpu-arch: '" + gpuArch +
                    "' is not a list of sm_XY architectures",
                kUsage);
  if (optLevel > 3)
    return fail("-O must be 0 to 3", kUsage);

  DialectRegistry registry;
  mlc::registerAllDialects(registry);
  MLIRContext context(registry);
  context.loadAllAvailableDialects();

  llvm::TimerGroup timers("mlc-compile", "mlc-compile");
  auto start = std::chrono::steady_clock::now();
  auto progress = [&](llvm::StringRef what) {
    if (quiet)
      return;
    double seconds = std::chrono::duration<double>(
                         std::chrono::steady_clock::now() - start)
                         .count();
    llvm::errs() << llvm::format("mlc-compile: [%6.2fs] ", seconds) << what
                 << "\n";
  };

  mlc::CompileOptions options;
  options.target = target;
  options.cpu = cpu;
  options.optLevel = optLevel;
  options.progress = progress;
  options.dumpLLVMDialectTo = dumpLLVM;
  options.inputShapes.assign(inputShapes.begin(), inputShapes.end());
  options.pipelineOptions = pipelineOptions;
  if (printKernels && target != "cpu")
    return fail("--print-kernels lists CPU kernels", kUsage);
  if (printKernels)
    options.pipelineOptions += " print-kernels=true";
  if (!gpuArch.empty())
    options.pipelineOptions += " gpu-arch=" + gpuArch;
  SourceMgrDiagnosticHandler diagnostics(*new llvm::SourceMgr(), &context);
  if (maxContext < 0)
    return fail("--max-context must be positive", kUsage);
  if (dtype != "auto" && dtype != "bf16" && dtype != "f32")
    return fail("--dtype must be auto, bf16 or f32", kUsage);
  bool qwen3 = llvm::sys::fs::is_directory(input) ||
               (noWeights && llvm::sys::path::extension(input) == ".json");
  if (noWeights && !qwen3)
    return fail("--no-weights is for Qwen3 (a config.json or a checkpoint "
                "folder)",
                kUsage);
  if (qwen3 && !inputShapes.empty())
    return fail("--input-shape is for models, not Qwen3 checkpoints", kUsage);
  if (qwen3)
    return compileQwen3(context, input, output, maxContext, dtype, noWeights,
                        options);

  llvm::StringRef extension = llvm::sys::path::extension(input);
  if (extension != ".onnx" && extension != ".mlir")
    return fail("unsupported model file '" + input +
                    "' (expected .onnx, .mlir or a checkpoint folder)",
                kUsage);
  auto imported = mlc::importModelFile(&context, input);
  if (!imported) {
    int code = kError;
    std::string message;
    llvm::handleAllErrors(imported.takeError(),
                          [&](const llvm::ErrorInfoBase &e) {
                            if (mlc::isUnsupportedModelError(e))
                              code = kUnsupported;
                            message = e.message();
                          });
    return fail(message, code);
  }
  OwningOpRef<ModuleOp> module = std::move(*imported);
  progress("loaded " + input);

  llvm::SmallString<256> modelDir(input);
  llvm::sys::path::remove_filename(modelDir);
  if (modelDir.empty())
    modelDir = ".";
  options.parameterDir = modelDir.str().str();
  if (llvm::Error e = mlc::compileToSharedLibrary(*module, output, options))
    return fail(llvm::toString(std::move(e)));
  return kOk;
}
