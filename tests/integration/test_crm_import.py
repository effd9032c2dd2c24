"""CSV import and export against a real SQLite file: line numbers, idempotence, round trip."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from agentfloor.access.model import Tenant
from agentfloor.bootstrap import Container, build
from agentfloor.core.errors import InvalidInput, NotFound
from agentfloor.crm.identities import IdentityKind
from agentfloor.runtime import access, crm_import
from agentfloor.runtime.crm_import import ImportReport, export_customers, import_customers
from agentfloor.settings import Settings

HEADER = "external_id,name,phone,email,chat_id\n"


@pytest.fixture
def container(tmp_path: Path) -> Iterator[Container]:
    c = build(Settings(var_dir=tmp_path, database_url=None))
    yield c
    c.close()


def make_tenant(container: Container, slug: str = "imp") -> Tenant:
    return access.create_tenant(
        container.ctx, name=slug.title(), slug=slug, default_region="GB", timezone="Europe/London"
    )


@pytest.fixture
def tenant(container: Container) -> Tenant:
    return make_tenant(container)


def run(container: Container, tenant: Tenant, text: str, batch_size: int = 1000) -> ImportReport:
    return import_customers(
        container.ctx, None, tenant.id, io.StringIO(text, newline=""), batch_size=batch_size
    )


def identities_of(container: Container, tenant: Tenant, external_id: str) -> set[tuple[str, str]]:
    with container.ctx.uow(tenant.id) as uow:
        customer = uow.customers.get_by_external_ids([external_id])[external_id]
        return {(i.kind.value, i.value) for i in uow.customers.identities_of(customer.id)}


def customer_named(container: Container, tenant: Tenant, external_id: str) -> str:
    with container.ctx.uow(tenant.id) as uow:
        return uow.customers.get_by_external_ids([external_id])[external_id].name


def snapshot_of(container: Container, tenant: Tenant) -> list[tuple[object, ...]]:
    """Every live customer as comparable plain data (no ids, no timestamps)."""
    with container.ctx.uow(tenant.id) as uow:
        rows = [
            (
                c.external_id,
                c.name,
                tuple(sorted((i.kind.value, i.value) for i in idents)),
                tuple(sorted(c.attributes.items())),
            )
            for c, idents in uow.customers.iter_all(batch_size=7)
        ]
    return sorted(rows, key=repr)


BROKEN = (
    HEADER  # line 1
    + 'A-1,"Multi\nline name",020 7946 0001,a1@example.com,\n'  # lines 2-3
    + "A-2,Bad Phone,12ab,,\n"  # line 4
    + "\n"  # line 5, blank
    + 'A-3,Eve,,"not an\nemail",\n'  # lines 6-7
    + "A-4,Fred,+44 20 7946 0004;020 7946 0014,F@Example.com,web-f\n"  # line 8
    + ",,,,\n"  # line 9, an empty spreadsheet row
    + "A-5,,,,\n"  # line 10
    + "A-6,Gail,020 7946 0006,,,unexpected\n"  # line 11
)


def test_bad_rows_are_reported_by_physical_line_and_good_rows_imported(
    container: Container, tenant: Tenant
) -> None:
    report = run(container, tenant, BROKEN)
    assert (report.rows, report.created, report.updated, report.unchanged) == (6, 2, 0, 0)
    assert [e.line for e in report.errors] == [4, 6, 10, 11]
    assert report.errors_total == 4
    assert "phone '12ab' is not a phone number" in report.errors[0].reason
    assert "email 'not an\\nemail' is not an e-mail" in report.errors[1].reason
    assert "no name" in report.errors[2].reason
    assert "6 fields" in report.errors[3].reason
    assert customer_named(container, tenant, "A-1") == "Multi\nline name"
    assert identities_of(container, tenant, "A-4") == {
        ("phone", "+442079460004"),
        ("phone", "+442079460014"),
        ("email", "f@example.com"),
        ("chat", "web-f"),
    }


def test_reimport_is_unchanged_and_a_changed_row_is_updated(
    container: Container, tenant: Tenant
) -> None:
    first = run(container, tenant, BROKEN)
    again = run(container, tenant, BROKEN)
    assert (again.created, again.updated, again.unchanged) == (0, 0, first.created)
    assert [e.line for e in again.errors] == [4, 6, 10, 11]

    changed = HEADER + "A-4,Frederick,,fred@example.com,\n,,020 7946 0001,,\n"
    report = run(container, tenant, changed)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    assert customer_named(container, tenant, "A-4") == "Frederick"
    assert ("email", "fred@example.com") in identities_of(container, tenant, "A-4")
    assert ("email", "f@example.com") in identities_of(container, tenant, "A-4")


def test_duplicate_external_id_in_one_batch_updates_the_first(
    container: Container, tenant: Tenant
) -> None:
    text = HEADER + "D-1,Dee,,d@example.com,\nD-1,Dee,,d@example.com,\nD-1,Deirdre,,,dee-chat\n"
    report = run(container, tenant, text)
    assert (report.created, report.updated, report.unchanged, report.errors) == (1, 1, 1, [])
    assert customer_named(container, tenant, "D-1") == "Deirdre"
    assert identities_of(container, tenant, "D-1") == {
        ("email", "d@example.com"),
        ("chat", "dee-chat"),
    }


def test_rows_without_external_id_match_by_identity(container: Container, tenant: Tenant) -> None:
    text = HEADER + ",Ann,020 7946 0958,,\n,Ann,+442079460958,ann@example.com,\n"
    report = run(container, tenant, text, batch_size=1)
    assert (report.created, report.updated, report.unchanged) == (1, 1, 0)
    again = run(container, tenant, text)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    adopt = run(container, tenant, HEADER + "E-9,Ann,,ann@example.com,\n")
    assert (adopt.created, adopt.updated) == (0, 1)
    assert ("phone", "+442079460958") in identities_of(container, tenant, "E-9")


def test_an_identity_of_another_customer_is_a_row_error(
    container: Container, tenant: Tenant
) -> None:
    run(container, tenant, HEADER + "P-1,Pat,020 7946 0100,,\nP-2,Sam,,sam@example.com,\n")
    text = HEADER + "P-2,Sam,020 7946 0100,,\n,Who,020 7946 0100,sam@example.com,\n"
    report = run(container, tenant, text)
    assert report.created == 0 and [e.line for e in report.errors] == [2, 3]
    assert "phone +442079460100 already belongs to customer cus_" in report.errors[0].reason
    assert "merge" in report.errors[1].reason
    assert identities_of(container, tenant, "P-2") == {("email", "sam@example.com")}


def test_extra_columns_and_the_attributes_column_become_attributes(
    container: Container, tenant: Tenant
) -> None:
    text = (
        "external_id,Name,email,tier,attributes\n"
        'T-1,Tia,tia@example.com,gold,"{""vip"": true, ""tier"": ""silver""}"\n'
        "T-2,Tom,tom@example.com,,{not json\n"
        'T-3,Tim,tim@example.com,,"[1, 2]"\n'
    )
    report = run(container, tenant, text)
    assert report.created == 1 and [e.line for e in report.errors] == [3, 4]
    assert "not valid JSON" in report.errors[0].reason
    assert "JSON object" in report.errors[1].reason
    with container.ctx.uow(tenant.id) as uow:
        tia = uow.customers.get_by_external_ids(["T-1"])["T-1"]
    assert tia.attributes == {"vip": True, "tier": "gold"}


def test_export_then_import_into_a_fresh_tenant_reproduces_the_customers(
    container: Container, tenant: Tenant
) -> None:
    text = (
        "external_id,name,phone,email,chat_id,segment\n"
        "R-1,Rae,020 7946 0201;020 7946 0202,rae@example.com,,retail\n"
        'R-2,"Ray, Jr.",,"ray@example.com",ray-1,\n'
        ',"No External ""Id""",020 7946 0203,,,wholesale\n'
        "R-4,Only Name,,,,\n"
    )
    assert run(container, tenant, text).created == 4
    exported = "".join(export_customers(container.ctx, tenant.id, batch_size=2))
    assert exported.splitlines()[0] == "external_id,name,phone,email,chat_id,attributes"

    fresh = make_tenant(container, "fresh")
    report = run(container, fresh, exported)
    assert (report.created, report.errors) == (4, [])
    assert snapshot_of(container, fresh) == snapshot_of(container, tenant)
    same = run(container, tenant, exported)
    assert (same.created, same.updated, same.unchanged) == (0, 0, 4)


