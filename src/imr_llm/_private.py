"""Files that hold record text (PHI) are private: 0600 files in 0700 directories.

Used for run directories, drafts, the response cache and logs. Each helper fixes the mode of
what it creates (an existing directory of the user's own choosing, such as `.`, keeps its mode;
the files written into it are still 0600).
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from imr_llm._errors import ImrLlmError

FILE_MODE = 0o600
DIR_MODE = 0o700


class StorageError(ImrLlmError):
    """The disk refused a write (full, read-only, quota); what was written before is kept."""

    exit_code = 5


def storage_error(exc: OSError, path: Path | str) -> StorageError:
    """One clear line for a failed write."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        what = "the disk is full"
    elif exc.errno == errno.EROFS:
        what = "the file system is read-only"
    else:
        what = exc.strerror or type(exc).__name__
    return StorageError(f"{path}: cannot write ({what}); files written before are kept")


def private_dir(path: Path, *, tighten: bool = False) -> Path:
    """Create `path` (and missing parents) as 0700 directories; with `tighten` an existing
    `path` (one this tool owns, such as the cache) is made 0700 too."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    try:
        path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
        for created in [*missing, *([path] if tighten else [])]:
            os.chmod(created, DIR_MODE)  # mkdir's mode is filtered by the umask
    except OSError as exc:
        raise storage_error(exc, path) from exc
    return path


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path` atomically (temp file + rename), mode 0600."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, FILE_MODE)
        tmp.replace(path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise storage_error(exc, path) from exc


def open_private(path: Path, mode: str = "a") -> IO[str]:
    """Open `path` for appending or writing text, creating it 0600."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if mode == "a" else os.O_TRUNC)
    try:
        fd = os.open(path, flags, FILE_MODE)
        os.chmod(path, FILE_MODE)
        return os.fdopen(fd, mode, encoding="utf-8")
    except OSError as exc:
        raise storage_error(exc, path) from exc


def make_private(*paths: Path) -> None:
    """chmod 0600 the files among `paths` that exist."""
    for path in paths:
        with contextlib.suppress(OSError):
            if path.is_file():
                os.chmod(path, FILE_MODE)


@contextlib.contextmanager
def private_umask() -> Iterator[None]:
    """Everything created inside is private (umask 077); the old umask comes back after."""
    old = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(old)
