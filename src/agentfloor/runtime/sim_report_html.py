"""The simulation report as one self-contained HTML page: KPI table with 95% CIs and plots.

A `sim_report.SimReport` becomes a page with no outside references (styles inline, plots as
base64 PNG `<img>`s with alt text), so it can be mailed or attached to a ticket. A plain run
plots, per interval, the mean across replications with its 95% band: service level, queue
length, occupancy and abandonment; a sweep plots each headline KPI against the swept variable
with 95% error bars. matplotlib's object API on the Agg canvas (no pyplot state, no display:
safe in a server thread), imported when a picture is drawn, as `wfm.plots` does.
"""

from __future__ import annotations

import base64
import html
import io
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from agentfloor.runtime.sim_report import IntervalSeries, SimReport, local_time
from agentfloor.sim import KPI_NAMES, KpiEstimate, ReplicationSummary

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "KPI_LABELS",
    "NO_VALUE",
    "SWEEP_KPIS",
    "format_ci",
    "format_kpi",
    "kpi_label",
    "kpi_order",
    "report_html",
]

KPI_LABELS = {
    "offered": "Offered",
    "answered": "Answered",
    "abandoned": "Abandoned",
    "service_level": "Service level",
    "abandonment_rate": "Abandonment rate",
    "asa_s": "ASA",
    "aht_s": "AHT",
    "occupancy": "Occupancy",
    "utilisation": "Utilisation",
    "ai_contacts": "AI contacts",
    "containment_rate": "AI containment",
}
#: What a table shows for a value that does not exist (no replications, no variance).
NO_VALUE = "-"
_RATES = {"service_level", "abandonment_rate", "occupancy", "utilisation", "containment_rate"}
# what a sweep report plots against the swept variable
SWEEP_KPIS = ("service_level", "abandonment_rate", "asa_s", "occupancy")
# the interval plots: series name, title, y label, whether it is a 0-1 rate
_PLOTS = (
    ("service_level", "Service level by interval", "service level", True),
    (
        "queue_length",
        "Queue length by interval (time-average tasks waiting)",
        "tasks waiting",
        False,
    ),
    ("occupancy", "Occupancy by interval", "occupancy", True),
    ("abandonment_rate", "Abandonment by interval", "abandonment rate", True),
)


def _base(name: str) -> tuple[str, str]:
    """Split `service_level[sales]` into (`service_level`, `sales`)."""
    if name.endswith("]") and "[" in name:
        kpi, _, queue = name[:-1].partition("[")
        return kpi, queue
    return name, ""


def kpi_label(name: str) -> str:
    """Return a person's name for a KPI key: `Service level (sales)`."""
    kpi, queue = _base(name)
    label = KPI_LABELS.get(kpi, kpi)
    return f"{label} ({queue})" if queue else label


def format_kpi(name: str, value: float) -> str:
    """Format a KPI value for its kind: rates as percentages, `_s` as seconds, else counts."""
    if math.isnan(value):
        return NO_VALUE
    kpi, _ = _base(name)
    if kpi in _RATES:
        return f"{value:.1%}"
    if kpi.endswith("_s"):
        return f"{value:.1f} s"
    return f"{value:,.1f}"


def format_ci(estimate: KpiEstimate) -> str:
    """Return `[low, high]` formatted like the KPI (`NO_VALUE` under two replications)."""
    if math.isnan(estimate.half_width):
        return NO_VALUE
    return (
        f"[{format_kpi(estimate.name, estimate.low)}, {format_kpi(estimate.name, estimate.high)}]"
    )


def kpi_order(summary: ReplicationSummary) -> list[str]:
    """Return the summary's KPI names: the totals in `KPI_NAMES` order, then queue by queue."""
    rank = {name: i for i, name in enumerate(KPI_NAMES)}

    def key(name: str) -> tuple[str, int, str]:
        kpi, queue = _base(name)
        return queue, rank.get(kpi, len(rank)), kpi

    return sorted(summary.kpis, key=key)


