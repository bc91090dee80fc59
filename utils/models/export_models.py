#!/usr/bin/env python3
"""Writes the real models mlc is tested and benchmarked on, as ONNX files
with reference inputs and outputs computed by PyTorch.

    utils/models/export_models.py OUT_DIR [--models resnet18,mobilenet_v2,decoder_block]
                                  [--opset N] [--reference-shapes SHAPE,...]

For each model NAME it writes OUT_DIR/NAME.onnx, OUT_DIR/NAME.input_<i>.npy
and OUT_DIR/NAME.output_<i>.npy. Weights are random (seeded): nothing is
downloaded. Exports use Debian's PyTorch 1.13 (`torch.onnx.export`, opset 14
by default; 13-17 work, except that decoder_block needs 14 for Trilu) with
dynamic batch (and sequence) axes.

--reference-shapes 3x17x256,2x1x256 also writes, for each SHAPE, a seeded
random input of that shape and PyTorch's output on it as
OUT_DIR/NAME.SHAPE.input_0.npy and OUT_DIR/NAME.SHAPE.output_0.npy, to run
the exported model at other values of its dynamic dimensions.
"""
import argparse
import os
import sys

import numpy as np
import torch
from torch import nn


class RMSNorm(nn.Module):
    def __init__(self, dim, eps=1e-6):
        super().__init__()
        self.weight = nn.Parameter(1.0 + 0.1 * torch.randn(dim))
        self.eps = eps

    def forward(self, x):
        variance = x.pow(2).mean(-1, keepdim=True)
        return self.weight * (x * torch.rsqrt(variance + self.eps))


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def rope_angles(s, inv_freq):
    """The rotary angles of positions 0..s-1, [s, head_dim]."""
    freqs = torch.arange(s, dtype=torch.float32)[:, None] * inv_freq[None, :]
    return torch.cat((freqs, freqs), dim=-1)


def causal_mask(s):
    return torch.triu(torch.full((s, s), float("-inf")), diagonal=1)


# torch.fx records these as calls (arange and full take no traced sizes).
torch.fx.wrap("rope_angles")
torch.fx.wrap("causal_mask")


class DecoderBlock(nn.Module):
    """A LLaMA/Qwen-style decoder layer: RMSNorm, grouped-query attention with
    rotary embeddings (rotate-half), a causal mask, SwiGLU MLP, residuals."""

    def __init__(self, hidden=256, heads=8, kv_heads=2, head_dim=32, mlp=688,
                 theta=10000.0):
        super().__init__()
        self.heads, self.kv_heads, self.head_dim = heads, kv_heads, head_dim
        self.input_norm = RMSNorm(hidden)
        self.q_proj = nn.Linear(hidden, heads * head_dim, bias=False)
        self.k_proj = nn.Linear(hidden, kv_heads * head_dim, bias=False)
        self.v_proj = nn.Linear(hidden, kv_heads * head_dim, bias=False)
        self.o_proj = nn.Linear(heads * head_dim, hidden, bias=False)
        self.post_norm = RMSNorm(hidden)
        self.gate_proj = nn.Linear(hidden, mlp, bias=False)
        self.up_proj = nn.Linear(hidden, mlp, bias=False)
        self.down_proj = nn.Linear(mlp, hidden, bias=False)
        inv_freq = 1.0 / (theta ** (torch.arange(0, head_dim, 2).float() / head_dim))
        self.register_buffer("inv_freq", inv_freq)

    def forward(self, x):
        b, s = x.size(0), x.size(1)   # (traceable by torch.fx)
        h = self.input_norm(x)
        q = self.q_proj(h).view(b, s, self.heads, self.head_dim).transpose(1, 2)
        k = self.k_proj(h).view(b, s, self.kv_heads, self.head_dim).transpose(1, 2)
        v = self.v_proj(h).view(b, s, self.kv_heads, self.head_dim).transpose(1, 2)
        emb = rope_angles(s, self.inv_freq)
        cos, sin = emb.cos()[None, None], emb.sin()[None, None]
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        # HF-style repetition of the KV heads (expand + reshape).
        rep = self.heads // self.kv_heads
        k = k[:, :, None].expand(b, self.kv_heads, rep, s, self.head_dim).reshape(
            b, self.heads, s, self.head_dim)
        v = v[:, :, None].expand(b, self.kv_heads, rep, s, self.head_dim).reshape(
            b, self.heads, s, self.head_dim)
        scores = q @ k.transpose(2, 3) / (self.head_dim ** 0.5)
        causal = causal_mask(s)
        probs = torch.softmax(scores + causal, dim=-1)
        attn = (probs @ v).transpose(1, 2).reshape(b, s, self.heads * self.head_dim)
        x = x + self.o_proj(attn)
        h = self.post_norm(x)
        mlp = self.down_proj(nn.functional.silu(self.gate_proj(h)) * self.up_proj(h))
        return x + mlp


