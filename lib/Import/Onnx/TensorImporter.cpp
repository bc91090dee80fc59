//===- TensorImporter.cpp - ONNX tensors and types as mlc values ----------===//
//
// Element types, value types and tensors of ONNX models (see
// TensorImporter.h). Tensor data is little endian in every ONNX storage, as
// on the hosts mlc runs on.
//
//===----------------------------------------------------------------------===//

#include "TensorImporter.h"
#include "mlc/Dialect/Mlc/IR/MlcOps.h"
#include "onnx/onnx_pb.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include <cstring>

using namespace mlir;
using namespace mlc;
using namespace mlc::onnx_import;
using llvm::Expected;
using llvm::Twine;

static llvm::Error makeError(const Twine &message) {
  return llvm::createStringError(message);
}

Type mlc::onnx_import::convertDataType(MLIRContext *context, int32_t dataType) {
  Builder b(context);
  auto unsignedInt = [&](unsigned width) {
    return IntegerType::get(context, width, IntegerType::Unsigned);
  };
  switch (dataType) {
  case onnx::TensorProto::FLOAT:
    return b.getF32Type();
  case onnx::TensorProto::DOUBLE:
    return b.getF64Type();
  case onnx::TensorProto::FLOAT16:
    return b.getF16Type();
  case onnx::TensorProto::BFLOAT16:
    return b.getBF16Type();
  case onnx::TensorProto::INT8:
    return b.getI8Type();
  case onnx::TensorProto::INT16:
    return b.getI16Type();
  case onnx::TensorProto::INT32:
    return b.getI32Type();
  case onnx::TensorProto::INT64:
    return b.getI64Type();
  case onnx::TensorProto::UINT8:
    return unsignedInt(8);
  case onnx::TensorProto::UINT16:
    return unsignedInt(16);
  case onnx::TensorProto::UINT32:
    return unsignedInt(32);
  case onnx::TensorProto::UINT64:
    return unsignedInt(64);
  case onnx::TensorProto::BOOL:
    return b.getI1Type();
  default:
    return {};
  }
}

std::string mlc::onnx_import::getDataTypeName(int32_t dataType) {
  if (onnx::TensorProto::DataType_IsValid(dataType))
    return onnx::TensorProto::DataType_Name(
        static_cast<onnx::TensorProto::DataType>(dataType));
  return ("data type " + Twine(dataType)).str();
}

int32_t mlc::onnx_import::parseDataTypeName(StringRef name) {
  onnx::TensorProto::DataType dataType;
  if (!onnx::TensorProto::DataType_Parse(name.upper(), &dataType))
    return onnx::TensorProto::UNDEFINED;
  return dataType;
}

std::optional<int64_t>
mlc::onnx_import::getCheckedElementCount(ArrayRef<int64_t> shape) {
  int64_t count = 1;
  for (int64_t d : shape) {
    if (ShapedType::isDynamic(d))
      continue;
    if (d < 0)
      return std::nullopt;
    if (d == 0)
      return 0;
  }
  for (int64_t d : shape) {
    if (ShapedType::isDynamic(d))
      continue;
    if (d > kMaxTensorElements / count)
      return std::nullopt;
    count *= d;
  }
  return count;
}

static std::string formatDims(ArrayRef<int64_t> dims) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << '[';
  llvm::interleaveComma(dims, os, [&](int64_t d) {
    if (ShapedType::isDynamic(d))
      os << '?';
    else
      os << d;
  });
  os << ']';
  return s;
}

/// Checks dims read from a model; `what` names the tensor.
static llvm::Error checkDims(ArrayRef<int64_t> dims, const Twine &what) {
  for (int64_t d : dims)
    if (!ShapedType::isDynamic(d) && d < 0)
      return makeError(what + " has a negative dimension in " +
                       formatDims(dims));
  if (!getCheckedElementCount(dims))
    return makeError(what + " has dimensions " + formatDims(dims) +
                     " with more than 2^38 elements");
  return llvm::Error::success();
}

