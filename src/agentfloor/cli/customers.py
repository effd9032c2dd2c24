"""`agentfloor customers import|export`: CSV in and out, with a progress bar."""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from agentfloor.cli.common import err, open_container, out, resolve_tenant
from agentfloor.core.errors import InvalidInput, ProblemDetail
from agentfloor.runtime.crm_import import ImportReport, export_customers, import_customers

__all__ = ["customers_app"]

customers_app = typer.Typer(help="The CRM: customers in and out as CSV.", no_args_is_help=True)

SHOWN_ERRORS = 20


@customers_app.command("import")
def import_file(
    file: Annotated[
        Path,
        typer.Argument(
            exists=True, dir_okay=False, readable=True, help="CSV with a header line, UTF-8."
        ),
    ],
    tenant: Annotated[str, typer.Option(help="Tenant slug or id.")],
    batch_size: Annotated[int, typer.Option(min=1, help="Rows per transaction.")] = 1000,
) -> None:
    """Import customers from CSV: bad rows are listed by line, every good row is imported.

    Columns: external_id,name,phone,email,chat_id (any other column becomes an attribute).
    Importing the same file again changes nothing. Exit code 1 when some rows were bad.
    """
    with open_container() as container:
        found = resolve_tenant(container, tenant)
        size = file.stat().st_size
        with (
            file.open("rb") as raw,
            io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as text,
            Progress(
                SpinnerColumn(),
                TextColumn("[progress.description]{task.description}"),
                BarColumn(),
                DownloadColumn(),
                TextColumn("{task.fields[rows]:,} rows"),
                TimeElapsedColumn(),
                console=err,
            ) as bar,
        ):
            task = bar.add_task(f"importing {file.name}", total=size, rows=0)

            def progress(rows: int) -> None:
                bar.update(task, completed=raw.tell(), rows=rows)

            try:
                report = import_customers(
                    container.ctx,
                    None,
                    found.id,
                    text,
                    batch_size=batch_size,
                    progress=progress,
                )
            except UnicodeDecodeError as exc:
                raise InvalidInput(
                    f"{file} is not UTF-8 (bad byte near position {exc.start} of a chunk); "
                    "save it as UTF-8 and import it again",
                    problems=[ProblemDetail("file", "not UTF-8")],
                ) from exc
            bar.update(task, completed=size)
    _print_report(report)
    if report.errors_total:
        raise typer.Exit(1)


def _print_report(report: ImportReport) -> None:
    summary = Table(title="Import", show_header=False)
    summary.add_column("", style="bold")
    summary.add_column("", justify="right")
    for label, value in (
        ("rows", report.rows),
        ("created", report.created),
        ("updated", report.updated),
        ("unchanged", report.unchanged),
        ("not imported", report.errors_total),
    ):
        summary.add_row(label, f"{value:,}")
    out.print(summary)
    if not report.errors_total:
        out.print("[green]Every row was imported.[/]")
        return
    bad = Table(title=f"First bad rows ({min(SHOWN_ERRORS, report.errors_total)} shown)")
    bad.add_column("line", justify="right")
    bad.add_column("reason")
    for error in report.errors[:SHOWN_ERRORS]:
        bad.add_row(str(error.line), escape(error.reason))
    out.print(bad)
    out.print(
        f"[red]{report.errors_total:,} rows were not imported.[/] Fix them and import the file "
        "again: rows already imported will count as unchanged."
    )


@customers_app.command("export")
def export_file(
    tenant: Annotated[str, typer.Option(help="Tenant slug or id.")],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", dir_okay=False, help="File to write [default: stdout]."),
    ] = None,
) -> None:
    """Export every live customer as CSV (import reads it back)."""
    with open_container() as container:
        found = resolve_tenant(container, tenant)
        count = 0

        def progress(n: int) -> None:
            nonlocal count
            count = n

        chunks = export_customers(container.ctx, found.id, progress=progress)
        if output is None:
            for chunk in chunks:
                sys.stdout.write(chunk)
            sys.stdout.flush()
        else:
            with output.open("w", encoding="utf-8", newline="") as f:
                for chunk in chunks:
                    f.write(chunk)
    where = "stdout" if output is None else str(output)
    err.print(f"Exported {count:,} customers of {found.slug} to {escape(where)}.")
