#!/usr/bin/env bash
# Molecules from the command line, end to end on a small slice of QM9: train
# a few steps of qm9-small (and of the with-hydrogen qm9-small-h), sample an SDF, an XYZ and a PNG, complete a
# scaffold, score them and QM9
# itself with `diffuse molecules eval`; bad molecule files end with one clear
# error line that names the file and the record.
set -euo pipefail
: "${DIFFUSE_SHARED_DATA:?set DIFFUSE_SHARED_DATA to ../shared/data}"
qm9="$DIFFUSE_SHARED_DATA/qm9/qm9.xyz.gz"
if [ ! -f "$qm9" ]; then
  echo "SKIP: QM9 not found at $qm9"
  exit 0
fi
source "$(dirname "$0")/cli_test_lib.sh"
check_scores() {  # check_scores file.json: the six keys, fractions in [0, 1]
  python3 - "$1" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
for key in ["atom_stability", "molecule_stability", "validity", "uniqueness", "connected"]:
    assert 0.0 <= s[key] <= 1.0, (key, s)
assert s["novelty"] is None or 0.0 <= s["novelty"] <= 1.0, s
PY
}

# The first 2,000 molecules of QM9 as a small data folder.
mkdir small
zcat "$qm9" | awk 'BEGIN { n = 0 } /^[0-9]+$/ { n++ } n <= 2000' | gzip > small/qm9.xyz.gz

# QM9's own scores through the CLI: every 64th molecule of the whole file.
"$DIFFUSE" molecules eval --input "qm9:$DIFFUSE_SHARED_DATA/qm9" --split all --every 64 --json data.json --quiet >data.txt
check_scores data.json || fail "the data's scores are fractions"
python3 - data.json <<'PY' || fail "every 64th QM9 molecule scores as the independent implementation does"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["num_molecules"] == 2012, s
assert abs(s["atom_stability"] - 0.9940) < 0.0006 and abs(s["molecule_stability"] - 0.9573) < 0.0006, s
assert abs(s["validity"] - 0.9801) < 0.0006, s
PY

"$DIFFUSE" train --data qm9:small --preset qm9-small --steps 30 --batch-size 16 --out run --quiet >train.txt
grep -q "EGNN" train.txt || fail "the network describes itself as an EGNN"
python3 - run/config.json <<'PY' || fail "config.json records the molecule data"
import json, sys
c = json.load(open(sys.argv[1]))
assert c["model"]["type"] == "egnn" and c["data"]["no_hydrogens"] is True, c
h = c["data"]["atom_count_histogram"]
assert 2 <= len(h) <= 10 and sum(h) > 1000 and h[0] == 0, h  # at most 9 heavy atoms
assert c["schedule"]["kind"] == "polynomial" and c["sampling"]["clip_x0"] is False, c
PY

# The with-hydrogen preset: all atoms, sizes up to QM9's 29, H among the types.
"$DIFFUSE" train --data qm9:small --preset qm9-small-h --steps 3 --batch-size 4 --out run_h --quiet >/dev/null
python3 - run_h/config.json <<'PY' || fail "qm9-small-h trains on every atom, hydrogens included"
import json, sys
c = json.load(open(sys.argv[1]))
assert c["data"]["no_hydrogens"] is False and c["model"]["max_atoms"] == 29 and 1 in c["model"]["atom_types"], c
h = c["data"]["atom_count_histogram"]
assert 10 < len(h) <= 30 and sum(h) > 1000, h
PY
expect_error "--no-hydrogens with the with-hydrogen preset" "qm9-small-h and qm9-edm without" \
  train --data qm9:small --preset qm9-small-h --no-hydrogens --steps 1 --out run_bad

