//===- CudaRuntimeTest.cpp - tests of libmlcrt's CUDA modules -------------===//
//
// Runs the hand-written CUDA module FakeCudaModule.c through the C API on
// the fake driver FakeCuda.c (named by MLC_CUDA_DRIVER and configured per
// test by environment variables): driver and device errors, the image
// chosen per compute capability, params uploaded once, inputs and outputs
// copied, the caching allocator, hook and launch failures, a library loaded
// twice, concurrent runs, malformed CUDA metadata, and kernels looked up in
// a real cubin (from the toolkit's ptxas, when there is one).
//
//===----------------------------------------------------------------------===//

#include "FakeCudaTestUtils.h"
#include "RuntimeTestUtils.h"

#include "mlc-c/Runtime.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include <cstdio>
#include <cstring>
#include <dlfcn.h>
#include <fstream>
#include <memory>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace {

using ::mlc::test::driverCount;
using ::mlc::test::isDevicePointer;
using ::mlc::test::makeTensor;
using ::testing::HasSubstr;

const ::mlc::test::Library &fakeModule() {
  static ::mlc::test::Library library(MLC_FAKE_CUDA_MODULE);
  return library;
}

void setMode(int mode) { fakeModule().get<void(int)>("fake_set_mode")(mode); }

const void *lastInput() {
  return fakeModule().get<const void *()>("fake_last_input")();
}

const void *lastParam() {
  return fakeModule().get<const void *()>("fake_last_param")();
}

/// x = [[1, 2, 3, 4], [-1, -2, -3, -5]] and what the fake module computes
/// from it: y = x * w + b, total = sum(y).
const std::vector<float> kX = {1, 2, 3, 4, -1, -2, -3, -5};
const std::vector<float> kY = {1.5f, 4, 9, 15, -0.5f, -4, -9, -21};
constexpr float kTotal = -5;

/// Tests of FakeCudaModule on the fake driver.
class CudaTest : public ::mlc::test::FakeDriverTest {
protected:
  void SetUp() override {
    FakeDriverTest::SetUp();
    if (IsSkipped())
      return;
    setMode(0);
  }

  mlc_model *load() {
    mlc_model *model = nullptr;
    EXPECT_EQ(mlc_model_load(MLC_FAKE_CUDA_MODULE, &model), MLC_OK)
        << mlc_last_error();
    return model;
  }

  /// Runs `model` on the first `rows` rows of a repetition of kX.
  mlc_status run(mlc_model *model, int64_t rows, mlc_result **result) {
    input.resize(static_cast<size_t>(rows) * 4);
    for (size_t i = 0; i < input.size(); ++i)
      input[i] = kX[i % 8];
    shape = {rows, 4};
    mlc_tensor x = makeTensor(MLC_DTYPE_F32, shape, input.data());
    return mlc_model_run(model, &x, 1, result);
  }

  /// run(model, rows) must succeed with the expected outputs.
  void expectRun(mlc_model *model, int64_t rows) {
    mlc_result *result = nullptr;
    ASSERT_EQ(run(model, rows, &result), MLC_OK) << mlc_last_error();
    expectOutputs(result, rows);
    mlc_result_free(result);
  }

  /// Checks the outputs of run(model, rows).
  void expectOutputs(const mlc_result *result, int64_t rows) {
    ASSERT_EQ(mlc_result_num_outputs(result), 3u);
    const mlc_tensor *y = mlc_result_output(result, 0);
    ASSERT_EQ(y->rank, 2);
    EXPECT_EQ(y->shape[0], rows);
    EXPECT_EQ(y->shape[1], 4);
    EXPECT_EQ(y->strides[0], 4);
    float total = 0;
    const float *ys = static_cast<const float *>(y->data);
    for (int64_t i = 0; i < rows * 4; ++i) {
      EXPECT_EQ(ys[i], kY[i % 8]) << i;
      total += kY[i % 8];
    }
    if (rows > 0)
      EXPECT_FALSE(isDevicePointer(y->data)) << "outputs are host memory";
    const mlc_tensor *sum = mlc_result_output(result, 1);
    EXPECT_EQ(sum->rank, 0);
    EXPECT_EQ(*static_cast<const float *>(sum->data), total);
    EXPECT_EQ(mlc_result_output(result, 2)->data, y->data);
  }

  std::vector<float> input;
  std::vector<int64_t> shape;
};

//===----------------------------------------------------------------------===//
// Running
//===----------------------------------------------------------------------===//

