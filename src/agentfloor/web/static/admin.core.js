// The admin pages' shared parts: calls to the REST API, errors shown next to fields, table rows.
//
// The admin key is sent as `Authorization: Bearer`. Every 422/409 is an RFC 9457 problem whose
// `errors[]` name the bad fields by `loc`; each form control carries the `loc` it edits in
// `data-loc`, so a message lands next to its field and the user's input is never cleared.

export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

// --- HTTP ------------------------------------------------------------------------------------

let apiKey = "";
let unauthorized = () => {};

/** Use `key` for every call from now on ("" when signed out). */
export function setKey(key) {
  apiKey = key;
}

/** Call `handler(message)` when a call answers 401 (the key was revoked meanwhile). */
export function onUnauthorized(handler) {
  unauthorized = handler;
}

export async function api(method, path, body, contentType = "application/json") {
  const headers = { Authorization: `Bearer ${apiKey}`, Accept: "application/json" };
  let payload;
  if (body !== undefined) {
    headers["Content-Type"] = contentType;
    payload = contentType === "application/json" ? JSON.stringify(body) : body;
  }
  let response;
  try {
    response = await fetch(path, { method, headers, body: payload });
  } catch (err) {
    return { ok: false, status: 0, data: { detail: `the server did not answer (${err.message})` } };
  }
  let data = null;
  if (response.status !== 204) {
    const text = await response.text();
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = { detail: text };
    }
  }
  if (response.status === 401 && path !== "/v1/me") unauthorized("Your key stopped working; sign in again.");
  return { ok: response.ok, status: response.status, data };
}

// --- field errors ------------------------------------------------------------------------------

/** `body.filters.0.expression` (pydantic) and `filters[0].expression` (domain) read the same. */
export function normalLoc(loc) {
  return String(loc || "")
    .replace(/^body(\.|$)/, "")
    .replace(/\.(\d+)(?=\.|$)/g, "[$1]");
}

/** The control editing `loc`: an exact `data-loc`, else the longest one `loc` lies under. */
function fieldFor(form, loc) {
  let best = null;
  for (const el of $$("[data-loc]", form)) {
    const own = el.dataset.loc;
    const under = loc === own || loc.startsWith(own + ".") || loc.startsWith(own + "[");
    if (under && (!best || own.length > best.dataset.loc.length)) best = el;
  }
  return best;
}

function describedBy(el, id, add) {
  const ids = (el.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
  const next = add ? [...new Set([...ids, id])] : ids.filter((x) => x !== id);
  if (next.length) el.setAttribute("aria-describedby", next.join(" "));
  else el.removeAttribute("aria-describedby");
}

export function setFieldError(el, message) {
  const id = `${el.id}-error`;
  let note = document.getElementById(id);
  if (!note) {
    note = document.createElement("p");
    note.id = id;
    note.className = "error";
    el.closest(".field").append(note);
  }
  note.textContent = note.textContent ? `${note.textContent} ${message}` : message;
  el.setAttribute("aria-invalid", "true");
  describedBy(el, id, true);
}

/** Remove one field's message (and its invalid mark), leaving the rest of the form as it is. */
export function clearFieldError(el) {
  const id = `${el.id}-error`;
  const note = document.getElementById(id);
  if (note) note.remove();
  el.removeAttribute("aria-invalid");
  describedBy(el, id, false);
}

function formError(form, message) {
  let note = $(".form-error", form);
  if (!note) {
    note = document.createElement("p");
    note.className = "form-error";
    note.setAttribute("role", "alert");
    $(":scope > .actions", form).before(note);
  }
  note.textContent = message;
  note.hidden = false;
}

export function clearErrors(form) {
  for (const note of $$("p.error", form)) {
    const el = form.querySelector(`#${CSS.escape(note.id.replace(/-error$/, ""))}`);
    if (el) {
      el.removeAttribute("aria-invalid");
      describedBy(el, note.id, false);
    }
    note.remove();
  }
  for (const note of $$(".form-error", form)) note.hidden = true;
}

/** Put every problem of a failed response next to its field; the first bad field gets focus. */
export function showProblem(form, result) {
  clearErrors(form);
  const problem = result.data || {};
  const errors = Array.isArray(problem.errors) ? problem.errors : [];
  const loose = [];
  let first = null;
  let column = 0;
  for (const e of errors) {
    const loc = normalLoc(e.loc ?? e.field);
    const el = loc ? fieldFor(form, loc) : null;
    if (el) {
      const where = loc === el.dataset.loc ? "" : `${loc.slice(el.dataset.loc.length).replace(/^\./, "")}: `;
      setFieldError(el, `${where}${e.message}`);
      if (!first) {
        first = el;
        column = Number(String(e.message).match(/column (\d+)/)?.[1] || 0);
      }
    } else {
      loose.push(loc ? `${loc}: ${e.message}` : e.message);
    }
  }
  if (loose.length || !errors.length) {
    formError(form, loose.length ? loose.join("; ") : problem.detail || `Failed (HTTP ${result.status}).`);
  } else if (problem.detail && errors.length && !first) {
    formError(form, problem.detail);
  }
  if (first) {
    first.focus();
    if (column && (first.tagName === "TEXTAREA" || first.type === "text")) {
      // Put the caret where the expression stopped parsing (values are sent trimmed).
      const at = first.value.length - first.value.trimStart().length + column - 1;
      first.setSelectionRange(at, at);
    }
  }
}

export function toast(message) {
  const el = $("#toast");
  el.textContent = message;
  el.classList.add("shown");
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => el.classList.remove("shown"), 4000);
}

