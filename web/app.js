// The page of `diffuse serve`: plain JavaScript against the HTTP API.
"use strict";

const token = new URLSearchParams(location.search).get("token");
const element = (id) => document.getElementById(id);
let runs = [];
let limits = {};     // what the server accepts (GET /api/runs)
let job = null;      // the id of the job shown
let events = null;   // its EventSource
let upload = null;   // the chosen image: {width, height, scaled} drawn on #source
let schedule = null; // the forward process of the chosen run: {name, alpha_bar}
const defaultSteps = { sample: 50, denoise: 20, inpaint: 50, img2img: 50, upscale: 8 };
const sampleSteps = { molecules: 100, plan: 16 };  // sampling steps by run kind (others: defaultSteps.sample)
const numLabels = { molecules: "Molecules", plan: "Episodes" };
let molecules = [];  // the SDF blocks of the molecule result shown, and the one in the 3-D view
let moleculeShown = 0;
let viewer = null;   // 3Dmol's viewer
const methods = { denoise: ["posterior", "ddim", "ddpm"], upscale: ["posterior", "sample"] };
const verbs = { sample: "Generate", denoise: "Denoise", inpaint: "Inpaint", img2img: "Transform", upscale: "Upscale" };

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
  const generates = ["image", "points", "molecules"].includes(run.kind) ||
    (run.kind === "plan" && /^maze2d-/.test(run.preset || ""));
  element("run-info").textContent = describe(run) +
    (generates ? "" : " (the page shows its training; use the diffuse command for it)");
  // Restorations need an image run.
  for (const option of element("task").options) option.disabled = option.value !== "sample" && run.kind !== "image";
  if (element("task").selectedOptions[0].disabled) element("task").value = "sample";
  showTask();
  if (!job || element("cancel").disabled) element("start").disabled = !generates;
  const most = { image: limits.max_images || 64, molecules: limits.max_molecules || 64, plan: limits.max_episodes || 32 };
  element("num").max = most[run.kind] || limits.max_points || 4096;
  element("num-label").textContent = numLabels[run.kind] || "Samples";
  if (run.kind === "plan" && Number(element("num").value) === 16) element("num").value = 1;
  if (Number(element("num").value) > Number(element("num").max)) element("num").value = element("num").max;
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
  loadSchedule(run).catch(() => {});
}

// Shows the fields of the chosen task (elements marked data-tasks="...").
function showTask() {
  const task = element("task").value;
  const run = runs.find((r) => r.name === element("run").value);
  for (const field of document.querySelectorAll("[data-tasks]")) {
    field.hidden = !field.dataset.tasks.split(" ").includes(task) ||
      (field.dataset.kinds !== undefined && (!run || !field.dataset.kinds.split(" ").includes(run.kind)));
    // A hidden field is not sent, so the form does not check it either.
    for (const input of field.querySelectorAll("input, select")) input.disabled = field.hidden;
  }
  if (methods[task]) {
    const select = element("method");
    const chosen = select.value;
    select.innerHTML = "";
    for (const name of methods[task]) {
      const option = document.createElement("option");
      option.value = name;
      option.textContent = name;
      select.appendChild(option);
    }
    if (methods[task].includes(chosen)) select.value = chosen;
  }
  element("steps").value = task === "sample" && run && sampleSteps[run.kind] ?
    Math.min(sampleSteps[run.kind], run.timesteps) : task === "upscale" ? upscaleSteps() : defaultSteps[task];
  // The task's pixel limit may differ (an upscale's output counts): fit the image again.
  if (upload && task !== "sample" && upload.limit !== pixelLimit()) chooseImage();
  element("start").textContent = verbs[task];
  element("input-figure").hidden = task === "sample" || !upload;
  element("mask").hidden = task !== "inpaint";
  showForward();
}

// Upscaling's steps: iterations of the posterior method, or sampler steps.
function upscaleSteps() { return element("method").value === "sample" ? 50 : defaultSteps.upscale; }

// The most pixels an upload may have for the task (an upscale's output is bounded).
function pixelLimit() {
  const most = limits.max_image_pixels || 1024 * 1024;
  const scale = element("task").value === "upscale" ? Number(element("scale").value) : 1;
  return Math.floor(most / (scale * scale));
}

