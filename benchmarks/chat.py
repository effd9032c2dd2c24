"""Chat under load: visitors talking to the AI agent over real WebSockets, against the bare channel.

Starts `agentfloor serve` as a process of its own (the visitors' client must not share the server's
GIL) on a new SQLite file, or on a throw-away PostgreSQL schema (`--database postgres`), creates
the tenant with the CLI (`agentfloor tenant create`, `agentfloor key create`) and sets it up over
the API: a support queue and workflow for hand-offs, 200 orders, an appointment calendar (ten
advisers, 08:00-20:00 on weekdays); the intent model is trained before anything is measured
(`GET /v1/assistant/intents`).

Then `--sessions` visitors talk at once, closed loop. Each connects to `/v1/chat/visitor`, says
hello and runs one scripted conversation, sending its next message only when the answer to the
last one is complete; then it hangs up and a new visitor takes its place:

    where is my order ORD-1xxxxx?      -> its status, "anything else?"   (order_status skill)
    an FAQ: hours, delivery or returns -> the answer, "anything else?"
    I'd like to book an appointment    -> which day? -> <a weekday> at <hh:mm> -> which name?
                                       -> <a name> -> shall I book...? -> yes please -> booked
    no thanks, that's all              -> goodbye (contained: the interaction is completed)

Two modes on the same server with the same script, one after the other:

- AI agent: a customer message's latency is from sending it to the first AI `message` frame;
- channel only (baseline): the assistant is off (`PUT /v1/assistant {"enabled": false}`), and
  latency is from sending to the `ack`: what the channel costs without the AI.

After a warm-up (`--warmup`), `--seconds` are counted: customer messages answered per second
(first AI reply, or ack, received) and all chat messages delivered per second (every `message`
frame the visitors receive: their own messages echoed back and the AI's replies), p50/p99 latency
(also by step of the conversation), and the server's CPU time from /proc. Targets for the AI
agent: >= 1,000 chat messages delivered per second and p99 < 100 ms. A reply the script does not
expect (another question, a goodbye) ends that conversation and counts as an error; a hand-off to
a person ends it too, counted apart. A conversation is 7 messages on one connection, inside the
per-connection burst of the rate limit (`MESSAGE_BURST`), so no visitor is rate limited.

`--profile` runs the AI mode alone against the same server with a profiler in every thread
(`benchmarks/chat_profile.py`) and prints where an AI turn's time goes and the SQL per turn.

    .venv/bin/python benchmarks/chat.py                          # 50 sessions, SQLite
    .venv/bin/python benchmarks/chat.py --database postgres --sessions 100 --seconds 30
    .venv/bin/python benchmarks/chat.py --profile --sessions 1   # per-turn costs, no contention
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import WebSocketException

from agentfloor.api.chat_visitor import MESSAGE_BURST, MESSAGES_PER_S

console = Console(width=150)
TARGET_RATE, TARGET_P99_MS = 1_000, 100.0  # chat messages delivered per second; reply latency
ORDERS = 200
TURN_TIMEOUT_S = 15.0
STATUSES = ("out for delivery", "packed", "delivered", "being prepared")
ORDER_ASKS = (
    "Hi, where is my order {order}?",
    "what's the status of order {order}",
    "Can you tell me where my parcel {order} is?",
)
FAQS = (
    "What are your opening hours?",
    "How much is delivery?",
    "How do I return something?",
)
NAMES = ("Alex Smith", "Sam Patel", "Jo Brown", "Chris Taylor", "Robin Jones", "Maria Garcia")
HANDED_OFF = "colleague"  # what the AI says when it hands the chat to a person


@dataclass(frozen=True, slots=True)
class Turn:
    """One customer message and a few words (lower case) of the AI's last reply to it."""

    step: str
    text: str
    until: str


