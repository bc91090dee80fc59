"""mlc for PyTorch: torch.fx graphs compiled by mlc, with what mlc cannot
compile left to PyTorch.

    import mlc.torch
    compiled = mlc.torch.compile(model, (x,))       # nn.Module or GraphModule
    y = compiled(x)
    print(mlc.torch.explain(model, (x,)))           # what runs where, and why
    fn = mlc.torch.backend(gm, example_inputs)      # the torch.compile contract
    torch.compile(model, backend="mlc")              # PyTorch >= 2

The graph is run once on the example inputs (so shapes are static, as
torch.compile specializes them), then converted node by node through mlc's
C++ builder (mlc._mlc.Builder). Runs of convertible nodes become compiled
mlc modules; a node mlc cannot convert runs in PyTorch between them.
Parameters and buffers become named weights; values that do not depend on
the graph inputs are computed once, at compile time.
"""
import os
import shutil
import tempfile
from typing import NamedTuple

import numpy as np
import torch
import torch.fx

from .. import Module, _mlc, _options
from ._ops import FUNCTIONS, METHODS, MODULES, Unsupported

__all__ = ["compile", "backend", "explain", "import_fx", "CompiledGraph",
           "Fallback"]

_DTYPES = {torch.float32: "f32", torch.float64: "f64", torch.float16: "f16",
           torch.bfloat16: "bf16", torch.int64: "i64", torch.int32: "i32",
           torch.int16: "i16", torch.int8: "i8", torch.bool: "bool"}
# Runtime tensors cross into compiled modules as numpy arrays.
_NUMPY_DTYPES = set(_DTYPES) - {torch.bfloat16}
# Tensors with at most this many elements become constants, larger ones
# named weights (as mlc-import does).
_MAX_CONSTANT_ELEMENTS = 64


class Fallback(NamedTuple):
    """A node that runs in PyTorch, and why."""
    node: str
    target: str
    reason: str


def _target_name(node):
    if node.op == "call_module":
        return f"{node.target} ({type(node.graph.owning_module.get_submodule(node.target)).__name__})"
    target = node.target
    return target if isinstance(target, str) else getattr(
        target, "__qualname__", getattr(target, "__name__", repr(target)))


class _Segment:
    """A run of consecutive graph nodes compiled as one mlc module."""

    def __init__(self, index):
        self.builder = _mlc.Builder()
        self.name = f"segment{index}"
        self.values = {}    # fx node -> mlc Value (or list of them)
        self.statics = {}   # id(tensor) -> mlc Value of a compile-time tensor
        self.inputs = []    # fx nodes whose runtime values it takes
        self.nodes = []     # fx nodes it computes
        self.outputs = []   # (fx node, index in its tuple or None, tuple size)
        self.module = None


class _Context:
    """What a converter sees of the node it converts (see _ops.py)."""

    def __init__(self, importer, segment, node):
        self.importer, self.segment, self.node = importer, segment, node
        self.b = segment.builder
        self.example_out = importer.examples[node]

    # values
    def example(self, x):
        return x.example if isinstance(x, _Runtime) else x

    def v(self, x, dtype=None, name=None):
        """An mlc Value for a converter argument: a runtime tensor, or a
        compile-time tensor or number (a weight or constant, `name`d if
        given); cast to `dtype` when given."""
        if isinstance(x, _Runtime):
            value = self.importer.runtime_value(self.segment, x.node)
        elif isinstance(x, torch.Tensor):
            value = self.importer.static_value(self.segment, x, name)
        elif isinstance(x, (bool, int, float)):
            tensor = torch.tensor(x, dtype=self.torch_dtype(dtype) if dtype else None)
            value = self.importer.static_value(self.segment, tensor)
        else:
            raise Unsupported(f"argument of type {type(x).__name__}")
        return value if dtype is None else self.cast(value, dtype)

    def value_dtype(self, x):
        return self.v(x).dtype

    def mlc_dtype(self, torch_dtype):
        if torch_dtype not in _DTYPES:
            raise Unsupported(f"dtype {torch_dtype}")
        return _DTYPES[torch_dtype]

    def torch_dtype(self, dtype):
        return {v: k for k, v in _DTYPES.items()}[dtype]

    def out_dtype(self):
        return self.mlc_dtype(self.example_out.dtype)

    # ops
    def op(self, name, operands, attrs=None, result_types=None):
        results = self.b.op(name, operands, attrs or {}, result_types, self.node.name)
        return results[0] if len(results) == 1 else results

    def cast(self, value, dtype):
        if value.dtype == dtype:
            return value
        return self.op("mlc.cast", [value], result_types=[(dtype, value.shape)])

    def reshape(self, value, shape):
        if list(value.shape) == list(shape):
            return value
        return self.op("mlc.reshape", [value], result_types=[(value.dtype, shape)])


