// diffuse upscale: super-resolution of an image with an unconditional image
// model as a zero-shot solver (apps/super_resolution.h).
#include <cstdio>
#include <memory>

#include <torch/torch.h>

#include "commands.h"
#include "common_options.h"
#include "diffuse/apps/resize.h"
#include "diffuse/apps/restoration_protocols.h"
#include "diffuse/apps/super_resolution.h"
#include "diffuse/io/image.h"
#include "diffuse/io/image_file.h"
#include "diffuse/util/error.h"
#include "option_checks.h"
#include "restoration.h"

namespace diffuse::cli {

namespace {

struct UpscaleArguments : RestorationArguments {
  int64_t scale = 4, steps = 50;
  double strength = 1.0;
  std::string kernel = "bicubic", sampler = "ddim";
  uint64_t seed = 0;
};

void run_upscale(const UpscaleArguments& args) {
  check_restoration_destinations(args);
  const RestorationModel model = load_restoration_model(args);
  torch::Tensor pixels = pixels_from_data(load_image_file(args.input)).to(torch::kFloat64);
  if (model.channels == 1) pixels = grey_if_channels_equal(pixels);
  // A grey model restores a colour photo's luma; the chroma is upscaled
  // bicubically (the convention of SR papers since SRCNN).
  const bool luma_only = pixels.size(0) == 3 && model.channels == 1;
  check(luma_only || pixels.size(0) == model.channels,
        args.input + " has " + std::to_string(pixels.size(0)) + " channels, but the model in " + args.run + " makes " +
            std::to_string(model.channels) + "-channel images");
  const torch::Tensor ycbcr = luma_only ? rgb_to_ycbcr(pixels) : torch::Tensor();
  // The luma spans 16-235; the grey model restores it stretched to 0-255 like a grey photo.
  const torch::Tensor low = luma_only ? stretch_luma(ycbcr.slice(0, 0, 1)) : pixels;
  const auto sampler = make_sampler(args.sampler, model.denoiser->schedule(), {});
  sampler->set_timesteps(args.steps);
  UpscaleOptions options;
  options.scale = args.scale;
  options.kernel = sr_kernel_from_string(args.kernel);
  options.seed = args.seed;
  options.strength = args.strength;
  EvaluationProgress progress("upscale", args.quiet, static_cast<int64_t>(sampler->timesteps().size()));
  model.denoiser->set_on_tiles(progress.tile_callback());
  std::printf("%lld x %lld -> %lld x %lld (%s degradation), %s with %lld steps%s\n",
              static_cast<long long>(low.size(2)), static_cast<long long>(low.size(1)),
              static_cast<long long>(low.size(2) * args.scale), static_cast<long long>(low.size(1) * args.scale),
              args.kernel.c_str(), args.sampler.c_str(), static_cast<long long>(args.steps),
              luma_only ? "; the model restores the luma, the chroma is upscaled bicubically" : "");
  const torch::Tensor input = data_from_pixels(low.to(torch::kFloat32)).unsqueeze(0).to(model.device);
  torch::Tensor high = pixels_from_data(upscale(*model.denoiser, *sampler, input, options).cpu().to(torch::kFloat64))[0];
  progress.finish();
  if (luma_only) {
    high = unstretch_luma(high);
    const torch::Tensor chroma = matlab_imresize(ycbcr.slice(0, 1, 3), static_cast<double>(args.scale));
    high = ycbcr_to_rgb(torch::cat({high, chroma}, 0));
  }
  GenerationRecord record = restoration_record("upscale", args);
  record.add("scale", args.scale).add("kernel", args.kernel).add("sampler", args.sampler).add("steps", args.steps);
  record.add("seed", args.seed);
  if (args.strength < 1.0) record.add("strength", args.strength);
  const torch::Tensor result = data_from_pixels(high.to(torch::kFloat32)).unsqueeze(0);
  write_model_image(args.out, result, record.png_text());
  if (!args.compare.empty()) {
    const torch::Tensor bicubic = data_from_pixels(matlab_imresize(pixels, static_cast<double>(args.scale)).to(torch::kFloat32));
    write_comparison(args.compare, {{"bicubic", bicubic.unsqueeze(0)}, {"diffusion", result}},
                     "x" + std::to_string(args.scale) + ", " + args.sampler + " " + std::to_string(args.steps) + " steps",
                     record.png_text());
  }
}

}  // namespace

Command add_upscale_command(CLI::App& app) {
  auto args = std::make_shared<UpscaleArguments>();
  CLI::App* command = app.add_subcommand(
      "upscale", "Super-resolution with an image model: a sample that downscales back to the input exactly (DDNM)");
  add_restoration_options(*command, *args, "the low-resolution image (PNG, JPEG, ... or a float .npy)",
                          "bicubic and diffusion upscaling");
  command->add_option("--scale", args->scale, "upscaling factor")->check(whole_number_in(2, 8))->capture_default_str();
  command->add_option("--kernel", args->kernel, "how the input was made smaller: bicubic (MATLAB's imresize) or box "
                                                "(s x s mean)")
      ->check(CLI::IsMember({"bicubic", "box"}))
      ->capture_default_str();
  command->add_option("--sampler", args->sampler, "sampler")->check(CLI::IsMember(sampler_names()))->capture_default_str();
  command->add_option("--steps", args->steps, "sampling steps")->check(whole_number_in(1, 100000))->capture_default_str();
  add_upscale_strength_option(*command, args->strength);
  add_seed_option(*command, args->seed, "seed of the sampling noise");
  return {command, [args] { run_upscale(*args); }};
}

}  // namespace diffuse::cli
