#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/linear.h>

#include "diffuse/models/network.h"
#include "diffuse/models/network_config.h"

namespace diffuse {

// The E(n)-equivariant graph network (Satorras et al. 2021) as the dynamics
// of EDM (Hoogeboom et al. 2022, egnn/egnn_new.py and egnn/models.py): the
// noise predictor of 3-D molecules with up to max_atoms atoms.
//
// A sample is [max_atoms, 3 + num_atom_types + 1]: per atom its position,
// the one-hot atom type / 4 and the atomic number / 10 (EDM's scaling);
// Conditioning::mask [N, max_atoms] marks the real atoms. Every pair of real
// atoms is an edge. The predicted position noise rotates and reflects with
// the input, does not move with a translation and has zero mean over the
// real atoms; the feature noise is invariant. Padded rows are zero in the
// output and their input values never reach the real atoms.
struct EgnnConfig : NetworkConfigBase<EgnnConfig> {
  int64_t max_atoms = 9;
  std::vector<int64_t> atom_types{6, 7, 8, 9};  // atomic number of each one-hot column
  int64_t hidden_dim = 128;
  int64_t num_layers = 4;        // equivariant blocks
  int64_t num_sublayers = 1;     // invariant message-passing layers per block (EDM: inv_sublayers)
  bool attention = true;         // sigmoid gate on each message
  double coords_range = 15.0;    // bound of each coordinate update: tanh(.) * coords_range
  double norm_constant = 1.0;    // (x_i - x_j) / (|x_i - x_j| + norm_constant)
  double normalization_factor = 1.0;  // messages are summed, then divided by this
  int64_t num_timesteps = 1000;  // t enters as the node feature t / num_timesteps

  std::string type() const override { return "egnn"; }
  void validate() const override;
  void write_json(nlohmann::json& j) const override;
  NetworkPtr build() const override;
  std::vector<int64_t> sample_shape() const override { return {max_atoms, feature_dim()}; }
  double forward_flops() const override;

  int64_t num_atom_types() const { return static_cast<int64_t>(atom_types.size()); }
  // 3 positions, the one-hot types and the atomic number.
  int64_t feature_dim() const { return 3 + num_atom_types() + 1; }
};
void to_json(nlohmann::json& j, const EgnnConfig& config);
void from_json(const nlohmann::json& j, EgnnConfig& config);

// Positions [N, A, 3] with the mean over the real atoms (mask [N, A]) taken
// away and padded atoms set to zero: the zero centre-of-mass subspace EDM
// diffuses on (with unit masses).
torch::Tensor remove_masked_mean(const torch::Tensor& positions, const torch::Tensor& mask);

class Egnn : public NoiseNetwork {
 public:
  explicit Egnn(const EgnnConfig& config);
  using NoiseNetwork::forward;
  torch::Tensor forward(const torch::Tensor& x_t, const torch::Tensor& t, const Conditioning& conditioning) override;
  std::vector<int64_t> sample_shape() const override { return config_.sample_shape(); }
  // Positions centred over the real atoms, padded atoms zero.
  torch::Tensor project(const torch::Tensor& x, const Conditioning& conditioning) const override;
  std::string describe() const override;
  const EgnnConfig& config() const { return config_; }

 private:
  // One invariant layer (EDM's GCL): messages from node pairs and distances,
  // gated, summed over neighbours, added to the node features.
  struct MessageLayer {
    torch::nn::Sequential edge_mlp{nullptr}, node_mlp{nullptr}, gate{nullptr};
  };
  torch::Tensor message_pass(MessageLayer& layer, const torch::Tensor& h, const torch::Tensor& edge_attr,
                             const torch::Tensor& edge_mask, const torch::Tensor& node_mask);
  torch::Tensor coordinate_update(torch::nn::Sequential& coord_mlp, const torch::Tensor& h,
                                  const torch::Tensor& x, const torch::Tensor& edge_attr,
                                  const torch::Tensor& edge_mask, const torch::Tensor& node_mask);

  EgnnConfig config_;
  torch::nn::Linear embedding_{nullptr}, embedding_out_{nullptr};
  std::vector<std::vector<MessageLayer>> layers_;  // [block][sublayer]
  std::vector<torch::nn::Sequential> coord_mlps_;  // one per block
};

}  // namespace diffuse
