// Admin: the flow editor (problems listed by path), versions, and a preview in a test chat.

import { $, api, normalLoc, setFieldError, clearErrors, showProblem, toast, button, fillRows, when, onSubmit } from "./admin.core.js";

const SLUG_STORE = "agentfloor.admin.slug";
let flows = [];

// --- flows -------------------------------------------------------------------------------------

const STARTER = `name: Chat entry
start: menu
blocks:
  menu:
    type: menu
    prompt: "Hello! Do you want to check an order or talk to a person?"
    options:
      - {label: Order, dtmf: "1", intent: order_status, next: orders}
      - {label: Person, dtmf: "2", intent: human, next: bye}
    no_match: bye
    max_retries: 1
  orders:
    type: ai_agent
    skill: order_status
    on_contained: bye
    on_handoff: bye
  bye:
    type: end
    message: "Thanks for chatting. Goodbye!"
`;

export async function loadFlows() {
  const r = await api("GET", "/v1/flows");
  if (!r.ok) return;
  flows = r.data;
  fillRows(
    $("#flows-table"),
    flows,
    (f) => [
      f.name,
      String(f.version),
      when(f.created_at),
      f.flow_id,
      button("Open", `Open flow ${f.name} in the editor`, () => openFlow(f)),
    ],
    "No flows yet.",
  );
  const select = $("#preview-flow");
  const current = select.value;
  select.replaceChildren(...flows.map((f) => new Option(`${f.name} (v${f.version})`, f.flow_id, false, f.flow_id === current)));
}

async function openFlow(f, version = f.version, focusEditor = true) {
  const r = await api("GET", `/v1/flows/${f.flow_id}/versions/${version}`);
  if (!r.ok) return toast(r.data?.detail || "Could not open the flow.");
  $("#flow-source").value = r.data.source;
  clearFlowErrors();
  $("#flow-saved").textContent = "";
  await showVersions(f.flow_id, version);
  $("#preview-flow").value = f.flow_id;
  if (focusEditor) $("#flow-source").focus();
}

/** Fill the version picker of flow `flowId`, showing `version`. */
async function showVersions(flowId, version) {
  const r = await api("GET", `/v1/flows/${flowId}/versions`);
  if (!r.ok) return;
  const pick = $("#flow-version");
  pick.replaceChildren(
    ...r.data.map((v) => new Option(`v${v.version}, ${when(v.created_at)}`, String(v.version), false, v.version === version)),
  );
  pick.flowId = flowId;
  $("#flow-version-field").hidden = false;
}

export async function loadEntryFlow() {
  const r = await api("GET", "/v1/assistant");
  if (!r.ok) return null;
  const id = r.data.flow_id;
  const known = flows.find((f) => f.flow_id === id);
  $("#entry-flow").textContent = id ? (known ? `${known.name} (${id})` : id) : "none (the AI agent answers directly)";
  return r.data;
}

function clearFlowErrors() {
  const list = $("#flow-errors");
  list.hidden = true;
  list.replaceChildren();
  $("#flow-source").removeAttribute("aria-invalid");
}

/** Select line `line` (0-based) of the flow editor, or put the caret at `column` (1-based). */
function selectLine(line, column) {
  const editor = $("#flow-source");
  const lines = editor.value.split("\n");
  editor.focus();
  if (line < 0 || line >= lines.length) return;
  const start = lines.slice(0, line).join("\n").length + (line ? 1 : 0);
  if (column) editor.setSelectionRange(start + column - 1, start + column - 1);
  else editor.setSelectionRange(start, start + lines[line].length);
  const height = parseFloat(getComputedStyle(editor).lineHeight) || 18;
  editor.scrollTop = Math.max(0, (line - 3) * height);
}

/** The line (0-based) a `blocks.<id>.<field>` path points at, following the YAML indentation. */
function lineOf(loc) {
  const lines = $("#flow-source").value.split("\n");
  const parts = loc.replace(/\[(\d+)\]/g, ".$1").split(".").filter(Boolean);
  let line = -1;
  let indent = -1;
  for (const part of parts) {
    for (let i = line + 1; i < lines.length; i++) {
      const m = lines[i].match(/^(\s*)(?:- )?["']?([^"':#{]+?)["']?\s*:/);
      if (m && m[2] === part && m[1].length > indent) {
        line = i;
        indent = m[1].length;
        break;
      }
    }
  }
  return line;
}

