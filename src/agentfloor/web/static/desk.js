// The agent desktop: sign in, set activity, take offers, chat with customers, wrap up.
//
// One initial load (the worker's open offers and chats), then live over /v1/events: offers
// (`reservation.*`), assignments (`task.*`), chat messages and the worker's activity. A
// reconnect reloads, so nothing that happened while the socket was down is missed.

import { ApiError, allPages, api, el, fieldError, followEvents, keyStopped, session, showSignIn, signInForm } from "./api.js";
import {
  addMessage,
  cancelWrap,
  catchUp,
  closeChat,
  complete,
  openChat,
  renderCapacity,
  renderChats,
  renderConversation,
  renderDispositions,
  select,
  send,
  showTyping,
  startWrap,
  wireForms,
} from "./desk-chat.js";
import { syncCall, wireCall } from "./desk-call.js";
import { $, notice, state } from "./desk-state.js";

const STORE = "desk";
const OFFER_ENDS = new Set([
  "reservation.accepted",
  "reservation.rejected",
  "reservation.timed_out",
  "reservation.canceled",
]);
const TASK_ENDS = new Set(["task.wrapping", "task.completed", "task.canceled", "task.abandoned"]);

// --- sign in ------------------------------------------------------------------------------------

async function checkSignIn({ key, worker }) {
  if (!key) throw fieldError("key", "Enter your API key.");
  const me = await api(key, "/v1/me");
  if (!["agent", "supervisor", "admin"].includes(me.role)) {
    throw fieldError("key", `A ${me.role} key cannot work tasks; use an agent key.`);
  }
  const workerId = me.worker_id || worker;
  if (!workerId) throw fieldError("worker", "This key is not bound to a worker: enter your worker id.");
  if (me.worker_id && worker && worker !== me.worker_id) {
    throw fieldError("worker", `This key acts as worker ${me.worker_id} only.`);
  }
  try {
    await api(key, `/v1/workers/${encodeURIComponent(workerId)}`);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) throw fieldError("worker", `There is no worker ${workerId}.`);
    throw err;
  }
  return { key, workerId };
}

function signOut() {
  if (state.stream) state.stream.close();
  session.clear(STORE);
  location.reload();
}

// --- start --------------------------------------------------------------------------------------

async function start({ key, workerId }) {
  // Signing in again (after a key stopped working) starts from a clean desk.
  if (state.stream) state.stream.close();
  clearInterval(state.ticker);
  state.offers.clear();
  state.chats.clear();
  state.current = null;
  state.key = key;
  state.workerId = workerId;
  session.save(STORE, { key, workerId });
  $("signin").hidden = true;
  $("app").hidden = false;
  try {
    const [worker, config, dispositions] = await Promise.all([
      api(key, `/v1/workers/${encodeURIComponent(workerId)}`),
      api(key, "/v1/routing/config"),
      allPages(key, "/v1/dispositions"),
    ]);
    state.worker = worker;
    state.activities = Object.keys(config.activities);
    state.dispositions = dispositions.filter((d) => d.active !== false);
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      session.clear(STORE);
      showSignIn();
      return;
    }
    notice(`Could not load the desk: ${err.message}`);
    return;
  }
  renderWorker();
  renderDispositions();
  renderOffers();
  renderChats();
  renderConversation();
  state.stream = followEvents(key, ["reservation", "task", "chat", "worker"], {
    workerId,
    onEvent,
    onOpen: () => reload().catch((err) => notice(`Could not load your work: ${err.message}`)),
    onState: (s, reason) => {
      if (s === "refused") keyStopped(STORE, reason);
      const badge = $("connection");
      badge.dataset.state = s;
      badge.textContent = { live: "live", reconnecting: "reconnecting\u2026", refused: `refused: ${reason}` }[s];
    },
  });
  state.ticker = setInterval(tick, 250);
}

/** The worker's open offers and chats, as the server has them now. */
async function reload() {
  const startedAt = Date.now();
  const [reserved, assigned, worker] = await Promise.all([
    allPages(state.key, "/v1/tasks", { state: "reserved" }),
    allPages(state.key, "/v1/tasks", { state: "assigned" }),
    api(state.key, `/v1/workers/${encodeURIComponent(state.workerId)}`),
  ]);
  state.worker = worker;
  renderWorker();
  const mine = assigned.filter((t) => t.worker_id === state.workerId);
  for (const task of mine) {
    const open = state.chats.get(task.id);
    if (open && !open.loading) catchUp(open);
    else openChat(task.id, task);
  }
  const pending = new Set();
  for (const task of reserved) {
    const offers = await api(state.key, `/v1/tasks/${task.id}/reservations`);
    for (const r of offers) {
      if (r.state === "pending" && r.worker_id === state.workerId) {
        pending.add(r.id);
        addOffer(r.id, task, r);
      }
    }
  }
  // After a reconnect: drop what ended while the socket was down (but not what arrived since).
  const chats = new Set(mine.map((t) => t.id));
  for (const [id, offer] of state.offers) {
    if (!pending.has(id) && offer.addedAt < startedAt) removeOffer(id);
  }
  for (const [id, chat] of state.chats) {
    if (!chats.has(id) && chat.addedAt < startedAt) closeChat(id);
  }
}

