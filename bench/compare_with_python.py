#!/usr/bin/env python3
"""Diffuse against Python PyTorch on the same models, side by side in one run.

For every preset and kind of work (train, eval, ddim) it runs
build/bench/diffuse_bench and then its Python twin
(reference/throughput_reference.py) in fresh processes, one after the other,
so each peak RSS belongs to its own rows and neither side inherits the
other's memory. Prints one table with the ratios and writes DIR/diffuse.json,
DIR/python.json and DIR/comparison.md.

  /usr/bin/python3 bench/compare_with_python.py --out build/bench-vs-python
  ... --presets mnist --tasks train,eval --train-batches 128 --eval-batches 1   # a quicker subset
  ... --python-tuned   # also Python with Diffuse's runtime settings (OpenBLAS on one thread, malloc thresholds)
"""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
UNITS = {"train": "img/s", "eval": "eval/s", "ddim": "img/s"}
WHAT = {"train": "training step", "eval": "one network evaluation", "ddim": "{steps}-step DDIM sample"}
# What Diffuse's configure_runtime() does (runtime.h), as environment settings a Python user could make.
TUNED_ENV = {"OPENBLAS_NUM_THREADS": "1", "MALLOC_MMAP_THRESHOLD_": str(1 << 30), "MALLOC_TRIM_THRESHOLD_": str(1 << 30)}


def run(command, env=None):
    print("+ " + " ".join(command), flush=True)
    subprocess.run(command, check=True, env=env)


def load(path):
    with open(path) as f:
        return json.load(f)


def merge(parts):
    merged = dict(parts[0])
    merged["rows"] = [row for part in parts for row in part["rows"]]
    merged["models"] = {}
    for part in parts:
        merged["models"].update(part.get("models", {}))
    return merged


