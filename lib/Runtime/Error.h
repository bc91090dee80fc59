//===- Error.h - the last error of libmlcrt calls ---------------*- C++ -*-===//
//
// mlc_last_error() of mlc-c/Runtime.h: one message per thread, set by the
// failing call. Internal to libmlcrt.
//
//===----------------------------------------------------------------------===//

#ifndef MLC_LIB_RUNTIME_ERROR_H
#define MLC_LIB_RUNTIME_ERROR_H

#include "mlc-c/Runtime.h"

#include <string>

namespace mlc::rt {

/// The calling thread's last error message.
inline std::string &lastErrorMessage() {
  thread_local std::string message;
  return message;
}

/// Records `message` as the last error and returns `status`.
inline mlc_status fail(mlc_status status, std::string message) {
  lastErrorMessage() = std::move(message);
  return status;
}

} // namespace mlc::rt

#endif // MLC_LIB_RUNTIME_ERROR_H
