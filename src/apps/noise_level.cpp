#include "diffuse/apps/noise_level.h"

#include <cmath>
#include <sstream>

#include <torch/torch.h>

#include "diffuse/sampling/spacing.h"
#include "diffuse/util/error.h"

namespace diffuse {

namespace {

constexpr double kPixelsPerDataUnit = 127.5;  // x = p / 127.5 - 1
constexpr double kPi = 3.14159265358979323846;
constexpr double kGaussianMadToSigma = 0.6744897501960817;  // the median of |N(0, 1)|

}  // namespace

double data_sigma_from_pixels(double sigma_pixels) { return sigma_pixels / kPixelsPerDataUnit; }
double pixel_sigma_from_data(double sigma_data) { return sigma_data * kPixelsPerDataUnit; }

NoiseMatch match_noise_level(const NoiseSchedule& schedule, double sigma_data) {
  const int64_t last = schedule.num_timesteps() - 1;
  std::ostringstream value;
  value << pixel_sigma_from_data(sigma_data);
  check(std::isfinite(sigma_data) && sigma_data >= 0.0,
        "noise level: sigma must be a finite number >= 0, got " + value.str());
  check(sigma_data > 0.0, "noise level: sigma is 0, there is no noise to remove");
  std::ostringstream most;
  most << pixel_sigma_from_data(schedule.sigma(last));
  check(sigma_data <= schedule.sigma(last),
        "noise level: sigma " + value.str() + " (0-255 pixel units) is more noise than the model was trained on: its " +
            "noisiest step has sigma " + most.str());
  NoiseMatch match;
  match.timestep = nearest_timestep(schedule, sigma_data);
  match.sigma = schedule.sigma(match.timestep);
  match.input_scale = std::sqrt(schedule.alpha_bar(match.timestep));
  return match;
}

torch::Tensor undo_clipping(const torch::Tensor& images, double sigma_data) {
  check(std::isfinite(sigma_data) && sigma_data >= 0.0, "undo clipping: sigma must be >= 0");
  if (sigma_data == 0.0) return images;
  const double beyond = sigma_data * std::sqrt(2.0 / kPi);
  constexpr double kHalfStep = 0.5 / kPixelsPerDataUnit;  // within half an 8-bit step of the limit
  torch::Tensor result = images.clone();
  result.masked_fill_(images.le(-1.0 + kHalfStep), -1.0 - beyond);
  result.masked_fill_(images.ge(1.0 - kHalfStep), 1.0 + beyond);
  return result;
}

double estimate_noise_sigma(const torch::Tensor& images) {
  check(images.dim() == 3 || images.dim() == 4, "noise estimate: expected images [C, H, W] or [N, C, H, W]");
  const torch::Tensor x = (images.dim() == 3 ? images.unsqueeze(0) : images).to(torch::kFloat64);
  const int64_t height = x.size(2) / 2 * 2, width = x.size(3) / 2 * 2;
  check(height >= 2 && width >= 2, "noise estimate: the image must be at least 2 x 2 pixels");
  using torch::indexing::Slice;
  const torch::Tensor block = x.index({Slice(), Slice(), Slice(0, height), Slice(0, width)});
  const torch::Tensor a = block.index({Slice(), Slice(), Slice(0, height, 2), Slice(0, width, 2)});
  const torch::Tensor b = block.index({Slice(), Slice(), Slice(0, height, 2), Slice(1, width, 2)});
  const torch::Tensor c = block.index({Slice(), Slice(), Slice(1, height, 2), Slice(0, width, 2)});
  const torch::Tensor d = block.index({Slice(), Slice(), Slice(1, height, 2), Slice(1, width, 2)});
  // The orthonormal Haar HH coefficient: white noise keeps its std.
  const torch::Tensor diagonal = (a - b - c + d) / 2.0;
  return diagonal.abs().flatten().median().item<double>() / kGaussianMadToSigma;
}

}  // namespace diffuse
