/*
 * agentfloor web chat widget. Embed with one tag:
 *
 *   <script src="https://support.example.com/static/widget.js" data-tenant="demo"></script>
 *
 * Optional attributes for a signed-in shopper: data-name, data-email, data-phone.
 *
 * It talks to /v1/chat/visitor on the server it was loaded from (the frames are documented in
 * agentfloor/api/routes/chat.py). The visitor id, the chat's last seen seq, the transcript and
 * an outbox of messages not yet acknowledged live in localStorage, so a reload or a dropped
 * connection resumes where it stopped: the outbox is sent again (the server keeps one copy per
 * client_id) and every message is shown once (by seq). Nothing connects until the visitor opens
 * the chat, unless a conversation is already under way.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || window.agentfloorChat) return;

  var tenant = script.getAttribute("data-tenant") || "";
  var server = new URL(script.src, window.location.href);
  var wsUrl = (server.protocol === "https:" ? "wss://" : "ws://") + server.host +
    "/v1/chat/visitor?tenant=" + encodeURIComponent(tenant);
  var storeKey = "agentfloor-chat:" + server.host + ":" + tenant;
  var MAX_CHARS = 4000;
  var KEEP_MESSAGES = 200;
  var SENDER_NAMES = { customer: "You", worker: "Agent", ai: "Assistant", system: "Notice" };

  function newId(prefix) {
    var random = window.crypto && window.crypto.randomUUID ? window.crypto.randomUUID()
      : Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
    return prefix + "-" + random;
  }

  // --- saved state -----------------------------------------------------------------------------

  var state = (function load() {
    try {
      return JSON.parse(window.localStorage.getItem(storeKey)) || {};
    } catch (err) {
      return {};
    }
  })();
  state.visitorId = state.visitorId || newId("v");
  state.interactionId = state.interactionId || null;
  state.lastSeq = state.lastSeq || 0; // highest seq received in order from the server
  state.messages = state.messages || []; // [{seq, sender, text, at}] sorted by seq
  state.outbox = state.outbox || []; // [{client_id, text}] sent but not acknowledged

  function save() {
    state.messages = state.messages.slice(-KEEP_MESSAGES);
    try {
      window.localStorage.setItem(storeKey, JSON.stringify(state));
    } catch (err) {
      /* private mode or full storage: the chat still works for this page */
    }
  }

  // --- the panel -------------------------------------------------------------------------------

  var style = document.createElement("style");
  style.textContent = [
    ".af-chat{position:fixed;right:20px;bottom:20px;z-index:2147483000;font:15px/1.4 system-ui,sans-serif}",
    ".af-bubble{border:0;border-radius:24px;padding:12px 18px;background:#1f5fbf;color:#fff;cursor:pointer;box-shadow:0 2px 8px #0004}",
    ".af-bubble:focus-visible,.af-chat button:focus-visible,.af-chat textarea:focus-visible{outline:3px solid #f5a623;outline-offset:2px}",
    ".af-panel{position:absolute;right:0;bottom:60px;width:340px;max-width:calc(100vw - 40px);height:460px;max-height:calc(100vh - 100px);display:flex;flex-direction:column;background:#fff;color:#222;border-radius:10px;box-shadow:0 4px 20px #0005;overflow:hidden}",
    ".af-panel[hidden]{display:none}",
    ".af-head{display:flex;justify-content:space-between;align-items:center;padding:10px 14px;background:#1f5fbf;color:#fff}",
    ".af-head h2{margin:0;font-size:16px}",
    ".af-close{border:0;background:none;color:#fff;font-size:22px;cursor:pointer}",
    ".af-log{flex:1;overflow-y:auto;padding:10px 12px;background:#f6f7f9}",
    ".af-msg{margin:6px 0;padding:7px 10px;border-radius:8px;max-width:85%;white-space:pre-wrap;word-wrap:break-word}",
    ".af-msg small{display:block;font-size:11px;color:#666}",
    ".af-customer{margin-left:auto;background:#dce8fb}",
    ".af-worker,.af-ai,.af-system{background:#fff;border:1px solid #e1e4e8}",
    ".af-pending{opacity:.6}",
    ".af-typing,.af-status{margin:0;padding:0 12px;min-height:18px;font-size:12px;color:#555}",
    ".af-form{display:flex;gap:6px;padding:8px;border-top:1px solid #e1e4e8}",
    ".af-form label{position:absolute;left:-9999px}",
    ".af-form textarea{flex:1;resize:none;font:inherit;padding:6px}",
    ".af-form button{border:0;border-radius:6px;background:#1f5fbf;color:#fff;padding:0 14px;cursor:pointer}",
  ].join("\n");
  document.head.appendChild(style);

  var root = document.createElement("div");
  root.className = "af-chat";
  root.innerHTML =
    '<button type="button" class="af-bubble" aria-expanded="false" aria-controls="af-panel">Chat with us</button>' +
    '<section id="af-panel" class="af-panel" role="dialog" aria-label="Chat with us" hidden>' +
    '<div class="af-head"><h2>Chat with us</h2>' +
    '<button type="button" class="af-close" aria-label="Close chat">&times;</button></div>' +
    '<div class="af-log" role="log" aria-live="polite" aria-label="Conversation" tabindex="0"></div>' +
    '<p class="af-typing" aria-live="polite"></p>' +
    '<p class="af-status" role="status"></p>' +
    '<form class="af-form"><label for="af-input">Your message</label>' +
    '<textarea id="af-input" rows="2" maxlength="' + MAX_CHARS + '" placeholder="Type a message"></textarea>' +
    '<button type="submit">Send</button></form></section>';
  if (document.body) document.body.appendChild(root);
  else document.addEventListener("DOMContentLoaded", function () { document.body.appendChild(root); });

  var bubble = root.querySelector(".af-bubble");
  var panel = root.querySelector(".af-panel");
  var log = root.querySelector(".af-log");
  var typingLine = root.querySelector(".af-typing");
  var statusLine = root.querySelector(".af-status");
  var form = root.querySelector(".af-form");
  var input = root.querySelector("textarea");
  var unread = 0;

  function render() {
    log.textContent = "";
    var rows = state.messages.concat(state.outbox.map(function (m) {
      return { sender: "customer", text: m.text, pending: true };
    }));
    rows.forEach(function (m) {
      var item = document.createElement("div");
      item.className = "af-msg af-" + m.sender + (m.pending ? " af-pending" : "");
      var who = document.createElement("small");
      who.textContent = (SENDER_NAMES[m.sender] || m.sender) + (m.pending ? " (sending)" : "");
      item.appendChild(who);
      item.appendChild(document.createTextNode(m.text)); // text only: never parsed as HTML
      log.appendChild(item);
    });
    log.scrollTop = log.scrollHeight;
    bubble.textContent = unread ? "Chat with us (" + unread + " new)" : "Chat with us";
  }

  function setStatus(text) {
    statusLine.textContent = text;
  }

  function open() {
    panel.hidden = false;
    bubble.setAttribute("aria-expanded", "true");
    unread = 0;
    render();
    input.focus();
    connect();
  }

  function close() {
    panel.hidden = true;
    bubble.setAttribute("aria-expanded", "false");
    bubble.focus();
  }

  bubble.addEventListener("click", function () {
    if (panel.hidden) open(); else close();
  });
  root.querySelector(".af-close").addEventListener("click", close);
  panel.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape") close();
  });
  input.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && !ev.shiftKey) {
      ev.preventDefault();
      form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit"));
    }
  });
  input.addEventListener("input", sendTyping);
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    input.value = "";
    var message = { client_id: newId("m"), text: text.slice(0, MAX_CHARS) };
    state.outbox.push(message);
    save();
    render();
    if (ready) send({ type: "message", client_id: message.client_id, text: message.text });
  });

  // --- the connection --------------------------------------------------------------------------

  var ws = null;
  var ready = false; // welcome received on the current connection
  var attempts = 0;
  var stopped = false;
  var lastTypingSent = 0;
  var typingTimer = null;

  function send(frame) {
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(frame));
  }

  function connect() {
    if (ws || stopped) return;
    setStatus("Connecting…");
    ws = new WebSocket(wsUrl);
    ws.onopen = function () {
      attempts = 0;
      var hello = { type: "hello", visitor_id: state.visitorId, last_seq: state.lastSeq };
      if (state.interactionId) hello.interaction_id = state.interactionId;
      ["name", "email", "phone"].forEach(function (field) {
        var value = script.getAttribute("data-" + field);
        if (value) hello[field] = value;
      });
      send(hello);
    };
    ws.onmessage = function (ev) {
      var frame;
      try {
        frame = JSON.parse(ev.data);
      } catch (err) {
        return;
      }
      handle(frame);
    };
    ws.onclose = function (ev) {
      ws = null;
      ready = false;
      if (ev.code === 4404) {
        stopped = true;
        setStatus("Chat is not available: " + ev.reason);
        return;
      }
      // Back off 0.5 s, 1 s, 2 s ... up to 15 s, with jitter so a restarted server is not stormed.
      var delay = Math.min(15000, 500 * Math.pow(2, attempts++)) * (0.5 + Math.random() / 2);
      setStatus("Connection lost; reconnecting…");
      window.setTimeout(connect, delay);
    };
  }

  function addMessage(m) {
    var exists = state.messages.some(function (known) { return known.seq === m.seq; });
    if (!exists) {
      state.messages.push({ seq: m.seq, sender: m.sender, text: m.text, at: m.at });
      state.messages.sort(function (a, b) { return a.seq - b.seq; });
      if (m.sender !== "customer" && panel.hidden) unread += 1;
    }
    if (m.client_id) dropFromOutbox(m.client_id);
  }

  function dropFromOutbox(clientId) {
    state.outbox = state.outbox.filter(function (m) { return m.client_id !== clientId; });
  }

  function handle(frame) {
    if (frame.type === "welcome") {
      if (frame.interaction_id !== state.interactionId) {
        state.interactionId = frame.interaction_id; // a new chat starts a new transcript
        state.messages = [];
        state.lastSeq = 0;
      }
      frame.messages.forEach(addMessage);
      frame.messages.forEach(function (m) { state.lastSeq = Math.max(state.lastSeq, m.seq); });
      ready = true;
      setStatus("");
      state.outbox.forEach(function (m) {
        send({ type: "message", client_id: m.client_id, text: m.text });
      });
    } else if (frame.type === "message") {
      addMessage(frame);
      state.lastSeq = Math.max(state.lastSeq, frame.seq); // the server sends in order, no gaps
      if (frame.sender !== "customer") typingLine.textContent = "";
    } else if (frame.type === "ack") {
      var sent = state.outbox.filter(function (m) { return m.client_id === frame.client_id; })[0];
      if (sent) addMessage({ seq: frame.seq, sender: "customer", text: sent.text, client_id: sent.client_id });
    } else if (frame.type === "typing") {
      typingLine.textContent = (SENDER_NAMES[frame.sender] || "Someone") + " is typing…";
      window.clearTimeout(typingTimer);
      typingTimer = window.setTimeout(function () { typingLine.textContent = ""; }, 4000);
    } else if (frame.type === "error") {
      handleError(frame);
    }
    save();
    render();
  }

  function handleError(frame) {
    if (!frame.client_id) {
      setStatus(frame.detail);
      return;
    }
    if (["rate_limited", "unavailable", "conflict"].indexOf(frame.code) >= 0) { // try again
      window.setTimeout(function () {
        state.outbox.forEach(function (m) {
          if (m.client_id === frame.client_id) send({ type: "message", client_id: m.client_id, text: m.text });
        });
      }, 2000);
      return;
    }
    dropFromOutbox(frame.client_id); // refused for good (empty, too long): do not resend
    setStatus("Not sent: " + frame.detail);
  }

  function sendTyping() {
    var now = Date.now();
    if (ready && input.value && now - lastTypingSent > 2000) {
      lastTypingSent = now;
      send({ type: "typing" });
    }
  }

  window.agentfloorChat = { open: open, close: close };
  render();
  if (state.interactionId || state.outbox.length) connect(); // a conversation under way
})();
