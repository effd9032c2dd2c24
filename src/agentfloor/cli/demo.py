"""`agentfloor demo`: a demo tenant with queues, workers and customers with history, then serve.

The data goes in through the runtime services, so it obeys the domain rules (interactions only
make legal moves) and leaves the same audit and event log as real traffic. The history is played
in time order on a `VirtualClock` set 30 days back, so timelines spread over a month; ids come
from that clock too and so stay time-ordered.
"""

from __future__ import annotations

import dataclasses
import datetime
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Annotated

import typer
import uvicorn
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from agentfloor.access.model import Principal, Role, Tenant
from agentfloor.agents.ports import Order
from agentfloor.cli.common import err, open_container, out, web_app
from agentfloor.cli.demo_data import (
    CAPACITY,
    DAY_S,
    DISPOSITIONS,
    QUEUES,
    WORKERS,
    DemoCustomer,
    DemoInteraction,
    demo_customer,
    demo_history,
)
from agentfloor.core.clock import VirtualClock
from agentfloor.core.errors import NotFound
from agentfloor.core.ids import UlidFactory
from agentfloor.core.pagination import all_items
from agentfloor.interactions.states import InteractionState
from agentfloor.runtime import (
    access,
    assistant_admin,
    catalog,
    customers,
    interactions,
    notes,
    workflows,
)
from agentfloor.runtime.context import ServiceContext
from agentfloor.runtime.nlu import NluService
from agentfloor.runtime.router import RouterService
from agentfloor.settings import Settings

__all__ = ["demo"]

SLUG = "demo"
LOADER_KEY = "demo data loader"
HISTORY_DAYS = 30


@dataclass(slots=True)
class _Loader:
    """Plays the demo history, remembering the ids the services hand back."""

    ctx: ServiceContext
    actor: Principal
    clock: VirtualClock
    queues: dict[str, str]
    workers: dict[str, str]
    customer_ids: dict[int, str] = field(default_factory=dict)
    interaction_ids: dict[tuple[int, int], str] = field(default_factory=dict)

    def add_customer(self, c: DemoCustomer) -> None:
        identities = [("email", c.email)]
        # In international form, so a reused `demo` tenant with another region still reads it.
        identities += [("phone", "+44 " + c.phone[1:])] if c.phone else []
        identities += [("chat", c.chat_id)] if c.chat_id else []
        view = customers.create_customer(
            self.ctx,
            self.actor,
            name=c.name,
            identities=identities,
            external_id=c.external_id,
            attributes=c.attributes,
        )
        self.customer_ids[c.index] = view.customer.id

    def open(self, customer: int, n: int, spec: DemoInteraction) -> None:
        made = interactions.create_interaction(
            self.ctx,
            self.actor,
            channel=spec.channel,
            direction=spec.direction,
            customer_id=self.customer_ids[customer],
            queue_id=self.queues[spec.queue],
            reason=spec.reason,
        )
        self.interaction_ids[(customer, n)] = made.id

    def step(self, customer: int, n: int, action: str, value: str) -> None:
        iid = self.interaction_ids[(customer, n)]
        if action == "state":
            interactions.change_state(self.ctx, self.actor, iid, InteractionState(value))
        elif action == "assign":
            fields = {"worker_id": self.workers[value]}
            interactions.update_interaction(self.ctx, self.actor, iid, fields)
        elif action == "disposition":
            interactions.set_disposition(self.ctx, self.actor, iid, value)
        else:
            notes.create_note(
                self.ctx, self.actor, body=value, customer_id=None, interaction_id=iid
            )


def _tenant(ctx: ServiceContext) -> tuple[Tenant, bool]:
    try:
        return access.get_tenant(ctx, SLUG), False
    except NotFound:
        tenant = access.create_tenant(
            ctx,
            name="Demo Contact Centre",
            slug=SLUG,
            default_region="GB",
            timezone="Europe/London",
        )
        return tenant, True


def _loader_actor(ctx: ServiceContext, tenant: Tenant) -> Principal:
    """Return the principal the demo data is recorded under (a key whose secret nobody saw)."""
    key = next((k for k in access.list_keys(ctx, tenant.id) if k.name == LOADER_KEY), None)
    if key is None:
        key = access.create_key(ctx, tenant.id, name=LOADER_KEY, role=Role.ADMIN, actor=None).key
    return Principal(tenant_id=tenant.id, key_id=key.id, role=key.role)


