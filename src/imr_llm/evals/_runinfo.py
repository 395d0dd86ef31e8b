"""The run config recorded in each run directory (`config.json`) and the checks on resume."""

from __future__ import annotations

import datetime as dt
import json
import platform
import subprocess
from pathlib import Path
from typing import Any

from imr_llm._errors import InputError

# Keys that must be equal for --resume to continue a run (the rest may differ).
RESUME_KEYS = ("task", "model", "prompts_version", "samples_fingerprint", "holdout")


def git_commit(start: Path | None = None) -> dict[str, Any] | None:
    """{'commit': sha, 'dirty': bool} of the git checkout holding this package, or None."""
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
    return {"commit": sha.stdout.strip(), "dirty": bool(status.stdout.strip())}


def run_config(**fields: Any) -> dict[str, Any]:
    from imr_llm import __version__

    return {
        **fields,
        "imr_llm_version": __version__,
        "git": git_commit(),
        "python": platform.python_version(),
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=False, default=str) + "\n", "utf-8")
    tmp.replace(path)


def check_resumable(run_dir: Path, config: dict[str, Any]) -> None:
    """Raise InputError when the recorded run differs from this one in a RESUME_KEYS field."""
    path = run_dir / "config.json"
    if not path.exists():
        return
    try:
        previous = json.loads(path.read_text("utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError("unreadable run config; cannot resume", path=path) from exc
    differing = [k for k in RESUME_KEYS if previous.get(k) != config.get(k)]
    if differing:
        raise InputError(
            f"cannot resume: this run differs from the recorded one in {', '.join(differing)} "
            "(use another --out, or --overwrite)",
            path=run_dir,
        )
