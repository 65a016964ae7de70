#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "diffuse/data/dataset.h"

namespace diffuse {

// Classic 2-D test distributions (as in FFJORD and many diffusion tutorials),
// each scaled to roughly unit variance. Points are drawn on the fly: point i
// is a pure function of (name, seed, i), so any batch can be recomputed and
// training resumes exactly without storing the data. Mixtures carry the
// component a point came from as its class: the mode of 8gaussians, the
// half of moons, the square of checkerboard (swissroll has none).
class Toy2dDataset : public Dataset {
 public:
  // name: swissroll, moons, 8gaussians or checkerboard.
  Toy2dDataset(std::string name, std::uint64_t seed = 0, int64_t size = int64_t{1} << 20);

  int64_t size() const override { return size_; }
  std::vector<int64_t> sample_shape() const override { return {2}; }
  Batch get_batch(const std::vector<int64_t>& indices) const override;
  std::string describe() const override;
  bool is_image() const override { return false; }
  std::vector<std::string> class_names() const override;

  // n fresh points (indices offset past the training range), e.g. for a
  // reference set in a test or a metric.
  torch::Tensor reference_points(int64_t n, std::uint64_t stream = 1) const;
  // The same points with their classes (undefined without classes).
  Batch reference_batch(int64_t n, std::uint64_t stream = 1) const;

 private:
  // Point `index` and its class (-1 for swissroll).
  int64_t point(std::uint64_t index, double& x, double& y) const;
  Batch points(const std::vector<std::uint64_t>& indices) const;

  std::string name_;
  std::uint64_t seed_;
  int64_t size_;
};

std::vector<std::string> toy2d_names();

}  // namespace diffuse
