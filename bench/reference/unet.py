"""The U-Net of Diffuse (Ho et al. 2020), written as a PyTorch user would.

An independent implementation of include/diffuse/models/unet.h: the same
layers, the same parameter names (so a Diffuse weights file loads with
load_state_dict), the same function. It exists to time Python PyTorch
against Diffuse on identical work and to check that both compute the same
thing (tests/models/unet_reference_test.cpp).
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def sinusoidal_embedding(t, dim):
    # Vaswani et al. sec. 3.5 as in Ho et al.'s get_timestep_embedding.
    half = dim // 2
    frequencies = torch.exp(torch.arange(half, dtype=torch.float32) * -(math.log(10000.0) / (half - 1)))
    angles = t.float()[:, None] * frequencies[None, :]
    return torch.cat([torch.sin(angles), torch.cos(angles)], dim=1)


class TimestepEmbedding(nn.Module):
    def __init__(self, sinusoid_dim, embedding_dim):
        super().__init__()
        self.sinusoid_dim = sinusoid_dim
        self.dense0 = nn.Linear(sinusoid_dim, embedding_dim)
        self.dense1 = nn.Linear(embedding_dim, embedding_dim)

    def forward(self, t):
        return self.dense1(F.silu(self.dense0(sinusoidal_embedding(t, self.sinusoid_dim))))


def group_norm(groups, channels):
    return nn.GroupNorm(groups, channels, eps=1e-6)


# Under bfloat16 autocast, GroupNorm in torch 1.13 rejects a bfloat16 input with
# float32 weights: normalise in float32 (a no-op for float32 input).


class ResidualBlock(nn.Module):
    def __init__(self, in_channels, out_channels, embedding_dim, dropout, groups):
        super().__init__()
        self.norm1 = group_norm(groups, in_channels)
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, padding=1)
        self.embedding_projection = nn.Linear(embedding_dim, out_channels)
        self.norm2 = group_norm(groups, out_channels)
        self.dropout = nn.Dropout(dropout)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1)
        self.shortcut = nn.Conv2d(in_channels, out_channels, 1) if in_channels != out_channels else None

    def forward(self, x, activated_embedding):
        h = self.conv1(F.silu(self.norm1(x.float())))
        h = h + self.embedding_projection(activated_embedding)[:, :, None, None]
        h = self.conv2(self.dropout(F.silu(self.norm2(h.float()))))
        return (x if self.shortcut is None else self.shortcut(x)) + h


class AttentionBlock(nn.Module):
    def __init__(self, channels, groups):
        super().__init__()
        self.norm = group_norm(groups, channels)
        self.qkv = nn.Conv2d(channels, 3 * channels, 1)
        self.proj_out = nn.Conv2d(channels, channels, 1)

    def forward(self, x):
        b, c, h, w = x.shape
        q, k, v = self.qkv(self.norm(x.float())).reshape(b, 3, c, h * w).unbind(1)
        weights = torch.softmax(torch.bmm(q.transpose(1, 2), k) / math.sqrt(c), dim=-1)
        return x + self.proj_out(torch.bmm(v, weights.transpose(1, 2)).reshape(b, c, h, w))


class UNet(nn.Module):
    """config: the "model" object of a Diffuse config.json (type "unet")."""

    def __init__(self, config):
        super().__init__()
        ch, mult, blocks = config["ch"], config["ch_mult"], config["num_res_blocks"]
        groups, dropout = config["num_groups"], config["dropout"]
        attention_at = set(config["attn_resolutions"])
        self.config = config
        embedding_dim = 4 * ch
        self.time_embedding = TimestepEmbedding(ch, embedding_dim)
        self.conv_in = nn.Conv2d(config["in_channels"], ch, 3, padding=1)

        self.down = []  # (blocks, attention or [], downsample or None) per level
        skips, channels, resolution = [ch], ch, config["image_size"]
        for level, m in enumerate(mult):
            stage_blocks, stage_attention, out = [], [], ch * m
            for b in range(blocks):
                stage_blocks.append(self._add(f"down{level}_block{b}",
                                              ResidualBlock(channels, out, embedding_dim, dropout, groups)))
                channels = out
                if resolution in attention_at:
                    stage_attention.append(self._add(f"down{level}_attention{b}", AttentionBlock(channels, groups)))
                skips.append(channels)
            downsample = None
            if level != len(mult) - 1:
                downsample = self._add(f"down{level}_downsample", nn.Conv2d(channels, channels, 3, stride=2, padding=1))
                skips.append(channels)
                resolution //= 2
            self.down.append((stage_blocks, stage_attention, downsample))

        self.mid_block1 = ResidualBlock(channels, channels, embedding_dim, dropout, groups)
        self.mid_attention = AttentionBlock(channels, groups)
        self.mid_block2 = ResidualBlock(channels, channels, embedding_dim, dropout, groups)

        self.up = []
        for level in reversed(range(len(mult))):
            stage_blocks, stage_attention, out = [], [], ch * mult[level]
            for b in range(blocks + 1):
                skip = skips.pop()
                stage_blocks.append(self._add(f"up{level}_block{b}",
                                              ResidualBlock(channels + skip, out, embedding_dim, dropout, groups)))
                channels = out
                if resolution in attention_at:
                    stage_attention.append(self._add(f"up{level}_attention{b}", AttentionBlock(channels, groups)))
            upsample = None
            if level != 0:
                upsample = self._add(f"up{level}_upsample", nn.Conv2d(channels, channels, 3, padding=1))
                resolution *= 2
            self.up.append((stage_blocks, stage_attention, upsample))

        self.norm_out = group_norm(groups, channels)
        self.conv_out = nn.Conv2d(channels, config["out_channels"], 3, padding=1)

    def _add(self, name, module):
        self.add_module(name, module)
        return module

    def forward(self, x, t):
        embedding = F.silu(self.time_embedding(t))  # nonlinearity(temb), the same for every block
        hs = [self.conv_in(x)]
        for blocks, attention, downsample in self.down:
            for i, block in enumerate(blocks):
                h = block(hs[-1], embedding)
                hs.append(attention[i](h) if attention else h)
            if downsample is not None:
                hs.append(downsample(hs[-1]))
        h = self.mid_block2(self.mid_attention(self.mid_block1(hs[-1], embedding)), embedding)
        for blocks, attention, upsample in self.up:
            for i, block in enumerate(blocks):
                h = block(torch.cat([h, hs.pop()], dim=1), embedding)
                if attention:
                    h = attention[i](h)
            if upsample is not None:
                h = upsample(F.interpolate(h, scale_factor=2.0, mode="nearest"))
        return self.conv_out(F.silu(self.norm_out(h.float())))


def count_flops(model, x, t):
    """FLOPs of one forward pass, counted from the layers that actually run:
    2 per multiply-add of every convolution, linear layer and attention
    product (hooks on the modules, not the architecture's description)."""
    total = [0]

    def conv_hook(module, inputs, output):
        k = module.kernel_size[0] * module.kernel_size[1]
        total[0] += 2 * output.numel() * module.in_channels * k

    def linear_hook(module, inputs, output):
        total[0] += 2 * output.numel() * module.in_features

    def attention_hook(module, inputs, output):
        b, c, h, w = inputs[0].shape
        total[0] += 2 * 2 * b * c * (h * w) ** 2  # q^T k and v w^T

    handles = []
    for module in model.modules():
        if isinstance(module, nn.Conv2d):
            handles.append(module.register_forward_hook(conv_hook))
        elif isinstance(module, nn.Linear):
            handles.append(module.register_forward_hook(linear_hook))
        elif isinstance(module, AttentionBlock):
            handles.append(module.register_forward_hook(attention_hook))
    with torch.no_grad():
        model(x, t)
    for handle in handles:
        handle.remove()
    return total[0]
