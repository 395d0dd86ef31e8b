"""`imr-llm eval fit`: sign-constrained logistic regression of the decision weights on a run,
written into the settings the drafts read."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from imr_llm._errors import InputError
from imr_llm.cli import main
from imr_llm.drafting._decide import evidence_probability, load_decision_config, write_settings
from imr_llm.drafting._models import CriterionCheck
from imr_llm.evals._fit import decision_features, fit_decision, fit_run


def _prediction(met: int, not_met: int, p_prec: float, p_model: float) -> dict[str, object]:
    criteria = [{"criterion": f"c{i}", "status": "met"} for i in range(met)]
    criteria += [{"criterion": f"n{i}", "status": "not met"} for i in range(not_met)]
    return {"criteria": criteria, "p_precedents": p_prec, "p_model": p_model}


def _synthetic(n: int = 300, seed: int = 1) -> tuple[list[bool], list[dict[str, object]]]:
    """Overturned more likely with more criteria met and a higher p_precedents; p_model is
    anti-correlated noise (a sign the fit must not accept)."""
    rng = random.Random(seed)
    ys, preds = [], []
    for _ in range(n):
        y = rng.random() < 0.3
        met = rng.choice([1, 2, 3]) if y else rng.choice([0, 0, 1])
        not_met = rng.choice([0, 1]) if y else rng.choice([0, 1, 2])
        p_prec = rng.uniform(0.4, 0.9) if y else rng.uniform(0.1, 0.6)
        p_model = rng.uniform(0.1, 0.5) if y else rng.uniform(0.3, 0.9)
        ys.append(y)
        preds.append(_prediction(met, not_met, p_prec, p_model))
    return ys, preds


def test_fit_learns_the_signs_that_carry_signal_and_refuses_a_wrong_sign() -> None:
    ys, preds = _synthetic()
    fit = fit_decision(ys, [decision_features(p) for p in preds])
    assert fit.status_weight["met"] > 0.5 and fit.precedent_weight > 0.5
    assert fit.status_weight["not met"] < 0
    assert fit.model_weight == 0.0  # anti-correlated: clipped at the bound, not made negative
    assert fit.in_sample_roc_auc is not None and fit.in_sample_roc_auc > 0.8
    assert 0 < fit.threshold < 1 and fit.settings()["policy"] == "evidence"


def test_more_penalty_shrinks_the_weights() -> None:
    ys, preds = _synthetic()
    features = [decision_features(p) for p in preds]
    loose, tight = fit_decision(ys, features, l2=0.1), fit_decision(ys, features, l2=100.0)
    assert abs(tight.status_weight["met"]) < abs(loose.status_weight["met"])


def test_written_settings_reproduce_the_fitted_probability(tmp_path: Path) -> None:
    ys, preds = _synthetic()
    fit = fit_decision(ys, [decision_features(p) for p in preds])
    target = write_settings(fit.settings(), tmp_path / "d.toml", note="fitted in a test")
    config = load_decision_config(target)
    assert config.policy == "evidence" and config.threshold == pytest.approx(fit.threshold, 1e-3)
    checks = [
        CriterionCheck(criterion="a", status="met"),
        CriterionCheck(criterion="b", status="not met"),
    ]
    p = evidence_probability(checks, 0.7, config)
    z = fit.intercept + fit.status_weight["met"] + fit.status_weight["not met"]
    z += fit.precedent_weight * (__import__("math").log(0.7 / 0.3))
    assert p == pytest.approx(1 / (1 + __import__("math").exp(-z)), abs=1e-3)
    # other keys of the user's file are kept on a later write
    write_settings({"threshold": 0.3}, target)
    again = load_decision_config(target)
    assert again.threshold == pytest.approx(0.3) and again.policy == "evidence"


def test_invalid_settings_are_refused_before_writing(tmp_path: Path) -> None:
    from imr_llm._errors import GuidelineLibraryError

    target = tmp_path / "d.toml"
    with pytest.raises(GuidelineLibraryError, match="invalid decision settings"):
        write_settings({"threshold": 2.0}, target)
    assert not target.exists()


def _run_dir(tmp_path: Path, ys: list[bool], preds: list[dict[str, object]]) -> Path:
    run = tmp_path / "run"
    run.mkdir()
    rows = [
        {
            "sample_id": f"S{i}#1",
            "case_id": f"S{i}",
            "task": "draft",
            "gold_decision": "Overturned" if y else "Upheld",
            "predicted_decision": "Upheld",
            "prediction": p,
        }
        for i, (y, p) in enumerate(zip(ys, preds, strict=True))
    ]
    (run / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), "utf-8")
    return run


def test_cli_fits_a_run_and_writes_the_settings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ys, preds = _synthetic(120)
    run = _run_dir(tmp_path, ys, preds)
    target = tmp_path / "decision.toml"
    with pytest.raises(SystemExit) as done:
        main(["eval", "fit", str(run), "--write", "--file", str(target)])
    assert done.value.code in (0, None)
    out = capsys.readouterr().out
    assert "120 items" in out and "in-sample (optimistic)" in out and str(target) in out
    assert load_decision_config(target).status_weight["met"] > 0


def test_a_run_without_precedent_probabilities_is_a_clear_error(tmp_path: Path) -> None:
    ys, preds = _synthetic(20)
    for p in preds:
        p["p_precedents"] = None
    with pytest.raises(InputError, match="no p_precedents"):
        fit_run(_run_dir(tmp_path, ys, preds))
    with pytest.raises(InputError, match=r"no results\.jsonl"):
        fit_run(tmp_path / "nowhere")
