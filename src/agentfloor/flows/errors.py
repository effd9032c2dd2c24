"""Flow errors: each a kind from `core.errors`, with a message a person can act on."""

from __future__ import annotations

from agentfloor.core.errors import Conflict, InvalidInput, ProblemDetail

__all__ = ["FlowInvalid", "FlowStateMismatch"]

_SHOWN = 10  # problems quoted in the one-line message; `problems` always holds all of them


class FlowInvalid(InvalidInput):
    """A flow document with one or more problems; `problems` lists every one with its path."""

    def __init__(self, problems: list[ProblemDetail]) -> None:
        count = len(problems)
        listed = "; ".join(f"{p.loc}: {p.message}" for p in problems[:_SHOWN])
        more = f"; and {count - _SHOWN} more" if count > _SHOWN else ""
        noun = "problem" if count == 1 else "problems"
        super().__init__(
            f"the flow has {count} {noun}; fix them and upload it again: {listed}{more}",
            problems=problems,
        )


class FlowStateMismatch(Conflict):
    """A contact's flow state was advanced with a flow it did not start on (or a corrupt state).

    A running contact keeps the flow version it started on: load that version (the state names
    its `flow_id` and `version`) rather than the latest one.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