# --- the page ------------------------------------------------------------------------------------

_STYLE = """
body{font-family:system-ui,sans-serif;margin:2em auto;max-width:60em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{padding:.25em .8em;border-bottom:1px solid #ddd}
th{text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}
dl{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}dt{font-weight:600}
img{max-width:100%;display:block;margin:1em 0}.note{color:#666;font-size:.9em}
"""


def report_html(report: SimReport) -> str:
    """Return the report as a self-contained HTML page."""
    s = report.scenario
    e = html.escape
    facts = [
        ("Scenario", s.name),
        ("Start", f"{local_time(s, s.start_s):%Y-%m-%d %H:%M} ({s.timezone})"),
        ("Horizon", f"{s.intervals} intervals of {s.interval_s / 60:g} min"),
        ("Seed", str(s.seed)),
        ("Replications", str(report.summary.replications)),
        ("Contacts per replication", f"{report.contacts:,.1f} (mean)"),
        ("Still waiting at the end", f"{report.unfinished:,.1f} per replication (mean)"),
        ("Wall time", f"{report.wall_time_s:.2f} s on {report.workers} worker(s)"),
    ]
    if s.warmup_s:
        facts.append(("Warm-up (not in the KPIs)", f"{s.warmup_s / 60:g} min"))
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Simulation report: {e(s.name)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>Simulation report: {e(s.name)}</h1>",
        "<dl>" + "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in facts) + "</dl>",
    ]
    if report.sweep is None:
        parts += ["<h2>KPIs</h2>", _kpi_table(report.summary)]
        parts.append(
            '<p class="note">Mean over replications and its 95% confidence interval '
            "(Student t); KPIs as defined by agentfloor.analytics, over the horizon after the "
            "warm-up.</p>"
        )
        parts.append("<h2>By interval</h2>")
        labels = [f"{local_time(s, t):%a %H:%M}" for t in report.interval_starts]
        warmup = s.warmup_s / s.interval_s  # in intervals
        for name, title, ylabel, percent in _PLOTS:
            series = report.series.get(name)
            if series is None:
                continue
            png = _band_png(title, ylabel, labels, series, percent=percent, warmup=warmup)
            alt = (
                f"{title}: mean across {report.summary.replications} replications "
                "with its 95% confidence band"
            )
            parts.append(_img(png, alt))
    else:
        sweep = report.sweep
        parts.append(f"<h2>What-if: {e(sweep.variable)}</h2>")
        parts.append(_sweep_table(sweep.variable, sweep.values, sweep.summaries))
        for kpi in SWEEP_KPIS:
            png = _sweep_png(kpi, sweep.variable, sweep.values, sweep.summaries)
            alt = f"{kpi_label(kpi)} against {sweep.variable}, with 95% confidence error bars"
            parts.append(_img(png, alt))
        for value, summary in zip(sweep.values, sweep.summaries, strict=True):
            parts.append(f"<h3>{e(sweep.variable)} = {e(str(value))}</h3>")
            parts.append(_kpi_table(summary))
    parts.append("</body></html>")
    return "\n".join(parts)


def _img(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt)}">'


def _kpi_table(summary: ReplicationSummary) -> str:
    e = html.escape
    rows = [
        "<table><thead><tr><th>KPI</th><th>mean</th><th>± (95%)</th>"
        "<th>95% CI</th><th>n</th></tr></thead><tbody>"
    ]
    for name in kpi_order(summary):
        est = summary.kpis[name]
        half = NO_VALUE if math.isnan(est.half_width) else format_kpi(name, est.half_width)
        rows.append(
            f"<tr><td>{e(kpi_label(name))}</td><td class=n>{e(format_kpi(name, est.mean))}</td>"
            f"<td class=n>{e(half)}</td><td class=n>{e(format_ci(est))}</td>"
            f"<td class=n>{est.n}</td></tr>"
        )
    rows.append("</tbody></table>")
    return "".join(rows)


