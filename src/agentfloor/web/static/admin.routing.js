// Admin: workers (skills, languages, levels, capacity), queues and workflows.

import { $, $$, api, normalLoc, setFieldError, clearFieldError, clearErrors, showProblem, toast, words, button, fillRows, listAll, remove, onSubmit, editing, rowActions } from "./admin.core.js";

export let queues = [];
export let workers = [];

// --- workers -----------------------------------------------------------------------------------

export async function loadActivities() {
  const r = await api("GET", "/v1/routing/config");
  const names = r.ok ? Object.keys(r.data.activities) : ["offline", "available"];
  const select = $("#w-activity");
  const current = select.value || "offline";
  select.replaceChildren(...names.map((n) => new Option(n, n, false, n === current)));
}

export async function loadWorkers() {
  workers = await listAll("/v1/workers");
  fillRows(
    $("#workers-table"),
    workers,
    (w) => [
      w.name,
      w.kind,
      (w.attributes.skills || []).join(", "),
      Object.entries(w.attributes.levels || {}).map(([k, v]) => `${k}=${v}`).join(", "),
      Object.entries(w.capacity).map(([k, v]) => `${k} ${v}`).join(", "),
      w.activity,
      rowActions(
        button("Edit", `Edit worker ${w.name}`, () => editWorker(w)),
        button("Delete", `Delete worker ${w.name}`, () => remove(`/v1/workers/${w.id}`, `worker ${w.name}`, loadWorkers)),
      ),
    ],
    "No workers yet.",
  );
  const select = $("#k-worker");
  const current = select.value;
  select.replaceChildren(new Option("None", ""), ...workers.map((w) => new Option(w.name, w.id, false, w.id === current)));
}

const listText = (value) => (Array.isArray(value) ? value.join(", ") : value ? String(value) : "");

function editWorker(w) {
  const form = $("#worker-form");
  clearErrors(form);
  $("#w-name").value = w.name;
  $("#w-kind").value = w.kind;
  $("#w-kind").disabled = true; // the API does not change a worker's kind
  $("#w-email").value = w.email || "";
  if (![...$("#w-activity").options].some((o) => o.value === w.activity)) $("#w-activity").append(new Option(w.activity, w.activity));
  $("#w-activity").value = w.activity;
  $("#w-skills").value = listText(w.attributes.skills);
  $("#w-languages").value = listText(w.attributes.languages);
  $("#w-levels").value = Object.entries(w.attributes.levels || {}).map(([k, v]) => `${k}=${v}`).join(", ");
  for (const channel of ["voice", "chat", "email"]) $(`#w-cap-${channel}`).value = w.capacity[channel] ?? 0;
  form.record = w;
  editing(form, w.id, `Edit worker ${w.name}`);
}

function workerBody(form) {
  const levels = {};
  const bad = [];
  for (const pair of words($("#w-levels").value)) {
    const m = pair.match(/^([^=:\s]+)\s*[=:]\s*(-?\d+(?:\.\d+)?)$/);
    if (m) levels[m[1]] = Number(m[2]);
    else bad.push(pair);
  }
  if (bad.length) {
    clearErrors(form);
    setFieldError($("#w-levels"), `write skill=level with a number, e.g. billing=4 (not ${bad.map((b) => `"${b}"`).join(", ")})`);
    $("#w-levels").focus();
    return null;
  }
  // Editing keeps the attributes and channels this form does not show.
  const before = form.dataset.editing ? form.record : null;
  const attributes = { ...(before?.attributes || {}) };
  const skills = words($("#w-skills").value);
  const languages = words($("#w-languages").value);
  for (const [name, value] of [["skills", skills], ["languages", languages]]) {
    if (value.length) attributes[name] = value;
    else delete attributes[name];
  }
  if (Object.keys(levels).length) attributes.levels = levels;
  else delete attributes.levels;
  const capacity = { ...(before?.capacity || {}) };
  for (const channel of ["voice", "chat", "email"]) {
    const raw = $(`#w-cap-${channel}`).value.trim();
    if (raw !== "") capacity[channel] = Number(raw);
  }
  const email = $("#w-email").value.trim();
  const body = { name: $("#w-name").value.trim(), attributes, capacity, activity: $("#w-activity").value };
  if (before) body.email = email || null;
  else {
    body.kind = $("#w-kind").value;
    if (email) body.email = email;
  }
  return body;
}

function resetWorkerForm() {
  const form = $("#worker-form");
  clearErrors(form);
  form.reset();
  $("#w-kind").disabled = false;
  $("#w-activity").value = [...$("#w-activity").options].some((o) => o.value === "offline") ? "offline" : $("#w-activity").value;
  editing(form, null);
}

export function setUpWorkers() {
  const form = $("#worker-form");
  $(".cancel-edit", form).addEventListener("click", resetWorkerForm);
  onSubmit(form, async () => {
    const body = workerBody(form);
    if (!body) return;
    const id = form.dataset.editing;
    const r = id ? await api("PATCH", `/v1/workers/${id}`, body) : await api("POST", "/v1/workers", body);
    if (!r.ok) return showProblem(form, r);
    resetWorkerForm();
    toast(`${id ? "Saved" : "Added"} worker ${r.data.name}.`);
    await loadWorkers();
    $("#w-name").focus();
  });
}

