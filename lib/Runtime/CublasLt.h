//===- CublasLt.h - cuBLASLt, loaded with dlopen, and the GEMM hook -*- C++ -*-===//
//
// The types, constants and entry points of cuBLASLt (cublasLt.h) that
// libmlcrt uses, declared here so that the runtime builds without the CUDA
// toolkit (CublasLtAbiTest.cpp compares them with the toolkit's header when
// it is there), the process-wide loader of libcublasLt, and the GEMMs of a
// module's hooks->gemm (mlc-c/Module.h): a plan per shape (descriptors and
// the algorithm cuBLASLt's heuristic picked), queued on the module's stream.
// Internal to libmlcrt.
//
//===----------------------------------------------------------------------===//

#ifndef MLC_LIB_RUNTIME_CUBLASLT_H
#define MLC_LIB_RUNTIME_CUBLASLT_H

#include "CudaDriver.h"

#include "mlc-c/Module.h"

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

namespace mlc::rt::cublaslt {

using Status = int; // cublasStatus_t
using Handle = struct cublasLtContext *;
using MatmulDesc = struct MatmulDescOpaque *;
using MatrixLayout = struct MatrixLayoutOpaque *;
using Preference = struct PreferenceOpaque *;

struct Algo {
  uint64_t data[8];
};
struct HeuristicResult {
  Algo algo;
  size_t workspaceSize;
  Status state;
  float wavesCount;
  int reserved[4];
};

constexpr Status CUBLAS_STATUS_SUCCESS = 0;
constexpr Status CUBLAS_STATUS_NOT_SUPPORTED = 15;
constexpr int CUDA_R_32F = 0, CUDA_R_16F = 2, CUDA_R_16BF = 14;
constexpr int CUBLAS_COMPUTE_32F = 68;
constexpr int CUBLAS_OP_N = 0, CUBLAS_OP_T = 1;
constexpr int CUBLASLT_MATMUL_DESC_TRANSA = 3;
constexpr int CUBLASLT_MATMUL_DESC_TRANSB = 4;
constexpr int CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT = 5;
constexpr int CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET = 6;
constexpr int CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES = 1;
constexpr int CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES = 5;
constexpr int CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES = 6;
constexpr int CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES = 7;
constexpr int CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES = 8;

/// Every entry point: X(member, exported symbol).
#define MLC_CUBLASLT_FUNCTIONS(X)                                              \
  X(cublasLtCreate, "cublasLtCreate")                                          \
  X(cublasLtDestroy, "cublasLtDestroy")                                        \
  X(cublasLtGetVersion, "cublasLtGetVersion")                                  \
  X(cublasLtGetStatusName, "cublasLtGetStatusName")                            \
  X(cublasLtMatmulDescCreate, "cublasLtMatmulDescCreate")                      \
  X(cublasLtMatmulDescDestroy, "cublasLtMatmulDescDestroy")                    \
  X(cublasLtMatmulDescSetAttribute, "cublasLtMatmulDescSetAttribute")          \
  X(cublasLtMatrixLayoutCreate, "cublasLtMatrixLayoutCreate")                  \
  X(cublasLtMatrixLayoutDestroy, "cublasLtMatrixLayoutDestroy")                \
  X(cublasLtMatrixLayoutSetAttribute, "cublasLtMatrixLayoutSetAttribute")      \
  X(cublasLtMatmulPreferenceCreate, "cublasLtMatmulPreferenceCreate")          \
  X(cublasLtMatmulPreferenceDestroy, "cublasLtMatmulPreferenceDestroy")        \
  X(cublasLtMatmulPreferenceSetAttribute,                                      \
    "cublasLtMatmulPreferenceSetAttribute")                                    \
  X(cublasLtMatmulAlgoGetHeuristic, "cublasLtMatmulAlgoGetHeuristic")          \
  X(cublasLtMatmul, "cublasLtMatmul")

/// The loaded library: its entry points, resolved once.
struct Library {
  std::string path;   ///< The file dlopen loaded.
  size_t version = 0; ///< cublasLtGetVersion: 10000 * major + 100 * minor.

