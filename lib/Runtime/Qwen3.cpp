//===- Qwen3.cpp - run a Qwen3 library compiled by mlc --------------------===//
//
// Implements mlc-c/Qwen3.h. libqwen3.so has five entry points (ABI 2 of
// mlc-c/Module.h): embed, layer_prefill, layer_decode, head_prefill and
// head_decode; its weights are `extern` params bound here from params.bin,
// which is mapped, not read, or from a Hugging Face checkpoint folder,
// converted at load into the bytes params.bin would hold (Qwen3Weights.h)
// in anonymous memory. A layer entry point's params are named
// `layer.<suffix>` and bound to `model.layers.<i>.<suffix>` for layer i. The
// runtime runs embed, then each layer with that layer's KV cache (updated in
// place), then the head.
//
// A library with a `target cuda` line runs the same entry points on device
// descriptors: Qwen3Cuda.h keeps its weights, KV caches and step inputs on
// the GPU and runs each step (CUDA graphs included); this file binds the
// params and orders the calls for both.
//
//===----------------------------------------------------------------------===//

#include "Error.h"
#include "Metadata.h"
#include "Qwen3Cuda.h"
#include "Qwen3Weights.h"
#include "TensorUtils.h"

#include "mlc-c/Module.h"
#include "mlc-c/Qwen3.h"

#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <fcntl.h>
#include <memory>
#include <string>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <unordered_map>
#include <unordered_set>
#include <vector>

using namespace mlc::rt;

namespace {

constexpr const char *kLayerPrefix = "layer.";
constexpr size_t kMaxParamsHeader = size_t(64) << 20;

/// One entry point and its bound params (per layer for layer entries).
struct Entry {
  const char *name = nullptr;
  const EntryMetadata *metadata = nullptr;
  mlc_module_run_fn run = nullptr;
  /// The params.bin tensor of each param, [layer or 0][param].
  std::vector<std::vector<const ArgInfo *>> tensors;
  std::vector<std::vector<Descriptor>> params; ///< [layer or 0][param]
};

/// A read-only mapping of a whole file.
struct Mapping {
  void *data = MAP_FAILED;
  size_t size = 0;
  ~Mapping() { unmap(); }
  void unmap() {
    if (data != MAP_FAILED)
      munmap(data, size);
    data = MAP_FAILED;
  }
};

} // namespace

struct mlc_qwen3 {
  std::string dir;
  void *handle = nullptr;
  mlc_module_free_fn free = nullptr;
  ModuleMetadata metadata;
  Mapping params;
  std::string paramsFile; ///< params.bin's device, inode, size and time.
  /// Whether `params` maps params.bin (or holds weights converted from a
  /// checkpoint, in anonymous memory).
  bool paramsFileBacked = true;
  std::unordered_map<std::string, ArgInfo> tensors;
  Entry embed, layerPrefill, layerDecode, headPrefill, headDecode;
  int64_t vocab = 0, hidden = 0, layers = 0, kvHeads = 0, context = 0,
          headDim = 0, position = 0;
  /// The KV caches: host memory (CPU), or the device's (owned by `cuda`).
  std::vector<void *> kCache, vCache;
  /// The device side of a CUDA library; null for a CPU one.
  std::shared_ptr<CudaModule> cudaModule;
  std::unique_ptr<Qwen3Cuda> cuda;

  ~mlc_qwen3() {
    if (cuda) {
      // Before the library goes: its hooks global is the module's.
      cuda.reset();
    } else {
      for (void *cache : kCache)
        std::free(cache);
      for (void *cache : vCache)
        std::free(cache);
    }
    cudaModule.reset();
    if (handle)
      dlclose(handle);
  }
};

