//===- ShapeBuilder.cpp - shape functions of mlc ops ----------------------===//

#include "mlc/Dialect/Mlc/IR/ShapeBuilder.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/Support/CheckedArithmetic.h"

using namespace mlir;

namespace mlc {

ShapeBuilder::ShapeBuilder(MLIRContext *context, std::optional<Location> loc,
                           StringRef opName, TypeRange resultTypes)
    : context(context), loc(loc), opName(opName), resultTypes(resultTypes) {}

ShapeBuilder::ShapeBuilder(OpBuilder &builder, Location loc, StringRef opName,
                           TypeRange resultTypes)
    : context(builder.getContext()), builder(&builder), loc(loc),
      opName(opName), resultTypes(resultTypes) {}

Location ShapeBuilder::getLoc() const {
  return loc ? *loc : UnknownLoc::get(context);
}

Value ShapeBuilder::toIndex(Dim d) {
  if (d.isConstant())
    return arith::ConstantIndexOp::create(*builder, getLoc(), d.getConstant());
  return d.getValue();
}

Dim ShapeBuilder::dim(Value shaped, int64_t i) {
  auto type = cast<RankedTensorType>(shaped.getType());
  if (!type.isDynamicDim(i))
    return Dim::constant(type.getDimSize(i));
  if (!isReifying())
    return Dim();
  return Dim::value(tensor::DimOp::create(*builder, getLoc(), shaped, i));
}

SmallVector<Dim> ShapeBuilder::dims(Value shaped) {
  SmallVector<Dim> result;
  int64_t rank = cast<RankedTensorType>(shaped.getType()).getRank();
  for (int64_t i = 0; i < rank; ++i)
    result.push_back(dim(shaped, i));
  return result;
}

Dim ShapeBuilder::element(Value tensor, ArrayRef<int64_t> index) {
  DenseIntElementsAttr attr;
  if (matchPattern(tensor, m_Constant(&attr))) {
    auto values = attr.getValues<APInt>();
    auto type = cast<ShapedType>(attr.getType());
    int64_t linear = 0;
    for (auto [i, size] : llvm::zip(index, type.getShape()))
      linear = linear * size + i;
    return Dim::constant(values[linear].getSExtValue());
  }
  if (!isReifying())
    return Dim();
  SmallVector<Value> indices;
  for (int64_t i : index)
    indices.push_back(arith::ConstantIndexOp::create(*builder, getLoc(), i));
  Value scalar = tensor::ExtractOp::create(*builder, getLoc(), tensor, indices);
  return Dim::value(arith::IndexCastOp::create(
      *builder, getLoc(), builder->getIndexType(), scalar));
}

Dim ShapeBuilder::binary(Dim a, Dim b,
                         function_ref<std::optional<int64_t>(int64_t, int64_t)> fold,
                         function_ref<Value(Value, Value)> build) {
  if (a.isConstant() && b.isConstant()) {
    // Sizes that overflow are not sizes: leave them unknown.
    std::optional<int64_t> folded = fold(a.getConstant(), b.getConstant());
    return folded ? Dim::constant(*folded) : Dim();
  }
  if (!isReifying() || (!a.isConstant() && !a.getValue()) ||
      (!b.isConstant() && !b.getValue()))
    return Dim();
  return Dim::value(build(toIndex(a), toIndex(b)));
}

Dim ShapeBuilder::add(Dim a, Dim b) {
  if (a.isConstant(0))
    return b;
  if (b.isConstant(0))
    return a;
  return binary(
      a, b, [](int64_t x, int64_t y) { return llvm::checkedAdd(x, y); },
      [&](Value x, Value y) {
        return arith::AddIOp::create(*builder, getLoc(), x, y);
      });
}

Dim ShapeBuilder::sub(Dim a, Dim b) {
  if (b.isConstant(0))
    return a;
  return binary(
      a, b, [](int64_t x, int64_t y) { return llvm::checkedSub(x, y); },
      [&](Value x, Value y) {
        return arith::SubIOp::create(*builder, getLoc(), x, y);
      });
}

Dim ShapeBuilder::mul(Dim a, Dim b) {
  if (a.isConstant(1))
    return b;
  if (b.isConstant(1))
    return a;
  return binary(
      a, b, [](int64_t x, int64_t y) { return llvm::checkedMul(x, y); },
      [&](Value x, Value y) {
        return arith::MulIOp::create(*builder, getLoc(), x, y);
      });
}

Dim ShapeBuilder::floorDiv(Dim a, Dim b) {
  if (b.isConstant(1))
    return a;
  if (b.isConstant(0))
    return Dim();
  return binary(
      a, b,
      [](int64_t x, int64_t y) -> std::optional<int64_t> {
        if (x == INT64_MIN && y == -1)
          return std::nullopt;
        return x / y - ((x % y != 0) && ((x < 0) != (y < 0)) ? 1 : 0);
      },
      [&](Value x, Value y) {
        return arith::FloorDivSIOp::create(*builder, getLoc(), x, y);
      });
}

Dim ShapeBuilder::ceilDiv(Dim a, Dim b) {
  if (b.isConstant(1))
    return a;
  if (b.isConstant(0))
    return Dim();
  return binary(
      a, b,
      [](int64_t x, int64_t y) -> std::optional<int64_t> {
        if (x == INT64_MIN && y == -1)
          return std::nullopt;
        return x / y + ((x % y != 0) && ((x < 0) == (y < 0)) ? 1 : 0);
      },
      [&](Value x, Value y) {
        return arith::CeilDivSIOp::create(*builder, getLoc(), x, y);
      });
}

Dim ShapeBuilder::max(Dim a, Dim b) {
  return binary(
      a, b,
      [](int64_t x, int64_t y) -> std::optional<int64_t> {
        return std::max(x, y);
      },
      [&](Value x, Value y) {
        return arith::MaxSIOp::create(*builder, getLoc(), x, y);
      });
}

Dim ShapeBuilder::min(Dim a, Dim b) {
  return binary(
      a, b,
      [](int64_t x, int64_t y) -> std::optional<int64_t> {
        return std::min(x, y);
      },
      [&](Value x, Value y) {
        return arith::MinSIOp::create(*builder, getLoc(), x, y);
      });
}

static bool compare(arith::CmpIPredicate predicate, int64_t a, int64_t b) {
  switch (predicate) {
  case arith::CmpIPredicate::eq:
    return a == b;
  case arith::CmpIPredicate::ne:
    return a != b;
  case arith::CmpIPredicate::slt:
    return a < b;
  case arith::CmpIPredicate::sle:
    return a <= b;
  case arith::CmpIPredicate::sgt:
    return a > b;
  case arith::CmpIPredicate::sge:
    return a >= b;
  default:
    llvm_unreachable("shape functions compare signed");
  }
}

Dim ShapeBuilder::selectIf(arith::CmpIPredicate predicate, Dim a, Dim b,
                           Dim then, Dim otherwise) {
  if (a.isConstant() && b.isConstant())
    return compare(predicate, a.getConstant(), b.getConstant()) ? then
                                                                : otherwise;
  if (then.isConstant() && otherwise.isConstant() &&
      then.getConstant() == otherwise.getConstant())
    return then;
  auto known = [](Dim d) { return d.isConstant() || d.getValue(); };
  if (!isReifying() || !known(a) || !known(b) || !known(then) ||
      !known(otherwise))
    return Dim();
  Value condition = arith::CmpIOp::create(*builder, getLoc(), predicate,
                                          toIndex(a), toIndex(b));
  return Dim::value(arith::SelectOp::create(*builder, getLoc(), condition,
                                            toIndex(then), toIndex(otherwise)));
}

std::optional<Dim> ShapeBuilder::broadcast(Dim a, Dim b) {
  if (a.isConstant(1))
    return b;
  if (b.isConstant(1))
    return a;
  if (a.isConstant() && b.isConstant())
    return a.getConstant() == b.getConstant() ? std::optional<Dim>(a)
                                              : std::nullopt;
  // A size other than 1 fixes the result: the other side must be it or 1.
  if (a.isConstant())
    return a;
  if (b.isConstant())
    return b;
  // Both dynamic: whichever is not 1 (this is right for size 0 too).
  return selectIf(arith::CmpIPredicate::eq, a, Dim::constant(1), b, a);
}

Dim ShapeBuilder::product(ArrayRef<Dim> dims) {
  Dim result = Dim::constant(1);
  for (Dim d : dims)
    result = mul(result, d);
  return result;
}

namespace detail {

SmallVector<int64_t> getStaticSizes(ArrayRef<Dim> dims) {
  return llvm::map_to_vector(dims, [](Dim d) { return d.getStaticSize(); });
}

FailureOr<Window> getWindow(ShapeBuilder &b,
                            std::optional<ArrayRef<int64_t>> strides,
                            std::optional<ArrayRef<int64_t>> dilations,
                            std::optional<ArrayRef<int64_t>> padding) {
  Window window;
  window.strides.assign(2, 1);
  window.dilations.assign(2, 1);
  window.padding.assign(4, 0);
  auto take = [&](StringRef name, std::optional<ArrayRef<int64_t>> given,
                  auto &into, size_t count, int64_t minimum) -> LogicalResult {
    if (!given)
      return success();
    if (given->size() != count)
      return b.emitError(name, " must have ", count, " values, has ",
                         given->size());
    for (int64_t v : *given)
      if (v < minimum)
        return b.emitError(name, " must be >= ", minimum, ", got ", v);
    into.assign(given->begin(), given->end());
    return success();
  };
  if (failed(take("strides", strides, window.strides, 2, 1)) ||
      failed(take("dilations", dilations, window.dilations, 2, 1)) ||
      failed(take("padding", padding, window.padding, 4, 0)))
    return failure();
  return window;
}

Dim getWindowOutputSize(ShapeBuilder &b, const Window &window, int64_t i,
                        Dim input, Dim kernel, bool ceilMode) {
  Dim stride = b.constant(window.strides[i]);
  Dim padded = b.add(input, b.constant(window.padding[i] + window.padding[i + 2]));
  // Extent of one window: dilation * (kernel - 1) + 1.
  Dim extent = b.add(b.mul(b.constant(window.dilations[i]),
                           b.sub(kernel, b.constant(1))),
                     b.constant(1));
  Dim span = b.sub(padded, extent);
  if (!ceilMode)
    return b.add(b.floorDiv(span, stride), b.constant(1));
  Dim out = b.add(b.ceilDiv(span, stride), b.constant(1));
  // A last window that would start inside the end padding is dropped.
  Dim lastStart = b.mul(b.sub(out, b.constant(1)), stride);
  Dim limit = b.add(input, b.constant(window.padding[i]));
  return b.selectIf(arith::CmpIPredicate::sge, lastStart, limit,
                    b.sub(out, b.constant(1)), out);
}

int64_t getRank(Value v) { return cast<RankedTensorType>(v.getType()).getRank(); }

LogicalResult sameShapeAs(ShapeBuilder &b, Value operand,
                          SmallVectorImpl<ShapedResult> &results) {
  results.push_back({b.dims(operand), getElementTypeOrSelf(operand.getType())});
  return success();
}

LogicalResult broadcastDims(ShapeBuilder &b, ArrayRef<SmallVector<Dim>> shapes,
                            SmallVectorImpl<Dim> &result) {
  size_t rank = 0;
  for (const auto &shape : shapes)
    rank = std::max(rank, shape.size());
  result.assign(rank, Dim::constant(1));
  for (const auto &shape : shapes) {
    size_t offset = rank - shape.size();
    for (auto [i, d] : llvm::enumerate(shape)) {
      std::optional<Dim> merged = b.broadcast(result[offset + i], d);
      if (!merged)
        return b.emitError("operands are not broadcast-compatible: dimension ",
                           offset + i, " of the result is ",
                           result[offset + i].getConstant(), " and ",
                           d.getConstant());
      result[offset + i] = *merged;
    }
  }
  return success();
}

LogicalResult broadcastShapes(ShapeBuilder &b, ArrayRef<Value> operands,
                              Type elementType,
                              SmallVectorImpl<ShapedResult> &results) {
  SmallVector<SmallVector<Dim>> shapes;
  for (Value operand : operands)
    shapes.push_back(b.dims(operand));
  ShapedResult result;
  result.elementType = elementType;
  if (failed(broadcastDims(b, shapes, result.dims)))
    return failure();
  results.push_back(std::move(result));
  return success();
}

LogicalResult checkAxes(ShapeBuilder &b, StringRef what, ArrayRef<int64_t> axes,
                        int64_t rank, bool sortedUnique) {
  for (auto [i, axis] : llvm::enumerate(axes)) {
    if (axis < 0 || axis >= rank)
      return b.emitError(what, " ", axis, " is out of range for rank ", rank);
    if (sortedUnique && i > 0 && axes[i - 1] >= axis)
      return b.emitError(what, " must be sorted and unique");
  }
  return success();
}

LogicalResult checkRankedOperands(ShapeBuilder &b, ValueRange operands) {
  for (auto [i, operand] : llvm::enumerate(operands))
    if (!isa<RankedTensorType>(operand.getType()))
      return b.emitError("operand #", i, " must be a ranked tensor, got ",
                         operand.getType());
  return success();
}

bool isCompatibleReturnTypes(TypeRange inferred, TypeRange actual) {
  if (inferred.size() != actual.size())
    return false;
  for (auto [a, b] : llvm::zip(inferred, actual)) {
    auto ta = dyn_cast<RankedTensorType>(a);
    auto tb = dyn_cast<RankedTensorType>(b);
    if (!ta || !tb || ta.getElementType() != tb.getElementType() ||
        failed(verifyCompatibleShape(ta, tb)))
      return false;
  }
  return true;
}

LogicalResult checkResultShapes(Operation *op, ArrayRef<ShapedResult> shapes) {
  if (shapes.size() != op->getNumResults())
    return op->emitOpError("expected ") << shapes.size() << " results, has "
                                        << op->getNumResults();
  for (auto [i, shape, type] :
       llvm::enumerate(shapes, op->getResultTypes())) {
    auto tensorType = cast<RankedTensorType>(type);
    if (tensorType.getRank() != static_cast<int64_t>(shape.dims.size()))
      return op->emitOpError("result #")
             << i << " has rank " << tensorType.getRank() << ", expected "
             << shape.dims.size();
    if (shape.elementType && shape.elementType != tensorType.getElementType())
      return op->emitOpError("result #")
             << i << " has element type " << tensorType.getElementType()
             << ", expected " << shape.elementType;
    for (auto [d, dim] : llvm::enumerate(shape.dims)) {
      if (dim.isConstant() && !tensorType.isDynamicDim(d) &&
          tensorType.getDimSize(d) != dim.getConstant())
        return op->emitOpError("result #")
               << i << " dimension " << d << " is "
               << tensorType.getDimSize(d) << ", expected "
               << dim.getConstant();
    }
  }
  return success();
}

LogicalResult toReifiedShapes(OpBuilder &builder, TypeRange resultTypes,
                              ArrayRef<ShapedResult> shapes,
                              ReifiedRankedShapedTypeDims &reified) {
  for (auto [shape, type] : llvm::zip(shapes, resultTypes)) {
    auto tensorType = cast<RankedTensorType>(type);
    SmallVector<OpFoldResult> dims;
    for (auto [d, dim] : llvm::enumerate(shape.dims)) {
      if (!tensorType.isDynamicDim(d))
        dims.push_back(builder.getIndexAttr(tensorType.getDimSize(d)));
      else if (dim.isConstant())
        dims.push_back(builder.getIndexAttr(dim.getConstant()));
      else if (dim.getValue())
        dims.push_back(dim.getValue());
      else
        return failure();
    }
    reified.push_back(std::move(dims));
  }
  return success();
}

} // namespace detail
} // namespace mlc
