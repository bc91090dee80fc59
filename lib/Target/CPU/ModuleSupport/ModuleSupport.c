/*===- ModuleSupport.c - linked into every compiled module ----------------===*
 *
 * The allocation functions that generated code calls for its buffers
 * (finalize-memref-to-llvm with use-generic-functions). Large blocks are
 * kept when freed and handed out again to allocations of about the same
 * size: a module's buffers have the same sizes on every call (see
 * mlc-plan-memory), so after the first call no pages are mapped and
 * faulted in again, which costs as much as a tenth of a small model's
 * run time. What is kept is freed when the module is unloaded.
 *
 *===----------------------------------------------------------------------===*/

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#define MLC_HIDDEN __attribute__((visibility("hidden")))

enum {
  /* Blocks from this size on are kept when freed. */
  kMinKeptBytes = 64 * 1024,
  /* At most this many blocks, and this many bytes, are kept. */
  kMaxKeptBlocks = 64,
  /* A kept block serves a request it exceeds by at most 1/kSlack. */
  kSlack = 8,
  /* The size sits in front of the block, keeping malloc's alignment. */
  kHeader = 16,
};
static const size_t kMaxKeptBytes = (size_t)1 << 30;

static struct {
  void *block;
  size_t size;
} kept[kMaxKeptBlocks];
static size_t keptBytes;
static pthread_mutex_t keptLock = PTHREAD_MUTEX_INITIALIZER;

static void *withHeader(void *raw, size_t size) {
  *(size_t *)raw = size;
  return (char *)raw + kHeader;
}

MLC_HIDDEN void *_mlir_memref_to_llvm_alloc(size_t size) {
  if (size >= kMinKeptBytes) {
    void *found = NULL;
    pthread_mutex_lock(&keptLock);
    for (int i = 0; i < kMaxKeptBlocks; ++i) {
      if (kept[i].block && kept[i].size >= size &&
          kept[i].size - size <= size / kSlack) {
        found = kept[i].block;
        keptBytes -= kept[i].size;
        kept[i].block = NULL;
        break;
      }
    }
    pthread_mutex_unlock(&keptLock);
    if (found)
      return (char *)found + kHeader;
  }
  void *raw = malloc(size + kHeader);
  return raw ? withHeader(raw, size) : NULL;
}

MLC_HIDDEN void _mlir_memref_to_llvm_free(void *pointer) {
  if (!pointer)
    return;
  void *raw = (char *)pointer - kHeader;
  size_t size = *(size_t *)raw;
  if (size >= kMinKeptBytes) {
    pthread_mutex_lock(&keptLock);
    for (int i = 0; i < kMaxKeptBlocks; ++i) {
      if (!kept[i].block && keptBytes + size <= kMaxKeptBytes) {
        kept[i].block = raw;
        kept[i].size = size;
        keptBytes += size;
        raw = NULL;
        break;
      }
    }
    pthread_mutex_unlock(&keptLock);
    if (!raw)
      return;
  }
  free(raw);
}

__attribute__((destructor)) static void releaseKeptBlocks(void) {
  for (int i = 0; i < kMaxKeptBlocks; ++i) {
    free(kept[i].block);
    kept[i].block = NULL;
  }
  keptBytes = 0;
}