namespace {

mlc_status failIn(const mlc_qwen3 &model, mlc_status status,
                  const std::string &message) {
  return fail(status, "Qwen3 library '" + model.dir + "': " + message);
}

std::string formatDims(const std::vector<int64_t> &dims) {
  return formatShape(static_cast<int32_t>(dims.size()), dims.data());
}

/// Indexes the tensors of the parameter file in model.params; `path` names
/// it in messages.
mlc_status indexParams(mlc_qwen3 &model, const std::string &path) {
  const char *base = static_cast<const char *>(model.params.data);
  std::string_view header(base, std::min(model.params.size, kMaxParamsHeader));
  std::vector<ArgInfo> tensors;
  size_t dataStart;
  std::string error;
  if (!parseParamsHeader(header, tensors, dataStart, error))
    return fail(MLC_ERROR_INVALID_FILE,
                "'" + path + "' is not a parameter file: " + error);
  for (ArgInfo &tensor : tensors) {
    int64_t count;
    size_t bytes;
    if (!checkedNumElements(static_cast<int32_t>(tensor.dims.size()),
                            tensor.dims.data(), count) ||
        !checkedByteSize(count, dtypeSize(tensor.dtype), bytes) ||
        tensor.offset < dataStart || tensor.offset > model.params.size ||
        bytes > model.params.size - tensor.offset)
      return fail(MLC_ERROR_INVALID_FILE,
                  "'" + path + "': tensor '" + tensor.name + "' " +
                      formatDims(tensor.dims) + " at offset " +
                      std::to_string(tensor.offset) +
                      " is outside the file (" +
                      std::to_string(model.params.size) + " bytes)");
    std::string name = tensor.name;
    if (!model.tensors.emplace(name, std::move(tensor)).second)
      return fail(MLC_ERROR_INVALID_FILE,
                  "'" + path + "': tensor '" + name + "' appears twice");
  }
  return MLC_OK;
}

/// Maps DIR/params.bin and indexes its tensors.
mlc_status mapParams(mlc_qwen3 &model) {
  std::string path = model.dir + "/params.bin";
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT)
    return fail(MLC_ERROR_IO,
                "cannot open '" + path +
                    "': no such file (a library compiled with mlc-compile "
                    "--no-weights binds a checkpoint's weights at load: "
                    "mlc_qwen3_load_with_weights, --weights-dir of "
                    "mlc-generate and mlc-chat; or mlc-bind-weights writes "
                    "params.bin)");
  if (fd < 0)
    return fail(MLC_ERROR_IO,
                "cannot open '" + path + "': " + std::strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0 || st.st_size <= 0) {
    close(fd);
    return fail(MLC_ERROR_INVALID_FILE, "'" + path + "' is empty");
  }
  model.params.size = static_cast<size_t>(st.st_size);
  model.paramsFile =
      std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino) + ":" +
      std::to_string(st.st_size) + ":" + std::to_string(st.st_mtim.tv_sec) +
      "." + std::to_string(st.st_mtim.tv_nsec);
  model.params.data =
      mmap(nullptr, model.params.size, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (model.params.data == MAP_FAILED)
    return fail(MLC_ERROR_IO,
                "cannot map '" + path + "': " + std::strerror(errno));
  return indexParams(model, path);
}

/// The params the library's entry points declare (each name once).
mlc_status declaredParams(const mlc_qwen3 &model,
                          std::vector<qwen3::ParamSpec> &specs) {
  specs.clear();
  std::unordered_map<std::string, size_t> seen;
  for (const EntryMetadata &entry : model.metadata.entries)
    for (const ArgInfo &param : entry.params) {
      auto [it, added] = seen.emplace(param.name, specs.size());
      if (added) {
        specs.push_back({param.name, param.dtype, param.dims});
        continue;
      }
      const qwen3::ParamSpec &first = specs[it->second];
      if (first.dtype != param.dtype || first.dims != param.dims)
        return failIn(model, MLC_ERROR_INVALID_MODULE,
                      "param '" + param.name + "' of entry point '" +
                          entry.name + "' is " + dtypeName(param.dtype) + " " +
                          formatDims(param.dims) + ", another entry's is " +
                          dtypeName(first.dtype) + " " +
                          formatDims(first.dims));
    }
  return MLC_OK;
}