TEST_F(CudaTest, RunsAndCopiesOutputsBack) {
  mlc_model *model = load();
  const char *device = nullptr;
  ASSERT_EQ(mlc_model_device(model, &device), MLC_OK) << mlc_last_error();
  EXPECT_STREQ(device,
               "cuda:0 Fake GPU (compute capability 9.0, 1.0 GiB), sm_90 "
               "cubin");
  mlc_result *result = nullptr;
  ASSERT_EQ(run(model, 2, &result), MLC_OK) << mlc_last_error();
  expectOutputs(result, 2);
  EXPECT_EQ(*static_cast<const float *>(mlc_result_output(result, 1)->data),
            kTotal);
  // The module saw device memory for its input and params, not the host's.
  EXPECT_TRUE(isDevicePointer(lastInput()));
  EXPECT_TRUE(isDevicePointer(lastParam()));
  EXPECT_EQ(count("launch fake_scale grid 1 1 1 block 256 1 1 shared 0"), 1u);
  EXPECT_EQ(count("launch fake_sum grid 1 1 1 block 256 1 1 shared 1024"), 1u);
  EXPECT_EQ(count("htod 32"), 1u); // x
  // y (shared by y_alias) and total: one copy each, then the stream waited.
  EXPECT_EQ(count("dtoh 32"), 1u);
  EXPECT_EQ(count("dtoh 4"), 1u);
  EXPECT_EQ(driverCount<int>("fake_cuda_context_depth"), 0);
  mlc_result_free(result);

  // The host copy of a param is still what mlc_model_param shows.
  mlc_tensor w;
  ASSERT_EQ(mlc_model_param(model, 0, &w), MLC_OK);
  EXPECT_EQ(static_cast<const float *>(w.data)[3], 4.0f);
  EXPECT_FALSE(isDevicePointer(w.data));
  mlc_model_unload(model);
  EXPECT_EQ(count("module_unload"), 1u);
  EXPECT_EQ(count("stream_destroy"), 1u);
  EXPECT_EQ(count("ctx_release 0"), 1u);
}

TEST_F(CudaTest, UploadsParamsOnceAndReusesBuffers) {
  mlc_model *model = load();
  expectRun(model, 2);
  size_t allocations = count("alloc ");
  const void *param = lastParam();
  const void *x = lastInput();
  for (int k = 0; k < 3; ++k) {
    expectRun(model, 2);
    EXPECT_EQ(lastParam(), param);
    EXPECT_EQ(lastInput(), x);
  }
  // Params (w and b: 80 bytes) were copied once; no run after the first
  // asked the driver for memory: the input buffer and the module's blocks
  // (y, total, scratch) were reused.
  EXPECT_EQ(count("htod 80"), 1u);
  EXPECT_EQ(count("alloc "), allocations);
  EXPECT_EQ(count("launch fake_scale "), 4u);
  EXPECT_EQ(count("stream_create 1"), 1u);
  EXPECT_EQ(count("module_load "), 1u);

  // A larger input grows its buffer and gets new blocks; a smaller one then
  // fits in what is there.
  expectRun(model, 300);
  EXPECT_EQ(count("launch fake_scale grid 5 1 1 block 256 1 1 shared 0"), 1u);
  EXPECT_EQ(count("alloc 4800"), 1u); // x
  EXPECT_EQ(count("alloc 4864"), 1u); // y, rounded up to 256 bytes
  allocations = count("alloc ");
  expectRun(model, 2);
  EXPECT_EQ(count("alloc "), allocations);
  mlc_model_unload(model);
}

TEST_F(CudaTest, EmptyInput) {
  mlc_model *model = load();
  mlc_result *result = nullptr;
  ASSERT_EQ(run(model, 0, &result), MLC_OK) << mlc_last_error();
  expectOutputs(result, 0);
  EXPECT_EQ(mlc_result_output(result, 0)->data, nullptr);
  // The empty grid of fake_scale was not launched.
  EXPECT_EQ(count("launch fake_scale "), 0u);
  EXPECT_EQ(count("launch fake_sum "), 1u);
  mlc_result_free(result);
  mlc_model_unload(model);
}

TEST_F(CudaTest, InputsAreCheckedAndCopiedDense) {
  mlc_model *model = load();
  // x as the transpose of a 4x2 buffer: copied dense, then uploaded.
  std::vector<float> buffer(8);
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 4; ++j)
      buffer[j * 2 + i] = kX[i * 4 + j];
  std::vector<int64_t> xShape = {2, 4};
  int64_t strides[] = {1, 2};
  mlc_tensor x = makeTensor(MLC_DTYPE_F32, xShape, buffer.data(), strides);
  mlc_result *result = nullptr;
  ASSERT_EQ(mlc_model_run(model, &x, 1, &result), MLC_OK) << mlc_last_error();
  expectOutputs(result, 2);
  mlc_result_free(result);

  std::vector<int64_t> wide = {2, 5};
  mlc_tensor bad = makeTensor(MLC_DTYPE_F32, wide, buffer.data());
  EXPECT_EQ(mlc_model_run(model, &bad, 1, &result), MLC_ERROR_INVALID_ARGUMENT);
  EXPECT_THAT(mlc_last_error(),
              HasSubstr("input 'x' dimension 1: expected 4, got 5"));
  mlc_model_unload(model);
}

TEST_F(CudaTest, ConcurrentRunsAreSerialised) {
  mlc_model *model = load();
  auto runOnce = [&](int t) {
    int64_t rows = t + 1;
    std::vector<float> x(static_cast<size_t>(rows) * 4);
    for (size_t i = 0; i < x.size(); ++i)
      x[i] = kX[i % 8];
    std::vector<int64_t> xShape = {rows, 4};
    mlc_tensor in = makeTensor(MLC_DTYPE_F32, xShape, x.data());
    mlc_result *result;
    if (mlc_model_run(model, &in, 1, &result) != MLC_OK)
      return false;
    const mlc_tensor *y = mlc_result_output(result, 0);
    const float *ys = static_cast<const float *>(y->data);
    bool ok = y->shape[0] == rows && ys[rows * 4 - 1] == kY[(rows * 4 - 1) % 8];
    mlc_result_free(result);
    return ok;
  };
  EXPECT_THAT(mlc::test::failuresInThreads(4, 25, runOnce), ::testing::Each(0));
  mlc_model_unload(model);
}