class _Runtime:
    """A converter argument whose value is only known at run time."""

    def __init__(self, node, example):
        self.node, self.example = node, example


def _is_tensor(x):
    return isinstance(x, torch.Tensor)


class _Importer:
    """Splits a GraphModule into compiled segments and PyTorch nodes."""

    def __init__(self, gm, example_inputs, options, weights_dir=None):
        self.gm, self.options = gm, options
        self.names = {id(t): n for n, t in list(gm.named_parameters()) +
                      list(gm.named_buffers())}
        self.examples = {}      # node -> example value
        self.static = {}        # node -> True if known at compile time
        self.steps = []         # _Segment or fx node (run in PyTorch)
        self.fallbacks = []
        self.weights_dir = os.path.abspath(weights_dir) if weights_dir else \
            tempfile.mkdtemp(prefix="mlc-fx-")
        self._run(list(example_inputs))

    # -- classification and conversion ----------------------------------
    def _run(self, inputs):
        nodes = [n for n in self.gm.graph.nodes if n.op not in ("placeholder", "output")]
        placeholders = [n for n in self.gm.graph.nodes if n.op == "placeholder"]
        if len(inputs) != len(placeholders):
            raise TypeError(f"the graph takes {len(placeholders)} inputs, "
                            f"{len(inputs)} example inputs given")
        for node, value in zip(placeholders, inputs):
            self.examples[node], self.static[node] = value, False
        # Example values of every node, and what is known at compile time:
        # sizes, dims and dtypes are specialized to the examples (as
        # torch.compile does); values computed from weights alone are folded.
        for node in nodes:
            args, kwargs = self._examples_of(node)
            with torch.no_grad():
                value = _execute(self.gm, node, args, kwargs)
            self.examples[node] = value
            deps = node.all_input_nodes
            self.static[node] = bool(
                node.op == "get_attr" or not _has_tensor(value) or
                deps and all(self.static[d] for d in deps) and not _is_random(node))
        segment = None
        for node in nodes:
            if self.static[node]:
                continue
            if segment is None:
                segment = _Segment(len(self.steps))
            try:
                self._convert(segment, node)
                segment.nodes.append(node)
            except Exception as e:   # Unsupported, mlc.Error, or a converter bug
                reason = str(e).splitlines()[0] if str(e) else type(e).__name__
                if not isinstance(e, (Unsupported, _mlc.Error)):
                    reason = f"{type(e).__name__} in the converter: {reason}"
                self.fallbacks.append(Fallback(node.name, str(_target_name(node)), reason))
                self._close(segment)
                segment = None
                self.steps.append(node)
        if segment is not None:
            self._close(segment)

    def _examples_of(self, node):
        return torch.fx.node.map_arg((node.args, node.kwargs),
                                     lambda n: self.examples[n])

    def _convert(self, segment, node):
        args, kwargs = torch.fx.node.map_arg(
            (node.args, node.kwargs),
            lambda n: self.examples[n] if self.static[n] else _Runtime(n, self.examples[n]))
        ctx = _Context(self, segment, node)
        if node.op == "call_function":
            convert = FUNCTIONS.get(node.target)
            if convert is None:
                raise Unsupported(f"no converter for {_target_name(node)}")
            result = convert(ctx, args, kwargs)
        elif node.op == "call_method":
            convert = METHODS.get(node.target)
            if convert is None:
                raise Unsupported(f"no converter for Tensor.{node.target}")
            result = convert(ctx, args, kwargs)
        elif node.op == "call_module":
            module = self.gm.get_submodule(node.target)
            convert = MODULES.get(type(module))
            if convert is None:
                raise Unsupported(f"no converter for {type(module).__name__}")
            result = convert(ctx, module, args, kwargs)
        else:
            raise Unsupported(f"node kind {node.op}")
        self._check(node, result)
        segment.values[node] = result

    def _check(self, node, result):
        """The converted value must have the shape and dtype of the example
        output (an importer bug otherwise, reported as a fallback)."""
        example = self.examples[node]
        pairs = (zip(result, example) if isinstance(result, list)
                 else [(result, example)])
        for value, want in pairs:
            if not _is_tensor(want):
                raise Unsupported(f"result of type {type(want).__name__}")
            got = (tuple(value.shape), value.dtype)
            expected = (tuple(want.shape), _DTYPES.get(want.dtype))
            if got != expected:
                raise Unsupported(f"converted to {got[1]}{list(got[0])}, PyTorch gives "
                                  f"{expected[1]}{list(expected[0])}")

    def runtime_value(self, segment, node):
        if node in segment.values:
            return segment.values[node]
        example = self.examples[node]
        if not _is_tensor(example) or example.dtype not in _NUMPY_DTYPES:
            raise Unsupported(f"input '{node.name}' of type "
                              f"{getattr(example, 'dtype', type(example).__name__)}")
        value = segment.builder.input(node.name, _DTYPES[example.dtype],
                                      list(example.shape))
        segment.values[node] = value
        segment.inputs.append(node)
        return value

    def weight_name(self, tensor, suffix=""):
        """The qualified name of a parameter or buffer, plus `suffix`."""
        name = self.names.get(id(tensor))
        return name + suffix if name else None

    def static_value(self, segment, tensor, name=None):
        key = id(tensor)
        if key in segment.statics:
            return segment.statics[key][0]
        if tensor.dtype not in _DTYPES:
            raise Unsupported(f"weight of dtype {tensor.dtype}")
        dtype, shape = _DTYPES[tensor.dtype], list(tensor.shape)
        data = tensor.detach().contiguous()
        if data.numel() <= _MAX_CONSTANT_ELEMENTS and data.dtype not in (torch.bool, torch.bfloat16):
            value = segment.builder.constant(data.numpy(), dtype, shape)
        else:
            name = name or self.names.get(key, f"const{len(segment.statics)}")
            path, offset = self._write_weight(segment, data)
            value = segment.builder.parameter(name, dtype, shape, path, offset,
                                              data.numel() * data.element_size())
        segment.statics[key] = (value, tensor)   # keeps `tensor` (and its id) alive
        return value

    def _write_weight(self, segment, data):
        path = os.path.join(self.weights_dir, segment.name + ".bin")
        with open(path, "ab") as f:
            offset = f.tell()
            f.write(data.view(torch.uint8).numpy().tobytes() if data.dtype == torch.bfloat16
                    else data.numpy().tobytes())
        return path, offset

    def _close(self, segment):
        """Ends a segment: its outputs are the values used after it."""
        if not segment.nodes:
            return
        inside = set(segment.nodes)
        values, names = [], []
        for node in segment.nodes:
            if not any(u not in inside and not self.static.get(u) for u in node.users):
                continue
            result = segment.values[node]
            if not isinstance(result, list):
                segment.outputs.append((node, None, 0))
                values.append(result)
                names.append(node.name)
                continue
            for i, value in enumerate(result):
                segment.outputs.append((node, i, len(result)))
                values.append(value)
                names.append(f"{node.name}.{i}")
        segment.builder.output(values, names)
        self.steps.append(segment)

    # -- compilation -------------------------------------------------------
    def compile_segments(self):
        try:
            for step in self.steps:
                if isinstance(step, _Segment):
                    step.module = self._compile(step)
                    # The module is all a call needs.
                    step.builder, step.values, step.statics = None, {}, {}
        finally:
            shutil.rmtree(self.weights_dir, ignore_errors=True)

    def _compile(self, segment):
        options = _options(self.options.get("cpu", "native"),
                           self.options.get("opt_level", 3),
                           self.options.get("verbose", False),
                           {k: v for k, v in self.options.items()
                            if k not in ("cpu", "opt_level", "verbose")})
        path = os.path.join(self.weights_dir, segment.name + ".so")
        segment.builder.compile(path, self.weights_dir, options)
        return Module(path)