/// Opens checkpoint `checkpointDir` for the library: its config.json must
/// describe the model of the library's (DIR/config.json) and its tensors
/// the config; `layout` receives the parameter file of the library.
mlc_status openCheckpoint(const mlc_qwen3 &model,
                          const std::string &checkpointDir,
                          std::unique_ptr<qwen3::Checkpoint> &checkpoint,
                          qwen3::ParamsLayout &layout) {
  std::string error;
  qwen3::ModelConfig library;
  if (!qwen3::readConfig(model.dir + "/config.json", library, error))
    return failIn(model, MLC_ERROR_INVALID_FILE,
                  "cannot check the checkpoint against the library's "
                  "config.json (mlc-compile writes it next to libqwen3.so): " +
                      error);
  checkpoint = qwen3::Checkpoint::open(checkpointDir, error);
  if (!checkpoint)
    return failIn(model, MLC_ERROR_INVALID_FILE, error);
  error = qwen3::compareConfigs(library, checkpoint->config());
  if (!error.empty() || !checkpoint->verify(error))
    return failIn(model, MLC_ERROR_INVALID_FILE, error);
  std::vector<qwen3::ParamSpec> specs;
  if (mlc_status status = declaredParams(model, specs))
    return status;
  if (!qwen3::planParams(specs, library.numLayers, layout, error))
    return failIn(model, MLC_ERROR_INVALID_MODULE, error);
  // Libraries for CUDA keep the checkpoint's [out, in] (mlc-compile).
  layout.projectionsOutIn = model.metadata.target == Target::Cuda;
  return MLC_OK;
}