  Status (*cublasLtCreate)(Handle *handle);
  Status (*cublasLtDestroy)(Handle handle);
  size_t (*cublasLtGetVersion)();
  const char *(*cublasLtGetStatusName)(Status status);
  Status (*cublasLtMatmulDescCreate)(MatmulDesc *desc, int computeType,
                                     int scaleType);
  Status (*cublasLtMatmulDescDestroy)(MatmulDesc desc);
  Status (*cublasLtMatmulDescSetAttribute)(MatmulDesc desc, int attribute,
                                           const void *value, size_t bytes);
  Status (*cublasLtMatrixLayoutCreate)(MatrixLayout *layout, int type,
                                       uint64_t rows, uint64_t columns,
                                       int64_t ld);
  Status (*cublasLtMatrixLayoutDestroy)(MatrixLayout layout);
  Status (*cublasLtMatrixLayoutSetAttribute)(MatrixLayout layout,
                                             int attribute, const void *value,
                                             size_t bytes);
  Status (*cublasLtMatmulPreferenceCreate)(Preference *preference);
  Status (*cublasLtMatmulPreferenceDestroy)(Preference preference);
  Status (*cublasLtMatmulPreferenceSetAttribute)(Preference preference,
                                                 int attribute,
                                                 const void *value,
                                                 size_t bytes);
  Status (*cublasLtMatmulAlgoGetHeuristic)(
      Handle handle, MatmulDesc desc, MatrixLayout a, MatrixLayout b,
      MatrixLayout c, MatrixLayout d, Preference preference, int requested,
      HeuristicResult *results, int *returned);
  Status (*cublasLtMatmul)(Handle handle, MatmulDesc desc, const void *alpha,
                           const void *a, MatrixLayout aLayout, const void *b,
                           MatrixLayout bLayout, const void *beta,
                           const void *c, MatrixLayout cLayout, void *d,
                           MatrixLayout dLayout, const Algo *algo,
                           void *workspace, size_t workspaceBytes,
                           cuda::CUstream stream);

  /// "CUBLAS_STATUS_NOT_SUPPORTED", or "cuBLAS status N".
  std::string describe(Status status) const;
  /// "cuBLASLt 13.1.0".
  std::string versionString() const;
};

/// The library, loaded on the first call in the process: `dlopen` of
/// $MLC_CUBLASLT if set (`off`: none), else, unless $MLC_CUDA_DRIVER names
/// another driver than the system's (which cuBLASLt would not use), of
/// libcublasLt.so.13, libcublasLt.so.12 and the CUDA toolkit's in
/// /usr/local/cuda/lib64. Thread-safe. Null, with `why` set, if there is
/// none; every later call gives the same answer.
const Library *loadLibrary(std::string &why);

/// The GEMMs of one CUDA module: the cuBLASLt handle, the workspace and a
/// plan per distinct descriptor (types, flags, sizes, leading dimensions,
/// batch strides, pointer alignments). The module's context is current and
/// its lock held in every call.
class Gemms {
public:
  Gemms() = default;
  Gemms(const Gemms &) = delete;
  Gemms &operator=(const Gemms &) = delete;

  /// What hooks->gemm returns: queues `g` on `stream` (true), or declines
  /// (false) where there is no library or no algorithm for it. A failure
  /// of the queued GEMM sets `error` (true is still returned: the module
  /// must not compute it again). While the stream is `capturing`, nothing
  /// is set up (handle, workspace, a plan): a GEMM without a plan from a
  /// direct call is declined then.
  bool run(const cuda::Driver &driver, cuda::CUstream stream, bool capturing,
           const mlc_cuda_gemm_args &g, std::string &error);
  /// Destroys the plans and the handle and frees the workspace (the
  /// context is current, the stream idle).
  void release(const cuda::Driver &driver);

private:
  /// A GEMM's cuBLASLt descriptors and algorithm, or why it has none.
  struct Plan {
    bool ok = false;
    std::string why;
    MatmulDesc desc = nullptr;
    MatrixLayout layouts[4] = {}; ///< cuBLASLt's A (our B), B (our A), C, D.
    Algo algo = {};
  };
  /// What a plan depends on: types, flags, sizes, leading dimensions,
  /// batch strides, which C (none, D, another) and pointer alignments.
  using Key = std::array<int64_t, 21>;
  Plan &plan(const mlc_cuda_gemm_args &g, const Key &key);

  const Library *library = nullptr;
  bool loaded = false, toldUnavailable = false;
  std::string unavailable; ///< Why there is no library.
  Handle handle = nullptr;
  cuda::CUdeviceptr workspace = 0;
  std::map<Key, std::unique_ptr<Plan>> plans;
};

} // namespace mlc::rt::cublaslt

#endif // MLC_LIB_RUNTIME_CUBLASLT_H
