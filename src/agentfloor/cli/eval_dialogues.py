"""`agentfloor eval dialogues`: replay STAR customers into the AI agent's skills, score the slots.

Reads the STAR folder (`apis/apis/<task>.json`, `tasks/<task>/<task>.json`, and the dialogues
straight from `dialogues.tar.gz`, never unpacked), builds each task's skill from its API schema,
replays each chosen dialogue's customer messages into the dialogue manager with the production
entity extractor, and scores the filled slots against the wizard's last backend query. The
method, and why each choice, is in `agentfloor.agents.star`; this module only reads files, runs
the NLU and prints.

The default tasks are those our skills do: booking a visit (doctor_schedule, apartment_schedule,
meeting_schedule, like `book_appointment`), a status lookup by booking id (ride_status, like
`order_status`), and checking who the customer is before an account answer (bank_balance, like
`verify_identity`: name, account number, PIN, date of birth, security answers).
"""

from __future__ import annotations

import functools
import json
import os
import platform
import tarfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Final

import typer
from rich.table import Table

from agentfloor.cli.common import out, steps_progress
from agentfloor.core.errors import InvalidInput, ProblemDetail

if TYPE_CHECKING:
    from agentfloor.agents.star import DialogueScore, Heard, StarDialogue, StarTask, TaskSummary

__all__ = ["COVERED_TASKS", "dialogues", "load_task", "read_dialogues"]

COVERED_TASKS: Final = (
    "doctor_schedule",
    "apartment_schedule",
    "meeting_schedule",
    "ride_status",
    "bank_balance",
)
# "Friday" means the Friday after this moment; STAR customers name weekdays, not dates, so any
# fixed moment gives the same weekdays (a fixed one keeps runs identical). "today" is a Monday.
REFERENCE_NOW: Final = datetime(2020, 6, 1, 12, tzinfo=UTC)
REGION: Final = "US"  # STAR's customers and wizards were US crowd workers


def load_task(dataset: Path, name: str) -> StarTask:
    """Read a task's API schema and replies and build its skill.

    Raises:
        InvalidInput: The dataset has no API schema for `name`.
    """
    from agentfloor.agents.star import star_task

    api_path = dataset / "apis" / "apis" / f"{name}.json"
    if not api_path.is_file():
        known = ", ".join(sorted(p.stem for p in (dataset / "apis" / "apis").glob("*.json")))
        message = f"no STAR task {name!r} in {dataset} (no {api_path.name}); known: {known}"
        raise InvalidInput(message, problems=[ProblemDetail("tasks", message)])
    task_path = dataset / "tasks" / name / f"{name}.json"
    task_doc = _read_json(task_path) if task_path.is_file() else None
    return star_task(name, _read_json(api_path), task_doc)


def read_dialogues(
    dataset: Path, tasks: list[str], limit: int | None = None
) -> dict[str, list[StarDialogue]]:
    """Read the dialogues to replay for `tasks` from `dialogues.tar.gz`, by task, in id order.

    Raises:
        InvalidInput: The archive is missing.
    """
    from agentfloor.agents.star import read_dialogue

    archive = _archive(dataset)
    found: dict[str, list[StarDialogue]] = {task: [] for task in tasks}
    with tarfile.open(archive, "r:gz") as tar:
        for member in tar:
            if not member.isfile() or not member.name.endswith(".json"):
                continue
            handle = tar.extractfile(member)
            if handle is None:
                continue
            dialogue = read_dialogue(json.load(handle), tasks)
            if dialogue is not None:
                found[dialogue.task].append(dialogue)
    for task, chosen in found.items():
        chosen.sort(key=lambda d: (int(d.id) if d.id.isdigit() else 0, d.id))
        found[task] = chosen[:limit] if limit is not None else chosen
    return found


def _archive(dataset: Path) -> Path:
    archive = dataset / "dialogues.tar.gz"
    if not archive.is_file():
        message = f"{archive} does not exist: --dataset is the STAR folder"
        raise InvalidInput(message, problems=[ProblemDetail("dataset", message)])
    return archive


def _read_json(path: Path) -> dict[str, Any]:
    doc = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(doc, dict):
        raise InvalidInput(
            f"{path} is not a JSON object", problems=[ProblemDetail("dataset", f"{path}")]
        )
    return doc


