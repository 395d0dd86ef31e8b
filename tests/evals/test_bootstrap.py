"""Bootstrap intervals: seeded and deterministic, cluster (case) resampling, paired deltas."""

from __future__ import annotations

import pytest

from imr_llm.evals import bootstrap, paired_bootstrap
from imr_llm.evals._bootstrap import _interval
from imr_llm.evals._results import SampleResult


def _results(preds: list[str], golds: list[str]) -> list[SampleResult]:
    return [
        SampleResult(
            sample_id=f"c{i // 2}#{i % 2 + 1}",
            case_id=f"c{i // 2}",  # two items per case
            task="draft",
            gold_decision=g,  # type: ignore[arg-type]
            predicted_decision=p,  # type: ignore[arg-type]
            scores={"rationale_rouge_l_f1": 0.1 * (i % 5)},
        )
        for i, (p, g) in enumerate(zip(preds, golds, strict=True))
    ]


GOLD = ["Upheld"] * 14 + ["Overturned"] * 6
MODEL = ["Upheld"] * 12 + ["Overturned"] * 2 + ["Overturned"] * 4 + ["Upheld"] * 2
MAJORITY = ["Upheld"] * 20


def test_interval_is_linear_interpolation_of_the_draws() -> None:
    # level 0.5 -> quantiles 0.25 and 0.75: positions (4 - 1) * q = 0.75 and 2.25 of the sorted
    # draws (order of the draws does not matter)
    interval = _interval([3.0, 1.0, 4.0, 2.0], 0.5)
    assert interval == {"low": pytest.approx(1.75), "high": pytest.approx(3.25)}
    assert type(interval["low"]) is float  # plain floats in metrics.json, not numpy scalars
    assert _interval([5.0], 0.95) == {"low": 5.0, "high": 5.0}
    assert _interval([], 0.95) is None


def test_same_seed_same_intervals_other_seed_differs() -> None:
    results = _results(MODEL, GOLD)
    first = bootstrap(results, "draft", n_boot=300, seed=7)
    assert first == bootstrap(results, "draft", n_boot=300, seed=7)
    assert first != bootstrap(results, "draft", n_boot=300, seed=8)


def test_interval_brackets_the_point_estimate() -> None:
    results = _results(MODEL, GOLD)
    accuracy = 16 / 20  # 12 + 4 correct
    interval = bootstrap(results, "draft", n_boot=300, seed=0)["decision_accuracy"]
    assert interval is not None
    assert interval["low"] <= accuracy <= interval["high"]
    assert interval["low"] < interval["high"]


def test_constant_predictor_kappa_interval_is_zero() -> None:
    interval = bootstrap(_results(MAJORITY, GOLD), "draft", n_boot=200)["decision_kappa"]
    assert interval == {"low": 0.0, "high": 0.0}


def test_paired_bootstrap_delta() -> None:
    a, b = _results(MAJORITY, GOLD), _results(MODEL, GOLD)
    paired = paired_bootstrap(a, b, "draft", n_boot=300, seed=0)
    acc = paired["decision_accuracy"]
    # majority: 14/20 = 0.70; model: 16/20 = 0.80; delta = +0.10
    assert acc["a"] == pytest.approx(0.70)
    assert acc["b"] == pytest.approx(0.80)
    assert acc["delta"] == pytest.approx(0.10)
    assert acc["low"] <= acc["delta"] <= acc["high"]
    assert acc["n_shared"] == 20
    same = paired_bootstrap(b, b, "draft", n_boot=100, seed=0)["decision_kappa"]
    assert same["delta"] == 0.0 and same["low"] == 0.0 and same["high"] == 0.0
    assert paired == paired_bootstrap(a, b, "draft", n_boot=300, seed=0)