Expected<RankedTensorType> mlc::onnx_import::convertValueInfoType(
    MLIRContext *context, const onnx::ValueInfoProto &info, const Twine &what) {
  if (!info.has_type())
    return makeError(what + " has no type");
  if (!info.type().has_tensor_type())
    return llvm::make_error<UnsupportedOnnxFeatureError>(
        (what + " is not a tensor (sequences, maps and optional values are "
                "not supported)")
            .str());
  const onnx::TypeProto::Tensor &tensorType = info.type().tensor_type();
  Type elementType = convertDataType(context, tensorType.elem_type());
  if (!elementType)
    return llvm::make_error<UnsupportedOnnxFeatureError>(
        (what + " has element type " +
         getDataTypeName(tensorType.elem_type()) +
         ", which mlc does not support")
            .str());
  if (!tensorType.has_shape())
    return makeError(what + " has no shape; mlc needs at least its rank");
  SmallVector<int64_t> dims;
  for (const onnx::TensorShapeProto::Dimension &d : tensorType.shape().dim())
    dims.push_back(d.has_dim_value() ? d.dim_value() : ShapedType::kDynamic);
  if (llvm::Error e = checkDims(dims, what))
    return std::move(e);
  return RankedTensorType::get(dims, elementType);
}

TensorImporter::TensorImporter(ModuleOp module, StringRef modelPath,
                               StringRef modelBytes,
                               const OnnxImportOptions &options)
    : module(module), modelPath(modelPath.str()), modelBytes(modelBytes),
      options(options) {
  modelDir = llvm::sys::path::parent_path(modelPath).str();
  modelFileName = llvm::sys::path::filename(modelPath).str();
}

Expected<RankedTensorType>
TensorImporter::getTensorType(const onnx::TensorProto &tensor,
                              const Twine &what) {
  Type elementType = convertDataType(module.getContext(), tensor.data_type());
  if (!elementType)
    return llvm::make_error<UnsupportedOnnxFeatureError>(
        (what + " has element type " + getDataTypeName(tensor.data_type()) +
         ", which mlc does not support")
            .str());
  if (tensor.has_segment())
    return makeError(what + " is segmented, which is not supported");
  SmallVector<int64_t> dims(tensor.dims().begin(), tensor.dims().end());
  if (llvm::Error e = checkDims(dims, what))
    return std::move(e);
  return RankedTensorType::get(dims, elementType);
}

namespace {
/// Where the data of a tensor stored outside the model lies.
struct ExternalLocation {
  std::string relativePath, path;
  uint64_t offset = 0;
};
} // namespace

/// Resolves and checks the external data of `tensor`, which needs `bytes`
/// bytes.
static Expected<ExternalLocation>
locateExternalData(const onnx::TensorProto &tensor, StringRef modelDir,
                   uint64_t bytes, const Twine &what) {
  ExternalLocation location;
  std::optional<uint64_t> length;
  bool hasLocation = false;
  for (const onnx::StringStringEntryProto &entry : tensor.external_data()) {
    StringRef key = entry.key(), value = entry.value();
    if (key == "location") {
      location.relativePath = value.str();
      hasLocation = true;
    } else if (key == "offset" || key == "length") {
      uint64_t v;
      if (value.getAsInteger(10, v))
        return makeError(what + " has an invalid external data " + key + " '" +
                         value + "'");
      if (key == "offset")
        location.offset = v;
      else
        length = v;
    }
  }
  if (!hasLocation || location.relativePath.empty())
    return makeError(what + " is stored externally but has no location");
  StringRef rel = location.relativePath;
  if (llvm::sys::path::is_absolute(rel) ||
      llvm::is_contained(llvm::make_range(llvm::sys::path::begin(rel),
                                          llvm::sys::path::end(rel)),
                         ".."))
    return makeError(what + " has external data location '" + rel +
                     "', which is not a relative path inside the model's "
                     "directory");
  SmallString<256> normalized(rel);
  llvm::sys::path::remove_dots(normalized, /*remove_dot_dot=*/false);
  location.relativePath = normalized.str().str();
  SmallString<256> path(modelDir);
  llvm::sys::path::append(path, location.relativePath);
  location.path = path.str().str();
  if (length && *length != bytes)
    return makeError(what + " has external data length " + Twine(*length) +
                     ", its type needs " + Twine(bytes) + " bytes");
  llvm::sys::fs::file_status status;
  if (llvm::sys::fs::status(location.path, status) ||
      !llvm::sys::fs::exists(status))
    return makeError(what + ": external data file '" + location.path +
                     "' does not exist");
  if (status.type() != llvm::sys::fs::file_type::regular_file)
    return makeError(what + ": external data file '" + location.path +
                     "' is not a regular file");
  uint64_t size = status.getSize();
  if (location.offset > size || bytes > size - location.offset)
    return makeError(what + " needs bytes [" + Twine(location.offset) + ", " +
                     Twine(location.offset + bytes) +
                     ") of external data file '" + location.path +
                     "', which has " + Twine(size) + " bytes");
  return location;
}

