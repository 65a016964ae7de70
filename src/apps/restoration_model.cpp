#include "diffuse/apps/restoration_model.h"

#include <algorithm>

#include <torch/torch.h>

#include "diffuse/apps/symmetry_ensemble.h"
#include "diffuse/models/unet.h"
#include "diffuse/util/error.h"

namespace diffuse {

namespace {

std::string describe_channels(int64_t channels) {
  return channels == 1 ? "grey (1 channel)" : "colour (" + std::to_string(channels) + " channels)";
}

}  // namespace

void check_restoration_model(const TrainedModel& model, const std::string& run, int64_t tile) {
  check(model.network->sample_shape().size() == 3, "the model in " + run + " does not make images (it was trained on " +
                                                      model.config.data.spec + "); restoring images needs an image model");
  check(tile == 0 || model.config.model.get_if<UNetConfig>() != nullptr,
        "--tile: the model in " + run + " (" + model.config.model->type() +
            ") is not fully convolutional, so it takes tiles of its own size only");
}

RestorationModel make_restoration_model(std::shared_ptr<const TrainedModel> model, const std::string& run,
                                        std::shared_ptr<const Denoiser> denoiser, const RestorationSetup& setup,
                                        torch::Device device) {
  check_restoration_model(*model, run, setup.tile);
  const std::vector<int64_t> shape = model->network->sample_shape();
  RestorationModel result;
  result.run = run;
  result.device = device;
  result.channels = shape[0];
  if (setup.ensemble) denoiser = std::make_shared<SymmetryEnsembleDenoiser>(std::move(denoiser));
  const int64_t overlap = setup.overlap >= 0                   ? setup.overlap
                          : model->config.data.random_crops ? std::min(shape[1], shape[2]) / 2
                                                            : 0;
  result.denoiser = std::make_unique<TiledDenoiser>(std::move(denoiser), overlap, 256, setup.tile);
  if (setup.class_label) {
    result.conditioning.class_labels =
        torch::full({1}, *setup.class_label, torch::TensorOptions().dtype(torch::kLong).device(device));
  }
  result.model = std::move(model);
  return result;
}

torch::Tensor grey_if_channels_equal(const torch::Tensor& image) {
  const bool grey = image.dim() == 3 && image.size(0) == 3 && image[0].equal(image[1]) && image[0].equal(image[2]);
  return grey ? image.slice(0, 0, 1) : image;
}

torch::Tensor model_image(const RestorationModel& model, torch::Tensor image, const std::string& source) {
  if (model.channels == 1) image = grey_if_channels_equal(image);
  check(image.size(0) == model.channels, source + " is a " + describe_channels(image.size(0)) +
                                             " image, but the model in " + model.run + " was trained on " +
                                             describe_channels(model.channels) + " images; convert the image first");
  return image.unsqueeze(0).to(model.device);
}

}  // namespace diffuse
