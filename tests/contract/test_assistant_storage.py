"""The AI assistant's stores behave the same on SQLite and PostgreSQL.

Intent models, assistant settings, dialogue sessions, appointments and orders: every method, the
upserts, the one-booking-per-slot rule and tenant isolation, each test run on both backends.
"""

from __future__ import annotations

import dataclasses
import random
import threading
from collections.abc import Callable

import pytest
from sqlalchemy import Engine

from agentfloor.access.model import Tenant
from agentfloor.adapters.storage import SqlUnitOfWorkFactory, upgrade_to_head
from agentfloor.agents.ports import Appointment, Order, StoredIntentModel
from agentfloor.core.errors import Conflict
from agentfloor.runtime.uow import UnitOfWorkFactory

T0 = 1_767_225_600.123456  # 2026-01-01, with a fraction that must survive exactly
HOUR = 3600.0


@pytest.fixture
def uows(empty_engine: Engine) -> SqlUnitOfWorkFactory:
    upgrade_to_head(empty_engine)
    return SqlUnitOfWorkFactory(empty_engine)


@pytest.fixture
def tenants(uows: SqlUnitOfWorkFactory) -> tuple[str, str]:
    with uows(None) as uow:
        for tid in ("ten_a", "ten_b"):
            uow.tenants.add(Tenant(tid, tid, f"slug-{tid}", "GB", "Europe/London", T0))
        uow.commit()
    return "ten_a", "ten_b"


def test_the_sql_unit_of_work_is_the_runtime_port(uows: SqlUnitOfWorkFactory) -> None:
    factory: UnitOfWorkFactory = uows  # mypy checks the five new stores are the declared ports
    with factory("ten_a") as uow:
        assert uow.intent_models is not None and uow.orders is not None


def make_model(tenant_id: str, seed: int, **overrides: object) -> StoredIntentModel:
    blob = random.Random(seed).randbytes(300_000) + b"\x00\xff\x00"  # a few hundred KB, any byte
    fields: dict[str, object] = {
        "tenant_id": tenant_id,
        "trained_at": T0 + seed,
        "intents": ("greet", "order_status", "book_appointment"),
        "examples": 120,
        "method": "ensemble",
        "blob": blob,
    }
    return StoredIntentModel(**{**fields, **overrides})  # type: ignore[arg-type]


def test_intent_model_round_trips_bytes_and_a_new_one_replaces_it(
    uows: SqlUnitOfWorkFactory, tenants: tuple[str, str]
) -> None:
    a, b = tenants
    first, second = make_model(a, 1), make_model(a, 2, intents=("yes", "no"), method="tfidf")
    with uows(a) as uow:
        assert uow.intent_models.get() is None
        uow.intent_models.put(first)
        uow.commit()
    with uows(a) as uow:
        stored = uow.intent_models.get()
        assert stored == first and isinstance(stored.blob, bytes)
        uow.intent_models.put(second)
        assert uow.intent_models.get() == second  # the replacement is visible in its transaction
        uow.commit()
    with uows(a) as uow:
        assert uow.intent_models.get() == second
    with uows(b) as uow:
        assert uow.intent_models.get() is None  # another tenant has none
        uow.intent_models.put(make_model(b, 3))
        uow.commit()
    with uows(a) as uow:
        assert uow.intent_models.get() == second


def test_assistant_settings_are_one_document_per_tenant(
    uows: SqlUnitOfWorkFactory, tenants: tuple[str, str]
) -> None:
    a, b = tenants
    doc = {"greeting": "Hi \N{WAVING HAND SIGN}", "skills": ["faq", "orders"], "limits": {"x": 2}}
    with uows(a) as uow:
        assert uow.assistant.get() is None
        uow.assistant.put(doc, T0)
        uow.commit()
    with uows(a) as uow:
        assert uow.assistant.get() == doc
        uow.assistant.put({"greeting": "Hello"}, T0 + 1)
        uow.commit()
    with uows(a) as uow:
        assert uow.assistant.get() == {"greeting": "Hello"}
    with uows(b) as uow:
        assert uow.assistant.get() is None


