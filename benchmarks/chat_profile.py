"""Where the chat server's time goes: `agentfloor serve` profiled, for `benchmarks/chat.py`.

Run as a script, it is the server: it builds the container from the `AGENTFLOOR_*` variables as
`agentfloor serve` does, trains the tenant's intent model (unprofiled), and runs uvicorn in this
process with one change: the event loop's default executor (where `asyncio.to_thread` runs the
chat service, the AI agent and every database call of a chat) is replaced by one of the same size
whose threads each start a `cProfile.Profile`; the event loop thread has its own. The profilers
time wall clock, so under load a function's time includes waiting for the GIL and for locks:
profile one session for what a turn costs.

It serves until its standard input is closed, then writes the merged statistics to `--out`
(`pstats` format) and, next to it (`<out>.json`), the SQL statements by first keyword with the
wall time they took (lock waits and GIL hand-overs included) and the commits, from engine events.
`profile_tables` reads both back into the tables `chat.py --profile` prints, per AI turn (a
customer message answered: a `ChatService.respond`).

    .venv/bin/python benchmarks/chat_profile.py --port 8123 --tenant bench --out /tmp/chat.prof
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import uvicorn
from rich.table import Table
from sqlalchemy import Engine, event

from agentfloor.api import chat_visitor
from agentfloor.api.app import create_app
from agentfloor.bootstrap import build
from agentfloor.runtime.access import get_tenant
from agentfloor.settings import Settings

# The parts of handling a customer message, indented under their caller: (label, "<file path
# suffix, or ~ for a built-in> <function name>").
PARTS: list[tuple[str, str]] = [
    ("chat opened (ChatService.open_conversation)", "runtime/chat.py open_conversation"),
    ("customer message stored (post_customer_message)", "runtime/chat.py post_customer_message"),
    ("AI turn, all of it (ChatService.respond)", "runtime/chat.py respond"),
    ("  understand (NluService.understand)", "runtime/nlu.py understand"),
    ("    intent model read from the database (.model)", "runtime/nlu.py model"),
    ("    intent (IntentModel.predict)", "agents/nlu/intents.py predict"),
    ("      sentence encoder (MiniLmEncoder.encode)", "adapters/nlu/minilm.py encode"),
    ("    entities (extract_entities)", "agents/nlu/entities.py extract_entities"),
    ("    sentiment (VaderSentiment.score)", "adapters/nlu/sentiment.py score"),
    ("  settings read and parsed (load_settings)", "runtime/assistant_settings.py load_settings"),
    ("  dialogue (dialogue.hear)", "agents/dialogue/manager.py hear"),
    ("  skill actions: order, booking (SkillActions.run)", "runtime/skill_actions.py run"),
    ("  AI session saved (Assistant._save)", "runtime/assistant.py _save"),
    ("  AI messages and session stored (post_ai_messages)", "runtime/chat.py post_ai_messages"),
    ("event bus publish (InMemoryEventBus.publish)", "adapters/bus/memory.py publish"),
    ("SQLite statements (execute)", "~ <method 'execute' of 'sqlite3.Cursor' objects>"),
    ("SQLite commits (commit: fsync)", "~ <method 'commit' of 'sqlite3.Connection' objects>"),
    ("PostgreSQL statements (psycopg execute)", "psycopg/cursor.py execute"),
    ("PostgreSQL commits (psycopg commit)", "psycopg/connection.py commit"),
    ("visitor sessions woken by the bus (_pump)", "api/chat_visitor.py _pump"),
    ("frames written (VisitorSession._send)", "api/chat_visitor.py _send"),
]
TOP = 15
# Waiting, not working: idle executor threads, locks, the event loop's poll.
IDLE = ("of '_queue.SimpleQueue' objects>", "acquire' of '_thread", "run_until_complete", "poll")

Key = tuple[str, int, str]  # pstats: file, line, function
Row = tuple[int, int, float, float, Any]  # primitive calls, calls, own s, cumulative s, callers


# --- the profiled server -------------------------------------------------------------------------


class Profilers:
    """One profiler per thread that starts one; merged at the end."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._all: list[cProfile.Profile] = []

    def start(self) -> None:
        profiler = cProfile.Profile()
        with self._lock:
            self._all.append(profiler)
        profiler.enable()

    def merged(self) -> pstats.Stats:
        with self._lock:
            first, *rest = self._all
        stats = pstats.Stats(first)
        for profiler in rest:
            stats.add(profiler)
        return stats


