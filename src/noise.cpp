#include "diffuse/noise.h"

#include <algorithm>
#include <cmath>

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include "diffuse/util/error.h"

namespace diffuse {

namespace {

constexpr std::uint64_t kGolden = 0x9e3779b97f4a7c15ULL;
constexpr double kTwoPi = 6.28318530717958647692;

// The output function of SplitMix64 (Steele, Lea and Flood 2014).
std::uint64_t mix64(std::uint64_t x) {
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// 53 random bits as a double in (0, 1): never 0, so log() is finite.
double to_open_unit(std::uint64_t bits) { return (static_cast<double>(bits >> 11) + 0.5) * (1.0 / 9007199254740992.0); }

}  // namespace

std::uint64_t derive_key(std::uint64_t parent, std::uint64_t child) {
  return mix64(parent ^ mix64(child * kGolden + 0x632be59bd9b4e019ULL));
}

double keyed_uniform(std::uint64_t key, std::uint64_t j) { return to_open_unit(mix64(key + (j + 1) * kGolden)); }

void fill_keyed_normal(std::uint64_t key, float* out, int64_t n) {
  // Box-Muller: the pair (2p, 2p + 1) of uniforms gives values 2p and 2p + 1.
  for (int64_t p = 0; 2 * p < n; ++p) {
    const double u1 = keyed_uniform(key, static_cast<std::uint64_t>(2 * p));
    const double u2 = keyed_uniform(key, static_cast<std::uint64_t>(2 * p + 1));
    const double radius = std::sqrt(-2.0 * std::log(u1));
    out[2 * p] = static_cast<float>(radius * std::cos(kTwoPi * u2));
    if (2 * p + 1 < n) out[2 * p + 1] = static_cast<float>(radius * std::sin(kTwoPi * u2));
  }
}

torch::Tensor keyed_normal(const std::vector<std::uint64_t>& keys, torch::IntArrayRef sample_shape,
                           const torch::TensorOptions& options) {
  std::vector<int64_t> shape{static_cast<int64_t>(keys.size())};
  shape.insert(shape.end(), sample_shape.begin(), sample_shape.end());
  torch::Tensor noise = torch::empty(shape, torch::kFloat32);
  const int64_t per_sample = keys.empty() ? 0 : noise.numel() / static_cast<int64_t>(keys.size());
  float* data = noise.data_ptr<float>();
  // Threads only for work worth waking them: a few toy points are faster on one.
  const int64_t grain = std::max<int64_t>(1, 32768 / std::max<int64_t>(per_sample, 1));
  at::parallel_for(0, static_cast<int64_t>(keys.size()), grain, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) fill_keyed_normal(keys[static_cast<size_t>(i)], data + i * per_sample, per_sample);
  });
  if (options.dtype() == torch::kFloat32 && options.device().is_cpu()) return noise;
  return noise.to(options.device(), options.dtype().toScalarType());
}

SampleNoise::SampleNoise(std::uint64_t seed, int64_t first, int64_t count, std::uint64_t stream)
    : job_key_(derive_key(seed, stream)), first_(first), count_(count) {
  check(first >= 0 && count >= 1, "sample noise: needs first >= 0 and count >= 1");
}

torch::Tensor SampleNoise::normal(torch::IntArrayRef shape, const torch::TensorOptions& options) {
  check(!shape.empty() && shape[0] == count_, "sample noise: drawing " + c10::str(shape) + " for " +
                                                  std::to_string(count_) + " samples");
  std::vector<std::uint64_t> keys(static_cast<size_t>(count_));
  for (int64_t i = 0; i < count_; ++i) {
    keys[static_cast<size_t>(i)] = derive_key(derive_key(job_key_, static_cast<std::uint64_t>(first_ + i)), draws_);
  }
  ++draws_;
  return keyed_normal(keys, shape.slice(1), options);
}

}  // namespace diffuse
