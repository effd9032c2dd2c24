"""The AI agent's other skills through the chat service on a real SQLite file (no sockets).

Rescheduling and cancelling on the slot calendar, identity verification against the CRM record,
a CSAT survey recorded on the interaction, and handoffs on negative sentiment and on repeated
low confidence, each with its reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from agentfloor.access.model import Principal, Role
from agentfloor.bootstrap import Container, build
from agentfloor.runtime import access, assistant_admin, catalog, customers, workflows
from agentfloor.runtime.chat import ChatService
from agentfloor.settings import Settings


@pytest.fixture(scope="module")
def centre(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    var: Path = tmp_path_factory.mktemp("var")
    container = build(Settings(var_dir=var, database_url=None))
    ctx = container.ctx
    tenant = access.create_tenant(ctx, name="Clinic", slug="clinic", default_region="GB")
    admin = Principal(tenant_id=tenant.id, key_id="key_test", role=Role.ADMIN)
    queue = catalog.create_queue(ctx, admin, name="Front desk")
    container.router.queue_changed(tenant.id, queue)
    flow = workflows.create_workflow(
        ctx,
        container.router,
        admin,
        {"name": "Desk", "filters": [], "default_target": {"queue_id": queue.id}},
    )
    assistant_admin.put_settings(
        ctx,
        admin,
        {
            "timezone": "Europe/London",
            "region": "GB",
            "handoff_workflows": {"default": flow.id},
            "calendar": {"hours": {"mon-fri": "09:00-17:00"}, "resources": ["Dr. Morgan"]},
        },
    )
    known = customers.create_customer(
        ctx,
        admin,
        name="Jo Bloggs",
        identities=[("email", "jo@example.com"), ("phone", "020 7946 0958"), ("chat", "jo-v")],
    )
    yield {
        "container": container,
        "tenant": tenant,
        "admin": admin,
        "customer_id": known.customer.id,
    }
    container.close()


class Chat:
    """One visitor's conversation, driven synchronously like the WebSocket handler does."""

    def __init__(self, centre: dict[str, Any], visitor: str) -> None:
        self.container: Container = centre["container"]
        self.chat: ChatService = self.container.chat
        self.tenant_id: str = centre["tenant"].id
        self.conversation = self.chat.open_conversation(self.tenant_id, visitor)
        self.interaction_id = self.conversation.interaction.id
        self.n = 0

    def say(self, text: str) -> str:
        self.n += 1
        posted = self.chat.post_customer_message(
            self.tenant_id, self.interaction_id, client_id=f"c{self.n}", text=text
        )
        self.chat.respond(self.tenant_id, posted.message)
        later = self.chat.messages_after(self.tenant_id, self.interaction_id, posted.message.seq)
        return " | ".join(m.text for m in later if m.sender.value == "ai")

    def events(self, type_: str) -> list[dict[str, Any]]:
        with self.container.ctx.uow(self.tenant_id) as uow:
            log = uow.events.of_interaction(self.interaction_id)
        return [dict(e.data) for e in log if e.type == type_]


def _weekday(days: int) -> date:
    day = date.today() + timedelta(days=days)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def test_book_then_reschedule_then_cancel(centre: dict[str, Any]) -> None:
    first, second = _weekday(8), _weekday(10)
    chat = Chat(centre, "jo-v")  # the known customer's chat id
    chat.say("I need to book an appointment")
    chat.say(f"{first:%d %B} at 11am")
    assert "Shall I book" in chat.say("Jo Bloggs")
    assert "booked" in chat.say("yes")
    assert "which day" in chat.say("I need to reschedule my appointment").lower()
    reply = chat.say(f"{second:%A %d %B} at 3pm")
    assert reply.startswith("Shall I move your appointment"), reply
    reply = chat.say("yes")
    assert "15:00" in reply and second.strftime("%B") in reply, reply
    moved = chat.events("appointment.rescheduled")
    assert len(moved) == 1
    reply = chat.say("please cancel my appointment")
    assert reply.startswith("Shall I cancel"), reply
    reply = chat.say("yes")
    assert "cancelled" in reply and "15:00" in reply, reply
    assert chat.events("appointment.cancelled")[0]["state"] == "cancelled"


