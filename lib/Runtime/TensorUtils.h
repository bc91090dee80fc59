//===- TensorUtils.h - helpers shared by libmlcrt and MLCTensorIO -*- C++
//-*-===//
//
// Header-only helpers used by both runtime libraries (which must not depend
// on each other): the dtype table, overflow-checked element counts, strided
// copies, 64-byte aligned allocation, bf16/f16 conversions and shape
// printing. Everything is inline and internal to the libraries.
//
//===----------------------------------------------------------------------===//

#ifndef MLC_LIB_RUNTIME_TENSORUTILS_H
#define MLC_LIB_RUNTIME_TENSORUTILS_H

#include "mlc-c/Runtime.h"

#include <climits>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace mlc::rt {

/// Alignment of every buffer the runtime allocates (matches Module.h's
/// parameter alignment, and is enough for any vector load).
constexpr size_t kBufferAlignment = 64;

struct DTypeInfo {
  mlc_dtype dtype;
  const char *name;
  size_t size;
};

inline constexpr DTypeInfo kDTypes[] = {
    {MLC_DTYPE_F64, "f64", 8},   {MLC_DTYPE_F32, "f32", 4},
    {MLC_DTYPE_F16, "f16", 2},   {MLC_DTYPE_BF16, "bf16", 2},
    {MLC_DTYPE_I64, "i64", 8},   {MLC_DTYPE_I32, "i32", 4},
    {MLC_DTYPE_I16, "i16", 2},   {MLC_DTYPE_I8, "i8", 1},
    {MLC_DTYPE_U64, "u64", 8},   {MLC_DTYPE_U32, "u32", 4},
    {MLC_DTYPE_U16, "u16", 2},   {MLC_DTYPE_U8, "u8", 1},
    {MLC_DTYPE_BOOL, "bool", 1},
};

inline const DTypeInfo *lookupDType(mlc_dtype dtype) {
  for (const DTypeInfo &info : kDTypes)
    if (info.dtype == dtype)
      return &info;
  return nullptr;
}

inline size_t dtypeSize(mlc_dtype dtype) {
  const DTypeInfo *info = lookupDType(dtype);
  return info ? info->size : 0;
}

inline const char *dtypeName(mlc_dtype dtype) {
  const DTypeInfo *info = lookupDType(dtype);
  return info ? info->name : "invalid";
}

inline mlc_dtype dtypeFromName(std::string_view name) {
  for (const DTypeInfo &info : kDTypes)
    if (name == info.name)
      return info.dtype;
  return MLC_DTYPE_INVALID;
}

/// The product of `rank` sizes into `count`; false if a size is negative or
/// the product overflows int64_t (even when another size is zero: such a
/// shape cannot be indexed either).
inline bool checkedNumElements(int32_t rank, const int64_t *shape,
                               int64_t &count) {
  count = 1;
  bool overflow = false;
  for (int32_t i = 0; i < rank; ++i) {
    if (shape[i] < 0)
      return false;
    overflow |= __builtin_mul_overflow(count, shape[i], &count);
  }
  return !overflow;
}

/// Bytes of `count` elements of `size` bytes; false on overflow (the result
/// must also fit an int64_t so that it can be used as an offset).
inline bool checkedByteSize(int64_t count, size_t size, size_t &bytes) {
  int64_t b;
  if (count < 0 ||
      __builtin_mul_overflow(count, static_cast<int64_t>(size), &b))
    return false;
  bytes = static_cast<size_t>(b);
  return true;
}

/// Row-major strides of `shape` into `strides` (rank entries).
inline void rowMajorStrides(int32_t rank, const int64_t *shape,
                            int64_t *strides) {
  int64_t stride = 1;
  for (int32_t i = rank - 1; i >= 0; --i) {
    strides[i] = stride;
    stride *= shape[i] > 0 ? shape[i] : 1;
  }
}

/// True if `t` is laid out dense row-major. Strides of size-1 dimensions do
/// not matter; a tensor without elements is dense.
inline bool isDense(const mlc_tensor &t) {
  if (!t.strides || t.rank <= 0)
    return true;
  int64_t expected = 1;
  for (int32_t i = t.rank - 1; i >= 0; --i) {
    if (t.shape[i] == 0)
      return true;
    if (t.shape[i] != 1 && t.strides[i] != expected)
      return false;
    expected *= t.shape[i];
  }
  return true;
}