def _understander(tasks: list[StarTask], *, greetings: bool) -> Callable[[StarTask, str], Heard]:
    """Return the production entity extraction, keyed as the runtime keys it.

    With `greetings`, every message is also classified by the default intent model a new tenant
    starts with (TF-IDF, trained here on the shipped examples), so that a greeting before the
    request is greeted rather than taken as the request.
    """
    from agentfloor.agents.nlu import IntentMethod, extract_entities, train_intent_model
    from agentfloor.agents.star import Heard
    from agentfloor.runtime.nlu import entity_slots

    model = None
    if greetings:
        from agentfloor.agents.defaults import default_training

        examples, _ = default_training()
        model = train_intent_model(examples, None, method=IntentMethod.TFIDF)

    enums = {t.name: {s.name: list(s.slot.values) for s in t.skill.slots} for t in tasks}

    def understand(task: StarTask, text: str) -> Heard:
        lists = {name: values for name, values in enums[task.name].items() if values}
        found = extract_entities(
            text, now=REFERENCE_NOW, timezone="UTC", default_region=REGION, enums=lists
        )
        times = tuple(str(t) for e in found if (t := entity_slots([e]).get("time")) is not None)
        intent = None
        if model is not None:
            prediction = model.predict(text)
            intent = None if prediction.out_of_scope else prediction.intent
        return Heard(entity_slots(list(found)), times, intent)

    return understand


def dialogues(
    dataset: Annotated[
        Path, typer.Option(help="The STAR folder (apis/, tasks/, dialogues.tar.gz).")
    ] = Path("../shared/datasets/star"),
    tasks: Annotated[str, typer.Option(help="Comma-separated STAR tasks to replay.")] = (
        ",".join(COVERED_TASKS)
    ),
    limit: Annotated[
        int | None, typer.Option(min=1, help="At most this many dialogues per task (id order).")
    ] = None,
    greetings: Annotated[
        bool,
        typer.Option(
            help="Greet a greeting before the request (the default intent model, TF-IDF); "
            "--no-greetings: every message is the task's request."
        ),
    ] = True,
    json_path: Annotated[
        Path | None, typer.Option("--json", help="Also write the figures to this JSON file.")
    ] = None,
) -> None:
    """Replay STAR customers into skills built from the task APIs; score slots and task success."""
    from agentfloor.agents.star import replay, score_dialogue, summarise

    names = list(dict.fromkeys(t.strip() for t in tasks.split(",") if t.strip()))
    if not names:
        raise InvalidInput(
            "no tasks given", problems=[ProblemDetail("tasks", "name at least one STAR task")]
        )
    started = time.perf_counter()
    _archive(dataset)
    built = [load_task(dataset, name) for name in names]
    chosen = read_dialogues(dataset, names, limit)
    total = sum(len(found) for found in chosen.values())
    summaries: list[tuple[TaskSummary, float]] = []
    failures: dict[str, list[DialogueScore]] = {}
    with steps_progress() as progress:
        loading = progress.add_task("loading the NLU", total=None)
        understand = _understander(built, greetings=greetings)
        for task in built:  # warm-up: the first calls load date parsers and allocate
            understand(task, "Hello, on Friday at 3 pm please")
        progress.remove_task(loading)
        overall = progress.add_task("dialogues", total=total)
        for task in built:
            progress.update(overall, description=task.name)
            scores = []
            replay_s = 0.0
            for dialogue in chosen[task.name]:
                began = time.perf_counter()
                result = replay(task, dialogue, functools.partial(understand, task))
                replay_s += time.perf_counter() - began
                scores.append(score_dialogue(task, dialogue, result))
                progress.advance(overall)
            summary = summarise(task, scores)
            ms = 1000 * replay_s / len(scores) if scores else 0.0
            summaries.append((summary, ms))
            failures[task.name] = [s for s in scores if s.scored and not s.success]
    wall_s = time.perf_counter() - started
    for summary, _ in summaries:
        out.print(_task_table(summary))
    out.print(_summary_table(summaries, dataset, wall_s))
    if json_path is not None:
        report = {
            "dataset": str(dataset),
            "reference_now": REFERENCE_NOW.isoformat(),
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
            "wall_s": wall_s,
            "tasks": [_summary_dict(s, ms) for s, ms in summaries],
            "failures": {task: [_score_dict(s) for s in f] for task, f in failures.items()},
        }
        json_path.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
        out.print(f"wrote {json_path}")