def _sweep_table(
    variable: str, values: Sequence[Any], summaries: Sequence[ReplicationSummary]
) -> str:
    e = html.escape
    head = "".join(f"<th>{e(kpi_label(k))}</th>" for k in SWEEP_KPIS)
    rows = [f"<table><thead><tr><th>{e(variable)}</th>{head}</tr></thead><tbody>"]
    for value, summary in zip(values, summaries, strict=True):
        cells = []
        for kpi in SWEEP_KPIS:
            est = summary.kpis.get(kpi)
            cells.append(
                NO_VALUE if est is None else f"{format_kpi(kpi, est.mean)} {format_ci(est)}"
            )
        rows.append(
            f"<tr><td>{e(str(value))}</td>"
            + "".join(f"<td class=n>{e(c)}</td>" for c in cells)
            + "</tr>"
        )
    rows.append("</tbody></table>")
    return "".join(rows)


# --- plots ---------------------------------------------------------------------------------------


def _figure() -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=(9, 3.6), layout="constrained")


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90)
    return buffer.getvalue()


def _band_png(
    title: str,
    ylabel: str,
    labels: Sequence[str],
    series: IntervalSeries,
    *,
    percent: bool,
    warmup: float = 0.0,
) -> bytes:
    """Draw a per-interval mean with its 95% band; x ticks are the interval starts.

    `warmup` (in intervals) is shaded: the KPI table leaves that time out.
    """
    scale = 100.0 if percent else 1.0
    top = 100.0 if percent else math.inf

    def clip(v: float) -> float:  # a band past what the measure can be says nothing more
        return min(max(v * scale, 0.0), top)

    n = len(labels)
    xs = [k + 0.5 for k in range(n)]  # a value sits mid-interval; ticks mark interval starts
    fig = _figure()
    ax = fig.subplots()
    ax.fill_between(
        xs,
        [clip(v) for v in series.low],
        [clip(v) for v in series.high],
        alpha=0.25,
        color="tab:blue",
        label="95% CI",
    )
    ax.plot(xs, [v * scale for v in series.mean], color="tab:blue", marker=".", label="mean")
    if warmup > 0:
        ax.axvspan(0, warmup, color="grey", alpha=0.15, label="warm-up (not in KPIs)")
    step = max(1, math.ceil(n / 12))
    ticks = list(range(0, n, step))
    ax.set_xticks(ticks, [labels[k] for k in ticks], rotation=30, ha="right")
    ax.set_xlim(0, n)
    ax.set_title(title)
    ax.set_ylabel(f"{ylabel} (%)" if percent else ylabel)
    ax.set_ylim(bottom=0)
    if percent:
        ax.set_ylim(top=105)
    ax.grid(alpha=0.3)
    ax.legend(loc="best")
    return _png(fig)


def _sweep_png(
    kpi: str, variable: str, values: Sequence[Any], summaries: Sequence[ReplicationSummary]
) -> bytes:
    """Draw a KPI against the swept variable with 95% CI error bars."""
    percent = kpi in _RATES
    scale = 100.0 if percent else 1.0
    numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
    xs: list[float] = (
        [float(v) for v in values] if numeric else list(map(float, range(len(values))))
    )
    means, errors = [], []
    for summary in summaries:
        est = summary.kpis.get(kpi)
        means.append(math.nan if est is None else est.mean * scale)
        half = math.nan if est is None else est.half_width
        errors.append(0.0 if math.isnan(half) else half * scale)
    fig = _figure()
    ax = fig.subplots()
    ax.errorbar(xs, means, yerr=errors, marker="o", capsize=4, color="tab:blue")
    if not numeric:
        ax.set_xticks(xs, [str(v) for v in values])
    ax.set_title(f"{kpi_label(kpi)} against {variable}")
    ax.set_xlabel(variable)
    label = kpi_label(kpi) + (" (%)" if percent else " (s)" if kpi.endswith("_s") else "")
    ax.set_ylabel(label)
    ax.grid(alpha=0.3)
    return _png(fig)
