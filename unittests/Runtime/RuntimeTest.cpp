//===- RuntimeTest.cpp - tests of libmlcrt (mlc-c/Runtime.h) --------------===//
//
// Loads the hand-written fake modules of this folder (FakeModule*.c) through
// the C API and checks metadata queries, percent-decoding, input checking,
// dense copies of strided inputs, results and their release, params,
// MLC_NUM_THREADS, malformed metadata and modules that break the ABI.
//
//===----------------------------------------------------------------------===//

#include "RuntimeTestUtils.h"

#include "mlc-c/Runtime.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <string>
#include <vector>

namespace {

using ::mlc::test::makeTensor;
using ::mlc::test::ScopedEnv;
using ::testing::HasSubstr;

/// The fake module, kept loaded for the whole suite so that its counters can
/// be read after the runtime has released it.
class FakeModule {
public:
  static FakeModule &get() {
    static FakeModule module;
    return module;
  }
  long liveAllocations() { return liveAllocations_(); }
  int numThreads() { return numThreads_(); }
  bool inputsWereDense() { return inputsWereDense_(); }
  void setMode(int mode) { setMode_(mode); }

private:
  FakeModule() {
    handle = dlopen(MLC_FAKE_MODULE, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      ADD_FAILURE() << dlerror();
      std::abort();
    }
    liveAllocations_ =
        reinterpret_cast<long (*)()>(dlsym(handle, "fake_live_allocations"));
    numThreads_ =
        reinterpret_cast<int (*)()>(dlsym(handle, "fake_num_threads"));
    inputsWereDense_ =
        reinterpret_cast<int (*)()>(dlsym(handle, "fake_inputs_were_dense"));
    setMode_ = reinterpret_cast<void (*)(int)>(dlsym(handle, "fake_set_mode"));
  }
  void *handle;
  long (*liveAllocations_)();
  int (*numThreads_)();
  int (*inputsWereDense_)();
  void (*setMode_)(int);
};

mlc_model *loadFake(const char *path = MLC_FAKE_MODULE) {
  mlc_model *model = nullptr;
  mlc_status status = mlc_model_load(path, &model);
  EXPECT_EQ(status, MLC_OK) << mlc_last_error();
  return model;
}

class RuntimeTest : public ::testing::Test {
protected:
  void SetUp() override {
    fake = &FakeModule::get();
    fake->setMode(0);
    ASSERT_EQ(fake->liveAllocations(), 0);
    unsetenv("MLC_NUM_THREADS");
  }
  void TearDown() override { EXPECT_EQ(fake->liveAllocations(), 0); }
  FakeModule *fake;
};

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

TEST(DTypeTest, NamesSizesAndLookup) {
  struct {
    mlc_dtype dtype;
    const char *name;
    size_t size;
  } cases[] = {{MLC_DTYPE_F64, "f64", 8},  {MLC_DTYPE_F32, "f32", 4},
               {MLC_DTYPE_F16, "f16", 2},  {MLC_DTYPE_BF16, "bf16", 2},
               {MLC_DTYPE_I64, "i64", 8},  {MLC_DTYPE_I32, "i32", 4},
               {MLC_DTYPE_I16, "i16", 2},  {MLC_DTYPE_I8, "i8", 1},
               {MLC_DTYPE_U64, "u64", 8},  {MLC_DTYPE_U32, "u32", 4},
               {MLC_DTYPE_U16, "u16", 2},  {MLC_DTYPE_U8, "u8", 1},
               {MLC_DTYPE_BOOL, "bool", 1}};
  for (const auto &c : cases) {
    EXPECT_STREQ(mlc_dtype_name(c.dtype), c.name);
    EXPECT_EQ(mlc_dtype_size(c.dtype), c.size);
    EXPECT_EQ(mlc_dtype_from_name(c.name), c.dtype);
  }
  EXPECT_STREQ(mlc_dtype_name(static_cast<mlc_dtype>(99)), "invalid");
  EXPECT_EQ(mlc_dtype_size(MLC_DTYPE_INVALID), 0u);
  EXPECT_EQ(mlc_dtype_from_name("f8"), MLC_DTYPE_INVALID);
  EXPECT_EQ(mlc_dtype_from_name(nullptr), MLC_DTYPE_INVALID);
  EXPECT_STREQ(mlc_status_name(MLC_ERROR_INVALID_ARGUMENT), "invalid argument");
}

TEST(TensorTest, ElementsAndDensity) {
  std::vector<int64_t> shape = {2, 3, 4};
  int64_t dense[] = {12, 4, 1}, transposed[] = {1, 2, 6}, ones[] = {7, 4, 1};
  mlc_tensor t = makeTensor(MLC_DTYPE_F32, shape, nullptr);
  EXPECT_EQ(mlc_tensor_num_elements(&t), 24);
  EXPECT_TRUE(mlc_tensor_is_dense(&t));
  t.strides = dense;
  EXPECT_TRUE(mlc_tensor_is_dense(&t));
  t.strides = transposed;
  EXPECT_FALSE(mlc_tensor_is_dense(&t));
  std::vector<int64_t> unitShape = {1, 3, 4};
  mlc_tensor u = makeTensor(MLC_DTYPE_F32, unitShape, nullptr, ones);
  EXPECT_TRUE(mlc_tensor_is_dense(&u)); // a size-1 stride does not matter
  mlc_tensor scalar = makeTensor(MLC_DTYPE_F32, {}, nullptr);
  EXPECT_EQ(mlc_tensor_num_elements(&scalar), 1);
  std::vector<int64_t> huge = {INT64_MAX, 2};
  mlc_tensor h = makeTensor(MLC_DTYPE_F32, huge, nullptr);
  EXPECT_EQ(mlc_tensor_num_elements(&h), -1);
  std::vector<int64_t> negative = {-1};
  mlc_tensor n = makeTensor(MLC_DTYPE_F32, negative, nullptr);
  EXPECT_EQ(mlc_tensor_num_elements(&n), -1);
}

//===----------------------------------------------------------------------===//
// Loading and metadata
//===----------------------------------------------------------------------===//

TEST_F(RuntimeTest, QueriesMetadata) {
  mlc_model *model = loadFake();
  ASSERT_TRUE(model);
  EXPECT_STREQ(mlc_model_path(model), MLC_FAKE_MODULE);
  ASSERT_EQ(mlc_model_num_args(model, MLC_ARG_INPUT), 2u);
  ASSERT_EQ(mlc_model_num_args(model, MLC_ARG_OUTPUT), 3u);
  ASSERT_EQ(mlc_model_num_args(model, MLC_ARG_PARAM), 2u);
  EXPECT_EQ(mlc_model_num_args(model, static_cast<mlc_arg_kind>(7)), 0u);

  EXPECT_STREQ(mlc_model_arg_name(model, MLC_ARG_INPUT, 0), "x");
  EXPECT_EQ(mlc_model_arg_dtype(model, MLC_ARG_INPUT, 0), MLC_DTYPE_F32);
  ASSERT_EQ(mlc_model_arg_rank(model, MLC_ARG_INPUT, 0), 2);
  const int64_t *dims = mlc_model_arg_dims(model, MLC_ARG_INPUT, 0);
  EXPECT_EQ(dims[0], -1);
  EXPECT_EQ(dims[1], 4);

  // Percent-decoded names; a scalar has rank 0 and no dims.
  EXPECT_STREQ(mlc_model_arg_name(model, MLC_ARG_INPUT, 1), "scale factor");
  EXPECT_EQ(mlc_model_arg_dtype(model, MLC_ARG_INPUT, 1), MLC_DTYPE_F64);
  EXPECT_EQ(mlc_model_arg_rank(model, MLC_ARG_INPUT, 1), 0);
  EXPECT_EQ(mlc_model_arg_dims(model, MLC_ARG_INPUT, 1), nullptr);
  EXPECT_STREQ(mlc_model_arg_name(model, MLC_ARG_PARAM, 1), "b%");

  EXPECT_STREQ(mlc_model_arg_name(model, MLC_ARG_OUTPUT, 0), "y");
  EXPECT_STREQ(mlc_model_arg_name(model, MLC_ARG_OUTPUT, 1), "total");
  EXPECT_STREQ(mlc_model_arg_name(model, MLC_ARG_OUTPUT, 2), "y_alias");

  EXPECT_EQ(mlc_model_find_arg(model, MLC_ARG_INPUT, "scale factor"), 1);
  EXPECT_EQ(mlc_model_find_arg(model, MLC_ARG_OUTPUT, "total"), 1);
  EXPECT_EQ(mlc_model_find_arg(model, MLC_ARG_INPUT, "nope"), -1);

  // Out of range.
  EXPECT_EQ(mlc_model_arg_name(model, MLC_ARG_INPUT, 2), nullptr);
  EXPECT_EQ(mlc_model_arg_dtype(model, MLC_ARG_OUTPUT, 3), MLC_DTYPE_INVALID);
  EXPECT_EQ(mlc_model_arg_rank(model, MLC_ARG_PARAM, 2), -1);
  EXPECT_TRUE(mlc_model_has_num_threads(model));
  mlc_model_unload(model);
}

TEST_F(RuntimeTest, ParamViews) {
  mlc_model *model = loadFake();
  mlc_tensor w, b;
  ASSERT_EQ(mlc_model_param(model, 0, &w), MLC_OK);
  ASSERT_EQ(mlc_model_param(model, 1, &b), MLC_OK);
  EXPECT_EQ(w.dtype, MLC_DTYPE_F32);
  ASSERT_EQ(w.rank, 1);
  EXPECT_EQ(w.shape[0], 4);
  EXPECT_EQ(w.strides[0], 1);
  const float *ws = static_cast<const float *>(w.data);
  EXPECT_EQ(ws[0], 1.0f);
  EXPECT_EQ(ws[3], 4.0f);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(w.data) % 64, 0u);
  EXPECT_EQ(b.dtype, MLC_DTYPE_I8);
  EXPECT_EQ(static_cast<const char *>(b.data) -
                static_cast<const char *>(w.data),
            64);
  const int8_t *bs = static_cast<const int8_t *>(b.data);
  EXPECT_EQ(bs[0], -1);
  EXPECT_EQ(bs[2], 1);
  mlc_tensor none;
  EXPECT_EQ(mlc_model_param(model, 2, &none), MLC_ERROR_INVALID_ARGUMENT);
  EXPECT_THAT(mlc_last_error(), HasSubstr("no param 2"));
  mlc_model_unload(model);
}

