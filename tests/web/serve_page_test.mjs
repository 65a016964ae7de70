// End to end in a real browser: `diffuse serve` over a freshly trained run,
// Debian's headless Chromium driven by playwright-core opens the page,
// chooses the run, class and guidance, clicks Generate, and must see the
// progress move and the picture of the samples appear. Then, with the photo
// model that ships in models/photo-grey, it uploads a real photograph,
// paints a mask with the mouse, inpaints it, and moves the forward-process
// slider over the photo; with the shipped molecule model it generates
// molecules and must see them in 3-D (3Dmol.js, WebGL); with the shipped
// planner it runs an episode and must see it drawn on the maze.
//
// node serve_page_test.mjs            (DIFFUSE: the binary; RUNS: a runs directory
//                                      to serve instead of training one;
//                                      and RUN: the run to choose; STEPS, NUM: sampler
//                                      steps and samples; CLASS, GUIDANCE; INPAINT_STEPS,
//                                      INPAINT_RESAMPLE: the photo's inpainting; SCREENSHOT:
//                                      where to save a picture of the page)
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, existsSync, mkdirSync, copyFileSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const diffuse = process.env.DIFFUSE;
const browserPath = process.env.CHROMIUM || "/usr/bin/chromium";
if (!diffuse) throw new Error("set DIFFUSE to the diffuse binary");
if (!existsSync(browserPath)) {
  console.log(`SKIP: no Chromium at ${browserPath} (Debian package chromium; scripts/install-deps.sh installs it)`);
  process.exit(77);
}

const work = mkdtempSync(join(tmpdir(), "diffuse-page-"));
let runs = process.env.RUNS;
let runName = process.env.RUN;
if (!runs) {
  runs = join(work, "runs");
  execFileSync(diffuse, ["--threads", "1", "train", "--data", "toy2d:8gaussians", "--conditional", "--steps", "1500",
                         "--out", join(runs, "8gaussians"), "--quiet", "--sample-every", "0"]);
  runName = "8gaussians";
}

// The shipped photo model beside the runs (its weights linked, as the catalogue allows), and a photo of Set12.
const source = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const photoModel = join(source, "models", "photo-grey");
const photo = join(process.env.DIFFUSE_SHARED_DATA || join(source, "..", "shared", "data"), "natural", "set12", "01.png");
const restore = !process.env.RUNS && existsSync(photoModel) && existsSync(photo);
const shipped = process.env.RUNS ? [] : ["photo-grey", "qm9-small", "maze2d-umaze"];
for (const model of shipped) {
  mkdirSync(join(runs, model), { recursive: true });
  copyFileSync(join(source, "models", model, "config.json"), join(runs, model, "config.json"));
  symlinkSync(join(source, "models", model, "ema.safetensors"), join(runs, model, "ema.safetensors"));
}
if (!restore) console.log("no restoration part: RUNS was given, or models/photo-grey or " + photo + " is missing");

