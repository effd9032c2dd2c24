"""Uploading a flow: read the YAML/JSON document, check all of it, and report every problem.

`parse_flow` is what the admin API calls with an uploaded document; it raises `FlowInvalid` (a
422) listing each problem with a path such as `blocks.greet.next`, never only the first one. The
checks: YAML syntax (line and column), duplicate keys and aliases, the top-level shape, each block's
fields (`schema`), branches naming blocks that do not exist, blocks that cannot be reached from
`start`, and loops with no way out: strongly connected components (Tarjan) from which no terminal
block (end, enqueue, transfer) can be reached. Hand-written graph code: it is thirty lines, and a
graph library would be a dependency for one algorithm.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Iterator
from typing import Final

import yaml  # type: ignore[import-untyped]  # PyYAML ships no type hints (types-PyYAML does)

from agentfloor.core.errors import ProblemDetail
from agentfloor.flows.errors import FlowInvalid
from agentfloor.flows.fields import Context
from agentfloor.flows.hours import timezone_problem
from agentfloor.flows.model import (
    Block,
    EndBlock,
    EnqueueBlock,
    Flow,
    FlowDefinition,
    TransferBlock,
)
from agentfloor.flows.schema import BLOCK_TYPES, read_block

__all__ = [
    "MAX_BLOCKS",
    "MAX_DEPTH",
    "MAX_DOCUMENT_CHARS",
    "load_document",
    "parse_flow",
    "validate_flow",
]

MAX_DOCUMENT_CHARS: Final = 512_000
MAX_BLOCKS: Final = 1000
MAX_DEPTH: Final = 32  # nested mappings and lists; a flow document needs about six
_TOP: Final = ("name", "description", "start", "timezone", "blocks")
_BLOCK_ID: Final = re.compile(r"^[^\W\d][\w-]{0,63}$")
_TERMINALS: Final = "an end, enqueue or transfer block"
_TERMINAL_KINDS: Final = frozenset({EndBlock.kind, EnqueueBlock.kind, TransferBlock.kind})


def parse_flow(
    text: str,
    *,
    flow_id: str,
    tenant_id: str,
    version: int,
    now: float,
    skills: Collection[str] | None = None,
    queues: Collection[str] | None = None,
    workflows: Collection[str] | None = None,
) -> Flow:
    """Read and fully check an uploaded flow document; return it as a published version.

    Args:
        text: The document, YAML or JSON.
        flow_id: The flow's id (every version of one flow shares it).
        tenant_id: The tenant that owns it.
        version: The version number the store assigns (1, 2, ...).
        now: Publication time, epoch seconds.
        skills: The tenant's AI skill names, to refuse unknown ones; None not to check.
        queues: The tenant's queue ids, likewise.
        workflows: The tenant's workflow ids, likewise.

    Raises:
        FlowInvalid: Every problem of the document, each with its path.
    """
    definition = validate_flow(
        load_document(text), skills=skills, queues=queues, workflows=workflows
    )
    return Flow(
        id=flow_id,
        tenant_id=tenant_id,
        name=definition.name,
        version=version,
        start=definition.start,
        blocks=definition.blocks,
        created_at=now,
        description=definition.description,
        source=text,
    )


def load_document(text: str) -> object:
    """Parse YAML (or JSON, which YAML reads too) with `yaml.safe_load`; refuse what misleads.

    Duplicate keys (YAML keeps the last one silently), aliases (which can expand a small
    document into a huge one) and nesting deeper than `MAX_DEPTH` are refused.

    Raises:
        FlowInvalid: A syntax error with its line and column, a duplicate key, an alias, or a
            document over `MAX_DOCUMENT_CHARS` or `MAX_DEPTH`.
    """
    if len(text) > MAX_DOCUMENT_CHARS:
        too_long = f"the document is over {MAX_DOCUMENT_CHARS} characters; split the flow"
        raise FlowInvalid([ProblemDetail("document", too_long)])
    try:
        depth = 0
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            # PyYAML's scanner is quadratic in nesting depth (4000 levels take seconds), so
            # refuse deep documents as the events stream in, before anything is built.
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    too_deep = f"the document nests over {MAX_DEPTH} levels; a flow needs few"
                    raise FlowInvalid([ProblemDetail("document", too_deep)])
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
            elif isinstance(event, yaml.AliasEvent):
                line = event.start_mark.line + 1
                alias = f"line {line}: aliases (*name) are not supported; write the value out"
                raise FlowInvalid([ProblemDetail("document", alias)])
        problems = list(_duplicate_keys(yaml.compose(text, Loader=yaml.SafeLoader), "document"))
        if problems:
            raise FlowInvalid(problems)
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        reason = getattr(exc, "problem", None) or str(exc)
        syntax = f"YAML syntax error{where}: {reason}"
        raise FlowInvalid([ProblemDetail("document", syntax)]) from None


def validate_flow(
    doc: object,
    *,
    skills: Collection[str] | None = None,
    queues: Collection[str] | None = None,
    workflows: Collection[str] | None = None,
) -> FlowDefinition:
    """Check a parsed document completely and return its typed blocks.

    Raises:
        FlowInvalid: Every problem found, in document order, then the graph problems.
    """
    if not isinstance(doc, dict):
        kind = "nothing" if doc is None else f"a {type(doc).__name__}"
        shape = f"a flow is a mapping with `name`, `start` and `blocks`; this document is {kind}"
        raise FlowInvalid([ProblemDetail("document", shape)])
    ctx = Context(skills=skills, queues=queues, workflows=workflows)
    add = ctx.problems.append
    for key in doc:
        if key not in _TOP:
            unknown = f"unknown field `{key}`; known: {', '.join(_TOP)}"
            add(ProblemDetail(str(key) or "document", unknown))
    name, description = doc.get("name"), doc.get("description", "")
    if not isinstance(name, str) or not name.strip():
        add(ProblemDetail("name", "missing `name`: give the flow a name people will recognise"))
    if not isinstance(description, str):
        add(ProblemDetail("description", "`description` must be text"))
    zone = doc.get("timezone")
    if isinstance(zone, str) and timezone_problem(zone) is None:
        ctx.timezone = zone
    elif zone is not None:
        add(ProblemDetail("timezone", timezone_problem(str(zone)) or "must be text"))
    blocks, kinds = _read_blocks(doc.get("blocks"), ctx)
    start = doc.get("start")
    if start is None:
        add(ProblemDetail("start", "missing `start`: name the block the flow begins with"))
    elif not isinstance(start, str) or start not in blocks:
        add(ProblemDetail("start", _no_block(start, blocks)))
    for source, loc, target in list(ctx.edges):
        if target not in blocks:
            add(ProblemDetail(loc, _no_block(target, blocks)))
            # A typo ("byee") most likely means the block it resembles: link that one, so it is
            # not also reported as unreachable.
            ctx.edges += [(source, loc, close) for close in _close(target, blocks)]
    exits = ctx.incomplete | {key for key, kind in kinds.items() if kind in _TERMINAL_KINDS}
    exits |= {source for source, _loc, target in ctx.edges if target not in blocks}
    ctx.problems += _graph_problems(
        list(blocks), exits, ctx.edges, start if start in blocks else None
    )
    if ctx.problems:
        raise FlowInvalid(ctx.problems)
    typed = {key: block for key, block in blocks.items() if block is not None}
    return FlowDefinition(str(name).strip(), str(start), typed, str(description))


def _read_blocks(raw: object, ctx: Context) -> tuple[dict[str, Block | None], dict[str, str]]:
    """Every block (None where it has problems) and each block's type (known types only).

    A block whose branches cannot all be known (not a mapping, no or unknown type) is added to
    `ctx.incomplete`, so that the loop check counts it as a possible way out.
    """
    blocks: dict[str, Block | None] = {}
    kinds: dict[str, str] = {}
    if not isinstance(raw, dict) or not raw:
        missing = "missing `blocks`: a mapping of block names to blocks, at least one"
        ctx.problems.append(ProblemDetail("blocks", missing))
        return blocks, kinds
    if len(raw) > MAX_BLOCKS:
        ctx.problems.append(ProblemDetail("blocks", f"over {MAX_BLOCKS} blocks; split the flow"))
        return blocks, kinds
    known = ", ".join(BLOCK_TYPES)
    for key, body in raw.items():
        loc = f"blocks.{key}"
        if not isinstance(key, str) or not _BLOCK_ID.match(key):
            bad = f"{key!r} is not a block name; use a letter, then letters, digits, _ or -"
            if isinstance(key, bool):
                bad += " (YAML reads yes/no/on/off as true/false: put the name in quotes)"
            ctx.problems.append(ProblemDetail(loc, bad))
            continue
        blocks[key] = None
        if not isinstance(body, dict):
            ctx.problems.append(ProblemDetail(loc, "a block is a mapping with a `type`"))
            ctx.incomplete.add(key)
        elif "type" not in body:
            ctx.problems.append(ProblemDetail(f"{loc}.type", f"missing `type`; one of: {known}"))
            ctx.incomplete.add(key)
        elif body["type"] not in BLOCK_TYPES:
            message = f"unknown block type {body['type']!r}; use one of: {known}"
            ctx.problems.append(ProblemDetail(f"{loc}.type", message))
            ctx.incomplete.add(key)
            # Its branches are unknown: count every block it names as a branch, so that the
            # blocks after it are not also reported as unreachable.
            ctx.edges += [(key, loc, name) for name in _strings(body) if name in raw]
        else:
            kinds[key] = str(body["type"])
            blocks[key] = read_block(key, body, loc, ctx)
    return blocks, kinds


def _graph_problems(
    blocks: list[str], exits: set[str], edges: list[tuple[str, str, str]], start: str | None
) -> list[ProblemDetail]:
    """Unreachable blocks, and loops from which no exit (a terminal block) can be reached.

    `exits` holds the terminal blocks and those whose branches are not all known (already
    reported), which might lead out.
    """
    graph: dict[str, list[str]] = {key: [] for key in blocks}
    for source, _loc, target in edges:
        if source in graph and target in graph:
            graph[source].append(target)
    problems: list[ProblemDetail] = []
    if start is not None:
        reached = _reachable([start], graph)
        for key in blocks:
            if key not in reached:
                message = f"no path from `start` ({start}) reaches this block; link it or delete it"
                problems.append(ProblemDetail(f"blocks.{key}", message))
    # A block can leave if it leads to an exit: reachability over the reversed graph.
    reverse: dict[str, list[str]] = {key: [] for key in blocks}
    for source, targets in graph.items():
        for target in targets:
            reverse[target].append(source)
    can_leave = _reachable(sorted(exits & set(graph)), reverse)
    trapped = {key: [t for t in graph[key] if t not in can_leave] for key in graph}
    for component in _strongly_connected([k for k in blocks if k not in can_leave], trapped):
        first = component[0]
        if len(component) > 1 or first in graph[first]:
            cycle = " → ".join([*component, first])
            message = (
                f"the blocks {cycle} loop with no way out: none of them leads to "
                f"{_TERMINALS}; give one of them a branch out of the loop"
            )
            problems.append(ProblemDetail(f"blocks.{first}", message))
    return problems


def _reachable(roots: list[str], graph: dict[str, list[str]]) -> set[str]:
    seen, stack = set(roots), list(roots)
    while stack:
        for target in graph[stack.pop()]:
            if target not in seen:
                seen.add(target)
                stack.append(target)
    return seen


def _strongly_connected(nodes: list[str], graph: dict[str, list[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative (a long flow must not exhaust Python's stack).

    Components come back with their members in document order (`nodes` order).
    """
    order = {node: i for i, node in enumerate(nodes)}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    for root in nodes:
        if root in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(root, iter(graph[root]))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, successors = work[-1]
            for target in successors:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(graph[target])))
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component: list[str] = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    components.append(sorted(component, key=order.__getitem__))
    return components


def _no_block(name: object, blocks: Collection[str]) -> str:
    if not isinstance(name, str):
        return f"{name!r} is not a block name"
    close = _close(name, blocks)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"there is no block named {name!r}{hint}"


def _close(name: str, blocks: Collection[str]) -> list[str]:
    return difflib.get_close_matches(name, list(blocks), n=1)


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _duplicate_keys(node: object, path: str) -> Iterator[ProblemDetail]:
    if isinstance(node, yaml.MappingNode):
        seen: dict[object, int] = {}
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else None
            loc = name if path == "document" else f"{path}.{name}"
            if name is not None and name in seen:
                line = key.start_mark.line + 1
                twice = (
                    f"`{name}` appears twice (lines {seen[name]} and {line}); YAML keeps the last"
                )
                yield ProblemDetail(str(loc), twice)
            elif name is not None:
                seen[name] = key.start_mark.line + 1
            yield from _duplicate_keys(value, str(loc))
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            yield from _duplicate_keys(item, f"{path}[{i}]")
