#include "diffuse/sampling/sampler_sweep.h"

#include <chrono>

#include "diffuse/sampling/sample_loop.h"
#include "diffuse/util/error.h"

namespace diffuse {

std::vector<SweepResult> sweep_samplers(const Denoiser& denoiser, const SweepOptions& options) {
  check(!options.samplers.empty() && !options.steps.empty(), "sampler sweep: name at least one sampler and one K");
  // Every sampler is built and every K checked before the long work starts.
  std::vector<std::unique_ptr<Sampler>> samplers;
  for (const std::string& name : options.samplers) {
    samplers.push_back(make_sampler(name, denoiser.schedule(), options.sampler_options));
    for (int64_t k : options.steps) samplers.back()->set_timesteps(k);
  }
  std::vector<SweepResult> results;
  for (const auto& sampler : samplers) {
    for (int64_t k : options.steps) {
      sampler->set_timesteps(k);
      GenerateOptions generate_options;
      generate_options.num_samples = options.num_samples;
      generate_options.batch_size = options.batch_size;
      generate_options.seed = options.seed;
      const auto start = std::chrono::steady_clock::now();
      torch::Tensor samples = generate(denoiser, *sampler, generate_options).samples;
      const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
      SweepResult result{sampler->name(), k, static_cast<int64_t>(sampler->timesteps().size()),
                         elapsed.count() / static_cast<double>(options.num_samples), samples};
      if (options.on_result) options.on_result(result);
      results.push_back(std::move(result));
    }
  }
  return results;
}

}  // namespace diffuse
