#!/usr/bin/env python3
"""Exports the PyTorch reference of Qwen3 (utils/models/qwen3_reference.py,
float32) to two ONNX graphs, for ONNX Runtime in utils/bench/qwen3_bench.py:

    /usr/bin/python3 utils/bench/qwen3_export_onnx.py --checkpoint DIR --out DIR

  OUT/prefill/model.onnx  ids [T], positions [T] (int64)
                          -> logits [1, vocab] (the last position's),
                             present_k_0, present_v_0, ... [kv_heads, T, head_dim]
  OUT/decode/model.onnx   ids [1], positions [1], past_k_0, past_v_0, ...
                          [kv_heads, P, head_dim]
                          -> logits [1, vocab], present_k_0, ... [kv_heads, P+1, head_dim]

The graphs are traced from Qwen3.logits (the reference's own forward), opset
17, weights float32 (ONNX Runtime's CPU MatMul computes in float32 only; a
bf16 weight would be widened once at load) in external data files next to
model.onnx (the 0.6B model's 3 GB exceed protobuf's 2 GB). The projections'
transposes are folded into the weights at export.
"""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "models"))
from qwen3_reference import Qwen3  # noqa: E402

OPSET = 17


class Graph(torch.nn.Module):
    """Qwen3.logits with the KV cache as inputs (decode) and outputs. The
    weights are registered as buffers so that the exporter makes them
    initializers (the reference keeps them in a dict)."""

    def __init__(self, model):
        super().__init__()
        self.model = model
        for name, tensor in model.w.items():
            self.register_buffer(name.replace(".", "_"), tensor)

    def forward(self, ids, positions, *past):
        layers = self.model.layers
        cache = ([(past[2 * l], past[2 * l + 1]) for l in range(layers)] if past
                 else self.model.new_cache())
        logits = self.model.logits(ids, positions, cache, last_only=True)
        return (logits, *[t for kv in cache for t in kv])


def export(model, path, decode):
    """Writes the prefill graph (decode False) or the decode graph to path."""
    kv = [f"{kind}_{l}" for l in range(model.layers) for kind in ("k", "v")]
    past, present = ["past_" + n for n in kv], ["present_" + n for n in kv]
    if decode:
        # Traced with a cache of 4 positions; its length is a dynamic axis.
        cache = [torch.zeros(model.kv_heads, 4, model.head_dim) for _ in past]
        args = (torch.tensor([4]), torch.tensor([4]), *cache)
        inputs = ["ids", "positions", *past]
        axes = {name: {1: "past"} for name in past}
        axes.update({name: {1: "total"} for name in present})
    else:
        args = (torch.arange(8), torch.arange(8))
        inputs = ["ids", "positions"]
        axes = {"ids": {0: "tokens"}, "positions": {0: "tokens"}}
        axes.update({name: {1: "tokens"} for name in present})
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with torch.no_grad():
        torch.onnx.export(Graph(model), args, path, opset_version=OPSET,
                          input_names=inputs, output_names=["logits", *present],
                          dynamic_axes=axes, do_constant_folding=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    model = Qwen3(args.checkpoint, torch.float32)
    for graph in ("prefill", "decode"):
        export(model, os.path.join(args.out, graph, "model.onnx"), graph == "decode")


if __name__ == "__main__":
    main()
