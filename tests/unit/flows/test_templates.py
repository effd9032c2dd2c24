from __future__ import annotations

import pytest

from agentfloor.flows.templates import lookup, render, render_value, template_problems

CONTEXT = {"name": "Ann", "order": {"id": "ORD-1", "total": 12.5, "items": [1, 2]}, "vip": True}


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("Hello {name}", "Hello Ann"),
        ("Order {order.id} costs {order.total}", "Order ORD-1 costs 12.5"),
        ("Missing: [{nobody}] [{order.nothing.deeper}]", "Missing: [] []"),
        ("Braces {{name}} stay", "Braces {name} stay"),
        ("VIP {vip}", "VIP true"),
        ("Items {order.items}", "Items [1, 2]"),
        ("{ name }", "Ann"),
    ],
    ids=["name", "path", "missing-is-empty", "escaped", "bool", "list-as-json", "spaces"],
)
def test_render_fills_placeholders(template: str, expected: str) -> None:
    assert render(template, CONTEXT) == expected


def test_render_for_url_percent_encodes_values_only() -> None:
    context = {"q": "a b/c?d"}
    assert render("https://x.example/s/{q}?x=1", context, url=True) == (
        "https://x.example/s/a%20b%2Fc%3Fd?x=1"
    )


def test_render_value_keeps_the_kind_of_a_lone_placeholder() -> None:
    body = {"total": "{order.total}", "text": "id {order.id}", "list": ["{order.items}", 3]}
    assert render_value(body, CONTEXT) == {
        "total": 12.5,
        "text": "id ORD-1",
        "list": [[1, 2], 3],
    }
    assert render_value(7, CONTEXT) == 7


@pytest.mark.parametrize(
    ("template", "fragment"),
    [
        ("Hello {", "lone '{'"),
        ("Hello }", "lone '}'"),
        ("Hello {1abc}", "not a placeholder"),
        ("Hello {}", "not a placeholder"),
        ("Hello {a b}", "not a placeholder"),
    ],
    ids=["open", "close", "digit-start", "empty", "space-inside"],
)
def test_template_problems_name_the_column(template: str, fragment: str) -> None:
    problems = template_problems(template)
    assert len(problems) == 1
    assert problems[0].startswith("column 7:")
    assert fragment in problems[0]


def test_good_templates_have_no_problems() -> None:
    assert template_problems("Hi {name}, {{literal}} {a.b_c}") == []


def test_lookup_stops_at_non_mappings() -> None:
    assert lookup(CONTEXT, "name.first") is None
    assert lookup(CONTEXT, "order.id") == "ORD-1"
