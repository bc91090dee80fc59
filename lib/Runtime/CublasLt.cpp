//===- CublasLt.cpp - the GEMMs of CUDA modules through cuBLASLt ----------===//
//
// Loads libcublasLt once per process, and runs the row-major GEMMs of
// mlc-c/Module.h's hooks->gemm as cuBLASLt's column-major ones: a row-major
// D = A B is the column-major D^T = B^T A^T, so cuBLASLt's A is our B and
// its B our A, each read as stored (a row-major m x k matrix is a
// column-major k x m one with the same leading dimension) or transposed.
//
//===----------------------------------------------------------------------===//

#include "CublasLt.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <mutex>
#include <vector>

namespace mlc::rt::cublaslt {

std::string Library::describe(Status status) const {
  const char *name = cublasLtGetStatusName ? cublasLtGetStatusName(status)
                                           : nullptr;
  return name ? name : "cuBLAS status " + std::to_string(status);
}

std::string Library::versionString() const {
  return "cuBLASLt " + std::to_string(version / 10000) + "." +
         std::to_string(version / 100 % 100) + "." +
         std::to_string(version % 100);
}

namespace {

struct LoadResult {
  Library library;
  bool ok = false;
  std::string why;
};

bool resolve(void *handle, Library &l, std::string &missing) {
#define MLC_RESOLVE(member, symbol)                                            \
  if (void *address = dlsym(handle, symbol))                                   \
    *reinterpret_cast<void **>(&l.member) = address;                           \
  else                                                                         \
    return missing = symbol, false;
  MLC_CUBLASLT_FUNCTIONS(MLC_RESOLVE)
#undef MLC_RESOLVE
  return true;
}

void load(LoadResult &r) {
  const char *env = std::getenv("MLC_CUBLASLT");
  std::vector<std::string> candidates;
  if (env && *env) {
    if (std::strcmp(env, "off") == 0) {
      r.why = "MLC_CUBLASLT=off";
      return;
    }
    candidates = {env};
  } else {
    const char *driver = std::getenv("MLC_CUDA_DRIVER");
    if (driver && *driver) {
      // cuBLASLt loads libcuda.so.1 itself: with another driver in use its
      // work would go to a different one.
      r.why = "MLC_CUDA_DRIVER names another driver than the one cuBLASLt "
              "loads; set MLC_CUBLASLT to use one";
      return;
    }
    candidates = {"libcublasLt.so.13", "libcublasLt.so.12",
                  "/usr/local/cuda/lib64/libcublasLt.so.13",
                  "/usr/local/cuda/lib64/libcublasLt.so.12"};
  }
  std::string tried;
  for (const std::string &name : candidates) {
    dlerror();
    // Kept loaded for the life of the process, like the driver.
    void *handle = dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      const char *why = dlerror();
      tried += (tried.empty() ? "" : "; ") + std::string(why ? why : name);
      continue;
    }
    std::string missing;
    if (!resolve(handle, r.library, missing)) {
      r.why = "'" + name + "' has no entry point " + missing +
              ": not cuBLASLt, or too old";
      return;
    }
    r.library.path = name;
    Dl_info info;
    if (dladdr(reinterpret_cast<void *>(r.library.cublasLtCreate), &info) &&
        info.dli_fname)
      r.library.path = info.dli_fname;
    r.library.version = r.library.cublasLtGetVersion();
    r.ok = true;
    return;
  }
  r.why = "cannot load cuBLASLt (" + tried +
          "); install it or set MLC_CUBLASLT to its path";
}

/// The largest power of two dividing `pointer`, at most 256: what cuBLASLt's
/// heuristic may assume.
int alignmentOf(const void *pointer) {
  auto address = reinterpret_cast<uintptr_t>(pointer);
  int alignment = 1;
  while (alignment < 256 && address % (2 * alignment) == 0)
    alignment *= 2;
  return alignment;
}

int cudaType(int32_t dtype) {
  switch (dtype) {
  case MLC_DTYPE_F32:
    return CUDA_R_32F;
  case MLC_DTYPE_F16:
    return CUDA_R_16F;
  case MLC_DTYPE_BF16:
    return CUDA_R_16BF;
  default:
    return -1;
  }
}

const char *typeName(int32_t dtype) {
  return mlc_dtype_name(static_cast<mlc_dtype>(dtype));
}

constexpr uint64_t kWorkspaceBytes = 32ull << 20;

bool logging() {
  const char *env = std::getenv("MLC_CUDA_GEMM_LOG");
  return env && *env && std::strcmp(env, "0") != 0;
}

} // namespace

const Library *loadLibrary(std::string &why) {
  static std::once_flag once;
  static LoadResult *result;
  std::call_once(once, [] {
    result = new LoadResult;
    load(*result);
  });
  why = result->why;
  return result->ok ? &result->library : nullptr;
}

