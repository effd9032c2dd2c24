"""The storage contract: every repository behaves the same on SQLite and PostgreSQL.

One parametrised fixture (`uow`, from `empty_engine`) runs each test unchanged on both backends.
"""

from __future__ import annotations

import dataclasses
import random

import pytest
from sqlalchemy import Engine

from agentfloor.access.model import ApiKey, AuditEntry, Role, Tenant
from agentfloor.adapters.storage import SqlUnitOfWorkFactory, upgrade_to_head
from agentfloor.core.clock import VirtualClock
from agentfloor.core.errors import Conflict
from agentfloor.core.ids import RandomIdFactory
from agentfloor.crm.identities import IdentityKind
from agentfloor.crm.model import Customer, Identity, Merge, Note
from agentfloor.flows.ports import StoredFlowVersion
from agentfloor.interactions.chat import ChatMessage, Sender
from agentfloor.interactions.model import (
    Channel,
    Direction,
    Disposition,
    Interaction,
    InteractionEvent,
)
from agentfloor.interactions.states import InteractionState
from agentfloor.routing.model import (
    Activity,
    Queue,
    Reservation,
    ReservationState,
    RoutingConfig,
    RoutingEvent,
    SelectionStrategy,
    Task,
    TaskState,
    Worker,
    WorkerKind,
)
from agentfloor.routing.workflow import Filter, Target, Workflow

CLOCK = VirtualClock()
IDS = RandomIdFactory(CLOCK, random.Random(7))


def new_id(prefix: str) -> str:
    CLOCK.advance(0.001)  # ids are time-ordered; one per millisecond keeps the order exact
    return IDS.new(prefix)


@pytest.fixture
def uows(empty_engine: Engine) -> SqlUnitOfWorkFactory:
    upgrade_to_head(empty_engine)
    return SqlUnitOfWorkFactory(empty_engine)


def make_tenant(**overrides: object) -> Tenant:
    fields: dict[str, object] = {
        "id": new_id("ten"),
        "name": "Acme",
        "slug": f"acme-{random.randrange(10**9)}",
        "default_region": "GB",
        "timezone": "Europe/London",
        "created_at": 1_767_225_600.123456,
    }
    return Tenant(**{**fields, **overrides})  # type: ignore[arg-type]


@pytest.fixture
def tenants(uows: SqlUnitOfWorkFactory) -> tuple[str, str]:
    a, b = make_tenant(), make_tenant()
    with uows(None) as uow:
        uow.tenants.add(a)
        uow.tenants.add(b)
        uow.commit()
    return a.id, b.id


def make_customer(tenant_id: str, **overrides: object) -> Customer:
    fields: dict[str, object] = {
        "id": new_id("cus"),
        "tenant_id": tenant_id,
        "name": "Ann Smith",
        "created_at": CLOCK.now(),
        "updated_at": CLOCK.now(),
    }
    return Customer(**{**fields, **overrides})  # type: ignore[arg-type]


def make_identity(tenant_id: str, customer_id: str, kind: str, value: str) -> Identity:
    return Identity(new_id("idn"), tenant_id, customer_id, IdentityKind(kind), value, CLOCK.now())


def make_interaction(tenant_id: str, **overrides: object) -> Interaction:
    fields: dict[str, object] = {
        "id": new_id("int"),
        "tenant_id": tenant_id,
        "channel": Channel.CHAT,
        "direction": Direction.INBOUND,
        "state": InteractionState.CREATED,
        "created_at": CLOCK.now(),
        "updated_at": CLOCK.now(),
    }
    return Interaction(**{**fields, **overrides})  # type: ignore[arg-type]


def test_tenants_round_trip_and_slug_is_unique(uows: SqlUnitOfWorkFactory) -> None:
    t = make_tenant(slug="same")
    with uows(None) as uow:
        uow.tenants.add(t)
        uow.commit()
    with uows(None) as uow:
        assert uow.tenants.get(t.id) == t  # floats survive exactly
        assert uow.tenants.get_by_slug("same") == t
        assert uow.tenants.get("ten_nope") is None
        assert uow.tenants.all() == [t]
    with pytest.raises(Conflict, match="slug"), uows(None) as uow:
        uow.tenants.add(make_tenant(slug="same"))
        uow.commit()


def test_uncommitted_work_is_rolled_back(
    uows: SqlUnitOfWorkFactory, tenants: tuple[str, str]
) -> None:
    a, _ = tenants
    c = make_customer(a)
    with uows(a) as uow:
        uow.customers.add(c)
        assert uow.customers.get(c.id) == c  # visible inside its own transaction
    with uows(a) as uow:
        assert uow.customers.get(c.id) is None