def _has_tensor(value):
    if _is_tensor(value):
        return True
    if isinstance(value, (list, tuple)):
        return any(_has_tensor(v) for v in value)
    return False


def _is_random(node):
    name = getattr(node.target, "__name__", str(node.target))
    return any(k in name for k in ("rand", "dropout", "bernoulli", "normal"))


def _execute(gm, node, args, kwargs):
    if node.op == "get_attr":
        value = gm
        for part in node.target.split("."):
            value = getattr(value, part)
        return value
    if node.op == "call_function":
        return node.target(*args, **kwargs)
    if node.op == "call_method":
        return getattr(args[0], node.target)(*args[1:], **kwargs)
    if node.op == "call_module":
        return gm.get_submodule(node.target)(*args, **kwargs)
    raise RuntimeError(f"unexpected node {node.op}")


def _to_numpy(x):
    """A numpy view of a CPU tensor (no copy); a copy otherwise."""
    if _is_tensor(x):
        x = x.detach()
        if x.device.type != "cpu":
            x = x.cpu()
        return x.numpy()
    return np.asarray(x)


class CompiledGraph:
    """A GraphModule compiled by mlc: call it like the GraphModule."""

    def __init__(self, gm, example_inputs, **options):
        self.gm = gm
        importer = _Importer(gm, example_inputs, options)
        importer.compile_segments()
        self.steps = importer.steps
        self.fallbacks = importer.fallbacks
        self.statics = {n: v for n, v in importer.examples.items()
                        if importer.static[n]}
        self.placeholders = [n for n in gm.graph.nodes if n.op == "placeholder"]
        self.output = next(n for n in gm.graph.nodes if n.op == "output")

    @property
    def segments(self):
        return [s for s in self.steps if isinstance(s, _Segment)]

    def __call__(self, *inputs):
        if len(inputs) != len(self.placeholders):
            raise TypeError(f"the graph takes {len(self.placeholders)} inputs, "
                            f"got {len(inputs)}")
        env = dict(self.statics)
        env.update(zip(self.placeholders, inputs))
        for step in self.steps:
            if isinstance(step, _Segment):
                arrays = [_to_numpy(env[n]) for n in step.inputs]
                results = step.module(*arrays)
                for (node, i, n), array in zip(step.outputs, results):
                    tensor = torch.from_numpy(array)
                    if i is None:
                        env[node] = tensor
                    else:
                        env.setdefault(node, [None] * n)[i] = tensor
            else:
                args, kwargs = torch.fx.node.map_arg((step.args, step.kwargs),
                                                     lambda n: env[n])
                env[step] = _execute(self.gm, step, args, kwargs)
        return torch.fx.node.map_arg(self.output.args[0], lambda n: env[n])

    def explain(self):
        return _Explanation(self)


