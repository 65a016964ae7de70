#!/usr/bin/env python3
"""Data-parallel training from the command line (issue: torch.distributed).

The same global batch on 1 process, on `--nproc-per-node 2`, on two ranks
started by hand with torchrun's variables, and under Debian's torchrun must
end with the same weights (to 1e-4, relative); a 2-process run stopped by
SIGTERM and resumed equals an uninterrupted one bit for bit; a killed rank
makes the job end with an error well within 90 s and leaves a checkpoint that
resumes; ranks given different settings, or inconsistent variables, are
refused with a message that names what is wrong.
"""
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

DIFFUSE = os.environ["DIFFUSE"]
failures = []


def fail(what):
    print("FAIL:", what)
    failures.append(what)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tensors(path):
    """name -> list of floats of a float32 safetensors file."""
    with open(path, "rb") as f:
        data = f.read()
    (size,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + size])
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        assert info["dtype"] == "F32", (name, info["dtype"])
        begin, end = info["data_offsets"]
        blob = data[8 + size + begin:8 + size + end]
        out[name] = struct.unpack(f"<{len(blob) // 4}f", blob)
    return out


def relative_difference(a, b):
    """The largest |a - b| of a tensor over that tensor's largest |b|."""
    worst = 0.0
    for name in b:
        scale = max(abs(v) for v in b[name]) or 1.0
        worst = max(worst, max(abs(x - y) for x, y in zip(a[name], b[name])) / scale)
    return worst


TRAIN = ["train", "--data", "toy2d:8gaussians", "--preset", "toy2d", "--batch-size", "64", "--seed", "3",
         "--sample-every", "0", "--quiet"]


def train(out, *extra, env=None, check=True):
    result = subprocess.run([DIFFUSE, "--threads", "1", *TRAIN, "--out", out, *extra], env=env,
                            capture_output=True, text=True, timeout=600)
    if check and result.returncode != 0:
        fail(f"train {out} {' '.join(extra)}: status {result.returncode}\n{result.stdout}{result.stderr}")
    return result