def _setup(ctx: ServiceContext, actor: Principal) -> tuple[dict[str, str], dict[str, str]]:
    """Create the queues, disposition codes and workers that are missing; return name -> id."""
    with ctx.uow(actor.tenant_id) as uow:
        queues = {name: uow.queues.get_by_name(name) for name, _, _ in QUEUES}
        codes = {code for code, _ in DISPOSITIONS if uow.dispositions.get_by_code(code)}
        workers = all_items(lambda after: uow.workers.page(after=after, limit=500))
        existing = {w.name: w.id for w in workers}
    queue_ids = {name: q.id for name, q in queues.items() if q is not None}
    for name, expression, description in QUEUES:
        if name not in queue_ids:
            made = catalog.create_queue(
                ctx, actor, name=name, target_expression=expression, description=description
            )
            queue_ids[name] = made.id
    for code, label in DISPOSITIONS:
        if code not in codes:
            catalog.create_disposition(ctx, actor, code=code, label=label)
    for spec in WORKERS:
        if spec.name not in existing:
            worker = catalog.create_worker(
                ctx,
                actor,
                name=spec.name,
                kind=spec.kind,
                attributes=spec.attributes,
                capacity=dict(CAPACITY),
                activity=spec.activity,
            )
            existing[spec.name] = worker.id
    return queue_ids, existing


def _plan(
    loader: _Loader, todo: list[DemoCustomer], seed: int, end_s: float
) -> list[tuple[float, int, Callable[[], None]]]:
    """Return every action of the new customers' lives as (virtual time, order, action)."""
    start = loader.clock.now()
    actions: list[tuple[float, int, Callable[[], None]]] = []

    def at(offset_s: float, action: Callable[[], None]) -> None:
        actions.append((start + offset_s, len(actions), action))

    for c in todo:
        at(c.start_s, partial(loader.add_customer, c))
        for n, spec in enumerate(demo_history(seed, c, end_s)):
            at(spec.at_s, partial(loader.open, c.index, n, spec))
            for st in spec.steps:
                at(st.at_s, partial(loader.step, c.index, n, st.action, st.value))
    actions.sort(key=lambda item: (item[0], item[1]))
    return actions


def _seed(ctx: ServiceContext, count: int, seed: int) -> tuple[Tenant, int, int]:
    """Create or complete the demo tenant; return it, the demo customers, and how many are new."""
    clock = VirtualClock(ctx.clock.now() - (HISTORY_DAYS + 1) * DAY_S)
    vctx = dataclasses.replace(ctx, clock=clock, ids=UlidFactory(clock))
    tenant, _ = _tenant(vctx)
    actor = _loader_actor(vctx, tenant)
    queue_ids, worker_ids = _setup(vctx, actor)
    clock.advance(DAY_S)
    span_s, end_s = (HISTORY_DAYS - 10) * DAY_S, HISTORY_DAYS * DAY_S - 600
    wanted = [demo_customer(seed, i, span_s) for i in range(count)]
    with ctx.uow(tenant.id) as uow:
        have = uow.customers.get_by_external_ids([c.external_id for c in wanted])
    todo = [c for c in wanted if c.external_id not in have]
    loader = _Loader(vctx, actor, clock, queue_ids, worker_ids)
    actions = _plan(loader, todo, seed, end_s)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
    ) as bar:
        task = bar.add_task(f"demo data ({len(todo)} new customers)", total=len(actions))
        for when, _, action in actions:
            clock.advance(max(0.0, when - clock.now()))
            action()
            bar.advance(task)
    return tenant, count, len(todo)


WORKFLOW = "Inbound"


def _ensure_workflow(ctx: ServiceContext, router: RouterService, tenant: Tenant) -> str:
    """Create (once) the demo workflow: tasks go to the queue their `topic` names."""
    actor = _loader_actor(ctx, tenant)
    existing = next((w for w in workflows.list_workflows(ctx, actor) if w.name == WORKFLOW), None)
    if existing is not None:
        return existing.id
    with ctx.uow(tenant.id) as uow:
        queue_ids = {name: uow.queues.get_by_name(name) for name, _, _ in QUEUES}
    filters = [
        {
            "name": name.lower(),
            "expression": f'task.topic == "{name.lower()}"',
            "targets": [
                {"queue_id": q.id, "worker_expression": "", "priority": None, "timeout_s": 120.0},
                {"queue_id": queue_ids["Support"].id},  # type: ignore[union-attr]
            ],
        }
        for name, q in queue_ids.items()
        if q is not None and name != "Support"
    ]
    support = queue_ids["Support"]
    assert support is not None
    made = workflows.create_workflow(
        ctx,
        router,
        actor,
        {
            "name": WORKFLOW,
            "description": "By topic; after two minutes unanswered, Support takes it.",
            "filters": filters,
            "default_target": {"queue_id": support.id},
        },
    )
    return made.id


