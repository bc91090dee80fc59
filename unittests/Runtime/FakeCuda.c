/*===- FakeCuda.c - a stand-in for the CUDA driver, for the tests ---------===*\
|*                                                                            *|
|* Exports the driver entry points libmlcrt resolves (lib/Runtime/            *|
|* CudaDriver.cpp), with the real versioned names and signatures, and         *|
|* behaves like a driver where the runtime can tell: contexts must be         *|
|* current for memory, module, stream and launch calls; copies must stay     *|
|* inside live allocations; cuModuleGetFunction finds a kernel only if its    *|
|* name is a word of the image (a real cubin, a fake one or PTX; see          *|
|* loadModule). "Device memory" is host memory, so a fake module can compute  *|
|* its results through device pointers; kernels do not run.                   *|
|*                                                                            *|
|* Configured by environment variables, read on every call:                   *|
|*   FAKE_CUDA_DEVICES      number of devices (default 1)                     *|
|*   FAKE_CUDA_CC           compute capability X.Y of every device (9.0)      *|
|*   FAKE_CUDA_NAME         device name ("Fake GPU")                          *|
|*   FAKE_CUDA_MEMORY       device memory in bytes (1 GiB)                    *|
|*   FAKE_CUDA_INIT_ERROR   cuInit returns this code (0)                      *|
|*   FAKE_CUDA_FAIL_LAUNCH  launches of this kernel fail (out of resources)   *|
|*   FAKE_CUDA_SYNC_ERROR   cuStreamSynchronize returns this code once a      *|
|*                          kernel was launched on the stream                 *|
|*   FAKE_CUDA_JIT_ERROR    PTX loads fail (CUDA_ERROR_INVALID_PTX) with this *|
|*                          text in the error log                             *|
|*   FAKE_CUDA_LOG          a file each call appends a line to, e.g.          *|
|*                          "alloc 80", "htod 80", "module_load cubin         *|
|*                          fake-cubin sm_90", "launch fake_sum grid 1 1 1    *|
|*                          block 256 1 1 shared 1024"                        *|
|*                                                                            *|
|* fake_cuda_* functions report what is live and how often the runtime        *|
|* misused the API (a call a real driver would reject).                       *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#define _GNU_SOURCE /* memmem */
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT __attribute__((visibility("default")))

typedef int CUresult;
typedef int CUdevice;
typedef unsigned long long CUdeviceptr;

enum {
  CUDA_SUCCESS = 0,
  CUDA_ERROR_INVALID_VALUE = 1,
  CUDA_ERROR_OUT_OF_MEMORY = 2,
  CUDA_ERROR_NO_DEVICE = 100,
  CUDA_ERROR_INVALID_DEVICE = 101,
  CUDA_ERROR_INVALID_IMAGE = 200,
  CUDA_ERROR_INVALID_CONTEXT = 201,
  CUDA_ERROR_INVALID_PTX = 218,
  CUDA_ERROR_INVALID_HANDLE = 400,
  CUDA_ERROR_NOT_FOUND = 500,
  CUDA_ERROR_ILLEGAL_ADDRESS = 700,
  CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES = 701,
};

enum { kMaxDevices = 8, kMaxObjects = 256 };

typedef struct {
  int retains;
} Context;

typedef struct {
  int live, launched;
} Stream;

typedef struct {
  char name[128];
} Function;

typedef struct {
  char *bytes; /* a copy of the image */
  size_t size;
  Function functions[32];
  int numFunctions;
} Module;

typedef struct {
  char *base;
  size_t size;
} Allocation;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static Context contexts[kMaxDevices];
static Stream *streams[kMaxObjects];
static Module *modules[kMaxObjects];
static Allocation allocations[4096];
static int numAllocations;
static size_t liveBytes;
static long misuses;
static __thread Context *contextStack[16];
static __thread int contextDepth;

/*===--------------------------------------------------------------------===*
 * Configuration and log
 *===--------------------------------------------------------------------===*/

static long long envNumber(const char *name, long long fallback) {
  const char *value = getenv(name);
  return value && *value ? strtoll(value, NULL, 10) : fallback;
}

static int numDevices(void) {
  long long n = envNumber("FAKE_CUDA_DEVICES", 1);
  return n < 0 ? 0 : n > kMaxDevices ? kMaxDevices : (int)n;
}

