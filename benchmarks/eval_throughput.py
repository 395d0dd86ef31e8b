"""Eval throughput against a scripted endpoint of fixed latency: is the client I/O-bound?

    .venv/bin/python benchmarks/eval_throughput.py [--latency-s 0.2] [--samples 1024]
        [--connections 8 32] [--workers 1 2] [--fits per-copy] [--repeat 1] [--profile]

Starts `benchmarks/scripted_endpoint.py` in its own process (answers after `--latency-s`, no
model), then runs the draft task's sample loop (the same `ModelPredictor` -> drafting ->
instructor client -> scoring -> results.jsonl path as `imr-llm eval`) on `--samples` samples of
the gold letters at each connection count, and prints samples/s, client CPU per sample and
efficiency = ideal / actual wall time, where ideal = max(requests x latency / connections,
the longest chain of sequential requests of one sample x latency), at each `--workers` count
(`eval --workers`: drafting in forked processes; their CPU is counted too). Every run starts
cold: copies of a letter are distinct cases, each copy needs its own precedents fit (`--fits
per-copy`, as the same number of real letters in the precedents corpus would), the text caches
and fits are cleared, and each configuration is measured in a new process, as an eval runs.
Target: >= 0.7 at 32 connections on 2 cores, measured at 1,024 samples (a steady state: a
256-sample run is 1.6 s of ideal time, of which the start takes ~0.25 s). `--repeat K`
measures each configuration K times (the machine's speed varies between runs). `--profile`
measures the last configuration in this process and prints its top client functions (cProfile
over every thread of this process; not the workers').
"""

from __future__ import annotations

import argparse
import cProfile
import json
import logging
import os
import pstats
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import imr_llm.evals._runner as runner  # noqa: E402
from imr_llm.evals._predictors import (  # noqa: E402
    load_guideline_library,
    load_prompt_set,
    make_predictor,
)
from imr_llm.evals._results import ResultsWriter, read_results  # noqa: E402
from imr_llm.evals._samples import Sample, load_dataset  # noqa: E402
from imr_llm.llm import get_model  # noqa: E402

GOLD = ROOT / "evals" / "datasets" / "letters" / "gold.jsonl"


def start_endpoint(latency_s: float) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "scripted_endpoint.py"),
            "--latency-s",
            str(latency_s),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


def samples(n: int, fits: str = "per-copy") -> list[Sample]:
    """`n` draft samples: the gold letters' items, repeated as distinct cases. A copy's id and
    case id carry the copy number, so the eval's per-case cache never serves a copy. With
    `fits="per-copy"` copy k also leaves out the k-th next letter of the corpus, so each copy of
    a letter needs its own precedents fit, as the same number of real letters in the precedents
    corpus would (~1.8 items per fit, as in the shipped letters); with "per-letter" a letter's
    copies share one fit (the round-4 benchmark: half the fits a 256-item eval needs)."""
    base = load_dataset(GOLD, "draft").samples
    letters = sorted({x for s in base for x in s.held_out})
    out = []
    for i in range(n):
        s, copy = base[i % len(base)], i // len(base)
        held_out = list(s.held_out)
        if copy and fits == "per-copy":
            at = letters.index(held_out[0]) if held_out and held_out[0] in letters else 0
            held_out.append(letters[(at + copy) % len(letters)])
        update = {"id": f"{s.id}#{copy}", "case_id": f"{s.case_id}#{copy}", "held_out": held_out}
        out.append(s.model_copy(update=update))
    return out


