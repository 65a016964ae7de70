#!/usr/bin/env bash
# The QM9 model that ships in models/qm9-small works on a fresh checkout:
# it samples molecules (SDF, PNG grid, scaffold completion) and they score as
# BENCHMARKS.md says: 0.78 valid at this seed with DDIM 50 steps, checked
# against 0.50 to leave room for other CPUs' rounding.
set -euo pipefail
source_dir=$(cd "$(dirname "$0")/../.." && pwd)
model="$source_dir/models/qm9-small"
source "$(dirname "$0")/cli_test_lib.sh"

"$DIFFUSE" info --run "$model" > info.txt || fail "info --run on the shipped model"
grep -q "EGNN" info.txt || { fail "info names the EGNN"; cat info.txt; }

"$DIFFUSE" --threads 1 sample --run "$model" --num 100 --sampler ddim --steps 50 --seed 1 --out mols.sdf --quiet >sample.txt ||
  fail "sampling the shipped model"
"$DIFFUSE" molecules eval --input mols.sdf --json scores.json --quiet >/dev/null || fail "scoring its molecules"
python3 - scores.json "${MIN_VALIDITY:-0.50}" <<'PY' || fail "the shipped model's molecules are mostly valid"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["num_molecules"] == 100, s
assert s["validity"] >= float(sys.argv[2]), s
PY

"$DIFFUSE" --threads 1 sample --run "$model" --num 6 --sampler ddim --steps 20 --out grid.png --quiet >/dev/null ||
  fail "a PNG grid from the shipped model"
[ -s grid.png ] || fail "grid.png written"

# Scaffold completion on the shipped model: an amide N-C=O stays where it was given.
printf '3\nN-C=O\nC 0.000 0.000 0.000\nN 1.340 0.000 0.000\nO -0.610 1.050 0.000\n' > part.xyz
"$DIFFUSE" --threads 1 sample --run "$model" --num 4 --sampler ddim --steps 20 --fix part.xyz --out completed.xyz --quiet >/dev/null ||
  fail "--fix on the shipped model"
python3 - completed.xyz <<'PY' || fail "the given atoms keep their elements and coordinates"
import sys
lines = open(sys.argv[1]).read().split("\n")
i, molecules = 0, 0
while i < len(lines) and lines[i].strip():
    n = int(lines[i]); atoms = [l.split() for l in lines[i + 2:i + 2 + n]]
    assert n > 3, n
    for (element, x, y, z), want in zip(atoms[:3], [("C", 0, 0, 0), ("N", 1.34, 0, 0), ("O", -0.61, 1.05, 0)]):
        assert element == want[0] and max(abs(float(a) - b) for a, b in zip((x, y, z), want[1:])) < 1e-3, (element, x, y, z)
    i += 2 + n; molecules += 1
assert molecules == 4, molecules
PY
finish shipped_qm9_model
