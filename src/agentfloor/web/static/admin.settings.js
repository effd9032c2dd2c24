// Admin: disposition codes, business hours (the AI agent's calendar) and API keys.

import { $, api, clearErrors, showProblem, toast, words, button, fillRows, when, listAll, remove, onSubmit, editing, rowActions } from "./admin.core.js";
import { workers } from "./admin.routing.js";

const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

// --- dispositions ------------------------------------------------------------------------------

export async function loadDispositions() {
  const items = await listAll("/v1/dispositions");
  fillRows(
    $("#dispositions-table"),
    items,
    (d) => [
      Object.assign(document.createElement("code"), { textContent: d.code }),
      d.label,
      d.description,
      d.active ? "yes" : "no",
      rowActions(
        button("Edit", `Edit disposition ${d.code}`, () => editDisposition(d)),
        button(d.active ? "Deactivate" : "Activate", `${d.active ? "Deactivate" : "Activate"} disposition ${d.code}`, async () => {
          const r = await api("PATCH", `/v1/dispositions/${d.id}`, { active: !d.active });
          toast(r.ok ? `${d.code} is ${r.data.active ? "active" : "inactive"}.` : r.data?.detail || "Could not change it.");
          await loadDispositions();
        }),
        button("Delete", `Delete disposition ${d.code}`, () => remove(`/v1/dispositions/${d.id}`, `disposition ${d.code}`, loadDispositions)),
      ),
    ],
    "No dispositions yet.",
  );
}

function editDisposition(d) {
  const form = $("#disposition-form");
  clearErrors(form);
  $("#d-code").value = d.code;
  $("#d-label").value = d.label;
  $("#d-desc").value = d.description;
  editing(form, d.id, `Edit disposition ${d.code}`);
}

function resetDispositionForm() {
  const form = $("#disposition-form");
  clearErrors(form);
  form.reset();
  editing(form, null);
}

export function setUpDispositions() {
  const form = $("#disposition-form");
  $(".cancel-edit", form).addEventListener("click", resetDispositionForm);
  onSubmit(form, async () => {
    const id = form.dataset.editing;
    const body = { code: $("#d-code").value.trim(), label: $("#d-label").value.trim(), description: $("#d-desc").value.trim() };
    const r = id ? await api("PATCH", `/v1/dispositions/${id}`, body) : await api("POST", "/v1/dispositions", body);
    if (!r.ok) return showProblem(form, r);
    resetDispositionForm();
    toast(`${id ? "Saved" : "Added"} disposition ${r.data.code}.`);
    await loadDispositions();
    $("#d-code").focus();
  });
}

// --- business hours ----------------------------------------------------------------------------

/** Spread a timetable (`mon-fri`, `daily`, lists, `closed`) over the seven day fields. */
function hoursByDay(hours) {
  const out = Object.fromEntries(DAYS.map((d) => [d, ""]));
  for (const [key, value] of Object.entries(hours || {})) {
    const text = (Array.isArray(value) ? value : [value]).map(String).filter((v) => v.toLowerCase() !== "closed").join(", ");
    let days = [];
    if (key === "daily") days = DAYS;
    else {
      const [from, to] = key.split("-").map((s) => DAYS.indexOf(s.trim()));
      if (from < 0) continue;
      const end = to === undefined ? from : to;
      for (let i = from; ; i = (i + 1) % 7) {
        days.push(DAYS[i]);
        if (i === end || days.length === 7) break;
      }
    }
    for (const d of days) out[d] = text;
  }
  return out;
}

let assistantSettings = {};

export async function loadHours() {
  const r = await api("GET", "/v1/assistant");
  if (!r.ok) return;
  assistantSettings = r.data.settings || {};
  const calendar = assistantSettings.calendar || {};
  $("#h-tz").value = assistantSettings.timezone || r.data.timezone || "UTC";
  const byDay = hoursByDay(calendar.hours || { "mon-fri": "09:00-17:00" });
  for (const d of DAYS) $(`#h-${d}`).value = byDay[d];
  $("#h-closed").value = (calendar.closed_dates || []).join("\n");
  hoursBlock();
}

