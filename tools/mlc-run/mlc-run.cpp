//===- mlc-run.cpp - run a compiled model on tensor files -----------------===//
//
//   mlc-run MODEL [INPUT ...] [--output-dir DIR] [--bench N]
//
// Loads a module compiled by mlc (a .so), or first compiles an ONNX model
// with the mlc-compile that sits next to this executable, binds the INPUT
// files (.npy or ONNX TensorProto .pb) to the model's inputs in order, runs
// it, summarises the outputs on stdout and optionally writes them as .npy
// files and times repeated runs. For a CUDA module it first prints the
// device and kernel image it runs on. Uses only libmlcrt and MLCTensorIO.
//
// Exit status: 0 ok, 1 error, 2 usage error, 3 unsupported ops.
//
//===----------------------------------------------------------------------===//

#include "mlc-c/Runtime.h"
#include "mlc-c/TensorIO.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ftw.h>
#include <limits.h>
#include <string>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace {

enum ExitCode { kOk = 0, kError = 1, kUsage = 2, kUnsupported = 3 };

const char *const kUsageLine =
    "usage: mlc-run MODEL [INPUT ...] [--output-dir DIR] [--bench N]\n";

const char *const kHelp =
    "\n"
    "Runs a model compiled by mlc on tensor files.\n"
    "\n"
    "  MODEL             a compiled module (.so), or an ONNX model (.onnx),\n"
    "                    which is first compiled with the mlc-compile that\n"
    "                    sits next to mlc-run\n"
    "  INPUT             one tensor file per model input, in input order:\n"
    "                    NumPy .npy (C order, little-endian) or ONNX\n"
    "                    TensorProto .pb\n"
    "  --output-dir DIR  write output i to DIR/output_<i>.npy (DIR is\n"
    "                    created if needed); without it nothing is written\n"
    "  --bench N         after a warm-up run, time N more runs and print the\n"
    "                    min and median latency (of CUDA modules: including\n"
    "                    the copies to and from the GPU and the wait for it)\n"
    "  -h, --help        print this help\n"
    "\n"
    "Each output is summarised on stdout: name, dtype, shape, its first\n"
    "values, min and max. A CUDA module's summary starts with a line naming\n"
    "the device and the kernel image used, e.g.\n"
    "  device: cuda:0 NVIDIA H100 80GB HBM3 (compute capability 9.0,\n"
    "          79.1 GiB), sm_90 cubin\n"
    "\n"
    "bf16: .npy has no bfloat16 type, so bf16 outputs are written as float32\n"
    ".npy files (exactly), and a float32 .npy input is rounded to bf16\n"
    "(nearest even) where the model takes bf16. .pb files carry bf16 as is;\n"
    "a uint16 input bound to a bf16 input is taken as bf16 bit patterns.\n"
    "\n"
    "Environment: MLC_NUM_THREADS=N runs the model's parallel loops on N\n"
    "threads. CUDA modules run on GPU MLC_CUDA_DEVICE (an index, default 0)\n"
    "through the driver libcuda.so.1, or the file MLC_CUDA_DRIVER names.\n"
    "\n"
    "Exit status: 0 success, 1 error, 2 usage error, 3 the model uses ops\n"
    "that mlc does not support.\n";

struct Options {
  std::string model;
  std::vector<std::string> inputs;
  std::string outputDir;
  long bench = 0;
};

int usageError(const std::string &message) {
  std::fprintf(stderr, "mlc-run: %s\n%s(run 'mlc-run --help' for more)\n",
               message.c_str(), kUsageLine);
  return kUsage;
}

int error(const std::string &message) {
  std::fprintf(stderr, "mlc-run: %s\n", message.c_str());
  return kError;
}

