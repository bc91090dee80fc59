//===- NNOps.cpp - ONNX neural-network ops to mlc -------------------------===//
//
// MatMul, Gemm, Conv, ConvTranspose, MaxPool/AveragePool and their global
// forms, BatchNormalization and LayerNormalization (inference), Dropout
// (inference). 1-D convolution and pooling run as 2-D ones over an inserted
// unit dimension.
//
//===----------------------------------------------------------------------===//

#include "ConverterContext.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace mlc;
using namespace mlc::onnx_import;

namespace {

using CC = ConverterContext;

LogicalResult convertMatMul(CC &node) {
  Value lhs = node.input(0), rhs = node.input(1);
  if (node.hasFailed())
    return failure();
  int64_t lhsRank = CC::typeOf(lhs).getRank();
  int64_t rhsRank = CC::typeOf(rhs).getRank();
  if (lhsRank == 0 || rhsRank == 0)
    return node.error("operands must have rank >= 1");
  // NumPy semantics for vectors: [K] is [1, K] on the left and [K, 1] on the
  // right, and the inserted dimension is removed from the result.
  if (lhsRank == 1)
    lhs = node.unsqueeze(lhs, {0});
  if (rhsRank == 1)
    rhs = node.unsqueeze(rhs, {1});
  Value y = node.create<MatmulOp>({lhs, rhs});
  if (!y)
    return failure();
  int64_t rank = CC::typeOf(y).getRank();
  SmallVector<int64_t> squeezed;
  if (lhsRank == 1)
    squeezed.push_back(rank - 2);
  if (rhsRank == 1)
    squeezed.push_back(rank - 1);
  return node.finish(node.squeeze(y, squeezed));
}

LogicalResult convertGemm(CC &node) {
  Value a = node.input(0), b = node.input(1), c = node.optionalInput(2);
  if (node.hasFailed())
    return failure();
  if (CC::typeOf(a).getRank() != 2 || CC::typeOf(b).getRank() != 2)
    return node.error("A and B must be matrices");
  double alpha = node.getFloat("alpha", 1.0), beta = node.getFloat("beta", 1.0);
  Builder builder(node.getContext());
  SmallVector<NamedAttribute> attrs;
  if (alpha != 1.0)
    attrs.push_back(node.namedAttr("alpha", builder.getF32FloatAttr(alpha)));
  if (c && beta != 1.0)
    attrs.push_back(node.namedAttr("beta", builder.getF32FloatAttr(beta)));
  if (node.getInt("transA", 0))
    attrs.push_back(node.namedAttr("transpose_lhs", builder.getUnitAttr()));
  if (node.getInt("transB", 0))
    attrs.push_back(node.namedAttr("transpose_rhs", builder.getUnitAttr()));
  SmallVector<Value> operands = {a, b};
  if (c)
    operands.push_back(c);
  return node.finish(node.create<GemmOp>(operands, attrs));
}

/// Window of a 1-D or 2-D convolution or pooling, in mlc's form.
struct Window {
  SmallVector<int64_t> kernel, strides, dilations;
  /// [top, left, bottom, right].
  SmallVector<int64_t> padding;
};

/// The `ints` attribute `name` with `size` values, `fallback` each if it is
/// absent or empty; nullopt after failing the node if it has another size.
std::optional<SmallVector<int64_t>>
readIntList(CC &node, StringRef name, int64_t size, int64_t fallback) {
  std::optional<SmallVector<int64_t>> values = node.getInts(name);
  if (!values || values->empty())
    return SmallVector<int64_t>(size, fallback);
  if (static_cast<int64_t>(values->size()) != size) {
    node.error("attribute '" + name + "' must have " + Twine(size) +
               " values, has " + Twine(values->size()));
    return std::nullopt;
  }
  return values;
}

/// Reads kernel, strides, dilations, pads and auto_pad for an input of type
/// `inputType` ([N, C, spatial...]) and the given kernel sizes (kDynamic if
/// unknown). Returns nullopt after failing the node.
std::optional<Window> getWindow(CC &node, RankedTensorType inputType,
                                ArrayRef<int64_t> kernel, bool hasDilations) {
  int64_t spatial = inputType.getRank() - 2;
  auto readList = [&](StringRef name, int64_t size, int64_t fallback) {
    return readIntList(node, name, size, fallback);
  };
  std::optional<SmallVector<int64_t>> strides = readList("strides", spatial, 1);
  std::optional<SmallVector<int64_t>> dilations =
      hasDilations ? readList("dilations", spatial, 1)
                   : SmallVector<int64_t>(spatial, 1);
  std::optional<SmallVector<int64_t>> pads = readList("pads", 2 * spatial, 0);
  if (!strides || !dilations || !pads)
    return std::nullopt;
  // Bounds that keep the window arithmetic far from overflow.
  constexpr int64_t kMaxWindowValue = int64_t(1) << 31;
  for (int64_t v : *strides)
    if (v < 1 || v > kMaxWindowValue)
      return node.error("strides must be in [1, 2^31]");
  for (int64_t v : *dilations)
    if (v < 1 || v > kMaxWindowValue)
      return node.error("dilations must be in [1, 2^31]");
  for (int64_t v : kernel)
    if (!ShapedType::isDynamic(v) && (v < 1 || v > kMaxWindowValue))
      return node.error("kernel sizes must be in [1, 2^31]");
  std::string autoPad = node.getString("auto_pad", "NOTSET");
  if (autoPad == "VALID") {
    pads->assign(2 * spatial, 0);
  } else if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
    for (int64_t i = 0; i < spatial; ++i) {
      int64_t in = inputType.getDimSize(2 + i);
      if (ShapedType::isDynamic(in) || ShapedType::isDynamic(kernel[i])) {
        node.unsupported("auto_pad " + autoPad +
                         " with a dynamic spatial or kernel size");
        return std::nullopt;
      }
      int64_t stride = (*strides)[i];
      int64_t out = (in + stride - 1) / stride;
      int64_t total = std::max<int64_t>(
          0, (out - 1) * stride + (kernel[i] - 1) * (*dilations)[i] + 1 - in);
      int64_t small = total / 2, large = total - small;
      (*pads)[i] = autoPad == "SAME_UPPER" ? small : large;
      (*pads)[i + spatial] = autoPad == "SAME_UPPER" ? large : small;
    }
  } else if (autoPad != "NOTSET") {
    node.error("unknown auto_pad '" + autoPad + "'");
    return std::nullopt;
  }
  for (int64_t v : *pads)
    if (v < 0 || v > kMaxWindowValue)
      return node.error("pads must be in [0, 2^31]");
  Window window;
  if (spatial == 1) {
    // A 1-D window is a 2-D one of height 1.
    window.kernel = {1, kernel[0]};
    window.strides = {1, (*strides)[0]};
    window.dilations = {1, (*dilations)[0]};
    window.padding = {0, (*pads)[0], 0, (*pads)[1]};
  } else {
    window.kernel = SmallVector<int64_t>(kernel);
    window.strides = *strides;
    window.dilations = *dilations;
    window.padding = *pads; // ONNX order is already [top, left, bottom, right].
  }
  return window;
}

