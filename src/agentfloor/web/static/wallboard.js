// The supervisor wallboard: queues, agents and today's KPIs, live.
//
// One load of everything, then live over /v1/events: any routing event (`task.*`,
// `reservation.*`, `worker.*`) reloads the numbers (debounced), and the clocks (longest wait,
// time in state) tick locally between loads. Alerts compare against thresholds set on the page.

import { ApiError, allPages, api, duration, el, fieldError, followEvents, percent, keyStopped, session, showSignIn, signInForm } from "./api.js";

const $ = (id) => document.getElementById(id);
const STORE = "wallboard";
const SVG = "http://www.w3.org/2000/svg";

const state = {
  key: "",
  queues: [], // [{queue, stats, at}]
  workers: [],
  held: new Map(), // worker id -> tasks held
  report: null,
  reportError: null,
  loadedAt: 0,
  stream: null,
  ticker: null,
};

// --- sign in ------------------------------------------------------------------------------------

async function checkSignIn({ key }) {
  if (!key) throw fieldError("key", "Enter your API key.");
  const me = await api(key, "/v1/me");
  if (!["supervisor", "admin"].includes(me.role)) {
    throw fieldError("key", `A ${me.role} key cannot watch the wallboard; use a supervisor key.`);
  }
  return { key };
}

// --- thresholds ---------------------------------------------------------------------------------

function thresholds() {
  const number = (id, fallback) => {
    const v = Number($(id).value);
    return Number.isFinite(v) && $(id).value !== "" ? v : fallback;
  };
  return { slMin: number("sl-min", 80), waitMax: number("wait-max", 60), target: number("answer-target", 20) };
}

function loadThresholds() {
  try {
    const saved = JSON.parse(localStorage.getItem("agentfloor.wallboard.thresholds") || "{}");
    for (const [id, value] of Object.entries(saved)) if ($(id)) $(id).value = value;
  } catch {
    /* ignore a damaged value: defaults apply */
  }
}

function saveThresholds() {
  const values = Object.fromEntries(["sl-min", "wait-max", "answer-target"].map((id) => [id, $(id).value]));
  localStorage.setItem("agentfloor.wallboard.thresholds", JSON.stringify(values));
}

// --- loading ------------------------------------------------------------------------------------

async function load() {
  const key = state.key;
  const { target } = thresholds();
  const [queues, workers, assigned, reserved, wrapping] = await Promise.all([
    allPages(key, "/v1/queues"),
    allPages(key, "/v1/workers"),
    allPages(key, "/v1/tasks", { state: "assigned" }),
    allPages(key, "/v1/tasks", { state: "reserved" }),
    allPages(key, "/v1/tasks", { state: "wrapping" }),
  ]);
  const stats = await Promise.all(
    queues.map((q) => api(key, `/v1/queues/${q.id}/stats`, { query: { threshold_s: target } })),
  );
  const at = Date.now();
  state.queues = queues.map((queue, i) => ({ queue, stats: stats[i], at }));
  state.workers = workers;
  state.held = new Map();
  for (const t of [...assigned, ...reserved, ...wrapping]) {
    if (!t.worker_id) continue;
    const list = state.held.get(t.worker_id) || [];
    list.push(t);
    state.held.set(t.worker_id, list);
  }
  state.loadedAt = at;
  render();
  loadReport(target);
}

async function loadReport(target) {
  try {
    const day = $("report-day").value; // yyyy-mm-dd in the tenant's timezone, or "" for today
    const query = { by: "interval", interval: "1h", sl_threshold_s: target };
    if (day) Object.assign(query, { from: day, to: nextDay(day) });
    state.report = await api(state.key, "/v1/analytics/kpis", { query });
    state.reportDay = day;
    state.reportError = null;
  } catch (err) {
    state.reportError = err.message;
  }
  renderToday();
}