/// Parses the command line; returns -1 to go on, otherwise an exit code.
int parseOptions(int argc, char **argv, Options &options) {
  bool onlyPositional = false;
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (onlyPositional || arg.empty() || arg[0] != '-' || arg == "-") {
      positional.push_back(arg);
      continue;
    }
    if (arg == "--") {
      onlyPositional = true;
      continue;
    }
    if (arg == "-h" || arg == "--help") {
      std::fputs(kUsageLine, stdout);
      std::fputs(kHelp, stdout);
      return kOk;
    }
    // --name VALUE or --name=VALUE.
    std::string name = arg, value;
    bool hasValue = false;
    if (size_t eq = arg.find('='); eq != std::string::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
      hasValue = true;
    }
    if (name != "--output-dir" && name != "--bench")
      return usageError("unknown option '" + arg + "'");
    if (!hasValue) {
      if (i + 1 >= argc)
        return usageError("option '" + name + "' needs a value");
      value = argv[++i];
    }
    if (name == "--output-dir") {
      if (value.empty())
        return usageError("--output-dir needs a directory");
      while (value.size() > 1 && value.back() == '/')
        value.pop_back();
      options.outputDir = value;
    } else {
      char *end = nullptr;
      errno = 0;
      long n = std::strtol(value.c_str(), &end, 10);
      if (value.empty() || *end || errno || n < 1 || n > 100000000)
        return usageError("--bench needs a positive number of runs, got '" +
                          value + "'");
      options.bench = n;
    }
  }
  if (positional.empty())
    return usageError("no model given");
  options.model = positional[0];
  options.inputs.assign(positional.begin() + 1, positional.end());
  return -1;
}

bool endsWith(const std::string &s, const char *suffix) {
  size_t n = std::strlen(suffix);
  if (s.size() < n)
    return false;
  for (size_t i = 0; i < n; ++i)
    if (std::tolower(static_cast<unsigned char>(s[s.size() - n + i])) !=
        suffix[i])
      return false;
  return true;
}

std::string shapeString(int32_t rank, const int64_t *dims) {
  std::string s = "[";
  for (int32_t i = 0; i < rank; ++i) {
    if (i)
      s += ", ";
    s += dims[i] < 0 ? std::string("?") : std::to_string(dims[i]);
  }
  return s + "]";
}

/// "  0: 'x' f32 [?, 4]" lines for every input of `model`.
std::string describeInputs(const mlc_model *model) {
  std::string s;
  size_t n = mlc_model_num_args(model, MLC_ARG_INPUT);
  for (size_t i = 0; i < n; ++i)
    s += "\n  " + std::to_string(i) + ": '" +
         mlc_model_arg_name(model, MLC_ARG_INPUT, i) + "' " +
         mlc_dtype_name(mlc_model_arg_dtype(model, MLC_ARG_INPUT, i)) + " " +
         shapeString(mlc_model_arg_rank(model, MLC_ARG_INPUT, i),
                     mlc_model_arg_dims(model, MLC_ARG_INPUT, i));
  return s;
}

//===----------------------------------------------------------------------===//
// Compiling .onnx models
//===----------------------------------------------------------------------===//

/// A temporary directory, removed with its contents on destruction.
class TempDir {
public:
  ~TempDir() {
    if (!path.empty())
      nftw(path.c_str(), removeEntry, 16, FTW_DEPTH | FTW_PHYS);
  }
  bool create() {
    const char *base = std::getenv("TMPDIR");
    std::string pattern =
        std::string(base && *base ? base : "/tmp") + "/mlc-run-XXXXXX";
    std::vector<char> buffer(pattern.begin(), pattern.end());
    buffer.push_back('\0');
    if (!mkdtemp(buffer.data()))
      return false;
    path = buffer.data();
    return true;
  }
  std::string path;

private:
  static int removeEntry(const char *entry, const struct stat *, int,
                         struct FTW *) {
    std::remove(entry);
    return 0;
  }
};