/// Converts the weights of `checkpointDir` into anonymous memory holding the
/// bytes params.bin would, and indexes them.
mlc_status bindCheckpoint(mlc_qwen3 &model, const std::string &checkpointDir) {
  std::unique_ptr<qwen3::Checkpoint> checkpoint;
  qwen3::ParamsLayout layout;
  if (mlc_status status =
          openCheckpoint(model, checkpointDir, checkpoint, layout))
    return status;
  model.params.size = layout.size;
  model.params.data = mmap(nullptr, layout.size, PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (model.params.data == MAP_FAILED)
    return failIn(model, MLC_ERROR_OUT_OF_MEMORY,
                  "cannot allocate " + std::to_string(layout.size) +
                      " bytes for the weights of checkpoint " + checkpointDir);
  std::string error;
  if (!checkpoint->fill(layout, static_cast<char *>(model.params.data), error))
    return failIn(model, MLC_ERROR_INVALID_FILE, error);
  mprotect(model.params.data, model.params.size, PROT_READ);
  // Sessions on the same library and unchanged checkpoint files share the
  // weights on a device.
  model.paramsFile = "checkpoint:" + checkpoint->files().identity();
  model.paramsFileBacked = false;
  return indexParams(model, "weights of checkpoint " + checkpointDir);
}

/// params.bin's tensor `name`, checked against `param`.
mlc_status bindParam(mlc_qwen3 &model, const ArgInfo &param,
                     const std::string &name, const ArgInfo *&out) {
  auto it = model.tensors.find(name);
  if (it == model.tensors.end())
    return failIn(model, MLC_ERROR_INVALID_MODULE,
                  "params.bin has no tensor '" + name + "'");
  const ArgInfo &tensor = it->second;
  if (tensor.dtype != param.dtype || tensor.dims != param.dims)
    return failIn(model, MLC_ERROR_INVALID_MODULE,
                  "tensor '" + name + "' in params.bin is " +
                      dtypeName(tensor.dtype) + " " + formatDims(tensor.dims) +
                      ", the library expects " + dtypeName(param.dtype) + " " +
                      formatDims(param.dims));
  out = &tensor;
  return MLC_OK;
}

/// Finds entry point `name` and binds its params (per layer when `perLayer`).
mlc_status bindEntry(mlc_qwen3 &model, const char *name, bool perLayer,
                     Entry &entry) {
  for (const EntryMetadata &candidate : model.metadata.entries)
    if (candidate.name == name)
      entry.metadata = &candidate;
  std::string symbol = std::string(MLC_MODULE_RUN_SYMBOL) + "_" + name;
  entry.run = reinterpret_cast<mlc_module_run_fn>(
      dlsym(model.handle, symbol.c_str()));
  entry.name = name;
  if (!entry.metadata || !entry.run)
    return failIn(model, MLC_ERROR_INVALID_MODULE,
                  std::string("libqwen3.so has no entry point '") + name + "'");
  if (entry.metadata->outputs.size() != 1)
    return failIn(model, MLC_ERROR_INVALID_MODULE,
                  std::string("entry point '") + name +
                      "' must have one output");
  entry.tensors.assign(perLayer ? model.layers : 1, {});
  for (size_t layer = 0; layer < entry.tensors.size(); ++layer) {
    for (const ArgInfo &param : entry.metadata->params) {
      if (!param.external)
        return failIn(model, MLC_ERROR_INVALID_MODULE,
                      "param '" + param.name + "' is not extern");
      std::string tensor = param.name;
      if (perLayer && tensor.rfind(kLayerPrefix, 0) == 0)
        tensor = "model.layers." + std::to_string(layer) + "." +
                 tensor.substr(std::strlen(kLayerPrefix));
      entry.tensors[layer].emplace_back();
      if (mlc_status status =
              bindParam(model, param, tensor, entry.tensors[layer].back()))
        return status;
    }
  }
  return MLC_OK;
}

/// Builds every entry's param descriptors, with `where` giving the address
/// of a params.bin tensor's data (mapped, or on the device).
template <typename Where>
void makeParamDescriptors(mlc_qwen3 &model, Where where) {
  for (Entry *entry : {&model.embed, &model.layerPrefill, &model.layerDecode,
                       &model.headPrefill, &model.headDecode}) {
    entry->params.assign(entry->tensors.size(), {});
    for (size_t layer = 0; layer < entry->tensors.size(); ++layer)
      for (const ArgInfo *tensor : entry->tensors[layer])
        entry->params[layer].push_back(makeDescriptor(
            where(*tensor), static_cast<int32_t>(tensor->dims.size()),
            tensor->dims.data()));
  }
}

/// A CUDA library's device side: the tensors the entry points read go up
/// from the mapping, which is then unmapped (the host keeps no copy of the
/// weights), and the descriptors point at the device's copies.
mlc_status setUpDevice(mlc_qwen3 &model, size_t cacheBytes, bool graphs) {
  Qwen3Cuda::Config config;
  config.library = model.dir + "/libqwen3.so";
  config.who = "Qwen3 library '" + model.dir + "'";
  config.module = model.cudaModule;
  config.free = model.free;
  config.paramsFile = model.paramsFile;
  config.fileBacked = model.paramsFileBacked;
  config.layers = model.layers;
  config.context = model.context;
  config.cacheBytes = cacheBytes;
  const ArgInfo &cache = model.layerDecode.metadata->inputs[3];
  config.cacheShape = formatDims(cache.dims) + " " + dtypeName(cache.dtype);
  config.graphs = graphs;
  config.graphsSetting = "MLC_CUDA_GRAPHS=0";
  // Each tensor once, in the order the entry points first read them.
  std::unordered_set<const ArgInfo *> seen;
  for (const Entry *entry :
       {&model.embed, &model.layerPrefill, &model.layerDecode,
        &model.headPrefill, &model.headDecode})
    for (const std::vector<const ArgInfo *> &tensors : entry->tensors)
      for (const ArgInfo *tensor : tensors) {
        if (!seen.insert(tensor).second)
          continue;
        int64_t count = 0;
        checkedNumElements(static_cast<int32_t>(tensor->dims.size()),
                           tensor->dims.data(), count);
        config.tensors.push_back(
            {tensor->name,
             static_cast<const char *>(model.params.data) + tensor->offset,
             static_cast<uint64_t>(count) * dtypeSize(tensor->dtype)});
      }
  if (mlc_status status = Qwen3Cuda::create(std::move(config), model.cuda))
    return status;
  makeParamDescriptors(model, [&](const ArgInfo &tensor) {
    return model.cuda->tensor(tensor.name);
  });
  for (int64_t layer = 0; layer < model.layers; ++layer) {
    model.kCache.push_back(model.cuda->cache(layer, false));
    model.vCache.push_back(model.cuda->cache(layer, true));
  }
  model.params.unmap();
  return MLC_OK;
}

/// Runs `entry` (of `layer`) on `inputs`; returns its one output's descriptor
/// words in `output` (the caller frees output[0] with model.free).
void call(mlc_qwen3 &model, const Entry &entry, size_t layer,
          std::vector<const Descriptor *> inputs, Descriptor &output) {
  size_t rank = entry.metadata->outputs[0].dims.size();
  output.assign(3 + 2 * rank, 0);
  std::vector<void *> argv = {output.data()};
  // The module does not write its inputs or params (Module.h): the casts
  // drop const for argv.
  for (const Descriptor *input : inputs)
    argv.push_back(const_cast<int64_t *>(input->data()));
  for (const Descriptor &param : entry.params[layer])
    argv.push_back(const_cast<int64_t *>(param.data()));
  entry.run(argv.data());
}

/// Checks an output's sizes against `expected` (an output that is not what
/// the next entry point reads would make it read out of bounds).
mlc_status checkOutput(const mlc_qwen3 &model, const std::string &stage,
                       const Descriptor &output,
                       std::vector<int64_t> expected) {
  std::vector<int64_t> sizes(output.begin() + 3,
                             output.begin() + 3 + expected.size());
  if (sizes == expected)
    return MLC_OK;
  return failIn(model, MLC_ERROR_INVALID_MODULE,
                stage + " returned an output of shape " + formatDims(sizes) +
                    ", expected " + formatDims(expected));
}

/// The calls of one step (Qwen3RunEntries): embed, every layer with its KV
/// caches, then the head on the last row (or all rows, `all`). Each output
/// is freed once the next entry point has been called on it.
mlc_status runEntries(mlc_qwen3 &model, int64_t n, bool all,
                      const Qwen3StepInputs &in, const Qwen3Backend &backend,
                      Descriptor &out, std::string &stage) {
  bool decode = n == 1 && !all;
  const Entry &layerEntry = decode ? model.layerDecode : model.layerPrefill;
  const Entry &headEntry =
      decode || !all ? model.headDecode : model.headPrefill;
  int64_t cacheShape[] = {1, model.kvHeads, model.context, model.headDim};
  auto release = [&](const Descriptor &d) {
    backend.release(reinterpret_cast<void *>(d[0]));
  };
  // After each call: the sequence stops on a device failure (the backend
  // reports it) or an output of another shape, freeing (and clearing) the
  // output.
  mlc_status status = MLC_OK;
  auto stopAfter = [&](Descriptor &output, std::vector<int64_t> shape) {
    if (!backend.failed() &&
        !(status = checkOutput(model, stage, output, std::move(shape))))
      return false;
    release(output);
    output.clear();
    return true;
  };
  Descriptor hidden;
  stage = model.embed.name;
  call(model, model.embed, 0, {&in.tokens}, hidden);
  if (stopAfter(hidden, {1, n, model.hidden}))
    return status;
  for (int64_t layer = 0; layer < model.layers; ++layer) {
    Descriptor k = makeDescriptor(model.kCache[layer], 4, cacheShape);
    Descriptor v = makeDescriptor(model.vCache[layer], 4, cacheShape);
    Descriptor next;
    stage = "layer " + std::to_string(layer) + " (" + layerEntry.name + ")";
    call(model, layerEntry, layer, {&hidden, &in.positions, &in.start, &k, &v},
         next);
    release(hidden);
    hidden = std::move(next);
    if (stopAfter(hidden, {1, n, model.hidden}))
      return status;
  }
  // Without `all`, only the last token's row goes through the head: a view
  // of it (an address computed, not read: it may be device memory).
  int64_t rows = all ? n : 1;
  int64_t lastShape[] = {1, rows, model.hidden};
  uintptr_t hiddenData = static_cast<uintptr_t>(hidden[1]) +
                         sizeof(float) * static_cast<uintptr_t>(hidden[2]);
  Descriptor last = makeDescriptor(
      reinterpret_cast<const void *>(hiddenData +
                                     sizeof(float) * (n - rows) * model.hidden),
      3, lastShape);
  stage = headEntry.name;
  call(model, headEntry, 0, {&last}, out);
  release(hidden);
  stopAfter(out, {1, rows, model.vocab});
  return status;
}

/// Runs tokens[0..n) through the model from the current position; writes the
/// logits of the last token, or of every token when `all`.
mlc_status forward(mlc_qwen3 *model, const int64_t *tokens, int64_t n,
                   float *logits, bool all) {
  if (!model)
    return fail(MLC_ERROR_INVALID_ARGUMENT, "mlc_qwen3: model is NULL");
  if (n < 1 || !tokens)
    return failIn(*model, MLC_ERROR_INVALID_ARGUMENT,
                  "prefill needs at least one token");
  if (n > model->context - model->position)
    return failIn(*model, MLC_ERROR_INVALID_ARGUMENT,
                  "the context would hold " +
                      std::to_string(model->position + n) +
                      " tokens; the KV cache holds " +
                      std::to_string(model->context) +
                      " (mlc-compile --max-context)");
  for (int64_t i = 0; i < n; ++i)
    if (tokens[i] < 0 || tokens[i] >= model->vocab)
      return failIn(*model, MLC_ERROR_INVALID_ARGUMENT,
                    "token " + std::to_string(i) + " is " +
                        std::to_string(tokens[i]) +
                        ", outside the vocabulary [0, " +
                        std::to_string(model->vocab) + ")");

  int64_t rows = all ? n : 1;
  auto run = [&](const Qwen3StepInputs &in, const Qwen3Backend &backend,
                 Descriptor &out, std::string &stage) {
    return runEntries(*model, n, all, in, backend, out, stage);
  };
  if (model->cuda) {
    bool decode = n == 1 && !all;
    std::string what =
        (decode ? "decode at position "
                : "prefill of " + std::to_string(n) + " tokens at position ") +
        std::to_string(model->position);
    if (mlc_status status =
            model->cuda->step(tokens, n, model->position, decode, logits,
                              sizeof(float) * rows * model->vocab, what, run))
      return status;
    model->position += n;
    return MLC_OK;
  }

  std::vector<int64_t> positions(n);
  for (int64_t i = 0; i < n; ++i)
    positions[i] = model->position + i;
  int64_t tokenShape[] = {1, n};
  int64_t start = model->position;
  Qwen3StepInputs in = {makeDescriptor(tokens, 2, tokenShape),
                        makeDescriptor(positions.data(), 2, tokenShape),
                        makeDescriptor(&start, 0, nullptr)};
  Qwen3Backend backend = {[] { return false; },
                          [&](void *allocated) { model->free(allocated); }};
  Descriptor out;
  std::string stage;
  if (mlc_status status = run(in, backend, out, stage))
    return status;
  if (logits)
    std::memcpy(logits, reinterpret_cast<const float *>(out[1]) + out[2],
                sizeof(float) * rows * model->vocab);
  model->free(reinterpret_cast<void *>(out[0]));
  model->position += n;
  return MLC_OK;
}

} // namespace