static void capability(int *major, int *minor) {
  const char *value = getenv("FAKE_CUDA_CC");
  *major = 9;
  *minor = 0;
  if (value && *value)
    sscanf(value, "%d.%d", major, minor);
}

static size_t memoryBytes(void) {
  return (size_t)envNumber("FAKE_CUDA_MEMORY", 1LL << 30);
}

static void logLine(const char *format, ...) {
  const char *path = getenv("FAKE_CUDA_LOG");
  if (!path || !*path)
    return;
  FILE *file = fopen(path, "a");
  if (!file)
    return;
  va_list args;
  va_start(args, format);
  vfprintf(file, format, args);
  va_end(args);
  fputc('\n', file);
  fclose(file);
}

/* A call a real driver would reject: counted, so tests can require none. */
static CUresult misuse(CUresult result, const char *what) {
  ++misuses;
  logLine("misuse %s", what);
  return result;
}

static CUresult requireContext(const char *what) {
  if (contextDepth == 0 || contextStack[contextDepth - 1]->retains <= 0)
    return misuse(CUDA_ERROR_INVALID_CONTEXT, what);
  return CUDA_SUCCESS;
}

static int liveStream(Stream *stream) {
  for (int i = 0; i < kMaxObjects; ++i)
    if (streams[i] && streams[i] == stream)
      return stream->live;
  return 0;
}

/* The allocation holding [pointer, pointer + bytes), or NULL. */
static Allocation *findAllocation(CUdeviceptr pointer, size_t bytes) {
  char *p = (char *)(uintptr_t)pointer;
  for (int i = 0; i < numAllocations; ++i) {
    Allocation *a = &allocations[i];
    if (p >= a->base && p <= a->base + a->size &&
        bytes <= (size_t)(a->base + a->size - p))
      return a;
  }
  return NULL;
}

/*===--------------------------------------------------------------------===*
 * Introspection for the tests
 *===--------------------------------------------------------------------===*/

EXPORT long fake_cuda_live_allocations(void) { return numAllocations; }
EXPORT long fake_cuda_misuses(void) { return misuses; }
EXPORT int fake_cuda_is_device_pointer(const void *pointer) {
  pthread_mutex_lock(&lock);
  int found = findAllocation((CUdeviceptr)(uintptr_t)pointer, 1) != NULL;
  pthread_mutex_unlock(&lock);
  return found;
}
EXPORT int fake_cuda_retained_contexts(void) {
  int n = 0;
  for (int i = 0; i < kMaxDevices; ++i)
    n += contexts[i].retains;
  return n;
}
EXPORT int fake_cuda_live_streams(void) {
  int n = 0;
  for (int i = 0; i < kMaxObjects; ++i)
    n += streams[i] && streams[i]->live;
  return n;
}
EXPORT int fake_cuda_live_modules(void) {
  int n = 0;
  for (int i = 0; i < kMaxObjects; ++i)
    n += modules[i] != NULL;
  return n;
}
EXPORT int fake_cuda_context_depth(void) { return contextDepth; }

/*===--------------------------------------------------------------------===*
 * Initialisation, errors, devices
 *===--------------------------------------------------------------------===*/

EXPORT CUresult cuInit(unsigned flags) {
  logLine("init %u", flags);
  return (CUresult)envNumber("FAKE_CUDA_INIT_ERROR", 0);
}

EXPORT CUresult cuDriverGetVersion(int *version) {
  *version = 13000;
  return CUDA_SUCCESS;
}

static const struct {
  CUresult code;
  const char *name, *text;
} kErrors[] = {
    {CUDA_SUCCESS, "CUDA_SUCCESS", "no error"},
    {CUDA_ERROR_INVALID_VALUE, "CUDA_ERROR_INVALID_VALUE", "invalid argument"},
    {CUDA_ERROR_OUT_OF_MEMORY, "CUDA_ERROR_OUT_OF_MEMORY", "out of memory"},
    {CUDA_ERROR_NO_DEVICE, "CUDA_ERROR_NO_DEVICE",
     "no CUDA-capable device is detected"},
    {CUDA_ERROR_INVALID_DEVICE, "CUDA_ERROR_INVALID_DEVICE",
     "invalid device ordinal"},
    {CUDA_ERROR_INVALID_IMAGE, "CUDA_ERROR_INVALID_IMAGE",
     "device kernel image is invalid"},
    {CUDA_ERROR_INVALID_CONTEXT, "CUDA_ERROR_INVALID_CONTEXT",
     "invalid device context"},
    {CUDA_ERROR_INVALID_PTX, "CUDA_ERROR_INVALID_PTX",
     "a PTX JIT compilation failed"},
    {CUDA_ERROR_INVALID_HANDLE, "CUDA_ERROR_INVALID_HANDLE",
     "invalid resource handle"},
    {CUDA_ERROR_NOT_FOUND, "CUDA_ERROR_NOT_FOUND", "named symbol not found"},
    {CUDA_ERROR_ILLEGAL_ADDRESS, "CUDA_ERROR_ILLEGAL_ADDRESS",
     "an illegal memory access was encountered"},
    {CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES, "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES",
     "too many resources requested for launch"},
};

