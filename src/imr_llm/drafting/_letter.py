"""The whole letter: summary + one draft per disputed item, rendered in the official order."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from imr_llm._errors import InputError
from imr_llm.drafting._draft import LibraryLike, draft_item, lines_to_skip
from imr_llm.drafting._models import CaseSummary, ItemDraft, LetterDraft
from imr_llm.drafting._prompts import PromptSet, load_prompts
from imr_llm.drafting._summarize import summarize
from imr_llm.llm import Completion, Model, Usage
from imr_llm.records import CaseFile

CLAIMS_ADMINISTRATOR_PLACEHOLDER = (
    "[not extracted: see the utilization review determination in the records]"
)
_CASE_NUMBER = re.compile(r"\bCM\d{2}-\d{7}\b")


def case_number(case: CaseFile) -> str | None:
    """The IMR case number (CMyy-nnnnnnn) if the records state one."""
    for doc in case.documents:
        for line in doc.lines:
            if m := _CASE_NUMBER.search(line.text):
                return m.group()
    return None


def render_letter(
    summary: CaseSummary,
    items: Sequence[ItemDraft],
    *,
    prompts: PromptSet | None = None,
    case_number: str | None = None,
) -> str:
    """The letter text: header, HOW THE IMR FINAL DETERMINATION WAS MADE, CLINICAL CASE
    SUMMARY, IMR ISSUES, DECISIONS AND RATIONALES (per item: decision, both guideline lines,
    rationale)."""
    prompts = prompts or load_prompts()
    denials = [u.date for u in summary.ur_history if u.date and u.outcome != "certified"]
    return (
        prompts.render(
            "letter",
            case_number=case_number,
            date_of_injury=summary.date_of_injury,
            ur_denial_date=max(denials) if denials else None,
            summary=summary.prose,
            items=list(items),
            claims_administrator_guideline=CLAIMS_ADMINISTRATOR_PLACEHOLDER,
        )
        + "\n"
    )


def draft_letter(
    case: CaseFile,
    model: Model,
    library: LibraryLike,
    *,
    items: Sequence[str] | None = None,
    prompts: PromptSet | None = None,
    summary: CaseSummary | None = None,
    **item_options: Any,
) -> Completion[LetterDraft]:
    """Summarize (unless `summary` is given), draft every item (`items`, else the summary's
    disputed requests; `item_options` go to `draft_item`) and render the letter. A service
    associated with a surgery that is drafted Upheld follows it. Usage is summed over all
    calls."""
    prompts = prompts or load_prompts()
    usage, cached = Usage(), True
    if summary is None:
        done = summarize(case, model, prompts=prompts)
        summary, usage, cached = done.value, done.usage, done.cached
    requests = list(items) if items else list(summary.disputed_requests)
    if not requests:
        raise InputError(
            'no disputed requests found in the records; name them with --item "REQUEST"'
        )
    number = case_number(case)
    # a decided letter of this very case is its answer, never a precedent for it
    options = {"exclude_letters": {number} if number else set(), **item_options}
    if len(requests) > 1 and options.get("skip_lines") is None:
        options["skip_lines"] = lines_to_skip(case)  # the case's documents, classified once
    drafts = []
    for request in requests:
        done_item = draft_item(
            case, request, model, library, prompts=prompts, summary=summary, **options
        )
        usage, cached = usage + done_item.usage, cached and done_item.cached
        drafts.append(done_item.value)
    drafts = follow_surgery(drafts)
    letter = LetterDraft(
        case_number=number,
        prompts_version=prompts.version,
        model=getattr(model, "name", None),
        summary=summary,
        items=drafts,
        text=render_letter(summary, drafts, prompts=prompts, case_number=number),
    )
    return Completion[LetterDraft](value=letter, usage=usage, cached=cached)


def follow_surgery(drafts: list[ItemDraft]) -> list[ItemDraft]:
    """Services associated with a surgery (pre-operative clearance, assistant surgeon, post-
    operative equipment) stand or fall with it: when the letter's surgery is drafted Upheld,
    they are Upheld too, citing no guideline of their own, as the letters do."""
    upheld = [
        d for d in drafts if d.route and d.route.service == "surgery" and d.decision == "Upheld"
    ]
    if not upheld:
        return drafts
    surgery = upheld[0].request
    out = []
    for d in drafts:
        if d.route is None or d.route.service != "associated":
            out.append(d)
            continue
        note = f"the associated surgery ({surgery}) is drafted Upheld"
        checks = [
            c.model_copy(update={"status": "not met", "detail": note, "evidence": []})
            for c in d.criteria
        ]
        out.append(
            d.model_copy(
                update={
                    "decision": "Upheld",
                    "decision_source": "associated",
                    "criteria": checks,
                    "rationale": f"The request for {surgery.rstrip('. ')} is not medically "
                    f"necessary; therefore, the associated request for {d.request.rstrip('. ')} "
                    "is also not medically necessary.",
                    "rationale_source": "template",
                }
            )
        )
    return out