"$DIFFUSE" sample --run run --num 12 --sampler ddim --steps 20 --out mols.sdf --quiet >sample.txt
grep -q "wrote 12 molecules" sample.txt || fail "sample writes 12 molecules"
[ "$(grep -c '^\$\$\$\$' mols.sdf)" -eq 12 ] || fail "the SDF holds 12 records"
"$DIFFUSE" sample --run run --num 5 --atoms 7 --sampler ddpm --steps 50 --out mols.xyz --quiet >/dev/null
[ "$(grep -c '^7$' mols.xyz)" -eq 5 ] || fail "--atoms 7 gives five 7-atom molecules"
"$DIFFUSE" molecules eval --input mols.sdf --reference qm9:small --json scores.json --quiet >/dev/null
check_scores scores.json || fail "the samples' scores are fractions"
python3 -c "import json; s = json.load(open('scores.json')); assert s['num_molecules'] == 12 and s['novelty'] is not None, s" \
  || fail "12 molecules scored, with novelty"

# A picture of 2-D drawings, and scaffold completion: the given atoms, in the
# given order, at the given coordinates, in every molecule.
"$DIFFUSE" sample --run run --num 6 --sampler ddim --steps 20 --out grid.png --quiet >/dev/null
python3 - grid.png <<'PY' || fail "grid.png is a 3 x 2 grid of 170-pixel cells"
import struct, sys
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", data[:8]
width, height = struct.unpack(">II", data[16:24])
assert (width, height) == (510, 340), (width, height)
PY
printf '3\nN-C=O\nC 5.000 1.000 0.000\nN 6.340 1.000 0.000\nO 4.390 2.050 0.000\n' > part.xyz
"$DIFFUSE" sample --run run --num 4 --fix part.xyz --sampler ddim --steps 20 --out completed.xyz --quiet >/dev/null
python3 - completed.xyz <<'PY' || fail "--fix keeps the three given atoms where they were"
import sys
lines = open(sys.argv[1]).read().split("\n")
given = [("C", 5.0, 1.0, 0.0), ("N", 6.34, 1.0, 0.0), ("O", 4.39, 2.05, 0.0)]
i, molecules = 0, 0
while i < len(lines) and lines[i].strip():
    n = int(lines[i]); atoms = [l.split() for l in lines[i + 2:i + 2 + n]]
    assert n > 3, n
    for (e, x, y, z), a in zip(given, atoms[:3]):
        assert a[0] == e and max(abs(float(a[1]) - x), abs(float(a[2]) - y), abs(float(a[3]) - z)) < 1e-3, (a, e)
    i += 2 + n; molecules += 1
assert molecules == 4, molecules
PY
printf '2\nwith H\nC 0 0 0\nH 1.09 0 0\n' > part_h.xyz
expect_error "--fix with hydrogens on a heavy-atom model" "leave the hydrogens out" \
  sample --run run --num 1 --fix part_h.xyz --out m.sdf
expect_error "--fix as large as the model" "--atoms 3: more atoms than the 3 fixed" \
  sample --run run --num 1 --fix part.xyz --atoms 3 --out m.sdf

# Bad input.
printf '3\nbroken\nC 0 0 0\nO 1.2 0 0\n' > truncated.xyz
expect_error "a truncated XYZ" "truncated.xyz: record 1" molecules eval --input truncated.xyz
printf '1\nx\nQq 0 0 0\n' > unknown.xyz
expect_error "an unknown element" 'unknown element "Qq"' molecules eval --input unknown.xyz
printf '1\nx\nC 0 nan 0\n' > nan.xyz
expect_error "a NaN coordinate" "not a finite number" molecules eval --input nan.xyz
printf 'not a mol block\n' > bad.sdf
expect_error "a malformed SDF" "bad.sdf: record 1" molecules eval --input bad.sdf
expect_error "an unknown molecule file" "unknown molecule file type" molecules eval --input mols.pdb
expect_error "--no-hydrogens on images" "applies to molecules" train --data mnist --no-hydrogens --out x
expect_error "--atoms beyond the model" "1 to 9 atoms" sample --run run --num 1 --atoms 12 --out m.sdf
expect_error "molecules to a CSV" "written as .sdf" sample --run run --num 1 --out m.csv
expect_error "too many molecules for a picture" "at most 400 molecules" sample --run run --num 401 --out m.png

finish "molecules CLI"
