#!/usr/bin/env bash
# Class-conditional generation from the command line: a conditional
# toy2d:8gaussians run trained for 4,000 steps must put the samples of each
# class near that class's own mode (at least 97% of those near any mode), at
# guidance 1 and 3; the same seed must give the same samples at batch sizes
# 1, 5 and 12; misuse ends with one clear error line.
set -euo pipefail
source "$(dirname "$0")/cli_test_lib.sh"

"$DIFFUSE" train --data toy2d:8gaussians --conditional --steps 4000 --out run --sample-every 0 --quiet >train.txt
grep -q "conditioned on 8 classes" train.txt || fail "the network describes its classes"
python3 - run/config.json <<'PY' || fail "config.json records the classes"
import json, sys
c = json.load(open(sys.argv[1]))
assert c["data"]["conditional"] is True and c["model"]["num_classes"] == 8, c
assert len(c["data"]["class_names"]) == 8 and c["training"]["label_dropout"] == 0.1, c
PY

for guidance in 1 3; do
  "$DIFFUSE" sample --run run --class all --guidance "$guidance" --num 500 --sampler ddim --steps 50 \
    --out "classes_$guidance.csv" --quiet >/dev/null
  python3 - "classes_$guidance.csv" "$guidance" <<'PY' || fail "guidance $guidance: samples lie near their own class's mode"
import csv, math, sys
rows = list(csv.DictReader(open(sys.argv[1])))
centres = [(4 / 1.414 * math.cos(k * math.pi / 4), 4 / 1.414 * math.sin(k * math.pi / 4)) for k in range(8)]
worst = 1.0
for c in range(8):
    near = own = 0
    for r in (r for r in rows if int(r["class"]) == c):
        x, y = float(r["x"]), float(r["y"])
        d = [math.hypot(x - cx, y - cy) for cx, cy in centres]
        if min(d) < 1.0:
            near += 1
            own += d.index(min(d)) == c  # class k is the mode at k * 45 degrees
    share = own / max(near, 1)
    worst = min(worst, share)
    print(f"guidance {sys.argv[2]} class {c}: {near} of 500 near a mode, {share:.3f} of them near its own")
    assert near >= 250 and share >= 0.97
print(f"guidance {sys.argv[2]}: lowest share near the class's own mode {worst:.3f}")
PY
done
"$DIFFUSE" sample --run run --class all --num 4 --out classes.png --quiet >/dev/null
[ -s classes.png ] || fail "--class all writes a PNG with a row per class"

# The same seed, any batch size: the same samples (within float rounding of the batched network).
for batch in 1 5 12; do
  "$DIFFUSE" sample --run run --class 3 --guidance 2 --num 12 --batch-size "$batch" --sampler ddpm --steps 100 \
    --seed 4 --out "batch_$batch.csv" --quiet >/dev/null
done
python3 - batch_1.csv batch_5.csv batch_12.csv <<'PY' || fail "the same samples at batch sizes 1, 5 and 12"
import sys
tables = [[list(map(float, line.split(","))) for line in open(f).read().split()[1:]] for f in sys.argv[1:]]
worst = max(abs(a - b) for t in tables[1:] for ra, rb in zip(tables[0], t) for a, b in zip(ra, rb))
print(f"largest difference between batch sizes: {worst:.2e}")
assert len(tables[0]) == 12 and worst < 1e-4
PY

