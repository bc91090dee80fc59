#!/usr/bin/env bash
# Installs, with apt-get, everything mlc's build, tests and benchmarks need on
# Debian 12. Idempotent and quiet: when every package is already installed it
# returns in about a second without touching the network.
set -euo pipefail

PACKAGES=(
  # LLVM/MLIR 22 toolchain: headers, shared libraries, lit/FileCheck, clang.
  llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools clang-22 lld-22
  libomp-22-dev
  # Build tools.
  cmake ninja-build ccache git
  # ONNX importer: protobuf and Debian's ONNX library (schemas, proto).
  protobuf-compiler libprotobuf-dev libonnx-dev
  # C++ unit tests.
  libgtest-dev
  # Python bindings, tests, model generators and peers.
  pybind11-dev python3-dev python3-numpy python3-onnx python3-torch
  python3-torchvision python3-pytest
  # ONNX backend node tests (conformance) and the BLAS PyTorch uses.
  libonnx-testdata libopenblas0-pthread
  # The text the demo's Qwen3 is trained on: the King James Bible (`bible`).
  bible-kjv
)

missing=()
for p in "${PACKAGES[@]}"; do
  # dpkg-query prints "install ok installed" only for a fully installed package.
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  SUDO=sudo
fi

echo "install-deps: installing ${#missing[@]} packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