def test_ai_sessions_upsert_per_interaction_and_tenant(
    uows: SqlUnitOfWorkFactory, tenants: tuple[str, str]
) -> None:
    a, b = tenants
    with uows(a) as uow:
        assert uow.ai_sessions.get("int_1") is None
        uow.ai_sessions.put("int_1", {"turn": 1}, T0)
        assert uow.ai_sessions.get("int_1") == {"turn": 1}
        uow.ai_sessions.put("int_1", {"turn": 2, "slots": {"date": "2026-01-02"}}, T0 + 1)
        assert uow.ai_sessions.get("int_1") == {"turn": 2, "slots": {"date": "2026-01-02"}}
        uow.ai_sessions.put("int_2", {"turn": 1}, T0)
        uow.commit()
    with uows(a) as uow:
        assert uow.ai_sessions.get("int_1") == {"turn": 2, "slots": {"date": "2026-01-02"}}
        assert uow.ai_sessions.get("int_2") == {"turn": 1}
    with uows(b) as uow:
        assert uow.ai_sessions.get("int_1") is None  # same id, other tenant: nothing
        uow.ai_sessions.put("int_1", {"mine": True}, T0)
        uow.commit()
    with uows(a) as uow:
        assert uow.ai_sessions.get("int_1") == {"turn": 2, "slots": {"date": "2026-01-02"}}


def concurrently(count: int, job: Callable[[int], None]) -> list[BaseException | None]:
    """Run `job(i)` in `count` threads released together; return each one's error or None."""
    start = threading.Barrier(count)
    results: list[BaseException | None] = [None] * count

    def run(i: int) -> None:
        start.wait()
        try:
            job(i)
        except BaseException as exc:  # handed back to the test
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    return results


def test_two_writers_of_a_new_session_both_succeed(
    uows: SqlUnitOfWorkFactory, tenants: tuple[str, str]
) -> None:
    a, _ = tenants

    def put(i: int) -> None:
        with uows(a) as uow:
            uow.ai_sessions.put("int_race", {"writer": i}, T0 + i)
            uow.commit()

    assert concurrently(2, put) == [None, None]
    with uows(a) as uow:
        assert uow.ai_sessions.get("int_race") in ({"writer": 0}, {"writer": 1})


def make_appointment(tenant_id: str, **overrides: object) -> Appointment:
    fields: dict[str, object] = {
        "id": f"apt_{random.randrange(10**12)}",
        "tenant_id": tenant_id,
        "resource": "Dr Jones",
        "starts_at": T0 + 9 * HOUR,
        "ends_at": T0 + 9.5 * HOUR,
        "state": "booked",
        "customer_id": "cus_1",
        "interaction_id": "int_1",
        "name": "Check-up",
        "created_at": T0,
        "updated_at": T0,
    }
    return Appointment(**{**fields, **overrides})  # type: ignore[arg-type]


