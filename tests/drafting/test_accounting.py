"""Every request is counted: the decision token asked without log-probabilities in the answer
(then sampled), and a rationale whose asks all fail (then the template): the failed asks'
requests, tokens and cost are in the item's usage too."""

from __future__ import annotations

import json
from typing import Any

import pytest

from imr_llm.drafting import draft_item
from imr_llm.llm import InstructorModel, RetryPolicy, UsageTracker
from imr_llm.records import case_from_text
from llm._fake_openai import ScriptedServer, ok  # tests/ is on sys.path


@pytest.mark.usefixtures("blend_decisions")
def test_failed_asks_and_fallbacks_are_all_counted() -> None:
    answers = iter(range(100))

    def respond(body: dict[str, Any]) -> Any:
        if body.get("logprobs"):
            return ok("Upheld", prompt_tokens=40)  # no logprobs in the answer: sampled instead
        schema = json.dumps(body.get("response_format", {}))
        if '"rationale"' in schema:  # never valid, each answer different (re-asked)
            return ok(f'{{"rationale": {next(answers)}', prompt_tokens=40)
        return ok({"answer": "Upheld"}, prompt_tokens=40)

    tracker = UsageTracker()
    case = case_from_text("SYNTHETIC. Date of injury: 11/02/2016. Physical therapy x6 done.")
    with ScriptedServer(respond) as srv:
        model = InstructorModel(
            name="scripted", model="m", base_url=srv.base_url, endpoint_id="x",
            retry=RetryPolicy(max_retries=0), max_reasks=2, timeout_s=5.0,
            price=(1.0, 1.0), tracker=tracker,
        )  # fmt: skip
        done = draft_item(case, "Physical therapy 2x3", model, None)
    d = done.value
    assert d.p_model == 0.0 and d.rationale_source == "template"
    assert len(srv.requests) == 1 + 5 + 3  # logprobs ask, 5 samples, 3 rationale asks
    assert done.usage.requests == len(srv.requests)
    assert done.usage.prompt_tokens == len(srv.requests) * 40
    assert done.usage.cost_usd is not None
    assert tracker.total.requests == len(srv.requests)
