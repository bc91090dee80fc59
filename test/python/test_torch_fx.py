"""The FX importer op by op (mlc.torch), the C++ builder it uses, and the
reproducibility of its IR with mlc-compile."""
import os
import subprocess

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import mlc
import mlc.torch
from mlc import _mlc
from conftest import relative_error


def check(model, *inputs, segments=1):
    compiled = mlc.torch.compile(model, inputs)
    assert not compiled.fallbacks, str(compiled.explain())
    assert len(compiled.segments) == segments
    with torch.no_grad():
        want = model(*inputs)
    got = compiled(*inputs)
    if isinstance(want, torch.Tensor):
        got, want = [got], [want]
    for g, w in zip(got, want):
        assert g.dtype == w.dtype and g.shape == w.shape
        assert relative_error(g, w) < 1e-4
    return compiled


class Shapes(torch.nn.Module):
    def forward(self, x, y):
        pieces, halves = torch.split(x, [3, 5], dim=-1), x.chunk(2, dim=1)
        a, b, c, d = pieces[0], pieces[1], halves[0], halves[1]
        z = torch.cat([a * 2.0, b - 1, c, d], dim=-1)
        z = z.view(2, 4, -1).permute(0, 2, 1).contiguous().transpose(1, 2)
        s = z[:, 1:3, ::2] + z[:, :2, :1] + x[None, 2:4, None, 0]
        t = torch.stack([s, s.sigmoid()], dim=1).flatten(1).unsqueeze(0).squeeze(0)
        m = torch.bmm(x.view(2, 2, 8), y.transpose(-1, -2))
        return t, m.tanh().mean(dim=-1, keepdim=True), m.max(dim=1)[0], x.sum(), F.relu(-x).amax(-1)


def test_shapes_and_elementwise():
    check(Shapes(), torch.randn(4, 8), torch.randn(2, 3, 8))


class CNN(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 8, 3, stride=2, padding=1, bias=False)
        self.bn = torch.nn.BatchNorm2d(8)
        self.dw = torch.nn.Conv2d(8, 8, 3, padding=1, groups=8)
        self.pool = torch.nn.MaxPool2d(3, 2, 1)
        self.fc = torch.nn.Linear(8 * 2 * 2, 5)

    def forward(self, x):
        x = F.relu6(self.bn(self.conv(x)))
        x = F.hardtanh(self.dw(x), -2.0, 2.0) + torch.clamp(x, min=0.5)
        x = F.avg_pool2d(self.pool(x), 2, count_include_pad=False)
        x = F.adaptive_avg_pool2d(x, (2, 2))
        return torch.softmax(self.fc(torch.flatten(x, 1)), -1)


def test_cnn_ops():
    torch.manual_seed(0)
    model = CNN().eval()
    model.bn.running_mean.uniform_(-0.1, 0.1)
    model.bn.running_var.uniform_(0.5, 1.5)
    check(model, torch.randn(2, 3, 16, 16))


class Transformer(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = torch.nn.Embedding(50, 32)
        self.norm = torch.nn.LayerNorm(32)
        self.qkv = torch.nn.Linear(32, 96)

    def forward(self, ids):
        h = self.norm(self.embed(ids))
        qkv = self.qkv(h).view(2, 6, 3, 4, 8).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        scores = q @ k.transpose(-2, -1) / 8 ** 0.5
        mask = torch.ones(6, 6).tril() == 0
        p = scores.masked_fill(mask, float("-inf")).softmax(-1)
        o = (p @ v).transpose(1, 2).reshape(2, 6, 32)
        return F.gelu(o, approximate="tanh") + F.silu(h) * torch.rsqrt(h.pow(2).mean(-1, keepdim=True) + 1e-6)


def test_transformer_ops():
    torch.manual_seed(0)
    check(Transformer().eval(), torch.randint(0, 50, (2, 6)))


def test_builder_errors_name_the_node():
    b = _mlc.Builder()
    x = b.input("x", "f32", [2, 3])
    w = b.input("w", "f32", [4, 5])
    with pytest.raises(mlc.Error, match="node 'fc'.*"):
        b.op("mlc.matmul", [x, w], {}, None, "fc")
    with pytest.raises(mlc.UnsupportedError, match="node 'f': unknown op 'mlc.fft'"):
        b.op("mlc.fft", [x], {}, None, "f")
    (y,) = b.op("mlc.relu", [x], {}, None, "relu")
    assert (y.dtype, y.shape) == ("f32", [2, 3])
    b.output([y], ["y"])
    assert 'mlc.relu' in str(b) and '{mlc.name = "y"}' in str(b)
    with pytest.raises(mlc.Error, match="finished"):
        b.input("z", "f32", [1])


def test_import_fx_is_reproducible(tmp_path, build_dir):
    torch.manual_seed(0)
    model = CNN().eval()
    x = torch.randn(1, 3, 16, 16)
    ir = mlc.torch.import_fx(model, (x,), weights_dir=tmp_path)
    assert "mlc.conv2d" in ir and "@conv.weight" in ir
    (tmp_path / "cnn.mlir").write_text(ir)
    subprocess.run([os.path.join(build_dir, "bin", "mlc-compile"),
                    str(tmp_path / "cnn.mlir"), "-o", str(tmp_path / "cnn.so"),
                    "--quiet"], check=True)
    (got,) = mlc.load(tmp_path / "cnn.so")(x.numpy())
    with torch.no_grad():
        assert relative_error(got, model(x)) < 1e-4


def test_wrong_inputs_to_a_compiled_graph():
    torch.manual_seed(0)
    model = CNN().eval()
    compiled = mlc.torch.compile(model, (torch.randn(1, 3, 16, 16),))
    with pytest.raises(ValueError, match=r"input 'x' dimension 2: expected 16, got 8"):
        compiled(torch.randn(1, 3, 8, 16))
    with pytest.raises(ValueError, match=r"input 'x': expected dtype f32, got f64"):
        compiled(torch.randn(1, 3, 16, 16, dtype=torch.float64))
    with pytest.raises(TypeError, match="takes 1 inputs, got 2"):
        compiled(torch.randn(1, 3, 16, 16), 1)


def test_zero_copy():
    """CPU tensors cross as numpy views; outputs are numpy arrays over the
    runtime's result memory, and torch tensors over those arrays."""
    from mlc.torch import _to_numpy
    t = torch.randn(4, 8)
    assert np.shares_memory(_to_numpy(t), t.numpy())
    assert np.shares_memory(_to_numpy(t.t()), t.numpy())   # a strided view
    model = torch.nn.Linear(8, 3).eval()
    compiled = mlc.torch.compile(model, (t,))
    (out,) = compiled.segments[0].module(t.numpy())
    assert not out.flags.owndata
    # A non-contiguous input (copied by the runtime) gives the same result.
    strided = torch.randn(8, 4).t()
    with torch.no_grad():
        assert relative_error(compiled(strided), model(strided)) < 1e-4