def make(name):
    """The model, its example inputs and the dynamic axes of its export."""
    torch.manual_seed(0)
    if name == "resnet18":
        import torchvision
        model = torchvision.models.resnet18(weights=None)
        inputs = (torch.randn(1, 3, 224, 224),)
        axes = {"input": {0: "batch"}, "output": {0: "batch"}}
    elif name == "mobilenet_v2":
        import torchvision
        model = torchvision.models.mobilenet_v2(weights=None)
        inputs = (torch.randn(1, 3, 224, 224),)
        axes = {"input": {0: "batch"}, "output": {0: "batch"}}
    elif name == "decoder_block":
        model = DecoderBlock()
        inputs = (torch.randn(1, 64, 256),)
        axes = {"input": {0: "batch", 1: "sequence"}, "output": {0: "batch", 1: "sequence"}}
    else:
        sys.exit(f"export_models: unknown model '{name}'")
    # BatchNorm running statistics that are not the identity, so that
    # inference-mode BatchNorm is really exercised.
    for module in model.modules():
        if isinstance(module, nn.BatchNorm2d):
            module.running_mean.uniform_(-0.1, 0.1)
            module.running_var.uniform_(0.5, 1.5)
    return model.eval(), inputs, axes


def parse_shape(text):
    try:
        dims = tuple(int(d) for d in text.split("x"))
    except ValueError:
        dims = ()
    if not dims or min(dims) < 1:
        sys.exit(f"export_models: bad shape '{text}' (expected e.g. 3x17x256)")
    return dims


def save(out_dir, prefix, tensors):
    for i, t in enumerate(tensors):
        np.save(os.path.join(out_dir, f"{prefix}_{i}.npy"), t.numpy())


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out_dir")
    parser.add_argument("--models", default="resnet18,mobilenet_v2,decoder_block")
    parser.add_argument("--opset", type=int, default=14)
    parser.add_argument("--reference-shapes", default="",
                        help="comma-separated input shapes (e.g. 3x17x256) to "
                             "write extra reference inputs and outputs for")
    args = parser.parse_args()
    shapes = [parse_shape(s) for s in args.reference_shapes.split(",") if s]
    os.makedirs(args.out_dir, exist_ok=True)
    torch.set_num_threads(1)
    for name in args.models.split(","):
        model, inputs, axes = make(name)
        path = os.path.join(args.out_dir, f"{name}.onnx")
        with torch.no_grad():
            torch.onnx.export(model, inputs, path, input_names=["input"],
                              output_names=["output"], dynamic_axes=axes,
                              opset_version=args.opset, do_constant_folding=True)
            outputs = model(*inputs)
            if isinstance(outputs, torch.Tensor):
                outputs = (outputs,)
            save(args.out_dir, f"{name}.input", inputs)
            save(args.out_dir, f"{name}.output", outputs)
            for shape in shapes:
                if len(inputs) != 1 or len(shape) != inputs[0].dim():
                    sys.exit(f"export_models: {name} takes a rank-"
                             f"{inputs[0].dim()} input, not {shape}")
                tag = "x".join(map(str, shape))
                x = torch.randn(shape, generator=torch.Generator().manual_seed(1))
                y = model(x)
                save(args.out_dir, f"{name}.{tag}.input", (x,))
                save(args.out_dir, f"{name}.{tag}.output",
                     (y,) if isinstance(y, torch.Tensor) else y)
        print(f"export_models: wrote {path}")


if __name__ == "__main__":
    main()
