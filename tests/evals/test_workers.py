"""`run_eval(..., workers=N)`: drafting in forked worker processes, model calls in the parent.

The model path runs against the scripted local endpoint (answers are a pure function of the
request), so a run on threads and a run on workers get the same answers and must write the same
results and metrics. Worker failures: errors travel back as they were raised, the abort rule
holds, and a worker that dies stops the run with what finished kept for `--resume`.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from imr_llm._errors import ImrLlmError, InputError, ModelError
from imr_llm.evals import read_results, run_eval
from imr_llm.evals._workers import WireError, can_fork, check_workers

from ._builders import FakePredictor

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
from scripted_endpoint import ScriptedEndpoint  # noqa: E402

GOLD = ROOT / "evals" / "datasets" / "letters" / "gold.jsonl"
FAST: dict[str, Any] = {"n_boot": 50, "progress": False, "floor": False}

pytestmark = [
    pytest.mark.skipif(not can_fork(), reason="--workers needs the fork start method"),
    pytest.mark.usefixtures("quiet_logging"),
]


def _without_latency(path: Path) -> dict[str, Any]:
    metrics = json.loads(path.read_text())
    for key in ("latency_s_mean", "latency_s_max", "latency_s_total"):
        metrics["usage"].pop(key)
    return metrics


def _results(out: Path) -> dict[str, dict[str, Any]]:
    rows = {}
    for r in read_results(out / "results.jsonl"):
        row = r.model_dump(mode="json")
        row.pop("latency_s")
        row["usage"].pop("latency_s")  # wall-clock
        rows[r.sample_id] = row
    return rows


def test_workers_write_what_threads_write(tmp_path: Path) -> None:
    with ScriptedEndpoint() as endpoint:
        spec = f"{endpoint.base_url}::scripted"
        common = {"model": spec, "cache": False, "limit": 24, "max_concurrency": 4, **FAST}
        threads = run_eval(GOLD, out=tmp_path / "threads", **common)
        workers = run_eval(GOLD, out=tmp_path / "workers", workers=2, **common)
    assert threads.variants[0].metrics["n_samples"] == 24
    assert _results(tmp_path / "workers") == _results(tmp_path / "threads")
    assert _without_latency(tmp_path / "workers" / "metrics.json") == _without_latency(
        tmp_path / "threads" / "metrics.json"
    )
    usage = workers.variants[0].metrics["usage"]
    assert usage["requests"] >= 24  # every model call was made (by the parent) and counted
    assert json.loads((tmp_path / "workers" / "config.json").read_text())["workers"] == 2


def test_summary_runs_on_workers_as_on_threads(tmp_path: Path) -> None:
    cases = ROOT / "evals" / "datasets" / "synthetic_blind" / "tune"
    with ScriptedEndpoint() as endpoint:
        spec = f"{endpoint.base_url}::scripted"
        common = {"model": spec, "cache": False, "limit": 3, "max_concurrency": 3, **FAST}
        run_eval(cases, task="summary", out=tmp_path / "threads", **common)
        run_eval(cases, task="summary", out=tmp_path / "workers", workers=2, **common)
    threads = _without_latency(tmp_path / "threads" / "metrics.json")
    assert threads["n_samples"] == 3 and threads["usage"]["requests"] >= 3
    assert _without_latency(tmp_path / "workers" / "metrics.json") == threads


def test_sample_errors_come_back_as_raised(letters_jsonl: Path, tmp_path: Path) -> None:
    flaky = FakePredictor(
        fail_on=lambda s: ModelError("endpoint timed out") if s.id == "CM16-0000003#1" else None
    )
    run = run_eval(letters_jsonl, model=flaky, out=tmp_path / "run", workers=2, **FAST)
    m = run.variants[0].metrics
    assert (m["n_samples"], m["n_errors"]) == (7, 1)
    assert m["errors"] == [
        {"sample_id": "CM16-0000003#1", "error": "ModelError: endpoint timed out"}
    ]


def test_run_stops_when_the_first_samples_all_fail(letters_jsonl: Path, tmp_path: Path) -> None:
    down = FakePredictor(fail_on=lambda s: ModelError("connection refused"))
    with pytest.raises(ImrLlmError, match=r"first \d+ samples all failed") as err:
        run_eval(letters_jsonl, model=down, out=tmp_path / "run", workers=2, **FAST)
    assert getattr(err.value, "exit_code", None) == 3  # the failures' own exit code


def _die_on(sample_id: str) -> Any:
    def fail_on(sample: Any) -> None:
        if sample.id == sample_id:
            os._exit(9)  # the worker process dies mid-sample

    return fail_on


def test_a_dead_worker_stops_the_run_and_resume_finishes_it(
    letters_jsonl: Path, tmp_path: Path
) -> None:
    out = tmp_path / "run"
    with pytest.raises(ImrLlmError, match=r"worker process stopped \(exit code 9\)"):
        run_eval(
            letters_jsonl,
            model=FakePredictor(fail_on=_die_on("CM16-0000004#1")),
            out=out,
            workers=2,
            **FAST,
        )
    written = {r.sample_id for r in read_results(out / "results.jsonl")}
    assert "CM16-0000004#1" not in written
    resumed = run_eval(letters_jsonl, model=FakePredictor(), out=out, resume=True, **FAST)
    assert resumed.variants[0].metrics["n_samples"] == 8


def test_errors_keep_their_class_and_attributes_through_the_pipe() -> None:
    error = InputError("bad file", path="/data/x.pdf")
    again = WireError.of(error).rebuild()
    assert type(again) is InputError and again.path == "/data/x.pdf"  # type: ignore[attr-defined]
    assert str(again) == "/data/x.pdf: bad file"

    class Holder(ModelError):
        pass

    unpicklable = Holder("no answer")
    unpicklable.response = lambda: None  # type: ignore[attr-defined]  # an HTTP response, say
    wired = WireError.of(unpicklable)
    assert "response" not in wired.state and str(wired.rebuild()) == "no answer"


def test_bad_worker_counts_are_refused(letters_jsonl: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="at least 1"):
        check_workers(0)
    from imr_llm.evals._batch import BatchOptions

    with pytest.raises(InputError, match="--batch"):
        run_eval(
            letters_jsonl,
            model=FakePredictor(),
            out=tmp_path / "b",
            workers=2,
            batch=BatchOptions(),
            **FAST,
        )


class _Preparing(FakePredictor):
    """Prepares per letter (as the precedents fits are), and says in each draft which process
    drafted it and whether that process had prepared the sample's letter."""

    def __init__(self) -> None:
        super().__init__()
        self.prepared: set[str] = set()

    def prepare_key(self, sample: Any) -> str:
        return str(sample.case_id)

    def prepare(self, samples: Any) -> None:
        self.prepared.update(self.prepare_key(s) for s in samples)

    def predict(self, sample: Any) -> Any:
        draft, usage = super().predict(sample)
        ready = self.prepare_key(sample) in self.prepared
        return draft.model_copy(update={"rationale": f"{os.getpid()} {ready}"}), usage