def test_appointments_store_query_and_update(
    uows: SqlUnitOfWorkFactory, tenants: tuple[str, str]
) -> None:
    a, _ = tenants
    nine = make_appointment(a)
    ten = make_appointment(a, starts_at=T0 + 10 * HOUR, ends_at=T0 + 10.5 * HOUR)
    other_room = make_appointment(a, resource="Dr Patel", customer_id="cus_2", interaction_id=None)
    later = make_appointment(a, starts_at=T0 + 30 * HOUR, ends_at=T0 + 30.5 * HOUR)
    with uows(a) as uow:
        for appointment in (later, ten, nine, other_room):
            uow.appointments.add(appointment)
        uow.commit()
    with uows(a) as uow:
        assert uow.appointments.get(nine.id) == nine
        assert uow.appointments.get("apt_nope") is None
        # Overlapping [start, end): touching at either edge does not overlap.
        assert uow.appointments.booked("Dr Jones", T0 + 9.5 * HOUR, T0 + 10 * HOUR) == []
        assert uow.appointments.booked("Dr Jones", T0 + 9.25 * HOUR, T0 + 10.25 * HOUR) == [
            nine,
            ten,
        ]
        assert uow.appointments.booked("Dr Jones", T0, T0 + 24 * HOUR) == [nine, ten]
        assert uow.appointments.booked(None, T0 + 9 * HOUR, T0 + 9.1 * HOUR) == [nine, other_room]
        assert uow.appointments.booked("Dr Who", T0, T0 + 48 * HOUR) == []
        assert uow.appointments.for_customer("cus_1") == [nine, ten, later]
        assert uow.appointments.for_customer("cus_nope") == []
        cancelled = dataclasses.replace(nine, state="cancelled", updated_at=T0 + 60)
        moved = dataclasses.replace(
            ten, starts_at=T0 + 11 * HOUR, ends_at=T0 + 11.5 * HOUR, updated_at=T0 + 60
        )
        uow.appointments.update(cancelled)
        uow.appointments.update(moved)
        uow.commit()
    with uows(a) as uow:
        assert uow.appointments.get(nine.id) == cancelled  # kept, but no longer booked
        assert uow.appointments.get(ten.id) == moved
        assert uow.appointments.booked("Dr Jones", T0, T0 + 24 * HOUR) == [moved]
        assert uow.appointments.for_customer("cus_1") == [moved, later]


def test_a_booked_slot_is_taken_until_cancelled(
    uows: SqlUnitOfWorkFactory, tenants: tuple[str, str]
) -> None:
    a, b = tenants
    first = make_appointment(a)
    with uows(a) as uow:
        uow.appointments.add(first)
        uow.commit()
    with uows(a) as uow:
        with pytest.raises(Conflict, match="Dr Jones is already booked") as caught:
            uow.appointments.add(make_appointment(a, ends_at=first.ends_at + HOUR))
        assert caught.value.extra == {"constraint": "uq_appointments_booked_slot"}
        # The unit of work goes on after the clash: the savepoint undid only the failed booking.
        elsewhere = make_appointment(a, resource="Dr Patel")
        uow.appointments.add(elsewhere)
        uow.commit()
    with uows(a) as uow:
        assert uow.appointments.booked(None, T0, T0 + 24 * HOUR) == [first, elsewhere]
    with uows(b) as uow:  # the same slot of another tenant's resource of that name is free
        uow.appointments.add(make_appointment(b))
        uow.commit()
    with uows(a) as uow:
        uow.appointments.update(dataclasses.replace(first, state="cancelled"))
        again = make_appointment(a, customer_id="cus_9")
        uow.appointments.add(again)  # the cancelled one no longer holds the slot
        uow.commit()
    with uows(a) as uow:
        assert uow.appointments.booked("Dr Jones", T0, T0 + 24 * HOUR) == [again]
        with pytest.raises(Conflict, match="already booked"):  # rebooking the cancelled one
            uow.appointments.update(dataclasses.replace(first, updated_at=T0 + 1))
        assert uow.appointments.get(first.id) == dataclasses.replace(first, state="cancelled")


def test_two_bookings_of_one_slot_at_once_give_one_appointment(
    uows: SqlUnitOfWorkFactory, tenants: tuple[str, str]
) -> None:
    a, _ = tenants

    def book(i: int) -> None:
        with uows(a) as uow:
            uow.appointments.add(make_appointment(a, id=f"apt_race_{i}", customer_id=f"cus_{i}"))
            uow.commit()

    errors = concurrently(2, book)
    assert sorted(type(e).__name__ for e in errors) == ["Conflict", "NoneType"]
    with uows(a) as uow:
        assert len(uow.appointments.booked("Dr Jones", T0, T0 + 24 * HOUR)) == 1


