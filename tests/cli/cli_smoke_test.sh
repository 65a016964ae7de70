#!/usr/bin/env bash
# Runs every `diffuse` subcommand on tiny settings and checks the files it
# writes, and that bad input ends with one clear error line and exit code 1.
set -euo pipefail
: "${DIFFUSE:?set DIFFUSE to the diffuse binary}"
source_dir=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
expect_file() { [ -s "$1" ] || fail "expected file $1"; }
# expect_error "what" args...: exit status 1 (a runtime error) or 2 (a usage
# error), not a crash, and one "diffuse: error:" line.
expect_error() {
  local what=$1; shift
  local status=0
  "$DIFFUSE" "$@" >out.txt 2>err.txt || status=$?
  if [ "$status" -ne 1 ] && [ "$status" -ne 2 ]; then
    fail "$what: exit status $status (expected a clean error)"; cat err.txt
  fi
  grep -q "^diffuse: error: " err.txt || fail "$what: no clear error message"
  [ "$(grep -c . err.txt)" -eq 1 ] || { fail "$what: not one error line"; cat err.txt; }
}
# expect_usage_error "what" "part" args...: exit status 2 and one error line naming part.
expect_usage_error() {
  local what=$1 part=$2; shift 2
  local status=0
  "$DIFFUSE" "$@" >out.txt 2>err.txt || status=$?
  [ "$status" -eq 2 ] || { fail "$what: exit status $status, expected 2 (usage)"; cat err.txt; }
  [ "$(grep -c . err.txt)" -eq 1 ] && grep -q "^diffuse: error: .*$part" err.txt ||
    { fail "$what: expected one error line naming '$part'"; cat err.txt; }
}

# Where output is piped to grep, grep reads all of it (no -q): `grep -q`
# stops at its first match, and under pipefail the writer's SIGPIPE would
# fail the check whenever the text is long.
"$DIFFUSE" --help | grep "forward" > /dev/null || fail "--help lists subcommands"
for command in forward train sample info; do
  "$DIFFUSE" "$command" --help | grep -- "--" > /dev/null || fail "$command --help"
done
"$DIFFUSE" info | grep "mnist-small" > /dev/null || fail "info lists presets"
"$DIFFUSE" --version > version.txt || fail "--version exits 0"
grep -q "^diffuse [0-9]" version.txt && grep -q "^libtorch [0-9]" version.txt && grep -q "^CPU kernels: " version.txt &&
  grep -q "^CUDA: " version.txt || { fail "--version names Diffuse, libtorch, the CPU kernels and CUDA"; cat version.txt; }
# Usage errors: exit status 2, one line that says what was expected.
expect_usage_error "unknown command" "unknown command 'generate'; the commands are forward, train, sample" generate --num 4
expect_usage_error "no command" "give a command: forward, train" --threads 1
expect_usage_error "a word for a number" "--num: expected a whole number from 1 to 10000000, not 'ten'" \
  sample --run nowhere --num ten --out x.png
expect_usage_error "a negative step count" "--steps: expected a positive number, not '-5'" sample --run nowhere --steps -5 --out x.png
expect_usage_error "an unknown flag" "--frobnicate.*diffuse sample --help" sample --run nowhere --frobnicate --out x.png
# A run that fails before its first step leaves no directory behind.
expect_error "unknown data" train --data nosuch:thing --out never_made
[ ! -e never_made ] || fail "a failed start left never_made/ behind"
"$DIFFUSE" info --preset cifar10 | grep "35746307" > /dev/null || fail "cifar10 parameter count"

# A 16x12 colour PPM written by hand: the forward command reads any stb format.
{ printf 'P6\n16 12\n255\n'; for i in $(seq 1 192); do printf "$(printf '\\x%02x\\x40\\x%02x' $((i % 256)) $(((i * 7) % 256)))"; done; } > photo.ppm
"$DIFFUSE" forward --image photo.ppm --t 0,500,999 --schedule cosine --out strip.png >/dev/null
expect_file strip.png

# A run written before the conditioning redesign (a committed fixture) denoises
# exactly as it did then: the same pixels as that version wrote (with the
# tiles of then, a quarter-tile overlap; the PNG now also carries its
# parameters).
"$DIFFUSE" denoise --run "$source_dir/tests/fixtures/run_before_conditioning/unet" --input "$source_dir/docs/images/digits.png" \
  --sigma 50 --method posterior --overlap 2 --out old_run_posterior.png --quiet >/dev/null
