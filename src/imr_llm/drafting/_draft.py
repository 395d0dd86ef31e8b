"""`draft_item`: one disputed item's decision, citation, checklist and rationale.

1. Route the request (service type x body part x phase) to the chapter a MAXIMUS reviewer cites
   (`guidelines.route`, data); the MAXIMUS line comes from the route, excerpts of that chapter
   are retrieved (BM25) for the reviewer.
2. Check the route's criteria against the records in code: findings with the line that states
   them, numbers (visits, days since injury, quantity, ingredients) with the numbers shown.
3. Retrieve decided precedents (other letters only, when `exclude_letters` names this one).
4. P(Overturned): the precedents' rate plus the checklist (p_evidence), and the model's decision
   token asked with both in the prompt (p_model), combined as `decision.toml` says; the
   decision at the threshold, borderline items flagged. A decision that plainly contradicts the
   checklist (all met / none met) is set to the checklist's side and flagged.
Lines addressed to a model (quarantined) and the lines of UR determinations and of documents
about another claim are never read for the checklist (`lines_to_skip`).

5. The rationale: written by the model from the checklist (unsupported dates and numbers are
   removed and listed), or the template (`rationale="template"`, or when the call fails).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from imr_llm._errors import ModelError
from imr_llm._memo import per_object
from imr_llm._text import sentences
from imr_llm.drafting._criteria import check_criteria, days_since_injury
from imr_llm.drafting._decide import (
    DecisionConfig,
    combine,
    evidence_probability,
    load_decision_config,
)
from imr_llm.drafting._grounding import ground_item
from imr_llm.drafting._llm_models import all_required
from imr_llm.drafting._models import (
    CaseSummary,
    CriterionCheck,
    GroundingIssue,
    ItemDraft,
    RouteInfo,
    checklist_contradiction,
)
from imr_llm.drafting._prompts import PromptSet, load_prompts
from imr_llm.drafting._summarize import DEFAULT_RECORD_TOKENS, case_messages
from imr_llm.guidelines._routing import RouteMatch, Router, load_router
from imr_llm.letters._models import GuidelineCitation
from imr_llm.llm import Completion, Model, Usage
from imr_llm.records import CaseFile, split_case

LABELS = ("Upheld", "Overturned")
RATIONALE_MAX_TOKENS = 220
RationaleMode = Literal["model", "template"]


class ExcerptLike(Protocol):
    id: str
    text: str
    criteria: list[str]

    def citation(self) -> GuidelineCitation: ...


class LibraryLike(Protocol):
    def retrieve(self, query: str, k: int = 3, *, chapter: str | None = None) -> Sequence[Any]: ...


class PrecedentsLike(Protocol):
    def retrieve(
        self, request: str, service: str, *, k: int = 3, exclude: Iterable[str] = ()
    ) -> list[tuple[Any, float]]: ...

    def classifier(self, exclude: Iterable[str] = ()) -> Any: ...


class RationaleAnswer(BaseModel):
    model_config = ConfigDict(extra="ignore", json_schema_extra=all_required)
    rationale: str = Field(description="3-5 sentences ending on medical necessity.")


NOT_CLINICAL = frozenset({"ur_determination", "other_claim"})
"""Document classes whose lines are not clinical findings for the checklist: a UR determination
states the denial's reasoning ("does not establish failure of conservative care"), and a
document about another injury or claim says nothing about this one."""


def lines_to_skip(case: CaseFile) -> frozenset[tuple[str, int]]:
    """(document id, line) pairs the checklist never reads: record lines addressed to a model
    (quarantined) and every line of a UR determination or another claim's document."""
    from imr_llm.records import classify_case, find_instructions

    skip = {(i.document_id, i.line) for i in find_instructions(case)}
    kinds = {label.document_id: label.kind for label in classify_case(case)}
    for doc in case.documents:
        if kinds.get(doc.id) in NOT_CLINICAL:
            skip.update((doc.id, line.number) for line in doc.lines)
    return frozenset(skip)


def case_text(case: CaseFile, limit: int = 20000) -> str:
    """The records' text, for the precedents classifier when there is no summary."""
    return " ".join(line.text for doc in case.documents for line in doc.lines)[:limit]