def test_workers_prepare_their_own_share_of_the_letters(
    letters_jsonl: Path, tmp_path: Path
) -> None:
    predictor = _Preparing()
    run_eval(letters_jsonl, model=predictor, out=tmp_path / "run", workers=2, **FAST)
    assert predictor.prepared == set()  # not in the parent: each worker fitted its share
    ran = {
        r.sample_id: (r.case_id, *(r.prediction or {})["rationale"].split())
        for r in read_results(tmp_path / "run" / "results.jsonl")
    }
    assert len(ran) == 8 and {ready for _, _, ready in ran.values()} == {"True"}
    by_letter: dict[str, set[str]] = {}
    for case_id, pid, _ in ran.values():
        by_letter.setdefault(case_id, set()).add(pid)
    assert all(len(pids) == 1 for pids in by_letter.values())  # a letter stays in one worker
    assert len(set().union(*by_letter.values())) == 2  # and both workers had letters


def test_too_few_letters_to_share_are_prepared_before_the_fork(tmp_path: Path) -> None:
    from imr_llm.evals._workers import _Shares

    predictor = _Preparing()
    samples = [type("S", (), {"case_id": c})() for c in ["a", "a", "b", "c", "d", "e"]]
    shares = _Shares.of(predictor, samples, 2)  # type: ignore[arg-type]
    assert shares is not None and shares.owner == {"a": 0, "b": 1, "c": 1, "d": 0, "e": 1}
    assert _Shares.of(predictor, samples[:4], 2) is None  # type: ignore[arg-type]
