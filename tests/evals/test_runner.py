"""run_eval: outputs, baselines, concurrency, resume after an interruption, failures."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from imr_llm._errors import ImrLlmError, InputError, ModelError
from imr_llm.evals import read_results, run_eval

from ._builders import FakePredictor

FAST = {"n_boot": 50, "progress": False}


class Killed(Exception):
    """Stands for the process being killed mid-run (not an ImrLlmError: the run stops)."""


def _comparable(metrics: dict[str, Any]) -> dict[str, Any]:
    return {k: metrics[k] for k in ("n_samples", "n_errors", "metrics", "intervals")}


def test_majority_baseline_run(letters_jsonl: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    run = run_eval(letters_jsonl, model="baseline/majority", out=out, **FAST)
    metrics = json.loads((out / "metrics.json").read_text())
    assert run.variants[0].metrics == metrics
    # 6 of the 8 gold items are Upheld: always-Upheld scores 6/8, kappa 0, balanced 0.5
    assert metrics["n_samples"] == 8
    assert metrics["metrics"]["decision_accuracy"] == pytest.approx(0.75)
    assert metrics["metrics"]["decision_kappa"] == 0.0
    assert metrics["metrics"]["decision_balanced_accuracy"] == pytest.approx(0.5)
    assert metrics["metrics"]["confusion_matrix"]["matrix"] == [[6, 0], [2, 0]]
    assert set(metrics["intervals"]) >= {"decision_accuracy", "decision_kappa"}
    assert metrics["usage"]["prompt_tokens"] == 0
    assert set(metrics["floor"]) == {"baseline/extractive"}
    config = json.loads((out / "config.json").read_text())
    assert config["model"] == "baseline/majority"
    assert config["dataset"] == str(letters_jsonl)
    assert "git" in config and "samples_fingerprint" in config
    assert len(read_results(out / "results.jsonl")) == 8
    assert (out / "report.md").is_file() and (out / "report.html").is_file()


def test_extractive_baseline_never_builds_a_model(
    letters_jsonl: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import imr_llm.llm

    def no_model(*_: object, **__: object) -> None:
        raise AssertionError("a baseline touched the LLM layer")

    monkeypatch.setattr(imr_llm.llm, "get_model", no_model)
    run = run_eval(letters_jsonl, model="baseline/extractive", out=tmp_path / "x", **FAST)
    m = run.variants[0].metrics
    assert m["n_samples"] == 8 and m["n_errors"] == 0
    assert m["metrics"]["citation_basis_match"] is not None
    assert set(m["floor"]) == {"baseline/majority"}
    summary = run_eval(
        letters_jsonl, task="summary", model="baseline/extractive", out=tmp_path / "s", **FAST
    )
    facts = summary.variants[0].metrics["metrics"]
    # every letter summary says '45 year old male': age and sex recovered everywhere
    assert facts["key_fact_recall_by_field"]["age"] == 1.0
    assert facts["key_fact_recall_by_field"]["sex"] == 1.0


def test_concurrent_run_matches_sequential(letters_jsonl: Path, tmp_path: Path) -> None:
    one = run_eval(letters_jsonl, model=FakePredictor(), out=tmp_path / "a", floor=False, **FAST)
    four = run_eval(
        letters_jsonl,
        model=FakePredictor(),
        out=tmp_path / "b",
        max_concurrency=4,
        floor=False,
        **FAST,
    )
    assert _comparable(one.variants[0].metrics) == _comparable(four.variants[0].metrics)
    usage = four.variants[0].metrics["usage"]
    assert usage["prompt_tokens"] == 800 and usage["completion_tokens"] == 160
    assert usage["cost_usd"] == pytest.approx(0.008)


def test_resume_after_interruption_loses_nothing(letters_jsonl: Path, tmp_path: Path) -> None:
    reference = run_eval(
        letters_jsonl, model=FakePredictor(), out=tmp_path / "ref", floor=False, **FAST
    )
    out = tmp_path / "run"
    killer = FakePredictor(fail_on=lambda s: Killed() if s.id == "CM16-0000004#1" else None)
    with pytest.raises(Killed):
        run_eval(letters_jsonl, model=killer, out=out, floor=False, **FAST)
    written = [r.sample_id for r in read_results(out / "results.jsonl")]
    # everything before the killed sample is on disk (a sample that was already running when
    # the run stopped may be there too); the killed sample is not
    assert written[:4] == ["CM16-0000001#1", "CM16-0000002#1", "CM16-0000002#2", "CM16-0000003#1"]
    assert "CM16-0000004#1" not in written
    # a kill in the middle of writing a line leaves a truncated last line
    with (out / "results.jsonl").open("a") as handle:
        handle.write('{"sample_id": "CM16-00000')
    with pytest.raises(InputError, match="--resume"):
        run_eval(letters_jsonl, model=FakePredictor(), out=out, floor=False, **FAST)
    again = FakePredictor()
    resumed = run_eval(letters_jsonl, model=again, out=out, resume=True, floor=False, **FAST)
    all_ids = [
        f"CM16-000000{c}#{i}"
        for c, i in ((1, 1), (2, 1), (2, 2), (3, 1), (4, 1), (4, 2), (5, 1), (5, 2))
    ]
    assert sorted(again.calls) == [i for i in all_ids if i not in written]
    assert "CM16-0000004#1" in again.calls
    assert _comparable(resumed.variants[0].metrics) == _comparable(reference.variants[0].metrics)
    # resuming a finished run calls nothing
    idle = FakePredictor()
    run_eval(letters_jsonl, model=idle, out=out, resume=True, floor=False, **FAST)
    assert idle.calls == []


def test_resume_refuses_a_different_model(letters_jsonl: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    run_eval(letters_jsonl, model=FakePredictor(), out=out, floor=False, **FAST)
    with pytest.raises(InputError, match="model"):
        run_eval(letters_jsonl, model=FakePredictor("other/model"), out=out, resume=True, **FAST)
    fresh = FakePredictor("other/model")
    run_eval(letters_jsonl, model=fresh, out=out, overwrite=True, floor=False, **FAST)
    assert len(fresh.calls) == 8


def test_failed_samples_are_reported_and_retried(letters_jsonl: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    flaky = FakePredictor(
        fail_on=lambda s: ModelError("endpoint timed out") if s.id == "CM16-0000003#1" else None
    )
    run = run_eval(letters_jsonl, model=flaky, out=out, floor=False, **FAST)
    m = run.variants[0].metrics
    assert (m["n_samples"], m["n_errors"]) == (7, 1)
    assert m["errors"] == [
        {"sample_id": "CM16-0000003#1", "error": "ModelError: endpoint timed out"}
    ]
    retry = FakePredictor()
    run = run_eval(letters_jsonl, model=retry, out=out, resume=True, floor=False, **FAST)
    assert retry.calls == ["CM16-0000003#1"]
    assert (run.variants[0].metrics["n_samples"], run.variants[0].metrics["n_errors"]) == (8, 0)


def test_run_stops_when_the_first_samples_all_fail(letters_jsonl: Path, tmp_path: Path) -> None:
    down = FakePredictor(fail_on=lambda s: ModelError("connection refused"))
    with pytest.raises(ImrLlmError, match=r"first (\d+) samples all failed") as err:
        run_eval(letters_jsonl, model=down, out=tmp_path / "run", floor=False, **FAST)
    # Samples finishing together may push the count past the threshold of 5 before the
    # check runs; the run must still stop before all 8 are tried.
    failed = int(re.search(r"first (\d+) samples", str(err.value)).group(1))  # type: ignore[union-attr]
    assert 5 <= failed < 8
    assert len(down.calls) < 8


def test_limit_and_bad_task(letters_jsonl: Path, tmp_path: Path) -> None:
    run = run_eval(letters_jsonl, model="baseline/majority", out=tmp_path / "r", limit=3, **FAST)
    assert run.variants[0].metrics["n_samples"] == 3
    with pytest.raises(InputError, match="task"):
        run_eval(letters_jsonl, model="baseline/majority", out=tmp_path / "t", task="x")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="baseline"):
        run_eval(letters_jsonl, model="baseline/nope", out=tmp_path / "u", floor=False, **FAST)


DEMO = Path(__file__).resolve().parents[2] / "evals" / "datasets" / "synthetic" / "CM17-0005177"


@pytest.mark.skipif(not DEMO.is_dir(), reason="no synthetic demo case")
def test_synthetic_case_with_baselines(tmp_path: Path) -> None:
    summary = run_eval(
        DEMO, task="summary", model="baseline/extractive", out=tmp_path / "s", **FAST
    )
    m = summary.variants[0].metrics
    # the records state 'Age: 53  Sex: Female' and 'Determination: NON-CERTIFIED'
    by_field = m["metrics"]["key_fact_recall_by_field"]
    assert by_field["age"] == by_field["sex"] == by_field["ur_outcome"] == 1.0
    assert m["floor"]["baseline/majority"]["key_fact_recall"] == 0.0  # empty summary
    draft = run_eval(DEMO, model="baseline/majority", out=tmp_path / "d", **FAST)
    d = draft.variants[0].metrics
    assert d["n_samples"] >= 1
    assert d["metrics"]["rationale_rouge_l_f1"] is None  # synthetic gold has no rationale


KILLABLE = """
import sys, time
from imr_llm.drafting import ItemDraft
from imr_llm.evals import run_eval
from imr_llm.letters import GuidelineCitation
from imr_llm.llm import Usage