/** The day after `yyyy-mm-dd` (calendar arithmetic in UTC, so no DST surprise). */
function nextDay(day) {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

let pending = null;
function reloadSoon() {
  // A burst of routing events (offer, accept, activity) becomes one reload.
  if (pending) return;
  pending = setTimeout(() => {
    pending = null;
    load().catch((err) => showError(err));
  }, 300);
}

function showError(err) {
  $("updated").textContent = `update failed: ${err.message}`;
}

// --- rendering ----------------------------------------------------------------------------------

/** The queue's longest wait now, in whole seconds as shown (so an alert matches the figure). */
function longestWait(entry) {
  const s = entry.stats;
  if (s.waiting + s.reserved === 0) return 0;
  return Math.floor(s.longest_wait_s + (Date.now() - entry.at) / 1000);
}

function figure(label, value, { bad = false, name } = {}) {
  return el("div", {}, el("dt", {}, label), el("dd", { class: bad ? "bad" : undefined, "data-figure": name }, value));
}

function render() {
  const { slMin, waitMax } = thresholds();
  $("queues").replaceChildren(
    ...(state.queues.length
      ? state.queues.map((entry) => {
          const s = entry.stats;
          const slBad = s.service_level_today !== null && s.service_level_today * 100 < slMin;
          const waitBad = longestWait(entry) > waitMax;
          const titleId = `queue-${entry.queue.id}`;
          return el(
            "article",
            { class: `panel queue${slBad || waitBad ? " alerting" : ""}`, "aria-labelledby": titleId, "data-queue": entry.queue.id },
            el("h2", { id: titleId }, entry.queue.name),
            el(
              "dl",
              { class: "figures" },
              figure("Waiting", s.waiting, { name: "waiting" }),
              figure("Longest wait", duration(longestWait(entry)), { bad: waitBad, name: "longest-wait" }),
              figure("Service level today", percent(s.service_level_today), { bad: slBad, name: "service-level" }),
              figure("Agents available", s.workers_available, { name: "available" }),
              figure("Agents busy", s.workers_busy, { name: "busy" }),
              figure("Answered today", s.answered_today, { name: "answered" }),
              figure("Abandoned today", s.abandoned_today, { name: "abandoned" }),
            ),
          );
        })
      : [el("p", { class: "empty" }, "No queues yet.")]),
  );
  renderAgents();
  renderAlerts();
  $("updated").textContent = `updated ${new Date(state.loadedAt).toLocaleTimeString()}`;
}

function renderAgents() {
  const counts = new Map();
  for (const w of state.workers) counts.set(w.activity, (counts.get(w.activity) || 0) + 1);
  const busy = state.workers.filter((w) => (state.held.get(w.id) || []).length).length;
  $("by-activity").replaceChildren(
    ...[...counts.entries()].sort().map(([activity, n]) => figure(activity, n, { name: `activity-${activity}` })),
    figure("on a task", busy, { name: "on-task" }),
  );
  $("agents").tBodies[0].replaceChildren(
    ...state.workers.map((w) => {
      const tasks = state.held.get(w.id) || [];
      const detail = tasks.map((t) => `${t.state} ${t.channel}`).join(", ");
      return el(
        "tr",
        { "data-worker": w.id },
        el("th", { scope: "row" }, w.name, w.kind === "ai" ? " (AI)" : ""),
        el("td", { "data-cell": "state" }, w.activity),
        el("td", { class: "num", "data-since": w.activity_since }, duration((Date.now() - Date.parse(w.activity_since)) / 1000)),
        el("td", { "data-cell": "tasks" }, tasks.length ? `${tasks.length} (${detail})` : "0"),
      );
    }),
  );
}

function renderAlerts() {
  const { slMin, waitMax } = thresholds();
  const alerts = [];
  for (const entry of state.queues) {
    const s = entry.stats;
    if (s.service_level_today !== null && s.service_level_today * 100 < slMin) {
      alerts.push(`${entry.queue.name}: service level ${percent(s.service_level_today)} is below ${slMin}%`);
    }
    const wait = longestWait(entry);
    if (wait > waitMax) alerts.push(`${entry.queue.name}: longest wait ${duration(wait)} is over ${duration(waitMax)}`);
  }
  const box = $("alerts");
  const text = alerts.join("|");
  if (box.dataset.text === text) return; // unchanged: do not re-announce
  box.dataset.text = text;
  box.replaceChildren(...alerts.map((a) => el("p", { class: "alert" }, a)));
}

function renderToday() {
  const box = $("today");
  const chart = $("chart");
  if (!state.report) {
    box.replaceChildren(el("p", { class: "empty" }, state.reportError ? `No report: ${state.reportError}` : "Loading\u2026"));
    return;
  }
  const k = state.report.total;
  $("today-title").textContent = state.reportDay ? `Report for ${state.reportDay}` : "Today";
  box.replaceChildren(
    figure("AI containment", percent(k.containment_rate), { name: "containment" }),
    figure("AI contacts", k.ai_contacts, { name: "ai-contacts" }),
    figure("Offered", k.offered, { name: "offered" }),
    figure("Answered", k.answered, { name: "answered-total" }),
    figure("Service level", percent(k.service_level), { name: "service-level-total" }),
    figure("Avg. answer", k.asa_s === null ? "\u2013" : duration(k.asa_s), { name: "asa" }),
  );
  chart.replaceChildren(barChart(state.report));
}

/** Bars of answered (and abandoned, stacked) per interval; 24 hourly bars fit 480 x 160. */
function barChart(report) {
  const rows = report.rows;
  const svg = (tag, attrs = {}, ...children) => {
    const node = document.createElementNS(SVG, tag);
    for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
    for (const child of children) node.append(child);
    return node;
  };
  const width = 480;
  const height = 170;
  const top = 10;
  const bottom = 22;
  const plot = height - top - bottom;
  // The report lists only intervals with data: lay out every interval of the range.
  const byStart = new Map(rows.map((r) => [Date.parse(r.start), r]));
  const stepMs = report.interval_min * 60_000;
  const sorted = [];
  for (let t = Date.parse(report.start); t < Date.parse(report.end); t += stepMs) {
    sorted.push(byStart.get(t) || { start: new Date(t).toISOString(), kpis: { answered: 0, abandoned: 0 } });
  }
  const max = Math.max(1, ...sorted.map((r) => r.kpis.answered + r.kpis.abandoned));
  const step = width / Math.max(1, sorted.length);
  const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, "aria-hidden": "true" });
  root.append(svg("line", { x1: 0, y1: top + plot, x2: width, y2: top + plot, stroke: "#b9c1c9" }));
  root.append(svg("text", { x: 2, y: top + 8 }, document.createTextNode(`${max}`)));
  sorted.forEach((row, i) => {
    const x = i * step + step * 0.15;
    const w = step * 0.7;
    const answered = (row.kpis.answered / max) * plot;
    const abandoned = (row.kpis.abandoned / max) * plot;
    const title = `${new Date(row.start).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}: ${row.kpis.answered} answered, ${row.kpis.abandoned} abandoned`;
    const group = svg("g", { "data-start": row.start }, svg("title", {}, document.createTextNode(title)));
    group.append(svg("rect", { class: "bar-answered", x, y: top + plot - answered, width: w, height: answered }));
    group.append(svg("rect", { class: "bar-abandoned", x, y: top + plot - answered - abandoned, width: w, height: abandoned }));
    root.append(group);
    const sl = row.kpis.service_level;
    if (sl !== null && sl !== undefined) {
      // service level on its own 0-100% scale, a dot per hour with answered or abandoned calls
      const dot = svg("circle", { class: "sl-dot", cx: i * step + step / 2, cy: top + plot - sl * plot, r: 3 });
      dot.append(svg("title", {}, document.createTextNode(`${title}; service level ${Math.round(sl * 100)}%`)));
      root.append(dot);
    }
    if (i % 3 === 0) {
      const label = new Date(row.start).toLocaleTimeString([], { hour: "2-digit" });
      root.append(svg("text", { x: i * step + 1, y: height - 6 }, document.createTextNode(label)));
    }
  });
  return root;
}