/// Appends strides, dilations and padding unless they are the defaults.
void addWindowAttrs(CC &node, const Window &window,
                    SmallVectorImpl<NamedAttribute> &attrs) {
  MLIRContext *context = node.getContext();
  auto isAll = [](ArrayRef<int64_t> values, int64_t v) {
    return llvm::all_of(values, [&](int64_t x) { return x == v; });
  };
  if (!isAll(window.strides, 1))
    attrs.push_back(node.namedAttr(
        "strides", DenseI64ArrayAttr::get(context, window.strides)));
  if (!isAll(window.dilations, 1))
    attrs.push_back(node.namedAttr(
        "dilations", DenseI64ArrayAttr::get(context, window.dilations)));
  if (!isAll(window.padding, 0))
    attrs.push_back(node.namedAttr(
        "padding", DenseI64ArrayAttr::get(context, window.padding)));
}

/// Fails the node unless `x` is the input of a 1-D or 2-D window op.
LogicalResult checkSpatialRank(CC &node, Value x, StringRef what) {
  int64_t rank = CC::typeOf(x).getRank();
  if (rank == 3 || rank == 4)
    return success();
  if (rank > 4)
    return node.unsupported(Twine(rank - 2) + "-D " + what +
                            " (mlc supports 1-D and 2-D)");
  return node.error("input must have rank 3 or 4, has " + Twine(rank));
}