"$DIFFUSE" eval psnr old_run_posterior.png \
  "$source_dir/tests/fixtures/run_before_conditioning/unet/denoised_digits_sigma50_posterior.png" > same.txt
grep -q "^PSNR inf dB" same.txt || { fail "a run made before the conditioning redesign denoises differently"; cat same.txt; }

# Toy data end to end: train, resume, sample to CSV and PNG with a trajectory.
"$DIFFUSE" --threads 1 train --data toy2d:moons --out run2d --steps 20 --batch-size 32 --sample-every 10 --timesteps 50 --quiet >/dev/null
for f in config.json model.safetensors ema.safetensors checkpoint.safetensors samples/step_0000010.png; do
  expect_file "run2d/$f"
done
"$DIFFUSE" train --out run2d --resume --steps 30 --quiet > resume.txt
grep -q "resuming run2d at step 20" resume.txt || fail "resume message"
"$DIFFUSE" info --run run2d | grep "trained for 30 steps" > /dev/null || fail "info --run reports the steps"
# Fewer steps than the run has is refused, and config.json stays as it was.
cp run2d/config.json config_before.json
expect_error "--resume --steps below the run's step" train --out run2d --resume --steps 10
grep -q "already at step 30" err.txt || fail "--resume --steps 10 names the run's step"
cmp -s config_before.json run2d/config.json || fail "--resume --steps 10 rewrote config.json"
# Global options go before or after the command.
"$DIFFUSE" sample --threads 1 --run run2d --num 5 --steps 5 --out threads_after.csv --quiet >/dev/null ||
  fail "--threads after the command"
"$DIFFUSE" sample --run run2d --num 50 --out points.csv --trajectory traj.png --quiet >/dev/null
expect_file traj.png
[ "$(wc -l < points.csv)" -eq 51 ] || fail "points.csv has a header and 50 rows"
"$DIFFUSE" sample --run run2d --num 50 --steps 10 --temperature 0.5 --out points.png --quiet >/dev/null
expect_file points.png
# Every sampler, with its own options, and a trajectory.
for sampler in ddpm ddim dpm++2m dpm++2m-sde euler heun; do
  "$DIFFUSE" sample --run run2d --sampler "$sampler" --steps 8 --num 20 --out "s_$sampler.csv" \
    --trajectory "t_$sampler.png" --quiet >/dev/null || fail "sampler $sampler"
  [ "$(wc -l < "s_$sampler.csv")" -eq 21 ] || fail "$sampler wrote 20 samples"
  expect_file "t_$sampler.png"
done
"$DIFFUSE" sample --run run2d --sampler ddim --eta 1 --spacing trailing --steps 8 --out eta.csv --quiet >/dev/null
"$DIFFUSE" sample --run run2d --sampler heun --churn 20 --s-noise 1.003 --steps 8 --out churn.csv --quiet >/dev/null
"$DIFFUSE" sample --run run2d --sampler heun --steps 4 --num 3 --out evals.csv > evals.txt 2>&1
grep -q "7/7" evals.txt || fail "heun: 4 steps are 7 network evaluations"
"$DIFFUSE" bench samplers --run run2d --out bench2d --samplers ddim,heun --steps 2,4 --num 40 > bench.txt
for f in samplers.csv samplers.md samples.png quality_vs_nfe.png; do expect_file "bench2d/$f"; done
[ "$(wc -l < bench2d/samplers.csv)" -eq 5 ] || fail "bench samplers: a header and 2 x 2 rows"
grep -q "^heun,4,7," bench2d/samplers.csv || fail "bench samplers: heun at K = 4 is 7 evaluations"
expect_error "bench with an unknown sampler" bench samplers --run run2d --out b --samplers ddim,plms
expect_error "bench with K > T" bench samplers --run run2d --out b --steps 10,100
# Full-reference metrics on two PNGs, and eval's own errors.
"$DIFFUSE" eval psnr strip.png strip.png | grep "PSNR inf" > /dev/null || fail "PSNR of an image with itself is inf"
"$DIFFUSE" eval ssim strip.png strip.png | grep "SSIM 1.000000" > /dev/null || fail "SSIM of an image with itself is 1"
expect_error "PSNR of images of different sizes" eval psnr strip.png photo.ppm
expect_error "eval without features" eval --ref mnist --samples images
expect_error "eval with a missing feature network" eval --features nowhere --ref mnist:nowhere --samples images
expect_error "eval with two sources" eval --features nowhere --ref mnist --samples images --run runimg
expect_error "eval --misses without classes to judge against" eval --features nowhere --ref mnist --samples images --misses m.png
grep -q -- "--misses" err.txt || fail "eval --misses without classes: the error names --misses before anything is loaded"
expect_error "train-features on toy data" eval train-features --data toy2d:moons --out f
expect_error "fid-inception without weights" eval fid-inception --weights missing.safetensors --real . --fake .
printf 'not safetensors' > bad.safetensors
expect_error "fid-inception with corrupt weights" eval fid-inception --weights bad.safetensors --real . --fake .
expect_error "unknown sampler" sample --run run2d --sampler plms --out x.csv
expect_error "eta for ddpm" sample --run run2d --sampler ddpm --eta 0.5 --out x.csv
expect_error "churn for ddim" sample --run run2d --sampler ddim --churn 5 --out x.csv
expect_error "unknown spacing" sample --run run2d --spacing uniform --out x.csv
expect_error "more steps than T" sample --run run2d --steps 51 --out x.csv