/// The directory of the running executable.
std::string executableDir() {
  char buffer[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buffer, sizeof buffer - 1);
  if (n <= 0)
    return "";
  std::string path(buffer, static_cast<size_t>(n));
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

/// Compiles `onnx` into `dir`/model.so with mlc-compile; returns an exit code.
int compileOnnx(const std::string &onnx, const std::string &dir,
                std::string &library) {
  std::string compiler = executableDir() + "/mlc-compile";
  if (access(compiler.c_str(), X_OK) != 0)
    return error("cannot compile '" + onnx + "': mlc-compile not found at '" +
                 compiler + "'");
  library = dir + "/model.so";
  std::fflush(nullptr);
  pid_t pid = fork();
  if (pid < 0)
    return error(std::string("cannot start mlc-compile: ") +
                 std::strerror(errno));
  if (pid == 0) {
    // mlc-run's stdout is for the output summary: send the compiler's
    // messages to stderr, which the child shares with us.
    dup2(STDERR_FILENO, STDOUT_FILENO);
    std::vector<std::string> args = {compiler, onnx, "-o", library};
    std::vector<char *> argv;
    for (std::string &arg : args)
      argv.push_back(arg.data());
    argv.push_back(nullptr);
    execv(compiler.c_str(), argv.data());
    std::fprintf(stderr, "mlc-run: cannot run '%s': %s\n", compiler.c_str(),
                 std::strerror(errno));
    _exit(kError);
  }
  int status;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR)
      return error(std::string("waiting for mlc-compile: ") +
                   std::strerror(errno));
  if (WIFSIGNALED(status))
    return error("mlc-compile was killed by signal " +
                 std::to_string(WTERMSIG(status)) + " while compiling '" +
                 onnx + "'");
  int code = WEXITSTATUS(status);
  if (code == 0)
    return kOk;
  if (code == kUnsupported) {
    std::fprintf(stderr,
                 "mlc-run: '%s' uses ops that mlc does not support (see "
                 "above)\n",
                 onnx.c_str());
    return kUnsupported;
  }
  return error("mlc-compile failed on '" + onnx + "' (exit status " +
               std::to_string(code) + ")");
}

//===----------------------------------------------------------------------===//
// Inputs and outputs
//===----------------------------------------------------------------------===//

uint16_t floatToBf16(float f) {
  uint32_t word;
  std::memcpy(&word, &f, 4);
  if ((word & 0x7fffffffu) > 0x7f800000u)
    return static_cast<uint16_t>((word >> 16) | 0x40);
  word += 0x7fffu + ((word >> 16) & 1u);
  return static_cast<uint16_t>(word >> 16);
}

float bf16ToFloat(uint16_t bits) {
  uint32_t word = static_cast<uint32_t>(bits) << 16;
  float f;
  std::memcpy(&f, &word, 4);
  return f;
}

float f16ToFloat(uint16_t h) {
  int exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  float value = exp == 0 ? std::ldexp(static_cast<float>(mant), -24)
                : exp == 0x1f
                    ? (mant ? NAN : INFINITY)
                    : std::ldexp(static_cast<float>(mant | 0x400), exp - 25);
  return (h & 0x8000) ? -value : value;
}

/// A float32 tensor converted to bf16 (the buffer's data is dense).
mlc_tensor_buffer *convertToBf16(const mlc_tensor &t) {
  mlc_tensor_buffer *out;
  if (mlc_tensor_buffer_create(MLC_DTYPE_BF16, t.rank, t.shape, &out))
    return nullptr;
  int64_t n = mlc_tensor_num_elements(&t);
  const auto *in = static_cast<const float *>(t.data);
  auto *dst = static_cast<uint16_t *>(mlc_tensor_buffer_view(out)->data);
  for (int64_t i = 0; i < n; ++i)
    dst[i] = floatToBf16(in[i]);
  return out;
}

/// Element `i` of a dense tensor as a double (integers beyond 2^53 lose
/// precision, which is fine for min/max).
double elementAsDouble(const mlc_tensor &t, int64_t i) {
  const char *p = static_cast<const char *>(t.data) +
                  i * static_cast<int64_t>(mlc_dtype_size(t.dtype));
  auto load = [p](auto value) {
    std::memcpy(&value, p, sizeof value);
    return value;
  };
  switch (t.dtype) {
  case MLC_DTYPE_F64:
    return load(double());
  case MLC_DTYPE_F32:
    return load(float());
  case MLC_DTYPE_F16:
    return f16ToFloat(load(uint16_t()));
  case MLC_DTYPE_BF16:
    return bf16ToFloat(load(uint16_t()));
  case MLC_DTYPE_I64:
    return static_cast<double>(load(int64_t()));
  case MLC_DTYPE_I32:
    return load(int32_t());
  case MLC_DTYPE_I16:
    return load(int16_t());
  case MLC_DTYPE_I8:
    return load(int8_t());
  case MLC_DTYPE_U64:
    return static_cast<double>(load(uint64_t()));
  case MLC_DTYPE_U32:
    return load(uint32_t());
  case MLC_DTYPE_U16:
    return load(uint16_t());
  case MLC_DTYPE_U8:
  case MLC_DTYPE_BOOL:
    return load(uint8_t());
  case MLC_DTYPE_INVALID:
    break;
  }
  return NAN;
}

