#!/usr/bin/env bash
# Configures and builds Diffuse in Release into build/ (or $BUILD_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@"
# Two parallel compile jobs: each file that includes libtorch needs ~1 GB.
cmake --build "$build_dir" --parallel "${BUILD_JOBS:-2}"