class SqlCounts:
    """Statements by first keyword (BEGIN, SELECT...) with their wall time, and commits."""

    def __init__(self, engine: Engine) -> None:
        self.statements: Counter[str] = Counter()
        self.seconds: Counter[str] = Counter()
        self.commits = 0
        self._lock = threading.Lock()
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)
        event.listen(engine, "commit", self._commit)

    def _before(self, conn: Any, *_: Any) -> None:
        conn.info["bench_started_at"] = time.perf_counter()

    def _after(self, conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        spent = time.perf_counter() - conn.info.pop("bench_started_at", time.perf_counter())
        words = statement.split(None, 1)
        keyword = words[0].upper() if words else "?"
        with self._lock:
            self.statements[keyword] += 1
            self.seconds[keyword] += spent

    def _commit(self, _conn: Any) -> None:
        with self._lock:
            self.commits += 1

    def to_json(self) -> dict[str, Any]:
        with self._lock:
            return {
                "statements": dict(self.statements),
                "seconds": dict(self.seconds),
                "commits": self.commits,
            }


async def serve(server: uvicorn.Server, profilers: Profilers) -> None:
    # asyncio's own default executor size, so the profiled server has as many threads as `serve`.
    executor = ThreadPoolExecutor(
        max_workers=min(32, (os.cpu_count() or 1) + 4), initializer=profilers.start
    )
    asyncio.get_running_loop().set_default_executor(executor)
    # The AI agent answers in a pool of its own (api.chat_visitor): profile those threads too.
    chat_visitor._AI_THREADS = ThreadPoolExecutor(
        max_workers=4, thread_name_prefix="ai-reply", initializer=profilers.start
    )
    try:
        await server.serve()
    finally:
        executor.shutdown(wait=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--tenant", required=True, help="slug whose intent model to train first")
    parser.add_argument("--out", required=True, help="where the pstats file goes")
    args = parser.parse_args()

    settings = Settings().model_copy(update={"host": args.host, "port": args.port})
    container = build(settings)
    # Trained, and the lazy imports of understanding done, before any profiler starts: the
    # profile holds chat turns only (the benchmark's `GET /v1/assistant/intents` finds it cached).
    tenant = get_tenant(container.ctx, args.tenant)
    container.nlu.understand(tenant.id, "Where is my order ORD-123456? Monday at 10:15")
    counts = SqlCounts(container.engine)
    config = uvicorn.Config(
        create_app(container),
        host=args.host,
        port=args.port,
        log_level="warning",
        ws_per_message_deflate=False,  # as `agentfloor serve`
    )
    server = uvicorn.Server(config)

    def stop_when_stdin_closes() -> None:
        sys.stdin.read()
        server.should_exit = True

    threading.Thread(target=stop_when_stdin_closes, daemon=True).start()
    profilers = Profilers()
    profilers.start()
    try:
        with asyncio.Runner(loop_factory=config.get_loop_factory()) as runner:
            runner.run(serve(server, profilers))
    finally:
        container.close()
    profilers.merged().dump_stats(args.out)
    with open(f"{args.out}.json", "w", encoding="utf-8") as out:
        json.dump(counts.to_json(), out)


# --- reading the statistics back -----------------------------------------------------------------


def _is(key: Key, where: str) -> bool:
    path, name = where.split(" ", 1)
    filename, _, function = key
    same_file = filename == path if path == "~" else filename.endswith(path)
    return same_file and function == name


def _short(key: Key) -> str:
    filename, line, function = key
    if filename == "~":
        return function
    parts = filename.replace(os.sep, "/").split("/")
    tail = parts[parts.index("agentfloor") :] if "agentfloor" in parts else parts[-2:]
    return f"{'/'.join(tail)}:{line} {function}"


def profile_tables(prof_path: str) -> tuple[int, list[Table]]:
    """Read what the profiled server wrote; return the AI turns and the tables per turn."""
    stats: dict[Key, Row] = pstats.Stats(prof_path).stats  # type: ignore[attr-defined]  # untyped
    with open(f"{prof_path}.json", encoding="utf-8") as src:
        sql = json.load(src)
    turns = sum(row[1] for key, row in stats.items() if _is(key, "runtime/chat.py respond"))
    per = max(turns, 1)

    parts = Table(
        title=f"Where an AI turn's time goes (server profile, {turns:,} turns, wall clock)"
    )
    for col in ("part", "calls per turn", "ms per turn (with callees)", "ms per call"):
        parts.add_column(col, justify="left" if col == "part" else "right")
    for label, where in PARTS:
        found = [row for key, row in stats.items() if _is(key, where)]
        calls = sum(row[1] for row in found)
        if calls:
            spent_ms = sum(row[3] for row in found) * 1e3
            parts.add_row(
                label, f"{calls / per:.2f}", f"{spent_ms / per:.2f}", f"{spent_ms / calls:.3f}"
            )

    statements: dict[str, int] = sql["statements"]
    seconds: dict[str, float] = sql["seconds"]
    db = Table(title="SQL per AI turn (opening the chat and storing the message included)")
    for col in ("statement", "per turn", "ms each (wall)", "ms per turn"):
        db.add_column(col, justify="left" if col == "statement" else "right")
    for keyword, count in sorted(statements.items(), key=lambda kv: -kv[1]):
        spent_ms = seconds.get(keyword, 0.0) * 1e3
        db.add_row(
            keyword, f"{count / per:.1f}", f"{spent_ms / count:.3f}", f"{spent_ms / per:.2f}"
        )
    total_ms = sum(seconds.values()) * 1e3
    db.add_row(
        "all statements", f"{sum(statements.values()) / per:.1f}", "", f"{total_ms / per:.2f}"
    )
    db.add_row("commits", f"{sql['commits'] / per:.1f}", "", "")

    # A coroutine's own time can count the time it was suspended (it then exceeds its cumulative
    # time): such frames are left out with the idle waits.
    working = [
        (key, row)
        for key, row in stats.items()
        if not any(idle in key[2] for idle in IDLE) and row[2] <= row[3] * 1.001
    ]
    working.sort(key=lambda kv: -kv[1][2])
    top = Table(title=f"Top {TOP} functions by own time per AI turn (waits left out)")
    for col in ("function", "calls per turn", "own ms per turn", "ms per turn (with callees)"):
        top.add_column(col, justify="left" if col == "function" else "right")
    for key, (_, calls, own, cumulative, _) in working[:TOP]:
        top.add_row(
            _short(key),
            f"{calls / per:.1f}",
            f"{own * 1e3 / per:.2f}",
            f"{cumulative * 1e3 / per:.2f}",
        )
    return turns, [parts, db, top]


if __name__ == "__main__":
    main()
