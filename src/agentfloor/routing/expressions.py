"""Target expressions: the small language that says which workers may take which tasks.

This module owns the grammar, the error messages and the match semantics of expressions such as
`"billing" IN worker.skills AND worker.level.billing >= 3 AND task.language IN worker.languages`.
It parses with lark, a well-kept parsing library, because the whole language then reads in one
place (`GRAMMAR`) and its LALR(1) parser reports exact error positions; nothing is ever `eval`-ed.
A parse is compiled once into nested closures and cached on the source text: the router calls
`Expression.matches` hundreds of thousands of times.

Semantics (values are JSON-like: dict, list, str, int, float, bool, None):
- A path (`worker.level.billing`) reads nested keys; a missing key or a non-object on the way
  gives None. Used alone as a condition it is a truthiness test (`worker.vip`).
- `== < <= > >=` are False when either side is None or the kinds differ (str vs number; bool is
  not a number). Order is defined for two numbers or two strings only; lists and objects are equal
  when their items are. `!=` is True when exactly one side is None, False when both are, else the
  negation of `==` (so `"1" != 1` is True: values of different kinds are unequal).
- `a IN b`: `a` is an item of list `b`, a substring of string `b`, or a key of object `b`.
  `b HAS a` means the same. None or a non-container gives False; nothing here raises.
"""

from __future__ import annotations

import functools
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, TypeAlias

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from agentfloor.routing.errors import ExpressionError

__all__ = ["GRAMMAR", "Expression", "parse_expression"]

# LALR(1). Precedence comes from the rule nesting: OR over AND over NOT over a comparison.
# Keywords are case-insensitive regexes with priority 2 so that `in` beats PATH, and `\b` so
# that `index.x` stays a path; a path is one token, its root is checked when compiling.
GRAMMAR: Final = r"""
?start: or_test
?or_test: and_test (_OR and_test)*
?and_test: not_test (_AND not_test)*
?not_test: _NOT not_test -> negation
         | "(" or_test ")"
         | operand OP operand -> comparison
         | operand
?operand: value | list
?value: STRING -> string | NUMBER -> number | PATH -> path | WORD -> word
list: "[" "]" | "[" value ("," value)* "]"

OP.2: /==|!=|<=|>=|<|>|=|(?:in|has)\b/i
WORD.2: /(?:true|false|null)\b/i
_AND.2: /and\b/i
_OR.2: /or\b/i
_NOT.2: /not\b/i
STRING: /"(?:[^"\\]|\\["'\\\/ntr]|\\u[0-9a-fA-F]{4})*"/
      | /'(?:[^'\\]|\\["'\\\/ntr]|\\u[0-9a-fA-F]{4})*'/
NUMBER: /-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/
PATH: /[^\W\d]\w*(?:\.[^\W\d]\w*)*/
%ignore /\s+/
"""

ROOTS: Final = ("worker", "task")
MAX_DEPTH: Final = 50  # nested NOT / parentheses; deeper would only exhaust Python's stack

Attributes: TypeAlias = Mapping[str, Any]
_Test: TypeAlias = Callable[[Attributes, Attributes], bool]
_Get: TypeAlias = Callable[[Attributes, Attributes], Any]

_VALUE = "a value (string, number, list or worker./task. path)"
_ITEM = "a list item (string, number, true/false/null or worker./task. path)"
_OPERATOR = "an operator (==, !=, <, <=, >, >=, IN, HAS)"
_WORDS: Final = {
    "_NOT": "NOT", "LPAR": "(", "_AND": "AND", "_OR": "OR", "RPAR": ")", "COMMA": "a comma",
    "RSQB": "]", "$END": "the end of the expression",
}  # fmt: skip
_ESCAPE: Final = re.compile(r"\\(u[0-9a-fA-F]{4}|.)", re.DOTALL)  # in a lexed string, valid
_ESCAPES: Final = {'"': '"', "'": "'", "\\": "\\", "/": "/", "n": "\n", "t": "\t", "r": "\r"}


