#!/usr/bin/env python3
"""The PyTorch peer of the GPU Qwen3 benchmark: prefill and decode speed
(tokens/s, batch 1) of a PyTorch Qwen3 with a static KV cache, eager and
torch.compile(mode="reduce-overhead"), on a checkpoint folder.

    qwen3_torch_peer.py --checkpoint DIR [--device cuda|cpu] [--dtype bf16|f32]
        [--mode eager|compile|both] [--prompt-tokens 512] [--contexts 128,2048]
        [--decode-tokens 32] [--warmup-steps 3] [--repeat 3]
        [--max-context 2304] [--cache-write index_copy|index_put]
        [--threads N] [--json OUT]
        [--check [--check-only]]

Needs numpy and PyTorch (torch.compile: PyTorch >= 2); no transformers. It
imports qwen3_reference.py (utils/models/qwen3_reference.py: HF Qwen3
semantics, safetensors read with numpy) from its own folder, where the GPU
bundle puts both files, or from ../models in the source tree.

The model (StaticQwen3) has the math of qwen3_reference.Qwen3, in --dtype
(the checkpoint's values converted to it; bf16 by default) on --device:
RMSNorm statistics in float32, q_norm/k_norm per head before the rotary
embedding, rotate-half RoPE (cos/sin tables computed in float32 as the
reference does, then converted, as HF does), grouped-query attention (each
KV head serves its group of query heads: a batched matmul over the KV heads
instead of HF's repeat_kv copy, the same products), softmax in float32 after
the -inf causal mask, silu MLP, tied or untied lm_head. Differences from the
reference are in the cache only: it is static, one K and one V tensor per
layer of [kv_heads, --max-context, head_dim] in --dtype (in all layers x 2 x
kv_heads x max_context x head_dim, allocated once). Token and position are
tensors; a step writes its K and V at the position with index_copy_ (as HF's
StaticCache; --cache-write index_put: cache[:, positions] = k, as gpt-fast)
and attends over the whole cache, keys after the query's position masked,
so that a decode step has the same shapes at every position. Each in-place
cache update is to a tensor of its own (a buffer marked static), not to a
view of one big tensor, which keeps the compiled graph's update a plain
in-place write into one of its inputs.
  * decode(token [1], position [1]) -> logits [vocab] of that position;
  * prefill(ids [T], start) -> logits [vocab] of the last position; it
    attends over the cache positions 0 .. start+T-1 (start is a Python int).

Modes (--mode both: eager, then compile, in one process):
  * eager: the two methods as they are;
  * compile: torch.compile(method, mode="reduce-overhead", fullgraph=True,
    dynamic=False) of decode and of prefill (the latter compiled for
    --prompt-tokens only: prefilling the contexts of the decode measurement is
    untimed and done eagerly). reduce-overhead replays CUDA graphs (on CUDA);
    torch.compiler.cudagraph_mark_step_begin() is called before every call,
    and logits kept across calls are cloned (a replay overwrites its outputs).
    The weights and caches are marked with torch._dynamo.mark_static_address
    so that the graphs read them in place. Inductor's perf hints are logged
    (a "skipping cudagraphs" line means there were no CUDA graphs), and the
    number of compiled graphs before and after the timed loops is recorded:
    a recompilation during timing is reported in the JSON and the table.

Measured, per mode, batch 1, greedy (argmax on the device, no host sync
between decode steps), torch.cuda.synchronize() before starting and after
stopping a clock on CUDA:
  * prefill of --prompt-tokens tokens at position 0 (ids (i * 7919) % vocab):
    warm-up calls (1 eager; 3 compiled: compile, CUDA-graph recording,
    replay), then the best of --repeat calls;
  * decode at each context C of --contexts: prefill C tokens (untimed), then
    --warmup-steps decode steps from position C (the first compiled one
    compiles: its time is first_call_s; the next ones record and replay
    the CUDA graphs), then --repeat times --decode-tokens steps from
    position C again (the same tokens, so the cache holds the same values),
    the best of them: tokens/s = --decode-tokens / seconds. A step attends
    over all --max-context positions whatever C (the static cache).
  * weight bytes a decode step reads (every parameter, the embedding as
    the tied lm_head; untied: lm_head plus one embedding row) and the K/V
    cache bytes it reads (all of it), and the resulting GB/s.
The warm-up seconds (including compilation) are reported separately from
the timings. Prints a table and, with --json, writes every number with the
torch version, the device's name and the dtype (modes.<mode> has the
headline numbers flat too: prefill_tokens_per_s, decode_<C>_tokens_per_s).

--check (before the measurements; --check-only: nothing else) verifies, on
--device, the static-cache model of each mode against qwen3_reference.Qwen3
in float32 on the CPU (same checkpoint values): a 7-token prompt and 4
decode steps teacher-forced with the reference's greedy tokens, the logits
within 1e-4 relative to the largest reference logit for --dtype f32 and
within 1e-1 for bf16 (bf16 weights are exact, but the activations are
rounded to 8 bits of mantissa in every layer: on the CPU the error is
1.4e-2 with the tiny preset's 2 layers and 3.2e-2 with Qwen3-0.6B's 28; a
wrong RoPE gives 0.5, while a 5% error in one layer's weight hides in the
bf16 noise: f32 is the precise check); a free-running greedy decode whose
tokens must equal the reference's in f32 (informational in bf16: near-ties
can flip); in eager mode also a prefill in two chunks (start > 0). Compiled
mode is checked through the compiled decode (prefill eager), so with --check
the decode step compiles during the check (its first_call_s says how long),
and the measurements reuse that compiled step. Exit status 1 if a check
fails or a mode fails to run; the measurements themselves are not judged.
"""

