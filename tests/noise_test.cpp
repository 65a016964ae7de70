#include "diffuse/noise.h"

#include <cmath>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "diffuse/util/error.h"

namespace diffuse {
namespace {

// Standard normal quantiles Phi^-1(p), p = 0.01, 0.1, 0.5, 0.9, 0.99 (float64 tables).
constexpr double kProbabilities[] = {0.01, 0.1, 0.5, 0.9, 0.99};
constexpr double kQuantiles[] = {-2.326347874040841, -1.2815515655446004, 0.0, 1.2815515655446004, 2.326347874040841};

TEST(KeyedNoise, IsStandardNormal) {
  std::vector<std::uint64_t> keys;
  for (std::uint64_t i = 0; i < 1000; ++i) keys.push_back(derive_key(42, i));
  const torch::Tensor x = keyed_normal(keys, {1000}, torch::kFloat32).to(torch::kFloat64).flatten();  // 10^6 values
  // Standard errors at n = 10^6: mean 0.001, variance 0.0014, quantiles < 0.004.
  EXPECT_NEAR(x.mean().item<double>(), 0.0, 0.005);
  EXPECT_NEAR(x.var().item<double>(), 1.0, 0.007);
  EXPECT_NEAR(x.pow(3).mean().item<double>(), 0.0, 0.02);  // skewness
  EXPECT_NEAR(x.pow(4).mean().item<double>(), 3.0, 0.05);  // kurtosis of N(0, 1)
  const torch::Tensor sorted = std::get<0>(x.sort());
  for (size_t i = 0; i < 5; ++i) {
    const auto at = static_cast<int64_t>(kProbabilities[i] * static_cast<double>(x.numel()));
    EXPECT_NEAR(sorted[at].item<double>(), kQuantiles[i], 0.02) << "p = " << kProbabilities[i];
  }
}

TEST(KeyedNoise, StreamsAreIndependent) {
  // Neighbouring keys and neighbouring positions: correlations within sampling error (1/sqrt(n) = 0.003).
  std::vector<std::uint64_t> keys;
  for (std::uint64_t i = 0; i < 2; ++i) keys.push_back(derive_key(7, i));
  const torch::Tensor pair = keyed_normal(keys, {100000}, torch::kFloat64);
  const auto correlation = [](const torch::Tensor& a, const torch::Tensor& b) {
    return ((a - a.mean()) * (b - b.mean())).mean().item<double>() / (a.std().item<double>() * b.std().item<double>());
  };
  EXPECT_LT(std::abs(correlation(pair[0], pair[1])), 0.015);
  EXPECT_LT(std::abs(correlation(pair[0].slice(0, 0, 99999), pair[0].slice(0, 1, 100000))), 0.015);
  EXPECT_NE(derive_key(7, 0), derive_key(8, 0));
  EXPECT_NE(derive_key(7, 0), derive_key(7, 1));
}

// The point of per-sample streams: a sample's noise does not depend on the
// batch it is drawn in.
TEST(SampleNoise, ASamplesDrawsDoNotDependOnItsBatch) {
  SampleNoise whole(3, 0, 12);
  const torch::Tensor first = whole.normal({12, 2, 3}, torch::kFloat32);
  const torch::Tensor second = whole.normal({12, 2, 3}, torch::kFloat32);
  EXPECT_FALSE(torch::equal(first, second));  // successive draws differ
  for (const auto& [begin, count] : std::vector<std::pair<int64_t, int64_t>>{{0, 1}, {1, 4}, {5, 5}, {10, 2}}) {
    SampleNoise part(3, begin, count);
    EXPECT_TRUE(torch::equal(part.normal({count, 2, 3}, torch::kFloat32), first.slice(0, begin, begin + count)));
    EXPECT_TRUE(torch::equal(part.normal({count, 2, 3}, torch::kFloat32), second.slice(0, begin, begin + count)));
  }
  EXPECT_FALSE(torch::equal(SampleNoise(4, 0, 12).normal({12, 2, 3}, torch::kFloat32), first));  // another seed
  EXPECT_FALSE(torch::equal(SampleNoise(3, 0, 12, /*stream=*/1).normal({12, 2, 3}, torch::kFloat32), first));
  EXPECT_THROW(whole.normal({11, 2, 3}, torch::kFloat32), Error);
  EXPECT_THROW(SampleNoise(3, 0, 0), Error);
}

}  // namespace
}  // namespace diffuse