// Draws the chosen file on #source, scaled down to the server's limit if need be.
async function chooseImage() {
  const file = element("image-file").files[0];
  if (!file) return;
  let bitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch (error) {
    say("cannot read " + file.name + " as an image");
    return;
  }
  // The server counts the pixels the model works on: each side padded to a
  // multiple of the model's size, and scaled by an upscale's factor.
  const limit = pixelLimit();
  const run = runs.find((r) => r.name === element("run").value);
  const size = (run && run.model && run.model.image_size) || 1;
  const scale = element("task").value === "upscale" ? Number(element("scale").value) : 1;
  const padded = (length) => Math.ceil(Math.max(length * scale, size) / size) * size;
  let shrink = Math.min(1, Math.sqrt(limit / (bitmap.width * bitmap.height)));
  while (shrink > 0.01 && padded(Math.floor(bitmap.width * shrink)) * padded(Math.floor(bitmap.height * shrink)) >
         limit * scale * scale) shrink *= 0.98;
  const width = Math.max(1, Math.floor(bitmap.width * shrink));
  const height = Math.max(1, Math.floor(bitmap.height * shrink));
  for (const id of ["source", "mask"]) {
    element(id).width = width;
    element(id).height = height;
  }
  const context = element("source").getContext("2d");
  context.fillStyle = "#fff";  // transparent pixels on white: the server reads opaque images
  context.fillRect(0, 0, width, height);
  context.drawImage(bitmap, 0, 0, width, height);
  upload = { width, height, scaled: shrink < 1, limit };
  element("image-info").textContent = file.name + ": " + width + " x " + height + " pixels" +
    (shrink < 1 ? " (scaled down from " + bitmap.width + " x " + bitmap.height + " to the server's limit)" : "");
  element("input-caption").textContent = "input, " + width + " x " + height;
  element("input-figure").hidden = element("task").value === "sample";
  say("");
  showForward();
}

// Inpainting: the brush paints the pixels to generate on #mask (red, half
// transparent), as strokes from one pointer position to the next.
let lastPoint = null;
function paintMask(event) {
  if (element("task").value !== "inpaint" || !upload || (event.buttons & 1) === 0) {
    lastPoint = null;
    return;
  }
  const canvas = element("mask");
  const box = canvas.getBoundingClientRect();
  const point = [(event.clientX - box.left) * canvas.width / box.width,
                 (event.clientY - box.top) * canvas.height / box.height];
  const width = Math.max(Number(element("brush").value) * canvas.width / Math.max(box.width, 1), 1);  // screen pixels
  const context = canvas.getContext("2d");
  context.strokeStyle = "rgb(230, 40, 40)";
  context.lineWidth = width;
  context.lineCap = context.lineJoin = "round";
  context.beginPath();
  context.moveTo(...(event.type === "pointerdown" || !lastPoint ? point : lastPoint));
  context.lineTo(...point);
  context.stroke();
  lastPoint = point;
  event.preventDefault();
}

function clearMask() {
  const canvas = element("mask");
  canvas.getContext("2d").clearRect(0, 0, canvas.width, canvas.height);
}

// The mask as the server reads it: white where painted, black elsewhere.
function maskPng() {
  const painted = element("mask");
  const out = document.createElement("canvas");
  out.width = painted.width;
  out.height = painted.height;
  const source = painted.getContext("2d").getImageData(0, 0, painted.width, painted.height).data;
  const context = out.getContext("2d");
  const image = context.createImageData(out.width, out.height);
  let any = false;
  for (let i = 0; i < source.length; i += 4) {
    const value = source[i + 3] > 0 ? 255 : 0;
    any = any || value > 0;
    image.data[i] = image.data[i + 1] = image.data[i + 2] = value;
    image.data[i + 3] = 255;
  }
  context.putImageData(image, 0, 0);
  return any ? out.toDataURL("image/png") : null;
}

async function loadSchedule(run) {
  if (schedule && schedule.name === run.name) return;
  schedule = null;
  const response = await api("/api/runs/" + run.name + "/schedule");
  if (!response.ok || element("run").value !== run.name) return;  // another run was chosen meanwhile
  const body = await response.json();
  if (element("run").value !== run.name) return;
  schedule = { name: run.name, alpha_bar: body.alpha_bar };
  element("forward-t").max = String(body.alpha_bar.length);
  showForward();
}

// A fixed draw of standard normal noise per image size (mulberry32, Box-Muller),
// so that the slider moves one noise pattern from faint to total.
let noise = null;
function noiseFor(count) {
  if (noise && noise.length === count) return noise;
  let state = 12345;
  const uniform = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  noise = new Float32Array(count);
  for (let i = 0; i < count; i += 2) {
    const radius = Math.sqrt(-2 * Math.log(uniform()));
    const angle = 2 * Math.PI * uniform();
    noise[i] = radius * Math.cos(angle);
    if (i + 1 < count) noise[i + 1] = radius * Math.sin(angle);
  }
  return noise;
}