import argparse
import json
import os
import platform
import sys
import time
import traceback

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)  # the bundle: qwen3_reference.py next to this file
sys.path.append(os.path.join(os.path.dirname(HERE), "models"))  # the source tree
import qwen3_reference  # noqa: E402

DTYPES = {"bf16": torch.bfloat16, "f32": torch.float32}
CHECK_LIMITS = {"f32": 1e-4, "bf16": 1e-1}  # relative to the largest reference logit
CHECK_PROMPT_TOKENS = 7
CHECK_DECODE_STEPS = 4
CACHE_WRITES = ("index_copy", "index_put")
COMPILE_OPTIONS = {"mode": "reduce-overhead", "fullgraph": True, "dynamic": False}


def prompt_ids(n, vocab):
    """The deterministic prompt: token i is (i * 7919) % vocab."""
    return [(i * 7919) % vocab for i in range(n)]


def torch_major():
    return int(torch.__version__.split(".")[0])


# ---------------------------------------------------------------------------
# The model

def rms_norm(x, weight, eps):
    # Qwen3RMSNorm: the statistics in float32, then weight * x in x's dtype.
    xf = x.to(torch.float32)
    xf = xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + eps)
    return weight * xf.to(x.dtype)


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


class Layer(torch.nn.Module):
    """One decoder layer's weights and its static K and V caches."""

    NAMES = {"input_norm": "input_layernorm.weight", "q_proj": "self_attn.q_proj.weight",
             "k_proj": "self_attn.k_proj.weight", "v_proj": "self_attn.v_proj.weight",
             "o_proj": "self_attn.o_proj.weight", "q_norm": "self_attn.q_norm.weight",
             "k_norm": "self_attn.k_norm.weight",
             "post_norm": "post_attention_layernorm.weight",
             "gate_proj": "mlp.gate_proj.weight", "up_proj": "mlp.up_proj.weight",
             "down_proj": "mlp.down_proj.weight"}

    def __init__(self, weight, prefix, kv_heads, max_context, head_dim, dtype, device):
        super().__init__()
        for attr, name in self.NAMES.items():
            setattr(self, attr, weight(prefix + name))
        for attr in ("k_cache", "v_cache"):
            self.register_buffer(attr, torch.zeros(kv_heads, max_context, head_dim,
                                                   dtype=dtype, device=device),
                                 persistent=False)


