#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "diffuse/denoiser.h"

namespace diffuse {

// Where the tiles go along one image axis of `length` pixels: tiles of
// `tile` pixels, overlapping by at least `overlap`, the first at 0 and the
// last flush with the end, spread evenly between. A length below the tile
// size gives one tile at 0 (the image is padded to the tile).
std::vector<int64_t> tile_origins(int64_t length, int64_t tile, int64_t overlap);

// A denoiser for images of any size: an image network trained on S x S
// images sees every S x S tile of a larger image (tiles overlapping by
// `overlap` pixels), and the tiles' predictions are blended with weights
// that fall linearly to the tile edges, so there are no seams. Images
// smaller than S along an axis are padded by repeating their edge pixels and
// cropped back. Because eps and x0 are linear in each other for a given x_t,
// blending both keeps them consistent, and every sampler runs on large images
// unchanged. Inputs of the network's own size go straight through. It wraps
// any denoiser (a guided one, guidance.h), whose answers it blends; each
// image's conditioning goes to all its tiles.
//
// A fully convolutional network (the U-Net) also takes tiles larger than
// its training size: `tile` = k S asks for tiles of up to k S x k S, each
// axis's tile the smaller of that and the axis rounded up to a multiple of
// S, so a photograph can go through whole, in one call per evaluation.
class TiledDenoiser : public Denoiser {
 public:
  // overlap < 0: a quarter of the model's size S. `max_batch`: tiles of the
  // model's size per network call (fewer larger tiles, as many pixels).
  // tile: 0 for S, else a multiple of S (Error otherwise).
  explicit TiledDenoiser(std::shared_ptr<const Denoiser> inner, int64_t overlap = -1, int64_t max_batch = 256,
                         int64_t tile = 0);
  explicit TiledDenoiser(const Denoiser& denoiser, int64_t overlap = -1, int64_t max_batch = 256, int64_t tile = 0)
      : TiledDenoiser(std::make_shared<Denoiser>(denoiser), overlap, max_batch, tile) {}

  using Denoiser::predict;
  EpsilonAndX0 predict(const torch::Tensor& x_t, const torch::Tensor& t, const Conditioning& conditioning) const override;

  // Called within a prediction that takes several network calls (an image of
  // more than max_batch tiles) with (tiles done, tiles in the prediction), so
  // that long work on a large image shows progress.
  void set_on_tiles(std::function<void(int64_t, int64_t)> on_tiles) { on_tiles_ = std::move(on_tiles); }

  // The length of the tiles that cut an image `length` pixels long along an
  // axis whose model size is `model_size`.
  int64_t tile_along(int64_t length, int64_t model_size) const;
  int64_t overlap() const { return overlap_; }

 private:
  std::shared_ptr<const Denoiser> inner_;
  int64_t model_height_, model_width_, overlap_, max_batch_, tile_;
  std::function<void(int64_t, int64_t)> on_tiles_;
};

}  // namespace diffuse
