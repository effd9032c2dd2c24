"""The `agentfloor` command tree, and the one place domain errors become a red line and exit 2."""

from __future__ import annotations

from typing import Any

import typer
from pydantic import ValidationError
from rich.markup import escape
from sqlalchemy.exc import ArgumentError, OperationalError
from typer.core import TyperGroup

from agentfloor.cli.admin import db_app, key_app, serve, tenant_app
from agentfloor.cli.call import call
from agentfloor.cli.common import err
from agentfloor.cli.customers import customers_app
from agentfloor.cli.demo import demo
from agentfloor.cli.eval import eval_app
from agentfloor.cli.forecast import forecast
from agentfloor.cli.report import report_app
from agentfloor.cli.schedule import schedule
from agentfloor.cli.simulate import simulate_command
from agentfloor.cli.wfm import staff
from agentfloor.core.errors import AgentfloorError

__all__ = ["EXIT_ERROR", "app"]

EXIT_ERROR = 2


class _ErrorsAsMessages(TyperGroup):
    """Turn an `AgentfloorError` raised by any command into a red message and exit code 2.

    The root group's `invoke` is on the call path of every sub-command, so this one override
    covers them all, whether run from the shell or from `typer.testing.CliRunner`.
    """

    # `Any`: typer vendors its own click, whose Context type is private to typer.
    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except AgentfloorError as exc:
            err.print(f"[bold red]error:[/] {escape(exc.message)}")
            raise typer.Exit(EXIT_ERROR) from exc
        except OperationalError as exc:
            err.print(f"[bold red]error:[/] the database cannot be used: {escape(str(exc.orig))}")
            raise typer.Exit(EXIT_ERROR) from exc
        except ArgumentError as exc:
            err.print(f"[bold red]error:[/] AGENTFLOOR_DATABASE_URL: {escape(str(exc))}")
            raise typer.Exit(EXIT_ERROR) from exc
        except ValidationError as exc:  # a bad AGENTFLOOR_* variable
            lines = [
                f"AGENTFLOOR_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}"
                for e in exc.errors()
            ]
            err.print(f"[bold red]error:[/] {escape('; '.join(lines))}")
            raise typer.Exit(EXIT_ERROR) from exc


app = typer.Typer(
    name="agentfloor",
    cls=_ErrorsAsMessages,
    help="agentfloor: a contact centre where AI agents work beside people.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # locals can hold API key secrets
)
app.command("serve")(serve)
app.command("demo")(demo)
app.command("call")(call)
app.command("staff")(staff)
app.command("forecast")(forecast)
app.command("schedule")(schedule)
app.command("simulate")(simulate_command)
app.add_typer(db_app, name="db")
app.add_typer(tenant_app, name="tenant")
app.add_typer(key_app, name="key")
app.add_typer(customers_app, name="customers")
app.add_typer(eval_app, name="eval")
app.add_typer(report_app, name="report")
