#include "diffuse/models/egnn.h"

#include <sstream>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "diffuse/util/error.h"
#include "diffuse/util/json_field.h"

namespace diffuse {

void EgnnConfig::validate() const {
  constexpr int64_t kMaxSize = int64_t{1} << 16;
  check(max_atoms >= 1 && max_atoms <= 4096, "egnn: max_atoms must be in [1, 4096]");
  check(!atom_types.empty() && num_atom_types() <= 128, "egnn: atom_types must list 1 to 128 atomic numbers");
  // The element table of molecule files (H to Ar); the scores cover H, C, N, O, F.
  for (int64_t z : atom_types) check(z >= 1 && z <= 18, "egnn: atom_types must be atomic numbers 1 (H) to 18 (Ar)");
  check(hidden_dim >= 1 && hidden_dim <= kMaxSize, "egnn: hidden_dim must be in [1, 65536]");
  check(num_layers >= 1 && num_layers <= 256 && num_sublayers >= 1 && num_sublayers <= 16,
        "egnn: num_layers must be in [1, 256] and num_sublayers in [1, 16]");
  check(coords_range > 0 && norm_constant >= 0 && normalization_factor > 0,
        "egnn: coords_range and normalization_factor must be > 0, norm_constant >= 0");
  check(num_timesteps >= 1, "egnn: num_timesteps must be >= 1");
  check(num_classes == 0, "egnn: class conditioning is not supported");
}

void EgnnConfig::write_json(nlohmann::json& j) const { to_json(j, *this); }

NetworkPtr EgnnConfig::build() const { return std::make_shared<Egnn>(*this); }

double EgnnConfig::forward_flops() const {
  // Multiply-adds x 2 of the linear layers; elementwise work is left out.
  const double a = static_cast<double>(max_atoms), h = static_cast<double>(hidden_dim);
  const double f = static_cast<double>(feature_dim() - 3 + 1);
  const double pairs = a * a;
  const double message = pairs * (2 * (2 * h + 2) * h + 2 * h * h + 2 * h) + a * (2 * 2 * h * h + 2 * h * h);
  const double coordinate = pairs * (2 * (2 * h + 2) * h + 2 * h * h + 2 * h);
  return static_cast<double>(num_layers) * (static_cast<double>(num_sublayers) * message + coordinate) +
         a * 2 * 2 * f * h;
}

void to_json(nlohmann::json& j, const EgnnConfig& c) {
  j = {{"type", "egnn"},
       {"max_atoms", c.max_atoms},
       {"atom_types", c.atom_types},
       {"hidden_dim", c.hidden_dim},
       {"num_layers", c.num_layers},
       {"num_sublayers", c.num_sublayers},
       {"attention", c.attention},
       {"coords_range", c.coords_range},
       {"norm_constant", c.norm_constant},
       {"normalization_factor", c.normalization_factor},
       {"num_timesteps", c.num_timesteps}};
}

void from_json(const nlohmann::json& j, EgnnConfig& c) {
  c = EgnnConfig{};
  c.max_atoms = json_field(j, "max_atoms", c.max_atoms);
  c.atom_types = json_field(j, "atom_types", c.atom_types);
  c.hidden_dim = json_field(j, "hidden_dim", c.hidden_dim);
  c.num_layers = json_field(j, "num_layers", c.num_layers);
  c.num_sublayers = json_field(j, "num_sublayers", c.num_sublayers);
  c.attention = json_field(j, "attention", c.attention);
  c.coords_range = json_field(j, "coords_range", c.coords_range);
  c.norm_constant = json_field(j, "norm_constant", c.norm_constant);
  c.normalization_factor = json_field(j, "normalization_factor", c.normalization_factor);
  c.num_timesteps = json_field(j, "num_timesteps", c.num_timesteps);
}

torch::Tensor remove_masked_mean(const torch::Tensor& positions, const torch::Tensor& mask) {
  const torch::Tensor m = mask.to(positions.dtype()).unsqueeze(-1);  // [N, A, 1]
  const torch::Tensor count = m.sum(1, true).clamp_min(1.0);        // [N, 1, 1]
  const torch::Tensor mean = (positions * m).sum(1, true) / count;
  return (positions - mean) * m;
}

namespace {

namespace nn = torch::nn;

nn::Sequential mlp2(int64_t in, int64_t hidden, int64_t out, bool final_activation) {
  nn::Sequential sequence(nn::Linear(in, hidden), nn::SiLU(), nn::Linear(hidden, out));
  if (final_activation) sequence->push_back(nn::SiLU());
  return sequence;
}

// [N, A, F] -> ([N, A, A, F] of row i, [N, A, A, F] of column j).
std::pair<torch::Tensor, torch::Tensor> pair_features(const torch::Tensor& h) {
  const int64_t a = h.size(1);
  return {h.unsqueeze(2).expand({-1, -1, a, -1}), h.unsqueeze(1).expand({-1, a, -1, -1})};
}

// Squared distances [N, A, A, 1] and normalised differences [N, A, A, 3]
// (EDM's coord2diff).
std::pair<torch::Tensor, torch::Tensor> pair_geometry(const torch::Tensor& x, double norm_constant) {
  const torch::Tensor difference = x.unsqueeze(2) - x.unsqueeze(1);
  const torch::Tensor radial = difference.pow(2).sum(-1, true);
  return {radial, difference / (torch::sqrt(radial + 1e-8) + norm_constant)};
}

}  // namespace

Egnn::Egnn(const EgnnConfig& config) : config_(config) {
  config_.validate();
  const int64_t hidden = config_.hidden_dim;
  const int64_t node_features = config_.num_atom_types() + 1 + 1;  // types, atomic number, time
  embedding_ = register_module("embedding", nn::Linear(node_features, hidden));
  embedding_out_ = register_module("embedding_out", nn::Linear(hidden, node_features));
  constexpr int64_t kEdgeFeatures = 2;  // squared distance now and at the input
  for (int64_t block = 0; block < config_.num_layers; ++block) {
    const std::string prefix = "block" + std::to_string(block) + "_";
    std::vector<MessageLayer> sublayers;
    for (int64_t s = 0; s < config_.num_sublayers; ++s) {
      const std::string name = prefix + "message" + std::to_string(s) + "_";
      MessageLayer layer;
      layer.edge_mlp = register_module(name + "edge_mlp", mlp2(2 * hidden + kEdgeFeatures, hidden, hidden, true));
      layer.node_mlp = register_module(name + "node_mlp", mlp2(2 * hidden, hidden, hidden, false));
      if (config_.attention) {
        layer.gate = register_module(name + "gate", nn::Sequential(nn::Linear(hidden, 1), nn::Sigmoid()));
      }
      sublayers.push_back(layer);
    }
    layers_.push_back(sublayers);
    // The last layer starts near zero (xavier gain 0.001, no bias), so the
    // first updates barely move the atoms (EDM's EquivariantUpdate).
    nn::Linear last(nn::LinearOptions(hidden, 1).bias(false));
    torch::nn::init::xavier_uniform_(last->weight, 0.001);
    nn::Sequential coord_mlp = mlp2(2 * hidden + kEdgeFeatures, hidden, hidden, true);
    coord_mlp->push_back(last);
    coord_mlps_.push_back(register_module(prefix + "coord_mlp", coord_mlp));
  }
}

torch::Tensor Egnn::message_pass(MessageLayer& layer, const torch::Tensor& h, const torch::Tensor& edge_attr,
                                 const torch::Tensor& edge_mask, const torch::Tensor& node_mask) {
  const auto [h_i, h_j] = pair_features(h);
  torch::Tensor message = layer.edge_mlp->forward(torch::cat({h_i, h_j, edge_attr}, -1));
  if (layer.gate) message = message * layer.gate->forward(message);
  const torch::Tensor aggregate = (message * edge_mask).sum(2) / config_.normalization_factor;
  return (h + layer.node_mlp->forward(torch::cat({h, aggregate}, -1))) * node_mask;
}

torch::Tensor Egnn::coordinate_update(nn::Sequential& coord_mlp, const torch::Tensor& h, const torch::Tensor& x,
                                      const torch::Tensor& edge_attr, const torch::Tensor& edge_mask,
                                      const torch::Tensor& node_mask) {
  const auto [h_i, h_j] = pair_features(h);
  const torch::Tensor direction = pair_geometry(x, config_.norm_constant).second;
  // EGNN eq. (4): x_i + sum_j (x_i - x_j) phi_x(m_ij), bounded by tanh as in EDM.
  const torch::Tensor weight =
      torch::tanh(coord_mlp->forward(torch::cat({h_i, h_j, edge_attr}, -1))) * config_.coords_range;
  const torch::Tensor shift = (direction * weight * edge_mask).sum(2) / config_.normalization_factor;
  return (x + shift) * node_mask;
}

torch::Tensor Egnn::forward(const torch::Tensor& x_t, const torch::Tensor& t, const Conditioning& conditioning) {
  const int64_t a = config_.max_atoms, d = config_.feature_dim();
  check(x_t.dim() == 3 && x_t.size(1) == a && x_t.size(2) == d,
        "egnn: expected input [N, " + std::to_string(a) + ", " + std::to_string(d) + "], got " + c10::str(x_t.sizes()));
  check(!conditioning.class_labels.defined(), "egnn: takes no class labels");
  const int64_t n = x_t.size(0);
  const torch::Tensor mask = conditioning.mask.defined()
                                 ? conditioning.mask.to(x_t.dtype())
                                 : torch::ones({n, a}, x_t.options());
  check(mask.dim() == 2 && mask.size(0) == n && mask.size(1) == a,
        "egnn: expected a mask [" + std::to_string(n) + ", " + std::to_string(a) + "], got " + c10::str(mask.sizes()));
  const torch::Tensor node_mask = mask.unsqueeze(-1);  // [N, A, 1]
  const torch::Tensor not_self = 1.0 - torch::eye(a, x_t.options());
  const torch::Tensor edge_mask = (mask.unsqueeze(2) * mask.unsqueeze(1) * not_self).unsqueeze(-1);  // [N, A, A, 1]

  const torch::Tensor xh = x_t * node_mask;
  const torch::Tensor x_in = xh.slice(-1, 0, 3);
  const torch::Tensor time = (t.to(x_t.dtype()) / static_cast<double>(config_.num_timesteps)).view({n, 1, 1});
  torch::Tensor h = embedding_(torch::cat({xh.slice(-1, 3), time.expand({n, a, 1})}, -1));
  const torch::Tensor radial_in = pair_geometry(x_in, config_.norm_constant).first;
  torch::Tensor x = x_in;
  for (size_t block = 0; block < layers_.size(); ++block) {
    const torch::Tensor edge_attr = torch::cat({pair_geometry(x, config_.norm_constant).first, radial_in}, -1);
    for (MessageLayer& layer : layers_[block]) h = message_pass(layer, h, edge_attr, edge_mask, node_mask);
    x = coordinate_update(coord_mlps_[block], h, x, edge_attr, edge_mask, node_mask);
    h = h * node_mask;
  }
  // The position noise is the displacement of the atoms, centred; the
  // feature noise the output features without the time column.
  const torch::Tensor position_noise = remove_masked_mean((x - x_in) * node_mask, mask);
  const torch::Tensor feature_noise = (embedding_out_(h) * node_mask).slice(-1, 0, d - 3);
  return torch::cat({position_noise, feature_noise}, -1);
}

torch::Tensor Egnn::project(const torch::Tensor& x, const Conditioning& conditioning) const {
  const torch::Tensor mask =
      conditioning.mask.defined() ? conditioning.mask.to(x.dtype()) : torch::ones({x.size(0), x.size(1)}, x.options());
  return torch::cat({remove_masked_mean(x.slice(-1, 0, 3), mask), x.slice(-1, 3) * mask.unsqueeze(-1)}, -1);
}

std::string Egnn::describe() const {
  std::ostringstream out;
  out << "EGNN (Satorras et al. 2021) dynamics of EDM (Hoogeboom et al. 2022): up to " << config_.max_atoms
      << " atoms of types";
  for (int64_t z : config_.atom_types) out << ' ' << z;
  out << "\n  " << config_.num_layers << " equivariant blocks x " << config_.num_sublayers << " message layers, "
      << config_.hidden_dim << " features" << (config_.attention ? ", gated messages" : "")
      << ", coordinate updates bounded by " << config_.coords_range << " A\n  parameters: " << count_parameters(*this);
  return out.str();
}

}  // namespace diffuse
