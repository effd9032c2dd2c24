"""CRM over HTTP: lookup in any format, merge and revert, timeline, CSV import and export."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.server import LiveServer


@pytest.fixture(scope="module")
def ann(live: LiveServer) -> dict[str, object]:
    with live.client() as c:
        r = c.post(
            "/v1/customers",
            json={
                "name": "Ann Smith",
                "identities": [
                    {"kind": "phone", "value": "+44 20 7946 0958"},
                    {"kind": "email", "value": "Ann.Smith@Example.COM"},
                ],
            },
        )
        assert r.status_code == 201, r.text
        body: dict[str, object] = r.json()
        return body


@pytest.mark.parametrize(
    "value",
    [
        "+44 20 7946 0958",
        "020 7946 0958",
        "0044 20 7946 0958",
        "(020) 7946-0958",
        "+442079460958",
        "ann.smith@example.com",
        "ANN.SMITH@EXAMPLE.COM ",
    ],
)
def test_lookup_by_any_identity_in_any_format(
    live: LiveServer, ann: dict[str, object], value: str
) -> None:
    with live.client() as c:
        r = c.get("/v1/customers/lookup", params={"value": value})
        assert r.status_code == 200, r.text
        assert r.json()["id"] == ann["id"]


def test_identities_are_stored_normalised(ann: dict[str, object]) -> None:
    values = {i["kind"]: i["value"] for i in ann["identities"]}  # type: ignore[attr-defined]
    assert values == {"phone": "+442079460958", "email": "ann.smith@example.com"}


def test_lookup_unknown_is_404_and_garbage_is_422(live: LiveServer) -> None:
    with live.client() as c:
        assert (
            c.get("/v1/customers/lookup", params={"value": "+44 20 7946 0000"}).status_code == 404
        )
        r = c.get("/v1/customers/lookup", params={"value": "12", "kind": "phone"})
        assert r.status_code == 422


def test_merge_moves_everything_and_revert_puts_it_back(live: LiveServer) -> None:
    with live.client() as c:
        target = c.post(
            "/v1/customers",
            json={"name": "Bob", "identities": [{"kind": "email", "value": "bob@a.org"}]},
        ).json()
        source = c.post(
            "/v1/customers",
            json={"name": "Robert", "identities": [{"kind": "phone", "value": "07700 900123"}]},
        ).json()
        inter = c.post("/v1/interactions", json={"channel": "voice", "customer_id": source["id"]})
        note = c.post("/v1/notes", json={"body": "called twice", "customer_id": source["id"]})
        merge = c.post("/v1/merges", json={"target_id": target["id"], "source_id": source["id"]})
        assert merge.status_code == 201, merge.text
        m = merge.json()
        assert m["interaction_ids"] == [inter.json()["id"]] and m["note_ids"] == [note.json()["id"]]
        merged = c.get(f"/v1/customers/{target['id']}").json()
        assert {i["value"] for i in merged["identities"]} == {"bob@a.org", "+447700900123"}
        assert (
            c.get("/v1/customers/lookup", params={"value": "07700 900123"}).json()["id"]
            == (target["id"])
        )
        assert c.get(f"/v1/customers/{source['id']}").json()["merged_into"] == target["id"]
        timeline = c.get(f"/v1/customers/{target['id']}/timeline").json()["items"]
        assert {e["id"] for e in timeline} >= {inter.json()["id"], note.json()["id"]}
        audit = c.get("/v1/audit-log", params={"action": "customer.merged"}).json()["items"]
        assert audit[0]["resource_id"] == m["id"]

        r = c.post(f"/v1/merges/{m['id']}/revert")
        assert r.status_code == 200 and r.json()["reverted_at"] is not None
        back = c.get(f"/v1/customers/{source['id']}").json()
        assert back["merged_into"] is None
        assert [i["value"] for i in back["identities"]] == ["+447700900123"]
        assert c.get(f"/v1/interactions/{inter.json()['id']}").json()["customer_id"] == source["id"]
        assert c.get(f"/v1/notes/{note.json()['id']}").json()["customer_id"] == source["id"]
        assert c.post(f"/v1/merges/{m['id']}/revert").status_code == 409
        reverted = c.get("/v1/audit-log", params={"action": "customer.merge_reverted"}).json()
        assert reverted["items"][0]["resource_id"] == m["id"]


def test_timeline_is_newest_first_across_channels_and_pages(live: LiveServer) -> None:
    with live.client() as c:
        cust = c.post("/v1/customers", json={"name": "Timeline"}).json()
        c.post("/v1/dispositions", json={"code": "tl-sale", "label": "Sale"})
        made: list[str] = []
        for channel in ("voice", "chat", "email", "sms"):
            i = c.post("/v1/interactions", json={"channel": channel, "customer_id": cust["id"]})
            made.append(i.json()["id"])
            n = c.post("/v1/notes", json={"body": f"{channel} note", "interaction_id": made[-1]})
            made.append(n.json()["id"])
        for state in ("connected", "wrap_up"):
            c.post(f"/v1/interactions/{made[0]}/state", json={"state": state})
        c.post(f"/v1/interactions/{made[0]}/disposition", json={"code": "tl-sale"})
        entries = []
        cursor = None
        while True:
            params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
            page = c.get(f"/v1/customers/{cust['id']}/timeline", params=params).json()
            entries.extend(page["items"])
            cursor = page["next_cursor"]
            if not cursor:
                break
    assert len(entries) == 9
    assert [e["at"] for e in entries] == sorted((e["at"] for e in entries), reverse=True)
    assert entries[0]["kind"] == "disposition" and entries[0]["interaction_id"] == made[0]
    assert {e["kind"] for e in entries} == {"interaction", "note", "disposition"}
    channels = {e["data"].get("channel") for e in entries if e["kind"] == "interaction"}
    assert channels == {"voice", "chat", "email", "sms"}


CSV_WITH_BROKEN_ROWS = (
    "external_id,name,phone,email\n"
    "X-1,Carla Diaz,020 7946 0001,carla@example.com\n"
    "X-2,Bad Phone,12ab,bad@example.com\n"
    "X-3,Dan Evans,020 7946 0003,\n"
    "X-4,Bad Mail,,not-an-email\n"
    'X-5,"Quoted, Name",+44 20 7946 0005,q@example.com\n'
)


def test_csv_import_reports_bad_rows_and_keeps_good_ones(live: LiveServer) -> None:
    with live.client() as c:
        r = c.post(
            "/v1/customers/import",
            content=CSV_WITH_BROKEN_ROWS,
            headers={"content-type": "text/csv"},
        )
        assert r.status_code == 200, r.text
        report = r.json()
        assert (report["rows"], report["created"]) == (5, 3)
        assert [e["line"] for e in report["errors"]] == [3, 5]
        assert "12ab" in report["errors"][0]["reason"]
        again = c.post(
            "/v1/customers/import",
            content=CSV_WITH_BROKEN_ROWS,
            headers={"content-type": "text/csv"},
        ).json()
        assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 3)
        found = c.get("/v1/customers/lookup", params={"value": "+44 20 7946 0005"}).json()
        assert found["name"] == "Quoted, Name"


def test_csv_import_needs_csv_and_utf8(live: LiveServer) -> None:
    with live.client() as c:
        r = c.post("/v1/customers/import", json={"rows": []})
        assert r.status_code == 422 and "text/csv" in r.json()["detail"]
        r = c.post(
            "/v1/customers/import",
            content="name\n\xff\xfe".encode("latin-1"),
            headers={"content-type": "text/csv"},
        )
        assert r.status_code == 422 and "UTF-8" in r.json()["detail"]


def test_csv_export_streams_every_live_customer(live: LiveServer, ann: dict[str, object]) -> None:
    with live.client() as c, c.stream("GET", "/v1/customers/export") as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/csv")
        text = "".join(r.iter_text())
    assert text.splitlines()[0].startswith("external_id,name,phone,email")
    assert "Ann Smith" in text and "+442079460958" in text


def test_health(live: LiveServer) -> None:
    assert httpx.get(f"{live.base_url}/healthz").json() == {"status": "ok"}
