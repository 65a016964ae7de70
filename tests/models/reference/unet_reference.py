#!/usr/bin/env python3
"""Runs the Python PyTorch U-Net of bench/reference/unet.py on what
tests/models/unet_reference_test.cpp wrote to DIR, and writes back what the
C++ test compares against its own:

  in:  DIR/config.json        the "model" object of a Diffuse config
       DIR/weights.safetensors Diffuse's state (same parameter names)
       DIR/input.safetensors   x [N, C, H, W], t [N] int64, target [N, C, H, W]
  out: DIR/output.safetensors output (eval mode), grad.<name> of
       mse(output, target) in training mode for every parameter, and
       flops [1] int64: one forward pass counted by hooks on the layers

Usage: /usr/bin/python3 unet_reference.py DIR
"""
import json
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "bench", "reference"))
import safetensors_io  # noqa: E402
from unet import UNet, count_flops  # noqa: E402


def main(directory):
    with open(os.path.join(directory, "config.json")) as f:
        config = json.load(f)
    model = UNet(config)
    weights = safetensors_io.load(os.path.join(directory, "weights.safetensors"))
    model.load_state_dict(weights, strict=True)  # every name must match, both ways
    inputs = safetensors_io.load(os.path.join(directory, "input.safetensors"))
    x, t, target = inputs["x"], inputs["t"], inputs["target"]

    model.eval()
    with torch.no_grad():
        output = model(x, t)
    model.train()
    model.zero_grad()
    F.mse_loss(model(x, t), target).backward()
    result = {"output": output}
    for name, parameter in model.named_parameters():
        result["grad." + name] = parameter.grad
    result["flops"] = torch.tensor([count_flops(model.eval(), x, t)], dtype=torch.int64)
    safetensors_io.save(os.path.join(directory, "output.safetensors"), result)


if __name__ == "__main__":
    main(sys.argv[1])
