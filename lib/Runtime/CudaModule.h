//===- CudaModule.h - the device side of a loaded CUDA module ---*- C++ -*-===//
//
// What libmlcrt keeps on the GPU for a module with a `target cuda` line
// (mlc-c/Module.h): the primary context of the device, one stream, the
// kernel image chosen by compute capability, the uploaded params, the input
// buffers reused across runs and the caching allocator behind the module's
// hooks. Runtime.cpp (one entry point) and Qwen3Cuda.cpp (a Qwen3 session:
// its own weights, KV caches and CUDA graphs) drive calls through CudaCall;
// everything else is internal to CudaModule.cpp. findCudaSymbols checks the
// CUDA symbols of a loaded library for both.
//
// One CudaModule exists per loaded library (the same .so loaded twice is one
// dlopen handle, hence one hooks global), shared by the mlc_models of it.
//
//===----------------------------------------------------------------------===//

#ifndef MLC_LIB_RUNTIME_CUDAMODULE_H
#define MLC_LIB_RUNTIME_CUDAMODULE_H

#include "CublasLt.h"
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

/// The size in bytes of the ELF symbol at `address` (0 if unknown).
size_t symbolSize(const void *address);

/// The CUDA symbols of the loaded `target cuda` library `handle`: its images
/// (checked against `metadata` and their symbol's size) and its hooks
/// global. Messages start with `who` ("module 'm.so'").
mlc_status findCudaSymbols(void *handle, const ModuleMetadata &metadata,
                           const std::string &who, const char *&images,
                           mlc_cuda_hooks *&hooks);

/// Device memory for the module's hooks: blocks freed by the module are kept
/// and handed out again for requests of about the same size (the host code
/// allocates the same sizes on every call). Reuse needs no synchronisation
/// because all work is ordered on one stream.
///
/// While a CUDA graph is captured, requests are served from the cache only
/// (a capture must not call cuMemAlloc, nor synchronise to trim), and the
/// blocks handed out are remembered: the graph has their addresses baked
/// in, so once it is kept they are reserved for it, out of the cache and
/// never trimmed, until it is destroyed.
class DeviceAllocator {
public:
  /// A block of at least `bytes`, or 0 with `result` set to the driver's
  /// error. On CUDA_ERROR_OUT_OF_MEMORY the cached blocks are released
  /// (after synchronising `stream`) and the allocation tried again. During
  /// a capture, a request the cache cannot serve fails with
  /// CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED.
  cuda::CUdeviceptr allocate(const cuda::Driver &driver, cuda::CUstream stream,
                             uint64_t bytes, cuda::CUresult &result);
  /// Starts serving a capture.
  void beginCapture();
  bool capturing() const { return inCapture; }
  /// Stops serving the capture; its blocks are still remembered.
  void endCapture() { inCapture = false; }
  /// Reserves the blocks handed out during the last capture (all freed by
  /// now) for `owner`; false, reserving nothing, if one is still live.
  bool reserveCaptured(const void *owner);
  /// Forgets the blocks of the last capture (they stay in the cache).
  void forgetCaptured() { captured.clear(); }
  /// Returns the blocks reserved for `owner` to the cache.
  void releaseReserved(const void *owner);
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
  struct Reserved {
    uint64_t capacity;
    const void *owner;
  };
  std::unordered_map<cuda::CUdeviceptr, Block> live;
  std::multimap<uint64_t, cuda::CUdeviceptr> cached; ///< By capacity.
  std::unordered_map<cuda::CUdeviceptr, Reserved> reserved;
  bool inCapture = false;
  std::vector<cuda::CUdeviceptr> captured; ///< Handed out in the capture.
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
  /// `result` is the driver's error behind it, if any.
  void record(mlc_status status, std::string message,
              cuda::CUresult result = cuda::CUDA_SUCCESS);

  static void launchHook(void *context, int32_t kernel, int64_t gridX,
                         int64_t gridY, int64_t gridZ, int64_t blockX,
                         int64_t blockY, int64_t blockZ, int32_t sharedBytes,
                         void **params);
  static void *allocHook(void *context, uint64_t bytes);
  static void freeHook(void *context, void *pointer);
  static int32_t gemmHook(void *context, const mlc_cuda_gemm_args *gemm);

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
  /// hooks->gemm's cuBLASLt plans (made on first use).
  cublaslt::Gemms gemms;
  std::string description;

  // The first failure of the current call (hooks, copies, synchronisation)
  // and the driver's error code behind it (CUDA_SUCCESS if none).
  mlc_status error = MLC_OK;
  std::string errorMessage;
  cuda::CUresult errorResult = cuda::CUDA_SUCCESS;
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
  /// finish() without recording the last error: the failure's status, with
  /// its message (without the module's name) in failureMessage().
  mlc_status synchronize();
  const std::string &failureMessage() const { return module.errorMessage; }
  /// True if the recorded failure leaves the context unusable (a sticky
  /// error such as an illegal address: every later call fails too).
  bool contextLost() const;

  /// The device and image line of mlc_model_device.
  const std::string &description() const { return module.description; }

  // The runtime's own device memory, for a caller that keeps buffers across
  // calls (a Qwen3 session's weights and KV caches). These fail with the
  // last error set, naming the module and `what`.

  /// cuMemAlloc of `bytes` (trimming the hooks' cache if the device is
  /// full).
  mlc_status allocate(uint64_t bytes, const std::string &what, void *&device);
  /// cuMemFree of memory from allocate(); work using it must be done.
  void release(void *device);
  /// Queues a copy of `bytes` from host memory (which may be reused once
  /// this returns) to the device.
  mlc_status upload(void *device, const void *host, uint64_t bytes,
                    const std::string &what);
  /// Queues setting `bytes` of device memory to zero.
  mlc_status zero(void *device, uint64_t bytes, const std::string &what);

  // CUDA graphs of the work the module queues. Between beginCapture() and
  // endCapture() the stream is captured, not run: only the module's
  // launches and the hooks' cached blocks may be used (no copies, no
  // synchronisation); a failure is recorded as for a call.

  /// Starts capturing the stream; the allocator serves the capture.
  mlc_status beginCapture();
  /// Ends the capture and, if nothing failed in it, instantiates the graph
  /// into `exec`; otherwise `exec` is null and the failure recorded.
  void endCapture(cuda::CUgraphExec &exec);
  /// Once every block the capture handed out has been freed: reserves them
  /// for the graph, identified by `owner` (true), or, for a graph that is
  /// not kept (`keep` false) or a block still live (false), leaves them to
  /// the cache.
  bool keepCapturedBlocks(bool keep, const void *owner);
  /// Queues a replay of `exec`; false (recorded) if the launch failed.
  bool launchGraph(cuda::CUgraphExec exec);
  /// Destroys `exec` and gives the blocks reserved for `owner` back.
  void destroyGraph(cuda::CUgraphExec exec, const void *owner);

private:
  CudaModule &module;
  const std::string &path;
  std::unique_lock<std::mutex> lock;
  mlc_status status_ = MLC_OK;
  bool pushed = false;   ///< The module's context is current.
  bool finished = false; ///< finish() has synchronised the stream.
  /// The graph being captured: the stream is capturing into it.
  bool capturing = false;
};

} // namespace mlc::rt

#endif // MLC_LIB_RUNTIME_CUDAMODULE_H
