#include "diffuse/metrics/inception.h"

#include <torch/torch.h>

#include "diffuse/io/checkpoint.h"
#include "diffuse/io/safetensors.h"
#include "diffuse/util/error.h"

namespace diffuse {

namespace {

namespace nn = torch::nn;
namespace F = torch::nn::functional;

// Conv without bias, BatchNorm with eps 0.001, ReLU (torchvision's BasicConv2d).
struct BasicConvImpl : nn::Module {
  BasicConvImpl(int64_t in, int64_t out, std::vector<int64_t> kernel, std::vector<int64_t> stride = {1, 1},
                std::vector<int64_t> padding = {0, 0}) {
    conv = register_module("conv", nn::Conv2d(nn::Conv2dOptions(in, out, torch::IntArrayRef(kernel))
                                                   .stride(torch::IntArrayRef(stride))
                                                   .padding(torch::IntArrayRef(padding))
                                                   .bias(false)));
    bn = register_module("bn", nn::BatchNorm2d(nn::BatchNorm2dOptions(out).eps(0.001)));
  }
  torch::Tensor forward(const torch::Tensor& x) { return torch::relu(bn(conv(x))); }
  nn::Conv2d conv{nullptr};
  nn::BatchNorm2d bn{nullptr};
};
TORCH_MODULE(BasicConv);

BasicConv square(int64_t in, int64_t out, int64_t k, int64_t stride = 1, int64_t pad = 0) {
  return BasicConv(in, out, std::vector<int64_t>{k, k}, std::vector<int64_t>{stride, stride}, std::vector<int64_t>{pad, pad});
}
// Asymmetric kernels (k_h x k_w) with "same" padding.
BasicConv rectangle(int64_t in, int64_t out, int64_t kh, int64_t kw) {
  return BasicConv(in, out, std::vector<int64_t>{kh, kw}, std::vector<int64_t>{1, 1},
                   std::vector<int64_t>{(kh - 1) / 2, (kw - 1) / 2});
}
BasicConv one_by_seven(int64_t in, int64_t out) { return rectangle(in, out, 1, 7); }
BasicConv seven_by_one(int64_t in, int64_t out) { return rectangle(in, out, 7, 1); }
BasicConv one_by_three(int64_t in, int64_t out) { return rectangle(in, out, 1, 3); }
BasicConv three_by_one(int64_t in, int64_t out) { return rectangle(in, out, 3, 1); }

// 3x3 stride-1 average pool with padding, the padding left out of the count (pytorch-fid).
torch::Tensor average_pool_3x3(const torch::Tensor& x) {
  return F::avg_pool2d(x, F::AvgPool2dFuncOptions(3).stride(1).padding(1).count_include_pad(false));
}

struct InceptionAImpl : nn::Module {  // pytorch-fid FIDInceptionA
  InceptionAImpl(int64_t in, int64_t pool_features) {
    b1 = register_module("branch1x1", square(in, 64, 1));
    b5_1 = register_module("branch5x5_1", square(in, 48, 1));
    b5_2 = register_module("branch5x5_2", square(48, 64, 5, 1, 2));
    b3_1 = register_module("branch3x3dbl_1", square(in, 64, 1));
    b3_2 = register_module("branch3x3dbl_2", square(64, 96, 3, 1, 1));
    b3_3 = register_module("branch3x3dbl_3", square(96, 96, 3, 1, 1));
    pool = register_module("branch_pool", square(in, pool_features, 1));
  }
  torch::Tensor forward(const torch::Tensor& x) {
    return torch::cat({b1(x), b5_2(b5_1(x)), b3_3(b3_2(b3_1(x))), pool(average_pool_3x3(x))}, 1);
  }
  BasicConv b1{nullptr}, b5_1{nullptr}, b5_2{nullptr}, b3_1{nullptr}, b3_2{nullptr}, b3_3{nullptr}, pool{nullptr};
};
TORCH_MODULE(InceptionA);

struct InceptionBImpl : nn::Module {
  explicit InceptionBImpl(int64_t in) {
    b3 = register_module("branch3x3", square(in, 384, 3, 2));
    d1 = register_module("branch3x3dbl_1", square(in, 64, 1));
    d2 = register_module("branch3x3dbl_2", square(64, 96, 3, 1, 1));
    d3 = register_module("branch3x3dbl_3", square(96, 96, 3, 2));
  }
  torch::Tensor forward(const torch::Tensor& x) {
    return torch::cat({b3(x), d3(d2(d1(x))), torch::max_pool2d(x, 3, 2)}, 1);
  }
  BasicConv b3{nullptr}, d1{nullptr}, d2{nullptr}, d3{nullptr};
};
TORCH_MODULE(InceptionB);

struct InceptionCImpl : nn::Module {  // pytorch-fid FIDInceptionC
  InceptionCImpl(int64_t in, int64_t c7) {
    b1 = register_module("branch1x1", square(in, 192, 1));
    s1 = register_module("branch7x7_1", square(in, c7, 1));
    s2 = register_module("branch7x7_2", one_by_seven(c7, c7));
    s3 = register_module("branch7x7_3", seven_by_one(c7, 192));
    d1 = register_module("branch7x7dbl_1", square(in, c7, 1));
    d2 = register_module("branch7x7dbl_2", seven_by_one(c7, c7));
    d3 = register_module("branch7x7dbl_3", one_by_seven(c7, c7));
    d4 = register_module("branch7x7dbl_4", seven_by_one(c7, c7));
    d5 = register_module("branch7x7dbl_5", one_by_seven(c7, 192));
    pool = register_module("branch_pool", square(in, 192, 1));
  }
  torch::Tensor forward(const torch::Tensor& x) {
    return torch::cat({b1(x), s3(s2(s1(x))), d5(d4(d3(d2(d1(x))))), pool(average_pool_3x3(x))}, 1);
  }
  BasicConv b1{nullptr}, s1{nullptr}, s2{nullptr}, s3{nullptr}, d1{nullptr}, d2{nullptr}, d3{nullptr}, d4{nullptr},
      d5{nullptr}, pool{nullptr};
};
TORCH_MODULE(InceptionC);

struct InceptionDImpl : nn::Module {
  explicit InceptionDImpl(int64_t in) {
    t1 = register_module("branch3x3_1", square(in, 192, 1));
    t2 = register_module("branch3x3_2", square(192, 320, 3, 2));
    s1 = register_module("branch7x7x3_1", square(in, 192, 1));
    s2 = register_module("branch7x7x3_2", one_by_seven(192, 192));
    s3 = register_module("branch7x7x3_3", seven_by_one(192, 192));
    s4 = register_module("branch7x7x3_4", square(192, 192, 3, 2));
  }
  torch::Tensor forward(const torch::Tensor& x) {
    return torch::cat({t2(t1(x)), s4(s3(s2(s1(x)))), torch::max_pool2d(x, 3, 2)}, 1);
  }
  BasicConv t1{nullptr}, t2{nullptr}, s1{nullptr}, s2{nullptr}, s3{nullptr}, s4{nullptr};
};
TORCH_MODULE(InceptionD);

struct InceptionEImpl : nn::Module {  // pytorch-fid FIDInceptionE_1 (average pool) and _2 (max pool)
  InceptionEImpl(int64_t in, bool max_pool) : max_pool_(max_pool) {
    b1 = register_module("branch1x1", square(in, 320, 1));
    t1 = register_module("branch3x3_1", square(in, 384, 1));
    t2a = register_module("branch3x3_2a", one_by_three(384, 384));
    t2b = register_module("branch3x3_2b", three_by_one(384, 384));
    d1 = register_module("branch3x3dbl_1", square(in, 448, 1));
    d2 = register_module("branch3x3dbl_2", square(448, 384, 3, 1, 1));
    d3a = register_module("branch3x3dbl_3a", one_by_three(384, 384));
    d3b = register_module("branch3x3dbl_3b", three_by_one(384, 384));
    pool = register_module("branch_pool", square(in, 192, 1));
  }
  torch::Tensor forward(const torch::Tensor& x) {
    const torch::Tensor t = t1(x), d = d2(d1(x));
    const torch::Tensor pooled = max_pool_ ? torch::max_pool2d(x, 3, 1, 1) : average_pool_3x3(x);
    return torch::cat({b1(x), torch::cat({t2a(t), t2b(t)}, 1), torch::cat({d3a(d), d3b(d)}, 1), pool(pooled)}, 1);
  }
  bool max_pool_;
  BasicConv b1{nullptr}, t1{nullptr}, t2a{nullptr}, t2b{nullptr}, d1{nullptr}, d2{nullptr}, d3a{nullptr},
      d3b{nullptr}, pool{nullptr};
};
TORCH_MODULE(InceptionE);

struct InceptionNet : nn::Module {
  InceptionNet() {
    stem = {register_module("Conv2d_1a_3x3", square(3, 32, 3, 2)), register_module("Conv2d_2a_3x3", square(32, 32, 3)),
            register_module("Conv2d_2b_3x3", square(32, 64, 3, 1, 1))};
    stem2 = {register_module("Conv2d_3b_1x1", square(64, 80, 1)), register_module("Conv2d_4a_3x3", square(80, 192, 3))};
    mixed = {nn::AnyModule(register_module("Mixed_5b", InceptionA(192, 32))),
             nn::AnyModule(register_module("Mixed_5c", InceptionA(256, 64))),
             nn::AnyModule(register_module("Mixed_5d", InceptionA(288, 64))),
             nn::AnyModule(register_module("Mixed_6a", InceptionB(288))),
             nn::AnyModule(register_module("Mixed_6b", InceptionC(768, 128))),
             nn::AnyModule(register_module("Mixed_6c", InceptionC(768, 160))),
             nn::AnyModule(register_module("Mixed_6d", InceptionC(768, 160))),
             nn::AnyModule(register_module("Mixed_6e", InceptionC(768, 192))),
             nn::AnyModule(register_module("Mixed_7a", InceptionD(768))),
             nn::AnyModule(register_module("Mixed_7b", InceptionE(1280, false))),
             nn::AnyModule(register_module("Mixed_7c", InceptionE(2048, true)))};
  }
  torch::Tensor forward(torch::Tensor x) {
    for (auto& block : stem) x = block(x);
    x = torch::max_pool2d(x, 3, 2);
    for (auto& block : stem2) x = block(x);
    x = torch::max_pool2d(x, 3, 2);
    for (auto& block : mixed) x = block.forward<torch::Tensor>(x);
    return x.mean({2, 3});  // adaptive average pool to 1 x 1
  }
  std::vector<BasicConv> stem, stem2;
  std::vector<nn::AnyModule> mixed;
};

}  // namespace

InceptionV3::InceptionV3() : net_(std::make_shared<InceptionNet>()) { net_->eval(); }

torch::nn::Module& InceptionV3::module() { return *net_; }

torch::Tensor InceptionV3::features(const torch::Tensor& images) {
  check(images.dim() == 4 && (images.size(1) == 1 || images.size(1) == 3), "Inception: expected images [N, 1 or 3, H, W]");
  torch::NoGradGuard no_grad;
  torch::Tensor x = images.size(1) == 1 ? images.repeat({1, 3, 1, 1}) : images;
  x = (x.to(torch::kFloat32) + 1.0) / 2.0;  // pytorch-fid takes [0, 1]
  x = F::interpolate(x, F::InterpolateFuncOptions().size(std::vector<int64_t>{299, 299}).mode(torch::kBilinear).align_corners(false));
  return std::static_pointer_cast<InceptionNet>(net_)->forward(2.0 * x - 1.0);
}

void InceptionV3::load(const std::string& safetensors_path) {
  TensorFile file = load_safetensors(safetensors_path);
  std::map<std::string, torch::Tensor> weights;
  for (auto& [name, tensor] : file.tensors) {
    if (name.rfind("fc.", 0) == 0 || name.rfind("AuxLogits.", 0) == 0) continue;
    weights[name] = tensor.to(torch::kFloat32);
  }
  const std::string counter = "num_batches_tracked";
  for (const auto& buffer : net_->named_buffers()) {
    const std::string& name = buffer.key();
    const bool is_counter = name.size() > counter.size() && name.compare(name.size() - counter.size(), counter.size(), counter) == 0;
    if (is_counter && !weights.count(name)) weights[name] = torch::zeros_like(buffer.value());
  }
  load_state_into(*net_, weights, safetensors_path);
  net_->eval();
}

}  // namespace diffuse
