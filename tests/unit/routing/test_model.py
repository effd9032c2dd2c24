from __future__ import annotations

import pytest

from agentfloor.core.errors import InvalidInput
from agentfloor.routing import Activity, Worker, WorkerKind, change_activity, validate_capacity


def make_worker(**overrides: object) -> Worker:
    fields: dict[str, object] = {
        "id": "wrk_1",
        "tenant_id": "ten_1",
        "name": "Ada",
        "kind": WorkerKind.HUMAN,
        "activity": Activity.OFFLINE,
        "activity_since": 10.0,
        "created_at": 10.0,
    }
    fields.update(overrides)
    return Worker(**fields)  # type: ignore[arg-type]


def test_activity_change_resets_since_only_when_it_changes() -> None:
    w = make_worker()
    same = change_activity(w, Activity.OFFLINE, 50.0)
    assert same.activity_since == 10.0
    moved = change_activity(w, Activity.AVAILABLE, 50.0)
    assert (moved.activity, moved.activity_since) == (Activity.AVAILABLE, 50.0)


def test_capacity_validation_names_each_bad_channel() -> None:
    assert validate_capacity({"voice": 1, "chat": 3}) == {"voice": 1, "chat": 3}
    with pytest.raises(InvalidInput) as info:
        validate_capacity({"fax": 1, "chat": -2})
    assert {p.loc for p in info.value.problems} == {"capacity.fax", "capacity.chat"}