class StaticQwen3(torch.nn.Module):
    """Qwen3ForCausalLM for one sequence with a static KV cache of
    max_context positions (see the module docstring)."""

    def __init__(self, folder, tensors=None, dtype=torch.bfloat16, device="cpu",
                 max_context=2304, cache_write="index_copy"):
        super().__init__()
        self.config = c = qwen3_reference.read_config(folder)
        self.hidden, self.inter = c["hidden_size"], c["intermediate_size"]
        self.layers_count, self.vocab = c["num_hidden_layers"], c["vocab_size"]
        self.heads, self.kv_heads = c["num_attention_heads"], c["num_key_value_heads"]
        self.head_dim = c.get("head_dim") or self.hidden // self.heads
        self.eps, self.theta = float(c["rms_norm_eps"]), float(c["rope_theta"])
        self.tied = bool(c.get("tie_word_embeddings", False))
        self.max_context = int(max_context)
        if cache_write not in CACHE_WRITES:
            raise ValueError(f"cache_write must be one of {CACHE_WRITES}, not {cache_write!r}")
        self.cache_write = cache_write
        self.dtype, self.device = dtype, torch.device(device)
        if tensors is None:
            tensors = qwen3_reference.read_checkpoint_tensors(folder)
        self._check_shapes(folder, tensors)

        def weight(name):
            t = torch.from_numpy(np.ascontiguousarray(tensors[name]))
            return torch.nn.Parameter(t.to(device=self.device, dtype=dtype),
                                      requires_grad=False)

        self.embed = weight("model.embed_tokens.weight")
        self.norm = weight("model.norm.weight")
        self.lm_head = self.embed if self.tied else weight("lm_head.weight")
        self.layers = torch.nn.ModuleList(
            Layer(weight, f"model.layers.{l}.", self.kv_heads, self.max_context,
                  self.head_dim, dtype, self.device) for l in range(self.layers_count))

        # RoPE tables [max_context, head_dim], computed in float32 on the CPU
        # exactly as the reference computes them, then converted (HF casts
        # cos and sin to the activations' dtype).
        exponent = torch.arange(0, self.head_dim, 2, dtype=torch.int64).float() / self.head_dim
        inv_freq = 1.0 / (self.theta ** exponent)
        freqs = torch.arange(self.max_context).float()[:, None] * inv_freq[None, :]
        emb = torch.cat((freqs, freqs), dim=-1)
        self.register_buffer("cos", emb.cos().to(device=self.device, dtype=dtype),
                             persistent=False)
        self.register_buffer("sin", emb.sin().to(device=self.device, dtype=dtype),
                             persistent=False)
        self.register_buffer("key_index", torch.arange(self.max_context, device=self.device),
                             persistent=False)
        self.mark_static()

    def _check_shapes(self, folder, tensors):
        # qwen3_reference.Qwen3.expected_shapes, on the attributes it reads.
        expected = qwen3_reference.Qwen3.expected_shapes(_Shapes(self))
        for name, shape in expected.items():
            if name not in tensors:
                raise qwen3_reference.Qwen3ReferenceError(
                    f"checkpoint {folder} has no tensor {name}")
            if tuple(tensors[name].shape) != shape:
                raise qwen3_reference.Qwen3ReferenceError(
                    f"checkpoint {folder}: {name} is {list(tensors[name].shape)}, "
                    f"config.json implies {list(shape)}")

    def mark_static(self):
        """Tells dynamo that the weights, caches and tables keep their
        addresses (CUDA graphs read them in place instead of copying them
        into the graph's inputs at every replay). No-op before PyTorch 2.1."""
        mark = getattr(getattr(torch, "_dynamo", None), "mark_static_address", None)
        if mark is None:
            return
        for t in list(self.parameters()) + list(self.buffers()):
            mark(t)

    def parameter_bytes(self):
        return sum(p.numel() * p.element_size() for p in self.parameters())

    def decode_read_bytes(self):
        """(weight bytes, K/V cache bytes) a decode step reads."""
        weights = self.parameter_bytes()  # tied: the embedding is the lm_head
        if not self.tied:
            weights -= (self.vocab - 1) * self.hidden * self.embed.element_size()
        cache = sum(b.numel() * b.element_size() for n, b in self.named_buffers()
                    if n.endswith("_cache"))
        return weights, cache

    def attention(self, layer, x, positions, cos, sin, mask, keys):
        T, H, KV, hd = x.shape[0], self.heads, self.kv_heads, self.head_dim
        q = F.linear(x, layer.q_proj).view(T, H, hd)
        k = F.linear(x, layer.k_proj).view(T, KV, hd)
        v = F.linear(x, layer.v_proj).view(T, KV, hd)
        q = rms_norm(q, layer.q_norm, self.eps).transpose(0, 1)  # [H, T, hd]
        k = rms_norm(k, layer.k_norm, self.eps).transpose(0, 1)  # [KV, T, hd]
        v = v.transpose(0, 1)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        if self.cache_write == "index_put":  # as gpt-fast
            layer.k_cache[:, positions] = k
            layer.v_cache[:, positions] = v
        else:  # as HF's StaticCache
            layer.k_cache.index_copy_(1, positions, k)
            layer.v_cache.index_copy_(1, positions, v)
        cached_k, cached_v = layer.k_cache[:, :keys], layer.v_cache[:, :keys]
        # Query head j*g + r uses KV head j (HF's repeat_kv): [KV, g*T, hd].
        g = H // KV
        scores = torch.matmul(q.reshape(KV, g * T, hd), cached_k.transpose(1, 2)) * hd ** -0.5
        scores = scores.view(KV, g, T, keys).masked_fill(mask, float("-inf"))
        probs = torch.softmax(scores, dim=-1, dtype=torch.float32).to(x.dtype)
        out = torch.matmul(probs.view(KV, g * T, keys), cached_v)  # [KV, g*T, hd]
        out = out.view(H, T, hd).transpose(0, 1).reshape(T, H * hd)
        return F.linear(out, layer.o_proj)

    def forward(self, ids, positions, keys):
        """Logits [vocab] of the last of the tokens ids [T] at positions [T]
        (int64 tensors on the device), attending over cache positions
        0 .. keys-1 (a Python int)."""
        x = F.embedding(ids, self.embed)
        cos, sin = self.cos[positions], self.sin[positions]  # [T, hd]
        mask = self.key_index[:keys][None, :] > positions[:, None]  # [T, keys]: key after query
        for layer in self.layers:
            x = x + self.attention(layer, rms_norm(x, layer.input_norm, self.eps),
                                   positions, cos, sin, mask, keys)
            h = rms_norm(x, layer.post_norm, self.eps)
            x = x + F.linear(F.silu(F.linear(h, layer.gate_proj)) * F.linear(h, layer.up_proj),
                             layer.down_proj)
        x = rms_norm(x[-1:], self.norm, self.eps)
        return F.linear(x, self.lm_head)[0]

    def decode(self, token, position):
        """One step: token, position int64 [1] -> logits [vocab]. Same shapes
        at every position: attends over the whole cache, masked."""
        return self.forward(token, position, self.max_context)

    def prefill(self, ids, start=0):
        """ids int64 [T] at positions start .. start+T-1 -> the logits
        [vocab] of the last one."""
        T = ids.shape[0]
        if start + T > self.max_context:
            raise ValueError(f"a prefill of {T} tokens at {start} exceeds the cache of "
                             f"{self.max_context} positions (--max-context)")
        positions = torch.arange(start, start + T, device=ids.device)
        return self.forward(ids, positions, start + T)


