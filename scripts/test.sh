#!/usr/bin/env bash
# Installs what is missing, builds, and runs the default test suite
# (everything except the tests labelled slow or benchmark).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh -DDIFFUSE_BUILD_TESTS=ON -DDIFFUSE_BUILD_BENCHMARKS=ON
cd "${BUILD_DIR:-build}"
ctest --label-exclude "slow|benchmark" --output-on-failure --parallel 2 "$@"
