// diffuse upscale: super-resolution of an image with an unconditional image
// model as a zero-shot solver (apps/super_resolution.h, upscale_settings.h).
#include <cstdio>
#include <memory>

#include <torch/torch.h>

#include "commands.h"
#include "common_options.h"
#include "diffuse/apps/resize.h"
#include "diffuse/apps/restoration_protocols.h"
#include "diffuse/io/image.h"
#include "diffuse/io/image_file.h"
#include "diffuse/util/error.h"
#include "option_checks.h"
#include "restoration.h"
#include "upscale_settings.h"

namespace diffuse::cli {

namespace {

struct UpscaleArguments : RestorationArguments {
  int64_t scale = 4;
  std::string kernel = "bicubic";
  UpscaleSettings settings;
};

void run_upscale(const UpscaleArguments& args) {
  check(args.classes.choice.empty() && !args.classes.guidance && args.classes.guide_run.empty(),
        "upscale does not take --class, --guidance or --guide-run: its iterations run the model "
        "without a class (a conditional run's null label), unguided");
  check_restoration_destinations(args);
  const RestorationModel model = load_restoration_model(args);
  torch::Tensor pixels = pixels_from_data(load_image_file(args.input)).to(torch::kFloat64);
  if (model.channels == 1) pixels = grey_if_channels_equal(pixels);
  check(upscales_luma_only(model, pixels) || pixels.size(0) == model.channels,
        args.input + " has " + std::to_string(pixels.size(0)) + " channels, but the model in " + args.run + " makes " +
            std::to_string(model.channels) + "-channel images");
  const UpscaleSettings& settings = args.settings;
  EvaluationProgress progress("upscale", args.quiet, settings.resolved_steps());
  model.denoiser->set_on_tiles(progress.tile_callback());
  std::printf("%lld x %lld -> %lld x %lld (%s degradation), %s%s\n", static_cast<long long>(pixels.size(2)),
              static_cast<long long>(pixels.size(1)), static_cast<long long>(pixels.size(2) * args.scale),
              static_cast<long long>(pixels.size(1) * args.scale), args.kernel.c_str(), settings.describe().c_str(),
              upscales_luma_only(model, pixels) ? "; the model restores the luma, the chroma is upscaled bicubically"
                                                : "");
  const torch::Tensor high =
      upscale_photo(model, pixels, args.scale, sr_kernel_from_string(args.kernel), settings, progress.callback());
  progress.finish();
  GenerationRecord record = restoration_record("upscale", args, model);
  record.add("scale", args.scale).add("kernel", args.kernel).add("method", settings.method);
  record.add("steps", settings.resolved_steps());
  if (settings.method == "sample") {
    record.add("sampler", settings.sampler).add("seed", settings.seed);
    if (settings.strength < 1.0) record.add("strength", settings.strength);
  }
  const torch::Tensor result = data_from_pixels(high.to(torch::kFloat32)).unsqueeze(0);
  write_model_image(args.out, result, record.png_text());
  if (!args.compare.empty()) {
    const torch::Tensor bicubic = data_from_pixels(matlab_imresize(pixels, static_cast<double>(args.scale)).to(torch::kFloat32));
    write_comparison(args.compare, {{"bicubic", bicubic.unsqueeze(0)}, {"diffusion", result}},
                     "x" + std::to_string(args.scale) + ", " + settings.describe(), record.png_text());
  }
}

}  // namespace

Command add_upscale_command(CLI::App& app) {
  auto args = std::make_shared<UpscaleArguments>();
  CLI::App* command = app.add_subcommand(
      "upscale", "Super-resolution with an image model: an image that downscales back to the input exactly, the "
                 "model's posterior mean (plug-and-play) or a sample (DDNM)");
  add_restoration_options(*command, *args, "the low-resolution image (PNG, JPEG, ... or a float .npy)",
                          "bicubic and diffusion upscaling");
  command->add_option("--scale", args->scale, "upscaling factor")->check(whole_number_in(2, 8))->capture_default_str();
  command->add_option("--kernel", args->kernel, "how the input was made smaller: bicubic (MATLAB's imresize) or box "
                                                "(s x s mean)")
      ->check(CLI::IsMember({"bicubic", "box"}))
      ->capture_default_str();
  command->add_option("--method", args->settings.method, "posterior: the best PSNR, a little soft; sample: sharp, "
                                                         "with invented detail")
      ->check(CLI::IsMember(upscale_method_names()))
      ->capture_default_str();
  add_upscale_settings_options(*command, args->settings);
  add_seed_option(*command, args->settings.seed, "sample: seed of the sampling noise");
  return {command, [args, command] {
            check_sample_only_options(*command, {args->settings.method});
            check(args->settings.method == "sample" || command->count("--seed") == 0,
                  "--seed applies to the sample method, not posterior");
            run_upscale(*args);
          }};
}

}  // namespace diffuse::cli