class _Shapes:
    """The attributes qwen3_reference.Qwen3.expected_shapes reads."""

    def __init__(self, m):
        self.hidden, self.inter, self.head_dim, self.vocab = m.hidden, m.inter, m.head_dim, m.vocab
        self.layers, self.heads, self.kv_heads, self.tied = (m.layers_count, m.heads,
                                                             m.kv_heads, m.tied)


# ---------------------------------------------------------------------------
# Eager and compiled runners

class SkipMode(Exception):
    """A mode this PyTorch cannot run (the message says why)."""


def mark_step_function():
    """torch.compiler.cudagraph_mark_step_begin (PyTorch >= 2.2), or its
    2.1 name, or None."""
    compiler = getattr(torch, "compiler", None)
    fn = getattr(compiler, "cudagraph_mark_step_begin", None)
    if fn is None:
        inductor = getattr(torch, "_inductor", None)
        fn = getattr(inductor, "cudagraph_mark_step_begin", None)
    return fn


def dynamo_graph_count():
    """How many graphs dynamo has compiled so far (None if unknown)."""
    try:
        from torch._dynamo.utils import counters
        return int(counters["stats"]["unique_graphs"])
    except Exception:
        return None


def compile_counters():
    """Dynamo's and inductor's counters that tell whether CUDA graphs ran."""
    try:
        from torch._dynamo.utils import counters
    except Exception:
        return {}
    out = {"stats": dict(counters.get("stats", {}))}
    inductor = {k: v for k, v in counters.get("inductor", {}).items() if "cudagraph" in k}
    if inductor:
        out["inductor_cudagraph"] = inductor
    return out


