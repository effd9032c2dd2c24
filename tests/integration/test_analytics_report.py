"""KPIs of real routing: the runtime routes on a database, the report reads the stored log back."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner, Result

from agentfloor.access.model import Principal, Role
from agentfloor.adapters.bus import InMemoryEventBus
from agentfloor.adapters.storage import SqlUnitOfWorkFactory, upgrade_to_head
from agentfloor.analytics import KpiParams
from agentfloor.bootstrap import build
from agentfloor.cli import app
from agentfloor.core.clock import VirtualClock
from agentfloor.core.ids import UlidFactory
from agentfloor.interactions.model import Channel, Direction
from agentfloor.routing.model import Task, TaskState, WorkerKind
from agentfloor.runtime import access, catalog, customers, interactions
from agentfloor.runtime.analytics import tenant_kpi_report
from agentfloor.runtime.context import ServiceContext
from agentfloor.runtime.queue_stats import queue_day
from agentfloor.runtime.router import RouterService
from agentfloor.settings import Settings

# 22:00 on 1 January in New York (EST, UTC-5): the second contact falls on the local 2nd.
START = datetime(2026, 1, 2, 3, 0, tzinfo=UTC).timestamp()


class Floor:
    """A tenant in New York with one queue (30 s wrap-up) and one voice worker, on a clock."""

    def __init__(self, ctx: ServiceContext, clock: VirtualClock) -> None:
        self.ctx, self.clock = ctx, clock
        self.router = RouterService(ctx)
        tenant = access.create_tenant(
            ctx, name="NY", slug="ny", default_region="US", timezone="America/New_York"
        )
        self.tenant_id = tenant.id
        self.admin = Principal(tenant.id, "key_test", Role.ADMIN)
        self.queue = catalog.create_queue(ctx, self.admin, name="Billing", wrapup_s=30)
        self.worker = catalog.create_worker(
            ctx, self.admin, name="Ann", kind=WorkerKind.HUMAN, attributes={}, capacity={"voice": 1}
        )
        self.router.set_activity(tenant.id, self.worker.id, "available", actor_key_id=None)

    def submit(self, interaction_id: str | None = None) -> str:
        now = self.clock.now()
        task = Task(
            self.ctx.ids.new("tsk"),
            self.tenant_id,
            TaskState.PENDING,
            now,
            now,
            "voice",
            interaction_id=interaction_id,
            queue_id=self.queue.id,
        )
        return self.router.submit(self.tenant_id, task, actor_key_id=None).id

    def answer(self, task_id: str) -> None:
        reservation = self.router.get_task(self.tenant_id, task_id)
        assert reservation.state is TaskState.RESERVED
        with self.ctx.uow(self.tenant_id) as uow:
            pending = [r for r in uow.reservations.of_task(task_id) if r.state.value == "pending"]
        self.router.accept(self.tenant_id, pending[0].id, worker_id=None, actor_key_id=None)

    def contact(self, customer_id: str) -> str:
        made = interactions.create_interaction(
            self.ctx,
            self.admin,
            channel=Channel.VOICE,
            direction=Direction.INBOUND,
            customer_id=customer_id,
            reason="billing",
        )
        return made.id

    def wait(self, seconds: float) -> None:
        self.clock.advance(seconds)
        self.router.tick()


@pytest.fixture
def floor(empty_engine: Engine) -> Floor:
    upgrade_to_head(empty_engine)
    clock = VirtualClock(START)
    ctx = ServiceContext(
        SqlUnitOfWorkFactory(empty_engine), InMemoryEventBus(), clock, UlidFactory(clock)
    )
    return Floor(ctx, clock)


def test_the_report_of_routed_work_by_local_day(floor: Floor) -> None:
    customer = customers.create_customer(floor.ctx, floor.admin, name="Dee", identities=[])
    customer_id = customer.customer.id
    first = floor.submit(floor.contact(customer_id))  # offered at once: Ann is free
    floor.wait(15)
    floor.answer(first)  # 15 s wait
    floor.wait(60)
    floor.router.complete(floor.tenant_id, first, worker_id=None, actor_key_id=None)
    lost = floor.submit()
    floor.wait(30)  # wrap-up ends; the waiting task is offered and not taken
    floor.router.cancel(floor.tenant_id, lost, abandoned=True, actor_key_id=None)  # after 30 s
    floor.wait(3 * 3600)  # 01:xx local on the 2nd: the customer calls again, same reason
    again = floor.submit(floor.contact(customer_id))
    floor.wait(5)
    floor.answer(again)
    floor.wait(40)
    floor.router.complete(floor.tenant_id, again, worker_id=None, actor_key_id=None)
    floor.wait(60)

    report = tenant_kpi_report(
        floor.ctx, floor.tenant_id, start=START - 3600, end=START + 86_400, by=["day"]
    )
    assert report.timezone == "America/New_York"
    day1, day2 = report.rows
    assert day1.labels == ("2026-01-01",) and day2.labels == ("2026-01-02",)
    k = day1.kpis
    assert (k.offered, k.answered, k.abandoned, k.short_abandoned) == (2, 1, 1, 0)
    assert k.service_level == 0.5 and k.asa_s == 15.0
    assert k.aht_s == pytest.approx(90.0)  # 60 s talk + 30 s wrap-up
    assert (k.fcr_contacts, k.fcr_resolved) == (1, 0)  # the customer called back
    assert (day2.kpis.offered, day2.kpis.fcr_resolved, day2.kpis.aht_s) == (1, 1, 70.0)
    # Ann was available from 22:00 to local midnight, busy from the answer to the wrap-up's end
    assert day1.kpis.staffed_s == 7200.0
    assert day1.kpis.busy_s == pytest.approx(60 + 30)

    strict = tenant_kpi_report(
        floor.ctx,
        floor.tenant_id,
        start=START,
        end=START + 86_400,
        params=KpiParams(sl_threshold_s=10),
    )
    assert strict.total.answered_in_sl == 1  # only the 5 s answer

    today = queue_day(floor.ctx, floor.router, floor.tenant_id, floor.queue.id)
    assert (today.answered, today.abandoned, today.service_level) == (1, 0, 1.0)


@pytest.fixture
def var_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("AGENTFLOOR_DATABASE_URL", raising=False)
    monkeypatch.setenv("AGENTFLOOR_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("COLUMNS", "200")
    return tmp_path / "var"


def cli(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def test_the_cli_reports_the_local_database(var_dir: Path, tmp_path: Path) -> None:
    container = build(Settings())
    try:
        ctx = container.ctx
        tenant = access.create_tenant(ctx, name="Shop", slug="shop", default_region="GB")
        admin = Principal(tenant.id, "key_test", Role.ADMIN)
        queue = catalog.create_queue(ctx, admin, name="Orders")
        # created straight into `available`: no activity event, the worker table says so
        catalog.create_worker(
            ctx,
            admin,
            name="Voice only",
            kind=WorkerKind.HUMAN,
            attributes={},
            capacity={"voice": 1},
            activity="available",
        )
        now = ctx.clock.now()
        task = Task("tsk_1", tenant.id, TaskState.PENDING, now, now, "chat", queue_id=queue.id)
        container.router.submit(tenant.id, task, actor_key_id=None)  # nobody to answer
    finally:
        container.close()

    shown = cli("report", "kpis", "--by", "queue,channel")  # the only tenant, today
    assert shown.exit_code == 0, shown.output
    assert "Orders" in shown.stdout and "chat" in shown.stdout  # the table names the queue
    target = tmp_path / "kpis.csv"
    written = cli("report", "kpis", "--tenant", "shop", "--by", "channel", "--csv", str(target))
    assert written.exit_code == 0, written.output
    rows = list(csv.DictReader(io.StringIO(target.read_text())))
    assert [(r["channel"], r["offered"], r["answered"]) for r in rows] == [
        ("chat", "1", "0"),
        ("", "0", "0"),  # worker time has no channel
        ("total", "1", "0"),
    ]
    assert float(rows[-1]["staffed_s"]) > 0 and rows[-1]["occupancy"] == "0.0"
    bad = cli("report", "kpis", "--by", "hour")
    assert bad.exit_code == 2 and "unknown grouping" in bad.stderr
    backwards = cli("report", "kpis", "--from", "2026-02-02", "--to", "2026-02-01")
    assert backwards.exit_code == 2 and "--to" in backwards.stderr