static CUresult errorEntry(CUresult error, const char **out, int text) {
  for (size_t i = 0; i < sizeof kErrors / sizeof kErrors[0]; ++i)
    if (kErrors[i].code == error) {
      *out = text ? kErrors[i].text : kErrors[i].name;
      return CUDA_SUCCESS;
    }
  *out = NULL;
  return CUDA_ERROR_INVALID_VALUE;
}

EXPORT CUresult cuGetErrorName(CUresult error, const char **name) {
  return errorEntry(error, name, 0);
}

EXPORT CUresult cuGetErrorString(CUresult error, const char **text) {
  return errorEntry(error, text, 1);
}

EXPORT CUresult cuDeviceGetCount(int *count) {
  *count = numDevices();
  return CUDA_SUCCESS;
}

EXPORT CUresult cuDeviceGet(CUdevice *device, int ordinal) {
  if (ordinal < 0 || ordinal >= numDevices())
    return misuse(CUDA_ERROR_INVALID_DEVICE, "cuDeviceGet");
  *device = ordinal;
  return CUDA_SUCCESS;
}

EXPORT CUresult cuDeviceGetAttribute(int *value, int attribute,
                                     CUdevice device) {
  int major, minor;
  capability(&major, &minor);
  if (device < 0 || device >= numDevices())
    return misuse(CUDA_ERROR_INVALID_DEVICE, "cuDeviceGetAttribute");
  if (attribute == 75)
    *value = major;
  else if (attribute == 76)
    *value = minor;
  else
    return misuse(CUDA_ERROR_INVALID_VALUE, "cuDeviceGetAttribute");
  return CUDA_SUCCESS;
}

EXPORT CUresult cuDeviceGetName(char *name, int length, CUdevice device) {
  const char *value = getenv("FAKE_CUDA_NAME");
  if (device < 0 || device >= numDevices())
    return misuse(CUDA_ERROR_INVALID_DEVICE, "cuDeviceGetName");
  snprintf(name, (size_t)length, "%s", value && *value ? value : "Fake GPU");
  return CUDA_SUCCESS;
}

EXPORT CUresult cuDeviceTotalMem_v2(size_t *bytes, CUdevice device) {
  if (device < 0 || device >= numDevices())
    return misuse(CUDA_ERROR_INVALID_DEVICE, "cuDeviceTotalMem_v2");
  *bytes = memoryBytes();
  return CUDA_SUCCESS;
}

/*===--------------------------------------------------------------------===*
 * Contexts and streams
 *===--------------------------------------------------------------------===*/

EXPORT CUresult cuDevicePrimaryCtxRetain(Context **context, CUdevice device) {
  if (device < 0 || device >= numDevices())
    return misuse(CUDA_ERROR_INVALID_DEVICE, "cuDevicePrimaryCtxRetain");
  pthread_mutex_lock(&lock);
  ++contexts[device].retains;
  pthread_mutex_unlock(&lock);
  *context = &contexts[device];
  logLine("ctx_retain %d", device);
  return CUDA_SUCCESS;
}

EXPORT CUresult cuDevicePrimaryCtxRelease_v2(CUdevice device) {
  if (device < 0 || device >= kMaxDevices || contexts[device].retains <= 0)
    return misuse(CUDA_ERROR_INVALID_CONTEXT, "cuDevicePrimaryCtxRelease_v2");
  pthread_mutex_lock(&lock);
  --contexts[device].retains;
  pthread_mutex_unlock(&lock);
  logLine("ctx_release %d", device);
  return CUDA_SUCCESS;
}

