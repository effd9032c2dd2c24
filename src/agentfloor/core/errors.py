"""The error tree: every error agentfloor raises on purpose, and what kind of failure it is.

```
AgentfloorError
 +-- NotFound          the thing does not exist for this tenant        -> 404
 +-- Conflict          the request clashes with current state          -> 409
 +-- InvalidInput      the request itself is wrong (names the field)   -> 422
 +-- PayloadTooLarge   the body is bigger than the limit               -> 413
 +-- Unauthenticated   no key, or a key we do not know                 -> 401
 +-- PermissionDenied  a known key whose role may not do this          -> 403
 +-- Unavailable       a dependency is down; the only transient kind   -> 503
```
HTTP codes live in `agentfloor.api.errors` only. Domain packages subclass a kind
(`IllegalTransition(Conflict)`) and give a message a person can act on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = [
    "AgentfloorError",
    "Conflict",
    "InvalidInput",
    "NotFound",
    "PayloadTooLarge",
    "PermissionDenied",
    "ProblemDetail",
    "Unauthenticated",
    "Unavailable",
]


@dataclass(frozen=True, slots=True)
class ProblemDetail:
    """One precise thing wrong with an input: where (a path like `body.phone`) and why."""

    loc: str
    message: str


class AgentfloorError(Exception):
    """Root of every error agentfloor raises on purpose."""

    kind: str = "error"
    transient: bool = False

    def __init__(
        self,
        message: str,
        *,
        problems: list[ProblemDetail] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.problems: list[ProblemDetail] = problems or []
        self.extra: dict[str, Any] = extra or {}


class NotFound(AgentfloorError):
    """The resource does not exist (or belongs to another tenant, which looks the same)."""

    kind = "not-found"

    def __init__(self, resource: str, ident: str) -> None:
        super().__init__(f"{resource} {ident!r} was not found", extra={"resource": resource})
        self.resource = resource
        self.ident = ident


class Conflict(AgentfloorError):
    """The request clashes with the current state (duplicate name, illegal transition)."""

    kind = "conflict"


class InvalidInput(AgentfloorError):
    """The request is wrong in itself; `problems` names each bad field."""

    kind = "invalid-input"


class PayloadTooLarge(AgentfloorError):
    """The request body is larger than the configured limit."""

    kind = "payload-too-large"


class Unauthenticated(AgentfloorError):
    """No credentials, or credentials we do not know."""

    kind = "unauthenticated"


class PermissionDenied(AgentfloorError):
    """Known credentials whose role may not perform this action."""

    kind = "permission-denied"


class Unavailable(AgentfloorError):
    """A dependency is down or overloaded; retrying later may succeed."""

    kind = "unavailable"
    transient = True
