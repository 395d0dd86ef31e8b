"""On-disk response cache (SQLite): validated answers keyed on everything that shapes them.

Only successful, validated answers are stored; errors never are. One connection guarded by a
lock serves all threads; WAL mode lets several processes share the file. A damaged file heals
(moved aside, rebuilt); see `ResponseCache`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import sys
import threading
import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from imr_llm._errors import ModelConfigError
from imr_llm._private import FILE_MODE, private_dir

SCHEMA_VERSION = 1


def cache_key(
    *,
    endpoint: str,
    model: str,
    mode: str,
    messages: list[dict[str, Any]],
    response_model: type[BaseModel],
    params: dict[str, Any],
) -> str:
    """SHA-256 over a canonical JSON of the request's identity."""
    identity = {
        "v": SCHEMA_VERSION,
        "endpoint": endpoint,
        "model": model,
        "mode": mode,
        "messages": messages,
        "schema": response_model.model_json_schema(),
        "response_model": f"{response_model.__module__}.{response_model.__qualname__}",
        "params": params,
    }
    blob = json.dumps(identity, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class ResponseCache:
    """`get(key) -> JSON text | None`, `put(key, json_text)`; safe across threads.

    Private: the file is 0600 in a 0700 directory (answers quote the records). A damaged file
    (truncated, overwritten) is moved aside as `responses.sqlite3.corrupt-<time>` with a
    one-line warning and a fresh cache is started, at open or when a later read or write finds
    the damage. A write the disk refuses (full) is one warning; the cache then stops writing
    and the command goes on (the answer is not lost, only not cached).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._writable = True
        try:
            self._conn = self._open()
        except sqlite3.DatabaseError as exc:
            if not _damaged(exc):
                raise ModelConfigError(f"{path}: cannot open the response cache: {exc}") from exc
            self._conn = self._heal(exc)

    def _open(self) -> sqlite3.Connection:
        private_dir(self.path.parent, tighten=True)
        if not self.path.exists():
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, FILE_MODE))
        os.chmod(self.path, FILE_MODE)
        conn = sqlite3.connect(
            self.path, timeout=30.0, check_same_thread=False, isolation_level=None
        )
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(
                "CREATE TABLE IF NOT EXISTS responses ("
                " key TEXT PRIMARY KEY, value TEXT NOT NULL,"
                " prompt_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL,"
                " created REAL NOT NULL)"
            )
            status = conn.execute("PRAGMA quick_check").fetchone()
            if status is None or status[0] != "ok":
                raise sqlite3.DatabaseError("database disk image is malformed (quick_check)")
        except BaseException:
            conn.close()
            raise
        return conn

    def _heal(self, exc: sqlite3.DatabaseError) -> sqlite3.Connection:
        """Move the damaged file (and its WAL/SHM) aside and start an empty cache."""
        stamp = time.strftime("%Y%m%dT%H%M%S")
        aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        for suffix in ("", "-wal", "-shm"):
            part = Path(str(self.path) + suffix)
            if part.exists():
                part.replace(Path(str(aside) + suffix))
        print(
            f"imr-llm: warning: {self.path}: damaged response cache ({exc}); moved to "
            f"{aside.name}, starting an empty one",
            file=sys.stderr,
        )
        try:
            return self._open()
        except (OSError, sqlite3.Error) as again:
            raise ModelConfigError(
                f"{self.path}: cannot rebuild the response cache: {again}"
            ) from again

    def _recover(self, exc: sqlite3.DatabaseError) -> bool:
        """Called with the lock held: heal a damaged file (True) or re-raise."""
        if not _damaged(exc):
            return False
        with contextlib.suppress(sqlite3.Error):
            self._conn.close()
        self._conn = self._heal(exc)
        return True

    def get(self, key: str) -> str | None:
        with self._lock:
            try:
                row = self._conn.execute(
                    "SELECT value FROM responses WHERE key = ?", (key,)
                ).fetchone()
            except sqlite3.DatabaseError as exc:
                if self._recover(exc):
                    return None
                raise ModelConfigError(f"{self.path}: response cache read failed: {exc}") from exc
        return None if row is None else str(row[0])

    def put(self, key: str, value: str, *, prompt_tokens: int, completion_tokens: int) -> None:
        row = (key, value, prompt_tokens, completion_tokens, time.time())
        with self._lock:
            if not self._writable:
                return
            for _ in range(2):
                try:
                    self._conn.execute(
                        "INSERT OR REPLACE INTO responses VALUES (?, ?, ?, ?, ?)", row
                    )
                    return
                except sqlite3.DatabaseError as exc:
                    if self._recover(exc):
                        continue
                    self._writable = False
                    print(
                        f"imr-llm: warning: {self.path}: cannot write the response cache "
                        f"({exc}); going on without caching new answers",
                        file=sys.stderr,
                    )
                    return

    def __len__(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT COUNT(*) FROM responses").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def _damaged(exc: sqlite3.DatabaseError) -> bool:
    """A damaged or foreign file (not: locked, full, I/O error)."""
    if not isinstance(exc, sqlite3.OperationalError):
        return True
    text = str(exc).lower()
    return "malformed" in text or "not a database" in text


_OPEN: dict[Path, ResponseCache] = {}
_OPEN_LOCK = threading.Lock()


def open_cache(cache_dir: Path) -> ResponseCache:
    """One shared `ResponseCache` per file per process."""
    path = (cache_dir / "responses.sqlite3").resolve()
    with _OPEN_LOCK:
        if path not in _OPEN:
            _OPEN[path] = ResponseCache(path)
        return _OPEN[path]
