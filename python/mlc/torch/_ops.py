"""torch.fx nodes -> mlc ops, one converter per PyTorch function, method or
module. Each converter gets a Context (its current builder, the node's
example output) and the node's arguments, with runtime tensors as
mlc Values and everything known at compile time (weights, sizes, dims) as
the concrete Python or torch value. A converter raises Unsupported for what
it cannot express; the node then runs in PyTorch."""
import operator

import torch
import torch.nn.functional as F
from torch import nn


class Unsupported(Exception):
    """A node mlc cannot compile (the message says why)."""


def _arg(args, kwargs, index, name, default=None):
    if len(args) > index:
        return args[index]
    return kwargs.get(name, default)


def _dim(d, rank):
    return d + rank if d < 0 else d


def _pair(v):
    return list(v) if isinstance(v, (tuple, list)) else [v, v]


# -- elementwise --------------------------------------------------------------

def _unary(op, **attrs):
    def convert(ctx, args, kwargs):
        return ctx.op(op, [ctx.v(args[0])], attrs)
    return convert


def _binary(op, reverse=False):
    def convert(ctx, args, kwargs):
        a, b = args[0], args[1] if len(args) > 1 else kwargs["other"]
        if reverse:
            a, b = b, a
        alpha = kwargs.get("alpha", args[2] if len(args) > 2 else 1)
        dtype = ctx.out_dtype()
        if alpha != 1:
            b = ctx.op("mlc.mul", [ctx.v(b, dtype), ctx.v(alpha, dtype)])
        return ctx.op(op, [ctx.v(a, dtype), ctx.v(b, dtype)])
    return convert


def _compare(predicate):
    def convert(ctx, args, kwargs):
        dtype = ctx.mlc_dtype(torch.result_type(*[ctx.example(a) for a in args[:2]]))
        return ctx.op("mlc.cmp", [ctx.v(args[0], dtype), ctx.v(args[1], dtype)],
                      {"predicate": ctx.b.enum("cmp_predicate", predicate)})
    return convert


def _clip(ctx, x, lo, hi):
    dtype = ctx.value_dtype(x)
    attrs = {}
    if lo is not None:
        attrs["min"] = ctx.b.scalar(float(lo), dtype)
    if hi is not None:
        attrs["max"] = ctx.b.scalar(float(hi), dtype)
    return ctx.op("mlc.clip", [ctx.v(x)], attrs)


def _gelu(ctx, args, kwargs):
    approximate = _arg(args, kwargs, 1, "approximate", "none")
    return ctx.op("mlc.gelu", [ctx.v(args[0])], {"approximate": approximate == "tanh"})


def _hardtanh(ctx, args, kwargs):
    return _clip(ctx, args[0], _arg(args, kwargs, 1, "min_val", -1.0),
                 _arg(args, kwargs, 2, "max_val", 1.0))


def _clamp(ctx, args, kwargs):
    return _clip(ctx, args[0], _arg(args, kwargs, 1, "min"), _arg(args, kwargs, 2, "max"))


def _where(ctx, args, kwargs):
    if len(args) != 3:
        raise Unsupported("torch.where with one argument")
    dtype = ctx.out_dtype()
    return ctx.op("mlc.where", [ctx.v(args[0]), ctx.v(args[1], dtype), ctx.v(args[2], dtype)])


def _masked_fill(ctx, args, kwargs):
    dtype = ctx.out_dtype()
    return ctx.op("mlc.where", [ctx.v(args[1]), ctx.v(args[2], dtype), ctx.v(args[0], dtype)])


def _cast(ctx, args, kwargs):
    return ctx.cast(ctx.v(args[0]), ctx.out_dtype())


def _identity(ctx, args, kwargs):
    return ctx.v(args[0])


# -- contractions and NN ops --------------------------------------------------

def _matmul(ctx, args, kwargs):
    a, b = ctx.v(args[0]), ctx.v(args[1])
    if len(a.shape) < 2 or len(b.shape) < 2:
        raise Unsupported("matmul of a vector")
    return ctx.op("mlc.matmul", [a, b])


