#include "diffuse/distributed/gradient_sync.h"

#include <torch/torch.h>

#include "diffuse/util/error.h"

namespace diffuse {

namespace {

// Consecutive runs of same-typed tensors of at most `bucket_bytes` (a tensor
// larger than that is a bucket of its own).
std::vector<std::vector<torch::Tensor>> buckets_of(const std::vector<torch::Tensor>& tensors, int64_t bucket_bytes) {
  std::vector<std::vector<torch::Tensor>> buckets;
  int64_t filled = 0;
  for (const torch::Tensor& tensor : tensors) {
    const int64_t bytes = tensor.numel() * static_cast<int64_t>(tensor.element_size());
    if (buckets.empty() || filled + bytes > bucket_bytes || buckets.back().front().scalar_type() != tensor.scalar_type()) {
      buckets.emplace_back();
      filled = 0;
    }
    buckets.back().push_back(tensor);
    filled += bytes;
  }
  return buckets;
}

torch::Tensor flat(const std::vector<torch::Tensor>& bucket) {
  std::vector<torch::Tensor> pieces;
  pieces.reserve(bucket.size());
  for (const torch::Tensor& tensor : bucket) pieces.push_back(tensor.reshape({-1}));
  return torch::cat(pieces);
}

void unflatten_into(const torch::Tensor& buffer, const std::vector<torch::Tensor>& bucket) {
  int64_t offset = 0;
  torch::NoGradGuard no_grad;
  for (const torch::Tensor& tensor : bucket) {
    const int64_t count = tensor.numel();
    tensor.copy_(buffer.narrow(0, offset, count).view_as(tensor));
    offset += count;
  }
}

}  // namespace

void sum_gradients(Communicator& communicator, const std::vector<torch::Tensor>& parameters,
                   std::vector<torch::Tensor> also, int64_t bucket_bytes) {
  if (communicator.size() == 1) return;
  std::vector<torch::Tensor> gradients;
  gradients.reserve(parameters.size());
  for (const torch::Tensor& parameter : parameters) {
    torch::Tensor& grad = parameter.mutable_grad();
    // Every rank must send the same layout, whatever its examples used.
    if (!grad.defined()) grad = torch::zeros_like(parameter);
    gradients.push_back(grad);
  }
  const auto buckets = buckets_of(gradients, bucket_bytes);
  std::vector<torch::Tensor> buffers;
  buffers.reserve(buckets.size() + also.size());
  for (const auto& bucket : buckets) buffers.push_back(flat(bucket));
  for (const torch::Tensor& tensor : also) {
    check(tensor.is_contiguous(), "sum_gradients: the extra tensors must be contiguous");
    buffers.push_back(tensor);
  }
  communicator.all_reduce_sum(buffers);
  for (size_t i = 0; i < buckets.size(); ++i) unflatten_into(buffers[i], buckets[i]);
}

void broadcast_tensors(Communicator& communicator, const std::vector<torch::Tensor>& tensors, int64_t bucket_bytes) {
  if (communicator.size() == 1 || tensors.empty()) return;
  const auto buckets = buckets_of(tensors, bucket_bytes);
  std::vector<torch::Tensor> buffers;
  for (const auto& bucket : buckets) buffers.push_back(flat(bucket).contiguous());
  communicator.broadcast(buffers);
  for (size_t i = 0; i < buckets.size(); ++i) unflatten_into(buffers[i], buckets[i]);
}

}  // namespace diffuse