EXPORT CUresult cuCtxPushCurrent_v2(Context *context) {
  if (!context || contextDepth == 16)
    return misuse(CUDA_ERROR_INVALID_CONTEXT, "cuCtxPushCurrent_v2");
  contextStack[contextDepth++] = context;
  return CUDA_SUCCESS;
}

EXPORT CUresult cuCtxPopCurrent_v2(Context **context) {
  if (contextDepth == 0)
    return misuse(CUDA_ERROR_INVALID_CONTEXT, "cuCtxPopCurrent_v2");
  Context *top = contextStack[--contextDepth];
  if (context)
    *context = top;
  return CUDA_SUCCESS;
}

EXPORT CUresult cuStreamCreate(Stream **stream, unsigned flags) {
  if (requireContext("cuStreamCreate"))
    return CUDA_ERROR_INVALID_CONTEXT;
  pthread_mutex_lock(&lock);
  for (int i = 0; i < kMaxObjects; ++i)
    if (!streams[i]) {
      streams[i] = calloc(1, sizeof(Stream));
      streams[i]->live = 1;
      *stream = streams[i];
      pthread_mutex_unlock(&lock);
      logLine("stream_create %u", flags);
      return CUDA_SUCCESS;
    }
  pthread_mutex_unlock(&lock);
  return CUDA_ERROR_OUT_OF_MEMORY;
}

EXPORT CUresult cuStreamSynchronize(Stream *stream) {
  if (requireContext("cuStreamSynchronize"))
    return CUDA_ERROR_INVALID_CONTEXT;
  if (!liveStream(stream))
    return misuse(CUDA_ERROR_INVALID_HANDLE, "cuStreamSynchronize");
  logLine("sync");
  if (stream->launched)
    return (CUresult)envNumber("FAKE_CUDA_SYNC_ERROR", 0);
  return CUDA_SUCCESS;
}

EXPORT CUresult cuStreamDestroy_v2(Stream *stream) {
  if (requireContext("cuStreamDestroy_v2"))
    return CUDA_ERROR_INVALID_CONTEXT;
  pthread_mutex_lock(&lock);
  for (int i = 0; i < kMaxObjects; ++i)
    if (streams[i] == stream && stream->live) {
      free(stream);
      streams[i] = NULL;
      pthread_mutex_unlock(&lock);
      logLine("stream_destroy");
      return CUDA_SUCCESS;
    }
  pthread_mutex_unlock(&lock);
  return misuse(CUDA_ERROR_INVALID_HANDLE, "cuStreamDestroy_v2");
}

/*===--------------------------------------------------------------------===*
 * Memory
 *===--------------------------------------------------------------------===*/

EXPORT CUresult cuMemGetInfo_v2(size_t *freeBytes, size_t *total) {
  if (requireContext("cuMemGetInfo_v2"))
    return CUDA_ERROR_INVALID_CONTEXT;
  *total = memoryBytes();
  *freeBytes = liveBytes < *total ? *total - liveBytes : 0;
  return CUDA_SUCCESS;
}

EXPORT CUresult cuMemAlloc_v2(CUdeviceptr *pointer, size_t bytes) {
  if (requireContext("cuMemAlloc_v2"))
    return CUDA_ERROR_INVALID_CONTEXT;
  if (bytes == 0)
    return misuse(CUDA_ERROR_INVALID_VALUE, "cuMemAlloc_v2 of 0 bytes");
  pthread_mutex_lock(&lock);
  size_t limit = memoryBytes();
  if (bytes > limit - (liveBytes < limit ? liveBytes : limit) ||
      numAllocations == (int)(sizeof allocations / sizeof allocations[0])) {
    pthread_mutex_unlock(&lock);
    logLine("alloc %zu failed", bytes);
    return CUDA_ERROR_OUT_OF_MEMORY;
  }
  size_t rounded = (bytes + 255) / 256 * 256;
  char *base = aligned_alloc(256, rounded);
  /* Uninitialised device memory: what was never copied shows. */
  memset(base, 0xAB, rounded);
  allocations[numAllocations++] = (Allocation){base, bytes};
  liveBytes += bytes;
  pthread_mutex_unlock(&lock);
  *pointer = (CUdeviceptr)(uintptr_t)base;
  logLine("alloc %zu", bytes);
  return CUDA_SUCCESS;
}

