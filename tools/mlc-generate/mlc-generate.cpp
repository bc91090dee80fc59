//===- mlc-generate.cpp - generate text with a Qwen3 library --------------===//
//
//   mlc-generate --lib OUT_DIR [--weights-dir CHECKPOINT_DIR]
//                (--prompt TEXT | --prompt-ids ID,...) [--max-tokens N] [--raw]
//                [--no-think] [--temperature T]
//                [--top-k K] [--top-p P] [--repetition-penalty R] [--seed S]
//                [--dump-logits DIR]
//
// OUT_DIR is what `mlc-compile CHECKPOINT_DIR -o OUT_DIR` wrote;
// --weights-dir binds the weights of a Hugging Face checkpoint folder at
// load instead of OUT_DIR/params.bin (a library compiled with --no-weights
// has none; mlc_qwen3_load_with_weights). --prompt is
// a user message put in the checkpoint's chat template (--raw: the text as
// is) and tokenized with its tokenizer; --prompt-ids are token ids, used as
// they are. The prompt is prefilled, then tokens are generated one decode
// step at a time -- greedy by default -- until --max-tokens, an end token
// (<|im_end|>, <|endoftext|>) or a full context. The text streams to stdout
// (token ids with --prompt-ids); the prefill and decode speeds end the
// output on stderr. --dump-logits DIR (created if needed) writes the files of
// utils/models/qwen3_reference.py (prompt_ids, prefill_logits of every
// prompt position, decode_logits, tokens) for comparison. stderr also says
// where the model runs (the CPU, or the GPU of a CUDA library and, after
// the speeds, whether decode steps replayed a CUDA graph).
//
// Exit status: 0 ok, 1 error, 2 usage error.
//
//===----------------------------------------------------------------------===//

#include "TextGeneration.h"

#include "mlc-c/TensorIO.h"

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>

using namespace mlc::tools;

namespace {

const char *const kUsage =
    "usage: mlc-generate --lib OUT_DIR [--weights-dir CHECKPOINT_DIR]\n"
    "                    (--prompt TEXT | --prompt-ids ID,...)\n"
    "                    [--max-tokens N] [--raw] [--no-think]\n"
    "                    [--temperature T] [--top-k K] [--top-p P]\n"
    "                    [--repetition-penalty R] [--seed S]\n"
    "                    [--dump-logits DIR]\n"
    "Sampling is greedy unless --temperature > 0 (Qwen3's generation_config\n"
    "suggests --temperature 0.6 --top-k 20 --top-p 0.95).\n";

int usage(const std::string &message) {
  std::fprintf(stderr, "mlc-generate: error: %s\n%s", message.c_str(), kUsage);
  return 2;
}

int failWith(const std::string &what) {
  printError("mlc-generate", what);
  return 1;
}

bool parseIds(const char *text, std::vector<int64_t> &ids) {
  ids.clear();
  const char *p = text;
  while (*p) {
    char *end;
    errno = 0;
    long long id = std::strtoll(p, &end, 10);
    if (end == p || errno || id < 0)
      return false;
    ids.push_back(id);
    p = end;
    if (*p == ',')
      ++p;
    else if (*p)
      return false;
  }
  return !ids.empty();
}

int writeNpy(const std::string &path, mlc_dtype dtype,
             std::vector<int64_t> shape, void *data) {
  mlc_tensor t = {dtype, static_cast<int32_t>(shape.size()), shape.data(),
                  nullptr, data};
  if (mlc_tensor_write_npy(path.c_str(), &t) != MLC_OK) {
    std::fprintf(stderr, "mlc-generate: error: %s\n",
                 mlc_tensor_io_last_error());
    return 1;
  }
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  const char *lib = nullptr, *dumpDir = nullptr, *promptText = nullptr,
             *weightsDir = nullptr;
  std::vector<int64_t> prompt;
  long maxTokens = 256;
  bool raw = false, think = true;
  mlc_sampling_params sampling = mlc_sampling_greedy();
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (arg == "--raw") {
      raw = true;
      continue;
    }
    if (arg == "--no-think") {
      think = false;
      continue;
    }
    if (i + 1 >= argc)
      return usage("missing value after " + arg);
    const char *value = argv[++i];
    char *end = nullptr;
    if (arg == "--lib") {
      lib = value;
    } else if (arg == "--weights-dir") {
      weightsDir = value;
    } else if (arg == "--prompt") {
      promptText = value;
    } else if (arg == "--prompt-ids") {
      if (!parseIds(value, prompt))
        return usage("--prompt-ids takes non-negative integers separated by "
                     "commas, got '" +
                     std::string(value) + "'");
    } else if (parseGenerationOption(arg, value, maxTokens, sampling, end)) {
      if (maxTokens < 1)
        return usage("--max-tokens takes a positive integer");
    } else if (arg == "--dump-logits") {
      dumpDir = value;
    } else {
      return usage("unknown option " + arg);
    }
    if (end && *end)
      return usage("bad value '" + std::string(value) + "' for " + arg);
  }
  if (!lib)
    return usage("--lib OUT_DIR is required");
  if (!promptText == prompt.empty())
    return usage("give one of --prompt and --prompt-ids");

