//===- Builder.cpp - Qwen3 in the mlc dialect -----------------------------===//
//
// Hugging Face Qwen3 semantics (modeling_qwen3.py), per decoder layer:
//
//   h = rms_norm(x) ; q, k, v = h Wq^T, h Wk^T, h Wv^T (no bias)
//   q, k = rms_norm per head (QK-norm), then rotate-half RoPE
//   append k, v to the caches ; a = causal GQA attention over the caches
//   x = x + a Wo^T ; x = x + down(silu(gate(h2)) * up(h2)), h2 = rms_norm(x)
//
// and around the layers: the embedding lookup, the final norm and lm_head
// (the embedding table when tie_word_embeddings). Projections read their
// weights as [in, out] (transposed once in params.bin), so that the CPU's
// matmuls stream weight rows, or as [out, in] as the checkpoint has them
// (BuildOptions::projectionsOutIn, for CUDA's GEMVs along k).
//
//===----------------------------------------------------------------------===//

#include "mlc/Models/Qwen3/Builder.h"
#include "mlc/Dialect/Mlc/IR/MlcOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"

using namespace mlir;

namespace mlc::qwen3 {

llvm::ArrayRef<const char *> layerTensorSuffixes() {
  static const char *const suffixes[] = {
      "input_layernorm.weight",    "self_attn.qkv_proj.weight",
      "self_attn.o_proj.weight",   "self_attn.q_norm.weight",
      "self_attn.k_norm.weight",   "post_attention_layernorm.weight",
      "mlp.gate_up_proj.weight",   "mlp.down_proj.weight"};
  return suffixes;
}

namespace {

class Qwen3Builder {
public:
  Qwen3Builder(MLIRContext *context, const Config &config,
               const BuildOptions &options)
      : config(config), options(options),
        loc(NameLoc::get(StringAttr::get(context, "qwen3"))),
        module(ModuleOp::create(loc)), b(context) {}

  OwningOpRef<ModuleOp> build() {
    declareParameters();
    buildEmbed();
    buildLayer(/*decode=*/false);
    buildLayer(/*decode=*/true);
    buildHead(/*decode=*/false);
    buildHead(/*decode=*/true);
    return std::move(module);
  }

private:
  /// Names the ops built next (their NameLoc): kernels report these names
  /// (mlc-compile --print-kernels).
  void at(llvm::StringRef name) { loc = NameLoc::get(b.getStringAttr(name)); }

  Type f32() { return b.getF32Type(); }
  Type i64() { return b.getI64Type(); }
  RankedTensorType tensor(ArrayRef<int64_t> shape, Type element = {}) {
    return RankedTensorType::get(shape, element ? element : f32());
  }

  /// A projection's shape, [in, out] or [out, in]
  /// (BuildOptions::projectionsOutIn).
  llvm::SmallVector<int64_t> projection(int64_t in, int64_t out) {
    if (options.projectionsOutIn)
      return {out, in};
    return {in, out};
  }

  /// The shapes of the weights, by tensor name suffix (projections as
  /// `projection` gives them; see ParameterFile.h).
  llvm::SmallVector<int64_t> layerShape(llvm::StringRef suffix) {
    int64_t h = config.hiddenSize, d = config.headDim,
            q = config.numHeads * d, kv = config.numKvHeads * d,
            m = config.intermediateSize;
    return llvm::StringSwitch<llvm::SmallVector<int64_t>>(suffix)
        .Case("self_attn.qkv_proj.weight", projection(h, q + 2 * kv))
        .Case("self_attn.o_proj.weight", projection(q, h))
        .Cases({"self_attn.q_norm.weight", "self_attn.k_norm.weight"}, {d})
        .Case("mlp.gate_up_proj.weight", projection(h, 2 * m))
        .Case("mlp.down_proj.weight", projection(m, h))
        .Default({h});
  }

  /// Matrices are stored in bf16 with BuildOptions::bf16Weights.
  void declare(llvm::StringRef name, ArrayRef<int64_t> shape) {
    OpBuilder mb = OpBuilder::atBlockEnd(module->getBody());
    Type element = shape.size() == 2 && options.bf16Weights
                       ? Type(b.getBF16Type())
                       : f32();
    ParameterOp::create(mb, loc, name, /*sym_visibility=*/nullptr,
                        tensor(shape, element), /*value=*/nullptr);
  }

  /// `x` in f32 (a widening mlc.cast of bf16 weights, which fusion moves
  /// into the op that reads them).
  Value toF32(Value x) {
    auto type = cast<RankedTensorType>(x.getType());
    if (type.getElementType().isF32())
      return x;
    return create<CastOp>(type.clone(f32()), {x});
  }

  void declareParameters() {
    int64_t v = config.vocabSize, h = config.hiddenSize;
    declare("model.embed_tokens.weight", {v, h});
    for (const char *suffix : layerTensorSuffixes())
      declare((kLayerPrefix + llvm::Twine(suffix)).str(), layerShape(suffix));
    declare("model.norm.weight", {h});
    declare("lm_head.weight", projection(h, v));
  }

