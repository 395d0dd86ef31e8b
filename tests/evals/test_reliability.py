"""Reliability of eval runs, each case asserting its number: samples lost 0, duplicates 0,
requests counted = requests made, seconds to stop after Ctrl-C; exit codes that tell the truth
(endpoint 3, failed samples 4, gate 1, interrupted 130, disk full 5); private run files; one
writer per run directory; secrets in a spec never written. Endpoints are scripted on 127.0.0.1.
"""

from __future__ import annotations

import errno
import json
import os
import re
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from imr_llm._errors import ModelError
from imr_llm.cli import main
from imr_llm.drafting import ItemDraft
from imr_llm.evals import load_dataset, read_results, run_eval
from imr_llm.letters import GuidelineCitation
from imr_llm.llm import InstructorModel, RetryPolicy, UsageTracker
from llm._fake_openai import ScriptedServer, ok, stall, status  # tests/ is on sys.path

from ._builders import FakePredictor, sigint_as_default

FAST = {"n_boot": 20, "progress": False, "floor": False}
SECRET, PASSWORD = "s3cr3t-api-key-in-url", "hunter2-password"


def _code(argv: list[str]) -> int:
    try:
        main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def _ids(path: Path) -> list[str]:
    return [r.sample_id for r in read_results(path)]


class Answer(BaseModel):
    decision: str


class EndpointPredictor:
    """One structured call per sample to a real `InstructorModel`."""

    def __init__(self, model: Any, name: str | None = None) -> None:
        self.model = model
        self.name = name or model.name

    def predict(self, sample: Any) -> Any:
        done = self.model.structured(
            [{"role": "user", "content": f"sample {sample.id}"}], Answer, cache=False
        )
        cite = GuidelineCitation(basis="none", text="none")
        draft = ItemDraft(
            request=sample.request or "",
            decision=done.value.decision,  # type: ignore[arg-type]
            maximus_guideline=cite,
            rationale="Not medically necessary.",
        )
        return draft, done.usage


def test_every_request_is_counted_failed_samples_included(
    letters_jsonl: Path, tmp_path: Path
) -> None:
    failing = {"CM16-0000002#2", "CM16-0000004#1"}

    def respond(body: dict[str, Any]) -> Any:
        sample = body["messages"][0]["content"].removeprefix("sample ")
        return status(500) if sample in failing else ok({"decision": "Upheld"})

    with ScriptedServer(respond) as srv:
        model = InstructorModel(
            name="scripted", model="m", base_url=srv.base_url, endpoint_id="x",
            retry=RetryPolicy(max_retries=2, wait_s=0.001, wait_max_s=0.01),
            timeout_s=5.0, tracker=UsageTracker(), price=(1.0, 1.0),
        )  # fmt: skip
        run = run_eval(letters_jsonl, model=EndpointPredictor(model), out=tmp_path / "r", **FAST)
    m = run.variants[0].metrics
    assert (m["n_samples"], m["n_errors"]) == (6, 2)
    assert len(srv.requests) == 6 + 2 * 3
    assert m["usage"]["requests"] == len(srv.requests)  # counted = made


