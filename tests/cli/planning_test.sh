#!/usr/bin/env bash
# diffuse plan eval on D4RL's mazes (MuJoCo): the JSON a user scripts against,
# and clear errors for what is not a maze or a policy.
set -euo pipefail
source_dir=$(cd "$(dirname "$0")/../.." && pwd)
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
expect_error "no policy" "give either --run RUN (a trained planner) or --policy random|expert" plan eval --env maze2d-umaze
expect_error "two policies" "give either --run RUN" plan eval --policy random --run somewhere
expect_error "planner options on a baseline" "apply to a trained planner" plan eval --policy expert --steps 5

# A planner trained (briefly) on collected umaze data: plans, scores and pictures.
"$DIFFUSE" plan collect --env maze2d-umaze --steps 20000 --seed 4 --out umaze.safetensors --quiet >/dev/null ||
  fail "plan collect umaze"
"$DIFFUSE" train --data maze2d:umaze.safetensors --out planner --steps 2 --batch-size 4 --quiet > train.txt ||
  { fail "train a planner"; cat train.txt; }
python3 - <<'PY' || fail "the planner's config"
import json
c = json.load(open("planner/config.json"))
assert c["preset"] == "maze2d-umaze" and c["model"]["type"] == "temporal_unet" and c["model"]["horizon"] == 128, c
limits = c["data"]["trajectory_limits"]
assert len(limits["minimum"]) == 6 and all(lo < hi for lo, hi in zip(limits["minimum"], limits["maximum"])), limits
assert c["prediction"] == "x0" and c["sampling"]["clip_x0"] is True, c
PY
"$DIFFUSE" plan eval --env maze2d-umaze --run planner --sampler ddim --steps 4 --episodes 2 --seed 1 --json planner.json \
  --quiet > planner.txt || { fail "plan eval with a planner"; cat planner.txt; }
grep -q "ms per plan" planner.txt || { fail "plan eval prints the time per plan"; cat planner.txt; }
python3 - <<'PY' || fail "the planner's JSON"
import json
r = json.load(open("planner.json"))
for key in ("mean_return", "normalized_score", "success_rate", "ms_per_plan"):
    assert isinstance(r[key], (int, float)), (key, r)
assert r["episodes"] == 2 and r["sampler"] == "ddim" and r["steps"] == 4 and r["ms_per_plan"] > 0, r
PY
"$DIFFUSE" plan eval --run planner --goal random --replan-every 50 --sampler ddim --steps 2 --episodes 1 --quiet \
  > multi.txt || { fail "plan eval with random goals and replanning"; cat multi.txt; }
grep -q "with random goals" multi.txt || { fail "plan eval says the goals are random"; cat multi.txt; }
"$DIFFUSE" plan show --run planner --sampler ddim --steps 4 --seed 2 --out plan.png > show_plan.txt ||
  { fail "plan show with a planner"; cat show_plan.txt; }
grep -q "wrote plan.png (300 steps, return " show_plan.txt || { fail "plan show draws the planner's episode"; cat show_plan.txt; }
expect_error "planner in another maze" "plans in maze2d-umaze, not in maze2d-large" plan eval --env maze2d-large --run planner
expect_error "more steps than T" "exceeds the model's 64 diffusion steps" plan eval --run planner --steps 65
expect_error "a planner of molecules" "planning needs a Maze2D trajectory model" \
  plan eval --run "$source_dir/models/qm9-small" --episodes 1
expect_error "the wrong maze's data" "holds maze2d-umaze trajectories, but the preset is maze2d-large" \
  train --data maze2d:umaze.safetensors --preset maze2d-large --out large_run --steps 1
printf 'not a dataset' > broken.safetensors
expect_error "a corrupt dataset" "broken.safetensors" train --data maze2d:broken.safetensors --preset maze2d-umaze --out broken_run
"$DIFFUSE" plan show --run planner --sampler ddim --steps 2 --replan-every 100 --seed 2 --out replan.png > show_replan.txt ||
  { fail "plan show with replanning"; cat show_replan.txt; }

# Hierarchical Diffuser's sparse planner: 8 subgoals 15 steps apart, a plan of 106 steps through them.
"$DIFFUSE" train --data maze2d:umaze.safetensors --preset maze2d-umaze-sparse --out sparse --steps 2 --batch-size 4 \
  --quiet > sparse_train.txt || { fail "train a sparse planner"; cat sparse_train.txt; }
