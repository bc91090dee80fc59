#!/usr/bin/env bash
# Builds mlc and runs every test suite: the lit regression tests (check-mlc),
# the GoogleTest unit tests (ctest), the Python tests (pytest) and a fast
# subset of the ONNX backend node tests (utils/onnx-conformance-subset.txt,
# every test must pass).
# Prints the counts of each suite and exits non-zero if anything failed.
#
#   utils/test.sh            # build into ./build
#   BUILD_DIR=out utils/test.sh
set -uo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}

step() { printf '\n== %s\n' "$*"; }

step "configure and build ($build)"
cmake -S . -B "$build" -G Ninja >/dev/null || exit 1
cmake --build "$build" || exit 1

failed=()

step "lit regression tests (check-mlc)"
cmake --build "$build" --target check-mlc || failed+=("check-mlc")

step "unit tests (ctest)"
ctest --test-dir "$build" --output-on-failure || failed+=("unit tests")

# Debian's Python has python3-onnx, python3-torch and python3-pytest.
python=${PYTHON:-/usr/bin/python3}

step "Python tests (pytest: the mlc package, test/python; the Qwen3 checkpoint generator, reference and PyTorch peer)"
PYTHONPATH="$build/python${PYTHONPATH:+:$PYTHONPATH}" "$python" -m pytest -q -rs \
  -p no:cacheprovider test/python utils/models utils/bench/test_qwen3_torch_peer.py || failed+=("pytest")

step "ONNX conformance subset (utils/onnx-conformance-subset.txt)"
"$python" utils/onnx_conformance.py --build-dir "$build" --quiet \
  --subset utils/onnx-conformance-subset.txt --require-pass ||
  failed+=("ONNX conformance subset")

echo
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "FAILED: ${failed[*]}"
  exit 1
fi
echo "all test suites passed"
