//===- Checkpoint.cpp - Hugging Face Qwen3 checkpoints --------------------===//
//
// config.json validation, the safetensors reader (header checks, memory
// mapping), sharded checkpoints through model.safetensors.index.json, the
// Qwen3 tensor list and f16/bf16 -> f32 conversion.
//
// Safetensors layout: an 8-byte little-endian header length N, N bytes of
// JSON mapping each tensor name to {"dtype", "shape", "data_offsets": [begin,
// end]} (offsets relative to the data section that follows the header), and
// an optional "__metadata__" object of strings.
//
//===----------------------------------------------------------------------===//

#include "mlc/Models/Qwen3/Checkpoint.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/bit.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"
#include <cmath>
#include <optional>
#include <tuple>

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
/// Real headers are a few hundred KB; a larger one is a corrupt length.
constexpr uint64_t kMaxHeaderBytes = 100'000'000;

Error makeError(const Twine &message) {
  return llvm::createStringError(message);
}

/// Joins problems into one error, one per line, under `title` when given.
Error joinProblems(const std::vector<std::string> &problems,
                   StringRef title = "") {
  if (problems.empty())
    return Error::success();
  std::string text = title.str();
  for (const std::string &problem : problems) {
    if (!text.empty())
      text += title.empty() ? "\n" : "\n  ";
    text += problem;
  }
  return makeError(text);
}

std::string formatShape(llvm::ArrayRef<int64_t> shape) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << '[';
  llvm::interleaveComma(shape, os);
  os << ']';
  return text;
}

/// A JSON value for an error message, cut short when long.
std::string formatJson(const json::Value &value) {
  std::string text;
  llvm::raw_string_ostream(text) << value;
  if (text.size() > 40)
    text = text.substr(0, 37) + "...";
  return text;
}

