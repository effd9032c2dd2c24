// The agent desktop's chats: open chats and their tabs, the conversation pane (AI handoff
// summary, transcript, send box, typing), wrap-up with a disposition and a note, and the
// customer's CRM timeline beside it.

import { api, clockTime, duration, el } from "./api.js";
import { $, notice, state } from "./desk-state.js";

// --- chats --------------------------------------------------------------------------------------

export async function openChat(taskId, task, focus = false) {
  if (!taskId) return;
  const known = state.chats.get(taskId);
  if (known) {
    if (focus && known.loading) known.focus = true; // select it once loaded
    else if (focus) select(taskId);
    return;
  }
  const chat = {
    taskId,
    task,
    interaction: null,
    customer: null,
    messages: new Map(),
    unread: 0,
    wrapping: false,
    loading: true,
    addedAt: Date.now(),
  };
  state.chats.set(taskId, chat);
  try {
    chat.task = task || (await api(state.key, `/v1/tasks/${taskId}`));
    if (chat.task.interaction_id) {
      const iid = chat.task.interaction_id;
      const [interaction, messages] = await Promise.all([
        api(state.key, `/v1/interactions/${iid}`),
        api(state.key, `/v1/interactions/${iid}/messages`, { query: { limit: 500 } }),
      ]);
      chat.interaction = interaction;
      for (const m of messages) chat.messages.set(m.seq, m);
      if (interaction.customer_id) {
        chat.customer = await api(state.key, `/v1/customers/${interaction.customer_id}`);
      }
    }
  } catch (err) {
    notice(`Could not open the chat: ${err.message}`);
  }
  chat.loading = false;
  if (!state.chats.has(taskId)) return; // ended while loading
  if (state.current === null || focus || chat.focus) select(taskId);
  else renderChats();
}

export function closeChat(taskId) {
  const chat = state.chats.get(taskId);
  if (!chat) return;
  state.chats.delete(taskId);
  if (state.current === taskId) {
    state.current = null;
    const next = [...state.chats.values()].find((c) => !c.loading);
    if (next) {
      select(next.taskId);
      return;
    }
    renderConversation();
  }
  renderChats();
}

/** A person's name for a customer: the name, else an e-mail or phone, else "Web visitor". */
function customerName(customer) {
  if (customer.name) return customer.name;
  const contact = (customer.identities || []).find((i) => i.kind === "email" || i.kind === "phone");
  return contact ? contact.value : `Web visitor ${customer.id.slice(-4)}`;
}

function chatTitle(chat) {
  if (chat.customer) return customerName(chat.customer);
  return chat.task ? `${chat.task.channel} ${chat.taskId.slice(-6)}` : "loading\u2026";
}

export function renderChats() {
  const chats = [...state.chats.values()].filter((c) => !c.loading);
  $("chat-list").replaceChildren(
    ...(chats.length
      ? chats.map((chat, i) =>
          el(
            "li",
            {},
            el(
              "button",
              {
                type: "button",
                "aria-current": chat.taskId === state.current ? "true" : "false",
                "aria-keyshortcuts": i < 9 ? `Alt+${i + 1}` : undefined,
                onclick: () => select(chat.taskId),
              },
              el("span", {}, `${i + 1}. ${chatTitle(chat)}`),
              chat.unread ? el("span", { class: "badge", "aria-label": `${chat.unread} unread` }, chat.unread) : null,
            ),
          ),
        )
      : [el("li", { class: "empty" }, "None yet")]),
  );
  renderCapacity();
}

export function renderCapacity() {
  const w = state.worker;
  if (!w) return;
  // held work by channel, each against the worker's capacity for it ("1 of 1 call · 2 of 3 chats")
  const held = {};
  for (const c of state.chats.values()) {
    const channel = c.task ? c.task.channel : "chat";
    held[channel] = (held[channel] || 0) + 1;
  }
  const names = { voice: ["call", "calls"], chat: ["chat", "chats"] };
  const parts = Object.entries(names)
    .filter(([channel]) => (w.capacity[channel] ?? 0) > 0 || held[channel])
    .map(([channel, [one, many]]) => {
      const cap = w.capacity[channel] ?? 0;
      return `${held[channel] || 0} of ${cap} ${cap === 1 ? one : many}`;
    });
  const since = duration((Date.now() - Date.parse(w.activity_since)) / 1000);
  $("capacity").textContent = [...parts, `${w.activity} for ${since}`].join(" \u00b7 ");
}

export function select(taskId) {
  state.current = taskId;
  const chat = state.chats.get(taskId);
  if (chat) {
    chat.unread = 0;
    state.asideCustomer = chat.customer;
  }
  renderChats();
  renderConversation();
  refreshTimeline();
  if (chat && !chat.wrapping) $("message").focus();
}