def test_api_keys_and_audit_log(uows: SqlUnitOfWorkFactory, tenants: tuple[str, str]) -> None:
    a, b = tenants
    key = ApiKey(new_id("key"), a, "ops", Role.SUPERVISOR, "f" * 64, CLOCK.now())
    entries = [
        AuditEntry(
            new_id("aud"),
            a,
            CLOCK.now(),
            key.id,
            "admin",
            act,
            "customer",
            f"cus_{n}",
            before={"n": n},
            after={"nested": {"ü": [1, 2.5, None]}},
        )
        for n, act in enumerate(["customer.created", "customer.updated", "customer.created"])
    ]
    with uows(a) as uow:
        uow.api_keys.add(key)
        for e in entries:
            uow.audit.append(e)
        uow.commit()
    with uows(a) as uow:
        revoked = dataclasses.replace(key, revoked_at=CLOCK.now())
        uow.api_keys.save(revoked)
        uow.commit()
    with uows(None) as uow:
        assert uow.api_keys.get(key.id) == revoked
    with uows(a) as uow:
        assert uow.api_keys.of_tenant(a) == [revoked]
        page = uow.audit.page(limit=2)
        assert [e.id for e in page.items] == [entries[2].id, entries[1].id]  # newest first
        rest = uow.audit.page(after=page.next_after, limit=2)
        assert [e.id for e in rest.items] == [entries[0].id] and rest.next_after is None
        created = uow.audit.page(action="customer.created")
        assert [e.id for e in created.items] == [entries[2].id, entries[0].id]
        assert uow.audit.get(entries[0].id) == entries[0]
        assert uow.audit.page(resource_id="cus_1").items == [entries[1]]
    with uows(b) as uow:
        assert uow.audit.get(entries[0].id) is None
        assert uow.audit.page().items == []
        assert uow.api_keys.of_tenant(b) == []


def test_customers_identities_and_tenant_isolation(
    uows: SqlUnitOfWorkFactory, tenants: tuple[str, str]
) -> None:
    a, b = tenants
    ann = make_customer(a, external_id="X-1", attributes={"tier": "gold", "tags": ["vip"]})
    phone = make_identity(a, ann.id, "phone", "+442079460958")
    email = make_identity(a, ann.id, "email", "ann@example.com")
    with uows(a) as uow:
        uow.customers.add(ann)
        uow.customers.add_identity(phone)
        uow.customers.add_identity(email)
        uow.commit()
    with uows(a) as uow:
        assert uow.customers.get(ann.id) == ann
        assert uow.customers.identities_of(ann.id) == [phone, email]
        assert uow.customers.find_identity(IdentityKind.PHONE, "+442079460958") == phone
        assert uow.customers.find_identity(IdentityKind.EMAIL, "+442079460958") is None
        found = uow.customers.find_identities(IdentityKind.PHONE, ["+442079460958", "+1"])
        assert found == {"+442079460958": phone}
        assert uow.customers.get_by_external_ids(["X-1", "X-2"]) == {"X-1": ann}
    with uows(b) as uow:  # tenant B sees none of it, and may use the same values
        assert uow.customers.get(ann.id) is None
        assert uow.customers.find_identity(IdentityKind.PHONE, "+442079460958") is None
        assert uow.customers.page().items == []
        assert uow.customers.get_by_external_ids(["X-1"]) == {}
        bob = make_customer(b, external_id="X-1")
        uow.customers.add(bob)
        uow.customers.add_identity(make_identity(b, bob.id, "phone", "+442079460958"))
        uow.commit()
    with pytest.raises(Conflict, match="already belongs"), uows(a) as uow:
        other = make_customer(a)
        uow.customers.add(other)
        uow.customers.add_identity(make_identity(a, other.id, "phone", "+442079460958"))
        uow.commit()
    with pytest.raises(Conflict, match="external_id"), uows(a) as uow:
        uow.customers.add(make_customer(a, external_id="X-1"))
        uow.commit()


