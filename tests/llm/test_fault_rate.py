"""A 20% injected fault rate over many concurrent calls loses no call: each one succeeds
within its retry budget or fails with a clear error, and every request and token is counted."""

from __future__ import annotations

import random
import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from imr_llm._errors import ModelError
from imr_llm.llm import RetryPolicy, Usage, UsageTracker

from ._fake_openai import DROP, TRUNCATE, Action, ScriptedServer, ok, status
from .test_client import GOOD, Facts, make_model

N_CALLS = 60
FAULT_RATE = 0.2
RETRIES, REASKS = 3, 1
INVALID = ok('{"age": "n/a"', prompt_tokens=10, completion_tokens=5)  # a re-askable answer
TRANSPORT_FAULTS = [status(429, retry_after="0"), status(500), status(503), DROP, TRUNCATE]


def _script(rng: random.Random) -> list[Action]:
    actions: list[Action] = []
    while rng.random() < FAULT_RATE:
        actions.append(rng.choice([*TRANSPORT_FAULTS, INVALID]))
    return [*actions, ok(GOOD, prompt_tokens=10, completion_tokens=5)]


def _expected(script: list[Action]) -> tuple[bool, int, int]:
    """(succeeds, requests, tokens) under RETRIES transport retries per ask and REASKS re-asks."""
    i = requests = tokens = 0
    for _ask in range(REASKS + 1):
        for attempt in range(RETRIES + 1):
            action = script[i]
            i += 1
            requests += 1
            if action.kind != "ok":
                if attempt == RETRIES:
                    return False, requests, tokens
                continue
            tokens += action.prompt_tokens + action.completion_tokens
            if action is INVALID:
                break
            return True, requests, tokens
    return False, requests, tokens


def test_fault_injection_loses_no_call_and_counts_everything() -> None:
    rng = random.Random(20260101)
    scripts = {i: _script(rng) for i in range(N_CALLS)}
    scripts[N_CALLS] = [status(500)] * (RETRIES + 1)  # exhausts the transport budget
    scripts[N_CALLS + 1] = [INVALID] * (REASKS + 1)  # exhausts the re-ask budget
    positions = dict.fromkeys(scripts, 0)
    expected = {i: _expected(s) for i, s in scripts.items()}
    faults = sum(len(s) - 1 for s in scripts.values())
    assert 0.1 < faults / sum(len(s) for s in scripts.values()) < 0.5  # a real fault rate

    def respond(body: dict[str, Any]) -> Action:
        item = int(re.search(r"item-(\d+)", body["messages"][0]["content"]).group(1))  # type: ignore[union-attr]
        action = scripts[item][positions[item]]  # one thread per item: no race on its slot
        positions[item] += 1
        return action

    tracker = UsageTracker()
    with ScriptedServer(respond) as srv:
        model = make_model(
            srv.base_url,
            retry=RetryPolicy(max_retries=RETRIES, wait_s=0.001, wait_max_s=0.01),
            max_reasks=REASKS,
            tracker=tracker,
        )

        def call(item: int) -> tuple[bool, Usage, str]:
            messages = [{"role": "user", "content": f"SYNTHETIC item-{item}"}]
            try:
                done = model.structured(messages, Facts)
            except ModelError as exc:
                return False, exc.usage, str(exc)  # type: ignore[attr-defined]
            assert done.value == Facts(**GOOD)
            return True, done.usage, ""

        with ThreadPoolExecutor(max_workers=8) as pool:
            results = dict(zip(scripts, pool.map(call, scripts), strict=True))

    for item, (succeeded, usage, error) in results.items():
        want_ok, want_requests, want_tokens = expected[item]
        assert succeeded == want_ok, (item, error)
        assert usage.requests == want_requests == positions[item], item
        assert usage.prompt_tokens + usage.completion_tokens == want_tokens, item
        if not succeeded:
            assert re.search(r"after \d+ attempt\(s\)", error), error
    assert len(srv.requests) == sum(r for _, r, _ in expected.values())
    total = tracker.total
    assert tracker.calls == len(scripts)
    assert total.requests == len(srv.requests)
    assert total.prompt_tokens + total.completion_tokens == sum(t for *_, t in expected.values())
    assert sum(not ok_ for ok_, *_ in results.values()) >= 2
