"""The exact messages a prompt template produces for a case (for `imr-llm prompts render`)."""

from __future__ import annotations

from imr_llm._errors import PromptError
from imr_llm.drafting._draft import LibraryLike, decision_task, route_item
from imr_llm.drafting._prompts import PromptSet
from imr_llm.drafting._summarize import SUMMARY_CALLS, case_messages, summary_call_records
from imr_llm.llm import Message
from imr_llm.records import CaseFile

OUTPUT_TEMPLATES = ("summary_prose", "rationale", "letter")
"""Templates that render model output (no model call), not prompts."""


def prompt_messages(
    prompts: PromptSet,
    name: str,
    case: CaseFile,
    *,
    request: str | None = None,
    library: LibraryLike | None = None,
) -> list[Message]:
    """The chat messages template `name` yields for `case` (the first chunk if it is split)."""
    prompts.source(name)
    if name in OUTPUT_TEMPLATES:
        raise PromptError(f"{name!r} renders model output (no model call); nothing to preview")
    if name == "system":
        return case_messages(prompts, case, "")[:1]
    if name in {n for n, _, _ in SUMMARY_CALLS}:
        return case_messages(prompts, summary_call_records(case, name), prompts.render(name))
    if name == "draft_decision":
        if not request:
            raise PromptError("draft_decision needs a request (--item)")
        from imr_llm.drafting._criteria import check_criteria
        from imr_llm.precedents import load_precedents

        match, _days = route_item(case, request)
        checks = check_criteria(case, request, match)
        refs = [p.ref(s) for p, s in load_precedents().retrieve(request, match.service, k=3)]
        task = decision_task(prompts, request, match.citation, checks, refs)
        return case_messages(prompts, case, task)
    # a user-added template: render it with the case records and request as variables
    from imr_llm.records import render_case

    return case_messages(
        prompts, case, prompts.render(name, records=render_case(case), request=request or "")
    )
