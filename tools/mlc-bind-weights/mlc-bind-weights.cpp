//===- mlc-bind-weights.cpp - write a Qwen3 library's params.bin ----------===//
//
//   mlc-bind-weights LIB_DIR CHECKPOINT_DIR [-o PATH]
//
// LIB_DIR is what `mlc-compile CONFIG -o LIB_DIR --no-weights` wrote (a
// libqwen3.so, its config.json, no params.bin); CHECKPOINT_DIR a Hugging
// Face Qwen3 folder with the weights (config.json, safetensors). Checks that
// the two config.json describe the same model, converts the weights into
// the layout and dtypes the library declares and writes LIB_DIR/params.bin
// (or PATH): the file mlc-compile writes when it compiles from the
// checkpoint, byte for byte. Then `mlc-generate --lib LIB_DIR` runs
// without --weights-dir. Only libmlcrt is needed (mlc_qwen3_write_params).
//
// Exit status: 0 ok, 1 error, 2 usage error.
//
//===----------------------------------------------------------------------===//

#include "mlc-c/Qwen3.h"

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

namespace {

const char *const kUsage =
    "usage: mlc-bind-weights LIB_DIR CHECKPOINT_DIR [-o PATH]\n"
    "Writes LIB_DIR/params.bin (or PATH) for the Qwen3 library in LIB_DIR\n"
    "from the weights of the Hugging Face checkpoint in CHECKPOINT_DIR.\n";

int usage(const std::string &message) {
  std::fprintf(stderr, "mlc-bind-weights: error: %s\n%s", message.c_str(),
               kUsage);
  return 2;
}

} // namespace

int main(int argc, char **argv) {
  const char *positional[2] = {nullptr, nullptr};
  const char *output = nullptr;
  int count = 0;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (arg == "-o") {
      if (i + 1 >= argc)
        return usage("missing value after -o");
      output = argv[++i];
      continue;
    }
    if (!arg.empty() && arg[0] == '-')
      return usage("unknown option " + arg);
    if (count == 2)
      return usage("unexpected argument " + arg);
    positional[count++] = argv[i];
  }
  if (count != 2)
    return usage("give LIB_DIR and CHECKPOINT_DIR");
  std::string path =
      output ? std::string(output) : std::string(positional[0]) + "/params.bin";
  auto start = std::chrono::steady_clock::now();
  if (mlc_qwen3_write_params(positional[0], positional[1], output) != MLC_OK) {
    std::fprintf(stderr, "mlc-bind-weights: error: %s\n", mlc_last_error());
    return 1;
  }
  std::fprintf(
      stderr, "mlc-bind-weights: wrote %s from %s in %.2f s\n", path.c_str(),
      positional[1],
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count());
  return 0;
}
