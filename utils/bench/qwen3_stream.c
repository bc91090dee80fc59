// The machine's memory read bandwidth, for utils/bench/qwen3_bench.py (a
// STREAM-like probe: what a decode step, which streams the weights once, can
// at best reach):
//
//   clang-22 -O3 -march=native -pthread qwen3_stream.c -o qwen3_stream
//   qwen3_stream THREADS [MIB]   # prints read GB/s (1e9 bytes/s)
//
// Each thread sums its contiguous share of a MIB (default 1024) MiB array of
// 64-bit integers (integer sums vectorize without reassociating floats);
// best of 10 passes, the first of which is not counted (it warms the TLB).
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static uint64_t *array;
static size_t perThread;
static volatile uint64_t sums[64]; // kept, so that the sums are computed

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

static void *sum(void *arg) {
  size_t t = (size_t)arg;
  const uint64_t *a = array + t * perThread;
  uint64_t s = 0;
  for (size_t i = 0; i < perThread; ++i)
    s += a[i];
  sums[t] = s;
  return NULL;
}

int main(int argc, char **argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 1;
  size_t mib = argc > 2 ? (size_t)atol(argv[2]) : 1024;
  if (threads < 1 || threads > 64 || mib < 1)
    return 2;
  size_t count = mib * 1024 * 1024 / sizeof(uint64_t);
  perThread = count / threads;
  array = aligned_alloc(64, count * sizeof(uint64_t));
  if (!array)
    return 1;
  for (size_t i = 0; i < count; ++i)
    array[i] = i;
  pthread_t tid[64];
  double best = 1e30;
  for (int pass = 0; pass < 11; ++pass) {
    double start = now();
    for (int t = 0; t < threads; ++t)
      pthread_create(&tid[t], NULL, sum, (void *)(size_t)t);
    for (int t = 0; t < threads; ++t)
      pthread_join(tid[t], NULL);
    double seconds = now() - start;
    if (pass > 0 && seconds < best)
      best = seconds;
  }
  printf("%.1f\n", (double)perThread * threads * sizeof(uint64_t) / best / 1e9);
  return 0;
}
