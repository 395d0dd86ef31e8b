"""Letter parsing throughput: `parse --jobs` at 1 and N processes, then one core in detail.

    .venv/bin/python benchmarks/parse.py [--rounds N] [--sources DIR] [--jobs N]

Prints two tables measured in this run on the gold dataset's sources (64 PDFs, 5 seed texts):
1. letters/s of `parse_many` (what `imr-llm parse --jobs` runs) at 1 job and at `--jobs` jobs
   (default: every CPU this process may use), their ratio, and whether the JSON Lines output is
   byte-identical; the load average is printed with it, since other processes on the machine
   take cores from the workers;
2. extraction and parsing apart on one core (PDFs and plain text).
The second part pins the process to one CPU where the OS allows it; each figure is the best of
`--rounds` passes (the least disturbed by other load).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from imr_llm.letters import extract_text, letter_paths, parse_letter_text  # noqa: E402
from imr_llm.letters._parallel import default_jobs, parse_many  # noqa: E402

DEFAULT_SOURCES = ROOT / "evals" / "datasets" / "letters" / "sources"


def pin_one_core() -> str:
    """Pin this process to a single CPU; say which."""
    if hasattr(os, "sched_setaffinity"):
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return f"pinned to CPU {cpu}"
    return "not pinned (no sched_setaffinity)"


def cpu_seconds() -> float:
    """User + system CPU seconds of this process and its reaped children."""
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def best_of(rounds: int, work: Callable[[], object]) -> float:
    """Fastest wall time of `rounds` runs of `work`, in seconds."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def measure(paths: list[Path], rounds: int) -> tuple[float, float]:
    """(extraction seconds, parsing seconds) for one pass over `paths`."""
    texts = {p.name: extract_text(p) for p in paths}  # warm-up and inputs for the parse pass
    extract = best_of(rounds, lambda: [extract_text(p) for p in paths])
    parse = best_of(rounds, lambda: [parse_letter_text(t, n) for n, t in texts.items()])
    return extract, parse


def parallel(paths: list[Path], rounds: int, jobs: int) -> None:
    """Print letters/s at 1 job and at `jobs` jobs, the ratio, and output identity."""
    outputs: dict[int, list[str | None]] = {}
    cpu: dict[int, float] = {}

    def run(n: int) -> None:
        before = cpu_seconds()
        outputs[n] = [o.line or o.error for o in parse_many(paths, jobs=n)]
        cpu[n] = min(cpu.get(n, float("inf")), cpu_seconds() - before)

    seconds = {n: best_of(rounds, lambda n=n: run(n)) for n in (1, jobs)}
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    print(f"parse_many on {len(paths)} letters, {default_jobs()} CPU(s), load average {load}")
    print()
    print("| jobs | seconds | letters/s | CPU seconds (all processes) |")
    print("|-----:|--------:|----------:|----------------------------:|")
    for n, sec in seconds.items():
        print(f"| {n} | {sec:.2f} | {len(paths) / sec:.1f} | {cpu[n]:.2f} |")
    same = outputs[1] == outputs[jobs]
    print()
    print(
        f"speed-up at {jobs} jobs: {seconds[1] / seconds[jobs]:.2f}x measured; "
        f"{jobs * cpu[1] / cpu[jobs]:.2f}x on {jobs} idle cores (jobs x CPU(1) / CPU({jobs})); "
        f"output {'byte-identical' if same else 'DIFFERENT'}"
    )
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="passes per figure (best kept)")
    parser.add_argument("--sources", type=Path, default=DEFAULT_SOURCES)
    parser.add_argument("--jobs", type=int, default=max(2, default_jobs()), help="jobs to compare")
    args = parser.parse_args()
    paths = letter_paths(args.sources)
    parallel(paths, args.rounds, args.jobs)
    pinned = pin_one_core()
    groups = {
        "PDF": [p for p in paths if p.suffix.lower() == ".pdf"],
        "text": [p for p in paths if p.suffix.lower() == ".txt"],
    }
    print(
        f"imr-llm letter parsing, {platform.python_implementation()} "
        f"{platform.python_version()}, {pinned}, best of {args.rounds}"
    )
    print()
    print("| input | letters | extract ms/letter | parse ms/letter | total ms/letter | letters/s |")
    print("|-------|--------:|------------------:|----------------:|----------------:|----------:|")
    for name, files in groups.items():
        if not files:
            continue
        extract, parse = measure(files, args.rounds)
        n = len(files)
        total = extract + parse
        print(
            f"| {name} | {n} | {1000 * extract / n:.1f} | {1000 * parse / n:.2f} | "
            f"{1000 * total / n:.1f} | {n / total:.1f} |"
        )


if __name__ == "__main__":
    main()
