from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agentfloor.core.errors import InvalidInput
from agentfloor.routing import Expression, parse_expression
from agentfloor.routing.errors import ExpressionError

SPEC = (
    '"billing" IN worker.skills AND worker.level.billing >= 3 AND task.language IN worker.languages'
)
VALUE = "a value (string, number, list or worker./task. path)"
TERMINAL_NAMES = re.compile(
    r"\b(?:[LR]PAR|[LR]SQB|COMMA|STRING|NUMBER|PATH|WORD|OP|_[A-Z]+)\b|\$END"
)


def make_worker(**overrides: Any) -> dict[str, Any]:
    worker: dict[str, Any] = {
        "skills": ["billing", "sales"],
        "level": {"billing": 4, "sales": 1},
        "languages": ["en", "fr"],
    }
    worker.update(overrides)
    return worker


def matches(text: str, worker: dict[str, Any] | None = None, task: Any = None) -> bool:
    return parse_expression(text).matches(worker or {}, task or {})


# --- the spec example and the basics -------------------------------------------------------------


def test_spec_example_matches_only_a_skilled_levelled_speaker() -> None:
    expr = parse_expression(SPEC)
    assert expr.matches(make_worker(), {"language": "fr"})
    assert not expr.matches(make_worker(), {"language": "de"})
    assert not expr.matches(make_worker(level={"billing": 2}), {"language": "fr"})
    assert not expr.matches(make_worker(skills=["sales"]), {"language": "fr"})
    assert not expr.matches({}, {})
    assert expr.paths() == {
        "worker.skills",
        "worker.level.billing",
        "task.language",
        "worker.languages",
    }


@pytest.mark.parametrize("text", ["", "   ", "\n\t "], ids=["empty", "spaces", "whitespace"])
def test_blank_text_matches_everything(text: str) -> None:
    expr = parse_expression(text)
    assert expr.matches({}, {}) and expr.matches(make_worker(), {"x": 1})
    assert (expr.uses_task, expr.uses_worker, expr.paths()) == (False, False, frozenset())


@pytest.mark.parametrize(
    ("text", "uses_task", "uses_worker"),
    [
        ('worker.skills HAS "billing"', False, True),
        ('task.language == "en"', True, False),
        (SPEC, True, True),
        ("true", False, False),
        ('task.channel IN ["chat", worker.channel]', True, True),
    ],
    ids=["worker-only", "task-only", "both", "constant", "path-in-list"],
)
def test_uses_flags_follow_the_paths_read(text: str, uses_task: bool, uses_worker: bool) -> None:
    expr = parse_expression(text)
    assert (expr.uses_task, expr.uses_worker) == (uses_task, uses_worker)


def test_parses_are_cached_and_values_compare_by_source() -> None:
    assert parse_expression(SPEC) is parse_expression(SPEC)
    assert parse_expression(SPEC) == parse_expression(SPEC, loc="elsewhere")
    assert len({parse_expression(SPEC), parse_expression("worker.vip")}) == 2
    assert "_test" not in repr(parse_expression(SPEC))
    assert isinstance(parse_expression(SPEC), Expression)


# --- operators -----------------------------------------------------------------------------------

W = {
    "n": 3,
    "f": 2.5,
    "s": "billing",
    "flag": True,
    "off": False,
    "zero": 0,
    "tags": ["a", "b", 1],
    "obj": {"x": 1, "y": None},
    "empty": [],
}

