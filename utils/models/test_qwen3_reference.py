"""Tests of the Qwen3 test-checkpoint generator (qwen3_checkpoint.py) and of
the PyTorch reference (qwen3_reference.py):

    /usr/bin/python3 -m pytest utils/models/test_qwen3_reference.py

Checkpoints are written into pytest's temporary directories (about 20 s in
all on 2 cores, half of it the real-width test --preset 0.6b --layers 2, which
QWEN3_TEST_0_6B=0 skips); QWEN3_TOKENIZER_DIR names a folder with the real Qwen3
tokenizer.json / tokenizer_config.json (default /tmp/tokpkg/package/models;
the test that copies them is skipped when it is absent).
"""

import json
import os
import struct
import subprocess
import sys

import numpy as np
import pytest
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import qwen3_checkpoint as gen  # noqa: E402
import qwen3_reference as ref  # noqa: E402

GENERATOR = os.path.join(HERE, "qwen3_checkpoint.py")
REFERENCE = os.path.join(HERE, "qwen3_reference.py")
PROMPT = [9707, 11, 1879, 0, 1]  # "Hello, world..." in the Qwen3 vocabulary
STEPS = 12


def run(*args, check=True):
    result = subprocess.run([sys.executable, *map(str, args)], capture_output=True, text=True)
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, args))} failed ({result.returncode}):\n"
                             f"{result.stdout}\n{result.stderr}")
    return result


def generate(out, *options):
    run(GENERATOR, "--out", out, "--quiet", *options)
    return out


@pytest.fixture(scope="module")
def tiny_bf16(tmp_path_factory):
    return generate(tmp_path_factory.mktemp("tiny_bf16"), "--preset", "tiny", "--seed", "7")


@pytest.fixture(scope="module")
def tiny_f32(tmp_path_factory):
    return generate(tmp_path_factory.mktemp("tiny_f32"), "--preset", "tiny", "--seed", "7",
                    "--dtype", "f32")


@pytest.fixture(scope="module")
def tiny_f32_sharded(tmp_path_factory):
    return generate(tmp_path_factory.mktemp("tiny_f32_sharded"), "--preset", "tiny",
                    "--seed", "7", "--dtype", "f32", "--shards", "2")


# ---------------------------------------------------------------------------
# An independent, minimal safetensors parser (raw bytes, no conversion)

def parse_safetensors(path):
    """Returns (header dict, raw header bytes, data section bytes) and checks
    the layout rules of the format."""
    blob = open(path, "rb").read()
    (n,) = struct.unpack("<Q", blob[:8])
    raw = blob[8:8 + n]
    assert n % 8 == 0, f"{path}: header length {n} is not a multiple of 8"
    text = raw.decode("utf-8")
    assert text == text.rstrip(" ") + " " * (len(text) - len(text.rstrip(" ")))
    header = json.loads(text)
    data = blob[8 + n:]
    # Tensors stored back to back in header order, covering the data section.
    offset = 0
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        assert begin == offset, f"{path}: {name} does not follow the previous tensor"
        size = {"BF16": 2, "F16": 2, "F32": 4}[info["dtype"]]
        assert end - begin == size * int(np.prod(info["shape"])), name
        offset = end
    assert offset == len(data), f"{path}: {len(data) - offset} bytes after the last tensor"
    return header, data


def tensor_bytes(header, data, name):
    begin, end = header[name]["data_offsets"]
    return data[begin:end]


def checkpoint_tensors(folder):
    """{name: (header entry, raw bytes)} over a single or sharded checkpoint."""
    index = os.path.join(folder, "model.safetensors.index.json")
    files = (sorted(set(json.load(open(index))["weight_map"].values()))
             if os.path.exists(index) else ["model.safetensors"])
    out = {}
    for file in files:
        header, data = parse_safetensors(os.path.join(folder, file))
        for name, info in header.items():
            if name != "__metadata__":
                assert name not in out, f"{name} is in two files"
                out[name] = (info, tensor_bytes(header, data, name))
    return out


def tiny_config():
    return dict(gen.PRESETS["tiny"])


# ---------------------------------------------------------------------------
# The generator

