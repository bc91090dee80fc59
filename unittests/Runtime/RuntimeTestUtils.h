//===- RuntimeTestUtils.h - helpers of the libmlcrt tests -------*- C++ -*-===//
//
// Environment variables set for a scope, tensor views and concurrent runs,
// shared by RuntimeTest.cpp and CudaRuntimeTest.cpp.
//
//===----------------------------------------------------------------------===//

#ifndef MLC_UNITTESTS_RUNTIME_RUNTIMETESTUTILS_H
#define MLC_UNITTESTS_RUNTIME_RUNTIMETESTUTILS_H

#include "mlc-c/Runtime.h"

#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace mlc::test {

/// Sets or unsets an environment variable for the scope.
class ScopedEnv {
public:
  ScopedEnv(const char *name, const char *value) : name(name) {
    if (const char *old = std::getenv(name))
      saved = old, hadValue = true;
    if (value)
      setenv(name, value, 1);
    else
      unsetenv(name);
  }
  ~ScopedEnv() {
    if (hadValue)
      setenv(name.c_str(), saved.c_str(), 1);
    else
      unsetenv(name.c_str());
  }
  ScopedEnv(const ScopedEnv &) = delete;
  ScopedEnv &operator=(const ScopedEnv &) = delete;

private:
  std::string name;
  std::string saved;
  bool hadValue = false;
};

/// A view of `data` with `shape` (kept alive by the caller).
inline mlc_tensor makeTensor(mlc_dtype dtype, const std::vector<int64_t> &shape,
                             void *data, const int64_t *strides = nullptr) {
  return {dtype, static_cast<int32_t>(shape.size()),
          shape.empty() ? nullptr : shape.data(), strides, data};
}

/// Calls `runOnce(t)` `iterations` times on each of `threads` threads t at
/// once; returns, per thread, how many calls returned false.
template <typename F>
std::vector<int> failuresInThreads(int threads, int iterations, F runOnce) {
  std::vector<int> failures(threads, 0);
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      for (int k = 0; k < iterations; ++k)
        failures[t] += !runOnce(t);
    });
  for (std::thread &thread : pool)
    thread.join();
  return failures;
}

} // namespace mlc::test

#endif // MLC_UNITTESTS_RUNTIME_RUNTIMETESTUTILS_H
