//===- Runtime.cpp - libmlcrt: load and run compiled modules --------------===//
//
// Implements mlc-c/Runtime.h: loading a compiled module with dlopen, checking
// its metadata and parameter blob, checking inputs, building the memref
// descriptors of mlc-c/Module.h, calling mlc_module_run and owning the
// outputs until the caller frees them. For CUDA modules the descriptors
// point at device memory, and the outputs are copied back to the host
// (CudaModule.h holds the device side).
//
//===----------------------------------------------------------------------===//

#include "CudaModule.h"
#include "Error.h"
#include "Metadata.h"
#include "TensorUtils.h"

#include "mlc-c/Module.h"
#include "mlc-c/Runtime.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <memory>
#include <string>
#include <vector>

using namespace mlc::rt;

struct mlc_model {
  std::atomic<int64_t> references{1};
  std::string path;
  void *handle = nullptr;
  mlc_module_run_fn run = nullptr;
  mlc_module_free_fn free = nullptr;
  mlc_module_set_num_threads_fn setNumThreads = nullptr;
  ModuleMetadata metadata;
  const char *params = nullptr;
  std::vector<std::vector<int64_t>> paramDescriptors; ///< Host memory.
  /// The device side of a CUDA module (shared with the other models of the
  /// same library); null for CPU modules.
  std::shared_ptr<CudaModule> cuda;

  ~mlc_model() {
    cuda.reset(); // before the library (its hooks global) goes
    if (handle)
      dlclose(handle);
  }

  const std::vector<ArgInfo> *list(mlc_arg_kind kind) const {
    switch (kind) {
    case MLC_ARG_INPUT:
      return &metadata.inputs;
    case MLC_ARG_OUTPUT:
      return &metadata.outputs;
    case MLC_ARG_PARAM:
      return &metadata.params;
    }
    return nullptr;
  }

  const ArgInfo *arg(mlc_arg_kind kind, size_t index) const {
    const std::vector<ArgInfo> *args = list(kind);
    return args && index < args->size() ? &(*args)[index] : nullptr;
  }

  void retain() { references.fetch_add(1, std::memory_order_relaxed); }
  void release() {
    if (references.fetch_sub(1, std::memory_order_acq_rel) == 1)
      delete this;
  }
};

struct mlc_result {
  mlc_model *model = nullptr;
  std::vector<std::vector<int64_t>> shapes, strides;
  std::vector<mlc_tensor> outputs;
  std::vector<void *> allocations; ///< The module's; distinct, non-null.
  std::vector<void *> hostBuffers; ///< CUDA outputs copied back (std::free).

  ~mlc_result() {
    for (void *allocation : allocations)
      model->free(allocation);
    for (void *buffer : hostBuffers)
      std::free(buffer);
    model->release();
  }
};

//===----------------------------------------------------------------------===//
// Errors and dtypes
//===----------------------------------------------------------------------===//

const char *mlc_last_error(void) { return lastErrorMessage().c_str(); }

const char *mlc_status_name(mlc_status status) {
  switch (status) {
  case MLC_OK:
    return "ok";
  case MLC_ERROR_INVALID_ARGUMENT:
    return "invalid argument";
  case MLC_ERROR_IO:
    return "I/O error";
  case MLC_ERROR_INVALID_MODULE:
    return "invalid module";
  case MLC_ERROR_INVALID_FILE:
    return "invalid file";
  case MLC_ERROR_UNSUPPORTED:
    return "unsupported";
  case MLC_ERROR_OUT_OF_MEMORY:
    return "out of memory";
  case MLC_ERROR_ENVIRONMENT:
    return "bad environment";
  case MLC_ERROR_DEVICE:
    return "device error";
  }
  return "unknown status";
}

const char *mlc_dtype_name(mlc_dtype dtype) { return dtypeName(dtype); }

size_t mlc_dtype_size(mlc_dtype dtype) { return dtypeSize(dtype); }

mlc_dtype mlc_dtype_from_name(const char *name) {
  return name ? dtypeFromName(name) : MLC_DTYPE_INVALID;
}

