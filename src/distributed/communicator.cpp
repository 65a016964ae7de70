#include "diffuse/distributed/communicator.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <exception>

#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef USE_C10D_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif
#include <torch/torch.h>

#include "diffuse/util/error.h"
#include "diffuse/util/network.h"

namespace diffuse {

double Communicator::sum(double value) {
  std::vector<torch::Tensor> tensors{torch::full({1}, value, torch::kFloat64)};
  all_reduce_sum(tensors);
  return tensors[0].item<double>();
}

bool Communicator::any(bool value) { return sum(value ? 1.0 : 0.0) > 0.0; }

std::string Communicator::broadcast_text(const std::string& text) {
  std::vector<torch::Tensor> length{torch::full({1}, static_cast<int64_t>(text.size()), torch::kLong)};
  broadcast(length);
  const int64_t size = length[0].item<int64_t>();
  std::vector<torch::Tensor> bytes{torch::zeros({size}, torch::kUInt8)};
  if (rank() == 0 && size > 0) std::memcpy(bytes[0].data_ptr(), text.data(), static_cast<size_t>(size));
  if (size > 0) broadcast(bytes);
  return std::string(static_cast<const char*>(bytes[0].data_ptr()), static_cast<size_t>(size));
}

namespace {

// This machine's address on the route to `host` (the address a UDP socket
// connected there would send from; nothing is sent), or "" when there is none.
std::string local_address_towards(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0 || found == nullptr) return "";
  std::string address;
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in local{};
  socklen_t length = sizeof local;
  char text[INET_ADDRSTRLEN] = {};
  if (fd >= 0 && ::connect(fd, found->ai_addr, found->ai_addrlen) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length) == 0 &&
      ::inet_ntop(AF_INET, &local.sin_addr, text, sizeof text) != nullptr) {
    address = text;
  }
  if (fd >= 0) ::close(fd);
  ::freeaddrinfo(found);
  return address;
}

// The rest of the job is gone or silent: say so, and what is safe.
[[noreturn]] void lost_contact(const World& world, const std::string& operation, const std::exception& cause) {
  throw Error(world.describe() + ": " + operation + " failed: " + first_line(cause) +
              ". Another rank of the job stopped (see its own message) or the network between the ranks failed");
}

// The job's rendezvous: rank 0 serves a TCPStore at MASTER_ADDR:MASTER_PORT
// and the others join it; under torchrun every rank joins the agent's store.
c10::intrusive_ptr<c10d::Store> rendezvous_store(const World& world, std::chrono::milliseconds timeout) {
  try {
    c10d::TCPStoreOptions options;
    options.port = static_cast<std::uint16_t>(world.master_port);
    options.isServer = world.leader() && !world.agent_store;
    options.numWorkers = world.agent_store ? c10::nullopt : c10::optional<std::size_t>(world.size);
    options.waitWorkers = !world.agent_store;
    options.timeout = timeout;
    c10::intrusive_ptr<c10d::Store> store = c10::make_intrusive<c10d::TCPStore>(world.master_address, options);
    if (world.agent_store) store = c10::make_intrusive<c10d::PrefixStore>(world.store_prefix, store);
    return store;
  } catch (const std::exception& e) {
    throw Error(world.describe() + ": cannot " + (world.leader() && !world.agent_store ? "serve" : "reach") +
                " the job's rendezvous at " + world.master_address + ":" + std::to_string(world.master_port) + " (" +
                first_line(e) + "). Check MASTER_ADDR and MASTER_PORT, that the port is free on rank 0's machine, and "
                "that every rank of WORLD_SIZE=" + std::to_string(world.size) + " was started");
  }
}

