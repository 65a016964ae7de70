// Training and sampling throughput of the presets on this machine: one Adam
// step of L_simple (forward, backward, update, EMA) on a batch, and one
// network evaluation of the reverse process. Run:
//   build/bench/diffuse_bench --benchmark_min_time=5
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include "diffuse/models/model_config.h"
#include "diffuse/prediction.h"
#include "diffuse/run_config.h"
#include "diffuse/runtime.h"
#include "diffuse/schedule.h"
#include "diffuse/training/ema.h"

namespace diffuse {
namespace {

const char* const kPresets[] = {"mnist-small", "mnist", "cifar10"};

torch::Tensor random_batch(const NoiseNetwork& network, int64_t batch) {
  std::vector<int64_t> shape{batch};
  for (int64_t d : network.sample_shape()) shape.push_back(d);
  return torch::randn(shape);
}

void BM_TrainStep(benchmark::State& state) {
  const RunConfig config = preset_config(kPresets[state.range(0)]);
  const int64_t batch = state.range(1);
  const NetworkPtr network = make_network(config.model);
  const NoiseSchedule schedule = NoiseSchedule::from_config(config.schedule);
  torch::optim::Adam optimizer(network->parameters(), torch::optim::AdamOptions(2e-4));
  ExponentialMovingAverage ema(*network, 0.9999, true);
  const torch::Tensor x0 = random_batch(*network, batch);
  for (auto _ : state) {
    const torch::Tensor t = torch::randint(schedule.num_timesteps(), {batch}, torch::kLong);
    const torch::Tensor eps = torch::randn_like(x0);
    const torch::Tensor loss = torch::mse_loss(network->forward(schedule.q_sample(x0, eps, t), t), eps);
    optimizer.zero_grad();
    loss.backward();
    torch::nn::utils::clip_grad_norm_(network->parameters(), 1.0);
    optimizer.step();
    ema.update(*network);
    benchmark::DoNotOptimize(loss.item<float>());
  }
  state.SetLabel(kPresets[state.range(0)]);
  state.counters["it/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["images/s"] =
      benchmark::Counter(static_cast<double>(state.iterations() * batch), benchmark::Counter::kIsRate);
}

void BM_SamplingEvaluation(benchmark::State& state) {
  const RunConfig config = preset_config(kPresets[state.range(0)]);
  const int64_t batch = state.range(1);
  const NetworkPtr network = make_network(config.model);
  network->eval();
  torch::NoGradGuard no_grad;
  const torch::Tensor x = random_batch(*network, batch);
  const torch::Tensor t = torch::full({batch}, 500, torch::kLong);
  for (auto _ : state) benchmark::DoNotOptimize(network->forward(x, t).sum().item<float>());
  state.SetLabel(kPresets[state.range(0)]);
  state.counters["evals/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

BENCHMARK(BM_TrainStep)->Args({0, 64})->Args({1, 64})->Args({2, 64})->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_SamplingEvaluation)->Args({0, 64})->Args({1, 64})->Args({2, 64})->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace diffuse

int main(int argc, char** argv) {
  diffuse::configure_runtime();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