def test_customer_update_delete_move_and_pages(
    uows: SqlUnitOfWorkFactory, tenants: tuple[str, str]
) -> None:
    a, _ = tenants
    people = [make_customer(a, name=n) for n in ("Ann", "Bob", "Cat_50%", "Dan", "Ann-Marie")]
    with uows(a) as uow:
        for c in people:
            uow.customers.add(c)
        ident = make_identity(a, people[0].id, "chat", "web:42")
        uow.customers.add_identity(ident)
        uow.commit()
    with uows(a) as uow:
        changed = dataclasses.replace(people[1], name="Robert", merged_into=people[0].id)
        uow.customers.save(changed)
        uow.customers.move_identities([ident.id], people[3].id)
        uow.customers.delete(people[4].id)
        uow.commit()
    with uows(a) as uow:
        assert uow.customers.get(people[1].id) == changed
        assert uow.customers.identities_of(people[3].id)[0].id == ident.id
        assert uow.customers.get(people[4].id) is None
        first = uow.customers.page(limit=2)
        second = uow.customers.page(after=first.next_after, limit=2)
        assert [c.id for c in first.items + second.items] == [
            people[0].id,
            people[2].id,
            people[3].id,
        ]  # the merged-away one is hidden unless asked for
        assert second.next_after is None
        with_merged = uow.customers.page(include_merged=True)
        assert len(with_merged.items) == 4
        assert [c.name for c in uow.customers.page(name_contains="ann").items] == ["Ann"]
        assert [c.name for c in uow.customers.page(name_contains="_50%").items] == ["Cat_50%"]
        assert uow.customers.page(name_contains="%").items[0].name == "Cat_50%"
        exported = list(uow.customers.iter_all(batch_size=2))
        assert [(c.name, [i.value for i in ids]) for c, ids in exported] == [
            ("Ann", []),
            ("Cat_50%", []),
            ("Dan", ["web:42"]),
        ]


def test_notes_merges_and_timeline(uows: SqlUnitOfWorkFactory, tenants: tuple[str, str]) -> None:
    a, b = tenants
    ann, other = make_customer(a), make_customer(a)
    made: list[tuple[str, str]] = []
    with uows(a) as uow:
        uow.customers.add(ann)
        uow.customers.add(other)
        uow.dispositions.add(Disposition(new_id("dsp"), a, "sale", "Sale", CLOCK.now()))
        for channel in (Channel.VOICE, Channel.EMAIL):
            i = make_interaction(a, channel=channel, customer_id=ann.id)
            uow.interactions.add(i)
            made.append(("interaction", i.id))
            n = Note(new_id("not"), a, ann.id, f"about {channel}", CLOCK.now(), interaction_id=i.id)
            uow.notes.add(n)
            made.append(("note", n.id))
        ev = InteractionEvent(
            new_id("iev"),
            a,
            made[0][1],
            1,
            "interaction.dispositioned",
            CLOCK.now(),
            data={"code": "sale", "label": "Sale"},
        )
        uow.events.append(ev)
        made.append(("disposition", ev.id))
        uow.commit()
    with uows(a) as uow:
        everything = uow.customers.timeline(ann.id)
        assert [(e.kind, e.id) for e in everything] == list(reversed(made))
        assert everything[0].interaction_id == made[0][1]
        assert everything[-1].data["channel"] == "voice"
        page1 = uow.customers.timeline(ann.id, limit=2)
        last = page1[-1]
        page2 = uow.customers.timeline(ann.id, before=(last.at, last.id), limit=10)
        assert [e.id for e in page1 + page2] == [e.id for e in everything]
        note_ids = uow.notes.ids_of_customer(ann.id)
        merge = Merge(
            new_id("mrg"),
            a,
            other.id,
            ann.id,
            CLOCK.now(),
            (),
            tuple(uow.interactions.ids_of_customer(ann.id)),
            tuple(note_ids),
        )
        uow.notes.move(note_ids, other.id)
        uow.interactions.move(merge.interaction_ids, other.id)
        uow.merges.add(merge)
        uow.commit()
    with uows(a) as uow:
        assert uow.customers.timeline(ann.id) == []
        assert len(uow.customers.timeline(other.id)) == 5
        assert uow.merges.get(merge.id) == merge
        reverted = dataclasses.replace(merge, reverted_at=CLOCK.now())
        uow.merges.save(reverted)
        note = uow.notes.get(note_ids[0])
        assert note is not None and note.customer_id == other.id
        uow.notes.save(dataclasses.replace(note, body="edited"))
        uow.notes.delete(note_ids[1])
        uow.commit()
    with uows(a) as uow:
        assert uow.merges.get(merge.id) == reverted
        assert [n.body for n in uow.notes.page(customer_id=other.id).items] == ["edited"]
        assert uow.notes.page(interaction_id=made[0][1]).items[0].id == note_ids[0]
    with uows(b) as uow:
        assert uow.merges.get(merge.id) is None and uow.notes.get(note_ids[0]) is None