# Exact resume after SIGINT and SIGTERM (graceful stops) and after SIGKILL (no warning):
# the resumed runs must end with byte-identical weights to an uninterrupted one.
# (An array, not a function: a function run with & is a subshell, and $! would be
# the subshell's PID, so the signal would miss diffuse.)
train_moons=(train --data toy2d:moons --steps 400 --checkpoint-every 40 --timesteps 50 --sample-every 0 --seed 5 --quiet)
"$DIFFUSE" "${train_moons[@]}" --out straight >/dev/null
# A graceful stop exits 128 + the signal (130, 143) so `train && sample` stops too.
declare -A stop_status=([INT]=130 [TERM]=143 [KILL]=137)
for signal in INT TERM KILL; do
  "$DIFFUSE" "${train_moons[@]}" --out "stopped_$signal" > "stop_$signal.txt" 2>&1 &
  pid=$!
  for _ in $(seq 1 200); do [ -f "stopped_$signal/checkpoint.safetensors" ] && break; sleep 0.05; done
  kill -s "$signal" "$pid" 2>/dev/null || true
  status=0
  wait "$pid" 2>/dev/null || status=$?
  # (Status 0 only where the run finished before the signal came.)
  if ! { [ "$status" -eq "${stop_status[$signal]}" ] || { [ "$status" -eq 0 ] && grep -q "trained to step 400" "stop_$signal.txt"; }; }; then
    fail "SIG$signal: exit status $status, expected ${stop_status[$signal]}"; cat "stop_$signal.txt"
  fi
  if [ "$signal" != KILL ] && [ "$status" -ne 0 ]; then
    grep -q "stopped by .* checkpoint saved. Continue with: diffuse train --out stopped_$signal --resume" "stop_$signal.txt" ||
      { fail "SIG$signal: says how to resume"; cat "stop_$signal.txt"; }
  fi
  if [ -f "stopped_$signal/checkpoint.safetensors" ]; then
    "$DIFFUSE" train --out "stopped_$signal" --resume --quiet >/dev/null
  else
    fail "no checkpoint before SIG$signal"
  fi
  # (checkpoint.safetensors also records wall-clock time, so compare the weights files.)
  for f in model.safetensors ema.safetensors; do
    cmp -s "straight/$f" "stopped_$signal/$f" || fail "$f after SIG$signal and --resume differs from the uninterrupted run"
  done
done

# Images end to end on a folder of tiny PNGs (made from the strip above).
mkdir images
for i in 1 2 3; do cp strip.png "images/$i.png"; done
"$DIFFUSE" train --data images:images --preset mnist-small --image-size 8 --out runimg --steps 4 --batch-size 2 --sample-every 2 --quiet >/dev/null
"$DIFFUSE" sample --run runimg --num 4 --steps 5 --out grid.png --quiet >/dev/null
# Photographs: random crops at the images' own size, the photo-grey preset's data.
"$DIFFUSE" train --data images:images --preset photo-grey --image-size 8 --out runcrops --steps 2 --batch-size 2 \
  --sample-every 0 --quiet > crops.txt || { fail "photo-grey trains on random crops"; cat crops.txt; }
