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

expect_error "unknown maze" "unknown environment 'maze2d-open': expected maze2d-umaze, maze2d-medium, maze2d-large" \
  plan eval --env maze2d-open --policy random
expect_error "unknown policy" "unknown policy 'greedy': expected random or expert" plan eval --policy greedy
expect_error "no policy" "give --policy random or --policy expert" plan eval --env maze2d-umaze
expect_error "unwritable json" "--json /proc/p.json: cannot write to /proc" plan eval --policy random --json /proc/p.json
finish planning