int64_t mlc_tensor_num_elements(const mlc_tensor *t) {
  int64_t count;
  if (!t || t->rank < 0 || (t->rank > 0 && !t->shape) ||
      !checkedNumElements(t->rank, t->shape, count))
    return -1;
  return count;
}

int mlc_tensor_is_dense(const mlc_tensor *t) {
  return t && t->rank >= 0 && (t->rank == 0 || t->shape) && isDense(*t);
}

//===----------------------------------------------------------------------===//
// Loading
//===----------------------------------------------------------------------===//

namespace {

mlc_status loadParams(mlc_model &model) {
  const std::vector<ArgInfo> &params = model.metadata.params;
  const std::string &path = model.path;
  model.params =
      static_cast<const char *>(dlsym(model.handle, MLC_MODULE_PARAMS_SYMBOL));
  if (params.empty())
    return MLC_OK;
  if (!model.params)
    return fail(MLC_ERROR_INVALID_MODULE,
                "module '" + path + "': the metadata declares " +
                    std::to_string(params.size()) + " params but the " +
                    "module has no symbol " MLC_MODULE_PARAMS_SYMBOL);
  if (reinterpret_cast<uintptr_t>(model.params) % kBufferAlignment)
    return fail(MLC_ERROR_INVALID_MODULE, "module '" + path +
                                              "': " MLC_MODULE_PARAMS_SYMBOL
                                              " is not 64-byte aligned");
  // The blob's size is known when the ELF symbol records it.
  size_t blobSize = symbolSize(model.params);

  std::vector<size_t> bytes(params.size());
  for (size_t i = 0; i < params.size(); ++i) {
    const ArgInfo &param = params[i];
    std::string what = "module '" + path + "': param '" + param.name + "'";
    int64_t count;
    if (!checkedNumElements(static_cast<int32_t>(param.dims.size()),
                            param.dims.data(), count) ||
        !checkedByteSize(count, dtypeSize(param.dtype), bytes[i]))
      return fail(MLC_ERROR_INVALID_MODULE, what + ": size overflows");
    if (param.offset % kBufferAlignment)
      return fail(MLC_ERROR_INVALID_MODULE, what + ": offset " +
                                                std::to_string(param.offset) +
                                                " is not 64-byte aligned");
    if (param.offset > INT64_MAX - bytes[i])
      return fail(MLC_ERROR_INVALID_MODULE, what + ": offset overflows");
    if (blobSize && param.offset + bytes[i] > blobSize)
      return fail(MLC_ERROR_INVALID_MODULE,
                  what + " (offset " + std::to_string(param.offset) + ", " +
                      std::to_string(bytes[i]) + " bytes) lies outside " +
                      MLC_MODULE_PARAMS_SYMBOL + " (" +
                      std::to_string(blobSize) + " bytes)");
  }
  std::vector<size_t> order(params.size());
  for (size_t i = 0; i < order.size(); ++i)
    order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return params[a].offset != params[b].offset
               ? params[a].offset < params[b].offset
               : a < b;
  });
  for (size_t k = 1; k < order.size(); ++k) {
    const ArgInfo &prev = params[order[k - 1]], &cur = params[order[k]];
    if (prev.offset + bytes[order[k - 1]] > cur.offset && bytes[order[k]] &&
        bytes[order[k - 1]])
      return fail(MLC_ERROR_INVALID_MODULE,
                  "module '" + path + "': params '" + prev.name + "' (offset " +
                      std::to_string(prev.offset) + ", " +
                      std::to_string(bytes[order[k - 1]]) + " bytes) and '" +
                      cur.name + "' (offset " + std::to_string(cur.offset) +
                      ") overlap");
  }

  for (const ArgInfo &param : params)
    model.paramDescriptors.push_back(makeDescriptor(
        model.params + param.offset, static_cast<int32_t>(param.dims.size()),
        param.dims.data()));
  return MLC_OK;
}

/// The device side of a `target cuda` module, set up on first use.
mlc_status loadCuda(mlc_model &model) {
  const char *images;
  mlc_cuda_hooks *hooks;
  if (mlc_status status =
          findCudaSymbols(model.handle, model.metadata,
                          "module '" + model.path + "'", images, hooks))
    return status;
  model.cuda = CudaModule::acquire(hooks, model.metadata, images, model.params);
  return MLC_OK;
}

} // namespace