TEST_F(RuntimeTest, LoadErrorsNameTheFile) {
  mlc_model *model = reinterpret_cast<mlc_model *>(1);
  EXPECT_EQ(mlc_model_load("/nonexistent/model.so", &model), MLC_ERROR_IO);
  EXPECT_EQ(model, nullptr);
  EXPECT_THAT(mlc_last_error(), HasSubstr("/nonexistent/model.so"));

  // A shared library that is not a compiled module.
  EXPECT_EQ(mlc_model_load(MLC_RUNTIME_LIBRARY, &model),
            MLC_ERROR_INVALID_MODULE);
  EXPECT_THAT(mlc_last_error(), HasSubstr("no symbol mlc_module_metadata"));
  EXPECT_THAT(mlc_last_error(), HasSubstr(MLC_RUNTIME_LIBRARY));

  EXPECT_EQ(mlc_model_load(nullptr, &model), MLC_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(mlc_model_load(MLC_FAKE_MODULE, nullptr),
            MLC_ERROR_INVALID_ARGUMENT);
}

TEST_F(RuntimeTest, MalformedMetadataModule) {
  mlc_model *model = nullptr;
  EXPECT_EQ(mlc_model_load(MLC_FAKE_MODULE_MALFORMED, &model),
            MLC_ERROR_INVALID_MODULE);
  EXPECT_EQ(model, nullptr);
  std::string message = mlc_last_error();
  EXPECT_THAT(message, HasSubstr(MLC_FAKE_MODULE_MALFORMED));
  EXPECT_THAT(message, HasSubstr("line 3"));
  EXPECT_THAT(message, HasSubstr("unknown dtype 'f33' of output 'y'"));
}

/// Loads the configurable fake module after writing `metadata` into it.
class ConfigurableModuleTest : public ::testing::Test {
protected:
  void SetUp() override {
    handle = dlopen(MLC_FAKE_MODULE_CONFIGURABLE, RTLD_NOW | RTLD_LOCAL);
    ASSERT_TRUE(handle) << dlerror();
    text = static_cast<char *>(dlsym(handle, "mlc_module_metadata"));
    ASSERT_TRUE(text);
  }
  void TearDown() override { dlclose(handle); }

  mlc_status load(const std::string &metadata, mlc_model **model) {
    EXPECT_LT(metadata.size(), 4096u);
    std::memset(text, 0, 4096);
    std::memcpy(text, metadata.data(), metadata.size());
    return mlc_model_load(MLC_FAKE_MODULE_CONFIGURABLE, model);
  }

  void expectError(const std::string &metadata, mlc_status expected,
                   const std::string &substring) {
    mlc_model *model = nullptr;
    EXPECT_EQ(load(metadata, &model), expected) << metadata;
    EXPECT_EQ(model, nullptr);
    EXPECT_THAT(mlc_last_error(), HasSubstr(substring)) << metadata;
    EXPECT_THAT(mlc_last_error(), HasSubstr(MLC_FAKE_MODULE_CONFIGURABLE));
    mlc_model_unload(model);
  }

  void *handle = nullptr;
  char *text = nullptr;
};

TEST_F(ConfigurableModuleTest, AcceptsWellFormedVariants) {
  mlc_model *model = nullptr;
  // CRLF line ends, tabs, blank lines, unknown line kinds, leading zeros,
  // escapes in either case, and params in any order.
  ASSERT_EQ(load("\n mlc-module 1\r\n\n"
                 "input\ta%2fb%2Fc f32 007 ?\r\n"
                 "note something the runtime ignores\n"
                 "output y bool\n"
                 "param p1 u8 64 10\n"
                 "param p0 f64 0 2 4\n"
                 "param empty f32 64 0\n",
                 &model),
            MLC_OK)
      << mlc_last_error();
  EXPECT_STREQ(mlc_model_arg_name(model, MLC_ARG_INPUT, 0), "a/b/c");
  const int64_t *dims = mlc_model_arg_dims(model, MLC_ARG_INPUT, 0);
  EXPECT_EQ(dims[0], 7);
  EXPECT_EQ(dims[1], -1);
  EXPECT_EQ(mlc_model_arg_dtype(model, MLC_ARG_OUTPUT, 0), MLC_DTYPE_BOOL);
  EXPECT_EQ(mlc_model_arg_rank(model, MLC_ARG_OUTPUT, 0), 0);
  EXPECT_EQ(mlc_model_num_args(model, MLC_ARG_PARAM), 3u);
  EXPECT_FALSE(mlc_model_has_num_threads(model));
  EXPECT_EQ(mlc_model_set_num_threads(model, 2), MLC_ERROR_UNSUPPORTED);
  EXPECT_THAT(mlc_last_error(), HasSubstr("mlc_module_set_num_threads"));
  mlc_model_unload(model);

  ASSERT_EQ(load("mlc-module 1\n", &model), MLC_OK);
  EXPECT_EQ(mlc_model_num_args(model, MLC_ARG_INPUT), 0u);
  mlc_model_unload(model);
}

TEST_F(ConfigurableModuleTest, RejectsMalformedMetadata) {
  expectError("", MLC_ERROR_INVALID_MODULE, "empty metadata");
  expectError("input x f32 4\n", MLC_ERROR_INVALID_MODULE,
              "expected the header 'mlc-module 1'");
  expectError("mlc-module one\n", MLC_ERROR_INVALID_MODULE, "bad version");
  expectError("mlc-module 2\n", MLC_ERROR_UNSUPPORTED,
              "has several entry points (ABI 2");
  expectError("mlc-module 3\n", MLC_ERROR_UNSUPPORTED,
              "metadata version 3 is not supported");
  expectError("mlc-module 1\ninput x\n", MLC_ERROR_INVALID_MODULE,
              "expected 'input NAME DTYPE DIM...'");
  expectError("mlc-module 1\nparam w f32\n", MLC_ERROR_INVALID_MODULE,
              "expected 'param NAME DTYPE OFFSET DIM...'");
  expectError("mlc-module 1\ninput x f8 4\n", MLC_ERROR_INVALID_MODULE,
              "line 2 'input x f8 4': unknown dtype 'f8' of input 'x'");
  expectError("mlc-module 1\ninput x%zz f32\n", MLC_ERROR_INVALID_MODULE,
              "bad percent-encoding in name 'x%zz'");
  expectError("mlc-module 1\ninput x%2 f32\n", MLC_ERROR_INVALID_MODULE,
              "bad percent-encoding");
  expectError("mlc-module 1\ninput x%00 f32\n", MLC_ERROR_INVALID_MODULE,
              "bad percent-encoding");
  expectError("mlc-module 1\noutput y f32 -1\n", MLC_ERROR_INVALID_MODULE,
              "bad dimension '-1' of output 'y'");
  expectError("mlc-module 1\noutput y f32 4x\n", MLC_ERROR_INVALID_MODULE,
              "bad dimension '4x'");
  expectError("mlc-module 1\noutput y f32 99999999999999999999\n",
              MLC_ERROR_INVALID_MODULE, "bad dimension");
  expectError("mlc-module 1\nparam w f32 0 ?\n", MLC_ERROR_INVALID_MODULE,
              "param 'w' has a dynamic dimension");
  expectError("mlc-module 1\nparam w f32 x4 4\n", MLC_ERROR_INVALID_MODULE,
              "bad offset 'x4' of param 'w'");
}

TEST_F(ConfigurableModuleTest, ChecksParamLayout) {
  // The blob of the configurable module is 256 bytes.
  expectError("mlc-module 1\nparam w f32 32 4\n", MLC_ERROR_INVALID_MODULE,
              "param 'w': offset 32 is not 64-byte aligned");
  expectError("mlc-module 1\nparam w f32 192 32\n", MLC_ERROR_INVALID_MODULE,
              "param 'w' (offset 192, 128 bytes) lies outside "
              "mlc_module_params (256 bytes)");
  expectError("mlc-module 1\nparam w f32 256 1\n", MLC_ERROR_INVALID_MODULE,
              "lies outside");
  expectError("mlc-module 1\nparam a f32 0 20\nparam b f32 64 1\n",
              MLC_ERROR_INVALID_MODULE,
              "params 'a' (offset 0, 80 bytes) and 'b' (offset 64) overlap");
  expectError("mlc-module 1\nparam w f64 0 4611686018427387904 4\n",
              MLC_ERROR_INVALID_MODULE, "param 'w': size overflows");
  mlc_model *model = nullptr;
  EXPECT_EQ(load("mlc-module 1\nparam a f32 0 16\nparam b f32 64 48\n", &model),
            MLC_OK)
      << mlc_last_error();
  mlc_model_unload(model);
}

TEST_F(ConfigurableModuleTest, RejectsUnterminatedMetadata) {
  std::memset(text, 'a', 4096);
  mlc_model *model = nullptr;
  EXPECT_EQ(mlc_model_load(MLC_FAKE_MODULE_CONFIGURABLE, &model),
            MLC_ERROR_INVALID_MODULE);
  EXPECT_THAT(mlc_last_error(), HasSubstr("not NUL-terminated"));
}

//===----------------------------------------------------------------------===//
// Running
//===----------------------------------------------------------------------===//

TEST_F(RuntimeTest, RunsAndFreesOutputs) {
  mlc_model *model = loadFake();
  std::vector<float> x = {1, 2, 3, 4, -1, -2, -3, -5};
  std::vector<int64_t> xShape = {2, 4};
  double scale = 0.5;
  mlc_tensor inputs[] = {makeTensor(MLC_DTYPE_F32, xShape, x.data()),
                         makeTensor(MLC_DTYPE_F64, {}, &scale)};
  mlc_result *result = nullptr;
  ASSERT_EQ(mlc_model_run(model, inputs, 2, &result), MLC_OK)
      << mlc_last_error();
  EXPECT_TRUE(fake->inputsWereDense());
  EXPECT_EQ(fake->liveAllocations(), 2);
  ASSERT_EQ(mlc_result_num_outputs(result), 3u);

  const mlc_tensor *y = mlc_result_output(result, 0);
  EXPECT_EQ(y->dtype, MLC_DTYPE_F32);
  ASSERT_EQ(y->rank, 2);
  EXPECT_EQ(y->shape[0], 2);
  EXPECT_EQ(y->shape[1], 4);
  EXPECT_EQ(y->strides[0], 4);
  EXPECT_EQ(y->strides[1], 1);
  const float *ys = static_cast<const float *>(y->data);
  float expected[] = {0.5f, 2, 4.5f, 8, -0.5f, -2, -4.5f, -10};
  for (int i = 0; i < 8; ++i)
    EXPECT_EQ(ys[i], expected[i]) << i;

  const mlc_tensor *total = mlc_result_output(result, 1);
  EXPECT_EQ(total->rank, 0);
  EXPECT_EQ(*static_cast<const double *>(total->data), -2.0);
  const mlc_tensor *alias = mlc_result_output(result, 2);
  EXPECT_EQ(alias->data, y->data);
  EXPECT_EQ(mlc_result_output(result, 3), nullptr);

  // The aliased allocation is freed once: the counter would go negative.
  mlc_result_free(result);
  EXPECT_EQ(fake->liveAllocations(), 0);
  mlc_model_unload(model);
}

TEST_F(RuntimeTest, DynamicDimensionOfZero) {
  mlc_model *model = loadFake();
  std::vector<int64_t> xShape = {0, 4};
  double scale = 1;
  mlc_tensor inputs[] = {makeTensor(MLC_DTYPE_F32, xShape, nullptr),
                         makeTensor(MLC_DTYPE_F64, {}, &scale)};
  mlc_result *result = nullptr;
  ASSERT_EQ(mlc_model_run(model, inputs, 2, &result), MLC_OK)
      << mlc_last_error();
  EXPECT_EQ(mlc_result_output(result, 0)->shape[0], 0);
  mlc_result_free(result);
  mlc_model_unload(model);
}

TEST_F(RuntimeTest, CopiesNonDenseInputs) {
  mlc_model *model = loadFake();
  // x is the transpose of a 4x2 buffer: x[i][j] = buffer[j][i].
  std::vector<float> buffer = {1, -1, 2, -2, 3, -3, 4, -4};
  std::vector<float> original = buffer;
  std::vector<int64_t> xShape = {2, 4};
  int64_t strides[] = {1, 2};
  double scale = 1;
  mlc_tensor inputs[] = {
      makeTensor(MLC_DTYPE_F32, xShape, buffer.data(), strides),
      makeTensor(MLC_DTYPE_F64, {}, &scale)};
  mlc_result *result = nullptr;
  ASSERT_EQ(mlc_model_run(model, inputs, 2, &result), MLC_OK)
      << mlc_last_error();
  EXPECT_TRUE(fake->inputsWereDense());
  const float *ys =
      static_cast<const float *>(mlc_result_output(result, 0)->data);
  float expected[] = {1, 4, 9, 16, -1, -4, -9, -16};
  for (int i = 0; i < 8; ++i)
    EXPECT_EQ(ys[i], expected[i]) << i;
  EXPECT_EQ(buffer, original);
  mlc_result_free(result);

  // Broadcast (stride 0) rows and a misaligned data pointer are copied too.
  int64_t broadcast[] = {0, 1};
  alignas(8) unsigned char bytes[1 + 4 * sizeof(float)];
  float row[] = {1, 2, 3, 4};
  std::memcpy(bytes + 1, row, sizeof row);
  double scaleMisaligned[2] = {0, 2};
  unsigned char scaleBytes[sizeof(double) + 1];
  std::memcpy(scaleBytes + 1, &scaleMisaligned[1], sizeof(double));
  mlc_tensor inputs2[] = {
      makeTensor(MLC_DTYPE_F32, xShape, bytes + 1, broadcast),
      makeTensor(MLC_DTYPE_F64, {}, scaleBytes + 1)};
  ASSERT_EQ(mlc_model_run(model, inputs2, 2, &result), MLC_OK)
      << mlc_last_error();
  ys = static_cast<const float *>(mlc_result_output(result, 0)->data);
  float expected2[] = {2, 8, 18, 32, 2, 8, 18, 32};
  for (int i = 0; i < 8; ++i)
    EXPECT_EQ(ys[i], expected2[i]) << i;
  mlc_result_free(result);
  mlc_model_unload(model);
}

TEST_F(RuntimeTest, ChecksInputsAndNamesThem) {
  mlc_model *model = loadFake();
  std::vector<float> x(12, 1.0f);
  std::vector<int64_t> good = {2, 4}, wideShape = {2, 5}, rank3 = {2, 4, 1},
                       negative = {-2, 4}, huge = {INT64_MAX / 2, 4};
  double scale = 1;
  float scaleF = 1;
  mlc_result *result = reinterpret_cast<mlc_result *>(1);
  auto expectRunError = [&](mlc_tensor x, mlc_tensor s, const char *message) {
    mlc_tensor inputs[] = {x, s};
    EXPECT_EQ(mlc_model_run(model, inputs, 2, &result),
              MLC_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(result, nullptr);
    EXPECT_THAT(mlc_last_error(), HasSubstr(message));
  };
  mlc_tensor s = makeTensor(MLC_DTYPE_F64, {}, &scale);
  expectRunError(makeTensor(MLC_DTYPE_I64, good, x.data()), s,
                 "input 'x': expected dtype f32, got i64");
  expectRunError(makeTensor(MLC_DTYPE_F32, wideShape, x.data()), s,
                 "input 'x' dimension 1: expected 4, got 5");
  expectRunError(makeTensor(MLC_DTYPE_F32, rank3, x.data()), s,
                 "input 'x': expected rank 2 [?, 4], got rank 3");
  expectRunError(makeTensor(MLC_DTYPE_F32, negative, x.data()), s,
                 "input 'x' dimension 0: negative size -2");
  expectRunError(makeTensor(MLC_DTYPE_F32, huge, x.data()), s,
                 "input 'x': shape");
  expectRunError(makeTensor(MLC_DTYPE_F32, good, nullptr), s,
                 "input 'x': data is NULL");
  expectRunError(makeTensor(MLC_DTYPE_F32, good, x.data()),
                 makeTensor(MLC_DTYPE_F32, {}, &scaleF),
                 "input 'scale factor': expected dtype f64, got f32");
  mlc_tensor noShape = makeTensor(MLC_DTYPE_F32, good, x.data());
  noShape.shape = nullptr;
  expectRunError(noShape, s, "input 'x': shape is NULL");

  mlc_tensor one[] = {makeTensor(MLC_DTYPE_F32, good, x.data())};
  EXPECT_EQ(mlc_model_run(model, one, 1, &result), MLC_ERROR_INVALID_ARGUMENT);
  EXPECT_THAT(mlc_last_error(),
              HasSubstr("takes 2 inputs ('x' f32 [?, 4], 'scale factor' f64 "
                        "[]), got 1"));
  EXPECT_EQ(mlc_model_run(model, nullptr, 2, &result),
            MLC_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(mlc_model_run(nullptr, one, 1, &result),
            MLC_ERROR_INVALID_ARGUMENT);
  mlc_model_unload(model);
}

TEST_F(RuntimeTest, RejectsOutputsThatBreakTheAbi) {
  mlc_model *model = loadFake();
  std::vector<float> x(8, 1.0f);
  std::vector<int64_t> xShape = {2, 4};
  double scale = 1;
  mlc_tensor inputs[] = {makeTensor(MLC_DTYPE_F32, xShape, x.data()),
                         makeTensor(MLC_DTYPE_F64, {}, &scale)};
  mlc_result *result = nullptr;
  fake->setMode(1);
  EXPECT_EQ(mlc_model_run(model, inputs, 2, &result), MLC_ERROR_INVALID_MODULE);
  EXPECT_THAT(mlc_last_error(),
              HasSubstr("output 'y' dimension 1: the module returned size 3, "
                        "the metadata says 4"));
  EXPECT_EQ(fake->liveAllocations(), 0); // freed despite the error
  fake->setMode(2);
  EXPECT_EQ(mlc_model_run(model, inputs, 2, &result), MLC_ERROR_INVALID_MODULE);
  EXPECT_THAT(mlc_last_error(), HasSubstr("not row-major"));
  EXPECT_EQ(fake->liveAllocations(), 0);
  mlc_model_unload(model);
}

TEST_F(RuntimeTest, ResultsOutliveTheModelHandle) {
  mlc_model *model = loadFake();
  std::vector<float> x = {1, 1, 1, 1};
  std::vector<int64_t> xShape = {1, 4};
  double scale = 1;
  mlc_tensor inputs[] = {makeTensor(MLC_DTYPE_F32, xShape, x.data()),
                         makeTensor(MLC_DTYPE_F64, {}, &scale)};
  mlc_result *result = nullptr;
  ASSERT_EQ(mlc_model_run(model, inputs, 2, &result), MLC_OK);
  mlc_model_unload(model);
  const float *ys =
      static_cast<const float *>(mlc_result_output(result, 0)->data);
  EXPECT_EQ(ys[3], 4.0f);
  EXPECT_EQ(fake->liveAllocations(), 2);
  mlc_result_free(result); // frees through the still-loaded module
  EXPECT_EQ(fake->liveAllocations(), 0);
}

TEST_F(RuntimeTest, ConcurrentRuns) {
  mlc_model *model = loadFake();
  auto runOnce = [&](int t) {
    std::vector<float> x(4 * (t + 1), static_cast<float>(t));
    std::vector<int64_t> xShape = {t + 1, 4};
    double scale = 1;
    mlc_tensor inputs[] = {makeTensor(MLC_DTYPE_F32, xShape, x.data()),
                           makeTensor(MLC_DTYPE_F64, {}, &scale)};
    mlc_result *result;
    if (mlc_model_run(model, inputs, 2, &result) != MLC_OK)
      return false;
    const mlc_tensor *y = mlc_result_output(result, 0);
    bool ok = y->shape[0] == t + 1 &&
              static_cast<const float *>(y->data)[3] == 4.0f * t;
    mlc_result_free(result);
    return ok;
  };
  EXPECT_THAT(mlc::test::failuresInThreads(4, 200, runOnce),
              ::testing::Each(0));
  mlc_model_unload(model);
}

//===----------------------------------------------------------------------===//
// Threads
//===----------------------------------------------------------------------===//

TEST_F(RuntimeTest, NumThreadsFromEnvironment) {
  {
    ScopedEnv env("MLC_NUM_THREADS", "3");
    mlc_model *model = loadFake();
    EXPECT_EQ(fake->numThreads(), 3);
    EXPECT_EQ(mlc_model_set_num_threads(model, 5), MLC_OK);
    EXPECT_EQ(fake->numThreads(), 5);
    EXPECT_EQ(mlc_model_set_num_threads(model, 0), MLC_ERROR_INVALID_ARGUMENT);
    EXPECT_THAT(mlc_last_error(), HasSubstr("at least 1, got 0"));
    mlc_model_unload(model);
  }
  {
    ScopedEnv env("MLC_NUM_THREADS", ""); // empty counts as unset
    mlc_model *model = loadFake();
    EXPECT_EQ(fake->numThreads(), 5);
    mlc_model_unload(model);
  }
  for (const char *garbage :
       {"abc", "0", "-2", "3x", " 4", "1.5", "99999999999", "+3"}) {
    ScopedEnv env("MLC_NUM_THREADS", garbage);
    mlc_model *model = nullptr;
    EXPECT_EQ(mlc_model_load(MLC_FAKE_MODULE, &model), MLC_ERROR_ENVIRONMENT)
        << garbage;
    EXPECT_EQ(model, nullptr);
    EXPECT_THAT(mlc_last_error(),
                HasSubstr(std::string("MLC_NUM_THREADS='") + garbage +
                          "' is not a positive integer"));
  }
  // A module without mlc_module_set_num_threads loads with the variable set.
  ScopedEnv env("MLC_NUM_THREADS", "2");
  void *handle = dlopen(MLC_FAKE_MODULE_CONFIGURABLE, RTLD_NOW | RTLD_LOCAL);
  ASSERT_TRUE(handle);
  std::strcpy(static_cast<char *>(dlsym(handle, "mlc_module_metadata")),
              "mlc-module 1\n");
  mlc_model *model = nullptr;
  EXPECT_EQ(mlc_model_load(MLC_FAKE_MODULE_CONFIGURABLE, &model), MLC_OK)
      << mlc_last_error();
  mlc_model_unload(model);
  dlclose(handle);
}

} // namespace
