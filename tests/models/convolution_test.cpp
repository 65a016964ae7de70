#include "diffuse/models/convolution.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace diffuse {
namespace {

namespace nn = torch::nn;

double normalised_error(const torch::Tensor& actual, const torch::Tensor& expected) {
  return ((actual.to(torch::kFloat64) - expected).norm() / expected.norm()).item<double>();
}

// conv(x) + offset[:, :, None, None] in float64, the reference for every path.
torch::Tensor reference(const Convolution& conv, const torch::Tensor& x, const torch::Tensor& offset) {
  const auto& padding = c10::get<torch::ExpandingArray<2>>(conv->options.padding());
  torch::Tensor y = torch::conv2d(x.to(torch::kFloat64), conv->weight.to(torch::kFloat64),
                                  conv->bias.to(torch::kFloat64), *conv->options.stride(), *padding);
  return offset.defined() ? y + offset.to(torch::kFloat64).unsqueeze(-1).unsqueeze(-1) : y;
}

struct Case {
  int64_t in, out, kernel, stride, size, batch;
  bool with_offset;
};

TEST(Convolution, MatchesAFloat64ConvolutionPlusOffsetOnEveryPath) {
  torch::manual_seed(0);
  const Case cases[] = {
      {32, 64, 3, 1, 14, 1, true},  {32, 64, 3, 1, 14, 3, true},   // single image (oneDNN) and a batch
      {64, 64, 3, 2, 14, 1, false}, {64, 64, 3, 2, 14, 2, false},  // strided downsampling
      {1, 32, 3, 1, 28, 1, false},  {96, 32, 1, 1, 7, 1, true},    // one input channel; a small 1x1 kernel
      {128, 64, 1, 1, 14, 1, true},                                // a 1x1 kernel large enough for oneDNN
  };
  for (const Case& c : cases) {
    Convolution conv(nn::Conv2dOptions(c.in, c.out, c.kernel).stride(c.stride).padding(c.kernel / 2));
    const torch::Tensor x = torch::randn({c.batch, c.in, c.size, c.size});
    const torch::Tensor offset = c.with_offset ? torch::randn({c.batch, c.out}) : torch::Tensor();
    const torch::Tensor expected = reference(conv, x, offset);
    const std::string name = std::to_string(c.in) + "->" + std::to_string(c.out) + " k" + std::to_string(c.kernel) +
                             " s" + std::to_string(c.stride) + " batch " + std::to_string(c.batch);
    {
      const c10::InferenceMode inference;  // sampling
      EXPECT_LT(normalised_error(conv(x, offset), expected), 1e-6) << name << ", inference";
    }
    EXPECT_LT(normalised_error(conv(x, offset), expected), 1e-6) << name << ", autograd";
  }
}

TEST(Convolution, GradientsFlowToTheOffsetAndTheWeights) {
  torch::manual_seed(1);
  Convolution conv(nn::Conv2dOptions(4, 8, 3).padding(1));
  const torch::Tensor x = torch::randn({1, 4, 6, 6});
  const torch::Tensor offset = torch::randn({1, 8}, torch::requires_grad());
  conv(x, offset).sum().backward();
  // d/d offset_c of sum(conv + offset_c) is the number of pixels, 36.
  EXPECT_TRUE(torch::allclose(offset.grad(), torch::full({1, 8}, 36.0)));
  EXPECT_TRUE(conv->weight.grad().defined());
}

TEST(Convolution, ASingleImageSeesEveryChangeOfTheWeights) {
  // The oneDNN path keeps a packed copy of the weight; an optimizer step (in
  // place), a load (copy_) and a swap of the tensor must all reach it.
  torch::manual_seed(2);
  // 64 channels: oneDNN packs these into a blocked layout, a real copy.
  Convolution conv(nn::Conv2dOptions(64, 64, 3).padding(1));
  const torch::Tensor x = torch::randn({1, 64, 14, 14});
  const auto check = [&](const std::string& after) {
    const torch::Tensor expected = reference(conv, x, {});
    const c10::InferenceMode inference;
    EXPECT_LT(normalised_error(conv(x), expected), 1e-6) << "after " << after;
  };
  check("construction");
  {
    torch::NoGradGuard no_grad;
    conv->weight.add_(1.0);
  }
  check("an in-place update");
  {
    torch::NoGradGuard no_grad;
    conv->weight.copy_(torch::randn_like(conv->weight));
  }
  check("a copy into the weight");
  conv->weight.set_data(torch::randn_like(conv->weight));
  check("a new tensor behind the weight");
}

TEST(Convolution, KeepsTheCheckpointNamesOfAConv2d) {
  Convolution conv(nn::Conv2dOptions(2, 3, 3));
  std::vector<std::string> names;
  for (const auto& item : conv->named_parameters()) names.push_back(item.key());
  EXPECT_EQ(names, (std::vector<std::string>{"weight", "bias"}));
}

}  // namespace
}  // namespace diffuse