// --- live events --------------------------------------------------------------------------------

function onEvent(event) {
  const data = event.data || {};
  if (data.worker_id && data.worker_id !== state.workerId) return;
  const topic = event.topic;
  if (topic === "reservation.created") {
    addOffer(data.reservation_id, null, null);
  } else if (OFFER_ENDS.has(topic)) {
    removeOffer(data.reservation_id);
    if (topic === "reservation.timed_out") notice("An offer timed out.");
  } else if (topic === "task.assigned") {
    openChat(data.task_id, null);
  } else if (TASK_ENDS.has(topic)) {
    closeChat(data.task_id);
  } else if (topic === "chat.message") {
    for (const chat of state.chats.values()) {
      if (chat.interaction && chat.interaction.id === data.interaction_id) {
        addMessage(chat, {
          seq: data.seq,
          sender: data.sender,
          text: data.text,
          created_at: event.at,
        });
      }
    }
  } else if (topic === "chat.typing" && data.sender === "customer") {
    const chat = state.current ? state.chats.get(state.current) : null;
    if (chat && chat.interaction && chat.interaction.id === data.interaction_id) showTyping();
  } else if (topic === "worker.activity_changed") {
    if (state.worker) {
      state.worker = { ...state.worker, activity: data.activity, activity_since: event.at };
      renderWorker();
    }
  }
}

// --- activity -----------------------------------------------------------------------------------

function renderWorker() {
  const w = state.worker;
  if (!w) return;
  $("worker-name").textContent = `\u00b7 ${w.name}`;
  const select = $("activity");
  const options = state.activities.includes(w.activity) ? state.activities : [...state.activities, w.activity];
  if ([...select.options].map((o) => o.value).join() !== options.join()) {
    select.replaceChildren(...options.map((a) => el("option", { value: a }, a)));
  }
  select.value = w.activity;
  renderCapacity();
}

async function setActivity(activity) {
  try {
    state.worker = await api(state.key, `/v1/workers/${encodeURIComponent(state.workerId)}/activity`, {
      method: "POST",
      body: { activity },
    });
    renderWorker();
  } catch (err) {
    notice(`Could not change activity: ${err.message}`);
    renderWorker();
  }
}

// --- offers -------------------------------------------------------------------------------------

async function addOffer(reservationId, task, reservation) {
  if (!reservationId || state.offers.has(reservationId)) return;
  const offer = { id: reservationId, task, reservation, expiresAt: null, loading: true, addedAt: Date.now() };
  state.offers.set(reservationId, offer);
  try {
    offer.reservation = reservation || (await api(state.key, `/v1/reservations/${reservationId}`));
    offer.task = task || (await api(state.key, `/v1/tasks/${offer.reservation.task_id}`));
    offer.expiresAt = Date.parse(offer.reservation.expires_at);
    offer.loading = false;
    if (offer.reservation.state !== "pending") state.offers.delete(reservationId);
  } catch (err) {
    state.offers.delete(reservationId);
    notice(`Could not load an offer: ${err.message}`);
  }
  renderOffers();
}

function removeOffer(reservationId) {
  if (state.offers.delete(reservationId)) renderOffers();
}

function offerTitle(task) {
  const summary = task.attributes.summary || {};
  const channel = task.channel === "voice" ? "call" : task.channel;
  const reason = summary.reason ? ` \u00b7 ${summary.reason.replaceAll("_", " ")}` : "";
  const intent = summary.intent ? ` \u00b7 ${summary.intent}` : "";
  return `Incoming ${channel}${reason}${intent}`;
}

