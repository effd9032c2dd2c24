"""`agentfloor eval intents`: train intent models on a data set's train split and score them.

Everything is trained on `train.csv` only. By default the models are scored on `test.csv`;
`--split dev` scores on a stratified 20% of `train.csv` instead (training on the other 80%), which
is where any choice is made. Per method it reports accuracy and macro-F1, the out-of-scope
behaviour (a second model trained with `--oos-intents` intents held out entirely; their test
utterances should be flagged, the others not), single-utterance latency p50/p99 (one `predict`
call per utterance, not batched, encoder included) and the training time.
"""

from __future__ import annotations

import csv
import json
import os
import platform
import random
import time
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from agentfloor.cli.common import out, steps_progress
from agentfloor.cli.eval_dialogues import dialogues
from agentfloor.core.errors import InvalidInput, ProblemDetail

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from agentfloor.agents.nlu import IntentMethod, TextEncoder

__all__ = ["eval_app"]

eval_app = typer.Typer(
    help="Measure the AI agent's models on public data sets.", no_args_is_help=True
)
eval_app.command("dialogues")(dialogues)  # defined in cli.eval_dialogues

# The NLU stack (numpy, scikit-learn, scipy, dateparser; torch for MiniLM) is imported inside
# the commands: importing it here would add about a second to every other `agentfloor` command.

DEV_FRACTION = 0.2


class MethodChoice(StrEnum):
    """`--method`: one intent method or all of them."""

    ALL = "all"
    TFIDF = "tfidf"
    MINILM = "minilm"
    ENSEMBLE = "ensemble"


class SplitChoice(StrEnum):
    """`--split`: where the scores come from."""

    TEST = "test"
    DEV = "dev"


class _CachedEncoder:
    """Remembers each text's vector, so the held-out-intent retraining does not re-encode."""

    def __init__(self, inner: TextEncoder) -> None:
        self._inner = inner
        self._vectors: dict[str, npt.NDArray[np.float32]] = {}

    @property
    def name(self) -> str:
        return self._inner.name

    def encode(self, texts: list[str]) -> npt.NDArray[np.float32]:
        import numpy as np

        missing = list(dict.fromkeys(t for t in texts if t not in self._vectors))
        if missing:
            self._vectors.update(zip(missing, self._inner.encode(missing), strict=True))
        return np.stack([self._vectors[t] for t in texts]).astype(np.float32)


def read_examples(path: Path) -> list[tuple[str, str]]:
    """Read a `text,category` CSV (BANKING77's layout) into (text, intent) pairs."""
    if not path.is_file():
        raise InvalidInput(
            f"{path} does not exist", problems=[ProblemDetail("dataset", f"{path} is missing")]
        )
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    if not rows or not {"text", "category"} <= set(rows[0]):
        raise InvalidInput(
            f"{path} needs the columns text,category",
            problems=[ProblemDetail("dataset", f"{path}: expected a header text,category")],
        )
    return [(row["text"], row["category"]) for row in rows]


def evaluate_method(
    method: IntentMethod,
    train: list[tuple[str, str]],
    test: list[tuple[str, str]],
    encoder: TextEncoder | None,
    *,
    oos_intents: int,
    latency_samples: int,
    seed: int,
    step: Callable[[str], None],
) -> dict[str, Any]:
    """Train and score one method; `step` is told what is running (for the progress bar)."""
    from agentfloor.agents.nlu import IntentMethod, IntentModel, train_intent_model
    from agentfloor.agents.nlu.evaluation import (
        hold_out_intents,
        latency_ms,
        score_intents,
        score_out_of_scope,
    )

    cached = _CachedEncoder(encoder) if encoder is not None and method.needs_encoder else None
    step("train")
    started = time.perf_counter()
    model = train_intent_model(train, cached, method=method, rng=random.Random(seed))
    train_s = time.perf_counter() - started
    gold = [intent for _, intent in test]
    texts = [text for text, _ in test]
    step("score")
    scores = score_intents(gold, model.predict_many(texts))

    step("out of scope")
    held_out = hold_out_intents(gold, oos_intents, random.Random(seed))
    partial = [(text, intent) for text, intent in train if intent not in held_out]
    oos_model = train_intent_model(partial, cached, method=method, rng=random.Random(seed))
    oos = score_out_of_scope(gold, oos_model.predict_many(texts), held_out)

    step("latency")
    # The saved and reloaded model, on the bare encoder: what a tenant's process runs.
    live = IntentModel.from_bytes(model.to_bytes(), encoder if method.needs_encoder else None)
    sample = random.Random(seed).sample(texts, min(latency_samples, len(texts)))
    for text in sample[:20]:  # warm-up: first calls allocate
        live.predict(text)
    timings = []
    for text in sample:
        started = time.perf_counter()
        live.predict(text)
        timings.append(time.perf_counter() - started)
    p50, p99 = latency_ms(timings)
    return {
        "method": str(method),
        "accuracy": scores.accuracy,
        "macro_f1": scores.macro_f1,
        "flagged_rate": scores.flagged_rate,
        "threshold": model.threshold,
        "tfidf_weight": model.tfidf_weight if method is IntentMethod.ENSEMBLE else None,
        "oos_held_out_intents": sorted(held_out),
        "oos_detected_rate": oos.detected_rate,
        "oos_false_rate": oos.false_oos_rate,
        "oos_auroc": oos.auroc,
        "oos_in_scope_accuracy": oos.in_scope_accuracy,
        "latency_p50_ms": p50,
        "latency_p99_ms": p99,
        "train_s": train_s,
        "train_examples": len(train),
        "test_examples": len(test),
    }


