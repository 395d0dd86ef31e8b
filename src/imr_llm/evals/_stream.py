"""Read `results.jsonl` back without holding every result in memory.

A result line carries the record given to the model, the gold and the prediction: kilobytes per
sample, gigabytes at 100,000 samples. Metrics, intervals and report.md need none of those, so
`slim_results` keeps everything but them (a few hundred bytes per sample); report.html and the
batch runner read full results one at a time with `iter_results`, which seeks to each sample's
latest line (`latest_offsets`). The rules are those of `read_results` / `latest_results`: a line
that does not parse (cut by a kill) is skipped with one warning, the last line per sample wins.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from imr_llm.evals._results import SampleResult

HEAVY_FIELDS = ("record", "gold", "prediction")
"""Fields dropped by `slim`: texts for the reports, not needed by any metric."""


def slim(result: SampleResult) -> SampleResult:
    """`result` without its record, gold and prediction (scores, decisions and usage stay)."""
    return result.model_copy(update={"record": None, "gold": {}, "prediction": None})


def _parse(line: bytes, *, heavy: bool) -> SampleResult | None:
    try:
        data: Any = json.loads(line)
        if not heavy and isinstance(data, dict):
            for name in HEAVY_FIELDS:
                data.pop(name, None)
        return SampleResult.model_validate(data)
    except (json.JSONDecodeError, UnicodeDecodeError, ValidationError):
        return None


def latest_offsets(path: Path) -> dict[str, tuple[int, bool]]:
    """Sample id -> (byte offset of its last readable line, whether that result is ok)."""
    found: dict[str, tuple[int, bool]] = {}
    if not path.exists():
        return found
    bad = 0
    with path.open("rb") as handle:
        offset = 0
        for line in handle:
            if line.strip():
                result = _parse(line, heavy=False)
                if result is None:
                    bad += 1
                else:
                    found[result.sample_id] = (offset, result.ok)
            offset += len(line)
    if bad:
        print(f"imr-llm: warning: {path}: skipped {bad} unreadable line(s)", file=sys.stderr)
    return found


def iter_results(
    path: Path, ids: Iterable[str], *, offsets: dict[str, tuple[int, bool]] | None = None
) -> Iterator[SampleResult]:
    """The latest full result of each of `ids` that has one, in the order of `ids`."""
    where = latest_offsets(path) if offsets is None else offsets
    with path.open("rb") as handle:
        for sample_id in ids:
            if sample_id not in where:
                continue
            handle.seek(where[sample_id][0])
            result = _parse(handle.readline(), heavy=True)
            if result is not None:
                yield result


def slim_results(
    path: Path, ids: Iterable[str], *, offsets: dict[str, tuple[int, bool]] | None = None
) -> list[SampleResult]:
    """The latest result of each of `ids`, in their order, without the heavy fields."""
    return [slim(r) for r in iter_results(path, ids, offsets=offsets)]
