#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <torch/types.h>

#include "diffuse/distributed/world.h"

namespace diffuse {

// The collectives data-parallel training needs, between the ranks of one
// job. The training code calls them whatever the number of processes: a job
// of one (LocalCommunicator) makes every call a no-op, so there is one code
// path. The implementation for several processes is libtorch's c10d
// (ProcessGroupGloo over a TCPStore; see connect()).
//
// Every call is collective: all ranks make the same calls in the same order.
// A rank that died or a network that failed makes the call throw an Error
// that says so, on every surviving rank, within the timeout.
class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual const World& world() const = 0;
  int rank() const { return world().rank; }
  int size() const { return world().size; }

  // In place: every tensor becomes the element-wise sum over the ranks.
  virtual void all_reduce_sum(std::vector<torch::Tensor>& tensors) = 0;
  // In place: every tensor takes rank 0's values (shapes and types must agree).
  virtual void broadcast(std::vector<torch::Tensor>& tensors) = 0;

  // Conveniences on the two above.
  double sum(double value);
  bool any(bool value);  // true when any rank says true: decisions all ranks make together
  std::string broadcast_text(const std::string& text);  // rank 0's text, on every rank
};

class LocalCommunicator final : public Communicator {
 public:
  const World& world() const override { return world_; }
  void all_reduce_sum(std::vector<torch::Tensor>&) override {}
  void broadcast(std::vector<torch::Tensor>&) override {}

 private:
  World world_;
};

// Half an hour, PyTorch's default: a rank may wait that long for another
// that is busy (rank 0 writing a checkpoint or preview grids). A rank that
// dies closes its connections, and the others notice at once.
constexpr std::chrono::seconds kDefaultCollectiveTimeout{1800};

// Joins the job `world` describes: rank 0 serves a TCPStore at
// MASTER_ADDR:MASTER_PORT (or, under torchrun, the agent's store is joined),
// then a process group connects every pair of ranks: Gloo, or NCCL when
// `device` is a GPU and libtorch was built with it (USE_C10D_NCCL; Debian's
// CPU-only libtorch is not). A job of one gets a LocalCommunicator. Waits at
// most `timeout` for the other ranks to arrive.
std::unique_ptr<Communicator> connect(const World& world,
                                      std::chrono::milliseconds timeout = kDefaultCollectiveTimeout,
                                      torch::Device device = torch::kCPU);

}  // namespace diffuse