def _cpu() -> tuple[float, float]:
    """CPU seconds of this process, and of its reaped children (the eval's worker processes;
    the endpoint is reaped only at the end, so it is not counted)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time(), children.ru_utime + children.ru_stime


def clear_caches() -> None:
    """Empty the text-keyed memo caches so that every run starts cold, as a new eval does
    (copies of a letter share its text, so within a run a copy can still hit them)."""
    from imr_llm import _dates
    from imr_llm.precedents import load_precedents

    _dates._cached_dates.cache_clear()
    load_precedents(None)._classifiers.clear()  # the leave-one-letter-out fits


def run(
    url: str, todo: list[Sample], connections: int, profile: bool, workers: int = 1
) -> dict[str, Any]:
    prompts, _ = load_prompt_set(None)
    model = get_model(f"{url}::scripted", cache=False)
    predictor = make_predictor(model, "draft", prompts=prompts, library=load_guideline_library())
    profiles: list[cProfile.Profile] = []
    local = threading.local()
    plain = runner._predict  # what the sample loop's worker threads call

    def profiled(pred: Any, sample: Sample) -> Any:
        if not hasattr(local, "profile"):
            local.profile = cProfile.Profile()
            profiles.append(local.profile)
        local.profile.enable()
        try:
            return plain(pred, sample)
        finally:
            local.profile.disable()

    clear_caches()
    if profile:
        runner._predict = profiled  # type: ignore[assignment]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "results.jsonl"
        cpu0, wall0 = _cpu(), time.perf_counter()  # counts what the run prepares (its fits)
        with ResultsWriter(path) as writer:
            runner._run_samples(
                predictor,
                todo,
                writer,
                total=len(todo),
                max_concurrency=connections,
                workers=workers,
                progress=False,
                label="bench",
            )
        wall, cpu1 = time.perf_counter() - wall0, _cpu()
        cpu, workers_cpu = cpu1[0] - cpu0[0], cpu1[1] - cpu0[1]
        results = read_results(path)
    runner._predict = plain  # type: ignore[assignment]
    return {
        "wall": wall,
        "cpu": cpu + workers_cpu,
        "workers_cpu": workers_cpu,
        "requests": sum(r.usage.requests for r in results),
        "chain": max(r.usage.requests for r in results),
        "errors": sum(not r.ok for r in results),
        "profiles": profiles,
    }


def measure(
    url: str, n_samples: int, connections: int, workers: int, profile: bool, fits: str
) -> Any:
    """One configuration, in this process: a warm-up (imports, first connections), then the
    measured run."""
    todo = samples(n_samples, fits)
    run(url, todo[:8], 4, False)
    return run(url, todo, connections, profile, workers)


def measure_in_new_process(
    url: str, n_samples: int, connections: int, workers: int, fits: str
) -> Any:
    """One configuration in a new Python process, as an eval is: nothing left over from the
    configurations measured before it (heap, caches, threads)."""
    argv = ["--url", url, "--samples", str(n_samples), "--fits", fits]
    argv += ["--one", str(connections), str(workers)]
    out = subprocess.run(
        [sys.executable, __file__, *argv],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-s", type=float, default=0.2)
    # 1,024: a 256-sample run at 32 connections is 1.6 s of ideal time, and the run's start
    # (the fork and the precedents fits, ~0.25 s before the first call) weighs on it
    parser.add_argument("--samples", type=int, default=1024)
    parser.add_argument("--connections", type=int, nargs="+", default=[8, 32])
    parser.add_argument("--profile", action="store_true")
    parser.add_argument(
        "--workers", type=int, nargs="+", default=[1, 2], help="drafting processes (eval --workers)"
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="measure each configuration this many times"
    )
    parser.add_argument(
        "--fits",
        choices=["per-copy", "per-letter"],
        default="per-copy",
        help="precedents fits: one per copy of a letter (as real letters need), or shared",
    )
    parser.add_argument("--callers", nargs="*", default=[])
    parser.add_argument("--url", help=argparse.SUPPRESS)  # --one: the endpoint already running
    parser.add_argument("--one", type=int, nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # the scripted answers trigger re-asks; keep stderr quiet
    if args.one:  # a child of main(): one configuration, its numbers as JSON
        got = measure(args.url, args.samples, args.one[0], args.one[1], False, args.fits)
        print(json.dumps({k: v for k, v in got.items() if k != "profiles"}))
        return
    proc, url = start_endpoint(args.latency_s)
    try:
        load = " / ".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
        print(
            f"eval sample loop, {args.samples} draft samples ({args.fits} precedents fits), "
            f"scripted endpoint {args.latency_s} s per request (own process); each configuration "
            f"in a new process; {os.cpu_count()} CPUs, load average {load}"
        )
        print()
        print(
            "| connections | workers | wall s | samples/s | requests | client CPU ms/sample "
            "(in workers) | ideal s | efficiency |"
        )
        print("|---:|---:|---:|---:|---:|---:|---:|---:|")
        configs = [(n, w) for w in args.workers for n in args.connections] * args.repeat
        for i, (n, w) in enumerate(configs):
            profiled = args.profile and i == len(configs) - 1
            last = (
                measure(url, args.samples, n, w, True, args.fits)
                if profiled
                else measure_in_new_process(url, args.samples, n, w, args.fits)
            )
            ideal = max(last["requests"] * args.latency_s / n, last["chain"] * args.latency_s)
            print(
                f"| {n} | {w} | {last['wall']:.2f} | {args.samples / last['wall']:.1f} | "
                f"{last['requests']} | {1000 * last['cpu'] / args.samples:.1f} "
                f"({1000 * last['workers_cpu'] / args.samples:.1f}) | {ideal:.2f} | "
                f"{ideal / last['wall']:.2f} |"
                + (f" ({last['errors']} errors)" if last["errors"] else "")
            )
        if args.profile:
            stats = pstats.Stats(last["profiles"][0])
            for extra in last["profiles"][1:]:
                stats.add(extra)
            print()
            stats.sort_stats(os.environ.get("IMR_SORT", "tottime")).print_stats(25)
            for name in args.callers:
                stats.print_callers(name)
    finally:
        proc.kill()


if __name__ == "__main__":
    main()