function showFlowErrors(result) {
  const list = $("#flow-errors");
  const problem = result.data || {};
  const errors = Array.isArray(problem.errors) ? problem.errors : [];
  const title = document.createElement("p");
  const count = errors.length === 1 ? "1 problem" : `${errors.length} problems`;
  title.textContent = errors.length ? `${count}; nothing was saved:` : problem.detail || "The flow was not saved.";
  const ul = document.createElement("ul");
  for (const e of errors) {
    const li = document.createElement("li");
    const loc = normalLoc(e.loc ?? e.field);
    const at = String(e.message).match(/line (\d+)(?:, column (\d+))?/);
    if (at) {
      const [, line, column] = at;
      li.append(button(`line ${line}`, `Go to line ${line}`, () => selectLine(Number(line) - 1, Number(column) || 0), "loc"), " ");
    } else if (loc && loc !== "document") {
      li.append(button(loc, `Go to ${loc}`, () => selectLine(lineOf(loc)), "loc"), " ");
    }
    li.append(e.message);
    ul.append(li);
  }
  if (errors.length === 1 && problem.detail && !problem.detail.includes(errors[0].message)) {
    const li = document.createElement("li");
    li.textContent = problem.detail;
    ul.append(li);
  }
  list.replaceChildren(title, ul);
  list.hidden = false;
  $("#flow-source").setAttribute("aria-invalid", "true");
}

export function setUpFlows() {
  const form = $("#flow-form");
  const editor = $("#flow-source");
  editor.value = STARTER;
  editor.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  $("#flow-version").addEventListener("change", (event) => {
    const pick = event.target;
    openFlow({ flow_id: pick.flowId }, Number(pick.value), false);
  });
  $("#flow-new").addEventListener("click", () => {
    $("#flow-version-field").hidden = true;
    editor.value = STARTER;
    clearFlowErrors();
    $("#flow-saved").textContent = "";
    editor.focus();
  });
  onSubmit(form, async () => {
    $("#flow-saved").textContent = "";
    const r = await api("POST", "/v1/flows", editor.value, "application/yaml");
    if (!r.ok) return showFlowErrors(r);
    clearFlowErrors();
    $("#flow-saved").textContent = `Saved version ${r.data.version} of ${r.data.name} (${r.data.flow_id}).`;
    await loadFlows();
    await showVersions(r.data.flow_id, r.data.version);
    $("#preview-flow").value = r.data.flow_id;
  });

  const preview = $("#preview-form");
  const slug = $("#preview-slug");
  slug.value = new URLSearchParams(location.search).get("tenant") || sessionStorage.getItem(SLUG_STORE) || "";
  onSubmit(preview, async () => {
    clearErrors(preview);
    const flowId = $("#preview-flow").value;
    const tenant = slug.value.trim().toLowerCase();
    if (!flowId) setFieldError($("#preview-flow"), "save a flow first, then choose it here");
    if (!/^[a-z0-9][a-z0-9-]*$/.test(tenant)) setFieldError(slug, "the tenant's slug: letters, digits and dashes");
    if (!flowId || !/^[a-z0-9][a-z0-9-]*$/.test(tenant)) return $("[aria-invalid=true]", preview).focus();
    sessionStorage.setItem(SLUG_STORE, tenant);
    const current = await api("GET", "/v1/assistant");
    if (!current.ok) return showProblem(preview, current);
    const r = await api("PUT", "/v1/assistant", { ...current.data.settings, flow_id: flowId });
    if (!r.ok) return showProblem(preview, r);
    await loadEntryFlow();
    const frame = $("#preview-frame");
    frame.src = `/demo?tenant=${encodeURIComponent(tenant)}&preview=${Date.now()}`;
    frame.hidden = false;
    frame.scrollIntoView({ block: "nearest" });
    toast("Entry flow set; say something in the test chat.");
  });
  $("#preview-clear").addEventListener("click", async () => {
    const current = await api("GET", "/v1/assistant");
    if (!current.ok) return;
    const settings = { ...current.data.settings };
    delete settings.flow_id;
    const r = await api("PUT", "/v1/assistant", settings);
    if (r.ok) toast("Chats are answered by the AI agent directly again.");
    await loadEntryFlow();
  });
}
