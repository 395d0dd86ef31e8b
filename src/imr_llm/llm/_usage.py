"""Cost per call for known hosted models and a thread-safe run-level usage total."""

from __future__ import annotations

import threading

from imr_llm.llm._model import Usage

# USD per 1M tokens (input, output), OpenAI list prices as of 2025; extend as needed.
PRICES_PER_MTOK: dict[str, tuple[float, float]] = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1": (2.00, 8.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1-nano": (0.10, 0.40),
    "o4-mini": (1.10, 4.40),
}


def price_for(kind: str, model: str) -> tuple[float, float] | None:
    """Per-1M-token prices: local models are free, hosted ones from the table, else None.

    Dated snapshots (`gpt-4o-mini-2024-07-18`) use their base model's price.
    """
    if kind == "local":
        return (0.0, 0.0)
    if kind != "openai":
        return None
    for name in sorted(PRICES_PER_MTOK, key=len, reverse=True):
        if model == name or model.startswith(name + "-20"):
            return PRICES_PER_MTOK[name]
    return None


def cost_usd(
    price: tuple[float, float] | None, prompt_tokens: int, completion_tokens: int
) -> float | None:
    """Cost of the given tokens, or None when the price is unknown."""
    if price is None:
        return None
    return (prompt_tokens * price[0] + completion_tokens * price[1]) / 1_000_000


class UsageTracker:
    """Adds up `Usage` from many threads; one per run (see `run_usage`)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._total = Usage()
        self._calls = 0

    def add(self, usage: Usage) -> None:
        with self._lock:
            self._total = self._total + usage
            self._calls += 1

    @property
    def total(self) -> Usage:
        with self._lock:
            return self._total.model_copy()

    @property
    def calls(self) -> int:
        with self._lock:
            return self._calls

    def reset(self) -> None:
        with self._lock:
            self._total = Usage()
            self._calls = 0

    def summary(self) -> str:
        """One line for the end of a CLI command."""
        return format_usage(self.total, calls=self.calls)


def format_usage(usage: Usage, *, calls: int | None = None) -> str:
    """E.g. `model calls: 12 (3 cached), requests: 10, tokens: 5120 in / 830 out, cost: $0.0012`."""
    cost = "unknown" if usage.cost_usd is None else f"${usage.cost_usd:.4f}"
    head = f"model calls: {calls} ({usage.cache_hits} cached), " if calls is not None else ""
    return (
        f"{head}requests: {usage.requests}, tokens: {usage.prompt_tokens} in / "
        f"{usage.completion_tokens} out, cost: {cost}, model time: {usage.latency_s:.1f}s"
    )


_RUN = UsageTracker()


def run_usage() -> UsageTracker:
    """The process-wide tracker every `InstructorModel` call reports to."""
    return _RUN