def conversation(rng: random.Random, today: date) -> list[Turn]:
    """Return one visitor's script: order status, an FAQ, a booking, goodbye."""
    day = today + timedelta(days=rng.randint(2, 45))
    while day.weekday() >= 5:
        day += timedelta(days=1)
    at = f"{rng.randint(8, 19)}:{rng.choice((0, 15, 30, 45)):02d}"
    order = f"ORD-{100_000 + rng.randrange(ORDERS)}"
    return [
        Turn("order status", rng.choice(ORDER_ASKS).format(order=order), "anything else"),
        Turn("FAQ", rng.choice(FAQS), "anything else"),
        Turn("booking: ask", "I'd like to book an appointment please", "which day"),
        Turn("booking: day and time", f"{day:%A %d %B} at {at}", "which name"),
        Turn("booking: name", rng.choice(NAMES), "shall i book"),
        Turn("booking: confirm", "yes please", "anything else"),
        Turn("goodbye", "no thanks, that's all", "goodbye"),
    ]


# --- the server ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Server:
    base_url: str
    ws_url: str
    key: str
    process: subprocess.Popen[bytes]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def database_env(kind: str) -> Iterator[dict[str, str]]:
    """The server's database variables: none for SQLite, else a new PostgreSQL schema's."""
    if kind == "sqlite":
        yield {}  # the SQLite file under AGENTFLOOR_VAR_DIR
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = os.environ.get("AGENTFLOOR_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1/test")
    url = make_url(base).set(drivername="postgresql+psycopg")
    schema = f"bench_chat_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        # The schema goes in libpq's PGOPTIONS, not in the URL as `?options=-csearch_path%3D...`:
        # the migrations put the URL in a ConfigParser, which takes the `%` for interpolation.
        yield {
            "AGENTFLOOR_DATABASE_URL": url.render_as_string(hide_password=False),
            "PGOPTIONS": f"-csearch_path={schema}",
        }
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def cli(env: dict[str, str], *args: str) -> str:
    command = [str(Path(sys.executable).with_name("agentfloor")), *args]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"agentfloor {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


@contextmanager
def served(args: argparse.Namespace, var_dir: Path, db_env: dict[str, str]) -> Iterator[Server]:
    """Create the tenant and an admin key with the CLI, then serve (profiled with --profile)."""
    port = free_port()
    env = {**os.environ, "AGENTFLOOR_VAR_DIR": str(var_dir), "AGENTFLOOR_NLU_ENCODER": args.nlu}
    env |= db_env
    t0 = time.perf_counter()
    cli(env, "tenant", "create", "Bench Shop", "--slug", "bench", "--region", "GB")
    key = cli(env, "key", "create", "--tenant", "bench", "--name", "bench").split()[-1]
    t1 = time.perf_counter()
    if args.profile:
        helper = Path(__file__).with_name("chat_profile.py")
        command = [sys.executable, str(helper), "--port", str(port), "--tenant", "bench"]
        command += ["--out", args.profile_out]
    else:
        command = [str(Path(sys.executable).with_name("agentfloor")), "serve", "--port", str(port)]
    log = (var_dir / "server.log").open("wb")
    process = subprocess.Popen(command, env=env, stdin=subprocess.PIPE, stdout=log, stderr=log)
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                raise SystemExit(f"the server exited:\n{(var_dir / 'server.log').read_text()}")
            try:
                if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("the server did not start within 120 s")
            time.sleep(0.1)
        console.print(
            f"tenant and key by the CLI {t1 - t0:.1f} s, server up {time.perf_counter() - t1:.1f} s"
        )
        yield Server(base_url, f"ws://127.0.0.1:{port}", key, process)
    finally:
        if process.poll() is None:
            # The profiled server stops when its stdin closes; `agentfloor serve` on SIGINT.
            assert process.stdin is not None
            process.stdin.close()
            if not args.profile:
                process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        log.close()


def api(server: Server) -> httpx.Client:
    headers = {"Authorization": f"Bearer {server.key}"}
    return httpx.Client(base_url=server.base_url, headers=headers, timeout=30)


def checked(response: httpx.Response) -> dict[str, Any]:
    if response.is_error:
        raise SystemExit(f"{response.request.method} {response.request.url}: {response.text}")
    body: dict[str, Any] = response.json()
    return body


