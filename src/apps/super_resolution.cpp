#include "diffuse/apps/super_resolution.h"

#include <cmath>
#include <utility>

#include <torch/torch.h>

#include "diffuse/apps/img2img.h"
#include "diffuse/apps/noise_level.h"
#include "diffuse/apps/resize.h"
#include "diffuse/noise.h"
#include "diffuse/prediction.h"
#include "diffuse/sampling/sample_loop.h"
#include "diffuse/util/error.h"

namespace diffuse {

namespace {

// One dimension of the degradation: [n / s, n].
torch::Tensor degradation_matrix(int64_t n, int64_t scale, SrKernel kernel) {
  if (kernel == SrKernel::kBicubic) return matlab_resampling_matrix(n, n / scale, 1.0 / static_cast<double>(scale));
  torch::Tensor matrix = torch::zeros({n / scale, n}, torch::kFloat64);
  for (int64_t i = 0; i < n / scale; ++i) matrix[i].slice(0, i * scale, (i + 1) * scale).fill_(1.0 / static_cast<double>(scale));
  return matrix;
}

// x [..., H, W] -> rows [.., H', H] x cols^T, computed in float64, returned in x's type.
torch::Tensor separable(const torch::Tensor& rows, const torch::Tensor& cols, const torch::Tensor& x) {
  const torch::Tensor y = torch::matmul(torch::matmul(rows.to(x.device()), x.to(torch::kFloat64)), cols.t().to(x.device()));
  return y.to(x.scalar_type());
}

}  // namespace

SeparableDegradation::SeparableDegradation(int64_t height, int64_t width, int64_t scale, SrKernel kernel) {
  check(scale >= 2 && scale <= 8, "super-resolution: the scale must be 2 to 8, got " + std::to_string(scale));
  check(height >= scale && width >= scale && height % scale == 0 && width % scale == 0,
        "super-resolution: a " + std::to_string(width) + " x " + std::to_string(height) +
            " output is not a whole number of " + std::to_string(scale) + " x " + std::to_string(scale) + " blocks");
  rows_ = degradation_matrix(height, scale, kernel);
  cols_ = degradation_matrix(width, scale, kernel);
  rows_pinv_ = torch::linalg_pinv(rows_);
  cols_pinv_ = torch::linalg_pinv(cols_);
}

torch::Tensor SeparableDegradation::apply(const torch::Tensor& x) const {
  check(x.dim() >= 2 && x.size(-2) == rows_.size(1) && x.size(-1) == cols_.size(1),
        "degradation: expected images of " + std::to_string(rows_.size(1)) + " x " + std::to_string(cols_.size(1)));
  return separable(rows_, cols_, x);
}

torch::Tensor SeparableDegradation::pseudo_inverse(const torch::Tensor& y) const {
  check(y.dim() >= 2 && y.size(-2) == rows_.size(0) && y.size(-1) == cols_.size(0),
        "degradation: expected low-resolution images of " + std::to_string(rows_.size(0)) + " x " +
            std::to_string(cols_.size(0)));
  return separable(rows_pinv_, cols_pinv_, y);
}

ConsistentDenoiser::ConsistentDenoiser(const Denoiser& base, SeparableDegradation degradation,
                                       torch::Tensor low_resolution)
    : Denoiser(base), base_(base), degradation_(std::move(degradation)), low_resolution_(std::move(low_resolution)) {}

EpsilonAndX0 ConsistentDenoiser::predict(const torch::Tensor& x_t, const torch::Tensor& t,
                                         const Conditioning& conditioning) const {
  check(x_t.size(0) == low_resolution_.size(0), "super-resolution: one low-resolution image per sample");
  EpsilonAndX0 out = base_.predict(x_t, t, conditioning);
  const torch::Tensor y = low_resolution_.to(out.x0.device());
  // DDNM eq. (13): x0 <- A+ y + (I - A+ A) x0 = x0 + A+ (y - A x0).
  out.x0 = out.x0 + degradation_.pseudo_inverse(y - degradation_.apply(out.x0));
  out.eps = eps_from_x0(x_t, out.x0, schedule().sqrt_alpha_bar(t, x_t), schedule().sqrt_one_minus_alpha_bar(t, x_t));
  return out;
}

torch::Tensor consistent_bicubic(const SeparableDegradation& degradation, const torch::Tensor& low_resolution,
                                 int64_t scale) {
  const torch::Tensor low = low_resolution.to(torch::kFloat64);
  const torch::Tensor bicubic = matlab_imresize(low.cpu(), static_cast<double>(scale)).to(low.device());
  return (bicubic + degradation.pseudo_inverse(low - degradation.apply(bicubic))).to(low_resolution.dtype());
}

torch::Tensor upscale(const Denoiser& denoiser, Sampler& sampler, const torch::Tensor& low_resolution,
                      const UpscaleOptions& options) {
  check(low_resolution.dim() == 4, "upscale: expected low-resolution images [N, C, h, w]");
  const int64_t s = options.scale;
  SeparableDegradation degradation(low_resolution.size(2) * s, low_resolution.size(3) * s, s, options.kernel);
  const ConsistentDenoiser consistent(denoiser, degradation, low_resolution);
  if (options.strength < 1.0) {
    Img2ImgOptions start;
    start.strength = options.strength;
    start.steps = sampler.num_steps();
    start.seed = options.seed;
    start.on_evaluation = options.on_evaluation;
    return img2img(consistent, sampler, consistent_bicubic(degradation, low_resolution, s), start);
  }
  GenerateOptions generate_options;
  generate_options.num_samples = low_resolution.size(0);
  generate_options.batch_size = low_resolution.size(0);
  generate_options.seed = options.seed;
  generate_options.on_step = options.on_evaluation;
  generate_options.sample_shape = {low_resolution.size(1), low_resolution.size(2) * s, low_resolution.size(3) * s};
  return generate(consistent, sampler, generate_options).samples;
}

torch::Tensor upscale_posterior(const Denoiser& denoiser, const torch::Tensor& low_resolution,
                                const PosteriorUpscaleOptions& options) {
  check(low_resolution.dim() == 4, "upscale: expected low-resolution images [N, C, h, w]");
  check(options.iterations >= 1, "upscale: at least one iteration");
  const int64_t s = options.scale;
  const double sigma_min = options.sigma_min > 0.0 ? options.sigma_min : static_cast<double>(s);
  check(options.sigma_max >= sigma_min, "upscale: the first noise level must be at least the last");
  SeparableDegradation degradation(low_resolution.size(2) * s, low_resolution.size(3) * s, s, options.kernel);
  const torch::Tensor y = low_resolution;
  torch::NoGradGuard no_grad;
  const EvalModeGuard eval_mode(denoiser.network());
  torch::Tensor x = consistent_bicubic(degradation, y, s);
  for (int64_t k = 0; k < options.iterations; ++k) {
    const double fraction = options.iterations == 1 ? 1.0 : static_cast<double>(k) / static_cast<double>(options.iterations - 1);
    const double sigma = options.sigma_max * std::pow(sigma_min / options.sigma_max, fraction);
    const NoiseMatch match = match_noise_level(denoiser.schedule(), data_sigma_from_pixels(sigma));
    const torch::Tensor z = denoiser.predict(x * match.input_scale, match.timestep).x0;
    x = z + degradation.pseudo_inverse(y - degradation.apply(z));
    if (options.on_evaluation) options.on_evaluation(k + 1, options.iterations);
  }
  return x;
}

}  // namespace diffuse
