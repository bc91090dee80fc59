//===- Qwen3Cuda.cpp - a Qwen3 session on a CUDA library ------------------===//
//
// Implements Qwen3Cuda.h: the session's device memory (weights, shared by
// the sessions of a library and params.bin; KV caches; step buffer), the
// steps with their only transfers (token ids and positions up, logits
// down), the capture of a decode step into a CUDA graph and its replays,
// and what a failed step leaves usable.
//
//===----------------------------------------------------------------------===//

#include "Qwen3Cuda.h"
#include "Error.h"
#include "TensorUtils.h"

#include <map>
#include <mutex>
#include <sys/mman.h>
#include <unistd.h>

namespace mlc::rt {

namespace {

/// The step buffer's slots: 64 bytes of int64 values.
constexpr int64_t kStepSlot = 8;
int64_t roundUpToSlot(int64_t n) {
  return (n + kStepSlot - 1) / kStepSlot * kStepSlot;
}

/// Tensors and caches start at multiples of this in their blocks, as
/// cuMemAlloc aligns its blocks: kernels may use vector loads on any.
constexpr uint64_t kTensorAlignment = 256;

uint64_t alignUp(uint64_t value, uint64_t alignment) {
  return (value + alignment - 1) / alignment * alignment;
}

void *offsetPointer(const void *base, uint64_t bytes) {
  return reinterpret_cast<void *>(reinterpret_cast<uintptr_t>(base) + bytes);
}

/// The address of a descriptor's first element (`elementSize` bytes each).
const void *descriptorData(const Descriptor &d, size_t elementSize) {
  return offsetPointer(reinterpret_cast<const void *>(d[1]),
                       static_cast<uint64_t>(d[2]) * elementSize);
}

/// Drops the pages of [data, data + bytes) of a read-only file mapping from
/// the process: they were uploaded and are not read again (a page shared
/// with a tensor not uploaded yet is read back from the file).
void dropPages(const void *data, uint64_t bytes) {
  static const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  uintptr_t begin = reinterpret_cast<uintptr_t>(data) / page * page;
  uintptr_t end = reinterpret_cast<uintptr_t>(data) + bytes;
  madvise(reinterpret_cast<void *>(begin), end - begin, MADV_DONTNEED);
}

/// The weights on the device by library (its CudaModule) and params.bin.
using WeightsKey = std::pair<const CudaModule *, std::string>;

std::mutex &weightsMutex() {
  static std::mutex mutex;
  return mutex;
}

std::map<WeightsKey, std::weak_ptr<Qwen3Cuda::Weights>> &weightsRegistry() {
  // Never destroyed: sessions may be freed from other static destructors.
  static auto *map =
      new std::map<WeightsKey, std::weak_ptr<Qwen3Cuda::Weights>>;
  return *map;
}

} // namespace

Qwen3Cuda::Weights::~Weights() {
  if (!block)
    return;
  CudaCall call(*module, library);
  if (call.status() != MLC_OK)
    return;
  call.synchronize();
  call.release(block);
}

mlc_status Qwen3Cuda::create(Config config, std::unique_ptr<Qwen3Cuda> &out) {
  out.reset();
  std::unique_ptr<Qwen3Cuda> session(new Qwen3Cuda(std::move(config)));
  if (mlc_status status = session->setUp()) {
    // The destructor's call must not replace the message of the failure.
    std::string message = lastErrorMessage();
    session.reset();
    return fail(status, message);
  }
  out = std::move(session);
  return MLC_OK;
}

mlc_status Qwen3Cuda::setUp() {
  CudaCall call(*config.module, config.library);
  if (mlc_status status = call.status())
    return status;
  deviceLine = call.description();
  if (mlc_status status = uploadWeights(call))
    return status;
  // Rows are written before they are read, but a cache that starts zeroed
  // makes a kernel that reads past the context give the same (finite)
  // results on every run.
  uint64_t cacheBlock =
      2 * static_cast<uint64_t>(config.layers) * cacheStride();
  std::string what = "the KV cache (" + std::to_string(config.layers) +
                     " layers, a k and a v cache of " + config.cacheShape +
                     " each)";
  if (mlc_status status = call.allocate(cacheBlock, what, caches))
    return status;
  if (mlc_status status = call.zero(caches, cacheBlock, what))
    return status;
  // A step of n tokens puts start, tokens[n] and positions[n] at its start
  // (room for n = context), each at a multiple of 64 bytes (kernels load
  // 128-bit vectors): a decode step's three values are always at the same
  // addresses, where a graph reads them.
  uint64_t stepBytes =
      sizeof(int64_t) * (kStepSlot + 2 * roundUpToSlot(config.context));
  if (mlc_status status = call.allocate(
          stepBytes, "the token ids and positions of a step", stepBuffer))
    return status;
  if (mlc_status status = call.finish())
    return status;
  if (!config.graphs) {
    graphState = GraphState::kOff;
    graphNote = config.graphsSetting;
  }
  return MLC_OK;
}

mlc_status Qwen3Cuda::uploadWeights(CudaCall &call) {
  // Under the lock, so that two sessions loaded at once upload once.
  std::lock_guard<std::mutex> lock(weightsMutex());
  auto &registry = weightsRegistry();
  for (auto it = registry.begin(); it != registry.end();)
    it = it->second.expired() ? registry.erase(it) : std::next(it);
  std::weak_ptr<Weights> &shared =
      registry[{config.module.get(), config.paramsFile}];
  if ((weights = shared.lock()))
    return MLC_OK;
  auto created = std::make_shared<Weights>();
  created->module = config.module;
  created->library = config.library;
  uint64_t total = 0;
  for (const Tensor &t : config.tensors) {
    created->offsets[t.name] = total;
    total = alignUp(total + t.bytes, kTensorAlignment);
  }
  auto failed = [&](mlc_status status) {
    // Freed under this call: ~Weights would make a second one.
    call.release(created->block);
    created->block = nullptr;
    return status;
  };
  if (total != 0) {
    if (mlc_status status = call.allocate(
            total,
            "the weights (" + std::to_string(config.tensors.size()) +
                " tensors of params.bin)",
            created->block))
      return failed(status);
  }
  // Tensor by tensor from the mapped file: the host never holds a second
  // copy of the weights, and their pages are dropped once uploaded. (Not
  // those of weights converted into anonymous memory: dropped, a page
  // shared with a tensor not uploaded yet would read back as zeros. The
  // caller frees that memory whole after the upload.)
  for (const Tensor &t : config.tensors) {
    if (mlc_status status = call.upload(
            offsetPointer(created->block, created->offsets[t.name]), t.host,
            t.bytes, "tensor '" + t.name + "' of params.bin"))
      return failed(status);
    if (config.fileBacked)
      dropPages(t.host, t.bytes);
  }
  shared = created;
  weights = std::move(created);
  return MLC_OK;
}

Qwen3Cuda::~Qwen3Cuda() {
  // A session whose device could not be set up has nothing there (and a
  // call would try to set it up again).
  if (!caches && !stepBuffer && !graph)
    return;
  CudaCall call(*config.module, config.library);
  if (call.status() != MLC_OK)
    return;
  // Nothing may still use the memory when it is freed.
  call.synchronize();
  dropGraph(call);
  call.release(stepBuffer);
  call.release(caches);
  // The weights go with the last session that uses them, after this call.
}

const void *Qwen3Cuda::tensor(const std::string &name) const {
  auto it = weights->offsets.find(name);
  return it == weights->offsets.end()
             ? nullptr
             : offsetPointer(weights->block, it->second);
}

uint64_t Qwen3Cuda::cacheStride() const {
  return alignUp(config.cacheBytes, kTensorAlignment);
}

void *Qwen3Cuda::cache(int64_t layer, bool value) const {
  return offsetPointer(caches, (2 * static_cast<uint64_t>(layer) + value) *
                                   cacheStride());
}

int Qwen3Cuda::graphs(const char **detail) {
  switch (graphState) {
  case GraphState::kOff:
    graphDetail = "off (" + graphNote + "): decode steps are launched directly";
    break;
  case GraphState::kCold:
  case GraphState::kWarm:
    graphDetail = "on, no decode step captured yet (the first runs directly, "
                  "the next is captured into a CUDA graph)";
    if (!graphNote.empty())
      graphDetail += "; " + graphNote;
    break;
  case GraphState::kCaptured:
    graphDetail = "on: decode steps replay a CUDA graph";
    break;
  }
  if (detail)
    *detail = graphDetail.c_str();
  return graphState != GraphState::kOff;
}

mlc_status Qwen3Cuda::step(const int64_t *tokens, int64_t n, int64_t start,
                           bool decode, float *logits, uint64_t logitsBytes,
                           const std::string &what,
                           const Qwen3RunEntries &run) {
  stepPrefix = config.who + ": " + what + ": ";
  if (!lost.empty())
    return fail(MLC_ERROR_DEVICE,
                stepPrefix +
                    "the session cannot run any more: an earlier step "
                    "failed with an error that leaves the CUDA context "
                    "unusable (" +
                    lost + ")");
  CudaCall call(*config.module, config.library);
  if (mlc_status status = call.status())
    return status;

  // The step's inputs, the only copy to the device.
  int64_t tokensAt = kStepSlot, positionsAt = kStepSlot + roundUpToSlot(n);
  staging.assign(positionsAt + n, 0);
  staging[0] = start;
  for (int64_t i = 0; i < n; ++i) {
    staging[tokensAt + i] = tokens[i];
    staging[positionsAt + i] = start + i;
  }
  int64_t rows[] = {1, n};
  int64_t *base = static_cast<int64_t *>(stepBuffer);
  Qwen3StepInputs inputs = {makeDescriptor(base + tokensAt, 2, rows),
                            makeDescriptor(base + positionsAt, 2, rows),
                            makeDescriptor(base, 0, nullptr)};
  Qwen3Backend backend = {[&] { return call.failed(); },
                          [&](void *pointer) {
                            // A pointer that is no block (a broken
                            // module) is not handed to the cache.
                            uint64_t bytes;
                            if (pointer && call.moduleBlock(pointer, bytes))
                              config.free(pointer);
                          }};
  mlc_status status = MLC_OK;
  std::string stage, captureFailure;
  Descriptor out;
  const void *result = nullptr;
  bool captured = false;
  if (call.upload(stepBuffer, staging.data(), sizeof(int64_t) * staging.size(),
                  "the token ids and positions") == MLC_OK) {
    if (decode && graphState == GraphState::kCaptured) {
      if (call.launchGraph(graph)) {
        result = graphLogits;
      } else {
        // Nothing ran: the step is launched directly, and so are the next.
        graphNote = "replaying the captured decode step failed: " +
                    call.failureMessage();
        graphState = GraphState::kOff;
        dropGraph(call);
        call.beginEntry();
      }
    }
    if (!result && decode && graphState == GraphState::kWarm)
      captured = capture(call, inputs, backend, run, logitsBytes, out, result,
                         captureFailure);
    if (!result)
      status = runDirect(call, inputs, backend, run, logitsBytes, out, result,
                         stage);
    if (status == MLC_OK && result && logits)
      call.download(logits, result, logitsBytes);
  }
  // The graph's head output stays reserved for it; the others go back to
  // the cache, after the copy in stream order.
  if (!out.empty())
    backend.release(reinterpret_cast<void *>(out[0]));
  // A hook's failure happened in `stage`; one found by the wait cannot be
  // placed.
  if (!call.failed())
    stage.clear();
  mlc_status device = call.synchronize();
  if (captured && !call.keepCapturedBlocks(true, this)) {
    graphNote = "a block of the captured decode step was still in use after "
                "it (a bug of the runtime)";
    graphState = GraphState::kOff;
    dropGraph(call);
  }
  if (device != MLC_OK) {
    std::string message = call.failureMessage();
    if (call.contextLost()) {
      lost = message;
      if (graph)
        dropGraph(call);
      return fail(device, stepPrefix + (stage.empty() ? "" : stage + ": ") +
                              message +
                              "; this leaves the CUDA context unusable: the "
                              "session cannot run any more (free it; only a "
                              "new process can use the GPU again)");
    }
    return fail(device, stepPrefix + (stage.empty() ? "" : stage + ": ") +
                            message + "; the context is unchanged (position " +
                            std::to_string(start) + ")");
  }
  if (status != MLC_OK)
    return status; // The message names the entry point.
  if (decode && graphState == GraphState::kCold)
    graphState = GraphState::kWarm;
  // A capture that failed where the direct run did not: once more on the
  // next decode step (the direct run may have left in the cache what the
  // capture missed), then no more. (A failure of both is the step's.)
  if (!captureFailure.empty()) {
    constexpr int kMaxCaptures = 2;
    if (++failedCaptures < kMaxCaptures) {
      graphNote = "capturing a decode step failed (" + captureFailure +
                  "); the next decode step tries again";
    } else {
      graphNote = "capturing a decode step failed " +
                  std::to_string(failedCaptures) +
                  " times, the last time: " + captureFailure;
      graphState = GraphState::kOff;
    }
  }
  return MLC_OK;
}

mlc_status Qwen3Cuda::runDirect(CudaCall &call, const Qwen3StepInputs &inputs,
                                const Qwen3Backend &backend,
                                const Qwen3RunEntries &run,
                                uint64_t resultBytes, Descriptor &out,
                                const void *&result, std::string &stage) {
  mlc_status status = run(inputs, backend, out, stage);
  if (status != MLC_OK || call.failed())
    return status;
  std::string message;
  if (!headOutputValid(call, out, resultBytes, message))
    return fail(MLC_ERROR_INVALID_MODULE, stepPrefix + stage + ": " + message);
  result = descriptorData(out, sizeof(float));
  return MLC_OK;
}

bool Qwen3Cuda::capture(CudaCall &call, const Qwen3StepInputs &inputs,
                        const Qwen3Backend &backend, const Qwen3RunEntries &run,
                        uint64_t resultBytes, Descriptor &out,
                        const void *&result, std::string &reason) {
  std::string stage, message;
  cuda::CUgraphExec exec = nullptr;
  if (call.beginCapture() == MLC_OK) {
    mlc_status status = run(inputs, backend, out, stage);
    bool entryFailed = call.failed();
    call.endCapture(exec);
    if (entryFailed)
      reason = stage + ": " + call.failureMessage();
    else if (call.failed())
      reason = call.failureMessage();
    else if (status != MLC_OK)
      reason = lastErrorMessage();
    else if (!headOutputValid(call, out, resultBytes, message))
      reason = message;
    else if (!call.launchGraph(exec))
      reason = call.failureMessage();
    if (reason.empty()) {
      graph = exec;
      graphLogits = result = descriptorData(out, sizeof(float));
      graphState = GraphState::kCaptured;
      graphNote.clear();
      return true;
    }
  } else {
    reason = call.failureMessage();
  }
  // Nothing of the capture ran: the step is run directly, without the
  // capture's failure.
  if (!out.empty())
    backend.release(reinterpret_cast<void *>(out[0]));
  out.clear();
  if (exec)
    call.destroyGraph(exec, this);
  call.keepCapturedBlocks(false, this);
  call.beginEntry();
  return false;
}

void Qwen3Cuda::dropGraph(CudaCall &call) {
  call.destroyGraph(graph, this);
  graph = nullptr;
  graphLogits = nullptr;
}

bool Qwen3Cuda::headOutputValid(CudaCall &call, const Descriptor &out,
                                uint64_t bytes, std::string &message) const {
  const void *allocated = reinterpret_cast<const void *>(out[0]);
  uintptr_t data = reinterpret_cast<uintptr_t>(descriptorData(out, 4));
  uintptr_t base = reinterpret_cast<uintptr_t>(allocated);
  uint64_t blockBytes;
  if (!call.moduleBlock(allocated, blockBytes)) {
    message = "the head's output was not allocated through hooks->alloc "
              "(" MLC_MODULE_CUDA_HOOKS_SYMBOL ")";
    return false;
  }
  if (data < base || data - base > blockBytes ||
      bytes > blockBytes - (data - base)) {
    message = "the head's " + std::to_string(bytes) +
              " bytes of logits at "
              "byte " +
              std::to_string(static_cast<int64_t>(data - base)) +
              " of its allocation lie outside it (" +
              std::to_string(blockBytes) + " bytes)";
    return false;
  }
  return true;
}

} // namespace mlc::rt