/// Appends the little-endian bytes of `values`, narrowed to `width` bytes.
template <typename T>
static void appendNarrowed(std::vector<char> &out, const T &values,
                           unsigned width) {
  for (auto v : values) {
    uint64_t bits = static_cast<uint64_t>(v);
    for (unsigned i = 0; i < width; ++i)
      out.push_back(static_cast<char>((bits >> (8 * i)) & 0xff));
  }
}

Expected<std::vector<char>>
TensorImporter::readBytes(const onnx::TensorProto &tensor,
                          RankedTensorType type, const Twine &what) {
  int64_t count = type.getNumElements();
  uint64_t bytes = *getStorageSize(type);
  std::vector<char> data;
  if (tensor.data_location() == onnx::TensorProto::EXTERNAL) {
    Expected<ExternalLocation> location =
        locateExternalData(tensor, modelDir, bytes, what);
    if (!location)
      return location.takeError();
    if (bytes == 0)
      return data;
    llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buffer =
        llvm::MemoryBuffer::getFileSlice(location->path, bytes,
                                         location->offset);
    if (!buffer)
      return makeError(what + ": cannot read external data file '" +
                       location->path + "': " + buffer.getError().message());
    StringRef content = (*buffer)->getBuffer();
    data.assign(content.begin(), content.end());
    return data;
  }
  if (tensor.has_raw_data()) {
    const std::string &raw = tensor.raw_data();
    if (raw.size() != bytes)
      return makeError(
          what + " has " + Twine(raw.size()) + " bytes of raw_data, its type " +
          llvm::formatv("{0}", type).str() + " needs " + Twine(bytes));
    data.assign(raw.begin(), raw.end());
    return data;
  }
  // Typed fields: which one holds the values depends on the data type.
  int32_t dataType = tensor.data_type();
  int64_t stored = 0;
  unsigned width = bytes == 0 ? 0 : static_cast<unsigned>(bytes / count);
  // Values are appended only once their count is known to be right, so the
  // buffer never exceeds what the file holds.
  switch (dataType) {
  case onnx::TensorProto::FLOAT:
    stored = tensor.float_data_size();
    if (stored == count)
      for (float f : tensor.float_data()) {
        uint32_t bits;
        std::memcpy(&bits, &f, 4);
        appendNarrowed(data, std::array<uint32_t, 1>{bits}, 4);
      }
    break;
  case onnx::TensorProto::DOUBLE:
    stored = tensor.double_data_size();
    if (stored == count)
      for (double f : tensor.double_data()) {
        uint64_t bits;
        std::memcpy(&bits, &f, 8);
        appendNarrowed(data, std::array<uint64_t, 1>{bits}, 8);
      }
    break;
  case onnx::TensorProto::INT64:
    stored = tensor.int64_data_size();
    if (stored == count)
      appendNarrowed(data, tensor.int64_data(), 8);
    break;
  case onnx::TensorProto::UINT32:
  case onnx::TensorProto::UINT64:
    stored = tensor.uint64_data_size();
    if (stored == count)
      appendNarrowed(data, tensor.uint64_data(), width);
    break;
  default:
    // INT32, INT16, INT8, UINT16, UINT8, BOOL, FLOAT16 and BFLOAT16 (as bit
    // patterns) all live in int32_data.
    stored = tensor.int32_data_size();
    if (stored == count)
      appendNarrowed(data, tensor.int32_data(), width);
    break;
  }
  if (stored != count)
    return makeError(what + " holds " + Twine(stored) + " values, its shape " +
                     formatDims(type.getShape()) + " needs " + Twine(count));
  return data;
}