std::optional<int64_t> getNonNegativeInteger(const json::Value &value) {
  std::optional<int64_t> result = value.getAsInteger();
  if (!result || *result < 0)
    return std::nullopt;
  return result;
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

//===----------------------------------------------------------------------===//
// Names and shapes
//===----------------------------------------------------------------------===//

std::string mlc::qwen3::layerTensor(int64_t layer, StringRef suffix) {
  return ("model.layers." + Twine(layer) + "." + suffix).str();
}

StringRef mlc::qwen3::lmHeadTensor(const Config &config) {
  return config.tieWordEmbeddings ? kEmbedTokensTensor : kLmHeadTensor;
}

std::vector<TensorSpec> mlc::qwen3::expectedTensors(const Config &config) {
  int64_t hidden = config.hiddenSize, ffn = config.intermediateSize;
  int64_t qDim = config.numHeads * config.headDim;
  int64_t kvDim = config.numKvHeads * config.headDim;
  std::vector<TensorSpec> specs;
  specs.push_back({kEmbedTokensTensor.str(), {config.vocabSize, hidden}});
  for (int64_t i = 0; i < config.numLayers; ++i) {
    auto add = [&](StringRef suffix, std::vector<int64_t> shape) {
      specs.push_back({layerTensor(i, suffix), std::move(shape)});
    };
    add("input_layernorm.weight", {hidden});
    add("self_attn.q_proj.weight", {qDim, hidden});
    add("self_attn.k_proj.weight", {kvDim, hidden});
    add("self_attn.v_proj.weight", {kvDim, hidden});
    add("self_attn.o_proj.weight", {hidden, qDim});
    add("self_attn.q_norm.weight", {config.headDim});
    add("self_attn.k_norm.weight", {config.headDim});
    add("post_attention_layernorm.weight", {hidden});
    add("mlp.gate_proj.weight", {ffn, hidden});
    add("mlp.up_proj.weight", {ffn, hidden});
    add("mlp.down_proj.weight", {hidden, ffn});
  }
  specs.push_back({kFinalNormTensor.str(), {hidden}});
  if (!config.tieWordEmbeddings)
    specs.push_back({kLmHeadTensor.str(), {config.vocabSize, hidden}});
  return specs;
}

//===----------------------------------------------------------------------===//
// Data types
//===----------------------------------------------------------------------===//

StringRef mlc::qwen3::dtypeName(DType dtype) {
  switch (dtype) {
  case DType::F32:
    return "F32";
  case DType::F16:
    return "F16";
  case DType::BF16:
    return "BF16";
  }
  llvm_unreachable("unknown DType");
}

size_t mlc::qwen3::dtypeSize(DType dtype) {
  return dtype == DType::F32 ? 4 : 2;
}

int64_t TensorInfo::numElements() const {
  int64_t count = 1;
  for (int64_t dim : shape)
    count *= dim;
  return count;
}

namespace {

/// The safetensors dtypes of whole bytes. mlc reads the float ones it names
/// a DType for; tensors of the others are checked, then skipped. (The
/// sub-byte F4/F6 types are rejected as unsupported.)
struct DTypeDesc {
  llvm::StringLiteral name;
  int64_t size;
  std::optional<DType> dtype;
};
constexpr DTypeDesc kDTypes[] = {
    {"F32", 4, DType::F32},       {"F16", 2, DType::F16},
    {"BF16", 2, DType::BF16},     {"F64", 8, std::nullopt},
    {"I64", 8, std::nullopt},     {"U64", 8, std::nullopt},
    {"I32", 4, std::nullopt},     {"U32", 4, std::nullopt},
    {"I16", 2, std::nullopt},     {"U16", 2, std::nullopt},
    {"I8", 1, std::nullopt},      {"U8", 1, std::nullopt},
    {"BOOL", 1, std::nullopt},    {"F8_E4M3", 1, std::nullopt},
    {"F8_E5M2", 1, std::nullopt}, {"F8_E8M0", 1, std::nullopt},
    {"C64", 8, std::nullopt},
};

const DTypeDesc *lookupDType(StringRef name) {
  for (const DTypeDesc &desc : kDTypes)
    if (desc.name == name)
      return &desc;
  return nullptr;
}

/// Exact: every f16 value (subnormals included) is a normal f32; NaN
/// payloads are kept.
float f16ToF32(uint16_t bits) {
  uint32_t sign = uint32_t(bits & 0x8000) << 16;
  uint32_t exponent = (bits >> 10) & 0x1f;
  uint32_t mantissa = bits & 0x3ff;
  if (exponent == 0) {
    // Zero or subnormal: mantissa * 2^-24, exact in f32.
    float magnitude = static_cast<float>(mantissa) * 0x1p-24f;
    return sign ? -magnitude : magnitude;
  }
  if (exponent == 0x1f) // Infinity or NaN.
    return llvm::bit_cast<float>(sign | 0x7f800000u | (mantissa << 13));
  return llvm::bit_cast<float>(sign | ((exponent + 127 - 15) << 23) |
                               (mantissa << 13));
}

/// bf16 is the upper half of an f32.
float bf16ToF32(uint16_t bits) {
  return llvm::bit_cast<float>(uint32_t(bits) << 16);
}

/// The keys of the top-level object of `text` (JSON already known to parse),
/// as written, escapes not decoded. llvm::json keeps the last of duplicate
/// keys; this finds them.
std::vector<StringRef> scanTopLevelKeys(StringRef text) {
  std::vector<StringRef> keys;
  size_t i = text.find('{');
  if (i == StringRef::npos)
    return keys;
  int depth = 0;
  bool expectKey = true;
  for (++i; i < text.size(); ++i) {
    char c = text[i];
    if (c == '"') {
      size_t start = ++i;
      while (i < text.size() && text[i] != '"')
        i += text[i] == '\\' ? 2 : 1;
      if (depth == 0 && expectKey) {
        keys.push_back(text.slice(start, i));
        expectKey = false;
      }
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (depth-- == 0)
        break;
    } else if (c == ',' && depth == 0) {
      expectKey = true;
    }
  }
  return keys;
}

/// A tensor of a file being read, before it joins the checkpoint.
struct ParsedTensor {
  std::string name;
  const DTypeDesc *dtype;
  std::vector<int64_t> shape;
  uint64_t begin, end;
};

/// Checks the entry `name` of a safetensors header; adds a problem and
/// returns std::nullopt when it is malformed.
std::optional<ParsedTensor>
parseTensorEntry(StringRef path, StringRef name, const json::Value &value,
                 uint64_t dataSize, std::vector<std::string> &problems) {
  std::string where = ("tensor " + name + " in " + path + ": ").str();
  auto fail = [&](const Twine &message) {
    problems.push_back(where + message.str());
    return std::nullopt;
  };
  const json::Object *entry = value.getAsObject();
  if (!entry)
    return fail("expected an object with dtype, shape and data_offsets, "
                "found " +
                formatJson(value));

  ParsedTensor tensor;
  tensor.name = name.str();
  const json::Value *dtype = entry->get("dtype");
  if (!dtype)
    return fail("missing 'dtype'");
  std::optional<StringRef> dtypeName = dtype->getAsString();
  if (!dtypeName)
    return fail("'dtype' is not a string: " + formatJson(*dtype));
  tensor.dtype = lookupDType(*dtypeName);
  if (!tensor.dtype)
    return fail("unsupported dtype '" + *dtypeName +
                "' (mlc reads F32, F16 and BF16)");

  const json::Value *shape = entry->get("shape");
  if (!shape)
    return fail("missing 'shape'");
  const json::Array *dims = shape->getAsArray();
  if (!dims)
    return fail("'shape' is not a list: " + formatJson(*shape));
  int64_t elements = 1;
  bool overflow = false;
  for (const json::Value &dim : *dims) {
    std::optional<int64_t> size = getNonNegativeInteger(dim);
    if (!size)
      return fail("'shape' " + formatJson(*shape) +
                  " has a negative or non-integer dimension");
    tensor.shape.push_back(*size);
    overflow |= llvm::MulOverflow(elements, *size, elements);
  }
  int64_t bytes = 0;
  overflow |= llvm::MulOverflow(elements, tensor.dtype->size, bytes);
  if (overflow)
    return fail("shape " + formatShape(tensor.shape) +
                " has too many elements");

  const json::Value *offsetsValue = entry->get("data_offsets");
  if (!offsetsValue)
    return fail("missing 'data_offsets'");
  const json::Array *offsets = offsetsValue->getAsArray();
  std::optional<int64_t> begin, end;
  if (offsets && offsets->size() == 2) {
    begin = getNonNegativeInteger((*offsets)[0]);
    end = getNonNegativeInteger((*offsets)[1]);
  }
  if (!begin || !end)
    return fail("'data_offsets' must be [begin, end] with non-negative "
                "integers, found " +
                formatJson(*offsetsValue));
  std::string range = formatShape({*begin, *end});
  if (*begin > *end)
    return fail("data_offsets " + range + " begin after they end");
  if (uint64_t(*end) > dataSize)
    return fail("data_offsets " + range + " end beyond the data section (" +
                Twine(dataSize) + " bytes)");
  if (*end - *begin != bytes)
    return fail("data_offsets " + range + " hold " + Twine(*end - *begin) +
                " bytes, but shape " + formatShape(tensor.shape) + " of " +
                tensor.dtype->name + " needs " + Twine(bytes));
  tensor.begin = *begin;
  tensor.end = *end;
  return tensor;
}

} // namespace

//===----------------------------------------------------------------------===//
// Checkpoint
//===----------------------------------------------------------------------===//

Error Checkpoint::addFile(StringRef path) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> bufferOr =
      llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                  /*RequiresNullTerminator=*/false,
                                  /*IsVolatile=*/false);
  if (!bufferOr)
    return makeError("cannot read " + path + ": " +
                     bufferOr.getError().message());
  std::unique_ptr<llvm::MemoryBuffer> buffer = std::move(*bufferOr);
  StringRef contents = buffer->getBuffer();

  if (contents.size() < 8)
    return makeError(path + ": the file is " + Twine(contents.size()) +
                     " bytes, too short for a safetensors header");
  uint64_t headerSize = llvm::support::endian::read64le(contents.data());
  if (headerSize > contents.size() - 8)
    return makeError(path + ": header length " + Twine(headerSize) +
                     " exceeds the file size (" + Twine(contents.size()) +
                     " bytes)");
  if (headerSize > kMaxHeaderBytes)
    return makeError(path + ": header length " + Twine(headerSize) +
                     " is over the 100 MB limit");
  StringRef header = contents.substr(8, headerSize);
  const char *data = header.end();
  uint64_t dataSize = contents.size() - 8 - headerSize;

  Expected<json::Value> root = json::parse(header);
  if (!root)
    return makeError(path + ": the header is not valid JSON: " +
                     llvm::toString(root.takeError()));
  const json::Object *object = root->getAsObject();
  if (!object)
    return makeError(path + ": the header is not a JSON object");

  std::vector<std::string> problems;
  llvm::StringSet<> seen;
  for (StringRef key : scanTopLevelKeys(header))
    if (!seen.insert(key).second)
      problems.push_back(
          ("tensor " + key + " in " + path + ": listed twice in the header")
              .str());
  if (problems.empty() && seen.size() != object->size())
    problems.push_back((path + ": the header lists a tensor name twice").str());

  // Sorted, so that problems come in a stable order.
  std::vector<StringRef> names;
  for (const auto &entry : *object)
    names.push_back(entry.first);
  llvm::sort(names);
  std::vector<ParsedTensor> parsed;
  for (StringRef name : names) {
    const json::Value &value = *object->get(name);
    if (name == "__metadata__") {
      if (!value.getAsObject())
        problems.push_back((path + ": __metadata__ is not an object").str());
      continue;
    }
    if (std::optional<ParsedTensor> tensor =
            parseTensorEntry(path, name, value, dataSize, problems))
      parsed.push_back(std::move(*tensor));
  }

  // No two tensors may share a byte (empty tensors share none).
  std::vector<const ParsedTensor *> byOffset;
  for (const ParsedTensor &tensor : parsed)
    if (tensor.begin != tensor.end)
      byOffset.push_back(&tensor);
  llvm::sort(byOffset, [](const ParsedTensor *a, const ParsedTensor *b) {
    return std::tie(a->begin, a->end, a->name) <
           std::tie(b->begin, b->end, b->name);
  });
  const ParsedTensor *last = nullptr; // The one reaching furthest so far.
  for (const ParsedTensor *tensor : byOffset) {
    if (last && tensor->begin < last->end)
      problems.push_back(
          ("tensors " + last->name + " and " + tensor->name + " in " + path +
           " overlap (bytes " +
           formatShape({int64_t(last->begin), int64_t(last->end)}) + " and " +
           formatShape({int64_t(tensor->begin), int64_t(tensor->end)}) + ")")
              .str());
    if (!last || tensor->end > last->end)
      last = tensor;
  }
  if (Error error = joinProblems(problems))
    return error;

  for (ParsedTensor &tensor : parsed) {
    std::string otherFile;
    if (auto it = tensorIndex.find(tensor.name); it != tensorIndex.end())
      otherFile = tensorList[it->second].file;
    else if (auto it = skipped.find(tensor.name); it != skipped.end())
      otherFile = it->second.file;
    if (!otherFile.empty())
      return makeError("tensor " + tensor.name + " is in both " + otherFile +
                       " and " + path);
    if (!tensor.dtype->dtype) {
      skipped[tensor.name] = {tensor.dtype->name.str(), path.str()};
      continue;
    }
    tensorIndex[tensor.name] = tensorList.size();
    tensorList.push_back(
        {std::move(tensor.name), *tensor.dtype->dtype, std::move(tensor.shape),
         path.str(), data + tensor.begin, size_t(tensor.end - tensor.begin)});
  }
  buffers.push_back(std::move(buffer));
  return Error::success();
}