grep -q '"random_crops": *true' runcrops/config.json || fail "config.json records the random crops"
# Mixed precision and devices: bf16 trains and samples (with a warning where the CPU emulates
# bf16), the config records it, and CUDA on a CPU-only libtorch is a clear error before any work.
"$DIFFUSE" train --data images:images --preset mnist-small --image-size 8 --out runbf16 --steps 2 --batch-size 2 \
  --sample-every 0 --precision bf16 --quiet >/dev/null 2>bf16.txt || fail "bf16 training"
grep -q '"precision": *"bf16"' runbf16/config.json || fail "config.json records the training precision"
"$DIFFUSE" sample --run runbf16 --num 2 --steps 3 --precision bf16 --out bf16.png --quiet >/dev/null 2>>bf16.txt || fail "bf16 sampling"
expect_file bf16.png
"$DIFFUSE" info --run runbf16 | grep "GFLOP per sample" > /dev/null || fail "info reports the FLOPs"
expect_error "unknown precision" sample --run runimg --precision fp16 --out never.png
expect_error "unknown device" sample --run runimg --device tpu --out never.png
expect_error "resume in another precision" train --out runbf16 --resume --precision fp32
if ! "$DIFFUSE" sample --run runimg --num 1 --steps 2 --device cuda --out cuda.png --quiet >/dev/null 2>cuda.txt; then
  grep -q "CUDA is unavailable" cuda.txt || fail "--device cuda on a CPU-only build says CUDA is unavailable"
  [ ! -e cuda.png ] || fail "an output was written after the CUDA error"
fi
expect_file grid.png
"$DIFFUSE" sample --run runimg --num 2 --steps 3 --sampler heun --out grid_heun.png --trajectory traj_heun.png --quiet >/dev/null
expect_file grid_heun.png
"$DIFFUSE" sample --run runimg --sampler dpm++2m --num 1 --out default_steps.png > default_steps.txt 2>&1
grep -q "50/50" default_steps.txt || fail "fast samplers default to 50 of the 1000 steps"
"$DIFFUSE" sample --run runimg --num 3 --steps 5 --out each/ --no-ema --quiet >/dev/null
[ "$(ls each | wc -l)" -eq 3 ] || fail "one PNG per sample"

# Restoration with the tiny 8x8 image model, on larger images (overlapping tiles).
# PGM/PPM inputs written here: a flat grey 20x20 image, masks, a colour image.
pgm() { printf 'P5\n%s %s\n255\n' "$1" "$2"; }
{ pgm 20 20; head -c 400 /dev/zero | tr '\0' '\200'; } > flat.pgm
{ pgm 20 20; head -c 200 /dev/zero; head -c 200 /dev/zero | tr '\0' '\377'; } > mask.pgm
{ pgm 20 20; head -c 400 /dev/zero; } > black.pgm
{ pgm 10 20; head -c 200 /dev/zero; } > narrow.pgm
{ printf 'P6\n20 20\n255\n'; head -c 1200 /dev/urandom; } > colour.ppm
"$DIFFUSE" noise --input flat.pgm --sigma 30 --seed 2 --out noisy.png >/dev/null
expect_file noisy.png
"$DIFFUSE" denoise --run runimg --input noisy.png --sigma 30 --out denoised.png --compare compare.png --quiet > denoise.txt
expect_file denoised.png
expect_file compare.png
grep -q "t\* = " denoise.txt || fail "denoise reports the matched timestep"
# Float images: noise kept unclipped in .npy, denoised from .npy to .npy.
"$DIFFUSE" noise --input flat.pgm --sigma 30 --seed 2 --out noisy.npy > noise_npy.txt || fail "noise to .npy"
grep -q "in float, not clipped" noise_npy.txt || { fail "noise says the .npy is not clipped"; cat noise_npy.txt; }
"$DIFFUSE" denoise --run runimg --input noisy.npy --sigma 30 --out denoised.npy --quiet >/dev/null || fail "denoise .npy"
python3 - <<'PY' || fail "the .npy files"
import json, struct
def shape(path):
    data = open(path, "rb").read()
    n, = struct.unpack("<H", data[8:10])
    header = data[10:10 + n].decode()
    assert "'descr': '<f4'" in header, header
    return header[header.index("(") + 1:header.index(")")], struct.unpack("<%df" % 400, data[10 + n:10 + n + 1600])
