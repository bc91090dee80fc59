//===- ParameterFile.cpp - write a Qwen3 checkpoint as params.bin ---------===//
//
// The params of the module (its mlc.parameter ops, as the library's
// metadata will declare them) handed to the runtime's conversion.
//
//===----------------------------------------------------------------------===//

#include "mlc/Models/Qwen3/ParameterFile.h"
#include "mlc/Dialect/Mlc/IR/MlcOps.h"

#include "Qwen3Weights.h"

using namespace mlc::qwen3;

CheckpointWeights::CheckpointWeights(
    std::unique_ptr<rt::qwen3::Checkpoint> checkpoint)
    : checkpoint(std::move(checkpoint)) {}

CheckpointWeights::~CheckpointWeights() = default;

llvm::Expected<std::unique_ptr<CheckpointWeights>>
CheckpointWeights::open(llvm::StringRef dir) {
  std::string error;
  std::unique_ptr<rt::qwen3::Checkpoint> checkpoint =
      rt::qwen3::Checkpoint::open(dir.str(), error);
  if (!checkpoint || !checkpoint->verify(error))
    return llvm::createStringError(error);
  return std::unique_ptr<CheckpointWeights>(
      new CheckpointWeights(std::move(checkpoint)));
}

bool CheckpointWeights::hasBf16Matrices() const {
  return checkpoint->hasBf16Matrices();
}

llvm::Error CheckpointWeights::writeParameterFile(
    mlir::ModuleOp module, llvm::StringRef path, bool projectionsOutIn,
    const std::function<void(llvm::StringRef)> &progress) const {
  std::vector<rt::qwen3::ParamSpec> specs;
  for (auto parameter : module.getOps<ParameterOp>()) {
    mlir::RankedTensorType type = parameter.getTensorType();
    mlir::Type element = type.getElementType();
    mlc_dtype dtype = element.isF32()    ? MLC_DTYPE_F32
                      : element.isBF16() ? MLC_DTYPE_BF16
                                         : MLC_DTYPE_INVALID;
    if (dtype == MLC_DTYPE_INVALID)
      return llvm::createStringError(
          "parameter " + parameter.getSymName() +
          " is neither f32 nor bf16: no conversion writes it");
    specs.push_back(
        {parameter.getSymName().str(), dtype,
         std::vector<int64_t>(type.getShape().begin(), type.getShape().end())});
  }
  rt::qwen3::ParamsLayout layout;
  std::string error;
  bool planned =
      rt::qwen3::planParams(specs, checkpoint->config().numLayers, layout,
                            error);
  layout.projectionsOutIn = projectionsOutIn;
  if (!planned ||
      !checkpoint->write(layout, path.str(), error,
                         [&](const std::string &line) {
                           if (progress)
                             progress(line);
                         }))
    return llvm::createStringError(error);
  return llvm::Error::success();
}