TEST_F(CudaTest, LibraryLoadedTwiceSharesTheDevice) {
  mlc_model *a = load(), *b = load();
  expectRun(a, 2);
  expectRun(b, 2);
  EXPECT_EQ(count("stream_create 1"), 1u);
  EXPECT_EQ(count("module_load "), 1u);
  EXPECT_EQ(count("htod 80"), 1u);
  mlc_model_unload(a);
  EXPECT_EQ(count("module_unload"), 0u);
  expectRun(b, 2);
  mlc_model_unload(b);
  EXPECT_EQ(count("module_unload"), 1u);
}

TEST_F(CudaTest, ResultsOutliveTheModel) {
  mlc_model *model = load();
  mlc_result *result = nullptr;
  ASSERT_EQ(run(model, 2, &result), MLC_OK) << mlc_last_error();
  mlc_model_unload(model);
  expectOutputs(result, 2);
  mlc_result_free(result);
}

//===----------------------------------------------------------------------===//
// Devices and images
//===----------------------------------------------------------------------===//

TEST_F(CudaTest, PicksTheImageForTheComputeCapability) {
  struct {
    const char *capability, *image, *logged;
  } cases[] = {
      {"8.0", "sm_80 cubin", "module_load cubin fake-cubin sm_80"},
      {"8.6", "sm_80 cubin", "module_load cubin fake-cubin sm_80"},
      {"9.0", "sm_90 cubin", "module_load cubin fake-cubin sm_90"},
      {"10.0", "sm_90 ptx (compiled by the driver)",
       "module_load ptx // fake-ptx sm_90 (ex)"},
      {"12.1", "sm_90 ptx (compiled by the driver)",
       "module_load ptx // fake-ptx sm_90 (ex)"},
  };
  for (const auto &c : cases) {
    SCOPED_TRACE(c.capability);
    setenv("FAKE_CUDA_CC", c.capability, 1);
    clearLog();
    mlc_model *model = load();
    const char *device = nullptr;
    ASSERT_EQ(mlc_model_device(model, &device), MLC_OK) << mlc_last_error();
    EXPECT_EQ(std::string(device),
              std::string("cuda:0 Fake GPU (compute capability ") +
                  c.capability + ", 1.0 GiB), " + c.image);
    EXPECT_EQ(count(c.logged), 1u) << logText();
    expectRun(model, 2);
    mlc_model_unload(model);
  }
}

TEST_F(CudaTest, NoImageForTheComputeCapability) {
  setenv("FAKE_CUDA_CC", "7.5", 1);
  mlc_model *model = load();
  const char *device = "unchanged";
  EXPECT_EQ(mlc_model_device(model, &device), MLC_ERROR_DEVICE);
  EXPECT_EQ(device, nullptr);
  std::string message = mlc_last_error();
  EXPECT_THAT(message, HasSubstr("module '" MLC_FAKE_CUDA_MODULE "'"));
  EXPECT_THAT(message,
              HasSubstr("has no kernel image for cuda:0 Fake GPU (compute "
                        "capability 7.5): its images are sm_80 cubin, sm_90 "
                        "cubin, sm_90 ptx"));
  EXPECT_THAT(message, HasSubstr("recompile it for this GPU with --gpu-arch "
                                 "sm_75"));
  // The run fails the same way, and took nothing from the device.
  mlc_result *result = nullptr;
  EXPECT_EQ(run(model, 2, &result), MLC_ERROR_DEVICE);
  EXPECT_EQ(mlc_last_error(), message);
  EXPECT_EQ(count("ctx_retain 0"), 0u);
  mlc_model_unload(model);
}

TEST_F(CudaTest, DeviceFromEnvironment) {
  setenv("FAKE_CUDA_DEVICES", "2", 1);
  setenv("MLC_CUDA_DEVICE", "1", 1);
  mlc_model *model = load();
  const char *device = nullptr;
  ASSERT_EQ(mlc_model_device(model, &device), MLC_OK) << mlc_last_error();
  EXPECT_THAT(device, HasSubstr("cuda:1 Fake GPU"));
  EXPECT_EQ(count("ctx_retain 1"), 1u);
  mlc_model_unload(model);

  setenv("MLC_CUDA_DEVICE", "2", 1);
  model = load();
  EXPECT_EQ(mlc_model_device(model, &device), MLC_ERROR_ENVIRONMENT);
  EXPECT_THAT(mlc_last_error(),
              HasSubstr("module '" MLC_FAKE_CUDA_MODULE
                        "': MLC_CUDA_DEVICE=2 is out of range: there are 2 "
                        "CUDA devices (0 to 1)"));
  mlc_model_unload(model);

  for (const char *bad : {"x", "-1", " 1", "1.0", "99999999999"}) {
    setenv("MLC_CUDA_DEVICE", bad, 1);
    model = load();
    mlc_result *result = nullptr;
    EXPECT_EQ(run(model, 2, &result), MLC_ERROR_ENVIRONMENT) << bad;
    EXPECT_THAT(mlc_last_error(), HasSubstr(std::string("MLC_CUDA_DEVICE='") +
                                            bad + "' is not a device index"));
    mlc_model_unload(model);
  }
}

