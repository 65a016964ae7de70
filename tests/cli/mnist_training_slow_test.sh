#!/usr/bin/env bash
# Slow check on real data: 400 steps of mnist-small on the MNIST training set
# (../shared/data/mnist) must bring L_simple from ~1 to below 0.05, and the
# run must sample. Skipped (exit 0 with a message) when MNIST is absent.
set -euo pipefail
: "${DIFFUSE:?set DIFFUSE to the diffuse binary}"
: "${MNIST_DIR:?set MNIST_DIR to the MNIST directory}"
if [ ! -f "$MNIST_DIR/train-images-idx3-ubyte.gz" ] && [ ! -f "$MNIST_DIR/train-images-idx3-ubyte" ]; then
  echo "skipped: MNIST not found in $MNIST_DIR"
  exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$DIFFUSE" train --data "mnist:$MNIST_DIR" --preset mnist-small --out "$work/run" --steps 400 --sample-every 0 --quiet
first=$(head -1 "$work/run/metrics.jsonl" | sed -E 's/.*"loss":([0-9.e+-]+).*/\1/')
last=$(tail -1 "$work/run/metrics.jsonl" | sed -E 's/.*"loss":([0-9.e+-]+).*/\1/')
echo "mean loss over the first 50 steps: $first, over the last 50: $last"
awk -v first="$first" -v last="$last" 'BEGIN { exit !(first > 0.2 && last < 0.05) }' || {
  echo "FAIL: the loss did not fall from above 0.2 to below 0.05"
  exit 1
}
"$DIFFUSE" sample --run "$work/run" --num 8 --steps 50 --out "$work/grid.png" --quiet
[ -s "$work/grid.png" ] || { echo "FAIL: no sample grid"; exit 1; }
echo "mnist training check passed"
