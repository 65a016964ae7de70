#include "diffuse/training/training_step.h"

#include <cmath>
#include <limits>

#include <torch/torch.h>

#include "diffuse/device.h"
#include "diffuse/training/optimizer_state.h"

namespace diffuse {

TrainingStepOptions training_step_options(const RunConfig& config) {
  TrainingStepOptions options;
  options.prediction = config.prediction;
  options.grad_clip = config.training.grad_clip;
  options.random_flip = config.data.random_flip;
  options.precision = config.training.precision;
  return options;
}

TrainingStepResult training_step(NoiseNetwork& network, const NoiseSchedule& schedule, torch::optim::Adam& optimizer,
                                 ExponentialMovingAverage& ema, torch::Tensor x0, double learning_rate,
                                 torch::Generator& generator, const TrainingStepOptions& options) {
  network.train();
  const int64_t batch = x0.size(0);
  // Every random draw comes from the CPU generator, so a run is the same on every device.
  const torch::Device device = x0.device();
  if (options.random_flip && x0.dim() == 4) {
    const torch::Tensor flip = (torch::rand({batch}, generator) < 0.5).view({batch, 1, 1, 1}).to(device);
    x0 = torch::where(flip, x0.flip({3}), x0);
  }
  // Ho et al. Algorithm 1: t ~ Uniform, eps ~ N(0, I), regress the target at x_t (eq. 4).
  const torch::Tensor t = torch::randint(schedule.num_timesteps(), {batch}, generator, torch::kLong).to(device);
  const torch::Tensor eps = gaussian_noise(x0.sizes(), generator, x0.options());
  const torch::Tensor a = schedule.sqrt_alpha_bar(t, x0);
  const torch::Tensor s = schedule.sqrt_one_minus_alpha_bar(t, x0);
  torch::Tensor output;
  {
    const AutocastGuard autocast(options.precision, x0.device());
    output = network.forward(a * x0 + s * eps, t);
  }
  // L_simple (Ho et al. eq. 14), or its x0 / v analogue, in x0's precision whatever the network ran in.
  const torch::Tensor loss =
      torch::mse_loss(output.to(x0.scalar_type()), training_target(options.prediction, x0, eps, a, s));

  optimizer.zero_grad();
  loss.backward();
  const double max_norm = options.grad_clip > 0 ? options.grad_clip : std::numeric_limits<double>::infinity();
  TrainingStepResult result;
  result.grad_norm = torch::nn::utils::clip_grad_norm_(network.parameters(), max_norm);
  result.loss = loss.item<double>();
  result.finite = std::isfinite(result.loss) && std::isfinite(result.grad_norm);
  if (!result.finite) return result;
  set_learning_rate(optimizer, learning_rate);
  optimizer.step();
  ema.update(network);
  return result;
}

}  // namespace diffuse
