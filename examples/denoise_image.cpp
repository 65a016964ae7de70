// Embedding Diffuse: denoise an image file of any size with a trained image
// model, using only the public library API (docs/restoration.md's example).
//   build/examples/denoise_image runs/mnist noisy.png SIGMA clean.png
// SIGMA is the noise std in 0-255 pixel units.
#include <cstdio>
#include <cstdlib>
#include <exception>

#include <diffuse/apps/denoise.h>
#include <diffuse/apps/noise_level.h>
#include <diffuse/apps/tiled_denoiser.h>
#include <diffuse/io/image.h>
#include <diffuse/io/run_directory.h>
#include <diffuse/runtime.h>
#include <diffuse/trained_model.h>

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: %s RUN_DIR NOISY_IMAGE SIGMA OUT.png\n", argv[0]);
    return 2;
  }
  try {
    diffuse::configure_runtime();
    const diffuse::TrainedModel model = diffuse::load_trained_model(argv[1]);
    const diffuse::Denoiser denoiser(model.network, diffuse::NoiseSchedule::from_config(model.config.schedule),
                                     model.config.prediction, model.config.sampling.clip_x0);
    const diffuse::TiledDenoiser tiled(denoiser);  // any image size, in blended tiles
    const int64_t channels = model.network->sample_shape()[0];
    const torch::Tensor noisy = diffuse::load_image(argv[2], channels).unsqueeze(0);  // [1, C, H, W] in [-1, 1]
    diffuse::DenoiseOptions options;
    options.sigma = diffuse::data_sigma_from_pixels(std::atof(argv[3]));
    options.method = diffuse::DenoiseMethod::kPosterior;  // one network evaluation per tile
    const torch::Tensor clean = diffuse::denoise(tiled, diffuse::undo_clipping(noisy, options.sigma), options);
    diffuse::save_png(argv[4], clean.squeeze(0));
    std::printf("wrote %s\n", argv[4]);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
