#pragma once

#include "diffuse/models/unet.h"

namespace diffuse::testing {

// An 8x8 one-channel U-Net with every kind of block (two levels, attention
// at 4x4, no dropout), small enough for exact training comparisons.
inline UNetConfig tiny_unet() {
  UNetConfig config;
  config.image_size = 8;
  config.ch = 16;
  config.ch_mult = {1, 2};
  config.num_res_blocks = 1;
  config.attn_resolutions = {4};
  config.dropout = 0.0;
  config.num_groups = 8;
  return config;
}

}  // namespace diffuse::testing
