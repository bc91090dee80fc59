//===- TensorIOTest.cpp - tests of MLCTensorIO (mlc-c/TensorIO.h) ---------===//
//
// .npy round trips for every dtype, .npy headers of every format version,
// ONNX TensorProto decoding from hand-encoded protobuf bytes, and malformed,
// truncated and corrupted files of both kinds. Files written by numpy and
// onnx themselves (generate_test_data.py, run as a CTest fixture) are read
// when MLC_RUNTIME_TEST_DATA names their directory.
//
//===----------------------------------------------------------------------===//

#include "mlc-c/TensorIO.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

using ::testing::HasSubstr;

/// Frees a buffer at scope exit.
struct BufferPtr {
  mlc_tensor_buffer *buffer = nullptr;
  ~BufferPtr() { mlc_tensor_buffer_free(buffer); }
  mlc_tensor_buffer **out() { return &buffer; }
  const mlc_tensor *view() const { return mlc_tensor_buffer_view(buffer); }
};

std::vector<int64_t> shapeOf(const mlc_tensor *t) {
  return std::vector<int64_t>(t->shape, t->shape + t->rank);
}

size_t byteSize(const mlc_tensor *t) {
  return static_cast<size_t>(mlc_tensor_num_elements(t)) *
         mlc_dtype_size(t->dtype);
}

std::string serializeNpy(const mlc_tensor &t) {
  void *bytes = nullptr;
  size_t size = 0;
  EXPECT_EQ(mlc_tensor_serialize_npy(&t, "test", &bytes, &size), MLC_OK)
      << mlc_tensor_io_last_error();
  std::string s(static_cast<const char *>(bytes), size);
  std::free(bytes);
  return s;
}

mlc_status parseNpy(const std::string &bytes, BufferPtr &out) {
  return mlc_tensor_parse_npy(bytes.data(), bytes.size(), "test.npy",
                              out.out());
}

mlc_status parsePb(const std::string &bytes, BufferPtr &out) {
  return mlc_tensor_parse_onnx_pb(bytes.data(), bytes.size(), "test.pb",
                                  out.out());
}

/// A .npy file with the given header dict, format version and data bytes.
std::string npyFile(const std::string &dict, int major,
                    const std::string &data = "") {
  std::string header = dict + "\n";
  std::string s = std::string("\x93NUMPY", 6) + char(major) + char(0);
  uint32_t length = static_cast<uint32_t>(header.size());
  int lengthBytes = major == 1 ? 2 : 4;
  for (int i = 0; i < lengthBytes; ++i)
    s += char((length >> (8 * i)) & 0xff);
  return s + header + data;
}

/// Encodes protobuf wire format by hand.
class Proto {
public:
  Proto &varint(uint64_t v) {
    while (v >= 0x80) {
      bytes += char((v & 0x7f) | 0x80);
      v >>= 7;
    }
    bytes += char(v);
    return *this;
  }
  Proto &key(int field, int wire) {
    return varint(uint64_t(field) << 3 | wire);
  }
  Proto &varintField(int field, uint64_t v) { return key(field, 0).varint(v); }
  Proto &bytesField(int field, const std::string &s) {
    key(field, 2).varint(s.size());
    bytes += s;
    return *this;
  }
  Proto &fixed32Field(int field, uint32_t v) {
    key(field, 5);
    bytes.append(reinterpret_cast<const char *>(&v), 4);
    return *this;
  }
  Proto &fixed64Field(int field, uint64_t v) {
    key(field, 1);
    bytes.append(reinterpret_cast<const char *>(&v), 8);
    return *this;
  }
  Proto &packedVarints(int field, const std::vector<int64_t> &values) {
    Proto inner;
    for (int64_t v : values)
      inner.varint(static_cast<uint64_t>(v));
    return bytesField(field, inner.bytes);
  }
  template <typename T>
  Proto &packedFixed(int field, const std::vector<T> &values) {
    return bytesField(field,
                      std::string(reinterpret_cast<const char *>(values.data()),
                                  values.size() * sizeof(T)));
  }
  std::string bytes;
};

template <typename T> std::string rawBytes(const std::vector<T> &values) {
  return std::string(reinterpret_cast<const char *>(values.data()),
                     values.size() * sizeof(T));
}

//===----------------------------------------------------------------------===//
// .npy
//===----------------------------------------------------------------------===//