def test_interactions_and_append_only_event_log(
    uows: SqlUnitOfWorkFactory, tenants: tuple[str, str]
) -> None:
    a, b = tenants
    i = make_interaction(a, attributes={"topic": "billing", "score": 0.5})
    with uows(a) as uow:
        uow.interactions.add(i)
        for seq in (1, 2):
            uow.events.append(
                InteractionEvent(
                    new_id("iev"),
                    a,
                    i.id,
                    seq,
                    "interaction.state_changed",
                    CLOCK.now(),
                    data={"to": str(seq)},
                )
            )
        uow.commit()
    with uows(a) as uow:
        assert uow.interactions.get(i.id) == i
        assert uow.events.last_seq(i.id) == 2 and uow.events.last_seq("int_x") == 0
        assert [e.seq for e in uow.events.of_interaction(i.id)] == [1, 2]
        moved = dataclasses.replace(
            i, state=InteractionState.QUEUED, queue_id="que_1", ended_at=CLOCK.now()
        )
        uow.interactions.save(moved)
        uow.commit()
    with pytest.raises(Conflict, match="retry"), uows(a) as uow:
        uow.events.append(InteractionEvent(new_id("iev"), a, i.id, 2, "x", CLOCK.now()))
        uow.commit()
    with uows(a) as uow:
        assert uow.interactions.get(i.id) == moved
        assert uow.interactions.page(state="queued", queue_id="que_1").items == [moved]
        assert uow.interactions.page(state="created").items == []
        assert uow.interactions.page(channel="chat").items == [moved]
    with uows(b) as uow:
        assert uow.interactions.get(i.id) is None
        assert uow.events.of_interaction(i.id) == []


def test_dispositions_workers_queues_tasks(
    uows: SqlUnitOfWorkFactory, tenants: tuple[str, str]
) -> None:
    a, b = tenants
    d = Disposition(new_id("dsp"), a, "resolved", "Resolved", CLOCK.now(), description="done")
    w = Worker(
        new_id("wrk"),
        a,
        "Ann",
        WorkerKind.HUMAN,
        Activity.AVAILABLE,
        CLOCK.now(),
        CLOCK.now(),
        attributes={"skills": ["billing"], "level": {"billing": 3}},
        capacity={"voice": 1, "chat": 3},
        email="ann@example.com",
    )
    bot = dataclasses.replace(w, id=new_id("wrk"), name="Bot", kind=WorkerKind.AI)
    q = Queue(new_id("que"), a, "Billing", CLOCK.now(), '"billing" IN worker.skills')
    t = Task(
        new_id("tsk"),
        a,
        TaskState.PENDING,
        CLOCK.now(),
        CLOCK.now(),
        "chat",
        priority=5,
        queue_id=q.id,
        attributes={"language": "en"},
    )
    with uows(a) as uow:
        uow.dispositions.add(d)
        uow.workers.add(w)
        uow.workers.add(bot)
        uow.queues.add(q)
        uow.tasks.add(t)
        uow.commit()
    with uows(a) as uow:
        assert uow.dispositions.get(d.id) == d and uow.dispositions.get_by_code("resolved") == d
        assert uow.workers.get(w.id) == w
        assert uow.workers.page(kind="ai").items == [bot]
        assert uow.queues.get_by_name("Billing") == q and uow.tasks.get(t.id) == t
        assert uow.tasks.page(state="pending", queue_id=q.id).items == [t]
        uow.dispositions.save(dataclasses.replace(d, active=False))
        uow.workers.save(dataclasses.replace(w, activity=Activity.BREAK))
        uow.queues.save(dataclasses.replace(q, name="Billing 2"))
        uow.tasks.save(dataclasses.replace(t, state=TaskState.RESERVED, worker_id=w.id))
        uow.commit()
    with uows(a) as uow:
        assert uow.dispositions.page().items[0].active is False
        assert uow.workers.page(activity="break").items[0].id == w.id
        assert uow.queues.page().items[0].name == "Billing 2"
        assert uow.tasks.get(t.id).worker_id == w.id  # type: ignore[union-attr]
        uow.dispositions.delete(d.id)
        uow.workers.delete(bot.id)
        uow.queues.delete(q.id)
        uow.commit()
    with uows(a) as uow:
        assert uow.dispositions.get(d.id) is None and uow.queues.get(q.id) is None
        assert [x.id for x in uow.workers.page().items] == [w.id]
    with pytest.raises(Conflict, match="queue"), uows(a) as uow:
        uow.queues.add(dataclasses.replace(q, id=new_id("que"), name="Same"))
        uow.queues.add(dataclasses.replace(q, id=new_id("que"), name="Same"))
        uow.commit()
    with uows(b) as uow:
        assert uow.workers.get(w.id) is None and uow.tasks.get(t.id) is None
        assert uow.workers.page().items == [] and uow.tasks.page().items == []


