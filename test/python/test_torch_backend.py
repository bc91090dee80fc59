"""The torch.compile backend contract: mlc.torch.backend(gm, example_inputs)
returns a callable with the GraphModule's signature. PyTorch 1.13 (Debian)
has no torch.compile, so the same code path is tested through
torch.fx.symbolic_trace; the torch.compile test runs on PyTorch >= 2 and
reports SKIPPED here."""
import pytest
import torch

import mlc.torch
from conftest import relative_error
from export_models import make


class TwoOutputs(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(12, 6)

    def forward(self, x, y):
        h = torch.nn.functional.silu(self.fc(x))
        return h + y, (h * y).sum(-1)


def test_backend_through_symbolic_trace():
    torch.manual_seed(0)
    model = TwoOutputs().eval()
    x, y = torch.randn(4, 12), torch.randn(4, 6)
    gm = torch.fx.symbolic_trace(model)
    fn = mlc.torch.backend(gm, [x, y])
    assert callable(fn)
    got, want = fn(x, y), gm(x, y)
    assert isinstance(got, tuple) and len(got) == 2
    for g, w in zip(got, want):
        assert relative_error(g, w.detach()) < 1e-4


def test_backend_decoder_block():
    model, inputs, _ = make("decoder_block")
    gm = torch.fx.symbolic_trace(model)
    fn = mlc.torch.backend(gm, list(inputs))
    with torch.no_grad():
        assert relative_error(fn(*inputs), gm(*inputs)) < 1e-4


def test_torch_compile():
    """Runs unchanged on PyTorch >= 2, where importing mlc.torch registers
    the backend under the name "mlc"."""
    if not hasattr(torch, "compile"):
        pytest.skip(f"torch.compile needs PyTorch >= 2 (this is {torch.__version__})")
    from torch import _dynamo
    assert "mlc" in _dynamo.list_backends()
    torch.manual_seed(0)
    model = TwoOutputs().eval()
    x, y = torch.randn(4, 12), torch.randn(4, 6)
    with torch.no_grad():
        want = model(x, y)
        for backend in ("mlc", mlc.torch.backend):
            _dynamo.reset()
            got = torch.compile(model, backend=backend)(x, y)
            for g, w in zip(got, want):
                assert relative_error(g, w) < 1e-4
