//===- CudaModule.cpp - the device side of a loaded CUDA module -----------===//
//
// Device initialisation for a `target cuda` module (device from
// MLC_CUDA_DEVICE, primary context, stream, the image chosen by compute
// capability, kernels, params uploaded once), the hooks the module's host
// code calls (launch, alloc and free through a caching allocator), the
// steps of one call that Runtime.cpp and Qwen3Cuda.cpp drive through
// CudaCall (copies, the runtime's own buffers, CUDA graph capture), and the
// checks of a library's CUDA symbols.
//
//===----------------------------------------------------------------------===//

#include "CudaModule.h"
#include "Error.h"
#include "TensorUtils.h"

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <link.h>

namespace mlc::rt {

using namespace cuda;

namespace {

/// Module.h promises blocks aligned to 256 bytes; cuMemAlloc gives at least
/// that, and rounding sizes to it makes nearby requests share cache blocks.
constexpr uint64_t kBlockAlignment = 256;

/// MLC_CUDA_DEVICE: 0 when unset or empty, -1 when malformed.
int64_t deviceIndexFromEnvironment(const char *value) {
  if (!value || !*value)
    return 0;
  int64_t n = 0;
  for (const char *p = value; *p; ++p) {
    if (*p < '0' || *p > '9' || n > INT_MAX / 10)
      return -1;
    n = n * 10 + (*p - '0');
  }
  return n <= INT_MAX ? n : -1;
}

void *toHost(CUdeviceptr pointer) {
  return reinterpret_cast<void *>(static_cast<uintptr_t>(pointer));
}

CUdeviceptr toDevice(const void *pointer) {
  return static_cast<CUdeviceptr>(reinterpret_cast<uintptr_t>(pointer));
}

/// The registry of CudaModules by hooks global, and the lock that also
/// guards writes to the hooks globals.
std::mutex &registryMutex() {
  static std::mutex mutex;
  return mutex;
}

std::map<mlc_cuda_hooks *, std::weak_ptr<CudaModule>> &registry() {
  // Never destroyed: models may be unloaded from other static destructors.
  static auto *map = new std::map<mlc_cuda_hooks *, std::weak_ptr<CudaModule>>;
  return *map;
}

} // namespace

//===----------------------------------------------------------------------===//
// The CUDA symbols of a library
//===----------------------------------------------------------------------===//

size_t symbolSize(const void *address) {
  Dl_info info;
  void *entry = nullptr;
  if (!dladdr1(address, &info, &entry, RTLD_DL_SYMENT) || !entry)
    return 0;
  const auto *symbol = static_cast<const ElfW(Sym) *>(entry);
  if (info.dli_saddr != address)
    return 0;
  return symbol->st_size;
}

mlc_status findCudaSymbols(void *handle, const ModuleMetadata &metadata,
                           const std::string &who, const char *&images,
                           mlc_cuda_hooks *&hooks) {
  std::string prefix = who + ": ";
  images =
      static_cast<const char *>(dlsym(handle, MLC_MODULE_CUDA_IMAGES_SYMBOL));
  if (!metadata.images.empty() && !images)
    return fail(MLC_ERROR_INVALID_MODULE,
                prefix + "the metadata has image lines but the module has "
                         "no symbol " MLC_MODULE_CUDA_IMAGES_SYMBOL);
  // The blob's size is known when the ELF symbol records it.
  size_t blobSize = images ? symbolSize(images) : 0;
  for (const KernelImage &image : metadata.images) {
    std::string where = prefix + "line " + std::to_string(image.line) +
                        ": the " + image.describe() + " image";
    if (blobSize &&
        (image.offset > blobSize || image.size > blobSize - image.offset))
      return fail(MLC_ERROR_INVALID_MODULE,
                  where + " (offset " + std::to_string(image.offset) + ", " +
                      std::to_string(image.size) +
                      " bytes) lies outside " MLC_MODULE_CUDA_IMAGES_SYMBOL
                      " (" +
                      std::to_string(blobSize) + " bytes)");
    // The driver reads PTX up to a NUL: one must end the image.
    if (image.ptx && images[image.offset + image.size - 1] != '\0')
      return fail(MLC_ERROR_INVALID_MODULE,
                  where + " does not end with a NUL byte");
  }
  hooks = static_cast<mlc_cuda_hooks *>(
      dlsym(handle, MLC_MODULE_CUDA_HOOKS_SYMBOL));
  if (!hooks)
    return fail(MLC_ERROR_INVALID_MODULE,
                prefix + "it has a 'target cuda' line but no "
                         "symbol " MLC_MODULE_CUDA_HOOKS_SYMBOL);
  size_t hooksSize = symbolSize(hooks);
  if (hooksSize && hooksSize < sizeof(mlc_cuda_hooks))
    return fail(MLC_ERROR_INVALID_MODULE,
                prefix + MLC_MODULE_CUDA_HOOKS_SYMBOL " is " +
                    std::to_string(hooksSize) + " bytes, not " +
                    std::to_string(sizeof(mlc_cuda_hooks)));
  return MLC_OK;
}

//===----------------------------------------------------------------------===//
// DeviceAllocator
//===----------------------------------------------------------------------===//

CUdeviceptr DeviceAllocator::allocate(const Driver &driver, CUstream stream,
                                      uint64_t bytes, CUresult &result) {
  if (bytes > UINT64_MAX - kBlockAlignment) {
    result = CUDA_ERROR_OUT_OF_MEMORY;
    return 0;
  }
  uint64_t need =
      bytes ? (bytes + kBlockAlignment - 1) / kBlockAlignment * kBlockAlignment
            : kBlockAlignment;
  // A cached block at most a quarter larger than the request: the same
  // sizes come back on every call, and a small request must not pin a
  // large block.
  auto it = cached.lower_bound(need);
  if (it != cached.end() && it->first - need <= need / 4) {
    CUdeviceptr pointer = it->second;
    live[pointer] = {it->first, bytes};
    cached.erase(it);
    result = CUDA_SUCCESS;
    if (inCapture &&
        std::find(captured.begin(), captured.end(), pointer) == captured.end())
      captured.push_back(pointer);
    return pointer;
  }
  if (inCapture) {
    result = CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED;
    return 0;
  }
  CUdeviceptr pointer = 0;
  result = driver.cuMemAlloc(&pointer, need);
  if (result == CUDA_ERROR_OUT_OF_MEMORY && !cached.empty()) {
    // Work queued before a block was freed may still use it.
    driver.cuStreamSynchronize(stream);
    trim(driver);
    result = driver.cuMemAlloc(&pointer, need);
  }
  if (result != CUDA_SUCCESS)
    return 0;
  live[pointer] = {need, bytes};
  return pointer;
}

bool DeviceAllocator::release(CUdeviceptr pointer) {
  auto it = live.find(pointer);
  if (it == live.end())
    return false;
  cached.emplace(it->second.capacity, pointer);
  live.erase(it);
  return true;
}

bool DeviceAllocator::liveSize(CUdeviceptr pointer, uint64_t &bytes) const {
  auto it = live.find(pointer);
  if (it == live.end())
    return false;
  bytes = it->second.used;
  return true;
}

void DeviceAllocator::beginCapture() {
  inCapture = true;
  captured.clear();
}

bool DeviceAllocator::reserveCaptured(const void *owner) {
  std::vector<CUdeviceptr> blocks;
  blocks.swap(captured);
  for (CUdeviceptr pointer : blocks)
    if (live.count(pointer))
      return false;
  for (CUdeviceptr pointer : blocks)
    for (auto it = cached.begin(); it != cached.end(); ++it)
      if (it->second == pointer) {
        reserved[pointer] = {it->first, owner};
        cached.erase(it);
        break;
      }
  return true;
}

void DeviceAllocator::releaseReserved(const void *owner) {
  for (auto it = reserved.begin(); it != reserved.end();) {
    if (it->second.owner != owner) {
      ++it;
      continue;
    }
    cached.emplace(it->second.capacity, it->first);
    it = reserved.erase(it);
  }
}

void DeviceAllocator::trim(const Driver &driver) {
  for (const auto &[capacity, pointer] : cached)
    driver.cuMemFree(pointer);
  cached.clear();
}

void DeviceAllocator::releaseAll(const Driver &driver) {
  trim(driver);
  for (const auto &[pointer, block] : live)
    driver.cuMemFree(pointer);
  live.clear();
  for (const auto &[pointer, block] : reserved)
    driver.cuMemFree(pointer);
  reserved.clear();
  captured.clear();
  inCapture = false;
}

//===----------------------------------------------------------------------===//
// CudaModule: lifetime and initialisation
//===----------------------------------------------------------------------===//

std::shared_ptr<CudaModule> CudaModule::acquire(mlc_cuda_hooks *hooks,
                                                const ModuleMetadata &metadata,
                                                const char *images,
                                                const char *params) {
  std::lock_guard<std::mutex> lock(registryMutex());
  std::weak_ptr<CudaModule> &entry = registry()[hooks];
  if (std::shared_ptr<CudaModule> existing = entry.lock())
    return existing;
  std::shared_ptr<CudaModule> created(
      new CudaModule(hooks, metadata, images, params), &CudaModule::destroy);
  entry = created;
  return created;
}

void CudaModule::destroy(CudaModule *module) {
  // Under the registry lock, so that a model of the same library loaded
  // meanwhile gets a fresh CudaModule only once this one has let go of the
  // device and of the hooks global.
  std::lock_guard<std::mutex> lock(registryMutex());
  auto it = registry().find(module->hooks);
  if (it != registry().end() && it->second.expired())
    registry().erase(it);
  if (module->hooks->context == module)
    module->hooks->context = nullptr;
  delete module;
}

CudaModule::CudaModule(mlc_cuda_hooks *hooks, const ModuleMetadata &metadata,
                       const char *imageBlob, const char *paramBlob)
    : hooks(hooks), kernels(metadata.kernels), images(metadata.images),
      imageBlob(imageBlob), paramBlob(paramBlob) {
  // mlc_model_load has checked the params' sizes.
  for (const ArgInfo &param : metadata.params) {
    int64_t count = 0;
    size_t bytes = 0;
    checkedNumElements(static_cast<int32_t>(param.dims.size()),
                       param.dims.data(), count);
    checkedByteSize(count, dtypeSize(param.dtype), bytes);
    params.push_back({param.offset, bytes, param.dims});
  }
}

CudaModule::~CudaModule() { release(); }

void CudaModule::release() {
  if (context && driver->cuCtxPushCurrent(context) == CUDA_SUCCESS) {
    if (stream)
      driver->cuStreamSynchronize(stream);
    if (module)
      driver->cuModuleUnload(module);
    gemms.release(*driver);
    allocator.releaseAll(*driver);
    for (const Buffer &buffer : inputBuffers)
      if (buffer.pointer)
        driver->cuMemFree(buffer.pointer);
    if (paramMemory)
      driver->cuMemFree(paramMemory);
    if (stream)
      driver->cuStreamDestroy(stream);
    CUcontext popped;
    driver->cuCtxPopCurrent(&popped);
  }
  if (context)
    driver->cuDevicePrimaryCtxRelease(device);
  context = nullptr;
  stream = nullptr;
  module = nullptr;
  image = nullptr;
  functions.clear();
  paramMemory = 0;
  paramDescriptors.clear();
  inputBuffers.clear();
  initialized = false;
}

std::string CudaModule::deviceName() const {
  return "cuda:" + std::to_string(deviceIndex) + " " + name +
         " (compute capability " + std::to_string(major) + "." +
         std::to_string(minor) + ")";
}

mlc_status CudaModule::initialize(const std::string &path) {
  std::string prefix = "module '" + path + "': ";
  mlc_status status;
  std::string message;
  driver = loadDriver(status, message);
  if (!driver)
    return fail(status, prefix + message);

  const char *env = std::getenv("MLC_CUDA_DEVICE");
  int64_t index = deviceIndexFromEnvironment(env);
  if (index < 0)
    return fail(MLC_ERROR_ENVIRONMENT,
                prefix + "MLC_CUDA_DEVICE='" + env +
                    "' is not a device index (a non-negative integer)");
  auto driverFailed = [&](const char *what, CUresult result) {
    return fail(MLC_ERROR_DEVICE,
                prefix + what + " failed: " + driver->describe(result));
  };
  int count = 0;
  if (CUresult r = driver->cuDeviceGetCount(&count))
    return driverFailed("cuDeviceGetCount", r);
  if (count == 0)
    return fail(MLC_ERROR_DEVICE,
                prefix + "no CUDA device: the driver '" + driver->path + "' (" +
                    driver->versionString() + ") reports none");
  if (index >= count)
    return fail(MLC_ERROR_ENVIRONMENT,
                prefix + "MLC_CUDA_DEVICE=" + env + " is out of range: " +
                    (count == 1 ? std::string("there is 1 CUDA device (0)")
                                : "there are " + std::to_string(count) +
                                      " CUDA devices (0 to " +
                                      std::to_string(count - 1) + ")"));
  deviceIndex = static_cast<int>(index);
  if (CUresult r = driver->cuDeviceGet(&device, deviceIndex))
    return driverFailed("cuDeviceGet", r);
  if (CUresult r = driver->cuDeviceGetAttribute(
          &major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device))
    return driverFailed("cuDeviceGetAttribute", r);
  if (CUresult r = driver->cuDeviceGetAttribute(
          &minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device))
    return driverFailed("cuDeviceGetAttribute", r);
  if (CUresult r = driver->cuDeviceGetName(name, sizeof name - 1, device))
    return driverFailed("cuDeviceGetName", r);
  if (CUresult r = driver->cuDeviceTotalMem(&totalMemory, device))
    return driverFailed("cuDeviceTotalMem", r);
  if (mlc_status s = selectImage(path))
    return s;

  // The primary context is the one the CUDA runtime and other libraries in
  // the process share, so that device pointers mean the same to all.
  if (CUresult r = driver->cuDevicePrimaryCtxRetain(&context, device)) {
    context = nullptr;
    return driverFailed("cuDevicePrimaryCtxRetain", r);
  }
  if (CUresult r = driver->cuCtxPushCurrent(context)) {
    release();
    return driverFailed("cuCtxPushCurrent", r);
  }
  auto failed = [&](mlc_status s) {
    CUcontext popped;
    driver->cuCtxPopCurrent(&popped);
    release();
    return s;
  };
  if (CUresult r = driver->cuStreamCreate(&stream, CU_STREAM_NON_BLOCKING)) {
    stream = nullptr;
    return failed(driverFailed("cuStreamCreate", r));
  }
  if (mlc_status s = loadImage(path))
    return failed(s);
  if (mlc_status s = uploadParams(path))
    return failed(s);

  {
    std::lock_guard<std::mutex> lock(registryMutex());
    hooks->context = this;
    hooks->launch = &CudaModule::launchHook;
    hooks->alloc = &CudaModule::allocHook;
    hooks->free = &CudaModule::freeHook;
    hooks->gemm = &CudaModule::gemmHook;
  }
  description = "cuda:" + std::to_string(deviceIndex) + " " + name +
                " (compute capability " + std::to_string(major) + "." +
                std::to_string(minor) + ", " + formatBytes(totalMemory) + ")";
  if (image)
    description += ", " + image->describe() +
                   (image->ptx ? " (compiled by the driver)" : "");
  initialized = true;
  return MLC_OK;
}

mlc_status CudaModule::selectImage(const std::string &path) {
  image = nullptr;
  if (kernels.empty())
    return MLC_OK;
  // A cubin runs on its own major version at its minor or above, best the
  // exact one; PTX on its compute capability and later ones, compiled by
  // the driver, best the newest not above the device's. An sm_XYa image
  // runs only on X.Y, where it is preferred to sm_XY.
  auto capability = [](int major, int minor) { return major * 10 + minor; };
  auto rank = [&](const KernelImage &c) {
    return capability(c.major, c.minor) * 2 + c.specific;
  };
  int target = capability(major, minor);
  const KernelImage *exact = nullptr, *sameMajor = nullptr, *ptx = nullptr;
  auto consider = [&](const KernelImage *&best, const KernelImage &c) {
    if (!best || rank(c) > rank(*best))
      best = &c;
  };
  for (const KernelImage &c : images) {
    int cc = capability(c.major, c.minor);
    if (!c.ptx && cc == target)
      consider(exact, c);
    else if (!c.ptx && !c.specific && c.major == major && cc < target)
      consider(sameMajor, c);
    else if (c.ptx && (c.specific ? cc == target : cc <= target))
      consider(ptx, c);
  }
  image = exact ? exact : sameMajor ? sameMajor : ptx;
  if (image)
    return MLC_OK;
  std::string list;
  for (const KernelImage &candidate : images)
    list += (list.empty() ? "" : ", ") + candidate.describe();
  return fail(MLC_ERROR_DEVICE,
              "module '" + path + "' has no kernel image for " + deviceName() +
                  ": its images are " + list +
                  " (a cubin runs on its major version at its minor or "
                  "above, PTX on its compute capability and later ones, "
                  "sm_XYa images only on X.Y); "
                  "recompile it for this GPU with --gpu-arch sm_" +
                  std::to_string(major) + std::to_string(minor));
}

mlc_status CudaModule::loadImage(const std::string &path) {
  if (!image)
    return MLC_OK;
  std::string prefix = "module '" + path + "': ";
  const char *bytes = imageBlob + image->offset;
  CUresult r;
  if (image->ptx) {
    // mlc_model_load checked that a NUL ends the text.
    char log[16384] = {};
    CUjit_option options[] = {CU_JIT_ERROR_LOG_BUFFER,
                              CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
    void *values[] = {log, reinterpret_cast<void *>(uintptr_t(sizeof log))};
    r = driver->cuModuleLoadDataEx(&module, bytes, 2, options, values);
    if (r) {
      module = nullptr;
      std::string why(log, strnlen(log, sizeof log));
      while (!why.empty() && (why.back() == '\n' || why.back() == ' '))
        why.pop_back();
      std::string message = prefix + "the driver could not compile the " +
                            image->describe() + " image for " + deviceName() +
                            ": " + driver->describe(r);
      if (r == CUDA_ERROR_UNSUPPORTED_PTX_VERSION)
        message += " (the driver, " + driver->versionString() +
                   ", is older than the PTX: update it, or recompile the "
                   "module with --gpu-arch sm_" +
                   std::to_string(major) + std::to_string(minor) + ")";
      if (!why.empty())
        message += "; JIT log:\n" + why;
      return fail(r == CUDA_ERROR_INVALID_PTX ? MLC_ERROR_INVALID_MODULE
                                              : MLC_ERROR_DEVICE,
                  message);
    }
  } else {
    r = driver->cuModuleLoadData(&module, bytes);
    if (r) {
      module = nullptr;
      return fail(r == CUDA_ERROR_INVALID_IMAGE ? MLC_ERROR_INVALID_MODULE
                                                : MLC_ERROR_DEVICE,
                  prefix + "loading the " + image->describe() + " image on " +
                      deviceName() + " failed: " + driver->describe(r));
    }
  }
  for (const std::string &kernel : kernels) {
    CUfunction function = nullptr;
    r = driver->cuModuleGetFunction(&function, module, kernel.c_str());
    if (r == CUDA_ERROR_NOT_FOUND)
      return fail(MLC_ERROR_INVALID_MODULE,
                  prefix + "kernel '" + kernel + "' is not in the " +
                      image->describe() + " image (line " +
                      std::to_string(image->line) + " of the metadata)");
    if (r)
      return fail(MLC_ERROR_DEVICE, prefix + "cuModuleGetFunction of kernel '" +
                                        kernel +
                                        "' failed: " + driver->describe(r));
    functions.push_back(function);
  }
  return MLC_OK;
}

mlc_status CudaModule::uploadParams(const std::string &path) {
  uint64_t span = 0;
  for (const Param &param : params)
    span = std::max(span, param.offset + param.bytes);
  if (span) {
    if (mlc_status s = allocateDirect(path, span, "the params", paramMemory))
      return s;
    CUresult r =
        driver->cuMemcpyHtoDAsync(paramMemory, paramBlob, span, stream);
    if (!r)
      r = driver->cuStreamSynchronize(stream);
    if (r)
      return fail(MLC_ERROR_DEVICE,
                  "module '" + path + "': copying the params to " +
                      deviceName() + " failed: " + driver->describe(r));
  }
  for (const Param &param : params)
    paramDescriptors.push_back(makeDescriptor(
        paramMemory ? toHost(paramMemory + param.offset) : nullptr,
        static_cast<int32_t>(param.dims.size()), param.dims.data()));
  return MLC_OK;
}

std::string CudaModule::outOfMemory(uint64_t bytes,
                                    const std::string &what) const {
  size_t freeBytes = 0, total = 0;
  bool known = driver->cuMemGetInfo(&freeBytes, &total) == CUDA_SUCCESS;
  return "out of device memory: cannot allocate " + std::to_string(bytes) +
         " bytes" + (bytes >= 1024 ? " (" + formatBytes(bytes) + ")" : "") +
         " for " + what + " on cuda:" + std::to_string(deviceIndex) + " " +
         name + " (" +
         (known ? formatBytes(freeBytes) + " free of " + formatBytes(total)
                : std::string("free memory unknown")) +
         ")";
}

mlc_status CudaModule::allocateDirect(const std::string &path, uint64_t bytes,
                                      const std::string &what,
                                      CUdeviceptr &pointer) {
  CUresult r = driver->cuMemAlloc(&pointer, bytes);
  if (r == CUDA_ERROR_OUT_OF_MEMORY) {
    // The hooks' cached blocks are the only memory that can be given back.
    driver->cuStreamSynchronize(stream);
    allocator.trim(*driver);
    r = driver->cuMemAlloc(&pointer, bytes);
  }
  if (r == CUDA_SUCCESS)
    return MLC_OK;
  pointer = 0;
  if (r == CUDA_ERROR_OUT_OF_MEMORY)
    return fail(MLC_ERROR_OUT_OF_MEMORY,
                "module '" + path + "': " + outOfMemory(bytes, what));
  return fail(MLC_ERROR_DEVICE, "module '" + path + "': allocating " +
                                    std::to_string(bytes) + " bytes for " +
                                    what + " failed: " + driver->describe(r));
}

mlc_status CudaModule::describe(const std::string &path, const char **result) {
  CudaCall call(*this, path);
  if (mlc_status status = call.status())
    return status;
  *result = description.c_str();
  return MLC_OK;
}

//===----------------------------------------------------------------------===//
// Hooks
//===----------------------------------------------------------------------===//

void CudaModule::record(mlc_status status, std::string message,
                        CUresult result) {
  if (error != MLC_OK)
    return;
  error = status;
  errorMessage = std::move(message);
  errorResult = result;
}

void CudaModule::launchHook(void *context, int32_t kernel, int64_t gridX,
                            int64_t gridY, int64_t gridZ, int64_t blockX,
                            int64_t blockY, int64_t blockZ, int32_t sharedBytes,
                            void **params) {
  auto *self = static_cast<CudaModule *>(context);
  if (!self || self->error != MLC_OK)
    return;
  if (kernel < 0 || static_cast<size_t>(kernel) >= self->functions.size()) {
    self->record(MLC_ERROR_INVALID_MODULE,
                 "the host code launched kernel " + std::to_string(kernel) +
                     " but the metadata declares " +
                     std::to_string(self->functions.size()) + " kernels");
    return;
  }
  const std::string &name = self->kernels[kernel];
  int64_t dims[] = {gridX, gridY, gridZ, blockX, blockY, blockZ};
  auto shape = [&] {
    return "grid [" + std::to_string(gridX) + ", " + std::to_string(gridY) +
           ", " + std::to_string(gridZ) + "], block [" +
           std::to_string(blockX) + ", " + std::to_string(blockY) + ", " +
           std::to_string(blockZ) + "], " + std::to_string(sharedBytes) +
           " bytes of shared memory";
  };
  bool valid = sharedBytes >= 0;
  for (int i = 0; i < 6; ++i)
    valid &= dims[i] >= (i < 3 ? 0 : 1) && dims[i] <= UINT_MAX;
  if (!valid) {
    self->record(MLC_ERROR_INVALID_MODULE, "the host code launched kernel '" +
                                               name + "' with " + shape() +
                                               ": not a valid launch");
    return;
  }
  // An empty grid is an empty tensor: there is nothing to do, and the
  // driver would reject it.
  if (gridX == 0 || gridY == 0 || gridZ == 0)
    return;
  CUresult r = self->driver->cuLaunchKernel(
      self->functions[kernel], unsigned(gridX), unsigned(gridY),
      unsigned(gridZ), unsigned(blockX), unsigned(blockY), unsigned(blockZ),
      unsigned(sharedBytes), self->stream, params, nullptr);
  if (r)
    self->record(MLC_ERROR_DEVICE,
                 "launching kernel '" + name + "' (" + shape() +
                     ") failed: " + self->driver->describe(r) +
                     (self->allocator.capturing()
                          ? " (while capturing a CUDA graph)"
                          : ""),
                 r);
}

void *CudaModule::allocHook(void *context, uint64_t bytes) {
  auto *self = static_cast<CudaModule *>(context);
  if (!self || self->error != MLC_OK)
    return nullptr;
  CUresult r;
  CUdeviceptr pointer =
      self->allocator.allocate(*self->driver, self->stream, bytes, r);
  if (pointer)
    return toHost(pointer);
  if (r == CUDA_ERROR_OUT_OF_MEMORY)
    self->record(MLC_ERROR_OUT_OF_MEMORY,
                 self->outOfMemory(bytes, "a buffer of the module"), r);
  else if (self->allocator.capturing())
    self->record(MLC_ERROR_DEVICE,
                 "hooks->alloc of " + std::to_string(bytes) +
                     " bytes while capturing a CUDA graph: no block of "
                     "that size is free in the cache, and a capture cannot "
                     "allocate device memory",
                 r);
  else
    self->record(MLC_ERROR_DEVICE, "allocating " + std::to_string(bytes) +
                                       " bytes for the module failed: " +
                                       self->driver->describe(r));
  return nullptr;
}

void CudaModule::freeHook(void *context, void *pointer) {
  auto *self = static_cast<CudaModule *>(context);
  if (!self || !pointer)
    return;
  // Also after a failure: the block goes back to the cache rather than
  // staying taken until unload.
  if (!self->allocator.release(toDevice(pointer)))
    self->record(MLC_ERROR_INVALID_MODULE,
                 "the host code freed a pointer that hooks->alloc did not "
                 "give it, or freed it twice");
}

int32_t CudaModule::gemmHook(void *context, const mlc_cuda_gemm_args *gemm) {
  auto *self = static_cast<CudaModule *>(context);
  if (!self || !gemm)
    return 0;
  // After a failure nothing more is queued, by the library or a kernel.
  if (self->error != MLC_OK)
    return 1;
  std::string error;
  bool queued = self->gemms.run(*self->driver, self->stream,
                                self->allocator.capturing(), *gemm, error);
  if (!error.empty())
    self->record(MLC_ERROR_DEVICE,
                 error + (self->allocator.capturing()
                              ? " (while capturing a CUDA graph)"
                              : ""));
  return queued ? 1 : 0;
}

//===----------------------------------------------------------------------===//
// CudaCall
//===----------------------------------------------------------------------===//

CudaCall::CudaCall(CudaModule &module, const std::string &path)
    : module(module), path(path), lock(module.callMutex) {
  // Every call starts without the failures of the last one.
  beginEntry();
  if (!module.initialized) {
    status_ = module.initialize(path);
    pushed = status_ == MLC_OK;
    return;
  }
  if (CUresult r = module.driver->cuCtxPushCurrent(module.context)) {
    status_ = fail(MLC_ERROR_DEVICE,
                   "module '" + path + "': cannot make the CUDA context of " +
                       module.deviceName() +
                       " current: " + module.driver->describe(r));
    return;
  }
  pushed = true;
}

CudaCall::~CudaCall() {
  if (!pushed)
    return;
  // A capture left open by an error path: end it (a capturing stream
  // cannot be synchronised).
  if (capturing) {
    CUgraph graph = nullptr;
    if (module.driver->cuStreamEndCapture(module.stream, &graph) ==
            CUDA_SUCCESS &&
        graph)
      module.driver->cuGraphDestroy(graph);
    module.allocator.endCapture();
    module.allocator.forgetCaptured();
  }
  // Every call ends with the stream idle: the next reuses the input
  // buffers without waiting.
  if (!finished)
    module.driver->cuStreamSynchronize(module.stream);
  CUcontext popped;
  module.driver->cuCtxPopCurrent(&popped);
}

mlc_status CudaCall::uploadInput(size_t index, const std::string &name,
                                 const void *host, uint64_t bytes,
                                 void *&device) {
  device = nullptr;
  if (bytes == 0)
    return MLC_OK;
  if (module.inputBuffers.size() <= index)
    module.inputBuffers.resize(index + 1);
  CudaModule::Buffer &buffer = module.inputBuffers[index];
  if (buffer.capacity < bytes) {
    // No work is queued (the last call ended synchronised), so the old
    // buffer can go at once.
    if (buffer.pointer)
      module.driver->cuMemFree(buffer.pointer);
    buffer = {};
    if (mlc_status s = module.allocateDirect(
            path, bytes, "input '" + name + "'", buffer.pointer))
      return s;
    buffer.capacity = bytes;
  }
  if (CUresult r = module.driver->cuMemcpyHtoDAsync(buffer.pointer, host, bytes,
                                                    module.stream))
    return fail(MLC_ERROR_DEVICE, "module '" + path + "': copying input '" +
                                      name + "' to " + module.deviceName() +
                                      " failed: " + module.driver->describe(r));
  device = toHost(buffer.pointer);
  return MLC_OK;
}

void CudaCall::beginEntry() {
  module.error = MLC_OK;
  module.errorMessage.clear();
  module.errorResult = CUDA_SUCCESS;
}

bool CudaCall::moduleBlock(const void *allocated, uint64_t &bytes) const {
  return module.allocator.liveSize(toDevice(allocated), bytes);
}

void CudaCall::download(void *host, const void *device, uint64_t bytes) {
  if (failed() || bytes == 0)
    return;
  if (CUresult r = module.driver->cuMemcpyDtoHAsync(host, toDevice(device),
                                                    bytes, module.stream))
    module.record(MLC_ERROR_DEVICE,
                  "copying an output from " + module.deviceName() +
                      " failed: " + module.driver->describe(r));
}

mlc_status CudaCall::synchronize() {
  finished = true;
  CUresult r = module.driver->cuStreamSynchronize(module.stream);
  if (r)
    module.record(MLC_ERROR_DEVICE,
                  "the module's work on " + module.deviceName() +
                      " failed: " + module.driver->describe(r) +
                      " (kernels report errors when the stream is "
                      "synchronised, so which one failed is not known; "
                      "CUDA_LAUNCH_BLOCKING=1 makes each launch report its "
                      "own)",
                  r);
  return module.error;
}

mlc_status CudaCall::finish() {
  if (synchronize() != MLC_OK)
    return fail(module.error, "module '" + path + "': " + module.errorMessage);
  return MLC_OK;
}

bool CudaCall::contextLost() const {
  return module.error != MLC_OK && isStickyError(module.errorResult);
}

mlc_status CudaCall::allocate(uint64_t bytes, const std::string &what,
                              void *&device) {
  CUdeviceptr pointer = 0;
  mlc_status status = module.allocateDirect(path, bytes, what, pointer);
  device = toHost(pointer);
  return status;
}

void CudaCall::release(void *device) {
  if (device)
    module.driver->cuMemFree(toDevice(device));
}

mlc_status CudaCall::upload(void *device, const void *host, uint64_t bytes,
                            const std::string &what) {
  if (bytes == 0)
    return MLC_OK;
  if (CUresult r = module.driver->cuMemcpyHtoDAsync(toDevice(device), host,
                                                    bytes, module.stream)) {
    module.record(MLC_ERROR_DEVICE,
                  "copying " + what + " (" + std::to_string(bytes) +
                      " bytes) to " + module.deviceName() +
                      " failed: " + module.driver->describe(r),
                  r);
    return fail(MLC_ERROR_DEVICE, "module '" + path + "': " + failureMessage());
  }
  return MLC_OK;
}

mlc_status CudaCall::zero(void *device, uint64_t bytes,
                          const std::string &what) {
  if (bytes == 0)
    return MLC_OK;
  if (CUresult r = module.driver->cuMemsetD8Async(toDevice(device), 0, bytes,
                                                  module.stream)) {
    module.record(MLC_ERROR_DEVICE,
                  "zeroing " + what + " on " + module.deviceName() +
                      " failed: " + module.driver->describe(r),
                  r);
    return fail(MLC_ERROR_DEVICE, "module '" + path + "': " + failureMessage());
  }
  return MLC_OK;
}

mlc_status CudaCall::beginCapture() {
  if (CUresult r = module.driver->cuStreamBeginCapture(
          module.stream, CU_STREAM_CAPTURE_MODE_THREAD_LOCAL)) {
    module.record(MLC_ERROR_DEVICE,
                  "cuStreamBeginCapture failed: " + module.driver->describe(r),
                  r);
    return MLC_ERROR_DEVICE;
  }
  capturing = true;
  module.allocator.beginCapture();
  return MLC_OK;
}

void CudaCall::endCapture(CUgraphExec &exec) {
  exec = nullptr;
  capturing = false;
  module.allocator.endCapture();
  CUgraph graph = nullptr;
  CUresult r = module.driver->cuStreamEndCapture(module.stream, &graph);
  // A failure inside the capture explains an invalidated capture better.
  if (r && module.error == MLC_OK)
    module.record(MLC_ERROR_DEVICE,
                  "cuStreamEndCapture failed: " + module.driver->describe(r),
                  r);
  if (graph && module.error == MLC_OK) {
    r = module.driver->cuGraphInstantiate(&exec, graph, 0);
    if (r) {
      exec = nullptr;
      module.record(MLC_ERROR_DEVICE,
                    "cuGraphInstantiate failed: " + module.driver->describe(r),
                    r);
    }
  }
  // The executable graph is independent of the captured one.
  if (graph)
    module.driver->cuGraphDestroy(graph);
}

bool CudaCall::keepCapturedBlocks(bool keep, const void *owner) {
  if (keep && module.allocator.reserveCaptured(owner))
    return true;
  module.allocator.forgetCaptured();
  return false;
}

bool CudaCall::launchGraph(CUgraphExec exec) {
  if (CUresult r = module.driver->cuGraphLaunch(exec, module.stream)) {
    module.record(MLC_ERROR_DEVICE,
                  "cuGraphLaunch failed: " + module.driver->describe(r), r);
    return false;
  }
  return true;
}

void CudaCall::destroyGraph(CUgraphExec exec, const void *owner) {
  if (exec)
    module.driver->cuGraphExecDestroy(exec);
  module.allocator.releaseReserved(owner);
}

} // namespace mlc::rt