def rank_environment(rank, size, port, **more):
    env = dict(os.environ, RANK=str(rank), WORLD_SIZE=str(size), MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    env.update(more)
    return env


def by_hand(out, extra=(), seeds=("3", "3")):
    """Two ranks started by hand; returns their (status, stderr)."""
    port = free_port()
    processes = []
    for rank in range(2):
        command = [DIFFUSE, "--threads", "1", *TRAIN, "--out", out, *extra]
        command[command.index("--seed") + 1] = seeds[rank]
        processes.append(subprocess.Popen(command, env=rank_environment(rank, 2, port), stdout=subprocess.PIPE,
                                          stderr=subprocess.PIPE, text=True))
    results = []
    for process in processes:
        stdout, stderr = process.communicate(timeout=600)
        results.append((process.returncode, stdout + stderr))
    return results


def make_two_hosts():
    """Two network namespaces joined by a veth pair, 10.77.x.1 and 10.77.x.2,
    as two machines on one link; None when this user cannot make them."""
    tag = os.getpid() % 100000
    names = (f"dfa{tag}", f"dfb{tag}")
    subnet = f"10.77.{tag % 250}"
    steps = [["ip", "netns", "add", names[0]], ["ip", "netns", "add", names[1]],
             ["ip", "link", "add", names[0], "type", "veth", "peer", "name", names[1]]]
    for i, name in enumerate(names):
        steps += [["ip", "link", "set", name, "netns", name],
                  ["ip", "-n", name, "addr", "add", f"{subnet}.{i + 1}/24", "dev", name],
                  ["ip", "-n", name, "link", "set", name, "up"],
                  ["ip", "-n", name, "link", "set", "lo", "up"]]
    for step in steps:
        if shutil.which("ip") is None or subprocess.run(step, capture_output=True).returncode != 0:
            remove_two_hosts(names)
            return None
    return names, [f"{subnet}.1", f"{subnet}.2"]


def remove_two_hosts(names):
    for name in names:
        subprocess.run(["ip", "netns", "del", name], capture_output=True)


def on_two_hosts(out, steps):
    hosts = make_two_hosts()
    if hosts is None:
        print("note: cannot create network namespaces here (needs root and iproute2): the ranks by hand on "
              "loopback stand in for two machines")
        return False
    names, addresses = hosts
    try:
        port = free_port()
        processes = []
        for rank in range(2):
            env = rank_environment(rank, 2, port, MASTER_ADDR=addresses[0])
            processes.append(subprocess.Popen(["ip", "netns", "exec", names[rank], DIFFUSE, "--threads", "1", *TRAIN,
                                               "--out", f"{out}{rank}", *steps], env=env, stdout=subprocess.PIPE,
                                              stderr=subprocess.PIPE, text=True))
        for rank, process in enumerate(processes):
            stdout, stderr = process.communicate(timeout=600)
            if process.returncode != 0:
                fail(f"rank {rank} in network namespace {names[rank]}: status {process.returncode}\n{stdout}{stderr}")
    finally:
        remove_two_hosts(names)
    if os.path.exists(f"{out}1"):
        fail("rank 1 of the two-host job wrote a run directory; rank 0 alone should")
    return True


def compare(name, run, reference, tolerance=1e-4):
    for weights in ("model.safetensors", "ema.safetensors"):
        try:
            difference = relative_difference(tensors(f"{run}/{weights}"), tensors(f"{reference}/{weights}"))
        except (OSError, KeyError) as e:
            fail(f"{name}: cannot compare {weights}: {e}")
            continue
        print(f"{name}: {weights} differs from one process by {difference:.2e} (relative)")
        if not difference <= tolerance:
            fail(f"{name}: {weights} differs by {difference:.2e} > {tolerance}")


def main():
    work = tempfile.mkdtemp()
    os.chdir(work)
    try:
        steps = ["--steps", "60"]
        train("one", *steps)

        # --nproc-per-node 2
        result = train("two", *steps, "--nproc-per-node", "2")
        if "data-parallel job of 2 ranks" not in result.stdout:
            fail("--nproc-per-node 2 does not say it runs a job of 2 ranks:\n" + result.stdout)
        compare("--nproc-per-node 2", "two", "one")

        # Two ranks by hand, as on two machines.
        for status, output in by_hand("hand", steps):
            if status != 0:
                fail(f"a rank started by hand failed ({status}):\n{output}")
        compare("ranks by hand", "hand", "one")
        if os.path.exists("hand") and sorted(os.listdir("hand")) != sorted(os.listdir("one")):
            fail(f"ranks by hand wrote {sorted(os.listdir('hand'))}, one process {sorted(os.listdir('one'))}")

        # Two "machines": network namespaces joined by a veth pair, each rank its own run directory path.
        if on_two_hosts("hosts", steps):
            compare("two hosts (network namespaces)", "hosts0", "one")

        # Under torchrun (Debian's python3-torch), which runs its own rendezvous store.
        torchrun = shutil.which("torchrun")
        if torchrun is None:
            fail("torchrun not found (Debian's python3-torch provides it)")
        else:
            result = subprocess.run([torchrun, "--standalone", "--nnodes", "1", "--nproc_per_node", "2",
                                     "--redirects", "2", "--tee", "2", "--no_python",
                                     DIFFUSE, "--threads", "1", *TRAIN, "--out", "torchrun", *steps],
                                    capture_output=True, text=True, timeout=600)
            if result.returncode != 0:
                fail(f"torchrun: status {result.returncode}\n{result.stdout}{result.stderr}")
            compare("torchrun", "torchrun", "one")

        # Stopped by SIGTERM, resumed: bit for bit the uninterrupted 2-process run.
        long = ["--steps", "3000", "--checkpoint-every", "100000"]
        train("whole", *long, "--nproc-per-node", "2")
        launcher = subprocess.Popen([DIFFUSE, "--threads", "1", *TRAIN, "--out", "stopped", *long, "--nproc-per-node", "2"],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        # Signal once training has begun (its first metrics line), not at a fixed time: on a loaded
        # machine the ranks may still be starting after seconds, and then there is no run to resume.
        deadline = time.time() + 120
        while time.time() < deadline and launcher.poll() is None:
            if os.path.exists("stopped/metrics.jsonl") and os.path.getsize("stopped/metrics.jsonl") > 0:
                break
            time.sleep(0.1)
        else:
            fail("a 2-process job wrote no metrics line within 120 s (or ended without one)")
        launcher.send_signal(signal.SIGTERM)
        stdout, stderr = launcher.communicate(timeout=120)
        if launcher.returncode == 0:
            print("note: the run ended before SIGTERM came; the resume below is then trivial")
        elif launcher.returncode != 143:
            fail(f"SIGTERM to a 2-process job: status {launcher.returncode}, expected 143\n{stdout}{stderr}")
        train("stopped", "--resume", "--nproc-per-node", "2")
        for weights in ("model.safetensors", "ema.safetensors"):
            with open(f"stopped/{weights}", "rb") as a, open(f"whole/{weights}", "rb") as b:
                if a.read() != b.read():
                    fail(f"a 2-process run stopped by SIGTERM and resumed: {weights} is not bit-identical")
        # Resumed on another number of ranks: the same run, up to summation order.
        train("whole", "--resume", "--steps", "3060")
        train("stopped", "--resume", "--steps", "3060", "--nproc-per-node", "2")
        compare("resumed on 1 rank and on 2", "whole", "stopped")

        # Killing a rank: the job ends with an error, soon, and its checkpoint resumes.
        launcher = subprocess.Popen([DIFFUSE, "--threads", "1", *TRAIN, "--out", "killed", "--steps", "10000000",
                                     "--checkpoint-every", "200", "--nproc-per-node", "2"],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 120
        while not os.path.exists("killed/checkpoint.safetensors") and time.time() < deadline:
            time.sleep(0.2)
        children = subprocess.run(["pgrep", "-P", str(launcher.pid)], capture_output=True, text=True).stdout.split()
        victim = None
        for pid in children:
            with open(f"/proc/{pid}/environ", "rb") as f:
                if b"RANK=1" in f.read().split(b"\0"):
                    victim = int(pid)
        if victim is None:
            fail(f"no rank 1 among the launcher's children {children}")
            launcher.kill()
        else:
            killed_at = time.time()
            os.kill(victim, signal.SIGKILL)
            try:
                stdout, stderr = launcher.communicate(timeout=90)
                seconds = time.time() - killed_at
                print(f"killed rank 1: the job ended after {seconds:.1f} s with status {launcher.returncode}")
                if launcher.returncode in (0, None):
                    fail("the job ended with status 0 after a rank was killed")
                if "rank 1 of 2" not in stderr or "signal 9" not in stderr:
                    fail("the job's error does not name rank 1 and the signal:\n" + stderr)
            except subprocess.TimeoutExpired:
                launcher.kill()
                fail("the job did not end within 90 s of a rank being killed")
        train("killed", "--resume", "--steps", "400")

        # Ranks given different settings are refused, naming the setting.
        results = by_hand("mismatch", ["--steps", "5"], seeds=("3", "4"))
        for rank, (status, output) in enumerate(results):
            if status == 0 or "training.seed" not in output and rank == 1:
                fail(f"rank {rank} with another --seed: status {status}\n{output}")
            if status != 0 and "not given the same settings" not in output:
                fail(f"rank {rank}: the mismatch is not explained:\n{output}")

        # Inconsistent variables, and --nproc-per-node inside a job.
        checks = [
            ({"RANK": "0"}, [], "WORLD_SIZE"),
            ({"RANK": "0", "WORLD_SIZE": "2", "MASTER_PORT": "1"}, [], "MASTER_ADDR"),
            ({"RANK": "0", "WORLD_SIZE": "2", "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": "9"},
             ["--nproc-per-node", "2"], "already rank 0 of 2"),
        ]
        for variables, extra, naming in checks:
            env = {k: v for k, v in os.environ.items() if k not in ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT")}
            env.update(variables)
            result = train("bad", "--steps", "5", *extra, env=env, check=False)
            if result.returncode != 1 or f"{naming}" not in result.stderr:
                fail(f"{variables} {extra}: status {result.returncode}, expected an error naming {naming}:\n{result.stderr}")
    finally:
        os.chdir("/")
        shutil.rmtree(work, ignore_errors=True)
    if failures:
        print(f"{len(failures)} failure(s)")
        sys.exit(1)
    print("distributed: all checks passed")


if __name__ == "__main__":
    main()