def support_workflow(c: httpx.Client) -> dict[str, Any]:
    """Create a Support queue and a workflow sending everything to it; return the workflow."""
    queue = checked(c.post("/v1/queues", json={"name": "Support"}))
    return checked(
        c.post(
            "/v1/workflows",
            json={"name": "Support", "filters": [], "default_target": {"queue_id": queue["id"]}},
        )
    )


def set_up_tenant(server: Server, rng: random.Random) -> dict[str, Any]:
    """Queue, workflow, orders, assistant settings; train the intent model. Return the settings."""
    with api(server) as c:
        workflow = support_workflow(c)
        settings = {
            "timezone": "Europe/London",
            "region": "GB",
            "handoff_workflows": {"default": workflow["id"]},
            "calendar": {
                "hours": {"mon-fri": "08:00-20:00"},
                "slot_minutes": 15,
                "horizon_days": 60,
                "resources": [f"adviser-{i}" for i in range(10)],
            },
        }
        checked(c.put("/v1/assistant", json=settings))
        t0 = time.perf_counter()
        for i in range(ORDERS):
            order = {"id": f"ORD-{100_000 + i}", "status": rng.choice(STATUSES)}
            checked(c.post("/v1/orders", json={**order, "delivery_date": "tomorrow"}))
        t1 = time.perf_counter()
        checked(c.get("/v1/assistant/intents", timeout=600))  # trains it: not measured
        checked(c.post("/v1/assistant/understand", json={"text": "where is ORD-100000?"}))
        trained = time.perf_counter() - t1
        console.print(f"{ORDERS} orders {t1 - t0:.1f} s, intent model trained {trained:.1f} s")
    return settings


def set_assistant(server: Server, settings: dict[str, Any], enabled: bool) -> None:
    with api(server) as c:
        checked(c.put("/v1/assistant", json={**settings, "enabled": enabled}))


