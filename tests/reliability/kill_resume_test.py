#!/usr/bin/env python3
"""SIGKILL fault injection: kill `diffuse train` at random moments and while
it writes a checkpoint, resume each time, and check that

  * every checkpoint on disk after every kill reads back whole (its CRC-32,
    recomputed here independently of Diffuse, matches), and
  * the final weights equal, byte for byte, those of an uninterrupted run
    with the same seed.

Usage: kill_resume_test.py DIFFUSE_BINARY [--kills N] [--seed S] [--work DIR]
Prints one line per kill and a summary; exits non-zero on any failure.
"""
import argparse
import json
import os
import random
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import zlib

CHECKSUM_FIELD = b'"diffuse_crc32":"'
CHECKPOINTS = ("checkpoint.safetensors", "checkpoint.previous.safetensors")


def verify_safetensors(path):
    """Raises ValueError unless `path` is a whole safetensors file whose
    checksum matches; returns its metadata."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise ValueError(f"{path}: {len(data)} bytes, shorter than the header length")
    (header_size,) = struct.unpack("<Q", data[:8])
    if 8 + header_size > len(data):
        raise ValueError(f"{path}: header runs past the end of the file")
    header = json.loads(data[8:8 + header_size])
    metadata = header.get("__metadata__", {})
    stored = metadata.get("diffuse_crc32")
    if stored is None:
        raise ValueError(f"{path}: no checksum")
    at = data.find(CHECKSUM_FIELD) + len(CHECKSUM_FIELD)
    computed = zlib.crc32(data[:at] + b"0" * 8 + data[at + 8:]) & 0xFFFFFFFF
    if f"{computed:08x}" != stored:
        raise ValueError(f"{path}: checksum {computed:08x}, file says {stored}")
    end = max((entry["data_offsets"][1] for name, entry in header.items() if name != "__metadata__"), default=0)
    if 8 + header_size + end != len(data):
        raise ValueError(f"{path}: {len(data)} bytes, the header describes {8 + header_size + end}")
    return metadata


def tensors_of(path):
    """Name -> raw bytes of each tensor: what 'bit for bit' compares."""
    with open(path, "rb") as f:
        data = f.read()
    (header_size,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + header_size])
    base = 8 + header_size
    return {name: data[base + e["data_offsets"][0]:base + e["data_offsets"][1]]
            for name, e in header.items() if name != "__metadata__"}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("diffuse")
    parser.add_argument("--kills", type=int, default=12)
    parser.add_argument("--seed", type=int, default=20261202)
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--work", default=None)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    work = args.work or tempfile.mkdtemp(prefix="diffuse_kill_")
    env = dict(os.environ, OMP_NUM_THREADS="1")
    train = [args.diffuse, "train", "--data", "toy2d:moons", "--steps", str(args.steps), "--batch-size", "64",
             "--checkpoint-every", "10", "--sample-every", "0", "--seed", "11", "--quiet"]

    reference = os.path.join(work, "uninterrupted")
    shutil.rmtree(reference, ignore_errors=True)
    started = time.monotonic()
    subprocess.run(train + ["--out", reference], check=True, env=env, stdout=subprocess.DEVNULL)
    duration = time.monotonic() - started
    print(f"uninterrupted run: {duration:.1f} s")

    run = os.path.join(work, "killed")
    shutil.rmtree(run, ignore_errors=True)
    kills = during_write = 0
    failures = []
    attempt = 0
    while True:
        attempt += 1
        resume = any(os.path.exists(os.path.join(run, name)) for name in CHECKPOINTS)
        command = [args.diffuse, "train", "--out", run, "--resume", "--quiet"] if resume else train + ["--out", run]
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if kills >= args.kills:
            _, stderr = process.communicate()
            if process.returncode != 0:
                failures.append(f"final run failed: {stderr.decode(errors='replace')}")
            break
        # Alternate: a moment anywhere in the run, or the moment a checkpoint is being written.
        aim_at_write = kills % 2 == 1
        deadline = time.monotonic() + (duration * 1.5 + 5 if aim_at_write else rng.uniform(0.2, duration))
        # This process's own temporary files ("checkpoint....tmp<pid>"), not ones an earlier kill left.
        def writing_now():
            suffix = f".tmp{process.pid}"
            return os.path.isdir(run) and [n for n in os.listdir(run) if n.startswith("checkpoint") and n.endswith(suffix)]
        caught_writing = False
        while time.monotonic() < deadline and process.poll() is None:
            if aim_at_write and writing_now():
                caught_writing = True
                break
            if not aim_at_write:
                time.sleep(0.005)
        if process.poll() is not None:
            stderr = process.stderr.read().decode(errors="replace")
            if process.returncode != 0:
                failures.append(f"attempt {attempt} failed on its own (exit {process.returncode}): {stderr.strip()}")
                break
            # Finished before the kill: start again from scratch, so every kill interrupts a run.
            print(f"attempt {attempt}: the run ended before the kill; starting over")
            shutil.rmtree(run)
            continue
        process.send_signal(signal.SIGKILL)
        process.communicate()
        kills += 1
        # A temporary file of this process left behind shows the kill landed inside a checkpoint write.
        leftovers = writing_now() or []
        during_write += bool(leftovers) or caught_writing
        steps = []
        for name in CHECKPOINTS:
            path = os.path.join(run, name)
            if os.path.exists(path):
                try:
                    steps.append(f"{name} at step {verify_safetensors(path)['step']}")
                except (ValueError, json.JSONDecodeError) as error:
                    failures.append(f"kill {kills}: unreadable {name}: {error}")
        print(f"kill {kills}: {'while writing a checkpoint' if caught_writing or leftovers else 'at a random moment'}"
              f" ({', '.join(steps) or 'no checkpoint yet'}; left behind: {', '.join(leftovers) or 'nothing'})")

    for name in ("model.safetensors", "ema.safetensors"):
        a, b = tensors_of(os.path.join(reference, name)), tensors_of(os.path.join(run, name))
        different = sorted(k for k in a if a[k] != b.get(k))
        if a.keys() != b.keys() or different:
            failures.append(f"{name}: {len(different)} tensors differ from the uninterrupted run (e.g. {different[:3]})")
    a = tensors_of(os.path.join(reference, CHECKPOINTS[0]))
    b = tensors_of(os.path.join(run, CHECKPOINTS[0]))
    if a != b:
        failures.append("the final checkpoint's tensors (weights, EMA, Adam, RNG) differ from the uninterrupted run")
    print(f"summary: {kills} SIGKILLs, {during_write} of them inside a checkpoint write, {attempt} processes; "
          f"final weights {'differ' if failures else 'equal bit for bit'}")
    for failure in failures:
        print("FAIL:", failure)
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