namespace {

/// Loads DIR/libqwen3.so and parses its metadata.
mlc_status openLibrary(mlc_qwen3 &model) {
  // The path has a slash: dlopen takes it as a path, not a library name.
  std::string library = model.dir + "/libqwen3.so";
  dlerror();
  model.handle = dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!model.handle) {
    const char *why = dlerror();
    return fail(MLC_ERROR_IO, "cannot load '" + library +
                                  "': " + (why ? why : "dlopen failed"));
  }
  const char *text = static_cast<const char *>(
      dlsym(model.handle, MLC_MODULE_METADATA_SYMBOL));
  model.free = reinterpret_cast<mlc_module_free_fn>(
      dlsym(model.handle, MLC_MODULE_FREE_SYMBOL));
  if (!text || !model.free)
    return failIn(model, MLC_ERROR_INVALID_MODULE,
                  "libqwen3.so is not a module compiled by mlc");
  std::string error;
  bool unsupported;
  if (!parseMetadata(text, model.metadata, error, unsupported) ||
      model.metadata.version != MLC_MODULE_ABI_VERSION_MULTI_ENTRY)
    return failIn(model, MLC_ERROR_INVALID_MODULE,
                  "libqwen3.so has malformed metadata: " +
                      (error.empty() ? "not ABI 2" : error));
  return MLC_OK;
}

