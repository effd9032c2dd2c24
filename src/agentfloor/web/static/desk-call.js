// The agent desktop's call pane: a call the worker accepted (a `voice` task) is bridged to this
// page over WebSocket /v1/voice/agent/{interaction_id}. The microphone goes through an
// AudioWorklet (desk-call-worklet.js) that makes 20 ms frames of 8 kHz PCM16, sent as binary
// messages; the caller's frames come back the same way and play through a second worklet.
// Mute, Hold, Hang up, Transfer (cold, to a queue or a named colleague) and Consult (warm: the
// caller is held while the worker talks to the colleague, then Complete transfer, Conference or
// Cancel consult) are JSON control messages; the server answers each with the call's state.
// A colleague who was consulted gets the call as a voice task too and joins the same socket. The "Hearing caller" meter counts the caller's frames and the loud
// ones (data-frames, data-loud-frames), so a person and a test can both see audio arriving.
//
// The chat code shows the AI's handoff summary and the customer's timeline for the call as for a
// chat; this module only runs the audio and the call's buttons (desk.js calls syncCall often).

import { allPages, el } from "./api.js";
import { $, notice, state } from "./desk-state.js";

const LOUD_RMS = 300; // of 32768: speech, not a quiet line
const ENDED = { 1000: null, 4401: "refused: sign in again", 4403: "refused", 4404: "not found", 4409: "not on this call", 4422: "refused" };

const call = {
  chat: null,
  ws: null,
  ctx: null,
  mic: null,
  player: null,
  frames: 0,
  loud: 0,
  muted: false,
  held: false,
  retries: 0,
  queues: [],
  workers: [],
  consult: null, // the call's open consult, as the server's state says
};

const CLOSED = {
  "call ended": "Call ended.",
  transferred: "Call transferred.",
  left: "You left the call.",
  "consult cancelled": "The consult was cancelled.",
};

/** Open, keep or close the call pane for the worker's voice task (called every 250 ms). */
export function syncCall() {
  const voice = [...state.chats.values()].find(
    (c) => !c.loading && c.interaction && c.task && c.task.channel === "voice",
  );
  if (call.chat && call.chat !== voice) stop();
  if (voice && !call.chat) start(voice);
  const current = state.current ? state.chats.get(state.current) : null;
  $("call").hidden = !(current && current === call.chat);
  $("conversation-body").dataset.channel = current && current.task ? current.task.channel : "";
}

async function start(chat) {
  call.chat = chat;
  call.frames = 0;
  call.loud = 0;
  call.muted = false;
  call.held = false;
  call.retries = 0;
  call.consult = null;
  setStatus("Connecting the call\u2026");
  render();
  loadTargets();
  try {
    await startAudio();
  } catch (err) {
    notice(`No microphone or speaker: ${err.message}`);
    setStatus("No microphone: you hear the caller, they cannot hear you");
  }
  if (call.chat === chat) connect(chat);
}

async function startAudio() {
  const ctx = new AudioContext();
  call.ctx = ctx;
  await ctx.audioWorklet.addModule("/static/desk-call-worklet.js");
  call.player = new AudioWorkletNode(ctx, "af-call-player", { numberOfInputs: 0, outputChannelCount: [1] });
  call.player.connect(ctx.destination);
  if (ctx.state === "suspended") ctx.resume().catch(() => {});
  call.mic = await navigator.mediaDevices.getUserMedia({
    audio: { channelCount: 1, echoCancellation: true, noiseSuppression: false, autoGainControl: false },
  });
  if (call.ctx !== ctx) {
    call.mic.getTracks().forEach((t) => t.stop()); // the call ended while the browser asked
    return;
  }
  const capture = new AudioWorkletNode(ctx, "af-call-capture");
  ctx.createMediaStreamSource(call.mic).connect(capture);
  // A silent path to the speakers keeps the capture node pulled by the audio graph.
  const silent = ctx.createGain();
  silent.gain.value = 0;
  capture.connect(silent).connect(ctx.destination);
  capture.port.onmessage = (event) => {
    if (call.ws && call.ws.readyState === WebSocket.OPEN) call.ws.send(event.data);
  };
}

