"""Assemble a `CaseSummary` from the facts read in code and the extraction calls' answers:
the facts read in code (`_case_facts`) win over the model's (a different model answer is
flagged), model answers are checked against the records, unsupported list items are dropped
(flagged), then the prose is rendered and the grounding check run. Documents about another
claim (``other_claim``) are no evidence for anything; quarantined lines are already blank."""

from __future__ import annotations

import re
from typing import Any

from imr_llm._dates import parse_date
from imr_llm._text import norm
from imr_llm.drafting._case_facts import CaseFacts, Found, case_facts
from imr_llm.drafting._checks import RecordChecks
from imr_llm.drafting._evidence import QUOTE_CHARS, evidence_for, locate
from imr_llm.drafting._focus import visit_date
from imr_llm.drafting._grounding import ground_summary
from imr_llm.drafting._llm_models import (
    ClinicalFacts,
    ExamFacts,
    PatientFacts,
    RequestFacts,
    TreatmentFacts,
)
from imr_llm.drafting._models import (
    CaseSummary,
    DocumentInfo,
    Evidence,
    Fact,
    GroundingIssue,
    Treatment,
    URDecision,
)
from imr_llm.drafting._prompts import PromptSet
from imr_llm.drafting._record_facts import (
    join_wrapped,
    sex_line,
)
from imr_llm.drafting._requests import (
    first,
    labelled_requests,
    outcome,
    overlap,
    request_overlap,
    union,
)
from imr_llm.records import (
    CaseFile,
    Document,
    DocumentLabel,
    Instruction,
    classify_case,
    find_line,
)

_SEX = re.compile(
    r"\b(?:sex|gender)\s*[:=]?\s*(female|male|f|m)\b|\b\d{1,3}[- ]year[- ]old "
    r"(?:[\w-]+ ){0,3}?(female|male|woman|man)\b",
    re.I,
)
_AGE = re.compile(r"\bage\s*[:=]?\s*(\d{1,3})\b|\b(\d{1,3})[- ](?:year|yr)s?[- ]old\b", re.I)
_COUNT = re.compile(
    r"(?:at least\s+)?(\d+)\s*((?:\w+\s+){0,3}?)(?:sessions?|visits?|treatments?)\b", re.I
)
_IMAGING = re.compile(
    r"\b(mri|mra|x-?rays?|radiograph\w*|ct|cat scan|emg|ncs|ncv|nerve conduction|"
    r"electrodiagnostic\w*|ultrasound|sonogram|bone scan|myelogram|arthrogram|imaging|scan)\b",
    re.I,
)


