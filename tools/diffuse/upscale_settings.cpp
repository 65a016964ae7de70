#include "upscale_settings.h"

#include <algorithm>
#include <memory>
#include <sstream>

#include <torch/torch.h>

#include "common_options.h"
#include "diffuse/apps/super_resolution.h"
#include "diffuse/io/image.h"
#include "diffuse/sampling/sampler.h"
#include "diffuse/util/error.h"
#include "diffuse/util/format.h"
#include "option_checks.h"

namespace diffuse::cli {

namespace {

constexpr int64_t kPosteriorIterations = 8;  // DPIR's count for super-resolution; more gained nothing on LIVE1
constexpr int64_t kSamplerSteps = 50;

}  // namespace

int64_t UpscaleSettings::resolved_steps() const {
  if (steps > 0) return steps;
  return method == "posterior" ? kPosteriorIterations : kSamplerSteps;
}

std::string UpscaleSettings::describe() const {
  const int64_t n = resolved_steps();
  if (method == "posterior") return "posterior, " + std::to_string(n) + (n == 1 ? " iteration" : " iterations");
  return sampler + " sample, " + std::to_string(n) + (n == 1 ? " step" : " steps") +
         (strength < 1.0 ? ", strength " + format_fixed(strength, 2) : "");
}

std::vector<std::string> upscale_method_names() { return {"posterior", "sample"}; }

std::vector<std::string> parse_upscale_methods(const std::string& text) {
  const std::vector<std::string> known = upscale_method_names();
  std::vector<std::string> methods;
  std::stringstream stream(text);
  for (std::string name; std::getline(stream, name, ',');) {
    check(std::find(known.begin(), known.end(), name) != known.end(),
          "unknown upscaling method '" + name + "' (posterior or sample)");
    methods.push_back(name);
  }
  check(!methods.empty(), "--methods: expected posterior, sample or both");
  return methods;
}

void add_upscale_settings_options(CLI::App& command, UpscaleSettings& settings) {
  command.add_option("--steps", settings.steps, "network evaluations: posterior iterations (default " +
                                                    std::to_string(kPosteriorIterations) + ") or sampling steps (default " +
                                                    std::to_string(kSamplerSteps) + ")")
      ->check(whole_number_in(1, 100000));
  command.add_option("--sampler", settings.sampler, "sample: the sampler")
      ->check(CLI::IsMember(sampler_names()))
      ->capture_default_str();
  command.add_option("--strength", settings.strength, "sample: where sampling starts: 1 from pure noise; below 1 from "
                                                      "the bicubic upscale noised to t0 = strength T, the steps spread "
                                                      "from there (less invented detail)")
      ->check(positive())
      ->check(number_in(0.0, 1.0))
      ->capture_default_str();
}

void check_sample_only_options(const CLI::App& command, const std::vector<std::string>& methods) {
  if (std::find(methods.begin(), methods.end(), "sample") != methods.end()) return;
  for (const char* name : {"--sampler", "--strength"}) {
    check(command.count(name) == 0, std::string(name) + " applies to the sample method, not posterior");
  }
}

torch::Tensor upscale_pixels(const RestorationModel& model, const torch::Tensor& pixels, int64_t scale,
                             SrKernel kernel, bool luma, const UpscaleSettings& settings,
                             const std::function<void(int64_t, int64_t)>& on_evaluation) {
  check(pixels.dim() == 3 && pixels.size(0) == model.channels, "upscale: expected an image of the model's channels");
  check(!luma || pixels.size(0) == 1, "upscale: a luma is one channel");
  const torch::Tensor grey = luma ? stretch_luma(pixels) : pixels;
  const torch::Tensor low = data_from_pixels(grey).to(torch::kFloat32).unsqueeze(0).to(model.device);
  torch::Tensor high;
  if (settings.method == "posterior") {
    PosteriorUpscaleOptions options;
    options.scale = scale;
    options.kernel = kernel;
    options.iterations = settings.resolved_steps();
    options.on_evaluation = on_evaluation;
    high = upscale_posterior(*model.denoiser, low, options);
  } else {
    check(settings.method == "sample", "upscale: unknown method " + settings.method + " (posterior or sample)");
    const std::unique_ptr<Sampler> sampler = make_sampler(settings.sampler, model.denoiser->schedule(), {});
    sampler->set_timesteps(settings.resolved_steps());
    UpscaleOptions options;
    options.scale = scale;
    options.kernel = kernel;
    options.seed = settings.seed;
    options.strength = settings.strength;
    options.on_evaluation = on_evaluation;
    high = upscale(*model.denoiser, *sampler, low, options);
  }
  const torch::Tensor result = pixels_from_data(high.cpu().to(torch::kFloat64))[0];
  return luma ? unstretch_luma(result) : result;
}

}  // namespace diffuse::cli