/// A dense attribute of `type` holding the little-endian `data`.
static DenseElementsAttr denseFromBytes(RankedTensorType type,
                                        ArrayRef<char> data) {
  if (type.getNumElements() == 0)
    return DenseElementsAttr::get(type, ArrayRef<Attribute>());
  if (type.getElementType().isInteger(1)) {
    SmallVector<bool> values =
        llvm::map_to_vector(data, [](char c) { return static_cast<bool>(c); });
    return DenseElementsAttr::get(type, values);
  }
  return DenseElementsAttr::getFromRawBuffer(type, data);
}

Value TensorImporter::declareParameter(OpBuilder &builder, Location loc,
                                       StringRef symbolName,
                                       RankedTensorType type, Attribute value) {
  // Symbols are unique; a tensor named like the function (or a name used
  // twice across Constant nodes and initializers) gets a suffix.
  std::string name = symbolName.str();
  for (unsigned i = 0; !usedSymbols.insert(name).second; ++i)
    name = (symbolName + "_" + Twine(i)).str();
  OpBuilder moduleBuilder = OpBuilder::atBlockEnd(module.getBody());
  // Parameters come before the function, in the order they are declared.
  if (auto func =
          module.getBody()->empty() ? nullptr : &module.getBody()->back())
    moduleBuilder.setInsertionPoint(func);
  ParameterOp::create(moduleBuilder, loc, name, /*sym_visibility=*/nullptr,
                      type, value);
  return GetParameterOp::create(builder, loc, type, name);
}

Expected<Value> TensorImporter::importTensor(OpBuilder &builder, Location loc,
                                             const onnx::TensorProto &tensor,
                                             StringRef symbolName,
                                             std::optional<ByteRange> raw,
                                             const Twine &what) {
  Expected<RankedTensorType> type = getTensorType(tensor, what);
  if (!type)
    return type.takeError();
  int64_t count = type->getNumElements();
  uint64_t bytes = *getStorageSize(*type);
  bool small = count <= options.maxConstantElements;
  MLIRContext *context = module.getContext();
  if (!small) {
    if (tensor.data_location() == onnx::TensorProto::EXTERNAL) {
      Expected<ExternalLocation> location =
          locateExternalData(tensor, modelDir, bytes, what);
      if (!location)
        return location.takeError();
      return declareParameter(builder, loc, symbolName, *type,
                              FileAttr::get(context, location->relativePath,
                                            location->offset, bytes));
    }
    if (tensor.has_raw_data()) {
      const std::string &data = tensor.raw_data();
      if (data.size() != bytes)
        return makeError(what + " has " + Twine(data.size()) +
                         " bytes of raw_data, its type " +
                         llvm::formatv("{0}", *type).str() + " needs " +
                         Twine(bytes));
      // The scanner found the payload; check that it is this one.
      if (raw && raw->size == bytes && raw->offset <= modelBytes.size() &&
          bytes <= modelBytes.size() - raw->offset &&
          std::memcmp(modelBytes.data() + raw->offset, data.data(), bytes) == 0)
        return declareParameter(
            builder, loc, symbolName, *type,
            FileAttr::get(context, modelFileName, raw->offset, bytes));
    }
  }
  Expected<std::vector<char>> data = readBytes(tensor, *type, what);
  if (!data)
    return data.takeError();
  DenseElementsAttr dense = denseFromBytes(*type, *data);
  if (small)
    return ConstantOp::create(builder, loc, *type, dense).getResult();
  return declareParameter(builder, loc, symbolName, *type, dense);
}

Expected<DenseElementsAttr>
TensorImporter::readSmallTensor(const onnx::TensorProto &tensor,
                                const Twine &what) {
  Expected<RankedTensorType> type = getTensorType(tensor, what);
  if (!type)
    return type.takeError();
  if (type->getNumElements() > kMaxFoldableElements)
    return makeError(what + " has " + Twine(type->getNumElements()) +
                     " elements, more than the " + Twine(kMaxFoldableElements) +
                     " allowed here");
  Expected<std::vector<char>> data = readBytes(tensor, *type, what);
  if (!data)
    return data.takeError();
  return denseFromBytes(*type, *data);
}
