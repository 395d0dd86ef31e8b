"""Batch vs online on the same answers: same metrics? what does a round cost the client?

    .venv/bin/python benchmarks/eval_batch.py [--samples 500] [--connections 32]

Runs the draft eval twice on `--samples` samples (gold letters repeated under new case numbers)
against `benchmarks/scripted_endpoint.py` in its own process (answers are a function of the
request, so both runs get the same answers): online at `--connections` concurrent calls with
0.2 s latency per call, and with `--batch` through the endpoint's Files + Batches API (the
scripted batch completes at once, so the batch wall time is the client's own work: the passes
over the samples, files, polling). Prints wall time, client CPU per sample, requests, rounds,
and whether metrics.json is identical apart from wall-clock latency.
"""

from __future__ import annotations

import argparse
import json
import logging
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from eval_memory import make_dataset  # noqa: E402

from imr_llm.evals import run_eval  # noqa: E402
from imr_llm.evals._batch import BatchOptions  # noqa: E402

LATENCY_KEYS = ("latency_s_mean", "latency_s_max", "latency_s_total")


def comparable(metrics: dict[str, Any]) -> dict[str, Any]:
    metrics = json.loads(json.dumps(metrics))
    for key in LATENCY_KEYS:
        metrics["usage"].pop(key, None)
    return metrics


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=500)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--latency-s", type=float, default=0.2)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "benchmarks" / "scripted_endpoint.py"), "--latency-s",
         str(args.latency_s)],
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    spec = f"{proc.stdout.readline().strip()}::scripted"
    rows = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            data = Path(tmp) / "letters.jsonl"
            make_dataset(args.samples, data)
            runs: dict[str, Any] = {}
            for name, extra in (
                ("online", {"max_concurrency": args.connections}),
                ("batch", {"batch": BatchOptions(poll_s=0.05)}),
            ):
                cpu, wall = time.process_time(), time.perf_counter()
                run = run_eval(data, model=spec, out=Path(tmp) / name, cache=False, floor=False,
                               n_boot=200, progress=False, **extra)  # fmt: skip
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                runs[name] = run.variants[0].metrics
                rounds = len(list((Path(tmp) / name / "batch").glob("round-*.json")))
                rows.append((name, wall, cpu, runs[name]["usage"]["requests"], rounds))
    finally:
        proc.kill()
    same = comparable(runs["online"]) == comparable(runs["batch"])
    print(f"{args.samples} draft samples; online at {args.connections} connections, "
          f"{args.latency_s} s per call; batch through the scripted Batch API")  # fmt: skip
    print()
    print("| run | wall s | client CPU ms/sample | requests (metrics) | batch rounds |")
    print("|---|---:|---:|---:|---:|")
    for name, wall, cpu, requests, rounds in rows:
        print(f"| {name} | {wall:.1f} | {1000 * cpu / args.samples:.1f} | {requests} | "
              f"{rounds or '-'} |")  # fmt: skip
    print()
    print(f"metrics.json identical apart from latency: {same}")


if __name__ == "__main__":
    main()