def test_tenant_repository_needs_a_tenant_scope(uows: SqlUnitOfWorkFactory) -> None:
    with uows(None) as uow, pytest.raises(RuntimeError, match="tenant"):
        uow.customers.get("cus_x")


def test_add_many_inserts_in_bulk_with_the_same_rules(
    uows: SqlUnitOfWorkFactory, tenants: tuple[str, str]
) -> None:
    a, _ = tenants
    people = [make_customer(a, name=f"P{n}", external_id=f"E{n}") for n in range(3)]
    idents = [make_identity(a, c.id, "email", f"p{n}@x.org") for n, c in enumerate(people)]
    with uows(a) as uow:
        uow.customers.add_many(people, idents)
        uow.commit()
    with uows(a) as uow:
        assert [c.id for c in uow.customers.page().items] == [c.id for c in people]
        assert uow.customers.find_identity(IdentityKind.EMAIL, "p2@x.org") == idents[2]
    with pytest.raises(Conflict, match="already belongs"), uows(a) as uow:
        again = make_customer(a)
        uow.customers.add_many([again], [make_identity(a, again.id, "email", "p0@x.org")])
        uow.commit()
    with uows(a) as uow:
        assert len(uow.customers.page().items) == 3  # the failed batch left nothing behind


def test_routing_state_round_trips(uows: SqlUnitOfWorkFactory, tenants: tuple[str, str]) -> None:
    a, b = tenants
    q = Queue(
        new_id("que"),
        a,
        "Sales",
        CLOCK.now(),
        strategy=SelectionStrategy.MOST_SKILLED,
        skill="sales",
        wrapup_s=15.0,
    )
    t = Task(
        new_id("tsk"),
        a,
        TaskState.RESERVED,
        CLOCK.now(),
        CLOCK.now(),
        "voice",
        priority=2,
        queue_id=q.id,
        workflow_id="wfl_1",
        target_index=1,
        target_since=CLOCK.now(),
        order_key=-1.5,
        callback=True,
    )
    done = dataclasses.replace(
        t, id=new_id("tsk"), state=TaskState.COMPLETED, ended_at=CLOCK.now(), end_reason="completed"
    )
    r = Reservation(
        new_id("res"),
        a,
        t.id,
        "wrk_1",
        ReservationState.PENDING,
        CLOCK.now(),
        CLOCK.now() + 30,
        CLOCK.now(),
    )
    wf = Workflow(
        new_id("wfl"),
        a,
        "Main",
        (
            Filter(
                "vip",
                'task.tier == "gold"',
                (Target(q.id, "worker.level >= 3", 5, 30.0), Target(q.id)),
            ),
        ),
        CLOCK.now(),
        CLOCK.now(),
        default_target=Target(q.id, timeout_s=60.0),
    )
    config = RoutingConfig(
        activities={"available": True, "lunch": False},
        missed_activity=None,
        reservation_timeout_s=12.5,
    )
    event = RoutingEvent(
        "reservation.created", CLOCK.now(), t.id, "wrk_1", r.id, q.id, {"expires_at": r.expires_at}
    )
    with uows(a) as uow:
        uow.queues.add(q)
        uow.tasks.add(t)
        uow.tasks.add(done)
        uow.reservations.upsert(r)
        uow.workflows.add(wf)
        assert uow.routing_config.get() is None
        uow.routing_config.put(config, CLOCK.now())
        uow.routing_events.append(new_id("rev"), event)
        uow.commit()
    with uows(a) as uow:
        assert uow.queues.get(q.id) == q
        assert uow.tasks.get(t.id) == t
        assert uow.tasks.unfinished() == [t]
        assert uow.reservations.get(r.id) == r and uow.reservations.pending() == [r]
        accepted = dataclasses.replace(r, state=ReservationState.ACCEPTED)
        uow.reservations.upsert(accepted)
        assert uow.workflows.get(wf.id) == wf and uow.workflows.all() == [wf]
        uow.workflows.save(dataclasses.replace(wf, name="Renamed", default_target=None))
        assert uow.routing_config.get() == config
        uow.routing_config.put(dataclasses.replace(config, priority_step_s=60.0), CLOCK.now())
        assert uow.routing_events.of_queue(q.id, since=0) == [event]
        assert uow.routing_events.of_task(t.id) == [event]
        assert uow.routing_events.of_queue(q.id, since=event.at + 1) == []
        uow.commit()
    with uows(a) as uow:
        assert uow.reservations.pending() == []
        assert uow.reservations.of_task(t.id)[0].state is ReservationState.ACCEPTED
        renamed = uow.workflows.get(wf.id)
        assert renamed is not None and (renamed.name, renamed.default_target) == ("Renamed", None)
        assert uow.routing_config.get().priority_step_s == 60.0  # type: ignore[union-attr]
        uow.workflows.delete(wf.id)
        uow.commit()
    with uows(b) as uow:
        assert uow.reservations.get(r.id) is None and uow.tasks.unfinished() == []
        assert uow.routing_config.get() is None and uow.routing_events.of_task(t.id) == []
    with uows(a) as uow:
        assert uow.workflows.all() == []