noisy_shape, noisy = shape("noisy.npy")
assert noisy_shape == "20, 20", noisy_shape
assert min(noisy) < 128 - 30 and max(noisy) > 128 + 30 and any(v != round(v) for v in noisy), "float noise"
denoised_shape, _ = shape("denoised.npy")
assert denoised_shape == "20, 20", denoised_shape
PY
# Super-resolution: grey from .pgm to .npy, a colour photo through its luma.
"$DIFFUSE" upscale --run runimg --input flat.pgm --scale 2 --steps 3 --out up.npy --compare up_compare.png --quiet \
  > upscale.txt || { fail "upscale"; cat upscale.txt; }
grep -q "20 x 20 -> 40 x 40" upscale.txt || { fail "upscale says the sizes"; cat upscale.txt; }
expect_file up_compare.png
python3 -c "
import struct
d = open('up.npy', 'rb').read()
n, = struct.unpack('<H', d[8:10])
assert \"'shape': (40, 40)\" in d[10:10 + n].decode()" || fail "upscale writes the 2x image"
"$DIFFUSE" upscale --run runimg --input colour.ppm --scale 2 --kernel box --steps 2 --out up_colour.png > upscale_colour.txt ||
  { fail "upscale a colour image with a grey model"; cat upscale_colour.txt; }
grep -q "the model restores the luma" upscale_colour.txt || fail "upscale says it restores the luma"
expect_error "an upscaling factor too large" "--scale" upscale --run runimg --input flat.pgm --scale 9 --out never.png
expect_error "an output that is neither png nor npy" "expected a .png or .npy file" noise --input flat.pgm --out noisy.tif
# The photo-denoising benchmark with a run: grey images of any size, the diffusion row beside the noisy one.
mkdir greyset && cp flat.pgm greyset/a.pgm && cp black.pgm greyset/b.pgm
"$DIFFUSE" bench restore --task denoise --set greyset --sigma 30 --run runimg --methods posterior,ddim --quiet \
  > restore_run.txt || { fail "bench restore --task denoise --run"; cat restore_run.txt; }
grep -q "| \*\*mean of 2\*\* | posterior |" restore_run.txt || { fail "bench restore scores the run"; cat restore_run.txt; }
"$DIFFUSE" bench restore --task upscale --set greyset --scale 2 --run runimg --methods posterior,sample --steps 2 \
  --quiet > restore_up.txt || { fail "bench restore --task upscale --run"; cat restore_up.txt; }
for row in "diffusion posterior, 2 iterations" "diffusion ddim sample, 2 steps"; do
  grep -q "| \*\*mean of 2\*\* | $row |" restore_up.txt || { fail "bench restore upscales with the run: $row"; cat restore_up.txt; }
done
expect_error "a sampling option without the sample method" "--sampler applies to the sample method" \
  bench restore --set greyset --run runimg --sampler ddpm
expect_error "--tile without --run" "--tile requires --run" bench restore --set greyset --tile 16
expect_error "a denoising option for upscaling" "--sigma applies to --task denoise" bench restore --set greyset --sigma 15
# The geometric self-ensemble, larger tiles and a warm-started upscale.
"$DIFFUSE" denoise --run runimg --input flat.pgm --sigma 30 --ensemble --tile 16 --out ensemble.png --quiet > ensemble.txt ||
  { fail "denoise --ensemble --tile"; cat ensemble.txt; }
expect_file ensemble.png
expect_error "a tile that is not a multiple of the model's size" "must be a multiple of the model's 8x8" \
  denoise --run runimg --input flat.pgm --sigma 30 --tile 12 --out never.png
"$DIFFUSE" upscale --run runimg --input flat.pgm --scale 2 --method sample --steps 3 --strength 0.3 --out up_warm.png \
  --quiet > up_warm.txt ||
  { fail "upscale --strength"; cat up_warm.txt; }
expect_file up_warm.png
expect_error "a strength of 0" "--strength" upscale --run runimg --input flat.pgm --strength 0 --out never.png
expect_error "a strength for the posterior method" "--strength applies to the sample method" upscale --run runimg \
  --input flat.pgm --strength 0.5 --out never.png
mkdir colourset && cp colour.ppm colourset/
expect_error "a colour set for a grey model" "channels, the model in runimg makes 1" bench restore --task denoise \
  --set colourset --sigma 30 --run runimg
