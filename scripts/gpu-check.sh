#!/usr/bin/env bash
# The GPU check: --device cuda beside --device cpu on one machine, with a
# Diffuse built against a CUDA-enabled libtorch (docs/performance.md#gpus).
#   scripts/gpu-check.sh BUILD/diffuse MNIST_DIR QM9_DIR OUT_DIR
# trains mnist-small, qm9-small and qm9-edm briefly on the GPU (and the CPU),
# resumes, samples (fp32 and bf16), denoises, inpaints and edits on the GPU,
# samples the shipped qm9-small on both devices, and compares: the log and
# the pictures go to OUT_DIR. About 4 minutes on an H200 machine.
set -uo pipefail
X=$(realpath "$1"); M=$(realpath "$2"); Q=$(realpath "$3"); mkdir -p "$4"; out=$(realpath "$4")
cd "$(dirname "$0")/.."  # docs/images and models/ of this checkout
threads=$(nproc)
runs=$(mktemp -d); trap 'rm -rf "$runs"' EXIT
exec > >(tee "$out/log.txt") 2>&1
t0=$(date +%s)
el() { echo "[t=$(( $(date +%s) - t0 ))s] $*"; }
nvidia-smi -L 2>/dev/null || true
$X --version
for dev in cuda cpu; do
  el "mnist-small train 400 steps on $dev"
  timeout 100 $X --threads $threads train --data mnist:$M --preset mnist-small --steps 400 --checkpoint-every 200 --sample-every 0 \
    --device $dev --out $runs/mnist-$dev --quiet 2>&1 | tail -3
  tail -1 $runs/mnist-$dev/metrics.jsonl
done
el "resume on cuda to 500"
timeout 60 $X train --out $runs/mnist-cuda --resume --steps 500 --device cuda --quiet 2>&1 | tail -2; tail -1 $runs/mnist-cuda/metrics.jsonl
for dev in cuda cpu; do
  el "sample the cuda-trained run on $dev"
  timeout 60 $X --threads $threads sample --run $runs/mnist-cuda --num 64 --sampler ddim --steps 50 --seed 3 --device $dev \
    --out $out/mnist_ddim_$dev.png --quiet 2>&1 | tail -2
done
timeout 60 $X sample --run $runs/mnist-cuda --num 64 --sampler ddpm --seed 3 --device cuda --out $runs/ddpm_cuda.png --quiet | tail -1
timeout 60 $X sample --run $runs/mnist-cuda --num 64 --sampler ddim --steps 50 --seed 3 --precision bf16 --device cuda \
  --out $runs/bf16_cuda.png --quiet 2>&1 | tail -2
python3 - $out/mnist_ddim_cuda.png $out/mnist_ddim_cpu.png $runs/bf16_cuda.png <<'PY'
import sys, numpy as np
from PIL import Image
a, b, c = (np.asarray(Image.open(p), dtype=float) for p in sys.argv[1:4])
print("ddim cuda vs cpu: max |diff|", np.abs(a - b).max(), "mean", np.abs(a - b).mean(), "bf16 vs fp32 mean", np.abs(c - a).mean())
PY
el "restoration on cuda"
timeout 60 $X noise --input docs/images/digits.png --sigma 60 --out $runs/noisy.png 2>&1 | tail -1
timeout 60 $X denoise --run $runs/mnist-cuda --input $runs/noisy.png --sigma 60 --device cuda --out $runs/den.png 2>&1 | tail -1
timeout 60 $X img2img --run $runs/mnist-cuda --input $runs/noisy.png --strength 0.5 --device cuda --out $runs/i2i.png 2>&1 | tail -1
python3 -c "from PIL import Image; im=Image.open('docs/images/digits.png'); m=Image.new('L', im.size, 0); m.paste(255, (0, 0, im.size[0] // 2, im.size[1])); m.save('$runs/mask.png')"
timeout 60 $X inpaint --run $runs/mnist-cuda --input docs/images/digits.png --mask $runs/mask.png --device cuda --out $runs/inp.png 2>&1 | tail -1
ls -la $runs/*.png
python3 - $runs/noisy.png $runs/den.png $runs/i2i.png $runs/inp.png $out/restore_cuda.png <<'PY'
import sys
from PIL import Image
ims = [Image.open(p).convert("L") for p in sys.argv[1:5]]
w, h = ims[0].size
sheet = Image.new("L", (4 * w + 12, h), 255)
for i, im in enumerate(ims): sheet.paste(im.resize((w, h)), (i * (w + 4), 0))
sheet.save(sys.argv[5])
PY
for dev in cuda cpu; do
  el "shipped qm9-small: 100 molecules ddim 50 seed 1 on $dev"
  timeout 120 $X --threads $threads sample --run models/qm9-small --num 100 --sampler ddim --steps 50 --seed 1 --device $dev \
    --out $runs/qm9_$dev.xyz --quiet 2>&1 | tail -2
  $X molecules eval --input $runs/qm9_$dev.xyz --json $out/qm9_eval_$dev.json --quiet >/dev/null 2>&1; cat $out/qm9_eval_$dev.json; echo
done
python3 - $runs/qm9_cuda.xyz $runs/qm9_cpu.xyz <<'PY'
import sys
a, b = (open(p).read().split("\n") for p in sys.argv[1:3])
d = 0.0; same = 0
for x, y in zip(a, b):
    xs, ys = x.split(), y.split()
    if len(xs) == 4 and len(ys) == 4 and xs[0] == ys[0]:
        d = max(d, max(abs(float(p) - float(q)) for p, q in zip(xs[1:], ys[1:]))); same += 1
print("qm9 cuda vs cpu: atom lines compared", same, "max coordinate diff", d)
PY
for preset in qm9-small qm9-edm; do
  nh=""; [ $preset = qm9-small ] && nh=--no-hydrogens
  el "train $preset on cuda 300 steps"
  timeout 150 $X train --data qm9:$Q $nh --preset $preset --steps 300 --checkpoint-every 300 --sample-every 0 --device cuda \
    --out $runs/$preset --quiet 2>&1 | tail -3
  tail -1 $runs/$preset/metrics.jsonl
  timeout 60 $X sample --run $runs/$preset --num 32 --sampler ddim --steps 20 --device cuda --out $runs/$preset.sdf --quiet 2>&1 | tail -2
  ls -la $runs/$preset.sdf
done
el "qm9-small 300 steps on all CPU threads"
timeout 100 $X --threads $threads train --data qm9:$Q --no-hydrogens --preset qm9-small --steps 300 --checkpoint-every 300 \
  --sample-every 0 --device cpu --out $runs/qm9-small-cpu --quiet 2>&1 | tail -3
tail -1 $runs/qm9-small-cpu/metrics.jsonl
el done
