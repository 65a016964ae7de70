#!/usr/bin/env bash
# Builds the parsers' libFuzzer targets with clang, AddressSanitizer and
# UndefinedBehaviorSanitizer into build-fuzz/ (or $FUZZ_BUILD_DIR), then fuzzes
# each for SECONDS, starting from its seed corpus in fuzz/corpus/.
#   scripts/fuzz.sh [SECONDS] [TARGET...]    default: 30 s each; targets safetensors idx image run_config xyz base64
# New interesting inputs collect in build-fuzz/corpus/TARGET; an input that
# crashes is written to build-fuzz/findings/TARGET/ and the script fails.
# Needs Debian's clang and libclang-rt-14-dev (scripts/install-deps.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(safetensors idx image run_config xyz base64)
build_dir=${FUZZ_BUILD_DIR:-build-fuzz}

cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
  -DDIFFUSE_FUZZ=ON -DDIFFUSE_BUILD_TESTS=OFF -DDIFFUSE_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build "$build_dir" --parallel "${BUILD_JOBS:-2}" $(printf -- '--target fuzz_%s ' "${targets[@]}")

status=0
for target in "${targets[@]}"; do
  corpus="$build_dir/corpus/$target" findings="$build_dir/findings/$target"
  mkdir -p "$corpus" "$findings"
  log="$build_dir/fuzz_$target.log"
  echo "fuzz_$target: ${seconds} s from fuzz/corpus/$target (log: $log)"
  # One worker; inputs up to 1 MiB; 2 GB of memory; a 10 s timeout per input.
  if "$build_dir/fuzz/fuzz_$target" -max_total_time="$seconds" -max_len=1048576 -rss_limit_mb=2048 -timeout=10 \
       -print_final_stats=1 -artifact_prefix="$findings/" "$corpus" "fuzz/corpus/$target" >"$log" 2>&1; then
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
    coverage=$(grep -o 'cov: [0-9]*' "$log" | tail -1 || true)
    echo "fuzz_$target: no crash in $runs inputs ($coverage, $(ls "$corpus" | wc -l) inputs in its corpus)"
  else
    status=1
    echo "fuzz_$target: FOUND A CRASH; the input is in $findings/, the report in $log" >&2
    grep -m5 -E "ERROR|runtime error|terminate|Assertion" "$log" >&2 || tail -20 "$log" >&2
  fi
done
exit $status
