/*===- FakeCuda.c - a stand-in for the CUDA driver, for the tests ---------===*\
|*                                                                            *|
|* Exports the driver entry points libmlcrt resolves (lib/Runtime/            *|
|* CudaDriver.cpp), with the real versioned names and signatures, and         *|
|* behaves like a driver where the runtime can tell: contexts must be         *|
|* current for memory, module, stream and launch calls; copies must stay     *|
|* inside live allocations; cuModuleGetFunction finds a kernel only if its    *|
|* name is a word of the image (a real cubin, a fake one or PTX; see          *|
|* loadModule). "Device memory" is host memory, so a fake module can compute  *|
|* its results through device pointers. Kernels run only where an image       *|
|* gives them a host implementation (FakeCudaKernels.h): then a launch calls  *|
|* it, in stream order, which here is at once. Stream capture records the    *|
|* launches (with a copy of their argument values) into a graph that          *|
|* cuGraphLaunch replays; during a capture, the calls a real driver forbids   *|
|* in CU_STREAM_CAPTURE_MODE_THREAD_LOCAL (allocating, freeing,               *|
|* synchronising) fail and invalidate it, and copies or memsets on the        *|
|* capturing stream count as misuses (the runtime captures launches only).    *|
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
|*   FAKE_CUDA_GRAPH_ERROR  begin, capture, instantiate or launch: that step  *|
|*                          of a CUDA graph fails (cuStreamBeginCapture,      *|
|*                          a launch while capturing, cuGraphInstantiate,     *|
|*                          cuGraphLaunch)                                    *|
|*   FAKE_CUDA_LOG          a file each call appends a line to, e.g.          *|
|*                          "alloc 80", "htod 80", "module_load cubin         *|
|*                          fake-cubin sm_90", "launch fake_sum grid 1 1 1    *|
|*                          block 256 1 1 shared 1024"; a launch captured     *|
|*                          into a graph logs "capture NAME ...", its replay  *|
|*                          "launch NAME ... (graph)" after "graph_launch N"  *|
|*                                                                            *|
|* fake_cuda_* functions report what is live and how often the runtime        *|
|* misused the API (a call a real driver would reject).                       *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#define _GNU_SOURCE /* memmem */
#include "FakeCudaKernels.h"

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
  CUDA_ERROR_NOT_SUPPORTED = 801,
  CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED = 900,
  CUDA_ERROR_STREAM_CAPTURE_INVALIDATED = 901,
};

enum {
  kMaxDevices = 8,
  kMaxObjects = 256,
  kMaxFunctions = 512, /* per module: a Qwen3 library has about 50 */
  kMaxParams = FAKE_HOST_KERNEL_MAX_PARAMS
};

typedef struct Graph Graph;

typedef struct {
  int retains;
} Context;

typedef struct {
  int live, launched;
  Graph *capture;  /* the graph being captured, or NULL */
  int invalidated; /* the capture failed: cuStreamEndCapture says so */
} Stream;

typedef struct {
  char name[128];
  const FakeHostKernel *host; /* NULL: the launch does nothing */
} Function;

typedef struct {
  char *bytes; /* a copy of the image */
  size_t size;
  const FakeHostKernel *hostKernels; /* in the image, or NULL */
  Function functions[kMaxFunctions];
  int numFunctions;
} Module;

/* A launch as a graph holds it: the argument values are copied, and which
 * of them were device pointers noted (a replay checks they still are). */
typedef struct {
  Function *function;
  unsigned grid[3], block[3], shared;
  uint64_t values[kMaxParams];
  int devicePointer[kMaxParams];
} Launch;

/* A captured graph, or (`exec`) an instantiated one. */
struct Graph {
  Launch *launches;
  int count, capacity;
  int exec;
};

typedef struct {
  char *base;
  size_t size;
} Allocation;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static Context contexts[kMaxDevices];
static Stream *streams[kMaxObjects];
static Module *modules[kMaxObjects];
static Graph *graphs[kMaxObjects];
static Allocation allocations[4096];
static int numAllocations;
static size_t liveBytes;
static long misuses;
static __thread Context *contextStack[16];
static __thread int contextDepth;
/* The stream this thread captures into (at most one), or NULL. */
static __thread Stream *capturing;

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

