// diffuse denoise: remove Gaussian noise from an image with a trained model.
#include <cstdio>
#include <memory>

#include <torch/torch.h>

#include "commands.h"
#include "diffuse/apps/denoise.h"
#include "diffuse/apps/noise_level.h"
#include "diffuse/io/sample_output.h"
#include "diffuse/util/error.h"
#include "option_checks.h"
#include "restoration.h"

namespace diffuse::cli {

namespace {

struct DenoiseArguments : RestorationArguments {
  std::string sigma = "auto", method = "posterior";
  int64_t steps = 20, samples = 1;
  uint64_t seed = 0;
  bool keep_clipped = false;
};

// --sigma: a number of 0-255 pixel units, or "auto" to estimate it from the image.
double parse_sigma(const std::string& text) {
  size_t used = 0;
  double value = -1.0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  check(used > 0 && used == text.size(), "--sigma: expected a number of 0-255 pixel units or 'auto', got '" + text + "'");
  return value;
}

void run_denoise(const DenoiseArguments& args) {
  check_restoration_destinations(args);
  DenoiseOptions options;
  options.method = denoise_method_from_string(args.method);
  options.steps = args.steps;
  options.samples = args.samples;
  options.seed = args.seed;
  const bool estimate = args.sigma == "auto";
  double sigma_pixels = estimate ? 0.0 : parse_sigma(args.sigma);
  const RestorationModel model = load_restoration_model(args);
  options.conditioning = model.conditioning;
  const torch::Tensor noisy = load_model_image(model, args.input);
  if (estimate) sigma_pixels = pixel_sigma_from_data(estimate_noise_sigma(noisy));
  options.sigma = data_sigma_from_pixels(sigma_pixels);
  int64_t evaluations = 0;
  if (sigma_pixels == 0.0) {
    std::printf("noise sigma 0%s: nothing to remove, the output is the input\n", estimate ? " (estimated)" : "");
  } else {
    const NoiseMatch match = match_noise_level(model.denoiser->schedule(), options.sigma);  // impossible sigmas end here
    evaluations = denoise_evaluations(model.denoiser->schedule(), options);
    if (sigma_pixels > 255.0) {
      std::fprintf(stderr, "note: sigma %.0f is wider than the 0-255 range: an 8-bit image with that much noise keeps "
                           "almost nothing of the original, and the result is close to a fresh sample of the model\n",
                   sigma_pixels);
    }
    std::printf("noise sigma %.1f%s -> timestep t* = %lld (sigma_t* = %.1f); %s, %lld network evaluation%s\n",
                sigma_pixels, estimate ? " (estimated)" : "", static_cast<long long>(match.timestep),
                pixel_sigma_from_data(match.sigma), args.method.c_str(), static_cast<long long>(evaluations),
                evaluations == 1 ? "" : "s");
  }
  const torch::Tensor input = args.keep_clipped ? noisy : undo_clipping(noisy, options.sigma);
  EvaluationProgress progress("denoise", args.quiet, evaluations);
  options.on_evaluation = progress.callback();
  model.denoiser->set_on_tiles(progress.tile_callback());
  const torch::Tensor clean = denoise(*model.denoiser, input, options);
  progress.finish();
  GenerationRecord record = restoration_record("denoise", args, model);
  record.add("sigma", sigma_pixels).add("sigma_estimated", estimate ? "yes" : "no").add("method", args.method);
  if (args.method != "posterior") record.add("steps", args.steps);
  if (args.method == "ddpm") record.add("samples", args.samples).add("seed", args.seed);
  write_model_image(args.out, clean, record.png_text());
  if (!args.compare.empty()) {
    char title[160];
    std::snprintf(title, sizeof title, "%s, sigma %.1f%s", args.method.c_str(), sigma_pixels, estimate ? " (estimated)" : "");
    write_comparison(args.compare, {{"input", noisy}, {"denoised", clean}}, title, record.png_text());
  }
}

}  // namespace

Command add_denoise_command(CLI::App& app) {
  auto args = std::make_shared<DenoiseArguments>();
  CLI::App* command = app.add_subcommand("denoise", "Remove Gaussian noise from an image with a trained model");
  add_restoration_options(*command, *args, "the noisy image (PNG, JPEG, ...; any size)", "input and output");
  command->add_option("--sigma", args->sigma, "noise std in 0-255 pixel units, or auto to estimate it")
      ->capture_default_str();
  command->add_option("--method", args->method,
                      "posterior (one evaluation, best PSNR), ddim (deterministic, sharper) or ddpm (a sample)")
      ->check(CLI::IsMember(denoise_method_names()))
      ->capture_default_str();
  command->add_option("--steps", args->steps, "ddim, ddpm: reverse steps from t*")
      ->check(positive())
      ->capture_default_str();
  command->add_option("--samples", args->samples, "ddpm: average this many samples (toward the posterior mean)")
      ->check(positive())
      ->capture_default_str();
  add_seed_option(*command, args->seed, "ddpm: seed of the sampling noise");
  command->add_flag("--keep-clipped", args->keep_clipped,
                    "take pixels at exactly black or white as they are (default: undo the clipping of the noise there)");
  return {command, [args] { run_denoise(*args); }};
}

}  // namespace diffuse::cli
