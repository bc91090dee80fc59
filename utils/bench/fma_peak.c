// The machine's fp32 FMA peak, for utils/bench/run_bench.py:
//
//   clang-22 -O3 -march=native -pthread fma_peak.c -o fma_peak
//   fma_peak THREADS [SECONDS]   # prints GFLOP/s summed over THREADS threads
//
// Each thread runs ACC independent chains of 512-bit FMAs: 24 chains cover
// the FMA latency (4 cycles on Zen 4/5) times its two FMA pipes three times
// over, so the loop is bound by FMA issue, not by latency. Best of 5 runs
// of about SECONDS each (default 0.3).
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define ACC 24
static long iterations;
static volatile float sink;

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

static void *work(void *arg) {
  __m512 acc[ACC];
  __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
  for (int i = 0; i < ACC; ++i)
    acc[i] = _mm512_set1_ps((float)i);
  for (long n = 0; n < iterations; ++n) {
#pragma clang loop unroll(full)
    for (int i = 0; i < ACC; ++i)
      acc[i] = _mm512_fmadd_ps(acc[i], a, b);
    __asm__ volatile(""
                     : "+v"(acc[0]), "+v"(acc[1]), "+v"(acc[2]), "+v"(acc[3]));
  }
  __m512 s = acc[0];
  for (int i = 1; i < ACC; ++i)
    s = _mm512_add_ps(s, acc[i]);
  sink = _mm512_reduce_add_ps(s);
  (void)arg;
  return NULL;
}

static double run(int threads) {
  pthread_t tid[64];
  double start = now();
  for (int t = 0; t < threads; ++t)
    pthread_create(&tid[t], NULL, work, NULL);
  for (int t = 0; t < threads; ++t)
    pthread_join(tid[t], NULL);
  return now() - start;
}

int main(int argc, char **argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 1;
  double seconds = argc > 2 ? atof(argv[2]) : 0.3;
  if (threads < 1 || threads > 64)
    return 2;
  // Calibrate the iteration count to about `seconds` per run, then keep the
  // best of five runs.
  iterations = 1000000;
  double t = run(1);
  iterations = (long)(iterations * seconds / t) + 1;
  double best = 1e30;
  for (int r = 0; r < 5; ++r) {
    double d = run(threads);
    if (d < best)
      best = d;
  }
  double flops = 2.0 * 16 * ACC * (double)iterations * threads;
  printf("%.1f\n", flops / best / 1e9);
  return 0;
}