TEST(NpyTest, RoundTripsEveryDtype) {
  const mlc_dtype dtypes[] = {MLC_DTYPE_F64, MLC_DTYPE_F32, MLC_DTYPE_F16,
                              MLC_DTYPE_I64, MLC_DTYPE_I32, MLC_DTYPE_I16,
                              MLC_DTYPE_I8,  MLC_DTYPE_U64, MLC_DTYPE_U32,
                              MLC_DTYPE_U16, MLC_DTYPE_U8,  MLC_DTYPE_BOOL};
  const std::vector<std::vector<int64_t>> shapes = {
      {}, {5}, {2, 3}, {2, 0, 3}, {1, 2, 3, 2}};
  for (mlc_dtype dtype : dtypes) {
    for (const std::vector<int64_t> &shape : shapes) {
      BufferPtr original;
      ASSERT_EQ(mlc_tensor_buffer_create(dtype, int32_t(shape.size()),
                                         shape.data(), original.out()),
                MLC_OK);
      auto *data = static_cast<unsigned char *>(original.view()->data);
      size_t bytes = byteSize(original.view());
      for (size_t i = 0; i < bytes; ++i)
        data[i] = dtype == MLC_DTYPE_BOOL ? (i % 3 == 0) : (i * 37 + 11) & 0xff;

      std::string file = serializeNpy(*original.view());
      EXPECT_EQ((file.size() - bytes) % 64, 0u); // data 64-byte aligned
      BufferPtr parsed;
      ASSERT_EQ(parseNpy(file, parsed), MLC_OK) << mlc_tensor_io_last_error();
      EXPECT_EQ(parsed.view()->dtype, dtype);
      EXPECT_EQ(shapeOf(parsed.view()), shape);
      EXPECT_EQ(std::memcmp(parsed.view()->data, data, bytes), 0)
          << mlc_dtype_name(dtype);
      EXPECT_STREQ(mlc_tensor_buffer_name(parsed.buffer), "");
    }
  }
}

TEST(NpyTest, WritesAndReadsFiles) {
  std::string dir = testing::TempDir();
  std::string path = dir + "/mlcrt-npy-test.npy";
  std::vector<int32_t> values = {1, -2, 3, -4, 5, -6};
  std::vector<int64_t> shape = {3, 2};
  mlc_tensor t = {MLC_DTYPE_I32, 2, shape.data(), nullptr, values.data()};
  ASSERT_EQ(mlc_tensor_write_npy(path.c_str(), &t), MLC_OK)
      << mlc_tensor_io_last_error();
  BufferPtr read, readAny;
  ASSERT_EQ(mlc_tensor_read_npy(path.c_str(), read.out()), MLC_OK);
  ASSERT_EQ(mlc_tensor_read_file(path.c_str(), readAny.out()), MLC_OK);
  EXPECT_EQ(std::memcmp(read.view()->data, values.data(), 24), 0);
  EXPECT_EQ(std::memcmp(readAny.view()->data, values.data(), 24), 0);
  std::remove(path.c_str());

  EXPECT_EQ(mlc_tensor_write_npy("/nonexistent/dir/x.npy", &t), MLC_ERROR_IO);
  EXPECT_THAT(mlc_tensor_io_last_error(), HasSubstr("/nonexistent/dir/x.npy"));
  BufferPtr missing;
  EXPECT_EQ(mlc_tensor_read_file("/nonexistent/x.npy", missing.out()),
            MLC_ERROR_IO);
  EXPECT_THAT(mlc_tensor_io_last_error(),
              HasSubstr("cannot open '/nonexistent/x.npy'"));
  EXPECT_EQ(mlc_tensor_read_file(dir.c_str(), missing.out()), MLC_ERROR_IO);
  EXPECT_THAT(mlc_tensor_io_last_error(), HasSubstr("Is a directory"));
}

TEST(NpyTest, WritesStridedViewsDense) {
  // The transpose of a 2x3 buffer.
  std::vector<float> values = {1, 2, 3, 4, 5, 6};
  std::vector<int64_t> shape = {3, 2};
  int64_t strides[] = {1, 3};
  mlc_tensor t = {MLC_DTYPE_F32, 2, shape.data(), strides, values.data()};
  BufferPtr parsed;
  ASSERT_EQ(parseNpy(serializeNpy(t), parsed), MLC_OK);
  const float *p = static_cast<const float *>(parsed.view()->data);
  std::vector<float> got(p, p + 6);
  EXPECT_EQ(got, (std::vector<float>{1, 4, 2, 5, 3, 6}));
}

TEST(NpyTest, WritesBf16AsFloat32) {
  std::vector<uint16_t> bits = {0x3f80, 0xc020, 0x3e20, 0x7f80, 0x8000};
  std::vector<int64_t> shape = {5};
  mlc_tensor t = {MLC_DTYPE_BF16, 1, shape.data(), nullptr, bits.data()};
  std::string file = serializeNpy(t);
  EXPECT_NE(file.find("'descr': '<f4'"), std::string::npos);
  BufferPtr parsed;
  ASSERT_EQ(parseNpy(file, parsed), MLC_OK);
  EXPECT_EQ(parsed.view()->dtype, MLC_DTYPE_F32);
  const float *p = static_cast<const float *>(parsed.view()->data);
  EXPECT_EQ(p[0], 1.0f);
  EXPECT_EQ(p[1], -2.5f);
  EXPECT_EQ(p[2], 0.15625f);
  EXPECT_EQ(p[3], INFINITY);
  EXPECT_TRUE(std::signbit(p[4]));
}

