#pragma once

#include <cstdint>
#include <vector>

#include <torch/types.h>

namespace diffuse {

// The order in which training visits a dataset: a fresh random permutation
// each epoch, derived from (seed, epoch) alone, read batch by batch (a batch
// that crosses the end of an epoch continues into the next). Its whole state
// is (epoch, position), so a resumed run sees exactly the batches the
// uninterrupted run would have.
class BatchOrder {
 public:
  BatchOrder(int64_t dataset_size, int64_t batch_size, std::uint64_t seed);

  std::vector<int64_t> next_batch();

  int64_t epoch() const { return epoch_; }
  int64_t position() const { return position_; }
  void restore(int64_t epoch, int64_t position);

 private:
  void load_permutation();

  int64_t dataset_size_;
  int64_t batch_size_;
  std::uint64_t seed_;
  int64_t epoch_ = 0;
  int64_t position_ = 0;
  torch::Tensor permutation_;
};

}  // namespace diffuse
