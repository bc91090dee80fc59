//===- CudaDriver.cpp - loading the CUDA driver with dlopen ---------------===//
//
// Loads libcuda.so.1 (or $MLC_CUDA_DRIVER) once per process, resolves the
// entry points of CudaDriver.h by their versioned names and calls cuInit,
// turning each way this can fail into a message that says what to do.
//
//===----------------------------------------------------------------------===//

#include "CudaDriver.h"

#include <cstdio>
#include <cstdlib>
#include <dlfcn.h>
#include <mutex>

namespace mlc::rt::cuda {

std::string Driver::describe(CUresult result) const {
  const char *name = nullptr, *text = nullptr;
  if (cuGetErrorName(result, &name) != CUDA_SUCCESS || !name)
    return "CUDA error " + std::to_string(result);
  std::string s = name;
  if (cuGetErrorString(result, &text) == CUDA_SUCCESS && text)
    s += std::string(" (") + text + ")";
  return s;
}

std::string Driver::versionString() const {
  return "CUDA " + std::to_string(version / 1000) + "." +
         std::to_string(version % 1000 / 10);
}

std::string formatBytes(size_t bytes) {
  const char *units[] = {"KiB", "MiB", "GiB", "TiB"};
  if (bytes < 1024)
    return std::to_string(bytes) + " bytes";
  double value = static_cast<double>(bytes) / 1024;
  int unit = 0;
  while (value >= 1024 && unit < 3) {
    value /= 1024;
    ++unit;
  }
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f %s", value, units[unit]);
  return buffer;
}

namespace {

struct LoadResult {
  Driver driver;
  mlc_status status = MLC_OK;
  std::string message;
};

/// Resolves every entry point; false with `missing` naming the first absent.
bool resolve(void *handle, Driver &d, std::string &missing) {
#define MLC_RESOLVE(member, symbol)                                            \
  if (void *address = dlsym(handle, symbol))                                   \
    /* Function pointers of one size; dlsym's POSIX contract allows this. */   \
    *reinterpret_cast<void **>(&d.member) = address;                           \
  else                                                                         \
    return missing = symbol, false;
  MLC_CUDA_DRIVER_FUNCTIONS(MLC_RESOLVE)
#undef MLC_RESOLVE
  return true;
}

void load(LoadResult &r) {
  auto failWith = [&](mlc_status status, std::string message) {
    r.status = status;
    r.message = std::move(message);
  };
  const char *env = std::getenv("MLC_CUDA_DRIVER");
  bool fromEnv = env && *env;
  std::string requested = fromEnv ? env : "libcuda.so.1";
  std::string named = fromEnv ? "'" + requested + "' (MLC_CUDA_DRIVER)"
                              : std::string("libcuda.so.1");
  dlerror();
  // Kept loaded for the life of the process: unloading a CUDA driver is not
  // supported by NVIDIA and nothing would be gained.
  void *handle = dlopen(requested.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char *why = dlerror();
    return failWith(MLC_ERROR_DEVICE,
                    "no CUDA driver: cannot load " + named + ": " +
                        (why ? why : "dlopen failed") +
                        " (install the NVIDIA driver, or set "
                        "MLC_CUDA_DRIVER to the path of its libcuda.so.1)");
  }
  Driver &d = r.driver;
  d.path = requested;
  std::string missing;
  if (!resolve(handle, d, missing))
    return failWith(MLC_ERROR_DEVICE, "the CUDA driver " + named +
                                          " has no entry point " + missing +
                                          ": it is too old or not a CUDA "
                                          "driver");
  Dl_info info;
  if (dladdr(reinterpret_cast<void *>(d.cuInit), &info) && info.dli_fname)
    d.path = info.dli_fname;

  CUresult result = d.cuInit(0);
  if (result == CUDA_ERROR_STUB_LIBRARY)
    return failWith(MLC_ERROR_DEVICE,
                    "no CUDA driver: '" + d.path +
                        "' is the CUDA toolkit's stub library, not the "
                        "NVIDIA driver (cuInit returned "
                        "CUDA_ERROR_STUB_LIBRARY); install the driver, or "
                        "set MLC_CUDA_DRIVER to the path of its "
                        "libcuda.so.1");
  if (result == CUDA_ERROR_NO_DEVICE)
    return failWith(MLC_ERROR_DEVICE, "no CUDA device: cuInit of '" + d.path +
                                          "' returned " + d.describe(result));
  if (result != CUDA_SUCCESS)
    return failWith(MLC_ERROR_DEVICE, "the CUDA driver '" + d.path +
                                          "' failed to initialise: cuInit "
                                          "returned " +
                                          d.describe(result));
  if (d.cuDriverGetVersion(&d.version) != CUDA_SUCCESS)
    d.version = 0;
}

} // namespace

const Driver *loadDriver(mlc_status &status, std::string &message) {
  static std::once_flag once;
  static LoadResult *result;
  // Never destroyed: models may be unloaded by other static destructors.
  std::call_once(once, [] {
    result = new LoadResult;
    load(*result);
  });
  status = result->status;
  message = result->message;
  return result->status == MLC_OK ? &result->driver : nullptr;
}

} // namespace mlc::rt::cuda
