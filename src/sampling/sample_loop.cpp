#include "diffuse/sampling/sample_loop.h"

#include <algorithm>
#include <set>

#include <torch/torch.h>

#include "diffuse/device.h"
#include "diffuse/util/error.h"

namespace diffuse {

namespace {

// Which of the K + 1 states (x_T, after step 0, ..., after step K-1) to keep.
std::set<int64_t> frame_positions(int64_t num_steps, int64_t frames) {
  std::set<int64_t> positions;
  if (frames <= 0) return positions;
  frames = std::min(frames, num_steps + 1);
  for (int64_t i = 0; i < frames; ++i) {
    positions.insert(frames == 1 ? num_steps : (i * num_steps + (frames - 1) / 2) / (frames - 1));
  }
  positions.insert(num_steps);
  return positions;
}

}  // namespace

torch::Tensor reverse_process(const Denoiser& denoiser, Sampler& sampler, torch::Tensor x, SampleNoise& noise,
                              const ReverseOptions& options) {
  // Inference mode: no autograd graph and no version counters (cheaper than NoGradGuard).
  const c10::InferenceMode inference;
  const EvalModeGuard eval_mode(denoiser.network());
  // One autocast region for the whole loop keeps the bfloat16 copies of the weights across steps.
  const AutocastGuard autocast(denoiser.precision(), x.device());
  const std::vector<int64_t>& timesteps = sampler.timesteps();
  const NoiseNetwork& network = denoiser.network();
  // On the data's own space (NoiseNetwork::project) from the start; after a
  // step only the injected noise can leave it, so projecting the new state
  // is drawing that noise on the space.
  // Known elements (a planner's start and goal) are clean in every state the network sees, as in training.
  x = options.conditioning.impose_known(network.project(x, options.conditioning));
  for (size_t i = 0; i < timesteps.size(); ++i) {
    const EpsilonAndX0 prediction = denoiser.predict(x, timesteps[i], options.conditioning);
    x = options.conditioning.impose_known(
        network.project(sampler.step(prediction, i, x, noise).prev, options.conditioning));
    for (const SamplingHook& hook : options.hooks) x = hook(i, sampler.state_timestep(i), x, noise);
    check(torch::isfinite(x).all().item<bool>(), "sampling produced NaN or Inf at timestep " +
                                                     std::to_string(timesteps[i]) + ": the model or its settings are broken");
    if (options.observe) options.observe(i, x);
  }
  return x;
}

torch::Tensor reverse_process(const Denoiser& denoiser, Sampler& sampler, torch::Tensor x, SampleNoise& noise,
                              const StepObserver& observe) {
  ReverseOptions options;
  options.observe = observe;
  return reverse_process(denoiser, sampler, std::move(x), noise, options);
}

GenerateResult generate(const Denoiser& denoiser, Sampler& sampler, const GenerateOptions& options) {
  check(options.num_samples >= 1, "sampling: the number of samples must be >= 1");
  check(options.batch_size >= 1, "sampling: the batch size must be >= 1");
  const std::vector<int64_t>& timesteps = sampler.timesteps();
  const auto num_steps = static_cast<int64_t>(timesteps.size());
  const std::set<int64_t> keep = frame_positions(num_steps, options.trajectory_frames);
  const std::vector<int64_t> shape =
      options.sample_shape.empty() ? denoiser.network().sample_shape() : options.sample_shape;
  const int64_t num_batches = (options.num_samples + options.batch_size - 1) / options.batch_size;
  const int64_t total_evaluations = num_batches * num_steps;

  if (options.class_labels.defined()) {
    check(options.class_labels.dim() == 1 && options.class_labels.size(0) == options.num_samples,
          "sampling: expected one class label per sample");
  }
  if (options.mask.defined()) {
    check(options.mask.dim() >= 1 && options.mask.size(0) == options.num_samples,
          "sampling: expected one mask row per sample");
  }
  if (options.known.defined()) {
    std::vector<int64_t> expected{options.num_samples};
    expected.insert(expected.end(), shape.begin(), shape.end());
    check(options.known.sizes() == expected && options.known_values.defined() &&
              options.known_values.sizes() == expected,
          "sampling: known elements need a mask and values shaped [num_samples, ...sample shape]");
  }
  const torch::Device device = device_of(denoiser.network());  // noise is drawn on the CPU, the network runs here
  std::vector<torch::Tensor> batches;
  std::vector<torch::Tensor> frames;
  int64_t evaluations = 0;
  for (int64_t b = 0; b < num_batches; ++b) {
    const int64_t count = std::min(options.batch_size, options.num_samples - b * options.batch_size);
    const int64_t first = b * options.batch_size;
    SampleNoise noise(options.seed, first, count);
    ReverseOptions reverse;
    if (options.class_labels.defined()) reverse.conditioning.class_labels = options.class_labels.slice(0, first, first + count).to(device);
    if (options.mask.defined()) reverse.conditioning.mask = options.mask.slice(0, first, first + count).to(device);
    if (options.known.defined()) {
      reverse.conditioning.known = options.known.slice(0, first, first + count).to(device);
      reverse.conditioning.known_values = options.known_values.slice(0, first, first + count).to(device);
    }
    torch::Tensor x = denoiser.network().project(sampler.initial_sample(shape, noise).to(device), reverse.conditioning);
    reverse.hooks = options.hooks;
    const bool record = b == 0 && !keep.empty();
    const int64_t recorded = std::min(count, options.trajectory_samples);
    if (record && keep.count(0)) frames.push_back(x.slice(0, 0, recorded).cpu().clone());
    reverse.observe = [&](size_t i, const torch::Tensor& state) {
      if (record && keep.count(static_cast<int64_t>(i) + 1)) {
        frames.push_back(state.slice(0, 0, recorded).cpu().clone());
      }
      ++evaluations;
      if (options.on_step) options.on_step(evaluations, total_evaluations);
    };
    x = reverse_process(denoiser, sampler, x, noise, reverse);
    batches.push_back(x.to(torch::kCPU));
  }

  GenerateResult result;
  result.samples = torch::cat(batches, 0);
  if (!frames.empty()) {
    result.trajectory = torch::stack(frames, 0);
    for (int64_t position : keep) {
      result.trajectory_timesteps.push_back(position < num_steps ? timesteps[static_cast<size_t>(position)] : -1);
    }
  }
  return result;
}

}  // namespace diffuse