function renderOffers() {
  const list = $("offers");
  const ready = [...state.offers.values()].filter((o) => !o.loading);
  document.title = ready.length ? `(${ready.length}) Agent desktop \u00b7 agentfloor` : "Agent desktop \u00b7 agentfloor";
  list.replaceChildren(
    ...ready.map((offer, i) => {
      const titleId = `offer-${offer.id}-title`;
      const first = i === 0;
      return el(
        "article",
        { class: "offer", "aria-labelledby": titleId, "data-reservation": offer.id },
        el(
          "div",
          { class: "what" },
          el("h2", { id: titleId }, offerTitle(offer.task)),
          el("p", { class: "muted" }, previewOf(offer.task)),
        ),
        el("span", { class: "countdown", "data-expires": offer.expiresAt, role: "timer" }, countdownText(offer)),
        el(
          "button",
          {
            type: "button",
            class: "primary",
            "aria-keyshortcuts": first ? "Alt+A" : undefined,
            onclick: () => accept(offer.id),
          },
          "Accept",
          first ? [" ", el("kbd", {}, "Alt"), "+", el("kbd", {}, "A")] : null,
        ),
        el(
          "button",
          {
            type: "button",
            class: "danger",
            "aria-keyshortcuts": first ? "Alt+R" : undefined,
            onclick: () => reject(offer.id),
          },
          "Reject",
          first ? [" ", el("kbd", {}, "Alt"), "+", el("kbd", {}, "R")] : null,
        ),
      );
    }),
  );
}

function previewOf(task) {
  const summary = task.attributes.summary || {};
  const turns = summary.transcript || [];
  const last = [...turns].reverse().find((t) => t.sender === "customer");
  return last ? `\u201c${last.text}\u201d` : `Task ${task.id}`;
}

function countdownText(offer) {
  const left = (offer.expiresAt - Date.now()) / 1000;
  return left > 0 ? `${Math.ceil(left)} s left` : "expiring\u2026";
}

async function accept(reservationId) {
  const offer = state.offers.get(reservationId);
  if (!offer || offer.loading) return;
  try {
    await api(state.key, `/v1/reservations/${reservationId}/accept`, {
      method: "POST",
      body: { worker_id: state.workerId },
    });
    removeOffer(reservationId);
    await openChat(offer.task.id, null, true);
  } catch (err) {
    removeOffer(reservationId);
    notice(err instanceof ApiError && err.status === 409 ? "That offer has already ended." : `Could not accept: ${err.message}`);
  }
}

async function reject(reservationId) {
  const offer = state.offers.get(reservationId);
  if (!offer || offer.loading) return;
  try {
    await api(state.key, `/v1/reservations/${reservationId}/reject`, {
      method: "POST",
      body: { worker_id: state.workerId },
    });
  } catch (err) {
    notice(`Could not reject: ${err.message}`);
  }
  removeOffer(reservationId);
}

// --- clock, notices, keys -----------------------------------------------------------------------

function tick() {
  for (const node of document.querySelectorAll(".countdown[data-expires]")) {
    const offer = state.offers.get(node.closest(".offer").dataset.reservation);
    if (offer) node.textContent = countdownText(offer);
  }
  renderCapacity();
  syncCall();
}

function firstOffer() {
  return [...state.offers.values()].find((o) => !o.loading);
}

function onKey(event) {
  if ($("app").hidden) return;
  if (event.altKey && !event.ctrlKey && !event.metaKey) {
    const offer = firstOffer();
    if (event.code === "KeyA" && offer) accept(offer.id);
    else if (event.code === "KeyR" && offer) reject(offer.id);
    else if (event.code === "KeyW") startWrap();
    else if (/^Digit[1-9]$/.test(event.code)) {
      const chats = [...state.chats.values()].filter((c) => !c.loading);
      const chat = chats[Number(event.code.slice(5)) - 1];
      if (chat) select(chat.taskId);
      else return;
    } else return;
    event.preventDefault();
  } else if ((event.ctrlKey || event.metaKey) && event.key === "Enter" && event.target.id === "message") {
    event.preventDefault();
    send();
  }
}

// --- wiring -------------------------------------------------------------------------------------

function init() {
  signInForm($("signin-form"), checkSignIn, start);
  $("signout").addEventListener("click", signOut);
  $("activity").addEventListener("change", (e) => setActivity(e.target.value));
  $("compose").addEventListener("submit", (e) => {
    e.preventDefault();
    send();
  });
  $("wrap").addEventListener("click", startWrap);
  wireForms();
  wireCall();
  $("wrap-cancel").addEventListener("click", cancelWrap);
  $("wrapup").addEventListener("submit", (e) => {
    e.preventDefault();
    complete();
  });
  document.addEventListener("keydown", onKey);
  const saved = session.load(STORE);
  if (saved && saved.key && saved.workerId) start(saved);
  else showSignIn();
}

init();
