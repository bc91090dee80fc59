#!/usr/bin/env python3
"""Runs the ONNX backend node tests through mlc and reports per test.

Every test folder holds `model.onnx` and `test_data_set_0/{input,output}_*.pb`.
Each model is compiled with `mlc-compile`, run with `mlc-run` on the inputs,
and its outputs are compared with the expected ones using ONNX's backend
tolerances (rtol 1e-3, atol 1e-7; NaN equals NaN; integers and booleans
exactly). The runner prints one line per test, PASS / FAIL (why) /
UNSUPPORTED (why), then `N passed, M failed, K skipped`.

    utils/onnx_conformance.py                      # the full suite
    utils/onnx_conformance.py --filter 'conv|pool' # a regex over test names
    utils/onnx_conformance.py --subset utils/onnx-conformance-subset.txt --require-pass
    utils/onnx_conformance.py --table docs/onnx-conformance.md

Uses Debian's /usr/share/libonnx-testdata (libonnx-testdata, ONNX 1.12).
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

import numpy as np
import onnx
from onnx import numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tensor_compare import compare  # noqa: E402

DEFAULT_DATA = "/usr/share/libonnx-testdata/data/node"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Tests whose reference needs a looser tolerance than the backend default
# (the same overrides ONNX's own backend runner applies), by name.
TOLERANCES = {}


class Result:
    def __init__(self, name, status, detail="", ops=()):
        self.name, self.status, self.detail, self.ops = name, status, detail, ops

    def line(self):
        return f"{self.status} {self.name}" + (f" ({self.detail})" if self.detail else "")


def first_line(text):
    # The importer lists the nodes it cannot convert after a summary line;
    # the first node says more than the summary.
    lines = text.splitlines()
    for i, line in enumerate(lines[:-1]):
        if "cannot convert" in line:
            node = lines[i + 1].strip()
            return re.sub(r"^node (#\d+|'[^']*') \(([^)]*)\):", r"\2:", node)[:200]
    for line in lines:
        line = line.strip()
        if line:
            line = re.sub(r"^mlc-(compile|run|import): (error: )?", "", line)
            return re.sub(r"^\S+\.onnx(:\d+:\d+)?: (error: )?", "", line)[:200]
    return "no message"


def load_tensor(path):
    tensor = onnx.TensorProto()
    with open(path, "rb") as f:
        tensor.ParseFromString(f.read())
    return numpy_helper.to_array(tensor)


def primary_ops(model, name):
    ops = [n.op_type for n in model.graph.node]
    if len(set(ops)) <= 1:
        return tuple(set(ops)) or ("<none>",)
    lowered = name.lower().replace("_", "")
    for op in ops:
        if op.lower() in lowered:
            return (op,)
    return (ops[0],)


def test_files(folder):
    """The input and expected output files of a node test, in order."""
    data = os.path.join(folder, "test_data_set_0")
    def numbered(kind):
        return sorted(glob.glob(os.path.join(data, f"{kind}_*.pb")),
                      key=lambda p: int(re.findall(r"\d+", os.path.basename(p))[0]))
    return numbered("input"), numbered("output")


def load_test_model(folder):
    """(model, ops, None), or (None, ops, Result) when the test cannot run."""
    name = os.path.basename(folder)
    try:
        model = onnx.load(os.path.join(folder, "model.onnx"))
    except Exception as e:  # noqa: BLE001 - a broken test file
        return None, (), Result(name, "FAIL", f"cannot load model: {e}")
    ops = primary_ops(model, name)
    for value in list(model.graph.input) + list(model.graph.output):
        if not value.type.HasField("tensor_type"):
            return None, ops, Result(name, "UNSUPPORTED", "non-tensor inputs or outputs", ops)
    return model, ops, None


def compile_test(folder, library, tools, timeout, ops, target="cpu"):
    """Compiles a node test's model; a Result if that failed, else None."""
    name = os.path.basename(folder)
    try:
        p = subprocess.run([tools["mlc-compile"], os.path.join(folder, "model.onnx"),
                            "-o", library, "--quiet", "--target", target],
                           capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return Result(name, "FAIL", f"mlc-compile timed out after {timeout}s", ops)
    if p.returncode == 3:
        return Result(name, "UNSUPPORTED", first_line(p.stderr), ops)
    if p.returncode != 0:
        return Result(name, "FAIL", "compile: " + first_line(p.stderr), ops)
    return None


def select_tests(data_dir, subset=None, pattern=None):
    """The node test folders, or those a subset file lists, matching a regex."""
    if not os.path.isdir(data_dir):
        sys.exit(f"onnx_conformance: {data_dir} not found (install libonnx-testdata)")
    folders = sorted(f for f in glob.glob(os.path.join(data_dir, "test_*"))
                     if os.path.isdir(f))
    if subset:
        wanted = [l.split("#")[0].strip() for l in open(subset)]
        wanted = [w for w in wanted if w]
        known = {os.path.basename(f): f for f in folders}
        missing = [w for w in wanted if w not in known]
        if missing:
            sys.exit(f"onnx_conformance: unknown tests in {subset}: {missing}")
        folders = [known[w] for w in wanted]
    if pattern:
        folders = [f for f in folders if re.search(pattern, os.path.basename(f))]
    return folders


def output_is_bf16(model, i):
    return model.graph.output[i].type.tensor_type.elem_type == onnx.TensorProto.BFLOAT16


def run_test(folder, tools, timeout):
    name = os.path.basename(folder)
    model, ops, skipped = load_test_model(folder)
    if skipped:
        return skipped
    inputs, outputs = test_files(folder)
    work = tempfile.mkdtemp(prefix="mlc-onnx-")
    try:
        library = os.path.join(work, "model.so")
        failed = compile_test(folder, library, tools, timeout, ops)
        if failed:
            return failed
        out_dir = os.path.join(work, "out")
        try:
            p = subprocess.run([tools["mlc-run"], library, *inputs, "--output-dir", out_dir],
                               capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return Result(name, "FAIL", f"mlc-run timed out after {timeout}s", ops)
        if p.returncode != 0:
            return Result(name, "FAIL", "run: " + first_line(p.stderr), ops)
        rtol, atol = TOLERANCES.get(name, (1e-3, 1e-7))
        for i, expected_path in enumerate(outputs):
            got_path = os.path.join(out_dir, f"output_{i}.npy")
            if not os.path.exists(got_path):
                return Result(name, "FAIL", f"output {i} missing", ops)
            problem = compare(np.load(got_path), load_tensor(expected_path), rtol, atol,
                              bf16=output_is_bf16(model, i))
            if problem:
                return Result(name, "FAIL", f"output {i}: {problem}", ops)
        return Result(name, "PASS", "", ops)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def write_table(results, path, data_dir):
    per_op = collections.defaultdict(lambda: collections.Counter())
    for r in results:
        for op in r.ops or ("<unknown>",):
            per_op[op][r.status] += 1
    total = collections.Counter(r.status for r in results)
    lines = [
        "# ONNX backend node tests",
        "",
        "Generated by `utils/onnx_conformance.py --table` from the node tests",
        f"of Debian's libonnx-testdata ({data_dir}), compared with ONNX's",
        "backend tolerances (rtol 1e-3, atol 1e-7). A test counts for the op",
        "its model exercises. Regenerate after changing the importer or the",
        "lowering (a few minutes):",
        "",
        "    cmake --build build",
        "    /usr/bin/python3 utils/onnx_conformance.py --quiet --table docs/onnx-conformance.md",
        "",
        f"**{total['PASS']} passed, {total['FAIL']} failed, {total['UNSUPPORTED']} "
        f"skipped (unsupported) of {len(results)}.**",
        "",
        "## Ops with passing tests",
        "",
        "| op | tests | passed | failed | unsupported |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    def row(op):
        c = per_op[op]
        return f"| {op} | {sum(c.values())} | {c['PASS']} | {c['FAIL']} | {c['UNSUPPORTED']} |"
    supported = [op for op in sorted(per_op) if per_op[op]["PASS"]]
    lines += [row(op) for op in supported]
    lines += ["", "## Ops without passing tests", "",
              "| op | tests | failed | unsupported | first reason |",
              "| --- | ---: | ---: | ---: | --- |"]
    for op in sorted(set(per_op) - set(supported)):
        c = per_op[op]
        reason = next((r.detail for r in results if op in r.ops and r.detail), "")
        reason = reason.replace("|", "\\|")
        lines.append(f"| {op} | {sum(c.values())} | {c['FAIL']} | {c['UNSUPPORTED']} | {reason} |")
    failures = [r for r in results if r.status == "FAIL"]
    if failures:
        lines += ["", "## Failing tests", ""]
        lines += [f"- `{r.name}`: {r.detail}" for r in failures]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=DEFAULT_DATA)
    parser.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--filter", help="regex over test names")
    parser.add_argument("--subset", help="file listing test names, one per line")
    parser.add_argument("--require-pass", action="store_true",
                        help="exit 1 unless every selected test passes")
    parser.add_argument("--table", help="write the per-op table (Markdown) here")
    parser.add_argument("--timeout", type=int, default=300)
    parser.add_argument("--quiet", action="store_true", help="print only failures and totals")
    args = parser.parse_args()

    tools = {t: os.path.join(args.build_dir, "bin", t) for t in ("mlc-compile", "mlc-run")}
    for tool, path in tools.items():
        if not os.access(path, os.X_OK):
            sys.exit(f"onnx_conformance: {path} not found; build mlc first")
    folders = select_tests(args.data_dir, args.subset, args.filter)

    results = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = [pool.submit(run_test, f, tools, args.timeout) for f in folders]
        for future in futures:
            r = future.result()
            results.append(r)
            if not args.quiet or r.status == "FAIL":
                print(r.line(), flush=True)
    count = collections.Counter(r.status for r in results)
    print(f"{count['PASS']} passed, {count['FAIL']} failed, {count['UNSUPPORTED']} skipped"
          f" (of {len(results)})")
    if args.table:
        write_table(results, args.table, args.data_dir)
    if args.require_pass and count["PASS"] != len(results):
        sys.exit(1)


if __name__ == "__main__":
    main()
