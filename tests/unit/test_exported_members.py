"""Every package declares its public API: a sorted `__all__` whose names all exist."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import agentfloor


def isort_order(name: str) -> tuple[int, str]:
    """The order ruff's RUF022 keeps: CONSTANTS, then Classes, then functions."""
    return (0 if name.isupper() else 1 if name[:1].isupper() else 2, name)


def packages() -> list[str]:
    names = ["agentfloor"]
    for info in pkgutil.walk_packages(agentfloor.__path__, "agentfloor."):
        if info.ispkg and ".migrations" not in info.name and ".routes" not in info.name:
            names.append(info.name)
    return names


@pytest.mark.parametrize("name", packages())
def test_package_has_docstring_and_sorted_all(name: str) -> None:
    module = importlib.import_module(name)
    assert module.__doc__ and module.__doc__.strip(), (
        f"{name} needs a docstring saying what it owns"
    )
    exported = getattr(module, "__all__", None)
    if name in ("agentfloor", "agentfloor.runtime", "agentfloor.cli"):
        return  # entry points and the runtime expose modules, not names
    assert exported is not None, f"{name} has no __all__"
    assert list(exported) == sorted(exported, key=isort_order), f"{name}.__all__ is not sorted"
    for item in exported:
        assert hasattr(module, item), f"{name}.__all__ names missing {item}"
