// The agent desktop's shared state and notices, used by desk.js and desk-chat.js.

export const $ = (id) => document.getElementById(id);

export const state = {
  key: "",
  workerId: "",
  worker: null,
  activities: [],
  dispositions: [],
  offers: new Map(), // reservation id -> {reservation, task, expiresAt}
  chats: new Map(), // task id -> chat
  current: null, // task id shown
  asideCustomer: null, // the customer whose timeline is shown
  stream: null,
  ticker: null,
};

let noticeTimer = null;

/** Show a short message above the desk for a few seconds. */
export function notice(text) {
  $("notice").textContent = text;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => ($("notice").textContent = ""), 8000);
}