def test_bf16_rounding_matches_torch():
    rng = np.random.default_rng(0)
    values = [rng.standard_normal(100000).astype(np.float32) * s for s in (1e-3, 1, 1e3)]
    # Bit patterns around every rounding case: ties (low half 0x8000) with an
    # even or odd kept bit, just below and above ties, denormals, the largest
    # finite floats (which round to inf), zeros, infinities and NaNs.
    highs = rng.integers(0, 1 << 16, 2000, dtype=np.uint32)
    highs = np.concatenate([highs, [0, 1, 2, 0x7F7F, 0x7F7E, 0x8000, 0x8001, 0xFF7F, 0x7F80, 0xFF80]])
    lows = np.array([0, 1, 0x7FFF, 0x8000, 0x8001, 0xFFFF], dtype=np.uint32)
    bits = ((highs[:, None] << 16) | lows[None, :]).astype(np.uint32).ravel()
    values.append(bits.view(np.float32))
    values.append(np.array([np.nan, -np.nan, np.inf, -np.inf, 0.0, -0.0,
                            np.finfo(np.float32).max, np.finfo(np.float32).tiny,
                            1e-45], dtype=np.float32))
    x = np.concatenate(values)
    mine = gen.float32_to_bf16_bits(x)
    theirs = torch.from_numpy(x.copy()).to(torch.bfloat16).view(torch.int16).numpy().view(np.uint16)
    nan = np.isnan(x)
    assert np.array_equal(mine[~nan], theirs[~nan])
    # NaN payloads are not specified; both must be NaNs.
    assert np.isnan(gen.bf16_bits_to_float32(mine[nan])).all()
    assert np.isnan(gen.bf16_bits_to_float32(theirs[nan])).all()
    # bf16 -> float32 is exact: it agrees with torch's conversion.
    back = torch.from_numpy(theirs.view(np.int16).copy()).view(torch.bfloat16).float().numpy()
    assert np.array_equal(gen.bf16_bits_to_float32(theirs)[~nan], back[~nan])


def test_config_and_generation_config(tiny_bf16):
    config = json.load(open(os.path.join(tiny_bf16, "config.json")))
    assert config["architectures"] == ["Qwen3ForCausalLM"]
    assert config["model_type"] == "qwen3"
    assert config["torch_dtype"] == "bfloat16"
    for key, value in dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                           num_attention_heads=4, num_key_value_heads=2, head_dim=32,
                           vocab_size=151936, tie_word_embeddings=True, rope_theta=1000000,
                           rms_norm_eps=1e-6, max_position_embeddings=4096,
                           bos_token_id=151643, eos_token_id=151645, hidden_act="silu",
                           attention_bias=False, rope_scaling=None, sliding_window=None,
                           use_sliding_window=False).items():
        assert config[key] == value, key
    generation = json.load(open(os.path.join(tiny_bf16, "generation_config.json")))
    assert generation["eos_token_id"] == [151645, 151643]
    assert generation["bos_token_id"] == generation["pad_token_id"] == 151643
    assert (generation["do_sample"], generation["temperature"], generation["top_k"],
            generation["top_p"]) == (True, 0.6, 20, 0.95)
    assert not os.path.exists(os.path.join(tiny_bf16, "tokenizer.json"))


def test_0_6b_config_is_qwen3_0_6b():
    c = gen.PRESETS["0.6b"]
    assert (c["hidden_size"], c["intermediate_size"], c["num_hidden_layers"],
            c["num_attention_heads"], c["num_key_value_heads"], c["head_dim"]) == \
        (1024, 3072, 28, 16, 8, 128)
    params = sum(int(np.prod(s)) for _, s, _ in gen.tensor_specs(c))
    assert params == 596049920  # Qwen3-0.6B: 0.6B, of which 0.44B non-embedding


def test_tensor_names_and_shapes(tiny_bf16):
    tensors = checkpoint_tensors(tiny_bf16)
    expected = {"model.embed_tokens.weight": [151936, 64], "model.norm.weight": [64]}
    for i in range(2):
        p = f"model.layers.{i}."
        expected.update({
            p + "input_layernorm.weight": [64], p + "post_attention_layernorm.weight": [64],
            p + "self_attn.q_proj.weight": [128, 64], p + "self_attn.k_proj.weight": [64, 64],
            p + "self_attn.v_proj.weight": [64, 64], p + "self_attn.o_proj.weight": [64, 128],
            p + "self_attn.q_norm.weight": [32], p + "self_attn.k_norm.weight": [32],
            p + "mlp.gate_proj.weight": [128, 64], p + "mlp.up_proj.weight": [128, 64],
            p + "mlp.down_proj.weight": [64, 128],
        })
    assert {name: info["shape"] for name, (info, _) in tensors.items()} == expected
    assert all(info["dtype"] == "BF16" for info, _ in tensors.values())
    header, _ = parse_safetensors(os.path.join(tiny_bf16, "model.safetensors"))
    assert header["__metadata__"] == {"format": "pt"}