mlc_status mlc_model_load(const char *path, mlc_model **out) {
  if (!out)
    return fail(MLC_ERROR_INVALID_ARGUMENT, "mlc_model_load: out is NULL");
  *out = nullptr;
  if (!path || !*path)
    return fail(MLC_ERROR_INVALID_ARGUMENT, "mlc_model_load: empty path");

  const char *threadsEnv = std::getenv("MLC_NUM_THREADS");
  int numThreads = numThreadsFromEnvironment(threadsEnv);
  if (numThreads < 0)
    return fail(MLC_ERROR_ENVIRONMENT, std::string("loading '") + path +
                                           "': MLC_NUM_THREADS='" + threadsEnv +
                                           "' is not a positive integer");

  auto model = std::unique_ptr<mlc_model>(new mlc_model);
  model->path = path;
  // Without a slash, dlopen would search the library path, not the
  // current directory.
  std::string dlPath = std::strchr(path, '/') ? path : std::string("./") + path;
  dlerror();
  model->handle = dlopen(dlPath.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!model->handle) {
    const char *why = dlerror();
    return fail(MLC_ERROR_IO, std::string("cannot load module '") + path +
                                  "': " + (why ? why : "dlopen failed"));
  }

  auto symbol = [&](const char *name) { return dlsym(model->handle, name); };
  const char *text =
      static_cast<const char *>(symbol(MLC_MODULE_METADATA_SYMBOL));
  if (text && std::strncmp(text, "mlc-module 2\n", 13) == 0)
    return fail(MLC_ERROR_UNSUPPORTED,
                std::string("module '") + path +
                    "' has several entry points (ABI 2, e.g. a Qwen3 "
                    "library): load it with mlc_qwen3_load (mlc-c/Qwen3.h)");
  model->run =
      reinterpret_cast<mlc_module_run_fn>(symbol(MLC_MODULE_RUN_SYMBOL));
  model->free =
      reinterpret_cast<mlc_module_free_fn>(symbol(MLC_MODULE_FREE_SYMBOL));
  model->setNumThreads = reinterpret_cast<mlc_module_set_num_threads_fn>(
      symbol(MLC_MODULE_SET_NUM_THREADS_SYMBOL));
  for (auto [name, found] : {std::pair<const char *, bool>{
                                 MLC_MODULE_METADATA_SYMBOL, text != nullptr},
                             {MLC_MODULE_RUN_SYMBOL, model->run != nullptr},
                             {MLC_MODULE_FREE_SYMBOL, model->free != nullptr}})
    if (!found)
      return fail(MLC_ERROR_INVALID_MODULE,
                  std::string("'") + path +
                      "' is not a module compiled by mlc: it has no symbol " +
                      name);

  // Bound the text by its symbol's size when the ELF symbol records one, so
  // that a missing NUL cannot make us read past it.
  size_t textSize = symbolSize(text);
  size_t length = textSize ? strnlen(text, textSize) : std::strlen(text);
  if (textSize && length == textSize)
    return fail(MLC_ERROR_INVALID_MODULE,
                "module '" + model->path +
                    "': " MLC_MODULE_METADATA_SYMBOL
                    " is not NUL-terminated within its " +
                    std::to_string(textSize) +
                    "-byte symbol (it must be a char array holding the text)");

  std::string error;
  bool unsupported;
  if (!parseMetadata(std::string_view(text, length), model->metadata, error,
                     unsupported))
    return fail(unsupported ? MLC_ERROR_UNSUPPORTED : MLC_ERROR_INVALID_MODULE,
                "module '" + model->path + "': malformed metadata: " + error);

  if (mlc_status status = loadParams(*model))
    return status;
  // The device is set up on first use, so that a CUDA module loads (and
  // answers queries) on machines without a GPU.
  if (model->metadata.target == Target::Cuda)
    if (mlc_status status = loadCuda(*model))
      return status;

  if (numThreads > 0 && model->setNumThreads)
    model->setNumThreads(numThreads);

  *out = model.release();
  return MLC_OK;
}

