/*===- FakeModuleMalformed.c - a module with malformed metadata -----------===*\
|*                                                                            *|
|* Exports every ABI symbol of mlc-c/Module.h, but its metadata names an      *|
|* unknown dtype: loading it must fail with an error naming the module.       *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include <stdlib.h>

#define EXPORT __attribute__((visibility("default")))

EXPORT const char mlc_module_metadata[] = "mlc-module 1\n"
                                          "input x f32 ? 4\n"
                                          "output y f33 4\n";

EXPORT void mlc_module_run(void **argv) { (void)argv; }

EXPORT void mlc_module_free(void *allocated) { free(allocated); }
