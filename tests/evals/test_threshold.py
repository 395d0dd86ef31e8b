"""P(Overturned) in eval runs: ROC AUC in the headline, the calibration block, and
`imr-llm eval threshold RUN --write` making the best threshold the drafts' default."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from imr_llm.cli import main
from imr_llm.drafting._decide import load_decision_config, user_decision_file
from imr_llm.evals import run_eval
from imr_llm.evals._samples import Sample
from imr_llm.llm import Usage

from ._builders import FakePredictor

P = {"Acupuncture": 0.6, "Work hardening": 0.3, "TENS": 0.35, "MRI": 0.2}


class ProbabilityPredictor(FakePredictor):
    """Drafts with a P(Overturned) per request word; decides at 0.5."""

    def predict(self, sample: Sample):  # type: ignore[no-untyped-def]
        draft, usage = super().predict(sample)
        p = next((v for k, v in P.items() if k in (sample.request or "")), 0.1)
        return draft.model_copy(update={"p_overturned": p}), usage or Usage()


def test_eval_reports_auc_and_the_best_threshold(
    letters_jsonl: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = run_eval(
        letters_jsonl,
        model=ProbabilityPredictor(),
        out=tmp_path / "run",
        progress=False,
        n_boot=20,
        floor=False,
    )
    m = run.variants[0].metrics["metrics"]
    # Overturned: Acupuncture 0.6, Work hardening 0.3; Upheld: TENS 0.35, MRI 0.2, four at 0.1
    # pairs won: 0.6 beats all 6; 0.3 beats 5 of 6 -> AUC 11/12
    assert m["decision_roc_auc"] == pytest.approx(11 / 12)
    assert m["calibration"]["best_threshold"] == pytest.approx(0.25)
    assert m["calibration"]["best_balanced_accuracy"] == pytest.approx((1 + 5 / 6) / 2)
    assert "P(Overturned) ROC AUC" in (tmp_path / "run" / "report.md").read_text()

    target = tmp_path / "decision.toml"
    with pytest.raises(SystemExit) as done:
        main(["eval", "threshold", str(tmp_path / "run"), "--write", "--file", str(target)])
    assert done.value.code in (0, None)
    out = capsys.readouterr().out
    assert "best threshold 0.25" in out and f"wrote threshold 0.25 to {target}" in out
    assert load_decision_config(target).threshold == pytest.approx(0.25)
    # the shipped weights are kept, only the threshold changes
    assert load_decision_config(target).status_weight == load_decision_config().status_weight


def test_user_file_and_environment_override_the_threshold(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shipped = load_decision_config().threshold
    user = user_decision_file()
    assert not user.exists()  # tests never see a developer's calibration
    user.parent.mkdir(parents=True)
    user.write_text("threshold = 0.123\n", "utf-8")
    assert load_decision_config().threshold == pytest.approx(0.123) != shipped
    monkeypatch.setenv("IMR_LLM_DECISION_THRESHOLD", "0.4")
    assert load_decision_config().threshold == pytest.approx(0.4)


def test_threshold_of_a_run_without_probabilities_is_a_clear_error(
    letters_jsonl: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_eval(
        letters_jsonl,
        model="baseline/majority",
        out=tmp_path / "m",
        progress=False,
        n_boot=20,
        floor=False,
    )
    with pytest.raises(SystemExit) as done:
        main(["eval", "threshold", str(tmp_path / "m")])
    assert done.value.code == 2
    assert "no drafted P(Overturned)" in capsys.readouterr().err
    assert (
        json.loads((tmp_path / "m" / "metrics.json").read_text())["metrics"]["calibration"] is None
    )


def test_letters_split_partitions_the_gold_set() -> None:
    root = Path(__file__).resolve().parents[2] / "evals/datasets/letters"
    gold = (root / "gold.jsonl").read_text("utf-8").splitlines()
    tune = (root / "splits/tune.jsonl").read_text("utf-8").splitlines()
    held = (root / "splits/holdout.jsonl").read_text("utf-8").splitlines()
    assert held == gold[2::3] and tune == [x for i, x in enumerate(gold) if i % 3 != 2]
