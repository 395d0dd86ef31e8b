"""Parse many letters on several cores: `parse_many(paths, jobs=N)` yields one outcome per file,
in input order, while worker processes parse ahead.

Memory stays flat however many files there are: at most `window` letters (a few per worker) are
in flight or waiting to be yielded, and each outcome is the finished JSON Lines record (or the
one-line error), not the parsed object. With `jobs=1` nothing is forked and the files are parsed
in this process, one at a time; the records are the same bytes either way (the same
`to_jsonl_line(parse_letter(path))` runs in the worker).
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from imr_llm._errors import LetterParseError
from imr_llm.letters._parse import parse_letter, to_jsonl_line

AHEAD_PER_JOB = 4
"""Letters submitted per worker beyond the one being yielded (bounds memory, keeps workers busy)."""


@dataclass(frozen=True)
class Outcome:
    """One file's result: its JSON Lines record (no newline) or the error message."""

    path: Path
    line: str | None = None
    error: str | None = None


def parse_one(path: Path) -> Outcome:
    """Parse one letter file into an `Outcome` (a `LetterParseError` becomes its message)."""
    try:
        return Outcome(path, line=to_jsonl_line(parse_letter(path)))
    except LetterParseError as exc:
        return Outcome(path, error=str(exc))


def default_jobs() -> int:
    """CPUs this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def _context() -> multiprocessing.context.BaseContext:
    # fork starts workers in milliseconds with imr_llm already imported; elsewhere the default.
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else None)


def parse_many(paths: Iterable[Path], *, jobs: int = 1) -> Iterator[Outcome]:
    """`Outcome`s for `paths` in their order; `jobs` > 1 parses in that many processes."""
    if jobs <= 1:
        for path in paths:
            yield parse_one(path)
        return
    window = jobs * AHEAD_PER_JOB
    import pypdf  # noqa: F401 - imported once here, not in every forked worker

    pending: deque[Future[Outcome]] = deque()
    with ProcessPoolExecutor(max_workers=jobs, mp_context=_context()) as pool:
        try:
            for path in paths:
                pending.append(pool.submit(parse_one, path))
                if len(pending) >= window:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()
