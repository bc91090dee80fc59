//===- TextGeneration.cpp - the generation loop of mlc-generate/mlc-chat --===//
//
// Speeds are measured around the mlc_qwen3 calls, which return once the
// device (for a CUDA library) is done: they include the synchronisation and
// the copies of the logits.
//
//===----------------------------------------------------------------------===//

#include "TextGeneration.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>

namespace mlc::tools {

namespace {
double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                       start)
      .count();
}
} // namespace

bool parseGenerationOption(const std::string &arg, const char *value,
                           long &maxTokens, mlc_sampling_params &sampling,
                           char *&end) {
  if (arg == "--max-tokens")
    maxTokens = std::strtol(value, &end, 10);
  else if (arg == "--temperature")
    sampling.temperature = std::strtof(value, &end);
  else if (arg == "--top-k")
    sampling.top_k = static_cast<int32_t>(std::strtol(value, &end, 10));
  else if (arg == "--top-p")
    sampling.top_p = std::strtof(value, &end);
  else if (arg == "--repetition-penalty")
    sampling.repetition_penalty = std::strtof(value, &end);
  else if (arg == "--seed")
    sampling.seed = std::strtoull(value, &end, 10);
  else
    return false;
  return true;
}

bool encodeText(const mlc_tokenizer *tokenizer, const std::string &text,
                std::vector<int64_t> &ids) {
  int32_t *encoded;
  size_t count;
  if (mlc_tokenizer_encode(tokenizer, text.data(), text.size(), 0, &encoded,
                           &count) != MLC_OK)
    return false;
  ids.assign(encoded, encoded + count);
  std::free(encoded);
  return true;
}

bool encodeChat(const mlc_tokenizer *tokenizer,
                const std::vector<mlc_chat_message> &messages, bool think,
                std::vector<int64_t> &ids) {
  char *rendered;
  size_t length;
  if (mlc_tokenizer_apply_chat_template(tokenizer, messages.data(),
                                        messages.size(),
                                        /*add_generation_prompt=*/1, think,
                                        &rendered, &length) != MLC_OK)
    return false;
  std::string text(rendered, length);
  std::free(rendered);
  return encodeText(tokenizer, text, ids);
}

void printError(const char *tool, const std::string &what) {
  std::fprintf(stderr, "%s: error: %s: %s\n", tool, what.c_str(),
               mlc_last_error());
}

void printDevice(const char *tool, mlc_qwen3 *model) {
  const char *device = "unknown";
  mlc_qwen3_device(model, &device);
  std::fprintf(stderr, "%s: device: %s\n", tool, device);
}

void printGraphs(const char *tool, mlc_qwen3 *model) {
  const char *device = "cpu", *detail = "";
  mlc_qwen3_device(model, &device);
  if (std::strcmp(device, "cpu") == 0)
    return;
  mlc_qwen3_cuda_graphs(model, &detail);
  std::fprintf(stderr, "%s: CUDA graphs: %s\n", tool, detail);
}

void TextStream::add(int64_t id) {
  if (!tokenizer || mlc_tokenizer_is_special(tokenizer, static_cast<int32_t>(id)))
    return;
  const char *bytes;
  size_t length;
  if (mlc_tokenizer_token_bytes(tokenizer, static_cast<int32_t>(id), &bytes,
                                &length) != MLC_OK)
    return; // An id of the model's padding rows: no text.
  pending.append(bytes, length);
  size_t complete =
      mlc_tokenizer_utf8_complete_length(pending.data(), pending.size());
  std::fwrite(pending.data(), 1, complete, out);
  std::fflush(out);
  pending.erase(0, complete);
}

void TextStream::finish() {
  std::fwrite(pending.data(), 1, pending.size(), out);
  pending.clear();
  std::fflush(out);
}

void Generator::reset() {
  mlc_qwen3_reset(model);
  history.clear();
  unfed = -1;
}

StopReason Generator::generate(const std::vector<int64_t> &newTokens,
                               long maxTokens,
                               const std::function<void(int64_t)> &onToken) {
  int64_t vocab = mlc_qwen3_vocab_size(model);
  logits.resize(vocab);
  std::vector<int64_t> prompt;
  if (unfed >= 0)
    prompt.push_back(unfed);
  prompt.insert(prompt.end(), newTokens.begin(), newTokens.end());
  unfed = -1;
  if (!prompt.empty()) {
    auto start = std::chrono::steady_clock::now();
    if (mlc_qwen3_prefill(model, prompt.data(),
                          static_cast<int64_t>(prompt.size()),
                          logits.data()) != MLC_OK) {
      printError("mlc", "prefill");
      return StopReason::kError;
    }
    prefillSeconds += secondsSince(start);
    prefillTokens += static_cast<int64_t>(prompt.size());
    history.insert(history.end(), prompt.begin(), prompt.end());
  }
  for (long step = 0; step < maxTokens; ++step) {
    int64_t token;
    if (mlc_sampler_sample(sampler, logits.data(), vocab, history.data(),
                           static_cast<int64_t>(history.size()),
                           &token) != MLC_OK) {
      printError("mlc", "sampling");
      return StopReason::kError;
    }
    onToken(token);
    unfed = token;
    if (std::find(stopIds.begin(), stopIds.end(), token) != stopIds.end())
      return StopReason::kStopToken;
    if (step + 1 == maxTokens)
      break;
    if (mlc_qwen3_position(model) == mlc_qwen3_max_context(model))
      return StopReason::kContextFull;
    auto start = std::chrono::steady_clock::now();
    if (mlc_qwen3_decode(model, token, logits.data()) != MLC_OK) {
      printError("mlc", "decode");
      return StopReason::kError;
    }
    decodeSeconds += secondsSince(start);
    ++decodeTokens;
    history.push_back(token);
    unfed = -1;
  }
  return StopReason::kMaxTokens;
}

std::string Generator::stats() const {
  char text[256];
  std::snprintf(text, sizeof text,
                "prefill %lld tokens in %.1f ms (%.1f tokens/s), decode %lld "
                "tokens in %.1f ms (%.1f tokens/s)",
                (long long)prefillTokens, prefillSeconds * 1e3,
                prefillSeconds > 0 ? prefillTokens / prefillSeconds : 0.0,
                (long long)decodeTokens, decodeSeconds * 1e3,
                decodeSeconds > 0 ? decodeTokens / decodeSeconds : 0.0);
  return text;
}

} // namespace mlc::tools