def _linear(ctx, args, kwargs):
    x, w = ctx.v(args[0]), args[1]
    bias = _arg(args, kwargs, 2, "bias")
    if isinstance(w, torch.Tensor):
        # A weight [N, K] is stored transposed, [K, N], as ONNX exports
        # store it: the CPU pipeline packs such right-hand sides.
        w = ctx.v(w.detach().t(), name=ctx.importer.weight_name(w, ".transposed"))
        y = ctx.op("mlc.matmul", [x, w])
    else:
        y = ctx.op("mlc.matmul", [x, ctx.v(w)], {"transpose_rhs": True})
    return y if bias is None else ctx.op("mlc.add", [y, ctx.v(bias)])


def _conv2d(ctx, args, kwargs):
    x, w = ctx.v(args[0]), ctx.v(args[1])
    bias = _arg(args, kwargs, 2, "bias")
    stride = _pair(_arg(args, kwargs, 3, "stride", 1))
    padding = _arg(args, kwargs, 4, "padding", 0)
    dilation = _pair(_arg(args, kwargs, 5, "dilation", 1))
    groups = _arg(args, kwargs, 6, "groups", 1)
    if isinstance(padding, str):
        raise Unsupported(f"conv2d padding='{padding}'")
    ph, pw = _pair(padding)
    operands = [x, w] + ([] if bias is None else [ctx.v(bias)])
    return ctx.op("mlc.conv2d", operands, {
        "strides": stride, "dilations": dilation, "padding": [ph, pw, ph, pw],
        "groups": groups})


def _batch_norm(ctx, args, kwargs):
    x = args[0]
    mean, var = args[1], args[2]
    weight, bias = _arg(args, kwargs, 3, "weight"), _arg(args, kwargs, 4, "bias")
    training = _arg(args, kwargs, 5, "training", False)
    eps = _arg(args, kwargs, 7, "eps", 1e-5)
    if training or not all(isinstance(t, torch.Tensor) or t is None
                           for t in (mean, var, weight, bias)):
        raise Unsupported("batch_norm in training mode or with runtime statistics")
    # Inference: x * scale + shift, per channel, folded at compile time.
    with torch.no_grad():
        scale = torch.rsqrt(var + eps)
        if weight is not None:
            scale = scale * weight
        shift = -mean * scale
        if bias is not None:
            shift = shift + bias
    rank = len(ctx.v(x).shape)
    shape = [-1] + [1] * (rank - 2)
    return ctx.op("mlc.add", [
        ctx.op("mlc.mul", [ctx.v(x), ctx.v(scale.reshape(shape))]),
        ctx.v(shift.reshape(shape))])


def _layer_norm(ctx, args, kwargs):
    x = ctx.v(args[0])
    normalized = _arg(args, kwargs, 1, "normalized_shape")
    weight, bias = _arg(args, kwargs, 2, "weight"), _arg(args, kwargs, 3, "bias")
    eps = _arg(args, kwargs, 4, "eps", 1e-5)
    if weight is None:
        weight = torch.ones(normalized)
    operands = [x, ctx.v(weight)] + ([] if bias is None else [ctx.v(bias)])
    return ctx.op("mlc.layer_norm", operands,
                  {"axis": len(x.shape) - len(normalized), "epsilon": float(eps)})


def _softmax(op):
    def convert(ctx, args, kwargs):
        x = ctx.v(args[0])
        dim = _arg(args, kwargs, 1, "dim")
        if dim is None:
            raise Unsupported("softmax without dim")
        if kwargs.get("dtype") is not None:
            raise Unsupported("softmax with dtype")
        return ctx.op(op, [x], {"axis": _dim(dim, len(x.shape))})
    return convert


def _pool(kind):
    def convert(ctx, args, kwargs):
        x = ctx.v(args[0])
        kernel = _pair(_arg(args, kwargs, 1, "kernel_size"))
        stride = _arg(args, kwargs, 2, "stride") or kernel
        ph, pw = _pair(_arg(args, kwargs, 3, "padding", 0))
        attrs = {"kind": ctx.b.enum("pool_kind", kind), "kernel": kernel,
                 "strides": _pair(stride), "padding": [ph, pw, ph, pw]}
        if kind == "max":
            attrs["dilations"] = _pair(_arg(args, kwargs, 4, "dilation", 1))
            attrs["ceil_mode"] = bool(_arg(args, kwargs, 5, "ceil_mode", False))
            if _arg(args, kwargs, 6, "return_indices", False):
                raise Unsupported("max_pool2d with return_indices")
        else:
            attrs["ceil_mode"] = bool(_arg(args, kwargs, 4, "ceil_mode", False))
            attrs["count_include_pad"] = bool(_arg(args, kwargs, 5, "count_include_pad", True))
            if _arg(args, kwargs, 6, "divisor_override") is not None:
                raise Unsupported("avg_pool2d with divisor_override")
        return ctx.op("mlc.pool2d", [x], attrs)
    return convert