void mlc_model_unload(mlc_model *model) {
  if (model)
    model->release();
}

const char *mlc_model_path(const mlc_model *model) {
  return model ? model->path.c_str() : nullptr;
}

//===----------------------------------------------------------------------===//
// Queries
//===----------------------------------------------------------------------===//

size_t mlc_model_num_args(const mlc_model *model, mlc_arg_kind kind) {
  const std::vector<ArgInfo> *args = model ? model->list(kind) : nullptr;
  return args ? args->size() : 0;
}

const char *mlc_model_arg_name(const mlc_model *model, mlc_arg_kind kind,
                               size_t index) {
  const ArgInfo *arg = model ? model->arg(kind, index) : nullptr;
  return arg ? arg->name.c_str() : nullptr;
}

mlc_dtype mlc_model_arg_dtype(const mlc_model *model, mlc_arg_kind kind,
                              size_t index) {
  const ArgInfo *arg = model ? model->arg(kind, index) : nullptr;
  return arg ? arg->dtype : MLC_DTYPE_INVALID;
}

int32_t mlc_model_arg_rank(const mlc_model *model, mlc_arg_kind kind,
                           size_t index) {
  const ArgInfo *arg = model ? model->arg(kind, index) : nullptr;
  return arg ? static_cast<int32_t>(arg->dims.size()) : -1;
}

const int64_t *mlc_model_arg_dims(const mlc_model *model, mlc_arg_kind kind,
                                  size_t index) {
  const ArgInfo *arg = model ? model->arg(kind, index) : nullptr;
  return arg && !arg->dims.empty() ? arg->dims.data() : nullptr;
}

int64_t mlc_model_find_arg(const mlc_model *model, mlc_arg_kind kind,
                           const char *name) {
  const std::vector<ArgInfo> *args = model ? model->list(kind) : nullptr;
  if (!args || !name)
    return -1;
  for (size_t i = 0; i < args->size(); ++i)
    if ((*args)[i].name == name)
      return static_cast<int64_t>(i);
  return -1;
}

mlc_status mlc_model_param(const mlc_model *model, size_t index,
                           mlc_tensor *out) {
  if (!model || !out)
    return fail(MLC_ERROR_INVALID_ARGUMENT, "mlc_model_param: NULL argument");
  const ArgInfo *param = model->arg(MLC_ARG_PARAM, index);
  if (!param)
    return fail(MLC_ERROR_INVALID_ARGUMENT,
                "module '" + model->path + "' has " +
                    std::to_string(model->metadata.params.size()) +
                    " params; no param " + std::to_string(index));
  const std::vector<int64_t> &descriptor = model->paramDescriptors[index];
  int32_t rank = static_cast<int32_t>(param->dims.size());
  out->dtype = param->dtype;
  out->rank = rank;
  out->shape = rank ? descriptor.data() + 3 : nullptr;
  out->strides = rank ? descriptor.data() + 3 + rank : nullptr;
  out->data = const_cast<char *>(model->params + param->offset);
  return MLC_OK;
}

mlc_status mlc_model_device(const mlc_model *model, const char **description) {
  if (!description)
    return fail(MLC_ERROR_INVALID_ARGUMENT,
                "mlc_model_device: description is NULL");
  *description = nullptr;
  if (!model)
    return fail(MLC_ERROR_INVALID_ARGUMENT, "mlc_model_device: model is NULL");
  if (!model->cuda) {
    *description = "cpu";
    return MLC_OK;
  }
  return model->cuda->describe(model->path, description);
}

int mlc_model_has_num_threads(const mlc_model *model) {
  return model && model->setNumThreads;
}

mlc_status mlc_model_set_num_threads(mlc_model *model, int n) {
  if (!model)
    return fail(MLC_ERROR_INVALID_ARGUMENT,
                "mlc_model_set_num_threads: model is NULL");
  if (n < 1)
    return fail(MLC_ERROR_INVALID_ARGUMENT,
                "module '" + model->path + "': number of threads must be " +
                    "at least 1, got " + std::to_string(n));
  if (!model->setNumThreads)
    return fail(MLC_ERROR_UNSUPPORTED,
                "module '" + model->path +
                    "' does not export " MLC_MODULE_SET_NUM_THREADS_SYMBOL);
  model->setNumThreads(n);
  return MLC_OK;
}