def server_cpu_s(pid: int) -> float | None:
    """User + system CPU seconds of a process, all threads (Linux /proc; None elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy_s() -> float | None:
    """CPU seconds all processes have used since boot, every core (Linux /proc; None elsewhere)."""
    try:
        ticks = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except OSError:
        return None
    idle, iowait = ticks[3], ticks[4]
    return (sum(ticks[:8]) - idle - iowait) / os.sysconf("SC_CLK_TCK")


# --- the visitors --------------------------------------------------------------------------------


@dataclass
class Tally:
    """What the visitors saw; counts and samples only inside the measured window."""

    start: float
    end: float
    latencies_s: list[float] = field(default_factory=list)
    by_step: dict[str, list[float]] = field(default_factory=dict)
    ack_latencies_s: list[float] = field(default_factory=list)
    answered: int = 0
    delivered: int = 0
    ai_messages: int = 0
    conversations: int = 0
    handed_off: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)

    def inside(self, at: float) -> bool:
        return self.start <= at < self.end

    def error(self, kind: str, detail: str) -> None:
        self.errors[kind] += 1
        self.examples.setdefault(kind, detail[:200])


@dataclass(frozen=True, slots=True)
class Mode:
    name: str
    latency_to: str
    ai: bool


AI = Mode("AI agent", "first AI reply", ai=True)
CHANNEL = Mode("channel only (baseline)", "ack", ai=False)


async def say(ws: ClientConnection, client_id: str, turn: Turn, ai: bool, tally: Tally) -> bool:
    """Send one message and read until its answer is complete; False ends the conversation."""
    sent = time.perf_counter()
    await ws.send(json.dumps({"type": "message", "client_id": client_id, "text": turn.text}))
    acked = replied = None
    echoed = done = False
    last_ai = ""
    while not (acked is not None and echoed and (done or not ai)):
        left = sent + TURN_TIMEOUT_S - time.perf_counter()
        try:
            frame = json.loads(await asyncio.wait_for(ws.recv(), max(left, 0.0)))
        except TimeoutError:
            tally.error("timeout", f"{turn.text!r}: last AI reply {last_ai!r}")
            return False
        now = time.perf_counter()
        kind = frame.get("type")
        if kind == "ack" and frame.get("client_id") == client_id:
            acked = now
        elif kind == "message":
            if tally.inside(now):
                tally.delivered += 1
            if frame["sender"] == "customer":
                echoed = echoed or frame.get("client_id") == client_id
            elif frame["sender"] == "ai":
                tally.ai_messages += tally.inside(now)
                replied = now if replied is None else replied
                last_ai = frame["text"]
                text = last_ai.lower()
                done = turn.until in text
                if not done and HANDED_OFF in text:
                    tally.handed_off += 1
                    return False
                if not done and (text.rstrip().endswith("?") or "goodbye" in text):
                    # The AI asks something else, or ended the chat: the script cannot go on.
                    tally.error(f"unexpected reply to {turn.step}", f"{turn.text!r}: {last_ai!r}")
                    return False
        elif kind == "error":
            tally.error(f"error frame: {frame.get('code')}", frame.get("detail", ""))
            return False
    assert acked is not None
    answer = replied if ai else acked
    assert answer is not None
    if tally.inside(sent):
        tally.ack_latencies_s.append(acked - sent)
        tally.latencies_s.append(answer - sent)
        tally.by_step.setdefault(turn.step, []).append(answer - sent)
    tally.answered += tally.inside(answer)
    return True


async def visitor(index: int, url: str, mode: Mode, tally: Tally, seed: int) -> None:
    """One session: conversation after conversation, a new visitor each, until the window ends."""
    rng = random.Random(seed * 100_003 + index)
    number = 0
    while time.perf_counter() < tally.end:
        number += 1
        visitor_id = f"bench-{'ai' if mode.ai else 'ch'}-{index}-{number}"
        turns = conversation(rng, date.today())
        try:
            async with connect(url, open_timeout=TURN_TIMEOUT_S, close_timeout=5) as ws:
                await ws.send(json.dumps({"type": "hello", "visitor_id": visitor_id}))
                welcome = json.loads(await asyncio.wait_for(ws.recv(), TURN_TIMEOUT_S))
                if welcome.get("type") != "welcome":
                    tally.error(f"hello answered by {welcome.get('type')}", str(welcome))
                    continue
                for i, turn in enumerate(turns):
                    if time.perf_counter() >= tally.end:
                        break
                    if not await say(ws, f"{visitor_id}-{i}", turn, mode.ai, tally):
                        break
                else:
                    tally.conversations += tally.inside(time.perf_counter())
        except (OSError, TimeoutError, WebSocketException) as exc:
            tally.error(type(exc).__name__, str(exc))


@dataclass(frozen=True, slots=True)
class Result:
    mode: Mode
    sessions: int
    seconds: float
    tally: Tally
    server_cpu_s: float | None
    client_cpu_s: float
    others_cpu_s: float | None  # every other process on the machine, in the window


async def drive(server: Server, mode: Mode, args: argparse.Namespace) -> Result:
    pid = server.process.pid
    started = time.perf_counter()
    tally = Tally(started + args.warmup, started + args.warmup + args.seconds)
    url = f"{server.ws_url}/v1/chat/visitor?tenant=bench"
    sessions = [
        asyncio.create_task(visitor(i, url, mode, tally, args.seed)) for i in range(args.sessions)
    ]
    cpu: dict[str, tuple[float | None, float, float | None]] = {}
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[status]}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        job = bar.add_task(mode.name, total=args.warmup + args.seconds, status="")
        while (now := time.perf_counter()) < tally.end:
            if now >= tally.start and "start" not in cpu:
                cpu["start"] = (server_cpu_s(pid), time.process_time(), machine_busy_s())
            phase = "measuring" if "start" in cpu else "warming up"
            status = f"{phase}: {tally.answered:,} answered, {sum(tally.errors.values())} errors"
            bar.update(job, completed=now - started, status=status)
            next_mark = tally.start if "start" not in cpu else tally.end
            await asyncio.sleep(min(0.25, max(next_mark - now, 0.0)))
        cpu["end"] = (server_cpu_s(pid), time.process_time(), machine_busy_s())
        bar.update(job, completed=args.warmup + args.seconds, status="finishing turns in flight")
        await asyncio.gather(*sessions)
    (server_0, client_0, machine_0), (server_1, client_1, machine_1) = cpu["start"], cpu["end"]
    server_used = None if server_0 is None or server_1 is None else server_1 - server_0
    client_used = client_1 - client_0
    others = None
    if server_used is not None and machine_0 is not None and machine_1 is not None:
        others = max(machine_1 - machine_0 - server_used - client_used, 0.0)
    return Result(mode, args.sessions, args.seconds, tally, server_used, client_used, others)


# --- report --------------------------------------------------------------------------------------


def percentile_ms(samples_s: list[float], q: float) -> float:
    ms = sorted(s * 1000 for s in samples_s)
    return ms[min(len(ms) - 1, int(len(ms) * q))] if ms else float("nan")


@dataclass(frozen=True, slots=True)
class Figures:
    """A mode's results over the measured window."""

    customer_rate: float
    delivered_rate: float
    p50_ms: float
    p99_ms: float
    cpu_share: float | None  # of one core
    cpu_ms_per_message: float | None

    @classmethod
    def of(cls, r: Result) -> Figures:
        t, cpu = r.tally, r.server_cpu_s
        return cls(
            customer_rate=t.answered / r.seconds,
            delivered_rate=t.delivered / r.seconds,
            p50_ms=percentile_ms(t.latencies_s, 0.5),
            p99_ms=percentile_ms(t.latencies_s, 0.99),
            cpu_share=None if cpu is None else cpu / r.seconds,
            cpu_ms_per_message=None if cpu is None or not t.answered else cpu * 1e3 / t.answered,
        )


