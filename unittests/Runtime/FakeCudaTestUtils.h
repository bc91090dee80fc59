//===- FakeCudaTestUtils.h - tests on the fake CUDA driver ------*- C++ -*-===//
//
// What the tests of CUDA modules (CudaRuntimeTest.cpp) and of CUDA Qwen3
// libraries (Qwen3CudaTest.cpp) share: the claim on the one driver a process
// loads, access to the fake driver's and fake modules' fake_* functions, and
// a fixture that runs each test on a fresh fake-driver configuration and
// call log and ends it checking that nothing is left on the device and that
// no call was one a driver would reject.
//
// The runtime loads the driver once per process and ctest runs each test in
// a process of its own. When a binary runs all tests in one process, a test
// that needs another driver than the first one loaded skips itself.
//
//===----------------------------------------------------------------------===//

#ifndef MLC_UNITTESTS_RUNTIME_FAKECUDATESTUTILS_H
#define MLC_UNITTESTS_RUNTIME_FAKECUDATESTUTILS_H

#include "gtest/gtest.h"

#include <cstdio>
#include <cstdlib>
#include <dlfcn.h>
#include <fstream>
#include <string>

namespace mlc::test {

/// Whether this process's runtime may load the driver `key` names (a path,
/// and the configuration that cuInit sees): the first test to ask fixes it.
inline bool claimDriver(const std::string &key) {
  static std::string claimed;
  if (claimed.empty())
    claimed = key;
  return claimed == key;
}

#define CLAIM_DRIVER(key)                                                      \
  if (!::mlc::test::claimDriver(key))                                          \
  GTEST_SKIP() << "this process has loaded another CUDA driver (the runtime "  \
                  "loads it once per process); ctest runs each test alone"

/// A library the tests dlopen too, to reach its fake_* functions; the
/// runtime's dlopen of the same path gets the same library.
class Library {
public:
  explicit Library(const char *path) {
    handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      ADD_FAILURE() << dlerror();
      std::abort();
    }
  }
  template <typename F> F *get(const char *name) const {
    void *address = dlsym(handle, name);
    if (!address) {
      ADD_FAILURE() << "no symbol " << name;
      std::abort();
    }
    return reinterpret_cast<F *>(address);
  }

private:
  void *handle;
};

inline const Library &fakeDriver() {
  static Library library(MLC_FAKE_CUDA_DRIVER);
  return library;
}

template <typename R> R driverCount(const char *name) {
  return fakeDriver().get<R()>(name)();
}

inline bool isDevicePointer(const void *pointer) {
  return fakeDriver().get<int(const void *)>("fake_cuda_is_device_pointer")(
      pointer);
}

/// The variables of the runtime's CUDA side and of the fake driver, unset
/// around every test.
inline const char *const kDriverVariables[] = {
    "MLC_CUDA_DRIVER",      "MLC_CUDA_DEVICE",      "MLC_CUDA_GRAPHS",
    "FAKE_CUDA_DEVICES",    "FAKE_CUDA_CC",         "FAKE_CUDA_NAME",
    "FAKE_CUDA_MEMORY",     "FAKE_CUDA_INIT_ERROR", "FAKE_CUDA_FAIL_LAUNCH",
    "FAKE_CUDA_SYNC_ERROR", "FAKE_CUDA_JIT_ERROR",  "FAKE_CUDA_GRAPH_ERROR",
    "FAKE_CUDA_LOG"};

/// Tests on the fake driver. Each starts with a default configuration (one
/// Fake GPU of compute capability 9.0 and 1 GiB) and a fresh call log, and
/// ends checking that nothing is left on the device and that the runtime
/// made no call a driver would reject.
class FakeDriverTest : public ::testing::Test {
protected:
  void SetUp() override {
    CLAIM_DRIVER(MLC_FAKE_CUDA_DRIVER);
    for (const char *name : kDriverVariables)
      unsetenv(name);
    const ::testing::TestInfo *info =
        ::testing::UnitTest::GetInstance()->current_test_info();
    logPath = ::testing::TempDir() + "mlc_fake_cuda_" +
              info->test_suite_name() + "_" + info->name() + ".log";
    clearLog();
    setenv("MLC_CUDA_DRIVER", MLC_FAKE_CUDA_DRIVER, 1);
    setenv("FAKE_CUDA_LOG", logPath.c_str(), 1);
    misuses = driverCount<long>("fake_cuda_misuses");
  }

  void TearDown() override {
    if (IsSkipped())
      return;
    EXPECT_EQ(driverCount<long>("fake_cuda_live_allocations"), 0);
    EXPECT_EQ(driverCount<int>("fake_cuda_live_streams"), 0);
    EXPECT_EQ(driverCount<int>("fake_cuda_live_modules"), 0);
    EXPECT_EQ(driverCount<int>("fake_cuda_live_graphs"), 0);
    EXPECT_EQ(driverCount<int>("fake_cuda_retained_contexts"), 0);
    EXPECT_EQ(driverCount<int>("fake_cuda_context_depth"), 0);
    EXPECT_EQ(driverCount<long>("fake_cuda_misuses"), misuses)
        << "calls a driver would reject (see 'misuse' lines):\n"
        << logText();
    for (const char *name : kDriverVariables)
      unsetenv(name);
  }

  void clearLog() const { std::remove(logPath.c_str()); }

  std::string logText() const {
    std::ifstream in(logPath);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  /// The number of log lines equal to `line`, or starting with it when it
  /// ends with a space.
  size_t count(const std::string &line) const {
    std::ifstream in(logPath);
    size_t n = 0;
    for (std::string l; std::getline(in, l);)
      n +=
          line.back() == ' ' ? l.compare(0, line.size(), line) == 0 : l == line;
    return n;
  }

  std::string logPath;
  long misuses = 0;
};

} // namespace mlc::test

#endif // MLC_UNITTESTS_RUNTIME_FAKECUDATESTUTILS_H
