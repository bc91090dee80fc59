"""Real models through both paths: torch.fx (mlc.torch.compile, the code path
of the torch.compile backend) and ONNX export + mlc.compile, against PyTorch
eager within 1e-4 relative. Models come from utils/models/export_models.py
(random seeded weights, BatchNorm statistics that are not the identity)."""
import pytest
import torch

import mlc
import mlc.torch
from conftest import relative_error
from export_models import make


class MLP(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = torch.nn.Sequential(
            torch.nn.Linear(64, 128), torch.nn.GELU(), torch.nn.LayerNorm(128),
            torch.nn.Linear(128, 128), torch.nn.SiLU(), torch.nn.Linear(128, 10))

    def forward(self, x):
        return torch.log_softmax(self.layers(x), dim=-1)


def model_and_inputs(name):
    if name == "mlp":
        torch.manual_seed(0)
        return MLP().eval(), (torch.randn(8, 64),)
    model, inputs, _ = make(name)
    return model, inputs


MODELS = ["mlp", "decoder_block", "resnet18", "mobilenet_v2"]


@pytest.mark.parametrize("name", MODELS)
def test_fx(name):
    model, inputs = model_and_inputs(name)
    compiled = mlc.torch.compile(model, inputs)
    assert not compiled.fallbacks, str(compiled.explain())
    assert len(compiled.segments) == 1
    with torch.no_grad():
        want = model(*inputs)
    assert relative_error(compiled(*inputs), want) < 1e-4


@pytest.mark.parametrize("name", MODELS)
def test_onnx_export(name, tmp_path):
    model, inputs = model_and_inputs(name)
    path = str(tmp_path / f"{name}.onnx")
    with torch.no_grad():
        torch.onnx.export(model, inputs, path, opset_version=14,
                          input_names=["input"], output_names=["output"])
        want = model(*inputs)
    module = mlc.compile(path)
    (got,) = module(*[x.numpy() for x in inputs])
    assert relative_error(got, want) < 1e-4
