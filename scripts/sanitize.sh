#!/usr/bin/env bash
# Builds Diffuse and its tests with AddressSanitizer and
# UndefinedBehaviorSanitizer (gcc) into build-asan/ (or $SANITIZE_BUILD_DIR)
# and runs the default test suite there: any memory error, leak or undefined
# behaviour fails the test that hit it. Extra arguments go to ctest
# (e.g. -R Trainer). libtorch itself is not instrumented.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
build_dir=${SANITIZE_BUILD_DIR:-build-asan}
sanitizers="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
# -O1 -g1: readable reports at a tolerable build time; assertions stay on.
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Sanitize -DCMAKE_CXX_FLAGS="-O1 -g1 $sanitizers" \
  -DCMAKE_EXE_LINKER_FLAGS="$sanitizers" -DCMAKE_SHARED_LINKER_FLAGS="$sanitizers" \
  -DDIFFUSE_BUILD_TESTS=ON -DDIFFUSE_BUILD_BENCHMARKS=OFF
cmake --build "$build_dir" --parallel "${BUILD_JOBS:-2}"
suppressions="$PWD/scripts/sanitizer-suppressions"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:halt_on_error=1:strict_string_checks=1:detect_stack_use_after_return=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export LSAN_OPTIONS="suppressions=$suppressions/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
cd "$build_dir"
OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} ctest --label-exclude "slow|benchmark" --output-on-failure --parallel 2 "$@"
