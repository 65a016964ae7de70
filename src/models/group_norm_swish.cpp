#include "diffuse/models/group_norm_swish.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include "diffuse/util/error.h"

namespace diffuse {

namespace {

// exp(x) for the swish: x = n ln2 + r with |r| <= ln2/2 (Cody-Waite split of
// ln2), exp(r) by its Taylor polynomial to r^6 (error < 1.2e-7 relative),
// 2^n added to the exponent bits. Plain arithmetic so that the compiler
// vectorises the loops that call it.
inline float exp_for_swish(float x) {
  x = std::min(std::max(x, -87.0f), 88.0f);
  constexpr float kRound = 12582912.0f;  // 1.5 * 2^23: adding it rounds to an integer in the low bits
  const float t = x * 1.44269504088896341f + kRound;
  const float n = t - kRound;
  const float r = (x - n * 0.693145751953125f) - n * 1.428606765330187045e-06f;
  float p = 1.0f / 720.0f;
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  int32_t t_bits = 0, p_bits = 0;
  std::memcpy(&t_bits, &t, sizeof t);
  std::memcpy(&p_bits, &p, sizeof p);
  p_bits += (t_bits - 0x4B400000) * (1 << 23);  // t's low bits hold n
  float result = 0.0f;
  std::memcpy(&result, &p_bits, sizeof result);
  return result;
}

// Mean and biased variance of one group's values (contiguous in NCHW), two
// passes with 16 running sums each, which the compiler keeps in vector lanes.
__attribute__((target_clones("avx512f", "avx2", "default")))
void group_moments(const float* x, int64_t size, float& mean, float& variance) {
  constexpr int64_t kLanes = 16;
  const int64_t whole = size - size % kLanes;
  float sums[kLanes] = {};
  for (int64_t i = 0; i < whole; i += kLanes) {
    for (int64_t j = 0; j < kLanes; ++j) sums[j] += x[i + j];
  }
  double total = 0.0;
  for (float s : sums) total += s;
  for (int64_t i = whole; i < size; ++i) total += x[i];
  mean = static_cast<float>(total / static_cast<double>(size));

  float squares[kLanes] = {};
  for (int64_t i = 0; i < whole; i += kLanes) {
    for (int64_t j = 0; j < kLanes; ++j) {
      const float d = x[i + j] - mean;
      squares[j] += d * d;
    }
  }
  double total_squares = 0.0;
  for (float s : squares) total_squares += s;
  for (int64_t i = whole; i < size; ++i) total_squares += (x[i] - mean) * (x[i] - mean);
  variance = static_cast<float>(total_squares / static_cast<double>(size));
}

// y = swish(x * scale + shift) over one channel's values.
__attribute__((target_clones("avx512f", "avx2", "default")))
void scale_shift_swish(const float* x, float* y, int64_t size, float scale, float shift) {
  for (int64_t i = 0; i < size; ++i) {
    const float v = x[i] * scale + shift;
    y[i] = v / (1.0f + exp_for_swish(-v));
  }
}

}  // namespace

torch::Tensor group_norm_swish(const torch::Tensor& x, int64_t groups, const torch::Tensor& weight,
                               const torch::Tensor& bias, double eps) {
  check(x.device().is_cpu() && x.scalar_type() == torch::kFloat32 && x.dim() >= 2,
        "group_norm_swish: expected a float32 CPU tensor [N, C, ...]");
  const int64_t batch = x.size(0), channels = x.size(1);
  check(groups >= 1 && channels % groups == 0, "group_norm_swish: channels not divisible by groups");
  check(weight.defined() && bias.defined() && weight.numel() == channels && bias.numel() == channels,
        "group_norm_swish: weight and bias need C values");
  const torch::Tensor input = x.contiguous();
  const torch::Tensor gamma = weight.to(torch::kFloat32).contiguous(), beta = bias.to(torch::kFloat32).contiguous();
  torch::Tensor output = torch::empty_like(input);
  const int64_t channels_per_group = channels / groups;
  const int64_t pixels = channels == 0 ? 0 : input.numel() / (batch * channels);
  const int64_t group_size = channels_per_group * pixels;
  const float* in = input.data_ptr<float>();
  const float* g = gamma.data_ptr<float>();
  const float* b = beta.data_ptr<float>();
  float* out = output.data_ptr<float>();
  // Threads only where each gets >= 16K values: below that, waking them costs
  // more than it saves (measured at batch 1).
  const int64_t grain = std::max<int64_t>(1, (int64_t{16} << 10) / std::max<int64_t>(1, group_size));
  at::parallel_for(0, batch * groups, grain, [&](int64_t begin, int64_t end) {
    for (int64_t ng = begin; ng < end; ++ng) {
      const float* group_in = in + ng * group_size;
      float* group_out = out + ng * group_size;
      float mean = 0.0f, variance = 0.0f;
      group_moments(group_in, group_size, mean, variance);
      const float rstd = 1.0f / std::sqrt(variance + static_cast<float>(eps));
      const int64_t first_channel = (ng % groups) * channels_per_group;
      for (int64_t c = 0; c < channels_per_group; ++c) {
        const float scale = rstd * g[first_channel + c];
        const float shift = b[first_channel + c] - mean * scale;
        scale_shift_swish(group_in + c * pixels, group_out + c * pixels, pixels, scale, shift);
      }
    }
  });
  return output;
}

}  // namespace diffuse
