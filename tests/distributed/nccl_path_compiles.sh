#!/usr/bin/env bash
# The NCCL path of src/distributed/communicator.cpp is compiled only by CUDA
# builds of libtorch; Debian's is CPU-only. Where CUDA's headers (with NCCL's)
# are on this machine, compile that file as a CUDA build would see it
# (syntax only, against the same libtorch headers), so the path cannot rot.
# Exits 77 (skipped) without CUDA's headers.
set -euo pipefail
source_dir=$1
cuda=${CUDA_HOME:-/usr/local/cuda}
if [ ! -f "$cuda/include/nccl.h" ] || [ ! -f /usr/include/c10/cuda/CUDAMacros.h ]; then
  echo "SKIP: no CUDA and NCCL headers in $cuda/include (or no c10/cuda headers)"
  exit 77
fi
stub=$(mktemp -d)
trap 'rm -rf "$stub"' EXIT
# Debian's libtorch-dev ships c10/cuda without the header its CUDA build generates.
mkdir -p "$stub/c10/cuda/impl"
echo '#define C10_CUDA_BUILD_SHARED_LIBS' > "$stub/c10/cuda/impl/cuda_cmake_macros.h"
c++ -std=c++17 -fsyntax-only -Wall -Wextra -Werror=unused-parameter \
    -DUSE_C10D_GLOO -DUSE_DISTRIBUTED -DUSE_C10D_NCCL -D_GLIBCXX_USE_CXX11_ABI=1 \
    -I"$source_dir/include" -I"$stub" -isystem "$cuda/include" -isystem /usr/include/torch/csrc/api/include \
    "$source_dir/src/distributed/communicator.cpp"
echo "the NCCL path of communicator.cpp compiles against $(basename "$cuda")'s headers"
