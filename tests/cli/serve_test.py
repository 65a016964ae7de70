#!/usr/bin/env python3
"""`diffuse serve` from the outside: the page, every API route, live events,
cancellation, a full queue, the token, and hostile requests, each of which
must get a 4xx while the server keeps serving."""
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

DIFFUSE = os.environ["DIFFUSE"]
failures = []


def fail(what):
    print("FAIL:", what)
    failures.append(what)


def expect(condition, what):
    if not condition:
        fail(what)
    return condition


class Server:
    def __init__(self, runs, *flags):
        self.process = subprocess.Popen([DIFFUSE, "--threads", "1", "serve", "--runs", runs, "--port", "0", *flags],
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        line = self.process.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        if not match:
            raise RuntimeError("the server did not say where it listens: " + line + self.process.stdout.read())
        self.port = int(match.group(1))

    def request(self, method, path, body=None, headers=None, raw=False):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
        connection.request(method, path, body=data, headers=headers or {})
        response = connection.getresponse()
        payload = response.read()
        connection.close()
        if raw:
            return response.status, payload, response
        try:
            return response.status, json.loads(payload)
        except ValueError:
            return response.status, payload

    def stop(self):
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            fail("the server did not stop within 30 s of Ctrl-C")
        return self.process.returncode


def wait_done(server, job, timeout=300):
    deadline = time.time() + timeout
    while time.time() < deadline:
        status, body = server.request("GET", f"/api/jobs/{job}")
        if status != 200 or body["state"] in ("done", "failed", "cancelled"):
            return body
        time.sleep(0.1)
    fail(f"job {job} did not finish in {timeout} s")
    return {}


def events_of(server, job):
    """The Server-Sent Events of a job, read to the end: [(event, data)]."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
    connection.request("GET", f"/api/jobs/{job}/events")
    response = connection.getresponse()
    expect(response.status == 200 and response.getheader("Content-Type", "").startswith("text/event-stream"),
           f"events: status {response.status}, type {response.getheader('Content-Type')}")
    events, name = [], None
    for raw in response:
        line = raw.decode().rstrip("\n")
        if line.startswith("event: "):
            name = line[7:]
        elif line.startswith("data: "):
            events.append((name, json.loads(line[6:])))
            if name == "end":
                break
    connection.close()
    return events


def main():
    work = tempfile.mkdtemp()
    os.chdir(work)
    server = None
    try:
        os.makedirs("runs")
        for command in (["--data", "toy2d:8gaussians", "--conditional", "--steps", "200", "--out", "runs/gauss"],
                        ["--data", "fashion-mnist", "--preset", "mnist-small", "--steps", "2", "--batch-size", "4",
                         "--timesteps", "100", "--sample-every", "2", "--out", "runs/images/fashion"]):
            subprocess.run([DIFFUSE, "--threads", "1", "train", "--quiet", *command], check=True, capture_output=True)
        os.makedirs("outside/secret")
        shutil.copytree("runs/gauss", "outside/secret/run")

        server = Server("runs", "--max-queued", "2")
        status, page, _ = server.request("GET", "/", raw=True)
        expect(status == 200 and b"<title>Diffuse</title>" in page, f"GET / gave {status}")
        status, script, _ = server.request("GET", "/app.js", raw=True)
        expect(status == 200 and b"EventSource" in script, f"GET /app.js gave {status}")

        status, body = server.request("GET", "/api/runs")
        names = {run["name"]: run for run in body.get("runs", [])} if status == 200 else {}
        expect(set(names) == {"gauss", "images/fashion"}, f"GET /api/runs: {status} {names.keys()}")
        expect(names.get("gauss", {}).get("kind") == "points" and len(names["gauss"]["classes"]) == 8,
               "the toy run is listed as points with 8 classes")
        expect(names.get("images/fashion", {}).get("kind") == "image", "the image run is listed as an image run")
        status, log = server.request("GET", "/api/runs/gauss/training")
        expect(status == 200 and log.get("total_steps") == 200 and log.get("step") == 200 and len(log.get("loss", [])) >= 2,
               f"the training log of a run: {status} {str(log)[:200]}")
        status, png, _ = server.request("GET", "/api/runs/images/fashion/preview", raw=True)
        expect(status == 200 and png[:8] == b"\x89PNG\r\n\x1a\n", f"a run's preview grid: {status}")

        # Points, class-conditional and guided: CSV of num rows.
        status, body = server.request("POST", "/api/jobs", {"run": "gauss", "num": 300, "steps": 20, "class": 2,
                                                             "guidance": 3, "seed": 5})
        expect(status == 202 and re.fullmatch(r"[0-9a-f]{16}", body.get("id", "")), f"POST a points job: {status} {body}")
        job = body["id"]
        snapshot = wait_done(server, job)
        expect(snapshot.get("state") == "done", f"the points job ended {snapshot}")
        status, csv, response = server.request("GET", f"/api/jobs/{job}/result", raw=True)
        rows = csv.decode().strip().split("\n")
        expect(status == 200 and response.getheader("Content-Type") == "text/csv" and rows[0] == "x,y" and len(rows) == 301,
               f"the points result: {status}, {len(rows)} lines")
        # Mode 2 of 8gaussians lies at 90 degrees: the guided samples go up.
        ys = [float(row.split(",")[1]) for row in rows[1:]]
        expect(sorted(ys)[150] > 1.0, f"class 2 at guidance 3 should sit near (0, 2.8); median y {sorted(ys)[150]:.2f}")

        # An image job watched live: progress, x0 previews, end; a PNG result.
        status, body = server.request("POST", "/api/jobs", {"run": "images/fashion", "num": 4, "steps": 100,
                                                             "sampler": "ddpm"})
        expect(status == 202, f"POST an image job: {status} {body}")
        events = events_of(server, body["id"])
        kinds = [name for name, _ in events]
        expect(kinds.count("progress") >= 2 and "preview" in kinds and kinds[-1] == "end",
               f"the events of an image job: {kinds[:5]} ... {kinds[-3:]}")
        expect(all(data["png"].startswith("data:image/png;base64,") for name, data in events if name == "preview"),
               "previews are PNG data URLs")
        status, png, _ = server.request("GET", f"/api/jobs/{body['id']}/result", raw=True)
        expect(status == 200 and png[:8] == b"\x89PNG\r\n\x1a\n", f"the image result: {status}")

        # Cancelling a long job, and a full queue.
        long = {"run": "images/fashion", "num": 64, "steps": 100, "sampler": "heun"}
        ids = [server.request("POST", "/api/jobs", long)[1].get("id") for _ in range(3)]
        status, body = server.request("POST", "/api/jobs", long)
        expect(status == 503 and "waiting" in body.get("error", ""), f"a fourth job with 2 allowed to wait: {status}")
        for job in ids:
            status, body = server.request("DELETE", f"/api/jobs/{job}")
            expect(status == 200, f"DELETE a job: {status} {body}")
        for job in ids:
            expect(wait_done(server, job, 60).get("state") == "cancelled", f"job {job} was not cancelled")
        status, body = server.request("GET", f"/api/jobs/{ids[0]}/result")
        expect(status == 409, f"the result of a cancelled job: {status}")

        # Hostile requests: each a 4xx with a JSON error, none hurting the server.
        hostile = [
            ("POST", "/api/jobs", b"{not json", 400),
            ("POST", "/api/jobs", b"[]", 400),
            ("POST", "/api/jobs", {"run": "../outside/secret/run"}, 404),
            ("POST", "/api/jobs", {"run": "/etc"}, 404),
            ("POST", "/api/jobs", {"run": "gauss/../gauss"}, 404),
            ("POST", "/api/jobs", {"run": "missing"}, 404),
            ("POST", "/api/jobs", {"run": "gauss", "num": 10 ** 12}, 400),
            ("POST", "/api/jobs", {"run": "images/fashion", "num": 5000}, 400),
            ("POST", "/api/jobs", {"run": "gauss", "steps": 10 ** 9}, 400),
            ("POST", "/api/jobs", {"run": "gauss", "steps": 5000}, 400),
            ("POST", "/api/jobs", {"run": "gauss", "class": 99}, 400),
            ("POST", "/api/jobs", {"run": "images/fashion", "class": 1}, 400),
            ("POST", "/api/jobs", {"run": "gauss", "temperature": "hot"}, 400),
            ("POST", "/api/jobs", {"run": "gauss", "extra": 1}, 400),
            ("POST", "/api/jobs", b"x" * (5 * 1024 * 1024), 413),
            ("POST", "/api/jobs", b'{"run": "gauss", "num": ' + b"[" * 400000 + b"]" * 400000 + b"}", 400),
            ("POST", "/api/jobs", json.dumps({"run": "gauss", "x" * 100000: 1}).encode(), 400),
            ("GET", "/api/jobs/0123456789abcdef", None, 404),
            ("GET", "/api/jobs/0123456789abcdef/result", None, 404),
            ("GET", "/api/jobs/0123456789abcdef/events", None, 404),
            ("DELETE", "/api/jobs/0123456789abcdef", None, 404),
            ("GET", "/api/jobs/../../etc/passwd", None, 404),
            ("GET", "/api/runs/../outside/secret/run/preview", None, 404),
            ("GET", "/api/runs/../outside/secret/run/training", None, 404),
            ("GET", "/api/nothing", None, 404),
            ("PUT", "/api/jobs", b"{}", 404),
        ]
        for method, path, body, wanted in hostile:
            try:
                status, answer = server.request(method, path, body)
            except (ConnectionError, http.client.HTTPException) as e:
                if wanted == 413:  # the server may close the connection once it has said 413
                    continue
                fail(f"{method} {path}: the connection broke ({e})")
                continue
            expect(status == wanted and isinstance(answer, dict) and "error" in answer,
                   f"{method} {path} {str(body)[:40]}: {status} {str(answer)[:120]}, expected {wanted} with an error")
        status, body = server.request("GET", "/api/health")
        expect(status == 200 and body.get("ok"), f"the server after hostile requests: {status}")
        code = server.stop()
        expect(code == 0, f"the server exited {code} after Ctrl-C")

        # A token, and remote addresses only when asked for with one.
        server = Server("runs", "--token", "0123456789abcdef-secret")
        status, body = server.request("GET", "/api/runs")
        expect(status == 401, f"no token: {status}")
        status, body = server.request("GET", "/api/runs", headers={"Authorization": "Bearer 0123456789abcdef-secret"})
        expect(status == 200, f"with the token: {status}")
        status, body = server.request("GET", "/api/runs?token=0123456789abcdef-secret")
        expect(status == 200, f"with the token as a parameter: {status}")
        server.stop()
        server = None
        for flags, naming in ((["--runs", "runs", "--host", "0.0.0.0"], "--allow-remote"),
                              (["--runs", "runs", "--host", "0.0.0.0", "--allow-remote"], "--token"),
                              (["--runs", "missing-directory"], "not a directory")):
            result = subprocess.run([DIFFUSE, "serve", "--port", "0", *flags], capture_output=True, text=True, timeout=30)
            expect(result.returncode == 1 and naming in result.stderr, f"serve {flags}: {result.returncode} {result.stderr}")
    finally:
        if server is not None:
            server.process.kill()
        os.chdir("/")
        shutil.rmtree(work, ignore_errors=True)
    if failures:
        print(f"{len(failures)} failure(s)")
        sys.exit(1)
    print("serve: all checks passed")


if __name__ == "__main__":
    main()