DEMO_ORDERS: tuple[tuple[str, str, int], ...] = (  # id, status, delivery in days from today
    ("ORD-100001", "out for delivery", 0),
    ("ORD-100002", "shipped", 2),
    ("ORD-100003", "being packed", 6),
    ("ORD-100004", "delivered", -3),
)
DEMO_HOURS_ANSWER = (
    "We're open Monday to Friday from 9am to 5pm and on Saturday from 10am to 1pm, "
    "UK time. We're closed on Sundays and bank holidays."
)


def _ensure_assistant(
    ctx: ServiceContext, nlu: NluService, tenant: Tenant, workflow_id: str
) -> None:
    """Configure (once) the AI agent: handoff to the Inbound workflow, a calendar, orders.

    The intent model is trained here, so the first chat does not wait for it.
    """
    actor = _loader_actor(ctx, tenant)
    with ctx.uow(tenant.id) as uow:
        configured = uow.assistant.get() is not None
    if not configured:
        assistant_admin.put_settings(
            ctx,
            actor,
            {
                "timezone": "Europe/London",
                "region": "GB",
                "handoff_workflows": {"default": workflow_id, "sales": workflow_id},
                "answers": {"opening_hours": DEMO_HOURS_ANSWER},
                "calendar": {
                    "hours": {"mon-fri": "09:00-17:00", "sat": "10:00-13:00"},
                    "slot_minutes": 30,
                    "resources": ["Dr. Morgan", "Dr. Alexis"],
                },
            },
        )
        today = datetime.date.today()
        for order_id, status, days in DEMO_ORDERS:
            day = today + datetime.timedelta(days=days)
            delivery = f"{day:%A} {day.day} {day:%B}"
            order = Order(tenant.id, order_id, None, status, delivery, None, ctx.clock.now())
            assistant_admin.put_order(ctx, actor, order)
    if nlu.info(tenant.id) is None:
        with err.status("Training the AI agent's intent model (once)..."):
            nlu.model(tenant.id)


def demo(
    host: Annotated[str | None, typer.Option(help="Address to serve on.")] = None,
    port: Annotated[int | None, typer.Option(min=1, max=65535, help="Port to serve on.")] = None,
    customers_: Annotated[
        int, typer.Option("--customers", min=0, max=14_000, help="How many demo customers.")
    ] = 300,
    seed: Annotated[int, typer.Option(help="Seed of the generated data.")] = 7,
    serve: Annotated[bool, typer.Option(help="Serve the API afterwards.")] = True,
) -> None:
    """Create (or reuse) the `demo` tenant with data, print an admin key, and serve the API."""
    settings = Settings()
    settings = settings.model_copy(
        update={k: v for k, v in (("host", host), ("port", port)) if v is not None}
    )
    with open_container(settings) as container:
        tenant, total, new = _seed(container.ctx, customers_, seed)
        workflow_id = _ensure_workflow(container.ctx, container.router, tenant)
        _ensure_assistant(container.ctx, container.nlu, tenant, workflow_id)
        issued = access.create_key(
            container.ctx, tenant.id, name="demo admin", role=Role.ADMIN, actor=None
        )
        base = f"http://{settings.host}:{settings.port}"
        phone = urllib.parse.quote(demo_customer(seed, 0, 1.0).phone or "")
        out.print(
            f"\nDemo tenant [bold]{escape(tenant.name)}[/] (slug {tenant.slug}, {tenant.id}): "
            f"{total} demo customers ({new} new), {len(WORKERS)} workers, {len(QUEUES)} queues."
        )
        out.print(f"  API        {base}")
        out.print(f"  Docs       {base}/docs")
        out.print(
            f"  Chat demo  {base}/demo  (ask: where is my order ORD-100001? / book an "
            "appointment / I'd like a quote / talk to a person)"
        )
        out.print(
            f"  Voice      agentfloor call --url {base} --key {issued.secret_key} "
            '"where is my order" "O R D, one zero zero zero zero one"  (a test caller; or point '
            f"a Twilio number's voice webhook at {base}/v1/voice/twiml?api_key=<key>)"
        )
        out.print(f"  Admin key  {issued.secret_key}")
        err.print("  [yellow]The key is shown once (only its SHA-256 is stored); copy it now.[/]")
        out.print("Try:")
        out.print(
            f'  curl -H "Authorization: Bearer {issued.secret_key}" '
            f'"{base}/v1/customers/lookup?value={phone}"'
        )
        out.print(
            f'  curl -H "Authorization: Bearer {issued.secret_key}" -H "Content-Type: '
            f'application/json" -d \'{{"channel": "chat", "workflow_id": '
            f'"{workflow_id}", "attributes": {{"topic": "billing"}}}}\' '
            f'"{base}/v1/tasks"'
        )
        if serve:
            uvicorn.run(
                web_app(container),
                host=settings.host,
                port=settings.port,
                ws_per_message_deflate=False,  # chat frames are tiny: compressing costs CPU
            )