/// Opens the shards `indexPath` names and checks that each holds the
/// tensors the index says it does.
static Error
addShards(StringRef dir, StringRef indexPath,
          llvm::function_ref<Error(StringRef)> addFile,
          llvm::function_ref<std::optional<std::string>(StringRef)> fileOf) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buffer =
      llvm::MemoryBuffer::getFile(indexPath, /*IsText=*/false,
                                  /*RequiresNullTerminator=*/false);
  if (!buffer)
    return makeError("cannot read " + indexPath + ": " +
                     buffer.getError().message());
  Expected<json::Value> root = json::parse((*buffer)->getBuffer());
  if (!root)
    return makeError(indexPath +
                     " is not valid JSON: " + llvm::toString(root.takeError()));
  const json::Object *object = root->getAsObject();
  if (!object)
    return makeError(indexPath + ": expected a JSON object");
  const json::Value *weightMapValue = object->get("weight_map");
  if (!weightMapValue)
    return makeError("missing key 'weight_map' in " + indexPath);
  const json::Object *weightMap = weightMapValue->getAsObject();
  if (!weightMap)
    return makeError("key 'weight_map' in " + indexPath +
                     ": expected an object, found " +
                     formatJson(*weightMapValue));
  if (weightMap->empty())
    return makeError("key 'weight_map' in " + indexPath + " lists no tensors");

  // Tensor -> shard, sorted by tensor name for a stable order of problems.
  std::vector<std::pair<StringRef, StringRef>> entries;
  std::vector<std::string> problems;
  for (const auto &[name, value] : *weightMap) {
    std::optional<StringRef> shard = value.getAsString();
    if (!shard)
      problems.push_back(("tensor " + StringRef(name) + " in " + indexPath +
                          ": the shard is not a string: " + formatJson(value))
                             .str());
    // Shards live in the checkpoint folder; a path could reach elsewhere.
    else if (shard->empty() || *shard == "." || *shard == ".." ||
             shard->find_first_of("/\\") != StringRef::npos)
      problems.push_back(("tensor " + StringRef(name) + " in " + indexPath +
                          ": shard '" + *shard +
                          "' is not a file name in the checkpoint folder")
                             .str());
    else
      entries.emplace_back(name, *shard);
  }
  llvm::sort(entries);
  if (Error error = joinProblems(problems))
    return error;

  llvm::StringMap<std::string> shardPaths; // shard -> its path
  for (const auto &[name, shard] : entries) {
    if (shardPaths.count(shard))
      continue;
    llvm::SmallString<256> path(dir);
    llvm::sys::path::append(path, shard);
    shardPaths[shard] = path.str().str();
    if (!llvm::sys::fs::exists(path))
      return makeError("shard " + shard + " listed in " + indexPath +
                       " (for tensor " + name + ") does not exist in " + dir);
    if (Error error = addFile(path))
      return error;
  }
  for (const auto &[name, shard] : entries) {
    const std::string &path = shardPaths[shard];
    std::optional<std::string> file = fileOf(name);
    if (!file)
      problems.push_back(
          ("tensor " + name + " listed in " + indexPath + " is not in " + path)
              .str());
    else if (*file != path)
      problems.push_back(("tensor " + name + " listed in " + indexPath +
                          " for " + path + " is in " + *file)
                             .str());
  }
  return joinProblems(problems);
}

