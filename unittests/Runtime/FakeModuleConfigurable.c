/*===- FakeModuleConfigurable.c - a module whose metadata tests write -----===*\
|*                                                                            *|
|* Its metadata and parameter blob are writable arrays: a test dlopens it,    *|
|* writes the metadata text it wants to check (malformed lines, params out of *|
|* range, ...) and then loads it with mlc_model_load, which gets the same     *|
|* already-loaded library. It has no mlc_module_set_num_threads.              *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include <stdlib.h>

#define EXPORT __attribute__((visibility("default")))

EXPORT char mlc_module_metadata[4096] = "mlc-module 1\n";

EXPORT __attribute__((aligned(64))) unsigned char mlc_module_params[256];

EXPORT void mlc_module_run(void **argv) { (void)argv; }

EXPORT void mlc_module_free(void *allocated) { free(allocated); }
