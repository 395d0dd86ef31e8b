"""Seeded percentile bootstrap intervals for the headline metrics.

Items of one letter share a reviewer and a record, so they are not independent: the bootstrap
resamples CASES (letters / case files) with replacement and keeps all of a case's samples
(a cluster bootstrap). The same seed gives the same intervals (`random.Random(seed)`).
The paired version resamples the cases shared by two runs and recomputes both runs' metrics on
the same draw, so the interval is for the difference itself.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import TypedDict

import numpy as np

from imr_llm.evals._metrics import headline
from imr_llm.evals._results import SampleResult

DEFAULT_N_BOOT = 1000
DEFAULT_SEED = 0
LEVEL = 0.95

Metrics = Callable[[Sequence[SampleResult]], dict[str, float | None]]


class PairedDelta(TypedDict):
    """One headline metric of two runs on their shared samples: B - A and its interval."""

    a: float | None
    b: float | None
    delta: float | None
    low: float | None
    high: float | None
    n_shared: int


def _clusters(results: Sequence[SampleResult]) -> list[list[SampleResult]]:
    """Samples grouped by case, cases in id order (so file order does not change a draw)."""
    groups: dict[str, list[SampleResult]] = {}
    for result in results:
        groups.setdefault(result.case_id, []).append(result)
    return [groups[case] for case in sorted(groups)]


def _interval(values: list[float], level: float) -> dict[str, float] | None:
    if not values:
        return None
    alpha = (1.0 - level) / 2.0
    low, high = np.quantile(values, [alpha, 1.0 - alpha])  # linear interpolation (the default)
    return {"low": float(low), "high": float(high)}


def bootstrap(
    results: Sequence[SampleResult],
    task: str,
    *,
    n_boot: int = DEFAULT_N_BOOT,
    seed: int = DEFAULT_SEED,
    level: float = LEVEL,
    metrics: Metrics | None = None,
) -> dict[str, dict[str, float] | None]:
    """95% (by default) percentile intervals of each headline metric; None when undefined."""
    compute = metrics or (lambda rs: headline(rs, task))
    clusters = _clusters(results)
    draws: dict[str, list[float]] = {name: [] for name in compute(results)}
    if not clusters:
        return dict.fromkeys(draws)
    rng = random.Random(seed)
    for _ in range(n_boot):
        sample = [r for c in rng.choices(clusters, k=len(clusters)) for r in c]
        for name, value in compute(sample).items():
            if value is not None:
                draws.setdefault(name, []).append(value)
    return {name: _interval(values, level) for name, values in draws.items()}


def paired_bootstrap(
    results_a: Sequence[SampleResult],
    results_b: Sequence[SampleResult],
    task: str,
    *,
    n_boot: int = DEFAULT_N_BOOT,
    seed: int = DEFAULT_SEED,
    level: float = LEVEL,
) -> dict[str, PairedDelta]:
    """Delta (B - A) of each headline metric on the samples both runs scored, with a paired
    percentile interval. Returns {metric: {a, b, delta, low, high, n_shared}}."""
    by_id_b = {r.sample_id: r for r in results_b}
    shared = [r for r in results_a if r.sample_id in by_id_b]
    pairs_by_case: dict[str, list[tuple[SampleResult, SampleResult]]] = {}
    for a in shared:
        pairs_by_case.setdefault(a.case_id, []).append((a, by_id_b[a.sample_id]))
    clusters = [pairs_by_case[case] for case in sorted(pairs_by_case)]
    point_a = headline(shared, task)
    point_b = headline([by_id_b[a.sample_id] for a in shared], task)
    draws: dict[str, list[float]] = {name: [] for name in point_a}
    rng = random.Random(seed)
    for _ in range(n_boot if clusters else 0):
        drawn = [p for c in rng.choices(clusters, k=len(clusters)) for p in c]
        ha = headline([a for a, _ in drawn], task)
        hb = headline([b for _, b in drawn], task)
        for name in draws:
            value_a, value_b = ha[name], hb[name]
            if value_a is not None and value_b is not None:
                draws[name].append(value_b - value_a)
    out: dict[str, PairedDelta] = {}
    for name in point_a:
        value_a, value_b = point_a[name], point_b[name]
        interval = _interval(draws[name], level)
        out[name] = {
            "a": value_a,
            "b": value_b,
            "delta": value_b - value_a if value_a is not None and value_b is not None else None,
            "low": interval["low"] if interval else None,
            "high": interval["high"] if interval else None,
            "n_shared": len(shared),
        }
    return out
