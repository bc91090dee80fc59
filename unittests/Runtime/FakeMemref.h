/*===- FakeMemref.h - memref descriptors for the fake modules ---*- C -*-===*\
|*                                                                            *|
|* The memref descriptors of mlc-c/Module.h of ranks 0 to 4, as the          *|
|* hand-written fake modules (FakeModule.c, FakeCudaModule*.c) read and      *|
|* write them.                                                                *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef MLC_UNITTESTS_RUNTIME_FAKEMEMREF_H
#define MLC_UNITTESTS_RUNTIME_FAKEMEMREF_H

#include <stdint.h>

typedef struct {
  void *allocated, *aligned;
  int64_t offset;
} Memref0;

typedef struct {
  void *allocated, *aligned;
  int64_t offset, sizes[1], strides[1];
} Memref1;

typedef struct {
  void *allocated, *aligned;
  int64_t offset, sizes[2], strides[2];
} Memref2;

typedef struct {
  void *allocated, *aligned;
  int64_t offset, sizes[3], strides[3];
} Memref3;

typedef struct {
  void *allocated, *aligned;
  int64_t offset, sizes[4], strides[4];
} Memref4;

#endif /* MLC_UNITTESTS_RUNTIME_FAKEMEMREF_H */