/** The form's hours as a flow `business_hours` block (YAML), for pasting into a flow. */
function hoursBlock() {
  const quote = (text) => JSON.stringify(text);
  const lines = ["  office_hours:", "    type: business_hours", `    timezone: ${quote($("#h-tz").value.trim() || "UTC")}`, "    hours:"];
  for (const d of DAYS) {
    const ranges = words($(`#h-${d}`).value);
    lines.push(`      ${d}: ${ranges.length === 0 ? "closed" : ranges.length === 1 ? quote(ranges[0]) : `[${ranges.map(quote).join(", ")}]`}`);
  }
  const closed = $("#h-closed").value.split(/[\s,]+/).filter(Boolean);
  if (closed.length) lines.push(`    closed_dates: [${closed.map(quote).join(", ")}]`);
  lines.push("    open: main_menu", "    closed: after_hours");
  $("#h-block").value = lines.join("\n") + "\n";
}

export function setUpHours() {
  const form = $("#hours-form");
  form.addEventListener("input", hoursBlock);
  onSubmit(form, async () => {
    $("#hours-saved").textContent = "";
    const hours = {};
    for (const d of DAYS) {
      const ranges = words($(`#h-${d}`).value);
      hours[d] = ranges.length === 0 ? "closed" : ranges.length === 1 ? ranges[0] : ranges;
    }
    const closed = $("#h-closed").value.split(/[\s,]+/).filter(Boolean);
    const current = await api("GET", "/v1/assistant");
    if (current.ok) assistantSettings = current.data.settings || {};
    const doc = {
      ...assistantSettings,
      timezone: $("#h-tz").value.trim(),
      calendar: { ...(assistantSettings.calendar || {}), hours, closed_dates: closed },
    };
    const r = await api("PUT", "/v1/assistant", doc);
    if (!r.ok) return showProblem(form, r);
    clearErrors(form);
    assistantSettings = r.data.settings;
    $("#hours-saved").textContent = "Business hours saved.";
  });
}

// --- API keys ----------------------------------------------------------------------------------

export async function loadKeys() {
  const r = await api("GET", "/v1/api-keys");
  if (!r.ok) return;
  const workerName = (id) => workers.find((w) => w.id === id)?.name || id || "";
  fillRows(
    $("#keys-table"),
    r.data,
    (k) => [
      k.name,
      k.role,
      workerName(k.worker_id),
      when(k.created_at),
      k.revoked_at ? `revoked ${when(k.revoked_at)}` : "active",
      k.revoked_at ? "" : button("Revoke", `Revoke key ${k.name}`, () => revokeKey(k)),
    ],
    "No keys.",
  );
}

async function revokeKey(k) {
  if (!window.confirm(`Revoke key ${k.name}? It stops working at once.`)) return;
  const r = await api("POST", `/v1/api-keys/${k.id}/revoke`);
  toast(r.ok ? `Revoked ${k.name}.` : r.data?.detail || "Could not revoke the key.");
  await loadKeys();
}

export function setUpKeys() {
  const form = $("#key-form");
  onSubmit(form, async () => {
    const body = { name: $("#k-name").value.trim(), role: $("#k-role").value };
    if ($("#k-worker").value) body.worker_id = $("#k-worker").value;
    const r = await api("POST", "/v1/api-keys", body);
    if (!r.ok) return showProblem(form, r);
    clearErrors(form);
    form.reset();
    $("#key-secret-value").value = r.data.key;
    $("#key-secret").hidden = false;
    $("#key-secret-value").focus();
    $("#key-secret-value").select();
    await loadKeys();
  });
  $("#key-copy").addEventListener("click", async () => {
    $("#key-secret-value").select();
    try {
      await navigator.clipboard.writeText($("#key-secret-value").value);
      toast("Copied.");
    } catch {
      toast("Select the key and copy it (Ctrl+C).");
    }
  });
  $("#key-done").addEventListener("click", () => {
    $("#key-secret-value").value = "";
    $("#key-secret").hidden = true;
    $("#k-name").focus();
  });
}
