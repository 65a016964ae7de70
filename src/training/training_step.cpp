#include "diffuse/training/training_step.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <torch/torch.h>

#include "diffuse/distributed/gradient_sync.h"
#include "diffuse/noise.h"
#include "diffuse/training/optimizer_state.h"
#include "diffuse/util/error.h"

namespace diffuse {

namespace {

// A stream of its own, apart from sampling's.
constexpr std::uint64_t kTrainingStream = 0x5eed0001;

// The uniform draws of one example's key.
enum Draw : std::uint64_t { kTimestep = 0, kFlip = 1, kLabelDropout = 2, kNoise = 3 };

// Each example's min-SNR-gamma weight, in float64 from the schedule.
torch::Tensor min_snr_weights(const NoiseSchedule& schedule, const torch::Tensor& t, Prediction prediction, double gamma) {
  torch::Tensor weights = torch::empty({t.size(0)}, torch::kFloat64);
  auto w = weights.accessor<double, 1>();
  auto steps = t.accessor<int64_t, 1>();
  for (int64_t i = 0; i < t.size(0); ++i) {
    w[i] = min_snr_loss_weight(prediction, std::exp(schedule.log_snr(steps[i])), gamma);
  }
  return weights;
}

}  // namespace

TrainingStepOptions training_step_options(const RunConfig& config) {
  TrainingStepOptions options;
  options.prediction = config.prediction;
  options.grad_clip = config.training.grad_clip;
  options.random_flip = config.data.random_flip;
  options.precision = config.training.precision;
  options.label_dropout = config.training.label_dropout;
  options.min_snr_gamma = config.training.min_snr_gamma;
  return options;
}

TrainingDraws draw_training_noise(std::uint64_t seed, int64_t step, int64_t first_example, int64_t count,
                                  torch::IntArrayRef sample_shape, int64_t num_timesteps, double label_dropout) {
  const std::uint64_t step_key = derive_key(derive_key(seed, kTrainingStream), static_cast<std::uint64_t>(step));
  TrainingDraws draws;
  draws.t = torch::empty({count}, torch::kLong);
  draws.flip = torch::empty({count}, torch::kBool);
  draws.drop_label = torch::empty({count}, torch::kBool);
  std::vector<std::uint64_t> noise_keys;
  auto t = draws.t.accessor<int64_t, 1>();
  auto flip = draws.flip.accessor<bool, 1>();
  auto drop = draws.drop_label.accessor<bool, 1>();
  for (int64_t i = 0; i < count; ++i) {
    const std::uint64_t key = derive_key(step_key, static_cast<std::uint64_t>(first_example + i));
    const double u = keyed_uniform(key, kTimestep);
    t[i] = std::min<int64_t>(static_cast<int64_t>(u * static_cast<double>(num_timesteps)), num_timesteps - 1);
    flip[i] = keyed_uniform(key, kFlip) < 0.5;
    drop[i] = keyed_uniform(key, kLabelDropout) < label_dropout;
    noise_keys.push_back(derive_key(key, kNoise));
  }
  draws.eps = keyed_normal(noise_keys, sample_shape, torch::kFloat32);
  return draws;
}

TrainingStepResult training_step(NoiseNetwork& network, const NoiseSchedule& schedule, torch::optim::Adam& optimizer,
                                 ExponentialMovingAverage& ema, const Batch& batch, double learning_rate,
                                 std::uint64_t seed, int64_t step, const TrainingStepOptions& options,
                                 const BatchShare& share) {
  network.train();
  torch::Tensor x0 = batch.x0;
  const int64_t size = x0.size(0);
  const torch::Device device = x0.device();
  // Every random draw is made on the CPU from (seed, step, example), so a run is the same on every device.
  const TrainingDraws draws = draw_training_noise(seed, step, share.first_example, size, x0.sizes().slice(1), schedule.num_timesteps(),
                                                  options.label_dropout);
  if (options.random_flip && x0.dim() == 4) {
    x0 = torch::where(draws.flip.view({size, 1, 1, 1}).to(device), x0.flip({3}), x0);
  }
  Conditioning conditioning;
  conditioning.mask = batch.conditioning.mask;
  if (network.num_classes() > 0) {
    check(batch.conditioning.class_labels.defined(), "training a class-conditional network needs labelled data");
    // Ho & Salimans Algorithm 1: with probability p_uncond, c = the null label.
    conditioning.class_labels =
        torch::where(draws.drop_label.to(device), torch::full({size}, network.num_classes(), torch::kLong).to(device),
                     batch.conditioning.class_labels.to(device));
  }
  const torch::Tensor t = draws.t.to(device);
  // On the data's own space (NoiseNetwork::project): for molecules, centred
  // positions and noise, padded atoms zero (EDM section 3.2).
  x0 = network.project(x0, conditioning);
  const torch::Tensor eps = network.project(draws.eps.to(x0.options()), conditioning);
  const torch::Tensor a = schedule.sqrt_alpha_bar(t, x0);
  const torch::Tensor s = schedule.sqrt_one_minus_alpha_bar(t, x0);
  torch::Tensor x_t = a * x0 + s * eps;
  torch::Tensor known;
  if (batch.conditioning.known.defined()) {  // Diffuser's apply_conditioning: given elements stay clean in x_t
    known = batch.conditioning.known.to(x0.options());
    check(known.sizes() == x0.sizes(), "training: the batch's known-element mask " + c10::str(known.sizes()) +
                                           " is not shaped like its samples " + c10::str(x0.sizes()));
    x_t = known * x0 + (1.0 - known) * x_t;
  }
  torch::Tensor output;
  {
    const AutocastGuard autocast(options.precision, device);
    output = network.forward(x_t, t, conditioning);
  }
  // L_simple (Ho et al. eq. 14), or its x0 / v analogue, in x0's precision whatever the network ran in.
  const torch::Tensor error = output.to(x0.scalar_type()) - training_target(options.prediction, x0, eps, a, s);
  // The mean over the elements to be generated: padding and known elements carry no loss.
  torch::Tensor weight;
  if (conditioning.mask.defined()) {
    weight = conditioning.mask.to(x0.options());
    while (weight.dim() < x0.dim()) weight = weight.unsqueeze(-1);
    weight = weight.expand_as(x0);
  }
  if (known.defined()) weight = weight.defined() ? weight * (1.0 - known) : 1.0 - known;
  torch::Tensor squared_error = error.square();
  if (options.min_snr_gamma > 0.0) {  // weights the error, not the count: the mean is still over the elements
    // Shaped like a, the schedule's [B, 1, ...] per-example factor.
    squared_error = squared_error * min_snr_weights(schedule, draws.t, options.prediction, options.min_snr_gamma)
                                        .to(x0.options())
                                        .view_as(a);
  }
  const torch::Tensor squared_sum = (weight.defined() ? squared_error * weight : squared_error).sum();
  torch::Tensor count = weight.defined() ? weight.sum() : torch::full({}, static_cast<double>(error.numel()), x0.options());
  const bool parallel = share.communicator != nullptr && share.communicator->size() > 1;
  // Of the whole batch, over every rank: then the ranks' gradients add up to the batch's.
  if (parallel) count = torch::full({}, share.communicator->sum(count.item<double>()), x0.options());
  const torch::Tensor loss = squared_sum / (weight.defined() ? count.clamp_min(1.0) : count);

  optimizer.zero_grad();
  loss.backward();
  torch::Tensor loss_value = loss.detach().to(torch::kCPU, torch::kFloat64).reshape({1});
  if (parallel) sum_gradients(*share.communicator, network.parameters(), {loss_value});
  const double max_norm = options.grad_clip > 0 ? options.grad_clip : std::numeric_limits<double>::infinity();
  TrainingStepResult result;
  result.grad_norm = torch::nn::utils::clip_grad_norm_(network.parameters(), max_norm);
  result.loss = loss_value.item<double>();
  result.finite = std::isfinite(result.loss) && std::isfinite(result.grad_norm);
  if (!result.finite) return result;
  set_learning_rate(optimizer, learning_rate);
  optimizer.step();
  ema.update(network);
  return result;
}

}  // namespace diffuse
