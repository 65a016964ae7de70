#!/usr/bin/env python3
"""A bounded load test of `diffuse serve` on loopback: requests per second
for GET /api/runs, the latency of a small generation job with 1 and with 16
clients at once, and the server's resident memory before and after 1,000
jobs. Prints a Markdown table.

Usage: bench/serve_load.py DIFFUSE RUNS_DIR RUN [--jobs 1000] [--seconds 5]
(RUN: a run under RUNS_DIR; the job is 64 samples, 20 DDIM steps.)"""
import argparse
import http.client
import json
import re
import signal
import statistics
import subprocess
import threading
import time


def request(connection, method, path, body=None):
    connection.request(method, path, body=None if body is None else json.dumps(body).encode(),
                       headers={"Content-Type": "application/json"})
    response = connection.getresponse()
    return response.status, json.loads(response.read())


def resident_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"VmRSS:\s+(\d+) kB", f.read()).group(1)) / 1024


def run_job(port, job):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    started = time.monotonic()
    while True:
        status, body = request(connection, "POST", "/api/jobs", job)
        if status == 202:
            break
        if status != 503:
            raise RuntimeError(f"POST /api/jobs: {status} {body}")
        time.sleep(0.05)  # the queue is full: try again, as the Retry-After says
    while True:
        status, body = request(connection, "GET", f"/api/jobs/{body['id']}")
        if body["state"] in ("done", "failed", "cancelled"):
            break
        time.sleep(0.005)
    connection.close()
    if body["state"] != "done":
        raise RuntimeError(f"job ended {body}")
    return time.monotonic() - started


def latencies(port, job, clients, total):
    results, lock = [], threading.Lock()

    def client(count):
        for _ in range(count):
            seconds = run_job(port, job)
            with lock:
                results.append(seconds)

    threads = [threading.Thread(target=client, args=(total // clients,)) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("diffuse")
    parser.add_argument("runs")
    parser.add_argument("run")
    parser.add_argument("--jobs", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    server = subprocess.Popen([args.diffuse, "serve", "--runs", args.runs, "--port", "0", "--max-queued", "64"],
                              stdout=subprocess.PIPE, text=True)
    port = int(re.search(r"127\.0\.0\.1:(\d+)/", server.stdout.readline()).group(1))
    job = {"run": args.run, "num": 64, "steps": 20, "sampler": "ddim"}
    try:
        rss_start = resident_mb(server.pid)
        # Requests per second for /api/runs: 4 clients on keep-alive connections.
        counts, stop = [0] * 4, time.monotonic() + args.seconds

        def poll(index):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            while time.monotonic() < stop:
                status, _ = request(connection, "GET", "/api/runs")
                assert status == 200
                counts[index] += 1

        threads = [threading.Thread(target=poll, args=(i,)) for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        runs_per_second = sum(counts) / args.seconds
        one = latencies(port, job, 1, 20)
        sixteen = latencies(port, job, 16, 64)
        done = 20 + 64
        latencies(port, job, 8, args.jobs - done)
        rss_end = resident_mb(server.pid)
        print(f"| GET /api/runs, 4 clients | {runs_per_second:.0f} requests/s |")
        print(f"| a job (64 points, 20 DDIM steps), 1 client | median {statistics.median(one) * 1000:.0f} ms "
              f"(p95 {sorted(one)[int(0.95 * len(one))] * 1000:.0f} ms, 20 jobs) |")
        print(f"| the same, 16 clients at once | median {statistics.median(sixteen) * 1000:.0f} ms "
              f"(p95 {sorted(sixteen)[int(0.95 * len(sixteen))] * 1000:.0f} ms, 64 jobs) |")
        print(f"| resident memory: at start, after {args.jobs} jobs | {rss_start:.0f} MB, {rss_end:.0f} MB |")
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=60)


if __name__ == "__main__":
    main()