Expected<std::unique_ptr<Checkpoint>> Checkpoint::open(StringRef dir) {
  if (!llvm::sys::fs::is_directory(dir))
    return makeError("checkpoint " + dir + " is not a directory");
  std::unique_ptr<Checkpoint> checkpoint(new Checkpoint());
  checkpoint->dir = dir.str();

  llvm::SmallString<256> configPath(dir);
  llvm::sys::path::append(configPath, "config.json");
  Expected<Config> config = loadConfig(configPath);
  if (!config)
    return config.takeError();
  checkpoint->cfg = std::move(*config);

  llvm::SmallString<256> single(dir), index(dir);
  llvm::sys::path::append(single, "model.safetensors");
  llvm::sys::path::append(index, "model.safetensors.index.json");
  if (llvm::sys::fs::exists(single)) {
    if (Error error = checkpoint->addFile(single))
      return std::move(error);
  } else if (llvm::sys::fs::exists(index)) {
    Checkpoint &self = *checkpoint;
    auto fileOf = [&](StringRef name) -> std::optional<std::string> {
      if (const TensorInfo *tensor = self.find(name))
        return tensor->file;
      if (auto it = self.skipped.find(name); it != self.skipped.end())
        return it->second.file;
      return std::nullopt;
    };
    if (Error error = addShards(
            dir, index, [&](StringRef path) { return self.addFile(path); },
            fileOf))
      return std::move(error);
  } else {
    return makeError("checkpoint " + dir +
                     " has neither model.safetensors nor "
                     "model.safetensors.index.json");
  }

  // Sorted by name for tensors(); the index follows.
  llvm::sort(
      checkpoint->tensorList,
      [](const TensorInfo &a, const TensorInfo &b) { return a.name < b.name; });
  for (auto [i, tensor] : llvm::enumerate(checkpoint->tensorList))
    checkpoint->tensorIndex[tensor.name] = i;
  return checkpoint;
}