"$DIFFUSE" denoise --run runimg --input flat.pgm --out denoised_auto.png --quiet > denoise_auto.txt
grep -q "estimated" denoise_auto.txt || fail "denoise estimates sigma by default"
"$DIFFUSE" denoise --run runimg --input flat.pgm --sigma 50 --method ddpm --samples 2 --steps 3 --out denoised_ddpm.png --quiet >/dev/null
expect_file denoised_ddpm.png
"$DIFFUSE" denoise --run runimg --input flat.pgm --sigma 0 --out same.png --quiet >/dev/null
"$DIFFUSE" eval psnr flat.pgm same.png | grep "PSNR inf" > /dev/null || fail "sigma 0 returns the input"
"$DIFFUSE" inpaint --run runimg --input flat.pgm --mask mask.pgm --steps 10 --jump 3 --resample 2 --out inpainted.png --compare inpaint_compare.png --quiet >/dev/null
expect_file inpainted.png
expect_file inpaint_compare.png
"$DIFFUSE" img2img --run runimg --input flat.pgm --strength 0.3 --steps 4 --sampler ddim --out edited.png --quiet >/dev/null
expect_file edited.png
# A colour model takes colour images, and refuses grey ones.
"$DIFFUSE" train --data images:images --preset mnist-small --image-size 8 --channels 3 --out runrgb --steps 2 --batch-size 2 --sample-every 0 --quiet >/dev/null
"$DIFFUSE" denoise --run runrgb --input colour.ppm --sigma 40 --out denoised_rgb.png --quiet >/dev/null
expect_file denoised_rgb.png
expect_error "denoise: grey image for a colour model" denoise --run runrgb --input flat.pgm --sigma 20 --out never.png
expect_error "denoise: impossible sigma" denoise --run runimg --input flat.pgm --sigma 100000 --out never.png
expect_error "denoise: negative sigma" denoise --run runimg --input flat.pgm --sigma -5 --out never.png
expect_error "denoise: sigma not a number" denoise --run runimg --input flat.pgm --sigma loud --out never.png
expect_error "denoise: colour image for a grey model" denoise --run runimg --input colour.ppm --sigma 20 --out never.png
grep -q "colour" err.txt || fail "the channel error says what was found"
expect_error "denoise: toy run" denoise --run run2d --input flat.pgm --sigma 20 --out never.png
expect_error "denoise: unknown device" denoise --run runimg --input flat.pgm --sigma 20 --device tpu --out never.png
for app in "denoise --sigma 20" "inpaint --mask mask.pgm" "img2img --strength 0.3"; do
  # shellcheck disable=SC2086  # the app name and its own option
  if ! "$DIFFUSE" $app --run runimg --input flat.pgm --device cuda --out cuda_app.png --quiet >/dev/null 2>cuda_app.txt; then
    grep -q "CUDA is unavailable" cuda_app.txt || fail "${app%% *} --device cuda on a CPU-only build says CUDA is unavailable"
    [ ! -e cuda_app.png ] || fail "${app%% *} wrote an output after the CUDA error"
  fi
done
expect_error "denoise: samples with the posterior" denoise --run runimg --input flat.pgm --sigma 20 --samples 3 --out never.png
expect_error "denoise: not a PNG output" denoise --run runimg --input flat.pgm --sigma 20 --out never.jpg
expect_error "inpaint: mask of another size" inpaint --run runimg --input flat.pgm --mask narrow.pgm --out never.png
grep -q "same size" err.txt || fail "the mask error says the sizes differ"
expect_error "inpaint: nothing to fill" inpaint --run runimg --input flat.pgm --mask black.pgm --out never.png
expect_error "noise: negative sigma" noise --input flat.pgm --sigma -3 --out never.png
expect_error "img2img: strength above 1" img2img --run runimg --input flat.pgm --strength 1.5 --out never.png
[ ! -e never.png ] && [ ! -e never.jpg ] || fail "an output was written after an error"
if [ -d "${DIFFUSE_SHARED_DATA:-}/mnist" ]; then
  "$DIFFUSE" bench denoise --run runimg --data "mnist:$DIFFUSE_SHARED_DATA/mnist" --num 4 --tune-num 3 --sigma 50 \
    --steps 2 --ddpm-samples 2 --out benchd --quiet > benchd.txt
  for f in denoise.csv denoise.md denoise.png; do expect_file "benchd/$f"; done
  grep -q "best diffusion - best non-local means" benchd.txt || grep -q "posterior" benchd.txt || fail "bench denoise table"
else
  echo "skipping bench denoise: no MNIST in ${DIFFUSE_SHARED_DATA:-../shared/data}"
fi

