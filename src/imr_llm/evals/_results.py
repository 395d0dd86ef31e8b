"""Per-sample results and the append-only results file (`results.jsonl`).

Each line is written and flushed as its sample completes, so a run killed mid-way loses nothing
already done. On resume the file is read back: a truncated last line (killed mid-write) is
ignored, the last line per sample id wins, and samples whose last result is an error are run
again.
"""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path
from typing import IO, Any, Literal

from pydantic import Field, ValidationError

from imr_llm._models import Contract
from imr_llm._private import open_private, private_dir, storage_error
from imr_llm.llm._model import Usage


class SampleResult(Contract):
    """What one sample produced and how it scored."""

    sample_id: str
    case_id: str
    task: Literal["draft", "summary"]
    request: str | None = None
    record: str | None = Field(
        default=None,
        description="What the model was given: the record text (letters) or the record files.",
    )
    gold_decision: Literal["Upheld", "Overturned"] | None = None
    predicted_decision: Literal["Upheld", "Overturned"] | None = None
    p_overturned: float | None = Field(
        default=None, description="The draft's P(Overturned) (kept in slim results for AUC)."
    )
    chapter: str | None = Field(default=None, description="Gold guideline chapter key (draft).")
    scores: dict[str, float | None] = Field(
        default_factory=dict, description="Per-sample scores; None where undefined."
    )
    fact_counts: dict[str, dict[str, int]] = Field(
        default_factory=dict, description="summary: per-field gold/predicted/matched counts."
    )
    gold: dict[str, Any] = Field(default_factory=dict, description="Gold, as JSON (for reports).")
    prediction: dict[str, Any] | None = Field(
        default=None, description="ItemDraft or CaseSummary, as JSON."
    )
    usage: Usage = Field(default_factory=Usage)
    latency_s: float = Field(default=0.0, description="Wall-clock seconds for this sample.")
    error: str | None = Field(default=None, description="Error type and message when it failed.")

    @property
    def ok(self) -> bool:
        return self.error is None


class ResultsWriter:
    """Appends one JSON line per result and flushes it (call from one thread)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        private_dir(path.parent)
        needs_newline = path.exists() and path.stat().st_size > 0 and not _ends_with_newline(path)
        self._file: IO[str] = open_private(path, "a")
        if needs_newline:  # a previous run was killed mid-line: start on a fresh line
            self._file.write("\n")

    def write(self, result: SampleResult) -> None:
        """Append and flush one line; a full disk is a StorageError (earlier lines stay)."""
        self.write_line(result.model_dump_json())

    def write_line(self, line: str) -> None:
        """`write` for a result already serialised (`SampleResult.model_dump_json()`)."""
        try:
            self._file.write(line + "\n")
            self._file.flush()
        except OSError as exc:
            raise storage_error(exc, self.path) from exc

    def close(self) -> None:
        with contextlib.suppress(OSError):  # a full disk already reported by write()
            self._file.close()

    def __enter__(self) -> ResultsWriter:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as handle:
        handle.seek(-1, 2)
        return handle.read(1) == b"\n"


def read_results(path: Path) -> list[SampleResult]:
    """All results in file order; unreadable lines (a line cut by a kill) are skipped."""
    if not path.exists():
        return []
    results: list[SampleResult] = []
    bad = 0
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        try:
            results.append(SampleResult.model_validate(json.loads(line)))
        except (json.JSONDecodeError, ValidationError):
            bad += 1
    if bad:
        print(f"imr-llm: warning: {path}: skipped {bad} unreadable line(s)", file=sys.stderr)
    return results


def latest_results(results: list[SampleResult]) -> dict[str, SampleResult]:
    """The last result per sample id."""
    latest: dict[str, SampleResult] = {}
    for result in results:
        latest[result.sample_id] = result
    return latest
