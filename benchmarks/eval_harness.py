"""Overhead and concurrency of the eval harness, with a stand-in model of fixed latency.

    .venv/bin/python benchmarks/eval_harness.py [--latency-ms 50] [--workers 4] [--dataset PATH]

Runs the draft eval on the gold letters (default `evals/datasets/letters/gold.jsonl`) three
times with a predictor that sleeps `latency-ms` per sample (an endpoint's latency, no CPU):
sequentially, with `--workers` threads, and with `baseline/majority` (no latency: the harness
alone). Prints wall time per sample, the concurrency speedup (target: close to `--workers`,
since the harness must not serialize model calls), and the harness's own cost per sample
(loading, scoring, writing, metrics, bootstrap and reports) as a share of the model latency.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from imr_llm.drafting import ItemDraft
from imr_llm.evals import Sample, run_eval
from imr_llm.letters import GuidelineCitation
from imr_llm.llm import Usage

ROOT = Path(__file__).resolve().parents[1]


class SleepyPredictor:
    """Always Upheld after `latency_s` of sleep (stands for a model endpoint)."""

    name = "bench/sleepy"

    def __init__(self, latency_s: float) -> None:
        self.latency_s = latency_s

    def predict(self, sample: Sample) -> tuple[ItemDraft, Usage]:
        time.sleep(self.latency_s)
        draft = ItemDraft(
            request=sample.request or "",
            decision="Upheld",
            maximus_guideline=GuidelineCitation(basis="none", text="none"),
            rationale="The request is not medically necessary.",
        )
        return draft, Usage(requests=1, latency_s=self.latency_s)


def _timed(dataset: Path, model: object, workers: int, n_boot: int) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        run = run_eval(
            dataset,
            model=model,  # type: ignore[arg-type]
            out=Path(tmp) / "run",
            max_concurrency=workers,
            floor=False,
            progress=False,
            n_boot=n_boot,
        )
        return time.perf_counter() - start, run.variants[0].metrics["n_samples"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--n-boot", type=int, default=1000)
    parser.add_argument(
        "--dataset", type=Path, default=ROOT / "evals" / "datasets" / "letters" / "gold.jsonl"
    )
    args = parser.parse_args()
    latency = args.latency_ms / 1000.0
    sequential, n = _timed(args.dataset, SleepyPredictor(latency), 1, args.n_boot)
    parallel, _ = _timed(args.dataset, SleepyPredictor(latency), args.workers, args.n_boot)
    harness, _ = _timed(args.dataset, "baseline/majority", 1, args.n_boot)
    print(f"samples: {n}; stand-in model latency {args.latency_ms:.0f} ms")
    print(f"sequential:        {sequential:7.2f} s ({1000 * sequential / n:6.1f} ms/sample)")
    label = f"{args.workers} workers:"
    print(f"{label:<19}{parallel:7.2f} s ({1000 * parallel / n:6.1f} ms/sample)")
    print(f"speedup:           {sequential / parallel:7.2f}x (ideal {args.workers}x)")
    print(
        f"harness alone:     {harness:7.2f} s ({1000 * harness / n:6.1f} ms/sample, "
        f"{harness / (n * latency):.1%} of the stand-in latency; includes {args.n_boot} "
        "bootstrap resamples and both reports)"
    )


if __name__ == "__main__":
    main()