// --- queues ------------------------------------------------------------------------------------

export async function loadQueues() {
  queues = await listAll("/v1/queues");
  fillRows(
    $("#queues-table"),
    queues,
    (q) => [
      q.name,
      Object.assign(document.createElement("code"), { textContent: q.target_expression || "(every worker)" }),
      q.strategy.replace("_", " ") + (q.skill ? ` (${q.skill})` : ""),
      `${q.wrapup_s} s`,
      q.id,
      rowActions(
        button("Edit", `Edit queue ${q.name}`, () => editQueue(q)),
        button("Delete", `Delete queue ${q.name}`, () => remove(`/v1/queues/${q.id}`, `queue ${q.name}`, loadQueues)),
      ),
    ],
    "No queues yet.",
  );
  for (const select of $$(".queue-select")) queueOptions(select, select.value);
}

function editQueue(q) {
  const form = $("#queue-form");
  clearErrors(form);
  $("#q-name").value = q.name;
  $("#q-expr").value = q.target_expression;
  $("#q-desc").value = q.description;
  $("#q-strategy").value = q.strategy;
  $("#q-skill").value = q.skill || "";
  $("#q-wrapup").value = q.wrapup_s;
  editing(form, q.id, `Edit queue ${q.name}`);
}

function resetQueueForm() {
  const form = $("#queue-form");
  clearErrors(form);
  form.reset();
  editing(form, null);
}

export function setUpQueues() {
  const form = $("#queue-form");
  $(".cancel-edit", form).addEventListener("click", resetQueueForm);
  onSubmit(form, async () => {
    const id = form.dataset.editing;
    const body = {
      name: $("#q-name").value.trim(),
      target_expression: $("#q-expr").value.trim(),
      description: $("#q-desc").value.trim(),
      strategy: $("#q-strategy").value,
      wrapup_s: Number($("#q-wrapup").value || 0),
    };
    const skill = $("#q-skill").value.trim();
    if (skill || id) body.skill = skill || null;
    const r = id ? await api("PATCH", `/v1/queues/${id}`, body) : await api("POST", "/v1/queues", body);
    if (!r.ok) return showProblem(form, r);
    resetQueueForm();
    toast(`${id ? "Saved" : "Added"} queue ${r.data.name}.`);
    await loadQueues();
    $("#q-name").focus();
  });
}

// --- workflows ---------------------------------------------------------------------------------

let workflowItems = [];

function queueOptions(select, current) {
  select.replaceChildren(new Option("None", ""), ...queues.map((q) => new Option(q.name, q.id, false, q.id === current)));
  if (current && !queues.some((q) => q.id === current)) select.append(new Option(current, current, false, true));
}

/** Give the filter fieldsets their numbers, element ids and `data-loc`s (`filters[i].…`). */
function renumberFilters() {
  $$("#wf-filters fieldset.filter").forEach((set, i) => {
    for (const n of $$(".n", set)) n.textContent = String(i + 1);
    for (const el of $$("[data-id]", set)) el.id = `wf-f${i}-${el.dataset.id}`;
    for (const label of $$("label[data-for]", set)) label.htmlFor = `wf-f${i}-${label.dataset.for}`;
    for (const el of $$("[data-part]", set)) {
      el.dataset.loc = `filters[${i}].${el.dataset.part}`;
      if (el.dataset.hint && !el.getAttribute("aria-invalid")) el.setAttribute("aria-describedby", `wf-f${i}-${el.dataset.hint}`);
    }
  });
}

function addFilter(filter) {
  const set = $("#wf-filter-template").content.firstElementChild.cloneNode(true);
  $("#wf-filters").append(set);
  const target = filter?.targets?.[0] || {};
  queueOptions($("[data-id=queue]", set), target.queue_id || "");
  $("[data-id=name]", set).value = filter?.name || "";
  $("[data-id=expr]", set).value = filter?.expression || "";
  $("[data-id=wexpr]", set).value = target.worker_expression || "";
  $("[data-id=timeout]", set).value = target.timeout_s ?? "";
  set.extraTargets = filter?.targets?.slice(1) || []; // kept as they are: the form edits the first
  $(".remove-filter", set).addEventListener("click", () => {
    clearErrors($("#workflow-form"));
    set.remove();
    renumberFilters();
    $("#wf-add-filter").focus();
  });
  renumberFilters();
  return set;
}

export async function loadWorkflows() {
  const r = await api("GET", "/v1/workflows");
  if (!r.ok) return;
  workflowItems = r.data;
  const queueName = (id) => queues.find((q) => q.id === id)?.name || id;
  fillRows(
    $("#workflows-table"),
    workflowItems,
    (w) => {
      const actions = document.createElement("div");
      actions.className = "row-actions";
      actions.append(
        button("Edit", `Edit workflow ${w.name}`, () => editWorkflow(w)),
        button("Delete", `Delete workflow ${w.name}`, () => remove(`/v1/workflows/${w.id}`, `workflow ${w.name}`, loadWorkflows)),
      );
      return [
        w.name,
        w.filters.map((f) => `${f.name}: ${f.expression} → ${f.targets.map((t) => queueName(t.queue_id)).join(", ")}`).join("; ") || "none",
        w.default_target ? queueName(w.default_target.queue_id) : "none",
        w.id,
        actions,
      ];
    },
    "No workflows yet.",
  );
}

