#include "diffuse/data/toy2d.h"

#include <cmath>

#include <torch/torch.h>

#include "diffuse/util/error.h"

namespace diffuse {

namespace {

constexpr double kPi = 3.14159265358979323846;

// SplitMix64 (Steele et al. 2014): a counter-based generator, so the k-th
// random number of point i needs no state.
std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// The independent random numbers of one point.
class PointRandom {
 public:
  PointRandom(std::uint64_t seed, std::uint64_t index) : state_(splitmix64(seed ^ splitmix64(index))) {}
  double uniform() {  // in (0, 1)
    state_ = splitmix64(state_);
    return (static_cast<double>(state_ >> 11) + 0.5) * (1.0 / 9007199254740992.0);
  }
  double normal() {  // Box-Muller
    const double u1 = uniform(), u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * kPi * u2);
  }

 private:
  std::uint64_t state_;
};

}  // namespace

std::vector<std::string> toy2d_names() { return {"swissroll", "moons", "8gaussians", "checkerboard"}; }

Toy2dDataset::Toy2dDataset(std::string name, std::uint64_t seed, int64_t size)
    : name_(std::move(name)), seed_(seed), size_(size) {
  bool known = false;
  std::string names;
  for (const auto& candidate : toy2d_names()) {
    known = known || candidate == name_;
    names += (names.empty() ? "" : ", ") + candidate;
  }
  check(known, "unknown toy2d distribution '" + name_ + "': expected one of " + names);
  check(size_ >= 1, "toy2d: size must be >= 1");
}

int64_t Toy2dDataset::point(std::uint64_t index, double& x, double& y) const {
  PointRandom random(seed_, index);
  int64_t label = -1;
  if (name_ == "swissroll") {
    // sklearn make_swiss_roll(noise=1) projected on (x, z), divided by 5 (FFJORD).
    const double t = 1.5 * kPi * (1.0 + 2.0 * random.uniform());
    x = (t * std::cos(t) + random.normal()) / 5.0;
    y = (t * std::sin(t) + random.normal()) / 5.0;
  } else if (name_ == "moons") {
    // sklearn make_moons(noise=0.1), centred and scaled.
    const double angle = kPi * random.uniform();
    const bool upper = random.uniform() < 0.5;
    x = upper ? std::cos(angle) : 1.0 - std::cos(angle);
    y = upper ? std::sin(angle) : 0.5 - std::sin(angle);
    x = (x + 0.1 * random.normal() - 0.5) * 2.0;
    y = (y + 0.1 * random.normal() - 0.25) * 2.0;
    label = upper ? 0 : 1;
  } else if (name_ == "8gaussians") {
    // Eight Gaussians (std 0.5 before scaling) on a circle of radius 4, divided by 1.414 (FFJORD).
    const int k = static_cast<int>(random.uniform() * 8.0) % 8;
    const double angle = k * kPi / 4.0;
    x = (4.0 * std::cos(angle) + 0.5 * random.normal()) / 1.414;
    y = (4.0 * std::sin(angle) + 0.5 * random.normal()) / 1.414;
    label = k;
  } else {  // checkerboard (FFJORD): 8 unit squares of a 4x4 board, scaled by 2
    const double x1 = random.uniform() * 4.0 - 2.0;
    const double stripe = random.uniform() < 0.5 ? 0.0 : -2.0;
    const double x2 = random.uniform() + stripe + std::fmod(std::floor(x1) + 4.0, 2.0);
    x = x1 * 2.0;
    y = x2 * 2.0;
    label = 2 * static_cast<int64_t>(std::floor(x1) + 2.0) + (stripe == 0.0 ? 1 : 0);  // column, then upper or lower
  }
  return label;
}

std::vector<std::string> Toy2dDataset::class_names() const {
  std::vector<std::string> names;
  if (name_ == "8gaussians") {
    for (int k = 0; k < 8; ++k) names.push_back("mode " + std::to_string(k) + " (" + std::to_string(45 * k) + " deg)");
  } else if (name_ == "moons") {
    names = {"upper moon", "lower moon"};
  } else if (name_ == "checkerboard") {
    for (int k = 0; k < 8; ++k) names.push_back("square " + std::to_string(k));
  }
  return names;
}

Batch Toy2dDataset::points(const std::vector<std::uint64_t>& indices) const {
  const auto n = static_cast<int64_t>(indices.size());
  torch::Tensor batch = torch::empty({n, 2}, torch::kFloat32);
  torch::Tensor labels = torch::empty({n}, torch::kLong);
  auto access = batch.accessor<float, 2>();
  auto label_access = labels.accessor<int64_t, 1>();
  for (int64_t i = 0; i < n; ++i) {
    double x = 0, y = 0;
    label_access[i] = point(indices[static_cast<size_t>(i)], x, y);
    access[i][0] = static_cast<float>(x);
    access[i][1] = static_cast<float>(y);
  }
  Batch result{batch, {}};
  if (num_classes() > 0) result.conditioning.class_labels = labels;
  return result;
}

Batch Toy2dDataset::get_batch(const std::vector<int64_t>& indices) const {
  std::vector<std::uint64_t> points_at;
  points_at.reserve(indices.size());
  for (int64_t index : indices) {
    check(index >= 0 && index < size_, "toy2d: index out of range");
    points_at.push_back(static_cast<std::uint64_t>(index));
  }
  return points(points_at);
}

Batch Toy2dDataset::reference_batch(int64_t n, std::uint64_t stream) const {
  std::vector<std::uint64_t> points_at;
  points_at.reserve(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    points_at.push_back((stream << 40) + static_cast<std::uint64_t>(size_) + static_cast<std::uint64_t>(i));
  }
  return points(points_at);
}

torch::Tensor Toy2dDataset::reference_points(int64_t n, std::uint64_t stream) const {
  return reference_batch(n, stream).x0;
}

std::string Toy2dDataset::describe() const {
  return "toy2d '" + name_ + "': 2-D points drawn on the fly (" + std::to_string(size_) + " per epoch)";
}

}  // namespace diffuse
