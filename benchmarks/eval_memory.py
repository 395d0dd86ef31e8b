"""Peak memory of an eval at 1,000 and 10,000 samples: does it stay flat?

    .venv/bin/python benchmarks/eval_memory.py [--sizes 1000 10000] [--concurrency 8]

For each size, a child process builds a letters JSONL of that many draft samples (the gold
letters repeated under new case numbers), runs `run_eval` on it with an in-process stand-in
model (every criterion "not met", decision Upheld: no endpoint, the whole drafting, scoring,
results, metrics and report path) and reports its peak RSS; the table ends with the ratio of
the largest to the smallest (target: within 1.5x). The baselines' floor is off (it would only
add time); bootstrap resamples default to 200.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

GOLD = ROOT / "evals" / "datasets" / "letters" / "gold.jsonl"


def make_dataset(n_samples: int, path: Path) -> int:
    """Write gold letters, repeated under new case numbers, until `n_samples` items."""
    letters = [json.loads(line) for line in GOLD.read_text("utf-8").splitlines() if line.strip()]
    written = 0
    copy = 0
    with path.open("w", encoding="utf-8") as out:
        while written < n_samples:
            for letter in letters:
                if written >= n_samples:
                    break
                items = letter["items"][: n_samples - written]
                clone = {
                    **letter,
                    "items": items,
                    "case_number": f"{letter.get('case_number') or 'SEED'}-R{copy}",
                    "source": f"r{copy}-{letter['source']}",
                }
                out.write(json.dumps(clone) + "\n")
                written += len(items)
            copy += 1
    return written


def child(n_samples: int, concurrency: int, n_boot: int) -> None:
    """Run one eval and print a JSON line with the peak RSS (run in a fresh process)."""
    from pydantic import BaseModel

    from imr_llm.evals import run_eval
    from imr_llm.evals._predictors import ModelPredictor
    from imr_llm.llm import Completion, Model, Usage

    class StandIn(Model):
        name = "bench/stand-in"

        def structured(self, messages: Any, response_model: Any, **_: Any) -> Completion[Any]:
            fields = response_model.model_fields
            data = {k: (None if k.endswith("_ref") else "not met") for k in fields}
            if "decision" in fields:
                data["decision"] = "Upheld"
            value: BaseModel = response_model.model_validate(data)
            return Completion[response_model](value=value, usage=Usage(requests=1))  # type: ignore[valid-type]

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "letters.jsonl"
        make_dataset(n_samples, data)
        start = time.perf_counter()
        run = run_eval(
            data,
            model=ModelPredictor(StandIn(), "draft"),
            out=Path(tmp) / "run",
            max_concurrency=concurrency,
            floor=False,
            progress=False,
            n_boot=n_boot,
        )
        wall = time.perf_counter() - start
        pages = len(list((Path(tmp) / "run" / "report-samples").glob("page-*.html")))
        rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(
            json.dumps(
                {
                    "samples": run.variants[0].metrics["n_samples"],
                    "rss_mb": rss_kb / 1024,
                    "wall_s": wall,
                    "pages": pages + 1,
                }
            )
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--n-boot", type=int, default=200)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.concurrency, args.n_boot)
        return
    rows = []
    for size in args.sizes:
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--child",
                str(size),
                "--concurrency",
                str(args.concurrency),
                "--n-boot",
                str(args.n_boot),
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    print("| samples | peak RSS MB | wall s | ms/sample | report pages |")
    print("|---:|---:|---:|---:|---:|")
    for row in rows:
        print(
            f"| {row['samples']} | {row['rss_mb']:.0f} | {row['wall_s']:.1f} | "
            f"{1000 * row['wall_s'] / row['samples']:.1f} | {row['pages']} |"
        )
    print()
    print(f"peak RSS ratio {rows[-1]['rss_mb'] / rows[0]['rss_mb']:.2f}x (target <= 1.5x)")


if __name__ == "__main__":
    main()