TEST_F(CudaTest, ZeroDevices) {
  setenv("FAKE_CUDA_DEVICES", "0", 1);
  mlc_model *model = load();
  const char *device;
  EXPECT_EQ(mlc_model_device(model, &device), MLC_ERROR_DEVICE);
  EXPECT_THAT(mlc_last_error(), HasSubstr("no CUDA device: the driver"));
  EXPECT_THAT(mlc_last_error(), HasSubstr("(CUDA 13.0) reports none"));
  EXPECT_THAT(mlc_last_error(), HasSubstr(MLC_FAKE_CUDA_MODULE));
  mlc_model_unload(model);
}

//===----------------------------------------------------------------------===//
// Failures
//===----------------------------------------------------------------------===//

TEST_F(CudaTest, OutOfDeviceMemory) {
  mlc_result *result = nullptr;
  // The params (80 bytes) do not fit.
  setenv("FAKE_CUDA_MEMORY", "64", 1);
  mlc_model *model = load();
  EXPECT_EQ(run(model, 2, &result), MLC_ERROR_OUT_OF_MEMORY);
  EXPECT_THAT(mlc_last_error(),
              HasSubstr("module '" MLC_FAKE_CUDA_MODULE
                        "': out of device memory: cannot allocate 80 bytes "
                        "for the params on cuda:0 Fake GPU (64 bytes free of "
                        "64 bytes)"));
  mlc_model_unload(model);

  // An input does not.
  setenv("FAKE_CUDA_MEMORY", "4096", 1);
  model = load();
  EXPECT_EQ(run(model, 1024, &result), MLC_ERROR_OUT_OF_MEMORY);
  EXPECT_THAT(mlc_last_error(),
              HasSubstr("cannot allocate 16384 bytes (16.0 KiB) for input "
                        "'x' on cuda:0 Fake GPU (3.9 KiB free of 4.0 KiB)"));
  // Nor does an allocation of the module; the next run is fine.
  setMode(2);
  EXPECT_EQ(run(model, 2, &result), MLC_ERROR_OUT_OF_MEMORY);
  EXPECT_THAT(mlc_last_error(),
              HasSubstr("cannot allocate 1099511627776 bytes (1.0 TiB) for a "
                        "buffer of the module on cuda:0 Fake GPU"));
  // Nothing was launched once the allocation failed.
  EXPECT_EQ(count("launch "), 0u);
  setMode(0);
  expectRun(model, 2);
  mlc_model_unload(model);
}

TEST_F(CudaTest, LaunchFailureNamesTheKernel) {
  setenv("FAKE_CUDA_FAIL_LAUNCH", "fake_sum", 1);
  mlc_model *model = load();
  mlc_result *result = reinterpret_cast<mlc_result *>(1);
  EXPECT_EQ(run(model, 2, &result), MLC_ERROR_DEVICE);
  EXPECT_EQ(result, nullptr);
  EXPECT_THAT(mlc_last_error(),
              HasSubstr("module '" MLC_FAKE_CUDA_MODULE
                        "': launching kernel 'fake_sum' (grid [1, 1, 1], "
                        "block [256, 1, 1], 1024 bytes of shared memory) "
                        "failed: CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES (too many "
                        "resources requested for launch)"));
  unsetenv("FAKE_CUDA_FAIL_LAUNCH");
  expectRun(model, 2);
  mlc_model_unload(model);
}

TEST_F(CudaTest, KernelFailureReportedAtSynchronisation) {
  setenv("FAKE_CUDA_SYNC_ERROR", "700", 1);
  mlc_model *model = load();
  mlc_result *result = nullptr;
  EXPECT_EQ(run(model, 2, &result), MLC_ERROR_DEVICE);
  EXPECT_THAT(mlc_last_error(),
              HasSubstr("failed: CUDA_ERROR_ILLEGAL_ADDRESS (an illegal "
                        "memory access was encountered)"));
  EXPECT_THAT(mlc_last_error(), HasSubstr("CUDA_LAUNCH_BLOCKING=1"));
  mlc_model_unload(model);
}

TEST_F(CudaTest, HookMisuseIsReported) {
  mlc_model *model = load();
  mlc_result *result = nullptr;
  struct {
    int mode;
    const char *message;
  } cases[] = {
      {1, "the host code launched kernel 7 but the metadata declares 2 "
          "kernels"},
      {3, "output 'y': its memory was not allocated through hooks->alloc"},
      {4, "output 'y': its 32 bytes at byte 16 of its allocation lie outside "
          "it (32 bytes)"},
      {5, "the host code freed a pointer that hooks->alloc did not give it"},
  };
  for (const auto &c : cases) {
    setMode(c.mode);
    EXPECT_EQ(run(model, 2, &result), MLC_ERROR_INVALID_MODULE) << c.mode;
    EXPECT_THAT(mlc_last_error(), HasSubstr(c.message));
    EXPECT_THAT(mlc_last_error(), HasSubstr(MLC_FAKE_CUDA_MODULE));
  }
  // After the launch of kernel 7 failed, the module's next launch did
  // nothing.
  EXPECT_EQ(count("launch fake_sum "), 3u);
  setMode(0);
  ASSERT_EQ(run(model, 2, &result), MLC_OK) << mlc_last_error();
  mlc_result_free(result);
  mlc_model_unload(model);
}

