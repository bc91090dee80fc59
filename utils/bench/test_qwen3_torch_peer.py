"""Tests of the PyTorch peer of the GPU Qwen3 benchmark (qwen3_torch_peer.py),
on the CPU in a few seconds:

    /usr/bin/python3 -m pytest utils/bench/test_qwen3_torch_peer.py

A tiny 2-layer checkpoint (utils/models/qwen3_checkpoint.py --preset tiny)
is written into pytest's temporary directory. The static-cache model is
checked against utils/models/qwen3_reference.py by the script's own --check
(float32: logits within 1e-4 of the largest, same greedy tokens), and the
check is shown to fail for a slightly wrong model. torch.compile is not run
here (PyTorch < 2 has none; on PyTorch 2 it would compile C++ for minutes):
with PyTorch < 2, --mode both must measure eager and skip compile with a
message.
"""

import json
import os
import subprocess
import sys

import pytest
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = os.path.join(os.path.dirname(HERE), "models")
sys.path.insert(0, HERE)
sys.path.insert(0, MODELS)

import qwen3_reference as ref  # noqa: E402
import qwen3_torch_peer as peer  # noqa: E402

PEER = os.path.join(HERE, "qwen3_torch_peer.py")
GENERATOR = os.path.join(MODELS, "qwen3_checkpoint.py")
SMALL = ["--contexts", "8,20", "--prompt-tokens", "12", "--decode-tokens", "3",
         "--warmup-steps", "2", "--repeat", "2", "--max-context", "32"]


def run(*args, check=True):
    result = subprocess.run([sys.executable, *map(str, args)], capture_output=True, text=True)
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, args))} failed ({result.returncode}):\n"
                             f"{result.stdout}\n{result.stderr}")
    return result


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    out = tmp_path_factory.mktemp("tiny")
    run(GENERATOR, "--out", out, "--quiet", "--preset", "tiny", "--layers", "2", "--seed", "5")
    return str(out)


def test_check_cpu_f32(tiny, tmp_path):
    out = tmp_path / "check.json"
    result = run(PEER, "--checkpoint", tiny, "--device", "cpu", "--dtype", "f32",
                 "--mode", "eager", "--check", "--check-only", "--json", out)
    assert "check eager: ok" in result.stdout
    report = json.loads(out.read_text())
    assert report["ok"] and report["dtype"] == "f32" and report["device_type"] == "cpu"
    check = report["modes"]["eager"]["check"]
    assert check["ok"] and check["greedy_tokens_equal"] and check["greedy_tokens_required"]
    assert len(check["checks"]) == 2  # teacher-forced decode, chunked prefill
    assert all(c["relative_error"] <= 1e-4 for c in check["checks"])
    assert "prefill" not in report["modes"]["eager"]  # --check-only: no measurements


def test_short_benchmark(tiny, tmp_path):
    out = tmp_path / "bench.json"
    old_torch = peer.torch_major() < 2
    result = run(PEER, "--checkpoint", tiny, "--device", "cpu", "--dtype", "f32",
                 "--mode", "both" if old_torch else "eager", "--json", out, *SMALL)
    report = json.loads(out.read_text())
    assert report["ok"] and report["torch"] == torch.__version__
    eager = report["modes"]["eager"]
    assert eager["prefill"]["tokens"] == 12 and eager["prefill"]["tokens_per_s"] > 0
    assert [d["context"] for d in eager["decode"]] == [8, 20]
    for d in eager["decode"]:
        assert d["steps"] == 3 and d["tokens_per_s"] > 0 and len(d["all_seconds"]) == 2
    assert report["decode_weight_bytes"] == report["model"]["parameters"] * 4  # tied, f32
    assert report["decode_cache_bytes"] == 2 * 2 * 2 * 32 * 32 * 4  # layers, K/V, kv, pos, hd
    assert eager["prefill_tokens_per_s"] == eager["prefill"]["tokens_per_s"]
    assert eager["decode_20_tokens_per_s"] == eager["decode"][1]["tokens_per_s"]
    assert "decode @20" in result.stdout
    if old_torch:
        assert "torch.compile needs PyTorch >= 2" in result.stdout
        assert "skipped" in report["modes"]["compile"]


def test_check_fails_for_a_wrong_model(tiny):
    torch.set_grad_enabled(False)
    try:
        tensors = ref.read_checkpoint_tensors(tiny)
        reference = peer.reference_run(tiny, tensors)
        model = peer.StaticQwen3(tiny, tensors, torch.float32, "cpu", max_context=16)
        runner = peer.Runner(model, "eager")
        ok, _ = peer.check_mode(runner, model, "f32", reference, lambda message: None)
        assert ok
        model.layers[1].k_norm.mul_(1.01)  # a 1% error in one norm weight
        ok, report = peer.check_mode(runner, model, "f32", reference, lambda message: None)
        assert not ok and report["checks"][0]["relative_error"] > 1e-4
    finally:
        torch.set_grad_enabled(True)


def test_options_are_checked(tiny):
    small_cache = run(PEER, "--checkpoint", tiny, "--device", "cpu", "--contexts", "30",
                      "--max-context", "32", "--prompt-tokens", "8", check=False)
    assert small_cache.returncode != 0 and "--max-context 32 is too small" in small_cache.stderr
    missing = run(PEER, "--checkpoint", os.path.dirname(tiny), "--device", "cpu",
                  "--check", "--check-only", check=False)
    assert missing.returncode != 0 and "config.json" in missing.stderr
