//===- DynamicShapeOps.cpp - shape ops whose parameters are run-time values
//===//
//
// Squeeze, Unsqueeze, Slice, Split, Pad and ReduceSum take their axes,
// bounds, sizes or pads as inputs. ShapeOps.cpp and ReductionOps.cpp turn
// constant ones into op attributes; the converters here handle the ones
// known only at run time. The result rank must still be static (it is: it
// follows from the lengths of those inputs). What varies is computed with
// mlc ops on small index vectors, and elements are picked with gathers over
// computed index ranges, one axis at a time.
//
//===----------------------------------------------------------------------===//

#include "DynamicShapeOps.h"

using namespace mlir;
using namespace mlc;
using namespace mlc::onnx_import;

namespace {

using CC = ConverterContext;

constexpr int64_t kDynamic = ShapedType::kDynamic;

/// Helpers over 0-d and 1-D i64 values.
class IndexMath {
public:
  explicit IndexMath(CC &node)
      : node(node), i64(IntegerType::get(node.getContext(), 64)) {}

  Value c(int64_t v) { return node.scalar(i64, static_cast<double>(v)); }
  Value add(Value a, Value b) { return node.create<AddOp>({a, b}); }
  Value sub(Value a, Value b) { return node.create<SubOp>({a, b}); }
  Value mul(Value a, Value b) { return node.create<MulOp>({a, b}); }
  Value div(Value a, Value b) { return node.create<DivOp>({a, b}); }
  Value max(Value a, Value b) { return node.create<MaxOp>({a, b}); }
  Value min(Value a, Value b) { return node.create<MinOp>({a, b}); }
  Value clamp(Value v, Value lo, Value hi) { return min(max(v, lo), hi); }
  Value lt(Value a, Value b) { return node.compare(CmpPredicate::lt, a, b); }
  Value select(Value m, Value a, Value b) {
    return node.create<WhereOp>({m, a, b});
  }
  /// `v` as i64.
  Value cast(Value v) { return node.castTo(v, i64); }
  /// Element `i` of the 1-D `v` as a 0-d tensor.
  Value at(Value v, int64_t i) {
    return node.reshape(node.sliceAlong(v, 0, i, i + 1), {});
  }
  /// `v` with negative entries counted from `size`.
  Value wrap(Value v, Value size) {
    return select(lt(v, c(0)), add(v, size), v);
  }
  /// The dims of `x` as a 1-D i64 tensor and dim `d` as a 0-d one.
  Value dim(Value x, int64_t d) { return at(node.shapeOf(x), d); }

  /// For each d in [0, rank), whether the 1-D `axes` (negative ones count
  /// from the end) lists it: a [rank, k] comparison matrix.
  Value axisMatrix(Value axes, int64_t rank) {
    Value wrapped = wrap(cast(axes), c(rank));
    Value positions =
        node.constantI64(llvm::to_vector(llvm::seq<int64_t>(0, rank)));
    return node.compare(CmpPredicate::eq, node.unsqueeze(positions, {1}),
                        node.unsqueeze(wrapped, {0}));
  }
  /// The i1 [rank] mask of the dims that `axes` lists.
  Value axisMask(Value axes, int64_t rank) {
    Value any = node.reduce(ReduceKind::max, cast(axisMatrix(axes, rank)), {1},
                            /*keepdims=*/false);
    return node.compare(CmpPredicate::ne, any, c(0));
  }
  /// `x` gathered along `axis` at the 1-D `indices`.
  Value gather(Value x, Value indices, int64_t axis) {
    return node.create<GatherOp>(
        {x, indices},
        {node.namedAttr("axis",
                        Builder(node.getContext()).getI64IntegerAttr(axis))});
  }
  /// start, start + step, ... (count of them), as a 1-D tensor.
  Value arithmetic(Value start, Value step, Value count) {
    return add(start, mul(step, node.range(count)));
  }
  /// `x` reshaped to the run-time shape `shape` of static length `rank`.
  Value reshapeTo(Value x, Value shape, int64_t rank) {
    return node.reshape(x, SmallVector<int64_t>(rank, kDynamic), shape);
  }
  /// The dims of `x` that `keep` (i1 [rank]) keeps, in order, as a 1-D
  /// tensor of length `kept`.
  Value compactShape(Value x, Value keep, int64_t kept) {
    Value keep64 = cast(keep);
    // Position of each kept dim in the result.
    Value position =
        sub(node.create<CumsumOp>(
                {keep64},
                {node.namedAttr(
                    "axis", Builder(node.getContext()).getI64IntegerAttr(0))}),
            c(1));
    Value outputs =
        node.constantI64(llvm::to_vector(llvm::seq<int64_t>(0, kept)));
    Value picks = node.create<AndOp>(
        {node.compare(CmpPredicate::eq, node.unsqueeze(outputs, {1}),
                      node.unsqueeze(position, {0})),
         node.unsqueeze(keep, {0})});
    Value chosen = select(picks, node.unsqueeze(node.shapeOf(x), {0}), c(0));
    return node.reduce(ReduceKind::sum, chosen, {1}, /*keepdims=*/false);
  }

private:
  CC &node;
  Type i64;
};

/// The static length of the 1-D `v`, or nullopt after failing the node.
std::optional<int64_t> staticLength(CC &node, Value v, StringRef what) {
  RankedTensorType type = CC::typeOf(v);
  if (type.getRank() != 1 || type.isDynamicDim(0)) {
    node.unsupported(what + " of unknown length (the result rank would be "
                            "unknown)");
    return std::nullopt;
  }
  return type.getDimSize(0);
}

} // namespace