TEST_F(CudaTest, PtxCompileErrorShowsTheLog) {
  setenv("FAKE_CUDA_CC", "10.0", 1);
  setenv("FAKE_CUDA_JIT_ERROR", "ptxas fatal   : Unresolved extern 'f'", 1);
  mlc_model *model = load();
  const char *device;
  EXPECT_EQ(mlc_model_device(model, &device), MLC_ERROR_INVALID_MODULE);
  EXPECT_THAT(mlc_last_error(),
              HasSubstr("the driver could not compile the sm_90 ptx image "
                        "for cuda:0 Fake GPU (compute capability 10.0): "
                        "CUDA_ERROR_INVALID_PTX"));
  EXPECT_THAT(mlc_last_error(),
              HasSubstr("JIT log:\nptxas fatal   : Unresolved extern 'f'"));
  mlc_model_unload(model);
}

//===----------------------------------------------------------------------===//
// Metadata of CUDA modules (no driver needed)
//===----------------------------------------------------------------------===//

/// The size of FakeCudaModuleConfigurable's mlc_module_cuda_images.
constexpr size_t kImagesSize = 16384;

/// Loads a configurable module after writing `metadata` (and `images`) into
/// it.
class CudaMetadataTest : public ::testing::Test {
protected:
  static char *symbol(const char *library, const char *name) {
    void *handle = dlopen(library, RTLD_NOW | RTLD_LOCAL);
    EXPECT_TRUE(handle) << dlerror();
    return static_cast<char *>(dlsym(handle, name));
  }

  mlc_status load(const std::string &metadata, mlc_model **model,
                  const char *library = MLC_FAKE_CUDA_MODULE_CONFIGURABLE) {
    char *text = symbol(library, "mlc_module_metadata");
    EXPECT_LT(metadata.size(), 4096u);
    std::memset(text, 0, 4096);
    std::memcpy(text, metadata.data(), metadata.size());
    return mlc_model_load(library, model);
  }

  void expectError(const std::string &metadata, mlc_status expected,
                   const std::string &substring,
                   const char *library = MLC_FAKE_CUDA_MODULE_CONFIGURABLE) {
    mlc_model *model = nullptr;
    EXPECT_EQ(load(metadata, &model, library), expected) << metadata;
    EXPECT_EQ(model, nullptr);
    EXPECT_THAT(mlc_last_error(), HasSubstr(substring)) << metadata;
    EXPECT_THAT(mlc_last_error(), HasSubstr(library));
    mlc_model_unload(model);
  }
};

TEST_F(CudaMetadataTest, LoadsWithoutADriver) {
  CLAIM_DRIVER("/nonexistent/libcuda.so.1");
  mlc::test::ScopedEnv env("MLC_CUDA_DRIVER", "/nonexistent/libcuda.so.1");
  mlc_model *model = nullptr;
  ASSERT_EQ(mlc_model_load(MLC_FAKE_CUDA_MODULE, &model), MLC_OK)
      << mlc_last_error();
  EXPECT_EQ(mlc_model_num_args(model, MLC_ARG_INPUT), 1u);
  EXPECT_EQ(mlc_model_num_args(model, MLC_ARG_OUTPUT), 3u);
  EXPECT_STREQ(mlc_model_arg_name(model, MLC_ARG_PARAM, 1), "b");
  mlc_tensor b;
  ASSERT_EQ(mlc_model_param(model, 1, &b), MLC_OK);
  EXPECT_EQ(static_cast<const float *>(b.data)[0], 0.5f);

  const char *device;
  EXPECT_EQ(mlc_model_device(model, &device), MLC_ERROR_DEVICE);
  std::string message = mlc_last_error();
  EXPECT_THAT(message,
              HasSubstr("module '" MLC_FAKE_CUDA_MODULE
                        "': no CUDA driver: cannot load "
                        "'/nonexistent/libcuda.so.1' (MLC_CUDA_DRIVER): "));
  EXPECT_THAT(message, HasSubstr("install the NVIDIA driver"));
  std::vector<float> x(8);
  std::vector<int64_t> xShape = {2, 4};
  mlc_tensor in = makeTensor(MLC_DTYPE_F32, xShape, x.data());
  mlc_result *result;
  EXPECT_EQ(mlc_model_run(model, &in, 1, &result), MLC_ERROR_DEVICE);
  EXPECT_EQ(mlc_last_error(), message);
  EXPECT_STREQ(mlc_status_name(MLC_ERROR_DEVICE), "device error");
  mlc_model_unload(model);
}

TEST_F(CudaMetadataTest, ToolkitStubIsNotADriver) {
  std::string stub = MLC_CUDA_STUB_DRIVER;
  struct stat st;
  if (stub.empty() || stat(stub.c_str(), &st) != 0)
    GTEST_SKIP() << "no CUDA toolkit stub library (stubs/libcuda.so) was "
                    "found when configuring";
  CLAIM_DRIVER(stub);
  mlc::test::ScopedEnv env("MLC_CUDA_DRIVER", stub.c_str());
  mlc_model *model = nullptr;
  ASSERT_EQ(mlc_model_load(MLC_FAKE_CUDA_MODULE, &model), MLC_OK);
  const char *device;
  EXPECT_EQ(mlc_model_device(model, &device), MLC_ERROR_DEVICE);
  EXPECT_THAT(mlc_last_error(),
              HasSubstr("is the CUDA toolkit's stub library, not the NVIDIA "
                        "driver (cuInit returned CUDA_ERROR_STUB_LIBRARY)"));
  EXPECT_THAT(mlc_last_error(), HasSubstr(MLC_FAKE_CUDA_MODULE));
  mlc_model_unload(model);
}

