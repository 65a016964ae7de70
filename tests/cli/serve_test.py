#!/usr/bin/env python3
"""`diffuse serve` from the outside: the page, every API route, live events,
cancellation, a full queue, the token, and hostile requests, each of which
must get a 4xx while the server keeps serving."""
import base64
import http.client
import json
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import zlib

DIFFUSE = os.environ["DIFFUSE"]
MODELS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "models")
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


def png_file(width, height, pixel, channels=1):
    """PNG bytes (8-bit grey or RGB, no filters) of pixel(x, y) -> value or (r, g, b)."""
    rows = []
    for y in range(height):
        row = bytearray([0])
        for x in range(width):
            value = pixel(x, y)
            row.extend([value] if channels == 1 else value)
        rows.append(bytes(row))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 0 if channels == 1 else 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"".join(rows))) +
            chunk(b"IEND", b""))


def png_size(data):
    """(width, height) of PNG bytes, or None."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    return struct.unpack(">II", data[16:24])


def data_url(data):
    return "data:image/png;base64," + base64.b64encode(data).decode()


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
        # The models that ship with the project: a molecule run and planners, dense and sparse (weights linked).
        for model in ("qm9-small", "maze2d-umaze", "maze2d-large-sparse"):
            os.makedirs(f"runs/shipped/{model}")
            shutil.copy(os.path.join(MODELS, model, "config.json"), f"runs/shipped/{model}/config.json")
            os.symlink(os.path.join(MODELS, model, "ema.safetensors"), f"runs/shipped/{model}/ema.safetensors")

        server = Server("runs", "--max-queued", "2")
        status, page, _ = server.request("GET", "/", raw=True)
        expect(status == 200 and b"<title>Diffuse</title>" in page, f"GET / gave {status}")
        status, script, _ = server.request("GET", "/app.js", raw=True)
        expect(status == 200 and b"EventSource" in script, f"GET /app.js gave {status}")

        status, body = server.request("GET", "/api/runs")
        names = {run["name"]: run for run in body.get("runs", [])} if status == 200 else {}
        expect(set(names) == {"gauss", "images/fashion", "shipped/qm9-small", "shipped/maze2d-umaze",
                              "shipped/maze2d-large-sparse"},
               f"GET /api/runs: {status} {names.keys()}")
        expect(names.get("shipped/qm9-small", {}).get("kind") == "molecules" and
               names.get("shipped/maze2d-umaze", {}).get("kind") == "plan", "the shipped models are listed by kind")
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

        # Restorations of an uploaded image: each gives a PNG of the right size.
        photo = png_file(40, 30, lambda x, y: (x * 6 + y * 3) % 256)
        colour = png_file(20, 16, lambda x, y: (x * 12 % 256, y * 15 % 256, 90), channels=3)
        mask = png_file(40, 30, lambda x, y: 255 if 10 <= x < 25 and 5 <= y < 20 else 0)
        restorations = [
            ({"task": "denoise", "image": data_url(photo), "sigma": 25}, (40, 30)),
            ({"task": "denoise", "image": base64.b64encode(photo).decode(), "method": "ddim", "steps": 5}, (40, 30)),
            ({"task": "inpaint", "image": data_url(photo), "mask": data_url(mask), "steps": 10, "resample": 2}, (40, 30)),
            ({"task": "img2img", "image": data_url(colour), "strength": 0.3, "steps": 5}, (20, 16)),
            ({"task": "upscale", "image": data_url(colour), "scale": 2, "steps": 2}, (40, 32)),
        ]
        for request, size in restorations:
            status, body = server.request("POST", "/api/jobs", {"run": "images/fashion", **request})
            if not expect(status == 202, f"POST a {request['task']} job: {status} {body}"):
                continue
            snapshot = wait_done(server, body["id"])
            expect(snapshot.get("state") == "done" and snapshot["request"].get("task") == request["task"] and
                   "image" not in snapshot["request"] and snapshot["request"].get("image_bytes", 0) > 0,
                   f"the {request['task']} job ended {str(snapshot)[:300]}")
            status, result, response = server.request("GET", f"/api/jobs/{body['id']}/result", raw=True)
            expect(status == 200 and response.getheader("Content-Type") == "image/png" and png_size(result) == size,
                   f"the {request['task']} result: {status}, size {png_size(result)}, expected {size}")
        status, body = server.request("GET", "/api/runs/images/fashion/schedule")
        alpha_bar = body.get("alpha_bar", []) if status == 200 else []
        expect(len(alpha_bar) == 100 and all(a > b for a, b in zip(alpha_bar, alpha_bar[1:])) and 0 < alpha_bar[-1] < alpha_bar[0] < 1,
               f"the run's forward process: {status}, {len(alpha_bar)} values")

        # Molecules: an SDF of num molecules, and EDM's scores in the job's summary.
        status, body = server.request("POST", "/api/jobs", {"run": "shipped/qm9-small", "num": 4, "steps": 20, "seed": 3})
        if expect(status == 202, f"POST a molecule job: {status} {body}"):
            snapshot = wait_done(server, body["id"])
            summary = snapshot.get("summary", {})
            expect(snapshot.get("state") == "done" and
                   all(0 <= summary.get(key, -1) <= 1 for key in ("atom_stability", "molecule_stability", "validity",
                                                                  "uniqueness", "connected")),
                   f"the molecule job: {str(snapshot)[:300]}")
            status, sdf, response = server.request("GET", f"/api/jobs/{body['id']}/result", raw=True)
            expect(status == 200 and response.getheader("Content-Type") == "chemical/x-mdl-sdfile" and
                   sdf.decode().count("$$$$") == 4 and b"M  END" in sdf, f"the molecules as SDF: {status} {sdf[:80]}")
            status, grid, _ = server.request("GET", f"/api/jobs/{body['id']}/preview", raw=True)
            expect(status == 200 and png_size(grid) is not None, f"the molecules' 2-D grid: {status}")
        status, body = server.request("POST", "/api/jobs", {"run": "shipped/qm9-small", "num": 2, "steps": 10, "atoms": 9})
        snapshot = wait_done(server, body.get("id", "")) if status == 202 else {}
        if expect(snapshot.get("state") == "done", f"a job of 9-atom molecules: {status} {str(snapshot)[:200]}"):
            sdf = server.request("GET", f"/api/jobs/{body['id']}/result", raw=True)[1].decode()
            counts = [block.split("\n")[3][:3].strip() for block in sdf.split("$$$$\n") if block.strip()]
            expect(counts == ["9", "9"], f"every molecule has the 9 atoms asked for: {counts}")

        # A planner: episodes on MuJoCo as JSON, their returns in the summary.
        status, body = server.request("POST", "/api/jobs", {"run": "shipped/maze2d-umaze", "num": 2, "steps": 8,
                                                             "sampler": "ddim", "goal": "random", "seed": 1})
        if expect(status == 202, f"POST a planning job: {status} {body}"):
            snapshot = wait_done(server, body["id"])
            summary = snapshot.get("summary", {})
            expect(snapshot.get("state") == "done" and summary.get("episodes") == 2 and
                   "normalized_score" in summary and 0 <= summary.get("success_rate", -1) <= 1,
                   f"the planning job: {str(snapshot)[:300]}")
            status, plans = server.request("GET", f"/api/jobs/{body['id']}/result")
            episodes = plans.get("episodes", []) if status == 200 and isinstance(plans, dict) else []
            expect(len(episodes) == 2 and len(plans["maze"]) == 5 and
                   all(len(e["path"]) == 301 and len(e["plan"]) == 128 and len(e["goal"]) == 2 for e in episodes),
                   f"the episodes as JSON: {status} {str(plans)[:200]}")
        # A sparse planner: 24 subgoals 15 steps apart, and the 346-step path through them.
        status, body = server.request("POST", "/api/jobs", {"run": "shipped/maze2d-large-sparse", "num": 1, "steps": 4,
                                                             "sampler": "ddim", "seed": 2})
        if expect(status == 202, f"POST a sparse planning job: {status} {body}"):
            snapshot = wait_done(server, body["id"])
            status, plans = server.request("GET", f"/api/jobs/{body['id']}/result")
            episodes = plans.get("episodes", []) if status == 200 and isinstance(plans, dict) else []
            expect(snapshot.get("state") == "done" and len(episodes) == 1 and len(plans["maze"]) == 9 and
                   len(episodes[0]["path"]) == 801 and len(episodes[0]["plan"]) == 346 and
                   len(episodes[0]["subgoals"]) == 24 and episodes[0]["plan"][15] == episodes[0]["subgoals"][1],
                   f"the sparse planner's episode: {str(snapshot)[:200]} {str(plans)[:200]}")

        # Cancelling a long job, and a full queue.
        long = {"run": "images/fashion", "num": 64, "steps": 100, "sampler": "heun"}
        # The first must be running before the others come, or under load the
        # worker may not have taken it yet and the third finds the queue full.
        answers = [server.request("POST", "/api/jobs", long)]
        deadline = time.time() + 60
        while time.time() < deadline and answers[0][0] == 202:
            if server.request("GET", f"/api/jobs/{answers[0][1]['id']}")[1].get("state") != "queued":
                break
            time.sleep(0.05)
        answers += [server.request("POST", "/api/jobs", long) for _ in range(2)]
        expect(all(status == 202 for status, _ in answers), f"three long jobs (one runs, two wait): {answers}")
        ids = [body.get("id") for _, body in answers]
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
            ("POST", "/api/jobs", {"run": "gauss", "task": "denoise", "image": data_url(photo)}, 400),
            ("POST", "/api/jobs", {"run": "images/fashion", "task": "denoise"}, 400),
            ("POST", "/api/jobs", {"run": "images/fashion", "task": "denoise", "image": "%%% not base64"}, 400),
            ("POST", "/api/jobs", {"run": "images/fashion", "task": "denoise",
                                   "image": base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 64).decode()}, 400),
            ("POST", "/api/jobs", {"run": "images/fashion", "task": "denoise",
                                   "image": data_url(png_file(1100, 1000, lambda x, y: 0))}, 400),
            ("POST", "/api/jobs", {"run": "images/fashion", "task": "upscale", "scale": 4,
                                   "image": data_url(png_file(300, 300, lambda x, y: 0))}, 400),
            ("POST", "/api/jobs", {"run": "images/fashion", "task": "inpaint", "image": data_url(photo),
                                   "mask": data_url(png_file(8, 8, lambda x, y: 255))}, 400),
            ("POST", "/api/jobs", {"run": "images/fashion", "task": "inpaint", "image": data_url(photo),
                                   "mask": data_url(png_file(40, 30, lambda x, y: 0))}, 400),
            ("POST", "/api/jobs", {"run": "images/fashion", "task": "denoise", "image": data_url(photo),
                                   "mask": data_url(mask)}, 400),
            ("POST", "/api/jobs", {"run": "images/fashion", "task": "denoise", "image": data_url(photo),
                                   "sigma": 1e9}, 400),
            ("GET", "/api/runs/missing/schedule", None, 404),
            ("POST", "/api/jobs", {"run": "shipped/qm9-small", "atoms": 500}, 400),
            ("POST", "/api/jobs", {"run": "shipped/qm9-small", "num": 1000}, 400),
            ("POST", "/api/jobs", {"run": "images/fashion", "atoms": 5}, 400),
            ("POST", "/api/jobs", {"run": "gauss", "goal": "random"}, 400),
            ("POST", "/api/jobs", {"run": "shipped/maze2d-umaze", "goal": "nowhere"}, 400),
            ("POST", "/api/jobs", {"run": "shipped/maze2d-umaze", "num": 1000}, 400),
            ("POST", "/api/jobs", {"run": "shipped/maze2d-umaze", "steps": 65}, 400),
            ("POST", "/api/jobs", {"run": "shipped/maze2d-umaze", "num": 32, "replan": 1, "steps": 64}, 400),
            ("POST", "/api/jobs", {"run": "images/fashion", "task": "denoise",
                                   "image": data_url(png_file(1, 40000, lambda x, y: 0))}, 400),
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
