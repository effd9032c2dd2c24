"""`HttpWebhookCaller` against a real HTTP server on 127.0.0.1 that misbehaves in the usual ways."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from agentfloor.adapters.http import HttpWebhookCaller, WebhookOutcome

GARBAGE = b"<html><body><h1>Welcome to nginx!</h1></body></html>"
SLOW_S = 5.0  # how long /slow holds the request, unless the test ends first


class Server(ThreadingHTTPServer):
    daemon_threads = True
    hits: Counter[str]
    release: threading.Event


class Handler(BaseHTTPRequestHandler):
    server: Server

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep the test output clean

    def _send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, value: object) -> None:
        self._send(status, json.dumps(value).encode())

    def _handle(self) -> None:
        url = urlsplit(self.path)
        key = parse_qs(url.query).get("key", [""])[0]
        self.server.hits[f"{url.path}?{key}"] += 1
        hits = self.server.hits[f"{url.path}?{key}"]
        length = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(length) if length else b""
        match url.path:
            case "/echo":
                self._json(
                    200,
                    {
                        "method": self.command,
                        "content_type": self.headers.get("Content-Type"),
                        "has_body": "Content-Length" in self.headers,
                        "body": json.loads(raw) if raw else None,
                        "token": self.headers.get("X-Token"),
                        "accept": self.headers.get("Accept"),
                    },
                )
            case "/list":
                self._json(200, [{"id": "AB-1"}, {"id": "AB-2"}])
            case "/slow":
                self.server.release.wait(SLOW_S)
                self._json(200, {"late": True})
            case "/trickle":
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                for _ in range(20):  # a byte every 0.1 s: each read is quick, the whole is not
                    if self.server.release.wait(0.1):
                        return
                    self.wfile.write(b" ")
                    self.wfile.flush()
                self.wfile.write(b"{}")
            case "/garbage":
                self._send(200, GARBAGE, "text/html; charset=utf-8")
            case "/scalar":
                self._json(200, 42)
            case "/empty":
                self.send_response(204)
                self.end_headers()
            case "/flaky":
                if hits == 1:
                    self._send(500, b"Internal Server Error", "text/plain")
                else:
                    self._json(200, {"status": "shipped", "attempt": hits})
            case "/down":
                self._send(503, b"", "text/plain")
            case "/missing":
                self._json(404, {"detail": "no such order"})
            case "/redirect":
                self.send_response(302)
                self.send_header("Location", "/echo")
                self.send_header("Content-Length", "0")
                self.end_headers()
            case "/huge":
                self._json(200, {"padding": "x" * 2_000_000})
            case "/huge-unsized":  # no Content-Length: read until the connection closes
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"padding": "')
                for _ in range(40):
                    self.wfile.write(b"x" * 65_536)
                self.wfile.write(b'"}')
            case _:
                self._json(404, {"detail": "unknown path"})

    def _safely(self) -> None:
        # The caller may give up first, which is what some tests are about.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._handle()

    # http.server dispatches on these names.
    def do_GET(self) -> None:
        self._safely()

    def do_POST(self) -> None:
        self._safely()

    def do_PUT(self) -> None:
        self._safely()

    def do_PATCH(self) -> None:
        self._safely()

    def do_DELETE(self) -> None:
        self._safely()


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    httpd = Server(("127.0.0.1", 0), Handler)
    httpd.hits = Counter()
    httpd.release = threading.Event()
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd
    finally:
        httpd.release.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def caller() -> Iterator[HttpWebhookCaller]:
    webhooks = HttpWebhookCaller()
    yield webhooks
    webhooks.close()


def url(server: Server, path: str) -> str:
    host, port = server.server_address[:2]
    return f"http://{host!s}:{port}{path}"


def test_post_sends_json_and_returns_the_parsed_answer(
    server: Server, caller: HttpWebhookCaller
) -> None:
    body = {"order_id": "AB-1234", "note": "caf\N{LATIN SMALL LETTER E WITH ACUTE}"}
    outcome = caller.call(url(server, "/echo"), "post", {"X-Token": "s3cret"}, body, 2.0, 0)
    assert outcome == WebhookOutcome(
        ok=True,
        status=200,
        body={
            "method": "POST",
            "content_type": "application/json",
            "has_body": True,
            "body": body,
            "token": "s3cret",
            "accept": "application/json",
        },
        error=None,
        attempts=1,
    )


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_put_and_patch_send_json_too(
    server: Server, caller: HttpWebhookCaller, method: str
) -> None:
    outcome = caller.call(url(server, "/echo"), method, {}, [1, 2], 2.0, 0)
    assert outcome.ok and isinstance(outcome.body, dict)
    assert (outcome.body["method"], outcome.body["body"]) == (method, [1, 2])


def test_get_sends_no_body_and_an_array_answer_is_fine(
    server: Server, caller: HttpWebhookCaller
) -> None:
    echo = caller.call(url(server, "/echo"), "GET", {}, {"ignored": True}, 2.0, 0)
    assert echo.ok and isinstance(echo.body, dict)
    assert (echo.body["method"], echo.body["has_body"], echo.body["body"]) == ("GET", False, None)
    listed = caller.call(url(server, "/list"), "GET", {}, None, 2.0, 0)
    assert listed == WebhookOutcome(True, 200, [{"id": "AB-1"}, {"id": "AB-2"}], None, 1)


def test_no_content_is_an_empty_object(server: Server, caller: HttpWebhookCaller) -> None:
    assert caller.call(url(server, "/empty"), "POST", {}, {}, 2.0, 0) == WebhookOutcome(
        True, 204, {}, None, 1
    )


def test_a_slow_endpoint_times_out_on_every_attempt(
    server: Server, caller: HttpWebhookCaller
) -> None:
    outcome = caller.call(url(server, "/slow"), "GET", {}, None, 0.3, 1)
    assert outcome == WebhookOutcome(False, None, None, "no answer within 0.3 s (2 attempts)", 2)
    assert server.hits["/slow?"] == 2


def test_an_answer_trickling_in_past_the_timeout_is_a_timeout(
    server: Server, caller: HttpWebhookCaller
) -> None:
    outcome = caller.call(url(server, "/trickle"), "GET", {}, None, 0.5, 0)
    assert (outcome.ok, outcome.error) == (False, "no answer within 0.5 s (1 attempt)")


def test_html_is_not_an_answer(server: Server, caller: HttpWebhookCaller) -> None:
    outcome = caller.call(url(server, "/garbage"), "GET", {}, None, 2.0, 3)
    expected = f"the webhook answered something that is not JSON (text/html, {len(GARBAGE)} bytes)"
    assert outcome == WebhookOutcome(False, 200, None, expected, 1)  # not retried


def test_json_that_is_not_an_object_or_array_is_refused(
    server: Server, caller: HttpWebhookCaller
) -> None:
    outcome = caller.call(url(server, "/scalar"), "GET", {}, None, 2.0, 0)
    assert (outcome.ok, outcome.error) == (
        False,
        "the webhook answered JSON that is not an object or array (application/json, 2 bytes)",
    )


def test_a_5xx_is_retried_and_the_retry_succeeds(server: Server, caller: HttpWebhookCaller) -> None:
    outcome = caller.call(url(server, "/flaky?key=retry"), "POST", {}, {"a": 1}, 2.0, 1)
    assert outcome == WebhookOutcome(True, 200, {"status": "shipped", "attempt": 2}, None, 2)


def test_a_5xx_on_every_attempt_says_how_many_were_made(
    server: Server, caller: HttpWebhookCaller
) -> None:
    started = time.monotonic()
    outcome = caller.call(url(server, "/down?key=always"), "GET", {}, None, 2.0, 2)
    assert outcome == WebhookOutcome(
        False, 503, None, "the webhook answered HTTP 503 (3 attempts)", 3
    )
    assert server.hits["/down?always"] == 3
    assert time.monotonic() - started >= 0.1 + 0.2  # backed off 0.1 s x attempt in between


def test_a_4xx_is_the_answer_and_is_not_retried(server: Server, caller: HttpWebhookCaller) -> None:
    outcome = caller.call(url(server, "/missing?key=once"), "GET", {}, None, 2.0, 3)
    assert outcome == WebhookOutcome(
        False, 404, {"detail": "no such order"}, "the webhook answered HTTP 404", 1
    )
    assert server.hits["/missing?once"] == 1


def test_redirects_are_not_followed(server: Server, caller: HttpWebhookCaller) -> None:
    outcome = caller.call(url(server, "/redirect"), "POST", {}, {"a": 1}, 2.0, 0)
    assert (outcome.ok, outcome.status, outcome.error) == (
        False,
        302,
        "the webhook answered HTTP 302 (redirects are not followed)",
    )


@pytest.mark.parametrize("path", ["/huge", "/huge-unsized"], ids=["sized", "unsized"])
def test_an_answer_over_1_mb_is_refused(
    server: Server, caller: HttpWebhookCaller, path: str
) -> None:
    outcome = caller.call(url(server, path), "GET", {}, None, 5.0, 2)
    assert outcome == WebhookOutcome(False, 200, None, "the webhook answer is larger than 1 MB", 1)


def test_a_closed_port_is_a_connection_error_retried(caller: HttpWebhookCaller) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # free now, and nothing listens once closed
    outcome = caller.call(f"http://127.0.0.1:{port}/x", "GET", {}, None, 2.0, 1)
    assert (outcome.ok, outcome.status, outcome.attempts) == (False, None, 2)
    assert outcome.error is not None
    assert outcome.error.startswith("cannot reach the webhook: ")
    assert outcome.error.endswith(" (2 attempts)")


@pytest.mark.parametrize(
    ("target", "method", "body", "error"),
    [
        ("ftp://127.0.0.1/orders", "GET", None, "must be an http:// or https:// URL"),
        ("file:///etc/passwd", "GET", None, "must be an http:// or https:// URL"),
        ("/orders/relative", "GET", None, "must be an http:// or https:// URL"),
        ("http://127.0.0.1/x", "TRACE", None, "the method 'TRACE' is not one of"),
        ("http://127.0.0.1/x", "POST", {"when": object()}, "the body is not JSON"),
        ("http://127.0.0.1/x", "POST", {"n": float("nan")}, "the body is not JSON"),
    ],
    ids=["ftp", "file", "relative", "trace", "object", "nan"],
)
def test_requests_that_cannot_be_sent_are_refused_without_an_attempt(
    caller: HttpWebhookCaller, target: str, method: str, body: object, error: str
) -> None:
    outcome = caller.call(target, method, {}, body, 2.0, 3)
    assert (outcome.ok, outcome.status, outcome.attempts) == (False, None, 0)
    assert outcome.error is not None and error in outcome.error


def test_a_header_with_a_line_break_is_refused_not_raised(
    server: Server, caller: HttpWebhookCaller
) -> None:
    outcome = caller.call(url(server, "/echo"), "GET", {"X-Token": "a\r\nX-Evil: 1"}, None, 2.0, 2)
    assert (outcome.ok, outcome.attempts) == (False, 1)
    assert outcome.error is not None and outcome.error.startswith("the request could not be sent")