EXPORT CUresult cuMemFree_v2(CUdeviceptr pointer) {
  if (requireContext("cuMemFree_v2"))
    return CUDA_ERROR_INVALID_CONTEXT;
  pthread_mutex_lock(&lock);
  for (int i = 0; i < numAllocations; ++i)
    if (allocations[i].base == (char *)(uintptr_t)pointer) {
      size_t bytes = allocations[i].size;
      free(allocations[i].base);
      liveBytes -= bytes;
      allocations[i] = allocations[--numAllocations];
      pthread_mutex_unlock(&lock);
      logLine("free %zu", bytes);
      return CUDA_SUCCESS;
    }
  pthread_mutex_unlock(&lock);
  return misuse(CUDA_ERROR_INVALID_VALUE, "cuMemFree_v2 of no allocation");
}

static CUresult copy(void *dst, const void *src, size_t bytes,
                     CUdeviceptr device, Stream *stream, const char *what) {
  if (requireContext(what))
    return CUDA_ERROR_INVALID_CONTEXT;
  if (!liveStream(stream))
    return misuse(CUDA_ERROR_INVALID_HANDLE, what);
  pthread_mutex_lock(&lock);
  int inside = findAllocation(device, bytes) != NULL;
  pthread_mutex_unlock(&lock);
  if (!inside)
    return misuse(CUDA_ERROR_INVALID_VALUE, what);
  memcpy(dst, src, bytes);
  return CUDA_SUCCESS;
}

EXPORT CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr dst, const void *src,
                                     size_t bytes, Stream *stream) {
  CUresult r = copy((void *)(uintptr_t)dst, src, bytes, dst, stream,
                    "cuMemcpyHtoDAsync_v2");
  if (!r)
    logLine("htod %zu", bytes);
  return r;
}

EXPORT CUresult cuMemcpyDtoHAsync_v2(void *dst, CUdeviceptr src, size_t bytes,
                                     Stream *stream) {
  CUresult r = copy(dst, (const void *)(uintptr_t)src, bytes, src, stream,
                    "cuMemcpyDtoHAsync_v2");
  if (!r)
    logLine("dtoh %zu", bytes);
  return r;
}

/*===--------------------------------------------------------------------===*
 * Modules and launches
 *===--------------------------------------------------------------------===*/

/* The size of a 64-bit ELF file (a real cubin) from its header: the end of
 * its section or program header table, whichever is last. */
static size_t elfSize(const unsigned char *elf) {
  uint64_t shoff, phoff;
  uint16_t phentsize, phnum, shentsize, shnum;
  memcpy(&phoff, elf + 32, 8);
  memcpy(&shoff, elf + 40, 8);
  memcpy(&phentsize, elf + 54, 2);
  memcpy(&phnum, elf + 56, 2);
  memcpy(&shentsize, elf + 58, 2);
  memcpy(&shnum, elf + 60, 2);
  uint64_t sections = shoff + (uint64_t)shentsize * shnum;
  uint64_t programs = phoff + (uint64_t)phentsize * phnum;
  return (size_t)(sections > programs ? sections : programs);
}

static const char kElfMagic[4] = {0x7f, 'E', 'L', 'F'};

/* Images: a real cubin (a 64-bit ELF file), a fake cubin (the ELF magic
 * followed by NUL-terminated text), or PTX (NUL-terminated text starting
 * with "//"). */
static CUresult loadModule(Module **out, const void *image, int ex,
                           void *errorLog, size_t errorLogSize) {
  if (requireContext("cuModuleLoadData"))
    return CUDA_ERROR_INVALID_CONTEXT;
  const char *bytes = image;
  int cubin = memcmp(bytes, kElfMagic, 4) == 0;
  int realCubin = cubin && bytes[4] == 2; /* ELFCLASS64 */
  if (!cubin && strncmp(bytes, "//", 2) != 0)
    return CUDA_ERROR_INVALID_IMAGE;
  const char *text = realCubin ? bytes : cubin ? bytes + 4 : bytes;
  const char *jitError = getenv("FAKE_CUDA_JIT_ERROR");
  if (!cubin && jitError && *jitError) {
    if (errorLog && errorLogSize)
      snprintf(errorLog, errorLogSize, "%s", jitError);
    logLine("module_load ptx failed");
    return CUDA_ERROR_INVALID_PTX;
  }
  Module *module = calloc(1, sizeof(Module));
  module->size =
      realCubin ? elfSize((const unsigned char *)bytes) : strlen(text) + 1;
  module->bytes = malloc(module->size);
  memcpy(module->bytes, text, module->size);
  pthread_mutex_lock(&lock);
  for (int i = 0; i < kMaxObjects; ++i)
    if (!modules[i]) {
      modules[i] = module;
      break;
    }
  pthread_mutex_unlock(&lock);
  *out = module;
  if (realCubin) {
    logLine("module_load cubin ELF of %zu bytes%s", module->size,
            ex ? " (ex)" : "");
  } else {
    size_t label = strcspn(text, ":\n");
    logLine("module_load %s %.*s%s", cubin ? "cubin" : "ptx", (int)label, text,
            ex ? " (ex)" : "");
  }
  return CUDA_SUCCESS;
}