# Bad input: a clean error, and no output file left behind.
expect_error "unknown flag" train --data toy2d:moons --out x --bogus
expect_error "missing image" forward --image missing.png --out never.png
[ ! -e never.png ] || fail "an output was written after an error"
echo "garbage" > bad.png
expect_error "corrupt image" forward --image bad.png --out never.png
expect_error "timestep out of range" forward --image photo.ppm --t 0,1000 --out never.png
expect_error "bad data spec" train --data cifar:/tmp --out x
expect_error "unknown toy" train --data toy2d:spiral --out x
expect_error "missing mnist" train --data mnist:/nonexistent --out x
expect_error "resume without checkpoint" train --out nowhere --resume
expect_error "resume with a new model" train --out run2d --resume --preset mnist
expect_error "zero steps" train --data toy2d:moons --out zero --steps 0
expect_error "overwrite a run" train --data toy2d:moons --out run2d --steps 1
expect_error "no run" sample --run nowhere --out never.png
expect_error "unknown sampler" sample --run run2d --sampler magic --out never.png
expect_error "steps above T" sample --run run2d --steps 51 --out never.png
expect_error "bad output kind" sample --run run2d --out never.jpg
expect_error "bad trajectory name" sample --run run2d --out never.png --trajectory never.gif
[ ! -e never.png ] && [ ! -e never.jpg ] || fail "an output was written after an error"
cp -r run2d broken && echo '{"model": ' > broken/config.json
expect_error "corrupt config" sample --run broken --out never.png
cp -r run2d truncated && head -c 100 run2d/ema.safetensors > truncated/ema.safetensors
expect_error "truncated weights" sample --run truncated --out never.png
cp -r runimg mismatch && cp run2d/ema.safetensors mismatch/ema.safetensors
expect_error "weights of another model" sample --run mismatch --out never.png
grep -q "does not match" err.txt || fail "mismatch message names the problem"
cp -r run2d flipped && python3 -c "
import sys; p = sys.argv[1]; b = bytearray(open(p, 'rb').read()); b[-5] ^= 1; open(p, 'wb').write(b)" flipped/ema.safetensors
expect_error "one flipped bit in the weights" sample --run flipped --out never.png
grep -q "damaged file" err.txt || fail "a flipped bit is not reported as a damaged file"
sed 's/"learning_rate"/"learning_rat"/' run2d/config.json > misspelt.json
expect_error "misspelt config key" train --config misspelt.json --data toy2d:moons --out misspelt
grep -q 'unknown key "learning_rat" in training' err.txt || fail "misspelt key not named"
expect_error "bad --on-nan" train --data toy2d:moons --out x --on-nan ignore
expect_error "zero --max-bad-steps" train --data toy2d:moons --out x --max-bad-steps 0
expect_error "unknown --lr-schedule" train --data toy2d:moons --out x --lr-schedule step
# A cosine learning rate is recorded in the run and, as every setting that shapes training, kept on --resume.
"$DIFFUSE" --threads 1 train --data toy2d:moons --out runcosine --steps 4 --timesteps 50 --sample-every 0 \
  --lr-schedule cosine --quiet >/dev/null || fail "training with --lr-schedule cosine"
grep -q '"lr_schedule": *"cosine"' runcosine/config.json || fail "config.json records the learning-rate schedule"
expect_error "resume with another learning-rate schedule" train --out runcosine --resume --lr-schedule constant
"$DIFFUSE" --threads 1 train --out runcosine --resume --lr-schedule cosine --steps 6 --quiet >/dev/null ||
  fail "--resume with the run's own --lr-schedule"
"$DIFFUSE" info --run runcosine | grep -q "then cosine" || fail "info shows the learning-rate schedule"
expect_error "unwritable --out" train --data toy2d:moons --out /proc/diffuse-run --steps 1
# A damaged latest checkpoint: resume falls back to the previous one, with a warning.
cp -r run2d fallback && head -c 1000 run2d/checkpoint.safetensors > fallback/checkpoint.safetensors
"$DIFFUSE" train --out fallback --resume --steps 30 --quiet > fallback.txt 2> fallback_err.txt ||
  fail "resume with a damaged latest checkpoint"
grep -q "using the previous checkpoint" fallback_err.txt || fail "no warning about the damaged checkpoint"

if [ "$failures" -ne 0 ]; then
  echo "$failures CLI check(s) failed"
  exit 1
fi
echo "all CLI checks passed"
