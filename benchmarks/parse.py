"""Letter parsing throughput on one core: PDFs and plain text, extraction and parsing apart.

    .venv/bin/python benchmarks/parse.py [--rounds N] [--sources DIR]

Prints one table (letters per second and milliseconds per letter) measured in this run on the
gold dataset's sources (64 PDFs, 5 seed texts). The process is pinned to one CPU where the OS
allows it; each figure is the best of `--rounds` passes (the least disturbed by other load).
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

DEFAULT_SOURCES = ROOT / "evals" / "datasets" / "letters" / "sources"


def pin_one_core() -> str:
    """Pin this process to a single CPU; say which."""
    if hasattr(os, "sched_setaffinity"):
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return f"pinned to CPU {cpu}"
    return "not pinned (no sched_setaffinity)"


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="passes per figure (best kept)")
    parser.add_argument("--sources", type=Path, default=DEFAULT_SOURCES)
    args = parser.parse_args()
    pinned = pin_one_core()
    paths = letter_paths(args.sources)
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