function startServer() {
  return new Promise((resolve, reject) => {
    const server = spawn(diffuse, ["--threads", "1", "serve", "--runs", runs, "--port", "0"]);
    let output = "";
    server.stdout.on("data", (chunk) => {
      output += chunk;
      const match = output.match(/http:\/\/127\.0\.0\.1:(\d+)\//);
      if (match) resolve({ server, url: match[0] });
    });
    server.on("exit", (code) => reject(new Error(`diffuse serve exited with ${code}: ${output}`)));
  });
}

let failed = false;
function check(condition, what) {
  if (!condition) {
    console.log("FAIL:", what);
    failed = true;
  }
}

const { server, url } = await startServer();
const browser = await chromium.launch({ executablePath: browserPath, headless: true, args: ["--no-sandbox"] });
try {
  const page = await browser.newPage({ viewport: { width: 1100, height: 720 } });
  const errors = [];
  page.on("pageerror", (error) => errors.push(String(error)));
  page.on("console", (message) => { if (message.type() === "error") errors.push(message.text()); });
  // Clicks the button, waits for the state line to say done and the picture
  // of the result to load; the picture's [width, height].
  async function startAndWait(timeout) {
    await page.click("#start");
    await page.waitForFunction(() => document.querySelector("#state").textContent.startsWith("done"), null, { timeout });
    await page.waitForFunction(() => {
      const picture = document.querySelector("#picture");
      return picture.dataset.state === "done" && picture.complete && picture.naturalWidth > 0;
    }, null, { timeout: 30000 });
    return page.evaluate(() => [document.querySelector("#picture").naturalWidth,
                                document.querySelector("#picture").naturalHeight]);
  }
  await page.goto(url);
  await page.waitForSelector(`#run option[value="${runName}"]`, { state: "attached", timeout: 15000 });
  await page.selectOption("#run", runName);
  const classes = await page.locator("#class option").count();
  if (process.env.RUN === undefined) {
    check(classes === 9, `the class menu lists the 8 modes and "none" (found ${classes})`);
    await page.selectOption("#class", "2");
    await page.fill("#guidance", "3");
    await page.fill("#num", "512");
  }
  if (process.env.NUM) await page.fill("#num", process.env.NUM);
  if (process.env.CLASS) {
    await page.selectOption("#class", process.env.CLASS);
    await page.fill("#guidance", process.env.GUIDANCE || "1");
  }
  await page.fill("#steps", process.env.STEPS || "50");
  const size = await startAndWait(120000);
  check(size[0] >= 100 && size[1] >= 100, `the picture of the samples is ${size[0]}x${size[1]}`);
  const progress = await page.evaluate(() => document.querySelector("#progress").value);
  check(progress === 1, `the progress bar ends full (${progress})`);
  const link = await page.getAttribute("#download", "href");
  check(link && /\/api\/jobs\/[0-9a-f]{16}\/result/.test(link), `a download link to the result (${link})`);
  check(errors.length === 0, `no errors in the page: ${errors.join("; ")}`);
  const training = await page.textContent("#training-state");
  check(/^step \d+ of \d+/.test(training), `the training panel shows the run's progress ("${training}")`);
  console.log(`the page generated ${runName} samples; picture ${size[0]}x${size[1]}`);

  if (restore) {
    await page.selectOption("#run", "photo-grey");
    await page.selectOption("#task", "inpaint");
    await page.setInputFiles("#image-file", photo);
    await page.waitForFunction(() => document.querySelector("#source").width === 256, null, { timeout: 15000 });
    // A stroke across the middle of the photo: the pixels to generate.
    const box = await page.locator("#mask").boundingBox();
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.45);
    await page.mouse.down();
    for (let i = 1; i <= 10; ++i) await page.mouse.move(box.x + box.width * (0.3 + 0.04 * i), box.y + box.height * 0.5);
    await page.mouse.up();
    await page.fill("#steps", process.env.INPAINT_STEPS || "4");
    await page.fill("#resample", process.env.INPAINT_RESAMPLE || "1");
    const restored = await startAndWait(240000);
    check(restored[0] === 256 && restored[1] === 256, `the inpainted photo is 256x256 (${restored})`);
    // The forward process of the photo under the run's schedule.
    await page.locator("#forward-t").fill("300");
    const forward = await page.textContent("#forward-info");
    check(!(await page.locator("#forward").isHidden()) && /^t = 300 of 1000: x_t = 0\.\d+ x0/.test(forward),
          `the forward-process explorer at t = 300 ("${forward}")`);
    check(errors.length === 0, `no errors in the page after restoring: ${errors.join("; ")}`);
    console.log(`the page inpainted a 256x256 photo with ${await page.inputValue("#run")}; ${forward}`);
  }
  if (process.env.SCREENSHOT) await page.screenshot({ path: process.env.SCREENSHOT, fullPage: true });

  async function generate(run, fields) {
    await page.selectOption("#run", run);
    await page.selectOption("#task", "sample");
    for (const [id, value] of Object.entries(fields)) {
      if (id === "sampler") await page.selectOption("#sampler", value);
      else await page.fill("#" + id, value);
    }
    await startAndWait(240000);
  }
  if (!process.env.RUNS) {
    // Molecules: the 2-D grid, the scores, and the first molecule in 3-D.
    await generate("qm9-small", { num: "4", steps: "50" });
    await page.waitForFunction(() => document.querySelector("#molecule-figure").dataset.shown === "1", null,
                               { timeout: 30000 });
    const caption = await page.textContent("#result-caption");
    check(/^validity \d+%, atom stability \d+%/.test(caption), `the molecules' scores ("${caption}")`);
    const canvases = await page.locator("#molecule-view canvas").count();
    check(canvases >= 1, `3Dmol.js draws the molecule on a canvas (${canvases})`);
    await page.click("#molecule-next");
    const second = await page.textContent("#molecule-caption");
    check(/^molecule 2 of 4, \d+ atoms/.test(second), `the next molecule ("${second}")`);
    if (process.env.MOLECULE_SCREENSHOT) await page.screenshot({ path: process.env.MOLECULE_SCREENSHOT, fullPage: true });
    // A planner: an episode on the maze, drawn, with its return.
    await generate("maze2d-umaze", { num: "1", steps: "16", sampler: "ddim" });
    const plan = await page.textContent("#result-caption");
    check(/^1 episode of maze2d-umaze: mean return [\d.]+, normalised score/.test(plan), `the episode's return ("${plan}")`);
    if (process.env.PLAN_SCREENSHOT) await page.screenshot({ path: process.env.PLAN_SCREENSHOT, fullPage: true });
    check(errors.length === 0, `no errors in the page after molecules and plans: ${errors.join("; ")}`);
    console.log(`the page showed molecules in 3-D (${caption}) and a plan (${plan})`);
  }
} finally {
  await browser.close();
  server.kill("SIGINT");
  rmSync(work, { recursive: true, force: true });
}
if (failed) process.exit(1);
console.log("serve page: all checks passed");