function connect(chat) {
  const query = new URLSearchParams({ api_key: state.key, worker_id: state.workerId });
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const url = `${scheme}://${location.host}/v1/voice/agent/${encodeURIComponent(chat.interaction.id)}?${query}`;
  const ws = new WebSocket(url);
  ws.binaryType = "arraybuffer";
  call.ws = ws;
  ws.onopen = () => {
    call.retries = 0;
    setStatus("On the call");
  };
  ws.onmessage = (event) => {
    if (typeof event.data !== "string") {
      hear(event.data);
      return;
    }
    const message = JSON.parse(event.data);
    if (message.type === "state") {
      call.muted = message.muted;
      call.held = message.held;
      call.consult = message.consult || null;
      setStatus(statusText());
      render();
    } else if (message.type === "error") {
      notice(`Could not ${message.control}: ${message.message}`);
    }
  };
  ws.onclose = (event) => {
    if (call.ws !== ws) return;
    call.ws = null;
    const known = event.code in ENDED;
    if (!known && call.chat === chat && call.retries < 5) {
      call.retries += 1; // the network dropped: the call is still ours, join it again
      setStatus("Reconnecting the call\u2026");
      setTimeout(() => call.chat === chat && !call.ws && connect(chat), 1000);
      return;
    }
    const why = event.reason || ENDED[event.code] || "disconnected";
    call.consult = null;
    setStatus(`${CLOSED[why] || `Call ${why}.`} Wrap up when ready.`);
    stopAudio();
    render();
  };
}

function hear(buffer) {
  const samples = new Int16Array(buffer);
  let sum = 0;
  for (const s of samples) sum += s * s;
  const rms = samples.length ? Math.sqrt(sum / samples.length) : 0;
  call.frames += 1;
  if (rms > LOUD_RMS) call.loud += 1;
  if (call.player) call.player.port.postMessage(buffer, [buffer]);
  const meter = $("caller-level");
  meter.value = Math.min(1, rms / 8000);
  const out = $("caller-heard");
  out.dataset.frames = String(call.frames);
  out.dataset.loudFrames = String(call.loud);
  if (call.frames % 10 === 0) out.textContent = `${(call.loud * 0.02).toFixed(1)} s of voice heard`;
}

function stopAudio() {
  if (call.mic) call.mic.getTracks().forEach((t) => t.stop());
  if (call.ctx) call.ctx.close().catch(() => {});
  call.mic = null;
  call.ctx = null;
  call.player = null;
}

function stop() {
  const ws = call.ws;
  call.ws = null;
  call.chat = null;
  if (ws) ws.close(1000, "wrapped up");
  stopAudio();
}

function nameOf(workerId) {
  const found = call.workers.find((w) => w.id === workerId);
  return found ? found.name : "a colleague";
}

function statusText() {
  const c = call.consult;
  if (c && c.by_worker_id !== state.workerId) {
    return c.conference ? `In a conference with ${nameOf(c.by_worker_id)} and the caller` : `Consulted by ${nameOf(c.by_worker_id)} (the caller is on hold)`;
  }
  if (c && c.conference) return `Conference with ${nameOf(c.worker_id)} and the caller`;
  if (c && c.joined) return `Consulting ${nameOf(c.worker_id)} (the caller is on hold)`;
  if (c) return `Waiting for ${c.worker_id ? nameOf(c.worker_id) : "a colleague"} to answer (the caller is on hold)`;
  if (call.held) return "Caller on hold (they hear music)";
  return call.muted ? "On the call, muted" : "On the call";
}

function setStatus(text) {
  $("call-status").textContent = text;
}

