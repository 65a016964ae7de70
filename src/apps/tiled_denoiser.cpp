#include "diffuse/apps/tiled_denoiser.h"

#include <algorithm>

#include <torch/torch.h>

#include "diffuse/util/error.h"

namespace diffuse {

namespace {

// Blending weights along one tile axis: 1 at the edges rising linearly to the
// centre, so a pixel leans on the tiles that see it with the most context.
torch::Tensor ramp(int64_t tile, const torch::TensorOptions& options) {
  const torch::Tensor i = torch::arange(tile, options);
  return torch::minimum(i + 1, tile - i);
}

}  // namespace

std::vector<int64_t> tile_origins(int64_t length, int64_t tile, int64_t overlap) {
  check(tile >= 1 && overlap >= 0 && overlap < tile, "tiling: the overlap must be in [0, tile size)");
  check(length >= 1, "tiling: empty image axis");
  if (length <= tile) return {0};
  const int64_t stride = tile - overlap;
  const int64_t count = (length - tile + stride - 1) / stride + 1;
  std::vector<int64_t> origins;
  for (int64_t i = 0; i < count; ++i) origins.push_back((i * (length - tile) + (count - 1) / 2) / (count - 1));
  return origins;
}

TiledDenoiser::TiledDenoiser(std::shared_ptr<const Denoiser> inner, int64_t overlap, int64_t max_batch, int64_t tile)
    : Denoiser(*inner), inner_(std::move(inner)), max_batch_(max_batch), tile_(tile) {
  const std::vector<int64_t> shape = network().sample_shape();
  check(shape.size() == 3, "tiling: the model does not make images (its samples have shape of rank " +
                               std::to_string(shape.size()) + ", expected [C, H, W])");
  model_height_ = shape[1];
  model_width_ = shape[2];
  overlap_ = overlap >= 0 ? overlap : std::min(model_height_, model_width_) / 4;
  check(max_batch_ >= 1, "tiling: max_batch must be >= 1");
  check(tile_ == 0 || (tile_ > 0 && tile_ % model_height_ == 0 && tile_ % model_width_ == 0),
        "tiling: tiles of " + std::to_string(tile_) + " pixels: the tile size must be a multiple of the model's " +
            std::to_string(model_height_) + "x" + std::to_string(model_width_));
  const int64_t smallest_tile = std::min(model_height_, model_width_) * std::max<int64_t>(1, tile_ / model_height_);
  check(overlap_ < smallest_tile, "tiling: an overlap of " + std::to_string(overlap_) +
                                      " pixels is not smaller than the tiles (" + std::to_string(smallest_tile) + ")");
}

int64_t TiledDenoiser::tile_along(int64_t length, int64_t model_size) const {
  if (tile_ == 0) return model_size;
  return std::min(tile_, (length + model_size - 1) / model_size * model_size);
}

EpsilonAndX0 TiledDenoiser::predict(const torch::Tensor& x_t, const torch::Tensor& t,
                                    const Conditioning& conditioning) const {
  const int64_t channels = network().sample_shape()[0];
  check(x_t.dim() == 4 && x_t.size(1) == channels,
        "tiling: expected images [N, " + std::to_string(channels) + ", H, W] for this model");
  const int64_t height = x_t.size(2), width = x_t.size(3);
  const int64_t tile_height = tile_along(height, model_height_), tile_width = tile_along(width, model_width_);
  if (height == tile_height && width == tile_width) return inner_->predict(x_t, t, conditioning);
  check(!conditioning.mask.defined(), "tiling: images take no mask");

  namespace F = torch::nn::functional;
  using torch::indexing::Slice;
  const int64_t pad_h = std::max<int64_t>(0, tile_height - height), pad_w = std::max<int64_t>(0, tile_width - width);
  const torch::Tensor x = pad_h + pad_w > 0
                              ? F::pad(x_t, F::PadFuncOptions({0, pad_w, 0, pad_h}).mode(torch::kReplicate))
                              : x_t;
  std::vector<std::pair<int64_t, int64_t>> origins;
  for (int64_t row : tile_origins(x.size(2), tile_height, overlap_)) {
    for (int64_t col : tile_origins(x.size(3), tile_width, overlap_)) origins.emplace_back(row, col);
  }
  auto window_of = [&](int64_t row, int64_t col) {
    return x.index({Slice(), Slice(), Slice(row, row + tile_height), Slice(col, col + tile_width)});
  };
  std::vector<torch::Tensor> tiles;
  for (const auto& [row, col] : origins) tiles.push_back(window_of(row, col));
  const auto num_tiles = static_cast<int64_t>(origins.size());
  const int64_t n = x.size(0);
  // [N, P, C, S, S] -> [N P, C, S, S]: image-major, so each image's tiles share its timestep.
  const torch::Tensor batch = torch::stack(tiles, 1).reshape({n * num_tiles, channels, tile_height, tile_width});
  const torch::Tensor batch_t = t.repeat_interleave(num_tiles);
  Conditioning batch_conditioning;
  if (conditioning.class_labels.defined()) batch_conditioning.class_labels = conditioning.class_labels.repeat_interleave(num_tiles);
  // max_batch counts tiles of the model's size: as many pixels of larger tiles.
  const int64_t per_call =
      std::max<int64_t>(1, max_batch_ * model_height_ * model_width_ / (tile_height * tile_width));
  std::vector<torch::Tensor> eps_parts, x0_parts;
  for (int64_t start = 0; start < batch.size(0); start += per_call) {
    const int64_t end = std::min(batch.size(0), start + per_call);
    const EpsilonAndX0 part =
        inner_->predict(batch.slice(0, start, end), batch_t.slice(0, start, end), batch_conditioning.slice(start, end));
    eps_parts.push_back(part.eps);
    x0_parts.push_back(part.x0);
    if (on_tiles_ && batch.size(0) > per_call) on_tiles_(end, batch.size(0));
  }
  const torch::TensorOptions options = x.options();
  const torch::Tensor weight = ramp(tile_height, options).unsqueeze(1) * ramp(tile_width, options).unsqueeze(0);
  torch::Tensor eps_sum = torch::zeros_like(x), x0_sum = torch::zeros_like(x);
  torch::Tensor weight_sum = torch::zeros({x.size(2), x.size(3)}, options);
  const torch::Tensor eps_tiles = torch::cat(eps_parts).view({n, num_tiles, channels, tile_height, tile_width});
  const torch::Tensor x0_tiles = torch::cat(x0_parts).view({n, num_tiles, channels, tile_height, tile_width});
  for (int64_t p = 0; p < num_tiles; ++p) {
    const auto [row, col] = origins[static_cast<size_t>(p)];
    const auto rows = Slice(row, row + tile_height), cols = Slice(col, col + tile_width);
    eps_sum.index({Slice(), Slice(), rows, cols}) += eps_tiles.select(1, p) * weight;
    x0_sum.index({Slice(), Slice(), rows, cols}) += x0_tiles.select(1, p) * weight;
    weight_sum.index({rows, cols}) += weight;
  }
  const auto crop = [&](const torch::Tensor& sum) {
    return (sum / weight_sum).index({Slice(), Slice(), Slice(0, height), Slice(0, width)}).contiguous();
  };
  return {crop(eps_sum), crop(x0_sum)};
}

}  // namespace diffuse