// The forward-process explorer: the uploaded image (or the latest picture of
// an image run) noised to the slider's t in closed form, q(x_t | x_0).
function showForward() {
  const run = runs.find((r) => r.name === element("run").value);
  const picture = element("picture");
  const fromUpload = upload && element("task").value !== "sample";
  const usable = schedule && run && run.kind === "image" &&
    (fromUpload || (!picture.hidden && picture.complete && picture.naturalWidth > 0 && picture.dataset.state === "done"));
  element("forward").hidden = !usable;
  if (!usable) return;
  const source = fromUpload ? element("source") : picture;
  const width = fromUpload ? source.width : source.naturalWidth;
  const height = fromUpload ? source.height : source.naturalHeight;
  element("forward-source").textContent = fromUpload ? "the uploaded image" : "the latest result";
  const canvas = element("forward-canvas");
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext("2d");
  context.drawImage(source, 0, 0, width, height);
  const t = Number(element("forward-t").value);
  if (t === 0) {
    element("forward-info").textContent = "t = 0: the clean image x0";
    return;
  }
  const alphaBar = schedule.alpha_bar[t - 1];
  const signal = Math.sqrt(alphaBar), spread = Math.sqrt(1 - alphaBar);
  const image = context.getImageData(0, 0, width, height);
  // A grey image is one channel to the network: one draw of noise per pixel, not three.
  let grey = true;
  for (let p = 0; p < image.data.length && grey; p += 4) {
    grey = image.data[p] === image.data[p + 1] && image.data[p] === image.data[p + 2];
  }
  const eps = noiseFor(width * height * 3);
  for (let p = 0, pixel = 0; p < image.data.length; p += 4, ++pixel) {
    for (let c = 0; c < 3; ++c) {
      const x0 = image.data[p + c] / 127.5 - 1;  // the models' data scale
      const e = eps[grey ? pixel : 3 * pixel + c];
      image.data[p + c] = Math.max(0, Math.min(255, Math.round((signal * x0 + spread * e + 1) * 127.5)));
    }
  }
  context.putImageData(image, 0, 0);
  element("forward-info").textContent = "t = " + t + " of " + schedule.alpha_bar.length + ": x_t = " +
    signal.toFixed(3) + " x0 + " + spread.toFixed(3) + " eps, signal-to-noise ratio " +
    (alphaBar / (1 - alphaBar)).toPrecision(3);
}

async function loadRuns() {
  const response = await api("/api/runs");
  const body = await response.json();
  if (!response.ok) { say(body.error || "cannot list the runs"); return; }
  runs = body.runs;
  limits = body.limits || {};
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
  const task = snapshot.request.task || "sample";
  const kind = run ? run.kind : "image";
  // Images: the result itself; points, molecules and plans: the server's picture of it, with the data to download.
  picture.onload = () => { picture.dataset.state = "done"; showForward(); };
  picture.dataset.state = "loading";
  picture.src = withToken("/api/jobs/" + snapshot.id + (kind === "image" ? "/result" : "/preview"));
  picture.alt = task !== "sample" ? "the " + task + " result of " + snapshot.request.run
    : kind === "plan" ? "the first episode of " + snapshot.request.run
    : snapshot.request.num + " samples of " + snapshot.request.run;
  picture.hidden = false;
  element("result-caption").textContent = task !== "sample" ? task + " result" : summarise(kind, snapshot.summary);
  const download = element("download");
  download.href = withToken("/api/jobs/" + snapshot.id + "/result");
  download.textContent = { image: "Download the PNG", molecules: "Download the molecules (SDF)",
                           plan: "Download the episodes (JSON)" }[kind] || "Download the samples (CSV)";
  download.hidden = false;
  if (kind === "molecules") showMolecules(snapshot.id).catch((error) => say("cannot show the molecules in 3-D: " + error));
}

// A line about a result: a molecule job's scores (EDM's protocol), a planner's returns.
function summarise(kind, summary) {
  if (!summary) return "";
  const percent = (x) => (100 * x).toFixed(0) + "%";
  if (kind === "molecules") {
    return "validity " + percent(summary.validity) + ", atom stability " + percent(summary.atom_stability) +
      ", molecule stability " + percent(summary.molecule_stability) + ", uniqueness " + percent(summary.uniqueness) +
      ", connected " + percent(summary.connected);
  }
  if (kind === "plan") {
    return summary.episodes + " episode" + (summary.episodes === 1 ? "" : "s") + " of " + summary.env +
      ": mean return " + summary.mean_return.toFixed(1) + ", normalised score " + summary.normalized_score.toFixed(1) +
      ", goal reached in " + percent(summary.success_rate) + " (the picture: the first episode)";
  }
  return "";
}

// 3Dmol.js, bundled into the server (web/package.json), loaded when a molecule is first shown.
function load3Dmol() {
  if (window.$3Dmol) return Promise.resolve(window.$3Dmol);
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = "/node_modules/3dmol/build/3Dmol-min.js";
    script.onload = () => resolve(window.$3Dmol);
    script.onerror = () => reject(new Error("this server was built without 3Dmol.js (scripts/install-deps.sh installs it)"));
    document.head.appendChild(script);
  });
}