class Runner:
    """model.decode and model.prefill, eager or compiled. call(name, ...)
    marks a CUDA-graph step before each compiled call, and times the first
    call of each (synchronized: for compiled ones it includes compilation)."""

    def __init__(self, model, mode):
        self.model, self.mode = model, mode
        self.mark_step = None
        self.first_call_s = {}
        self.sync = synchronizer(model.device)
        if mode == "eager":
            self.functions = {"decode": model.decode, "prefill": model.prefill}
            return
        if not hasattr(torch, "compile") or torch_major() < 2:
            raise SkipMode(f"torch.compile needs PyTorch >= 2 (this is {torch.__version__})")
        try:
            torch._logging.set_logs(perf_hints=True)  # "skipping cudagraphs due to ..."
        except Exception:
            pass
        try:
            self.functions = {"decode": torch.compile(model.decode, **COMPILE_OPTIONS),
                              "prefill": torch.compile(model.prefill, **COMPILE_OPTIONS)}
        except RuntimeError as e:  # e.g. PyTorch 2.1 on Python 3.12
            raise SkipMode(f"torch.compile is not available here: {e}")
        self.mark_step = mark_step_function()

    def call(self, name, *args):
        first = name not in self.first_call_s
        if first:
            self.sync()
            t0 = time.perf_counter()
        if self.mark_step is not None:
            self.mark_step()
        out = self.functions[name](*args)
        if first:
            self.sync()
            self.first_call_s[name] = time.perf_counter() - t0
        return out


# ---------------------------------------------------------------------------
# Measurements

def synchronizer(device):
    if device.type == "cuda":
        return torch.cuda.synchronize
    return lambda: None


def decode_loop(runner, token, position, steps, tokens=None):
    """steps greedy decode steps from token, position (int64 [1] on the
    device); with tokens (a list), appends each step's greedy token (syncs).
    Returns the next (token, position)."""
    for _ in range(steps):
        logits = runner.call("decode", token, position)
        token = torch.argmax(logits, dim=0, keepdim=True)  # [1], on the device
        position = position + 1
        if tokens is not None:
            tokens.append(int(token))
    return token, position


def timed_calls(call, count, sync):
    """The seconds each of `count` calls of `call` takes (the device synced
    before and after each), and the last call's result."""
    times, result = [], None
    for _ in range(count):
        sync()
        t0 = time.perf_counter()
        result = call()
        sync()
        times.append(time.perf_counter() - t0)
    return times, result


def measure_prefill(runner, model, tokens, repeat, sync, log):
    device = model.device
    ids = torch.tensor(prompt_ids(tokens, model.vocab), device=device)
    warmups = 1 if runner.mode == "eager" else 3

    def prefill():
        return runner.call("prefill", ids, 0)

    warm, _ = timed_calls(prefill, warmups, sync)
    first_s, warmup_s = warm[0], sum(warm)
    graphs_before = dynamo_graph_count()
    times, logits = timed_calls(prefill, repeat, sync)
    logits = logits.float().clone()
    result = {"tokens": tokens, "seconds": min(times), "all_seconds": times,
              "tokens_per_s": tokens / min(times), "first_call_s": first_s,
              "warmup_s": warmup_s, "warmup_calls": warmups,
              "recompiled_during_timing": _recompiled(graphs_before)}
    if runner.mode != "eager":
        eager = model.prefill(ids, 0).float()
        result["relative_error_vs_eager"] = qwen3_reference.relative_error(logits.cpu(),
                                                                           eager.cpu())
    log(f"{runner.mode}: prefill {tokens} tokens: {tokens / min(times):.1f} tokens/s "
        f"(warm-up {warmup_s:.2f} s)")
    return result


def measure_decode(runner, model, context, steps, warmup_steps, repeat, sync, log):
    device = model.device
    ids = torch.tensor(prompt_ids(context, model.vocab), device=device)
    sync()
    t0 = time.perf_counter()
    first = torch.argmax(model.prefill(ids, 0), dim=0, keepdim=True)  # eager, untimed
    sync()
    fill_s = time.perf_counter() - t0
    start = torch.tensor([context], device=device)

    # One step at a time, to time the first (compiling) one.
    state = [first, start]

    def warmup_step():
        state[:] = decode_loop(runner, *state, 1)

    warm, _ = timed_calls(warmup_step, warmup_steps, sync)
    first_s, warmup_s = (warm[0] if warm else None), sum(warm)
    graphs_before = dynamo_graph_count()
    times, _ = timed_calls(lambda: decode_loop(runner, first, start, steps), repeat, sync)
    best = min(times)
    log(f"{runner.mode}: decode at context {context}: {steps / best:.1f} tokens/s "
        f"(warm-up {warmup_s:.2f} s)")
    return {"context": context, "steps": steps, "seconds": best, "all_seconds": times,
            "tokens_per_s": steps / best, "fill_s": fill_s, "first_call_s": first_s,
            "warmup_s": warmup_s, "warmup_steps": warmup_steps,
            "recompiled_during_timing": _recompiled(graphs_before)}


def _recompiled(graphs_before):
    after = dynamo_graph_count()
    if graphs_before is None or after is None:
        return None
    return after != graphs_before


