#!/usr/bin/env bash
# diffuse plan eval on D4RL's mazes (MuJoCo): the JSON a user scripts against,
# and clear errors for what is not a maze or a policy.
set -euo pipefail
source "$(dirname "$0")/cli_test_lib.sh"

"$DIFFUSE" plan eval --env maze2d-umaze --policy expert --episodes 5 --seed 3 --json expert.json --quiet > expert.txt ||
  fail "plan eval with the expert"
grep -q "normalized score" expert.txt || { fail "plan eval prints the normalised score"; cat expert.txt; }
python3 - <<'PY' || fail "plan eval's JSON"
import json
r = json.load(open("expert.json"))
for key in ("mean_return", "normalized_score", "success_rate", "ms_per_plan"):
    assert isinstance(r[key], (int, float)), (key, r)
assert r["episodes"] == 5 and len(r["returns"]) == 5 and r["success_rate"] == 1.0, r
assert r["normalized_score"] > 50, r
PY
"$DIFFUSE" plan eval --env maze2d-umaze --policy random --episodes 5 --seed 3 --json random.json --quiet >/dev/null ||
  fail "plan eval with the random policy"
python3 -c "import json; assert json.load(open('random.json'))['normalized_score'] < 50" || fail "random scores below the expert"

# A dataset as D4RL makes one, in the documented safetensors layout.
"$DIFFUSE" plan collect --env maze2d-medium --steps 3000 --seed 2 --out medium.safetensors --quiet > collect.txt ||
  fail "plan collect"
grep -q "wrote medium.safetensors: 3000 steps of maze2d-medium" collect.txt || { fail "plan collect says what it wrote"; cat collect.txt; }
python3 - <<'PY' || fail "the dataset's layout"
import json, struct
data = open("medium.safetensors", "rb").read()
n, = struct.unpack("<Q", data[:8])
header = json.loads(data[8:8 + n])
assert header["__metadata__"]["format"] == "diffuse-maze2d-v1" and header["__metadata__"]["env"] == "maze2d-medium"
shapes = {k: (v["dtype"], v["shape"]) for k, v in header.items() if k != "__metadata__"}
assert shapes == {"observations": ("F32", [3000, 4]), "actions": ("F32", [3000, 2]), "goals": ("F32", [3000, 2]),
                  "goal_reached": ("U8", [3000])}, shapes
PY
expect_error "collect to nowhere" "--out /proc/m.safetensors: cannot write to /proc" plan collect --steps 10 --out /proc/m.safetensors

# A picture of one episode.
"$DIFFUSE" plan show --env maze2d-medium --policy expert --seed 1 --out episode.png > show.txt || fail "plan show"
grep -q "wrote episode.png (600 steps, return " show.txt || { fail "plan show says what it drew"; cat show.txt; }
expect_error "plan show without a picture name" "--out episode.txt: expected a .png file" \
  plan show --policy expert --out episode.txt

expect_error "unknown maze" "unknown environment 'maze2d-open': expected maze2d-umaze, maze2d-medium, maze2d-large" \
  plan eval --env maze2d-open --policy random
expect_error "unknown policy" "unknown policy 'greedy': expected random or expert" plan eval --policy greedy
expect_error "no policy" "give --policy random or --policy expert" plan eval --env maze2d-umaze
expect_error "unwritable json" "--json /proc/p.json: cannot write to /proc" plan eval --policy random --json /proc/p.json
finish planning
