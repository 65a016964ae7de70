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
torch::Tensor reference(const nn::Conv2d& conv, const torch::Tensor& x, const torch::Tensor& offset) {
  const auto& padding = c10::get<torch::ExpandingArray<2>>(conv->options.padding());
  torch::Tensor y = torch::conv2d(x.to(torch::kFloat64), conv->weight.to(torch::kFloat64),
                                  conv->bias.to(torch::kFloat64), *conv->options.stride(), *padding);
  return offset.defined() ? y + offset.to(torch::kFloat64).unsqueeze(-1).unsqueeze(-1) : y;
}

struct Case {
  int64_t in, out, kernel, stride, size, batch;
  bool with_offset;
};

TEST(Convolve, MatchesAFloat64ConvolutionPlusOffsetOnEveryPath) {
  torch::manual_seed(0);
  const Case cases[] = {
      {32, 64, 3, 1, 14, 1, true},  {32, 64, 3, 1, 14, 3, true},   // single image (oneDNN) and a batch
      {64, 64, 3, 2, 14, 1, false}, {64, 64, 3, 2, 14, 2, false},  // strided downsampling
      {1, 32, 3, 1, 28, 1, false},  {96, 32, 1, 1, 7, 1, true},    // one input channel; a 1x1 kernel
  };
  for (const Case& c : cases) {
    nn::Conv2d conv(nn::Conv2dOptions(c.in, c.out, c.kernel).stride(c.stride).padding(c.kernel / 2));
    const torch::Tensor x = torch::randn({c.batch, c.in, c.size, c.size});
    const torch::Tensor offset = c.with_offset ? torch::randn({c.batch, c.out}) : torch::Tensor();
    const torch::Tensor expected = reference(conv, x, offset);
    const std::string name = std::to_string(c.in) + "->" + std::to_string(c.out) + " k" + std::to_string(c.kernel) +
                             " s" + std::to_string(c.stride) + " batch " + std::to_string(c.batch);
    {
      const c10::InferenceMode inference;  // sampling
      EXPECT_LT(normalised_error(convolve(*conv, x, offset), expected), 1e-6) << name << ", inference";
    }
    EXPECT_LT(normalised_error(convolve(*conv, x, offset), expected), 1e-6) << name << ", autograd";
  }
}

TEST(Convolve, GradientsFlowToTheOffsetAndTheWeights) {
  torch::manual_seed(1);
  nn::Conv2d conv(nn::Conv2dOptions(4, 8, 3).padding(1));
  const torch::Tensor x = torch::randn({1, 4, 6, 6});
  const torch::Tensor offset = torch::randn({1, 8}, torch::requires_grad());
  convolve(*conv, x, offset).sum().backward();
  // d/d offset_c of sum(conv + offset_c) is the number of pixels, 36.
  EXPECT_TRUE(torch::allclose(offset.grad(), torch::full({1, 8}, 36.0)));
  EXPECT_TRUE(conv->weight.grad().defined());
}

}  // namespace
}  // namespace diffuse
