//===- CudaModule.h - the device side of a loaded CUDA module ---*- C++ -*-===//
//
// What libmlcrt keeps on the GPU for a module with a `target cuda` line
// (mlc-c/Module.h): the primary context of the device, one stream, the
// kernel image chosen by compute capability, the uploaded params, the input
// buffers reused across runs and the caching allocator behind the module's
// hooks. Runtime.cpp drives a run through CudaCall; everything else is
// internal to CudaModule.cpp.
//
// One CudaModule exists per loaded library (the same .so loaded twice is one
// dlopen handle, hence one hooks global), shared by the mlc_models of it.
//
//===----------------------------------------------------------------------===//

#ifndef MLC_LIB_RUNTIME_CUDAMODULE_H
#define MLC_LIB_RUNTIME_CUDAMODULE_H

#include "CudaDriver.h"
#include "Metadata.h"

#include "mlc-c/Module.h"
#include "mlc-c/Runtime.h"

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace mlc::rt {

/// Device memory for the module's hooks: blocks freed by the module are kept
/// and handed out again for requests of about the same size (the host code
/// allocates the same sizes on every call). Reuse needs no synchronisation
/// because all work is ordered on one stream.
class DeviceAllocator {
public:
  /// A block of at least `bytes`, or 0 with `result` set to the driver's
  /// error. On CUDA_ERROR_OUT_OF_MEMORY the cached blocks are released
  /// (after synchronising `stream`) and the allocation tried again.
  cuda::CUdeviceptr allocate(const cuda::Driver &driver, cuda::CUstream stream,
                             uint64_t bytes, cuda::CUresult &result);
  /// Returns a live block to the cache; false if `pointer` is not one.
  bool release(cuda::CUdeviceptr pointer);
  /// The size asked for when live block `pointer` was allocated; false if it
  /// is not a live block.
  bool liveSize(cuda::CUdeviceptr pointer, uint64_t &bytes) const;
  /// Frees the cached blocks (the caller has synchronised the stream).
  void trim(const cuda::Driver &driver);
  /// Frees every block, live or cached.
  void releaseAll(const cuda::Driver &driver);

private:
  struct Block {
    uint64_t capacity; ///< What cuMemAlloc was asked for.
    uint64_t used;     ///< What the current owner asked for.
  };
  std::unordered_map<cuda::CUdeviceptr, Block> live;
  std::multimap<uint64_t, cuda::CUdeviceptr> cached; ///< By capacity.
};

class CudaModule {
public:
  /// The state of the library whose hooks global is `hooks`: the existing
  /// one if another model of the same library holds it, else a new one,
  /// initialised on first use.
  static std::shared_ptr<CudaModule> acquire(mlc_cuda_hooks *hooks,
                                             const ModuleMetadata &metadata,
                                             const char *images,
                                             const char *params);

  CudaModule(const CudaModule &) = delete;
  CudaModule &operator=(const CudaModule &) = delete;

  /// The device and image line of mlc_model_device; initialises the device.
  mlc_status describe(const std::string &path, const char **description);

private:
  friend class CudaCall;
  struct Param {
    uint64_t offset, bytes;
    std::vector<int64_t> dims;
  };
  struct Buffer {
    cuda::CUdeviceptr pointer = 0;
    uint64_t capacity = 0;
  };

  CudaModule(mlc_cuda_hooks *hooks, const ModuleMetadata &metadata,
             const char *images, const char *params);
  ~CudaModule();
  static void destroy(CudaModule *module);

  /// Sets the device up (driver, context, stream, image, kernels, params,
  /// hooks) and leaves the context current; on failure releases what it
  /// took and returns the error (with the message recorded by fail()).
  mlc_status initialize(const std::string &path);
  /// Releases everything on the device (the context is current).
  void release();
  mlc_status selectImage(const std::string &path);
  mlc_status loadImage(const std::string &path);
  mlc_status uploadParams(const std::string &path);
  /// cuMemAlloc for the runtime's own buffers, trimming the hooks' cache
  /// and trying again when the device is out of memory.
  mlc_status allocateDirect(const std::string &path, uint64_t bytes,
                            const std::string &what,
                            cuda::CUdeviceptr &pointer);
  /// The message of an allocation failure: bytes asked, free and total.
  std::string outOfMemory(uint64_t bytes, const std::string &what) const;
  std::string deviceName() const;

  /// Records the first failure of the current call; later ones are dropped.
  void record(mlc_status status, std::string message);

  static void launchHook(void *context, int32_t kernel, int64_t gridX,
                         int64_t gridY, int64_t gridZ, int64_t blockX,
                         int64_t blockY, int64_t blockZ, int32_t sharedBytes,
                         void **params);
  static void *allocHook(void *context, uint64_t bytes);
  static void freeHook(void *context, void *pointer);

  // What the metadata and library give.
  mlc_cuda_hooks *hooks;
  std::vector<std::string> kernels;
  std::vector<KernelImage> images;
  const char *imageBlob;
  const char *paramBlob;
  std::vector<Param> params;

  // Serialises runs and initialisation: the stream, the hooks and the
  // buffers below are shared by every call.
  std::mutex callMutex;
  bool initialized = false;

  // The device, once initialised.
  const cuda::Driver *driver = nullptr;
  int deviceIndex = 0;
  cuda::CUdevice device = 0;
  int major = 0, minor = 0;
  char name[256] = {};
  size_t totalMemory = 0;
  const KernelImage *image = nullptr;
  cuda::CUcontext context = nullptr;
  cuda::CUstream stream = nullptr;
  cuda::CUmodule module = nullptr;
  std::vector<cuda::CUfunction> functions;
  cuda::CUdeviceptr paramMemory = 0;
  std::vector<std::vector<int64_t>> paramDescriptors;
  std::vector<Buffer> inputBuffers;
  DeviceAllocator allocator;
  std::string description;

  // The first failure of the current call (hooks, copies, synchronisation).
  mlc_status error = MLC_OK;
  std::string errorMessage;
};

/// One call into a CUDA module: holds the module's lock, initialises the
/// device on first use and keeps its context current on this thread for
/// the call's lifetime (restoring the thread's own context after).
class CudaCall {
public:
  CudaCall(CudaModule &module, const std::string &path);
  ~CudaCall();
  CudaCall(const CudaCall &) = delete;
  CudaCall &operator=(const CudaCall &) = delete;

  /// MLC_OK if the device is ready; otherwise the error (already recorded
  /// as the last error) and no other method may be called.
  mlc_status status() const { return status_; }

  /// Copies input `index` (dense, `bytes` long, named `name` in messages)
  /// to its device buffer, which is reused across calls; `device` receives
  /// its address (null for 0 bytes).
  mlc_status uploadInput(size_t index, const std::string &name,
                         const void *host, uint64_t bytes, void *&device);
  /// The params' memref descriptors, pointing at device memory.
  std::vector<std::vector<int64_t>> &paramDescriptors() {
    return module.paramDescriptors;
  }
  /// Forgets earlier failures; call right before the entry point.
  void beginEntry();
  /// True once a hook, copy or synchronisation has failed in this call.
  bool failed() const { return module.error != MLC_OK; }
  /// If `allocated` is a block the module holds from hooks->alloc, its size
  /// (as asked for) in `bytes`; otherwise false.
  bool moduleBlock(const void *allocated, uint64_t &bytes) const;
  /// Queues a copy of device memory to the host (done at finish()).
  void download(void *host, const void *device, uint64_t bytes);
  /// Waits for the stream; returns the first failure of the call (recorded
  /// as the last error, naming the module) or MLC_OK.
  mlc_status finish();

private:
  CudaModule &module;
  const std::string &path;
  std::unique_lock<std::mutex> lock;
  mlc_status status_ = MLC_OK;
  bool pushed = false;   ///< The module's context is current.
  bool finished = false; ///< finish() has synchronised the stream.
};

} // namespace mlc::rt

#endif // MLC_LIB_RUNTIME_CUDAMODULE_H
