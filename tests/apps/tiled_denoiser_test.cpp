#include "diffuse/apps/tiled_denoiser.h"

#include <memory>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "diffuse/util/error.h"
#include "sampling/gaussian_oracle.h"

namespace diffuse {
namespace {

using testing::GaussianOracle;

TEST(TileOrigins, CoverTheAxisWithAtLeastTheOverlap) {
  EXPECT_EQ(tile_origins(28, 28, 7), (std::vector<int64_t>{0}));
  EXPECT_EQ(tile_origins(20, 28, 7), (std::vector<int64_t>{0}));  // padded to one tile
  EXPECT_EQ(tile_origins(56, 28, 7), (std::vector<int64_t>{0, 14, 28}));
  for (int64_t length : {29, 40, 57, 100, 257}) {
    const std::vector<int64_t> origins = tile_origins(length, 28, 7);
    EXPECT_EQ(origins.front(), 0);
    EXPECT_EQ(origins.back(), length - 28);
    for (size_t i = 1; i < origins.size(); ++i) {
      EXPECT_GE(origins[i - 1] + 28 - origins[i], 7) << length;  // overlap
      EXPECT_GT(origins[i], origins[i - 1]);
    }
  }
  EXPECT_THROW(tile_origins(40, 28, 28), Error);
  EXPECT_THROW(tile_origins(40, 28, -1), Error);
}

// A per-pixel network answers the same on a tile as on the whole image, so the
// blended tiles must reproduce the whole-image answer exactly: this checks
// the weights, the padding and the cropping together.
TEST(TiledDenoiser, ReproducesAPixelwiseNetworkOnAnySize) {
  const NoiseSchedule schedule = NoiseSchedule::linear(100);
  auto oracle = std::make_shared<GaussianOracle>(schedule, std::vector<int64_t>{2, 8, 8}, 0.1, 0.4);
  const Denoiser whole(oracle, schedule, Prediction::kEpsilon, false);
  torch::manual_seed(0);
  for (const int64_t tile : {0, 16, 24}) {  // the model's 8 x 8, and larger tiles
    const TiledDenoiser tiled(whole, 2, 5, tile);  // overlap 2, 5 tiles per network call
    for (const auto& size : {std::pair{8, 8}, std::pair{21, 13}, std::pair{5, 30}, std::pair{3, 4}, std::pair{50, 17}}) {
      const torch::Tensor x = torch::randn({3, 2, size.first, size.second}, torch::kFloat64);
      const torch::Tensor t = torch::tensor({10, 50, 99}, torch::kLong);
      const EpsilonAndX0 expected = whole.predict(x, t);  // the oracle ignores the shape it is told
      const EpsilonAndX0 got = tiled.predict(x, t);
      ASSERT_EQ(got.eps.sizes(), x.sizes());
      EXPECT_LT((got.eps - expected.eps).abs().max().item<double>(), 1e-12)
          << size.first << "x" << size.second << ", tile " << tile;
      EXPECT_LT((got.x0 - expected.x0).abs().max().item<double>(), 1e-12);
    }
  }
}

// Records the shapes of the batches it is given.
class ShapeRecorder : public NoiseNetwork {
 public:
  using NoiseNetwork::forward;
  torch::Tensor forward(const torch::Tensor& x_t, const torch::Tensor&, const Conditioning&) override {
    shapes.emplace_back(x_t.sizes().vec());
    return torch::zeros_like(x_t);
  }
  std::vector<int64_t> sample_shape() const override { return {1, 8, 8}; }
  std::string describe() const override { return "shape recorder"; }
  std::vector<std::vector<int64_t>> shapes;
};

TEST(TiledDenoiser, LargerTilesAreMultiplesOfTheModelSizeCutToTheImage) {
  const NoiseSchedule schedule = NoiseSchedule::linear(100);
  auto recorder = std::make_shared<ShapeRecorder>();
  const TiledDenoiser tiled(Denoiser(recorder, schedule, Prediction::kEpsilon, false), 2, 256, 24);
  EXPECT_EQ(tiled.tile_along(40, 8), 24);
  EXPECT_EQ(tiled.tile_along(20, 8), 24);  // rounded up to 24, padded
  EXPECT_EQ(tiled.tile_along(13, 8), 16);
  tiled.predict(torch::zeros({1, 1, 40, 20}, torch::kFloat64), 10);  // two 24 x 24 tiles down, one across
  tiled.predict(torch::zeros({1, 1, 16, 16}, torch::kFloat64), 10);  // whole, as it is
  tiled.predict(torch::zeros({1, 1, 13, 5}, torch::kFloat64), 10);   // padded to 16 x 8
  EXPECT_EQ(recorder->shapes, (std::vector<std::vector<int64_t>>{{2, 1, 24, 24}, {1, 1, 16, 16}, {1, 1, 16, 8}}));
  EXPECT_THROW(TiledDenoiser(Denoiser(recorder, schedule, Prediction::kEpsilon, false), 2, 256, 12), Error);
  // max_batch counts pixels in tiles of the model's size: 9 of 8 x 8 make one 24 x 24 tile per call.
  auto small_calls = std::make_shared<ShapeRecorder>();
  const TiledDenoiser budget(Denoiser(small_calls, schedule, Prediction::kEpsilon, false), 2, 9, 24);
  budget.predict(torch::zeros({1, 1, 40, 20}, torch::kFloat64), 10);
  EXPECT_EQ(small_calls->shapes, (std::vector<std::vector<int64_t>>{{1, 1, 24, 24}, {1, 1, 24, 24}}));
  // The overlap is checked against the larger tiles: 10 pixels of overlap are fine for 24-pixel tiles.
  EXPECT_NO_THROW(TiledDenoiser(Denoiser(recorder, schedule, Prediction::kEpsilon, false), 10, 256, 24));
  EXPECT_THROW(TiledDenoiser(Denoiser(recorder, schedule, Prediction::kEpsilon, false), 10), Error);
}

TEST(TiledDenoiser, ReportsTheTilesOfALargeImageAsItGoes) {
  const NoiseSchedule schedule = NoiseSchedule::linear(100);
  auto oracle = std::make_shared<GaussianOracle>(schedule, std::vector<int64_t>{1, 8, 8}, 0.0, 1.0);
  TiledDenoiser tiled(Denoiser(oracle, schedule, Prediction::kEpsilon, false), 0, 5);  // 5 tiles per call
  std::vector<std::pair<int64_t, int64_t>> reports;
  tiled.set_on_tiles([&reports](int64_t done, int64_t total) { reports.emplace_back(done, total); });
  const torch::Tensor t = torch::tensor({10}, torch::kLong);
  tiled.predict(torch::zeros({1, 1, 32, 24}, torch::kFloat64), t);  // 4 x 3 = 12 tiles: calls of 5, 5, 2
  EXPECT_EQ(reports, (std::vector<std::pair<int64_t, int64_t>>{{5, 12}, {10, 12}, {12, 12}}));
  reports.clear();
  tiled.predict(torch::zeros({1, 1, 16, 16}, torch::kFloat64), t);  // 4 tiles, one call: nothing to report
  EXPECT_TRUE(reports.empty());
}

// A network that answers with the mean of its tile: each tile alone is flat,
// so hard tile borders would show as jumps. Blended, neighbouring pixels
// differ by much less than neighbouring tiles do.
class TileMean : public NoiseNetwork {
 public:
  using NoiseNetwork::forward;
  torch::Tensor forward(const torch::Tensor& x_t, const torch::Tensor&, const Conditioning&) override {
    return x_t.mean({1, 2, 3}, true).expand_as(x_t).clone();
  }
  std::vector<int64_t> sample_shape() const override { return {1, 8, 8}; }
  std::string describe() const override { return "tile mean"; }
};

TEST(TiledDenoiser, BlendsSeamsAway) {
  const NoiseSchedule schedule = NoiseSchedule::linear(100);
  const Denoiser whole(std::make_shared<TileMean>(), schedule, Prediction::kEpsilon, false);
  const TiledDenoiser tiled(whole, 4);
  // A ramp: tile means step by 4 per tile, so unblended tiles would jump by ~4.
  const torch::Tensor x = torch::arange(32, torch::kFloat64).view({1, 1, 1, 32}).expand({1, 1, 8, 32}).contiguous();
  const torch::Tensor eps = tiled.predict(x, 10).eps;
  const double largest_step = (eps.slice(3, 1) - eps.slice(3, 0, -1)).abs().max().item<double>();
  EXPECT_LT(largest_step, 2.0);
  EXPECT_NEAR(eps.min().item<double>(), 3.5, 1e-9);   // the first tile's mean
  EXPECT_NEAR(eps.max().item<double>(), 27.5, 1e-9);  // the last tile's mean
}

TEST(TiledDenoiser, RefusesWhatItCannotTile) {
  const NoiseSchedule schedule = NoiseSchedule::linear(100);
  auto flat = std::make_shared<GaussianOracle>(schedule, 4, 0.0, 1.0);
  EXPECT_THROW(TiledDenoiser(Denoiser(flat, schedule, Prediction::kEpsilon, false)), Error);
  auto image = std::make_shared<GaussianOracle>(schedule, std::vector<int64_t>{1, 8, 8}, 0.0, 1.0);
  const TiledDenoiser tiled(Denoiser(image, schedule, Prediction::kEpsilon, false));
  EXPECT_THROW(tiled.predict(torch::zeros({1, 3, 16, 16}), 5), Error);  // 3 channels for a grey model
  EXPECT_THROW(TiledDenoiser(Denoiser(image, schedule, Prediction::kEpsilon, false), 8), Error);
}

}  // namespace
}  // namespace diffuse
