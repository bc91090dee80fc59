/*===- FakeCudaKernels.h - host kernels for the fake CUDA driver -*- C -*-===*\
|*                                                                            *|
|* The table through which a fake module's image gives the fake driver        *|
|* (FakeCuda.c) host implementations of its kernels, so that launches, and    *|
|* CUDA graphs replaying them, compute something the tests can check.         *|
|*                                                                            *|
|* An image whose text starts with "\x7f" "ELFfake-cubin-host" holds such a   *|
|* table at byte FAKE_HOST_KERNEL_TABLE_OFFSET, ended by an entry whose name  *|
|* is NULL. A launch of kernel `name` calls `run` with the launch's           *|
|* kernelParams; each of its `num_params` arguments is 8 bytes (a device      *|
|* pointer or an int64_t), which is what a capture copies.                    *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef MLC_UNITTESTS_RUNTIME_FAKECUDAKERNELS_H
#define MLC_UNITTESTS_RUNTIME_FAKECUDAKERNELS_H

#include <stdint.h>

#define FAKE_HOST_KERNEL_TABLE_OFFSET 256
#define FAKE_HOST_KERNEL_MAX_PARAMS 16

typedef struct {
  const char *name;
  void (*run)(void **params);
  int64_t num_params;
} FakeHostKernel;

#endif /* MLC_UNITTESTS_RUNTIME_FAKECUDAKERNELS_H */