class _Explanation:
    def __init__(self, compiled):
        self.segments = [(len(s.nodes), [n.name for n in s.inputs]) for s in compiled.segments]
        self.fallbacks = compiled.fallbacks

    def __str__(self):
        lines = [f"mlc: {len(self.segments)} compiled segment(s), "
                 f"{len(self.fallbacks)} node(s) run in PyTorch"]
        for f in self.fallbacks:
            lines.append(f"  fallback: node '{f.node}' ({f.target}): {f.reason}")
        return "\n".join(lines)

    __repr__ = __str__


def _trace(model):
    if isinstance(model, torch.fx.GraphModule):
        return model
    if isinstance(model, torch.nn.Module):
        return torch.fx.symbolic_trace(model)
    raise TypeError(f"expected an nn.Module or a GraphModule, got {type(model).__name__}")


def compile(model, example_inputs, **options) -> CompiledGraph:
    """Compiles an nn.Module (traced with torch.fx.symbolic_trace) or a
    GraphModule for `example_inputs`. `options` are those of mlc.compile
    (cpu, opt_level, verbose, mlc-cpu-pipeline options)."""
    return CompiledGraph(_trace(model), example_inputs, **options)


def backend(gm, example_inputs, **options):
    """The torch.compile backend: `torch.compile(model, backend="mlc")` (the
    name is registered when torch._dynamo exists) or backend=mlc.torch.backend.
    Returns the compiled graph, a callable with the GraphModule's signature.
    Nodes that run in PyTorch are logged on the "mlc" logger."""
    compiled = CompiledGraph(gm, example_inputs, **options)
    if compiled.fallbacks:
        import logging
        logging.getLogger("mlc").info("%s", compiled.explain())
    return compiled


def explain(model, example_inputs, **options):
    """What mlc compiles and what falls back to PyTorch, and why (str() it)."""
    return compile(model, example_inputs, **options).explain()


def import_fx(model, example_inputs, weights_dir=None) -> str:
    """The mlc IR of a graph that mlc converts whole (mlc.UnsupportedError
    otherwise), for mlc-opt and mlc-compile. Its weights are written to
    files in `weights_dir` (absolute paths in the IR); without it, to a
    temporary folder removed once this returns."""
    importer = _Importer(_trace(model), example_inputs, {}, weights_dir)
    try:
        if importer.fallbacks:
            f = importer.fallbacks[0]
            raise _mlc.UnsupportedError(
                f"node '{f.node}' ({f.target}) is not supported: {f.reason}")
        return "\n".join(str(s.builder) for s in importer.steps)
    finally:
        if weights_dir is None:
            shutil.rmtree(importer.weights_dir, ignore_errors=True)


def _register():
    """Registers backend under the name "mlc" where torch._dynamo exists."""
    try:
        from torch._dynamo import register_backend
    except ImportError:
        return
    try:
        register_backend(name="mlc")(backend)
    except Exception:   # already registered (module reloaded)
        pass


_register()
