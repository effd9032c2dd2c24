"""Contact flows in a scenario, checked: the flow document and its caller model, at load time.

`read_flow_file` reads a queue's `flow.file` (relative to the scenario file; never for a scenario
given as data); `flow_problems` checks the document with `agentfloor.flows` (its problems
reported under the scenario field, `queues[0].flow.blocks.menu.next`) and the caller model
against it and the scenario: every queue and workflow it names is a scenario queue (or mapped to
one in `flow.queues`) of the same channel, every block that asks has an answer distribution whose
shares add up to 1 and whose menu answers are options, an `ai_agent` block has the scenario's
`ai` model. `sim.flows` then walks contacts through the checked flow.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from agentfloor.core.errors import ProblemDetail
from agentfloor.flows import (
    AiAgentBlock,
    CallbackOfferBlock,
    CollectBlock,
    EnqueueBlock,
    Flow,
    FlowInvalid,
    MenuBlock,
    SurveyBlock,
    TransferBlock,
    parse_flow,
)
from agentfloor.sim.spec import FlowSpec

__all__ = ["ASKING", "NO_ANSWER", "flow_problems", "read_flow_file", "sim_flow"]

NO_ANSWER = "no_answer"  # an answer key: the caller says nothing the block can use (a Timeout)
ASKING = (MenuBlock, CollectBlock, CallbackOfferBlock, SurveyBlock)  # blocks that need answers
_SHARE_SUM_TOLERANCE = 1e-6


@lru_cache(maxsize=32)
def sim_flow(source: str) -> Flow:
    """Return the flow document `source`, checked (parsed once per process and text).

    Queue names are not checked here: `flow_problems` maps them to scenario queues.

    Raises:
        FlowInvalid: every problem of the document, with its path.
    """
    return parse_flow(source, flow_id="flow_sim", tenant_id="sim", version=1, now=0.0)


def read_flow_file(
    spec: FlowSpec, base_dir: Path | None, loc: str, problems: list[ProblemDetail]
) -> FlowSpec:
    """Return `spec` with `source` read from `file` (relative to `base_dir`), once.

    Without a `base_dir` (a scenario given as data, e.g. over the API) no file is read: a
    server must not open paths its callers name. The flow is then given inline, as `source`.
    """
    if spec.source or spec.file is None:
        return spec
    if base_dir is None:
        problems.append(
            ProblemDetail(
                f"{loc}.file",
                "flow files are read only for a scenario file (load_scenario); "
                "give the flow document inline as `source`",
            )
        )
        return spec
    path = base_dir / spec.file
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        problems.append(ProblemDetail(f"{loc}.file", f"cannot read {path}: {exc.strerror}"))
        return spec
    if not text.strip():
        problems.append(ProblemDetail(f"{loc}.file", f"{path} is empty"))
        return spec
    return spec.model_copy(update={"source": text})


def flow_problems(
    spec: FlowSpec, loc: str, channels: dict[str, str], entry: str, *, has_ai: bool
) -> list[ProblemDetail]:
    """Check a queue's flow and caller model against the scenario; every problem by its path.

    `channels` maps the scenario's queue ids to their channels, `entry` is the queue whose
    contacts run the flow: a flow routes them to queues of the same channel only (a call stays
    a call). The flow's own problems are reported under `loc` (`queues[0].flow.blocks.x.next`).
    """
    queue_ids = list(channels)
    problems: list[ProblemDetail] = []
    add = problems.append
    if not spec.source:
        if spec.file is None:
            add(ProblemDetail(loc, "give the flow document: `file` (a YAML file) or `source`"))
        return problems  # an unreadable file is reported by read_flow_file
    for name, target in spec.queues.items():
        if target not in queue_ids:
            add(ProblemDetail(f"{loc}.queues.{name}", f"there is no queue {target!r}"))
    try:
        flow = sim_flow(spec.source)
    except FlowInvalid as exc:
        return problems + [ProblemDetail(f"{loc}.{p.loc}", p.message) for p in exc.problems]
    known = set(queue_ids) | set(spec.queues)
    for block in flow.blocks.values():
        where = f"{loc}.blocks.{block.id}"
        names: list[tuple[str, str | None]] = []
        if isinstance(block, EnqueueBlock):
            names = [("workflow_id", block.workflow_id), ("queue_id", block.queue_id)]
        elif isinstance(block, TransferBlock):
            names = [("queue_id", block.queue_id)]
            if block.worker_id is not None:
                add(
                    ProblemDetail(
                        f"{where}.worker_id",
                        "a transfer to a given worker is not simulated; transfer to a queue",
                    )
                )
        elif isinstance(block, CallbackOfferBlock):
            names = [("queue_id", block.queue_id)]
        elif isinstance(block, AiAgentBlock) and not has_ai:
            add(
                ProblemDetail(
                    f"{where}",
                    "an ai_agent block needs the scenario's `ai` section: its share contained "
                    "and its times are the AI agent's outcome",
                )
            )
        for field, named in names:
            if named is None:
                continue
            if named not in known:
                add(
                    ProblemDetail(
                        f"{where}.{field}",
                        f"there is no scenario queue {named!r}; "
                        f"name one, or map it in {loc}.queues",
                    )
                )
                continue
            queue = spec.queues.get(named, named)
            channel = channels.get(queue, channels[entry])
            if channel != channels[entry]:
                add(
                    ProblemDetail(
                        f"{where}.{field}",
                        f"queue {queue!r} takes {channel} contacts; "
                        f"this flow's are {channels[entry]}",
                    )
                )
    problems += _answer_problems(spec, flow, f"{loc}.answers")
    for block_id in spec.prompt_times:
        if not isinstance(flow.blocks.get(block_id), ASKING):
            what = "no such block" if block_id not in flow.blocks else "it asks nothing"
            add(ProblemDetail(f"{loc}.prompt_times.{block_id}", f"the flow has {what}"))
    return problems


def _answer_problems(spec: FlowSpec, flow: Flow, loc: str) -> list[ProblemDetail]:
    problems: list[ProblemDetail] = []
    add = problems.append
    asking = {b.id: b for b in flow.blocks.values() if isinstance(b, ASKING)}
    for block_id in asking:
        if block_id not in spec.answers:
            kind = asking[block_id].kind
            add(
                ProblemDetail(
                    loc,
                    f"no answers for {kind} block {block_id!r}: give the share of callers "
                    "giving each answer",
                )
            )
    for block_id, shares in spec.answers.items():
        block = asking.get(block_id)
        if block is None:
            what = "no such block" if block_id not in flow.blocks else "it asks nothing"
            add(ProblemDetail(f"{loc}.{block_id}", f"the flow has {what}: remove it"))
            continue
        if not shares:
            add(ProblemDetail(f"{loc}.{block_id}", "give at least one answer and its share"))
            continue
        total = sum(shares.values())
        if abs(total - 1.0) > _SHARE_SUM_TOLERANCE:
            add(ProblemDetail(f"{loc}.{block_id}", f"the shares add up to {total:g}, not 1"))
        if isinstance(block, MenuBlock):
            options = {o.dtmf for o in block.options} | {o.intent for o in block.options}
            options |= {o.label for o in block.options}
            for answer in shares:
                if answer != NO_ANSWER and answer not in options:
                    choices = ", ".join(
                        sorted(o.dtmf or o.intent or o.label for o in block.options)
                    )
                    add(
                        ProblemDetail(
                            f"{loc}.{block_id}.{answer}",
                            f"not an option of menu {block_id!r} (a DTMF key, intent or "
                            f"label such as {choices}, or {NO_ANSWER})",
                        )
                    )
    return problems
