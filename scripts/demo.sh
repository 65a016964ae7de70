#!/usr/bin/env bash
# Installs what is missing, builds, and shows Diffuse at work on data that
# ships with Debian (Fashion-MNIST): the forward process of one image, a few
# minutes of training of the mnist-small U-Net, samples and their reverse
# process; then molecules from the QM9 model that ships in models/qm9-small.
# Pictures land in out/.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
BUILD_TARGETS=diffuse_cli ./scripts/build.sh
diffuse=${BUILD_DIR:-build}/diffuse
steps=${DEMO_STEPS:-1000}
mkdir -p out

echo "== forward process of a Fashion-MNIST image"
"$diffuse" forward --data fashion-mnist --index 0 --out out/forward.png

echo "== training mnist-small on Fashion-MNIST for $steps steps (Ctrl-C stops with a checkpoint)"
if [ -f out/demo-run/checkpoint.safetensors ]; then
  "$diffuse" train --out out/demo-run --resume --steps "$steps"
else
  "$diffuse" train --data fashion-mnist --preset mnist-small --out out/demo-run --steps "$steps" --sample-every 500
fi

echo "== sampling 36 images (DDPM, 1000 steps, EMA weights)"
"$diffuse" sample --run out/demo-run --num 36 --batch-size 36 --out out/samples.png --trajectory out/reverse.png

echo "== 16 molecules from the shipped QM9 model (heavy atoms; DDIM, 100 steps)"
"$diffuse" sample --run models/qm9-small --num 16 --sampler ddim --steps 100 --out out/molecules.png
"$diffuse" sample --run models/qm9-small --num 16 --sampler ddim --steps 100 --out out/molecules.sdf

echo "pictures: out/forward.png out/samples.png out/reverse.png out/molecules.png (3-D: out/molecules.sdf);"
echo "loss curve: out/demo-run/loss.png"
