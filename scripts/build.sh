#!/usr/bin/env bash
# Configures and builds Diffuse in Release into build/ (or $BUILD_DIR).
# BUILD_TARGETS="diffuse_cli" builds only those targets (the demo needs only the CLI).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DDIFFUSE_BUILD_TESTS=ON -DDIFFUSE_BUILD_BENCHMARKS=ON
targets=()
for target in ${BUILD_TARGETS:-}; do targets+=(--target "$target"); done
# Two parallel compile jobs: each file that includes libtorch needs ~1 GB.
cmake --build "$build_dir" --parallel "${BUILD_JOBS:-2}" "${targets[@]}"
