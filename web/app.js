// The page of `diffuse serve`: plain JavaScript against the HTTP API.
"use strict";

const token = new URLSearchParams(location.search).get("token");
const element = (id) => document.getElementById(id);
let runs = [];
let job = null;      // the id of the job shown
let events = null;   // its EventSource

function api(path, options = {}) {
  const headers = Object.assign({}, options.headers || {});
  if (token) headers.Authorization = "Bearer " + token;
  return fetch(path, Object.assign({}, options, { headers }));
}

function withToken(path) {
  return token ? path + (path.includes("?") ? "&" : "?") + "token=" + encodeURIComponent(token) : path;
}

function say(text) { element("message").textContent = text; }

function describe(run) {
  const model = run.model || {};
  const parts = [run.kind + " run", "preset " + (run.preset || "custom"), run.timesteps + " timesteps"];
  if (model.type) parts.push(model.type);
  if (run.classes && run.classes.length) parts.push(run.classes.length + " classes");
  return parts.join(", ");
}

// The loss curve of a run's metrics.jsonl, log scale, on the canvas.
function drawLoss(points) {
  const canvas = element("loss");
  const context = canvas.getContext("2d");
  context.clearRect(0, 0, canvas.width, canvas.height);
  const usable = points.filter((p) => p[1] > 0);
  if (usable.length < 2) return;
  const pad = 30;
  const steps = usable.map((p) => p[0]);
  const logs = usable.map((p) => Math.log10(p[1]));
  const [x0, x1] = [Math.min(...steps), Math.max(...steps)];
  const [y0, y1] = [Math.min(...logs), Math.max(...logs)];
  const x = (s) => pad + (canvas.width - pad - 8) * (s - x0) / Math.max(x1 - x0, 1);
  const y = (l) => 8 + (canvas.height - pad - 8) * (1 - (l - y0) / Math.max(y1 - y0, 1e-9));
  context.strokeStyle = "#ccd";
  context.strokeRect(pad, 8, canvas.width - pad - 8, canvas.height - pad - 8);
  context.fillStyle = "#556";
  context.font = "10px system-ui, sans-serif";
  context.fillText(Math.pow(10, y1).toPrecision(2), 2, 14);
  context.fillText(Math.pow(10, y0).toPrecision(2), 2, canvas.height - pad);
  context.fillText(String(x0), pad, canvas.height - 12);
  context.fillText("step " + x1, canvas.width - 60, canvas.height - 12);
  context.strokeStyle = "#1f77b4";
  context.beginPath();
  usable.forEach((p, i) => (i ? context.lineTo(x(p[0]), y(logs[i])) : context.moveTo(x(p[0]), y(logs[i]))));
  context.stroke();
}

async function showTraining() {
  const name = element("run").value;
  if (!name) return;
  const response = await api("/api/runs/" + name + "/training");
  if (!response.ok || element("run").value !== name) return;
  const log = await response.json();
  const state = element("training-state");
  if (log.loss.length === 0) {
    state.textContent = "No training log in this run.";
  } else {
    const percent = Math.min(100, 100 * log.step / Math.max(log.total_steps, 1)).toFixed(0);
    const age = log.seconds_since_update;
    const live = age !== null && age < 120 && log.step < log.total_steps;
    state.textContent = "step " + log.step + " of " + log.total_steps + " (" + percent + "%), loss " +
      log.last.loss.toPrecision(3) + (live ? ", training now" : "");
  }
  drawLoss(log.loss);
}

function showRun() {
  const run = runs.find((r) => r.name === element("run").value);
  if (!run) return;
  showTraining();
  const generates = run.kind === "image" || run.kind === "points";
  element("run-info").textContent = describe(run) +
    (generates ? "" : " (the page shows its training; generate with the diffuse command)");
  if (!job || element("cancel").disabled) element("start").disabled = !generates;
  element("num").max = run.kind === "image" ? 64 : 4096;
  element("steps").max = run.timesteps;
  const classes = run.classes || [];
  element("class-options").hidden = classes.length === 0;
  const select = element("class");
  select.innerHTML = '<option value="">none (unconditional)</option>';
  classes.forEach((name, index) => {
    const option = document.createElement("option");
    option.value = String(index);
    option.textContent = index + ": " + name;
    select.appendChild(option);
  });
}

