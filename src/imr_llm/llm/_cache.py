"""On-disk response cache (SQLite): validated answers keyed on everything that shapes them.

Only successful, validated answers are stored; errors never are. One connection guarded by a
lock serves all threads; WAL mode lets several processes share the file.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from imr_llm._errors import ModelConfigError

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
    """`get(key) -> JSON text | None`, `put(key, json_text)`; safe across threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(
                path, timeout=30.0, check_same_thread=False, isolation_level=None
            )
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute(
                "CREATE TABLE IF NOT EXISTS responses ("
                " key TEXT PRIMARY KEY, value TEXT NOT NULL,"
                " prompt_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL,"
                " created REAL NOT NULL)"
            )
        except (OSError, sqlite3.Error) as exc:
            raise ModelConfigError(f"{path}: cannot open the response cache: {exc}") from exc
        self._lock = threading.Lock()

    def get(self, key: str) -> str | None:
        with self._lock:
            row = self._conn.execute("SELECT value FROM responses WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def put(self, key: str, value: str, *, prompt_tokens: int, completion_tokens: int) -> None:
        with self._lock:
            self._conn.execute(
                "INSERT OR REPLACE INTO responses VALUES (?, ?, ?, ?, ?)",
                (key, value, prompt_tokens, completion_tokens, time.time()),
            )

    def __len__(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT COUNT(*) FROM responses").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._conn.close()


_OPEN: dict[Path, ResponseCache] = {}
_OPEN_LOCK = threading.Lock()


def open_cache(cache_dir: Path) -> ResponseCache:
    """One shared `ResponseCache` per file per process."""
    path = (cache_dir / "responses.sqlite3").resolve()
    with _OPEN_LOCK:
        if path not in _OPEN:
            _OPEN[path] = ResponseCache(path)
        return _OPEN[path]
