"""ROC AUC of P(Overturned) and the threshold that maximises balanced accuracy.

AUC is the Mann-Whitney statistic: the probability that a random Overturned item scores above a
random Upheld one (ties count half), computed from average ranks (numpy), O(n log n).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from imr_llm._models import Contract


class Calibration(Contract):
    """How well P(Overturned) separates the decisions, and the best cut."""

    n: int
    n_overturned: int
    roc_auc: float | None = None
    best_threshold: float | None = None
    best_balanced_accuracy: float | None = None


def _average_ranks(values: np.ndarray) -> np.ndarray:
    order = np.argsort(values, kind="mergesort")
    ranks = np.empty(len(values), dtype=float)
    sorted_vals = values[order]
    i = 0
    while i < len(values):
        j = i
        while j + 1 < len(values) and sorted_vals[j + 1] == sorted_vals[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2.0 + 1.0
        i = j + 1
    return ranks


def roc_auc(positive: Sequence[bool], scores: Sequence[float]) -> float | None:
    """Mann-Whitney AUC; None when one class is absent."""
    y = np.asarray(positive, dtype=bool)
    s = np.asarray(scores, dtype=float)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0:
        return None
    ranks = _average_ranks(s)
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def best_threshold(positive: Sequence[bool], scores: Sequence[float]) -> tuple[float, float] | None:
    """(threshold, balanced accuracy) maximising balanced accuracy when deciding positive at
    score >= threshold; the threshold is the midpoint between adjacent distinct scores."""
    y = np.asarray(positive, dtype=bool)
    s = np.asarray(scores, dtype=float)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0:
        return None
    distinct = np.unique(s)
    cuts = np.concatenate(([distinct[0]], (distinct[:-1] + distinct[1:]) / 2.0))
    best: tuple[float, float] | None = None
    for cut in cuts:
        pred = s >= cut
        tpr = float((pred & y).sum()) / n_pos
        tnr = float((~pred & ~y).sum()) / n_neg
        ba = (tpr + tnr) / 2.0
        if best is None or ba > best[1] + 1e-12:
            best = (float(cut), ba)
    return best


def calibrate(positive: Sequence[bool], scores: Sequence[float]) -> Calibration:
    found = best_threshold(positive, scores)
    return Calibration(
        n=len(scores),
        n_overturned=int(sum(positive)),
        roc_auc=roc_auc(positive, scores),
        best_threshold=found[0] if found else None,
        best_balanced_accuracy=found[1] if found else None,
    )


def calibration_of_run(run_dir: str | Path) -> Calibration:
    """Calibration of a finished draft run, from its results (errors left out)."""
    from imr_llm._errors import InputError
    from imr_llm.evals._registry import ResultSet
    from imr_llm.evals._results import latest_results, read_results

    results_path = Path(run_dir) / "results.jsonl"
    if not results_path.is_file():
        raise InputError("not an eval run (no results.jsonl)", path=run_dir)
    results = [r for r in latest_results(read_results(results_path)).values() if r.ok]
    positive, scores = ResultSet(results).probabilities
    if not scores or all(positive) or not any(positive):
        raise InputError(
            "no drafted P(Overturned) with both decisions in gold to calibrate on", path=run_dir
        )
    return calibrate(positive, scores)