EXPORT CUresult cuModuleLoadData(Module **module, const void *image) {
  return loadModule(module, image, 0, NULL, 0);
}

EXPORT CUresult cuModuleLoadDataEx(Module **module, const void *image,
                                   unsigned numOptions, int *options,
                                   void **values) {
  void *errorLog = NULL;
  size_t errorLogSize = 0;
  for (unsigned i = 0; i < numOptions; ++i) {
    if (options[i] == 5) /* CU_JIT_ERROR_LOG_BUFFER */
      errorLog = values[i];
    else if (options[i] == 6) /* CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES */
      errorLogSize = (size_t)(uintptr_t)values[i];
  }
  return loadModule(module, image, 1, errorLog, errorLogSize);
}

static int isWordChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '_' || c == '$';
}

EXPORT CUresult cuModuleGetFunction(Function **function, Module *module,
                                    const char *name) {
  if (requireContext("cuModuleGetFunction"))
    return CUDA_ERROR_INVALID_CONTEXT;
  /* A whole word of the image: in a real cubin a NUL-terminated name of
   * its string table, in a fake image a word of its text. */
  size_t n = strlen(name);
  const char *begin = module->bytes, *end = module->bytes + module->size;
  for (const char *p = memmem(begin, module->size, name, n); p;
       p = memmem(p + 1, (size_t)(end - p - 1), name, n)) {
    if ((p == begin || !isWordChar(p[-1])) &&
        (p + n == end || !isWordChar(p[n]))) {
      if (module->numFunctions == 32)
        return CUDA_ERROR_OUT_OF_MEMORY;
      Function *f = &module->functions[module->numFunctions++];
      snprintf(f->name, sizeof f->name, "%s", name);
      *function = f;
      return CUDA_SUCCESS;
    }
  }
  return CUDA_ERROR_NOT_FOUND;
}

EXPORT CUresult cuModuleUnload(Module *module) {
  if (requireContext("cuModuleUnload"))
    return CUDA_ERROR_INVALID_CONTEXT;
  pthread_mutex_lock(&lock);
  for (int i = 0; i < kMaxObjects; ++i)
    if (modules[i] == module) {
      modules[i] = NULL;
      pthread_mutex_unlock(&lock);
      free(module->bytes);
      free(module);
      logLine("module_unload");
      return CUDA_SUCCESS;
    }
  pthread_mutex_unlock(&lock);
  return misuse(CUDA_ERROR_INVALID_HANDLE, "cuModuleUnload");
}

EXPORT CUresult cuLaunchKernel(Function *f, unsigned gridX, unsigned gridY,
                               unsigned gridZ, unsigned blockX, unsigned blockY,
                               unsigned blockZ, unsigned sharedBytes,
                               Stream *stream, void **params, void **extra) {
  if (requireContext("cuLaunchKernel"))
    return CUDA_ERROR_INVALID_CONTEXT;
  /* The runtime must launch on its own stream, never the legacy one. */
  if (!f || !liveStream(stream))
    return misuse(CUDA_ERROR_INVALID_HANDLE, "cuLaunchKernel");
  if (!gridX || !gridY || !gridZ || !blockX || !blockY || !blockZ ||
      (!params && !extra))
    return misuse(CUDA_ERROR_INVALID_VALUE, "cuLaunchKernel");
  logLine("launch %s grid %u %u %u block %u %u %u shared %u", f->name, gridX,
          gridY, gridZ, blockX, blockY, blockZ, sharedBytes);
  const char *failing = getenv("FAKE_CUDA_FAIL_LAUNCH");
  if (failing && strcmp(failing, f->name) == 0)
    return CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES;
  stream->launched = 1;
  return CUDA_SUCCESS;
}
