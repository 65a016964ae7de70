#include "diffuse/data/batch_order.h"

#include <torch/torch.h>

#include "diffuse/util/error.h"

namespace diffuse {

BatchOrder::BatchOrder(int64_t dataset_size, int64_t batch_size, std::uint64_t seed)
    : dataset_size_(dataset_size), batch_size_(batch_size), seed_(seed) {
  check(dataset_size >= 1 && batch_size >= 1, "batch order: dataset size and batch size must be >= 1");
  load_permutation();
}

void BatchOrder::load_permutation() {
  // A generator of its own, so the data order does not depend on how much
  // randomness the rest of training consumed.
  torch::Generator generator =
      at::detail::createCPUGenerator(seed_ * 0x9e3779b97f4a7c15ULL + static_cast<std::uint64_t>(epoch_) + 1);
  permutation_ = torch::randperm(dataset_size_, generator, torch::kLong);
}

std::vector<int64_t> BatchOrder::next_batch() {
  std::vector<int64_t> indices;
  indices.reserve(static_cast<size_t>(batch_size_));
  const int64_t* order = permutation_.data_ptr<int64_t>();
  while (static_cast<int64_t>(indices.size()) < batch_size_) {
    if (position_ == dataset_size_) {
      ++epoch_;
      position_ = 0;
      load_permutation();
      order = permutation_.data_ptr<int64_t>();
    }
    indices.push_back(order[position_++]);
  }
  return indices;
}

void BatchOrder::restore(int64_t epoch, int64_t position) {
  check(epoch >= 0 && position >= 0 && position <= dataset_size_,
        "batch order: cannot restore epoch " + std::to_string(epoch) + ", position " + std::to_string(position) +
            " for a dataset of " + std::to_string(dataset_size_));
  epoch_ = epoch;
  position_ = position;
  load_permutation();
}

}  // namespace diffuse
