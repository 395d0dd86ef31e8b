"""The metric registry: every eval metric is one registered function.

A metric is registered with its name (the key in `metrics.json`), its label in the reports, its
task, its direction (is higher better?), whether it is a headline figure (bootstrap interval,
floor and comparison deltas, CLI summary) and whether it is also computed per guideline
chapter. Everything else reads the registry: per-sample scoring (`_scoring.result_for`), the
aggregate (`_metrics.aggregate` / `headline`), the bootstrap and the paired deltas, the report
tables and plots (`_reports`), and the `--fail-if` gates (known names, `delta.` metrics).

Two decorators, one registry:

- `@scorer(...)` registers a per-sample score `fn(sample, prediction) -> float | None` (kept in
  each result's `scores`, None where the gold does not allow it); its aggregate is the mean of
  the defined values unless `aggregate=` says otherwise.
- `@metric(...)` registers an aggregate `fn(results: ResultSet) -> float | None` computed over a
  set of scored results (decision agreement, ROC AUC...).

Metrics are listed (in tables, in metrics.json) in the order they are registered; the built-in
ones are all in `_catalog`, which is imported on the first lookup.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from statistics import fmean
from typing import Any, Literal, TypedDict, TypeVar, Unpack

from imr_llm.evals._results import SampleResult
from imr_llm.evals._samples import Sample, Task

Direction = Literal["higher", "lower"]


class ResultSet:
    """A set of scored results and what several metrics derive from it, computed once per set
    (the bootstrap recomputes every headline metric on each resample)."""

    def __init__(self, results: Sequence[SampleResult]) -> None:
        self.results = results

    def __len__(self) -> int:
        return len(self.results)

    def mean(self, name: str) -> float | None:
        """Mean of the per-sample score `name` over the samples where it is defined."""
        present = [v for r in self.results if (v := r.scores.get(name)) is not None]
        return fmean(present) if present else None

    @cached_property
    def decisions(self) -> tuple[list[str], list[str]]:
        """(gold, predicted) decisions of the results that have both."""
        pairs = [
            (r.gold_decision, r.predicted_decision)
            for r in self.results
            if r.gold_decision is not None and r.predicted_decision is not None
        ]
        return [g for g, _ in pairs], [p for _, p in pairs]

    @cached_property
    def probabilities(self) -> tuple[list[bool], list[float]]:
        """(gold is Overturned, drafted P(Overturned)) for the results whose draft has one."""
        from imr_llm.evals._metrics import p_overturned

        pairs = [
            (r.gold_decision == "Overturned", float(p))
            for r in self.results
            if r.gold_decision is not None and (p := p_overturned(r)) is not None
        ]
        return [y for y, _ in pairs], [s for _, s in pairs]

    @cached_property
    def key_facts(self) -> KeyFactTotals:
        """Key-fact counts summed over the results (summary runs)."""
        from imr_llm.evals._metrics import key_fact_totals

        return key_fact_totals(self.results)


@dataclass(frozen=True)
class KeyFactTotals:
    """Micro-averaged key-fact scores of a set (see `_keyfacts`)."""

    recall: float | None
    precision: float | None
    recall_by_field: dict[str, float | None]
    precision_by_field: dict[str, float | None]
    document_class_accuracy: float | None


ScoreFn = Callable[[Sample, Any], float | None]
"""A per-sample scorer: (sample with its gold, the ItemDraft or CaseSummary) -> score."""
AggregateFn = Callable[[ResultSet], float | None]
"""An aggregate over a set of scored results."""

S = TypeVar("S", bound=Callable[..., float | None])
A = TypeVar("A", bound=AggregateFn)


@dataclass(frozen=True)
class Metric:
    """One registered metric (see the module docstring)."""

    name: str
    label: str
    task: Task
    aggregate: AggregateFn
    score: ScoreFn | None = None
    direction: Direction = "higher"
    headline: bool = True
    per_chapter: bool = False
    short_label: str | None = None
    """Column header in the per-chapter tables (default: `label`)."""
    narrow_label: str | None = None
    """Column header in the narrower Markdown per-chapter table (default: `short_label`)."""
    sample_label: str | None = None
    """Column header in report.md's per-sample table (None: not a column there)."""

    @property
    def column(self) -> str:
        return self.short_label or self.label

    @property
    def narrow_column(self) -> str:
        return self.narrow_label or self.column

    def better(self, delta: float) -> bool:
        """Whether a change of `delta` is not a loss (0 counts as no loss)."""
        return delta >= 0 if self.direction == "higher" else delta <= 0


_REGISTRY: dict[str, Metric] = {}
_loaded = False
_load_lock = threading.RLock()


def register(entry: Metric) -> Metric:
    """Add `entry` to the registry; a name is registered once."""
    if entry.name in _REGISTRY:
        raise ValueError(f"metric {entry.name!r} is already registered")
    _REGISTRY[entry.name] = entry
    return entry


class MetricOptions(TypedDict, total=False):
    """How a metric is reported (the `Metric` fields of the same names)."""

    direction: Direction
    headline: bool
    per_chapter: bool
    short_label: str | None
    narrow_label: str | None
    sample_label: str | None


def unregister(name: str) -> None:
    """Remove a registered metric (tests that register one of their own)."""
    _REGISTRY.pop(name, None)


def metric(
    name: str, *, label: str, task: Task, **options: Unpack[MetricOptions]
) -> Callable[[A], A]:
    """Register an aggregate metric `fn(results: ResultSet) -> float | None`."""

    def decorate(fn: A) -> A:
        register(Metric(name=name, label=label, task=task, aggregate=fn, **options))
        return fn

    return decorate


def scorer(
    name: str,
    *,
    label: str,
    task: Task,
    aggregate: AggregateFn | None = None,
    **options: Unpack[MetricOptions],
) -> Callable[[S], S]:
    """Register a per-sample scorer `fn(sample, prediction) -> float | None` (prediction: the
    task's ItemDraft or CaseSummary); aggregated as the mean of the defined scores unless
    `aggregate` is given."""

    def decorate(fn: S) -> S:
        register(
            Metric(
                name=name,
                label=label,
                task=task,
                aggregate=aggregate or (lambda results: results.mean(name)),
                score=fn,
                **options,
            )
        )
        return fn

    return decorate


def _load() -> None:
    """Import the built-in metrics once (thread-safe: samples are scored on worker threads)."""
    global _loaded
    if _loaded:
        return
    with _load_lock:
        if not _loaded:
            import imr_llm.evals._catalog  # noqa: F401  (registers the built-in metrics)

            _loaded = True


def registered(
    task: str | None = None,
    *,
    headline: bool | None = None,
    per_chapter: bool | None = None,
    scored: bool | None = None,
) -> list[Metric]:
    """The registered metrics in registration order, filtered by task and flags (None: any);
    `scored`: whether the metric has a per-sample scorer."""
    _load()
    return [
        m
        for m in _REGISTRY.values()
        if (task is None or m.task == task)
        and (headline is None or m.headline == headline)
        and (per_chapter is None or m.per_chapter == per_chapter)
        and (scored is None or (m.score is not None) == scored)
    ]


def get(name: str) -> Metric | None:
    """The registered metric called `name`, if any."""
    _load()
    return _REGISTRY.get(name)


def compute(metrics: Sequence[Metric], results: Sequence[SampleResult]) -> dict[str, float | None]:
    """{name: value} of `metrics` over `results` (one shared ResultSet)."""
    view = ResultSet(results)
    return {m.name: m.aggregate(view) for m in metrics}