/// Fails the node unless `x` and `w` are the input and weight of a 1-D or
/// 2-D (transposed) convolution.
LogicalResult checkConvOperands(CC &node, Value x, Value w, StringRef what) {
  if (node.hasFailed() || failed(checkSpatialRank(node, x, what)))
    return failure();
  int64_t rank = CC::typeOf(x).getRank();
  if (CC::typeOf(w).getRank() != rank)
    return node.error("the weight must have the input's rank " + Twine(rank));
  return success();
}

/// Builds the mlc.conv2d of a Conv or ConvTranspose node (with `groups` and
/// the optional `bias`) and sets its output, less the unit dimension 2 of a
/// 1-D convolution.
LogicalResult finishConv(CC &node, Value x, Value w, Value bias, int64_t groups,
                         SmallVectorImpl<NamedAttribute> &attrs,
                         bool oneDimensional) {
  if (groups != 1)
    attrs.push_back(node.namedAttr(
        "groups", Builder(node.getContext()).getI64IntegerAttr(groups)));
  SmallVector<Value> operands = {x, w};
  if (bias)
    operands.push_back(bias);
  Value y = node.create<Conv2dOp>(operands, attrs);
  return node.finish(oneDimensional ? node.squeeze(y, {2}) : y);
}

LogicalResult convertConv(CC &node) {
  Value x = node.input(0), w = node.input(1), bias = node.optionalInput(2);
  if (failed(checkConvOperands(node, x, w, "convolution")))
    return failure();
  RankedTensorType inputType = CC::typeOf(x), filterType = CC::typeOf(w);
  int64_t rank = inputType.getRank(), spatial = rank - 2;
  SmallVector<int64_t> kernel(filterType.getShape().drop_front(2));
  if (std::optional<SmallVector<int64_t>> given = node.getInts("kernel_shape");
      given && !given->empty()) {
    if (static_cast<int64_t>(given->size()) != spatial)
      return node.error("kernel_shape must have " + Twine(spatial) + " values");
    for (int64_t i = 0; i < spatial; ++i) {
      if (!ShapedType::isDynamic(kernel[i]) && kernel[i] != (*given)[i])
        return node.error("kernel_shape disagrees with the weight's shape");
      kernel[i] = (*given)[i];
    }
  }
  std::optional<Window> window =
      getWindow(node, inputType, kernel, /*hasDilations=*/true);
  if (!window)
    return failure();
  if (spatial == 1) {
    x = node.unsqueeze(x, {2});
    w = node.unsqueeze(w, {2});
  }
  SmallVector<NamedAttribute> attrs;
  addWindowAttrs(node, *window, attrs);
  int64_t groups = node.getInt("group", 1);
  if (groups < 1 || groups > (int64_t(1) << 20))
    return node.error("group must be in [1, 2^20], is " + Twine(groups));
  return finishConv(node, x, w, bias, groups, attrs, spatial == 1);
}

