#!/usr/bin/env python3
"""How much of the models mlc has maps to GPU kernels that ptxas accepts.

Each model is imported (`mlc-import`), its dynamic input dimensions are
fixed to the given shapes, and it goes through

    mlc-opt -mlc-cuda-pipeline='gpu-arch=sm_80,sm_90 format=isa' \
            -mlc-cuda-write-binaries=prefix=DIR/

after which `utils/ptxas-report.sh` assembles every kernel for both
architectures. A model counts as covered when the pipeline succeeds and every
kernel assembles without spills. One line per model (OK with the number of
kernels and the most registers any kernel uses, or FAIL with the first
error), then the totals and the failure reasons grouped. Nothing runs on a
GPU.

    utils/cuda_coverage.py                                  # subset + models
    utils/cuda_coverage.py --onnx-subset utils/onnx-conformance-subset.txt
    utils/cuda_coverage.py --onnx-filter 'conv|pool' --no-models
    utils/cuda_coverage.py --models-dir /tmp/models         # reuse exports
    utils/cuda_coverage.py --keep out/                      # keep PTX/cubins

The models are those of utils/models/export_models.py (resnet18 and
mobilenet_v2 at 1x3x224x224, the decoder block at 1x64x256 for prefill and
1x1x256 for decode), exported into --models-dir when missing, and a tiny
Qwen3 checkpoint (utils/models/qwen3_checkpoint.py --preset tiny, one
layer, bf16; imported with `--target cuda`, as mlc-compile builds it for
CUDA) whose entry functions (embed, layer_prefill, layer_decode,
head_prefill, head_decode) are checked one by one.
"""
import argparse
import collections
import concurrent.futures
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ONNX_DATA = "/usr/share/libonnx-testdata/data/node"
# (name, ONNX file stem, shape of each dynamic input)
MODELS = [
    ("resnet18", "resnet18", [[1, 3, 224, 224]]),
    ("mobilenet_v2", "mobilenet_v2", [[1, 3, 224, 224]]),
    ("decoder_block.prefill", "decoder_block", [[1, 64, 256]]),
    ("decoder_block.decode", "decoder_block", [[1, 1, 256]]),
]


def fix_input_shapes(onnx_file, shapes, work):
    """A copy of `onnx_file` whose dynamic input dimensions are those of
    `shapes` (one shape per graph input, in order), or the file itself."""
    if not shapes:
        return onnx_file
    import onnx
    model = onnx.load(onnx_file)
    for value, shape in zip(model.graph.input, shapes):
        for dim, size in zip(value.type.tensor_type.shape.dim, shape):
            if not dim.HasField("dim_value"):
                dim.dim_value = size
    path = os.path.join(work, "model.onnx")
    # Keep the weights next to the model where they are external data.
    onnx.save(model, path)
    return path


def split_functions(text):
    """One module per function of `text` (an imported module), each with the
    module's other top-level ops (the parameters): {name: module text}."""
    lines = text.split("\n")
    header, functions, current = [], {}, None
    for line in lines[1:-1]:
        m = re.match(r"  func\.func @(\w+)", line)
        if m:
            current = m.group(1)
            functions[current] = []
        if current:
            functions[current].append(line)
            if line == "  }":
                current = None
        elif line.strip() and line.strip() != "}":
            header.append(line)
    return {name: "\n".join(["module {"] + header + body + ["}"])
            for name, body in functions.items()}


def first_error(stderr):
    for line in stderr.splitlines():
        m = re.search(r"error: (.*)", line)
        if m:
            return m.group(1).strip()
    lines = [l for l in stderr.splitlines() if l.strip()]
    return lines[0].strip() if lines else "no message"


def reason_key(error):
    """The error without the paths, names and numbers that differ between
    models."""
    error = re.sub(r"\S+\.onnx(:\d+:\d+)?", "MODEL", error)
    if "' op " not in error:
        error = re.sub(r"'[^']*'", "'_'", error)
    return re.sub(r"\d+", "N", error)[:160]


