//===- Config.cpp - the config.json of a Hugging Face Qwen3 checkpoint ----===//
//
// Validation of every key the compiled model depends on, with every problem
// of the file listed. (The weights are read by the runtime's safetensors
// reader, lib/Runtime/Qwen3Weights.h, also when mlc-compile writes
// params.bin.)
//
//===----------------------------------------------------------------------===//

#include "mlc/Models/Qwen3/Config.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"
#include <cmath>
#include <optional>

using namespace mlc::qwen3;
using llvm::Error;
using llvm::Expected;
using llvm::StringRef;
using llvm::Twine;
namespace json = llvm::json;

namespace {

/// Every tensor dimension a config implies is at most this, and there are at
/// most kMaxCount layers and heads: sums of tensor sizes over all layers fit
/// in int64_t with room to spare.
constexpr int64_t kMaxDim = int64_t(1) << 24;
constexpr int64_t kMaxCount = 4096;

Error makeError(const Twine &message) {
  return llvm::createStringError(message);
}

/// Joins problems into one error, one per line.
Error joinProblems(const std::vector<std::string> &problems) {
  if (problems.empty())
    return Error::success();
  return makeError(llvm::join(problems, "\n"));
}

/// A JSON value for an error message, cut short when long.
std::string formatJson(const json::Value &value) {
  std::string text;
  llvm::raw_string_ostream(text) << value;
  if (text.size() > 40)
    text = text.substr(0, 37) + "...";
  return text;
}

//===----------------------------------------------------------------------===//
// config.json
//===----------------------------------------------------------------------===//

/// Reads keys of a config object, collecting every problem.
class ConfigReader {
public:
  ConfigReader(StringRef path, const json::Object &object)
      : path(path), object(object) {}

  void problem(const Twine &message) { problems.push_back(message.str()); }

  /// "key 'K' in FILE: expected E, found V".
  void badValue(StringRef key, StringRef expected, const json::Value &found) {
    problem("key '" + key + "' in " + path + ": expected " + expected +
            ", found " + formatJson(found));
  }

  /// The value of `key`, or nullptr (a problem when `required`). JSON null
  /// counts as absent.
  const json::Value *get(StringRef key, bool required) {
    const json::Value *value = object.get(key);
    if (value && value->kind() == json::Value::Null)
      value = nullptr;
    if (!value && required)
      problem("missing key '" + key + "' in " + path);
    return value;
  }

  /// A positive integer of at most `max`; 0 when absent or invalid.
  int64_t getSize(StringRef key, int64_t max, bool required = true) {
    const json::Value *value = get(key, required);
    if (!value)
      return 0;
    std::optional<int64_t> size = value->getAsInteger();
    if (!size || *size <= 0) {
      badValue(key, "a positive integer", *value);
      return 0;
    }
    if (*size > max) {
      problem("key '" + key + "' in " + path + ": " + Twine(*size) +
              " is unreasonably large (the limit is " + Twine(max) + ")");
      return 0;
    }
    return *size;
  }

  /// A positive finite number; 0 when absent or invalid.
  double getPositiveNumber(StringRef key, bool required = true) {
    const json::Value *value = get(key, required);
    if (!value)
      return 0;
    std::optional<double> number = value->getAsNumber();
    if (!number || !std::isfinite(*number) || *number <= 0) {
      badValue(key, "a positive number", *value);
      return 0;
    }
    return *number;
  }

  std::optional<bool> getBool(StringRef key) {
    const json::Value *value = get(key, /*required=*/false);
    if (!value)
      return std::nullopt;
    std::optional<bool> result = value->getAsBoolean();
    if (!result)
      badValue(key, "true or false", *value);
    return result;
  }

  std::optional<StringRef> getString(StringRef key) {
    const json::Value *value = get(key, /*required=*/false);
    if (!value)
      return std::nullopt;
    std::optional<StringRef> result = value->getAsString();
    if (!result)
      badValue(key, "a string", *value);
    return result;
  }

