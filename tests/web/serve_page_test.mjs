// End to end in a real browser: `diffuse serve` over a freshly trained run,
// Debian's headless Chromium driven by playwright-core opens the page,
// chooses the run, class and guidance, clicks Generate, and must see the
// progress move and the picture of the samples appear.
//
// node serve_page_test.mjs            (DIFFUSE: the binary; RUNS: a runs directory
//                                      to serve instead of training one;
//                                      and RUN: the run to choose; STEPS, NUM: sampler
//                                      steps and samples; CLASS, GUIDANCE; SCREENSHOT: where to save a
//                                      picture of the page)
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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
  await page.click("#start");
  // The job runs: the state line counts evaluations, then says done.
  await page.waitForFunction(() => document.querySelector("#state").textContent.startsWith("done"), null,
                             { timeout: 120000 });
  await page.waitForFunction(() => {
    const picture = document.querySelector("#picture");
    return picture.dataset.state === "done" && picture.complete && picture.naturalWidth > 0;
  }, null, { timeout: 30000 });
  const size = await page.evaluate(() => {
    const picture = document.querySelector("#picture");
    return [picture.naturalWidth, picture.naturalHeight];
  });
  check(size[0] >= 100 && size[1] >= 100, `the picture of the samples is ${size[0]}x${size[1]}`);
  const progress = await page.evaluate(() => document.querySelector("#progress").value);
  check(progress === 1, `the progress bar ends full (${progress})`);
  const link = await page.getAttribute("#download", "href");
  check(link && /\/api\/jobs\/[0-9a-f]{16}\/result/.test(link), `a download link to the result (${link})`);
  check(errors.length === 0, `no errors in the page: ${errors.join("; ")}`);
  const training = await page.textContent("#training-state");
  check(/^step \d+ of \d+/.test(training), `the training panel shows the run's progress ("${training}")`);
  if (process.env.SCREENSHOT) await page.screenshot({ path: process.env.SCREENSHOT });
  console.log(`the page generated ${runName} samples; picture ${size[0]}x${size[1]}`);
} finally {
  await browser.close();
  server.kill("SIGINT");
  rmSync(work, { recursive: true, force: true });
}
if (failed) process.exit(1);
console.log("serve page: all checks passed");
