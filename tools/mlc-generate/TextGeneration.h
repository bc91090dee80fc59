//===- TextGeneration.h - the generation loop of mlc-generate/mlc-chat ----===//
//
// Shared by the two text tools: prefill a prompt into a Qwen3 session,
// sample and decode token by token, and stream the text of the tokens as
// complete UTF-8 characters. Uses only libmlcrt (mlc-c/Qwen3.h,
// Sampling.h, Tokenizer.h).
//
//===----------------------------------------------------------------------===//

#ifndef MLC_TOOLS_TEXTGENERATION_H
#define MLC_TOOLS_TEXTGENERATION_H

#include "mlc-c/Qwen3.h"
#include "mlc-c/Sampling.h"
#include "mlc-c/Tokenizer.h"

#include <cstdio>
#include <functional>
#include <string>
#include <vector>

namespace mlc::tools {

/// Prints the text of tokens as they come, holding back the first bytes of
/// a character that the next token completes.
class TextStream {
public:
  TextStream(const mlc_tokenizer *tokenizer, std::FILE *out)
      : tokenizer(tokenizer), out(out) {}
  /// Prints token `id` (special tokens print nothing).
  void add(int64_t id);
  /// Prints what is held back (as is) and flushes.
  void finish();

private:
  const mlc_tokenizer *tokenizer;
  std::FILE *out;
  std::string pending;
};

/// Why generate() stopped.
enum class StopReason { kMaxTokens, kStopToken, kContextFull, kError };

/// A session with its sampler and statistics.
struct Generator {
  mlc_qwen3 *model = nullptr;
  mlc_sampler *sampler = nullptr;
  /// Tokens that end a reply (not fed to the model).
  std::vector<int64_t> stopIds;
  /// Every token in the context, for the repetition penalty.
  std::vector<int64_t> history;
  /// The last token generated and not yet fed to the model (a stop token,
  /// or the last of --max-tokens): the next generate() feeds it first.
  int64_t unfed = -1;
  /// Logits after the last prefill or decode.
  std::vector<float> logits;
  int64_t prefillTokens = 0, decodeTokens = 0;
  double prefillSeconds = 0, decodeSeconds = 0;

  /// Appends `prompt` (after `unfed`) to the context, then samples up to
  /// `maxTokens` tokens, calling `onToken` with each (a stop token
  /// included). Errors are printed to stderr.
  StopReason generate(const std::vector<int64_t> &prompt, long maxTokens,
                      const std::function<void(int64_t)> &onToken);
  /// Empties the context.
  void reset();
  /// "prefill N tokens in T ms (R tokens/s), decode ..."
  std::string stats() const;
};

/// Parses the options both tools share: --max-tokens and the sampling
/// options (--temperature, --top-k, --top-p, --repetition-penalty, --seed).
/// Returns false if `arg` is none of them; `end` is where parsing `value`
/// stopped (not at its end: a bad value).
bool parseGenerationOption(const std::string &arg, const char *value,
                           long &maxTokens, mlc_sampling_params &sampling,
                           char *&end);

/// `text` tokenized (added tokens in it recognized). False on an error,
/// which mlc_last_error() describes.
bool encodeText(const mlc_tokenizer *tokenizer, const std::string &text,
                std::vector<int64_t> &ids);

/// `messages` rendered by the checkpoint's chat template, with the
/// assistant's prompt, and tokenized. False on an error (mlc_last_error()).
bool encodeChat(const mlc_tokenizer *tokenizer,
                const std::vector<mlc_chat_message> &messages, bool think,
                std::vector<int64_t> &ids);

/// Prints `what: mlc_last_error()` to stderr with the tool's name.
void printError(const char *tool, const std::string &what);

/// Prints where `model` runs ("TOOL: device: cuda:0 NVIDIA ..., sm_90
/// cubin", or "cpu") to stderr.
void printDevice(const char *tool, mlc_qwen3 *model);

/// For a CUDA session, prints how its decode steps ran ("TOOL: CUDA
/// graphs: on: decode steps replay a CUDA graph", or why they did not) to
/// stderr; nothing for a CPU one.
void printGraphs(const char *tool, mlc_qwen3 *model);

} // namespace mlc::tools

#endif // MLC_TOOLS_TEXTGENERATION_H
