"""CRM lookup by phone in mixed formats over 1M customers, and CSV import throughput.

Runs on SQLite (a file) and PostgreSQL (a throw-away schema) in one command and prints, per
backend, p50/p99 of:

- `agentfloor lookup`: the service the API calls (`runtime.customers.lookup_customer`): parse the
  number as typed with libphonenumber, one probe of the unique (tenant, kind, value) index, load
  the customer and its identities;
- `raw indexed SELECT`: the index probe alone on an already-normalised value (the floor);
- `naive digit scan` (baseline): what a CRM that stores numbers as typed must do, a
  `LIKE '%<last 9 digits>%'` over every phone (sampled: it is slow).

Then the throughput of importing a 100k-row CSV with `runtime.crm_import.import_customers`,
against creating the same customers one by one through `create_customer` (one transaction each,
sampled), and an idempotent re-import.

    .venv/bin/python benchmarks/crm_lookup.py                # 1M customers, both backends
    .venv/bin/python benchmarks/crm_lookup.py --customers 100000 --backends sqlite
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import Engine, insert, select, text

from agentfloor.access.model import Role
from agentfloor.adapters.bus import InMemoryEventBus
from agentfloor.adapters.storage import SqlUnitOfWorkFactory, create_engine_for, upgrade_to_head
from agentfloor.adapters.storage.tables import CustomerRow, IdentityRow
from agentfloor.core.clock import SystemClock
from agentfloor.core.ids import UlidFactory
from agentfloor.runtime import access, customers
from agentfloor.runtime.context import ServiceContext
from agentfloor.runtime.crm_import import import_customers

console = Console(width=150)
FORMATS: list[Callable[[str], str]] = [
    lambda n: f"+44 {n[:2]} {n[2:6]} {n[6:]}",
    lambda n: f"0{n[:2]} {n[2:6]} {n[6:]}",
    lambda n: f"0044 {n[:2]} {n[2:6]} {n[6:]}",
    lambda n: f"(0{n[:2]}) {n[2:6]}-{n[6:]}",
    lambda n: f"+44{n}",
]


def national(i: int) -> str:
    """The i-th synthetic London number, 10 national digits: 20 + 8 digits."""
    return f"20{(i * 7919 + 10_000_000) % 90_000_000 + 10_000_000:08d}"


@contextmanager
def backend_engine(name: str) -> Iterator[Engine]:
    """A fresh database: a new SQLite file, or a new PostgreSQL schema dropped afterwards."""
    if name == "sqlite":
        with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP")) as tmp:
            engine = create_engine_for(f"sqlite:///{Path(tmp) / 'bench.db'}")
            yield engine
            engine.dispose()
        return
    url = os.environ.get("AGENTFLOOR_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1/test")
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine_for(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = create_engine_for(url, connect_args={"options": f"-csearch_path={schema}"})
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def populate(engine: Engine, tenant_id: str, count: int, ids: UlidFactory) -> None:
    """Insert `count` customers with a phone and an e-mail each, in bulk (set-up, not measured)."""
    chunk = 20_000
    now = time.time()
    with progress_bar() as bar:
        task = bar.add_task("customers", total=count)
        for start in range(0, count, chunk):
            rows, idents = [], []
            for i in range(start, min(start + chunk, count)):
                cid = ids.new("cus")
                rows.append(
                    {
                        "id": cid,
                        "tenant_id": tenant_id,
                        "name": f"Customer {i}",
                        "external_id": None,
                        "attributes": {},
                        "merged_into": None,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
                idents.append(
                    {
                        "id": ids.new("idn"),
                        "tenant_id": tenant_id,
                        "customer_id": cid,
                        "kind": "phone",
                        "value": f"+44{national(i)}",
                        "created_at": now,
                    }
                )
                idents.append(
                    {
                        "id": ids.new("idn"),
                        "tenant_id": tenant_id,
                        "customer_id": cid,
                        "kind": "email",
                        "value": f"c{i}@example.com",
                        "created_at": now,
                    }
                )
            with engine.begin() as conn:
                conn.execute(insert(CustomerRow), rows)
                conn.execute(insert(IdentityRow), idents)
            bar.advance(task, len(rows))
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))


def progress_bar() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


def percentiles(samples_s: list[float]) -> tuple[float, float, float]:
    ms = sorted(s * 1000 for s in samples_s)
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    return statistics.median(ms), p99, ms[-1]


def time_each(fn: Callable[[int], object], n: int) -> list[float]:
    out = []
    for i in range(n):
        t0 = time.perf_counter()
        fn(i)
        out.append(time.perf_counter() - t0)
    return out


def csv_text(rows: int, offset: int) -> str:
    buf = io.StringIO()
    buf.write("external_id,name,phone,email\n")
    for i in range(offset, offset + rows):
        n = national(i)
        buf.write(f"EXT-{i},Imported {i},{FORMATS[i % len(FORMATS)](n)},imp{i}@example.org\n")
    return buf.getvalue()


def run_backend(name: str, args: argparse.Namespace, table: Table, imports: Table) -> None:
    rng = random.Random(args.seed)
    with backend_engine(name) as engine:
        upgrade_to_head(engine)
        clock = SystemClock()
        ids = UlidFactory(clock)
        ctx = ServiceContext(SqlUnitOfWorkFactory(engine), InMemoryEventBus(), clock, ids)
        tenant = access.create_tenant(ctx, name="Bench", slug="bench", default_region="GB")
        key = access.create_key(ctx, tenant.id, name="bench", role=Role.ADMIN, actor=None)
        who = access.authenticate(ctx, key.secret_key)
        console.print(f"[bold]{name}[/]: loading {args.customers:,} customers")
        populate(engine, tenant.id, args.customers, ids)

        picks = [rng.randrange(args.customers) for _ in range(args.lookups)]
        typed = [FORMATS[i % len(FORMATS)](national(p)) for i, p in enumerate(picks)]
        for value in typed[:50]:  # warm caches and check every lookup finds its customer
            customers.lookup_customer(ctx, who, value)

        def service(i: int) -> None:
            view = customers.lookup_customer(ctx, who, typed[i])
            assert view.customer.name == f"Customer {picks[i]}"

        def raw(i: int) -> None:
            with engine.connect() as conn:
                conn.execute(
                    select(IdentityRow.customer_id).where(
                        IdentityRow.tenant_id == tenant.id,
                        IdentityRow.kind == "phone",
                        IdentityRow.value == f"+44{national(picks[i])}",
                    )
                ).one()

        def naive(i: int) -> None:
            with engine.connect() as conn:
                conn.execute(
                    select(IdentityRow.customer_id).where(
                        IdentityRow.kind == "phone",
                        IdentityRow.value.like(f"%{national(picks[i])[-9:]}%"),
                    )
                ).first()

        for label, fn, n in (
            ("agentfloor lookup (normalise + index)", service, args.lookups),
            ("raw indexed SELECT (floor)", raw, args.lookups),
            ("naive digit scan (baseline)", naive, args.naive_lookups),
        ):
            p50, p99, worst = percentiles(time_each(fn, n))
            verdict = (
                ""
                if "naive" in label or "raw" in label
                else ("[green]p99 < 5 ms[/]" if p99 < 5 else "[red]p99 >= 5 ms[/]")
            )
            table.add_row(
                name,
                f"{args.customers:,}",
                label,
                f"{n:,}",
                f"{p50:.3f}",
                f"{p99:.3f}",
                f"{worst:.3f}",
                verdict,
            )

        importer = access.create_tenant(ctx, name="Import", slug="import", default_region="GB")
        ikey = access.create_key(ctx, importer.id, name="i", role=Role.ADMIN, actor=None)
        iwho = access.authenticate(ctx, ikey.secret_key)
        data = csv_text(args.import_rows, offset=0)
        for label, rows_text in (
            ("import_customers, new rows", data),
            ("import_customers, re-import (idempotent)", data),
        ):
            with progress_bar() as bar:
                task = bar.add_task(label, total=args.import_rows)
                t0 = time.perf_counter()
                report = import_customers(
                    ctx,
                    iwho,
                    importer.id,
                    io.StringIO(rows_text),
                    progress=lambda done, t=task: bar.update(t, completed=done),
                )
                elapsed = time.perf_counter() - t0
            assert not report.errors, report.errors[:3]
            imports.add_row(
                name,
                label,
                f"{report.rows:,}",
                f"created {report.created:,}, unchanged {report.unchanged:,}",
                f"{elapsed:.1f}",
                f"{report.rows / elapsed:,.0f}",
            )
        sample = args.one_by_one_rows
        t0 = time.perf_counter()
        for i in range(args.import_rows, args.import_rows + sample):
            customers.create_customer(
                ctx,
                iwho,
                name=f"One {i}",
                identities=[("phone", FORMATS[i % 5](national(i))), ("email", f"one{i}@ex.org")],
            )
        elapsed = time.perf_counter() - t0
        imports.add_row(
            name,
            "create_customer one by one (baseline)",
            f"{sample:,}",
            "one transaction per row",
            f"{elapsed:.1f}",
            f"{sample / elapsed:,.0f}",
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--lookups", type=int, default=5_000)
    parser.add_argument("--naive-lookups", type=int, default=20)
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--one-by-one-rows", type=int, default=2_000)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    lookups = Table(title="Customer lookup by phone typed in mixed formats (milliseconds)")
    for col in ("backend", "customers", "method", "lookups", "p50", "p99", "max", "target"):
        lookups.add_column(
            col, justify="right" if col in ("lookups", "p50", "p99", "max") else "left"
        )
    imports = Table(title="CSV import throughput")
    for col in ("backend", "method", "rows", "result", "seconds", "rows/s"):
        imports.add_column(col, justify="right" if col in ("rows", "seconds", "rows/s") else "left")
    for name in args.backends.split(","):
        run_backend(name.strip(), args, lookups, imports)
    console.print(lookups)
    console.print(imports)
    console.print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {sys.version.split()[0]},"
        f" {platform.system()} {platform.release()}; seed {args.seed}"
    )


if __name__ == "__main__":
    main()
