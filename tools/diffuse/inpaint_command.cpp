// diffuse inpaint: fill in the masked part of an image (RePaint).
#include <cstdio>
#include <memory>

#include <torch/torch.h>

#include "commands.h"
#include "diffuse/apps/inpaint.h"
#include "diffuse/io/image.h"
#include "diffuse/io/sample_output.h"
#include "diffuse/util/error.h"
#include "option_checks.h"
#include "restoration.h"

namespace diffuse::cli {

namespace {

struct InpaintArguments : RestorationArguments {
  std::string mask;
  InpaintOptions options;
};

// [1, 1, H, W]: 1 where the pixel is kept (dark in the mask file), 0 where it is filled in (white).
torch::Tensor load_known(const std::string& path, const torch::Tensor& image, const std::string& image_path) {
  const torch::Tensor mask = load_image(path, 1);
  check(mask.size(1) == image.size(2) && mask.size(2) == image.size(3),
        "the mask " + path + " is " + std::to_string(mask.size(2)) + "x" + std::to_string(mask.size(1)) + " pixels but " +
            image_path + " is " + std::to_string(image.size(3)) + "x" + std::to_string(image.size(2)) +
            "; they must be the same size");
  const torch::Tensor known = mask.lt(0.0).to(image.options()).unsqueeze(0);  // below mid-grey: keep
  check(known.sum().item<double>() < static_cast<double>(known.numel()),
        "the mask " + path + " has no white pixels: there is nothing to fill in (white marks the pixels to generate)");
  return known;
}

void run_inpaint(const InpaintArguments& args) {
  check_restoration_destinations(args);
  inpaint_evaluations(args.options);  // bad settings fail before loading anything
  const RestorationModel model = load_restoration_model(args);
  const torch::Tensor image = load_model_image(model, args.input);
  const torch::Tensor known = load_known(args.mask, image, args.input);
  std::printf("filling %.0f of %lld pixels: RePaint, %lld steps, jumps of %lld, %lld resamplings, %lld network evaluations\n",
              (1.0 - known).sum().item<double>(), static_cast<long long>(known.numel()),
              static_cast<long long>(args.options.steps), static_cast<long long>(args.options.jump_length),
              static_cast<long long>(args.options.resamplings),
              static_cast<long long>(inpaint_evaluations(args.options)));
  EvaluationProgress progress("inpaint", args.quiet, inpaint_evaluations(args.options));
  model.denoiser->set_on_tiles(progress.tile_callback());
  InpaintOptions options = args.options;
  options.conditioning = model.conditioning;
  options.on_evaluation = progress.callback();
  const torch::Tensor result = inpaint(*model.denoiser, image, known, options);
  progress.finish();
  GenerationRecord record = restoration_record("inpaint", args, model);
  record.add("mask", args.mask).add("steps", args.options.steps).add("jump", args.options.jump_length);
  record.add("resample", args.options.resamplings).add("seed", args.options.seed);
  write_model_image(args.out, result, record.png_text());
  if (!args.compare.empty()) {
    // The holes shown mid-grey in the input.
    const torch::Tensor holed = known * image;
    write_comparison(args.compare, {{"input with hole", holed}, {"inpainted", result}},
                     "RePaint, " + std::to_string(args.options.steps) + " steps, r = " +
                         std::to_string(args.options.resamplings),
                     record.png_text());
  }
}

}  // namespace

Command add_inpaint_command(CLI::App& app) {
  auto args = std::make_shared<InpaintArguments>();
  CLI::App* command = app.add_subcommand("inpaint", "Fill in the masked part of an image (RePaint, Lugmayr et al. 2022)");
  add_restoration_options(*command, *args, "the image to complete", "input (hole in grey) and output");
  command->add_option("--mask", args->mask, "an image of the same size: white pixels are generated, black ones kept")
      ->required();
  command->add_option("--steps", args->options.steps, "reverse steps (respaced from the training schedule)")
      ->check(positive())
      ->capture_default_str();
  command->add_option("--jump", args->options.jump_length, "RePaint's jump length j")
      ->check(positive())
      ->capture_default_str();
  command->add_option("--resample", args->options.resamplings, "RePaint's resamplings r (1: none)")
      ->check(whole_number_in(1, 1000))
      ->capture_default_str();
  command->add_option("--temperature", args->options.temperature, "scales the injected noise")
      ->check(number_in(0.0, 10.0))
      ->capture_default_str();
  add_seed_option(*command, args->options.seed, "seed of the noise");
  return {command, [args] { run_inpaint(*args); }};
}

}  // namespace diffuse::cli