OPERATOR_CASES = [
    ("worker.n == 3", True),
    ("worker.n = 3", True),
    ("worker.n == 3.0", True),
    ("worker.n != 4", True),
    ("worker.n != 3", False),
    ("worker.n < 4", True),
    ("worker.n <= 3", True),
    ("worker.n > 3", False),
    ("worker.n >= 3", True),
    ("worker.f > -1.5", True),
    ("worker.f < 2.5e0", False),
    ("-1 < worker.n", True),
    ('worker.s == "billing"', True),
    ("worker.s == 'billing'", True),
    ('worker.s < "c"', True),
    ('worker.s >= "billing"', True),
    ('"bill" IN worker.s', True),
    ('worker.s HAS "ill"', True),
    ('"a" IN worker.tags', True),
    ("1 IN worker.tags", True),
    ("1.0 IN worker.tags", True),
    ('"z" IN worker.tags', False),
    ('worker.tags HAS "b"', True),
    ('"x" IN worker.obj', True),
    ('worker.obj HAS "y"', True),
    ('worker.obj HAS "z"', False),
    ('worker.n IN ["3", 4]', False),
    ("worker.n IN [1, 2, 3]", True),
    ('worker.tags == ["a", "b", 1]', True),
    ('worker.tags == ["a", "b"]', False),
    ("worker.empty == []", True),
    ("worker.flag", True),
    ("worker.off", False),
    ("worker.zero", False),
    ("worker.empty", False),
    ("worker.missing", False),
    ("NOT worker.missing", True),
    ("worker.flag == true", True),
    ("worker.off == false", True),
    ("true", True),
    ("false", False),
    ("null", False),
    ("[]", False),
    ("1 < 2", True),
    ('"a" IN ["a"]', True),
]


@pytest.mark.parametrize(("text", "expected"), OPERATOR_CASES, ids=[c[0] for c in OPERATOR_CASES])
def test_every_operator(text: str, expected: bool) -> None:
    assert matches(text, W) is expected


# --- precedence ----------------------------------------------------------------------------------

PRECEDENCE_CASES = [
    # (text, attributes, result; the result the other grouping would give differs)
    ("worker.a OR worker.b AND worker.c", {"a": True}, True),  # (a OR b) AND c: False
    ("worker.c AND worker.b OR worker.a", {"a": True}, True),  # c AND (b OR a): False
    ("(worker.a OR worker.b) AND worker.c", {"a": True}, False),
    ("NOT worker.a AND worker.b", {}, False),  # NOT (a AND b): True
    ("NOT worker.a OR worker.b", {"a": True, "b": True}, True),  # NOT (a OR b): False
    ("NOT (worker.a AND worker.b)", {}, True),
    ("NOT NOT worker.a", {"a": 1}, True),
    ("NOT worker.n == 3", {"n": 3}, False),  # NOT applies to the whole comparison
]


@pytest.mark.parametrize(
    ("text", "worker", "expected"), PRECEDENCE_CASES, ids=[c[0] for c in PRECEDENCE_CASES]
)
def test_not_binds_tighter_than_and_which_binds_tighter_than_or(
    text: str, worker: dict[str, Any], expected: bool
) -> None:
    assert matches(text, worker) is expected


def test_keywords_are_case_insensitive() -> None:
    worker = {"a": True, "b": False, "l": ["x"], "n": None}
    assert matches('worker.a and not worker.b Or worker.l In ["y"]', worker)
    assert matches('worker.l HaS "x" AND worker.a == TRUE AND worker.b == False', worker)
    assert matches("worker.a AnD NoT worker.b", worker)
    assert not matches("worker.n == NULL", worker)


def test_keywords_may_name_attributes_and_appear_in_strings() -> None:
    worker = {"in": 1, "and": {"or": 2}, "note": "x AND y", "true": True}
    assert matches('worker.in == 1 AND worker.and.or == 2 AND "AND" IN worker.note', worker)
    assert matches("worker.true AND NOT worker.index", worker)


# --- None, types and odd data --------------------------------------------------------------------

NONE_AND_TYPE_CASES = [
    ("worker.missing == 1", False),
    ("worker.missing != 1", True),
    ("worker.missing != null", False),
    ("worker.missing == null", False),
    ("worker.n != null", True),
    ("worker.missing < 1", False),
    ("worker.missing >= 1", False),
    ('worker.n == "3"', False),
    ('worker.n != "3"', True),
    ('worker.n < "4"', False),
    ("worker.s > 1", False),
    ("worker.flag == 1", False),
    ("worker.flag >= 1", False),
    ("worker.zero == false", False),
    ("worker.tags < [1]", False),
    ("worker.obj > worker.obj", False),
    ('"a" IN worker.n', False),
    ('"a" IN worker.missing', False),
    ("null IN worker.tags", False),
    ("true IN worker.tags", False),  # bool is not a number: True is not 1
    ("worker.flag IN [1, 0]", False),
    ("worker.zero IN [false]", False),
    ("1 IN worker.s", False),
    ("1 IN worker.obj", False),
    ("worker.tags IN worker.tags", False),
    ('worker.n HAS "3"', False),
    ("worker.n.deeper == 3", False),
    ("worker.s.length > 0", False),
    ("worker.obj.y == null", False),
    ("worker.obj.y != 1", True),
    ("task.anything", False),
]