/* FAKE_CUDA_GRAPH_ERROR names `step`. */
static int graphErrorAt(const char *step) {
  const char *value = getenv("FAKE_CUDA_GRAPH_ERROR");
  return value && strcmp(value, step) == 0;
}

/* A call that CU_STREAM_CAPTURE_MODE_THREAD_LOCAL forbids while this
 * thread captures: it fails and invalidates the capture, as a driver does. */
static CUresult forbiddenWhileCapturing(const char *what) {
  if (!capturing)
    return CUDA_SUCCESS;
  capturing->invalidated = 1;
  logLine("capture_invalidated %s", what);
  return CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED;
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
EXPORT size_t fake_cuda_live_bytes(void) { return liveBytes; }
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
EXPORT int fake_cuda_live_graphs(void) {
  int n = 0;
  for (int i = 0; i < kMaxObjects; ++i)
    n += graphs[i] != NULL;
  return n;
}

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
    {CUDA_ERROR_NOT_SUPPORTED, "CUDA_ERROR_NOT_SUPPORTED",
     "operation not supported"},
    {CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED,
     "CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED",
     "operation not permitted when stream is capturing"},
    {CUDA_ERROR_STREAM_CAPTURE_INVALIDATED,
     "CUDA_ERROR_STREAM_CAPTURE_INVALIDATED",
     "operation failed due to a previous error during capture"},
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
  if (forbiddenWhileCapturing("cuStreamSynchronize"))
    return CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED;
  logLine("sync");
  if (stream->launched)
    return (CUresult)envNumber("FAKE_CUDA_SYNC_ERROR", 0);
  return CUDA_SUCCESS;
}

