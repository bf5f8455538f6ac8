// ttcd's web view (daemon/web_view.h): a page per hash route, fed by ttcd's /api/ JSON, polled.
//   #/fleet  #/jobs?stage=&host=&submitter=  #/jobs/ID  #/cache  #/programs/KEY
"use strict";

const main = document.getElementById("main");
let timer = null;        // the current page's poll
let charts = [];         // Chart.js instances of the current page
let renderSeq = 0;       // a newer route makes an older render stop

class ApiError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

async function api(path) {
  const r = await fetch("/api/" + path, { credentials: "same-origin", cache: "no-store" });
  const body = await r.json().catch(() => ({ error: `HTTP ${r.status}` }));
  if (!r.ok) {
    if (r.status === 401) askForToken(body.error);
    throw new ApiError(r.status, body.error || `HTTP ${r.status}`);
  }
  return body;
}

function askForToken(why) {
  const d = document.getElementById("login");
  document.getElementById("login-why").textContent = why || "";
  if (!d.open) d.showModal();
}

document.getElementById("login-form").addEventListener("submit", () => {
  const token = document.getElementById("login-token").value.trim();
  if (!token) return;
  const secure = location.protocol === "https:" ? "; Secure" : "";
  document.cookie = `ttc_token=${encodeURIComponent(token)}; path=/; SameSite=Strict${secure}`;
  loadWho();
  render();
});

document.getElementById("program-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const key = document.getElementById("program-key").value.trim().toLowerCase();
  if (key) location.hash = `#/programs/${key}`;
});

const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
const num = (s) => Number(s || 0);
// Protobuf's JSON leaves out unset messages (a queued job has no lease, no result yet).
const job = (j) => ({ ...j, spec: j.spec || {}, lease: j.lease || {}, result: j.result || {} });
const badge = (s) => `<span class="badge s-${esc(s)}" data-testid="badge">${esc(s)}</span>`;

function when(ms) {
  ms = num(ms);
  if (!ms) return "never";
  const d = new Date(ms);
  const ago = Math.max(0, Math.round((Date.now() - ms) / 1000));
  const rel = ago < 90 ? `${ago} s ago` : ago < 5400 ? `${Math.round(ago / 60)} min ago` : `${Math.round(ago / 3600)} h ago`;
  return `<span title="${esc(d.toISOString())}">${esc(d.toLocaleTimeString())} (${rel})</span>`;
}

function bytes(n) {
  n = num(n);
  const u = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
  return `${n.toFixed(i ? 1 : 0)} ${u[i]}`;
}

function poll(fn, ms) {
  timer = setTimeout(async function tick() {
    const seq = renderSeq;
    try { await fn(); } catch (e) { showError(e); }
    if (seq === renderSeq) timer = setTimeout(tick, ms);
  }, ms);
}

function showError(e) {
  let el = document.getElementById("page-error");
  if (!el) { el = document.createElement("p"); el.id = "page-error"; el.className = "error"; main.prepend(el); }
  el.textContent = e.message;
}

function clearError() {
  const el = document.getElementById("page-error");
  if (el) el.remove();
}

// ---- Fleet ---------------------------------------------------------------------------------
async function fleetPage() {
  main.innerHTML = `<h1>Fleet</h1><div id="fleet"></div>`;
  const draw = async () => {
    const { devices = [] } = await api("fleet");
    clearError();
    const rows = devices.map((d) => `<tr data-testid="device">
      <td class="mono">${esc(d.host_id)}</td><td class="mono">${esc(d.device_id)}</td><td>${esc(d.arch)}</td>
      <td>${esc(d.backend || "")}</td><td>${badge(d.health)}</td>
      <td>${badge(d.host_online ? "online" : "offline")}</td>
      <td>${d.job_id ? `<a class="mono" href="#/jobs/${esc(d.job_id)}">${esc(d.job_id)}</a>` : d.busy ? "busy" : "<span class=muted>idle</span>"}</td>
      <td>${num(d.last_health_check_ms) ? `${badge(d.last_health_check_passed ? "PASSED" : "FAILED")} ${when(d.last_health_check_ms)}
          <div class="muted">${esc(d.last_health_check_detail)}</div>` : "<span class=muted>none yet</span>"}</td>
      <td>${Object.entries(d.labels || {}).map(([k, v]) => `<code>${esc(k)}=${esc(v)}</code>`).join(" ")}</td></tr>`);
    document.getElementById("fleet").innerHTML = devices.length
      ? `<table><thead><tr><th>Host</th><th>Device</th><th>Arch</th><th>Backend</th><th>Health</th><th>Host</th>
         <th>Current job</th><th>Last health check</th><th>Labels</th></tr></thead><tbody>${rows.join("")}</tbody></table>`
      : `<p class="muted">No agent has registered a device yet (start ttc-agent).</p>`;
  };
  await draw();
  poll(draw, 2000);
}

