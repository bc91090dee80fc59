"""Fallback by partition: nodes mlc cannot compile run in PyTorch between
compiled segments, with the same results, and mlc.torch.explain says which
and why."""
import logging

import torch

import mlc.torch
from conftest import relative_error


class Spectral(torch.nn.Module):
    """torch.fft.rfft (complex results) between two compiled parts."""

    def __init__(self):
        super().__init__()
        self.fc1 = torch.nn.Linear(16, 32)
        self.fc2 = torch.nn.Linear(17, 4)

    def forward(self, x):
        h = torch.relu(self.fc1(x))
        magnitude = torch.fft.rfft(h, dim=-1).abs()
        return self.fc2(magnitude) * h.mean(-1, keepdim=True)


def test_rfft_falls_back_and_matches():
    torch.manual_seed(0)
    model = Spectral().eval()
    x = torch.randn(3, 16)
    compiled = mlc.torch.compile(model, (x,))
    assert [f.node for f in compiled.fallbacks] == ["fft_rfft", "abs_1"]
    assert len(compiled.segments) == 2
    with torch.no_grad():
        want = model(x)
    for _ in range(2):   # the plan is reused
        assert relative_error(compiled(x), want) < 1e-4


def test_explain_says_what_and_why():
    torch.manual_seed(0)
    text = str(mlc.torch.explain(Spectral().eval(), (torch.randn(3, 16),)))
    assert "2 compiled segment(s), 2 node(s) run in PyTorch" in text
    assert "node 'fft_rfft' (fft_rfft): no converter for fft_rfft" in text
    assert "node 'abs_1' (abs): input 'fft_rfft' of type torch.complex64" in text


def opaque(x):
    return x.flip(-1) * 3


torch.fx.wrap("opaque")


class Opaque(torch.nn.Module):
    def forward(self, x):
        return torch.sigmoid(opaque(torch.tanh(x)) + x)


def test_unknown_function_never_crashes(caplog):
    x = torch.randn(2, 5)
    gm = torch.fx.symbolic_trace(Opaque())
    with caplog.at_level(logging.INFO, logger="mlc"):
        fn = mlc.torch.backend(gm, [x])
    assert "node 'opaque' (opaque): no converter for opaque" in caplog.text
    assert relative_error(fn(x), Opaque()(x)) < 1e-4


def test_everything_falls_back():
    """A graph with nothing mlc compiles is PyTorch alone."""
    class Flip(torch.nn.Module):
        def forward(self, x):
            return x.flip(0)
    compiled = mlc.torch.compile(Flip(), (torch.arange(4.0),))
    assert compiled.segments == [] and len(compiled.fallbacks) == 1
    assert torch.equal(compiled(torch.arange(4.0)), torch.arange(4.0).flip(0))
