#include "diffuse/apps/denoise_benchmark.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include <torch/torch.h>

#include "diffuse/apps/classical_denoisers.h"
#include "diffuse/apps/noise_level.h"
#include "diffuse/io/image.h"
#include "diffuse/metrics/image_quality.h"
#include "diffuse/util/format.h"
#include "diffuse/util/error.h"

namespace diffuse {

namespace {

struct Quality {
  double psnr, psnr_standard_error, ssim;
};

// Per-image PSNR and SSIM of outputs clamped to [0, 255], averaged.
Quality measure(const torch::Tensor& output, const torch::Tensor& clean, bool with_ssim) {
  const torch::Tensor clamped = output.clamp(0.0, 255.0);
  const int64_t n = clean.size(0);
  std::vector<double> values;
  double ssim_sum = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    values.push_back(psnr(clamped[i], clean[i]));
    if (with_ssim) ssim_sum += ssim(clamped[i], clean[i]);
  }
  double mean = 0.0, square = 0.0;
  for (double v : values) mean += v / static_cast<double>(n);
  for (double v : values) square += (v - mean) * (v - mean);
  const double standard_error = n > 1 ? std::sqrt(square / static_cast<double>(n - 1) / static_cast<double>(n)) : 0.0;
  return {mean, standard_error, with_ssim ? ssim_sum / static_cast<double>(n) : 0.0};
}

// A classical denoiser with one parameter, and the grid its best value is picked from.
struct Baseline {
  std::string method;
  std::vector<double> grid;
  std::function<torch::Tensor(const torch::Tensor&, double)> apply;  // pixels -> pixels
  std::function<std::string(double)> describe;
};

std::vector<Baseline> baselines(double sigma, int64_t smallest_side, bool with_nonlocal_means) {
  std::vector<Baseline> list;
  Baseline blur{"gaussian blur", {}, [](const torch::Tensor& x, double width) { return gaussian_blur(x, width); },
                [](double width) { return "width " + format_fixed(width, 2) + " px"; }};
  for (int k = 0; k <= 16; ++k) {
    const double width = 0.25 * std::pow(2.0, k / 4.0);
    if (std::ceil(3.0 * width) < static_cast<double>(smallest_side)) blur.grid.push_back(width);
  }
  list.push_back(blur);
  if (!with_nonlocal_means || !nonlocal_means_available()) return list;
  std::vector<double> strengths;
  for (int k = -12; k <= 8; ++k) strengths.push_back(sigma * std::pow(2.0, k / 4.0));
  for (bool sixteen_bit : {false, true}) {
    list.push_back({sixteen_bit ? "non-local means (16-bit)" : "non-local means (8-bit)", strengths,
                    [sixteen_bit](const torch::Tensor& x, double h) {
                      NonlocalMeansOptions options;
                      options.h = h;
                      options.sixteen_bit = sixteen_bit;
                      return nonlocal_means(x, options);
                    },
                    [](double h) { return "h " + format_fixed(h, 1); }});
  }
  return list;
}

class Stopwatch {
 public:
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

}  // namespace

DenoiseBenchmarkResult run_denoise_benchmark(const Denoiser& denoiser, const torch::Tensor& test,
                                             const torch::Tensor& tune, const DenoiseBenchmarkOptions& options) {
  check(test.dim() == 4 && test.size(0) >= 1, "bench denoise: expected test images [N, C, H, W]");
  check(tune.dim() == 4 && tune.size(0) >= 1 && tune.sizes().slice(1) == test.sizes().slice(1),
        "bench denoise: the tuning images must be shaped like the test images");
  check(!options.sigmas.empty(), "bench denoise: no noise levels");
  check(options.batch_size >= 1, "bench denoise: the batch size must be >= 1");
  const auto report = [&](const std::string& stage, int64_t done, int64_t total) {
    if (options.progress) options.progress(stage, done, total);
  };
  for (double sigma : options.sigmas) {
    check(sigma > 0.0, "bench denoise: noise levels must be > 0");
    match_noise_level(denoiser.schedule(), data_sigma_from_pixels(sigma));  // impossible sigmas fail before any work
  }

  const torch::Tensor clean = pixels_from_data(test.to(torch::kFloat32));
  const torch::Tensor tune_clean = pixels_from_data(tune.to(torch::kFloat32));
  // One fixed noise image per test image, scaled for each sigma.
  torch::Generator noise_generator = at::detail::createCPUGenerator(options.seed);
  const torch::Tensor noise = torch::randn(clean.sizes(), noise_generator, clean.options());
  torch::Generator tune_generator = at::detail::createCPUGenerator(options.seed + 1);
  const torch::Tensor tune_noise = torch::randn(tune_clean.sizes(), tune_generator, clean.options());
  const int64_t examples = std::min(options.example_images, clean.size(0));
  const int64_t smallest_side = std::min(clean.size(2), clean.size(3));

  DenoiseBenchmarkResult result;
  for (double sigma : options.sigmas) {
    const std::string level = "sigma " + format_fixed(sigma, 0);
    const torch::Tensor noisy = clean + sigma * noise;
    DenoiseExample example;
    example.sigma = sigma;
    example.clean = clean.slice(0, 0, examples);
    example.noisy = noisy.slice(0, 0, examples);
    const auto record = [&](const std::string& method, const std::string& setting, const torch::Tensor& output,
                            double seconds) {
      const Quality quality = measure(output, clean, true);
      result.scores.push_back({method, sigma, setting, quality.psnr, quality.psnr_standard_error, quality.ssim,
                               seconds / static_cast<double>(clean.size(0))});
      example.outputs.emplace_back(method, output.slice(0, 0, examples).clamp(0.0, 255.0));
    };
    record("noisy input", "", noisy, 0.0);

    for (const Baseline& baseline : baselines(sigma, smallest_side, options.nonlocal_means)) {
      if (baseline.grid.empty()) continue;  // images too small for any blur width
      const torch::Tensor tune_noisy = tune_clean + sigma * tune_noise;
      double best_value = baseline.grid.front(), best_psnr = -1.0;
      for (size_t i = 0; i < baseline.grid.size(); ++i) {
        const double value = baseline.grid[i];
        const double quality = measure(baseline.apply(tune_noisy, value), tune_clean, false).psnr;
        if (quality > best_psnr) best_psnr = quality, best_value = value;
        report(level + ": tuning " + baseline.method, static_cast<int64_t>(i) + 1,
               static_cast<int64_t>(baseline.grid.size()));
      }
      const Stopwatch stopwatch;
      const torch::Tensor output = baseline.apply(noisy, best_value);
      record(baseline.method, baseline.describe(best_value), output, stopwatch.seconds());
    }

    for (DenoiseMethod method : options.methods) {
      DenoiseOptions denoise_options;
      denoise_options.sigma = data_sigma_from_pixels(sigma);
      denoise_options.method = method;
      denoise_options.steps = options.steps;
      denoise_options.samples = method == DenoiseMethod::kDdpm ? options.ddpm_samples : 1;
      denoise_options.seed = options.seed;
      const NoiseMatch match = match_noise_level(denoiser.schedule(), denoise_options.sigma);
      const int64_t per_batch = denoise_evaluations(denoiser.schedule(), denoise_options);
      const int64_t batches = (clean.size(0) + options.batch_size - 1) / options.batch_size;
      int64_t batch = 0;
      denoise_options.on_evaluation = [&](int64_t done, int64_t) {
        report(level + ": " + to_string(method), batch * per_batch + done, batches * per_batch);
      };
      const Stopwatch stopwatch;
      std::vector<torch::Tensor> outputs;
      for (; batch < batches; ++batch) {
        const torch::Tensor input = data_from_pixels(noisy.slice(0, batch * options.batch_size, (batch + 1) * options.batch_size));
        denoise_options.seed = options.seed + static_cast<uint64_t>(batch);  // fresh sampling noise per batch
        outputs.push_back(pixels_from_data(denoise(denoiser, input, denoise_options)));
      }
      const double seconds = stopwatch.seconds();
      std::string setting = "t* " + std::to_string(match.timestep);
      if (method != DenoiseMethod::kPosterior) {
        setting += ", " + std::to_string(std::min(options.steps, match.timestep + 1)) + " steps";
      }
      if (denoise_options.samples > 1) setting += ", mean of " + std::to_string(denoise_options.samples);
      record(to_string(method), setting, torch::cat(outputs), seconds);
    }
    result.examples.push_back(example);
  }
  return result;
}

}  // namespace diffuse