def test_bf16_round_trip(tiny_bf16):
    """The stored bits are torch's bf16 rounding of the generator's float32
    values, and both readers give them back exactly."""
    read = ref.read_checkpoint_tensors(tiny_bf16)
    tensors = checkpoint_tensors(tiny_bf16)
    for name, shape, kind in gen.tensor_specs(tiny_config()):
        master = gen.tensor_float32(7, name, shape, kind)
        stored = np.frombuffer(tensors[name][1], dtype="<u2")
        want = torch.from_numpy(master.ravel().copy()).to(torch.bfloat16)
        assert np.array_equal(stored, want.view(torch.int16).numpy().view(np.uint16)), name
        assert np.array_equal(read[name], want.float().numpy().reshape(shape)), name


def test_f32_sharded_round_trip(tiny_f32_sharded):
    folder = tiny_f32_sharded
    index = json.load(open(os.path.join(folder, "model.safetensors.index.json")))
    files = ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"]
    assert sorted(set(index["weight_map"].values())) == files
    assert not os.path.exists(os.path.join(folder, "model.safetensors"))
    tensors = checkpoint_tensors(folder)
    assert set(index["weight_map"]) == set(tensors)
    assert index["metadata"]["total_size"] == sum(len(b) for _, b in tensors.values())
    for file in files:  # each tensor is in the file the index names
        header, _ = parse_safetensors(os.path.join(folder, file))
        assert all(index["weight_map"][n] == file for n in header if n != "__metadata__")
    read = ref.read_checkpoint_tensors(folder)
    for name, shape, kind in gen.tensor_specs(tiny_config()):
        master = gen.tensor_float32(7, name, shape, kind)
        info, raw = tensors[name]
        assert info["dtype"] == "F32"
        assert np.frombuffer(raw, "<f4").tobytes() == master.astype("<f4").tobytes(), name
        assert np.array_equal(read[name], master), name


def test_f16_round_trip(tmp_path):
    folder = generate(tmp_path / "f16", "--dtype", "f16", "--layers", "1", "--seed", "3")
    assert json.load(open(folder / "config.json"))["torch_dtype"] == "float16"
    tensors = checkpoint_tensors(folder)
    read = ref.read_checkpoint_tensors(str(folder))
    config = dict(tiny_config(), num_hidden_layers=1)
    for name, shape, kind in gen.tensor_specs(config):
        master = gen.tensor_float32(3, name, shape, kind)
        want = torch.from_numpy(master.copy()).to(torch.float16).numpy()
        assert tensors[name][0]["dtype"] == "F16"
        assert tensors[name][1] == want.astype("<f2").tobytes(), name
        assert np.array_equal(read[name], want.astype(np.float32)), name


def test_deterministic(tmp_path, tiny_bf16):
    again = generate(tmp_path / "again", "--preset", "tiny", "--seed", "7")
    other = generate(tmp_path / "other", "--preset", "tiny", "--seed", "8")
    read = lambda d: open(os.path.join(d, "model.safetensors"), "rb").read()
    assert read(again) == read(tiny_bf16)
    assert read(other) != read(tiny_bf16)


def test_untied_writes_lm_head(tmp_path):
    folder = generate(tmp_path / "untied", "--untied", "--layers", "1")
    assert json.load(open(folder / "config.json"))["tie_word_embeddings"] is False
    tensors = checkpoint_tensors(folder)
    assert tensors["lm_head.weight"][0]["shape"] == [151936, 64]
    model = ref.Qwen3(str(folder))
    assert not model.tied and model.lm_head is model.w["lm_head.weight"]
    prefill, decode, tokens = ref.greedy(model, PROMPT, 3)
    assert prefill.shape == (5, 151936) and decode.shape == (3, 151936)