// ---- Jobs ----------------------------------------------------------------------------------
function hashQuery() {
  const q = location.hash.split("?")[1] || "";
  return new URLSearchParams(q);
}

async function jobsPage() {
  const q = hashQuery();
  const stages = ["", "CACHE_CHECK", "QUEUED", "EXECUTING", "COMPLETED"];
  main.innerHTML = `<h1>Jobs</h1>
    <form class="filters" id="job-filters">
      <label>stage<select name="stage">${stages.map((s) => `<option value="${s}" ${q.get("stage") === s ? "selected" : ""}>${s || "all"}</option>`).join("")}</select></label>
      <label>host<input name="host" value="${esc(q.get("host") || "")}" placeholder="any"></label>
      <label>submitter<input name="submitter" value="${esc(q.get("submitter") || "")}" placeholder="any"></label>
      <button type="submit">Filter</button>
    </form><div id="jobs"></div>`;
  document.getElementById("job-filters").addEventListener("submit", (e) => {
    e.preventDefault();
    const p = new URLSearchParams();
    for (const [k, v] of new FormData(e.target)) if (v) p.set(k, v);
    location.hash = `#/jobs${p.toString() ? "?" + p : ""}`;
  });
  const draw = async () => {
    const jobs = ((await api(`jobs?${q}`)).jobs || []).map(job);
    clearError();
    const rows = jobs.map((j) => `<tr data-testid="job">
      <td><a class="mono" href="#/jobs/${esc(j.id)}">${esc(j.id)}</a></td><td>${badge(j.stage)}</td>
      <td>${j.stage === "COMPLETED" ? badge(j.result.outcome) : ""}</td><td>${esc(j.spec.owner || "")}</td>
      <td class="mono">${esc(j.lease.host_id || j.result.host_id || (j.hosts_tried || []).slice(-1)[0] || "")}</td>
      <td>${j.attempts}</td><td>${when(j.created_ms)}</td><td>${esc(j.result.summary || j.progress || "")}</td></tr>`);
    document.getElementById("jobs").innerHTML = jobs.length
      ? `<table><thead><tr><th>Job</th><th>Stage</th><th>Outcome</th><th>Submitter</th><th>Host</th><th>Attempts</th>
         <th>Created</th><th>Summary</th></tr></thead><tbody>${rows.join("")}</tbody></table>`
      : `<p class="muted">No jobs match.</p>`;
  };
  await draw();
  poll(draw, 2000);
}

async function jobPage(id) {
  main.innerHTML = `<h1>Job <span class="mono">${esc(id)}</span> <span id="job-stage" data-testid="job-stage"></span></h1><div id="job"></div>`;
  const draw = async () => {
    const j = job(await api(`jobs/${encodeURIComponent(id)}`));
    clearError();
    const stageEl = document.getElementById("job-stage");
    stageEl.innerHTML = badge(j.stage) + (j.stage === "COMPLETED" ? " " + badge(j.result.outcome) : "");
    stageEl.dataset.stage = j.stage;
    const r = j.result || {};
    const history = (j.history || []).map((h) => `<li>${badge(h.stage)} ${when(h.at_ms)} <span class="muted">${esc(h.detail)}</span></li>`);
    const crashes = (j.crashes || []).map((c) => `<li class="mono">${esc(c.host_id)}/${esc(c.device_id)}: ${esc(c.reason)}</li>`);
    document.getElementById("job").innerHTML = `
      <dl class="kv">
        <dt>program</dt><dd><a class="mono" href="#/programs/${esc(j.action_key)}">${esc(j.action_key)}</a></dd>
        <dt>backend / arch</dt><dd>${esc(j.spec.backend || "emulator")} / ${esc(j.spec.arch || "(the target's)")}</dd>
        <dt>seed</dt><dd>${esc(j.spec.seed)}</dd>
        <dt>submitter</dt><dd>${esc(j.spec.owner || "(auth off)")}</dd>
        <dt>attempts</dt><dd>${j.attempts} ${(j.hosts_tried || []).length ? `on ${(j.hosts_tried || []).map(esc).join(", ")}` : ""}</dd>
        <dt>lease</dt><dd class="mono">${j.lease.host_id ? `${esc(j.lease.host_id)}/${esc(j.lease.device_id)} attempt ${j.lease.attempt}` : "none"}</dd>
        <dt>progress</dt><dd>${esc(j.progress)}</dd>
      </dl>
      <h2>Stages</h2><ol class="timeline" data-testid="stages">${history.join("")}</ol>
      ${crashes.length ? `<h2>Crashes</h2><ul>${crashes.join("")}</ul>` : ""}
      <h2>Agent log (last lines)</h2><pre data-testid="log-tail">${esc((j.log_tail || []).join("\n")) || "(nothing yet)"}</pre>
      ${j.stage === "COMPLETED" ? `<h2>Validation report</h2>
        <p>${badge(r.outcome)} ${esc(r.summary)} ${r.cached ? `<span class="muted">(cached verdict of ${esc(r.cached_job_id)})</span>` : ""}
          ${r.flaky ? badge("FLAKY") : ""}</p>
        <pre data-testid="report">${esc(r.report_text || "(no report)")}</pre>` : ""}`;
    return j.stage === "COMPLETED";
  };
  const done = await draw();
  if (!done) {
    const seq = renderSeq;
    timer = setTimeout(async function tick() {
      let finished = false;
      try { finished = await draw(); } catch (e) { showError(e); }
      if (!finished && seq === renderSeq) timer = setTimeout(tick, 1000);
    }, 1000);
  }
}

