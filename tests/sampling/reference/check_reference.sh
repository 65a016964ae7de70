#!/usr/bin/env bash
# The numbers in samplers_test.cpp must be what the reference script prints
# today: re-runs it and looks for each of its lines in the test.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if ! command -v python3 >/dev/null; then
  echo "python3 not found: skipping"
  exit 0
fi
missing=0
while IFS= read -r line; do
  grep -qF -- "$line" "$here/../samplers_test.cpp" || { echo "not in samplers_test.cpp: $line"; missing=1; }
done < <(python3 "$here/samplers_reference.py")
exit "$missing"