LogicalResult mlc::onnx_import::convertDynamicSqueeze(CC &node, Value x,
                                                      Value axes) {
  std::optional<int64_t> count = staticLength(node, axes, "axes");
  if (!count)
    return failure();
  int64_t rank = CC::typeOf(x).getRank(), kept = rank - *count;
  if (kept < 0)
    return node.error("more axes than dimensions");
  IndexMath m(node);
  Value keep = node.create<NotOp>({m.axisMask(axes, rank)});
  return node.finish(m.reshapeTo(x, m.compactShape(x, keep, kept), kept));
}

LogicalResult mlc::onnx_import::convertDynamicUnsqueeze(CC &node, Value x,
                                                        Value axes) {
  std::optional<int64_t> count = staticLength(node, axes, "axes");
  if (!count)
    return failure();
  int64_t rank = CC::typeOf(x).getRank(), outRank = rank + *count;
  IndexMath m(node);
  Value inserted = m.axisMask(axes, outRank);
  // Output dim j that is not inserted is input dim j - (inserted dims up to
  // j); inserted ones read the 1 appended to the input shape.
  Value before = node.create<CumsumOp>(
      {m.cast(inserted)},
      {node.namedAttr("axis",
                      Builder(node.getContext()).getI64IntegerAttr(0))});
  Value positions =
      node.constantI64(llvm::to_vector(llvm::seq<int64_t>(0, outRank)));
  Value source = m.select(inserted, m.c(rank), m.sub(positions, before));
  Value extended = node.create<ConcatOp>(
      {node.shapeOf(x), node.constantI64({1})},
      {node.namedAttr("axis",
                      Builder(node.getContext()).getI64IntegerAttr(0))});
  return node.finish(m.reshapeTo(x, m.gather(extended, source, 0), outRank));
}

LogicalResult mlc::onnx_import::convertDynamicSlice(CC &node, Value x,
                                                    Value starts, Value ends,
                                                    Value axes, Value steps) {
  std::optional<int64_t> count = staticLength(node, starts, "starts");
  if (!count)
    return failure();
  int64_t rank = CC::typeOf(x).getRank();
  IndexMath m(node);
  std::optional<SmallVector<int64_t>> knownAxes;
  if (!axes) {
    knownAxes = llvm::to_vector(llvm::seq<int64_t>(0, *count));
    axes = node.constantI64(*knownAxes);
  } else if ((knownAxes = CC::getConstantInts(axes))) {
    for (int64_t &axis : *knownAxes) {
      std::optional<int64_t> normalized = node.normalizeAxis(axis, rank);
      if (!normalized)
        return failure();
      axis = *normalized;
    }
  }
  // Start, end and step of every dim: the listed ones, else the whole dim.
  Value listedBy = m.axisMatrix(axes, rank);
  Value listed = m.axisMask(axes, rank);
  auto perDim = [&](Value values, int64_t fallback) {
    Value v = m.select(listedBy, node.unsqueeze(m.cast(values), {0}), m.c(0));
    return m.select(listed,
                    node.reduce(ReduceKind::sum, v, {1}, /*keepdims=*/false),
                    m.c(fallback));
  };
  Value dimStarts = perDim(starts, 0);
  Value dimEnds = perDim(ends, std::numeric_limits<int64_t>::max());
  Value dimSteps = steps ? perDim(steps, 1)
                         : node.constantI64(SmallVector<int64_t>(rank, 1));
  for (int64_t d = 0; d < rank; ++d) {
    if (knownAxes && !llvm::is_contained(*knownAxes, d))
      continue;
    Value n = m.dim(x, d);
    Value step = m.at(dimSteps, d);
    Value start = m.wrap(m.at(dimStarts, d), n);
    Value end = m.wrap(m.at(dimEnds, d), n);
    // Forward: both clamped to [0, n]; backward: start to [0, n - 1], end
    // to [-1, n - 1]. The count is the ceiling of the distance by the step.
    Value forward = m.lt(m.c(0), step);
    Value last = m.sub(n, m.c(1));
    start = m.select(forward, m.clamp(start, m.c(0), n),
                     m.clamp(start, m.c(0), last));
    end =
        m.select(forward, m.clamp(end, m.c(0), n), m.clamp(end, m.c(-1), last));
    Value distance = m.select(forward, m.sub(end, start), m.sub(start, end));
    Value stride = m.select(forward, step, m.sub(m.c(0), step));
    Value steps =
        m.div(m.add(m.max(distance, m.c(0)), m.sub(stride, m.c(1))), stride);
    x = m.gather(x, m.arithmetic(start, step, steps), d);
  }
  return node.finish(x);
}

