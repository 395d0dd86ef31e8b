"""Where a reviewed case lives on disk: its versions, never overwritten, private to the user.

Layout under the state directory (0700; every file 0600, since records and drafts are PHI):

    <state>/<case key>/case.json              case number and record paths (written once)
    <state>/<case key>/versions/0001-machine.json
    <state>/<case key>/versions/0002-reviewer.json  ...

The case key is a hash of the record files' names and text, so reopening the same records finds
their history again, and changed records start a new one (line references would not hold).
A version file is created with O_EXCL: an existing file is never replaced.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import threading
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError

from imr_llm._errors import InputError
from imr_llm._models import Contract
from imr_llm.drafting import LetterDraft
from imr_llm.records import CaseFile

VersionKind = Literal["machine", "reviewer", "rerun"]
_VERSION_FILE = re.compile(r"^(\d{4,})-(machine|reviewer|rerun)\.json$")


class Version(Contract):
    """One saved state of a case's letter: the machine's draft, a reviewer's edit of a version,
    or a version with one item re-drafted."""

    number: int = Field(ge=1, description="1, 2, ... in the order saved.")
    kind: VersionKind = Field(
        description="machine: drafted by the model; reviewer: a reviewer's edit of `parent`; "
        "rerun: `parent` with one item re-drafted (another model or prompt set)."
    )
    created: dt.datetime
    parent: int | None = Field(default=None, description="The version this one was made from.")
    model: str | None = Field(default=None, description="Model that drafted (machine/rerun).")
    note: str = Field(default="", description="The reviewer's note on this version.")
    changes: list[str] = Field(
        default_factory=list, description="What differs from `parent`, one line per change."
    )
    letter: LetterDraft


def default_state_dir() -> Path:
    """`$IMR_LLM_REVIEW_DIR`, else `$XDG_STATE_HOME/imr-llm/review` (~/.local/state/...)."""
    if env := os.environ.get("IMR_LLM_REVIEW_DIR"):
        return Path(env).expanduser()
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base).expanduser() / "imr-llm" / "review"


def case_key(case: CaseFile) -> str:
    """A stable key for these records: hash of each document's file name and text."""
    digest = hashlib.sha256()
    for doc in case.documents:
        digest.update(Path(doc.source).name.encode())
        digest.update(b"\0")
        for line in doc.lines:
            digest.update(line.text.encode())
            digest.update(b"\n")
        digest.update(b"\f")
    return digest.hexdigest()[:16]


def _record_files(case: CaseFile, given: list[Path]) -> list[str]:
    """The files the documents came from (absolute), else the paths given."""
    files = [Path(d.source) for d in case.documents]
    if files and all(f.is_file() for f in files):
        return [str(f.resolve()) for f in files]
    return [str(p.resolve()) for p in given]


def _private_dir(path: Path) -> None:
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(path, 0o700)
    except OSError as exc:
        msg = f"cannot create the review state directory ({exc.strerror})"
        raise InputError(msg, path=path) from exc


def _write_new(path: Path, text: str) -> None:
    """Create `path` (0600) with `text`; fails if it exists."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())


class CaseStore:
    """The versions of one case under `state_dir`; thread-safe."""

    def __init__(self, state_dir: Path, case: CaseFile, records: list[Path]) -> None:
        self.state_dir = Path(state_dir)
        _private_dir(self.state_dir)
        self.key = case_key(case)
        self.root = self.state_dir / self.key
        self.versions_dir = self.root / "versions"
        _private_dir(self.root)
        _private_dir(self.versions_dir)
        self._lock = threading.Lock()
        meta = self.root / "case.json"
        if not meta.exists():
            from imr_llm.drafting._letter import case_number

            info = {
                "case_number": case_number(case),
                "records": _record_files(case, records),
                "created": dt.datetime.now(dt.UTC).isoformat(),
            }
            with contextlib.suppress(FileExistsError):
                _write_new(meta, json.dumps(info, indent=2) + "\n")
        self.records = _record_files(case, records)

    def versions(self) -> list[Version]:
        """Every saved version, oldest first. A file that does not validate is an error naming
        it (never skipped silently, never rewritten)."""
        out: list[Version] = []
        for path in sorted(self.versions_dir.iterdir()):
            if not _VERSION_FILE.match(path.name):
                continue
            try:
                out.append(Version.model_validate_json(path.read_text(encoding="utf-8")))
            except (OSError, ValidationError) as exc:
                raise InputError("not a readable review version", path=path) from exc
        return sorted(out, key=lambda v: v.number)

    def get(self, number: int) -> Version | None:
        return next((v for v in self.versions() if v.number == number), None)

    def latest(self) -> Version | None:
        versions = self.versions()
        return versions[-1] if versions else None

    def machine(self) -> Version | None:
        """The latest whole-case machine draft."""
        return next((v for v in reversed(self.versions()) if v.kind == "machine"), None)

    def add(
        self,
        kind: VersionKind,
        letter: LetterDraft,
        *,
        parent: int | None = None,
        model: str | None = None,
        note: str = "",
        changes: list[str] | None = None,
    ) -> Version:
        """Save `letter` as the next version (a new file beside the others)."""
        with self._lock:
            existing = [
                int(m.group(1))
                for p in self.versions_dir.iterdir()
                if (m := _VERSION_FILE.match(p.name))
            ]
            number = max(existing, default=0) + 1
            version = Version(
                number=number,
                kind=kind,
                created=dt.datetime.now(dt.UTC),
                parent=parent,
                model=model,
                note=note,
                changes=changes or [],
                letter=letter,
            )
            path = self.versions_dir / f"{number:04d}-{kind}.json"
            try:
                _write_new(path, version.model_dump_json(indent=2) + "\n")
            except OSError as exc:
                raise InputError(f"cannot save the version ({exc.strerror})", path=path) from exc
            return version