  /// A token id in [0, vocabSize) (vocabSize 0: not checked against it).
  std::optional<int64_t> getTokenId(StringRef key, const json::Value &value,
                                    int64_t vocabSize) {
    std::optional<int64_t> id = value.getAsInteger();
    if (!id || *id < 0) {
      badValue(key, "a non-negative token id", value);
      return std::nullopt;
    }
    if (vocabSize > 0 && *id >= vocabSize) {
      problem("key '" + key + "' in " + path + ": token id " + Twine(*id) +
              " is not below vocab_size (" + Twine(vocabSize) + ")");
      return std::nullopt;
    }
    return id;
  }

  /// The rope_type of a rope_scaling/rope_parameters object ("type" in older
  /// configs); "default" when it names none.
  std::optional<StringRef> getRopeType(StringRef key,
                                       const json::Value &value) {
    const json::Object *rope = value.getAsObject();
    if (!rope) {
      badValue(key, "an object or null", value);
      return std::nullopt;
    }
    for (StringRef typeKey : {"rope_type", "type"})
      if (const json::Value *type = rope->get(typeKey)) {
        if (std::optional<StringRef> name = type->getAsString())
          return *name;
        badValue((key + "." + typeKey).str(), "a string", *type);
        return std::nullopt;
      }
    return StringRef("default");
  }

  /// rope_theta (or rope_parameters.rope_theta, where newer transformers
  /// write it); rope_scaling and rope_parameters may only name plain RoPE.
  void readRope(Config &config) {
    const json::Value *ropeParameters =
        get("rope_parameters", /*required=*/false);
    if (ropeParameters) {
      std::optional<StringRef> type =
          getRopeType("rope_parameters", *ropeParameters);
      if (type && *type != "default")
        problem("unsupported rope_parameters in " + path + ": rope_type '" +
                *type + "' (mlc implements plain RoPE)");
    }
    if (!object.get("rope_theta") && ropeParameters &&
        ropeParameters->getAsObject() &&
        ropeParameters->getAsObject()->get("rope_theta")) {
      ConfigReader nested(path, *ropeParameters->getAsObject());
      config.ropeTheta = nested.getPositiveNumber("rope_theta");
      for (const std::string &message : nested.problems)
        problems.push_back("rope_parameters: " + message);
    } else {
      config.ropeTheta = getPositiveNumber("rope_theta");
    }
    if (const json::Value *scaling = get("rope_scaling", /*required=*/false)) {
      std::optional<StringRef> type = getRopeType("rope_scaling", *scaling);
      if (type && *type != "default")
        problem("unsupported rope_scaling in " + path + ": rope_type '" +
                *type + "' (mlc implements plain RoPE)");
    }
  }

  /// Variants of the architecture mlc does not implement.
  void rejectUnsupportedVariants() {
    if (std::optional<StringRef> act = getString("hidden_act");
        act && *act != "silu")
      problem("unsupported hidden_act '" + *act + "' in " + path +
              ": Qwen3 uses silu");
    if (getBool("attention_bias").value_or(false))
      problem("unsupported attention_bias in " + path +
              ": mlc implements Qwen3 without attention biases");
    if (getBool("use_sliding_window").value_or(false))
      problem("unsupported use_sliding_window in " + path +
              ": mlc implements full attention only");
    if (const json::Value *layerTypes =
            get("layer_types", /*required=*/false)) {
      const json::Array *types = layerTypes->getAsArray();
      if (!types) {
        badValue("layer_types", "a list", *layerTypes);
      } else {
        for (const json::Value &type : *types)
          if (type.getAsString() != StringRef("full_attention")) {
            problem("unsupported layer_types entry " + formatJson(type) +
                    " in " + path + ": mlc implements full attention only");
            break;
          }
      }
    }
  }