async function loadRuns() {
  const response = await api("/api/runs");
  const body = await response.json();
  if (!response.ok) { say(body.error || "cannot list the runs"); return; }
  runs = body.runs;
  const select = element("run");
  select.innerHTML = "";
  for (const run of runs) {
    const option = document.createElement("option");
    option.value = run.name;
    option.textContent = run.name;
    select.appendChild(option);
  }
  if (runs.length === 0) say("No runs in the served directory yet: train one with diffuse train.");
  showRun();
}

function showState(snapshot) {
  element("progress").value = snapshot.progress || 0;
  let text = snapshot.state;
  if (snapshot.state === "queued") text += " (" + snapshot.queue_position + " ahead)";
  if (snapshot.state === "running") text += ": evaluation " + snapshot.evaluations + " of " + snapshot.total_evaluations;
  if (snapshot.state === "done") text += " in " + snapshot.seconds_running.toFixed(1) + " s";
  if (snapshot.state === "failed") text += ": " + snapshot.error;
  element("state").textContent = text;
}

function finish(snapshot) {
  element("start").disabled = false;
  element("cancel").disabled = true;
  if (events) { events.close(); events = null; }
  if (snapshot.state !== "done") return;
  const run = runs.find((r) => r.name === snapshot.request.run);
  const picture = element("picture");
  // Images: the result itself; points: the plot, with the CSV to download.
  picture.src = withToken("/api/jobs/" + snapshot.id + (run && run.kind === "image" ? "/result" : "/preview"));
  picture.alt = snapshot.request.num + " samples of " + snapshot.request.run;
  picture.hidden = false;
  picture.dataset.state = "done";
  const download = element("download");
  download.href = withToken("/api/jobs/" + snapshot.id + "/result");
  download.textContent = run && run.kind === "image" ? "Download the PNG" : "Download the samples (CSV)";
  download.hidden = false;
}

async function start(event) {
  event.preventDefault();
  say("");
  const request = {
    run: element("run").value,
    sampler: element("sampler").value,
    steps: Number(element("steps").value),
    num: Number(element("num").value),
    temperature: Number(element("temperature").value),
    seed: Number(element("seed").value),
  };
  if (!element("class-options").hidden && element("class").value !== "") {
    request.class = Number(element("class").value);
    request.guidance = Number(element("guidance").value);
  }
  const response = await api("/api/jobs", { method: "POST", headers: { "Content-Type": "application/json" },
                                            body: JSON.stringify(request) });
  const body = await response.json();
  if (!response.ok) { say(body.error || "the server refused the job"); return; }
  job = body.id;
  element("start").disabled = true;
  element("cancel").disabled = false;
  element("download").hidden = true;
  element("picture").dataset.state = "running";
  events = new EventSource(withToken("/api/jobs/" + job + "/events"));
  events.addEventListener("progress", (e) => showState(JSON.parse(e.data)));
  events.addEventListener("preview", (e) => {
    const picture = element("picture");
    picture.src = JSON.parse(e.data).png;
    picture.hidden = false;
  });
  events.addEventListener("end", (e) => { const snapshot = JSON.parse(e.data); showState(snapshot); finish(snapshot); });
  events.onerror = () => { if (events && events.readyState === EventSource.CLOSED) say("lost the connection to the server"); };
}

async function cancel() {
  if (!job) return;
  await api("/api/jobs/" + job, { method: "DELETE" });
}

element("run").addEventListener("change", showRun);
element("generate").addEventListener("submit", start);
element("cancel").addEventListener("click", cancel);
loadRuns().catch((error) => say("cannot reach the server: " + error));
setInterval(() => showTraining().catch(() => {}), 5000);  // a run in training moves on