  Value parameter(llvm::StringRef name) {
    auto op = module->lookupSymbol<ParameterOp>(name);
    return GetParameterOp::create(b, loc, op.getTensorType(), name);
  }
  Value layerParameter(llvm::StringRef suffix) {
    return parameter((kLayerPrefix + suffix).str());
  }

  /// A public function `name` with named arguments and results; the builder
  /// is left at its start.
  func::FuncOp startFunction(llvm::StringRef name,
                             ArrayRef<std::pair<const char *, Type>> args,
                             ArrayRef<std::pair<const char *, Type>> results) {
    SmallVector<Type> argTypes, resultTypes;
    for (auto &arg : args)
      argTypes.push_back(arg.second);
    for (auto &result : results)
      resultTypes.push_back(result.second);
    at(name);
    OpBuilder mb = OpBuilder::atBlockEnd(module->getBody());
    auto func = func::FuncOp::create(mb, loc, name,
                                     b.getFunctionType(argTypes, resultTypes));
    for (auto [i, arg] : llvm::enumerate(args))
      func.setArgAttr(i, "mlc.name", b.getStringAttr(arg.first));
    for (auto [i, result] : llvm::enumerate(results))
      func.setResultAttr(i, "mlc.name", b.getStringAttr(result.first));
    b.setInsertionPointToStart(func.addEntryBlock());
    return func;
  }

  template <typename OpTy>
  Value create(Type type, ValueRange operands,
               ArrayRef<NamedAttribute> attrs = {}) {
    return OpTy::create(b, loc, TypeRange{type}, operands, attrs)
        .getOperation()
        ->getResult(0);
  }

  Value rmsNorm(Value x, Value weight) {
    return create<RmsNormOp>(
        x.getType(), {x, weight},
        {b.getNamedAttr("epsilon", b.getF32FloatAttr(config.rmsNormEps))});
  }
  /// x [1, S, in] times W [in, out] (or W^T for W [out, in]).
  Value linear(Value x, Value weight) {
    auto xType = cast<RankedTensorType>(x.getType());
    auto wType = cast<RankedTensorType>(weight.getType());
    bool outIn = options.projectionsOutIn;
    SmallVector<NamedAttribute> attrs;
    if (outIn)
      attrs.push_back(b.getNamedAttr("transpose_rhs", b.getUnitAttr()));
    return create<MatmulOp>(
        tensor({1, xType.getDimSize(1), wType.getDimSize(outIn ? 0 : 1)}),
        {x, toF32(weight)}, attrs);
  }
  /// Columns [start, start + count) of x [1, S, N].
  Value columnsOf(Value x, int64_t start, int64_t count) {
    auto type = cast<RankedTensorType>(x.getType());
    return create<SliceOp>(
        tensor({1, type.getDimSize(1), count}), {x},
        {b.getNamedAttr("axes", b.getDenseI64ArrayAttr({2})),
         b.getNamedAttr("starts", b.getDenseI64ArrayAttr({start})),
         b.getNamedAttr("ends", b.getDenseI64ArrayAttr({start + count}))});
  }
  Value reshape(Value x, ArrayRef<int64_t> shape) {
    return create<ReshapeOp>(tensor(shape), {x});
  }
  Value transpose(Value x, ArrayRef<int64_t> permutation) {
    auto type = cast<RankedTensorType>(x.getType());
    SmallVector<int64_t> shape;
    for (int64_t p : permutation)
      shape.push_back(type.getDimSize(p));
    return create<TransposeOp>(
        tensor(shape), {x},
        {b.getNamedAttr("permutation", b.getDenseI64ArrayAttr(permutation))});
  }

  void buildEmbed() {
    int64_t s = ShapedType::kDynamic;
    startFunction("embed", {{"tokens", tensor({1, s}, i64())}},
                  {{"hidden", tensor({1, s, config.hiddenSize})}});
    auto func = cast<func::FuncOp>(b.getBlock()->getParentOp());
    at("embed_tokens");
    Value table = parameter("model.embed_tokens.weight");
    Type element = cast<RankedTensorType>(table.getType()).getElementType();
    Value hidden = toF32(create<GatherOp>(
        tensor({1, s, config.hiddenSize}, element),
        {table, func.getArgument(0)},
        {b.getNamedAttr("axis", b.getI64IntegerAttr(0))}));
    func::ReturnOp::create(b, loc, hidden);
  }

