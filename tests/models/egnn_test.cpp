#include "diffuse/models/egnn.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "diffuse/models/network_registry.h"

namespace diffuse {
namespace {

// A small EGNN in float64 with weights large enough that every path matters
// (the coordinate layer starts near zero otherwise).
std::shared_ptr<Egnn> small_egnn() {
  EgnnConfig config;
  config.max_atoms = 6;
  config.atom_types = {1, 6, 7, 8};
  config.hidden_dim = 16;
  config.num_layers = 3;
  config.num_sublayers = 2;
  config.coords_range = 3.0;
  torch::manual_seed(3);
  auto network = std::make_shared<Egnn>(config);
  network->to(torch::kDouble);
  torch::NoGradGuard no_grad;
  for (auto& parameter : network->parameters()) parameter.normal_(0.0, 0.4);
  return network;
}

struct Inputs {
  torch::Tensor x, t, mask;
};

Inputs random_inputs() {
  torch::manual_seed(11);
  Inputs in;
  in.x = torch::randn({2, 6, 3 + 4 + 1}, torch::kDouble);
  in.t = torch::tensor({17, 640}, torch::kLong);
  in.mask = torch::tensor({{1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 0, 0}}, torch::kDouble);
  return in;
}

// A random orthogonal matrix (QR of a Gaussian matrix), a reflection when asked.
torch::Tensor random_orthogonal(bool reflection) {
  torch::manual_seed(reflection ? 5 : 7);
  auto [q, r] = torch::linalg::qr(torch::randn({3, 3}, torch::kDouble));
  q = q * torch::sign(torch::diagonal(r)).unsqueeze(0);
  const bool is_reflection = torch::det(q).item<double>() < 0;
  if (is_reflection != reflection) q.select(1, 0).neg_();
  return q;
}

torch::Tensor run(Egnn& network, const Inputs& in) {
  torch::NoGradGuard no_grad;
  Conditioning conditioning;
  conditioning.mask = in.mask;
  return network.forward(in.x, in.t, conditioning);
}

void expect_equivariant(bool reflection) {
  auto network = small_egnn();
  const Inputs in = random_inputs();
  const torch::Tensor q = random_orthogonal(reflection);
  const torch::Tensor shift = torch::tensor({0.7, -2.5, 1.3}, torch::kDouble);
  Inputs moved = in;
  moved.x = in.x.clone();
  moved.x.slice(-1, 0, 3).copy_(torch::matmul(in.x.slice(-1, 0, 3), q.t()) + shift);

  const torch::Tensor out = run(*network, in);
  const torch::Tensor out_moved = run(*network, moved);
  const torch::Tensor mask = in.mask.unsqueeze(-1);
  // Errors relative to the output's scale (the random weights make feature
  // outputs of order 1e5): float64 rounding leaves ~1e-14 of it.
  auto relative = [](const torch::Tensor& error, const torch::Tensor& reference) {
    return error.abs().max().item<double>() / reference.abs().max().item<double>();
  };
  // The position noise rotates (reflects) with the input and ignores the shift.
  const torch::Tensor expected_positions = torch::matmul(out.slice(-1, 0, 3), q.t()) * mask;
  EXPECT_LT(relative(out_moved.slice(-1, 0, 3) - expected_positions, out.slice(-1, 0, 3)), 1e-12);
  // The feature noise is invariant.
  EXPECT_LT(relative(out_moved.slice(-1, 3) - out.slice(-1, 3), out.slice(-1, 3)), 1e-12);
  // And the outputs are not trivially zero.
  EXPECT_GT(out.slice(-1, 0, 3).abs().max().item<double>(), 1e-3);
  EXPECT_GT(out.slice(-1, 3).abs().max().item<double>(), 1e-3);
}

TEST(Egnn, PositionNoiseRotatesAndFeatureNoiseIsInvariant) { expect_equivariant(false); }

TEST(Egnn, ReflectionsToo) { expect_equivariant(true); }

TEST(Egnn, PositionNoiseHasZeroMeanOverRealAtoms) {
  auto network = small_egnn();
  const Inputs in = random_inputs();
  const torch::Tensor out = run(*network, in);
  const torch::Tensor mean = (out.slice(-1, 0, 3) * in.mask.unsqueeze(-1)).sum(1);
  EXPECT_LT(mean.abs().max().item<double>(), 1e-12);
}

TEST(Egnn, PaddedAtomsChangeNothing) {
  auto network = small_egnn();
  const Inputs in = random_inputs();
  Inputs garbage = in;
  garbage.x = in.x.clone();
  garbage.x[1].slice(0, 4, 6).normal_(0.0, 50.0);
  const torch::Tensor out = run(*network, in);
  const torch::Tensor out_garbage = run(*network, garbage);
  EXPECT_TRUE(torch::equal(out, out_garbage));
  EXPECT_EQ(out[1].slice(0, 4, 6).abs().max().item<double>(), 0.0);
  // A padded molecule gives what the same molecule alone would... given
  // the same real rows, whatever the padding: the first molecule's result
  // does not depend on the second's.
  Inputs first_only = in;
  first_only.x = in.x.slice(0, 0, 1);
  first_only.t = in.t.slice(0, 0, 1);
  first_only.mask = in.mask.slice(0, 0, 1);
  EXPECT_LT((run(*network, first_only)[0] - out[0]).abs().max().item<double>(), 1e-12);
}

TEST(Egnn, RemoveMaskedMeanCentresRealAtomsAndZeroesPadding) {
  const torch::Tensor positions = torch::tensor({{{1.0, 2.0, 3.0}, {3.0, 2.0, 1.0}, {100.0, 100.0, 100.0}}});
  const torch::Tensor mask = torch::tensor({{1.0, 1.0, 0.0}});
  const torch::Tensor centred = remove_masked_mean(positions, mask);
  EXPECT_TRUE(torch::allclose(centred, torch::tensor({{{-1.0, 0.0, 1.0}, {1.0, 0.0, -1.0}, {0.0, 0.0, 0.0}}})));
}

TEST(Egnn, ConfigRoundTripsThroughTheRegistry) {
  EgnnConfig config;
  config.max_atoms = 29;
  config.atom_types = {1, 6, 7, 8, 9};
  config.hidden_dim = 256;
  config.num_layers = 9;
  nlohmann::json j;
  model_config_to_json(j, ModelConfig(config));
  const ModelConfig read = model_config_from_json(j);
  const EgnnConfig* egnn = read.get_if<EgnnConfig>();
  ASSERT_NE(egnn, nullptr);
  EXPECT_EQ(egnn->atom_types, config.atom_types);
  EXPECT_EQ(egnn->num_layers, 9);
  EXPECT_EQ(sample_shape(read), (std::vector<int64_t>{29, 9}));
  auto network = make_network(read);
  EXPECT_GT(count_parameters(*network), 1000000);
}

}  // namespace
}  // namespace diffuse