def table(diffuse, sides, precisions):
    """Markdown rows: per preset/work/batch, each side's throughput per precision and the ratios."""
    def index(report):
        return {(r["preset"], r["task"], r["batch"], r["precision"]): r for r in report["rows"]}

    cpp = index(diffuse)
    others = [(name, index(report)) for name, report in sides]
    ceiling = diffuse["matmul_gflops"]
    header = ["preset", "work", "batch"]
    for p in precisions:
        for name, _ in others:
            header.append(f"{name} {p}")
        header.append(f"Diffuse {p}")
        header += [f"Diffuse / {name} {p}" for name, _ in others]
    header += ["Diffuse GFLOP/s (% of matmul)", "peak RSS " + " / ".join([n for n, _ in others] + ["Diffuse"])]
    lines = ["| " + " | ".join(header) + " |", "|---|---|---:|" + "---:|" * (len(header) - 3)]
    seen = []
    for r in diffuse["rows"]:
        if (r["preset"], r["task"], r["batch"]) not in seen:
            seen.append((r["preset"], r["task"], r["batch"]))
    for preset, task, batch in seen:
        cells = [f"`{preset}`", WHAT[task].format(steps=diffuse["ddim_steps"]), str(batch)]
        best = None
        for p in precisions:
            b = cpp.get((preset, task, batch, p))
            found = [side.get((preset, task, batch, p)) for _, side in others]
            cells += [f"{a['items_per_second']:.4g}" if a else "-" for a in found]
            cells.append(f"{b['items_per_second']:.4g} {UNITS[task]}" if b else "-")
            cells += [f"**{b['items_per_second'] / a['items_per_second']:.2f}x**" if a and b else "-" for a in found]
            if b and ceiling.get(p) and (best is None or b["gflops"] / ceiling[p] > best[0]):
                best = (b["gflops"] / ceiling[p], b["gflops"], p)
        cells.append(f"{best[1]:.0f} ({100 * best[0]:.0f}% of {best[2]})" if best else "-")
        memory = [side.get((preset, task, batch, precisions[0])) for _, side in others]
        memory.append(cpp.get((preset, task, batch, precisions[0])))
        cells.append(" / ".join(f"{m['peak_rss_bytes'] / 2**20:.0f}" if m else "-" for m in memory) + " MB")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def cpu_has_bfloat16_units():
    """As diffuse's precision.h decides: the CPU flags name AVX512_BF16 or AMX-BF16."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    flags = line.split()
                    return "avx512_bf16" in flags or "amx_bf16" in flags
    except OSError:
        pass
    return False


def option(passthrough, name, default):
    for i, a in enumerate(passthrough):
        if a == name:
            return passthrough[i + 1]
        if a.startswith(name + "="):
            return a.split("=", 1)[1]
    return default


def without(passthrough, names):
    kept, skip = [], False
    for a in passthrough:
        if skip:
            skip = False
        elif a in names:
            skip = True
        elif not any(a.startswith(n + "=") for n in names):
            kept.append(a)
    return kept


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--diffuse-bench", default=os.path.join(HERE, "..", "build", "bench", "diffuse_bench"),
                        help="the diffuse_bench program (default: the one in build/)")
    parser.add_argument("--out", required=True, help="folder for the JSON results and comparison.md")
    parser.add_argument("--precision", default=None,
                        help="fp32, bf16 or fp32,bf16 (default: fp32, and bf16 where the CPU has AVX512_BF16 or AMX)")
    parser.add_argument("--python", default="/usr/bin/python3", help="the Python with Debian's python3-torch")
    parser.add_argument("--python-tuned", action="store_true",
                        help="also time Python with Diffuse's runtime settings: " + " ".join(f"{k}={v}" for k, v in TUNED_ENV.items()))
    known, passthrough = parser.parse_known_args()  # the rest (--presets, --batches, --min-time ...) goes to diffuse_bench
    if known.precision is None:
        known.precision = "fp32,bf16" if cpu_has_bfloat16_units() else "fp32"
    os.makedirs(known.out, exist_ok=True)
    presets = option(passthrough, "--presets", "mnist-small,mnist,cifar10").split(",")
    tasks = option(passthrough, "--tasks", "eval,ddim,train").split(",")
    passthrough = without(passthrough, ["--presets", "--tasks"])
    timing = []
    for name in ("--min-time", "--min-iterations"):
        value = option(passthrough, name, None)
        if value is not None:
            timing += [name, value]
    sides = [("Python", None)] + ([("Python tuned", dict(os.environ, **TUNED_ENV))] if known.python_tuned else [])
    parts = {"Diffuse": []}
    parts.update({name: [] for name, _ in sides})
    first = True
    for preset in presets:
        for task in tasks:
            ceiling = [] if first else ["--no-ceiling"]
            part = os.path.join(known.out, f"diffuse-{preset}-{task}.json")
            run([known.diffuse_bench, "--json", part, "--precision", known.precision, "--presets", preset,
                 "--tasks", task] + ceiling + passthrough)
            parts["Diffuse"].append(load(part))
            for name, env in sides:
                out = os.path.join(known.out, f"{name.replace(' ', '-').lower()}-{preset}-{task}.json")
                run([known.python, os.path.join(HERE, "reference", "throughput_reference.py"), "--diffuse-json", part,
                     "--json", out, "--precision", known.precision] + ceiling + timing, env=env)
                parts[name].append(load(out))
            first = False
    diffuse = merge(parts["Diffuse"])
    others = [(name, merge(parts[name])) for name, _ in sides]
    for name, report in [("diffuse", diffuse)] + [(n.replace(" ", "-").lower(), r) for n, r in others]:
        with open(os.path.join(known.out, f"{name}.json"), "w") as f:
            json.dump(report, f, indent=2)
    precisions = known.precision.split(",")
    ceiling, python = diffuse["matmul_gflops"], others[0][1]
    text = (f"Diffuse vs Python PyTorch {python['torch_version']}, {diffuse['threads']} threads each; "
            f"matmul ceiling (fastest 2048^3 on all threads) measured in the same run: fp32 {ceiling['fp32']:.0f} GFLOP/s"
            + (f", bf16 {ceiling['bf16']:.0f}" if ceiling.get("bf16") else "")
            + f" (Python measured fp32 {python['matmul_gflops']['fp32']:.0f}). Throughput is the median repeat, each "
            "kind of work in fresh processes; ratio = Diffuse / Python.\n\n" + table(diffuse, others, precisions) + "\n")
    with open(os.path.join(known.out, "comparison.md"), "w") as f:
        f.write(text)
    print("\n" + text)


if __name__ == "__main__":
    sys.exit(main())
