//===- Qwen3Cuda.h - a Qwen3 session on a CUDA library ----------*- C++ -*-===//
//
// The device side of an mlc_qwen3 session whose libqwen3.so has a `target
// cuda` line (mlc-c/Module.h): the weights uploaded once from params.bin
// (and shared with the other sessions of the same library and file), the
// KV caches and the buffer the step inputs go up in, all kept on the
// device for the session; a step (prefill or decode) that uploads the token
// ids and positions, runs the entry points on device descriptors, downloads
// the logits and waits; and the CUDA graph a decode step is captured into
// and replayed from. Qwen3.cpp owns the library, the metadata and the order
// of the entry points (Qwen3RunEntries). Internal to libmlcrt.
//
//===----------------------------------------------------------------------===//

#ifndef MLC_LIB_RUNTIME_QWEN3CUDA_H
#define MLC_LIB_RUNTIME_QWEN3CUDA_H

#include "CudaModule.h"

#include "mlc-c/Module.h"
#include "mlc-c/Runtime.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace mlc::rt {

/// A memref descriptor of mlc-c/Module.h as 8-byte words.
using Descriptor = std::vector<int64_t>;

/// The inputs of a step's entry points: token ids [1, n], their positions
/// [1, n] and the first position (a scalar).
struct Qwen3StepInputs {
  Descriptor tokens, positions, start;
};

/// What the entry points of a step need from the backend: whether the
/// device recorded a failure (checked after each entry point: the rest is
/// skipped), and how an output of the module is freed once consumed.
struct Qwen3Backend {
  std::function<bool()> failed;
  std::function<void(void *)> release;
};

/// Runs embed, the layers and the head of one step (graph capture needs the
/// same calls, in the same order, on every decode step). `out` receives the
/// head's output descriptor (released by the caller); `stage` names the
/// last entry point called ("layer 3 (layer_decode)"): the one that failed,
/// if one did. Returns an error (set as the last error, naming the library)
/// for outputs that contradict the metadata, or MLC_OK; a device failure is
/// the backend's to report.
using Qwen3RunEntries = std::function<mlc_status(
    const Qwen3StepInputs &inputs, const Qwen3Backend &backend, Descriptor &out,
    std::string &stage)>;

class Qwen3Cuda {
public:
  /// A tensor of the mapped params.bin that an entry point reads.
  struct Tensor {
    std::string name;
    const void *host;
    uint64_t bytes;
  };
  struct Config {
    std::string library; ///< DIR/libqwen3.so (CudaModule's messages).
    std::string who;     ///< "Qwen3 library 'DIR'" (step messages).
    std::shared_ptr<CudaModule> module;
    mlc_module_free_fn free = nullptr; ///< The library's mlc_module_free.
    /// What identifies params.bin (device, inode, size, modification
    /// time): sessions of one library and one file share the weights.
    std::string paramsFile;
    /// The tensors are in a mapping of params.bin (whose pages can be
    /// dropped and read back), not in memory converted from a checkpoint.
    bool fileBacked = true;
    std::vector<Tensor> tensors;
    int64_t layers = 0, context = 0;
    uint64_t cacheBytes = 0;   ///< One layer's k (or v) cache.
    std::string cacheShape;    ///< "[1, 8, 4096, 128] f32", for messages.
    bool graphs = true;        ///< MLC_CUDA_GRAPHS.
    std::string graphsSetting; ///< Why graphs are off, when they are.
  };

  /// Sets the device up (as the first run of a CUDA module does), uploads
  /// the tensors one by one and allocates the KV caches (zeroed) and the
  /// step buffer. On failure (the last error names the library and what
  /// did not fit or failed) `out` is null and nothing is left on the device.
  static mlc_status create(Config config, std::unique_ptr<Qwen3Cuda> &out);
  ~Qwen3Cuda();
  Qwen3Cuda(const Qwen3Cuda &) = delete;
  Qwen3Cuda &operator=(const Qwen3Cuda &) = delete;

