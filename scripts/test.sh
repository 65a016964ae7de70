#!/usr/bin/env bash
# Installs what is missing, builds, fuzzes each parser's libFuzzer target
# briefly ($FUZZ_SECONDS each, default 20; 0 skips), then runs the default
# test suite (everything except the tests labelled slow or benchmark), whose
# count of tests run ends the output.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh
fuzz_seconds=${FUZZ_SECONDS:-20}
if [ "$fuzz_seconds" -gt 0 ]; then ./scripts/fuzz.sh "$fuzz_seconds"; fi
cd "${BUILD_DIR:-build}"
# One thread per test process: two processes of two spinning OpenMP threads
# each on two cores run many times slower than one thread each.
OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} ctest --label-exclude "slow|benchmark" --output-on-failure --parallel 2 "$@"