def _pct(part: int, whole: int) -> str:
    return f"{part / whole:.1%}" if whole else "-"


def _task_table(summary: TaskSummary) -> Table:
    """One row per scored input of the task's API."""
    table = Table(
        title=f"{summary.task}: {summary.dialogues} dialogues",
        caption=(
            f"task success {_pct(summary.successes, summary.scored)} "
            f"({summary.successes}/{summary.scored}); happy path "
            f"{_pct(summary.happy_successes, summary.happy_scored)} "
            f"({summary.happy_successes}/{summary.happy_scored})"
        ),
    )
    table.add_column("slot (API input)")
    table.add_column("kind")
    table.add_column("constraints", justify="right")
    table.add_column("accuracy", justify="right")
    for slot in summary.slots:
        shown = _pct(slot.matched, slot.checked)
        if slot.kind == "long_text":
            shown = f"filled {shown}"
        table.add_row(slot.input, str(slot.kind), str(slot.checked), shown)
    return table


def _summary_table(
    summaries: list[tuple[TaskSummary, float]], dataset: Path, wall_s: float
) -> Table:
    """One row per task and an overall row (fits an 80-column terminal)."""
    table = Table(
        title=f"STAR dialogues replayed ({dataset.name}): {wall_s:.1f} s wall",
        caption=(
            "success: every constraint of the wizard's last query matched (long free text "
            "aside); happy: the same on STAR's happy-path scenarios only; slots: share of those "
            "constraints matched; done: the skill's form was filled before the customer's "
            "messages ran out; handoff: the dialogue manager handed off; ms: replay with NLU, "
            "per dialogue."
        ),
    )
    table.add_column("task", no_wrap=True)
    for column in ("n", "success", "happy", "slots", "done", "handoff", "ms"):
        table.add_column(column, justify="right")
    for summary, ms in summaries:
        table.add_row(*_summary_cells(summary, ms))
    if len(summaries) > 1:
        dialogues = sum(s.dialogues for s, _ in summaries)
        ms = sum(s.dialogues * ms for s, ms in summaries) / dialogues if dialogues else 0.0
        table.add_section()
        table.add_row(*_summary_cells(_merged([s for s, _ in summaries]), ms))
    return table


def _summary_cells(s: TaskSummary, ms: float) -> list[str]:
    core = [a for a in s.slots if a.kind != "long_text"]
    return [
        s.task,
        str(s.dialogues),
        _pct(s.successes, s.scored),
        _pct(s.happy_successes, s.happy_scored),
        _pct(sum(a.matched for a in core), sum(a.checked for a in core)),
        _pct(s.completed, s.dialogues),
        _pct(s.handed_off, s.dialogues),
        f"{ms:.1f}",
    ]


def _merged(summaries: list[TaskSummary]) -> TaskSummary:
    """Sum the tasks' counts into the overall row (rates per dialogue and per constraint)."""
    from agentfloor.agents.star import TaskSummary

    return TaskSummary(
        task="overall",
        dialogues=sum(s.dialogues for s in summaries),
        scored=sum(s.scored for s in summaries),
        successes=sum(s.successes for s in summaries),
        happy_scored=sum(s.happy_scored for s in summaries),
        happy_successes=sum(s.happy_successes for s in summaries),
        completed=sum(s.completed for s in summaries),
        handed_off=sum(s.handed_off for s in summaries),
        slots=tuple(a for s in summaries for a in s.slots),
    )


def _summary_dict(summary: TaskSummary, ms: float) -> dict[str, Any]:
    return {
        "task": summary.task,
        "dialogues": summary.dialogues,
        "scored": summary.scored,
        "successes": summary.successes,
        "happy_scored": summary.happy_scored,
        "happy_successes": summary.happy_successes,
        "completed": summary.completed,
        "handed_off": summary.handed_off,
        "ms_per_dialogue": ms,
        "slots": [
            {"input": a.input, "kind": str(a.kind), "checked": a.checked, "matched": a.matched}
            for a in summary.slots
        ],
    }


def _score_dict(score: DialogueScore) -> dict[str, Any]:
    return {
        "dialogue": score.dialogue_id,
        "outcome": str(score.outcome) if score.outcome else None,
        "checks": [
            {"input": c.input, "expected": c.expected, "got": c.got, "matched": c.matched}
            for c in score.checks
        ],
    }
