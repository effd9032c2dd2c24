from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agentfloor.interactions import (
    FINAL_STATES,
    TRANSITIONS,
    Channel,
    Direction,
    IllegalTransition,
    Interaction,
    InteractionState,
    transition,
)

S = InteractionState


def make_interaction(**overrides: object) -> Interaction:
    fields: dict[str, object] = {
        "id": "int_1",
        "tenant_id": "ten_1",
        "channel": Channel.CHAT,
        "direction": Direction.INBOUND,
        "state": S.CREATED,
        "created_at": 100.0,
        "updated_at": 100.0,
    }
    fields.update(overrides)
    return Interaction(**fields)  # type: ignore[arg-type]


def test_happy_path_reaches_completed_and_sets_ended_at() -> None:
    i = make_interaction()
    path = [S.IN_FLOW, S.QUEUED, S.OFFERED, S.CONNECTED, S.WRAP_UP, S.COMPLETED]
    for n, state in enumerate(path, start=1):
        i = transition(i, state, 100.0 + n)
    assert i.state is S.COMPLETED and i.is_final
    assert i.ended_at == 106.0 and i.updated_at == 106.0


@pytest.mark.parametrize(
    ("start", "wanted"),
    [
        (S.CREATED, S.WRAP_UP),
        (S.QUEUED, S.CONNECTED),
        (S.COMPLETED, S.QUEUED),
        (S.WRAP_UP, S.QUEUED),
    ],
    ids=lambda s: str(s),
)
def test_illegal_transition_names_what_is_allowed(start: S, wanted: S) -> None:
    with pytest.raises(IllegalTransition) as info:
        transition(make_interaction(state=start), wanted, 1.0)
    err = info.value
    assert err.current is start and err.wanted == wanted.value
    assert start.value in err.message and wanted.value in err.message
    assert err.extra["allowed"] == sorted(TRANSITIONS[start])


def test_final_states_are_exactly_the_dead_ends() -> None:
    assert {S.COMPLETED, S.ABANDONED, S.FAILED} == FINAL_STATES
    for state in S:
        if state not in FINAL_STATES:
            assert S.FAILED in TRANSITIONS[state], f"{state} cannot fail"


@given(st.lists(st.sampled_from(list(S)), max_size=30))
def test_random_walks_only_take_legal_steps(steps: list[S]) -> None:
    i = make_interaction()
    now = 100.0
    for wanted in steps:
        now += 1
        before = i.state
        try:
            i = transition(i, wanted, now)
        except IllegalTransition:
            assert wanted not in TRANSITIONS[before]
            assert i.state is before
        else:
            assert wanted in TRANSITIONS[before]
            assert (i.ended_at is not None) == i.is_final


def test_every_state_is_reachable_from_created() -> None:
    seen = {S.CREATED}
    frontier = [S.CREATED]
    while frontier:
        for nxt in TRANSITIONS[frontier.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                frontier.append(nxt)
    assert seen == set(S)
