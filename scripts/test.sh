#!/usr/bin/env bash
# Installs what is missing, builds, and runs the default test suite
# (everything except the tests labelled slow or benchmark), then each
# parser's libFuzzer target briefly ($FUZZ_SECONDS each, default 20; 0 skips).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh
(
  cd "${BUILD_DIR:-build}"
  # One thread per test process: two processes of two spinning OpenMP threads
  # each on two cores run many times slower than one thread each.
  OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} ctest --label-exclude "slow|benchmark" --output-on-failure --parallel 2 "$@"
)
fuzz_seconds=${FUZZ_SECONDS:-20}
if [ "$fuzz_seconds" -gt 0 ]; then ./scripts/fuzz.sh "$fuzz_seconds"; fi