def route_item(
    case: CaseFile,
    request: str,
    *,
    summary: CaseSummary | None = None,
    router: Router | None = None,
) -> tuple[RouteMatch, int | None]:
    """The route for `request` and the days from the injury to the latest record date."""
    router = router or load_router()
    injury = summary.date_of_injury if summary is not None else None
    days = days_since_injury(case, injury)
    context = " ".join(summary.body_parts) if summary is not None and summary.body_parts else ""
    return router.route(request, days_since_injury=days, context=context or _head(case)), days


@per_object
def _head(case: CaseFile) -> str:
    """The opening lines of each record (where the body parts of the claim are named)."""
    return " ".join(line.text for doc in case.documents for line in doc.lines[:40])[:3000]


def decision_task(
    prompts: PromptSet,
    request: str,
    citation: GuidelineCitation,
    checks: list[CriterionCheck],
    precedents: list[Any],
) -> str:
    return prompts.render(
        "draft_decision",
        request=request,
        citation=citation.text,
        checks=checks,
        precedents=precedents,
    )


def _necessity(request: str, decision: str) -> str:
    negation = "not " if decision == "Upheld" else ""
    return f"Therefore, the request for {request.rstrip('. ')} is {negation}medically necessary."


_CLOSING = re.compile(r"\b(is|are)\s+(not\s+)?medically\s+necessary", re.I)


def _closing_ok(text: str, decision: str) -> bool:
    said = sentences(text)
    if not said:
        return False
    m = _CLOSING.search(said[-1])
    return m is not None and (m.group(2) is not None) == (decision == "Upheld")


def _model_rationale(
    model: Model,
    messages: list[dict[str, Any]],
    request: str,
    decision: str,
) -> tuple[str, Usage, bool]:
    done = model.structured(
        messages, RationaleAnswer, max_tokens=RATIONALE_MAX_TOKENS, temperature=0.0
    )
    said = [s for s in sentences(done.value.rationale) if not _CLOSING.search(s)]
    text = " ".join([*said, _necessity(request, decision)])
    return text, done.usage, done.cached


def _drop_unsupported(text: str, issues: list[GroundingIssue]) -> str:
    """Remove the sentences that carry an unsupported date, number or quote (the issues stay
    listed); the closing sentence on medical necessity is always kept."""
    bad = [i.value for i in issues if i.field == "rationale"]
    said = sentences(text)
    kept = [s for s in said[:-1] if not any(v in s for v in bad)] + said[-1:]
    return " ".join(kept)


def _template_rationale(
    prompts: PromptSet,
    request: str,
    decision: str,
    citation: GuidelineCitation,
    checks: list[CriterionCheck],
    summary: CaseSummary | None,
) -> str:
    text = prompts.render(
        "rationale",
        request=request,
        decision=decision,
        guideline=citation.guideline or "MTUS",
        met=[c.criterion for c in checks if c.status == "met"],
        not_met=[c.criterion for c in checks if c.status == "not met"],
        not_documented=[c.criterion for c in checks if c.status == "not documented"],
        s=summary,
    )
    return " ".join(text.split())