function resetWorkflowForm() {
  const form = $("#workflow-form");
  clearErrors(form);
  form.reset();
  $("#wf-filters").replaceChildren();
  addFilter();
  editing(form, null);
}

function editWorkflow(w) {
  const form = $("#workflow-form");
  clearErrors(form);
  $("#wf-name").value = w.name;
  $("#wf-desc").value = w.description;
  $("#wf-filters").replaceChildren();
  for (const f of w.filters) addFilter(f);
  if (!w.filters.length) addFilter();
  queueOptions($("#wf-default"), w.default_target?.queue_id || "");
  form.defaultTarget = w.default_target;
  editing(form, w.id, `Edit workflow ${w.name}`);
}

function workflowBody() {
  const body = { name: $("#wf-name").value.trim(), description: $("#wf-desc").value.trim(), filters: [] };
  for (const set of $$("#wf-filters fieldset.filter")) {
    const name = $("[data-id=name]", set).value.trim();
    const expression = $("[data-id=expr]", set).value.trim();
    const queueId = $("[data-id=queue]", set).value;
    const workerExpression = $("[data-id=wexpr]", set).value.trim();
    if (!name && !expression && !queueId && !workerExpression) continue; // an untouched filter
    const target = { queue_id: queueId, worker_expression: workerExpression };
    const timeout = $("[data-id=timeout]", set).value.trim();
    if (timeout) target.timeout_s = Number(timeout);
    body.filters.push({ name, expression, targets: [target, ...set.extraTargets] });
  }
  const fallback = $("#wf-default").value;
  const kept = $("#workflow-form").defaultTarget;
  body.default_target = fallback ? { ...(kept?.queue_id === fallback ? kept : {}), queue_id: fallback } : null;
  return body;
}

export function setUpWorkflows() {
  const form = $("#workflow-form");
  addFilter();
  $("#wf-add-filter").addEventListener("click", () => $("textarea", addFilter()).focus());
  $(".cancel-edit", form).addEventListener("click", resetWorkflowForm);
  onSubmit(form, async () => {
    const id = form.dataset.editing;
    const body = workflowBody();
    // Untouched filters are left out, so number the problems by the filters actually sent.
    const sent = $$("#wf-filters fieldset.filter").filter((set) =>
      ["name", "expr", "queue", "wexpr"].some((k) => $(`[data-id=${k}]`, set).value.trim()),
    );
    const r = id ? await api("PUT", `/v1/workflows/${id}`, body) : await api("POST", "/v1/workflows", body);
    if (!r.ok) return showProblem(form, renumberProblem(r, sent));
    resetWorkflowForm();
    toast(`Saved workflow ${r.data.name}.`);
    await loadWorkflows();
    $("#wf-name").focus();
  });
}

/** Map `filters[i]` of the request back to the i-th filled-in fieldset's own `data-loc`. */
function renumberProblem(result, sent) {
  const all = $$("#wf-filters fieldset.filter");
  const errors = (result.data?.errors || []).map((e) => {
    const loc = normalLoc(e.loc ?? e.field).replace(/^filters\[(\d+)\]/, (m, i) => {
      const set = sent[Number(i)];
      return set ? `filters[${all.indexOf(set)}]` : m;
    });
    return { ...e, loc };
  });
  return { ...result, data: { ...result.data, errors } };
}

// --- expressions checked as they are typed ---------------------------------------------------------

/** Which expression a field holds: a queue's target, a workflow filter or a worker expression. */
function expressionUse(el) {
  if (el.id === "q-expr") return "target";
  if (el.dataset.id === "expr") return "filter";
  if (el.dataset.id === "wexpr") return "worker";
  return null;
}

const checking = new WeakMap(); // field -> pending timer

/** Ask the server (nothing is saved) and show its message next to the field, or clear it. */
async function checkExpression(el, use) {
  const text = el.value;
  if (!text.trim()) {
    clearFieldError(el);
    return;
  }
  const r = await api("POST", "/v1/routing/expressions/check", { expression: text.trim(), use });
  if (el.value !== text) return; // typed on since: a newer check is on its way
  clearFieldError(el);
  if (!r.ok) {
    const e = (r.data && Array.isArray(r.data.errors) && r.data.errors[0]) || null;
    setFieldError(el, e ? e.message : (r.data && r.data.detail) || `Failed (HTTP ${r.status}).`);
  }
}

document.addEventListener("input", (event) => {
  const el = event.target;
  if (!(el instanceof HTMLTextAreaElement)) return;
  const use = expressionUse(el);
  if (!use) return;
  clearTimeout(checking.get(el));
  checking.set(el, setTimeout(() => checkExpression(el, use), 350));
});
