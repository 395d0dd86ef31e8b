"""`draft_item`: one disputed item's criteria checklist and decision against retrieved MTUS
excerpts; the MAXIMUS guideline line comes from the excerpt's metadata, the rationale from a
template over the checklist (ending on medical necessity)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from imr_llm._errors import ModelError
from imr_llm.drafting._checklist import ChecklistBase, checklist_model
from imr_llm.drafting._evidence import evidence_for, parse_ref, support, terms, tokens
from imr_llm.drafting._grounding import ground_item
from imr_llm.drafting._models import (
    CaseSummary,
    CriterionCheck,
    CriterionStatus,
    Evidence,
    GroundingIssue,
    ItemDraft,
)
from imr_llm.drafting._prompts import PromptSet, load_prompts
from imr_llm.drafting._summarize import DEFAULT_RECORD_TOKENS, case_messages
from imr_llm.letters._models import GuidelineCitation
from imr_llm.llm import Completion, Model, Usage
from imr_llm.records import CaseFile, find_line, split_case

MAX_CRITERIA = 6
MAX_EXCERPT_CHARS = 1200
FALLBACK_CRITERION = "The records document that the request meets the cited guideline"
NO_EVIDENCE = GuidelineCitation(
    basis="none", text="The Expert Reviewer did not cite any medical evidence for its decision."
)


class ExcerptLike(Protocol):
    id: str
    text: str
    criteria: list[str]

    def citation(self) -> GuidelineCitation: ...


class LibraryLike(Protocol):
    def retrieve(self, query: str, k: int = 3) -> Sequence[Any]: ...


_RANK = {"met": 2, "not met": 1, "not documented": 0}


def _merge_statuses(per_chunk: list[list[CriterionStatus]]) -> list[CriterionStatus]:
    """A criterion is met if any chunk documents it met, else not met if any says so."""
    return [max(col, key=lambda s: _RANK[s]) for col in zip(*per_chunk, strict=True)]


MIN_SHARED_TERMS = 3
"""A line located for a criterion without a model reference must share this many of the
criterion's content words, and `LOCATE_SHARE` of them."""
LOCATE_SHARE = 0.6


def _located(case: CaseFile, criterion: str) -> Evidence | None:
    """The records line sharing most of the criterion's content words, if it shares enough
    to be genuinely about it (else None: the checklist then says no line was found)."""
    need = min(MIN_SHARED_TERMS, len(terms(criterion)))
    best: tuple[float, Evidence] | None = None
    for doc in case.documents:
        for line in doc.lines:
            shared = len(terms(criterion) & set(tokens(line.text)))
            score = support(criterion, line.text)
            if shared >= need and score >= LOCATE_SHARE and (best is None or score > best[0]):
                best = (score, evidence_for(doc.id, line, criterion))
    return best[1] if best else None


def _evidence(
    case: CaseFile, ref: str | None, i: int, criterion: str, status: CriterionStatus
) -> tuple[list[Evidence], list[GroundingIssue]]:
    parsed = parse_ref(ref)
    line = find_line(case, *parsed) if parsed else None
    problems = []
    if ref and (parsed is None or line is None or not line.text.strip()):
        problems.append(
            GroundingIssue(
                field=f"criteria[{i}].evidence",
                value=ref,
                problem="cited line does not exist in the records",
            )
        )
    if parsed is not None and line is not None and line.text.strip():
        quote = line.text.strip()[:120]
        ev = Evidence(document_id=parsed[0], line_start=parsed[1], line_end=parsed[1], quote=quote)
        return [ev], problems
    if status == "not documented" or (found := _located(case, criterion)) is None:
        return [], problems
    problems.append(
        GroundingIssue(
            field=f"criteria[{i}].evidence",
            value=f"{found.document_id}:{found.line_start}",
            problem="the model cited no line; this line shares the criterion's words (check it)",
        )
    )
    return [found], problems