@dataclass(frozen=True, slots=True)
class Expression:
    """A parsed target expression; build it with `parse_expression`, then call `matches`.

    Attributes:
        source: The text as written.
        uses_task: True if any `task.` path is read (a queue expression usually reads none).
        uses_worker: True if any `worker.` path is read.
    """

    source: str
    uses_task: bool
    uses_worker: bool
    _paths: frozenset[str]
    _test: _Test = field(repr=False, compare=False)

    def matches(self, worker: Attributes, task: Attributes) -> bool:
        """Whether a worker with these attributes may take a task with these; never raises."""
        return self._test(worker, task)

    def paths(self) -> frozenset[str]:
        """Every path the expression reads, e.g. `{"worker.skills", "task.language"}`."""
        return self._paths


def parse_expression(text: str, *, loc: str = "expression") -> Expression:
    """Parse and compile a target expression; empty or blank text matches every worker.

    Args:
        text: The expression, e.g. `worker.skills HAS "billing" AND NOT worker.trainee`.
        loc: Where the text came from, for the 422 problem (e.g. `body.target_expression`).

    Raises:
        ExpressionError: The text does not parse; `column` (1-based, counting characters from
            the start of the text) and `expected` say where and what would have fitted.
    """
    try:
        return _compile(text)
    except ExpressionError as exc:
        if loc == "expression":
            raise
        raise ExpressionError(text, exc.column, exc.expected, loc=loc) from None


@functools.lru_cache(maxsize=4096)
def _compile(text: str) -> Expression:
    if not text.strip():
        return Expression(text, uses_task=False, uses_worker=False, _paths=frozenset(), _test=_all)
    try:
        tree = _parser().parse(text)
    except UnexpectedInput as exc:
        raise _syntax_error(text, exc) from None
    compiler = _Compiler(text)
    test, paths = compiler.test(tree, 0), frozenset(compiler.paths)
    roots = {path.split(".", 1)[0] for path in paths}
    return Expression(text, "task" in roots, "worker" in roots, _paths=paths, _test=test)


@functools.cache
def _parser() -> Lark:
    # Built on first use, not at import (STYLE: nothing at import).
    return Lark(GRAMMAR, parser="lalr", propagate_positions=True, maybe_placeholders=False)


def _all(worker: Attributes, task: Attributes) -> bool:
    return True


# --- errors -------------------------------------------------------------------------------------


def _syntax_error(text: str, exc: UnexpectedInput) -> ExpressionError:
    """Turn lark's error into a column and words a person can act on."""
    if isinstance(exc, UnexpectedToken) and exc.token.type == "$END":
        pos = len(text)
    else:
        pos = exc.pos_in_stream if exc.pos_in_stream is not None else len(text)
    if isinstance(exc, UnexpectedCharacters) and text[pos] in "\"'":
        column, expected = _string_problem(text, pos)
        return ExpressionError(text, column + 1, expected)
    if text[pos : pos + 1] == ")" and text[:pos].rstrip().endswith("("):
        return ExpressionError(text, pos + 1, "a condition inside the parentheses")
    return ExpressionError(text, pos + 1, _expected_words(_accepts(text[:pos], exc)))


def _accepts(prefix: str, exc: UnexpectedInput) -> set[str]:
    # LALR may reduce on a bad lookahead before failing, and lark's sets then describe the
    # reduced state (or merged look-aheads). Replaying the good prefix gives the exact set.
    try:
        parser = _parser().parse_interactive(prefix)
        parser.exhaust_lexer()
        accepted: set[str] = parser.accepts()  # type: ignore[no-untyped-call]  # lark lacks hints
        return accepted
    except UnexpectedInput:  # pragma: no cover - the prefix parsed a moment ago
        return set(getattr(exc, "expected", ()))


def _expected_words(names: set[str]) -> str:
    words: list[str] = []
    if "LSQB" in names:
        words.append(_VALUE)
    elif "STRING" in names:
        words.append(_ITEM)
    if "OP" in names:
        words.append(_OPERATOR)
    words += [word for name, word in _WORDS.items() if name in names]
    return words[0] if len(words) == 1 else "one of: " + ", ".join(words)


