"""mlc: compile ONNX models and PyTorch FX graphs to native CPU code.

    import mlc
    module = mlc.compile("model.onnx")           # or an onnx.ModelProto
    (logits,) = module(x)                          # numpy in, numpy out
    print(module.inputs, module.outputs)
    mlc.load("model.so")                           # made by mlc-compile
    print(mlc.import_onnx("model.onnx"))           # the mlc IR (for mlc-opt)

`mlc.torch` imports torch.fx graphs and is a torch.compile backend. See
docs/python.md.
"""

import os
import shutil
import tempfile
from typing import List, NamedTuple, Tuple

import numpy as np

from ._mlc import Error, UnsupportedError
from . import _mlc

__all__ = ["compile", "load", "import_onnx", "Module", "TensorInfo", "Error",
           "UnsupportedError"]


class TensorInfo(NamedTuple):
    """An input or output of a compiled module; -1 marks a dynamic dim."""
    name: str
    dtype: str
    shape: Tuple[int, ...]


class Module:
    """A compiled module: call it with one array per input (numpy arrays, or
    anything np.asarray takes without a copy, e.g. CPU torch tensors); it
    returns a list of numpy arrays, one per output."""

    def __init__(self, path: str):
        self._model = _mlc.Model(path)
        self.path = path
        self.inputs = [TensorInfo(n, d, tuple(s))
                       for n, d, s in self._model.inputs]
        self.outputs = [TensorInfo(n, d, tuple(s))
                        for n, d, s in self._model.outputs]

    def __call__(self, *arrays) -> List[np.ndarray]:
        return self._model.run([np.asarray(a) for a in arrays])

    def __repr__(self):
        def fmt(infos):
            return ", ".join(f"{t.name}: {t.dtype}{list(t.shape)}"
                             for t in infos)
        return f"<mlc.Module ({fmt(self.inputs)}) -> ({fmt(self.outputs)})>"


def _options(cpu: str, opt_level: int, verbose: bool,
             pass_options: dict) -> "_mlc.CompileOptions":
    """Pipeline options from keywords (register_n=64 -> 'register-n=64'), as
    `mlc-compile --pipeline-options` takes them."""
    options = _mlc.CompileOptions()
    options.cpu = cpu
    options.opt_level = opt_level
    options.verbose = verbose
    options.pipeline_options = " ".join(
        f"{k.replace('_', '-')}={str(v).lower() if isinstance(v, bool) else v}"
        for k, v in pass_options.items())
    return options


def _compile_and_load(compile_to, output) -> Module:
    """Runs compile_to(path) into `output`, or into a temporary file that is
    removed once loaded (the loaded library needs no file)."""
    if output is not None:
        compile_to(os.fspath(output))
        return Module(os.fspath(output))
    tmp = tempfile.mkdtemp(prefix="mlc-")
    try:
        path = os.path.join(tmp, "module.so")
        compile_to(path)
        return Module(path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def compile(model, target: str = "cpu", *, output=None, cpu: str = "native",
            opt_level: int = 3, verbose: bool = False, input_shapes=None,
            **pass_options) -> Module:
    """Compiles an ONNX model (a path to .onnx or .mlir, or an
    onnx.ModelProto) and loads it. `target` is "cpu" or "cuda" (NVIDIA
    GPUs; the module runs where the runtime finds a driver and a device).
    `input_shapes` (one tuple per input, in order) fixes the dimensions the
    model leaves dynamic, which "cuda" needs. `pass_options` are the
    target's pipeline options (e.g. register_n=64 for mlc-cpu-pipeline,
    gpu_arch="sm_90" for mlc-cuda-pipeline); `output` keeps the shared
    library at that path."""
    if target not in ("cpu", "cuda"):
        raise ValueError(f"unknown target '{target}' (available: cpu, cuda)")
    options = _options(cpu, opt_level, verbose, pass_options)
    options.target = target
    if input_shapes is not None:
        options.input_shapes = [
            "x".join(str(int(d)) for d in shape) if len(shape) else "scalar"
            for shape in input_shapes]
    if isinstance(model, (str, os.PathLike)):
        path = os.fspath(model)
        if not os.path.exists(path):
            raise FileNotFoundError(f"no such model file: '{path}'")
        return _compile_and_load(
            lambda out: _mlc.compile_file(path, out, options), output)
    if type(model).__name__ == "ModelProto":
        import onnx
        tmp = tempfile.mkdtemp(prefix="mlc-onnx-")
        try:
            path = os.path.join(tmp, "model.onnx")
            onnx.save(model, path)
            return _compile_and_load(
                lambda out: _mlc.compile_file(path, out, options), output)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    raise TypeError("mlc.compile takes a path or an onnx.ModelProto, got "
                    f"{type(model).__name__} (for torch modules use "
                    "mlc.torch.compile)")


def load(path) -> Module:
    """Loads a shared library made by `mlc-compile` (or compile(output=))."""
    return Module(os.fspath(path))


def import_onnx(path, max_constant_elements: int = 64) -> str:
    """The mlc IR of an ONNX file, as `mlc-import` prints it; `mlc-opt` and
    `mlc-compile` take it back (weights stay in the ONNX file)."""
    return _mlc.import_file(os.fspath(path), max_constant_elements)
