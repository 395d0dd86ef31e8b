"""Soak (slow, `-m slow`): 120 samples against a scripted endpoint that fails 30% of requests
(5xx, dropped connections, stalls past the timeout), interrupted by Ctrl-C three times and
resumed until done. Asserts the numbers: seconds to stop < 2 each time, samples lost 0,
duplicates 0, and in the final pass requests counted = requests made."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from imr_llm.evals import load_dataset, read_results
from llm._fake_openai import DROP, ScriptedServer, ok, stall, status  # tests/ is on sys.path

from ._builders import item, letter, sigint_as_default, write_jsonl
from .test_reliability import INTERRUPTIBLE, _predictor_module, _wait_for_lines

pytestmark = pytest.mark.slow
N_LETTERS = 60  # x 2 items = 120 samples


def _corpus(tmp_path: Path) -> Path:
    letters = [
        letter(f"CM16-{i:07d}", [item(f"Therapy {i}", "Upheld"), item(f"MRI {i}", "Overturned")])
        for i in range(1, N_LETTERS + 1)
    ]
    return write_jsonl(letters, tmp_path / "gold.jsonl")


def test_soak_faults_interrupts_and_resumes(tmp_path: Path) -> None:
    dataset = _corpus(tmp_path)
    every = sorted(s.id for s in load_dataset(dataset, "draft").samples)
    assert len(every) == 2 * N_LETTERS
    rng = random.Random(7)
    lock = threading.Lock()

    def respond(_body: dict[str, Any]) -> Any:
        with lock:
            roll = rng.random()
        if roll < 0.12:
            return status(500)
        if roll < 0.22:
            return DROP
        if roll < 0.30:
            return stall(3.0)  # past the 1 s timeout
        return ok({"decision": "Upheld"})

    _predictor_module(tmp_path)
    script = tmp_path / "interruptible.py"
    script.write_text(INTERRUPTIBLE, "utf-8")
    out = tmp_path / "run"
    env = {**os.environ, "IMR_LLM_MAX_RETRIES": "3", "IMR_LLM_RETRY_WAIT_S": "0.01",
           "IMR_LLM_RETRY_WAIT_MAX_S": "0.05", "IMR_LLM_TIMEOUT_S": "1"}  # fmt: skip
    stops: list[float] = []
    passes: list[tuple[int, int]] = []  # (requests counted, requests made) per full pass
    with ScriptedServer(respond, max_requests=100_000) as srv:
        argv = ["eval", "--dataset", str(dataset), "--model", f"{srv.base_url}::m",
                "--out", str(out), "-q", "--n-boot", "20", "--no-floor", "--no-cache",
                "--max-concurrency", "4", "--max-failed", "1"]  # fmt: skip
        for round_ in range(6):
            args = [*argv, *(["--resume"] if round_ else [])]
            made_before = len(srv.requests)
            lines_before = len(read_results(out / "results.jsonl"))
            process = subprocess.Popen(
                [sys.executable, str(script), str(tmp_path), *args],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                preexec_fn=sigint_as_default,
            )  # fmt: skip
            if round_ < 3:
                _wait_for_lines(out / "results.jsonl", lines_before + 10)
                started = time.monotonic()
                process.send_signal(signal.SIGINT)
                _, err = process.communicate(timeout=30)
                stops.append(time.monotonic() - started)
                assert process.returncode == 130, err
                assert "Traceback" not in err
                continue
            _, err = process.communicate(timeout=600)
            assert "Traceback" not in err
            written = read_results(out / "results.jsonl")[lines_before:]
            passes.append((sum(r.usage.requests for r in written), len(srv.requests) - made_before))
            metrics = json.loads((out / "metrics.json").read_text())
            if metrics["n_errors"] == 0:
                break
    print(f"soak: seconds to stop {[round(x, 2) for x in stops]}, (counted, made) per "
          f"uninterrupted pass {passes}")  # fmt: skip
    assert max(stops) < 2.0, stops
    results = read_results(out / "results.jsonl")
    ok_ids = [r.sample_id for r in results if r.ok]
    assert sorted(set(ok_ids)) == every  # samples lost: 0
    assert len(ok_ids) == len(set(ok_ids))  # duplicates: 0
    assert metrics["n_samples"] == len(every) and metrics["n_errors"] == 0
    assert passes and passes[0][1] > 50
    assert all(counted == made for counted, made in passes)  # requests counted = made