python3 - <<'PY' || fail "the sparse planner's config"
import json
c = json.load(open("sparse/config.json"))
assert c["preset"] == "maze2d-umaze-sparse" and c["model"]["horizon"] == 8 and c["data"]["trajectory_stride"] == 15, c
PY
"$DIFFUSE" plan eval --run sparse --sampler ddim --steps 4 --replan-every 40 --episodes 1 --quiet > sparse_eval.txt ||
  { fail "plan eval with a sparse planner"; cat sparse_eval.txt; }
grep -q "horizon 106" sparse_eval.txt || { fail "a sparse plan spans 7 x 15 + 1 steps"; cat sparse_eval.txt; }
# A longer plan than trained (12 rows, 166 steps), and a full new plan whenever the point strays from it:
# the untrained planner's plans wander where the point cannot follow within 0.01.
"$DIFFUSE" plan eval --run sparse --sampler ddim --steps 4 --horizon 150 --episodes 1 --json sparse_long.json --quiet \
  > sparse_long.txt || { fail "plan eval with --horizon"; cat sparse_long.txt; }
grep -q "horizon 166" sparse_long.txt || { fail "--horizon 150 rounds up to 12 rows"; cat sparse_long.txt; }
"$DIFFUSE" plan eval --run sparse --sampler ddim --steps 4 --horizon 150 --replan-distance 0.01 --episodes 1 \
  --json sparse_stray.json --quiet > sparse_stray.txt || { fail "plan eval with --replan-distance"; cat sparse_stray.txt; }
python3 - <<'PY' || fail "the json records the horizon, the replan distance and the plans made"
import json
once, stray = json.load(open("sparse_long.json")), json.load(open("sparse_stray.json"))
assert once["horizon"] == 166 and once["replan_distance"] == 0 and once["plans_per_episode"] == 1, once
assert stray["replan_distance"] == 0.01 and stray["plans_per_episode"] > 1, stray
PY
expect_error "a negative replan distance" "--replan-distance" plan eval --run sparse --replan-distance -1
expect_error "a replan distance for a baseline" "apply to a trained planner" plan eval --policy expert --replan-distance 1
expect_error "a horizon for a baseline" "apply to a trained planner" plan eval --policy random --horizon 100
"$DIFFUSE" plan show --run sparse --sampler ddim --steps 4 --seed 2 --out sparse.png > show_sparse.txt ||
  { fail "plan show with a sparse planner"; cat show_sparse.txt; }
# Hierarchical Diffuser's low level: 16-step segments between the sparse plan's subgoals.
"$DIFFUSE" train --data maze2d:umaze.safetensors --preset maze2d-umaze-low --out low --steps 2 --batch-size 4 \
  --quiet > low_train.txt || { fail "train a low level"; cat low_train.txt; }
python3 -c "import json; c = json.load(open('low/config.json')); assert c['model']['horizon'] == 16 and c['data'].get('trajectory_stride', 1) == 1, c" \
  || fail "the low level is a dense planner of 16 steps"
"$DIFFUSE" plan eval --run sparse --low-level low --sampler ddim --steps 4 --episodes 1 --json low_eval.json --quiet > low_eval.txt ||
  { fail "plan eval with a sparse planner and its low level"; cat low_eval.txt; }
python3 -c "import json; r = json.load(open('low_eval.json')); assert r['low_level'] == 'low' and r['ms_per_plan'] > 0, r" \
  || fail "plan eval records the low level"
"$DIFFUSE" plan show --run sparse --low-level low --sampler ddim --steps 4 --out low.png > /dev/null ||
  fail "plan show with a low level"
expect_error "a low level under a dense planner" "a low level fills the segments of a sparse planner" \
  plan eval --run planner --low-level low --episodes 1
expect_error "a sparse low level" "the low level must be a dense planner" plan eval --run sparse --low-level sparse --episodes 1
expect_error "a low level trained on other lengths" "the low level must be trained on plans of 16 steps" \
  plan eval --run sparse --low-level planner --episodes 1
expect_error "a low level as the planner" "is a low level (maze2d-umaze-low): give it as --low-level" \
  plan eval --run low --episodes 1
expect_error "a low level with a baseline" "apply to a trained planner" plan eval --policy expert --low-level low
expect_error "a sparse preset on another maze's data" "holds maze2d-umaze trajectories, but the preset is maze2d-large-sparse" \
  train --data maze2d:umaze.safetensors --preset maze2d-large-sparse --out large_sparse --steps 1
expect_error "an unknown goal kind" "--goal: sometimes not in {fixed,random}" plan eval --policy random --goal sometimes
expect_error "unwritable json" "--json /proc/p.json: cannot write to /proc" plan eval --policy random --json /proc/p.json
finish planning