// ---- Cache ---------------------------------------------------------------------------------
async function cachePage() {
  main.innerHTML = `<h1>Cache</h1><div class="cards" id="cards"></div>
    <div class="charts"><div><h2>Hit rate per tier</h2><div class="chart-box"><canvas id="hit-chart" data-testid="hit-chart"></canvas></div></div>
    <div><h2>Store size and evictions</h2><div class="chart-box"><canvas id="store-chart"></canvas></div></div></div>
    <p class="muted">Hit rate since ttcd started (hits / lookups) at each sample; sampled by ttcd every <span id="interval"></span>.</p>`;
  const rate = (h, m) => (h + m > 0 ? (100 * h) / (h + m) : null);
  const colors = ["#0969da", "#1a7f37", "#9a6700", "#8250df", "#cf222e", "#57606a"];
  const hit = new Chart(document.getElementById("hit-chart"), {
    type: "line", data: { labels: [], datasets: [] },
    options: { animation: false, maintainAspectRatio: false, spanGaps: true,
      scales: { y: { min: 0, max: 100, title: { display: true, text: "%" } } } },
  });
  const store = new Chart(document.getElementById("store-chart"), {
    type: "line", data: { labels: [], datasets: [
      { label: "store MiB", data: [], borderColor: colors[0], yAxisID: "y" },
      { label: "evictions", data: [], borderColor: colors[4], yAxisID: "y1" }] },
    options: { animation: false, maintainAspectRatio: false,
      scales: { y: { position: "left", min: 0 }, y1: { position: "right", min: 0, grid: { drawOnChartArea: false } } } },
  });
  charts = [hit, store];
  const draw = async () => {
    const { stats: s, history, sample_interval_ms } = await api("cache");
    clearError();
    document.getElementById("interval").textContent = `${num(sample_interval_ms) / 1000} s`;
    const card = (k, v) => `<div class="card"><span class="muted">${esc(k)}</span><b data-testid="stat-${esc(k.replace(/ /g, "-"))}">${esc(v)}</b></div>`;
    document.getElementById("cards").innerHTML = [
      card("requests", num(s.requests)), card("hits", num(s.hits)), card("misses", num(s.misses)),
      card("hit rate", rate(num(s.hits), num(s.misses)) === null ? "-" : `${rate(num(s.hits), num(s.misses)).toFixed(1)} %`),
      card("store size", bytes(s.store_bytes)), card("blobs", num(s.store_blobs)), card("action results", num(s.store_action_results)),
      card("evictions", num(s.evictions)), card("corruptions", num(s.corruptions)),
      card("size limit", num(s.cache_size_limit) ? bytes(s.cache_size_limit) : "none"),
    ].join("");
    const labels = history.map((h) => new Date(h.at_ms).toLocaleTimeString());
    const tiers = [...new Set(history.flatMap((h) => h.tiers.map((t) => t.tier)))];
    hit.data.labels = labels;
    hit.data.datasets = tiers.map((tier, i) => ({
      label: tier, borderColor: colors[i % colors.length], pointRadius: 0,
      data: history.map((h) => { const t = h.tiers.find((x) => x.tier === tier); return t ? rate(t.hits, t.misses) : null; }),
    }));
    hit.update();
    store.data.labels = labels;
    store.data.datasets[0].data = history.map((h) => h.store_bytes / (1 << 20));
    store.data.datasets[1].data = history.map((h) => h.evictions);
    store.update();
  };
  await draw();
  poll(draw, 5000);
}