TEST(NpyTest, ReadsHeaderVariants) {
  std::string data = rawBytes(std::vector<float>{1, 2, 3, 4, 5, 6});
  for (int major : {1, 2, 3}) {
    BufferPtr b;
    ASSERT_EQ(parseNpy(npyFile("{'descr': '<f4', 'fortran_order': False, "
                               "'shape': (2, 3), }",
                               major, data),
                       b),
              MLC_OK)
        << major << ": " << mlc_tensor_io_last_error();
    EXPECT_EQ(shapeOf(b.view()), (std::vector<int64_t>{2, 3}));
  }
  // Key order, double quotes, no trailing comma, Python 2 longs, a 1-element
  // tuple, Fortran order of a vector (the same layout as C order), '=' and
  // '|' byte orders.
  struct {
    const char *dict;
    mlc_dtype dtype;
    std::vector<int64_t> shape;
  } cases[] = {
      {"{\"shape\": (6,), \"fortran_order\": False, \"descr\": \"<f4\"}",
       MLC_DTYPE_F32,
       {6}},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2L, 3L)}",
       MLC_DTYPE_F32,
       {2, 3}},
      {"{'descr': '<f4', 'fortran_order': True, 'shape': (6,), }",
       MLC_DTYPE_F32,
       {6}},
      {"{'descr': '=i4', 'fortran_order': False, 'shape': (3, 2), }",
       MLC_DTYPE_I32,
       {3, 2}},
      {"{'descr': '|u1', 'fortran_order': False, 'shape': (24,), }",
       MLC_DTYPE_U8,
       {24}},
      {"{'descr': '>i1', 'fortran_order': False, 'shape': (2, 12), }",
       MLC_DTYPE_I8,
       {2, 12}},
  };
  for (const auto &c : cases) {
    BufferPtr b;
    ASSERT_EQ(parseNpy(npyFile(c.dict, 1, data), b), MLC_OK)
        << c.dict << ": " << mlc_tensor_io_last_error();
    EXPECT_EQ(b.view()->dtype, c.dtype) << c.dict;
    EXPECT_EQ(shapeOf(b.view()), c.shape) << c.dict;
  }
}

TEST(NpyTest, RejectsMalformedAndUnsupportedFiles) {
  std::string data = rawBytes(std::vector<float>{1, 2, 3, 4, 5, 6});
  const std::string ok =
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
  struct {
    std::string file;
    mlc_status status;
    const char *message;
  } cases[] = {
      {"", MLC_ERROR_INVALID_FILE, "shorter than the magic string"},
      {"hello world, not numpy", MLC_ERROR_INVALID_FILE, "bad magic"},
      {npyFile(ok, 4, data), MLC_ERROR_UNSUPPORTED,
       ".npy format version 4.0 is not supported"},
      {npyFile(ok, 1, data).substr(0, 30), MLC_ERROR_INVALID_FILE,
       "runs past the end of the file"},
      {npyFile(ok, 1, data.substr(0, 20)), MLC_ERROR_INVALID_FILE,
       "truncated: shape [2, 3] of <f4 needs 24 bytes of data, the file has "
       "20"},
      {npyFile("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", 1,
               data),
       MLC_ERROR_UNSUPPORTED, "Fortran-order arrays are not supported"},
      {npyFile("{'descr': '>f4', 'fortran_order': False, 'shape': (2, 3), }", 1,
               data),
       MLC_ERROR_UNSUPPORTED, "big-endian data (descr '>f4') is not supported"},
      {npyFile("{'descr': '<c8', 'fortran_order': False, 'shape': (3,), }", 1,
               data),
       MLC_ERROR_UNSUPPORTED, "dtype '<c8' is not supported"},
      {npyFile("{'descr': '<U3', 'fortran_order': False, 'shape': (2,), }", 1,
               data),
       MLC_ERROR_UNSUPPORTED, "dtype '<U3' is not supported"},
      {npyFile("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': "
               "(6,), }",
               1, data),
       MLC_ERROR_UNSUPPORTED, "structured dtypes are not supported"},
      {npyFile("{'descr': '<f4', 'shape': (2, 3), }", 1, data),
       MLC_ERROR_INVALID_FILE, "the header lacks the key 'fortran_order'"},
      {npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (-2, 3), }",
               1, data),
       MLC_ERROR_INVALID_FILE, "'shape' holds something other than sizes"},
      {npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': "
               "(99999999999999999999,), }",
               1, data),
       MLC_ERROR_INVALID_FILE, "'shape' holds something other than sizes"},
      {npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': "
               "(4294967296, 4294967296, 4294967296), }",
               1, data),
       MLC_ERROR_INVALID_FILE, "is negative or too large"},
      {npyFile("{'descr': '<f4', 'fortran_order': 0, 'shape': (2, 3), }", 1,
               data),
       MLC_ERROR_INVALID_FILE, "'fortran_order' is not True or False"},
      {npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': 6, }", 1,
               data),
       MLC_ERROR_INVALID_FILE, "'shape' is not a tuple"},
      {npyFile("{'descr': '<f4' 'fortran_order': False}", 1, data),
       MLC_ERROR_INVALID_FILE, "expected ',' or '}'"},
      {npyFile("{'descr: '<f4'}", 1, data), MLC_ERROR_INVALID_FILE,
       "expected ':'"},
      {npyFile("['descr']", 1, data), MLC_ERROR_INVALID_FILE, "expected '{'"},
      {npyFile(std::string(200, '('), 1, data), MLC_ERROR_INVALID_FILE,
       "expected '{'"},
      {npyFile("{'a': " + std::string(200, '(') + "}", 1, data),
       MLC_ERROR_INVALID_FILE, "too deeply nested"},
  };
  for (const auto &c : cases) {
    BufferPtr b;
    EXPECT_EQ(parseNpy(c.file, b), c.status) << c.message;
    EXPECT_EQ(b.buffer, nullptr);
    EXPECT_THAT(mlc_tensor_io_last_error(), HasSubstr(c.message));
    EXPECT_THAT(mlc_tensor_io_last_error(), HasSubstr("'test.npy'"));
  }
}