  Generator generator;
  if (mlc_sampler_create(&sampling, &generator.sampler) != MLC_OK)
    return failWith("sampling options");
  std::unique_ptr<mlc_sampler, decltype(&mlc_sampler_free)> samplerOwner(
      generator.sampler, mlc_sampler_free);
  auto start = std::chrono::steady_clock::now();
  if (mlc_qwen3_load_with_weights(lib, weightsDir, &generator.model) != MLC_OK)
    return failWith("loading " + std::string(lib));
  std::unique_ptr<mlc_qwen3, decltype(&mlc_qwen3_free)> modelOwner(
      generator.model, mlc_qwen3_free);
  // The tokenizer: needed for --prompt and for the end tokens.
  mlc_tokenizer *tokenizer = nullptr;
  if (mlc_tokenizer_load(lib, &tokenizer) != MLC_OK) {
    if (promptText)
      return failWith("loading the tokenizer of " + std::string(lib));
    tokenizer = nullptr;
  }
  std::unique_ptr<mlc_tokenizer, decltype(&mlc_tokenizer_free)>
      tokenizerOwner(tokenizer, mlc_tokenizer_free);
  std::fprintf(stderr,
               "mlc-generate: loaded %s (%lld layers, vocabulary %lld, "
               "context %lld) in %.2f s\n",
               lib, (long long)mlc_qwen3_num_layers(generator.model),
               (long long)mlc_qwen3_vocab_size(generator.model),
               (long long)mlc_qwen3_max_context(generator.model),
               std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                             start)
                   .count());
  printDevice("mlc-generate", generator.model);
  if (tokenizer) {
    for (int32_t id : {mlc_tokenizer_eos_id(tokenizer),
                       mlc_tokenizer_token_to_id(tokenizer, "<|im_end|>"),
                       mlc_tokenizer_token_to_id(tokenizer, "<|endoftext|>")})
      if (id >= 0)
        generator.stopIds.push_back(id);
  }
  // --prompt: a user message in the chat template, or (--raw) the text.
  if (promptText && !(raw ? encodeText(tokenizer, promptText, prompt)
                          : encodeChat(tokenizer, {{"user", promptText, nullptr}},
                                       think, prompt)))
    return failWith("tokenizing the prompt");

  // With --dump-logits, the prefill computes the logits of every position.
  int64_t vocab = mlc_qwen3_vocab_size(generator.model);
  int64_t n = static_cast<int64_t>(prompt.size());
  std::vector<float> prefillLogits, decodeLogits;
  std::vector<int64_t> generated;
  std::vector<int64_t> toPrefill = prompt;
  if (dumpDir) {
    prefillLogits.resize(n * vocab);
    auto t0 = std::chrono::steady_clock::now();
    if (mlc_qwen3_prefill_all(generator.model, prompt.data(), n,
                              prefillLogits.data()) != MLC_OK)
      return failWith("prefill");
    generator.prefillSeconds = std::chrono::duration<double>(
                                   std::chrono::steady_clock::now() - t0)
                                   .count();
    generator.prefillTokens = n;
    generator.history = prompt;
    generator.logits.assign(prefillLogits.end() - vocab, prefillLogits.end());
    toPrefill.clear();
  }

  TextStream text(tokenizer, stdout);
  StopReason reason =
      generator.generate(toPrefill, maxTokens, [&](int64_t token) {
        if (dumpDir && !generated.empty())
          decodeLogits.insert(decodeLogits.end(), generator.logits.begin(),
                              generator.logits.end());
        generated.push_back(token);
        if (promptText)
          text.add(token);
        else
          std::printf("%s%lld", generated.size() > 1 ? " " : "",
                      (long long)token);
        std::fflush(stdout);
      });
  text.finish();
  std::printf("\n");
  // The text before the statistics, also when stdout is a pipe.
  std::fflush(stdout);
  if (reason == StopReason::kError)
    return 1;
  if (reason == StopReason::kContextFull)
    std::fprintf(stderr,
                 "mlc-generate: stopped: the context is full (%lld tokens; "
                 "mlc-compile --max-context)\n",
                 (long long)mlc_qwen3_max_context(generator.model));
  std::fprintf(stderr, "mlc-generate: %s\n", generator.stats().c_str());
  printGraphs("mlc-generate", generator.model);

  if (dumpDir) {
    std::string dir = dumpDir;
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
      std::fprintf(stderr, "mlc-generate: error: cannot create %s: %s\n",
                   dumpDir, ec.message().c_str());
      return 1;
    }
    int64_t steps = static_cast<int64_t>(generated.size()) - 1;
    if (int rc = writeNpy(dir + "/prompt_ids.npy", MLC_DTYPE_I64, {n},
                          prompt.data()))
      return rc;
    if (int rc = writeNpy(dir + "/prefill_logits.npy", MLC_DTYPE_F32,
                          {n, vocab}, prefillLogits.data()))
      return rc;
    if (int rc = writeNpy(dir + "/tokens.npy", MLC_DTYPE_I64,
                          {steps + 1}, generated.data()))
      return rc;
    if (int rc = writeNpy(dir + "/decode_logits.npy", MLC_DTYPE_F32,
                          {steps, vocab}, decodeLogits.data()))
      return rc;
  }
  return 0;
}
