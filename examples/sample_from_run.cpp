// Embedding Diffuse: load a trained run and write a grid of samples, using
// only the public library API (the README's example, kept compiling here).
//   build/examples/sample_from_run runs/mnist grid.png [sampler] [steps] [temperature]
#include <cstdio>
#include <cstdlib>
#include <exception>

#include <diffuse/denoiser.h>
#include <diffuse/io/sample_output.h>
#include <diffuse/runtime.h>
#include <diffuse/sampling/sample_loop.h>
#include <diffuse/sampling/sampler.h>
#include <diffuse/trained_model.h>

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s RUN_DIR OUT.png [sampler] [steps] [temperature]\n", argv[0]);
    return 2;
  }
  try {
    diffuse::configure_runtime();
    const diffuse::TrainedModel model = diffuse::load_trained_model(argv[1]);  // config.json + ema.safetensors
    const diffuse::NoiseSchedule schedule = diffuse::NoiseSchedule::from_config(model.config.schedule);
    const diffuse::Denoiser denoiser(model.network, schedule, model.config.prediction, model.config.sampling.clip_x0);
    diffuse::SamplerOptions options;
    options.temperature = argc > 5 ? std::atof(argv[5]) : 1.0;
    const auto sampler = diffuse::make_sampler(argc > 3 ? argv[3] : "dpm++2m", schedule, options);
    sampler->set_timesteps(argc > 4 ? std::atoll(argv[4]) : 20);
    diffuse::GenerateOptions generate;
    generate.num_samples = 16;
    const torch::Tensor samples = diffuse::generate(denoiser, *sampler, generate).samples;
    diffuse::write_samples(argv[2], samples);
    std::printf("wrote %s\n", argv[2]);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