def check(name, source, shapes, tools, args):
    """`source`: an ONNX file (its dynamic inputs set to `shapes`), or the
    text of an imported module."""
    work = tempfile.mkdtemp(prefix="mlc-cuda-cov-")
    try:
        module = os.path.join(work, "model.mlir")
        if source.endswith(".onnx"):
            p = subprocess.run([tools["mlc-import"], fix_input_shapes(source, shapes, work),
                                "-o", module], capture_output=True, text=True,
                               timeout=args.timeout)
            if p.returncode != 0:
                return name, "SKIP", "import: " + first_error(p.stderr), None
        else:
            with open(module, "w") as f:
                f.write(source)
        out = os.path.join(work, "out") + "/"
        os.makedirs(out)
        pipeline = f"-mlc-cuda-pipeline=gpu-arch={args.arch} format=isa"
        try:
            p = subprocess.run([tools["mlc-opt"], module, pipeline,
                                f"-mlc-cuda-write-binaries=prefix={out}",
                                "-o", os.devnull],
                               capture_output=True, text=True, timeout=args.timeout)
        except subprocess.TimeoutExpired:
            return name, "FAIL", f"pipeline timed out after {args.timeout}s", None
        if p.returncode != 0:
            return name, "FAIL", first_error(p.stderr), None
        if not glob.glob(out + "*.ptx"):
            return name, "OK", "no kernels", (0, 0)
        p = subprocess.run(["bash", os.path.join(ROOT, "utils/ptxas-report.sh"),
                            args.ptxas, out], capture_output=True, text=True)
        if args.keep:
            dest = os.path.join(args.keep, name)
            shutil.rmtree(dest, ignore_errors=True)
            shutil.copytree(out, dest)
            with open(os.path.join(dest, "ptxas.txt"), "w") as f:
                f.write(p.stdout)
        lines = p.stdout.splitlines()
        if p.returncode != 0:
            failed = [l for l in lines if "ptxas failed" in l]
            return name, "FAIL", "ptxas: " + (failed[0] if failed else p.stderr[:200]), None
        regs = [int(m.group(1)) for l in lines
                for m in [re.search(r": (\d+) registers", l)] if m]
        spills = [l for l in lines if re.search(r"[1-9]\d* bytes spill", l)]
        if spills:
            return name, "FAIL", "spills: " + spills[0], None
        kernels = len({l.split(":")[0].rsplit(".", 1)[0] for l in lines})
        return name, "OK", "", (kernels, max(regs, default=0))
    except subprocess.TimeoutExpired:
        return name, "FAIL", f"timed out after {args.timeout}s", None
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    parser.add_argument("--onnx-data", default=ONNX_DATA)
    parser.add_argument("--onnx-subset", default=os.path.join(ROOT, "utils/onnx-conformance-subset.txt"),
                        help="file of ONNX node test names ('' for none)")
    parser.add_argument("--onnx-filter", help="regex over all ONNX node test names instead of the subset")
    parser.add_argument("--no-models", action="store_true", help="only the ONNX node tests")
    parser.add_argument("--no-qwen3", action="store_true", help="without the tiny Qwen3")
    parser.add_argument("--models-dir", default=os.path.join(tempfile.gettempdir(), "mlc-cuda-coverage-models"))
    parser.add_argument("--ptxas", default="/usr/local/cuda/bin/ptxas")
    parser.add_argument("--arch", default="sm_80,sm_90")
    parser.add_argument("--keep", help="copy each model's PTX, cubins and ptxas report here")
    parser.add_argument("--timeout", type=int, default=300)
    parser.add_argument("-j", "--jobs", type=int, default=1)
    args = parser.parse_args()
    tools = {t: os.path.join(args.build_dir, "bin", t) for t in ("mlc-import", "mlc-opt")}

    cases = []
    if args.onnx_filter:
        names = sorted(n for n in os.listdir(args.onnx_data) if re.search(args.onnx_filter, n))
    elif args.onnx_subset:
        with open(args.onnx_subset) as f:
            names = [l.strip() for l in f if l.strip() and not l.startswith("#")]
    else:
        names = []
    for n in names:
        cases.append((n, os.path.join(args.onnx_data, n, "model.onnx"), []))
    if not args.no_models:
        stems = sorted({stem for _, stem, _ in MODELS})
        if not all(os.path.exists(os.path.join(args.models_dir, s + ".onnx")) for s in stems):
            subprocess.run([sys.executable, os.path.join(ROOT, "utils/models/export_models.py"),
                            args.models_dir], check=True)
        for name, stem, shapes in MODELS:
            cases.append((name, os.path.join(args.models_dir, stem + ".onnx"), shapes))
    if not args.no_models and not args.no_qwen3:
        checkpoint = os.path.join(args.models_dir, "qwen3-tiny")
        if not os.path.exists(os.path.join(checkpoint, "config.json")):
            subprocess.run([sys.executable, os.path.join(ROOT, "utils/models/qwen3_checkpoint.py"),
                            "--out", checkpoint, "--preset", "tiny", "--layers", "1", "--quiet"],
                           check=True)
        p = subprocess.run([tools["mlc-import"], checkpoint, "--max-context", "64", "--target", "cuda"],
                           capture_output=True, text=True, check=True)
        for function, text in split_functions(p.stdout).items():
            cases.append((f"qwen3_tiny.{function}", text, []))

    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        results = list(pool.map(lambda c: check(*c, tools, args), cases))
    counts = collections.Counter()
    reasons = collections.defaultdict(list)
    for name, status, detail, stats in results:
        counts[status] += 1
        if status == "OK":
            extra = (f" ({stats[0]} kernels, at most {stats[1]} registers)" if stats[0]
                     else " (no kernels)")
            print(f"OK   {name}{extra}")
        else:
            print(f"{status} {name}: {detail}")
            reasons[reason_key(detail)].append(name)
    print(f"\n{counts['OK']} of {len(results)} map and assemble; "
          f"{counts['FAIL']} fail; {counts['SKIP']} not imported")
    for reason, who in sorted(reasons.items(), key=lambda r: -len(r[1])):
        print(f"  {len(who):3d}  {reason}  [{', '.join(who[:4])}{', ...' if len(who) > 4 else ''}]")
    return 0 if counts["FAIL"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