Gemms::Plan &Gemms::plan(const mlc_cuda_gemm_args &g, const Key &key) {
  std::unique_ptr<Plan> &slot = plans[key];
  if (slot)
    return *slot;
  auto p = std::make_unique<Plan>();
  const Library &l = *library;
  auto failed = [&](const std::string &what, Status s) {
    p->why = what + " returned " + l.describe(s);
    return false;
  };
  auto build = [&]() -> bool {
    int aType = cudaType(g.a_type), bType = cudaType(g.b_type);
    if (aType < 0 || aType != bType || g.d_type != MLC_DTYPE_F32 ||
        g.m < 1 || g.n < 1 || g.k < 1 || g.batch < 1 ||
        g.flags & ~(MLC_CUDA_GEMM_TRANS_A | MLC_CUDA_GEMM_TRANS_B)) {
      p->why = "not a GEMM cuBLASLt takes";
      return false;
    }
    if (Status s = l.cublasLtMatmulDescCreate(&p->desc, CUBLAS_COMPUTE_32F,
                                              CUDA_R_32F))
      return failed("cublasLtMatmulDescCreate", s);
    bool transA = g.flags & MLC_CUDA_GEMM_TRANS_A;
    bool transB = g.flags & MLC_CUDA_GEMM_TRANS_B;
    // cuBLASLt's A is our B: n x k as it needs it, k x n as stored if
    // transposed; its B is our A: k x m, or m x k stored.
    int32_t opA = transB ? CUBLAS_OP_T : CUBLAS_OP_N;
    int32_t opB = transA ? CUBLAS_OP_T : CUBLAS_OP_N;
    if (Status s = l.cublasLtMatmulDescSetAttribute(
            p->desc, CUBLASLT_MATMUL_DESC_TRANSA, &opA, sizeof opA))
      return failed("cublasLtMatmulDescSetAttribute(TRANSA)", s);
    if (Status s = l.cublasLtMatmulDescSetAttribute(
            p->desc, CUBLASLT_MATMUL_DESC_TRANSB, &opB, sizeof opB))
      return failed("cublasLtMatmulDescSetAttribute(TRANSB)", s);
    struct {
      int type;
      int64_t rows, columns, ld, stride;
    } shapes[4] = {
        {bType, transB ? g.k : g.n, transB ? g.n : g.k, g.ldb, g.stride_b},
        {aType, transA ? g.m : g.k, transA ? g.k : g.m, g.lda, g.stride_a},
        {CUDA_R_32F, g.n, g.m, g.c ? g.ldc : g.ldd,
         g.c ? g.stride_c : g.stride_d},
        {CUDA_R_32F, g.n, g.m, g.ldd, g.stride_d}};
    for (int i = 0; i < 4; ++i) {
      auto &s = shapes[i];
      if (Status r = l.cublasLtMatrixLayoutCreate(&p->layouts[i], s.type,
                                                  s.rows, s.columns, s.ld))
        return failed("cublasLtMatrixLayoutCreate", r);
      if (g.batch == 1)
        continue;
      int32_t count = static_cast<int32_t>(g.batch);
      if (Status r = l.cublasLtMatrixLayoutSetAttribute(
              p->layouts[i], CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT, &count,
              sizeof count))
        return failed("cublasLtMatrixLayoutSetAttribute(BATCH_COUNT)", r);
      if (Status r = l.cublasLtMatrixLayoutSetAttribute(
              p->layouts[i], CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET,
              &s.stride, sizeof s.stride))
        return failed(
            "cublasLtMatrixLayoutSetAttribute(STRIDED_BATCH_OFFSET)", r);
    }
    Preference preference = nullptr;
    if (Status s = l.cublasLtMatmulPreferenceCreate(&preference))
      return failed("cublasLtMatmulPreferenceCreate", s);
    uint64_t workspaceBytes = workspace ? kWorkspaceBytes : 0;
    uint32_t alignments[4] = {
        static_cast<uint32_t>(alignmentOf(g.a)),
        static_cast<uint32_t>(alignmentOf(g.b)),
        static_cast<uint32_t>(alignmentOf(g.c ? g.c : g.d)),
        static_cast<uint32_t>(alignmentOf(g.d))};
    // cuBLASLt's A and B are our B and A.
    std::swap(alignments[0], alignments[1]);
    Status s = l.cublasLtMatmulPreferenceSetAttribute(
        preference, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &workspaceBytes,
        sizeof workspaceBytes);
    const int alignmentAttributes[4] = {
        CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES,
        CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES,
        CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES,
        CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES};
    for (int i = 0; i < 4 && s == CUBLAS_STATUS_SUCCESS; ++i)
      s = l.cublasLtMatmulPreferenceSetAttribute(
          preference, alignmentAttributes[i], &alignments[i],
          sizeof alignments[i]);
    HeuristicResult result = {};
    int returned = 0;
    if (s == CUBLAS_STATUS_SUCCESS)
      s = l.cublasLtMatmulAlgoGetHeuristic(
          handle, p->desc, p->layouts[0], p->layouts[1], p->layouts[2],
          p->layouts[3], preference, 1, &result, &returned);
    l.cublasLtMatmulPreferenceDestroy(preference);
    if (s && s != CUBLAS_STATUS_NOT_SUPPORTED)
      return failed("the heuristic (cublasLtMatmulAlgoGetHeuristic)", s);
    if (s || returned < 1 || result.state != CUBLAS_STATUS_SUCCESS) {
      p->why = "cuBLASLt's heuristic has no algorithm for it";
      return false;
    }
    p->algo = result.algo;
    return true;
  };
  p->ok = build();
  if (!p->ok) {
    for (MatrixLayout &layout : p->layouts)
      if (layout)
        l.cublasLtMatrixLayoutDestroy(layout), layout = nullptr;
    if (p->desc)
      l.cublasLtMatmulDescDestroy(p->desc), p->desc = nullptr;
  }
  if (logging()) {
    std::fprintf(
        stderr,
        "mlc: gemm %lld x %lld x %lld%s %s%s x %s%s -> %s%s: %s\n",
        static_cast<long long>(g.m), static_cast<long long>(g.n),
        static_cast<long long>(g.k),
        g.batch > 1 ? (" (batch " + std::to_string(g.batch) + ")").c_str()
                    : "",
        typeName(g.a_type), g.flags & MLC_CUDA_GEMM_TRANS_A ? "^T" : "",
        typeName(g.b_type), g.flags & MLC_CUDA_GEMM_TRANS_B ? "^T" : "",
        typeName(g.d_type), !g.c ? "" : g.c == g.d ? " (+= D)" : " (+ C)",
        p->ok ? l.versionString().c_str()
              : ("the module's kernel: " + p->why).c_str());
  }
  slot = std::move(p);
  return *slot;
}

