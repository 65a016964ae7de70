#!/usr/bin/env bash
# diffuse bench restore: the photo-restoration protocols of the field, checked
# against the published numbers they must reproduce.
set -euo pipefail
source "$(dirname "$0")/cli_test_lib.sh"

set14="${DIFFUSE_SHARED_DATA:-}/natural/set14"
if [ -d "$set14" ]; then
  "$DIFFUSE" bench restore --set "$set14" --task upscale --scale 2,3,4 --grey bridge --out set14 --quiet > set14.txt ||
    { fail "bench restore on Set14"; cat set14.txt; }
  python3 - <<'PY' || { fail "the bicubic row reproduces the published one (30.24 / 27.55 / 26.00 dB)"; cat set14/restore.md; }
import csv, collections
rows = list(csv.DictReader(open("set14/restore.csv")))
assert len(rows) == 14 * 3, len(rows)
means = collections.defaultdict(list)
for r in rows:
    means[int(r["setting"])].append(float(r["psnr"]))
for scale, published in ((2, 30.24), (3, 27.55), (4, 26.00)):
    mean = sum(means[scale]) / len(means[scale])
    assert abs(mean - published) <= 0.05, (scale, mean, published)
PY
  grep -q "mean of 14" set14/restore.md || fail "restore.md has the mean row"
  expect_error "a colour image called grey" "face.png is a colour image" bench restore --set "$set14" --grey face
  expect_error "an unknown image called grey" "no image 'nothere'" bench restore --set "$set14" --grey nothere
  expect_error "a scale too large" "--scale: scales must be 2 to 8" bench restore --set "$set14" --scale 2,9
else
  echo "skipping Set14: no ${DIFFUSE_SHARED_DATA:-../shared/data}/natural/set14"
fi
natural="${DIFFUSE_SHARED_DATA:-}/natural"
if [ -d "$natural/set12" ] && [ -d "$natural/train400" ]; then
  "$DIFFUSE" bench restore --task denoise --set "$natural/set12" --sigma 25 --tune "$natural/train400" --tune-num 2 \
    --out set12 --quiet > set12.txt || { fail "bench restore --task denoise on Set12"; cat set12.txt; }
  python3 - <<'PY' || { fail "the denoising rows"; cat set12/restore.md; }
import csv, math
rows = list(csv.DictReader(open("set12/restore.csv")))
noisy = [float(r["psnr"]) for r in rows if r["method"] == "noisy input"]
nlm = [float(r["psnr"]) for r in rows if r["method"].startswith("non-local means")]
assert len(noisy) == 12 and len(nlm) == 12, rows
# Noise of std 25 scores about 20 log10(255 / 25) = 20.2 dB; clipping to 8 bits takes a little off the error.
assert 20.0 < sum(noisy) / 12 < 20.8, noisy
assert sum(nlm) / 12 > sum(noisy) / 12 + 5, nlm
PY
  expect_error "a sigma out of range" "--sigma: noise levels must be 1 to 255" bench restore --task denoise \
    --set "$natural/set12" --sigma 0
else
  echo "skipping Set12: no $natural/set12 or $natural/train400"
fi
mkdir -p empty
expect_error "an empty set" "no images" bench restore --set empty
expect_error "an unknown kernel" "--kernel: gaussian not in" bench restore --set empty --kernel gaussian
finish restore
