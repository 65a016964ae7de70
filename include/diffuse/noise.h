#pragma once

#include <cstdint>
#include <vector>

#include <torch/types.h>

namespace diffuse {

// Noise that belongs to samples, not to batches (the idea of EDM's
// StackedRandomGenerator and of diffusers' per-sample generators). Every
// random number Diffuse draws for a sample or a training example is a pure
// function of a 64-bit key and a position: SplitMix64 (Steele et al. 2014)
// run from the key, so the k-th value needs no state. A sample's key comes
// from (seed, sample index), a training example's from (seed, step, example
// index), so results do not depend on the batch size, on how a job is split
// into batches or, later, across processes.

// A child key of `parent`: an independent stream for each `child` value.
std::uint64_t derive_key(std::uint64_t parent, std::uint64_t child);
// The j-th uniform value in (0, 1) of the stream `key`.
double keyed_uniform(std::uint64_t key, std::uint64_t j);
// n standard normal values of the stream `key` (Box-Muller on its uniforms), float32.
void fill_keyed_normal(std::uint64_t key, float* out, int64_t n);
// [keys.size(), ...sample_shape] standard normal noise, row i from keys[i]:
// drawn on the CPU, then moved to options' device and dtype.
torch::Tensor keyed_normal(const std::vector<std::uint64_t>& keys, torch::IntArrayRef sample_shape,
                           const torch::TensorOptions& options);

// The noise of samples first, ..., first + count - 1 of a job seeded with
// `seed`. Each call draws the next N(0, I) tensor of every sample's stream:
// sample i's k-th draw is the same whatever batch it is in. `stream` keeps
// apart uses that must not share noise (sampling, inpainting, SDEdit, ...).
class SampleNoise {
 public:
  SampleNoise(std::uint64_t seed, int64_t first, int64_t count, std::uint64_t stream = 0);

  // The next draw, shaped [count, ...] (shape[0] must be count).
  torch::Tensor normal(torch::IntArrayRef shape, const torch::TensorOptions& options);
  torch::Tensor normal_like(const torch::Tensor& x) { return normal(x.sizes(), x.options()); }

  int64_t first() const { return first_; }
  int64_t count() const { return count_; }
  std::uint64_t draws() const { return draws_; }

 private:
  std::uint64_t job_key_;
  int64_t first_;
  int64_t count_;
  std::uint64_t draws_ = 0;
};

}  // namespace diffuse
