#include "diffuse/sampling/sampler.h"

#include <torch/torch.h>

#include "diffuse/sampling/ddpm.h"
#include "diffuse/util/error.h"

namespace diffuse {

Sampler::Sampler(NoiseSchedule schedule, SamplerOptions options)
    : schedule_(std::move(schedule)), options_(options) {
  check(options_.temperature >= 0.0, "sampler: temperature must be >= 0, got " + std::to_string(options_.temperature));
}

const std::vector<int64_t>& Sampler::timesteps() const {
  check(!timesteps_.empty(), name() + " sampler: call set_timesteps() before sampling");
  return timesteps_;
}

torch::Tensor Sampler::initial_sample(const std::vector<int64_t>& shape, torch::Generator& generator) const {
  return torch::randn(shape, generator, torch::kFloat32) * options_.temperature;
}

torch::Tensor Sampler::gaussian_like(const torch::Tensor& x, torch::Generator& generator) {
  return torch::randn(x.sizes(), generator, x.options());
}

void Sampler::check_step_index(size_t index) const {
  check(index < timesteps().size(), name() + " sampler: step index " + std::to_string(index) + " is past the last of " +
                                        std::to_string(timesteps().size()) + " steps");
}

std::unique_ptr<Sampler> make_sampler(const std::string& name, const NoiseSchedule& schedule,
                                      const SamplerOptions& options) {
  if (name == "ddpm") return std::make_unique<DdpmSampler>(schedule, options);
  std::string names;
  for (const auto& known : sampler_names()) names += (names.empty() ? "" : ", ") + known;
  throw Error("unknown sampler '" + name + "': expected one of " + names);
}

std::vector<std::string> sampler_names() { return {"ddpm"}; }

}  // namespace diffuse