/// mlc_qwen3_load(_with_weights): the weights from DIR/params.bin, or from
/// `checkpointDir` when it is not null.
mlc_status load(const char *function, const char *dir,
                const char *checkpointDir, mlc_qwen3 **out) {
  if (!out)
    return fail(MLC_ERROR_INVALID_ARGUMENT,
                std::string(function) + ": out is NULL");
  *out = nullptr;
  if (!dir || !*dir)
    return fail(MLC_ERROR_INVALID_ARGUMENT,
                std::string(function) + ": empty path");
  auto model = std::make_unique<mlc_qwen3>();
  model->dir = dir;
  std::string library = model->dir + "/libqwen3.so";
  if (mlc_status status = openLibrary(*model))
    return status;
  // The environment first: a bad setting fails before anything is mapped
  // or uploaded.
  const char *threadsEnv = std::getenv("MLC_NUM_THREADS");
  int numThreads = numThreadsFromEnvironment(threadsEnv);
  if (numThreads < 0)
    return fail(MLC_ERROR_ENVIRONMENT, std::string("MLC_NUM_THREADS='") +
                                           threadsEnv +
                                           "' is not a positive integer");
  bool cuda = model->metadata.target == Target::Cuda;
  bool graphs = true;
  if (const char *env = std::getenv("MLC_CUDA_GRAPHS"); cuda && env && *env) {
    if (std::strcmp(env, "0") != 0 && std::strcmp(env, "1") != 0)
      return failIn(*model, MLC_ERROR_ENVIRONMENT,
                    std::string("MLC_CUDA_GRAPHS='") + env +
                        "' is not 0 (decode steps launched directly) or 1 "
                        "(replayed from a CUDA graph, the default)");
    graphs = *env == '1';
  }
  // A CUDA library's images and hooks; the device is set up further down.
  if (cuda) {
    const char *images;
    mlc_cuda_hooks *hooks;
    if (mlc_status status =
            findCudaSymbols(model->handle, model->metadata,
                            "module '" + library + "'", images, hooks))
      return status;
    model->cudaModule =
        CudaModule::acquire(hooks, model->metadata, images, nullptr);
  }
  if (mlc_status status = checkpointDir ? bindCheckpoint(*model, checkpointDir)
                                        : mapParams(*model))
    return status;

  // Sizes: the layers present in params.bin, the rest from the signatures.
  while (model->tensors.count("model.layers." +
                              std::to_string(model->layers) +
                              ".input_layernorm.weight"))
    ++model->layers;
  if (model->layers == 0)
    return failIn(*model, MLC_ERROR_INVALID_MODULE,
                  "params.bin holds no decoder layer");
  if (mlc_status status = bindEntry(*model, "embed", false, model->embed))
    return status;
  for (auto [name, entry] : {std::pair{"layer_prefill", &model->layerPrefill},
                             {"layer_decode", &model->layerDecode}})
    if (mlc_status status = bindEntry(*model, name, true, *entry))
      return status;
  for (auto [name, entry] : {std::pair{"head_prefill", &model->headPrefill},
                             {"head_decode", &model->headDecode}})
    if (mlc_status status = bindEntry(*model, name, false, *entry))
      return status;
  const EntryMetadata &layer = *model->layerDecode.metadata;
  const EntryMetadata &head = *model->headDecode.metadata;
  bool rank3 = true;
  for (const Entry *entry :
       {&model->embed, &model->layerPrefill, &model->layerDecode,
        &model->headPrefill, &model->headDecode})
    rank3 &= entry->metadata->outputs[0].dims.size() == 3;
  if (layer.inputs.size() != 5 || !layer.inputs[3].inout ||
      layer.inputs[3].dims.size() != 4 || head.outputs[0].dims.size() != 3 ||
      layer.inputs[0].dims.size() != 3 || !rank3 ||
      layer.inputs[4].dims != layer.inputs[3].dims ||
      layer.inputs[4].dtype != layer.inputs[3].dtype ||
      head.outputs[0].dtype != MLC_DTYPE_F32)
    return failIn(*model, MLC_ERROR_INVALID_MODULE,
                  "layer_decode/head_decode do not have the signatures of a "
                  "Qwen3 library");
  model->hidden = layer.inputs[0].dims[2];
  model->kvHeads = layer.inputs[3].dims[1];
  model->context = layer.inputs[3].dims[2];
  model->headDim = layer.inputs[3].dims[3];
  model->vocab = head.outputs[0].dims[2];
  size_t cacheBytes = dtypeSize(layer.inputs[3].dtype) * model->kvHeads *
                      model->context * model->headDim;

  if (cuda) {
    if (mlc_status status = setUpDevice(*model, cacheBytes, graphs))
      return status;
  } else {
    const char *base = static_cast<const char *>(model->params.data);
    makeParamDescriptors(
        *model, [&](const ArgInfo &tensor) { return base + tensor.offset; });
    // The KV caches: rows are written before they are read.
    for (int64_t i = 0; i < model->layers; ++i) {
      for (auto *caches : {&model->kCache, &model->vCache}) {
        void *cache = nullptr;
        if (posix_memalign(&cache, 64, cacheBytes) != 0)
          return failIn(*model, MLC_ERROR_OUT_OF_MEMORY,
                        "cannot allocate the KV cache (" +
                            std::to_string(cacheBytes) + " bytes per layer)");
        caches->push_back(cache);
      }
    }
  }

  if (numThreads > 0)
    if (auto set = reinterpret_cast<mlc_module_set_num_threads_fn>(
            dlsym(model->handle, MLC_MODULE_SET_NUM_THREADS_SYMBOL)))
      set(numThreads);
  *out = model.release();
  return MLC_OK;
}

} // namespace

