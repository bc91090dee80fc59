#!/usr/bin/env bash
# The main job, end to end: builds mlc, makes the default checkpoint -- a
# small Qwen3 trained on the King James Bible by
# utils/models/qwen3_demo.py (3-5 minutes on the first run, then cached) --,
# compiles it with mlc-compile and continues a prompt with mlc-generate,
# which ends with the prefill and decode speeds.
#
#   utils/demo.sh [qwen3|resnet18|mobilenet_v2|decoder_block]
#
# The other models are ONNX files with random weights (nothing downloaded):
# exported from PyTorch, compiled with mlc-compile into a shared library, run
# with mlc-run (outputs and latency) and checked against PyTorch's output.
#
# Files go to $DEMO_DIR (default build/demo); MLC_NUM_THREADS sets the number
# of threads (default: all cores). Exits non-zero if any step fails or, for
# the ONNX models, the relative error to PyTorch is above 1e-4.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
model=${1:-qwen3}
dir=${DEMO_DIR:-$build/demo}

case $model in
  qwen3|resnet18|mobilenet_v2|decoder_block) ;;
  *) echo "usage: utils/demo.sh [qwen3|resnet18|mobilenet_v2|decoder_block]" >&2
     exit 2 ;;
esac

echo "== building mlc ($build)"
cmake -S . -B "$build" -G Ninja >/dev/null
cmake --build "$build"

if [[ $model == qwen3 ]]; then
  echo
  echo "== the default checkpoint: a small Qwen3 trained on the King James Bible" \
       "(utils/models/qwen3_demo.py)"
  checkpoint=$(/usr/bin/python3 utils/models/qwen3_demo.py)

  echo
  echo "== mlc-compile $checkpoint -o $dir/qwen3"
  "$build/bin/mlc-compile" "$checkpoint" -o "$dir/qwen3"

  # The checkpoint's own sampling settings (generation_config.json), seeded.
  prompt="And the LORD said unto Moses,"
  options=(--raw --max-tokens 100 --temperature 0.7 --top-k 40 --top-p 0.95 --seed 1)
  echo
  echo "== mlc-generate --lib $dir/qwen3 --prompt \"$prompt\" ${options[*]}" \
       "(MLC_NUM_THREADS=${MLC_NUM_THREADS:-all cores})"
  # The continuation streams after the prompt; mlc-generate's stderr (the
  # load time and the speeds) is shown after it.
  printf '%s' "$prompt"
  if ! "$build/bin/mlc-generate" --lib "$dir/qwen3" --prompt "$prompt" "${options[@]}" \
      2>"$dir/qwen3-generate.log"; then
    cat "$dir/qwen3-generate.log" >&2
    exit 1
  fi
  cat "$dir/qwen3-generate.log"
  exit 0
fi

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