@pytest.mark.parametrize(
    ("text", "expected"), NONE_AND_TYPE_CASES, ids=[c[0] for c in NONE_AND_TYPE_CASES]
)
def test_none_and_type_mismatches_are_false_never_errors(text: str, expected: bool) -> None:
    assert matches(text, W) is expected


def test_any_mapping_works_at_the_top_and_inside() -> None:
    worker = MappingProxyType({"level": MappingProxyType({"billing": 3}), "skills": ("a",)})
    expr = parse_expression('worker.level.billing == 3 AND worker.skills HAS "a"')
    assert expr.matches(worker, MappingProxyType({}))


def test_non_json_values_never_raise() -> None:
    worker = {"o": object(), "b": b"bytes", "set": {1}}
    for text in ["worker.o == 1", "worker.o < 1", '"b" IN worker.b', "1 IN worker.set"]:
        assert not matches(text, worker)


# --- literals ------------------------------------------------------------------------------------

LITERAL_CASES = [
    (r'worker.s == "say \"hi\""', 'say "hi"'),
    (r"worker.s == 'it\'s'", "it's"),
    (r'worker.s == "a\\b"', "a\\b"),
    (r'worker.s == "tab\there\nnew\r/\/"', "tab\there\nnew\r//"),
    (r'worker.s == "caf\u00e9"', "café"),
    ("worker.s == 'caf\u00e9 \u4e2d'", "caf\u00e9 \u4e2d"),
    ("worker.s == ''", ""),
    ("worker.s == -0.5", -0.5),
    ("worker.s == 12e2", 1200.0),
    ("worker.s == -7", -7),
]


@pytest.mark.parametrize(("text", "value"), LITERAL_CASES, ids=[c[0] for c in LITERAL_CASES])
def test_literals_decode_to_their_values(text: str, value: Any) -> None:
    assert matches(text, {"s": value})


def test_lists_may_hold_paths() -> None:
    worker = {"primary": "en", "secondary": "fr", "pair": ["en", 2]}
    assert matches(
        "task.language IN [worker.primary, worker.secondary]", worker, {"language": "fr"}
    )
    assert not matches("task.language IN [worker.primary, worker.nope]", worker, {"language": "de"})
    assert matches("[task.language, 2] == worker.pair", worker, {"language": "en"})
    assert matches('task.language IN ["de", "es", worker.secondary]', worker, {"language": "fr"})
    assert matches('worker.pair HAS worker.primary AND ["x", task.language] HAS "x"', worker)


# --- errors --------------------------------------------------------------------------------------

ERROR_CASES = [
    ("()", 2, "a condition inside the parentheses"),
    ("worker.a AND ( )", 16, "a condition inside the parentheses"),
    ('worker.skills HAS "billing', 19, 'a closing " to end the string that starts here'),
    ("worker.s == 'x", 13, "a closing ' to end the string that starts here"),
    (r'worker.s == "a\q"', 15, r"a valid escape (\\, \", \', \/, \n, \t, \r or \uXXXX)"),
    ('agent.skills HAS "x"', 1, "a path starting with worker. or task., or a quoted string"),
    ("billing IN worker.skills", 1, "a path starting with worker. or task., or a quoted string"),
    ("worker == 1", 1, "a path starting with worker. or task., or a quoted string (got worker)"),
    ("worker.a == 1 1", 15, "one of: AND, OR, the end of the expression"),
    ("worker.level >=", 16, VALUE),
    ("worker.level >=  ", 18, VALUE),
    ("worker.a AND", 13, f"one of: {VALUE}, NOT, ("),
    ("== 3", 1, f"one of: {VALUE}, NOT, ("),
    ("worker.a == == 3", 13, VALUE),
    ("worker.a == @", 13, VALUE),
    (
        "(worker.a OR worker.b",
        22,
        "one of: an operator (==, !=, <, <=, >, >=, IN, HAS), AND, OR, )",
    ),
    (
        "worker.a)",
        9,
        "one of: an operator (==, !=, <, <=, >, >=, IN, HAS), AND, OR, the end of the expression",
    ),
    ('worker.l IN ["en" "fr"]', 19, "one of: a comma, ]"),
    ("worker.l IN [1,", 16, "a list item (string, number, true/false/null or worker./task. path)"),
    ('worker.l IN [["x"]]', 14, "one of: a list item (string, number, true/false/null or "),
    ("NOT " * 60 + "worker.a", 205, "at most 50 levels of nesting"),
]