bool Gemms::run(const cuda::Driver &driver, cuda::CUstream stream,
                bool capturing, const mlc_cuda_gemm_args &g, std::string &error) {
  if (!loaded) {
    loaded = true;
    library = loadLibrary(unavailable);
  }
  auto decline = [&] {
    if (!toldUnavailable && logging())
      std::fprintf(stderr, "mlc: gemm: the module's kernels: %s\n",
                   unavailable.c_str());
    toldUnavailable = true;
    return false;
  };
  if (!library)
    return decline();
  if (!handle) {
    // Made outside a capture only: the first call of an entry point runs
    // directly (mlc-c/Module.h), so a graph's GEMMs find the handle.
    if (capturing)
      return false;
    if (Status s = library->cublasLtCreate(&handle)) {
      unavailable = "cublasLtCreate returned " + library->describe(s);
      handle = nullptr;
      library = nullptr;
      return decline();
    }
    if (driver.cuMemAlloc(&workspace, kWorkspaceBytes) != cuda::CUDA_SUCCESS)
      workspace = 0; // Algorithms without a workspace only.
    if (logging())
      std::fprintf(stderr, "mlc: gemm: %s (%s), %s of workspace\n",
                   library->versionString().c_str(), library->path.c_str(),
                   workspace ? "32 MiB" : "no");
  }
  // A query is answered from the plan of the GEMM it asks about.
  bool query = g.flags & MLC_CUDA_GEMM_QUERY;
  mlc_cuda_gemm_args asked = g;
  asked.flags &= ~MLC_CUDA_GEMM_QUERY;
  int64_t whichC = g.c == nullptr ? 0 : g.c == g.d ? 1 : 2;
  Key key = {g.a_type,   g.b_type,   g.d_type,         asked.flags,
             g.m,        g.n,        g.k,              g.batch,
             g.lda,      g.ldb,      g.ldc,            g.ldd,
             g.stride_a, g.stride_b, g.stride_c,       g.stride_d,
             whichC,     alignmentOf(g.a), alignmentOf(g.b),
             alignmentOf(g.c ? g.c : g.d), alignmentOf(g.d)};
  // No cuBLASLt set-up calls while capturing: a graph's GEMMs ran directly
  // first (mlc-c/Module.h) and find their plans.
  if (capturing && !plans.count(key))
    return false;
  Plan &p = plan(asked, key);
  if (!p.ok || query)
    return p.ok;
  const float one = 1.0f, zero = 0.0f;
  Status s = library->cublasLtMatmul(
      handle, p.desc, &one, g.b, p.layouts[0], g.a, p.layouts[1],
      g.c ? &one : &zero, g.c ? g.c : g.d, p.layouts[2], g.d, p.layouts[3],
      &p.algo, reinterpret_cast<void *>(workspace),
      workspace ? kWorkspaceBytes : 0, stream);
  if (s)
    error = "cublasLtMatmul of a " + std::to_string(g.m) + " x " +
            std::to_string(g.n) + " x " + std::to_string(g.k) +
            " GEMM returned " + library->describe(s);
  return true;
}

void Gemms::release(const cuda::Driver &driver) {
  if (library)
    for (auto &[key, plan] : plans) {
      if (!plan || !plan->ok)
        continue;
      for (MatrixLayout layout : plan->layouts)
        library->cublasLtMatrixLayoutDestroy(layout);
      library->cublasLtMatmulDescDestroy(plan->desc);
    }
  plans.clear();
  if (handle && library)
    library->cublasLtDestroy(handle);
  handle = nullptr;
  if (workspace)
    driver.cuMemFree(workspace);
  workspace = 0;
}

} // namespace mlc::rt::cublaslt
