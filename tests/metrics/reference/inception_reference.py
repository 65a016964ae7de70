#!/usr/bin/env python3
"""Independent reference for diffuse's Inception-v3 (the pytorch-fid variant).

Builds Debian's torchvision inception_v3 with random weights, swaps in the
FID blocks of pytorch-fid (average pools that leave padding out of the count;
a max pool in Mixed_7c's pool branch), and writes to OUT_DIR:
  weights.safetensors  the state dict (torchvision names)
  input.safetensors    images [2, 3, 61, 47] in [-1, 1]
  output.safetensors   their 2048 pool features, computed as pytorch-fid does:
                       [0, 1] -> bilinear resize to 299 -> 2x - 1 -> blocks -> average pool
The safetensors files are written by bench/reference/safetensors_io.py, so
nothing beyond torch and torchvision is needed.
Usage: /usr/bin/python3 inception_reference.py OUT_DIR
"""
import os
import sys
import types

import torch
import torch.nn.functional as F
import torchvision

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "bench", "reference"))
import safetensors_io  # noqa: E402


def save_safetensors(path, tensors):
    # Every tensor as float32, as diffuse's Inception loader expects (num_batches_tracked included).
    safetensors_io.save(path, {name: tensor.to(torch.float32) for name, tensor in tensors.items()})


def fid_a(self, x):  # pytorch-fid FIDInceptionA
    b1 = self.branch1x1(x)
    b5 = self.branch5x5_2(self.branch5x5_1(x))
    b3 = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
    bp = self.branch_pool(F.avg_pool2d(x, kernel_size=3, stride=1, padding=1, count_include_pad=False))
    return torch.cat([b1, b5, b3, bp], 1)


def fid_c(self, x):  # pytorch-fid FIDInceptionC
    b1 = self.branch1x1(x)
    b7 = self.branch7x7_3(self.branch7x7_2(self.branch7x7_1(x)))
    d = self.branch7x7dbl_1(x)
    for layer in (self.branch7x7dbl_2, self.branch7x7dbl_3, self.branch7x7dbl_4, self.branch7x7dbl_5):
        d = layer(d)
    bp = self.branch_pool(F.avg_pool2d(x, kernel_size=3, stride=1, padding=1, count_include_pad=False))
    return torch.cat([b1, b7, d, bp], 1)


def fid_e(max_pool):  # pytorch-fid FIDInceptionE_1 (average) and FIDInceptionE_2 (max)
    def forward(self, x):
        b1 = self.branch1x1(x)
        t = self.branch3x3_1(x)
        t = torch.cat([self.branch3x3_2a(t), self.branch3x3_2b(t)], 1)
        d = self.branch3x3dbl_2(self.branch3x3dbl_1(x))
        d = torch.cat([self.branch3x3dbl_3a(d), self.branch3x3dbl_3b(d)], 1)
        if max_pool:
            pooled = F.max_pool2d(x, kernel_size=3, stride=1, padding=1)
        else:
            pooled = F.avg_pool2d(x, kernel_size=3, stride=1, padding=1, count_include_pad=False)
        return torch.cat([b1, t, d, self.branch_pool(pooled)], 1)
    return forward


def main(out_dir):
    torch.manual_seed(0)
    net = torchvision.models.inception_v3(weights=None, aux_logits=False, init_weights=True).eval()
    for name in ("Mixed_5b", "Mixed_5c", "Mixed_5d"):
        getattr(net, name).forward = types.MethodType(fid_a, getattr(net, name))
    for name in ("Mixed_6b", "Mixed_6c", "Mixed_6d", "Mixed_6e"):
        getattr(net, name).forward = types.MethodType(fid_c, getattr(net, name))
    net.Mixed_7b.forward = types.MethodType(fid_e(False), net.Mixed_7b)
    net.Mixed_7c.forward = types.MethodType(fid_e(True), net.Mixed_7c)
    # Weights of a usable scale, and batch-norm statistics that are not the identity.
    with torch.no_grad():
        for module in net.modules():
            if isinstance(module, torch.nn.Conv2d):
                fan_in = module.weight[0].numel()
                module.weight.normal_(0.0, (2.0 / fan_in) ** 0.5)
            if isinstance(module, torch.nn.BatchNorm2d):
                module.weight.uniform_(0.5, 1.5)
                module.bias.normal_(0.0, 0.1)
                module.running_mean.normal_(0.0, 0.1)
                module.running_var.uniform_(0.5, 1.5)

    images = torch.rand(2, 3, 61, 47) * 2 - 1
    with torch.no_grad():
        x = F.interpolate((images + 1) / 2, size=(299, 299), mode="bilinear", align_corners=False)
        x = 2 * x - 1
        for block in (net.Conv2d_1a_3x3, net.Conv2d_2a_3x3, net.Conv2d_2b_3x3, net.maxpool1, net.Conv2d_3b_1x1,
                      net.Conv2d_4a_3x3, net.maxpool2, net.Mixed_5b, net.Mixed_5c, net.Mixed_5d, net.Mixed_6a,
                      net.Mixed_6b, net.Mixed_6c, net.Mixed_6d, net.Mixed_6e, net.Mixed_7a, net.Mixed_7b,
                      net.Mixed_7c, net.avgpool):
            x = block(x)
        features = x.flatten(1)

    state = {k: v for k, v in net.state_dict().items() if not k.startswith("fc.")}
    save_safetensors(f"{out_dir}/weights.safetensors", state)
    save_safetensors(f"{out_dir}/input.safetensors", {"images": images})
    save_safetensors(f"{out_dir}/output.safetensors", {"features": features})


if __name__ == "__main__":
    main(sys.argv[1])