EXPORT CUresult cuStreamDestroy_v2(Stream *stream) {
  if (requireContext("cuStreamDestroy_v2"))
    return CUDA_ERROR_INVALID_CONTEXT;
  if (stream && stream == capturing)
    return misuse(CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED,
                  "cuStreamDestroy_v2 of a capturing stream");
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
  if (forbiddenWhileCapturing("cuMemAlloc_v2"))
    return CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED;
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
  if (forbiddenWhileCapturing("cuMemFree_v2"))
    return CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED;
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

/* Checks a copy or memset of [device, device + bytes) on `stream`. */
static CUresult checkTransfer(CUdeviceptr device, size_t bytes, Stream *stream,
                              const char *what) {
  if (requireContext(what))
    return CUDA_ERROR_INVALID_CONTEXT;
  if (!liveStream(stream))
    return misuse(CUDA_ERROR_INVALID_HANDLE, what);
  if (stream->capture)
    return misuse(CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED, what);
  pthread_mutex_lock(&lock);
  int inside = findAllocation(device, bytes) != NULL;
  pthread_mutex_unlock(&lock);
  if (!inside)
    return misuse(CUDA_ERROR_INVALID_VALUE, what);
  return CUDA_SUCCESS;
}

static CUresult copy(void *dst, const void *src, size_t bytes,
                     CUdeviceptr device, Stream *stream, const char *what) {
  CUresult r = checkTransfer(device, bytes, stream, what);
  if (!r)
    memcpy(dst, src, bytes);
  return r;
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

/* Not used by the runtime: utils/bench/cuda_kernels.py measures the copy
 * bandwidth with it. */
EXPORT CUresult cuMemcpyDtoDAsync_v2(CUdeviceptr dst, CUdeviceptr src,
                                     size_t bytes, Stream *stream) {
  CUresult r = checkTransfer(src, bytes, stream, "cuMemcpyDtoDAsync_v2");
  if (!r)
    r = copy((void *)(uintptr_t)dst, (const void *)(uintptr_t)src, bytes, dst,
             stream, "cuMemcpyDtoDAsync_v2");
  if (!r)
    logLine("dtod %zu", bytes);
  return r;
}

EXPORT CUresult cuMemsetD8Async(CUdeviceptr dst, unsigned char value,
                                size_t bytes, Stream *stream) {
  CUresult r = checkTransfer(dst, bytes, stream, "cuMemsetD8Async");
  if (r)
    return r;
  memset((void *)(uintptr_t)dst, value, bytes);
  logLine("memset %zu", bytes);
  return CUDA_SUCCESS;
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
 * followed by NUL-terminated text; "fake-cubin-host" text has host kernels,
 * see FakeHostKernel), or PTX (NUL-terminated text starting with "//"). */
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
  if (cubin && !realCubin && strncmp(text, "fake-cubin-host", 15) == 0)
    module->hostKernels =
        (const FakeHostKernel *)(bytes + FAKE_HOST_KERNEL_TABLE_OFFSET);
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
      if (module->numFunctions == kMaxFunctions)
        return CUDA_ERROR_OUT_OF_MEMORY;
      Function *f = &module->functions[module->numFunctions++];
      snprintf(f->name, sizeof f->name, "%s", name);
      f->host = NULL;
      for (const FakeHostKernel *k = module->hostKernels; k && k->name; ++k)
        if (strcmp(k->name, name) == 0)
          f->host = k;
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

/* Runs a launch's host kernel, if it has one, on argument values. */
static void runLaunch(const Function *f, void **params) {
  if (f->host)
    f->host->run(params);
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
  if (f->host && (f->host->num_params > kMaxParams || !params))
    return misuse(CUDA_ERROR_INVALID_VALUE, "cuLaunchKernel arguments");
  const char *failing = getenv("FAKE_CUDA_FAIL_LAUNCH");
  if (stream->capture) {
    logLine("capture %s grid %u %u %u block %u %u %u shared %u", f->name, gridX,
            gridY, gridZ, blockX, blockY, blockZ, sharedBytes);
    if (graphErrorAt("capture")) {
      stream->invalidated = 1;
      return CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED;
    }
    if (failing && strcmp(failing, f->name) == 0)
      return CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES;
    Graph *g = stream->capture;
    if (g->count == g->capacity) {
      g->capacity = g->capacity ? 2 * g->capacity : 16;
      g->launches = realloc(g->launches, g->capacity * sizeof(Launch));
    }
    Launch *l = &g->launches[g->count++];
    *l = (Launch){
        f,  {gridX, gridY, gridZ}, {blockX, blockY, blockZ}, sharedBytes, {0},
        {0}};
    /* cuLaunchKernel copies the values: the caller's may change next. */
    pthread_mutex_lock(&lock);
    for (int64_t i = 0; f->host && i < f->host->num_params; ++i) {
      memcpy(&l->values[i], params[i], 8);
      l->devicePointer[i] = findAllocation(l->values[i], 1) != NULL;
    }
    pthread_mutex_unlock(&lock);
    return CUDA_SUCCESS;
  }
  logLine("launch %s grid %u %u %u block %u %u %u shared %u", f->name, gridX,
          gridY, gridZ, blockX, blockY, blockZ, sharedBytes);
  if (failing && strcmp(failing, f->name) == 0)
    return CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES;
  stream->launched = 1;
  runLaunch(f, params);
  return CUDA_SUCCESS;
}

/*===--------------------------------------------------------------------===*
 * Stream capture and graphs
 *===--------------------------------------------------------------------===*/

static Graph *newGraph(int exec) {
  Graph *g = calloc(1, sizeof(Graph));
  g->exec = exec;
  pthread_mutex_lock(&lock);
  for (int i = 0; i < kMaxObjects; ++i)
    if (!graphs[i]) {
      graphs[i] = g;
      break;
    }
  pthread_mutex_unlock(&lock);
  return g;
}

/* Frees `g` if it is a live graph of kind `exec`; false if it is not. */
static int freeGraph(Graph *g, int exec) {
  pthread_mutex_lock(&lock);
  for (int i = 0; i < kMaxObjects; ++i)
    if (g && graphs[i] == g && g->exec == exec) {
      graphs[i] = NULL;
      pthread_mutex_unlock(&lock);
      free(g->launches);
      free(g);
      return 1;
    }
  pthread_mutex_unlock(&lock);
  return 0;
}

EXPORT CUresult cuStreamBeginCapture_v2(Stream *stream, int mode) {
  if (requireContext("cuStreamBeginCapture_v2"))
    return CUDA_ERROR_INVALID_CONTEXT;
  if (!liveStream(stream) || stream->capture || capturing)
    return misuse(CUDA_ERROR_INVALID_VALUE, "cuStreamBeginCapture_v2");
  if (mode != 1) /* only what the runtime uses: THREAD_LOCAL */
    return misuse(CUDA_ERROR_INVALID_VALUE, "cuStreamBeginCapture_v2 mode");
  if (graphErrorAt("begin"))
    return CUDA_ERROR_NOT_SUPPORTED;
  stream->capture = newGraph(0);
  stream->invalidated = 0;
  capturing = stream;
  logLine("capture_begin");
  return CUDA_SUCCESS;
}

EXPORT CUresult cuStreamEndCapture(Stream *stream, Graph **graph) {
  if (requireContext("cuStreamEndCapture"))
    return CUDA_ERROR_INVALID_CONTEXT;
  if (!liveStream(stream) || !stream->capture || capturing != stream)
    return misuse(CUDA_ERROR_INVALID_VALUE, "cuStreamEndCapture");
  Graph *g = stream->capture;
  stream->capture = NULL;
  capturing = NULL;
  *graph = NULL;
  if (stream->invalidated) {
    freeGraph(g, 0);
    logLine("capture_end invalidated");
    return CUDA_ERROR_STREAM_CAPTURE_INVALIDATED;
  }
  *graph = g;
  logLine("capture_end %d", g->count);
  return CUDA_SUCCESS;
}

EXPORT CUresult cuGraphInstantiateWithFlags(Graph **exec, Graph *graph,
                                            unsigned long long flags) {
  (void)flags;
  if (requireContext("cuGraphInstantiateWithFlags"))
    return CUDA_ERROR_INVALID_CONTEXT;
  int known = 0;
  pthread_mutex_lock(&lock);
  for (int i = 0; i < kMaxObjects; ++i)
    known |= graph && graphs[i] == graph && !graph->exec;
  pthread_mutex_unlock(&lock);
  if (!known)
    return misuse(CUDA_ERROR_INVALID_VALUE, "cuGraphInstantiateWithFlags");
  if (graphErrorAt("instantiate"))
    return CUDA_ERROR_NOT_SUPPORTED;
  Graph *e = newGraph(1);
  e->count = e->capacity = graph->count;
  e->launches = malloc((graph->count ? graph->count : 1) * sizeof(Launch));
  memcpy(e->launches, graph->launches, graph->count * sizeof(Launch));
  *exec = e;
  return CUDA_SUCCESS;
}

EXPORT CUresult cuGraphLaunch(Graph *exec, Stream *stream) {
  if (requireContext("cuGraphLaunch"))
    return CUDA_ERROR_INVALID_CONTEXT;
  if (!exec || !exec->exec || !liveStream(stream) || stream->capture)
    return misuse(CUDA_ERROR_INVALID_VALUE, "cuGraphLaunch");
  if (graphErrorAt("launch"))
    return CUDA_ERROR_NOT_SUPPORTED;
  logLine("graph_launch %d", exec->count);
  for (int i = 0; i < exec->count; ++i) {
    Launch *l = &exec->launches[i];
    logLine("launch %s grid %u %u %u block %u %u %u shared %u (graph)",
            l->function->name, l->grid[0], l->grid[1], l->grid[2], l->block[0],
            l->block[1], l->block[2], l->shared);
    /* Memory a graph uses must outlive it: on a GPU the kernel would fault
     * (or corrupt what the memory holds now). */
    int freed = 0;
    pthread_mutex_lock(&lock);
    for (int k = 0; k < kMaxParams; ++k)
      freed |= l->devicePointer[k] && !findAllocation(l->values[k], 1);
    pthread_mutex_unlock(&lock);
    if (freed) {
      misuse(CUDA_SUCCESS, "cuGraphLaunch of a graph whose device memory "
                           "was freed");
      continue;
    }
    void *params[kMaxParams];
    for (int k = 0; k < kMaxParams; ++k)
      params[k] = &l->values[k];
    runLaunch(l->function, params);
  }
  stream->launched = 1;
  return CUDA_SUCCESS;
}

EXPORT CUresult cuGraphExecDestroy(Graph *exec) {
  if (requireContext("cuGraphExecDestroy"))
    return CUDA_ERROR_INVALID_CONTEXT;
  if (!freeGraph(exec, 1))
    return misuse(CUDA_ERROR_INVALID_VALUE, "cuGraphExecDestroy");
  return CUDA_SUCCESS;
}

EXPORT CUresult cuGraphDestroy(Graph *graph) {
  if (requireContext("cuGraphDestroy"))
    return CUDA_ERROR_INVALID_CONTEXT;
  if (!freeGraph(graph, 0))
    return misuse(CUDA_ERROR_INVALID_VALUE, "cuGraphDestroy");
  return CUDA_SUCCESS;
}

/*===--------------------------------------------------------------------===*
 * cuBLASLt
 *
 * The cuBLASLt entry points libmlcrt resolves (lib/Runtime/CublasLt.h),
 * exported by the same library so that MLC_CUBLASLT can name it too. A
 * GEMM is computed on the host in the documented column-major semantics
 * (D = alpha op(A) op(B) + beta C, op(X) = X or X^T, element (i, j) of a
 * rows x columns matrix at i + j * ld, batches `stride` elements apart),
 * queued like a launch: at once, or into the graph being captured. Calls
 * that cuBLASLt would reject (inconsistent sizes, a leading dimension below
 * the rows, a matrix outside device memory, an attribute of the wrong
 * size) count as misuses.
 *   FAKE_CUBLASLT_CREATE_ERROR  cublasLtCreate returns this status
 *   FAKE_CUBLASLT_NO_ALGO       the heuristic finds no algorithm
 * Logs "gemm M N K batch B opA T|N opB T|N beta 0|1", "capture gemm ..."
 * and "gemm ... (graph)".
 *===--------------------------------------------------------------------===*/

enum {
  CUBLAS_STATUS_SUCCESS = 0,
  CUBLAS_STATUS_NOT_INITIALIZED = 1,
  CUBLAS_STATUS_INVALID_VALUE = 7,
  CUBLAS_STATUS_EXECUTION_FAILED = 13,
  CUBLAS_STATUS_NOT_SUPPORTED = 15,
  kFakeAlgo = 0x6a6c6167 /* a marker in the algorithm's first word */
};

typedef struct {
  int live;
} LtHandle;

typedef struct {
  int compute, scale, transA, transB;
} LtMatmulDesc;

typedef struct {
  int type;
  uint64_t rows, columns;
  int64_t ld;
  int32_t batch;
  int64_t stride;
} LtLayout;

typedef struct {
  uint64_t workspace;
} LtPreference;

typedef struct {
  uint64_t data[8];
} LtAlgo;

typedef struct {
  LtAlgo algo;
  size_t workspaceSize;
  int state;
  float wavesCount;
  int reserved[4];
} LtHeuristicResult;

/* A queued GEMM: copies of what cublasLtMatmul was given. */
typedef struct {
  LtMatmulDesc desc;
  LtLayout layouts[4];
  const void *a, *b, *c;
  void *d;
  float alpha, beta;
} LtGemm;

static int ltStatus(const char *what) {
  misuse(CUDA_SUCCESS, what);
  return CUBLAS_STATUS_INVALID_VALUE;
}

EXPORT int cublasLtCreate(LtHandle **handle) {
  long long error = envNumber("FAKE_CUBLASLT_CREATE_ERROR", 0);
  if (error)
    return (int)error;
  if (!handle || requireContext("cublasLtCreate"))
    return CUBLAS_STATUS_NOT_INITIALIZED;
  *handle = calloc(1, sizeof(LtHandle));
  (*handle)->live = 1;
  logLine("cublaslt_create");
  return CUBLAS_STATUS_SUCCESS;
}

EXPORT int cublasLtDestroy(LtHandle *handle) {
  if (!handle || !handle->live)
    return ltStatus("cublasLtDestroy");
  handle->live = 0; /* kept: a later use is caught */
  logLine("cublaslt_destroy");
  return CUBLAS_STATUS_SUCCESS;
}

EXPORT size_t cublasLtGetVersion(void) { return 130100; }

EXPORT const char *cublasLtGetStatusName(int status) {
  switch (status) {
  case CUBLAS_STATUS_SUCCESS:
    return "CUBLAS_STATUS_SUCCESS";
  case CUBLAS_STATUS_NOT_INITIALIZED:
    return "CUBLAS_STATUS_NOT_INITIALIZED";
  case CUBLAS_STATUS_INVALID_VALUE:
    return "CUBLAS_STATUS_INVALID_VALUE";
  case CUBLAS_STATUS_EXECUTION_FAILED:
    return "CUBLAS_STATUS_EXECUTION_FAILED";
  case CUBLAS_STATUS_NOT_SUPPORTED:
    return "CUBLAS_STATUS_NOT_SUPPORTED";
  default:
    return "CUBLAS_STATUS_UNKNOWN";
  }
}

EXPORT int cublasLtMatmulDescCreate(LtMatmulDesc **desc, int compute,
                                    int scale) {
  /* CUBLAS_COMPUTE_32F (68) with CUDA_R_32F scaling: what libmlcrt asks. */
  if (!desc || compute != 68 || scale != 0)
    return ltStatus("cublasLtMatmulDescCreate");
  *desc = calloc(1, sizeof(LtMatmulDesc));
  (*desc)->compute = compute;
  (*desc)->scale = scale;
  return CUBLAS_STATUS_SUCCESS;
}

EXPORT int cublasLtMatmulDescDestroy(LtMatmulDesc *desc) {
  free(desc);
  return CUBLAS_STATUS_SUCCESS;
}

EXPORT int cublasLtMatmulDescSetAttribute(LtMatmulDesc *desc, int attribute,
                                          const void *value, size_t bytes) {
  int32_t op;
  if (!desc || !value || (attribute != 3 && attribute != 4) ||
      bytes != sizeof op)
    return ltStatus("cublasLtMatmulDescSetAttribute");
  memcpy(&op, value, sizeof op);
  if (op != 0 && op != 1)
    return ltStatus("cublasLtMatmulDescSetAttribute op");
  *(attribute == 3 ? &desc->transA : &desc->transB) = op;
  return CUBLAS_STATUS_SUCCESS;
}

static int ltElementBytes(int type) {
  return type == 0 ? 4 : type == 2 || type == 14 ? 2 : 0;
}

EXPORT int cublasLtMatrixLayoutCreate(LtLayout **layout, int type,
                                      uint64_t rows, uint64_t columns,
                                      int64_t ld) {
  if (!layout || !ltElementBytes(type) || ld < 1 || (uint64_t)ld < rows)
    return ltStatus("cublasLtMatrixLayoutCreate");
  *layout = calloc(1, sizeof(LtLayout));
  **layout = (LtLayout){type, rows, columns, ld, 1, 0};
  return CUBLAS_STATUS_SUCCESS;
}

EXPORT int cublasLtMatrixLayoutDestroy(LtLayout *layout) {
  free(layout);
  return CUBLAS_STATUS_SUCCESS;
}

EXPORT int cublasLtMatrixLayoutSetAttribute(LtLayout *layout, int attribute,
                                            const void *value, size_t bytes) {
  if (!layout || !value)
    return ltStatus("cublasLtMatrixLayoutSetAttribute");
  if (attribute == 5 && bytes == sizeof(int32_t)) {
    memcpy(&layout->batch, value, bytes);
    return layout->batch >= 1 ? CUBLAS_STATUS_SUCCESS
                              : ltStatus("BATCH_COUNT below 1");
  }
  if (attribute == 6 && bytes == sizeof(int64_t)) {
    memcpy(&layout->stride, value, bytes);
    return CUBLAS_STATUS_SUCCESS;
  }
  return ltStatus("cublasLtMatrixLayoutSetAttribute");
}

EXPORT int cublasLtMatmulPreferenceCreate(LtPreference **preference) {
  if (!preference)
    return ltStatus("cublasLtMatmulPreferenceCreate");
  *preference = calloc(1, sizeof(LtPreference));
  return CUBLAS_STATUS_SUCCESS;
}

EXPORT int cublasLtMatmulPreferenceDestroy(LtPreference *preference) {
  free(preference);
  return CUBLAS_STATUS_SUCCESS;
}

EXPORT int cublasLtMatmulPreferenceSetAttribute(LtPreference *preference,
                                                int attribute,
                                                const void *value,
                                                size_t bytes) {
  if (!preference || !value)
    return ltStatus("cublasLtMatmulPreferenceSetAttribute");
  if (attribute == 1 && bytes == sizeof(uint64_t)) {
    memcpy(&preference->workspace, value, bytes);
    return CUBLAS_STATUS_SUCCESS;
  }
  uint32_t alignment;
  if (attribute >= 5 && attribute <= 8 && bytes == sizeof alignment) {
    memcpy(&alignment, value, bytes);
    /* A power of two up to 256. */
    if (alignment && alignment <= 256 && !(alignment & (alignment - 1)))
      return CUBLAS_STATUS_SUCCESS;
  }
  return ltStatus("cublasLtMatmulPreferenceSetAttribute");
}

/* Whether the four layouts make a GEMM under `desc`: op(A) is m x k,
 * op(B) k x n, C and D m x n, one batch count, A and B of one type, C and
 * D f32. */
static int ltConsistent(const LtMatmulDesc *d, LtLayout *const l[4]) {
  uint64_t m = d->transA ? l[0]->columns : l[0]->rows;
  uint64_t k = d->transA ? l[0]->rows : l[0]->columns;
  uint64_t kb = d->transB ? l[1]->columns : l[1]->rows;
  uint64_t n = d->transB ? l[1]->rows : l[1]->columns;
  int ok = k == kb && l[0]->type == l[1]->type;
  for (int i = 2; i < 4; ++i)
    ok &= l[i]->rows == m && l[i]->columns == n && l[i]->type == 0;
  for (int i = 1; i < 4; ++i)
    ok &= l[i]->batch == l[0]->batch;
  return ok;
}

EXPORT int cublasLtMatmulAlgoGetHeuristic(
    LtHandle *handle, LtMatmulDesc *desc, LtLayout *a, LtLayout *b,
    LtLayout *c, LtLayout *d, LtPreference *preference, int requested,
    LtHeuristicResult *results, int *returned) {
  LtLayout *layouts[4] = {a, b, c, d};
  if (!handle || !handle->live || !desc || !a || !b || !c || !d ||
      !preference || requested < 1 || !results || !returned)
    return ltStatus("cublasLtMatmulAlgoGetHeuristic");
  if (!ltConsistent(desc, layouts))
    return ltStatus("cublasLtMatmulAlgoGetHeuristic: inconsistent layouts");
  *returned = 0;
  if (envNumber("FAKE_CUBLASLT_NO_ALGO", 0))
    return CUBLAS_STATUS_NOT_SUPPORTED;
  memset(&results[0], 0, sizeof results[0]);
  results[0].algo.data[0] = kFakeAlgo;
  results[0].state = CUBLAS_STATUS_SUCCESS;
  results[0].wavesCount = 1.0f;
  *returned = 1;
  return CUBLAS_STATUS_SUCCESS;
}

static float ltLoad(const void *base, int type, int64_t index) {
  if (type == 0)
    return ((const float *)base)[index];
  uint16_t h = ((const uint16_t *)base)[index];
  uint32_t bits;
  if (type == 14) {
    bits = (uint32_t)h << 16;
  } else {
    /* IEEE half to float. */
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, exponent = (h >> 10) & 31,
             mantissa = h & 1023;
    if (exponent == 31) {
      bits = sign | 0x7f800000 | mantissa << 13;
    } else if (exponent) {
      bits = sign | (exponent + 112) << 23 | mantissa << 13;
    } else if (mantissa) {
      int shift = 0;
      while (!(mantissa & 1024))
        mantissa <<= 1, ++shift;
      bits = sign | (uint32_t)(113 - shift) << 23 | (mantissa & 1023) << 13;
    } else {
      bits = sign;
    }
  }
  float f;
  memcpy(&f, &bits, sizeof f);
  return f;
}

static void ltRun(void **params) {
  const LtGemm *g;
  memcpy(&g, params[0], sizeof g);
  const LtLayout *l = g->layouts;
  int transA = g->desc.transA, transB = g->desc.transB;
  uint64_t m = l[3].rows, n = l[3].columns;
  uint64_t k = transA ? l[0].rows : l[0].columns;
  for (int32_t p = 0; p < l[0].batch; ++p)
    for (uint64_t j = 0; j < n; ++j)
      for (uint64_t i = 0; i < m; ++i) {
        double sum = 0;
        for (uint64_t q = 0; q < k; ++q) {
          int64_t ai = transA ? (int64_t)(q + i * l[0].ld)
                              : (int64_t)(i + q * l[0].ld);
          int64_t bi = transB ? (int64_t)(j + q * l[1].ld)
                              : (int64_t)(q + j * l[1].ld);
          sum += (double)ltLoad(g->a, l[0].type, p * l[0].stride + ai) *
                 ltLoad(g->b, l[1].type, p * l[1].stride + bi);
        }
        float value = g->alpha * (float)sum;
        if (g->beta != 0)
          value += g->beta * ((const float *)g->c)[p * l[2].stride + i +
                                                   j * l[2].ld];
        ((float *)g->d)[p * l[3].stride + i + j * l[3].ld] = value;
      }
}

static const FakeHostKernel ltKernel = {"gemm", ltRun, 1};
static Function ltFunction = {"gemm", &ltKernel};

/* Whether the elements a layout covers at `pointer` are device memory. */
static int ltInside(const void *pointer, const LtLayout *l) {
  if (!pointer)
    return 0;
  int64_t last = (int64_t)(l->rows - 1) + (int64_t)(l->columns - 1) * l->ld +
                 (int64_t)(l->batch - 1) * (l->stride < 0 ? 0 : l->stride);
  size_t bytes = (size_t)(last + 1) * ltElementBytes(l->type);
  pthread_mutex_lock(&lock);
  int inside = findAllocation((CUdeviceptr)(uintptr_t)pointer, bytes) != NULL;
  pthread_mutex_unlock(&lock);
  return inside;
}

EXPORT int cublasLtMatmul(LtHandle *handle, LtMatmulDesc *desc,
                          const void *alpha, const void *a, LtLayout *aLayout,
                          const void *b, LtLayout *bLayout, const void *beta,
                          const void *c, LtLayout *cLayout, void *d,
                          LtLayout *dLayout, const LtAlgo *algo,
                          void *workspace, size_t workspaceBytes,
                          Stream *stream) {
  LtLayout *layouts[4] = {aLayout, bLayout, cLayout, dLayout};
  if (requireContext("cublasLtMatmul"))
    return CUBLAS_STATUS_NOT_INITIALIZED;
  if (!handle || !handle->live || !desc || !alpha || !beta || !aLayout ||
      !bLayout || !cLayout || !dLayout || !algo ||
      algo->data[0] != kFakeAlgo || !liveStream(stream))
    return ltStatus("cublasLtMatmul");
  if (!ltConsistent(desc, layouts))
    return ltStatus("cublasLtMatmul: inconsistent layouts");
  if (workspaceBytes && !findAllocation((CUdeviceptr)(uintptr_t)workspace,
                                        workspaceBytes))
    return ltStatus("cublasLtMatmul: workspace outside device memory");
  float betaValue;
  memcpy(&betaValue, beta, sizeof betaValue);
  if (!ltInside(a, aLayout) || !ltInside(b, bLayout) ||
      (betaValue != 0 && !ltInside(c, cLayout)) || !ltInside(d, dLayout))
    return ltStatus("cublasLtMatmul: a matrix outside device memory");
  LtGemm *g = malloc(sizeof(LtGemm)); /* lives as long as the process */
  g->desc = *desc;
  for (int i = 0; i < 4; ++i)
    g->layouts[i] = *layouts[i];
  g->a = a;
  g->b = b;
  g->c = c;
  g->d = d;
  memcpy(&g->alpha, alpha, sizeof g->alpha);
  g->beta = betaValue;
  uint64_t k = desc->transA ? aLayout->rows : aLayout->columns;
  const char *prefix = stream->capture ? "capture " : "";
  logLine("%sgemm %llu %llu %llu batch %d opA %c opB %c beta %g", prefix,
          (unsigned long long)dLayout->rows,
          (unsigned long long)dLayout->columns, (unsigned long long)k,
          aLayout->batch, desc->transA ? 'T' : 'N',
          desc->transB ? 'T' : 'N', (double)betaValue);
  uint64_t value;
  memcpy(&value, &g, sizeof value);
  if (stream->capture) {
    Graph *graph = stream->capture;
    if (graph->count == graph->capacity) {
      graph->capacity = graph->capacity ? 2 * graph->capacity : 16;
      graph->launches =
          realloc(graph->launches, graph->capacity * sizeof(Launch));
    }
    graph->launches[graph->count++] =
        (Launch){&ltFunction, {1, 1, 1}, {1, 1, 1}, 0, {value}, {0}};
    return CUBLAS_STATUS_SUCCESS;
  }
  stream->launched = 1;
  void *params[1] = {&value};
  ltRun(params);
  return CUBLAS_STATUS_SUCCESS;
}