TEST_F(CudaMetadataTest, NoDeviceAtInit) {
  std::string key = std::string(MLC_FAKE_CUDA_DRIVER) + " cuInit=100";
  CLAIM_DRIVER(key);
  mlc::test::ScopedEnv driver("MLC_CUDA_DRIVER", MLC_FAKE_CUDA_DRIVER);
  mlc::test::ScopedEnv init("FAKE_CUDA_INIT_ERROR", "100");
  mlc_model *model = nullptr;
  ASSERT_EQ(mlc_model_load(MLC_FAKE_CUDA_MODULE, &model), MLC_OK);
  const char *device;
  EXPECT_EQ(mlc_model_device(model, &device), MLC_ERROR_DEVICE);
  EXPECT_THAT(mlc_last_error(),
              HasSubstr("no CUDA device: cuInit of '" MLC_FAKE_CUDA_DRIVER
                        "' returned CUDA_ERROR_NO_DEVICE (no CUDA-capable "
                        "device is detected)"));
  mlc_model_unload(model);
}

TEST_F(CudaMetadataTest, CpuModulesAreUnaffected) {
  mlc::test::ScopedEnv env("MLC_CUDA_DRIVER", "/nonexistent/libcuda.so.1");
  mlc_model *model = nullptr;
  ASSERT_EQ(mlc_model_load(MLC_FAKE_MODULE, &model), MLC_OK);
  const char *device = nullptr;
  ASSERT_EQ(mlc_model_device(model, &device), MLC_OK);
  EXPECT_STREQ(device, "cpu");
  std::vector<float> x = {1, 2, 3, 4};
  std::vector<int64_t> xShape = {1, 4};
  double scale = 1;
  mlc_tensor inputs[] = {makeTensor(MLC_DTYPE_F32, xShape, x.data()),
                         makeTensor(MLC_DTYPE_F64, {}, &scale)};
  mlc_result *result = nullptr;
  ASSERT_EQ(mlc_model_run(model, inputs, 2, &result), MLC_OK)
      << mlc_last_error();
  EXPECT_EQ(static_cast<const float *>(mlc_result_output(result, 0)->data)[3],
            16.0f);
  mlc_result_free(result);
  mlc_model_unload(model);
  EXPECT_EQ(mlc_model_device(nullptr, &device), MLC_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(mlc_model_device(model, nullptr), MLC_ERROR_INVALID_ARGUMENT);
}

TEST_F(CudaMetadataTest, AcceptsWellFormedLines) {
  std::memset(
      symbol(MLC_FAKE_CUDA_MODULE_CONFIGURABLE, "mlc_module_cuda_images"), 0,
      kImagesSize);
  mlc_model *model = nullptr;
  ASSERT_EQ(load("mlc-module 1\r\n"
                 "\n"
                 "target   cuda\n"
                 "input x f32 4\n"
                 "output y f32 4\n"
                 "later-line-kind ignored\n"
                 "kernel k0\n"
                 "image sm_100 ptx 0 8\n"
                 "kernel main%2ekernel_1\n"
                 "image\tsm_80 cubin 64 192\n"
                 "image sm_90a cubin 128 8\n",
                 &model),
            MLC_OK)
      << mlc_last_error();
  EXPECT_EQ(mlc_model_num_args(model, MLC_ARG_INPUT), 1u);
  mlc_model_unload(model);
  // No kernels at all: nothing to load on the device.
  ASSERT_EQ(load("mlc-module 1\ntarget cuda\n", &model), MLC_OK)
      << mlc_last_error();
  mlc_model_unload(model);
}

TEST_F(CudaMetadataTest, RejectsMalformedLines) {
  const mlc_status bad = MLC_ERROR_INVALID_MODULE;
  expectError("mlc-module 1\ninput x f32 4\ntarget cuda\n", bad,
              "line 3 'target cuda': expected 'target NAME' right after the "
              "header");
  expectError("mlc-module 1\ntarget\n", bad, "expected 'target NAME'");
  expectError("mlc-module 1\ntarget rocm\n", MLC_ERROR_UNSUPPORTED,
              "target 'rocm' is not supported");
  expectError("mlc-module 1\nkernel k\n", bad,
              "line 2 'kernel k': 'kernel' line in a module without a "
              "'target cuda' line");
  expectError("mlc-module 1\ntarget cuda\nkernel\n", bad,
              "line 3 'kernel': expected 'kernel NAME'");
  expectError("mlc-module 1\ntarget cuda\nkernel a\nkernel a\n", bad,
              "line 4 'kernel a': kernel 'a' is declared twice");
  expectError("mlc-module 1\ntarget cuda\nkernel a\n", bad,
              "the metadata declares kernels but no image holding them");
  expectError("mlc-module 1\ntarget cuda\nimage sm_90 cubin 0\n", bad,
              "line 3 'image sm_90 cubin 0': expected 'image ARCH FORMAT "
              "OFFSET SIZE'");
  for (const char *arch :
       {"sm_9", "sm_90b", "sm_90aa", "compute_90", "sm_090", "sm_", "sm_a"})
    expectError(std::string("mlc-module 1\ntarget cuda\nimage ") + arch +
                    " cubin 0 8\n",
                bad, std::string("bad architecture '") + arch + "'");
  expectError("mlc-module 1\ntarget cuda\nimage sm_90 fatbin 0 8\n", bad,
              "bad image format 'fatbin' (expected cubin or ptx)");
  expectError("mlc-module 1\ntarget cuda\nimage sm_90 cubin x 8\n", bad,
              "bad offset or size of the sm_90 cubin image");
  expectError("mlc-module 1\ntarget cuda\nimage sm_90 cubin 0 0\n", bad,
              "bad offset or size");
  expectError("mlc-module 1\ntarget cuda\nimage sm_90 ptx 0 8\n"
              "image sm_90 ptx 64 8\n",
              bad,
              "line 4 'image sm_90 ptx 64 8': a second sm_90 ptx image "
              "(the first is on line 3)");
  expectError("mlc-module 1\ntarget cuda\nimage sm_90 cubin 32 8\n", bad,
              "the sm_90 cubin image's offset 32 is not 64-byte aligned");
  expectError("mlc-module 1\ntarget cuda\nkernel a%zz\n", bad,
              "bad percent-encoding in kernel name 'a%zz'");
  expectError("mlc-module 1\ntarget cuda\nkernel a\nimage sm_90 cubin 0 8\n"
              "output y f32 4\n",
              bad,
              "line 5 'output y f32 4': 'output' after the kernel and "
              "image lines");
  // Images must lie in mlc_module_cuda_images (kImagesSize bytes here).
  expectError("mlc-module 1\ntarget cuda\nkernel a\n"
              "image sm_90 cubin 16320 100\n",
              bad,
              "line 4: the sm_90 cubin image (offset 16320, 100 bytes) "
              "lies outside mlc_module_cuda_images (16384 bytes)");
  // PTX must end with a NUL within the image.
  char *images =
      symbol(MLC_FAKE_CUDA_MODULE_CONFIGURABLE, "mlc_module_cuda_images");
  std::memset(images, 'x', kImagesSize);
  expectError("mlc-module 1\ntarget cuda\nkernel a\n"
              "image sm_90 ptx 64 128\n",
              bad, "line 4: the sm_90 ptx image does not end with a NUL byte");
  expectError("mlc-module 1\ntarget cuda\nkernel a\n"
              "image sm_90 cubin 18446744073709551615 1\n",
              bad, "bad offset or size");
  expectError("mlc-module 1\ntarget cuda\nkernel a\n"
              "image sm_90 cubin 16384 1\n",
              bad, "lies outside");
}

TEST_F(CudaMetadataTest, RequiresTheCudaSymbols) {
  // FakeModuleConfigurable has neither mlc_module_cuda_images nor hooks.
  expectError("mlc-module 1\ntarget cuda\nkernel k\nimage sm_90 cubin 0 8\n",
              MLC_ERROR_INVALID_MODULE,
              "the metadata has image lines but the module has no symbol "
              "mlc_module_cuda_images",
              MLC_FAKE_MODULE_CONFIGURABLE);
  expectError("mlc-module 1\ntarget cuda\n", MLC_ERROR_INVALID_MODULE,
              "it has a 'target cuda' line but no symbol "
              "mlc_module_cuda_hooks",
              MLC_FAKE_MODULE_CONFIGURABLE);
}

TEST_F(CudaMetadataTest, KernelMissingFromTheImage) {
  CLAIM_DRIVER(MLC_FAKE_CUDA_DRIVER);
  mlc::test::ScopedEnv driver("MLC_CUDA_DRIVER", MLC_FAKE_CUDA_DRIVER);
  char *images =
      symbol(MLC_FAKE_CUDA_MODULE_CONFIGURABLE, "mlc_module_cuda_images");
  std::memset(images, 0, kImagesSize);
  std::strcpy(images, "\x7f"
                      "ELFfake-cubin sm_90: only_this");
  mlc_model *model = nullptr;
  ASSERT_EQ(load("mlc-module 1\ntarget cuda\nkernel only_this\n"
                 "kernel other\nimage sm_90 cubin 0 64\n",
                 &model),
            MLC_OK)
      << mlc_last_error();
  const char *device;
  EXPECT_EQ(mlc_model_device(model, &device), MLC_ERROR_INVALID_MODULE);
  EXPECT_THAT(mlc_last_error(),
              HasSubstr("module '" MLC_FAKE_CUDA_MODULE_CONFIGURABLE
                        "': kernel 'other' is not in the sm_90 cubin image "
                        "(line 5 of the metadata)"));
  mlc_model_unload(model);
  EXPECT_EQ(driverCount<int>("fake_cuda_retained_contexts"), 0);
  EXPECT_EQ(driverCount<int>("fake_cuda_live_modules"), 0);
}

TEST_F(CudaMetadataTest, ImageChoiceOrder) {
  CLAIM_DRIVER(MLC_FAKE_CUDA_DRIVER);
  mlc::test::ScopedEnv driver("MLC_CUDA_DRIVER", MLC_FAKE_CUDA_DRIVER);
  char *images =
      symbol(MLC_FAKE_CUDA_MODULE_CONFIGURABLE, "mlc_module_cuda_images");
  std::memset(images, 0, kImagesSize);
  std::string metadata = "mlc-module 1\ntarget cuda\nkernel k\n";
  // Each preferred image after the one it beats, so that the order of the
  // lines cannot decide.
  const char *const kImages[][2] = {{"sm_90", "cubin"}, {"sm_90a", "cubin"},
                                    {"sm_72", "cubin"}, {"sm_75", "cubin"},
                                    {"sm_80", "ptx"},   {"sm_86a", "ptx"}};
  for (int i = 0; i < 6; ++i) {
    std::string arch = kImages[i][0], format = kImages[i][1];
    std::string text = format == "ptx" ? "// fake-ptx " + arch + "\n.entry k\n"
                                       : "\x7f"
                                         "ELFfake-cubin " +
                                             arch + ": k";
    std::strcpy(images + 64 * i, text.c_str());
    metadata +=
        "image " + arch + " " + format + " " + std::to_string(64 * i) + " 64\n";
  }
  struct {
    const char *capability, *image;
  } cases[] = {
      {"9.0", "sm_90a cubin"}, // sm_XYa before sm_XY
      {"9.1", "sm_90 cubin"},  // a lower minor, but not sm_90a
      {"8.6", "sm_86a ptx (compiled by the driver)"},
      {"8.9", "sm_80 ptx (compiled by the driver)"}, // not sm_86a
      {"12.0", "sm_80 ptx (compiled by the driver)"},
      {"7.5", "sm_75 cubin"}, // the exact one before sm_72
      {"7.3", "sm_72 cubin"},
      {"7.0", nullptr}, // no cubin runs on a lower minor
  };
  for (const auto &c : cases) {
    SCOPED_TRACE(c.capability);
    mlc::test::ScopedEnv capability("FAKE_CUDA_CC", c.capability);
    mlc_model *model = nullptr;
    ASSERT_EQ(load(metadata, &model), MLC_OK) << mlc_last_error();
    const char *device = nullptr;
    if (c.image) {
      ASSERT_EQ(mlc_model_device(model, &device), MLC_OK) << mlc_last_error();
      EXPECT_THAT(device, HasSubstr(std::string("), ") + c.image));
    } else {
      EXPECT_EQ(mlc_model_device(model, &device), MLC_ERROR_DEVICE);
      EXPECT_THAT(mlc_last_error(),
                  HasSubstr("its images are sm_90 cubin, sm_90a cubin, sm_72 "
                            "cubin, sm_75 cubin, sm_80 ptx, sm_86a ptx"));
    }
    mlc_model_unload(model);
  }
}

TEST_F(CudaMetadataTest, RealCubinAndPtx) {
  std::string ptxas = MLC_TEST_PTXAS;
  if (ptxas.empty())
    GTEST_SKIP() << "no ptxas (CUDA toolkit) was found when configuring";
  CLAIM_DRIVER(MLC_FAKE_CUDA_DRIVER);
  mlc::test::ScopedEnv driver("MLC_CUDA_DRIVER", MLC_FAKE_CUDA_DRIVER);
  // Two kernels in PTX, assembled into an sm_90 cubin by ptxas.
  std::string ptx = "// two empty kernels\n"
                    ".version 8.0\n.target sm_90\n.address_size 64\n"
                    ".visible .entry mlc_first(.param .u64 p) { ret; }\n"
                    ".visible .entry mlc_second() { ret; }\n";
  std::string base = ::testing::TempDir() + "mlc_real_cubin";
  { std::ofstream(base + ".ptx") << ptx; }
  std::string command =
      ptxas + " -arch=sm_90 -o " + base + ".cubin " + base + ".ptx";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  std::ifstream in(base + ".cubin", std::ios::binary);
  std::string cubin(std::istreambuf_iterator<char>(in), {});
  size_t ptxOffset = (cubin.size() + 63) / 64 * 64;
  ASSERT_LE(ptxOffset + ptx.size() + 1, kImagesSize);
  char *images =
      symbol(MLC_FAKE_CUDA_MODULE_CONFIGURABLE, "mlc_module_cuda_images");
  std::memset(images, 0, kImagesSize);
  std::memcpy(images, cubin.data(), cubin.size());
  std::memcpy(images + ptxOffset, ptx.c_str(), ptx.size() + 1);
  std::string imageLines = "image sm_90 cubin 0 " +
                           std::to_string(cubin.size()) + "\nimage sm_90 ptx " +
                           std::to_string(ptxOffset) + " " +
                           std::to_string(ptx.size() + 1) + "\n";
  for (const char *capability : {"9.0", "10.0"}) {
    SCOPED_TRACE(capability);
    mlc::test::ScopedEnv cc("FAKE_CUDA_CC", capability);
    mlc_model *model = nullptr;
    ASSERT_EQ(load("mlc-module 1\ntarget cuda\nkernel mlc_second\n"
                   "kernel mlc_first\n" +
                       imageLines,
                   &model),
              MLC_OK)
        << mlc_last_error();
    const char *device = nullptr;
    EXPECT_EQ(mlc_model_device(model, &device), MLC_OK) << mlc_last_error();
    mlc_model_unload(model);
    // A name that is only part of a kernel's is not found.
    ASSERT_EQ(load("mlc-module 1\ntarget cuda\nkernel mlc_fir\n" + imageLines,
                   &model),
              MLC_OK);
    EXPECT_EQ(mlc_model_device(model, &device), MLC_ERROR_INVALID_MODULE);
    EXPECT_THAT(mlc_last_error(), HasSubstr("kernel 'mlc_fir' is not in"));
    mlc_model_unload(model);
  }
  std::remove((base + ".ptx").c_str());
  std::remove((base + ".cubin").c_str());
}

} // namespace