  /// The weights on the device: one block, a tensor at each offset.
  struct Weights {
    std::shared_ptr<CudaModule> module;
    std::string library;
    void *block = nullptr;
    std::unordered_map<std::string, uint64_t> offsets;
    ~Weights();
  };

  /// The device address of tensor `name` (one of Config::tensors).
  const void *tensor(const std::string &name) const;
  /// Layer `layer`'s k (`value` false) or v cache.
  void *cache(int64_t layer, bool value) const;
  /// mlc_qwen3_device's line.
  const std::string &device() const { return deviceLine; }
  /// mlc_qwen3_cuda_graphs: 1 while decode steps are (or will be) replayed
  /// from a graph; `detail` says which, or why not.
  int graphs(const char **detail);

  /// One step: tokens[0..n) at positions start..start+n-1 through `run`,
  /// then `logitsBytes` of the head's output (if `logits` is not null) to
  /// the host, and a wait for the device. `decode` (n == 1, one row of
  /// logits) makes the step one a graph may replay. `what` names the step
  /// in messages. A failure leaves the context as it was (the position is
  /// the caller's), unless it is sticky: then this and every later step
  /// fail, saying the session cannot continue.
  mlc_status step(const int64_t *tokens, int64_t n, int64_t start, bool decode,
                  float *logits, uint64_t logitsBytes, const std::string &what,
                  const Qwen3RunEntries &run);

private:
  explicit Qwen3Cuda(Config config) : config(std::move(config)) {}
  /// create()'s work, under a call that ends before a failed session is
  /// destroyed (the destructor makes a call of its own).
  mlc_status setUp();
  mlc_status uploadWeights(CudaCall &call);
  /// The bytes from one cache to the next in their block.
  uint64_t cacheStride() const;

  /// The direct run of the entry points; `result` the address of the
  /// head's output (`resultBytes` of logits).
  mlc_status runDirect(CudaCall &call, const Qwen3StepInputs &inputs,
                       const Qwen3Backend &backend, const Qwen3RunEntries &run,
                       uint64_t resultBytes, Descriptor &out,
                       const void *&result, std::string &stage);
  /// Captures the entry points into a graph and launches it once; false,
  /// with what failed in `failure`, if that did not work (then nothing ran
  /// and the step must be run directly).
  bool capture(CudaCall &call, const Qwen3StepInputs &inputs,
               const Qwen3Backend &backend, const Qwen3RunEntries &run,
               uint64_t resultBytes, Descriptor &out, const void *&result,
               std::string &failure);
  void dropGraph(CudaCall &call);
  /// Checks that the head's output (`out`) lies in a block of the module's
  /// with `bytes` in it; false with the failure recorded in `message`.
  bool headOutputValid(CudaCall &call, const Descriptor &out, uint64_t bytes,
                       std::string &message) const;

  Config config;
  std::string deviceLine;
  std::shared_ptr<Weights> weights;
  void *caches = nullptr, *stepBuffer = nullptr;
  std::vector<int64_t> staging; ///< The step inputs, on the host.
  std::string stepPrefix;       ///< "Qwen3 library 'DIR': decode at ...: "
  /// Set once a sticky error made the context unusable.
  std::string lost;

  /// Decode steps and CUDA graphs: the first decode step runs directly and
  /// leaves the blocks it allocates in the hooks' cache (kWarm); the next
  /// one is captured from that cache (no cuMemAlloc in a capture), and the
  /// graph then replays every decode step (kCaptured).
  enum class GraphState { kOff, kCold, kWarm, kCaptured };
  GraphState graphState = GraphState::kCold;
  int failedCaptures = 0;
  std::string graphNote;   ///< What went wrong with graphs, or the setting.
  std::string graphDetail; ///< What graphs() returns.
  cuda::CUgraphExec graph = nullptr;
  const void *graphLogits = nullptr; ///< The graph's head output.
};

} // namespace mlc::rt

#endif // MLC_LIB_RUNTIME_QWEN3CUDA_H