def test_a_taken_time_offers_the_nearest_free_ones(centre: dict[str, Any]) -> None:
    day = _weekday(15)
    for visitor in ("first-booker", "second-booker"):
        chat = Chat(centre, visitor)
        chat.say("book an appointment")
        chat.say(f"{day:%d %B} at 10am")
        chat.say(visitor)
        reply = chat.say("yes")
    assert "not available" in reply and "10:30" in reply, reply
    reply = chat.say("10:30 then")
    assert reply.startswith("Shall I book"), reply
    assert "booked" in chat.say("yes")


def test_identity_is_verified_against_the_crm_record(centre: dict[str, Any]) -> None:
    chat = Chat(centre, "verify-ok")
    assert "e-mail" in chat.say("I need to update my details")
    assert "phone" in chat.say("jo@example.com")
    assert "verified" in chat.say("+44 20 7946 0958")
    wrong = Chat(centre, "verify-wrong")
    wrong.say("I need to verify my identity")
    wrong.say("jo@example.com")
    assert "don't match" in wrong.say("020 7946 0111")


def test_a_csat_survey_is_recorded_on_the_interaction(centre: dict[str, Any]) -> None:
    chat = Chat(centre, "survey")
    assert "1 to 5" in chat.say("I'd like to leave some feedback")
    assert "number from 1" in chat.say("eleven out of ten")
    chat.say("4")
    assert "Thank you for your feedback" in chat.say("quick and friendly")
    (answer,) = chat.events("survey.answered")
    assert answer["score"] == 4 and answer["comment"] == "quick and friendly"


def test_negative_sentiment_hands_off_with_the_reason(centre: dict[str, Any]) -> None:
    chat = Chat(centre, "angry")
    chat.say("This is terrible, your service is awful and I hate it")
    reply = chat.say("Absolutely useless, worst company ever, I am furious")
    assert "colleague" in reply
    (outcome,) = chat.events("ai.outcome")
    assert (outcome["outcome"], outcome["reason"]) == ("handed_off", "negative_sentiment")
    assert outcome["summary"]["sentiment"] < -0.5


def test_repeated_low_confidence_hands_off(centre: dict[str, Any]) -> None:
    chat = Chat(centre, "confusing")
    chat.say("zxq vlorp blatch")
    chat.say("frumious bandersnatch gyre")
    (outcome,) = chat.events("ai.outcome")
    assert (outcome["outcome"], outcome["reason"]) == ("handed_off", "low_confidence")


def test_chats_that_go_quiet_get_their_outcome(centre: dict[str, Any]) -> None:
    container: Container = centre["container"]
    ctx = container.ctx
    tenant = access.create_tenant(ctx, name="Quiet", slug="quiet", default_region="GB")
    served = Chat({**centre, "tenant": tenant}, "served-then-quiet")
    served.say("what time do you open?")
    unserved = Chat({**centre, "tenant": tenant}, "never-served")
    unserved.say("I'd like to book an appointment")
    assert container.assistant.close_idle(tenant.id, idle_s=3600) == 0  # not idle yet
    assert container.assistant.close_idle(tenant.id, idle_s=0) == 2
    assert container.assistant.close_idle(tenant.id, idle_s=0) == 0  # once only
    (contained,) = served.events("ai.outcome")
    assert contained["outcome"] == "contained", contained
    (left,) = unserved.events("ai.outcome")
    assert (left["outcome"], left["reason"]) == ("abandoned", "went_quiet")
    with ctx.uow(tenant.id) as uow:
        states = {
            i: uow.interactions.get(i).state.value  # type: ignore[union-attr]
            for i in (served.interaction_id, unserved.interaction_id)
        }
    assert states == {served.interaction_id: "completed", unserved.interaction_id: "abandoned"}
