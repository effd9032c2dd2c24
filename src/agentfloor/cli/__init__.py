"""The `agentfloor` command line: serve, migrate, tenants, keys, CSV import/export, the demo.

Settings come from `AGENTFLOOR_*` environment variables, read when a command runs. An error the
domain raises on purpose (`AgentfloorError`) prints one red line and exits with status 2.
"""

from __future__ import annotations

from agentfloor.cli.app import app

__all__ = ["app", "main"]


def main() -> None:
    """Run the `agentfloor` command (the console-script entry point)."""
    app()