LogicalResult mlc::onnx_import::convertDynamicSplit(CC &node, Value x,
                                                    int64_t axis, Value sizes) {
  int64_t n = node.getNumOutputs();
  std::optional<int64_t> count = staticLength(node, sizes, "split");
  if (!count)
    return failure();
  if (*count != n)
    return node.error("has " + Twine(n) + " outputs but " + Twine(*count) +
                      " split sizes");
  IndexMath m(node);
  Value lengths = m.cast(sizes);
  Value offsets = node.create<CumsumOp>(
      {lengths},
      {node.namedAttr("axis", Builder(node.getContext()).getI64IntegerAttr(0)),
       node.namedAttr("exclusive", UnitAttr::get(node.getContext()))});
  for (int64_t i = 0; i < n; ++i)
    node.setOutput(
        i, m.gather(x, m.arithmetic(m.at(offsets, i), m.c(1), m.at(lengths, i)),
                    axis));
  return success(!node.hasFailed());
}

LogicalResult mlc::onnx_import::convertDynamicPad(CC &node, Value x, Value pads,
                                                  PadMode mode, Value value) {
  int64_t rank = CC::typeOf(x).getRank();
  std::optional<int64_t> count = staticLength(node, pads, "pads");
  if (!count)
    return failure();
  if (*count != 2 * rank)
    return node.error("pads must have 2 x rank = " + Twine(2 * rank) +
                      " values");
  if (mode == PadMode::wrap)
    return node.unsupported("wrap padding with pads known at run time");
  IndexMath m(node);
  Value all = m.cast(pads);
  for (int64_t d = 0; d < rank; ++d) {
    Value n = m.dim(x, d), before = m.at(all, d), after = m.at(all, d + rank);
    // Source index of every output position; negative pads crop.
    Value index = m.arithmetic(m.sub(m.c(0), before), m.c(1),
                               m.add(n, m.add(before, after)));
    Value last = m.sub(n, m.c(1));
    Value source;
    if (mode == PadMode::reflect) {
      // Reflection has period 2 (n - 1).
      Value period = m.max(m.mul(last, m.c(2)), m.c(1));
      Value r = node.create<RemOp>(
          {m.add(node.create<RemOp>({index, period}), period), period});
      source = m.select(m.lt(r, n), r, m.sub(period, r));
    } else {
      source = m.clamp(index, m.c(0), last);
    }
    Value y = m.gather(x, source, d);
    if (mode == PadMode::constant) {
      Value inside = node.create<AndOp>(
          {node.compare(CmpPredicate::ge, index, m.c(0)), m.lt(index, n)});
      inside = node.unsqueeze(inside,
                              llvm::to_vector(llvm::seq<int64_t>(1, rank - d)));
      y = m.select(inside, y, value);
    }
    x = y;
  }
  return node.finish(x);
}

LogicalResult mlc::onnx_import::convertDynamicReduce(CC &node, Value x,
                                                     ReduceKind kind,
                                                     Value axes,
                                                     bool keepdims) {
  if (kind != ReduceKind::sum && kind != ReduceKind::mean &&
      kind != ReduceKind::max && kind != ReduceKind::min &&
      kind != ReduceKind::prod)
    return node.unsupported("this reduction over axes known at run time");
  std::optional<int64_t> count = staticLength(node, axes, "axes");
  if (!count)
    return failure();
  int64_t rank = CC::typeOf(x).getRank();
  IndexMath m(node);
  Value reduced = m.axisMask(axes, rank);
  // Reduce each listed dim in turn (keeping it, the result broadcast back
  // over it), then keep one element of it.
  for (int64_t d = 0; d < rank; ++d) {
    Value isReduced = m.at(reduced, d);
    Value y = node.reduce(kind, x, {d}, /*keepdims=*/true);
    x = m.select(isReduced, y, x);
    x = m.gather(x, node.range(m.select(isReduced, m.c(1), m.dim(x, d))), d);
  }
  if (keepdims)
    return node.finish(x);
  if (*count > rank)
    return node.error("more axes than dimensions");
  Value keep = node.compare(CmpPredicate::eq, m.cast(reduced), m.c(0));
  int64_t kept = rank - *count;
  return node.finish(m.reshapeTo(x, m.compactShape(x, keep, kept), kept));
}