c10::intrusive_ptr<c10d::ProcessGroupGloo> gloo_group(const World& world, const c10::intrusive_ptr<c10d::Store>& store,
                                                      std::chrono::milliseconds timeout) {
  try {
    auto options = c10d::ProcessGroupGloo::Options::create(timeout);
    // The interface PyTorch's own variable names; else the one this
    // machine reaches rank 0 through (a job on loopback stays on
    // loopback); else the one the host name resolves to.
    const std::string route = local_address_towards(world.master_address, world.master_port);
    if (const char* interface = std::getenv("GLOO_SOCKET_IFNAME"); interface != nullptr && *interface != '\0') {
      options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(interface));
    } else if (is_loopback_address(world.master_address)) {
      options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
    } else if (!route.empty()) {
      options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname(route));
    } else {
      options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
    }
    return c10::make_intrusive<c10d::ProcessGroupGloo>(store, world.rank, world.size, options);
  } catch (const std::exception& e) {
    throw Error(world.describe() + ": cannot connect to the other ranks (" + first_line(e) +
                "). On machines with several network interfaces set GLOO_SOCKET_IFNAME to the one the ranks share");
  }
}

// The collectives on a c10d process group: Gloo (CPU tensors, and CUDA ones
// through host copies), or NCCL (CUDA tensors only: the CPU tensors of the
// small collectives are staged on `device`).
template <typename Group>
class ProcessGroupCommunicator final : public Communicator {
 public:
  ProcessGroupCommunicator(const World& world, c10::intrusive_ptr<Group> group, torch::Device device)
      : world_(world), group_(std::move(group)), device_(device) {}

  const World& world() const override { return world_; }

  void all_reduce_sum(std::vector<torch::Tensor>& tensors) override {
    run("an all-reduce", tensors, [this](std::vector<torch::Tensor>& one) { return group_->allreduce(one); });
  }

  void broadcast(std::vector<torch::Tensor>& tensors) override {
    run("a broadcast from rank 0", tensors, [this](std::vector<torch::Tensor>& one) { return group_->broadcast(one); });
  }

 private:
  // One call per tensor (a process group reduces one list of same-typed
  // tensors per call), all queued, then waited on together.
  template <typename Call>
  void run(const std::string& operation, std::vector<torch::Tensor>& tensors, Call call) {
    if (tensors.empty()) return;
    try {
      std::vector<std::vector<torch::Tensor>> each;
      each.reserve(tensors.size());
      for (const torch::Tensor& tensor : tensors) {
        const bool staged = device_.is_cuda() && !tensor.is_cuda();
        each.push_back({staged ? tensor.to(device_) : tensor});
      }
      std::vector<c10::intrusive_ptr<c10d::Work>> pending;
      for (auto& one : each) pending.push_back(call(one));
      for (auto& work : pending) work->wait();
      for (size_t i = 0; i < tensors.size(); ++i) {
        if (!each[i][0].is_same(tensors[i])) tensors[i].copy_(each[i][0]);
      }
    } catch (const std::exception& e) {
      lost_contact(world_, operation, e);
    }
  }

  World world_;
  c10::intrusive_ptr<Group> group_;
  torch::Device device_;
};

}  // namespace

std::unique_ptr<Communicator> connect(const World& world, std::chrono::milliseconds timeout, torch::Device device) {
  if (!world.distributed()) return std::make_unique<LocalCommunicator>();
  const c10::intrusive_ptr<c10d::Store> store = rendezvous_store(world, timeout);
#ifdef USE_C10D_NCCL
  if (device.is_cuda()) {  // a CUDA build of libtorch: NCCL between GPUs, as PyTorch jobs use
    try {
      auto options = c10d::ProcessGroupNCCL::Options::create();
      options->timeout = timeout;
      auto group = c10::make_intrusive<c10d::ProcessGroupNCCL>(store, world.rank, world.size, options);
      return std::make_unique<ProcessGroupCommunicator<c10d::ProcessGroupNCCL>>(world, std::move(group), device);
    } catch (const std::exception& e) {
      throw Error(world.describe() + ": cannot start NCCL between the GPUs (" + first_line(e) + ")");
    }
  }
#else
  (void)device;  // without NCCL every device's ranks talk through Gloo
#endif
  return std::make_unique<ProcessGroupCommunicator<c10d::ProcessGroupGloo>>(world, gloo_group(world, store, timeout),
                                                                            torch::kCPU);
}

}  // namespace diffuse