class _Builder(RecordChecks):
    """Assembles a `CaseSummary` from merged LLM answers, attaching evidence and flags."""

    def __init__(self, case: CaseFile) -> None:
        super().__init__(case)
        self.done: set[str] = set()
        """Facts already set from the records (a model answer for them is not added)."""

    def found(self, name: str, found: Found | None, model_value: Any) -> Any:
        """A fact read in code wins over the model's answer (flagged when they differ)."""
        if found is None:
            return None
        value = found.value
        same = model_value == value
        if isinstance(model_value, str) and hasattr(value, "isoformat"):
            same = parse_date(model_value) == value
        if model_value not in (None, "") and not same:
            self.flag(name, str(model_value), f"model's value replaced: {found.method}")
        text = value.isoformat() if hasattr(value, "isoformat") else str(value)
        self.facts.append(
            Fact(
                name=name,
                value=text,
                evidence=[evidence_for(found.doc.id, found.line, text)],
                method=found.method,
            )
        )
        self.done.add(name)
        return value

    def fact(self, name: str, value: Any, ref: str | None = None) -> None:
        if value in (None, "") or name in self.done:
            return
        text = value.isoformat() if hasattr(value, "isoformat") else str(value)
        if name == "sex":
            found = sex_line(self.case, text)
            evidence = [evidence_for(found[0].id, found[1], text)] if found else []
        else:
            evidence = locate(self.case, text, ref)
        if not evidence:
            self.issues.append(
                GroundingIssue(
                    field=name, value=text, problem="no supporting line found in the records"
                )
            )
        self.facts.append(Fact(name=name, value=text, evidence=evidence))

    def not_diagnoses(self, complaints: list[str], diagnoses: list[str]) -> list[str]:
        """Complaints that merely repeat a diagnosis are dropped (flagged)."""
        kept = []
        for item in complaints:
            if any(overlap(item, d) >= 0.8 for d in diagnoses):
                self.issues.append(
                    GroundingIssue(
                        field="current_complaints",
                        value=item,
                        problem="dropped: repeats a diagnosis, not a complaint",
                    )
                )
            else:
                kept.append(item)
        return kept

    def sex(self, model_value: Any) -> Any:
        raw = (self.labelled(_SEX) or "").lower()
        found = {"f": "female", "woman": "female", "m": "male", "man": "male"}.get(raw, raw)
        if not found and model_value in ("male", "female"):
            other = "female" if model_value == "male" else "male"
            if not sex_line(self.case, model_value) and sex_line(self.case, other):
                # e.g. a narrative that says only "she" / "her"
                self.flag("sex", model_value, "model's value contradicts the records' pronouns")
                return other
        return self.prefer_records("sex", model_value, found or None)

    def age(self, model_value: int | None) -> int | None:
        raw = self.labelled(_AGE)
        age: int | None = self.prefer_records("age", model_value, int(raw) if raw else None)
        return age

    def imaging(self, items: list[str]) -> list[str]:
        kept = []
        for item in items:
            if _IMAGING.search(item):
                kept.append(item)
            else:
                self.issues.append(
                    GroundingIssue(
                        field="imaging",
                        value=item,
                        problem="dropped: not an imaging or electrodiagnostic study",
                    )
                )
        return kept

    def treatments(self, answers: list[TreatmentFacts]) -> list[Treatment]:
        merged: dict[str, Treatment] = {}
        for answer in answers:
            named: list[tuple[str, int | None]] = []
            for therapy in answer.therapies:
                m = _COUNT.search(therapy)
                name = _COUNT.sub(lambda x: x.group(2), therapy) if m else therapy
                named.append(
                    (" ".join(name.split()).strip(" ,;:-"), int(m.group(1)) if m else None)
                )
            named += [(x, None) for x in answer.medications + answer.other]
            for i, (name, count) in enumerate(named):
                key = norm(name)
                if not key:
                    continue
                response = answer.response if i == 0 else None
                old = merged.get(key)
                if old is None:
                    merged[key] = Treatment(name=name, count=count, response=response)
                else:
                    merged[key] = old.model_copy(
                        update={
                            "count": max(filter(None, [old.count, count]), default=None),
                            "response": old.response or response,
                        }
                    )
        out = []
        for item in merged.values():
            item = self.treatment_count(item)
            evidence = locate(self.case, item.name)
            if not evidence:
                self.issues.append(
                    GroundingIssue(
                        field="treatments",
                        value=item.name,
                        problem="dropped: no supporting line found in the records",
                    )
                )
                continue
            out.append(item.model_copy(update={"evidence": evidence}))
        return out

    def requests(self, model_items: list[str]) -> list[str]:
        """Disputed requests, checked against the records' labelled request lines (a UR
        determination's "Request: ...", else e.g. an RFA's "Service: ..."): model answers that
        match none are dropped (flagged); if none is left, the labelled lines are used. Without
        labelled lines the model's answers stand (flagged by grounding if unsupported)."""
        labelled = labelled_requests(self.case)
        if not labelled:
            return model_items
        kept = []
        for item in model_items:
            if any(request_overlap(item, x) >= 0.5 for x in labelled):
                kept.append(item)
            else:
                self.issues.append(
                    GroundingIssue(
                        field="disputed_requests",
                        value=item,
                        problem="dropped: matches no request line of the records",
                    )
                )
        return kept or labelled

    def ur_history(self, answers: list[RequestFacts], disputed: list[str]) -> list[URDecision]:
        """UR decisions; the request named is the checked list of disputed requests."""
        out: list[URDecision] = []
        seen: set[Any] = set()
        for a in answers:
            if not (a.ur_date or a.ur_outcome):
                continue
            date, evidence = self.ur_date(a.ur_date)
            request = "; ".join(disputed) or "the request"
            if (date, norm(request)) in seen:
                continue
            seen.add((date, norm(request)))
            out.append(
                URDecision(
                    date=date,
                    request=request,
                    outcome=outcome(a.ur_outcome),
                    evidence=evidence,
                )
            )
        return out


def _documents(case: CaseFile, labels: list[DocumentLabel]) -> list[DocumentInfo]:
    out = []
    for label in labels:
        evidence = []
        for number in label.evidence[:3]:
            line = find_line(case, label.document_id, number)
            if line is not None and line.text.strip():
                evidence.append(evidence_for(label.document_id, line, line.text))
        out.append(
            DocumentInfo(
                document_id=label.document_id,
                source=label.source,
                kind=label.kind,
                evidence=evidence,
            )
        )
    return out


def _quarantined(instructions: list[Instruction]) -> list[Evidence]:
    return [
        Evidence(
            document_id=i.document_id,
            line_start=i.line,
            line_end=i.line,
            quote=i.text.strip()[:QUOTE_CHARS] or "(blank)",
        )
        for i in instructions
    ]


def _ur_history(
    facts: CaseFacts, disputed: list[str], model_ur: list[URDecision]
) -> list[URDecision]:
    """One decision per request the UR determinations list; else the disputed requests with
    the UR's stated outcome; else the model's (checked) answer."""
    if facts.items:
        return [
            URDecision(
                date=i.date,
                request=i.request,
                outcome=i.outcome,  # type: ignore[arg-type]  # Outcome is a str alias
                evidence=[evidence_for(i.doc.id, i.line, i.request)],
            )
            for i in facts.items
        ]
    date = facts.ur_date.value if facts.ur_date else None
    stated = facts.ur_outcome.value if facts.ur_outcome else None
    if date is None and stated is None:
        return model_ur
    model_outcome = next((u.outcome for u in model_ur if u.outcome != "unknown"), "unknown")
    outcome = stated or model_outcome
    evidence = (
        [evidence_for(facts.ur_date.doc.id, facts.ur_date.line, str(date))] if facts.ur_date else []
    )
    return [
        # Found.value is untyped (object): the UR date and outcome read from the records
        URDecision(date=date, request=r, outcome=outcome, evidence=evidence)  # type: ignore[arg-type]
        for r in (disputed or ["the request"])
    ]


