"""The ONNX API: mlc.compile, mlc.load, mlc.import_onnx, module metadata and
named errors for bad inputs."""
import os
import subprocess

import numpy as np
import onnx
import pytest
import torch

import mlc
from conftest import relative_error


class MLP(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = torch.nn.Linear(16, 32)
        self.fc2 = torch.nn.Linear(32, 4)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


@pytest.fixture(scope="module")
def mlp(tmp_path_factory):
    """An MLP exported with a dynamic batch, its input and PyTorch's output."""
    torch.manual_seed(0)
    model = MLP().eval()
    x = torch.randn(3, 16)
    path = str(tmp_path_factory.mktemp("mlp") / "mlp.onnx")
    torch.onnx.export(model, (x,), path, input_names=["x"],
                      output_names=["y"], dynamic_axes={"x": {0: "batch"}})
    return path, x.numpy(), model(x).detach().numpy()


def test_compile_path_and_proto(mlp):
    path, x, want = mlp
    for model in (path, onnx.load(path)):
        module = mlc.compile(model)
        (got,) = module(x)
        assert relative_error(got, want) < 1e-4


def test_metadata(mlp):
    module = mlc.compile(mlp[0])
    assert module.inputs == [mlc.TensorInfo("x", "f32", (-1, 16))]
    assert module.outputs == [mlc.TensorInfo("y", "f32", (-1, 4))]


def test_input_shapes(mlp):
    path, x, want = mlp
    module = mlc.compile(path, input_shapes=[x.shape])
    assert module.inputs == [mlc.TensorInfo("x", "f32", (3, 16))]
    assert module.outputs == [mlc.TensorInfo("y", "f32", (3, 4))]
    assert relative_error(module(x)[0], want) < 1e-4
    with pytest.raises(ValueError, match=r"input 'x' dimension 0"):
        module(np.zeros((2, 16), np.float32))
    with pytest.raises(mlc.Error, match=r"input #0 is 'tensor<\?x16xf32>', not of rank 3"):
        mlc.compile(path, input_shapes=[(3, 16, 1)])


def test_pass_options_and_output(mlp, tmp_path):
    path, x, want = mlp
    so = tmp_path / "mlp.so"
    module = mlc.compile(path, output=so, register_n=64, plan_memory=False)
    assert so.exists()
    assert relative_error(module(x)[0], want) < 1e-4
    with pytest.raises(mlc.Error, match="invalid pipeline options"):
        mlc.compile(path, no_such_option=1)


def test_other_batch_and_strided_input(mlp):
    path, _, _ = mlp
    module = mlc.compile(path)
    model = MLP()
    torch.manual_seed(0)
    model = MLP().eval()
    x = np.random.default_rng(0).standard_normal((16, 5), np.float32).T
    assert not x.flags.c_contiguous
    want = model(torch.from_numpy(np.ascontiguousarray(x))).detach().numpy()
    assert relative_error(module(x)[0], want) < 1e-4


def test_bad_inputs_are_named(mlp):
    module = mlc.compile(mlp[0])
    x = mlp[1]
    with pytest.raises(ValueError, match=r"input 'x' dimension 1: expected 16, got 15"):
        module(x[:, :15])
    with pytest.raises(ValueError, match=r"input 'x': expected dtype f32, got i64"):
        module(x.astype(np.int64))
    with pytest.raises(ValueError, match=r"input 'x': expected rank 2"):
        module(x[0])
    with pytest.raises(ValueError, match=r"takes 1 input"):
        module(x, x)
    with pytest.raises(ValueError, match=r"input 0 'x': unsupported numpy dtype complex64"):
        module(x.astype(np.complex64))


def test_bad_models_are_named(tmp_path):
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"\x08\x07\x12")
    with pytest.raises(mlc.Error, match="bad.onnx"):
        mlc.compile(str(bad))
    with pytest.raises(FileNotFoundError, match="missing.onnx"):
        mlc.compile(str(tmp_path / "missing.onnx"))
    node = onnx.helper.make_node("DFT", ["x"], ["y"])
    graph = onnx.helper.make_graph(
        [node], "g",
        [onnx.helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [4, 2])],
        [onnx.helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [4, 2])])
    with pytest.raises(mlc.UnsupportedError, match="DFT"):
        mlc.compile(onnx.helper.make_model(graph))
    with pytest.raises(TypeError, match="mlc.torch"):
        mlc.compile(MLP())


def test_load_artifact_of_mlc_compile(mlp, build_dir, tmp_path):
    path, x, want = mlp
    so = tmp_path / "tool.so"
    subprocess.run([os.path.join(build_dir, "bin", "mlc-compile"), path, "-o",
                    str(so), "--quiet"], check=True)
    module = mlc.load(so)
    assert relative_error(module(x)[0], want) < 1e-4
    with pytest.raises(mlc.Error, match="missing.so"):
        mlc.load(tmp_path / "missing.so")


def test_import_onnx_is_reproducible(mlp, build_dir):
    """import_onnx's IR, compiled by mlc-compile, gives the same module."""
    path, x, want = mlp
    ir = mlc.import_onnx(path)
    assert "func.func @main" in ir and "mlc.gemm" in ir
    mlir = os.path.splitext(path)[0] + ".mlir"   # next to the weights' file
    with open(mlir, "w") as f:
        f.write(ir)
    so = mlir + ".so"
    subprocess.run([os.path.join(build_dir, "bin", "mlc-compile"), mlir, "-o",
                    so, "--quiet"], check=True)
    assert relative_error(mlc.load(so)(x)[0], want) < 1e-4
    assert relative_error(mlc.compile(mlir)(x)[0], want) < 1e-4