def test_config_file_and_layers(tmp_path):
    config = dict(gen.PRESETS["tiny"], hidden_size=48, head_dim=16, num_hidden_layers=3)
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    folder = generate(tmp_path / "from_config", "--config", path, "--layers", "1")
    written = json.load(open(folder / "config.json"))
    assert (written["hidden_size"], written["head_dim"], written["num_hidden_layers"]) == (48, 16, 1)
    assert checkpoint_tensors(folder)["model.layers.0.self_attn.q_proj.weight"][0]["shape"] == [64, 48]


def test_config_missing_key_is_named(tmp_path):
    config = dict(gen.PRESETS["tiny"])
    del config["num_key_value_heads"]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(config))
    result = run(GENERATOR, "--config", path, "--out", tmp_path / "x", check=False)
    assert result.returncode != 0
    assert "num_key_value_heads" in result.stderr and str(path) in result.stderr
    assert not os.path.exists(tmp_path / "x" / "model.safetensors")


def test_tokenizer_copy(tmp_path):
    source = os.environ.get("QWEN3_TOKENIZER_DIR", "/tmp/tokpkg/package/models")
    if not os.path.isfile(os.path.join(source, "tokenizer.json")):
        pytest.skip(f"no Qwen3 tokenizer files in {source}")
    folder = generate(tmp_path / "tok", "--layers", "1", "--tokenizer-dir", source)
    for name in ("tokenizer.json", "tokenizer_config.json"):
        assert open(folder / name, "rb").read() == open(os.path.join(source, name), "rb").read()


# ---------------------------------------------------------------------------
# The reference

def test_reference_check_and_outputs(tiny_bf16, tmp_path):
    out = tmp_path / "ref"
    result = run(REFERENCE, "--checkpoint", tiny_bf16, "--tokens", ",".join(map(str, PROMPT)),
                 "--decode-steps", STEPS, "--out", out, "--check")
    assert "check: ok" in result.stdout
    report = json.load(open(out / "check.json"))
    assert report["ok"] and report["finite"]
    limits = {c["what"]: (c["relative_error"], c["limit"]) for c in report["checks"]}
    assert limits["f32 cached decode vs f32 whole sequence"][0] <= 1e-5
    assert limits["f32 cached decode vs f64 whole sequence"][0] <= 1e-4

    prompt = np.load(out / "prompt_ids.npy")
    prefill = np.load(out / "prefill_logits.npy")
    decode = np.load(out / "decode_logits.npy")
    tokens = np.load(out / "tokens.npy")
    assert prompt.tolist() == PROMPT
    assert prefill.dtype == decode.dtype == np.float32
    assert prefill.shape == (len(PROMPT), 151936) and decode.shape == (STEPS, 151936)
    assert tokens.dtype == np.int64 and tokens.shape == (STEPS + 1,)
    # The documented convention: g_0 from the last prefill row, g_{i+1} from
    # decode row i, which fed g_i.
    assert tokens[0] == prefill[-1].argmax()
    assert all(tokens[i + 1] == decode[i].argmax() for i in range(STEPS))
    assert "greedy tokens: " + ",".join(map(str, tokens)) in result.stdout
    # Not degenerate: the logits spread and greedy decoding does not repeat
    # one token.
    assert prefill.std(axis=1).min() > 0.05
    assert len(set(tokens.tolist())) > (STEPS + 1) // 2


def test_reference_matches_itself_in_process(tiny_f32):
    """Whole-sequence logits equal cached ones; a prefill split in two chunks
    equals one prefill."""
    model = ref.Qwen3(str(tiny_f32))
    prefill, decode, tokens = ref.greedy(model, PROMPT, 4)
    whole = model.forward(PROMPT + tokens[:4].tolist())
    assert ref.relative_error(torch.cat((prefill, decode)), whole) < 1e-5
    cache = model.new_cache()
    first = model.forward(PROMPT[:2], cache)
    second = model.forward(PROMPT[2:], cache)
    assert ref.relative_error(torch.cat((first, second)), prefill) < 1e-5
    assert model.cache_length(cache) == len(PROMPT)


def test_sharded_and_single_file_give_identical_logits(tiny_f32, tiny_f32_sharded, tmp_path):
    outputs = []
    for folder in (tiny_f32, tiny_f32_sharded):
        out = tmp_path / os.path.basename(str(folder))
        run(REFERENCE, "--checkpoint", folder, "--tokens", ",".join(map(str, PROMPT)),
            "--decode-steps", 4, "--out", out)
        outputs.append([np.load(out / f) for f in
                        ("prefill_logits.npy", "decode_logits.npy", "tokens.npy")])
    for a, b in zip(*outputs):
        assert np.array_equal(a, b)