@pytest.mark.parametrize(
    ("text", "column", "expected"),
    ERROR_CASES,
    ids=[
        "empty-parens",
        "empty-parens-spaced",
        "unterminated-double",
        "unterminated-single",
        "bad-escape",
        "unknown-root",
        "unquoted-word",
        "root-alone",
        "trailing-garbage",
        "missing-operand-at-end",
        "missing-operand-trailing-space",
        "missing-condition-after-and",
        "missing-left-operand",
        "double-operator",
        "bad-character",
        "unclosed-paren",
        "stray-close-paren",
        "list-missing-comma",
        "list-missing-item",
        "nested-list",
        "too-deep",
    ],
)
def test_syntax_errors_say_where_and_what(text: str, column: int, expected: str) -> None:
    with pytest.raises(ExpressionError) as info:
        parse_expression(text, loc="body.target_expression")
    error = info.value
    assert (error.source, error.column) == (text, column)
    assert error.expected.startswith(expected)
    assert not TERMINAL_NAMES.search(error.expected), error.expected
    assert isinstance(error, InvalidInput)
    assert error.problems[0].loc == "body.target_expression"
    assert f"column {column}" in error.message and text in error.message


def test_default_loc_is_expression() -> None:
    with pytest.raises(ExpressionError) as info:
        parse_expression("worker.a ==")
    assert info.value.problems[0].loc == "expression"


# --- generated expressions against a reference evaluator ----------------------------------------


@dataclass(frozen=True)
class Lit:
    value: Any


@dataclass(frozen=True)
class Path:
    root: str
    keys: tuple[str, ...]


@dataclass(frozen=True)
class ListOf:
    items: tuple[Lit | Path, ...]


@dataclass(frozen=True)
class Cmp:
    op: str
    left: Lit | Path | ListOf
    right: Lit | Path | ListOf


@dataclass(frozen=True)
class Truth:
    operand: Lit | Path | ListOf


@dataclass(frozen=True)
class Not:
    operand: Node


@dataclass(frozen=True)
class And:
    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    parts: tuple[Node, ...]


Node = Cmp | Truth | Not | And | Or
KEYS = ["a", "b"]  # few keys, so generated paths usually find a value
TEXT = st.one_of(
    st.sampled_from(["", "a", "b", "ab"]), st.text(alphabet="ab\"'\\\n\u00e9 ", max_size=3)
)
NUMBERS = st.one_of(
    st.integers(-2, 2), st.sampled_from([0.5, -1.5, 1.0, 2.0, 1e-7, 1e16]), st.floats(-4, 4)
)
SCALARS = st.one_of(st.none(), st.booleans(), NUMBERS, TEXT)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(KEYS), inner),
    max_leaves=5,
)
ATTRIBUTES = st.dictionaries(st.sampled_from(KEYS), st.one_of(SCALARS, JSON), min_size=1)
PATHS = st.builds(
    Path,
    st.sampled_from(["worker", "task"]),
    st.lists(st.sampled_from(KEYS), min_size=1, max_size=2).map(tuple),
)
ITEMS = st.one_of(SCALARS.map(Lit), PATHS)
OPERANDS = st.one_of(ITEMS, st.lists(ITEMS, max_size=3).map(lambda xs: ListOf(tuple(xs))))
OPS = ["==", "=", "!=", "<", "<=", ">", ">=", "IN", "HAS"]
CONSTANTS = st.one_of(
    TEXT.map(Lit), NUMBERS.map(Lit), st.lists(SCALARS.map(Lit)).map(lambda xs: ListOf(tuple(xs)))
)
COMPARISONS = st.one_of(
    st.builds(Cmp, st.sampled_from(OPS), OPERANDS, OPERANDS),
    # The shapes the compiler specialises, and paths on both sides, drawn more often.
    st.builds(Cmp, st.sampled_from(OPS), PATHS, st.one_of(CONSTANTS, PATHS)),
    st.builds(Cmp, st.sampled_from(OPS), CONSTANTS, PATHS),
)
LEAVES = st.one_of(COMPARISONS, st.builds(Truth, OPERANDS))
TREES: st.SearchStrategy[Node] = st.recursive(
    LEAVES,
    lambda inner: st.one_of(
        st.builds(Not, inner),
        st.lists(inner, min_size=2, max_size=4).map(lambda xs: And(tuple(xs))),
        st.lists(inner, min_size=2, max_size=4).map(lambda xs: Or(tuple(xs))),
    ),
    max_leaves=6,
)


