"""End-to-end evals through the real drafting code and the local model, replayed from
cassettes recorded against the embedded local model (qwen2.5-coder-0.5b):

    IMR_LLM_RECORD=once .venv/bin/pytest tests/evals/test_eval_cassettes.py

The dataset (two real letters from gold.jsonl), the prompts (the default templates) and the
guideline library (the starter excerpts these requests retrieve, including excerpts quoted from
these two letters, which leave-one-letter-out retrieval must skip) are frozen copies in
tests/evals/data/, so that a re-parse of the gold set, an edit of the default prompts or a
bigger starter library does not invalidate the cassettes; a change of the drafting code's
messages or response schemas does (re-record then: delete the cassettes, record with
IMR_LLM_RECORD=once).
"""

from __future__ import annotations

import json
from pathlib import Path

from imr_llm.evals import read_results, run_eval
from imr_llm.guidelines import load_library
from imr_llm.llm import Model

DATA = Path(__file__).parent / "data"
LETTERS = DATA / "cassette_letters.jsonl"
OPTIONS = {"n_boot": 100, "progress": False, "max_concurrency": 1, "prompts": [DATA / "prompts"]}


def test_draft_eval_end_to_end(cassette_model: Model, tmp_path: Path) -> None:
    out = tmp_path / "run"
    library = load_library(DATA / "guidelines")
    run = run_eval(LETTERS, task="draft", model=cassette_model, out=out, library=library, **OPTIONS)
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics == run.variants[0].metrics
    assert metrics["n_samples"] == 3 and metrics["n_errors"] == 0, metrics["errors"]
    assert metrics["model"] == cassette_model.name
    results = read_results(out / "results.jsonl")
    assert [r.sample_id for r in results] == ["CM17-0019066#1", "CM17-0019066#2", "CM17-0014944#1"]
    for result in results:
        assert result.predicted_decision in ("Upheld", "Overturned")
        assert result.prediction is not None and result.prediction["rationale"].strip()
        assert result.usage.requests >= 1
        assert 0.0 <= result.scores["rationale_rouge_l_f1"] <= 1.0  # type: ignore[operator]
    own_quotes = {e.id for e in library if e.source_letter in ("CM17-0019066", "CM17-0014944")}
    assert own_quotes, "the frozen library must contain the letters' own quotes"
    for result in results:  # leave-one-letter-out: the letters' own quotes are never used
        assert result.prediction is not None
        assert not own_quotes & set(result.prediction["excerpt_ids"])
        assert result.case_id not in {p["case_number"] for p in result.prediction["precedents"]}
        assert result.prediction["p_overturned"] is not None
    m = metrics["metrics"]
    assert m["confusion_matrix"]["matrix"][0][0] + m["confusion_matrix"]["matrix"][0][1] == 3
    assert metrics["usage"]["prompt_tokens"] > 0 and metrics["usage"]["completion_tokens"] > 0
    assert set(metrics["floor"]) == {"baseline/majority", "baseline/extractive"}
    assert metrics["floor"]["baseline/majority"]["decision_accuracy"] == 1.0  # all 3 Upheld
    assert "<svg" in (out / "report.html").read_text()


def test_summary_eval_end_to_end(cassette_model: Model, tmp_path: Path) -> None:
    out = tmp_path / "run"
    run = run_eval(
        LETTERS, task="summary", model=cassette_model, out=out, limit=1, floor=False, **OPTIONS
    )
    metrics = run.variants[0].metrics
    assert metrics["n_samples"] == 1 and metrics["n_errors"] == 0, metrics["errors"]
    m = metrics["metrics"]
    assert 0.0 <= m["key_fact_recall"] <= 1.0
    assert 0.0 <= m["key_fact_precision"] <= 1.0
    assert m["summary_rouge_l_f1"] is not None and m["summary_rouge_l_f1"] > 0.0
    [result] = read_results(out / "results.jsonl")
    assert result.prediction is not None and result.prediction["prose"].strip()