# ---------------------------------------------------------------------------
# --check

def reference_run(folder, tensors):
    """qwen3_reference.Qwen3 in float32 on the CPU: (prompt, logits
    [1 + steps, vocab] of the last prompt position and of each decode step,
    greedy tokens [1 + steps])."""
    ref = qwen3_reference.Qwen3(folder, torch.float32, tensors)
    prompt = prompt_ids(CHECK_PROMPT_TOKENS, ref.vocab)
    prefill, decode, tokens = qwen3_reference.greedy(ref, prompt, CHECK_DECODE_STEPS)
    return prompt, torch.cat((prefill[-1:], decode)), tokens


def check_mode(runner, model, dtype_name, reference, log):
    """The --check of one mode (see the module docstring): (ok, report)."""
    prompt, want, ref_tokens = reference
    device, n, steps = model.device, len(prompt), CHECK_DECODE_STEPS
    limit = CHECK_LIMITS[dtype_name]
    ids = torch.tensor(prompt, device=device)
    t0 = time.perf_counter()

    # Teacher-forced with the reference's tokens (.cpu() copies the logits
    # before a replay can overwrite them).
    rows = [model.prefill(ids, 0).float().cpu()]
    for i in range(steps):
        logits = runner.call("decode", torch.tensor([int(ref_tokens[i])], device=device),
                             torch.tensor([n + i], device=device))
        rows.append(logits.float().cpu())
    got = torch.stack(rows)
    checks = [("prefill and teacher-forced decode logits vs the reference", limit,
               qwen3_reference.relative_error(got, want))]

    # Free-running greedy decode (the prefill's cache positions are intact).
    tokens = [int(torch.argmax(rows[0]))]
    decode_loop(runner, torch.tensor(tokens, device=device), torch.tensor([n], device=device),
                steps, tokens)
    same_tokens = tokens == ref_tokens.tolist()

    if runner.mode == "eager":  # a prefill in two chunks: start > 0
        split = n // 2
        model.prefill(ids[:split], 0)
        chunked = model.prefill(ids[split:], split).float().cpu()
        checks.append((f"prefill in two chunks ({split} + {n - split}) vs the reference", limit,
                       qwen3_reference.relative_error(chunked, want[0])))

    ok = bool(torch.isfinite(got).all())
    if not ok:
        print(f"check {runner.mode}: the logits are not all finite: FAILED")
    for what, lim, error in checks:
        verdict = "ok" if error <= lim else "FAILED"
        ok &= verdict == "ok"
        print(f"check {runner.mode}: {what}: relative error {error:.3g} "
              f"(limit {lim:g}, {dtype_name}): {verdict}")
    required = dtype_name == "f32"
    if required and not same_tokens:
        ok = False
    print(f"check {runner.mode}: greedy tokens {','.join(map(str, tokens))} "
          f"{'equal' if same_tokens else 'DIFFER FROM'} the reference's"
          f"{'' if same_tokens else ' ' + ','.join(map(str, ref_tokens.tolist()))}"
          f"{'' if required else ' (informational in ' + dtype_name + ')'}")
    print(f"check {runner.mode}:", "ok" if ok else "FAILED")
    log(f"check {runner.mode} took {time.perf_counter() - t0:.1f} s")
    return ok, {"ok": ok, "prompt": prompt, "decode_steps": steps,
                "greedy_tokens": tokens, "reference_tokens": ref_tokens.tolist(),
                "greedy_tokens_equal": same_tokens, "greedy_tokens_required": required,
                "checks": [{"what": w, "limit": lim, "relative_error": e}
                           for w, lim, e in checks]}


# ---------------------------------------------------------------------------
# Command line

