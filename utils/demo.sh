#!/usr/bin/env bash
# The main job, end to end on a real model: builds mlc, exports torchvision's
# ResNet-18 (random weights, nothing downloaded) to ONNX with PyTorch,
# compiles it with mlc-compile into a shared library, runs it with mlc-run
# (outputs and latency), and checks the output against PyTorch's.
#
#   utils/demo.sh [resnet18|mobilenet_v2|decoder_block]
#
# Files go to $DEMO_DIR (default build/demo); MLC_NUM_THREADS sets the number
# of threads (default: all cores). Exits non-zero if any step fails or the
# relative error to PyTorch is above 1e-4.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
model=${1:-resnet18}
dir=${DEMO_DIR:-$build/demo}

echo "== building mlc ($build)"
cmake -S . -B "$build" -G Ninja >/dev/null
cmake --build "$build"

echo
echo "== exporting $model with PyTorch (utils/models/export_models.py)"
/usr/bin/python3 utils/models/export_models.py "$dir" --models "$model"

echo
echo "== mlc-compile $dir/$model.onnx -o $dir/$model.so"
"$build/bin/mlc-compile" "$dir/$model.onnx" -o "$dir/$model.so"

echo
echo "== mlc-run $dir/$model.so $dir/$model.input_0.npy --bench 20" \
     "(MLC_NUM_THREADS=${MLC_NUM_THREADS:-all cores})"
"$build/bin/mlc-run" "$dir/$model.so" "$dir/$model.input_0.npy" \
    --output-dir "$dir/out" --bench 20

echo
echo "== checking against PyTorch's output"
/usr/bin/python3 utils/models/compare_outputs.py "$dir/out/output_0.npy" \
    "$dir/$model.output_0.npy"