# Guidance limited to noise levels: an interval holding every step is plain guidance, one holding none
# (sigma_t <= 157 in this schedule) is the conditional model.
for spec in "g3:--guidance 3" "g3all:--guidance 3 --guidance-interval 1e-9,1e9" "g1:--guidance 1" \
            "g3none:--guidance 3 --guidance-interval 1000,2000" "g3mid:--guidance 3 --guidance-interval 0.3,5"; do
  # shellcheck disable=SC2086
  "$DIFFUSE" sample --run run --class 3 ${spec#*:} --num 50 --sampler ddim --steps 20 --seed 2 \
    --out "interval_${spec%%:*}.csv" --quiet >/dev/null || fail "sample ${spec#*:}"
done
cmp -s interval_g3.csv interval_g3all.csv || fail "an interval over every noise level is plain guidance"
cmp -s interval_g1.csv interval_g3none.csv || fail "an interval over no step is the conditional model"
! cmp -s interval_g3.csv interval_g3mid.csv || fail "an interval over some steps changes the samples"
# The update's parallel part weighted 0 (projected guidance) gives other samples than classifier-free guidance.
"$DIFFUSE" sample --run run --class 3 --guidance 3 --guidance-parallel 0 --num 50 --sampler ddim --steps 20 --seed 2 \
  --out interval_g3p0.csv --json g3p0.json --quiet >/dev/null || fail "sample --guidance-parallel 0"
! cmp -s interval_g3.csv interval_g3p0.csv || fail "--guidance-parallel 0 changes the samples"
grep -q '"guidance_parallel": *0' g3p0.json || fail "--json does not record guidance_parallel"
# Autoguidance: a weaker run of the same data (300 steps) in place of the null label.
"$DIFFUSE" train --data toy2d:8gaussians --conditional --steps 300 --sample-every 0 --out weak --quiet >/dev/null ||
  fail "train the weaker run"
"$DIFFUSE" sample --run run --class 3 --guidance 3 --guide-run weak --num 50 --sampler ddim --steps 20 --seed 2 \
  --out interval_g3auto.csv --json g3auto.json --quiet >/dev/null || fail "sample --guide-run weak"
! cmp -s interval_g3.csv interval_g3auto.csv || fail "autoguidance gives other samples than classifier-free guidance"
! cmp -s interval_g1.csv interval_g3auto.csv || fail "autoguidance at S = 3 changes the conditional model's samples"
grep -q '"guide_run": *"weak"' g3auto.json || fail "--json does not record guide_run"

# Misuse: one clear error each, before any work.
"$DIFFUSE" train --data toy2d:moons --out plain --steps 5 --sample-every 0 --quiet >/dev/null
expect_error "--class on an unconditional run" "trained without classes" sample --run plain --class 1 --out x.csv --quiet
expect_error "class out of range" "out of range" sample --run run --class 8 --out x.csv --quiet
expect_error "unknown class name" "no such class" sample --run run --class cat --out x.csv --quiet
expect_error "negative guidance" "guidance scale must be >= 0" sample --run run --class 1 --guidance -1 --out x.csv --quiet
expect_error "guidance without a class" "--guidance needs --class" sample --run run --guidance 2 --out x.csv --quiet
expect_error "a reversed guidance interval" "expected LO,HI" sample --run run --class 1 --guidance 2 --guidance-interval 5,0.3 --out x.csv --quiet
expect_error "a guidance interval without a scale" "--guidance-interval needs --guidance" sample --run run --class 1 --guidance-interval 0.3,5 --out x.csv --quiet
expect_error "a guidance interval without a class" "--guidance-interval needs --class" sample --run run --guidance-interval 0.3,5 --out x.csv --quiet
expect_error "a negative parallel weight" "--guidance-parallel must be >= 0" sample --run run --class 1 --guidance 2 --guidance-parallel -1 --out x.csv --quiet
expect_error "a parallel weight without a scale" "--guidance-parallel needs --guidance" sample --run run --class 1 --guidance-parallel 0 --out x.csv --quiet
expect_error "a guide without a scale" "--guide-run needs --guidance" sample --run run --class 1 --guide-run weak --out x.csv --quiet
expect_error "a guide of other data, without classes" "needs a weaker model of the same data" sample --run run --class 1 --guidance 2 --guide-run plain --out x.csv --quiet
expect_error "a guide that is not a run" "nothere" sample --run run --class 1 --guidance 2 --guide-run nothere --out x.csv --quiet
expect_error "autoguidance of a conditional run without a class" "needs --class" sample --run run --guidance 2 --guide-run weak --out x.csv --quiet
# An unconditional run may be autoguided; guided by itself it is itself (eps + S (eps - eps) = eps).
"$DIFFUSE" sample --run plain --num 40 --sampler ddim --steps 10 --seed 4 --out plain.csv --quiet >/dev/null || fail "sample plain"
"$DIFFUSE" sample --run plain --guidance 2 --guide-run plain --num 40 --sampler ddim --steps 10 --seed 4 --out self.csv --quiet >/dev/null ||
  fail "an unconditional run autoguided"
cmp -s plain.csv self.csv || fail "a run autoguided by itself gives its own samples"
# ... guided by another run of the same data, it changes; a run of other data is refused.
"$DIFFUSE" train --data toy2d:moons --out plain2 --steps 3 --seed 1 --sample-every 0 --quiet >/dev/null
"$DIFFUSE" sample --run plain --guidance 2 --guide-run plain2 --num 40 --sampler ddim --steps 10 --seed 4 --out other.csv --quiet >/dev/null ||
  fail "an unconditional run autoguided by another"
! cmp -s plain.csv other.csv || fail "autoguidance by another run changes an unconditional run's samples"
"$DIFFUSE" train --data toy2d:swissroll --out swiss --steps 3 --sample-every 0 --quiet >/dev/null
expect_error "a guide of other data" "needs a weaker model of the same data" sample --run plain --guidance 2 --guide-run swiss --out x.csv --quiet
expect_error "a guide at guidance 1 is still checked" "nothere" sample --run run --class 1 --guidance 1 --guide-run nothere --out x.csv --quiet
expect_error "--conditional on unlabelled data" "needs labelled data" train --data toy2d:swissroll --conditional --out sw --steps 5 --quiet
expect_error "--label-dropout without --conditional" "applies to class-conditional runs" train --data toy2d:moons --label-dropout 0.2 --out ld --steps 5 --quiet
[ ! -e sw/checkpoint.safetensors ] || fail "a refused run wrote a checkpoint"

# --resume with the run's own settings is no change; another value is.
"$DIFFUSE" train --out run --resume --data toy2d:8gaussians --conditional --steps 4010 --quiet >/dev/null ||
  fail "--resume with the run's own --data and --conditional"
expect_error "--resume with other data" "data.spec" train --out run --resume --data toy2d:moons --quiet
expect_error "--resume with another learning rate" "learning_rate" train --out run --resume --lr 0.5 --quiet
expect_error "--resume with min-SNR weights" "min_snr_gamma" train --out run --resume --min-snr-gamma 5 --quiet

# Min-SNR-gamma weights are recorded with the run, and a resume keeps them.
"$DIFFUSE" train --data toy2d:moons --conditional --min-snr-gamma 5 --steps 20 --sample-every 0 --out snr --quiet >/dev/null ||
  fail "train --min-snr-gamma 5"
grep -q '"min_snr_gamma": *5' snr/config.json || fail "config.json does not record min_snr_gamma 5"
"$DIFFUSE" train --out snr --resume --min-snr-gamma 5 --steps 30 --quiet >/dev/null || fail "--resume with the run's own --min-snr-gamma"
expect_error "--resume with other min-SNR weights" "min_snr_gamma" train --out snr --resume --min-snr-gamma 1 --quiet
expect_error "a negative gamma" "--min-snr-gamma" train --data toy2d:moons --min-snr-gamma -1 --out neg --steps 5 --quiet

finish "conditional toy2d"