def assemble(
    case: CaseFile,
    answers: dict[str, list[Any]],
    prompts: PromptSet,
    *,
    exam_doc: Document | None = None,
    labels: list[DocumentLabel] | None = None,
    facts: CaseFacts | None = None,
    instructions: list[Instruction] | None = None,
) -> CaseSummary:
    """Merge the answers and the facts read in code into a `CaseSummary` with evidence, prose
    and grounding.

    `exam_doc` is the progress report the exam call read: its labelled date of visit wins.
    `case` should already be without quarantined lines (`records.without_instructions`)."""
    labels = classify_case(case) if labels is None else labels
    facts = case_facts(case, labels) if facts is None else facts
    related = CaseFile(documents=facts.related or case.documents)
    b = _Builder(related)
    patient: list[PatientFacts] = answers["summary_patient"]
    clinical: list[ClinicalFacts] = answers["summary_clinical"]
    exam: list[ExamFacts] = answers["summary_exam"]
    requests: list[RequestFacts] = answers["summary_requests"]

    model_age = first([p.age for p in patient])
    age = b.found("age", facts.age, model_age)
    if age is None:
        age = b.age(model_age)
    model_sex = first([p.sex for p in patient])
    sex = b.found("sex", facts.sex, model_sex)
    if sex is None:
        sex = b.sex(model_sex)
    doi = b.found("date_of_injury", facts.injury, first([p.date_of_injury for p in patient]))
    if doi is None:
        doi = b.date_of_injury(patient)
    ref = first([p.ref for p in patient])
    mechanism = b.found("mechanism", facts.mechanism, None) or b.phrase(
        "mechanism", first([p.mechanism for p in patient])
    )
    work_status = b.found("work_status", facts.work_status, None) or b.phrase(
        "work_status", first([p.work_status for p in patient])
    )
    exam_date = b.prefer_records(
        "exam_date",
        parse_date(first([e.exam_date for e in exam])),
        visit_date(exam_doc) if exam_doc else None,
    )
    request_date = parse_date(first([r.request_date for r in requests]))
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

    # kept even if unsupported (flagged): the items to draft come from here
    if facts.requests:
        disputed = [r.text for r in facts.requests]
        for r in facts.requests:
            b.facts.append(
                Fact(
                    name="disputed_requests",
                    value=r.text,
                    evidence=[evidence_for(r.doc.id, r.line, r.text)],
                    method=r.method,
                )
            )
        b.done.add("disputed_requests")
    else:
        disputed = b.requests(union([r.disputed_requests for r in requests]))
    diagnoses = b.diagnoses(
        union([c.diagnoses for c in clinical]), disputed + labelled_requests(case), exam_doc
    )
    complaints = join_wrapped(case, union([e.complaints for e in exam]))
    findings = join_wrapped(case, union([e.exam_findings for e in exam]))
    lists = {
        "body_parts": b.supported("body_parts", union([c.body_parts for c in clinical])),
        "diagnoses": diagnoses,
        "imaging": b.supported("imaging", b.imaging(union([c.imaging for c in clinical]))),
        "current_complaints": b.not_diagnoses(
            b.supported("current_complaints", complaints), diagnoses
        ),
        "exam_findings": b.supported("exam_findings", findings),
        "disputed_requests": disputed,
    }
    for name, values in lists.items():
        for value in values:
            b.fact(name, value)
    ur = _ur_history(facts, lists["disputed_requests"], b.ur_history(requests, disputed))
    if not lists["disputed_requests"]:
        lists["disputed_requests"] = union(
            [[u.request for u in ur if u.outcome in ("non-certified", "modified")]]
        )
    summary = CaseSummary(
        age=age,
        sex=sex,
        date_of_injury=doi,
        mechanism=mechanism,
        work_status=work_status,
        treatments=[
            t
            for t in b.treatments(answers["summary_treatment"])
            if not any(overlap(t.name, d) >= 0.8 for d in diagnoses)
        ],
        ur_history=ur,
        facts=b.facts,
        documents=_documents(case, labels),
        quarantined=_quarantined(instructions or []),
        body_parts=lists["body_parts"],
        diagnoses=lists["diagnoses"],
        imaging=lists["imaging"],
        current_complaints=lists["current_complaints"],
        exam_findings=lists["exam_findings"],
        disputed_requests=lists["disputed_requests"],
    )
    prose = prompts.render(
        "summary_prose", s=summary, exam_date=exam_date, request_date=request_date
    )
    summary = summary.model_copy(update={"prose": " ".join(prose.split())})
    grounding = b.issues + ground_summary(summary, related)
    return summary.model_copy(update={"grounding": grounding})