/// Element `i` of a dense tensor as text; integers are printed exactly.
std::string elementString(const mlc_tensor &t, int64_t i) {
  const char *p = static_cast<const char *>(t.data) +
                  i * static_cast<int64_t>(mlc_dtype_size(t.dtype));
  char buffer[64];
  if (t.dtype == MLC_DTYPE_I64) {
    int64_t v;
    std::memcpy(&v, p, 8);
    std::snprintf(buffer, sizeof buffer, "%" PRId64, v);
  } else if (t.dtype == MLC_DTYPE_U64) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    std::snprintf(buffer, sizeof buffer, "%" PRIu64, v);
  } else if (t.dtype == MLC_DTYPE_BOOL) {
    return *p ? "true" : "false";
  } else {
    std::snprintf(buffer, sizeof buffer, "%.6g", elementAsDouble(t, i));
  }
  return buffer;
}

void printOutput(size_t index, const char *name, const mlc_tensor &t,
                 const std::string &file) {
  std::printf("output %zu '%s': %s %s%s%s\n", index, name,
              mlc_dtype_name(t.dtype), shapeString(t.rank, t.shape).c_str(),
              file.empty() ? "" : " -> ", file.c_str());
  int64_t n = mlc_tensor_num_elements(&t);
  if (n <= 0) {
    std::printf("  (no elements)\n");
    return;
  }
  constexpr int64_t kShown = 8;
  std::string values = "[";
  for (int64_t i = 0; i < std::min(n, kShown); ++i)
    values += (i ? ", " : "") + elementString(t, i);
  values += n > kShown ? ", ...]" : "]";
  double lo = INFINITY, hi = -INFINITY;
  int64_t nans = 0;
  for (int64_t i = 0; i < n; ++i) {
    double v = elementAsDouble(t, i);
    if (std::isnan(v)) {
      ++nans;
      continue;
    }
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  std::printf("  values %s\n", values.c_str());
  if (nans < n)
    std::printf("  min %.6g  max %.6g", lo, hi);
  else
    std::printf("  min nan  max nan");
  if (nans)
    std::printf("  (%" PRId64 " NaN)", nans);
  std::printf("\n");
}

/// mkdir -p.
bool makeDirectories(const std::string &path, std::string &why) {
  for (size_t pos = 1; pos <= path.size(); ++pos) {
    if (pos != path.size() && path[pos] != '/')
      continue;
    std::string prefix = path.substr(0, pos);
    if (mkdir(prefix.c_str(), 0777) != 0 && errno != EEXIST) {
      why = "cannot create '" + prefix + "': " + std::strerror(errno);
      return false;
    }
  }
  struct stat st;
  if (stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    why = "'" + path + "' is not a directory";
    return false;
  }
  return true;
}

double milliseconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

/// Owns what main acquires, so that every exit path releases it.
struct Session {
  TempDir tempDir;
  mlc_model *model = nullptr;
  std::vector<mlc_tensor_buffer *> buffers;
  mlc_result *result = nullptr;
  ~Session() {
    mlc_result_free(result);
    for (mlc_tensor_buffer *buffer : buffers)
      mlc_tensor_buffer_free(buffer);
    mlc_model_unload(model);
  }
};

int run(const Options &options) {
  Session session;
  std::string library = options.model;
  if (endsWith(options.model, ".onnx")) {
    if (!session.tempDir.create())
      return error(std::string("cannot create a temporary directory: ") +
                   std::strerror(errno));
    if (int code = compileOnnx(options.model, session.tempDir.path, library))
      return code;
  }
  if (mlc_model_load(library.c_str(), &session.model))
    return error(mlc_last_error());
  mlc_model *model = session.model;
  // Sets a CUDA module's device up, so that a missing GPU or kernel image is
  // reported before the inputs are read.
  const char *device;
  if (mlc_model_device(model, &device))
    return error(mlc_last_error());
  if (std::strcmp(device, "cpu") != 0)
    std::printf("device: %s\n", device);

  size_t numInputs = mlc_model_num_args(model, MLC_ARG_INPUT);
  if (options.inputs.size() != numInputs)
    return error("'" + options.model + "' takes " + std::to_string(numInputs) +
                 " input" + (numInputs == 1 ? "" : "s") + ", got " +
                 std::to_string(options.inputs.size()) + " file" +
                 (options.inputs.size() == 1 ? "" : "s") +
                 (numInputs ? "; expected inputs:" + describeInputs(model)
                            : std::string()));
  std::vector<mlc_tensor> inputs;
  for (size_t i = 0; i < numInputs; ++i) {
    // File errors name the input the file was meant for, as shape and
    // dtype errors from mlc_model_run do.
    std::string what = "input " + std::to_string(i) + " '" +
                       mlc_model_arg_name(model, MLC_ARG_INPUT, i) + "'";
    mlc_tensor_buffer *buffer;
    if (mlc_tensor_read_file(options.inputs[i].c_str(), &buffer))
      return error(what + ": " + mlc_tensor_io_last_error());
    session.buffers.push_back(buffer);
    const mlc_tensor *view = mlc_tensor_buffer_view(buffer);
    if (view->dtype == MLC_DTYPE_F32 &&
        mlc_model_arg_dtype(model, MLC_ARG_INPUT, i) == MLC_DTYPE_BF16) {
      mlc_tensor_buffer *converted = convertToBf16(*view);
      if (!converted)
        return error(mlc_tensor_io_last_error());
      session.buffers.push_back(converted);
      view = mlc_tensor_buffer_view(converted);
    }
    mlc_tensor input = *view;
    // ONNX's own test data stores bfloat16 tensors as uint16 bit patterns.
    if (input.dtype == MLC_DTYPE_U16 &&
        mlc_model_arg_dtype(model, MLC_ARG_INPUT, i) == MLC_DTYPE_BF16)
      input.dtype = MLC_DTYPE_BF16;
    inputs.push_back(input);
  }

  if (mlc_model_run(model, inputs.data(), inputs.size(), &session.result))
    return error(mlc_last_error());

  std::string why;
  if (!options.outputDir.empty() && !makeDirectories(options.outputDir, why))
    return error(why);
  size_t numOutputs = mlc_result_num_outputs(session.result);
  for (size_t j = 0; j < numOutputs; ++j) {
    const mlc_tensor &output = *mlc_result_output(session.result, j);
    std::string file;
    if (!options.outputDir.empty()) {
      file = options.outputDir + "/output_" + std::to_string(j) + ".npy";
      if (mlc_tensor_write_npy(file.c_str(), &output))
        return error(mlc_tensor_io_last_error());
    }
    printOutput(j, mlc_model_arg_name(model, MLC_ARG_OUTPUT, j), output, file);
  }

  if (options.bench > 0) {
    // The run above was the warm-up. mlc_model_run returns when the outputs
    // are in host memory, so a CUDA module's times include the wait for the
    // GPU.
    std::vector<double> times;
    for (long k = 0; k < options.bench; ++k) {
      mlc_result *result;
      auto start = std::chrono::steady_clock::now();
      mlc_status status =
          mlc_model_run(model, inputs.data(), inputs.size(), &result);
      auto stop = std::chrono::steady_clock::now();
      if (status)
        return error(mlc_last_error());
      mlc_result_free(result);
      times.push_back(milliseconds(stop - start));
    }
    std::sort(times.begin(), times.end());
    size_t n = times.size();
    double median =
        n % 2 ? times[n / 2] : (times[n / 2 - 1] + times[n / 2]) / 2;
    std::printf("bench: %zu runs after a warm-up run: min %.4g ms, median "
                "%.4g ms\n",
                n, times[0], median);
  }
  return kOk;
}

} // namespace

int main(int argc, char **argv) {
  Options options;
  if (int code = parseOptions(argc, argv, options); code >= 0)
    return code;
  int code = run(options);
  std::fflush(stdout);
  return code;
}
