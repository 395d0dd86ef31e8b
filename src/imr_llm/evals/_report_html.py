"""`report.html`: self-contained pages (inline CSS and SVG, no script, no external asset),
rendered from `templates/run.html` and `templates/comparison.html` with autoescape: every
piece of text that comes from data (records, letters, drafts, paths, model names) is escaped.

The sample list is paged so that the report stays usable at 10,000+ samples: report.html holds
the headline, plots and tables and the first `PAGE_SIZE` samples; the others go to
`report-samples/page-N.html` (same layout, links between all pages). Samples are rendered as
they are read from the results file, one page in memory at a time.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from markupsafe import Markup

from imr_llm.evals._compare import Comparison, RunDelta
from imr_llm.evals._config import EvalConfig
from imr_llm.evals._eval_results import EvalResults
from imr_llm.evals._reports import (
    block,
    chapter_metrics,
    fmt,
    headline_metrics,
    headline_rows,
    html_environment,
    interval,
    number,
)
from imr_llm.evals._results import SampleResult
from imr_llm.evals._svg import Bar, bar_chart_svg, confusion_svg, delta_chart_svg

PAGE_SIZE = 200
"""Samples per page of the report's sample list."""
PAGES_DIR = "report-samples"


@dataclass(frozen=True)
class Table:
    header: Sequence[str]
    rows: Sequence[Sequence[Any]]


@dataclass(frozen=True)
class Pager:
    """The navigation of a paged sample list."""

    number: int
    pages: int
    total: int
    links: list[tuple[int, str | None]]
    """(page number, its address; None for the current page)."""

    @property
    def first(self) -> int:
        return (self.number - 1) * PAGE_SIZE + 1

    @property
    def last(self) -> int:
        return min(self.number * PAGE_SIZE, self.total)


@dataclass(frozen=True)
class DeltaSection:
    delta: RunDelta
    table: Table
    flipped: Table | None


def _render(template: str, **context: Any) -> str:
    return html_environment().get_template(template).render(**context)


def _plots(results: EvalResults) -> list[Markup]:
    m = results.metrics
    rows = headline_rows(m, results.intervals)
    plots = []
    if cm := block(m.get("confusion_matrix")):
        plots.append(confusion_svg(cm["matrix"], cm["labels"], "Confusion matrix"))
    plots.append(
        bar_chart_svg(
            [
                Bar(row.label, row.value, row.low, row.high)
                for row in rows
                if not (row.value is not None and row.value < 0)
            ],
            "Headline metrics (95% intervals)",
        )
    )
    if chapters := block(m.get("per_chapter")):
        plots.append(
            bar_chart_svg(
                [
                    Bar(f"{c} (n={r['n']})", number(r["decision_accuracy"]))
                    for c, r in chapters.items()
                ],
                "Decision agreement per guideline chapter",
            )
        )
    if fields := block(m.get("key_fact_recall_by_field")):
        plots.append(
            bar_chart_svg(
                [Bar(f, number(v)) for f, v in fields.items()],
                "Key-fact recall by field",
            )
        )
    return plots


def _tables(results: EvalResults, config: EvalConfig) -> dict[str, Table | None]:
    """The tables above the sample list; the metric columns come from the registry."""
    m = results.metrics
    rows = headline_rows(m, results.intervals)
    tables: dict[str, Table | None] = {
        "headline": Table(
            ["metric", "value", "95% case-bootstrap interval"],
            [(row.label, fmt(row.value), interval(row.interval)) for row in rows],
        ),
        "floor": None,
        "per_chapter": None,
        "key_facts": None,
    }
    if results.floor:
        floor_rows: list[list[Any]] = [["this run", *[fmt(m.get(row.name)) for row in rows]]]
        for name, entry in results.floor.items():
            floor_rows.append(
                [name, entry["error"]]
                if "error" in entry
                else [name, *[fmt(entry.get(row.name)) for row in rows]]
            )
        tables["floor"] = Table(["model", *[row.label for row in rows]], floor_rows)
    if chapters := block(m.get("per_chapter")):
        columns = chapter_metrics(config.task)
        tables["per_chapter"] = Table(
            [
                "chapter",
                "n",
                *[c.column for c in columns],
                "confusion [[UU, UO], [OU, OO]]",
            ],
            [
                (
                    chapter,
                    row["n"],
                    *[fmt(row.get(c.name)) for c in columns],
                    row["confusion_matrix"]["matrix"],
                )
                for chapter, row in chapters.items()
            ],
        )
    if fields := block(m.get("key_fact_recall_by_field")):
        tables["key_facts"] = Table(["field", "recall"], [(f, fmt(v)) for f, v in fields.items()])
    usage = results.usage
    tables["cost"] = Table(
        [
            "prompt tokens",
            "completion tokens",
            "tokens/sample",
            "requests",
            "cache hits",
            "cost USD",
            "USD/sample",
            "latency mean s",
            "latency max s",
        ],
        [
            (
                usage.prompt_tokens,
                usage.completion_tokens,
                fmt(usage.tokens_per_sample, 1),
                usage.requests,
                usage.cache_hits,
                fmt(usage.cost_usd, 4),
                fmt(usage.cost_usd_per_sample, 5),
                fmt(usage.latency_s_mean, 2),
                fmt(usage.latency_s_max, 2),
            )
        ],
    )
    skipped = results.dataset.skipped_files
    tables["skipped"] = (
        Table(["file", "reason"], [(s.path, s.reason) for s in skipped]) if skipped else None
    )
    return tables


