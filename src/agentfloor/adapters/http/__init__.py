"""Outbound HTTP to tenants' own systems: the webhooks that skills and flows call.

`HttpWebhookCaller` implements `runtime.skill_actions.WebhookCaller` with one shared `httpx.Client`;
every remote failure comes back as a `WebhookOutcome` that says what went wrong, never as an error.
"""

from __future__ import annotations

from agentfloor.adapters.http.webhooks import HttpWebhookCaller, WebhookOutcome

__all__ = ["HttpWebhookCaller", "WebhookOutcome"]