  /// tie_word_embeddings, the special token ids and the dtype.
  void readTokensAndDtype(Config &config) {
    config.tieWordEmbeddings = getBool("tie_word_embeddings").value_or(false);
    if (const json::Value *bos = get("bos_token_id", /*required=*/false))
      config.bosTokenId =
          getTokenId("bos_token_id", *bos, config.vocabSize).value_or(-1);
    if (const json::Value *eos = get("eos_token_id", /*required=*/false)) {
      if (const json::Array *ids = eos->getAsArray()) {
        for (const json::Value &id : *ids)
          if (std::optional<int64_t> value =
                  getTokenId("eos_token_id", id, config.vocabSize))
            config.eosTokenIds.push_back(*value);
      } else if (std::optional<int64_t> value =
                     getTokenId("eos_token_id", *eos, config.vocabSize)) {
        config.eosTokenIds.push_back(*value);
      }
    }
    // transformers >= 4.56 writes "dtype" instead of "torch_dtype".
    for (StringRef key : {"torch_dtype", "dtype"})
      if (std::optional<StringRef> dtype = getString(key)) {
        config.torchDtype = dtype->str();
        break;
      }
  }

  StringRef path;
  const json::Object &object;
  std::vector<std::string> problems;
};

} // namespace

Expected<Config> mlc::qwen3::loadConfig(StringRef path) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buffer =
      llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                  /*RequiresNullTerminator=*/false);
  if (!buffer)
    return makeError("cannot read " + path + ": " +
                     buffer.getError().message());
  Expected<json::Value> root = json::parse((*buffer)->getBuffer());
  if (!root)
    return makeError(path +
                     " is not valid JSON: " + llvm::toString(root.takeError()));
  const json::Object *object = root->getAsObject();
  if (!object)
    return makeError(path + ": expected a JSON object");

  ConfigReader reader(path, *object);
  // model_type first: the other checks only make sense for Qwen3.
  std::optional<StringRef> modelType = reader.getString("model_type");
  if (!modelType && reader.problems.empty())
    reader.problem("missing key 'model_type' in " + path);
  else if (modelType && *modelType != "qwen3")
    reader.problem("unknown model_type '" + *modelType + "' in " + path +
                   ": mlc compiles qwen3 checkpoints");
  if (!reader.problems.empty())
    return joinProblems(reader.problems);

  Config config;
  config.vocabSize = reader.getSize("vocab_size", kMaxDim);
  config.hiddenSize = reader.getSize("hidden_size", kMaxDim);
  config.intermediateSize = reader.getSize("intermediate_size", kMaxDim);
  config.numLayers = reader.getSize("num_hidden_layers", kMaxCount);
  config.numHeads = reader.getSize("num_attention_heads", kMaxCount);
  config.numKvHeads = reader.getSize("num_key_value_heads", kMaxCount);
  config.maxPositionEmbeddings =
      reader.getSize("max_position_embeddings", kMaxDim);
  config.rmsNormEps = reader.getPositiveNumber("rms_norm_eps");

  // transformers (Qwen3Attention) takes hidden_size // num_attention_heads
  // when head_dim is absent.
  if (reader.get("head_dim", /*required=*/false)) {
    config.headDim = reader.getSize("head_dim", kMaxDim);
  } else if (config.hiddenSize > 0 && config.numHeads > 0) {
    config.headDim = config.hiddenSize / config.numHeads;
    if (config.headDim == 0)
      reader.problem("no head_dim in " + path + ", and hidden_size (" +
                     Twine(config.hiddenSize) +
                     ") is smaller than num_attention_heads (" +
                     Twine(config.numHeads) + ")");
  }
  if (config.numHeads > 0 && config.numKvHeads > 0 &&
      config.numHeads % config.numKvHeads != 0)
    reader.problem("num_attention_heads (" + Twine(config.numHeads) + ") in " +
                   path + " is not a multiple of num_key_value_heads (" +
                   Twine(config.numKvHeads) + ")");
  if (config.numHeads * config.headDim > kMaxDim)
    reader.problem("num_attention_heads * head_dim (" +
                   Twine(config.numHeads * config.headDim) + ") in " + path +
                   " is unreasonably large (the limit is " + Twine(kMaxDim) +
                   ")");

  reader.readRope(config);
  reader.rejectUnsupportedVariants();
  reader.readTokensAndDtype(config);
  if (!reader.problems.empty())
    return joinProblems(reader.problems);
  return config;
}