def _string_problem(text: str, start: int) -> tuple[int, str]:
    """Say why the string starting at `start` did not lex: a bad escape or no closing quote."""
    quote = text[start]
    string = re.compile(rf"{quote}(?:[^{quote}\\]|\\.)*{quote}", re.DOTALL).match(text, start)
    if string is None:
        return start, f"a closing {quote} to end the string that starts here"
    for escape in _ESCAPE.finditer(text, start, string.end()):
        if escape[1] not in _ESCAPES and len(escape[1]) != 5:
            return escape.start(), "a valid escape (\\\\, \\\", \\', \\/, \\n, \\t, \\r or \\uXXXX)"
    return start, "a valid string"  # pragma: no cover - lexing failed for one of the above


def _unquote(token: str) -> str:
    return _ESCAPE.sub(lambda m: _ESCAPES.get(m[1]) or chr(int(m[1][1:], 16)), token[1:-1])


# --- compiling ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Const:
    """An operand known when compiling (a literal, or a list of literals)."""

    value: Any


def _none(worker: Attributes, task: Attributes) -> bool:
    return False


class _Compiler:
    """Walks the lark tree once and returns closures; records the paths it reads."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.paths: set[str] = set()

    def test(self, node: Tree[Token] | Token, depth: int) -> _Test:
        if depth > MAX_DEPTH:
            start = node.meta.start_pos if isinstance(node, Tree) else node.start_pos or 0
            raise ExpressionError(self.text, start + 1, f"at most {MAX_DEPTH} levels of nesting")
        if isinstance(node, Tree) and node.data in ("or_test", "and_test", "negation"):
            parts = [self.test(child, depth + 1) for child in node.children]
            if node.data == "negation":
                return _negate(parts[0])
            return _any(parts) if node.data == "or_test" else _every(parts)
        if isinstance(node, Tree) and node.data == "comparison":
            left, op, right = node.children
            return _comparison(self.operand(left), str(op).lower(), self.operand(right))
        operand = self.operand(node)  # a value alone is a truthiness test
        if isinstance(operand, _Const):
            return _all if operand.value else _none
        return lambda w, t: bool(operand(w, t))

    def operand(self, node: Tree[Token] | Token) -> _Get | _Const:
        """Return a getter for a path (or a list holding one), else the constant."""
        assert isinstance(node, Tree)  # every operand is an aliased rule, never a bare token
        if node.data == "list":
            items = [self.operand(child) for child in node.children]
            if all(isinstance(item, _Const) for item in items):
                return _Const([item.value for item in items if isinstance(item, _Const)])
            getters = [_constant(i.value) if isinstance(i, _Const) else i for i in items]
            return lambda w, t: [get(w, t) for get in getters]
        token = node.children[0]
        assert isinstance(token, Token)  # values are single tokens
        text = str(token)
        if node.data == "path":
            return self.path(token)
        if node.data == "string":
            return _Const(_unquote(text))
        if node.data == "number":
            return _Const(float(text) if any(c in text for c in ".eE") else int(text))
        return _Const({"true": True, "false": False}.get(text.lower()))

    def path(self, token: Token) -> _Get:
        root, *keys = str(token).split(".")
        if root not in ROOTS or not keys:
            raise ExpressionError(
                self.text,
                (token.start_pos or 0) + 1,
                f"a path starting with worker. or task., or a quoted string (got {token})",
            )
        self.paths.add(str(token))
        return _path_getter(root == "worker", tuple(keys))


def _constant(value: Any) -> _Get:
    return lambda w, t: value


def _negate(test: _Test) -> _Test:
    return lambda w, t: not test(w, t)


def _every(parts: list[_Test]) -> _Test:
    if len(parts) == 2:
        a, b = parts
        return lambda w, t: a(w, t) and b(w, t)
    if len(parts) == 3:
        a, b, c = parts
        return lambda w, t: a(w, t) and b(w, t) and c(w, t)
    return lambda w, t: all(part(w, t) for part in parts)  # a loop: long chains stay flat


def _any(parts: list[_Test]) -> _Test:
    return lambda w, t: any(part(w, t) for part in parts)


def _path_getter(on_worker: bool, keys: tuple[str, ...]) -> _Get:
    first, rest = keys[0], keys[1:]
    if not rest:
        return (lambda w, t: w.get(first)) if on_worker else (lambda w, t: t.get(first))

    def get(worker: Attributes, task: Attributes) -> Any:
        value = (worker if on_worker else task).get(first)
        for key in rest:
            if type(value) is not dict and not isinstance(value, Mapping):
                return None
            value = value.get(key)
        return value

    return get


# --- values -------------------------------------------------------------------------------------

_NONE, _BOOL, _NUM, _STR, _LIST, _OBJ, _OTHER = range(7)
_KINDS: Final = {
    type(None): _NONE, bool: _BOOL, int: _NUM, float: _NUM, str: _STR,
    list: _LIST, tuple: _LIST, dict: _OBJ,
}  # fmt: skip


def _kind(value: Any) -> int:
    kind = _KINDS.get(type(value))
    if kind is not None:
        return kind
    if isinstance(value, int | float):  # subclasses; bool cannot be subclassed
        return _NUM
    if isinstance(value, str):
        return _STR
    if isinstance(value, Mapping):
        return _OBJ
    return _LIST if isinstance(value, list | tuple) else _OTHER


def _same(a: Any, b: Any) -> bool:
    """Structural equality by kind: `True` is not `1`; inside containers None equals None."""
    kind = _kind(a)
    if kind != _kind(b) or kind == _OTHER:
        return False
    if kind == _LIST:
        return len(a) == len(b) and all(map(_same, a, b))
    if kind == _OBJ:
        return len(a) == len(b) and all(k in b and _same(v, b[k]) for k, v in a.items())
    return bool(a == b)


def _eq(a: Any, b: Any) -> bool:
    return a is not None and b is not None and _same(a, b)


def _ne(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return (a is None) != (b is None)
    return not _same(a, b)


def _ordered(compare: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    def ordered(a: Any, b: Any) -> bool:
        kind = _kind(a)
        return kind in (_NUM, _STR) and kind == _kind(b) and compare(a, b)

    return ordered


def _in(item: Any, container: Any) -> bool:
    """`item IN container`: list item, substring, or object key; anything else is False."""
    if item is None:
        return False
    kind = _kind(container)
    if kind == _LIST:
        if type(item) is str:  # a str equals only a str, so Python's `in` is exact
            return item in container
        return any(_eq(item, x) for x in container)
    if kind in (_STR, _OBJ):
        return _kind(item) == _STR and item in container
    return False


_ORDER: Final[dict[str, Callable[[Any, Any], bool]]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}  # fmt: skip
_OPERATORS: Final[dict[str, Callable[[Any, Any], bool]]] = {
    "==": _eq, "=": _eq, "!=": _ne, "in": _in, "has": lambda a, b: _in(b, a),
    **{op: _ordered(compare) for op, compare in _ORDER.items()},
}  # fmt: skip


def _comparison(left: _Get | _Const, op: str, right: _Get | _Const) -> _Test:
    fn = _OPERATORS[op]
    if isinstance(left, _Const):
        a = left.value
        if isinstance(right, _Const):
            return _all if fn(a, right.value) else _none
        get_b = right
        if op == "in" and type(a) is str:  # "billing" IN worker.skills, the commonest shape
            return _has_str(get_b, a)
        return lambda w, t: fn(a, get_b(w, t))
    get_a = left
    if isinstance(right, _Const):
        # Shapes the router meets most get a closure that skips the checks `fn` would make.
        b = right.value
        if op == "has" and type(b) is str:
            return _has_str(get_a, b)
        if op in ("==", "=", "!=") and type(b) is str:
            # A str equals only a str, so Python's == and != agree with `_eq` and `_ne` here.
            if op == "!=":
                return lambda w, t: get_a(w, t) != b
            return lambda w, t: get_a(w, t) == b
        if op in _ORDER and _kind(b) == _NUM:
            return _order_number(get_a, _ORDER[op], b)
        return lambda w, t: fn(get_a(w, t), b)
    get_b = right
    return lambda w, t: fn(get_a(w, t), get_b(w, t))


def _has_str(get: _Get, item: str) -> _Test:
    def test(worker: Attributes, task: Attributes) -> bool:
        container = get(worker, task)
        return item in container if type(container) is list else _in(item, container)

    return test


def _order_number(get: _Get, compare: Callable[[Any, Any], bool], number: Any) -> _Test:
    def test(worker: Attributes, task: Attributes) -> bool:
        value = get(worker, task)
        return (type(value) in (int, float) or _kind(value) == _NUM) and compare(value, number)

    return test