def test_appointments_of_another_tenant_are_invisible_and_untouchable(
    uows: SqlUnitOfWorkFactory, tenants: tuple[str, str]
) -> None:
    a, b = tenants
    mine = make_appointment(a)
    with uows(a) as uow:
        uow.appointments.add(mine)
        uow.commit()
    with uows(b) as uow:
        assert uow.appointments.get(mine.id) is None
        assert uow.appointments.booked(None, T0, T0 + 24 * HOUR) == []
        assert uow.appointments.for_customer("cus_1") == []
        uow.appointments.update(dataclasses.replace(mine, state="cancelled", name="hijacked"))
        uow.commit()
    with uows(a) as uow:
        assert uow.appointments.get(mine.id) == mine


def test_orders_are_found_by_number_in_any_case_and_replaced(
    uows: SqlUnitOfWorkFactory, tenants: tuple[str, str]
) -> None:
    a, b = tenants
    order = Order(a, "AB-1234", "cus_1", "shipped", "2026-01-05", "12.50 GBP", T0)
    with uows(a) as uow:
        assert uow.orders.get("AB-1234") is None
        uow.orders.put(order)
        uow.orders.put(Order(a, "zz-9", None, "processing", None, None, T0))
        uow.commit()
    with uows(a) as uow:
        assert uow.orders.get("AB-1234") == order
        assert uow.orders.get(" ab-1234 ") == order
        assert uow.orders.get("ZZ-9") == Order(a, "ZZ-9", None, "processing", None, None, T0)
        delivered = dataclasses.replace(order, status="delivered", updated_at=T0 + 86_400)
        uow.orders.put(delivered)
        assert uow.orders.get("AB-1234") == delivered
        uow.commit()
    with uows(b) as uow:
        assert uow.orders.get("AB-1234") is None
        theirs = Order(b, "AB-1234", None, "cancelled", None, None, T0)
        uow.orders.put(theirs)  # the same number at another tenant is another order
        uow.commit()
    with uows(a) as uow:
        assert uow.orders.get("ab-1234") == delivered
    with uows(b) as uow:
        assert uow.orders.get("AB-1234") == theirs


def test_stores_refuse_a_platform_unit_of_work(uows: SqlUnitOfWorkFactory) -> None:
    with uows(None) as uow:
        with pytest.raises(RuntimeError, match="opened for a tenant"):
            uow.intent_models.get()
        with pytest.raises(RuntimeError, match="opened for a tenant"):
            uow.appointments.get("apt_1")


def test_trained_at_is_read_without_the_model(
    uows: SqlUnitOfWorkFactory, tenants: tuple[str, str]
) -> None:
    a, b = tenants
    with uows(a) as uow:
        assert uow.intent_models.trained_at() is None
        uow.intent_models.put(make_model(a, 1))
        uow.commit()
    with uows(a) as uow:
        assert uow.intent_models.trained_at() == make_model(a, 1).trained_at
    with uows(b) as uow:
        assert uow.intent_models.trained_at() is None


def test_idle_lists_open_sessions_untouched_since_a_moment(
    uows: SqlUnitOfWorkFactory, tenants: tuple[str, str]
) -> None:
    a, b = tenants
    with uows(a) as uow:
        uow.ai_sessions.put("int_old", {"turn": 1}, T0)
        uow.ai_sessions.put("int_new", {"turn": 1}, T0 + 100)
        uow.ai_sessions.put("int_done", {"outcome": {"outcome": "contained"}}, T0)
        uow.commit()
    with uows(b) as uow:
        uow.ai_sessions.put("int_b", {"turn": 1}, T0)
        uow.commit()
    with uows(a) as uow:
        assert uow.ai_sessions.idle(T0 + 50) == [("int_old", {"turn": 1})]
        assert [i for i, _ in uow.ai_sessions.idle(T0 + 200)] == ["int_old", "int_new"]
        uow.ai_sessions.put("int_old", {"outcome": {"outcome": "abandoned"}}, T0 + 300)
        uow.commit()
    with uows(a) as uow:
        assert [i for i, _ in uow.ai_sessions.idle(T0 + 200)] == ["int_new"]
