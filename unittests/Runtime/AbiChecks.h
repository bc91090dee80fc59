//===- AbiChecks.h - compile-time checks of hand-written API declarations -===//
//
// What CudaDriverAbiTest.cpp and CublasLtAbiTest.cpp compare the runtime's
// own declarations of the CUDA driver and cuBLASLt with: the shape of a
// function's signature as the calling convention sees it, and strings.
//
//===----------------------------------------------------------------------===//

#ifndef MLC_UNITTESTS_RUNTIME_ABICHECKS_H
#define MLC_UNITTESTS_RUNTIME_ABICHECKS_H

#include <type_traits>

namespace mlc::abi {

/// -1 for a pointer, else the size: what the calling convention sees.
template <typename T> constexpr int shape() {
  return std::is_pointer_v<T> ? -1 : static_cast<int>(sizeof(T));
}

template <typename F> struct Signature;
template <typename R, typename... A> struct Signature<R (*)(A...)> {
  static constexpr int arity = sizeof...(A);
  static constexpr int shapes[] = {shape<R>(), shape<A>()...};
};

/// Whether two function pointer types take and return the same shapes.
template <typename Mine, typename Theirs> constexpr bool sameSignature() {
  using M = Signature<Mine>;
  using T = Signature<Theirs>;
  if (M::arity != T::arity)
    return false;
  for (int i = 0; i <= M::arity; ++i)
    if (M::shapes[i] != T::shapes[i])
      return false;
  return true;
}

constexpr bool equal(const char *a, const char *b) {
  while (*a && *a == *b)
    ++a, ++b;
  return *a == *b;
}

} // namespace mlc::abi

#endif // MLC_UNITTESTS_RUNTIME_ABICHECKS_H
