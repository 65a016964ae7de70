#!/usr/bin/env bash
# Configures and builds Diffuse in Release into build/ (or $BUILD_DIR).
# BUILD_TARGETS="diffuse_cli" builds only those targets (the demo needs only the CLI).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
# Clang (Debian's clang 14, with libstdc++ as libtorch) by default: CMake
# builds its precompiled header with -fpch-instantiate-templates, so the
# templates of <torch/torch.h> are instantiated once in the header instead
# of in every file, and the build takes a third of gcc's time (BENCHMARKS.md).
# CXX=g++ builds with gcc. A build directory made with another compiler is
# configured afresh (CMake keeps one compiler per cache).
compiler=${CXX:-clang++}
if [ -f "$build_dir/CMakeCache.txt" ] &&
   ! grep -q "^CMAKE_CXX_COMPILER:[A-Z]*=.*$(basename "$compiler")$" "$build_dir/CMakeCache.txt"; then
  echo "build.sh: $build_dir was configured with another compiler; configuring it afresh for $compiler"
  rm -rf "$build_dir/CMakeCache.txt" "$build_dir/CMakeFiles"
fi
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER="$compiler"   -DDIFFUSE_BUILD_TESTS=ON -DDIFFUSE_BUILD_BENCHMARKS=ON
targets=()
for target in ${BUILD_TARGETS:-}; do targets+=(--target "$target"); done
# Two parallel compile jobs: each file that includes libtorch needs ~1 GB.
cmake --build "$build_dir" --parallel "${BUILD_JOBS:-2}" "${targets[@]}"