/// ConvTranspose as a convolution: the input with stride - 1 zeros between
/// its elements, padded by dilation * (kernel - 1) less the ONNX pads, is
/// convolved (stride 1) with the spatially flipped kernel whose input and
/// output channels are swapped within each group.
LogicalResult convertConvTranspose(CC &node) {
  Value x = node.input(0), w = node.input(1), bias = node.optionalInput(2);
  if (failed(checkConvOperands(node, x, w, "transposed convolution")))
    return failure();
  RankedTensorType inputType = CC::typeOf(x), filterType = CC::typeOf(w);
  int64_t rank = inputType.getRank(), spatial = rank - 2;
  if (!filterType.hasStaticShape())
    return node.unsupported("a weight of dynamic shape");
  for (int64_t i = 0; i < spatial; ++i)
    if (inputType.isDynamicDim(2 + i))
      return node.unsupported("dynamic spatial sizes");
  int64_t groups = node.getInt("group", 1);
  int64_t channels = filterType.getDimSize(0);
  if (groups < 1 || channels % groups != 0)
    return node.error("group must divide the weight's first dimension");
  std::optional<SmallVector<int64_t>> strides =
      readIntList(node, "strides", spatial, 1);
  std::optional<SmallVector<int64_t>> dilations =
      readIntList(node, "dilations", spatial, 1);
  std::optional<SmallVector<int64_t>> outputPadding =
      readIntList(node, "output_padding", spatial, 0);
  std::optional<SmallVector<int64_t>> pads =
      readIntList(node, "pads", 2 * spatial, 0);
  if (!strides || !dilations || !outputPadding || !pads)
    return failure();
  constexpr int64_t kMax = int64_t(1) << 20;
  for (ArrayRef<int64_t> list :
       {ArrayRef<int64_t>(*strides), ArrayRef<int64_t>(*dilations)})
    for (int64_t v : list)
      if (v < 1 || v > kMax)
        return node.error("strides and dilations must be in [1, 2^20]");
  for (ArrayRef<int64_t> list :
       {ArrayRef<int64_t>(*outputPadding), ArrayRef<int64_t>(*pads)})
    for (int64_t v : list)
      if (v < 0 || v > kMax)
        return node.error("pads and output_padding must be in [0, 2^20]");
  std::string autoPad = node.getString("auto_pad", "NOTSET");
  std::optional<SmallVector<int64_t>> outputShape =
      node.getInts("output_shape");
  if (outputShape && !outputShape->empty() &&
      static_cast<int64_t>(outputShape->size()) != spatial)
    return node.error("output_shape must have " + Twine(spatial) + " values");
  bool hasOutputShape = outputShape && !outputShape->empty();
  SmallVector<int64_t> in, kernel, extent;
  for (int64_t i = 0; i < spatial; ++i) {
    in.push_back(inputType.getDimSize(2 + i));
    kernel.push_back(filterType.getDimSize(2 + i));
    extent.push_back((kernel[i] - 1) * (*dilations)[i]);
    // The output size before padding is removed.
    int64_t full =
        (*strides)[i] * (in[i] - 1) + (*outputPadding)[i] + extent[i] + 1;
    int64_t target;
    if (hasOutputShape)
      target = (*outputShape)[i];
    else if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER")
      target = in[i] * (*strides)[i];
    else if (autoPad == "NOTSET" || autoPad == "VALID")
      continue;
    else
      return node.error("unknown auto_pad '" + autoPad + "'");
    int64_t total = full - target;
    int64_t half = llvm::divideFloorSigned(total, 2);
    bool upper = autoPad == "SAME_UPPER";
    (*pads)[i] = upper ? half : total - half;
    (*pads)[i + spatial] = upper ? total - half : half;
  }
  if (autoPad == "VALID")
    pads->assign(2 * spatial, 0);

  MLIRContext *context = node.getContext();
  auto i64Array = [&](ArrayRef<int64_t> values) {
    return DenseI64ArrayAttr::get(context, values);
  };
  if (spatial == 1) {
    x = node.unsqueeze(x, {2});
    w = node.unsqueeze(w, {2});
    in.insert(in.begin(), 1);
    kernel.insert(kernel.begin(), 1);
    extent.insert(extent.begin(), 0);
    strides->insert(strides->begin(), 1);
    dilations->insert(dilations->begin(), 1);
    outputPadding->insert(outputPadding->begin(), 0);
    *pads = {0, (*pads)[0], 0, (*pads)[1]};
  }
  // Zeros between the input elements: [N, C, H, W] -> [N, C, H, 1, W, 1]
  // -> [N, C, H, sh, W, sw] -> [N, C, H * sh, W * sw], which ends with
  // stride - 1 zeros too many.
  int64_t n = inputType.getDimSize(0), c = inputType.getDimSize(1);
  SmallVector<int64_t> length(2);
  for (int64_t i = 0; i < 2; ++i)
    length[i] = in[i] * (*strides)[i];
  if ((*strides)[0] != 1 || (*strides)[1] != 1) {
    SmallVector<int64_t> padding(12, 0);
    padding[6 + 3] = (*strides)[0] - 1;
    padding[6 + 5] = (*strides)[1] - 1;
    x = node.create<PadOp>({node.unsqueeze(x, {3, 5})},
                           {node.namedAttr("padding", i64Array(padding))});
    x = node.reshape(x, {n, c, length[0], length[1]});
  }
  // Convolution padding; negative amounts crop instead.
  SmallVector<int64_t> convPadding(4), cropStarts(2), cropEnds(2);
  bool crops = false;
  for (int64_t i = 0; i < 2; ++i) {
    int64_t begin = extent[i] - (*pads)[i];
    int64_t end =
        extent[i] - (*pads)[i + 2] + (*outputPadding)[i] - ((*strides)[i] - 1);
    cropStarts[i] = std::max<int64_t>(0, -begin);
    cropEnds[i] = length[i] + std::min<int64_t>(0, end);
    crops |= begin < 0 || end < 0;
    convPadding[i] = std::max<int64_t>(0, begin);
    convPadding[i + 2] = std::max<int64_t>(0, end);
  }
  if (crops)
    x = node.create<SliceOp>({x},
                             {node.namedAttr("axes", i64Array({2, 3})),
                              node.namedAttr("starts", i64Array(cropStarts)),
                              node.namedAttr("ends", i64Array(cropEnds))});
  // [C, F/g, kh, kw] -> flipped -> [g, C/g, F/g, kh, kw]
  // -> [g, F/g, C/g, kh, kw] -> [F, C/g, kh, kw].
  int64_t outPerGroup = filterType.getDimSize(1);
  int64_t inPerGroup = channels / groups;
  Value filter = node.create<SliceOp>(
      {w}, {node.namedAttr("axes", i64Array({2, 3})),
            node.namedAttr("starts", i64Array({-1, -1})),
            node.namedAttr("ends", i64Array({INT64_MIN, INT64_MIN})),
            node.namedAttr("steps", i64Array({-1, -1}))});
  filter = node.reshape(
      filter, {groups, inPerGroup, outPerGroup, kernel[0], kernel[1]});
  filter = node.create<TransposeOp>(
      {filter}, {node.namedAttr("permutation", i64Array({0, 2, 1, 3, 4}))});
  filter = node.reshape(
      filter, {groups * outPerGroup, inPerGroup, kernel[0], kernel[1]});
  SmallVector<NamedAttribute> attrs;
  if (llvm::any_of(convPadding, [](int64_t v) { return v != 0; }))
    attrs.push_back(node.namedAttr("padding", i64Array(convPadding)));
  if ((*dilations)[0] != 1 || (*dilations)[1] != 1)
    attrs.push_back(node.namedAttr("dilations", i64Array(*dilations)));
  return finishConv(node, x, filter, bias, groups, attrs, spatial == 1);
}

