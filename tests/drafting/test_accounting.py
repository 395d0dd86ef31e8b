"""Every request is counted: when the checklist-with-decision asks fail and the checklist
alone is asked instead, the failed asks' requests, tokens and cost are in the usage too."""

from __future__ import annotations

import json
from typing import Any

from imr_llm.drafting._draft import _ask
from imr_llm.llm import InstructorModel, RetryPolicy, UsageTracker
from llm._fake_openai import ScriptedServer, ok  # tests/ is on sys.path

CRITERIA = ["criterion one", "criterion two"]


def test_checklist_fallback_counts_the_failed_asks() -> None:
    answers = iter(range(100))

    def respond(body: dict[str, Any]) -> Any:
        schema = json.dumps(body.get("response_format", {}))
        if '"decision"' in schema:  # the asks with a decision: never valid, each different
            return ok(f'{{"c1": "met", "broken": {next(answers)}', prompt_tokens=40)
        return ok({"c1": "met", "c2": "not met", "c1_ref": None, "c2_ref": None})

    tracker = UsageTracker()
    with ScriptedServer(respond) as srv:
        model = InstructorModel(
            name="scripted", model="m", base_url=srv.base_url, endpoint_id="x",
            retry=RetryPolicy(max_retries=0), max_reasks=2, timeout_s=5.0,
            price=(1.0, 1.0), tracker=tracker,
        )  # fmt: skip
        done, how = _ask(model, [{"role": "user", "content": "SYNTHETIC"}], CRITERIA)
    assert how == "checklist"
    assert len(srv.requests) == 4  # 3 asks with a decision, then the checklist alone
    assert done.usage.requests == len(srv.requests)
    assert done.usage.prompt_tokens == 3 * 40 + 10
    assert done.usage.cost_usd is not None
    assert tracker.total.requests == len(srv.requests)
