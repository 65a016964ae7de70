// Data-parallel training on two Gloo ranks in one process (two threads, a
// real TCPStore and process group on loopback) against one process with the
// whole batch.
#include <functional>
#include <thread>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "diffuse/distributed/communicator.h"
#include "diffuse/distributed/gradient_sync.h"
#include "diffuse/distributed/local_launcher.h"
#include "diffuse/models/unet.h"
#include "tiny_unet.h"
#include "diffuse/training/training_step.h"
#include "diffuse/util/error.h"

namespace diffuse {
namespace {

World loopback_rank(int rank, int size, int port) {
  World world;
  world.rank = world.local_rank = rank;
  world.size = world.local_size = size;
  world.master_address = "127.0.0.1";
  world.master_port = port;
  return world;
}

// Runs body(communicator) on `size` ranks at once and waits for all.
void on_ranks(int size, const std::function<void(Communicator&)>& body) {
  const int port = free_local_port();
  std::vector<std::thread> threads;
  std::vector<std::string> failures(static_cast<size_t>(size));
  for (int rank = 0; rank < size; ++rank) {
    threads.emplace_back([&, rank] {
      try {
        const std::unique_ptr<Communicator> communicator = connect(loopback_rank(rank, size, port), std::chrono::seconds(60));
        body(*communicator);
      } catch (const std::exception& e) {
        failures[static_cast<size_t>(rank)] = e.what();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int rank = 0; rank < size; ++rank) EXPECT_EQ(failures[static_cast<size_t>(rank)], "") << "rank " << rank;
}

TEST(Communicator, AJobOfOneChangesNothing) {
  LocalCommunicator local;
  std::vector<torch::Tensor> tensors{torch::arange(3.0)};
  local.all_reduce_sum(tensors);
  local.broadcast(tensors);
  EXPECT_TRUE(torch::equal(tensors[0], torch::arange(3.0)));
  EXPECT_EQ(local.sum(2.5), 2.5);
  EXPECT_EQ(local.broadcast_text("abc"), "abc");
  EXPECT_EQ(local.size(), 1);
}

TEST(Communicator, SumsBroadcastsAndAgreesOnThreeRanks) {
  on_ranks(3, [](Communicator& job) {
    const int rank = job.rank();
    std::vector<torch::Tensor> tensors{torch::full({4}, rank + 1.0), torch::full({2}, int64_t{rank}, torch::kLong)};
    job.all_reduce_sum(tensors);
    EXPECT_TRUE(torch::equal(tensors[0], torch::full({4}, 6.0)));
    EXPECT_TRUE(torch::equal(tensors[1], torch::full({2}, int64_t{3}, torch::kLong)));
    EXPECT_EQ(job.sum(0.5 * rank), 1.5);
    EXPECT_TRUE(job.any(rank == 2));
    EXPECT_FALSE(job.any(false));
    std::vector<torch::Tensor> mine{torch::full({3}, 10.0 * rank)};
    job.broadcast(mine);
    EXPECT_TRUE(torch::equal(mine[0], torch::zeros({3})));
    // Rank 0's text, of any length, bytes included.
    const std::string text = rank == 0 ? std::string("config\0with a zero byte", 23) : "ignored";
    EXPECT_EQ(job.broadcast_text(text), std::string("config\0with a zero byte", 23));
    EXPECT_EQ(job.broadcast_text(rank == 0 ? "" : "x"), "");
  });
}

TEST(GradientSync, SumsEveryGradientAcrossSmallBuckets) {
  on_ranks(2, [](Communicator& job) {
    const double r = job.rank() + 1.0;
    // Parameters of several sizes, one without a gradient on rank 1 only.
    std::vector<torch::Tensor> parameters{torch::zeros({5}, torch::requires_grad()), torch::zeros({3, 2}, torch::requires_grad()),
                                          torch::zeros({7}, torch::requires_grad())};
    parameters[0].mutable_grad() = torch::full({5}, r);
    parameters[1].mutable_grad() = torch::arange(6.0).view({3, 2}) * r;
    if (job.rank() == 0) parameters[2].mutable_grad() = torch::ones({7});
    torch::Tensor loss = torch::full({1}, r, torch::kFloat64);
    sum_gradients(job, parameters, {loss}, /*bucket_bytes=*/24);  // a bucket for every few elements
    EXPECT_TRUE(torch::allclose(parameters[0].grad(), torch::full({5}, 3.0)));
    EXPECT_TRUE(torch::allclose(parameters[1].grad(), torch::arange(6.0).view({3, 2}) * 3.0));
    EXPECT_TRUE(torch::allclose(parameters[2].grad(), torch::ones({7})));
    EXPECT_EQ(loss.item<double>(), 3.0);
    std::vector<torch::Tensor> weights{torch::full({4}, r), torch::full({9}, -r)};
    broadcast_tensors(job, weights, 16);
    EXPECT_TRUE(torch::equal(weights[0], torch::full({4}, 1.0)));
    EXPECT_TRUE(torch::equal(weights[1], torch::full({9}, -1.0)));
  });
}

using testing::tiny_unet;

struct Replica {
  Replica() : network([] {
    torch::manual_seed(0);
    return UNet(tiny_unet());
  }()) {}
  UNet network;
  torch::optim::Adam optimizer{network.parameters(), torch::optim::AdamOptions(1e-3)};
  ExponentialMovingAverage ema{network, 0.9, true};
  NoiseSchedule schedule = NoiseSchedule::linear(1000);
};

// Five examples with flips and a random share of known (loss-free) pixels
// that differs per example: the ranks' loss weights differ, so only a
// normalisation by the whole batch's weight gives one process's gradient.
Batch example_batch(int64_t step) {
  torch::manual_seed(100 + step);
  Batch batch;
  batch.x0 = torch::rand({5, 1, 8, 8}) * 2 - 1;
  batch.conditioning.known = (torch::rand({5, 1, 8, 8}) < torch::linspace(0.1, 0.8, 5).view({5, 1, 1, 1})).to(torch::kFloat32);
  return batch;
}

Batch rows(const Batch& batch, int64_t begin, int64_t end) {
  return Batch{batch.x0.slice(0, begin, end), batch.conditioning.slice(begin, end)};
}

TEST(DataParallel, TwoRanksEndWithTheWeightsOfOneProcess) {
  TrainingStepOptions options;
  options.random_flip = true;
  constexpr int kSteps = 4;
  // Made here: the ranks' threads must not share the global generator.
  std::vector<Batch> batches;
  for (int64_t step = 0; step < kSteps; ++step) batches.push_back(example_batch(step));
  Replica whole;
  std::vector<double> losses;
  for (int64_t step = 0; step < kSteps; ++step) {
    losses.push_back(training_step(whole.network, whole.schedule, whole.optimizer, whole.ema, batches[step], 1e-3, 7,
                                   step, options)
                         .loss);
  }
  std::vector<std::unique_ptr<Replica>> replicas(2);
  for (auto& replica : replicas) replica = std::make_unique<Replica>();
  std::vector<std::vector<double>> rank_losses(2);
  on_ranks(2, [&](Communicator& job) {
    Replica& mine = *replicas[static_cast<size_t>(job.rank())];
    const int64_t begin = job.rank() == 0 ? 0 : 2, end = job.rank() == 0 ? 2 : 5;  // an uneven split, as 5 / 2 gives
    for (int64_t step = 0; step < kSteps; ++step) {
      const TrainingStepResult result = training_step(mine.network, mine.schedule, mine.optimizer, mine.ema,
                                                      rows(batches[step], begin, end), 1e-3, 7, step, options,
                                                      BatchShare{&job, begin});
      rank_losses[static_cast<size_t>(job.rank())].push_back(result.loss);
    }
  });
  // The whole batch's gradient norm, for the scale of gradient differences.
  double norm = 0.0;
  for (const auto& parameter : whole.network.parameters()) norm += parameter.grad().square().sum().item<double>();
  norm = std::sqrt(norm);
  for (int rank = 0; rank < 2; ++rank) {
    for (int step = 0; step < kSteps; ++step) EXPECT_NEAR(rank_losses[rank][step], losses[step], 1e-6 * losses[step]);
    const auto expected = whole.network.named_parameters();
    for (const auto& item : replicas[static_cast<size_t>(rank)]->network.named_parameters()) {
      const torch::Tensor& reference = expected[item.key()];
      // The last step's summed gradient is the whole batch's, up to the order of the sums.
      EXPECT_LT((item.value().grad() - reference.grad()).abs().max().item<double>(), 1e-5 * norm) << item.key();
      // Adam moves every weight by about the learning rate whatever the
      // gradient's size, so rounding differences in tiny gradients show as
      // differences of a small share of the learning rate: bound them so.
      EXPECT_LT((item.value() - reference).abs().max().item<double>(), 0.02 * 1e-3) << item.key() << " on rank " << rank;
    }
  }
}

TEST(Communicator, ARankThatLeavesIsAnErrorForTheOthers) {
  const int port = free_local_port();
  std::string error;
  std::thread survivor([&] {
    try {
      auto job = connect(loopback_rank(0, 2, port), std::chrono::seconds(60));
      job->sum(1.0);
      job->sum(1.0);  // rank 1 is gone by now
    } catch (const Error& e) {
      error = e.what();
    }
  });
  {
    auto job = connect(loopback_rank(1, 2, port), std::chrono::seconds(60));
    job->sum(1.0);
  }  // rank 1's process group closes its connections here
  survivor.join();
  EXPECT_NE(error.find("rank 0 of 2"), std::string::npos) << error;
  EXPECT_NE(error.find("Another rank of the job stopped"), std::string::npos) << error;
}

TEST(Communicator, NoRankZeroIsAnErrorAfterTheTimeout) {
  const int port = free_local_port();
  try {
    connect(loopback_rank(1, 2, port), std::chrono::milliseconds(1500));
    ADD_FAILURE() << "joined a job whose rank 0 never came";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot reach the job's rendezvous at 127.0.0.1:" + std::to_string(port)),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace diffuse
