"""InstructorModel against the scripted server: retries, re-asks, errors and accounting."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest
from pydantic import BaseModel

from imr_llm._errors import ModelConfigError, ModelError
from imr_llm.llm import InstructorModel, RetryPolicy, UsageTracker

from ._fake_openai import (
    DROP,
    GARBAGE,
    TRUNCATE,
    ScriptedServer,
    ok,
    scripted,
    stall,
    status,
)

PHI = "Jane Q. Synthetic, DOB 1970-01-01"  # a marker that must never reach errors or logs
MESSAGES = [{"role": "user", "content": f"SYNTHETIC record of {PHI}: 47 y/o female."}]
GOOD = {"age": 47, "sex": "female"}


class Facts(BaseModel):
    age: int
    sex: str


def make_model(base_url: str, **kw: Any) -> InstructorModel:
    settings: dict[str, Any] = {
        "name": "test-model",
        "model": "m",
        "base_url": base_url,
        "endpoint_id": base_url,
        "retry": RetryPolicy(max_retries=3, wait_s=0.001, wait_max_s=0.05),
        "timeout_s": 2.0,
        "price": (1.0, 2.0),
        "tracker": UsageTracker(),
        **kw,
    }
    return InstructorModel(**settings)


def test_success_counts_one_request_and_its_tokens() -> None:
    with ScriptedServer(scripted(ok(GOOD, prompt_tokens=100, completion_tokens=20))) as srv:
        done = make_model(srv.base_url).structured(MESSAGES, Facts)
    assert done.value == Facts(**GOOD) and type(done.value) is Facts
    assert (done.usage.requests, done.usage.prompt_tokens, done.usage.completion_tokens) == (
        1,
        100,
        20,
    )
    assert done.usage.cost_usd == pytest.approx((100 * 1.0 + 20 * 2.0) / 1e6)
    assert not done.cached and done.usage.cache_hits == 0
    assert srv.requests[0]["temperature"] == 0.0
    assert srv.requests[0]["response_format"]["type"] == "json_schema"


@pytest.mark.parametrize(
    "fault",
    [status(429), status(500), status(503), status(408), DROP, TRUNCATE, GARBAGE, stall(0.6)],
    ids=["429", "500", "503", "408", "drop", "truncated-body", "non-json-body", "timeout"],
)
def test_transient_faults_are_retried(fault: Any) -> None:
    with ScriptedServer(scripted(fault, fault, ok(GOOD))) as srv:
        done = make_model(srv.base_url, timeout_s=0.3).structured(MESSAGES, Facts)
    assert done.value == Facts(**GOOD)
    assert done.usage.requests == 3 == len(srv.requests)
    assert (done.usage.prompt_tokens, done.usage.completion_tokens) == (10, 5)


def test_retry_after_is_honoured() -> None:
    policy = RetryPolicy(max_retries=2, wait_s=0.0, wait_max_s=5.0)
    with ScriptedServer(scripted(status(429, retry_after="0.3"), ok(GOOD))) as srv:
        started = time.monotonic()
        done = make_model(srv.base_url, retry=policy).structured(MESSAGES, Facts)
        elapsed = time.monotonic() - started
    assert done.usage.requests == 2
    assert elapsed >= 0.3


def test_retry_after_is_capped_by_wait_max() -> None:
    policy = RetryPolicy(max_retries=1, wait_s=0.0, wait_max_s=0.05)
    with ScriptedServer(scripted(status(429, retry_after="60"), ok(GOOD))) as srv:
        started = time.monotonic()
        make_model(srv.base_url, retry=policy).structured(MESSAGES, Facts)
    assert time.monotonic() - started < 5


def test_persistent_5xx_fails_with_clear_error_and_no_phi(caplog: Any) -> None:
    caplog.set_level(logging.INFO)
    with ScriptedServer(scripted(*[status(500)] * 3)) as srv:
        model = make_model(srv.base_url, retry=RetryPolicy(max_retries=2, wait_s=0.001))
        with pytest.raises(ModelError) as err:
            model.structured(MESSAGES, Facts)
    assert len(srv.requests) == 3
    assert "after 3 attempt(s)" in str(err.value) and "HTTP 500" in str(err.value)
    assert err.value.exit_code == 3
    assert err.value.usage.requests == 3  # type: ignore[attr-defined]
    assert PHI not in str(err.value) and PHI not in caplog.text


def test_client_errors_are_not_retried() -> None:
    with (
        ScriptedServer(scripted(status(400))) as srv,
        pytest.raises(ModelError, match="rejected the request"),
    ):
        make_model(srv.base_url).structured(MESSAGES, Facts)
    assert len(srv.requests) == 1
    with (
        ScriptedServer(scripted(status(401))) as srv,
        pytest.raises(ModelConfigError, match="credentials"),
    ):
        make_model(srv.base_url).structured(MESSAGES, Facts)
    assert len(srv.requests) == 1


def test_context_overflow_is_named() -> None:
    with (
        ScriptedServer(scripted(status(400, error_code="context_length_exceeded"))) as srv,
        pytest.raises(ModelError, match="does not fit the model's context window"),
    ):
        make_model(srv.base_url).structured(MESSAGES, Facts)
    assert len(srv.requests) == 1


def test_invalid_answer_is_reasked_with_only_the_last_failure(caplog: Any) -> None:
    caplog.set_level(logging.INFO)
    answers = [
        ok('{"age": 47, "sex": "fem', prompt_tokens=50, completion_tokens=7),  # cut JSON
        ok({"age": "forty-seven", "sex": PHI}, prompt_tokens=60, completion_tokens=9),
        ok(GOOD, prompt_tokens=70, completion_tokens=11),
    ]
    with ScriptedServer(scripted(*answers)) as srv:
        done = make_model(srv.base_url, max_reasks=2).structured(MESSAGES, Facts)
    assert done.value == Facts(**GOOD)
    assert done.usage.requests == 3
    assert (done.usage.prompt_tokens, done.usage.completion_tokens) == (180, 27)
    first, second, third = (r["messages"] for r in srv.requests)
    assert first == MESSAGES
    assert len(second) == len(third) == len(MESSAGES) + 2  # bounded history
    assert second[-2] == {"role": "assistant", "content": '{"age": 47, "sex": "fem'}
    assert "invalid json" in second[-1]["content"].lower()
    assert third[-2]["content"] == answers[1].content  # only the last failed answer
    assert "age" in third[-1]["content"]
    assert PHI not in caplog.text


def test_reasks_are_bounded_and_the_error_has_no_phi(caplog: Any) -> None:
    caplog.set_level(logging.DEBUG, logger="imr_llm")
    bad = [ok({"age": PHI, "sex": sex}) for sex in "xyzw"]  # different each time: all re-asked
    with ScriptedServer(scripted(*bad)) as srv, pytest.raises(ModelError) as err:
        make_model(srv.base_url, max_reasks=2).structured(MESSAGES, Facts)
    assert len(srv.requests) == 3
    assert "no valid Facts after 3 attempt(s)" in str(err.value)
    assert "age: int_parsing" in str(err.value)
    assert PHI not in str(err.value)
    assert err.value.usage.completion_tokens == 15  # type: ignore[attr-defined]
    assert not any(PHI in r.getMessage() for r in caplog.records if r.levelno > logging.DEBUG)


def test_the_same_invalid_answer_at_temperature_0_is_not_re_asked_twice() -> None:
    bad = ok({"age": "n/a", "sex": "x"})
    tracker = UsageTracker()
    with ScriptedServer(scripted(bad, bad, bad, bad)) as srv, pytest.raises(ModelError) as err:
        make_model(srv.base_url, max_reasks=3, tracker=tracker).structured(MESSAGES, Facts)
    # the first answer, one re-ask with the same answer; a third would repeat the second
    assert len(srv.requests) == 2
    assert "twice at temperature 0" in str(err.value)
    assert tracker.total.requests == len(srv.requests)
    # at a temperature above 0 every re-ask is sent
    with ScriptedServer(scripted(bad, bad, bad, bad)) as srv, pytest.raises(ModelError):
        make_model(srv.base_url, max_reasks=3, temperature=0.7).structured(MESSAGES, Facts)
    assert len(srv.requests) == 4


def test_token_budget_stops_reasks() -> None:
    bad = ok({"age": "x", "sex": "y"}, prompt_tokens=100, completion_tokens=100)
    with (
        ScriptedServer(scripted(bad, bad, bad)) as srv,
        pytest.raises(ModelError, match="token budget of 150 spent"),
    ):
        make_model(srv.base_url, max_reasks=2, token_budget=150).structured(MESSAGES, Facts)
    assert len(srv.requests) == 1


def test_truncated_by_max_tokens_is_a_clear_error() -> None:
    with (
        ScriptedServer(scripted(ok('{"age": 4', finish_reason="length"))) as srv,
        pytest.raises(ModelError, match="max_tokens=64"),
    ):
        make_model(srv.base_url).structured(MESSAGES, Facts, max_tokens=64)
    assert srv.requests[0]["max_tokens"] == 64


def test_llama_cpp_dialect_sends_schema_in_json_object() -> None:
    with ScriptedServer(scripted(ok(GOOD), ok(GOOD))) as srv:
        make_model(srv.base_url, llama_cpp=True).structured(MESSAGES, Facts)
        make_model(srv.base_url, llama_cpp=True, mode="json").structured(MESSAGES, Facts)
    for request in srv.requests:
        fmt = request["response_format"]
        assert fmt["type"] == "json_object"
        assert fmt["schema"]["properties"].keys() == {"age", "sex"}


def test_tools_mode_round_trip() -> None:
    def respond(body: dict[str, Any]) -> Any:
        assert body["tool_choice"]["function"]["name"] == "Facts"
        return ok("")

    with (
        ScriptedServer(respond) as srv,
        pytest.raises(ModelError),
    ):  # no tool call in the answer: re-asked, then fails
        make_model(srv.base_url, mode="tools", max_reasks=0).structured(MESSAGES, Facts)
    assert len(srv.requests) == 1