function tick() {
  const { slMin, waitMax } = thresholds();
  for (const entry of state.queues) {
    const tile = document.querySelector(`[data-queue="${CSS.escape(entry.queue.id)}"]`);
    if (!tile) continue;
    const wait = longestWait(entry);
    const node = tile.querySelector('[data-figure="longest-wait"]');
    node.textContent = duration(wait);
    node.classList.toggle("bad", wait > waitMax);
    const sl = entry.stats.service_level_today;
    tile.classList.toggle("alerting", wait > waitMax || (sl !== null && sl * 100 < slMin));
  }
  for (const cell of document.querySelectorAll("[data-since]")) {
    cell.textContent = duration((Date.now() - Date.parse(cell.dataset.since)) / 1000);
  }
  renderAlerts();
}

// --- start --------------------------------------------------------------------------------------

async function start({ key }) {
  if (state.stream) state.stream.close(); // signing in again after a key stopped working
  clearInterval(state.ticker);
  state.key = key;
  session.save(STORE, { key });
  $("signin").hidden = true;
  $("app").hidden = false;
  state.stream = followEvents(key, ["task", "reservation", "worker"], {
    onEvent: reloadSoon,
    onOpen: () =>
      load().catch((err) => {
        if (err instanceof ApiError && err.status === 401) {
          session.clear(STORE);
          location.reload();
        }
        showError(err);
      }),
    onState: (s, reason) => {
      if (s === "refused") keyStopped(STORE, reason);
      const badge = $("connection");
      badge.dataset.state = s;
      badge.textContent = { live: "live", reconnecting: "reconnecting\u2026", refused: `refused: ${reason}` }[s];
    },
  });
  state.ticker = setInterval(tick, 1000);
}

function init() {
  signInForm($("signin-form"), checkSignIn, start);
  loadThresholds();
  $("thresholds").addEventListener("submit", (e) => e.preventDefault());
  $("thresholds").addEventListener("input", () => {
    saveThresholds();
    render();
  });
  $("answer-target").addEventListener("change", reloadSoon);
  $("day-form").addEventListener("submit", (e) => e.preventDefault());
  $("report-day").addEventListener("change", () => loadReport(thresholds().target));
  $("signout").addEventListener("click", () => {
    session.clear(STORE);
    location.reload();
  });
  const saved = session.load(STORE);
  if (saved && saved.key) start(saved);
  else showSignIn();
}

init();
