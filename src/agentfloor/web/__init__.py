"""The browser side: static files served by the API under `/static`, no build step.

`static/widget.js` is the embeddable web chat widget (one script tag, vanilla JavaScript) and
`static/demo.html` a pretend shop page showing it, served at `/demo`. `static/desk.html` is the
agent desktop (served at `/desk`; `desk.js` signs in and takes offers, `desk-chat.js` works the
chats, `desk-state.js` holds what both share) and `static/wallboard.*` the supervisor wallboard
(`/wallboard`): static HTML and JavaScript modules sharing `api.js` (REST calls with the
signed-in key, the live `/v1/events` stream, the sign-in form) and `app.css`. `static/admin.*` are
the admin pages (`/admin`: workers, queues, workflows, flows, dispositions, hours, API keys).
"""

from __future__ import annotations

__all__: list[str] = []