def test_reference_errors(tiny_bf16, tmp_path):
    bad_token = run(REFERENCE, "--checkpoint", tiny_bf16, "--tokens", "1,151936",
                    "--decode-steps", 1, check=False)
    assert bad_token.returncode != 0 and "151936" in bad_token.stderr
    missing = run(REFERENCE, "--checkpoint", tmp_path, "--tokens", "1", check=False)
    assert missing.returncode != 0 and "config.json" in missing.stderr
    # A checkpoint whose config promises more layers than it holds.
    folder = tmp_path / "short"
    folder.mkdir()
    config = json.load(open(os.path.join(tiny_bf16, "config.json")))
    (folder / "config.json").write_text(json.dumps(dict(config, num_hidden_layers=3)))
    os.symlink(os.path.join(tiny_bf16, "model.safetensors"), folder / "model.safetensors")
    short = run(REFERENCE, "--checkpoint", folder, "--tokens", "1", check=False)
    assert short.returncode != 0 and "model.layers.2." in short.stderr


@pytest.mark.skipif(os.environ.get("QWEN3_TEST_0_6B") == "0",
                    reason="QWEN3_TEST_0_6B=0 skips the 0.6b-width test")
def test_0_6b_two_layers(tmp_path):
    """The real widths (hidden 1024, 16 heads of 128, 8 KV heads) with 2
    layers: 187M parameters, 374 MB of bf16, removed afterwards."""
    folder = generate(tmp_path / "p06", "--preset", "0.6b", "--layers", "2")
    try:
        header, _ = parse_safetensors(folder / "model.safetensors")
        assert header["model.layers.1.self_attn.q_proj.weight"]["shape"] == [2048, 1024]
        assert header["model.layers.1.self_attn.k_proj.weight"]["shape"] == [1024, 1024]
        assert header["model.layers.1.mlp.down_proj.weight"]["shape"] == [1024, 3072]
        out = tmp_path / "ref"
        result = run(REFERENCE, "--checkpoint", folder, "--tokens", ",".join(map(str, PROMPT)),
                     "--decode-steps", 8, "--out", out, "--check")
        assert "check: ok" in result.stdout
        tokens = np.load(out / "tokens.npy")
        assert len(set(tokens.tolist())) > 5
    finally:
        os.remove(folder / "model.safetensors")


def test_rewriting_a_folder_removes_the_other_layout(tmp_path):
    folder = generate(tmp_path / "ckpt", "--layers", "1", "--shards", "3")
    assert len([f for f in os.listdir(folder) if f.endswith(".safetensors")]) == 3
    generate(folder, "--layers", "1")
    assert sorted(f for f in os.listdir(folder) if "safetensors" in f) == ["model.safetensors"]


def test_generator_needs_only_numpy(tmp_path):
    """The generator runs with numpy alone, so that the machine that holds a
    checkpoint (and binds it to a library compiled without weights) needs
    nothing else: with torch, safetensors, transformers and onnx blocked it
    writes a checkpoint, and it imports no module outside the standard
    library (beyond what numpy and the interpreter's start-up load)."""
    out = tmp_path / "c"
    code = "\n".join([
        "import runpy, sys",
        "import numpy  # With what it and the interpreter's start-up load.",
        "before = set(sys.modules)",
        "for name in ('torch', 'safetensors', 'transformers', 'onnx'):",
        "    sys.modules[name] = None",
        f"sys.argv = [{GENERATOR!r}, '--preset', 'tiny', '--layers', '1',",
        f"            '--out', {str(out)!r}, '--quiet']",
        "try:",
        "    runpy.run_path(sys.argv[0], run_name='__main__')",
        "except SystemExit as exit:",
        "    assert not exit.code, exit.code",
        "loaded = {m.split('.')[0] for m, v in sys.modules.items()",
        "          if v is not None and m not in before}",
        "extra = sorted(loaded - set(sys.stdlib_module_names) - {'numpy', '__main__'})",
        "assert not extra, f'imports beyond numpy: {extra}'",
    ])
    run("-c", code)
    assert (out / "model.safetensors").stat().st_size > 0
    assert json.loads((out / "config.json").read_text())["num_hidden_layers"] == 1