// --- small helpers -----------------------------------------------------------------------------

export const words = (text) => text.split(",").map((s) => s.trim()).filter(Boolean);

function cell(label, content) {
  const td = document.createElement("td");
  td.dataset.label = label;
  if (content instanceof Node) td.append(content);
  else td.textContent = content ?? "";
  return td;
}

export function button(text, label, onClick, cls = "secondary small") {
  const b = document.createElement("button");
  b.type = "button";
  b.className = cls;
  b.textContent = text;
  b.setAttribute("aria-label", label);
  b.addEventListener("click", onClick);
  return b;
}

export function fillRows(table, items, columns, empty) {
  const body = $("tbody", table);
  body.replaceChildren();
  const labels = $$("thead th", table).map((th) => th.textContent.trim());
  if (!items.length) {
    const tr = document.createElement("tr");
    const td = cell("", empty);
    td.colSpan = labels.length;
    td.className = "empty";
    tr.append(td);
    body.append(tr);
    return;
  }
  for (const item of items) {
    const tr = document.createElement("tr");
    columns(item).forEach((value, i) => tr.append(cell(labels[i], value)));
    body.append(tr);
  }
}

export const when = (iso) => (iso ? new Date(iso).toLocaleString() : "");

export async function listAll(path) {
  const out = [];
  let cursor = null;
  for (let page = 0; page < 20; page++) {
    const r = await api("GET", cursor ? `${path}?limit=200&cursor=${encodeURIComponent(cursor)}` : `${path}?limit=200`);
    if (!r.ok) throw new Error(r.data?.detail || `HTTP ${r.status}`);
    out.push(...r.data.items);
    cursor = r.data.next_cursor;
    if (!cursor) break;
  }
  return out;
}

export async function remove(path, what, reload) {
  if (!window.confirm(`Delete ${what}?`)) return;
  const r = await api("DELETE", path);
  if (r.ok) toast(`Deleted ${what}.`);
  else toast(r.data?.detail || `Could not delete ${what}.`);
  await reload();
}

export function onSubmit(form, handler) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const submit = $("button[type=submit]", form);
    submit.disabled = true;
    try {
      await handler();
    } finally {
      submit.disabled = false;
    }
  });
}

/** Switch a create form into editing record `id` (or back, with null). */
export function editing(form, id, title) {
  const heading = $("h3[data-add]", form);
  const submit = $("button[type=submit]", form);
  submit.dataset.add = submit.dataset.add || submit.textContent;
  if (id) {
    form.dataset.editing = id;
    heading.textContent = title;
    submit.textContent = "Save changes";
    $(".cancel-edit", form).hidden = false;
    form.scrollIntoView({ block: "start" });
    $("input, textarea", form).focus();
  } else {
    delete form.dataset.editing;
    heading.textContent = heading.dataset.add;
    submit.textContent = submit.dataset.add;
    $(".cancel-edit", form).hidden = true;
  }
}

export function rowActions(...buttons) {
  const box = document.createElement("div");
  box.className = "row-actions";
  box.append(...buttons);
  return box;
}