// ---- Program -------------------------------------------------------------------------------
async function programPage(key) {
  main.innerHTML = `<h1>Program <span class="mono">${esc(key.slice(0, 16))}…</span></h1><div id="program"></div>`;
  const p = await api(`programs/${encodeURIComponent(key)}`);
  const k = p.key_parts;
  const diags = (p.result.diagnostics || []).map((d) => `<li><span class="mono">${esc(d.location)}</span> ${esc(d.severity)}: ${esc(d.message)} <span class="muted">(${esc(d.pass)})</span></li>`);
  const plan = p.plan;
  const el = document.getElementById("program");
  el.innerHTML = `
    <h2>Action key (--explain-key)</h2>
    <dl class="kv mono" data-testid="explain-key">
      <dt>key</dt><dd>${esc(k.key)}</dd><dt>request digest</dt><dd>${esc(k.request_digest || "(not recorded)")}</dd>
      <dt>compiler build id</dt><dd>${esc(k.compiler_build_id)}</dd><dt>pipeline</dt><dd>${esc(k.pipeline || "(not recorded)")}</dd>
      <dt>target fingerprint</dt><dd>${esc(k.target_fingerprint || "(not recorded)")}</dd>
    </dl>
    ${diags.length ? `<h2>Diagnostics</h2><ul>${diags.join("")}</ul>` : ""}
    ${plan ? `<h2>Partition</h2><div class="legend" data-testid="partition-legend">
        <span>mode <b>${esc(plan.partition_mode)}</b></span><span>order <b>${esc(plan.order)}</b></span>
        <span>output tiles <b>${esc((plan.grid_tiles || []).join(" x "))}</b></span>
        <span>cores used <b>${(plan.cores || []).length}</b> of ${esc((plan.target && plan.target.num_cores) || "?")}</span>
        <span>kernel <b>${esc(plan.kernel)}</b></span></div><div id="partition"></div>` : ""}
    <h2>Files</h2><div class="tabs" id="tabs"></div><pre><code id="file"></code></pre>`;
  if (plan) document.getElementById("partition").appendChild(drawPartition(plan));
  const lang = (path) => (path.endsWith(".json") ? "json" : path === "CMakeLists.txt" ? "cmake" : "cpp");
  const tabs = document.getElementById("tabs");
  const show = (f) => {
    for (const b of tabs.children) b.classList.toggle("active", b.textContent === f.path);
    const code = document.getElementById("file");
    code.className = `language-${lang(f.path)}`;
    code.textContent = f.text;
    delete code.dataset.highlighted;
    hljs.highlightElement(code);
  };
  const order = ["reader.cpp", "compute.cpp", "writer.cpp", "main.cpp", "CMakeLists.txt", "plan.json"];
  const rank = (path) => (order.includes(path) ? order.indexOf(path) : order.length);
  const files = [...p.files].sort((a, b) => rank(a.path) - rank(b.path) || a.path.localeCompare(b.path));
  for (const f of files) {
    const b = document.createElement("button");
    b.textContent = f.path;
    b.dataset.testid = "file-tab";
    b.addEventListener("click", () => show(f));
    tabs.appendChild(b);
  }
  if (files.length) show(files[0]);
}

// ---- Router --------------------------------------------------------------------------------
async function loadWho() {
  try {
    const w = await api("whoami");
    document.getElementById("who").textContent = w.auth ? `${w.name} (${w.roles})` : "auth off";
  } catch (e) { /* the page shows the error */ }
}

async function render() {
  renderSeq++;
  clearTimeout(timer);
  for (const c of charts) c.destroy();
  charts = [];
  const path = (location.hash.replace(/^#/, "") || "/fleet").split("?")[0];
  const parts = path.split("/").filter(Boolean);
  for (const a of document.querySelectorAll("header nav a")) a.classList.toggle("active", a.dataset.nav === parts[0]);
  try {
    if (parts[0] === "jobs" && parts[1]) await jobPage(decodeURIComponent(parts[1]));
    else if (parts[0] === "jobs") await jobsPage();
    else if (parts[0] === "cache") await cachePage();
    else if (parts[0] === "programs" && parts[1]) await programPage(parts[1]);
    else await fleetPage();
  } catch (e) {
    showError(e);
  }
}

window.addEventListener("hashchange", render);
loadWho();
render();