def met(ok: bool) -> str:
    return "[green]met[/]" if ok else "[red]missed[/]"


def report(results: list[Result], args: argparse.Namespace, load: float) -> None:
    table = Table(
        title=f"Chat over WebSockets, {args.database}: {args.sessions:,} visitors at once, "
        f"{args.seconds:g} s measured after {args.warmup:g} s warm-up"
    )
    columns = ["mode", "latency to", "sessions", "customer msgs/s", "all msgs/s", "p50 ms"]
    columns += ["p99 ms", "errors", "chats done", "server CPU", "CPU ms/msg"]
    for col in columns:
        table.add_column(col, justify="left" if col in ("mode", "latency to") else "right")
    figures = {r.mode: Figures.of(r) for r in results}
    for r in results:
        f = figures[r.mode]
        table.add_row(
            r.mode.name,
            r.mode.latency_to,
            f"{r.sessions:,}",
            f"{f.customer_rate:,.1f}",
            f"{f.delivered_rate:,.1f}",
            f"{f.p50_ms:,.1f}",
            f"{f.p99_ms:,.1f}",
            f"{sum(r.tally.errors.values()):,}",
            f"{r.tally.conversations:,}",
            "n/a" if f.cpu_share is None else f"{f.cpu_share:.0%}",
            "n/a" if f.cpu_ms_per_message is None else f"{f.cpu_ms_per_message:.1f}",
        )
    console.print(table)
    console.print(
        "customer msgs/s: customer messages answered (first AI reply, or ack) per second; "
        "all msgs/s: chat messages delivered to the visitors (their own, echoed, and the AI's) "
        "per second; server CPU: all its threads, as a share of one core; CPU ms/msg: server CPU "
        "per customer message answered"
        + ("; PostgreSQL's own CPU is not in it" if args.database == "postgres" else "")
    )
    if AI in figures:
        ai, t = figures[AI], next(r.tally for r in results if r.mode is AI)
        console.print(
            f"[bold]targets[/] for the AI agent on this machine: >= {TARGET_RATE:,} chat messages "
            f"delivered/s {met(ai.delivered_rate >= TARGET_RATE)} ({ai.delivered_rate:,.1f}/s, "
            f"{ai.delivered_rate / TARGET_RATE:.1%} of it); p99 < {TARGET_P99_MS:g} ms "
            f"{met(ai.p99_ms < TARGET_P99_MS)} ({ai.p99_ms:,.1f} ms)"
        )
        console.print(
            f"AI agent: {t.ai_messages / max(t.answered, 1):.2f} AI messages per customer message;"
            f" ack p50 {percentile_ms(t.ack_latencies_s, 0.5):,.1f} ms, p99 "
            f"{percentile_ms(t.ack_latencies_s, 0.99):,.1f} ms; {t.handed_off} handed off"
        )
        steps = Table(title="AI agent: latency to the first reply by step of the conversation")
        for col in ("step", "messages", "p50 ms", "p99 ms", "max ms"):
            steps.add_column(col, justify="left" if col == "step" else "right")
        for step in (turn.step for turn in conversation(random.Random(0), date.today())):
            samples = t.by_step.get(step, [])
            steps.add_row(
                step,
                f"{len(samples):,}",
                f"{percentile_ms(samples, 0.5):,.1f}",
                f"{percentile_ms(samples, 0.99):,.1f}",
                f"{max(samples, default=float('nan')) * 1e3:,.1f}",
            )
        console.print(steps)
    if AI in figures and CHANNEL in figures:
        ai_ms, channel_ms = figures[AI].cpu_ms_per_message, figures[CHANNEL].cpu_ms_per_message
        if ai_ms is not None and channel_ms is not None:
            console.print(
                f"the AI adds {ai_ms - channel_ms:.1f} ms of server CPU per customer message to "
                f"the channel's {channel_ms:.1f} ms"
            )
    for r in results:
        for kind, count in r.tally.errors.most_common():
            example = r.tally.examples[kind]
            console.print(f"[red]{r.mode.name}: {count:,} x {kind}[/], e.g. {example}")
    client_cpu = max(r.client_cpu_s / r.seconds for r in results)
    others = [r.others_cpu_s / r.seconds for r in results if r.others_cpu_s is not None]
    who = "PostgreSQL and other processes" if args.database == "postgres" else "other processes"
    console.print(
        f"each visitor sends its 7-message conversation on one connection, within the rate "
        f"limit's burst of {MESSAGE_BURST:g} ({MESSAGES_PER_S:g}/s sustained per connection); "
        f"the visitors' client used at most {client_cpu:.0%} of a core"
        + (f", {who} at most {max(others):.0%}" if others else "")
    )
    console.print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores shared by server and client, "
        f"Python {sys.version.split()[0]}, {platform.system()} {platform.release()}; "
        f"load average {load:.2f} before the run (other work on the machine shows here); "
        f"NLU encoder {args.nlu}; seed {args.seed}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=50, help="visitors talking at once")
    parser.add_argument("--seconds", type=float, default=20.0, help="measured, per mode")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds not counted, per mode")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--nlu", choices=("minilm", "none"), default="minilm", help="encoder")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--profile", action="store_true", help="AI mode only, server profiled")
    parser.add_argument("--profile-out", help="keep the server's pstats file here (--profile)")
    args = parser.parse_args()

    rng = random.Random(args.seed)
    load = os.getloadavg()[0]
    with (
        tempfile.TemporaryDirectory(prefix="bench-chat-") as tmp,
        database_env(args.database) as db_env,
    ):
        args.profile_out = args.profile_out or str(Path(tmp) / "server.prof")
        console.print(f"[bold]starting[/] the server ({args.database}) and training the intents")
        with served(args, Path(tmp), db_env) as server:
            settings = set_up_tenant(server, rng)
            results = []
            for mode in (AI,) if args.profile else (AI, CHANNEL):
                set_assistant(server, settings, enabled=mode.ai)
                results.append(asyncio.run(drive(server, mode, args)))
        report(results, args, load)
        if args.profile:
            from chat_profile import profile_tables  # the sibling script; needed only here

            turns, tables = profile_tables(args.profile_out)
            for table in tables:
                console.print(table)
            console.print(
                f"{turns:,} AI turns profiled (warm-up and drain included); the profiler slows "
                "the server, so compare parts with each other, not with the table above"
            )


if __name__ == "__main__":
    main()
