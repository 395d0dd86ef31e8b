"""`summarize`: structured facts from a case file (several small model calls), each fact with
evidence from the records, then deterministic prose from a template, then a grounding check.

Every call sends the same system message (rules + the numbered records of one chunk) and a short
task-specific user message last, so llama.cpp's prompt cache reuses the long prefix. Cases too
long for `max_record_tokens` are split into chunks (never cut) and the per-chunk facts merged.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, TypeVar

from pydantic import BaseModel

from imr_llm._errors import ModelError
from imr_llm.drafting._dates import parse_date
from imr_llm.drafting._evidence import locate
from imr_llm.drafting._grounding import ground_summary
from imr_llm.drafting._llm_models import (
    ClinicalFacts,
    ExamFacts,
    PatientFacts,
    RequestFacts,
    TreatmentFacts,
    TreatmentItem,
    URItem,
)
from imr_llm.drafting._models import CaseSummary, Fact, GroundingIssue, Treatment, URDecision
from imr_llm.drafting._prompts import PromptSet, load_prompts
from imr_llm.llm import Completion, Message, Model, Usage
from imr_llm.records import CaseFile, render_case, split_case

DEFAULT_RECORD_TOKENS = 3000
"""Estimated record tokens per call; longer cases are split into chunks."""

T = TypeVar("T", bound=BaseModel)

SUMMARY_CALLS: tuple[tuple[str, type[BaseModel], int], ...] = (
    ("summary_patient", PatientFacts, 120),
    ("summary_clinical", ClinicalFacts, 200),
    ("summary_exam", ExamFacts, 220),
    ("summary_treatment", TreatmentFacts, 200),
    ("summary_requests", RequestFacts, 200),
)
"""(template, response model, max_tokens) of each extraction call."""

_DOI_LINE = re.compile(r"(date of injury|\bDOI\b|\bD/I\b|injury date)", re.I)


def case_messages(prompts: PromptSet, chunk: CaseFile, task: str) -> list[Message]:
    """System (rules + records: the shared, cacheable prefix), then the task-specific part."""
    return [
        {"role": "system", "content": prompts.render("system", records=render_case(chunk))},
        {"role": "user", "content": task},
    ]


def _norm(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def _first(values: Sequence[Any]) -> Any:
    return next((v for v in values if v not in (None, "", [])), None)


def _union(lists: Sequence[list[str]]) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    for items in lists:
        for item in items:
            if _norm(item) and _norm(item) not in seen:
                seen.add(_norm(item))
                out.append(item)
    return out


def _outcome(raw: str | None) -> str:
    text = (raw or "").lower()
    if "modif" in text:
        return "modified"
    if any(w in text for w in ("non", "not cert", "denied", "deny", "denial")):
        return "non-certified"
    if any(w in text for w in ("certif", "approv", "authoriz")):
        return "certified"
    return "unknown"


class _Builder:
    """Assembles a `CaseSummary` from merged LLM answers, attaching evidence and flags."""

    def __init__(self, case: CaseFile) -> None:
        self.case = case
        self.facts: list[Fact] = []
        self.issues: list[GroundingIssue] = []

    def fact(self, name: str, value: Any, ref: str | None = None) -> None:
        if value in (None, ""):
            return
        text = value.isoformat() if hasattr(value, "isoformat") else str(value)
        evidence = locate(self.case, text, ref)
        if not evidence:
            self.issues.append(
                GroundingIssue(
                    field=name, value=text, problem="no supporting line found in the records"
                )
            )
        self.facts.append(Fact(name=name, value=text, evidence=evidence))

    def date_of_injury(self, patient: list[PatientFacts]) -> Any:
        raw = _first([p.date_of_injury for p in patient])
        parsed = parse_date(raw)
        if parsed is not None and locate(self.case, parsed.isoformat()):
            return parsed
        for doc in self.case.documents:  # fall back on an explicit "Date of injury" line
            for line in doc.lines:
                if _DOI_LINE.search(line.text) and (found := parse_date(line.text)):
                    if raw:
                        self.issues.append(
                            GroundingIssue(
                                field="date_of_injury",
                                value=raw,
                                problem="model's value not supported; taken from the records' "
                                "date-of-injury line instead",
                            )
                        )
                    return found
        if raw and parsed is None:
            self.issues.append(
                GroundingIssue(field="date_of_injury", value=raw, problem="not a recognisable date")
            )
        return parsed

    def treatments(self, answers: list[TreatmentFacts]) -> list[Treatment]:
        merged: dict[str, TreatmentItem] = {}
        for answer in answers:
            for item in answer.treatments:
                key = _norm(item.name)
                if not key:
                    continue
                old = merged.get(key)
                if old is None:
                    merged[key] = item
                else:
                    merged[key] = old.model_copy(
                        update={
                            "count": max(filter(None, [old.count, item.count]), default=None),
                            "response": old.response or item.response,
                        }
                    )
        out = []
        for item in merged.values():
            evidence = locate(self.case, item.name)
            if not evidence:
                self.issues.append(
                    GroundingIssue(
                        field="treatments",
                        value=item.name,
                        problem="no supporting line found in the records",
                    )
                )
            out.append(
                Treatment(
                    name=item.name, count=item.count, response=item.response, evidence=evidence
                )
            )
        return out

    def ur_history(self, answers: list[RequestFacts]) -> list[URDecision]:
        out: list[URDecision] = []
        seen: set[tuple[Any, str]] = set()
        items: list[URItem] = [u for a in answers for u in a.ur]
        for u in items:
            date = parse_date(u.date)
            key = (date, _norm(u.request))
            if not key[1] or key in seen:
                continue
            seen.add(key)
            evidence = locate(self.case, u.date or u.request) if u.date else []
            evidence = evidence or locate(self.case, u.request)
            out.append(
                URDecision(
                    date=date,
                    request=u.request,
                    outcome=_outcome(u.outcome),  # type: ignore[arg-type]
                    evidence=evidence,
                )
            )
        return out


def _call(
    model: Model, prompts: PromptSet, chunk: CaseFile, name: str, rm: type[T], max_tokens: int
) -> Completion[T]:
    return model.structured(
        case_messages(prompts, chunk, prompts.render(name)),
        rm,
        max_tokens=max_tokens,
        temperature=0.0,
    )


def summarize(
    case: CaseFile,
    model: Model,
    *,
    prompts: PromptSet | None = None,
    max_record_tokens: int = DEFAULT_RECORD_TOKENS,
) -> Completion[CaseSummary]:
    """Structured clinical case summary with evidence, prose and grounding issues.

    Usage is summed over all model calls (5 per chunk of records).
    """
    prompts = prompts or load_prompts()
    answers: dict[str, list[Any]] = {name: [] for name, _, _ in SUMMARY_CALLS}
    usage = Usage()
    cached = True
    warnings: list[str] = []
    last_error: ModelError | None = None
    chunks = split_case(case, max_record_tokens)
    for n, chunk in enumerate(chunks, start=1):
        for name, rm, max_tokens in SUMMARY_CALLS:
            try:
                completion = _call(model, prompts, chunk, name, rm, max_tokens)
            except ModelError as exc:  # one failed extraction should not lose the others
                last_error = exc
                warnings.append(f"{name} (chunk {n}/{len(chunks)}) failed and was skipped: {exc}")
                continue
            usage = usage + completion.usage
            cached = cached and completion.cached
            answers[name].append(completion.value)
    if last_error is not None and not any(answers.values()):
        raise last_error
    summary = assemble(case, answers, prompts)
    summary = summary.model_copy(update={"warnings": warnings})
    return Completion[CaseSummary](value=summary, usage=usage, cached=cached)


def assemble(case: CaseFile, answers: dict[str, list[Any]], prompts: PromptSet) -> CaseSummary:
    """Merge per-chunk answers into a `CaseSummary` with evidence, prose and grounding."""
    b = _Builder(case)
    patient: list[PatientFacts] = answers["summary_patient"]
    clinical: list[ClinicalFacts] = answers["summary_clinical"]
    exam: list[ExamFacts] = answers["summary_exam"]
    requests: list[RequestFacts] = answers["summary_requests"]

    age = _first([p.age for p in patient])
    sex = _first([p.sex for p in patient])
    doi = b.date_of_injury(patient)
    ref = _first([p.ref for p in patient])
    mechanism = _first([p.mechanism for p in patient])
    work_status = _first([p.work_status for p in patient])
    exam_date = parse_date(_first([e.exam_date for e in exam]))
    request_date = parse_date(_first([r.request_date for r in requests]))
    for name, value, hint in (
        ("age", age, None),
        ("sex", sex, None),
        ("date_of_injury", doi, ref),
        ("mechanism", mechanism, None),
        ("work_status", work_status, None),
        ("exam_date", exam_date, None),
        ("request_date", request_date, None),
    ):
        b.fact(name, value, hint)

    lists = {
        "body_parts": _union([c.body_parts for c in clinical]),
        "diagnoses": _union([c.diagnoses for c in clinical]),
        "imaging": _union([c.imaging for c in clinical]),
        "current_complaints": _union([e.complaints for e in exam]),
        "exam_findings": _union([e.exam_findings for e in exam]),
        "disputed_requests": _union([r.disputed_requests for r in requests]),
    }
    for name, values in lists.items():
        for value in values:
            b.fact(name, value)
    ur = b.ur_history(requests)
    if not lists["disputed_requests"]:
        lists["disputed_requests"] = _union(
            [[u.request for u in ur if u.outcome in ("non-certified", "modified")]]
        )
    summary = CaseSummary(
        age=age,
        sex=sex,
        date_of_injury=doi,
        mechanism=mechanism,
        work_status=work_status,
        treatments=b.treatments(answers["summary_treatment"]),
        ur_history=ur,
        facts=b.facts,
        **lists,
    )
    prose = prompts.render(
        "summary_prose", s=summary, exam_date=exam_date, request_date=request_date
    )
    summary = summary.model_copy(update={"prose": " ".join(prose.split())})
    grounding = b.issues + ground_summary(summary, case)
    return summary.model_copy(update={"grounding": grounding})