def _title(config: EvalConfig) -> str:
    return f"Eval report: {config.task} — {config.model}"


def _page(
    *,
    title: str,
    results: EvalResults,
    config: EvalConfig,
    samples: Iterable[SampleResult],
    total: int,
    pager: Pager | None,
    head: bool,
) -> str:
    return _render(
        "run.html",
        title=title,
        head=head,
        config=config,
        results=results,
        plots=_plots(results) if head else [],
        tables=_tables(results, config) if head else {},
        task=config.task,
        samples=samples,
        total=total,
        pager=pager,
    )


def run_html(results: EvalResults, samples: Sequence[SampleResult], config: EvalConfig) -> str:
    """The whole report as one page, every sample on it (small runs; see `write_html_report`)."""
    return _page(
        title=_title(config),
        results=results,
        config=config,
        samples=samples,
        total=len(samples),
        pager=None,
        head=True,
    )


def _page_href(number: int, *, from_main: bool) -> str:
    if number == 1:
        return "report.html" if from_main else "../report.html"
    name = f"page-{number}.html"
    return f"{PAGES_DIR}/{name}" if from_main else name


def _pager(number: int, pages: int, total: int, *, from_main: bool) -> Pager:
    links = [
        (n, None if n == number else _page_href(n, from_main=from_main))
        for n in range(1, pages + 1)
    ]
    return Pager(number=number, pages=pages, total=total, links=links)


def write_html_report(
    run_dir: Path,
    results: EvalResults,
    samples: Iterable[SampleResult],
    config: EvalConfig,
) -> Path:
    """Write report.html (and report-samples/page-N.html past `PAGE_SIZE` samples), reading
    `samples` once, in order; one page of samples is held at a time. The page count comes from
    the results (scored + failed samples)."""
    total = results.n_samples + results.n_errors
    pages = max(1, -(-total // PAGE_SIZE))
    pages_dir = run_dir / PAGES_DIR
    if pages_dir.exists():
        shutil.rmtree(pages_dir)
    path = run_dir / "report.html"
    current: list[SampleResult] = []
    number = 1

    def flush() -> None:
        nonlocal current, number
        main = number == 1
        html = _page(
            title=_title(config) if main else f"{_title(config)} · samples page {number}",
            results=results,
            config=config,
            samples=current,
            total=total,
            pager=_pager(number, pages, total, from_main=main),
            head=main,
        )
        if main:
            path.write_text(html, "utf-8")
        else:
            pages_dir.mkdir(parents=True, exist_ok=True)
            (pages_dir / f"page-{number}.html").write_text(html, "utf-8")
        current = []
        number += 1

    for result in samples:
        current.append(result)
        if len(current) == PAGE_SIZE:
            flush()
    if current or number == 1:
        flush()
    return path


def comparison_html(comparison: Comparison, links: Mapping[str, str] | None = None) -> str:
    """The comparison page; `links` maps a run name to its report's relative address."""
    runs = comparison["runs"]
    metrics = headline_metrics(runs[0]["metrics"])
    plots: list[Markup] = []
    for metric in metrics[:3]:
        plots.append(
            bar_chart_svg(
                [
                    Bar(
                        r["name"],
                        r["metrics"].get(metric.name),
                        (r["intervals"].get(metric.name) or {}).get("low"),
                        (r["intervals"].get(metric.name) or {}).get("high"),
                    )
                    for r in runs
                ],
                metric.label,
            )
        )
    sections: list[DeltaSection] = []
    for delta in comparison["deltas"]:
        shown = [(m, d) for m in metrics if (d := delta["metrics"].get(m.name)) is not None]
        plots.append(
            delta_chart_svg(
                [
                    Bar(
                        m.label,
                        d["delta"],
                        d["low"],
                        d["high"],
                        better=d["delta"] is None or m.better(d["delta"]),
                    )
                    for m, d in shown
                ],
                f"{delta['run']} − {delta['against']} (95%)",
            )
        )
        table = Table(
            ["metric", "reference", "run", "delta", "95% interval"],
            [
                (
                    m.label,
                    fmt(d["a"]),
                    fmt(d["b"]),
                    "n/a" if d["delta"] is None else f"{d['delta']:+.3f}",
                    interval(d, signed=True),
                )
                for m, d in shown
            ],
        )
        flipped = (
            Table(
                ["sample", "request", "gold", "reference", "run"],
                [
                    (f["sample_id"], f["request"], f["gold"], f["a"], f["b"])
                    for f in delta["flipped"]
                ],
            )
            if delta.get("flipped")
            else None
        )
        sections.append(DeltaSection(delta, table, flipped))
    return _render(
        "comparison.html",
        title=f"Eval comparison ({comparison['task']})",
        comparison=comparison,
        plots=plots,
        runs=Table(
            ["run", "model", "prompts version", "n", *[m.label for m in metrics]],
            [
                (
                    r["name"],
                    r["model"],
                    r["prompts_version"] or "n/a",
                    r["n_samples"],
                    *[fmt(r["metrics"].get(m.name)) for m in metrics],
                )
                for r in runs
            ],
        ),
        deltas=sections,
        links=links or {},
    )


def write_comparison_html(out_dir: Path, comparison: Comparison) -> Path:
    links = {}
    for run in comparison["runs"]:
        report = Path(run["directory"]) / "report.html"
        if report.is_file():
            links[run["name"]] = Path(os.path.relpath(report, out_dir)).as_posix()
    path = out_dir / "report.html"
    path.write_text(comparison_html(comparison, links), "utf-8")
    return path
