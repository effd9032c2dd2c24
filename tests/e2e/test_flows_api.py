"""Uploading contact flows over HTTP: every problem listed by path, versions published."""

from __future__ import annotations

from importlib import resources

from agentfloor.access.model import Role
from tests.e2e.server import LiveServer

YAML = {"content-type": "application/yaml"}

GOOD = """
name: Front door
start: hello
blocks:
  hello: {type: message, text: "Hi {name}", next: bye}
  bye: {type: end, message: "Bye"}
"""

BROKEN = """
name: Broken
start: hello
blocks:
  hello: {type: mesage, text: "typo in the type", next: bye}
  ask: {type: condition, expression: "task.x ==", then: bye, else: nowhere}
  bye: {type: end}
"""


def test_publish_versions_and_read_them_back(live: LiveServer) -> None:
    with live.client() as c:
        first = c.post("/v1/flows", content=GOOD, headers=YAML)
        assert first.status_code == 201, first.text
        assert first.json()["version"] == 1
        second = c.post("/v1/flows", content=GOOD.replace("Bye", "Goodbye"), headers=YAML)
        assert second.status_code == 201
        fid = first.json()["flow_id"]
        assert second.json()["flow_id"] == fid and second.json()["version"] == 2
        versions = c.get(f"/v1/flows/{fid}/versions").json()
        assert [v["version"] for v in versions] == [1, 2]
        v1 = c.get(f"/v1/flows/{fid}/versions/1").json()
        assert "Bye" in v1["source"] and "Goodbye" not in v1["source"]  # versions never change
        assert any(f["flow_id"] == fid and f["version"] == 2 for f in c.get("/v1/flows").json())
        assert c.get(f"/v1/flows/{fid}/versions/9").status_code == 404


def test_a_shipped_example_is_checked_against_the_tenants_queues(live: LiveServer) -> None:
    text = (resources.files("agentfloor.flows") / "examples" / "survey.yaml").read_text()
    with live.client() as c:
        r = c.post("/v1/flows", content=text, headers=YAML)
        assert r.status_code == 422  # it names a queue this tenant does not have
        assert [e["loc"] for e in r.json()["errors"]] == ["blocks.offer_call.queue_id"]
        assert "team_leads" in r.json()["detail"]


def test_an_invalid_document_lists_every_problem_by_path(live: LiveServer) -> None:
    with live.client() as c:
        r = c.post("/v1/flows", content=BROKEN, headers=YAML)
        assert r.status_code == 422
        assert r.headers["content-type"].startswith("application/problem+json")
        locs = {e["loc"] for e in r.json()["errors"]}
        assert "blocks.hello.type" in locs
        assert "blocks.ask.expression" in locs
        assert "blocks.ask.else" in locs
        assert c.get("/v1/flows").json() == [] or all(
            f["name"] != "Broken" for f in c.get("/v1/flows").json()
        )
        bad_yaml = c.post("/v1/flows", content="name: [unclosed", headers=YAML)
        assert bad_yaml.status_code == 422 and "line" in bad_yaml.json()["detail"].lower()
        wrong_type = c.post("/v1/flows", content=GOOD, headers={"content-type": "text/plain"})
        assert wrong_type.status_code == 422 and "application/yaml" in wrong_type.json()["detail"]
        binary = c.post("/v1/flows", content=b"\xff\xfe\x00", headers=YAML)
        assert binary.status_code == 422


def test_only_admins_publish(live: LiveServer) -> None:
    with live.client(role=Role.SUPERVISOR) as c:
        assert c.post("/v1/flows", content=GOOD, headers=YAML).status_code == 403
