// agentfloor admin: workers, queues, workflows, flows, dispositions, business hours, API keys.
//
// Plain ES modules over the REST API (no build step): this one signs in and shows one section
// at a time (by the URL's #hash); the sections live in admin.routing.js, admin.flows.js and
// admin.settings.js, the shared parts in admin.core.js. The admin key is kept in sessionStorage
// (this tab only).

import { $, $$, api, clearErrors, onSubmit, onUnauthorized, setFieldError, setKey, toast } from "./admin.core.js";
import { loadEntryFlow, loadFlows, setUpFlows } from "./admin.flows.js";
import { loadActivities, loadQueues, loadWorkers, loadWorkflows, setUpQueues, setUpWorkers, setUpWorkflows } from "./admin.routing.js";
import { loadDispositions, loadHours, loadKeys, setUpDispositions, setUpHours, setUpKeys } from "./admin.settings.js";

const KEY_STORE = "agentfloor.admin.key";
const SECTIONS = ["workers", "queues", "workflows", "flows", "dispositions", "hours", "keys"];

let apiKey = sessionStorage.getItem(KEY_STORE) || ""; // the signed-in key; "" when signed out

// --- sections and sign-in ----------------------------------------------------------------------

const LOADERS = {
  workers: async () => { await loadActivities(); await loadWorkers(); },
  queues: loadQueues,
  workflows: async () => { await loadQueues(); await loadWorkflows(); },
  flows: async () => { await loadFlows(); await loadEntryFlow(); },
  dispositions: loadDispositions,
  hours: loadHours,
  keys: async () => { await loadWorkers(); await loadKeys(); },
};

async function show() {
  if (!apiKey) return;
  const name = SECTIONS.includes(location.hash.slice(1)) ? location.hash.slice(1) : "workers";
  $("#toast").classList.remove("shown");
  for (const s of SECTIONS) $(`#${s}`).hidden = s !== name;
  for (const a of $$(".tabs a")) {
    if (a.hash === `#${name}`) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  const panel = $(`#${name}`);
  panel.setAttribute("aria-busy", "true");
  try {
    await LOADERS[name]();
  } catch (err) {
    toast(`Could not load ${name}: ${err.message}`);
  } finally {
    panel.removeAttribute("aria-busy");
  }
}

function signOut(message) {
  apiKey = "";
  setKey("");
  sessionStorage.removeItem(KEY_STORE);
  $("#app").hidden = true;
  $("#who").hidden = true;
  $("#sign-out").hidden = true;
  $("#signin").hidden = false;
  const form = $("#signin-form");
  clearErrors(form);
  if (message) setFieldError($("#signin-key"), message);
  $("#signin-key").focus();
}

async function signIn(key) {
  setKey(key);
  const r = await api("GET", "/v1/me");
  if (!r.ok || r.data.role !== "admin") {
    setKey("");
    return r.ok ? `This is a ${r.data.role} key; the admin pages need an admin key.` : r.status === 401 ? "This key is not valid (unknown or revoked)." : r.data?.detail || `Sign-in failed (HTTP ${r.status}).`;
  }
  apiKey = key;
  sessionStorage.setItem(KEY_STORE, key);
  $("#who").textContent = `Signed in to tenant ${r.data.tenant_id} with an admin key`;
  $("#who").hidden = false;
  $("#sign-out").hidden = false;
  $("#signin").hidden = true;
  $("#app").hidden = false;
  return null;
}

function start() {
  setUpWorkers();
  setUpQueues();
  setUpWorkflows();
  setUpFlows();
  setUpDispositions();
  setUpHours();
  setUpKeys();
  const form = $("#signin-form");
  onSubmit(form, async () => {
    clearErrors(form);
    const key = $("#signin-key").value.trim();
    const problem = key ? await signIn(key) : "Enter an admin API key.";
    if (problem) {
      setFieldError($("#signin-key"), problem);
      $("#signin-key").focus();
      return;
    }
    $("#signin-key").value = "";
    await show();
    $("#main").focus();
  });
  $("#sign-out").addEventListener("click", () => signOut());
  onUnauthorized(signOut);
  window.addEventListener("hashchange", async () => {
    await show();
    if (apiKey) $("#main").focus();
  });
  if (apiKey) {
    signIn(apiKey).then((problem) => (problem ? signOut(problem) : show()));
  } else {
    $("#signin-key").focus();
  }
}

start();
