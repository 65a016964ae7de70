#include "diffuse/serve/restore_job.h"

#include <algorithm>
#include <chrono>
#include <vector>

#include <torch/torch.h>

#include "diffuse/apps/denoise.h"
#include "diffuse/apps/img2img.h"
#include "diffuse/apps/inpaint.h"
#include "diffuse/apps/noise_level.h"
#include "diffuse/apps/restoration_model.h"
#include "diffuse/apps/upscale_photo.h"
#include "diffuse/guidance.h"
#include "diffuse/io/image.h"
#include "diffuse/models/unet.h"
#include "diffuse/sampling/sampler.h"
#include "diffuse/serve/previewing_denoiser.h"
#include "diffuse/util/error.h"

namespace diffuse {

namespace {

constexpr int64_t kInpaintJump = 10;  // RePaint's j, the paper's (shorter when there are fewer steps)
constexpr int64_t kTilePixels = 256;  // U-Nets see photos in tiles of about this size: few calls, little padding

torch::Tensor decode_upload(const std::string& bytes, const std::string& name, int64_t max_pixels) {
  return decode_image(std::vector<std::uint8_t>(bytes.begin(), bytes.end()), "the uploaded " + name, 0, max_pixels);
}

// [C, H, W] with the model's channels: colour to its luma (BT.601), grey to three equal channels.
torch::Tensor with_channels(torch::Tensor image, int64_t channels) {
  if (channels == 1) image = grey_if_channels_equal(image);  // grey saved as RGB: exactly its grey
  if (image.size(0) == channels) return image;
  if (channels == 1) {
    const torch::Tensor weights = torch::tensor({0.299, 0.587, 0.114}, image.options()).view({3, 1, 1});
    return (image * weights).sum(0, true);
  }
  return image.expand({channels, image.size(1), image.size(2)}).contiguous();
}

// The pixels the network works on for an image of h x w: each side padded up
// to a multiple of the model's size (the tiled denoiser pads small or thin
// images to whole tiles), so that a 1 x 1,000,000 image costs what it costs.
int64_t padded_pixels(int64_t height, int64_t width, const std::vector<int64_t>& model_shape) {
  const auto padded = [](int64_t length, int64_t size) { return (std::max(length, size) + size - 1) / size * size; };
  return padded(height, model_shape[1]) * padded(width, model_shape[2]);
}

std::string image_png(const torch::Tensor& image) { return encode_png(image.clamp(-1.0, 1.0)); }

InpaintOptions inpaint_options(const JobRequest& request) {
  InpaintOptions options;
  options.steps = request.steps;
  // Jumps need steps above them to go back to: j < steps, and one step resamples nothing.
  options.jump_length = std::max<int64_t>(1, std::min(kInpaintJump, request.steps - 1));
  options.resamplings = request.steps > 1 ? request.resample : 1;
  options.temperature = request.temperature;
  options.seed = request.seed;
  return options;
}

UpscaleSettings upscale_settings(const JobRequest& request) {
  UpscaleSettings settings;
  settings.method = request.method;
  settings.sampler = request.sampler;
  settings.steps = request.steps_given ? request.steps : 0;
  settings.seed = request.seed;
  return settings;
}

}  // namespace

RestorationInput decode_restoration_input(const JobRequest& request, const ServedRun& run, const ServeLimits& limits) {
  check(run.kind == "image", "\"" + request.run + "\" is a " + run.kind + " run; task " + to_string(request.task) +
                                 " needs an image run");
  check(request.image != nullptr, "task " + to_string(request.task) + " needs \"image\"");
  const std::vector<int64_t> shape = run.config.model->sample_shape();
  const int64_t channels = shape[0];
  const int64_t scale = request.task == JobTask::kUpscale ? request.scale : 1;
  RestorationInput input;
  input.image = decode_upload(*request.image, "image", limits.max_image_pixels / (scale * scale));
  const int64_t height = input.image.size(1) * scale, width = input.image.size(2) * scale;
  check(padded_pixels(height, width, shape) <= limits.max_image_pixels,
        "the model works on " + std::to_string(width) + " x " + std::to_string(height) +
            " pixels padded to whole multiples of its " + std::to_string(shape[2]) + " x " + std::to_string(shape[1]) +
            ", which is more than the " + std::to_string(limits.max_image_pixels) + " the server allows");
  // Upscaling keeps a colour photo's colour on a grey model (its luma is restored); the rest take the model's channels.
  if (request.task != JobTask::kUpscale || channels == 3) input.image = with_channels(input.image, channels);
  if (request.task == JobTask::kInpaint) {
    check(request.mask != nullptr, "task inpaint needs \"mask\"");
    const torch::Tensor mask = decode_upload(*request.mask, "mask", limits.max_image_pixels);
    check(mask.size(1) == input.image.size(1) && mask.size(2) == input.image.size(2),
          "the mask is " + std::to_string(mask.size(2)) + " x " + std::to_string(mask.size(1)) + " pixels but the image is " +
              std::to_string(input.image.size(2)) + " x " + std::to_string(input.image.size(1)) +
              "; they must be the same size");
    input.known = with_channels(mask, 1).lt(0.0).to(torch::kFloat32).unsqueeze(0);  // below mid-grey: keep
    check(input.known.sum().item<double>() < static_cast<double>(input.known.numel()),
          "the mask has no white pixels: there is nothing to fill in (white marks the pixels to generate)");
    const int64_t evaluations = inpaint_evaluations(inpaint_options(request));
    check(evaluations <= limits.max_evaluations,
          "inpainting with " + std::to_string(request.steps) + " steps and resample " + std::to_string(request.resample) +
              " takes " + std::to_string(evaluations) + " network evaluations; the server allows " +
              std::to_string(limits.max_evaluations));
  }
  return input;
}

JobResult run_restoration(std::shared_ptr<const TrainedModel> model, const ServedRun& run, const JobRequest& request,
                          const ServeLimits& limits, JobProgress& progress) {
  RestorationInput input = decode_restoration_input(request, run, limits);
  std::shared_ptr<const Denoiser> base = std::make_shared<const Denoiser>(make_denoiser(*model));
  if (request.class_label) base = std::make_shared<const GuidedDenoiser>(*base, request.guidance.value_or(1.0));
  RestorationSetup setup;
  setup.class_label = request.class_label;
  const std::vector<int64_t> shape = model->network->sample_shape();
  if (model->config.model.get_if<UNetConfig>() != nullptr) setup.tile = shape[1] * std::max<int64_t>(1, kTilePixels / shape[1]);
  RestorationModel restorer = make_restoration_model(std::move(model), run.name, base, setup);

  const auto check_cancelled = [&progress] {
    if (progress.cancelled()) throw JobCancelled();
  };
  restorer.denoiser->set_on_tiles([&](int64_t, int64_t) { check_cancelled(); });
  PreviewingDenoiser denoiser(std::shared_ptr<const Denoiser>(restorer.denoiser.get(), [](const Denoiser*) {}));
  auto last_preview = std::chrono::steady_clock::now();
  const bool previews = request.task != JobTask::kUpscale;
  const auto on_evaluation = [&](int64_t done, int64_t total) {
    check_cancelled();
    progress.set_progress(done, total);
    const auto now = std::chrono::steady_clock::now();
    if (previews && done < total && now - last_preview > std::chrono::milliseconds(250) &&
        denoiser.latest_x0().defined()) {
      progress.set_preview(image_png(denoiser.latest_x0()[0]));
      last_preview = now;
    }
  };

  torch::NoGradGuard no_grad;
  const torch::Tensor image = input.image.unsqueeze(0);
  torch::Tensor result;
  switch (request.task) {
    case JobTask::kDenoise: {
      DenoiseOptions options;
      options.method = denoise_method_from_string(request.method);
      options.steps = request.steps;
      options.seed = request.seed;
      options.conditioning = restorer.conditioning;
      options.on_evaluation = on_evaluation;
      const double sigma_pixels = request.sigma ? *request.sigma : pixel_sigma_from_data(estimate_noise_sigma(image));
      options.sigma = data_sigma_from_pixels(sigma_pixels);
      if (sigma_pixels == 0.0) {
        result = image;
      } else {
        match_noise_level(denoiser.schedule(), options.sigma);  // an impossible sigma ends here, with its reason
        result = denoise(denoiser, undo_clipping(image, options.sigma), options);
      }
      break;
    }
    case JobTask::kInpaint: {
      InpaintOptions options = inpaint_options(request);
      options.conditioning = restorer.conditioning;
      options.on_evaluation = on_evaluation;
      result = inpaint(denoiser, image, input.known, options);
      break;
    }
    case JobTask::kImg2Img: {
      Img2ImgOptions options;
      options.strength = request.strength;
      options.steps = request.steps;
      options.seed = request.seed;
      options.conditioning = restorer.conditioning;
      options.on_evaluation = on_evaluation;
      const std::unique_ptr<Sampler> sampler = make_sampler(request.sampler, denoiser.schedule(), {});
      result = img2img(denoiser, *sampler, image, options);
      break;
    }
    case JobTask::kUpscale: {
      const torch::Tensor pixels = pixels_from_data(input.image).to(torch::kFloat64);
      const torch::Tensor high = upscale_photo(restorer, pixels, request.scale, SrKernel::kBicubic,
                                               upscale_settings(request), on_evaluation);
      result = data_from_pixels(high.to(torch::kFloat32)).unsqueeze(0);
      break;
    }
    case JobTask::kSample:
      throw Error("run_restoration: a sampling job is not a restoration");
  }
  JobResult out;
  out.content_type = "image/png";
  out.body = image_png(result[0]);
  out.file_name = to_string(request.task) + ".png";
  progress.set_preview(out.body);
  return out;
}

}  // namespace diffuse
