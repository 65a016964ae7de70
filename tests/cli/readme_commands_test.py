#!/usr/bin/env python3
"""Runs every `diffuse` command of the README's code blocks, in order, as
written, scaled down so that the whole README takes minutes: training runs a
few steps with T = 100, sampling and benchmarks draw a few samples. A command
that needs what this machine lacks (a GPU, the shared data) is reported as
skipped. Exits 1 when any command fails, naming it with its error.

Environment: DIFFUSE (the binary), DIFFUSE_SHARED_DATA (the shared data
folder; default ../shared/data beside the checkout)."""

import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

SOURCE = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DIFFUSE = os.environ["DIFFUSE"]
SHARED = os.environ.get("DIFFUSE_SHARED_DATA") or os.path.join(SOURCE, "..", "shared", "data")


def readme_commands():
    """The README's shell commands: code blocks, continuations joined, `&&` split."""
    text = open(os.path.join(SOURCE, "README.md")).read()
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        for line in block.replace("\\\n", " ").splitlines():
            for part in line.split("&&"):
                words = shlex.split(part, comments=True)
                if words and words[0] == "diffuse":
                    commands.append(words[1:])
    return commands


def set_option(words, option, value):
    if option in words:
        words[words.index(option) + 1] = value
    else:
        words += [option, value]


def scaled_down(words):
    """The command with its work scaled down, or a reason to skip it."""
    words = [w.replace("../shared/data", SHARED) for w in words]
    if "--device" in words and words[words.index("--device") + 1].startswith("cuda"):
        return None, "needs a GPU"
    if any(SHARED in w for w in words) and not os.path.isdir(SHARED):
        return None, "needs the shared data in " + SHARED
    if "--steps" in words and words[0] != "train" and "," not in words[words.index("--steps") + 1]:
        steps = int(words[words.index("--steps") + 1])
        set_option(words, "--steps", str(min(steps, 100)))  # the runs here have T = 100
    command = words[0]
    sub = words[1] if len(words) > 1 and not words[1].startswith("-") else ""
    if command == "serve":
        return None, "a server that runs until stopped (tests/cli/serve_test.py and tests/web drive one)"
    if command == "train":
        resume = "--resume" in words
        if not resume:
            set_option(words, "--steps", "2")
            set_option(words, "--timesteps", "100")  # enough noise for denoise's sigma 100
            set_option(words, "--batch-size", "4")
            set_option(words, "--sample-every", "0")
        elif "--steps" in words:
            set_option(words, "--steps", "4")
        words.append("--quiet")
    elif command == "sample":
        per_class = "--class" in words and words[words.index("--class") + 1] == "all"
        wanted = int(words[words.index("--num") + 1]) if "--num" in words else 16
        set_option(words, "--num", str(min(wanted, 2 if per_class else 12)))
        words.append("--quiet")
    elif command == "plan" and sub == "collect":
        set_option(words, "--steps", "5000")
    elif command == "plan" and "--run" in words and "--episodes" in words:
        set_option(words, "--episodes", "2")
    elif command == "inpaint":
        set_option(words, "--steps", "50")  # RePaint's 250 steps and 10 resamplings are 2,410 evaluations
        set_option(words, "--resample", "2")
    elif command == "bench" and sub == "samplers":
        words += ["--steps", "2,5", "--num", "20"]
    elif command == "bench" and sub == "denoise":
        words += ["--num", "2", "--sigma", "50"]
    elif command == "bench" and sub == "restore" and "denoise" in words:
        set_option(words, "--sigma", "25")
        set_option(words, "--tune-num", "1")
    elif command == "bench" and sub == "restore" and "--run" in words:
        set_option(words, "--scale", "4")
        set_option(words, "--steps", "1")
    elif command == "upscale":
        set_option(words, "--steps", "1")  # one plug-and-play iteration instead of 8
    elif command == "bench" and sub == "allreduce":
        words += ["--sizes", "4,1K", "--seconds", "0.02"]
    elif command == "bench" and sub == "guidance":
        words += ["--num", "10", "--steps", "2"]
    elif command == "eval" and sub == "train-features":
        words += ["--epochs", "1"]
    elif command == "eval" and "--run" in words:
        set_option(words, "--num", "10")
        set_option(words, "--steps", "2")
    elif command == "molecules" and "--split" in words:
        set_option(words, "--split", "test")  # the same scores, on a tenth of QM9
    return words, None


def main():
    work = tempfile.mkdtemp(prefix="readme-")
    try:
        os.makedirs(os.path.join(work, "docs"))
        shutil.copytree(os.path.join(SOURCE, "docs", "images"), os.path.join(work, "docs", "images"))
        os.makedirs(os.path.join(work, "models"))
        for model in os.listdir(os.path.join(SOURCE, "models")):
            os.symlink(os.path.join(SOURCE, "models", model), os.path.join(work, "models", model))
        for name in ("photo.png", "sketch.png", "restored.png"):  # the user's own pictures in the README
            shutil.copy(os.path.join(SOURCE, "docs", "images", "digits.png"), os.path.join(work, name))
        failures, ran, skipped = 0, 0, 0
        already_ran = set()
        for words in readme_commands():
            command, reason = scaled_down(list(words))
            shown = "diffuse " + " ".join(words)
            if command is not None and tuple(command) in already_ran:
                command, reason = None, "the same command ran above"
            if command is None:
                print(f"SKIP ({reason}): {shown}")
                skipped += 1
                continue
            already_ran.add(tuple(command))
            started = time.monotonic()
            result = subprocess.run([DIFFUSE, "--threads", "2"] + command, cwd=work, capture_output=True, text=True)
            seconds = time.monotonic() - started
            ran += 1
            if result.returncode != 0:
                failures += 1
                print(f"FAIL ({result.returncode}): {shown}\n  ran: {' '.join(command)}\n  {result.stderr.strip()[-600:]}")
            else:
                print(f"ok ({seconds:.1f} s): {shown}")
        print(f"{ran} README commands ran, {failures} failed, {skipped} skipped")
        return 1 if failures else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