//===----------------------------------------------------------------------===//
// Running
//===----------------------------------------------------------------------===//

namespace {

/// Buffers the runtime allocated for one call.
struct ScratchBuffers {
  std::vector<void *> buffers;
  ~ScratchBuffers() {
    for (void *buffer : buffers)
      std::free(buffer);
  }
};

std::string describeInputs(const ModuleMetadata &metadata) {
  std::string s;
  for (const ArgInfo &in : metadata.inputs) {
    s += s.empty() ? "" : ", ";
    s += "'" + in.name + "' " + dtypeName(in.dtype) + " " +
         formatShape(static_cast<int32_t>(in.dims.size()), in.dims.data());
  }
  return s.empty() ? "none" : s;
}

/// Checks input `index` against its metadata. Messages name the input by
/// name and index and, for a dtype or shape mismatch, give both the type the
/// model takes and the one given, e.g.
///   input 'x' dimension 1: expected 4, got 5 (input 0 takes f32 [?, 4],
///   given f32 [2, 5])
mlc_status checkInput(size_t index, const ArgInfo &arg, const mlc_tensor &t) {
  std::string what = "input '" + arg.name + "'";
  int32_t rank = static_cast<int32_t>(arg.dims.size());
  auto mismatch = [&](const std::string &message) {
    std::string given = dtypeName(t.dtype);
    if (t.rank >= 0 && t.rank <= 64 && (t.rank == 0 || t.shape))
      given += " " + formatShape(t.rank, t.shape);
    return fail(MLC_ERROR_INVALID_ARGUMENT,
                message + " (input " + std::to_string(index) + " takes " +
                    dtypeName(arg.dtype) + " " +
                    formatShape(rank, arg.dims.data()) + ", given " + given +
                    ")");
  };
  if (t.dtype != arg.dtype)
    return mismatch(what + ": expected dtype " + dtypeName(arg.dtype) +
                    ", got " + dtypeName(t.dtype));
  if (t.rank != rank)
    return mismatch(what + ": expected rank " + std::to_string(rank) + " " +
                    formatShape(rank, arg.dims.data()) + ", got rank " +
                    std::to_string(t.rank));
  if (rank > 0 && !t.shape)
    return fail(MLC_ERROR_INVALID_ARGUMENT, what + ": shape is NULL");
  for (int32_t i = 0; i < rank; ++i) {
    if (t.shape[i] < 0)
      return fail(MLC_ERROR_INVALID_ARGUMENT,
                  what + " dimension " + std::to_string(i) +
                      ": negative size " + std::to_string(t.shape[i]));
    if (arg.dims[i] >= 0 && t.shape[i] != arg.dims[i])
      return mismatch(what + " dimension " + std::to_string(i) + ": expected " +
                      std::to_string(arg.dims[i]) + ", got " +
                      std::to_string(t.shape[i]));
  }
  int64_t count;
  size_t bytes;
  if (!checkedNumElements(rank, t.shape, count) ||
      !checkedByteSize(count, dtypeSize(t.dtype), bytes))
    return fail(MLC_ERROR_INVALID_ARGUMENT, what + ": shape " +
                                                formatShape(rank, t.shape) +
                                                " is too large");
  if (count > 0 && !t.data)
    return fail(MLC_ERROR_INVALID_ARGUMENT, what + ": data is NULL");
  return MLC_OK;
}

/// Checks every input against the metadata and gives a dense view of each:
/// the caller's memory, or a dense copy in `scratch`.
mlc_status denseInputs(const ModuleMetadata &metadata, const mlc_tensor *inputs,
                       size_t numInputs, ScratchBuffers &scratch,
                       std::vector<mlc_tensor> &dense) {
  for (size_t i = 0; i < numInputs; ++i) {
    const ArgInfo &arg = metadata.inputs[i];
    mlc_tensor t = inputs[i];
    if (mlc_status status = checkInput(i, arg, t))
      return status;
    size_t elemSize = dtypeSize(t.dtype);
    bool aligned = reinterpret_cast<uintptr_t>(t.data) % elemSize == 0;
    if (!isDense(t) || !aligned) {
      int64_t count = 0;
      checkedNumElements(t.rank, t.shape, count);
      void *copy = alignedAlloc(static_cast<size_t>(count) * elemSize);
      if (!copy)
        return fail(MLC_ERROR_OUT_OF_MEMORY,
                    "input '" + arg.name + "': cannot allocate a dense copy");
      scratch.buffers.push_back(copy);
      copyToDense(t, copy);
      t.data = copy;
      t.strides = nullptr;
    }
    dense.push_back(t);
  }
  return MLC_OK;
}

/// The storage argv[0] points to: the output descriptors one after the
/// other, `start[j]` the first word of output j's.
struct OutputStorage {
  std::vector<int64_t> words;
  std::vector<size_t> start;

