// diffuse noise: add Gaussian noise to an image, to try the denoisers on.
#include <cstdio>
#include <memory>

#include <torch/torch.h>

#include "commands.h"
#include "generation_record.h"
#include "option_checks.h"
#include "diffuse/apps/noise_level.h"
#include "diffuse/io/image.h"
#include "diffuse/io/image_file.h"
#include "diffuse/io/sample_output.h"
#include "diffuse/util/error.h"

namespace diffuse::cli {

namespace {

struct NoiseArguments {
  std::string input, out;
  double sigma = 25.0;
  uint64_t seed = 0;
};

void run_noise(const NoiseArguments& args) {
  check_image_destination(args.out, "--out");
  const torch::Tensor image = load_image_file(args.input);
  torch::Generator generator = at::detail::createCPUGenerator(args.seed);  // denoise, inpaint and img2img draw from other streams
  const double sigma = data_sigma_from_pixels(args.sigma);
  if (args.sigma > 255.0) {
    std::fprintf(stderr, "note: noise of sigma %g is wider than the 0-255 range: clipped to 8 bits, the file keeps "
                         "almost nothing of the image\n", args.sigma);
  }
  // A PNG clips the noisy pixels to [0, 255] and rounds them, as any real
  // noisy image file does; an .npy keeps them as they are (the benchmarks' protocol).
  GenerationRecord record("noise");
  record.add("input", args.input).add("sigma", args.sigma).add("seed", args.seed);
  save_image_file(args.out, image + sigma * torch::randn(image.sizes(), generator, image.options()), record.png_text());
  std::printf("wrote %s (%lldx%lld, Gaussian noise of std %g in 0-255 units, %s)\n", args.out.c_str(),
              static_cast<long long>(image.size(2)), static_cast<long long>(image.size(1)), args.sigma,
              is_npy_path(args.out) ? "in float, not clipped" : "clipped to 8 bits");
}

}  // namespace

Command add_noise_command(CLI::App& app) {
  auto args = std::make_shared<NoiseArguments>();
  CLI::App* command = app.add_subcommand("noise", "Add Gaussian noise to an image (to try 'diffuse denoise' on)");
  command->add_option("--input", args->input, "the clean image (a picture, or a float .npy in 0-255 units)")->required();
  command->add_option("--out", args->out, "the noisy image: .png (8 bits, clipped) or .npy (float, as drawn)")->required();
  command->add_option("--sigma", args->sigma, "noise std in 0-255 pixel units")
      ->check(number_in(0.0, 1000.0))
      ->capture_default_str();
  add_seed_option(*command, args->seed, "seed of the noise");
  return {command, [args] { run_noise(*args); }};
}

}  // namespace diffuse::cli
