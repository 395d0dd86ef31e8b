"""`per_object`: a one-argument function's value, kept for as long as its argument lives.

Drafting the items of one case asks the same questions of the same `CaseFile` once per item
(the date of injury, the latest record date, the grounding index of the records). Case files
are not changed after they are read, so the answers are memoised by the object's identity and
dropped when the object is (a weak reference's callback), with no hashing of the records.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from functools import update_wrapper
from typing import Any, Generic, TypeVar

T = TypeVar("T")
V = TypeVar("V")


class per_object(Generic[T, V]):
    """`fn(obj)` computed once per live `obj` (by identity). Threads may compute a value twice
    on a first race; both are the same value."""

    def __init__(self, fn: Callable[[T], V]) -> None:
        self._fn = fn
        self._memo: dict[int, tuple[weakref.ref[Any], V]] = {}
        self._lock = threading.Lock()
        update_wrapper(self, fn)

    def __call__(self, obj: T) -> V:
        key = id(obj)
        hit = self._memo.get(key)
        if hit is not None and hit[0]() is obj:
            return hit[1]
        value = self._fn(obj)
        memo = self._memo

        def forget(_ref: weakref.ref[Any], key: int = key) -> None:
            memo.pop(key, None)

        with self._lock:
            memo[key] = (weakref.ref(obj, forget), value)
        return value

    def cache_clear(self) -> None:
        with self._lock:
            self._memo.clear()

    def __len__(self) -> int:
        return len(self._memo)