const TensorInfo *Checkpoint::find(StringRef name) const {
  auto it = tensorIndex.find(name);
  return it == tensorIndex.end() ? nullptr : &tensorList[it->second];
}

std::string Checkpoint::describeAbsent(StringRef name) const {
  if (auto it = skipped.find(name); it != skipped.end())
    return ("tensor " + name + " in " + it->second.file +
            ": unsupported dtype " + it->second.dtype +
            " (mlc reads F32, F16 and BF16)")
        .str();
  return ("missing tensor " + name).str();
}

/// "tensor X in FILE: expected shape [a, b], found [c, d]", or "" when the
/// shapes agree.
static std::string checkShape(const TensorInfo &tensor,
                              llvm::ArrayRef<int64_t> expected) {
  if (llvm::ArrayRef<int64_t>(tensor.shape) == expected)
    return "";
  return "tensor " + tensor.name + " in " + tensor.file + ": expected shape " +
         formatShape(expected) + ", found " + formatShape(tensor.shape);
}

Error Checkpoint::verify() const {
  std::vector<TensorSpec> specs = expectedTensors(cfg);
  // transformers ties lm_head to the embedding, but still checks the shape
  // of an lm_head.weight the file holds.
  if (cfg.tieWordEmbeddings && find(kLmHeadTensor))
    specs.push_back({kLmHeadTensor.str(), {cfg.vocabSize, cfg.hiddenSize}});
  std::vector<std::string> problems;
  for (const TensorSpec &spec : specs) {
    const TensorInfo *tensor = find(spec.name);
    std::string problem =
        tensor ? checkShape(*tensor, spec.shape) : describeAbsent(spec.name);
    if (!problem.empty())
      problems.push_back(std::move(problem));
  }
  return joinProblems(problems,
                      "checkpoint " + dir + " does not match its config.json:");
}

Error Checkpoint::readF32(StringRef name, llvm::ArrayRef<int64_t> expectedShape,
                          llvm::MutableArrayRef<float> out) const {
  const TensorInfo *tensor = find(name);
  if (!tensor)
    return makeError(describeAbsent(name));
  std::string problem = checkShape(*tensor, expectedShape);
  if (!problem.empty())
    return makeError(problem);
  int64_t count = tensor->numElements();
  if (int64_t(out.size()) != count)
    return makeError("tensor " + name + " in " + tensor->file + " has " +
                     Twine(count) + " elements, but the output holds " +
                     Twine(out.size()));

  const char *data = tensor->data;
  switch (tensor->dtype) {
  case DType::F32:
    for (int64_t i = 0; i < count; ++i)
      out[i] =
          llvm::bit_cast<float>(llvm::support::endian::read32le(data + 4 * i));
    break;
  case DType::F16:
    for (int64_t i = 0; i < count; ++i)
      out[i] = f16ToF32(llvm::support::endian::read16le(data + 2 * i));
    break;
  case DType::BF16:
    for (int64_t i = 0; i < count; ++i)
      out[i] = bf16ToF32(llvm::support::endian::read16le(data + 2 * i));
    break;
  }
  return Error::success();
}
