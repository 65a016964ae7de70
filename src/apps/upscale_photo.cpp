#include "diffuse/apps/upscale_photo.h"

#include <algorithm>
#include <memory>
#include <sstream>

#include <torch/torch.h>

#include "diffuse/apps/resize.h"
#include "diffuse/apps/super_resolution.h"
#include "diffuse/io/image.h"
#include "diffuse/sampling/sampler.h"
#include "diffuse/util/error.h"
#include "diffuse/util/format.h"

namespace diffuse {

int64_t UpscaleSettings::resolved_steps() const {
  if (steps > 0) return steps;
  return method == "posterior" ? kDefaultPosteriorIterations : kDefaultSamplerSteps;
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

bool upscales_luma_only(const RestorationModel& model, const torch::Tensor& pixels) {
  const torch::Tensor content = model.channels == 1 ? grey_if_channels_equal(pixels) : pixels;
  return content.size(0) == 3 && model.channels == 1;
}

torch::Tensor upscale_photo(const RestorationModel& model, torch::Tensor pixels, int64_t scale, SrKernel kernel,
                            const UpscaleSettings& settings,
                            const std::function<void(int64_t, int64_t)>& on_evaluation) {
  if (model.channels == 1) pixels = grey_if_channels_equal(pixels);
  const bool luma_only = pixels.size(0) == 3 && model.channels == 1;
  check(luma_only || pixels.size(0) == model.channels,
        "the image has " + std::to_string(pixels.size(0)) + " channels, but the model in " + model.run + " makes " +
            std::to_string(model.channels) + "-channel images");
  if (!luma_only) return upscale_pixels(model, pixels, scale, kernel, false, settings, on_evaluation);
  const torch::Tensor ycbcr = rgb_to_ycbcr(pixels);
  const torch::Tensor luma = upscale_pixels(model, ycbcr.slice(0, 0, 1), scale, kernel, true, settings, on_evaluation);
  const torch::Tensor chroma = matlab_imresize(ycbcr.slice(0, 1, 3), static_cast<double>(scale));
  return ycbcr_to_rgb(torch::cat({luma, chroma}, 0));
}

}  // namespace diffuse
