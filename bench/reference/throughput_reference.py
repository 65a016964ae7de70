#!/usr/bin/env python3
"""Python PyTorch twin of bench/throughput.cpp: the same models, the same
work, timed the same way (one untimed warm-up, repeats until --min-time
seconds and --min-iterations, the median repeat).

The models come from the JSON that diffuse_bench writes (--diffuse-json), so
both sides time the architectures of the same presets. The code is what a
PyTorch user would write: an nn.Module U-Net (unet.py), torch.optim.Adam,
clip_grad_norm_, an EMA with torch._foreach ops, sampling under
torch.no_grad(). It uses as many intra-op threads as Diffuse did.

Usage: /usr/bin/python3 throughput_reference.py --diffuse-json cpp.json --json py.json
"""
import argparse
import json
import math
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from unet import UNet  # noqa: E402


def measure(body, min_time, min_iterations, warmup=1):
    for _ in range(warmup):
        body()
    times, start = [], time.perf_counter()
    while len(times) < min_iterations or time.perf_counter() - start < min_time:
        begin = time.perf_counter()
        body()
        times.append(time.perf_counter() - begin)
    times.sort()
    return times[len(times) // 2], len(times), times[0]


def status_bytes(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return 0


def reset_peak_rss():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def linear_alpha_bar(num_timesteps):
    # Ho et al.: beta linear from 1e-4 to 0.02, alpha_bar the running product, in float64.
    betas = torch.linspace(1e-4, 0.02, num_timesteps, dtype=torch.float64)
    return torch.cumprod(1.0 - betas, dim=0)


class Ema:
    def __init__(self, model, decay):
        self.decay, self.updates = decay, 0
        self.shadow = [p.detach().clone() for p in model.state_dict().values()]

    @torch.no_grad()
    def update(self, model):
        d = min(self.decay, (1 + self.updates) / (10 + self.updates))
        current = list(model.state_dict().values())
        torch._foreach_mul_(self.shadow, d)
        torch._foreach_add_(self.shadow, current, alpha=1 - d)
        self.updates += 1


def autocast(precision):
    return torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bf16")


def bench_preset(name, spec, precision, args):
    config = spec["model"]
    torch.manual_seed(0)
    model = UNet(config)
    alpha_bar = linear_alpha_bar(spec["num_timesteps"]).float()
    shape = (config["in_channels"], config["image_size"], config["image_size"])
    rows = []

    def row(task, batch, body, items, flops, warmup=1, min_iterations=None):
        reset_peak_rss()
        before = status_bytes("VmRSS")
        seconds, iterations, _ = measure(body, args.min_time, min_iterations or args.min_iterations, warmup)
        rows.append({"preset": name, "task": task, "precision": precision, "batch": batch,
                     "median_seconds": seconds, "iterations": iterations, "items_per_second": items / seconds,
                     "gflops": flops / seconds / 1e9, "peak_rss_bytes": status_bytes("VmHWM"),
                     "rss_before_bytes": before, "rss_after_bytes": status_bytes("VmRSS")})
        print(f"{name:12s} {task:6s} {precision:5s} {batch:6d} {seconds * 1e3:10.2f} ms {iterations:6d}", flush=True)

    if "train" in args.tasks:
        optimizer = torch.optim.Adam(model.parameters(), lr=spec["learning_rate"])
        ema = Ema(model, spec["ema_decay"])
        for batch in args.train_batches:
            x0 = torch.rand((batch,) + shape) * 2 - 1

            def train_step():
                model.train()
                x = x0
                if spec["random_flip"]:
                    flip = (torch.rand(batch) < 0.5).view(batch, 1, 1, 1)
                    x = torch.where(flip, x.flip(3), x)
                t = torch.randint(spec["num_timesteps"], (batch,))
                eps = torch.randn_like(x)
                a = alpha_bar[t].sqrt().view(batch, 1, 1, 1)
                s = (1 - alpha_bar[t]).sqrt().view(batch, 1, 1, 1)
                with autocast(precision):
                    output = model(a * x + s * eps, t)
                loss = F.mse_loss(output.float(), eps)  # L_simple, Ho et al. eq. 14
                optimizer.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), spec["grad_clip"])
                optimizer.step()
                ema.update(model)
                loss.item()

            row("train", batch, train_step, batch, 3 * spec["forward_flops"] * batch)

    def predict(x, t):
        # What a sampler asks of the network: eps and the clipped x0 (as Diffuse's Denoiser does).
        with autocast(precision):
            eps = model(x, t).float()
        a = alpha_bar[t].sqrt().view(-1, 1, 1, 1)
        s = (1 - alpha_bar[t]).sqrt().view(-1, 1, 1, 1)
        x0 = ((x - s * eps) / a).clamp(-1, 1)
        return (x - a * x0) / s, x0

    model.eval()
    if "eval" in args.tasks:
        with torch.no_grad():
            for batch in args.eval_batches:
                x = torch.rand((batch,) + shape) * 2 - 1
                t = torch.full((batch,), 500, dtype=torch.long)
                row("eval", batch, lambda: predict(x, t), 1, spec["forward_flops"] * batch)

    if "ddim" in args.tasks:
        n, steps = args.ddim_samples, args.ddim_steps
        # Linspace timesteps from T - 1 down to 0, DDIM eq. (12) with eta = 0.
        timesteps = [round((spec["num_timesteps"] - 1) * (1 - i / (steps - 1))) for i in range(steps)]

        @torch.no_grad()
        def ddim_sample():
            generator = torch.Generator().manual_seed(0)
            x = torch.randn((n,) + shape, generator=generator)
            for i, step in enumerate(timesteps):
                eps, x0 = predict(x, torch.full((n,), step, dtype=torch.long))
                a_prev = alpha_bar[timesteps[i + 1]] if i + 1 < len(timesteps) else torch.tensor(1.0)
                x = a_prev.sqrt() * x0 + (1 - a_prev).sqrt() * eps
            return x

        with torch.no_grad():
            predict(torch.rand((n,) + shape), torch.full((n,), 500, dtype=torch.long))
        row("ddim", n, ddim_sample, n, spec["forward_flops"] * n * steps, warmup=0, min_iterations=1)
    return rows


