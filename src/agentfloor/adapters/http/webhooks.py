"""`HttpWebhookCaller`: one JSON request to a tenant's endpoint, with retries and hard limits.

A webhook is someone else's server, so everything it can do wrong becomes a `WebhookOutcome` with a
sentence a supervisor can act on, never an exception: a refused connection, no answer in time, a
5xx, a 4xx, an answer that is not JSON, an answer too big to hold. Connection errors, timeouts and
5xx are retried (`retries` more times, 0.1 s x attempt apart); a 4xx is the endpoint's considered
answer and is not. The answer is read as a stream and dropped past `max_body_bytes` (1 MB), and
the whole attempt, trickled bytes included, has to finish within `timeout_s`. httpx does the HTTP;
what is written here is only that policy, which no HTTP client has as such.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

__all__ = ["HttpWebhookCaller", "WebhookOutcome"]

MAX_BODY_BYTES = 1_000_000
BACKOFF_S = 0.1
WITH_BODY = frozenset({"POST", "PUT", "PATCH"})
METHODS = WITH_BODY | {"GET", "DELETE"}
USER_AGENT = "agentfloor-webhooks/1"


@dataclass(frozen=True, slots=True)
class WebhookOutcome:
    """How one webhook call went.

    `ok` is True for a 2xx answer whose body is a JSON object or array (`body`, parsed; `{}` for
    204 No Content). Otherwise `error` says why; `status` is the last HTTP status (None when no
    answer came) and `body` the parsed JSON of an error answer when it had one. `attempts` counts
    the requests made (0 when the request was refused before sending).
    """

    ok: bool
    status: int | None
    body: object
    error: str | None
    attempts: int


@dataclass(frozen=True, slots=True)
class _Attempt:
    outcome: WebhookOutcome
    retry: bool  # a transient failure: worth another attempt


class _TooSlow(Exception):
    """The answer trickled in past the deadline."""


class HttpWebhookCaller:
    """Calls tenants' webhooks over one shared connection pool (safe to share between threads)."""

    def __init__(
        self,
        *,
        max_body_bytes: int = MAX_BODY_BYTES,
        backoff_s: float = BACKOFF_S,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._max_body_bytes = max_body_bytes
        self._backoff_s = backoff_s
        # Redirects are not followed: re-sending a POST elsewhere is not ours to decide.
        self._client = httpx.Client(
            transport=transport,
            follow_redirects=False,
            headers={"Accept": "application/json", "User-Agent": USER_AGENT},
        )

    def close(self) -> None:
        """Release the connection pool."""
        self._client.close()

    def call(
        self,
        url: str,
        method: str,
        headers: Mapping[str, str],
        body: object,
        timeout_s: float,
        retries: int,
    ) -> WebhookOutcome:
        """Make the request, retrying transient failures `retries` times, and say how it went.

        Args:
            url: an absolute http:// or https:// URL.
            method: GET, POST, PUT, PATCH or DELETE; POST, PUT and PATCH send `body` as JSON
                (nothing when it is None), GET and DELETE send no body.
            headers: sent as given, over the defaults (`Accept: application/json`).
            body: a JSON-serialisable value.
            timeout_s: the limit for each attempt, from connecting to the last byte.
            retries: further attempts after a connection error, timeout or 5xx.
        """
        verb = method.upper()
        refused = _refusal(url, verb)
        if refused is not None:
            return WebhookOutcome(False, None, None, refused, 0)
        content: bytes | None = None
        send = dict(headers)
        if verb in WITH_BODY and body is not None:
            try:
                content = json.dumps(body, ensure_ascii=False, allow_nan=False).encode()
            except (TypeError, ValueError) as exc:
                return WebhookOutcome(False, None, None, f"the body is not JSON: {exc}", 0)
            if not any(k.lower() == "content-type" for k in send):
                send["Content-Type"] = "application/json"
        total = max(retries, 0) + 1
        attempt = 0
        while True:
            attempt += 1
            result = self._attempt(verb, url, send, content, float(timeout_s))
            outcome = result.outcome
            if not result.retry or attempt == total:
                break
            time.sleep(self._backoff_s * attempt)
        error = outcome.error
        if result.retry and error is not None:
            error = f"{error} ({attempt} attempt{'s' if attempt > 1 else ''})"
        return WebhookOutcome(outcome.ok, outcome.status, outcome.body, error, attempt)

    def _attempt(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        content: bytes | None,
        timeout_s: float,
    ) -> _Attempt:
        deadline = time.monotonic() + timeout_s
        try:
            with self._client.stream(
                method, url, headers=headers, content=content, timeout=timeout_s
            ) as response:
                status = response.status_code
                if status >= 500:
                    return _failed(status, None, f"the webhook answered HTTP {status}", retry=True)
                raw = self._read(response, deadline)
        except (httpx.TimeoutException, _TooSlow):
            return _failed(None, None, f"no answer within {timeout_s} s", retry=True)
        except httpx.LocalProtocolError as exc:  # e.g. a header value with a line break
            return _failed(None, None, f"the request could not be sent: {_reason(exc)}")
        except httpx.TransportError as exc:
            return _failed(None, None, f"cannot reach the webhook: {_reason(exc)}", retry=True)
        except httpx.DecodingError as exc:
            return _failed(None, None, f"the webhook answer could not be decoded: {_reason(exc)}")
        except (httpx.InvalidURL, UnicodeError) as exc:  # a URL or header httpx cannot encode
            return _failed(None, None, f"the request could not be sent: {_reason(exc)}")
        if raw is None:
            limit = f"{self._max_body_bytes / 1_000_000:g} MB"
            return _failed(status, None, f"the webhook answer is larger than {limit}")
        parsed, is_json = _json(raw)
        if not 200 <= status < 300:
            note = " (redirects are not followed)" if 300 <= status < 400 else ""
            body = parsed if is_json else None
            return _failed(status, body, f"the webhook answered HTTP {status}{note}")
        if status == 204 or (not raw and status in (201, 202)):
            return _Attempt(WebhookOutcome(True, status, {}, None, 1), retry=False)
        if not is_json or not isinstance(parsed, dict | list):
            kind = response.headers.get("content-type", "").split(";")[0].strip() or "no type"
            what = (
                "JSON that is not an object or array" if is_json else "something that is not JSON"
            )
            return _failed(status, None, f"the webhook answered {what} ({kind}, {len(raw)} bytes)")
        return _Attempt(WebhookOutcome(True, status, parsed, None, 1), retry=False)

    def _read(self, response: httpx.Response, deadline: float) -> bytes | None:
        """Return the body, or None once it is past the size limit."""
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self._max_body_bytes:
            return None
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > self._max_body_bytes:
                return None
            if time.monotonic() > deadline:
                raise _TooSlow
            chunks.append(chunk)
        return b"".join(chunks)


def _refusal(url: str, method: str) -> str | None:
    """Say why a request must not be sent, or None."""
    if method not in METHODS:
        return f"the method {method!r} is not one of {', '.join(sorted(METHODS))}"
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        return f"the webhook URL is not valid: {exc}"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"the webhook URL must be an http:// or https:// URL, not {url[:200]!r}"
    return None


def _reason(exc: Exception) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def _json(raw: bytes) -> tuple[object, bool]:
    try:
        return json.loads(raw), True
    except ValueError:  # includes UnicodeDecodeError
        return None, False


def _failed(status: int | None, body: object, error: str, *, retry: bool = False) -> _Attempt:
    return _Attempt(WebhookOutcome(False, status, body, error, 1), retry)
