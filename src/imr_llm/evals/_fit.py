"""Fit the decision weights (`decision.toml`) on a finished draft run.

P(Overturned) = sigmoid(intercept + precedent_weight * logit(p_precedents)
                        + sum over checklist criteria of status_weight[status]
                        + model_weight * logit(p_model))

is a logistic regression over features every drafted item already carries, so the weights are
fitted by penalised maximum likelihood (L2, `l2`) with signs fixed by what each feature means:
the precedents' and the model's probabilities and a "met" criterion may only raise P(Overturned);
"not met" and "not documented" may only lower it ("not applicable" is left at 0). A run's items
are the training set; fit on a tune split and score a held-out split with the written settings.
The threshold is then the one that maximises balanced accuracy on the fitted probabilities.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from imr_llm._errors import InputError
from imr_llm._models import Contract
from imr_llm.evals._calibration import best_threshold, roc_auc

STATUSES = ("met", "not met", "not documented")
FEATURES = ("precedents", *STATUSES, "model")
SIGNS = {"precedents": 1, "met": 1, "not met": -1, "not documented": -1, "model": 1}


class DecisionFit(Contract):
    """Fitted weights, and how they separate the run they were fitted on (in-sample)."""

    n: int
    n_overturned: int
    l2: float
    intercept: float
    precedent_weight: float
    model_weight: float
    status_weight: dict[str, float]
    threshold: float
    in_sample_roc_auc: float | None
    in_sample_balanced_accuracy: float

    def settings(self) -> dict[str, object]:
        """The keys `write_settings` puts into a decision settings file."""
        return {
            "policy": "blend" if self.model_weight > 0 else "evidence",
            "intercept": round(self.intercept, 4),
            "precedent_weight": round(self.precedent_weight, 4),
            "evidence_weight": 1.0,
            "model_weight": round(self.model_weight, 4),
            "threshold": round(self.threshold, 4),
            "status_weight": {
                **{s: round(self.status_weight.get(s, 0.0), 4) for s in STATUSES},
                "not applicable": 0.0,
            },
        }


def _logit(p: float | None) -> float:
    if p is None:
        return 0.0
    p = min(max(float(p), 1e-4), 1 - 1e-4)
    return math.log(p / (1 - p))


def decision_features(prediction: Mapping[str, Any]) -> list[float]:
    """The FEATURES of one drafted item (a missing probability counts as even odds)."""
    statuses = [c.get("status") for c in prediction.get("criteria") or []]
    return [
        _logit(prediction.get("p_precedents")),
        *(float(statuses.count(s)) for s in STATUSES),
        _logit(prediction.get("p_model")),
    ]


def fit_decision(
    positive: Sequence[bool],
    features: Sequence[Sequence[float]],
    *,
    l2: float = 1.0,
    use_model: bool = True,
) -> DecisionFit:
    """Sign-constrained L2 logistic regression (scipy L-BFGS-B), then the best threshold."""
    from scipy.optimize import minimize

    y = np.asarray(positive, dtype=float)
    x = np.c_[np.ones(len(y)), np.asarray(features, dtype=float)]
    if len(y) == 0 or y.sum() in (0, len(y)):
        raise InputError("fitting needs drafted items of both decisions in gold")

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        z = x @ w
        nll = float(np.sum(np.logaddexp(0.0, z) - y * z)) + 0.5 * l2 * float(w[1:] @ w[1:])
        grad = x.T @ (1.0 / (1.0 + np.exp(-z)) - y)
        grad[1:] += l2 * w[1:]
        return nll, grad

    bounds: list[tuple[float | None, float | None]] = [(None, None)]
    for name in FEATURES:
        if name == "model" and not use_model:
            bounds.append((0.0, 0.0))
        else:
            bounds.append((0.0, None) if SIGNS[name] > 0 else (None, 0.0))
    start = np.zeros(x.shape[1])
    start[0] = math.log(y.mean() / (1 - y.mean()))
    found = minimize(loss, start, jac=True, method="L-BFGS-B", bounds=bounds)
    w = [float(v) for v in found.x]
    scores = list(1.0 / (1.0 + np.exp(-(x @ found.x))))
    cut = best_threshold(list(positive), scores)
    assert cut is not None
    named = dict(zip(FEATURES, w[1:], strict=True))
    return DecisionFit(
        n=len(y),
        n_overturned=int(y.sum()),
        l2=l2,
        intercept=w[0],
        precedent_weight=named["precedents"],
        model_weight=named["model"],
        status_weight={s: named[s] for s in STATUSES},
        threshold=min(max(cut[0], 1e-4), 1 - 1e-4),
        in_sample_roc_auc=roc_auc(list(positive), scores),
        in_sample_balanced_accuracy=cut[1],
    )


def fit_run(run_dir: str | Path, *, l2: float = 1.0, use_model: bool = True) -> DecisionFit:
    """Fit on a finished draft run's results (errors left out)."""
    from imr_llm.evals._results import latest_results, read_results

    path = Path(run_dir) / "results.jsonl"
    if not path.is_file():
        raise InputError("not an eval run (no results.jsonl)", path=run_dir)
    rows = [r for r in latest_results(read_results(path)).values() if r.ok and r.gold_decision]
    drafted = [r for r in rows if isinstance(r.prediction, Mapping)]
    # `drafted` holds only Mapping predictions; the filter above does not narrow r.prediction
    if drafted and all(r.prediction.get("p_precedents") is None for r in drafted):  # type: ignore[union-attr]
        raise InputError(
            "the run's drafts carry no p_precedents (drafted before the precedents classifier, "
            "or with an empty corpus): run the eval again",
            path=run_dir,
        )
    positive = [r.gold_decision == "Overturned" for r in drafted]
    features = [decision_features(r.prediction) for r in drafted]  # type: ignore[arg-type]  # as above
    return fit_decision(positive, features, l2=l2, use_model=use_model)
