from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from agentfloor.core.errors import InvalidInput
from agentfloor.routing import (
    Activity,
    Task,
    TaskState,
    Worker,
    WorkerKind,
    change_activity,
    validate_capacity,
)


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


def _reference_task_class() -> type:
    """Task's fields in a dataclass with the standard generated `__init__`."""
    fields = [
        (f.name, f.type, dataclasses.field(default=f.default, default_factory=f.default_factory))
        for f in dataclasses.fields(Task)
    ]
    return dataclasses.make_dataclass("ReferenceTask", fields, frozen=True, slots=True)


_REQUIRED = ("tsk_1", "ten_1", TaskState.PENDING, 1.0, 2.0, "chat")


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [
        (_REQUIRED, {}),
        ((*_REQUIRED, 3, "int_1", "q", "wrk_1", {"lang": "fr"}), {}),
        (
            (),
            dict(
                zip(
                    ("id", "tenant_id", "state", "created_at", "updated_at", "channel"),
                    _REQUIRED,
                    strict=True,
                )
            ),
        ),
        (
            _REQUIRED[:2],
            {
                "state": TaskState.ASSIGNED,
                "created_at": 0.0,
                "updated_at": 0.0,
                "channel": "sms",
                "order_key": 5.0,
                "callback": True,
                "end_reason": "x",
            },
        ),
    ],
    ids=["required", "positional", "keywords", "mixed"],
)
def test_task_init_agrees_with_the_generated_dataclass_init(
    args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    reference = _reference_task_class()(*args, **kwargs)
    task = Task(*args, **kwargs)
    assert dataclasses.astuple(task) == dataclasses.astuple(reference)
    assert dataclasses.replace(task) == task


def test_task_init_rejects_what_the_generated_init_rejects() -> None:
    reference = _reference_task_class()
    cases: list[tuple[tuple[Any, ...], dict[str, Any]]] = [
        (_REQUIRED[:5], {}),  # a required field missing
        (_REQUIRED, {"colour": "red"}),  # an unknown field
        (_REQUIRED, {"id": "again"}),  # a field twice
        ((*_REQUIRED, *range(13)), {}),  # too many
    ]
    for args, kwargs in cases:
        with pytest.raises(TypeError):
            reference(*args, **kwargs)
        with pytest.raises(TypeError):
            Task(*args, **kwargs)


def test_task_default_factories_give_a_new_value_each_time_and_stay_frozen() -> None:
    first, second = Task(*_REQUIRED), Task(*_REQUIRED)
    assert first.attributes == {} and first.attributes is not second.attributes
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.priority = 1  # type: ignore[misc]