def matmul_gflops(dtype, args):
    n = 2048
    a, b = torch.randn(n, n).to(dtype), torch.randn(n, n).to(dtype)
    _, _, fastest = measure(lambda: torch.mm(a, b), args.min_time, 5)  # the best the machine does, as diffuse_bench
    return 2 * n ** 3 / fastest / 1e9


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--diffuse-json", required=True, help="what diffuse_bench --json wrote (models, threads)")
    parser.add_argument("--json", required=True, help="write the results here")
    parser.add_argument("--precision", default="fp32", help="fp32, bf16 or both: fp32,bf16")
    parser.add_argument("--min-time", type=float, default=3.0)
    parser.add_argument("--min-iterations", type=int, default=3)
    parser.add_argument("--no-ceiling", action="store_true", help="skip the matmul ceiling")
    args = parser.parse_args()
    with open(args.diffuse_json) as f:
        diffuse = json.load(f)
    rows = diffuse["rows"]
    args.tasks = {r["task"] for r in rows}
    args.train_batches = sorted({r["batch"] for r in rows if r["task"] == "train"})
    args.eval_batches = sorted({r["batch"] for r in rows if r["task"] == "eval"})
    args.ddim_samples = next((r["batch"] for r in rows if r["task"] == "ddim"), 64)
    args.ddim_steps = diffuse.get("ddim_steps", 50)
    torch.set_num_threads(diffuse["threads"])
    ceiling = {"fp32": 0.0, "bf16": 0.0}
    if not args.no_ceiling:
        ceiling = {p: matmul_gflops(torch.float32 if p == "fp32" else torch.bfloat16, args) if p in args.precision
                   else 0.0 for p in ("fp32", "bf16")}
    report = {"implementation": "python-pytorch", "torch_version": torch.__version__, "threads": diffuse["threads"],
              "matmul_gflops": ceiling, "rows": []}
    print(f"python reference: torch {torch.__version__}, {torch.get_num_threads()} threads", flush=True)
    for name, spec in diffuse["models"].items():
        for precision in args.precision.split(","):
            report["rows"] += bench_preset(name, spec, precision, args)
    tmp = args.json + ".tmp"
    with open(tmp, "w") as f:
        json.dump(report, f, indent=2)
    os.replace(tmp, args.json)


if __name__ == "__main__":
    main()
