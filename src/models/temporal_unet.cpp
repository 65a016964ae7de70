#include "diffuse/models/temporal_unet.h"

#include <sstream>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "diffuse/models/class_embedding.h"
#include "diffuse/models/timestep_embedding.h"
#include "diffuse/util/error.h"
#include "diffuse/util/json_field.h"

namespace diffuse {

namespace {

// A module that holds one convolution as `conv`, so its parameters read
// "conv.weight" as in Diffuser's Downsample1d and Upsample1d.
template <typename Convolution>
class ResampleImpl : public torch::nn::Module {
 public:
  explicit ResampleImpl(Convolution conv) : conv_(register_module("conv", std::move(conv))) {}
  torch::Tensor forward(const torch::Tensor& x) { return conv_->forward(x); }

 private:
  Convolution conv_;
};

torch::nn::AnyModule downsample(int64_t channels) {
  return torch::nn::AnyModule(std::make_shared<ResampleImpl<torch::nn::Conv1d>>(
      torch::nn::Conv1d(torch::nn::Conv1dOptions(channels, channels, 3).stride(2).padding(1))));
}

torch::nn::AnyModule upsample(int64_t channels) {
  return torch::nn::AnyModule(std::make_shared<ResampleImpl<torch::nn::ConvTranspose1d>>(
      torch::nn::ConvTranspose1d(torch::nn::ConvTranspose1dOptions(channels, channels, 4).stride(2).padding(1))));
}

// Mish, x tanh(softplus(x)), Diffuser's activation. libtorch's CPU kernel
// has no bfloat16 version, so under bf16 autocast it runs in float32 and
// hands back bfloat16; float32 takes the kernel as it is.
class MishImpl : public torch::nn::Module {
 public:
  torch::Tensor forward(const torch::Tensor& x) {
    if (x.scalar_type() != torch::kBFloat16) return torch::mish(x);
    return torch::mish(x.to(torch::kFloat)).to(torch::kBFloat16);
  }
};
TORCH_MODULE(Mish);

// GroupNorm's CPU kernel wants its input in the dtype of its float32
// weights; under bf16 autocast the convolution before it hands it bfloat16.
// This module sits where Diffuser rearranges to 4-D and back (a no-op on
// the values), so the parameter names keep Diffuser's indices.
class NormInputImpl : public torch::nn::Module {
 public:
  torch::Tensor forward(const torch::Tensor& x) {
    return x.scalar_type() == torch::kBFloat16 ? x.to(torch::kFloat) : x;
  }
};
TORCH_MODULE(NormInput);

// The channels of each level: [transition_dim, dim * m for m in dim_mults].
std::vector<int64_t> level_channels(const TemporalUNetConfig& c) {
  std::vector<int64_t> dims{c.transition_dim};
  for (int64_t m : c.dim_mults) dims.push_back(c.dim * m);
  return dims;
}

double conv1d_flops(int64_t in, int64_t out, int64_t kernel, int64_t length) {
  return 2.0 * static_cast<double>(in * kernel) * static_cast<double>(out) * static_cast<double>(length);
}

double residual_block_flops(int64_t in, int64_t out, int64_t embedding, int64_t kernel, int64_t length) {
  double flops = conv1d_flops(in, out, kernel, length) + conv1d_flops(out, out, kernel, length) +
                 2.0 * static_cast<double>(embedding * out);
  if (in != out) flops += conv1d_flops(in, out, 1, length);
  return flops;
}

}  // namespace

void TemporalUNetConfig::validate() const {
  constexpr int64_t kMaxSize = int64_t{1} << 16;
  check(horizon >= 1 && horizon <= kMaxSize, "temporal_unet: horizon must be in [1, 65536]");
  check(transition_dim >= 1 && transition_dim <= 4096, "temporal_unet: transition_dim must be in [1, 4096]");
  check(dim >= 4 && dim <= 4096 && dim % 2 == 0, "temporal_unet: dim must be even and in [4, 4096]");
  check(!dim_mults.empty() && dim_mults.size() <= 8, "temporal_unet: dim_mults must list 1 to 8 levels");
  for (int64_t m : dim_mults) check(m >= 1 && m <= 64, "temporal_unet: each of dim_mults must be in [1, 64]");
  check(kernel_size >= 1 && kernel_size % 2 == 1 && kernel_size <= 63, "temporal_unet: kernel_size must be odd, 1 to 63");
  check(num_groups >= 1, "temporal_unet: num_groups must be >= 1");
  for (int64_t m : dim_mults) {
    check((dim * m) % num_groups == 0, "temporal_unet: every level's channels (dim * dim_mults) must divide into " +
                                           std::to_string(num_groups) + " groups");
  }
  const int64_t factor = length_multiple();
  check(horizon % factor == 0, "temporal_unet: the horizon (" + std::to_string(horizon) + ") must be a multiple of " +
                                   std::to_string(factor) + ", as " + std::to_string(dim_mults.size()) +
                                   " levels halve it " + std::to_string(dim_mults.size() - 1) + " times");
  check(num_classes == 0, "temporal_unet: class conditioning is not supported (start and goal are imposed in x_t)");
}

void TemporalUNetConfig::write_json(nlohmann::json& j) const { to_json(j, *this); }

NetworkPtr TemporalUNetConfig::build() const { return std::make_shared<TemporalUNet>(*this); }

double TemporalUNetConfig::forward_flops() const {
  const std::vector<int64_t> dims = level_channels(*this);
  const auto levels = static_cast<int64_t>(dim_mults.size());
  double flops = 2.0 * (static_cast<double>(dim) * 4 * dim * 2);  // time MLP
  int64_t length = horizon;
  for (int64_t i = 0; i < levels; ++i) {
    flops += residual_block_flops(dims[i], dims[i + 1], dim, kernel_size, length) +
             residual_block_flops(dims[i + 1], dims[i + 1], dim, kernel_size, length);
    if (i + 1 < levels) {
      length /= 2;
      flops += conv1d_flops(dims[i + 1], dims[i + 1], 3, length);
    }
  }
  flops += 2.0 * residual_block_flops(dims[levels], dims[levels], dim, kernel_size, length);
  for (int64_t i = levels - 1; i >= 1; --i) {  // Diffuser's ups: reversed(in_out[1:])
    flops += residual_block_flops(2 * dims[i + 1], dims[i], dim, kernel_size, length) +
             residual_block_flops(dims[i], dims[i], dim, kernel_size, length);
    length *= 2;
    flops += conv1d_flops(dims[i], dims[i], 4, length) / 2.0;  // a transposed convolution: half the taps hit
  }
  return flops + conv1d_flops(dim, dim, kernel_size, length) + conv1d_flops(dim, transition_dim, 1, length);
}

void to_json(nlohmann::json& j, const TemporalUNetConfig& c) {
  j = {{"type", "temporal_unet"},   {"horizon", c.horizon},         {"transition_dim", c.transition_dim},
       {"dim", c.dim},              {"dim_mults", c.dim_mults},     {"kernel_size", c.kernel_size},
       {"num_groups", c.num_groups}};
}

void from_json(const nlohmann::json& j, TemporalUNetConfig& c) {
  c = TemporalUNetConfig{};
  c.horizon = json_field(j, "horizon", c.horizon);
  c.transition_dim = json_field(j, "transition_dim", c.transition_dim);
  c.dim = json_field(j, "dim", c.dim);
  c.dim_mults = json_field(j, "dim_mults", c.dim_mults);
  c.kernel_size = json_field(j, "kernel_size", c.kernel_size);
  c.num_groups = json_field(j, "num_groups", c.num_groups);
}

Conv1dBlockImpl::Conv1dBlockImpl(int64_t in_channels, int64_t out_channels, int64_t kernel_size, int64_t groups) {
  // NormInput and Identity where Diffuser rearranges to 4-D and back around
  // the GroupNorm (no-ops on the values), so the parameters keep Diffuser's indices.
  block_ = register_module(
      "block", torch::nn::Sequential(
                   torch::nn::Conv1d(torch::nn::Conv1dOptions(in_channels, out_channels, kernel_size).padding(kernel_size / 2)),
                   NormInput(), torch::nn::GroupNorm(torch::nn::GroupNormOptions(groups, out_channels)),
                   torch::nn::Identity(), Mish()));
}

ResidualTemporalBlockImpl::ResidualTemporalBlockImpl(int64_t in_channels, int64_t out_channels, int64_t embedding_dim,
                                                     int64_t kernel_size, int64_t groups) {
  first_ = Conv1dBlock(in_channels, out_channels, kernel_size, groups);
  second_ = Conv1dBlock(out_channels, out_channels, kernel_size, groups);
  register_module("blocks", torch::nn::ModuleList(first_, second_));
  time_mlp_ = register_module("time_mlp", torch::nn::Sequential(Mish(), torch::nn::Linear(embedding_dim, out_channels)));
  if (in_channels != out_channels) {
    residual_conv_ = register_module("residual_conv", torch::nn::Conv1d(in_channels, out_channels, 1));
  }
}

torch::Tensor ResidualTemporalBlockImpl::forward(const torch::Tensor& x, const torch::Tensor& embedding) {
  torch::Tensor out = first_(x) + time_mlp_->forward(embedding).unsqueeze(-1);
  out = second_(out);
  return out + (residual_conv_ ? residual_conv_(x) : x);
}

TemporalUNet::TemporalUNet(const TemporalUNetConfig& config) : config_(config) {
  config_.validate();
  const int64_t dim = config_.dim, kernel = config_.kernel_size, groups = config_.num_groups;
  const std::vector<int64_t> dims = level_channels(config_);
  const auto levels = static_cast<int64_t>(config_.dim_mults.size());
  time_mlp_ = register_module("time_mlp", torch::nn::Sequential(torch::nn::Identity(), torch::nn::Linear(dim, 4 * dim),
                                                                Mish(), torch::nn::Linear(4 * dim, dim)));
  auto downs = register_module("downs", torch::nn::ModuleList());
  for (int64_t i = 0; i < levels; ++i) {
    Level level;
    level.first = ResidualTemporalBlock(dims[i], dims[i + 1], dim, kernel, groups);
    level.second = ResidualTemporalBlock(dims[i + 1], dims[i + 1], dim, kernel, groups);
    level.resample = i + 1 < levels ? downsample(dims[i + 1]) : torch::nn::AnyModule(torch::nn::Identity());
    downs->push_back(torch::nn::ModuleList(level.first, level.second, level.resample.ptr()));
    downs_.push_back(std::move(level));
  }
  mid_first_ = register_module("mid_block1", ResidualTemporalBlock(dims[levels], dims[levels], dim, kernel, groups));
  mid_second_ = register_module("mid_block2", ResidualTemporalBlock(dims[levels], dims[levels], dim, kernel, groups));
  auto ups = register_module("ups", torch::nn::ModuleList());
  for (int64_t i = levels - 1; i >= 1; --i) {  // Diffuser: reversed(in_out[1:]), each level upsampling
    Level level;
    level.first = ResidualTemporalBlock(2 * dims[i + 1], dims[i], dim, kernel, groups);
    level.second = ResidualTemporalBlock(dims[i], dims[i], dim, kernel, groups);
    level.resample = upsample(dims[i]);
    ups->push_back(torch::nn::ModuleList(level.first, level.second, level.resample.ptr()));
    ups_.push_back(std::move(level));
  }
  final_conv_ = register_module("final_conv", torch::nn::Sequential(Conv1dBlock(dim, dim, kernel, groups),
                                                                     torch::nn::Conv1d(dim, config_.transition_dim, 1)));
}

torch::Tensor TemporalUNet::forward(const torch::Tensor& x_t, const torch::Tensor& t, const Conditioning& conditioning) {
  const int64_t multiple = config_.length_multiple();
  check(x_t.dim() == 3 && x_t.size(1) >= multiple && x_t.size(1) % multiple == 0 &&
            x_t.size(2) == config_.transition_dim,
        "temporal_unet: expected trajectories [N, L, " + std::to_string(config_.transition_dim) + "] with L a multiple of " +
            std::to_string(multiple) + " (trained on L = " + std::to_string(config_.horizon) + "), got " +
            c10::str(x_t.sizes()));
  check(!conditioning.mask.defined(), "temporal_unet: takes no mask");
  check_unconditional(conditioning.class_labels, "temporal_unet");
  const torch::Tensor embedding = time_mlp_->forward(sinusoidal_embedding(t, config_.dim).to(x_t.scalar_type()));
  torch::Tensor x = x_t.transpose(1, 2);  // [N, transition, horizon]: time along the convolutions
  std::vector<torch::Tensor> skips;
  for (Level& level : downs_) {
    x = level.second(level.first(x, embedding), embedding);
    skips.push_back(x);
    x = level.resample.forward(x);
  }
  x = mid_second_(mid_first_(x, embedding), embedding);
  for (Level& level : ups_) {
    x = torch::cat({x, skips.back()}, 1);
    skips.pop_back();
    x = level.resample.forward(level.second(level.first(x, embedding), embedding));
  }
  return final_conv_->forward(x).transpose(1, 2);
}

std::string TemporalUNet::describe() const {
  std::ostringstream out;
  out << "temporal U-Net (Diffuser): trajectories of " << config_.horizon << " steps x " << config_.transition_dim
      << ", channels";
  for (int64_t m : config_.dim_mults) out << " " << config_.dim * m;
  out << ", kernel " << config_.kernel_size << "\n  parameters: " << count_parameters(*this);
  return out.str();
}

}  // namespace diffuse