def checklist_task(
    prompts: PromptSet, request: str, excerpts: Sequence[ExcerptLike]
) -> tuple[GuidelineCitation, list[str], str]:
    """The MAXIMUS citation, the criteria and the item-specific prompt for `request`.

    The top excerpt gives the citation (from its metadata) and the criteria."""
    top = excerpts[0] if excerpts else None
    citation = top.citation() if top else NO_EVIDENCE
    criteria = (list(top.criteria)[:MAX_CRITERIA] if top else []) or [FALLBACK_CRITERION]
    task = prompts.render(
        "draft_checklist",
        request=request,
        guideline=citation.guideline or citation.text,
        excerpt=(top.text[:MAX_EXCERPT_CHARS] if top else "(no guideline excerpt found)"),
        criteria=criteria,
    )
    return citation, criteria, task


def _ask(
    model: Model, messages: list[dict[str, Any]], criteria: list[str]
) -> tuple[Completion[ChecklistBase], str]:
    """The model's checklist + decision; if its decisions keep contradicting its checklist
    (re-asks exhausted), ask for the checklist alone and derive the decision."""
    max_tokens = 30 + 28 * len(criteria)
    try:
        return model.structured(
            messages, checklist_model(criteria), max_tokens=max_tokens, temperature=0.0
        ), "model"
    except ModelError as exc:
        spent: Usage = getattr(exc, "usage", None) or Usage()  # the failed asks count too
    try:
        done = model.structured(
            messages,
            checklist_model(criteria, with_decision=False),
            max_tokens=max_tokens,
            temperature=0.0,
        )
    except ModelError as exc:
        exc.usage = spent + (getattr(exc, "usage", None) or Usage())  # type: ignore[attr-defined]
        raise
    return Completion[ChecklistBase](value=done.value, usage=spent + done.usage), "checklist"


def draft_item(
    case: CaseFile,
    request: str,
    model: Model,
    library: LibraryLike,
    *,
    prompts: PromptSet | None = None,
    summary: CaseSummary | None = None,
    k: int = 3,
    max_record_tokens: int = DEFAULT_RECORD_TOKENS,
) -> Completion[ItemDraft]:
    """Draft the decision on `request`: checklist, decision, MAXIMUS line and rationale."""
    prompts = prompts or load_prompts()
    excerpts: list[ExcerptLike] = list(library.retrieve(request, k=k))
    citation, criteria, task = checklist_task(prompts, request, excerpts)
    usage, cached, source = Usage(), True, "model"
    per_chunk: list[list[CriterionStatus]] = []
    refs: list[str | None] = [None] * len(criteria)
    decisions: list[str] = []
    for chunk in split_case(case, max_record_tokens):
        completion, how = _ask(model, case_messages(prompts, chunk, task), criteria)
        usage, cached = usage + completion.usage, cached and completion.cached
        answer = completion.value
        per_chunk.append(answer.statuses())
        refs = [old or new for old, new in zip(refs, answer.refs(), strict=True)]
        if how == "checklist":
            source = "checklist"
        decisions.append(getattr(answer, "decision", ""))
    statuses = _merge_statuses(per_chunk)
    # Overturned only when every criterion is met (the merged checklist decides across chunks;
    # with one chunk this equals the model's own validated decision).
    decision = "Upheld" if any(s != "met" for s in statuses) else "Overturned"
    if source == "model" and any(d != decision for d in decisions):
        source = "checklist"

    checks, issues = [], []
    for i, (criterion, status, ref) in enumerate(zip(criteria, statuses, refs, strict=True)):
        evidence, problems = _evidence(case, ref, i, criterion, status)
        issues += problems
        checks.append(CriterionCheck(criterion=criterion, status=status, evidence=evidence))
    rationale = prompts.render(
        "rationale",
        request=request,
        decision=decision,
        guideline=citation.guideline or "MTUS",
        met=[c.criterion for c in checks if c.status == "met"],
        not_met=[c.criterion for c in checks if c.status == "not met"],
        not_documented=[c.criterion for c in checks if c.status == "not documented"],
        s=summary,
    )
    draft = ItemDraft(
        request=request,
        decision=decision,  # type: ignore[arg-type]
        maximus_guideline=citation,
        criteria=checks,
        rationale=" ".join(rationale.split()),
        excerpt_ids=[e.id for e in excerpts],
        decision_source=source,  # type: ignore[arg-type]
    )
    grounding = issues + ground_item(
        draft, case, *(e.text for e in excerpts), *(summary.prose,) if summary else ()
    )
    return Completion[ItemDraft](
        value=draft.model_copy(update={"grounding": grounding}), usage=usage, cached=cached
    )