def device_name(device):
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def print_table(report):
    modes = {m: e for m, e in report["modes"].items() if "prefill" in e}
    print(f"\nPyTorch {report['torch']} on {report['device']} ({report['device_type']}), "
          f"{report['dtype']}, batch 1, {report['model']['layers']} layers, "
          f"static cache of {report['max_context']} positions")
    for mode, entry in report["modes"].items():
        if "skipped" in entry:
            print(f"  {mode}: skipped: {entry['skipped']}")
        elif "error" in entry:
            print(f"  {mode}: FAILED: {entry['error']}")
    if not modes:
        return
    weight_gb = report["decode_weight_bytes"] / 1e9
    cache_gb = report["decode_cache_bytes"] / 1e9
    columns = [f"prefill {report['prompt_tokens']}"] + [f"decode @{c}" for c in report["contexts"]]
    print(f"{'mode':<9}" + "".join(f"{c:>16}" for c in columns) + f"{'first calls s':>16}"
          f"{'warm-up s':>12}")
    print(f"{'':<9}" + "".join(f"{'tokens/s':>16}" for _ in columns))
    for mode, entry in modes.items():
        values = [entry["prefill"]["tokens_per_s"]] + [d["tokens_per_s"] for d in entry["decode"]]
        first = sum(entry.get("first_call_s", {}).values())
        warm = entry["prefill"]["warmup_s"] + sum(d["warmup_s"] for d in entry["decode"])
        print(f"{mode:<9}" + "".join(f"{v:>16.1f}" for v in values) + f"{first:>16.2f}"
              f"{warm:>12.2f}")
        reads = [(weight_gb + cache_gb) * d["tokens_per_s"] for d in entry["decode"]]
        print(f"{'':<9}{'':>16}" + "".join(f"{f'{r:.1f} GB/s':>16}" for r in reads))
        timed = [entry["prefill"]] + entry["decode"]
        if any(t.get("recompiled_during_timing") for t in timed):
            print(f"  {mode}: WARNING: dynamo compiled new graphs during a timed loop")
    print(f"A decode step reads {weight_gb:.3f} GB of weights and {cache_gb:.3f} GB of K/V "
          f"cache (GB/s above: both). First calls: decode and prefill, compilation included.")


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Example: qwen3_torch_peer.py --checkpoint /tmp/qwen3-0.6b --mode both "
               "--check --json /tmp/peer.json")
    parser.add_argument("--checkpoint", required=True, metavar="DIR",
                        help="an HF Qwen3 checkpoint folder (config.json, safetensors)")
    parser.add_argument("--device", default="cuda", help="torch device (default cuda)")
    parser.add_argument("--dtype", choices=sorted(DTYPES), default="bf16",
                        help="compute and cache dtype (default bf16)")
    parser.add_argument("--mode", choices=("eager", "compile", "both"), default="both",
                        help="eager, torch.compile(mode='reduce-overhead') or both (default)")
    parser.add_argument("--prompt-tokens", type=int, default=512, metavar="N",
                        help="prefill length measured (default 512)")
    parser.add_argument("--contexts", default="128,2048", metavar="C,C",
                        help="decode is measured after a prefill of each (default 128,2048)")
    parser.add_argument("--decode-tokens", type=int, default=32, metavar="N",
                        help="timed decode steps per context (default 32)")
    parser.add_argument("--warmup-steps", type=int, default=3, metavar="N",
                        help="decode steps before timing, per context (default 3: compile, "
                             "record the CUDA graph, replay it)")
    parser.add_argument("--repeat", type=int, default=3, metavar="N",
                        help="timed runs of each measurement, the best is reported (default 3)")
    parser.add_argument("--max-context", type=int, default=2304, metavar="N",
                        help="positions of the static KV cache (default 2304)")
    parser.add_argument("--cache-write", choices=CACHE_WRITES, default="index_copy",
                        help="how a step writes K and V into the static cache: "
                             "cache.index_copy_(1, positions, k) (default, as HF's StaticCache)"
                             " or cache[:, positions] = k (index_put_, as gpt-fast)")
    parser.add_argument("--threads", type=int, help="torch CPU threads (default: torch's)")
    parser.add_argument("--json", metavar="OUT", help="write all numbers to this JSON file")
    parser.add_argument("--check", action="store_true",
                        help="check each mode against qwen3_reference.Qwen3 first; exit 1 "
                             "if a check fails")
    parser.add_argument("--check-only", action="store_true",
                        help="with --check: no measurements")
    args = parser.parse_args()
    try:
        args.contexts = [int(c) for c in args.contexts.split(",") if c.strip()]
    except ValueError:
        parser.error(f"--contexts must be integers separated by commas, not {args.contexts!r}")
    if args.check_only and not args.check:
        parser.error("--check-only needs --check")
    for name in ("prompt_tokens", "decode_tokens", "warmup_steps", "repeat", "max_context"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be >= 1")
    if not args.contexts or min(args.contexts) < 1:
        parser.error("--contexts must be positive")
    need = max(args.prompt_tokens, max(args.contexts) + max(args.warmup_steps, args.decode_tokens),
               CHECK_PROMPT_TOKENS + CHECK_DECODE_STEPS if args.check else 0)
    if not args.check_only and need > args.max_context:
        parser.error(f"--max-context {args.max_context} is too small: the measurements use "
                     f"{need} positions")
    if args.max_context < CHECK_PROMPT_TOKENS + CHECK_DECODE_STEPS and args.check:
        parser.error(f"--check needs --max-context >= {CHECK_PROMPT_TOKENS + CHECK_DECODE_STEPS}")
    return args


def main():
    args = parse_args()
    start = time.time()

    def log(message):
        print(f"[{time.time() - start:6.1f}s] {message}", file=sys.stderr, flush=True)

    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        sys.exit("qwen3_torch_peer: --device cuda, but CUDA is not available to this PyTorch "
                 f"({torch.__version__}); use --device cpu")
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.set_grad_enabled(False)
    try:
        qwen3_reference.read_config(args.checkpoint)  # config errors before reading weights
        tensors = qwen3_reference.read_checkpoint_tensors(args.checkpoint)
        model = StaticQwen3(args.checkpoint, tensors, DTYPES[args.dtype], device,
                            args.max_context, args.cache_write)
    except (qwen3_reference.Qwen3ReferenceError, ValueError) as e:
        sys.exit(f"qwen3_torch_peer: {e}")
    weight_bytes, cache_bytes = model.decode_read_bytes()
    log(f"loaded {args.checkpoint}: {model.layers_count} layers, hidden {model.hidden}, heads "
        f"{model.heads}/{model.kv_heads}x{model.head_dim}, vocab {model.vocab}, {args.dtype} "
        f"on {device_name(device)}")
    report = {
        "torch": torch.__version__, "python": platform.python_version(),
        "device": device_name(device), "device_type": device.type, "dtype": args.dtype,
        "checkpoint": os.path.abspath(args.checkpoint),
        "model": {"layers": model.layers_count, "hidden": model.hidden,
                  "intermediate": model.inter, "heads": model.heads,
                  "kv_heads": model.kv_heads, "head_dim": model.head_dim,
                  "vocab": model.vocab, "tied": model.tied,
                  "parameters": sum(p.numel() for p in model.parameters())},
        "max_context": args.max_context, "cache_write": args.cache_write,
        "prompt_tokens": args.prompt_tokens,
        "contexts": args.contexts, "decode_tokens": args.decode_tokens,
        "warmup_steps": args.warmup_steps, "repeat": args.repeat,
        "prompt_ids": "(i * 7919) % vocab",
        "decode_weight_bytes": weight_bytes, "decode_cache_bytes": cache_bytes,
        "tf32_matmul": bool(torch.backends.cuda.matmul.allow_tf32),
        "modes": {},
    }
    ok = True
    reference = None
    modes = ("eager", "compile") if args.mode == "both" else (args.mode,)
    sync = synchronizer(device)
    for mode in modes:
        entry = report["modes"][mode] = {}
        try:
            runner = Runner(model, mode)
        except SkipMode as e:
            print(f"qwen3_torch_peer: {e}: skipping mode {mode}", flush=True)
            entry["skipped"] = str(e)
            continue
        if mode == "compile":
            entry["compile_options"] = COMPILE_OPTIONS
        try:
            if args.check:
                if reference is None:
                    log("check: running qwen3_reference.Qwen3 (float32, CPU)")
                    reference = reference_run(args.checkpoint, tensors)
                passed, entry["check"] = check_mode(runner, model, args.dtype, reference, log)
                ok &= passed
            if not args.check_only:
                entry["prefill"] = measure_prefill(runner, model, args.prompt_tokens,
                                                   args.repeat, sync, log)
                entry["decode"] = [measure_decode(runner, model, c, args.decode_tokens,
                                                  args.warmup_steps, args.repeat, sync, log)
                                   for c in args.contexts]
                # The headline numbers again, flat: prefill_tokens_per_s,
                # decode_<C>_tokens_per_s.
                entry["prefill_tokens_per_s"] = entry["prefill"]["tokens_per_s"]
                for d in entry["decode"]:
                    entry[f"decode_{d['context']}_tokens_per_s"] = d["tokens_per_s"]
        except Exception as e:  # report it, keep the other mode's numbers
            traceback.print_exc()
            entry["error"] = f"{type(e).__name__}: {e}"
            ok = False
        entry["first_call_s"] = runner.first_call_s
        if mode == "compile":
            entry["counters"] = compile_counters()
    report["ok"] = ok
    if not args.check_only:
        print_table(report)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=2)
            f.write("\n")
        log(f"wrote {args.json}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