TEST(NpyTest, EveryTruncationIsAnError) {
  std::vector<double> values(10, 1.5);
  std::vector<int64_t> shape = {2, 5};
  mlc_tensor t = {MLC_DTYPE_F64, 2, shape.data(), nullptr, values.data()};
  std::string file = serializeNpy(t);
  for (size_t n = 0; n < file.size(); ++n) {
    BufferPtr b;
    EXPECT_NE(parseNpy(file.substr(0, n), b), MLC_OK) << n;
  }
}

TEST(NpyTest, SurvivesCorruption) {
  std::vector<int16_t> values(12, 7);
  std::vector<int64_t> shape = {3, 4};
  mlc_tensor t = {MLC_DTYPE_I16, 2, shape.data(), nullptr, values.data()};
  std::string file = serializeNpy(t);
  std::mt19937 rng(1234);
  for (int iteration = 0; iteration < 3000; ++iteration) {
    std::string corrupted = file;
    int flips = 1 + rng() % 4;
    for (int k = 0; k < flips; ++k)
      corrupted[rng() % 128] = static_cast<char>(rng());
    BufferPtr b;
    if (parseNpy(corrupted, b) == MLC_OK)
      EXPECT_LE(byteSize(b.view()), corrupted.size());
  }
}

//===----------------------------------------------------------------------===//
// ONNX TensorProto
//===----------------------------------------------------------------------===//