export function renderConversation() {
  const chat = state.current ? state.chats.get(state.current) : null;
  $("conversation-empty").hidden = Boolean(chat);
  $("conversation-body").hidden = !chat;
  if (!chat) {
    $("conversation-title").textContent = "Conversation";
    return;
  }
  $("conversation-title").textContent = `Conversation with ${chatTitle(chat)}`;
  renderSummary(chat);
  renderTranscript(chat);
  $("typing").textContent = "";
  $("compose").hidden = chat.wrapping;
  $("wrapup").hidden = !chat.wrapping;
  $("message").value = chat.draft || "";
  $("disposition").value = chat.disposition || "";
  $("note").value = chat.note || "";
  $("complete").disabled = Boolean(chat.completing);
  showDispositionError("");
}

function renderSummary(chat) {
  const summary = (chat.task && chat.task.attributes.summary) || null;
  const box = $("summary");
  if (!summary) {
    box.replaceChildren(el("h3", {}, "No AI handoff summary"));
    return;
  }
  const rows = [];
  const add = (label, value) => {
    if (value === undefined || value === null || value === "") return;
    rows.push(el("dt", {}, label), el("dd", {}, value));
  };
  add("Reason", summary.reason && summary.reason.replaceAll("_", " ") + (summary.detail ? `: ${summary.detail}` : ""));
  add("Intent", summary.intent);
  add("Sentiment", typeof summary.sentiment === "number" ? summary.sentiment.toFixed(2) : summary.sentiment);
  const slots = Object.entries(summary.slots || {});
  add("Details", slots.length ? slots.map(([k, v]) => `${k}: ${typeof v === "object" ? JSON.stringify(v) : v}`).join(", ") : null);
  add("Synopsis", summary.synopsis);
  const turns = summary.transcript || [];
  box.replaceChildren(
    el("h3", {}, "AI handoff summary"),
    el("dl", {}, rows),
    turns.length
      ? el(
          "details",
          { open: turns.length <= 3 },
          el("summary", {}, `What the customer told the AI (${turns.length} messages)`),
          el("ol", {}, turns.map((t) => el("li", {}, `${t.sender}: ${t.text}`))),
        )
      : null,
  );
}

function renderTranscript(chat) {
  const list = $("transcript");
  const messages = [...chat.messages.values()].sort((a, b) => a.seq - b.seq);
  list.replaceChildren(
    ...messages.map((m) =>
      el(
        "li",
        { class: `msg ${m.sender}`, "data-seq": m.seq },
        el("small", {}, `${m.sender === "worker" ? "You" : m.sender} \u00b7 ${clockTime(m.created_at)}`),
        m.text,
      ),
    ),
  );
  list.scrollTop = list.scrollHeight;
}

/** Fetch the messages of an open chat after the last one shown (after a reconnect). */
export async function catchUp(chat) {
  if (!chat.interaction) return;
  const last = Math.max(0, ...chat.messages.keys());
  const missed = await api(state.key, `/v1/interactions/${chat.interaction.id}/messages`, {
    query: { after_seq: last, limit: 500 },
  });
  for (const m of missed) addMessage(chat, m);
}

export function addMessage(chat, message) {
  if (chat.messages.has(message.seq)) return;
  chat.messages.set(message.seq, message);
  if (chat.taskId === state.current && message.sender === "customer") $("typing").textContent = "";
  if (chat.taskId === state.current) renderTranscript(chat);
  else {
    chat.unread += message.sender === "worker" ? 0 : 1;
    renderChats();
  }
}

let typingTimer = null;
export function showTyping() {
  $("typing").textContent = "The customer is typing\u2026";
  clearTimeout(typingTimer);
  typingTimer = setTimeout(() => ($("typing").textContent = ""), 4000);
}

let typingSentAt = 0;
export function sendTyping() {
  // Tell the customer at most every 3 s while the agent types (not stored server-side).
  const chat = state.current ? state.chats.get(state.current) : null;
  if (!chat || !chat.interaction || Date.now() - typingSentAt < 3000) return;
  typingSentAt = Date.now();
  api(state.key, `/v1/interactions/${chat.interaction.id}/typing`, {
    method: "POST",
    body: { worker_id: state.workerId },
  }).catch(() => {}); // only a hint: a lost one does not matter
}

function newClientId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  return [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
}