LogicalResult convertPool(CC &node, PoolKind kind) {
  Value x = node.input(0);
  if (node.hasFailed() || failed(checkSpatialRank(node, x, "pooling")))
    return failure();
  RankedTensorType inputType = CC::typeOf(x);
  int64_t spatial = inputType.getRank() - 2;
  if (kind == PoolKind::max) {
    if (node.getInt("storage_order", 0) != 0)
      return node.unsupported("storage_order = 1");
    if (node.hasOutput(1))
      return node.unsupported("the Indices output");
  }
  std::optional<SmallVector<int64_t>> kernel = node.getInts("kernel_shape");
  if (!kernel || static_cast<int64_t>(kernel->size()) != spatial)
    return node.error("kernel_shape must have " + Twine(spatial) + " values");
  // AveragePool has dilations from opset 19 only.
  bool hasDilations = kind == PoolKind::max && node.getOpset() >= 10;
  std::optional<Window> window =
      getWindow(node, inputType, *kernel, hasDilations);
  if (!window)
    return failure();
  for (int i = 0; i < 2; ++i)
    if (window->padding[i] >= window->kernel[i] * window->dilations[i] ||
        window->padding[i + 2] >= window->kernel[i] * window->dilations[i])
      return node.unsupported("padding as large as the pooling window");
  MLIRContext *context = node.getContext();
  SmallVector<NamedAttribute> attrs = {
      node.namedAttr("kind", PoolKindAttr::get(context, kind)),
      node.namedAttr("kernel",
                     DenseI64ArrayAttr::get(context, window->kernel))};
  addWindowAttrs(node, *window, attrs);
  if (node.getInt("ceil_mode", 0))
    attrs.push_back(node.namedAttr("ceil_mode", UnitAttr::get(context)));
  if (kind == PoolKind::avg && node.getInt("count_include_pad", 0))
    attrs.push_back(
        node.namedAttr("count_include_pad", UnitAttr::get(context)));
  if (spatial == 1)
    x = node.unsqueeze(x, {2});
  Value y = node.create<Pool2dOp>({x}, attrs);
  if (spatial == 1)
    y = node.squeeze(y, {2});
  return node.finish(y);
}