async function showMolecules(id) {
  const response = await api("/api/jobs/" + id + "/result");
  if (!response.ok) return;
  molecules = (await response.text()).split("$$$$\n").filter((block) => block.trim() !== "").map((b) => b + "$$$$\n");
  moleculeShown = 0;
  const $3Dmol = await load3Dmol();
  element("molecule-figure").hidden = false;
  if (!viewer) viewer = $3Dmol.createViewer(element("molecule-view"), { backgroundColor: "white" });
  showMolecule(0);
}

function showMolecule(step) {
  if (!viewer || molecules.length === 0) return;
  moleculeShown = (moleculeShown + step + molecules.length) % molecules.length;
  const block = molecules[moleculeShown];
  viewer.clear();
  viewer.addModel(block, "sdf");
  viewer.setStyle({}, { stick: { radius: 0.14 }, sphere: { scale: 0.22 } });
  viewer.zoomTo();
  viewer.render();
  const atoms = (block.split("\n")[3] || "").trim().split(/\s+/)[0];
  element("molecule-caption").textContent = "molecule " + (moleculeShown + 1) + " of " + molecules.length +
    ", " + atoms + " atoms (drag to turn, scroll to zoom)";
  element("molecule-figure").dataset.shown = String(moleculeShown + 1);
}

// What a submitted form shows until its job reports (a refused job says why).
function showSubmitting() {
  element("state").textContent = "submitting...";
  element("progress").value = 0;
  element("picture").onload = null;
  element("picture").dataset.state = "running";
  element("molecule-figure").hidden = true;
}

async function start(event) {
  event.preventDefault();
  say("");
  const task = element("task").value;
  const request = { run: element("run").value, steps: Number(element("steps").value), seed: Number(element("seed").value) };
  if (task === "sample") {
    Object.assign(request, { sampler: element("sampler").value, num: Number(element("num").value),
                             temperature: Number(element("temperature").value) });
    if (!element("atoms").disabled && element("atoms").value !== "") request.atoms = Number(element("atoms").value);
    if (!element("goal").disabled) {
      request.goal = element("goal").value;
      request.replan = Number(element("replan").value);
    }
  } else {
    if (!upload) { say("choose an image first"); return; }
    request.task = task;
    request.image = element("source").toDataURL("image/png");
    if (task === "denoise") {
      request.method = element("method").value;
      if (element("sigma").value !== "") request.sigma = Number(element("sigma").value);
    }
    if (task === "inpaint") {
      request.mask = maskPng();
      if (!request.mask) { say("paint the part to fill in on the image first"); return; }
      request.resample = Number(element("resample").value);
      request.temperature = Number(element("temperature").value);
    }
    if (task === "img2img") Object.assign(request, { strength: Number(element("strength").value),
                                                     sampler: element("sampler").value });
    if (task === "upscale") Object.assign(request, { scale: Number(element("scale").value),
                                                     method: element("method").value, sampler: element("sampler").value });
  }
  if (task !== "upscale" && !element("class-options").hidden && element("class").value !== "") {
    request.class = Number(element("class").value);
    request.guidance = Number(element("guidance").value);
  }
  const json = JSON.stringify(request);
  if (limits.max_body_bytes && json.length > limits.max_body_bytes) {
    say("the image is too large to send (" + (json.length / 1048576).toFixed(1) + " MB as base64; the server takes " +
        (limits.max_body_bytes / 1048576).toFixed(0) + " MB): choose a smaller one");
    return;
  }
  showSubmitting();
  const response = await api("/api/jobs", { method: "POST", headers: { "Content-Type": "application/json" }, body: json });
  const body = await response.json();
  if (!response.ok) {
    say(body.error || "the server refused the job");
    element("state").textContent = "refused";
    return;
  }
  job = body.id;
  element("start").disabled = true;
  element("cancel").disabled = false;
  element("download").hidden = true;
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
element("task").addEventListener("change", showTask);
element("method").addEventListener("change", () => {
  if (element("task").value === "upscale") element("steps").value = upscaleSteps();
});
element("scale").addEventListener("change", () => { if (upload) chooseImage(); });
element("image-file").addEventListener("change", chooseImage);
element("mask").addEventListener("pointerdown", paintMask);
element("mask").addEventListener("pointermove", paintMask);
element("clear-mask").addEventListener("click", clearMask);
element("forward-t").addEventListener("input", showForward);
element("molecule-previous").addEventListener("click", () => showMolecule(-1));
element("molecule-next").addEventListener("click", () => showMolecule(1));
element("generate").addEventListener("submit", start);
element("cancel").addEventListener("click", cancel);
loadRuns().catch((error) => say("cannot reach the server: " + error));
setInterval(() => showTraining().catch(() => {}), 5000);  // a run in training moves on