TEST(OnnxPbTest, DecodesRawData) {
  std::vector<float> values = {1, 2, 3, 4, 5, 6};
  Proto p;
  p.varintField(1, 2)
      .varintField(1, 3)
      .varintField(2, 1)
      .bytesField(8, "weight")
      .bytesField(9, rawBytes(values));
  BufferPtr b;
  ASSERT_EQ(parsePb(p.bytes, b), MLC_OK) << mlc_tensor_io_last_error();
  EXPECT_EQ(b.view()->dtype, MLC_DTYPE_F32);
  EXPECT_EQ(shapeOf(b.view()), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(std::memcmp(b.view()->data, values.data(), 24), 0);
  EXPECT_STREQ(mlc_tensor_buffer_name(b.buffer), "weight");
}

TEST(OnnxPbTest, DecodesTypedFieldsPackedAndNot) {
  // float_data packed, dims packed, unknown fields (doc_string, segment,
  // a future field of each wire type) skipped.
  {
    Proto segment;
    segment.varintField(1, 0).varintField(2, 2);
    Proto p;
    p.packedVarints(1, {2})
        .varintField(2, 1)
        .bytesField(12, "doc")
        .bytesField(3, segment.bytes)
        .packedFixed(4, std::vector<float>{1.5f, -2})
        .varintField(99, 5)
        .fixed32Field(98, 0)
        .fixed64Field(97, 0);
    BufferPtr b;
    ASSERT_EQ(parsePb(p.bytes, b), MLC_OK) << mlc_tensor_io_last_error();
    const float *f = static_cast<const float *>(b.view()->data);
    EXPECT_EQ(f[0], 1.5f);
    EXPECT_EQ(f[1], -2.0f);
  }
  // float_data not packed; split packed runs of dims.
  {
    Proto p;
    p.varintField(2, 1)
        .packedVarints(1, {1})
        .packedVarints(1, {2})
        .fixed32Field(4, 0x40400000u)
        .fixed32Field(4, 0x3f800000u);
    BufferPtr b;
    ASSERT_EQ(parsePb(p.bytes, b), MLC_OK) << mlc_tensor_io_last_error();
    EXPECT_EQ(shapeOf(b.view()), (std::vector<int64_t>{1, 2}));
    const float *f = static_cast<const float *>(b.view()->data);
    EXPECT_EQ(f[0], 3.0f);
    EXPECT_EQ(f[1], 1.0f);
  }
  // int64_data, negative values, not packed.
  {
    Proto p;
    p.varintField(1, 2)
        .varintField(2, 7)
        .varintField(7, static_cast<uint64_t>(int64_t(-5)))
        .varintField(7, static_cast<uint64_t>(INT64_MAX));
    BufferPtr b;
    ASSERT_EQ(parsePb(p.bytes, b), MLC_OK) << mlc_tensor_io_last_error();
    const int64_t *v = static_cast<const int64_t *>(b.view()->data);
    EXPECT_EQ(v[0], -5);
    EXPECT_EQ(v[1], INT64_MAX);
  }
  // int32_data carrying int8 (negative: sign-extended varints), uint16,
  // bool, float16 and bfloat16 bit patterns.
  struct {
    int64_t onnxType;
    mlc_dtype dtype;
    std::vector<int64_t> values;
    std::vector<uint8_t> expected;
  } narrow[] = {
      {3, MLC_DTYPE_I8, {-128, 127, -1}, {0x80, 0x7f, 0xff}},
      {2, MLC_DTYPE_U8, {0, 255, 7}, {0, 255, 7}},
      {5, MLC_DTYPE_I16, {-2, 300}, {0xfe, 0xff, 0x2c, 0x01}},
      {4, MLC_DTYPE_U16, {65535}, {0xff, 0xff}},
      {9, MLC_DTYPE_BOOL, {1, 0, 1}, {1, 0, 1}},
      {10, MLC_DTYPE_F16, {0x3c00, 0xc000}, {0x00, 0x3c, 0x00, 0xc0}},
      {16, MLC_DTYPE_BF16, {0x3f80}, {0x80, 0x3f}},
      {6, MLC_DTYPE_I32, {-1, 2}, {0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0}},
  };
  for (const auto &c : narrow) {
    Proto p;
    p.varintField(1, c.values.size())
        .varintField(2, c.onnxType)
        .packedVarints(5, c.values);
    BufferPtr b;
    ASSERT_EQ(parsePb(p.bytes, b), MLC_OK)
        << c.onnxType << ": " << mlc_tensor_io_last_error();
    EXPECT_EQ(b.view()->dtype, c.dtype);
    const auto *data = static_cast<const uint8_t *>(b.view()->data);
    EXPECT_EQ(std::vector<uint8_t>(data, data + c.expected.size()), c.expected)
        << c.onnxType;
  }
  // double_data (packed and not), uint64_data for uint32 and uint64.
  {
    Proto p;
    double d = 0.25;
    uint64_t bits;
    std::memcpy(&bits, &d, 8);
    p.varintField(1, 3)
        .varintField(2, 11)
        .packedFixed(10, std::vector<double>{1e300, -1})
        .fixed64Field(10, bits);
    BufferPtr b;
    ASSERT_EQ(parsePb(p.bytes, b), MLC_OK) << mlc_tensor_io_last_error();
    const double *v = static_cast<const double *>(b.view()->data);
    EXPECT_EQ(v[0], 1e300);
    EXPECT_EQ(v[1], -1);
    EXPECT_EQ(v[2], 0.25);
  }
  {
    Proto p;
    p.varintField(1, 2).varintField(2, 12).packedVarints(11, {0, 4294967295});
    BufferPtr b;
    ASSERT_EQ(parsePb(p.bytes, b), MLC_OK) << mlc_tensor_io_last_error();
    EXPECT_EQ(static_cast<const uint32_t *>(b.view()->data)[1], 4294967295u);
  }
  {
    Proto p;
    p.varintField(2, 13).varintField(11, UINT64_MAX); // a scalar
    BufferPtr b;
    ASSERT_EQ(parsePb(p.bytes, b), MLC_OK) << mlc_tensor_io_last_error();
    EXPECT_EQ(b.view()->rank, 0);
    EXPECT_EQ(*static_cast<const uint64_t *>(b.view()->data), UINT64_MAX);
  }
  // An empty tensor needs no data.
  {
    Proto p;
    p.varintField(1, 0).varintField(1, 5).varintField(2, 1);
    BufferPtr b;
    ASSERT_EQ(parsePb(p.bytes, b), MLC_OK) << mlc_tensor_io_last_error();
    EXPECT_EQ(mlc_tensor_num_elements(b.view()), 0);
  }
}

TEST(OnnxPbTest, RejectsMalformedAndUnsupportedTensors) {
  auto base = [](int64_t type) {
    Proto p;
    p.bytesField(8, "t").varintField(1, 2).varintField(2, type);
    return p;
  };
  struct {
    std::string bytes;
    mlc_status status;
    const char *message;
  } cases[] = {
      {"", MLC_ERROR_INVALID_FILE, "the file is empty"},
      {Proto().varintField(1, 4).bytes, MLC_ERROR_INVALID_FILE,
       "data_type is missing"},
      {base(1).bytesField(9, "ab").varintField(14, 1).bytes,
       MLC_ERROR_UNSUPPORTED, "tensor 't': external data not supported"},
      {base(1).bytesField(13, Proto().bytesField(1, "location").bytes).bytes,
       MLC_ERROR_UNSUPPORTED, "external data not supported"},
      {base(8).bytesField(6, "a").bytesField(6, "b").bytes,
       MLC_ERROR_UNSUPPORTED, "data_type 8 (STRING) is not supported"},
      {base(14).bytes, MLC_ERROR_UNSUPPORTED, "(COMPLEX64) is not supported"},
      {base(17).bytes, MLC_ERROR_UNSUPPORTED,
       "(FLOAT8E4M3FN) is not supported"},
      {base(42).bytes, MLC_ERROR_INVALID_FILE, "unknown data_type 42"},
      {base(1).bytes, MLC_ERROR_INVALID_FILE,
       "float_data has 0 values, shape [2] needs 2"},
      {base(1).bytesField(9, "abc").bytes, MLC_ERROR_INVALID_FILE,
       "raw_data has 3 bytes, shape [2] of f32 needs 8"},
      {base(1).bytesField(9, std::string(8, '\0')).fixed32Field(4, 0).bytes,
       MLC_ERROR_INVALID_FILE, "both raw_data and float_data"},
      {base(1).packedVarints(7, {1, 2}).bytes, MLC_ERROR_INVALID_FILE,
       "a tensor of f32 keeps its values in float_data, not int64_data"},
      {base(2).packedVarints(5, {1, 256}).bytes, MLC_ERROR_INVALID_FILE,
       "int32_data: value 256 at index 1 does not fit u8"},
      {base(3).packedVarints(5, {-129, 0}).bytes, MLC_ERROR_INVALID_FILE,
       "value -129 at index 0 does not fit i8"},
      {base(9).packedVarints(5, {2, 0}).bytes, MLC_ERROR_INVALID_FILE,
       "does not fit bool"},
      {base(6).packedVarints(5, {int64_t(1) << 32, 0}).bytes,
       MLC_ERROR_INVALID_FILE, "does not fit i32"},
      {base(12).packedVarints(11, {int64_t(1) << 32, 0}).bytes,
       MLC_ERROR_INVALID_FILE, "does not fit u32"},
      {Proto()
           .varintField(1, static_cast<uint64_t>(int64_t(-3)))
           .varintField(2, 1)
           .bytes,
       MLC_ERROR_INVALID_FILE, "negative dimension -3"},
      {Proto()
           .varintField(1, 1ull << 40)
           .varintField(1, 1ull << 40)
           .varintField(2, 1)
           .bytes,
       MLC_ERROR_INVALID_FILE, "is negative or too large"},
      {Proto().key(1, 3).bytes, MLC_ERROR_INVALID_FILE,
       "unsupported wire type 3 of field 1"},
      {Proto().key(2, 7).bytes, MLC_ERROR_INVALID_FILE,
       "unsupported wire type 7"},
      {Proto().key(0, 0).varint(1).bytes, MLC_ERROR_INVALID_FILE,
       "invalid field number 0"},
      {Proto().fixed32Field(2, 1).bytes, MLC_ERROR_INVALID_FILE,
       "field data_type (2) has wire type 5"},
      {Proto().varintField(9, 1).bytes, MLC_ERROR_INVALID_FILE,
       "field raw_data (9) has wire type 0"},
      {Proto().varintField(8, 1).bytes, MLC_ERROR_INVALID_FILE,
       "field name (8) has wire type 0"},
      {Proto().fixed64Field(1, 1).bytes, MLC_ERROR_INVALID_FILE,
       "field dims (1) has wire type 1"},
      {Proto().bytesField(4, "abc").bytes, MLC_ERROR_INVALID_FILE,
       "packed float_data of 3 bytes is not a multiple of 4"},
      {Proto().key(9, 2).varint(100).bytes + "short", MLC_ERROR_INVALID_FILE,
       "field 9 of 100 bytes runs past the end (truncated file?)"},
      {std::string("\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f"),
       MLC_ERROR_INVALID_FILE, "varint overflows 64 bits"},
      {std::string("\x08\xff\xff\xff"), MLC_ERROR_INVALID_FILE,
       "truncated varint"},
      {std::string("\x08\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01"),
       MLC_ERROR_INVALID_FILE, "varint"},
  };
  for (const auto &c : cases) {
    BufferPtr b;
    EXPECT_EQ(parsePb(c.bytes, b), c.status) << c.message;
    EXPECT_EQ(b.buffer, nullptr);
    EXPECT_THAT(mlc_tensor_io_last_error(), HasSubstr(c.message));
    EXPECT_THAT(mlc_tensor_io_last_error(), HasSubstr("'test.pb'"));
  }
}

TEST(OnnxPbTest, EveryTruncationIsAnError) {
  std::vector<int64_t> values = {1, -2, 3, -4, 5, -6};
  Proto p;
  p.bytesField(8, "x").packedVarints(1, {2, 3}).varintField(2, 7).bytesField(
      9, rawBytes(values));
  for (size_t n = 0; n < p.bytes.size(); ++n) {
    BufferPtr b;
    EXPECT_NE(parsePb(p.bytes.substr(0, n), b), MLC_OK) << n;
  }
  BufferPtr b;
  EXPECT_EQ(parsePb(p.bytes, b), MLC_OK);
}

TEST(OnnxPbTest, SurvivesCorruption) {
  std::vector<float> values(16, 2.0f);
  Proto p;
  p.bytesField(8, "x").packedVarints(1, {4, 4}).varintField(2, 1).packedFixed(
      4, values);
  std::mt19937 rng(99);
  for (int iteration = 0; iteration < 5000; ++iteration) {
    std::string corrupted = p.bytes;
    int flips = 1 + rng() % 4;
    for (int k = 0; k < flips; ++k)
      corrupted[rng() % corrupted.size()] = static_cast<char>(rng());
    BufferPtr b;
    if (parsePb(corrupted, b) == MLC_OK)
      EXPECT_LE(byteSize(b.view()), corrupted.size());
  }
}

TEST(OnnxPbTest, ReadsFilesByContent) {
  std::string path = testing::TempDir() + "/mlcrt-pb-test.pb";
  Proto p;
  p.varintField(1, 1).varintField(2, 6).packedVarints(5, {42});
  {
    std::ofstream out(path, std::ios::binary);
    out << p.bytes;
  }
  BufferPtr any, pb;
  ASSERT_EQ(mlc_tensor_read_file(path.c_str(), any.out()), MLC_OK)
      << mlc_tensor_io_last_error();
  ASSERT_EQ(mlc_tensor_read_onnx_pb(path.c_str(), pb.out()), MLC_OK);
  EXPECT_EQ(*static_cast<const int32_t *>(any.view()->data), 42);
  // A .npy reader given a .pb names the file.
  BufferPtr npy;
  EXPECT_EQ(mlc_tensor_read_npy(path.c_str(), npy.out()),
            MLC_ERROR_INVALID_FILE);
  EXPECT_THAT(mlc_tensor_io_last_error(), HasSubstr(path));
  std::remove(path.c_str());
}

//===----------------------------------------------------------------------===//
// Files written by numpy and onnx
//===----------------------------------------------------------------------===//

class ReferenceFilesTest : public ::testing::Test {
protected:
  void SetUp() override {
    const char *dir = std::getenv("MLC_RUNTIME_TEST_DATA");
    if (!dir || !*dir)
      GTEST_SKIP() << "MLC_RUNTIME_TEST_DATA is not set (run through ctest)";
    data = dir;
    if (access((data + "/SKIP").c_str(), F_OK) == 0)
      GTEST_SKIP() << "numpy/onnx were not available to write the files";
    if (access((data + "/f32.npy").c_str(), F_OK) != 0)
      GTEST_SKIP() << "no reference files in " << data;
  }
  void read(const std::string &name, BufferPtr &out) {
    std::string path = data + "/" + name;
    ASSERT_EQ(mlc_tensor_read_file(path.c_str(), out.out()), MLC_OK)
        << mlc_tensor_io_last_error();
  }
  std::string data;
};

TEST_F(ReferenceFilesTest, PbMatchesNpyForEveryDtype) {
  for (const char *name : {"f64", "f32", "f16", "i64", "i32", "i16", "i8",
                           "u64", "u32", "u16", "u8", "bool"}) {
    SCOPED_TRACE(name);
    BufferPtr npy, raw, typed;
    read(std::string(name) + ".npy", npy);
    read(std::string(name) + ".raw.pb", raw);
    read(std::string(name) + ".typed.pb", typed);
    ASSERT_TRUE(npy.buffer && raw.buffer && typed.buffer);
    EXPECT_STREQ(mlc_dtype_name(npy.view()->dtype), name);
    for (const BufferPtr *pb : {&raw, &typed}) {
      EXPECT_EQ(pb->view()->dtype, npy.view()->dtype);
      EXPECT_EQ(shapeOf(pb->view()), (std::vector<int64_t>{2, 3}));
      EXPECT_EQ(
          std::memcmp(pb->view()->data, npy.view()->data, byteSize(npy.view())),
          0);
      EXPECT_EQ(std::string(mlc_tensor_buffer_name(pb->buffer)),
                std::string("t_") + name);
    }
  }
}

TEST_F(ReferenceFilesTest, Bf16) {
  BufferPtr f32, raw, typed;
  read("bf16.f32.npy", f32);
  read("bf16.raw.pb", raw);
  read("bf16.typed.pb", typed);
  ASSERT_TRUE(f32.buffer && raw.buffer && typed.buffer);
  for (const BufferPtr *pb : {&raw, &typed}) {
    ASSERT_EQ(pb->view()->dtype, MLC_DTYPE_BF16);
    // Written back as .npy, bf16 becomes the float32 numpy computed.
    BufferPtr back;
    ASSERT_EQ(parseNpy(serializeNpy(*pb->view()), back), MLC_OK);
    EXPECT_EQ(back.view()->dtype, MLC_DTYPE_F32);
    EXPECT_EQ(std::memcmp(back.view()->data, f32.view()->data, 24), 0);
  }
}

TEST_F(ReferenceFilesTest, NpyVersionsScalarsAndEmptyTensors) {
  BufferPtr v1, v2, v3;
  read("v1.npy", v1);
  read("v2.npy", v2);
  read("v3.npy", v3);
  ASSERT_TRUE(v1.buffer && v2.buffer && v3.buffer);
  EXPECT_EQ(shapeOf(v1.view()), (std::vector<int64_t>{2, 3, 4}));
  for (const BufferPtr *b : {&v2, &v3}) {
    EXPECT_EQ(shapeOf(b->view()), shapeOf(v1.view()));
    EXPECT_EQ(std::memcmp(b->view()->data, v1.view()->data, 96), 0);
  }
  EXPECT_EQ(static_cast<const float *>(v1.view()->data)[23], 23.0f);

  BufferPtr scalar, scalarPb, empty, emptyPb;
  read("scalar.npy", scalar);
  read("scalar.pb", scalarPb);
  read("empty.npy", empty);
  read("empty.pb", emptyPb);
  ASSERT_TRUE(scalar.buffer && scalarPb.buffer && empty.buffer &&
              emptyPb.buffer);
  EXPECT_EQ(scalar.view()->rank, 0);
  EXPECT_EQ(scalarPb.view()->rank, 0);
  EXPECT_EQ(*static_cast<const double *>(scalar.view()->data), 2.5);
  EXPECT_EQ(*static_cast<const double *>(scalarPb.view()->data), 2.5);
  EXPECT_EQ(shapeOf(empty.view()), (std::vector<int64_t>{0, 3}));
  EXPECT_EQ(shapeOf(emptyPb.view()), (std::vector<int64_t>{0, 3}));
}

TEST_F(ReferenceFilesTest, RejectsFortranOrderAndBigEndian) {
  BufferPtr b;
  std::string fortran = data + "/fortran.npy";
  EXPECT_EQ(mlc_tensor_read_file(fortran.c_str(), b.out()),
            MLC_ERROR_UNSUPPORTED);
  EXPECT_THAT(mlc_tensor_io_last_error(), HasSubstr("Fortran-order"));
  EXPECT_THAT(mlc_tensor_io_last_error(), HasSubstr(fortran));
  std::string big = data + "/bigendian.npy";
  EXPECT_EQ(mlc_tensor_read_file(big.c_str(), b.out()), MLC_ERROR_UNSUPPORTED);
  EXPECT_THAT(mlc_tensor_io_last_error(), HasSubstr("big-endian"));
  EXPECT_THAT(mlc_tensor_io_last_error(), HasSubstr(big));
}

} // namespace