def draft_item(
    case: CaseFile,
    request: str,
    model: Model,
    library: LibraryLike | None,
    *,
    prompts: PromptSet | None = None,
    summary: CaseSummary | None = None,
    k: int = 3,
    max_record_tokens: int = DEFAULT_RECORD_TOKENS,
    precedents: PrecedentsLike | None = None,
    exclude_letters: Iterable[str] = (),
    router: Router | None = None,
    decision_config: DecisionConfig | None = None,
    threshold: float | None = None,
    rationale: RationaleMode = "model",
    skip_lines: frozenset[tuple[str, int]] | None = None,
) -> Completion[ItemDraft]:
    """Draft the decision on `request` (see the module docstring for the steps)."""
    from imr_llm.precedents import load_precedents
    from imr_llm.records import without_instructions

    prompts = prompts or load_prompts()
    config = decision_config or load_decision_config()
    corpus = precedents if precedents is not None else load_precedents()
    exclude = frozenset(exclude_letters)
    match, days = route_item(case, request, summary=summary, router=router)
    citation = match.citation
    excerpts = list(library.retrieve(request, k=k, chapter=match.guideline)) if library else []
    injury = summary.date_of_injury if summary is not None else None
    skip = lines_to_skip(case) if skip_lines is None else skip_lines
    case = without_instructions(case)  # quarantined lines reach no prompt either
    checks = check_criteria(case, request, match, injury=injury, skip=skip)
    found = corpus.retrieve(request, match.service, k=config.precedent_k, exclude=exclude)
    refs = [p.ref(sim) for p, sim in found]
    p_precedents = corpus.classifier(exclude=exclude).p_overturned(
        request, summary.prose if summary is not None and summary.prose else case_text(case)
    )
    p_evidence = evidence_probability(checks, p_precedents, config)

    usage, cached = Usage(), True
    p_model: float | None = None
    chunks = split_case(case, max_record_tokens)
    if config.policy != "evidence":
        task = decision_task(prompts, request, citation, checks, refs[:3])
        logits = []
        for chunk in chunks:
            done = model.label_probs(case_messages(prompts, chunk, task), LABELS)
            usage, cached = usage + done.usage, cached and done.cached
            logits.append(done.value.probs["Overturned"])
        p_model = sum(logits) / len(logits)
    verdict = combine(p_evidence, p_model, config, threshold)
    decision = verdict.decision
    source: str = {"blend": "blend", "evidence": "evidence", "model": "model"}[config.policy]
    if match.service == "associated":
        source = "associated"
    warnings: list[GroundingIssue] = []
    if checklist_contradiction(decision, [c.status for c in checks]):
        decision = "Upheld" if decision == "Overturned" else "Overturned"
        source = "checklist"
        warnings.append(
            GroundingIssue(
                field="decision",
                value=verdict.decision,
                problem="plainly contradicted the checklist; set to the checklist's side "
                "(check it)",
            )
        )

    how: Literal["model", "template"]
    text, how = "", "template"
    if rationale == "model":
        task = prompts.render(
            "rationale_write",
            request=request,
            decision=decision,
            citation=citation.text,
            checks=checks,
        )
        try:
            text, used, was_cached = _model_rationale(
                model, case_messages(prompts, chunks[0], task), request, decision
            )
            usage, cached, how = usage + used, cached and was_cached, "model"
        except ModelError as exc:
            usage = usage + getattr(exc, "usage", Usage())
            text = ""
    if not text or not _closing_ok(text, decision):
        text, how = (
            _template_rationale(prompts, request, decision, citation, checks, summary),
            "template",
        )

    draft = ItemDraft(
        request=request,
        decision=decision,
        maximus_guideline=citation,
        criteria=checks,
        rationale=text,
        excerpt_ids=[e.id for e in excerpts],
        decision_source=source,  # type: ignore[arg-type]  # a DecisionSource held in a str
        p_overturned=round(verdict.p_overturned, 4),
        p_model=round(p_model, 4) if p_model is not None else None,
        p_evidence=round(p_evidence, 4),
        p_precedents=round(p_precedents, 4) if p_precedents is not None else None,
        threshold=verdict.threshold,
        borderline=verdict.borderline,
        route=RouteInfo(
            service=match.service,
            body_parts=match.body_parts,
            phase=match.phase,
            days_since_injury=days,
        ),
        precedents=refs[:3],
        rationale_source=how,
    )
    sources = (*(e.text for e in excerpts), *((summary.prose,) if summary else ()))
    grounding = ground_item(draft, case, *sources)
    if how == "model" and any(i.field == "rationale" for i in grounding):
        draft = draft.model_copy(
            update={"rationale": _drop_unsupported(draft.rationale, grounding)}
        )
        grounding = [
            i.model_copy(update={"problem": i.problem + " (sentence removed from the rationale)"})
            if i.field == "rationale"
            else i
            for i in grounding
        ]
    return Completion[ItemDraft](
        value=draft.model_copy(update={"grounding": warnings + grounding}),
        usage=usage,
        cached=cached,
    )
