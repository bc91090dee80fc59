//===- CublasLtAbiTest.cpp - lib/Runtime/CublasLt.h against cublasLt.h ----===//
//
// libmlcrt declares the cuBLASLt API it uses by hand (it must build without
// the toolkit). Where the toolkit is installed, this file checks the
// declarations against its cublasLt.h at compile time, as
// CudaDriverAbiTest.cpp does for cuda.h: each entry point's return and
// parameter types have the header's sizes (pointers as pointers), the
// structures its sizes, and the constants its values. A mismatch fails the
// build.
//
//===----------------------------------------------------------------------===//

#include "CublasLt.h"

#include "AbiChecks.h"

#include "gtest/gtest.h"

#include <cublasLt.h>

namespace {

using mlc::abi::equal;
using mlc::abi::sameSignature;

#define MLC_CHECK(member, symbol)                                              \
  static_assert(sameSignature<decltype(mlc::rt::cublaslt::Library::member),   \
                              decltype(&::member)>(),                          \
                "the signature of " #member " differs from cublasLt.h's");     \
  static_assert(equal(symbol, #member), "the symbol of " #member " differs");
MLC_CUBLASLT_FUNCTIONS(MLC_CHECK)
#undef MLC_CHECK

namespace mine = mlc::rt::cublaslt;
static_assert(sizeof(mine::Algo) == sizeof(cublasLtMatmulAlgo_t));
static_assert(sizeof(mine::HeuristicResult) ==
              sizeof(cublasLtMatmulHeuristicResult_t));
static_assert(offsetof(mine::HeuristicResult, state) ==
              offsetof(cublasLtMatmulHeuristicResult_t, state));
static_assert(sizeof(mine::Status) == sizeof(cublasStatus_t));
static_assert(mine::CUBLAS_STATUS_SUCCESS == CUBLAS_STATUS_SUCCESS);
static_assert(mine::CUBLAS_STATUS_NOT_SUPPORTED ==
              CUBLAS_STATUS_NOT_SUPPORTED);
static_assert(mine::CUDA_R_32F == CUDA_R_32F && mine::CUDA_R_16F == CUDA_R_16F &&
              mine::CUDA_R_16BF == CUDA_R_16BF);
static_assert(mine::CUBLAS_COMPUTE_32F == CUBLAS_COMPUTE_32F);
static_assert(mine::CUBLAS_OP_N == CUBLAS_OP_N &&
              mine::CUBLAS_OP_T == CUBLAS_OP_T);
static_assert(mine::CUBLASLT_MATMUL_DESC_TRANSA == CUBLASLT_MATMUL_DESC_TRANSA);
static_assert(mine::CUBLASLT_MATMUL_DESC_TRANSB == CUBLASLT_MATMUL_DESC_TRANSB);
static_assert(mine::CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT ==
              CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT);
static_assert(mine::CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET ==
              CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET);
static_assert(mine::CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES ==
              CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES);
static_assert(mine::CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES ==
                  CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES &&
              mine::CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES ==
                  CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES &&
              mine::CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES ==
                  CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES &&
              mine::CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES ==
                  CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES);

// The checks above run when this file compiles; this records in the test
// results that they did.
TEST(CublasLtAbiTest, DeclarationsMatchCublasLtH) {
  SUCCEED() << CUBLAS_VERSION;
}

} // namespace
