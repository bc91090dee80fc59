#!/usr/bin/env bash
# The main job on its embedded default: builds mlc, then runs mlc-opt on a
# Qwen3 decoder layer written in the mlc dialect (docs/examples/), refining
# its shapes and canonicalizing it. Until mlc compiles models to native code,
# this is what mlc does end to end.
#
#   utils/demo.sh [FILE.mlir]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
input=${1:-docs/examples/qwen3-decoder-layer.mlir}

echo "== building mlc ($build)"
cmake -S . -B "$build" -G Ninja >/dev/null
cmake --build "$build"

echo "== mlc-opt $input -mlc-infer-shapes -canonicalize"
"$build/bin/mlc-opt" "$input" -mlc-infer-shapes -canonicalize