def _adaptive_avg_pool2d(ctx, args, kwargs):
    x = ctx.v(args[0])
    h, w = x.shape[-2:]
    oh, ow = [d if d is not None else s
              for d, s in zip(_pair(_arg(args, kwargs, 1, "output_size")), (h, w))]
    if oh == 1 and ow == 1:
        rank = len(x.shape)
        return ctx.op("mlc.reduce", [x], {"kind": ctx.b.enum("reduce_kind", "mean"),
                                          "axes": [rank - 2, rank - 1], "keepdims": True})
    if h % oh or w % ow:
        raise Unsupported(f"adaptive_avg_pool2d from {h}x{w} to {oh}x{ow}")
    kernel = [h // oh, w // ow]
    return ctx.op("mlc.pool2d", [x], {"kind": ctx.b.enum("pool_kind", "avg"),
                                      "kernel": kernel, "strides": kernel})


def _embedding(ctx, args, kwargs):
    indices, weight = args[0], args[1]
    if _arg(args, kwargs, 3, "max_norm") is not None:
        raise Unsupported("embedding with max_norm")
    return ctx.op("mlc.gather", [ctx.v(weight), ctx.v(indices)], {"axis": 0})


def _sdpa(ctx, args, kwargs):
    q, k, v = (ctx.v(a) for a in args[:3])
    mask = _arg(args, kwargs, 3, "attn_mask")
    if _arg(args, kwargs, 4, "dropout_p", 0.0) != 0.0:
        raise Unsupported("scaled_dot_product_attention with dropout")
    causal = bool(_arg(args, kwargs, 5, "is_causal", False))
    scale = kwargs.get("scale")
    if len(q.shape) != 4:
        raise Unsupported("scaled_dot_product_attention of rank != 4")
    operands = [q, k, v, None if mask is None else ctx.v(mask), None]
    attrs = {"causal": causal}
    if scale is not None:
        attrs["scale"] = ctx.b.f64(scale)
    return ctx.op("mlc.attention", operands, attrs)


# -- reductions ---------------------------------------------------------------

def _reduce(kind):
    def convert(ctx, args, kwargs):
        x = ctx.v(args[0])
        rank = len(x.shape)
        dim = _arg(args, kwargs, 1, "dim")
        keepdim = bool(_arg(args, kwargs, 2, "keepdim", False))
        if kwargs.get("dtype") is not None:
            raise Unsupported(f"{kind} with dtype")
        if isinstance(ctx.example_out, tuple):   # max(x, dim) -> (values, indices)
            values = ctx.op("mlc.reduce", [x], {"kind": ctx.b.enum("reduce_kind", kind),
                                                "axes": [_dim(dim, rank)], "keepdims": keepdim})
            indices = ctx.op("mlc.argmax" if kind == "max" else "mlc.argmin", [x],
                             {"axis": _dim(dim, rank), "keepdims": keepdim})
            return [values, indices]
        dims = list(range(rank)) if dim is None else (
            [dim] if isinstance(dim, int) else list(dim))
        return ctx.op("mlc.reduce", [x], {"kind": ctx.b.enum("reduce_kind", kind),
                                          "axes": sorted(_dim(d, rank) for d in dims),
                                          "keepdims": keepdim})
    return convert


# -- shapes -------------------------------------------------------------------

def _reshape(ctx, args, kwargs):
    """view, reshape, flatten, squeeze, unsqueeze: the example output's shape
    (shapes are static once traced with example inputs)."""
    return ctx.reshape(ctx.v(args[0]), list(ctx.example_out.shape))


def _permute(ctx, args, kwargs):
    x = ctx.v(args[0])
    dims = args[1:] if len(args) > 2 or isinstance(args[1], int) else args[1]
    dims = kwargs.get("dims", dims)
    return ctx.op("mlc.transpose", [x], {"permutation": [_dim(d, len(x.shape)) for d in dims]})


def _transpose(ctx, args, kwargs):
    x = ctx.v(args[0])
    rank = len(x.shape)
    perm = list(range(rank))
    a, b = _dim(args[1], rank), _dim(args[2], rank)
    perm[a], perm[b] = perm[b], perm[a]
    return ctx.op("mlc.transpose", [x], {"permutation": perm})


def _expand(ctx, args, kwargs):
    out = ctx.example_out
    return ctx.op("mlc.expand", [ctx.v(args[0])],
                  result_types=[(ctx.out_dtype(), list(out.shape))])


def _cat(ctx, args, kwargs):
    tensors = args[0]
    dim = _arg(args, kwargs, 1, "dim", 0)
    dtype = ctx.out_dtype()
    values = [ctx.v(t, dtype) for t in tensors]
    return ctx.op("mlc.concat", values, {"axis": _dim(dim, len(ctx.example_out.shape))})


def _stack(ctx, args, kwargs):
    tensors = args[0]
    dim = _dim(_arg(args, kwargs, 1, "dim", 0), ctx.example_out.dim())
    values = []
    for t in tensors:
        v = ctx.v(t, ctx.out_dtype())
        shape = list(v.shape)
        values.append(ctx.reshape(v, shape[:dim] + [1] + shape[dim:]))
    return ctx.op("mlc.concat", values, {"axis": dim})


def _split(ctx, args, kwargs):
    """split(x, sizes or size, dim) and chunk(x, n, dim): the pieces of the
    example output."""
    x = ctx.v(args[0])
    pieces = ctx.example_out
    dim = _dim(_arg(args, kwargs, 2, "dim", 0), len(x.shape))
    sizes = [p.shape[dim] for p in pieces]
    return ctx.op("mlc.split", [x], {"axis": dim, "sizes": sizes},
                  result_types=[(ctx.mlc_dtype(p.dtype), list(p.shape)) for p in pieces])


def _getitem(ctx, args, kwargs):
    container, index = args
    if isinstance(container, (list, tuple)):
        return container[index]
    if isinstance(ctx.example(container), (list, tuple)):   # e.g. split's pieces
        pieces = ctx.v(container)
        if not isinstance(pieces, list):
            raise Unsupported("element of a tuple computed outside mlc")
        return pieces[index]
    x = ctx.v(container)
    index = index if isinstance(index, tuple) else (index,)
    if any(isinstance(i, (torch.Tensor, list)) or not isinstance(i, (int, slice, type(None), type(Ellipsis)))
           for i in index):
        raise Unsupported("indexing with tensors or lists")
    consumed = sum(1 for i in index if i is not None and i is not Ellipsis)
    if Ellipsis in index:
        e = index.index(Ellipsis)
        index = index[:e] + (slice(None),) * (len(x.shape) - consumed) + index[e + 1:]
    axes, starts, ends, steps = [], [], [], []
    dim = 0
    for i in index:
        if i is None:
            continue
        size = x.shape[dim]
        if isinstance(i, int):
            i = _dim(i, size)
            axes.append(dim), starts.append(i), ends.append(i + 1), steps.append(1)
        elif i != slice(None):
            start, stop, step = i.indices(size)
            if step < 0:
                raise Unsupported("negative slice step")
            axes.append(dim), starts.append(start), ends.append(stop), steps.append(step)
        dim += 1
    y = x
    if axes:
        y = ctx.op("mlc.slice", [x], {"axes": axes, "starts": starts, "ends": ends,
                                      "steps": steps})
    return ctx.reshape(y, list(ctx.example_out.shape))


# -- modules ------------------------------------------------------------------

def _module_as(function, *names):
    """A module converter that calls a function converter with the module's
    tensors and settings `names` after the inputs."""
    def convert(ctx, module, args, kwargs):
        return function(ctx, list(args) + [getattr(module, n) for n in names], {})
    return convert


def _conv_module(ctx, m, args, kwargs):
    if m.padding_mode != "zeros" or not isinstance(m.padding, tuple):
        raise Unsupported(f"Conv2d with padding {m.padding!r}/{m.padding_mode}")
    return _conv2d(ctx, [args[0], m.weight, m.bias, m.stride, m.padding, m.dilation,
                         m.groups], {})


def _bn_module(ctx, m, args, kwargs):
    if m.training or m.running_mean is None:
        raise Unsupported("BatchNorm in training mode")
    return _batch_norm(ctx, [args[0], m.running_mean, m.running_var, m.weight, m.bias,
                             False, m.momentum, m.eps], {})


def _ln_module(ctx, m, args, kwargs):
    return _layer_norm(ctx, [args[0], list(m.normalized_shape), m.weight, m.bias, m.eps], {})


def _pool_module(kind):
    def convert(ctx, m, args, kwargs):
        if kind == "max":
            return _pool("max")(ctx, [args[0], m.kernel_size, m.stride, m.padding,
                                      m.dilation, m.ceil_mode, m.return_indices], {})
        return _pool("avg")(ctx, [args[0], m.kernel_size, m.stride, m.padding,
                                  m.ceil_mode, m.count_include_pad,
                                  m.divisor_override], {})
    return convert


def _as_module(function):
    """A module whose forward is a function of its input only."""
    def convert(ctx, m, args, kwargs):
        return function(ctx, args, kwargs)
    return convert


FUNCTIONS = {
    # elementwise
    operator.add: _binary("mlc.add"), operator.iadd: _binary("mlc.add"),
    operator.imul: _binary("mlc.mul"), operator.isub: _binary("mlc.sub"),
    operator.itruediv: _binary("mlc.div"), torch.add: _binary("mlc.add"),
    operator.sub: _binary("mlc.sub"), torch.sub: _binary("mlc.sub"),
    torch.rsub: _binary("mlc.sub", reverse=True),
    operator.mul: _binary("mlc.mul"), torch.mul: _binary("mlc.mul"),
    operator.truediv: _binary("mlc.div"), torch.div: _binary("mlc.div"),
    operator.pow: _binary("mlc.pow"), torch.pow: _binary("mlc.pow"),
    torch.maximum: _binary("mlc.max"), torch.minimum: _binary("mlc.min"),
    operator.neg: _unary("mlc.neg"), torch.neg: _unary("mlc.neg"),
    torch.relu: _unary("mlc.relu"), F.relu: _unary("mlc.relu"),
    torch.sigmoid: _unary("mlc.sigmoid"), F.sigmoid: _unary("mlc.sigmoid"),
    torch.tanh: _unary("mlc.tanh"), F.tanh: _unary("mlc.tanh"),
    F.silu: _unary("mlc.silu"), F.gelu: _gelu,
    F.relu6: lambda ctx, a, k: _clip(ctx, a[0], 0.0, 6.0),
    F.hardtanh: _hardtanh, torch.clamp: _clamp, torch.clip: _clamp,
    torch.exp: _unary("mlc.exp"), torch.log: _unary("mlc.log"),
    torch.sqrt: _unary("mlc.sqrt"), torch.rsqrt: _unary("mlc.rsqrt"),
    torch.abs: _unary("mlc.abs"), torch.erf: _unary("mlc.erf"),
    torch.sin: _unary("mlc.sin"), torch.cos: _unary("mlc.cos"),
    torch.reciprocal: _unary("mlc.reciprocal"),
    operator.lt: _compare("lt"), operator.le: _compare("le"),
    operator.gt: _compare("gt"), operator.ge: _compare("ge"),
    operator.eq: _compare("eq"), operator.ne: _compare("ne"),
    torch.where: _where, torch.masked_fill: _masked_fill,
    F.dropout: _identity,
    # contractions, NN
    torch.matmul: _matmul, operator.matmul: _matmul, torch.bmm: _matmul,
    torch.mm: _matmul, F.linear: _linear, F.conv2d: _conv2d,
    F.batch_norm: _batch_norm, F.layer_norm: _layer_norm,
    torch.softmax: _softmax("mlc.softmax"), F.softmax: _softmax("mlc.softmax"),
    torch.log_softmax: _softmax("mlc.log_softmax"),
    F.log_softmax: _softmax("mlc.log_softmax"),
    F.max_pool2d: _pool("max"), F.avg_pool2d: _pool("avg"),
    F.adaptive_avg_pool2d: _adaptive_avg_pool2d, F.embedding: _embedding,
    # reductions
    torch.mean: _reduce("mean"), torch.sum: _reduce("sum"),
    torch.amax: _reduce("max"), torch.max: _reduce("max"), torch.amin: _reduce("min"),
    torch.min: _reduce("min"),
    # shapes
    torch.reshape: _reshape, torch.flatten: _reshape, torch.squeeze: _reshape,
    torch.unsqueeze: _reshape, torch.permute: _permute, torch.transpose: _transpose,
    torch.cat: _cat, torch.concat: _cat, torch.stack: _stack,
    torch.split: _split, torch.chunk: _split, operator.getitem: _getitem,
}
if hasattr(F, "scaled_dot_product_attention"):
    FUNCTIONS[F.scaled_dot_product_attention] = _sdpa

METHODS = {
    "add": _binary("mlc.add"), "sub": _binary("mlc.sub"), "mul": _binary("mlc.mul"),
    "div": _binary("mlc.div"), "pow": _binary("mlc.pow"), "neg": _unary("mlc.neg"),
    "relu": _unary("mlc.relu"), "sigmoid": _unary("mlc.sigmoid"),
    "tanh": _unary("mlc.tanh"), "exp": _unary("mlc.exp"), "log": _unary("mlc.log"),
    "sqrt": _unary("mlc.sqrt"), "rsqrt": _unary("mlc.rsqrt"), "abs": _unary("mlc.abs"),
    "sin": _unary("mlc.sin"), "cos": _unary("mlc.cos"), "clamp": _clamp,
    "masked_fill": _masked_fill, "softmax": _softmax("mlc.softmax"),
    "log_softmax": _softmax("mlc.log_softmax"), "matmul": _matmul, "bmm": _matmul,
    "mean": _reduce("mean"), "sum": _reduce("sum"), "amax": _reduce("max"),
    "max": _reduce("max"), "min": _reduce("min"),
    "view": _reshape, "reshape": _reshape, "flatten": _reshape, "squeeze": _reshape,
    "unsqueeze": _reshape, "view_as": _reshape, "reshape_as": _reshape,
    "permute": _permute, "transpose": _transpose, "expand": _expand,
    "expand_as": _expand, "contiguous": _identity, "split": _split,
    "chunk": _split, "float": _cast, "to": _cast, "type_as": _cast,
}
for _name in ("add", "sub", "mul", "div", "relu", "sigmoid", "tanh", "clamp",
              "masked_fill"):
    METHODS[_name + "_"] = METHODS[_name]   # in place: the same value

MODULES = {
    nn.Linear: _module_as(_linear, "weight", "bias"),
    nn.Conv2d: _conv_module, nn.BatchNorm2d: _bn_module, nn.BatchNorm1d: _bn_module,
    nn.LayerNorm: _ln_module,
    nn.ReLU: _as_module(_unary("mlc.relu")), nn.SiLU: _as_module(_unary("mlc.silu")),
    nn.Sigmoid: _as_module(_unary("mlc.sigmoid")), nn.Tanh: _as_module(_unary("mlc.tanh")),
    nn.GELU: _module_as(_gelu, "approximate"),
    nn.ReLU6: _as_module(lambda ctx, a, k: _clip(ctx, a[0], 0.0, 6.0)),
    nn.Hardtanh: _module_as(_hardtanh, "min_val", "max_val"),
    nn.Softmax: _module_as(_softmax("mlc.softmax"), "dim"),
    nn.LogSoftmax: _module_as(_softmax("mlc.log_softmax"), "dim"),
    nn.MaxPool2d: _pool_module("max"), nn.AvgPool2d: _pool_module("avg"),
    nn.AdaptiveAvgPool2d: _module_as(_adaptive_avg_pool2d, "output_size"),
    nn.Flatten: _as_module(_reshape), nn.Dropout: _as_module(_identity),
    nn.Identity: _as_module(_identity),
    nn.Embedding: _module_as(_embedding, "weight"),
}