def test_chat_message_log(uows: SqlUnitOfWorkFactory, tenants: tuple[str, str]) -> None:
    a, b = tenants
    chat = make_interaction(a)

    def message(seq: int, sender: Sender, **overrides: object) -> ChatMessage:
        fields: dict[str, object] = {
            "id": new_id("msg"),
            "tenant_id": a,
            "interaction_id": chat.id,
            "seq": seq,
            "sender": sender,
            "text": f"message {seq} \N{SNOWMAN}",
            "created_at": CLOCK.now(),
        }
        return ChatMessage(**{**fields, **overrides})  # type: ignore[arg-type]

    hello = message(1, Sender.CUSTOMER, client_id="c-1")
    reply = message(2, Sender.WORKER, worker_id="wrk_1", text="x" * 4000)
    bot = message(3, Sender.AI)
    with uows(a) as uow:
        uow.interactions.add(chat)  # flushed with the first message, parent first
        assert uow.chat.last_seq(chat.id) == 0 and uow.chat.after(chat.id, 0) == []
        for m in (hello, reply, bot):
            uow.chat.append(m)
        uow.commit()
    with uows(a) as uow:
        assert uow.chat.after(chat.id, 0) == [hello, reply, bot]
        assert uow.chat.after(chat.id, 1, limit=1) == [reply]
        assert uow.chat.after(chat.id, 3) == []
        assert uow.chat.by_client_id(chat.id, "c-1") == hello
        assert uow.chat.by_client_id(chat.id, "c-2") is None
        assert uow.chat.last_seq(chat.id) == 3
    for clash in (message(3, Sender.CUSTOMER), message(4, Sender.CUSTOMER, client_id="c-1")):
        with pytest.raises(Conflict), uows(a) as uow:
            uow.chat.append(clash)
            uow.commit()
    with uows(b) as uow:  # another tenant sees nothing
        assert uow.chat.after(chat.id, 0) == [] and uow.chat.last_seq(chat.id) == 0
        assert uow.chat.by_client_id(chat.id, "c-1") is None
    with uows(a) as uow:
        assert uow.chat.last_seq(chat.id) == 3  # the clashing appends left nothing behind


def test_flow_versions_are_kept_per_tenant(
    uows: SqlUnitOfWorkFactory, tenants: tuple[str, str]
) -> None:
    a, b = tenants
    made = [
        StoredFlowVersion(new_id("flv"), a, fid, name, v, f"name: {name} v{v}", CLOCK.now())
        for fid, name, v in (("flw_1", "Front", 1), ("flw_1", "Front", 2), ("flw_2", "Back", 1))
    ]
    with uows(a) as uow:
        for version in made:
            uow.flows.add(version)
        uow.commit()
    with uows(a) as uow:
        assert uow.flows.get("flw_1") == made[1] and uow.flows.get("flw_1", 1) == made[0]
        assert uow.flows.by_name("Front") == made[1] and uow.flows.by_name("Nope") is None
        assert uow.flows.versions("flw_1") == made[:2]
        assert uow.flows.latest_of_each() == [made[2], made[1]]  # by name
    with pytest.raises(Conflict), uows(a) as uow:
        uow.flows.add(dataclasses.replace(made[0], id=new_id("flv")))
        uow.commit()
    with uows(b) as uow:
        assert uow.flows.get("flw_1") is None and uow.flows.latest_of_each() == []
