#include "diffuse/sampling/sampler.h"

#include <functional>
#include <utility>

#include <torch/torch.h>

#include "diffuse/sampling/ddim.h"
#include "diffuse/sampling/ddpm.h"
#include "diffuse/sampling/dpm_solver.h"
#include "diffuse/sampling/edm.h"
#include "diffuse/util/error.h"

namespace diffuse {

Sampler::Sampler(NoiseSchedule schedule, SamplerOptions options)
    : schedule_(std::move(schedule)), options_(options) {
  check(options_.temperature >= 0.0, "sampler: temperature must be >= 0, got " + std::to_string(options_.temperature));
}

void Sampler::set_timesteps(int64_t num_steps, int64_t first) {
  steps_ = spaced_timesteps(schedule_, spacing(), num_steps, first);
  evaluations_ = plan_evaluations(steps_);
  next_index_ = 0;
}

int64_t Sampler::num_steps() const { return static_cast<int64_t>(step_timesteps().size()); }

const std::vector<int64_t>& Sampler::timesteps() const {
  check(!evaluations_.empty(), name() + " sampler: call set_timesteps() before sampling");
  return evaluations_;
}

const std::vector<int64_t>& Sampler::step_timesteps() const {
  check(!steps_.empty(), name() + " sampler: call set_timesteps() before sampling");
  return steps_;
}

torch::Tensor Sampler::initial_sample(const std::vector<int64_t>& sample_shape, SampleNoise& noise) const {
  std::vector<int64_t> shape{noise.count()};
  shape.insert(shape.end(), sample_shape.begin(), sample_shape.end());
  return noise.normal(shape, torch::kFloat32) * options_.temperature;
}

int64_t Sampler::state_timestep(size_t index) const {
  const std::vector<int64_t>& evaluations = timesteps();
  return index + 1 < evaluations.size() ? evaluations[index + 1] : -1;
}

void Sampler::continue_at(size_t index) {
  check(is_markov(), name() + " sampler: cannot continue from another step (it keeps a history between steps)");
  check(index < timesteps().size(), name() + " sampler: no evaluation " + std::to_string(index));
  next_index_ = index;
}

SamplerStep Sampler::step(const EpsilonAndX0& prediction, size_t index, const torch::Tensor& x,
                          SampleNoise& noise) {
  const size_t total = timesteps().size();
  check(index < total, name() + " sampler: step index " + std::to_string(index) + " is past the last of " +
                           std::to_string(total) + " evaluations");
  check(index == 0 || index == next_index_,
        name() + " sampler: got step " + std::to_string(index) + ", expected step " + std::to_string(next_index_) +
            " (steps are taken in order; step 0 starts over)");
  next_index_ = index + 1;
  return take_step(prediction, index, x, noise);
}

double Sampler::alpha_bar_at(int64_t k) const {
  const std::vector<int64_t>& steps = step_timesteps();
  return k < static_cast<int64_t>(steps.size()) ? schedule_.alpha_bar(steps[static_cast<size_t>(k)]) : 1.0;
}

namespace {

using SamplerFactory = std::function<std::unique_ptr<Sampler>(const NoiseSchedule&, const SamplerOptions&)>;

// A factory for sampler class S, with S's own constructor arguments after the common two.
template <typename S, typename... Extra>
SamplerFactory factory(Extra... extra) {
  return [=](const NoiseSchedule& schedule, const SamplerOptions& options) {
    return std::make_unique<S>(schedule, options, extra...);
  };
}

const std::vector<std::pair<std::string, SamplerFactory>>& registry() {
  static const std::vector<std::pair<std::string, SamplerFactory>> samplers{
      {"ddpm", factory<DdpmSampler>()},
      {"ddim", factory<DdimSampler>()},
      {"dpm++2m", factory<DpmSolverSampler>(DpmSolverSampler::Noise::kOde)},
      {"dpm++2m-sde", factory<DpmSolverSampler>(DpmSolverSampler::Noise::kSde)},
      {"euler", factory<EdmSampler>(EdmSampler::Order::kEuler)},
      {"heun", factory<EdmSampler>(EdmSampler::Order::kHeun)},
  };
  return samplers;
}

}  // namespace

std::unique_ptr<Sampler> make_sampler(const std::string& name, const NoiseSchedule& schedule,
                                      const SamplerOptions& options) {
  for (const auto& [known, factory] : registry()) {
    if (known == name) return factory(schedule, options);
  }
  std::string names;
  for (const auto& known : sampler_names()) names += (names.empty() ? "" : ", ") + known;
  throw Error("unknown sampler '" + name + "': expected one of " + names);
}

std::vector<std::string> sampler_names() {
  std::vector<std::string> names;
  for (const auto& entry : registry()) names.push_back(entry.first);
  return names;
}

}  // namespace diffuse
