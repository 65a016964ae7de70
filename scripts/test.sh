#!/usr/bin/env bash
# Installs what is missing, builds, and runs the default test suite
# (everything except the tests labelled slow or benchmark).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh
cd "${BUILD_DIR:-build}"
# One thread per test process: two processes of two spinning OpenMP threads
# each on two cores run many times slower than one thread each.
OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} ctest --label-exclude "slow|benchmark" --output-on-failure --parallel 2 "$@"