function send(control) {
  if (!call.ws || call.ws.readyState !== WebSocket.OPEN) {
    notice("The call is not connected.");
    return;
  }
  if (call.ctx && call.ctx.state === "suspended") call.ctx.resume().catch(() => {});
  call.ws.send(JSON.stringify(control));
}

function render() {
  const live = Boolean(call.ws);
  for (const [id, pressed] of [
    ["call-mute", call.muted],
    ["call-hold", call.held],
  ]) {
    $(id).setAttribute("aria-pressed", String(pressed));
    $(id).disabled = !live;
  }
  const c = call.consult;
  const asking = Boolean(c) && c.by_worker_id === state.workerId;
  $("call-hangup").textContent = c && (!asking || c.conference) ? "Leave call" : "Hang up";
  $("call-hold").disabled = !live || Boolean(c);
  const targets = call.queues.length + call.workers.length;
  $("call-transfer-go").disabled = !live || !targets || Boolean(c);
  $("call-consult-go").disabled = !live || !targets || Boolean(c);
  $("call-consult").hidden = !live || !asking;
  $("call-complete").disabled = !c || !c.joined;
  $("call-conference").disabled = !c || !c.joined || c.conference;
}

/** Fill "Transfer to" with the tenant's queues and the colleagues who could take a call. */
async function loadTargets() {
  const [queues, workers] = await Promise.all([
    allPages(state.key, "/v1/queues").catch(() => []),
    allPages(state.key, "/v1/workers").catch(() => []),
  ]);
  call.queues = queues;
  call.workers = workers;
  const chosen = $("transfer-target").value;
  const people = workers.filter((w) => w.id !== state.workerId && (w.capacity || {}).voice);
  $("transfer-target").replaceChildren(
    el("optgroup", { label: "Queues" }, ...queues.map((q) => el("option", { value: `queue:${q.id}` }, `Queue: ${q.name}`))),
    el("optgroup", { label: "People" }, ...people.map((w) => el("option", { value: `worker:${w.id}` }, `${w.name} (${w.activity})`))),
  );
  if (chosen) $("transfer-target").value = chosen;
  if (call.ws && call.ws.readyState === WebSocket.OPEN) setStatus(statusText()); // names known now
  render();
}

/** The control's target fields from the "Transfer to" choice. */
function target() {
  const [kind, id] = $("transfer-target").value.split(/:(.*)/s);
  if (!id) return null;
  return kind === "worker" ? { worker_id: id } : { queue_id: id };
}

function onKey(event) {
  if ($("call").hidden || !event.altKey || event.ctrlKey || event.metaKey) return;
  if (event.code === "KeyM") send({ type: call.muted ? "unmute" : "mute" });
  else if (event.code === "KeyH") send({ type: call.held ? "unhold" : "hold" });
  else return;
  event.preventDefault();
}

/** Wire the call pane's buttons and keys (once, at start). */
export function wireCall() {
  $("call-mute").addEventListener("click", () => send({ type: call.muted ? "unmute" : "mute" }));
  $("call-hold").addEventListener("click", () => send({ type: call.held ? "unhold" : "hold" }));
  $("call-hangup").addEventListener("click", () => send({ type: "hangup" }));
  $("call-transfer").addEventListener("submit", (event) => {
    event.preventDefault();
    const to = target();
    if (to) send({ type: "transfer", ...to });
  });
  $("call-consult-go").addEventListener("click", () => {
    const to = target();
    if (to) send({ type: "consult", ...to });
  });
  $("transfer-target").addEventListener("focus", () => loadTargets()); // activities change
  $("call-complete").addEventListener("click", () => send({ type: "complete_transfer" }));
  $("call-conference").addEventListener("click", () => send({ type: "conference" }));
  $("call-cancel-consult").addEventListener("click", () => send({ type: "cancel_consult" }));
  document.addEventListener("keydown", onKey);
  render();
}
