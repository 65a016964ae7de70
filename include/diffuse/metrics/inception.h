#pragma once

#include <string>

#include <torch/nn/module.h>

namespace diffuse {

// Inception-v3 as the standard FID uses it: the variant of pytorch-fid
// (Seitzer; TensorFlow's FID graph ported to PyTorch), whose blocks differ
// from torchvision's in their pooling: average pools that leave padding out
// of the count (Mixed_5b-5d, 6b-6e, 7b) and a max pool in Mixed_7c's pool
// branch. Output: the 2048 features after the final average pool.
// Parameter names follow torchvision (Conv2d_1a_3x3.conv.weight, Mixed_5b.branch1x1.bn.running_mean, ...),
// so a converted state dict loads as it is.
class InceptionV3 {
 public:
  InceptionV3();
  // Images [N, 3, H, W] (grey [N, 1, H, W] is repeated to RGB) with values in
  // [-1, 1]: resized bilinearly to 299 x 299 and scaled as pytorch-fid does.
  torch::Tensor features(const torch::Tensor& images);
  torch::nn::Module& module();

  // Weights from a safetensors file of the state dict; fc.* and AuxLogits.*
  // entries are ignored, and BatchNorm's num_batches_tracked may be absent.
  void load(const std::string& safetensors_path);

 private:
  std::shared_ptr<torch::nn::Module> net_;
};

}  // namespace diffuse
