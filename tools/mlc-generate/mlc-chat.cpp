//===- mlc-chat.cpp - chat with a Qwen3 library ---------------------------===//
//
//   mlc-chat --lib OUT_DIR [--weights-dir CHECKPOINT_DIR] [--system TEXT]
//            [--max-tokens N] [--no-think]
//            [--temperature T] [--top-k K] [--top-p P]
//            [--repetition-penalty R] [--seed S]
//
// --weights-dir binds the weights of a Hugging Face checkpoint folder at
// load instead of OUT_DIR/params.bin (as mlc-generate). Reads user turns
// from stdin, one per line, and streams the replies. Each
// turn is rendered with the checkpoint's chat template and appended to the
// session (the KV cache keeps the conversation; earlier turns are not
// re-rendered, so reasoning the model wrote stays in its context). Commands:
// /reset starts a new conversation, /exit (or end of input) quits. Sampling
// defaults to Qwen3's generation_config (temperature 0.6, top-k 20, top-p
// 0.95); --temperature 0 is greedy.
//
// Exit status: 0 ok, 1 error, 2 usage error.
//
//===----------------------------------------------------------------------===//

#include "TextGeneration.h"

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>
#include <unistd.h>

using namespace mlc::tools;

namespace {

const char *const kUsage =
    "usage: mlc-chat --lib OUT_DIR [--weights-dir CHECKPOINT_DIR]\n"
    "                [--system TEXT] [--max-tokens N] [--no-think]\n"
    "                [--temperature T] [--top-k K] [--top-p P]\n"
    "                [--repetition-penalty R] [--seed S]\n"
    "Type a message and Enter; /reset starts over, /exit quits.\n";

int usage(const std::string &message) {
  std::fprintf(stderr, "mlc-chat: error: %s\n%s", message.c_str(), kUsage);
  return 2;
}

} // namespace

int main(int argc, char **argv) {
  const char *lib = nullptr, *system = nullptr, *weightsDir = nullptr;
  long maxTokens = 1024;
  bool think = true;
  mlc_sampling_params sampling = {0.6f, 20, 0.95f, 1.0f, 0};
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
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
    } else if (arg == "--system") {
      system = value;
    } else if (parseGenerationOption(arg, value, maxTokens, sampling, end)) {
      if (maxTokens < 1)
        return usage("--max-tokens takes a positive integer");
    } else {
      return usage("unknown option " + arg);
    }
    if (end && *end)
      return usage("bad value '" + std::string(value) + "' for " + arg);
  }
  if (!lib)
    return usage("--lib OUT_DIR is required");

  Generator generator;
  if (mlc_sampler_create(&sampling, &generator.sampler) != MLC_OK) {
    printError("mlc-chat", "sampling options");
    return 1;
  }
  std::unique_ptr<mlc_sampler, decltype(&mlc_sampler_free)> samplerOwner(
      generator.sampler, mlc_sampler_free);
  if (mlc_qwen3_load_with_weights(lib, weightsDir, &generator.model) !=
      MLC_OK) {
    printError("mlc-chat", "loading " + std::string(lib));
    return 1;
  }
  std::unique_ptr<mlc_qwen3, decltype(&mlc_qwen3_free)> modelOwner(
      generator.model, mlc_qwen3_free);
  mlc_tokenizer *tokenizer;
  if (mlc_tokenizer_load(lib, &tokenizer) != MLC_OK) {
    printError("mlc-chat", "loading the tokenizer of " + std::string(lib));
    return 1;
  }
  std::unique_ptr<mlc_tokenizer, decltype(&mlc_tokenizer_free)>
      tokenizerOwner(tokenizer, mlc_tokenizer_free);
  int32_t imEnd = mlc_tokenizer_token_to_id(tokenizer, "<|im_end|>");
  for (int32_t id : {mlc_tokenizer_eos_id(tokenizer), imEnd,
                     mlc_tokenizer_token_to_id(tokenizer, "<|endoftext|>")})
    if (id >= 0)
      generator.stopIds.push_back(id);

  bool interactive = isatty(STDIN_FILENO);
  std::fprintf(stderr,
               "mlc-chat: %s (%lld layers, context %lld tokens). /reset "
               "starts over, /exit quits.\n",
               lib, (long long)mlc_qwen3_num_layers(generator.model),
               (long long)mlc_qwen3_max_context(generator.model));
  printDevice("mlc-chat", generator.model);
  bool first = true;
  std::string line;
  while (true) {
    if (interactive)
      std::fputs("> ", stdout);
    std::fflush(stdout);
    if (!std::getline(std::cin, line))
      break;
    if (line == "/exit")
      break;
    if (line == "/reset") {
      generator.reset();
      first = true;
      std::puts("(new conversation)");
      continue;
    }
    if (line.empty())
      continue;
    // The system prompt opens the conversation.
    std::vector<mlc_chat_message> messages;
    if (first && system)
      messages.push_back({"system", system, nullptr});
    messages.push_back({"user", line.c_str(), nullptr});
    std::vector<int64_t> turn, prefix;
    if (!encodeChat(tokenizer, messages, think, turn)) {
      printError("mlc-chat", "rendering the chat template");
      return 1;
    }
    // After a reply, the turn starts with the end of that reply: its last
    // token (generated, not yet fed to the model) is <|im_end|>, or the
    // reply was cut by --max-tokens and gets one; then a newline.
    if (!first && generator.unfed >= 0) {
      if (generator.unfed != imEnd)
        prefix.push_back(imEnd);
      std::vector<int64_t> newline;
      if (encodeText(tokenizer, "\n", newline))
        prefix.insert(prefix.end(), newline.begin(), newline.end());
      turn.insert(turn.begin(), prefix.begin(), prefix.end());
    }
    first = false;
    TextStream text(tokenizer, stdout);
    StopReason reason = generator.generate(
        turn, maxTokens, [&](int64_t token) { text.add(token); });
    text.finish();
    std::printf("\n");
    if (reason == StopReason::kError) {
      std::fputs("(the context is full or the turn failed: /reset starts "
                 "over)\n",
                 stdout);
      continue;
    }
    if (reason == StopReason::kContextFull)
      std::fputs("(the context is full: /reset starts over)\n", stdout);
    std::fprintf(stderr, "mlc-chat: this session: %s\n",
                 generator.stats().c_str());
  }
  printGraphs("mlc-chat", generator.model);
  return 0;
}