def test_one_audit_entry_per_batch_and_progress_after_each(
    container: Container, tenant: Tenant
) -> None:
    text = HEADER + "".join(f"B-{i},Bea {i},,b{i}@example.com,\n" for i in range(25))
    seen: list[int] = []
    report = import_customers(
        container.ctx,
        None,
        tenant.id,
        io.StringIO(text, newline=""),
        batch_size=10,
        progress=seen.append,
    )
    assert report.created == 25 and seen == [10, 20, 25]
    with container.ctx.uow(tenant.id) as uow:
        entries = uow.audit.page(action="customer.imported", limit=50).items
    assert len(entries) == 3
    assert sorted(e.data["created"] for e in entries) == [5, 10, 10]
    assert len({e.resource_id for e in entries}) == 1


def test_the_error_list_is_capped_but_counted(
    container: Container, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(crm_import, "MAX_ERRORS_LISTED", 3)
    text = HEADER + "".join(f"Z-{i},Zed,bad-{i},,\n" for i in range(8))
    report = run(container, tenant, text, batch_size=5)
    assert report.errors_total == 8 and [e.line for e in report.errors] == [2, 3, 4]


def test_a_20k_row_file_streams_in_batches(
    container: Container, tenant: Tenant, tmp_path: Path
) -> None:
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write("external_id,name,email,chat_id,plan\n")
        for i in range(20_000):
            f.write(f"G-{i},Person {i},p{i}@example.com,chat-{i},plan-{i % 3}\n")
    size = path.stat().st_size
    read_at_first_batch: list[int] = []
    with path.open("rb") as raw, io.TextIOWrapper(raw, encoding="utf-8", newline="") as text:

        def progress(rows: int) -> None:
            if not read_at_first_batch:
                read_at_first_batch.append(raw.tell())

        report = import_customers(
            container.ctx, None, tenant.id, text, batch_size=1000, progress=progress
        )
    assert (report.rows, report.created, report.errors) == (20_000, 20_000, [])
    assert read_at_first_batch[0] < size / 4, "the first batch should not need the whole file"
    with container.ctx.uow(tenant.id) as uow:
        found = uow.customers.find_identity(IdentityKind.CHAT, "chat-19999")
        assert found is not None


@pytest.mark.parametrize(
    "text",
    ["", "\n\n", "X-1,Carla,020 7946 0001,c@example.com\n", "id,full name\n1,Ann\n"],
    ids=["empty", "blank-lines", "data-first", "unknown-columns"],
)
def test_a_missing_header_is_invalid_input(container: Container, tenant: Tenant, text: str) -> None:
    with pytest.raises(InvalidInput, match="header"):
        run(container, tenant, text)


def test_a_duplicate_column_is_invalid_input(container: Container, tenant: Tenant) -> None:
    with pytest.raises(InvalidInput, match="twice"):
        run(container, tenant, "name,email,Name\n")


def test_an_unknown_tenant_is_not_found(container: Container) -> None:
    with pytest.raises(NotFound):
        import_customers(container.ctx, None, "ten_nope", io.StringIO(HEADER))
