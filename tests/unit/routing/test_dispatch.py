"""The dispatcher's fast event builder agrees with the `RoutingEvent` constructor."""

from __future__ import annotations

import copy
import dataclasses
import pickle

import pytest

from agentfloor.routing.dispatch import new_event
from agentfloor.routing.model import RoutingEvent


def test_new_event_builds_the_same_frozen_record_as_the_constructor() -> None:
    args = ("reservation.created", 12.5, "tsk_1", "wrk_1", "res_1", "q", {"expires_at": 42.5})
    event = new_event(*args)
    assert type(event) is RoutingEvent
    assert event == RoutingEvent(*args)
    assert repr(event) == repr(RoutingEvent(*args))
    assert dataclasses.asdict(event) == dataclasses.asdict(RoutingEvent(*args))
    assert pickle.loads(pickle.dumps(event)) == event
    assert copy.deepcopy(event) == event
    assert dataclasses.replace(event, at=13.0).at == 13.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.at = 0.0  # type: ignore[misc]