export async function send() {
  const chat = currentChat();
  const box = $("message");
  const text = box.value.trim();
  if (!chat || !chat.interaction || !text) return;
  box.value = "";
  chat.draft = "";
  try {
    const message = await api(state.key, `/v1/interactions/${chat.interaction.id}/messages`, {
      method: "POST",
      body: { text, worker_id: state.workerId, client_id: newClientId() },
    });
    addMessage(chat, message);
  } catch (err) {
    chat.draft = text; // keep what was typed
    if (currentChat() === chat) box.value = text;
    notice(`Not sent: ${err.message}`);
  }
  if (currentChat() === chat) box.focus();
}

function currentChat() {
  return state.current ? state.chats.get(state.current) || null : null;
}

/**
 * Keep each chat's draft message, disposition and note with the chat, so switching chats (or a
 * completion finishing while another chat is on screen) never mixes one chat's form into another.
 */
export function wireForms() {
  $("message").addEventListener("input", () => {
    const chat = currentChat();
    if (chat) chat.draft = $("message").value;
    sendTyping();
  });
  $("disposition").addEventListener("change", () => {
    const chat = currentChat();
    if (chat) chat.disposition = $("disposition").value;
    showDispositionError("");
  });
  $("note").addEventListener("input", () => {
    const chat = currentChat();
    if (chat) chat.note = $("note").value;
  });
}

function showDispositionError(message) {
  const select = $("disposition");
  if (message) select.setAttribute("aria-invalid", "true");
  else select.removeAttribute("aria-invalid");
  $("disposition-error").textContent = message;
}

// --- wrap-up ------------------------------------------------------------------------------------

export function renderDispositions() {
  const choices = state.dispositions.map((d) => el("option", { value: d.code }, d.label || d.code));
  $("disposition").replaceChildren(el("option", { value: "" }, "Choose an outcome\u2026"), ...choices);
}

export function startWrap() {
  const chat = state.current ? state.chats.get(state.current) : null;
  if (!chat) return;
  chat.wrapping = true;
  renderConversation();
  $("disposition").focus();
}

export function cancelWrap() {
  const chat = state.current ? state.chats.get(state.current) : null;
  if (!chat) return;
  chat.wrapping = false;
  renderConversation();
  $("message").focus();
}

export async function complete() {
  const chat = currentChat();
  if (!chat || chat.completing) return; // a second click while the first is on its way
  const code = chat.disposition || "";
  if (state.dispositions.length && !code) {
    showDispositionError("Choose the outcome of this contact.");
    $("disposition").focus();
    return;
  }
  showDispositionError("");
  chat.completing = true;
  $("complete").disabled = true;
  try {
    const note = (chat.note || "").trim();
    if (note && chat.interaction) {
      await api(state.key, "/v1/notes", { method: "POST", body: { body: note, interaction_id: chat.interaction.id } });
      chat.note = ""; // saved: a retry of the completion must not write it twice
    }
    await api(state.key, `/v1/tasks/${chat.taskId}/complete`, {
      method: "POST",
      body: { worker_id: state.workerId, disposition_code: code || null },
    });
  } catch (err) {
    notice(`Could not complete: ${err.message}`);
    return;
  } finally {
    chat.completing = false;
    if (currentChat() === chat) $("complete").disabled = false;
  }
  // The task's end event may have closed the chat already (and opened the next one).
  closeChat(chat.taskId);
  if (state.current === null) {
    state.asideCustomer = chat.customer; // show the finished contact's timeline, note included
    refreshTimeline();
  }
}

// --- customer timeline --------------------------------------------------------------------------

let timelineTurn = 0;

export async function refreshTimeline() {
  const customer = state.asideCustomer;
  const turn = ++timelineTurn;
  if (!customer) {
    $("customer-name").textContent = state.current ? "No customer is linked to this chat." : "No customer selected.";
    $("timeline").replaceChildren();
    return;
  }
  const contacts = (customer.identities || []).filter((i) => i.kind === "email" || i.kind === "phone");
  const name = customerName(customer);
  const extra = contacts.map((i) => i.value).filter((v) => v !== name);
  $("customer-name").textContent = [name, ...extra].join(" \u00b7 ");
  try {
    const page = await api(state.key, `/v1/customers/${customer.id}/timeline`, { query: { limit: 30 } });
    if (turn !== timelineTurn) return;
    $("timeline").replaceChildren(
      ...(page.items.length
        ? page.items.map((e) =>
            el(
              "li",
              { "data-kind": e.kind },
              el("time", { datetime: e.at }, `${new Date(e.at).toLocaleString()} \u00b7 ${e.kind}`),
              e.summary,
            ),
          )
        : [el("li", { class: "empty" }, "Nothing yet")]),
    );
  } catch (err) {
    $("timeline").replaceChildren(el("li", { class: "empty" }, `Could not load: ${err.message}`));
  }
}
