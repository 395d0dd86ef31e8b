"""Prices and the run-level usage tracker."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from imr_llm.llm import Usage, UsageTracker, format_usage, run_usage
from imr_llm.llm._usage import cost_usd, price_for


def test_prices() -> None:
    assert price_for("local", "anything") == (0.0, 0.0)
    assert price_for("openai", "gpt-4o-mini") == (0.15, 0.60)
    assert price_for("openai", "gpt-4o-mini-2024-07-18") == (0.15, 0.60)
    assert price_for("openai", "gpt-4o-2024-08-06") == (2.50, 10.00)
    assert price_for("openai", "my-finetune") is None
    assert price_for("url", "gpt-4o") is None
    assert cost_usd((0.15, 0.60), 1_000_000, 500_000) == pytest.approx(0.45)
    assert cost_usd(None, 10, 10) is None


def test_tracker_is_thread_safe_and_formats_a_summary() -> None:
    tracker = UsageTracker()
    one = Usage(prompt_tokens=3, completion_tokens=2, requests=1, cost_usd=0.5, latency_s=0.1)
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda _i: tracker.add(one), range(1000)))
    tracker.add(Usage(cache_hits=1))
    total = tracker.total
    assert (total.prompt_tokens, total.requests, total.cache_hits) == (3000, 1000, 1)
    assert total.cost_usd == pytest.approx(500.0)
    assert tracker.calls == 1001
    assert format_usage(total, calls=tracker.calls).startswith(
        "model calls: 1001 (1 cached), requests: 1000, tokens: 3000 in / 2000 out, cost: $500.0"
    )
    tracker.reset()
    assert tracker.total == Usage() and "cost: unknown" in tracker.summary()
    assert isinstance(run_usage(), UsageTracker)
