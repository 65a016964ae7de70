// diffuse img2img: turn a guide image into a realistic one (SDEdit).
#include <algorithm>
#include <cstdio>
#include <memory>

#include <torch/torch.h>

#include "commands.h"
#include "diffuse/apps/img2img.h"
#include "diffuse/io/sample_output.h"
#include "diffuse/sampling/sampler.h"
#include "diffuse/util/error.h"
#include "option_checks.h"
#include "restoration.h"

namespace diffuse::cli {

namespace {

struct Img2ImgArguments : RestorationArguments {
  std::string sampler = "ddpm";
  Img2ImgOptions options;
};

void run_img2img(const Img2ImgArguments& args) {
  check_restoration_destinations(args);
  const RestorationModel model = load_restoration_model(args);
  const torch::Tensor guide = load_model_image(model, args.input);
  const int64_t t0 = sdedit_timestep(model.denoiser->schedule(), args.options.strength);
  const std::unique_ptr<Sampler> sampler = make_sampler(args.sampler, model.denoiser->schedule(), {});
  if (t0 < 0) {
    std::printf("strength 0: the output is the input\n");
  } else {
    std::printf("noising to t0 = %lld of %lld, then %s for %lld steps\n", static_cast<long long>(t0),
                static_cast<long long>(model.denoiser->schedule().num_timesteps()), args.sampler.c_str(),
                static_cast<long long>(std::min(args.options.steps, t0 + 1)));
  }
  EvaluationProgress progress("img2img", args.quiet, t0 < 0 ? 0 : std::min(args.options.steps, t0 + 1));
  model.denoiser->set_on_tiles(progress.tile_callback());
  Img2ImgOptions options = args.options;
  options.conditioning = model.conditioning;
  options.on_evaluation = progress.callback();
  const torch::Tensor result = img2img(*model.denoiser, *sampler, guide, options);
  progress.finish();
  GenerationRecord record = restoration_record("img2img", args, model);
  record.add("strength", args.options.strength).add("sampler", args.sampler).add("steps", args.options.steps);
  record.add("seed", args.options.seed);
  write_model_image(args.out, result, record.png_text());
  if (!args.compare.empty()) {
    char title[120];
    std::snprintf(title, sizeof title, "SDEdit, strength %.2f, %s", args.options.strength, args.sampler.c_str());
    write_comparison(args.compare, {{"guide", guide}, {"result", result}}, title, record.png_text());
  }
}

}  // namespace

Command add_img2img_command(CLI::App& app) {
  auto args = std::make_shared<Img2ImgArguments>();
  CLI::App* command =
      app.add_subcommand("img2img", "Make a realistic image from a rough or damaged guide (SDEdit, Meng et al. 2022)");
  add_restoration_options(*command, *args, "the guide image (a sketch, a damaged image; any size)", "guide and result");
  command->add_option("--strength", args->options.strength,
                      "how far to noise the guide, t0/T: low keeps it, high makes it realistic")
      ->check(number_in(0.0, 1.0))
      ->capture_default_str();
  command->add_option("--sampler", args->sampler, "the reverse sampler (see docs/samplers.md)")
      ->check(CLI::IsMember(sampler_names()))
      ->capture_default_str();
  command->add_option("--steps", args->options.steps, "reverse steps from t0")
      ->check(positive())
      ->capture_default_str();
  add_seed_option(*command, args->options.seed, "seed of the noise");
  return {command, [args] { run_img2img(*args); }};
}

}  // namespace diffuse::cli