class Slow:
    name = "fake/model"
    def predict(self, sample):
        time.sleep(0.3)
        cite = GuidelineCitation(basis="none", text="none")
        return ItemDraft(request=sample.request, decision="Upheld", maximus_guideline=cite,
                         rationale="Not medically necessary."), Usage()

run_eval(sys.argv[1], model=Slow(), out=sys.argv[2], floor=False, progress=False, n_boot=20)
"""


def test_resume_after_sigkill(letters_jsonl: Path, tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "run"
    script = tmp_path / "killable.py"
    script.write_text(KILLABLE, encoding="utf-8")
    process = subprocess.Popen([sys.executable, str(script), str(letters_jsonl), str(out)])
    results = out / "results.jsonl"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (
        not results.exists() or len(results.read_text().splitlines()) < 3
    ):
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    done = [r.sample_id for r in read_results(results)]
    assert 3 <= len(done) < 8  # killed mid-way, with what completed on disk
    again = FakePredictor()
    run = run_eval(letters_jsonl, model=again, out=out, resume=True, floor=False, **FAST)
    from imr_llm.evals import load_dataset

    every = sorted(s.id for s in load_dataset(letters_jsonl, "draft").samples)
    assert sorted(again.calls + done) == every  # each sample ran exactly once overall
    assert run.variants[0].metrics["n_samples"] == 8
