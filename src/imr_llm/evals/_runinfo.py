"""The run config recorded in each run directory (`config.json`), the checks on resume, and
the lock that keeps two evals from writing one run directory at once."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel

from imr_llm._errors import InputError
from imr_llm._models import Contract
from imr_llm._private import open_private, private_dir, write_private

if TYPE_CHECKING:
    from imr_llm.evals._config import EvalConfig

LOCK_NAME = ".imr-llm.lock"

# Keys that must be equal for --resume to continue a run (the rest may differ).
RESUME_KEYS = ("task", "model", "prompts_version", "samples_fingerprint", "holdout")


class GitInfo(Contract):
    commit: str
    dirty: bool


def git_commit(start: Path | None = None) -> GitInfo | None:
    """The commit (and whether the tree is dirty) of the git checkout holding this package, or
    None."""
    where = start or Path(__file__).resolve().parent
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=where, capture_output=True, text=True, timeout=10
        )
        if sha.returncode != 0:
            return None
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=where,
            capture_output=True,
            text=True,
            timeout=20,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return GitInfo(commit=sha.stdout.strip(), dirty=bool(status.stdout.strip()))


def write_json(path: Path, data: object) -> None:
    """Atomic, private (0600 in a 0700 directory); a full disk is one StorageError. A model is
    written as its JSON dump, in field order."""
    if isinstance(data, BaseModel):
        data = data.model_dump(mode="json")
    private_dir(path.parent)
    write_private(path, json.dumps(data, indent=2, sort_keys=False, default=str) + "\n")


class RunLocked(InputError):
    """Another eval is writing this run directory."""


@contextlib.contextmanager
def run_lock(run_dir: Path) -> Iterator[None]:
    """Hold an exclusive lock on `run_dir` (its `.imr-llm.lock`) while an eval writes it; a
    second eval on the same directory fails at once, naming the holder. The lock goes with
    the process (a killed eval leaves nothing to clean up)."""
    private_dir(run_dir)
    handle = open_private(run_dir / LOCK_NAME, "a")
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            try:
                holder = (run_dir / LOCK_NAME).read_text("utf-8").strip() or "?"
            except OSError:
                holder = "?"
            raise RunLocked(
                f"another eval (pid {holder}) is writing this run directory; wait for it to "
                "finish or use another --out",
                path=run_dir,
            ) from None
        handle.truncate(0)
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        yield
    finally:
        handle.close()  # releases the lock


def check_resumable(run_dir: Path, config: EvalConfig) -> None:
    """Raise InputError when the recorded run differs from this one in a RESUME_KEYS field (the
    recorded file is read as plain JSON: a run written by an older version still resumes)."""
    path = run_dir / "config.json"
    if not path.exists():
        return
    try:
        previous = json.loads(path.read_text("utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError("unreadable run config; cannot resume", path=path) from exc
    current = config.model_dump(mode="json")
    differing = [k for k in RESUME_KEYS if previous.get(k) != current.get(k)]
    if differing:
        raise InputError(
            f"cannot resume: this run differs from the recorded one in {', '.join(differing)} "
            "(use another --out, or --overwrite)",
            path=run_dir,
        )