  explicit OutputStorage(const ModuleMetadata &metadata) {
    size_t total = 0;
    for (const ArgInfo &output : metadata.outputs) {
      start.push_back(total);
      total += 3 + 2 * output.dims.size();
    }
    words.assign(total ? total : 1, 0);
  }

  void *allocated(size_t j) const {
    return reinterpret_cast<void *>(static_cast<uintptr_t>(words[start[j]]));
  }

  /// The distinct non-null `allocated` pointers.
  std::vector<void *> allocations() const {
    std::vector<void *> distinct;
    for (size_t j = 0; j < start.size(); ++j)
      if (void *pointer = allocated(j);
          pointer && std::find(distinct.begin(), distinct.end(), pointer) ==
                         distinct.end())
        distinct.push_back(pointer);
    return distinct;
  }
};

std::vector<void *> makeArgv(OutputStorage &outputs,
                             std::vector<std::vector<int64_t>> &inputs,
                             std::vector<std::vector<int64_t>> &params) {
  std::vector<void *> argv;
  argv.reserve(1 + inputs.size() + params.size());
  argv.push_back(outputs.words.data());
  for (std::vector<int64_t> &descriptor : inputs)
    argv.push_back(descriptor.data());
  for (std::vector<int64_t> &descriptor : params)
    argv.push_back(descriptor.data());
  return argv;
}

std::unique_ptr<mlc_result> newResult(mlc_model &model) {
  auto result = std::unique_ptr<mlc_result>(new mlc_result);
  model.retain();
  result->model = &model;
  size_t numOutputs = model.metadata.outputs.size();
  result->shapes.resize(numOutputs);
  result->strides.resize(numOutputs);
  result->outputs.resize(numOutputs);
  return result;
}

/// Fills the shapes, strides and views of `result` from the descriptors the
/// module wrote, checking them against the metadata. The views point where
/// the descriptors do.
mlc_status readOutputs(const mlc_model &model, const OutputStorage &storage,
                       mlc_result &result) {
  const ModuleMetadata &metadata = model.metadata;
  for (size_t j = 0; j < metadata.outputs.size(); ++j) {
    const ArgInfo &arg = metadata.outputs[j];
    const int64_t *words = storage.words.data() + storage.start[j];
    int32_t rank = static_cast<int32_t>(arg.dims.size());
    std::string what = "module '" + model.path + "': output '" + arg.name + "'";
    std::vector<int64_t> &shape = result.shapes[j];
    std::vector<int64_t> &strides = result.strides[j];
    shape.assign(words + 3, words + 3 + rank);
    strides.assign(words + 3 + rank, words + 3 + 2 * rank);
    for (int32_t i = 0; i < rank; ++i)
      if (shape[i] < 0 || (arg.dims[i] >= 0 && shape[i] != arg.dims[i]))
        return fail(MLC_ERROR_INVALID_MODULE,
                    what + " dimension " + std::to_string(i) +
                        ": the module returned size " +
                        std::to_string(shape[i]) + ", the metadata says " +
                        (arg.dims[i] < 0 ? std::string("?")
                                         : std::to_string(arg.dims[i])));
    int64_t count;
    size_t bytes;
    if (!checkedNumElements(rank, shape.data(), count) ||
        !checkedByteSize(count, dtypeSize(arg.dtype), bytes))
      return fail(MLC_ERROR_INVALID_MODULE,
                  what + ": the module returned an impossible shape " +
                      formatShape(rank, shape.data()));
    mlc_tensor &view = result.outputs[j];
    view.dtype = arg.dtype;
    view.rank = rank;
    view.shape = rank ? shape.data() : nullptr;
    view.strides = rank ? strides.data() : nullptr;
    if (!isDense(view))
      return fail(MLC_ERROR_INVALID_MODULE,
                  what + ": the module returned strides " +
                      formatShape(rank, strides.data()) +
                      " that are not row-major");
    // Row-major strides are only fixed where a size exceeds 1: normalise.
    rowMajorStrides(rank, shape.data(), strides.data());
    char *aligned = reinterpret_cast<char *>(static_cast<uintptr_t>(words[1]));
    if (count > 0 && !aligned)
      return fail(MLC_ERROR_INVALID_MODULE,
                  what + ": the module returned a NULL data pointer");
    view.data =
        aligned
            ? aligned + words[2] * static_cast<int64_t>(dtypeSize(arg.dtype))
            : nullptr;
  }
  return MLC_OK;
}

mlc_status runOnCpu(mlc_model &model, std::vector<mlc_tensor> &inputs,
                    mlc_result **out) {
  std::vector<std::vector<int64_t>> inputDescriptors;
  for (const mlc_tensor &t : inputs)
    inputDescriptors.push_back(makeDescriptor(t.data, t.rank, t.shape));
  OutputStorage storage(model.metadata);
  std::vector<void *> argv =
      makeArgv(storage, inputDescriptors, model.paramDescriptors);

  model.run(argv.data());

  std::unique_ptr<mlc_result> result = newResult(model);
  // Own every allocation first, so that an error below frees them all.
  result->allocations = storage.allocations();
  if (mlc_status status = readOutputs(model, storage, *result))
    return status;
  *out = result.release();
  return MLC_OK;
}

/// Queues the copies of the outputs of `result` (device views) into host
/// buffers the result owns, and points the views at those. Each output must
/// lie in a block the module allocated through the hooks; outputs that are
/// the same memory share one host copy.
mlc_status copyOutputsToHost(CudaCall &call, const mlc_model &model,
                             const OutputStorage &storage, mlc_result &result) {
  std::vector<const void *> deviceData(result.outputs.size());
  for (size_t j = 0; j < result.outputs.size(); ++j) {
    mlc_tensor &view = result.outputs[j];
    size_t bytes = static_cast<size_t>(mlc_tensor_num_elements(&view)) *
                   dtypeSize(view.dtype);
    deviceData[j] = view.data;
    if (bytes == 0) {
      view.data = nullptr;
      continue;
    }
    std::string what = "module '" + model.path + "': output '" +
                       model.metadata.outputs[j].name + "'";
    const char *allocated = static_cast<const char *>(storage.allocated(j));
    const char *data = static_cast<const char *>(view.data);
    uint64_t blockBytes;
    if (!call.moduleBlock(allocated, blockBytes))
      return fail(MLC_ERROR_INVALID_MODULE,
                  what + ": its memory was not allocated through "
                         "hooks->alloc (" MLC_MODULE_CUDA_HOOKS_SYMBOL ")");
    if (data < allocated ||
        static_cast<uint64_t>(data - allocated) > blockBytes ||
        bytes > blockBytes - static_cast<uint64_t>(data - allocated))
      return fail(MLC_ERROR_INVALID_MODULE,
                  what + ": its " + std::to_string(bytes) + " bytes at byte " +
                      std::to_string(data - allocated) +
                      " of its allocation lie outside it (" +
                      std::to_string(blockBytes) + " bytes)");
    size_t k = 0;
    while (k < j && !(deviceData[k] == view.data &&
                      mlc_tensor_num_elements(&result.outputs[k]) *
                              dtypeSize(result.outputs[k].dtype) ==
                          bytes))
      ++k;
    if (k < j) {
      view.data = result.outputs[k].data;
      continue;
    }
    void *host = alignedAlloc(bytes);
    if (!host)
      return fail(MLC_ERROR_OUT_OF_MEMORY, what + ": cannot allocate " +
                                               std::to_string(bytes) +
                                               " bytes of host memory for it");
    result.hostBuffers.push_back(host);
    call.download(host, view.data, bytes);
    view.data = host;
  }
  return MLC_OK;
}

/// A run of a CUDA module: inputs to the device, the entry point (which
/// queues work on the module's stream through its hooks), outputs back to
/// host memory the result owns, the device outputs freed, the stream
/// synchronised. Runs of one library are serialised by CudaCall.
mlc_status runOnCuda(mlc_model &model, std::vector<mlc_tensor> &inputs,
                     mlc_result **out) {
  const ModuleMetadata &metadata = model.metadata;
  CudaCall call(*model.cuda, model.path);
  if (mlc_status status = call.status())
    return status;
  std::vector<std::vector<int64_t>> inputDescriptors;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const mlc_tensor &t = inputs[i];
    size_t bytes =
        static_cast<size_t>(mlc_tensor_num_elements(&t)) * dtypeSize(t.dtype);
    void *device;
    if (mlc_status status =
            call.uploadInput(i, metadata.inputs[i].name, t.data, bytes, device))
      return status;
    inputDescriptors.push_back(makeDescriptor(device, t.rank, t.shape));
  }
  OutputStorage storage(metadata);
  std::vector<void *> argv =
      makeArgv(storage, inputDescriptors, call.paramDescriptors());