mlc_status mlc_qwen3_load(const char *dir, mlc_qwen3 **out) {
  return load("mlc_qwen3_load", dir, nullptr, out);
}

mlc_status mlc_qwen3_load_with_weights(const char *dir,
                                       const char *checkpoint_dir,
                                       mlc_qwen3 **out) {
  return load("mlc_qwen3_load_with_weights", dir,
              checkpoint_dir && *checkpoint_dir ? checkpoint_dir : nullptr,
              out);
}

mlc_status mlc_qwen3_write_params(const char *dir, const char *checkpoint_dir,
                                  const char *path) {
  if (!dir || !*dir || !checkpoint_dir || !*checkpoint_dir)
    return fail(MLC_ERROR_INVALID_ARGUMENT,
                "mlc_qwen3_write_params: empty library or checkpoint path");
  mlc_qwen3 model;
  model.dir = dir;
  if (mlc_status status = openLibrary(model))
    return status;
  std::unique_ptr<qwen3::Checkpoint> checkpoint;
  qwen3::ParamsLayout layout;
  if (mlc_status status =
          openCheckpoint(model, checkpoint_dir, checkpoint, layout))
    return status;
  std::string file = path && *path ? path : model.dir + "/params.bin", error;
  if (!checkpoint->write(layout, file, error))
    return failIn(model, MLC_ERROR_IO, error);
  return MLC_OK;
}

