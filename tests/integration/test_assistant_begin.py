"""`Assistant.begin`: an entry flow speaks first (a call's menu plays on answer), once.

Through the chat service on a real SQLite file: the contact is opened, `begin` posts the flow's
first prompt, and the customer's first answer then goes to the waiting menu.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agentfloor.access.model import Principal, Role
from agentfloor.bootstrap import Container, build
from agentfloor.runtime import access, assistant_admin
from agentfloor.runtime.flows import publish_flow
from agentfloor.settings import Settings
from tests.e2e.centre import MENU_FLOW


@pytest.fixture(scope="module")
def container(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Container]:
    var: Path = tmp_path_factory.mktemp("var")
    built = build(Settings(var_dir=var, database_url=None, nlu_encoder="none"))
    yield built
    built.close()


def tenant(container: Container, slug: str, *, flow: bool) -> str:
    made = access.create_tenant(container.ctx, name=slug, slug=slug, default_region="GB")
    admin = Principal(tenant_id=made.id, key_id="key_test", role=Role.ADMIN)
    doc: dict[str, Any] = {}
    if flow:
        doc["flow_id"] = publish_flow(container.ctx, admin, MENU_FLOW).id
    assistant_admin.put_settings(container.ctx, admin, doc)
    return made.id


def ai_lines(container: Container, tenant_id: str, interaction_id: str) -> list[str]:
    messages = container.chat.messages_after(tenant_id, interaction_id, 0, 100)
    return [m.text for m in messages if m.sender.value == "ai"]


def test_the_entry_flow_speaks_first_and_the_first_answer_goes_to_its_menu(
    container: Container,
) -> None:
    tenant_id = tenant(container, "menu-first", flow=True)
    chat = container.chat.open_conversation(tenant_id, "v-1").interaction
    assert container.assistant.begin(tenant_id, chat.id) is True
    first = ai_lines(container, tenant_id, chat.id)
    assert len(first) == 1 and first[0].startswith("Press 1 for opening hours"), first
    with container.ctx.uow(tenant_id) as uow:
        state = uow.interactions.get(chat.id)
    assert state is not None and state.state.value == "in_flow"
    assert container.assistant.begin(tenant_id, chat.id) is False  # once
    posted = container.chat.post_customer_message(tenant_id, chat.id, client_id="c1", text="1")
    container.chat.respond(tenant_id, posted.message)
    lines = ai_lines(container, tenant_id, chat.id)
    assert lines[-1].startswith("We are open from nine to five"), lines
    assert sum(line.startswith("Press 1") for line in lines) == 1, lines


def test_without_an_entry_flow_there_is_nothing_to_begin(container: Container) -> None:
    tenant_id = tenant(container, "no-flow", flow=False)
    chat = container.chat.open_conversation(tenant_id, "v-2").interaction
    assert container.assistant.begin(tenant_id, chat.id) is False
    assert ai_lines(container, tenant_id, chat.id) == []


def outcome_and_state(container: Container, tenant_id: str, interaction_id: str) -> tuple[Any, str]:
    with container.ctx.uow(tenant_id) as uow:
        found = uow.interactions.get(interaction_id)
        session = uow.ai_sessions.get(interaction_id)
    assert found is not None
    return (session or {}).get("outcome"), found.state.value


def test_a_customer_who_leaves_unserved_is_abandoned_with_the_reason(container: Container) -> None:
    tenant_id = tenant(container, "leaves", flow=True)
    chat = container.chat.open_conversation(tenant_id, "v-3").interaction
    container.assistant.begin(tenant_id, chat.id)
    container.assistant.close_contact(
        tenant_id, chat.id, reason="call_ended", detail="call ended: disconnected"
    )
    outcome, state = outcome_and_state(container, tenant_id, chat.id)
    assert outcome == {
        "outcome": "abandoned",
        "reason": "call_ended",
        "detail": "call ended: disconnected",
    }
    assert state == "abandoned"
    container.assistant.close_contact(tenant_id, chat.id, reason="again")  # final: no change
    assert outcome_and_state(container, tenant_id, chat.id)[0]["reason"] == "call_ended"


def test_a_served_customer_who_leaves_is_contained_and_a_broken_line_fails(
    container: Container,
) -> None:
    tenant_id = tenant(container, "served", flow=False)
    chat = container.chat.open_conversation(tenant_id, "v-4").interaction
    posted = container.chat.post_customer_message(
        tenant_id, chat.id, client_id="c1", text="what are your opening hours?"
    )
    container.chat.respond(tenant_id, posted.message)
    container.assistant.close_contact(tenant_id, chat.id, reason="call_ended")
    outcome, state = outcome_and_state(container, tenant_id, chat.id)
    assert (outcome["outcome"], state) == ("contained", "completed")

    broken = container.chat.open_conversation(tenant_id, "v-5").interaction
    container.assistant.close_contact(tenant_id, broken.id, reason="call_ended", failed=True)
    outcome, state = outcome_and_state(container, tenant_id, broken.id)
    assert (outcome, state) == (None, "failed")  # the AI never had it: no outcome to give
