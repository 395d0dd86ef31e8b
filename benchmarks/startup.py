"""CLI start-up: wall time of `imr-llm --help` and `imr-llm parse --help` (median of N runs),
next to a bare `python -c pass` in the same run, so the ratio shows what imr-llm adds.

    .venv/bin/python benchmarks/startup.py [-n 7]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def wall(cmd: list[str], n: int) -> float:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=7)
    n = parser.parse_args().n
    bare = wall([sys.executable, "-c", "pass"], n)
    rows = {
        "python -c pass": bare,
        "import imr_llm.cli": wall([sys.executable, "-c", "import imr_llm.cli"], n),
        "imr-llm --help": wall([str(BIN / "imr-llm"), "--help"], n),
        "imr-llm parse --help": wall([str(BIN / "imr-llm"), "parse", "--help"], n),
    }
    for name, seconds in rows.items():
        print(f"{name:24s} {seconds:6.3f} s  ({seconds / bare:4.1f}x bare python)")


if __name__ == "__main__":
    main()
