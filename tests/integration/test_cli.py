"""The `agentfloor` command line on a real SQLite file, run in-process with typer's CliRunner."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from agentfloor.access.model import Role
from agentfloor.bootstrap import Container, build
from agentfloor.cli import app
from agentfloor.runtime import access
from agentfloor.settings import Settings


@pytest.fixture
def var_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("AGENTFLOOR_DATABASE_URL", raising=False)
    monkeypatch.setenv("AGENTFLOOR_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("COLUMNS", "200")  # rich tables: keep each bad row on one line
    return tmp_path / "var"


@pytest.fixture
def container(var_dir: Path) -> Iterator[Container]:
    c = build(Settings())
    yield c
    c.close()


def cli(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def make_tenant(slug: str = "acme") -> str:
    result = cli("tenant", "create", "Acme Ltd", "--slug", slug, "--region", "GB")
    assert result.exit_code == 0, result.output
    match = re.search(r"\bten_\w+", result.stdout)
    assert match, result.stdout
    return match.group(0)


def test_db_upgrade_reports_head_and_masks_passwords(var_dir: Path) -> None:
    result = cli("db", "upgrade")
    assert result.exit_code == 0, result.output
    assert "at head" in result.stdout and str(var_dir / "agentfloor.db") in result.stdout


def test_tenant_and_key_create(container: Container) -> None:
    tenant_id = make_tenant()
    assert access.get_tenant(container.ctx, "acme").id == tenant_id

    result = cli("key", "create", "--tenant", "acme", "--role", "supervisor", "--name", "ops")
    assert result.exit_code == 0, result.output
    key = re.search(r"\baf_\S+", result.stdout)
    assert key, result.stdout
    who = access.authenticate(container.ctx, key.group(0))
    assert (who.tenant_id, who.role) == (tenant_id, Role.SUPERVISOR)
    assert "shown once" in result.stderr


def test_domain_errors_are_one_red_line_and_exit_2(var_dir: Path) -> None:
    make_tenant()
    again = cli("tenant", "create", "Acme Again", "--slug", "acme")
    assert again.exit_code == 2
    assert "already exists" in again.stderr and "Traceback" not in again.output
    missing = cli("key", "create", "--tenant", "nobody")
    assert missing.exit_code == 2 and "'nobody' was not found" in missing.stderr
    bad_region = cli("tenant", "create", "X", "--slug", "xx", "--region", "ZZ")
    assert bad_region.exit_code == 2 and "ZZ" in bad_region.stderr


def test_customers_import_reports_bad_rows_and_export_reads_back(
    var_dir: Path, tmp_path: Path
) -> None:
    make_tenant()
    csv_path = tmp_path / "in.csv"
    csv_path.write_text(
        "\ufeffexternal_id,name,phone,email\n"
        "C-1,Carla,020 7946 0001,carla@example.com\n"
        "C-2,Bad Phone,12ab,\n"
        'C-3,"Dan\nEvans",020 7946 0003,\n',
        encoding="utf-8",
    )
    result = cli("customers", "import", str(csv_path), "--tenant", "acme", "--batch-size", "2")
    assert result.exit_code == 1, result.output
    assert re.search(r"\b3\b.*phone '12ab'", result.stdout), result.stdout
    assert "1 rows were not imported" in result.stdout

    out_path = tmp_path / "out.csv"
    exported = cli("customers", "export", "--tenant", "acme", "-o", str(out_path))
    assert exported.exit_code == 0, exported.output
    text = out_path.read_text(encoding="utf-8")
    assert text.startswith("external_id,name,phone,email,chat_id,attributes")
    assert "+442079460001" in text and '"Dan\nEvans"' in text
    assert "Exported 2 customers" in exported.stderr

    to_stdout = cli("customers", "export", "--tenant", "acme")
    assert to_stdout.exit_code == 0 and to_stdout.stdout == text

    again = cli("customers", "import", str(out_path), "--tenant", "acme")
    assert again.exit_code == 0, again.output
    assert re.search(r"unchanged\s*│\s*2", again.stdout), again.stdout


def test_customers_import_without_header_exits_2(var_dir: Path, tmp_path: Path) -> None:
    make_tenant()
    csv_path = tmp_path / "noheader.csv"
    csv_path.write_text("C-1,Carla,020 7946 0001\n", encoding="utf-8")
    result = cli("customers", "import", str(csv_path), "--tenant", "acme")
    assert result.exit_code == 2 and "header" in result.stderr


def test_customers_import_rejects_non_utf8(var_dir: Path, tmp_path: Path) -> None:
    make_tenant()
    csv_path = tmp_path / "latin1.csv"
    csv_path.write_bytes("name\nJos\xe9\n".encode("latin-1"))
    result = cli("customers", "import", str(csv_path), "--tenant", "acme")
    assert result.exit_code == 2 and "UTF-8" in result.stderr


def test_demo_creates_history_and_reuses_it_when_run_again(container: Container) -> None:
    first = cli("demo", "--no-serve", "--customers", "30", "--port", "8123")
    assert first.exit_code == 0, first.output
    assert "30 demo customers (30 new)" in first.stdout
    assert "http://127.0.0.1:8123/docs" in first.stdout
    key = re.search(r"Admin key\s+(af_\S+)", first.stdout)
    assert key, first.stdout
    assert "curl -H" in first.stdout and "value=020%207946%200958" in first.stdout
    who = access.authenticate(container.ctx, key.group(1))

    with container.ctx.uow(who.tenant_id) as uow:
        customers = list(uow.customers.iter_all())
        ann = uow.customers.get_by_external_ids(["DEMO-00001"])["DEMO-00001"]
        histories = [uow.interactions.page(customer_id=c.id, limit=10).items for c, _ in customers]
        workers = uow.workers.page(limit=50).items
        queues = uow.queues.page(limit=50).items
    assert len(customers) == 30 and ann.name == "Ann Smith"
    interactions = [i for h in histories for i in h]
    assert len(interactions) > 20
    assert {i.state.value for i in interactions} >= {"completed", "abandoned"}
    assert {i.channel.value for i in interactions} >= {"voice", "chat"}
    assert any(i.disposition_code for i in interactions)
    assert len(workers) == 8 and {w.kind.value for w in workers} == {"human", "ai"}
    assert sorted(q.name for q in queues) == ["Billing", "Sales", "Support"]

    second = cli("demo", "--no-serve", "--customers", "30")
    assert second.exit_code == 0, second.output
    assert "30 demo customers (0 new)" in second.stdout
    with container.ctx.uow(who.tenant_id) as uow:
        assert len(list(uow.customers.iter_all())) == 30
        assert len(uow.workers.page(limit=50).items) == 8
        admin_keys = [k for k in uow.api_keys.of_tenant(who.tenant_id) if k.name == "demo admin"]
    assert len(admin_keys) == 2