  void buildLayer(bool decode) {
    int64_t s = decode ? 1 : ShapedType::kDynamic;
    int64_t h = config.hiddenSize, d = config.headDim, nq = config.numHeads,
            nkv = config.numKvHeads;
    RankedTensorType hiddenType = tensor({1, s, h});
    RankedTensorType cacheType =
        tensor({1, nkv, options.maxContext, d},
               options.bf16Cache ? Type(b.getBF16Type()) : f32());
    func::FuncOp func = startFunction(
        decode ? "layer_decode" : "layer_prefill",
        {{"hidden", hiddenType},
         {"positions", tensor({1, s}, i64())},
         {"start", tensor({}, i64())},
         {"k_cache", cacheType},
         {"v_cache", cacheType}},
        {{"hidden", hiddenType}, {"k_cache", cacheType}, {"v_cache", cacheType}});
    func.setResultAttr(1, "mlc.updates", b.getI64IntegerAttr(3));
    func.setResultAttr(2, "mlc.updates", b.getI64IntegerAttr(4));
    Value x = func.getArgument(0), positions = func.getArgument(1),
          start = func.getArgument(2);

    // Attention block.
    at("input_layernorm");
    Value hn = rmsNorm(x, layerParameter("input_layernorm.weight"));
    // q, k and v in one product (their weights side by side in params.bin),
    // then each: its columns, q_norm/k_norm per head, in [1, heads, S, d].
    at("qkv_proj");
    Value qkv = linear(hn, layerParameter("self_attn.qkv_proj.weight"));
    int64_t offset = 0;
    auto heads = [&](const char *name, int64_t n, bool norm) {
      at(std::string(name) + "_proj");
      Value columns = columnsOf(qkv, offset, n * d);
      offset += n * d;
      Value split = reshape(columns, {1, s, n, d});
      if (norm) {
        at(std::string(name) + "_norm");
        split = rmsNorm(split, layerParameter(std::string("self_attn.") +
                                              name + "_norm.weight"));
      }
      return transpose(split, {0, 2, 1, 3});
    };
    Value q = heads("q", nq, true);
    Value k = heads("k", nkv, true);
    Value v = heads("v", nkv, false);
    auto rope = [&](Value t, const char *name) {
      at(name);
      return create<RotaryEmbeddingOp>(
          t.getType(), {t, positions},
          {b.getNamedAttr("theta", b.getF64FloatAttr(config.ropeTheta))});
    };
    q = rope(q, "q_rope");
    k = rope(k, "k_rope");
    auto append = [&](Value cache, Value rows, const char *name) {
      at(name);
      auto rowsType = cast<RankedTensorType>(rows.getType());
      if (rowsType.getElementType() != cacheType.getElementType())
        rows = create<CastOp>(rowsType.clone(cacheType.getElementType()),
                              {rows});
      return create<UpdateSliceOp>(
          cacheType, {cache, rows, start},
          {b.getNamedAttr("axis", b.getI64IntegerAttr(2))});
    };
    Value kCache = append(func.getArgument(3), k, "k_cache_update");
    Value vCache = append(func.getArgument(4), v, "v_cache_update");
    at("attention");
    Value attention =
        AttentionOp::create(b, loc, q.getType(), q, kCache, vCache,
                            /*mask=*/Value(), /*position=*/start,
                            /*causal=*/b.getUnitAttr(), /*scale=*/FloatAttr());
    Value merged = reshape(transpose(attention, {0, 2, 1, 3}), {1, s, nq * d});
    at("o_proj");
    Value o = linear(merged, layerParameter("self_attn.o_proj.weight"));
    at("attention_residual");
    Value x1 = create<AddOp>(hiddenType, {x, o});

    // MLP block.
    at("post_attention_layernorm");
    Value h2 = rmsNorm(x1, layerParameter("post_attention_layernorm.weight"));
    at("gate_up_proj");
    Value gateUp = linear(h2, layerParameter("mlp.gate_up_proj.weight"));
    Value gate = columnsOf(gateUp, 0, config.intermediateSize);
    Value up = columnsOf(gateUp, config.intermediateSize,
                         config.intermediateSize);
    at("swiglu");
    Value act = create<SwigluOp>(gate.getType(), {gate, up});
    at("down_proj");
    Value down = linear(act, layerParameter("mlp.down_proj.weight"));
    at("mlp_residual");
    Value x2 = create<AddOp>(hiddenType, {x1, down});
    func::ReturnOp::create(b, loc, ValueRange{x2, kCache, vCache});
  }

  void buildHead(bool decode) {
    int64_t s = decode ? 1 : ShapedType::kDynamic;
    func::FuncOp func =
        startFunction(decode ? "head_decode" : "head_prefill",
                      {{"hidden", tensor({1, s, config.hiddenSize})}},
                      {{"logits", tensor({1, s, config.vocabSize})}});
    at("norm");
    Value hn = rmsNorm(func.getArgument(0), parameter("model.norm.weight"));
    at("lm_head");
    Value logits = linear(hn, parameter("lm_head.weight"));
    func::ReturnOp::create(b, loc, logits);
  }

  const Config &config;
  const BuildOptions &options;
  Location loc;
  OwningOpRef<ModuleOp> module;
  OpBuilder b;
};

} // namespace

OwningOpRef<ModuleOp> buildModule(MLIRContext *context, const Config &config,
                                  const BuildOptions &options) {
  context->loadDialect<MlcDialect, func::FuncDialect>();
  return Qwen3Builder(context, config, options).build();
}

} // namespace mlc::qwen3
