#!/usr/bin/env bash
# Installs the Debian 12 packages Diffuse needs to build, test and run its
# demo, skipping those already installed.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libtorch-dev libopenblas0-pthread   # libtorch, and a fast BLAS under it (~30x Debian's reference BLAS)
  libcli11-dev nlohmann-json3-dev libstb-dev zlib1g-dev
  libgtest-dev
  clang libclang-rt-14-dev           # libFuzzer and the sanitizers: scripts/fuzz.sh, scripts/sanitize.sh
  python3-torch                       # the Python PyTorch reference the U-Net is tested and benchmarked against
  libopencv-photo-dev                 # non-local means, the classical baseline of `diffuse bench denoise`
  dataset-fashion-mnist               # the demo's training data, in /usr/share/datasets/fashion-mnist
  librdkit-dev libboost-dev           # RDKit: molecule sanitisation, SMILES and SDF (its headers need Boost's)
  libmujoco-dev                       # MuJoCo 2.2.2: the point-mass mazes of D4RL's Maze2D, on real physics
  libgloo-dev                         # Gloo's headers, for libtorch's c10d ProcessGroupGloo (multi-process training)
  libcpp-httplib-dev                  # cpp-httplib: the HTTP server of `diffuse serve`
  chromium                            # the browser the page of `diffuse serve` is tested in (tests/web)
)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
else
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "install-deps: installing ${missing[*]}"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# npm packages, each pinned in its package-lock.json: 3Dmol.js, which the
# page of `diffuse serve` bundles (web/), and playwright-core, which drives
# Chromium in the browser test (tests/web). npm comes with Node.js; Debian's
# `npm` package is the fallback where the machine has none.
root="$(dirname "$0")/.."
for packages_dir in "$root/web:3dmol" "$root/tests/web:playwright-core"; do
  dir=${packages_dir%%:*} marker=${packages_dir##*:}
  [ -d "$dir/node_modules/$marker" ] && continue
  if ! command -v npm >/dev/null 2>&1; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends nodejs npm
  fi
  echo "install-deps: installing the npm packages of ${dir#"$root/"}"
  npm ci --prefix "$dir" --no-audit --no-fund
done