def test_exit_codes(letters_jsonl: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import imr_llm.evals._runner as runner

    predictor: dict[str, Any] = {}
    monkeypatch.setattr(runner, "make_predictor", lambda *a, **k: predictor["p"])
    base = ["eval", "--dataset", str(letters_jsonl), "--model", "http://127.0.0.1:9/v1::m",
            "-q", "--n-boot", "20", "--no-floor"]  # fmt: skip

    def run(name: str, *extra: str, fail: Any = None) -> int:
        predictor["p"] = FakePredictor("http://127.0.0.1:9/v1::m", fail_on=fail)
        return _code([*base, "--out", str(tmp_path / name), *extra])

    dead = run("dead", fail=lambda s: ModelError("connection refused"))
    assert dead == 3  # a dead endpoint is an endpoint failure, not a failed gate
    one = lambda s: ModelError("timed out") if s.id == "CM16-0000003#1" else None  # noqa: E731
    assert run("one", fail=one) == 4  # 1 of 8 failed; nothing tolerated by default
    assert run("tolerated", "--max-failed", "0.2", fail=one) == 0
    assert run("strict", "--max-failed", "0.1", fail=one) == 4
    assert run("gate", "--fail-if", "decision_kappa<2") == 1
    assert run("clean") == 0


def test_run_files_are_private(letters_jsonl: Path, tmp_path: Path) -> None:
    out = tmp_path / "runs" / "private"
    run_eval(letters_jsonl, model=FakePredictor(), out=out, **FAST)
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    assert stat.S_IMODE(out.parent.stat().st_mode) == 0o700
    files = {p.name: stat.S_IMODE(p.stat().st_mode) for p in out.iterdir() if p.is_file()}
    assert {"config.json", "results.jsonl", "metrics.json", "report.md", "report.html"} <= set(
        files
    )
    assert set(files.values()) == {0o600}, files


def test_a_full_disk_is_one_error_and_keeps_what_was_written(
    letters_jsonl: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import imr_llm.evals._runner as runner
    from imr_llm.evals._results import ResultsWriter

    monkeypatch.setattr(runner, "make_predictor", lambda *a, **k: FakePredictor("baseline-x"))
    real_write = ResultsWriter.write
    written = {"n": 0}

    def write(self: ResultsWriter, result: Any) -> None:
        if written["n"] >= 3:
            self._file.write = _enospc  # type: ignore[method-assign]
        written["n"] += 1
        real_write(self, result)

    def _enospc(_text: str) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(ResultsWriter, "write", write)
    out = tmp_path / "full"
    argv = ["eval", "--dataset", str(letters_jsonl), "--model", "http://127.0.0.1:9/v1::m",
            "--out", str(out), "-q", "--no-floor"]  # fmt: skip
    assert _code(argv) == 5
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("imr-llm: error")]
    assert len(lines) == 1 and "disk is full" in lines[0] and "Traceback" not in err
    assert len(_ids(out / "results.jsonl")) == 3  # nothing already written lost


SLOW = """
import sys, time
from imr_llm.drafting import ItemDraft
from imr_llm.evals import run_eval
from imr_llm.letters import GuidelineCitation
from imr_llm.llm import Usage

class Slow:
    name = "fake/model"
    def predict(self, sample):
        time.sleep(0.25)
        cite = GuidelineCitation(basis="none", text="none")
        return ItemDraft(request=sample.request, decision="Upheld", maximus_guideline=cite,
                         rationale="Not medically necessary."), Usage()

run_eval(sys.argv[1], model=Slow(), out=sys.argv[2], floor=False, progress=False, n_boot=20)
"""


def _wait_for_lines(path: Path, n: int, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if path.exists() and len(path.read_text().splitlines()) >= n:
            return
        time.sleep(0.02)
    raise AssertionError(f"{path} never reached {n} lines")


def test_one_writer_per_run_directory(letters_jsonl: Path, tmp_path: Path) -> None:
    from imr_llm.evals._runinfo import RunLocked

    out = tmp_path / "run"
    script = tmp_path / "slow.py"
    script.write_text(SLOW, "utf-8")
    first = subprocess.Popen([sys.executable, str(script), str(letters_jsonl), str(out)])
    try:
        _wait_for_lines(out / "results.jsonl", 1)
        second = FakePredictor()
        with pytest.raises(RunLocked, match=rf"another eval \(pid {first.pid}\)"):
            run_eval(letters_jsonl, model=second, out=out, resume=True, **FAST)
        assert second.calls == []
    finally:
        assert first.wait(timeout=60) == 0
    ids = _ids(out / "results.jsonl")
    assert len(ids) == len(set(ids)) == 8  # duplicates 0


INTERRUPTIBLE = """
import sys, faulthandler
# a hang prints every thread's stack to stderr (shown by the failing assertion) and exits
faulthandler.dump_traceback_later(25, exit=True)
import imr_llm.evals._runner as runner
sys.path.insert(0, sys.argv[1])
from reliability_predictor import EndpointPredictor
runner.make_predictor = lambda model, task, **kw: EndpointPredictor(model)
from imr_llm.cli import main
main(sys.argv[2:])
"""


def _predictor_module(directory: Path) -> None:
    source = Path(__file__).read_text("utf-8")
    start = source.index("class Answer(BaseModel)")
    end = source.index("def test_every_request_is_counted")
    header = (
        "from typing import Any\nfrom pydantic import BaseModel\n"
        "from imr_llm.drafting import ItemDraft\nfrom imr_llm.letters import GuidelineCitation\n"
    )
    (directory / "reliability_predictor.py").write_text(header + source[start:end], "utf-8")


@pytest.mark.parametrize("workers", [1, 2])
def test_first_ctrl_c_stops_a_hung_eval_within_2s_and_loses_nothing(
    letters_jsonl: Path, tmp_path: Path, workers: int
) -> None:
    answered = threading.Semaphore(3)  # three samples answer, then the endpoint hangs

    def respond(_body: dict[str, Any]) -> Any:
        return ok({"decision": "Upheld"}) if answered.acquire(blocking=False) else stall(120)

    out = tmp_path / "run"
    _predictor_module(tmp_path)
    script = tmp_path / "interruptible.py"
    script.write_text(INTERRUPTIBLE, "utf-8")
    with ScriptedServer(respond) as srv:
        spec = f"{srv.base_url}::m"
        argv = ["eval", "--dataset", str(letters_jsonl), "--model", spec, "--out", str(out),
                "-q", "--n-boot", "20", "--no-floor", "--no-cache",
                "--max-concurrency", "2", "--workers", str(workers)]  # fmt: skip
        env = {**os.environ, "IMR_LLM_MAX_RETRIES": "0"}
        process = subprocess.Popen(
            [sys.executable, str(script), str(tmp_path), *argv],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
            preexec_fn=sigint_as_default,
        )  # fmt: skip
        _wait_for_lines(out / "results.jsonl", 3)
        deadline = time.monotonic() + 30
        while len(srv.requests) < 5 and time.monotonic() < deadline:  # two requests hang
            time.sleep(0.02)
        time.sleep(0.3)
        started = time.monotonic()
        for _ in range(3):  # the second and third are ignored while it stops
            process.send_signal(signal.SIGINT)
            time.sleep(0.05)
        _, err = process.communicate(timeout=30)
        seconds_to_stop = time.monotonic() - started
    assert process.returncode == 130, err
    print(f"seconds to stop: {seconds_to_stop:.2f}")
    assert seconds_to_stop < 2.0
    assert "Traceback" not in err
    assert re.search(r"3 finished sample\(s\) kept in .*results\.jsonl", err), err
    assert "imr-llm: to continue: imr-llm eval" in err and "--resume" in err
    done = _ids(out / "results.jsonl")
    assert len(done) == 3
    # resume: each of the 8 samples ran exactly once overall (lost 0, duplicates 0)
    again = FakePredictor(spec)
    run_eval(letters_jsonl, model=again, out=out, resume=True, **FAST)
    every = sorted(s.id for s in load_dataset(letters_jsonl, "draft").samples)
    assert sorted(again.calls + done) == every
    final = _ids(out / "results.jsonl")
    assert sorted(final) == every


@pytest.mark.usefixtures("blend_decisions")
def test_secrets_in_a_spec_never_reach_run_files_or_output(
    letters_jsonl: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    with ScriptedServer(lambda _body: status(400)) as srv:
        host = srv.base_url.split("//")[1]
        spec = f"http://user:{PASSWORD}@{host}?api-key={SECRET}::m"
        argv = ["eval", "--dataset", str(letters_jsonl), "--model", spec, "--out", str(out),
                "-q", "--n-boot", "20", "--no-floor", "--limit", "3", "--no-cache"]  # fmt: skip
        assert _code(argv) == 3  # every sample failed: the endpoint's fault
    captured = capsys.readouterr()
    written = [p for p in out.rglob("*") if p.is_file()]
    assert {p.name for p in written} >= {"config.json", "results.jsonl", "metrics.json"}
    for text in [captured.out, captured.err, *(p.read_text("utf-8") for p in written)]:
        assert SECRET not in text and PASSWORD not in text
    assert "api-key=***" in json.loads((out / "config.json").read_text("utf-8"))["model"]