@eval_app.command("intents")
def intents(
    dataset: Annotated[
        Path, typer.Option(help="Folder with train.csv and test.csv (columns text,category).")
    ] = Path("../shared/datasets/banking77"),
    method: Annotated[MethodChoice, typer.Option(help="Which method to evaluate.")] = (
        MethodChoice.ALL
    ),
    split: Annotated[
        SplitChoice, typer.Option(help="test: score on test.csv; dev: 20% of train.csv.")
    ] = SplitChoice.TEST,
    oos_intents: Annotated[
        int, typer.Option(min=1, help="Intents held out of training to test out-of-scope.")
    ] = 10,
    latency_samples: Annotated[
        int, typer.Option(min=20, help="Utterances timed one by one.")
    ] = 500,
    seed: Annotated[int, typer.Option(help="Seed for splits, held-out intents, samples.")] = 0,
    fp32: Annotated[
        bool, typer.Option("--fp32", help="Run MiniLM in float32 (slower) instead of int8.")
    ] = False,
    json_path: Annotated[
        Path | None, typer.Option("--json", help="Also write the figures to this JSON file.")
    ] = None,
) -> None:
    """Train on train.csv, score accuracy, macro-F1, out-of-scope and ms/utterance."""
    from agentfloor.agents.nlu import IntentMethod
    from agentfloor.agents.nlu.evaluation import stratified_split

    train = read_examples(dataset / "train.csv")
    if split is SplitChoice.DEV:
        rows, dev_rows = stratified_split([i for _, i in train], DEV_FRACTION, random.Random(seed))
        train, test = [train[i] for i in rows], [train[i] for i in dev_rows]
    else:
        test = read_examples(dataset / "test.csv")
    methods = list(IntentMethod) if method is MethodChoice.ALL else [IntentMethod(method.value)]
    encoder: TextEncoder | None = None
    results = []
    steps = ["train", "score", "out of scope", "latency"]
    with steps_progress() as progress:
        if any(m.needs_encoder for m in methods):
            loading = progress.add_task("loading all-MiniLM-L6-v2", total=None)
            from agentfloor.adapters.nlu import MiniLmEncoder  # imports torch: only when needed

            encoder = MiniLmEncoder(quantize=not fp32)
            progress.remove_task(loading)
        overall = progress.add_task("methods", total=len(methods) * len(steps))
        for chosen in methods:

            def step(name: str, chosen: IntentMethod = chosen) -> None:
                if name != steps[0]:
                    progress.advance(overall)
                progress.update(overall, description=f"{chosen}: {name}")

            results.append(
                evaluate_method(
                    chosen,
                    train,
                    test,
                    encoder,
                    oos_intents=oos_intents,
                    latency_samples=latency_samples,
                    seed=seed,
                    step=step,
                )
            )
            progress.advance(overall)
    out.print(_table(results, dataset, split, len(train), len(test), oos_intents))
    if json_path is not None:
        report = {
            "dataset": str(dataset),
            "split": str(split),
            "seed": seed,
            "encoder": encoder.name if encoder is not None else None,
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
            "results": results,
        }
        json_path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        out.print(f"wrote {json_path}")


def _table(
    results: list[dict[str, Any]], dataset: Path, split: str, n_train: int, n_test: int, k: int
) -> Table:
    """One column per method, one row per figure (fits an 80-column terminal)."""
    table = Table(
        title=f"Intents on {dataset.name} ({split}): trained on {n_train:,}, scored on {n_test:,}",
        caption=(
            f"Out of scope: a second model trained without {k} intents. 'unseen flagged': their "
            "utterances flagged out of scope; 'known flagged': the other intents' utterances "
            "flagged; AUROC: how well confidence separates the two. Latency: one predict() per "
            "utterance, encoder included."
        ),
    )
    table.add_column("")
    for r in results:
        table.add_column(r["method"], justify="right")
    rows: list[tuple[str, Callable[[dict[str, Any]], str]]] = [
        ("accuracy", lambda r: f"{r['accuracy']:.2%}"),
        ("macro-F1", lambda r: f"{r['macro_f1']:.2%}"),
        ("flagged out of scope", lambda r: f"{r['flagged_rate']:.1%}"),
        ("OOS: unseen flagged", lambda r: f"{r['oos_detected_rate']:.1%}"),
        ("OOS: known flagged", lambda r: f"{r['oos_false_rate']:.1%}"),
        ("OOS: AUROC", lambda r: f"{r['oos_auroc']:.3f}"),
        ("ms/utterance p50", lambda r: f"{r['latency_p50_ms']:.2f}"),
        ("ms/utterance p99", lambda r: f"{r['latency_p99_ms']:.2f}"),
        ("train s", lambda r: f"{r['train_s']:.1f}"),
    ]
    for label, cell in rows:
        table.add_row(label, *[cell(r) for r in results])
    return table
