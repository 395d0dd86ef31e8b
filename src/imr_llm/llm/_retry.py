"""Transport retries with tenacity: 429 (honouring Retry-After), 408/409, 5xx, timeouts and
dropped connections back off exponentially with jitter. The openai SDK's own retries are off."""

from __future__ import annotations

import email.utils
import logging
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import openai
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
)

from imr_llm.llm._egress import mask_url

log = logging.getLogger("imr_llm.llm")
_URL = re.compile(r"https?://[^\s'\"<>]+")
R = TypeVar("R")
RETRY_STATUS = frozenset({408, 409, 429})


@dataclass(frozen=True)
class RetryPolicy:
    """`max_retries` retries after the first attempt; waits grow from `wait_s` to `wait_max_s`."""

    max_retries: int = 4
    wait_s: float = 1.0
    wait_max_s: float = 30.0


def is_transient(exc: BaseException) -> bool:
    """Worth retrying: connection problems, timeouts, 408/409/429 and 5xx answers."""
    if isinstance(exc, openai.APIConnectionError):  # includes APITimeoutError
        return True
    if isinstance(exc, openai.APIStatusError):
        return exc.status_code in RETRY_STATUS or exc.status_code >= 500
    return False


def retry_after_s(exc: BaseException | None) -> float | None:
    """Seconds the server asked us to wait (`retry-after-ms`, `retry-after` secs or date)."""
    if not isinstance(exc, openai.APIStatusError):
        return None
    headers = exc.response.headers
    raw_ms = headers.get("retry-after-ms")
    if raw_ms:
        try:
            return max(float(raw_ms) / 1000.0, 0.0)
        except ValueError:
            pass
    raw = headers.get("retry-after")
    if not raw:
        return None
    try:
        return max(float(raw), 0.0)
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(raw) if raw else None
        return None if parsed is None else max(parsed.timestamp() - time.time(), 0.0)


class _Wait:
    """Retry-After when the server gives one (capped), else exponential backoff with jitter."""

    def __init__(self, policy: RetryPolicy) -> None:
        self._policy = policy

    def __call__(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        asked = retry_after_s(exc)
        cap = self._policy.wait_max_s
        if asked is not None:
            return min(asked, cap)
        base: float = self._policy.wait_s * 2 ** (state.attempt_number - 1)
        return min(base + random.uniform(0, self._policy.wait_s), cap)


def _log_retry(state: RetryCallState) -> None:
    exc = state.outcome.exception() if state.outcome else None
    wait = state.next_action.sleep if state.next_action else 0.0
    log.info(
        "model request attempt %d failed (%s); retrying in %.2fs",
        state.attempt_number,
        describe_transport_error(exc),
        wait,
    )


def with_retries(call: Callable[[], R], policy: RetryPolicy) -> R:
    """Run `call`, retrying transient failures; the last failure is re-raised as is."""
    retrying = Retrying(
        stop=stop_after_attempt(policy.max_retries + 1),
        retry=retry_if_exception(is_transient),
        wait=_Wait(policy),
        before_sleep=_log_retry,
        reraise=True,
    )
    return retrying(call)


def describe_transport_error(exc: BaseException | None) -> str:
    """A short content-free description: status code or exception class (+ root cause)."""
    if exc is None:
        return "unknown error"
    if isinstance(exc, openai.APIStatusError):
        return f"HTTP {exc.status_code}"
    if isinstance(exc, openai.APITimeoutError):
        return "timed out"
    if isinstance(exc, openai.APIConnectionError):
        root: BaseException = exc
        while root.__cause__ is not None:
            root = root.__cause__
        detail = str(root).splitlines()[0][:200] if str(root) else ""
        detail = _URL.sub(lambda m: mask_url(m.group(0)), detail)  # no secrets from a URL
        return f"connection failed: {type(root).__name__}" + (f": {detail}" if detail else "")
    return type(exc).__name__