LogicalResult convertGlobalPool(CC &node, ReduceKind kind) {
  Value x = node.input(0);
  if (!x)
    return failure();
  int64_t rank = CC::typeOf(x).getRank();
  if (rank < 3)
    return node.error("input must have rank >= 3, has " + Twine(rank));
  return node.finish(node.reduce(kind, x,
                                 llvm::to_vector(llvm::seq<int64_t>(2, rank)),
                                 /*keepdims=*/true));
}

LogicalResult convertBatchNormalization(CC &node) {
  if (node.getOpset() < 7 && node.getInt("is_test", 0) == 0)
    return node.unsupported("training mode (is_test = 0)");
  if (node.getOpset() < 9 && node.getInt("spatial", 1) == 0)
    return node.unsupported("spatial = 0");
  if (node.getOpset() >= 14 && node.getInt("training_mode", 0) != 0)
    return node.unsupported("training mode");
  for (unsigned i = 1; i < node.getNumOutputs(); ++i)
    if (node.hasOutput(i))
      return node.unsupported("the training outputs (running statistics)");
  Value x = node.input(0);
  if (!x)
    return failure();
  Type type = CC::elementTypeOf(x);
  Value scale = node.castTo(node.input(1), type);
  Value bias = node.castTo(node.input(2), type);
  Value mean = node.castTo(node.input(3), type);
  Value variance = node.castTo(node.input(4), type);
  if (node.hasFailed())
    return failure();
  int64_t rank = CC::typeOf(x).getRank();
  if (rank < 2)
    return node.error("input must have rank >= 2, has " + Twine(rank));
  for (Value v : {scale, bias, mean, variance})
    if (CC::typeOf(v).getRank() != 1)
      return node.error("scale, B, mean and var must be 1-D");
  // y = x * a + b with a = scale / sqrt(var + eps), b = B - mean * a, both
  // shaped [C, 1, ...] to broadcast over the spatial dims.
  double epsilon = node.getFloat("epsilon", 1e-5);
  Value eps = node.scalar(type, epsilon);
  Value a = node.create<MulOp>(
      {scale, node.create<RsqrtOp>({node.create<AddOp>({variance, eps})})});
  Value b = node.create<SubOp>({bias, node.create<MulOp>({mean, a})});
  SmallVector<int64_t> axes = llvm::to_vector(llvm::seq<int64_t>(1, rank - 1));
  a = node.unsqueeze(a, axes);
  b = node.unsqueeze(b, axes);
  return node.finish(node.create<AddOp>({node.create<MulOp>({x, a}), b}));
}