  call.beginEntry();
  model.run(argv.data());

  std::unique_ptr<mlc_result> result = newResult(model);
  mlc_status status = MLC_OK;
  // After a hook failed, the descriptors may be incomplete: only free.
  if (!call.failed()) {
    status = readOutputs(model, storage, *result);
    if (status == MLC_OK)
      status = copyOutputsToHost(call, model, storage, *result);
  }
  // Stream-ordered: the blocks go back to the cache after the copies. A
  // pointer that is no block (a broken module) is not handed to it.
  for (void *allocation : storage.allocations()) {
    uint64_t bytes;
    if (call.moduleBlock(allocation, bytes))
      model.free(allocation);
  }
  // A device failure explains whatever went wrong after it.
  if (mlc_status finished = call.finish())
    return finished;
  if (status)
    return status;
  *out = result.release();
  return MLC_OK;
}

} // namespace

mlc_status mlc_model_run(mlc_model *model, const mlc_tensor *inputs,
                         size_t numInputs, mlc_result **out) {
  if (!out)
    return fail(MLC_ERROR_INVALID_ARGUMENT, "mlc_model_run: out is NULL");
  *out = nullptr;
  if (!model)
    return fail(MLC_ERROR_INVALID_ARGUMENT, "mlc_model_run: model is NULL");
  const ModuleMetadata &metadata = model->metadata;
  if (numInputs != metadata.inputs.size())
    return fail(MLC_ERROR_INVALID_ARGUMENT,
                "module '" + model->path + "' takes " +
                    std::to_string(metadata.inputs.size()) + " inputs (" +
                    describeInputs(metadata) + "), got " +
                    std::to_string(numInputs));
  if (numInputs && !inputs)
    return fail(MLC_ERROR_INVALID_ARGUMENT, "mlc_model_run: inputs is NULL");

  ScratchBuffers scratch;
  std::vector<mlc_tensor> dense;
  if (mlc_status status =
          denseInputs(metadata, inputs, numInputs, scratch, dense))
    return status;
  return model->cuda ? runOnCuda(*model, dense, out)
                     : runOnCpu(*model, dense, out);
}

size_t mlc_result_num_outputs(const mlc_result *result) {
  return result ? result->outputs.size() : 0;
}

const mlc_tensor *mlc_result_output(const mlc_result *result, size_t index) {
  return result && index < result->outputs.size() ? &result->outputs[index]
                                                  : nullptr;
}

void mlc_result_free(mlc_result *result) { delete result; }
