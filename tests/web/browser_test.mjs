// ttcd's web view in a real browser: Debian's chromium, headless, driven by playwright-core
// (web/node_modules). Run by tests/web/test_web_view.py, which starts ttcd (TLS, tokens), agents
// and the jobs, and passes what to look for as one JSON argument:
//   {base, token, queued_job, done_job, programs: [{key, cores}], marker, screenshots}
// Checks: every page loads without console errors; the fleet and job lists show what ttcd has;
// the job page shows `queued_job` move to COMPLETED (the marker file tells the driver to start
// the agent that runs it); the cache chart is drawn; each program's partition picture has one
// cell per core its plan.json uses, and its files are highlighted; without a token the page
// asks for one. Screenshots go to `screenshots`. Exit 0 when all pass; the failures otherwise.
import { createRequire } from "node:module";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, "..", "..", "web", "package.json"));
const { chromium } = require("playwright-core");

const cfg = JSON.parse(process.argv[2]);
const failures = [];
const check = (ok, what) => {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) failures.push(what);
};
const shot = (page, name) => page.screenshot({ path: path.join(cfg.screenshots, name), fullPage: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
  timeout: 60000,
});
let page = null;
const consoleErrors = [];
try {
  const url = new URL(cfg.base);
  // ttcd's certificate is the test's own self-signed one.
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 } });
  await context.addCookies([{ name: "ttc_token", value: cfg.token, domain: url.hostname, path: "/", sameSite: "Strict" }]);
  page = await context.newPage();
  page.on("console", (m) => { if (m.type() === "error") consoleErrors.push(`${page.url()}: ${m.text()}`); });
  page.on("pageerror", (e) => consoleErrors.push(`${page.url()}: ${e.message}`));
  const go = async (hash) => {
    await page.goto(`${cfg.base}/ui/${hash}`, { waitUntil: "load" });
  };

  // Fleet.
  await go("#/fleet");
  await page.waitForSelector("[data-testid=device]", { timeout: 20000 });
  const fleetText = await page.textContent("#fleet");
  check(fleetText.includes("web-host-a") && fleetText.includes("wormhole_b0"), "fleet: the agent's device with its arch");
  check(/PASSED/.test(fleetText), "fleet: the device's last health check");
  await shot(page, "fleet.png");

  // Jobs, then filtered by stage.
  await go("#/jobs");
  await page.waitForSelector("[data-testid=job]", { timeout: 20000 });
  const rows = await page.locator("[data-testid=job]").count();
  check(rows >= 2, `jobs: both jobs listed (${rows})`);
  await page.selectOption("select[name=stage]", "COMPLETED");
  await page.click("#job-filters button");
  await page.waitForFunction(() => location.hash.includes("stage=COMPLETED"));
  await page.waitForSelector("[data-testid=job]", { timeout: 20000 });
  const completedText = await page.textContent("#jobs");
  check(completedText.includes(cfg.done_job) && !completedText.includes(cfg.queued_job),
        "jobs: the stage filter keeps the completed job only");
  await shot(page, "jobs.png");

  // A queued job, watched until it completes (the driver starts its agent on our marker).
  await go(`#/jobs/${cfg.queued_job}`);
  await page.waitForSelector("#job-stage[data-stage]", { timeout: 20000 });
  const seen = [];
  const first = await page.getAttribute("#job-stage", "data-stage");
  seen.push(first);
  check(first !== "COMPLETED", `job page: the job is not completed yet (${first})`);
  await shot(page, "job-queued.png");
  fs.writeFileSync(cfg.marker, first);
  const deadline = Date.now() + 240000;
  for (;;) {
    const s = await page.getAttribute("#job-stage", "data-stage");
    if (s !== seen[seen.length - 1]) seen.push(s);
    if (s === "COMPLETED" || Date.now() > deadline) break;
    await page.waitForTimeout(200);
  }
  check(seen[seen.length - 1] === "COMPLETED", `job page: moved to COMPLETED live (${seen.join(" -> ")})`);
  await page.waitForSelector("[data-testid=report]", { timeout: 10000 });
  const report = await page.textContent("[data-testid=report]");
  check(/PASS/.test(report) && /PCC/.test(report), "job page: the validation report");
  const stages = await page.textContent("[data-testid=stages]");
  check(["QUEUED", "EXECUTING", "COMPLETED"].every((s) => stages.includes(s)), "job page: the stage history");
  const log = await page.textContent("[data-testid=log-tail]");
  check(log.trim().length > 0 && !log.includes("(nothing yet)"), "job page: the agent's log tail");
  await shot(page, "job.png");

  // Cache: the counters and the hit-rate chart.
  await go("#/cache");
  await page.waitForSelector("[data-testid=stat-requests]", { timeout: 20000 });
  const requests = Number(await page.textContent("[data-testid=stat-requests]"));
  check(requests >= 2, `cache: requests counted (${requests})`);
  const series = await page.evaluate(() => {
    const c = Chart.getChart(document.getElementById("hit-chart"));
    return c ? c.data.datasets.map((d) => d.label) : [];
  });
  check(series.includes("compile") && series.includes("verdict"), `cache: hit-rate series per tier (${series})`);
  await shot(page, "cache.png");

  // Programs: the partition picture has one cell per core used; files are highlighted.
  for (const [i, p] of cfg.programs.entries()) {
    await go(`#/programs/${p.key}`);
    await page.waitForSelector("svg.partition", { timeout: 20000 });
    const used = await page.locator("svg.partition rect.core.used").count();
    check(used === p.cores, `program ${p.key.slice(0, 12)}: ${used} core cells for ${p.cores} cores used`);
    const explain = await page.textContent("[data-testid=explain-key]");
    check(explain.includes(p.key) && explain.includes("request digest"), "program: --explain-key parts");
    const tabs = await page.locator("[data-testid=file-tab]").allTextContents();
    check(tabs.length === 6, `program: six files (${tabs})`);
    const highlighted = await page.locator("#file.hljs span").count();
    check(highlighted > 10, `program: the file is highlighted (${highlighted} spans)`);
    await page.click("[data-testid=file-tab] >> text=plan.json");
    check((await page.getAttribute("#file", "class")).includes("language-json"), "program: plan.json as JSON");
    await shot(page, `program-${i}.png`);
  }

  check(consoleErrors.length === 0, `no console errors${consoleErrors.length ? ": " + consoleErrors.join(" | ") : ""}`);

  // Without a token the page asks for one.
  const anon = await browser.newContext({ ignoreHTTPSErrors: true });
  const anonPage = await anon.newPage();
  await anonPage.goto(`${cfg.base}/ui/#/fleet`, { waitUntil: "load" });
  const asked = await anonPage.waitForSelector("dialog#login[open]", { timeout: 20000 }).then(() => true, () => false);
  check(asked, "no token: the token dialog opens");
  await anon.close();
} catch (e) {
  failures.push(`exception: ${e.stack || e}`);
  console.log(`FAIL exception: ${e.stack || e}`);
  if (page) {
    console.log(`at ${page.url()}; console errors: ${consoleErrors.join(" | ") || "none"}`);
    console.log(`page text: ${(await page.textContent("body").catch(() => "")).slice(0, 2000)}`);
    await shot(page, "failure.png").catch(() => {});
  }
} finally {
  await browser.close();
}
if (failures.length) {
  console.log(`${failures.length} check(s) failed`);
  process.exit(1);
}
console.log("all browser checks passed");
