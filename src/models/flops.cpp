#include "diffuse/models/flops.h"

#include <algorithm>
#include <variant>

#include "diffuse/models/mlp.h"
#include "diffuse/models/unet.h"

namespace diffuse {

namespace {

double linear(int64_t in, int64_t out) { return 2.0 * static_cast<double>(in) * static_cast<double>(out); }

// A k x k convolution producing an out_size x out_size map.
double conv(int64_t in, int64_t out, int64_t kernel, int64_t out_size) {
  return linear(in * kernel * kernel, out) * static_cast<double>(out_size * out_size);
}

double timestep_embedding(int64_t sinusoid_dim, int64_t embedding_dim) {
  return linear(sinusoid_dim, embedding_dim) + linear(embedding_dim, embedding_dim);
}

double residual_block(int64_t in, int64_t out, int64_t embedding_dim, int64_t size) {
  double flops = conv(in, out, 3, size) + linear(embedding_dim, out) + conv(out, out, 3, size);
  if (in != out) flops += conv(in, out, 1, size);  // the 1x1 shortcut
  return flops;
}

double attention_block(int64_t channels, int64_t size) {
  const int64_t positions = size * size;
  // qkv and output 1x1 convolutions, then q^T k and v w^T: two [HW x C] x [C x HW]-sized products.
  return conv(channels, 3 * channels, 1, size) + conv(channels, channels, 1, size) +
         2.0 * linear(channels, positions) * static_cast<double>(positions);
}

bool has_attention(const UNetConfig& c, int64_t size) {
  return std::find(c.attn_resolutions.begin(), c.attn_resolutions.end(), size) != c.attn_resolutions.end();
}

}  // namespace

// Walks the layers in the order UNet's constructor builds them.
double unet_forward_flops(const UNetConfig& c) {
  const int64_t embedding_dim = 4 * c.ch;
  const auto levels = static_cast<int64_t>(c.ch_mult.size());
  double flops = timestep_embedding(c.ch, embedding_dim) + conv(c.in_channels, c.ch, 3, c.image_size);
  std::vector<int64_t> skips{c.ch};
  int64_t channels = c.ch, size = c.image_size;
  for (int64_t level = 0; level < levels; ++level) {
    const int64_t out = c.ch * c.ch_mult[static_cast<size_t>(level)];
    for (int64_t b = 0; b < c.num_res_blocks; ++b) {
      flops += residual_block(channels, out, embedding_dim, size);
      channels = out;
      if (has_attention(c, size)) flops += attention_block(channels, size);
      skips.push_back(channels);
    }
    if (level != levels - 1) {
      size /= 2;
      flops += conv(channels, channels, 3, size);  // stride-2 downsampling
      skips.push_back(channels);
    }
  }
  flops += 2.0 * residual_block(channels, channels, embedding_dim, size) + attention_block(channels, size);
  for (int64_t level = levels - 1; level >= 0; --level) {
    const int64_t out = c.ch * c.ch_mult[static_cast<size_t>(level)];
    for (int64_t b = 0; b <= c.num_res_blocks; ++b) {
      flops += residual_block(channels + skips.back(), out, embedding_dim, size);
      skips.pop_back();
      channels = out;
      if (has_attention(c, size)) flops += attention_block(channels, size);
    }
    if (level != 0) {
      size *= 2;
      flops += conv(channels, channels, 3, size);  // after nearest upsampling
    }
  }
  return flops + conv(channels, c.out_channels, 3, c.image_size);
}

double mlp_forward_flops(const MlpConfig& c) {
  const int64_t h = c.hidden_dim;
  return timestep_embedding(c.time_embedding_dim, h) + linear(c.data_dim, h) +
         static_cast<double>(c.num_blocks) * 3.0 * linear(h, h) + linear(h, c.data_dim);
}

}  // namespace diffuse