void mlc_qwen3_free(mlc_qwen3 *model) { delete model; }

int64_t mlc_qwen3_vocab_size(const mlc_qwen3 *model) {
  return model ? model->vocab : 0;
}
int64_t mlc_qwen3_num_layers(const mlc_qwen3 *model) {
  return model ? model->layers : 0;
}
int64_t mlc_qwen3_max_context(const mlc_qwen3 *model) {
  return model ? model->context : 0;
}
int64_t mlc_qwen3_position(const mlc_qwen3 *model) {
  return model ? model->position : 0;
}

mlc_status mlc_qwen3_device(const mlc_qwen3 *model, const char **description) {
  if (!model || !description)
    return fail(MLC_ERROR_INVALID_ARGUMENT,
                "mlc_qwen3_device: model or description is NULL");
  *description = model->cuda ? model->cuda->device().c_str() : "cpu";
  return MLC_OK;
}

int mlc_qwen3_cuda_graphs(mlc_qwen3 *model, const char **detail) {
  if (model && model->cuda)
    return model->cuda->graphs(detail);
  if (detail)
    *detail = model ? "off (a CPU library)" : "off (no session)";
  return 0;
}

mlc_status mlc_qwen3_prefill(mlc_qwen3 *model, const int64_t *tokens,
                             int64_t n, float *logits) {
  return forward(model, tokens, n, logits, /*all=*/false);
}

mlc_status mlc_qwen3_prefill_all(mlc_qwen3 *model, const int64_t *tokens,
                                 int64_t n, float *logits) {
  if (!logits)
    return fail(MLC_ERROR_INVALID_ARGUMENT,
                "mlc_qwen3_prefill_all: logits is NULL");
  return forward(model, tokens, n, logits, /*all=*/true);
}

mlc_status mlc_qwen3_decode(mlc_qwen3 *model, int64_t token, float *logits) {
  if (!logits)
    return fail(MLC_ERROR_INVALID_ARGUMENT, "mlc_qwen3_decode: logits is NULL");
  return forward(model, &token, 1, logits, /*all=*/false);
}

void mlc_qwen3_reset(mlc_qwen3 *model) {
  if (model)
    model->position = 0;
}

mlc_status mlc_qwen3_set_position(mlc_qwen3 *model, int64_t position) {
  if (!model)
    return fail(MLC_ERROR_INVALID_ARGUMENT,
                "mlc_qwen3_set_position: model is NULL");
  if (position < 0 || position > model->position)
    return failIn(*model, MLC_ERROR_INVALID_ARGUMENT,
                  "position " + std::to_string(position) +
                      " is outside the context [0, " +
                      std::to_string(model->position) + "]");
  model->position = position;
  return MLC_OK;
}