def kind(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__  # str, list, dict


def same(a: Any, b: Any) -> bool:
    if kind(a) != kind(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return bool(a == b)


def contains(container: Any, item: Any) -> bool:
    if item is None:
        return False
    if isinstance(container, list):
        return any(item is not None and x is not None and same(item, x) for x in container)
    if isinstance(container, str | dict):
        return isinstance(item, str) and item in container
    return False


def compare(op: str, a: Any, b: Any) -> bool:
    if op in ("==", "="):
        return a is not None and b is not None and same(a, b)
    if op == "!=":
        if a is None and b is None:
            return False
        return a is None or b is None or not same(a, b)
    if op == "IN":
        return contains(b, a)
    if op == "HAS":
        return contains(a, b)
    if kind(a) != kind(b) or kind(a) not in ("number", "str"):
        return False
    return bool({"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op])


def value_of(operand: Lit | Path | ListOf, worker: dict[str, Any], task: dict[str, Any]) -> Any:
    if isinstance(operand, Lit):
        return operand.value
    if isinstance(operand, ListOf):
        return [value_of(item, worker, task) for item in operand.items]
    value: Any = worker if operand.root == "worker" else task
    for key in operand.keys:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def evaluate(node: Node, worker: dict[str, Any], task: dict[str, Any]) -> bool:
    if isinstance(node, Cmp):
        return compare(
            node.op, value_of(node.left, worker, task), value_of(node.right, worker, task)
        )
    if isinstance(node, Truth):
        return bool(value_of(node.operand, worker, task))
    if isinstance(node, Not):
        return not evaluate(node.operand, worker, task)
    if isinstance(node, And):
        return all(evaluate(part, worker, task) for part in node.parts)
    return any(evaluate(part, worker, task) for part in node.parts)


def render_value(value: Any, rnd: random.Random) -> str:
    if value is None or isinstance(value, bool):
        word = {None: "null", True: "true", False: "false"}[value]
        return rnd.choice([word, word.upper(), word.title()])
    if isinstance(value, int | float):
        return repr(value)
    quote = rnd.choice("\"'")
    escapes = {"\\": "\\\\", quote: "\\" + quote, "\n": rnd.choice(["\\n", "\n"])}
    body = "".join(
        f"\\u{ord(c):04x}" if c == "\u00e9" and rnd.random() < 0.5 else escapes.get(c, c)
        for c in value
    )
    return quote + body + quote


def render_operand(operand: Lit | Path | ListOf, rnd: random.Random) -> str:
    if isinstance(operand, Lit):
        return render_value(operand.value, rnd)
    if isinstance(operand, Path):
        return ".".join((operand.root, *operand.keys))
    return "[" + ", ".join(render_operand(item, rnd) for item in operand.items) + "]"


def keyword(word: str, rnd: random.Random) -> str:
    return rnd.choice([word, word.lower(), word.title()])


LEVEL = {Or: 1, And: 2, Not: 3, Cmp: 4, Truth: 4}


def render(node: Node, rnd: random.Random, needs: int = 0) -> str:
    if isinstance(node, Cmp):
        op = keyword(node.op, rnd)
        text = f"{render_operand(node.left, rnd)} {op} {render_operand(node.right, rnd)}"
    elif isinstance(node, Truth):
        text = render_operand(node.operand, rnd)
    elif isinstance(node, Not):
        text = f"{keyword('NOT', rnd)} {render(node.operand, rnd, 3)}"
    else:
        word, level = ("AND", 3) if isinstance(node, And) else ("OR", 2)
        text = f" {keyword(word, rnd)} ".join(render(part, rnd, level) for part in node.parts)
    if LEVEL[type(node)] < needs or rnd.random() < 0.1:  # needed parentheses, or a few spare
        return f"({text})"
    return text


def paths_of(node: Node | Lit | Path | ListOf) -> set[str]:
    if isinstance(node, Path):
        return {".".join((node.root, *node.keys))}
    children: tuple[Any, ...] = ()
    if isinstance(node, Cmp):
        children = (node.left, node.right)
    elif isinstance(node, Truth | Not):
        children = (node.operand,)
    elif isinstance(node, And | Or):
        children = node.parts
    elif isinstance(node, ListOf):
        children = node.items
    return set().union(*(paths_of(child) for child in children))


def as_operand(value: Any, root: str, key: str, use_path: bool) -> Lit | Path | ListOf:
    """A literal for the value when the language can write one, else the path that holds it."""
    if (
        isinstance(value, list)
        and not use_path
        and not any(isinstance(x, list | dict) for x in value)
    ):
        return ListOf(tuple(Lit(x) for x in value))
    if use_path or isinstance(value, list | dict):
        return Path(root, (key,))
    return Lit(value)


@settings(max_examples=1000)
@given(st.sampled_from(OPS), st.booleans(), st.booleans(), st.randoms(), st.data())
def test_each_operator_agrees_with_a_reference_evaluator_on_any_two_values(
    op: str, left_is_path: bool, right_is_path: bool, rnd: random.Random, data: st.DataObject
) -> None:
    # Both values are read through paths that always resolve, or written as literals, so every
    # shape the compiler specialises (constant left, constant right, two paths) meets every kind.
    # The second value is often made from the first (itself, an item, a key, a character).
    first = data.draw(JSON)
    related = [first, *(list(first) if isinstance(first, str | list | dict) else [])]
    second = data.draw(st.one_of(JSON, st.sampled_from(related)))
    a, b = (first, second) if rnd.random() < 0.5 else (second, first)
    worker, task = {"a": a}, {"b": b}
    node = Cmp(
        op, as_operand(a, "worker", "a", left_is_path), as_operand(b, "task", "b", right_is_path)
    )
    text = render(node, rnd)
    assert parse_expression(text).matches(worker, task) is evaluate(node, worker, task), text


@settings(max_examples=400)
@given(TREES, ATTRIBUTES, ATTRIBUTES, st.randoms())
def test_compiled_matching_agrees_with_a_reference_evaluator(
    node: Node, worker: dict[str, Any], task: dict[str, Any], rnd: random.Random
) -> None:
    text = render(node, rnd)
    expr = parse_expression(text)
    assert expr.matches(worker, task) is evaluate(node, worker, task), text
    paths = paths_of(node)
    assert expr.paths() == paths
    assert expr.uses_worker == any(p.startswith("worker.") for p in paths)
    assert expr.uses_task == any(p.startswith("task.") for p in paths)


TOKENS = [
    "worker.a", "task.b", "agent.c", "x", "AND", "or", "Not", "IN", "has", "==", "=", "!=", "<",
    ">=", "(", ")", "[", "]", ",", '"s"', "'t'", '"', "\\", "1", "-2.5", "true", "null", "@", ".",
]  # fmt: skip


@settings(max_examples=400)
@given(
    st.one_of(st.text(max_size=40), st.lists(st.sampled_from(TOKENS), max_size=12).map(" ".join)),
    ATTRIBUTES,
)
def test_any_text_parses_or_raises_expression_error(text: str, worker: dict[str, Any]) -> None:
    try:
        expr = parse_expression(text)
    except ExpressionError as error:
        assert 1 <= error.column <= len(text) + 1
        # The "(got ...)" part quotes the user's own text, which may look like anything.
        wording = error.expected.split(" (got ", 1)[0]
        assert not TERMINAL_NAMES.search(wording), error.expected
        return
    assert expr.matches(worker, worker) in (True, False)


def test_nan_is_never_equal_or_ordered() -> None:
    assert not matches("worker.x == worker.x", {"x": math.nan})
    assert not matches("worker.x < 1 OR worker.x >= 1", {"x": math.nan})