namespace detail {
inline void copyStrided(const char *src, char *&dst, int32_t dim,
                        const mlc_tensor &t, size_t elemSize) {
  int64_t size = t.shape[dim];
  int64_t stride = t.strides[dim] * static_cast<int64_t>(elemSize);
  if (dim == t.rank - 1) {
    if (stride == static_cast<int64_t>(elemSize)) {
      std::memcpy(dst, src, static_cast<size_t>(size) * elemSize);
      dst += static_cast<size_t>(size) * elemSize;
      return;
    }
    for (int64_t i = 0; i < size; ++i, dst += elemSize)
      std::memcpy(dst, src + i * stride, elemSize);
    return;
  }
  for (int64_t i = 0; i < size; ++i)
    copyStrided(src + i * stride, dst, dim + 1, t, elemSize);
}
} // namespace detail

/// Copies the elements of `t` (any strides) in row-major order into `dst`,
/// which holds numElements(t) * dtypeSize(t.dtype) bytes. The shape must have
/// been checked (non-negative sizes, no overflow).
inline void copyToDense(const mlc_tensor &t, void *dst) {
  size_t elemSize = dtypeSize(t.dtype);
  int64_t count;
  if (!checkedNumElements(t.rank, t.shape, count) || count == 0)
    return;
  if (isDense(t)) {
    std::memcpy(dst, t.data, static_cast<size_t>(count) * elemSize);
    return;
  }
  char *out = static_cast<char *>(dst);
  detail::copyStrided(static_cast<const char *>(t.data), out, 0, t, elemSize);
}

/// Allocates `bytes` (at least one) aligned to kBufferAlignment; release with
/// std::free. Returns null on failure.
inline void *alignedAlloc(size_t bytes) {
  size_t rounded =
      (bytes + kBufferAlignment - 1) / kBufferAlignment * kBufferAlignment;
  if (rounded < bytes) // overflow
    return nullptr;
  return std::aligned_alloc(kBufferAlignment,
                            rounded ? rounded : kBufferAlignment);
}

inline float bf16ToFloat(uint16_t bits) {
  uint32_t word = static_cast<uint32_t>(bits) << 16;
  float f;
  std::memcpy(&f, &word, sizeof f);
  return f;
}

/// Rounds to nearest even; NaNs stay (quiet) NaNs.
inline uint16_t floatToBf16(float f) {
  uint32_t word;
  std::memcpy(&word, &f, sizeof word);
  if ((word & 0x7fffffffu) > 0x7f800000u)
    return static_cast<uint16_t>((word >> 16) | 0x40);
  word += 0x7fffu + ((word >> 16) & 1u);
  return static_cast<uint16_t>(word >> 16);
}

inline float f16ToFloat(uint16_t h) {
  uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1f;
  uint32_t mant = h & 0x3ff;
  uint32_t word;
  if (exp == 0x1f) {
    word = sign | 0x7f800000u | (mant << 13);
  } else if (exp != 0) {
    word = sign | ((exp + 112) << 23) | (mant << 13);
  } else if (mant == 0) {
    word = sign;
  } else { // subnormal: normalise
    exp = 113;
    while (!(mant & 0x400)) {
      mant <<= 1;
      --exp;
    }
    word = sign | (exp << 23) | ((mant & 0x3ff) << 13);
  }
  float f;
  std::memcpy(&f, &word, sizeof f);
  return f;
}

/// "[2, ?, 4]" for dims (-1 = dynamic), "[]" for a scalar.
inline std::string formatShape(int32_t rank, const int64_t *dims) {
  std::string s = "[";
  for (int32_t i = 0; i < rank; ++i) {
    if (i)
      s += ", ";
    s += dims[i] < 0 ? std::string("?") : std::to_string(dims[i]);
  }
  return s + "]";
}

/// A memref descriptor of Module.h for dense row-major data: allocated,
/// aligned, offset, sizes[r], strides[r], as 8-byte words.
inline std::vector<int64_t> makeDescriptor(const void *data, int32_t rank,
                                           const int64_t *sizes) {
  std::vector<int64_t> words(3 + 2 * static_cast<size_t>(rank));
  int64_t pointer = static_cast<int64_t>(reinterpret_cast<uintptr_t>(data));
  words[0] = pointer;
  words[1] = pointer;
  words[2] = 0;
  for (int32_t i = 0; i < rank; ++i)
    words[3 + i] = sizes[i];
  rowMajorStrides(rank, sizes, words.data() + 3 + rank);
  return words;
}

/// Parses MLC_NUM_THREADS: 0 when unset or empty, -1 when malformed.
inline int numThreadsFromEnvironment(const char *value) {
  if (!value || !*value)
    return 0;
  int64_t n = 0;
  for (const char *p = value; *p; ++p) {
    if (*p < '0' || *p > '9')
      return -1;
    n = n * 10 + (*p - '0');
    if (n > INT_MAX)
      return -1;
  }
  return n >= 1 ? static_cast<int>(n) : -1;
}

} // namespace mlc::rt

#endif // MLC_LIB_RUNTIME_TENSORUTILS_H
