// Shared by the agent desktop and the wallboard: the REST API with the signed-in key, the live
// event stream, the sign-in form, and small DOM helpers. Vanilla ES module, no build step.

/** An API answer that was not 2xx: `status` and the RFC 9457 problem's `detail`. */
export class ApiError extends Error {
  constructor(status, problem) {
    const detail = (problem && (problem.detail || problem.title)) || `HTTP ${status}`;
    super(detail);
    this.status = status;
    this.problem = problem || {};
  }
}

/** The signed-in key (and worker) kept for this browser tab only, under `name`. */
export const session = {
  load(name) {
    try {
      return JSON.parse(sessionStorage.getItem(`agentfloor.${name}`) || "null");
    } catch {
      return null;
    }
  },
  save(name, value) {
    sessionStorage.setItem(`agentfloor.${name}`, JSON.stringify(value));
  },
  clear(name) {
    sessionStorage.removeItem(`agentfloor.${name}`);
  },
};

/** Call the REST API as `key`; resolves to the JSON body (null for 204), throws ApiError. */
export async function api(key, path, { method = "GET", body, query } = {}) {
  let url = path;
  if (query) {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) {
      if (v !== undefined && v !== null) params.append(k, String(v));
    }
    url += `?${params}`;
  }
  const headers = { Authorization: `Bearer ${key}`, Accept: "application/json" };
  const init = { method, headers };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(url, init);
  if (response.status === 204) return null;
  let payload = null;
  try {
    payload = await response.json();
  } catch {
    payload = null;
  }
  if (!response.ok) throw new ApiError(response.status, payload);
  return payload;
}

/** Every item of a paged list endpoint (`{items, next_cursor}`), up to `max` items. */
export async function allPages(key, path, query = {}, max = 2000) {
  const items = [];
  let cursor = null;
  do {
    const page = await api(key, path, { query: { ...query, limit: 500, cursor } });
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor && items.length < max);
  return items;
}

/**
 * Follow `/v1/events` for `topics`, calling `onEvent(event)` for each event; reconnects with a
 * growing pause after a drop and calls `onState("live" | "reconnecting" | "refused", reason)`.
 * `onOpen` runs on every (re)connect, after the subscription is in place: reload state there
 * so nothing that happened while disconnected is missed. Returns `{close()}`.
 */
export function followEvents(key, topics, { onEvent, onState = () => {}, onOpen = () => {}, workerId } = {}) {
  let socket = null;
  let closed = false;
  let pause = 500;
  const params = new URLSearchParams({ api_key: key, topics: topics.join(",") });
  if (workerId) params.set("worker_id", workerId);
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const url = `${scheme}://${location.host}/v1/events?${params}`;

  function connect() {
    socket = new WebSocket(url);
    socket.onmessage = (message) => {
      const frame = JSON.parse(message.data);
      if (frame.type === "subscribed") {
        pause = 500;
        onState("live");
        onOpen();
      } else if (frame.type === "event") {
        onEvent(frame);
      }
    };
    socket.onclose = (event) => {
      if (closed) return;
      if (event.code === 4401 || event.code === 4403) {
        onState("refused", event.reason);
        return;
      }
      onState("reconnecting");
      setTimeout(connect, pause);
      pause = Math.min(pause * 2, 10_000);
    };
  }
  connect();
  return {
    close() {
      closed = true;
      if (socket) socket.close();
    },
  };
}

/** Build an element: `el("button", {type: "button", onclick: f}, "Accept")`. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** `75` -> `1:15`, `3725` -> `1:02:05`. */
export function duration(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${rest}` : `${m}:${rest}`;
}

/** A local clock time for an ISO timestamp, e.g. `14:05`. */
export function clockTime(iso) {
  return new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

/** `0.8123` -> `81%`; null -> an en dash. */
export function percent(rate) {
  return rate === null || rate === undefined ? "\u2013" : `${Math.round(rate * 100)}%`;
}

/**
 * Wire a sign-in form: on submit call `check(values)` (throws {field, message} or ApiError) and
 * show the message next to the field it names, keeping what was typed; `done(result)` on success.
 */
export function signInForm(form, check, done) {
  const fields = [...form.querySelectorAll("input, select")];
  function clearErrors() {
    for (const input of fields) {
      input.removeAttribute("aria-invalid");
      const error = document.getElementById(`${input.id}-error`);
      if (error) error.textContent = "";
    }
  }
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors();
    const values = Object.fromEntries(fields.map((f) => [f.name, f.value.trim()]));
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      done(await check(values));
    } catch (err) {
      const name = err.field || "key";
      const input = fields.find((f) => f.name === name) || fields[0];
      let message = err.message || String(err);
      if (err instanceof ApiError && err.status === 401) {
        message = `This key was not accepted: ${err.message}`;
      }
      input.setAttribute("aria-invalid", "true");
      document.getElementById(`${input.id}-error`).textContent = message;
      input.focus();
    } finally {
      button.disabled = false;
    }
  });
}

/** Raise a sign-in problem shown next to `field`. */
export function fieldError(field, message) {
  const err = new Error(message);
  err.field = field;
  return err;
}

// --- the sign-in screen both pages share (ids app, signin, signin-key, signin-key-error) ----------

/** Show the sign-in form instead of the page, with the key field focused. */
export function showSignIn() {
  document.getElementById("app").hidden = true;
  document.getElementById("signin").hidden = false;
  document.getElementById("signin-key").focus();
}

/** The key was revoked while signed in: forget it (`store`) and ask again, saying why. */
export function keyStopped(store, reason) {
  session.clear(store);
  showSignIn();
  document.getElementById("signin-key").setAttribute("aria-invalid", "true");
  document.getElementById("signin-key-error").textContent =
    `Your key stopped working: ${reason || "refused"}. Sign in again.`;
}