LogicalResult convertLayerNormalization(CC &node) {
  Value x = node.input(0), scale = node.input(1), bias = node.optionalInput(2);
  if (node.hasFailed())
    return failure();
  int64_t rank = CC::typeOf(x).getRank();
  std::optional<int64_t> axis =
      node.normalizeAxis(node.getInt("axis", -1), rank);
  if (!axis)
    return failure();
  double epsilon = node.getFloat("epsilon", 1e-5);
  // mlc wants scale and bias with the rank of the normalized dims.
  int64_t normalizedRank = rank - *axis;
  auto fitRank = [&](Value v) -> Value {
    if (!v)
      return v;
    int64_t r = CC::typeOf(v).getRank();
    if (r > normalizedRank)
      return node.error("scale and bias may not have more dims than the "
                        "normalized ones");
    return node.unsqueeze(
        v, llvm::to_vector(llvm::seq<int64_t>(0, normalizedRank - r)));
  };
  scale = fitRank(scale);
  SmallVector<Value> operands = {x, scale};
  if (bias)
    operands.push_back(fitRank(bias));
  Builder builder(node.getContext());
  node.setOutput(
      0, node.create<LayerNormOp>(
             operands,
             {node.namedAttr("axis", builder.getI64IntegerAttr(*axis)),
              node.namedAttr("epsilon", builder.getF32FloatAttr(epsilon))}));
  // The statistics, when asked for: mean and 1 / sqrt(variance + epsilon)
  // over the normalized dims, kept as size-1 dims.
  if (node.hasOutput(1) || node.hasOutput(2)) {
    auto mean = [&](Value v) {
      return node.reduce(ReduceKind::mean, v,
                         llvm::to_vector(llvm::seq<int64_t>(*axis, rank)),
                         /*keepdims=*/true);
    };
    Value mu = mean(x);
    Value centered = node.create<SubOp>({x, mu});
    Value variance = mean(node.create<MulOp>({centered, centered}));
    Value eps = node.scalar(CC::elementTypeOf(x), epsilon);
    node.setOutput(1, mu);
    node.setOutput(2,
                   node.create<RsqrtOp>({node.create<AddOp>({variance, eps})}));
  }
  return success(!node.hasFailed());
}

LogicalResult convertDropout(CC &node) {
  Value x = node.input(0);
  if (!x)
    return failure();
  if (node.getOpset() < 7 && node.getInt("is_test", 0) == 0)
    return node.unsupported("training mode (is_test = 0)");
  if (node.getOpset() >= 12) {
    if (Value training = node.optionalInput(2)) {
      std::optional<SmallVector<int64_t>> mode = CC::getConstantInts(training);
      if (!mode)
        return node.unsupported("a training_mode input that is not constant");
      if (llvm::any_of(*mode, [](int64_t v) { return v != 0; }))
        return node.unsupported("training mode");
    }
  }
  node.setOutput(0, x);
  if (node.hasOutput(1)) {
    // In inference every element is kept.
    RankedTensorType maskType =
        CC::typeOf(x).clone(IntegerType::get(node.getContext(), 1));
    Value mask;
    if (maskType.hasStaticShape())
      mask = node.constant(DenseElementsAttr::get(maskType, true));
    else
      mask = node.create<ExpandOp>(
          {node.scalar(maskType.getElementType(), 1), node.shapeOf(x)}, {},
          maskType);
    node.setOutput(1, mask);
    if (!mask)
      return failure();
  }
  return success(!node.hasFailed());
}

} // namespace

void mlc::onnx_import::registerNNConverters(ConverterRegistry &registry) {
  registry.add("MatMul", convertMatMul);
  registry.add("Gemm", convertGemm);
  registry.add("Conv", convertConv);
  registry.add("ConvTranspose", convertConvTranspose);
  registry.add("MaxPool",
               [](CC &node) { return convertPool(node, PoolKind::max); });
  registry.add("AveragePool",
               [](CC &node) { return convertPool(node, PoolKind::avg); });
  registry.add("GlobalMaxPool", [](CC &node) {
    return convertGlobalPool(node, ReduceKind::max);
  });
  registry.add("GlobalAveragePool", [](CC &node) {
    return convertGlobalPool(node, ReduceKind::mean);
  });
  registry.add("BatchNormalization", convertBatchNormalization);
  registry.add("LayerNormalization", convertLayerNormalization);
  registry.add("Dropout", convertDropout);
}
