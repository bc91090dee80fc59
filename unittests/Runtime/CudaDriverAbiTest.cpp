//===- CudaDriverAbiTest.cpp - lib/Runtime/CudaDriver.h against cuda.h ----===//
//
// libmlcrt declares the CUDA driver API it uses by hand (it must build
// without the toolkit). Where the toolkit is installed, this file checks the
// declarations against its cuda.h at compile time: each entry point's
// exported symbol is the versioned name cuda.h's macros give, its return and
// parameter types have cuda.h's sizes (pointers as pointers), and the
// constants have cuda.h's values. A mismatch fails the build.
//
//===----------------------------------------------------------------------===//

#include "CudaDriver.h"

#include "AbiChecks.h"

#include "gtest/gtest.h"


// Capture the runtime's signatures before cuda.h's macros rename the
// members' names (cuMemAlloc to cuMemAlloc_v2).
#define MLC_MINE(member, symbol)                                               \
  using Mine_##member = decltype(mlc::rt::cuda::Driver::member);
MLC_CUDA_DRIVER_FUNCTIONS(MLC_MINE)
#undef MLC_MINE

#include <cuda.h>

namespace {

using mlc::abi::equal;
using mlc::abi::sameSignature;

#define MLC_STRING(x) #x
#define MLC_EXPANDED(x) MLC_STRING(x)
#define MLC_CHECK(member, symbol)                                              \
  static_assert(sameSignature<Mine_##member, decltype(&::member)>(),           \
                "the signature of " #member " differs from cuda.h's");         \
  static_assert(equal(symbol, MLC_EXPANDED(member)),                           \
                "the symbol of " #member " is not cuda.h's");
MLC_CUDA_DRIVER_FUNCTIONS(MLC_CHECK)
#undef MLC_CHECK

namespace mine = mlc::rt::cuda;
static_assert(sizeof(mine::CUdeviceptr) == sizeof(::CUdeviceptr));
static_assert(sizeof(mine::CUresult) == sizeof(::CUresult));
static_assert(mine::CUDA_SUCCESS == ::CUDA_SUCCESS);
static_assert(mine::CUDA_ERROR_OUT_OF_MEMORY == ::CUDA_ERROR_OUT_OF_MEMORY);
static_assert(mine::CUDA_ERROR_STUB_LIBRARY == ::CUDA_ERROR_STUB_LIBRARY);
static_assert(mine::CUDA_ERROR_NO_DEVICE == ::CUDA_ERROR_NO_DEVICE);
static_assert(mine::CUDA_ERROR_INVALID_IMAGE == ::CUDA_ERROR_INVALID_IMAGE);
static_assert(mine::CUDA_ERROR_INVALID_PTX == ::CUDA_ERROR_INVALID_PTX);
static_assert(mine::CUDA_ERROR_UNSUPPORTED_PTX_VERSION ==
              ::CUDA_ERROR_UNSUPPORTED_PTX_VERSION);
static_assert(mine::CUDA_ERROR_NOT_FOUND == ::CUDA_ERROR_NOT_FOUND);
static_assert(mine::CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR ==
              ::CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
static_assert(mine::CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR ==
              ::CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
static_assert(mine::CU_JIT_ERROR_LOG_BUFFER == ::CU_JIT_ERROR_LOG_BUFFER);
static_assert(mine::CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES ==
              ::CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES);
static_assert(mine::CU_STREAM_NON_BLOCKING == ::CU_STREAM_NON_BLOCKING);
static_assert(sizeof(mine::CUstreamCaptureMode) ==
              sizeof(::CUstreamCaptureMode));
static_assert(mine::CU_STREAM_CAPTURE_MODE_THREAD_LOCAL ==
              ::CU_STREAM_CAPTURE_MODE_THREAD_LOCAL);
static_assert(mine::CUDA_ERROR_ILLEGAL_ADDRESS == ::CUDA_ERROR_ILLEGAL_ADDRESS);
static_assert(mine::CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED ==
              ::CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED);
static_assert(mine::CUDA_ERROR_STREAM_CAPTURE_INVALIDATED ==
              ::CUDA_ERROR_STREAM_CAPTURE_INVALIDATED);
// The sticky errors by name: a renumbering in cuda.h would show here.
static_assert(mine::isStickyError(::CUDA_ERROR_ECC_UNCORRECTABLE) &&
              mine::isStickyError(::CUDA_ERROR_CONTAINED) &&
              mine::isStickyError(::CUDA_ERROR_ILLEGAL_ADDRESS) &&
              mine::isStickyError(::CUDA_ERROR_LAUNCH_TIMEOUT) &&
              mine::isStickyError(::CUDA_ERROR_ASSERT) &&
              mine::isStickyError(::CUDA_ERROR_HARDWARE_STACK_ERROR) &&
              mine::isStickyError(::CUDA_ERROR_ILLEGAL_INSTRUCTION) &&
              mine::isStickyError(::CUDA_ERROR_MISALIGNED_ADDRESS) &&
              mine::isStickyError(::CUDA_ERROR_INVALID_ADDRESS_SPACE) &&
              mine::isStickyError(::CUDA_ERROR_INVALID_PC) &&
              mine::isStickyError(::CUDA_ERROR_LAUNCH_FAILED) &&
              mine::isStickyError(::CUDA_ERROR_TENSOR_MEMORY_LEAK) &&
              mine::isStickyError(::CUDA_ERROR_MPS_CLIENT_TERMINATED) &&
              mine::isStickyError(::CUDA_ERROR_EXTERNAL_DEVICE));
static_assert(!mine::isStickyError(::CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES) &&
              !mine::isStickyError(::CUDA_ERROR_OUT_OF_MEMORY));

// The checks above run when this file compiles; this records in the test
// results that they did.
TEST(CudaDriverAbiTest, DeclarationsMatchCudaH) { SUCCEED() << CUDA_VERSION; }

} // namespace
