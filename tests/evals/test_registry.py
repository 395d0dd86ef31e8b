"""The metric registry: the built-in metrics, and a metric added as one registered function
(the README's "Adding a metric" example, run from the README itself) reaching every output."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from imr_llm._errors import GateFailed, InputError
from imr_llm.evals import (
    EvalConfig,
    EvalResults,
    ResultSet,
    compare_runs,
    metric,
    registered,
    run_eval,
)
from imr_llm.evals._registry import unregister

from ._builders import FakePredictor

README = Path(__file__).resolve().parents[2] / "README.md"


def test_builtin_metrics_in_report_order() -> None:
    assert [m.name for m in registered("draft", headline=True)] == [
        "decision_accuracy",
        "decision_balanced_accuracy",
        "decision_kappa",
        "decision_roc_auc",
        "citation_basis_match",
        "citation_chapter_match",
        "rationale_rouge_l_f1",
        "criteria_coverage",
    ]
    assert [m.name for m in registered("summary", headline=True)] == [
        "key_fact_recall",
        "key_fact_precision",
        "summary_rouge_l_f1",
    ]
    assert [m.name for m in registered("summary", headline=False)] == ["document_class_accuracy"]
    assert [m.column for m in registered("draft", per_chapter=True)] == [
        "accuracy",
        "balanced accuracy",
        "kappa",
        "chapter match",
    ]
    with pytest.raises(ValueError, match="already registered"):
        metric("decision_kappa", label="again", task="draft")(lambda results: None)


def _readme_example() -> str:
    section = README.read_text("utf-8").split("### Adding a metric", 1)[1]
    found = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert found is not None
    return found.group(1)


@pytest.fixture
def overturned_recall() -> Iterator[None]:
    """The README's example metric, registered for one test."""
    exec(_readme_example(), {"metric": metric, "ResultSet": ResultSet})
    yield
    unregister("overturned_recall")


@pytest.mark.usefixtures("overturned_recall")
def test_the_readme_metric_reaches_every_output(letters_jsonl: Path, tmp_path: Path) -> None:
    majority = run_eval(letters_jsonl, model="baseline/majority", out=tmp_path / "maj",
                        n_boot=50, progress=False)  # fmt: skip
    # FakePredictor overturns Acupuncture only: 1 of the 2 Overturned items
    fake = run_eval(letters_jsonl, model=FakePredictor(), out=tmp_path / "fake", n_boot=50,
                    progress=False, fail_if=["overturned_recall<0.5"])  # fmt: skip
    metrics = json.loads((tmp_path / "fake" / "metrics.json").read_text())
    assert metrics["metrics"]["overturned_recall"] == pytest.approx(0.5)
    assert metrics["intervals"]["overturned_recall"] is not None
    assert metrics["floor"]["baseline/majority"]["overturned_recall"] == 0.0
    assert all("overturned_recall" in row for row in metrics["metrics"]["per_chapter"].values())
    assert majority.variants[0].metrics["metrics"]["overturned_recall"] == 0.0
    assert fake.gates[0].value == pytest.approx(0.5) and not fake.gates[0].failed
    md = (tmp_path / "fake" / "report.md").read_text()
    assert "| Overturned recall | 0.500 |" in md
    assert "| kappa | chapter match | overturned recall |" in md  # the per-chapter columns
    html = (tmp_path / "fake" / "report.html").read_text()
    assert "<td>Overturned recall</td><td>0.500</td>" in html
    assert "<th>overturned recall</th>" in html
    comparison = compare_runs([tmp_path / "maj", tmp_path / "fake"], n_boot=50,
                              out=tmp_path / "cmp")  # fmt: skip
    assert comparison["deltas"][0]["metrics"]["overturned_recall"]["delta"] == pytest.approx(0.5)
    cmp_md = (tmp_path / "cmp" / "report.md").read_text()
    assert "| Overturned recall | 0.000 | 0.500 | +0.500 |" in cmp_md
    with pytest.raises(GateFailed, match="overturned_recall"):
        compare_runs([tmp_path / "maj", tmp_path / "fake"], n_boot=50,
                     fail_if=["delta.overturned_recall<0.9"])  # fmt: skip


def test_gate_names_are_checked_before_any_work(letters_jsonl: Path, tmp_path: Path) -> None:
    cases = {
        "key_fact_recall<0.5": "summary metric",
        "delta.decision_kappa<0": "eval compare",
        "decision_kapa<0.2": "unknown metric",
    }
    for gate, message in cases.items():
        with pytest.raises(InputError, match=message):
            run_eval(letters_jsonl, model="baseline/majority", out=tmp_path / "x",
                     progress=False, fail_if=[gate])  # fmt: skip
        assert not (tmp_path / "x").exists()


def test_run_files_validate_as_the_typed_models(letters_jsonl: Path, tmp_path: Path) -> None:
    run = run_eval(letters_jsonl, model="baseline/extractive", out=tmp_path / "r", n_boot=20,
                   progress=False, draft_options={"rationale": "template"})  # fmt: skip
    config_json = json.loads((tmp_path / "r" / "config.json").read_text())
    assert EvalConfig.model_validate(config_json).model_dump(mode="json") == config_json
    assert config_json["draft_options"] == {"rationale": "template"}
    metrics_json = json.loads((tmp_path / "r" / "metrics.json").read_text())
    assert EvalResults.model_validate(metrics_json).to_json() == metrics_json
    assert run.variants[0].metrics == metrics_json
    with pytest.raises(InputError):
        run_eval(letters_jsonl, model="baseline/majority", out=tmp_path / "y", progress=False,
                 draft_options={"rationale": "poem"})  # fmt: skip
