"""Assemble a `CaseSummary` from the extraction calls' answers: merge chunks, attach
evidence located in the records, prefer labelled record lines over contradicting answers,
drop unsupported list items (flagged), render the prose, run the grounding check."""

from __future__ import annotations

import re
from typing import Any

from imr_llm.drafting._checks import RecordChecks
from imr_llm.drafting._evidence import evidence_for, locate
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
    norm,
    outcome,
    overlap,
    request_overlap,
    union,
)
from imr_llm.records import CaseFile, Document
from imr_llm.records._dates import parse_date

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

    def fact(self, name: str, value: Any, ref: str | None = None) -> None:
        if value in (None, ""):
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
        return self.prefer_records("age", model_value, int(raw) if raw else None)

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
            for item in answer.therapies:
                m = _COUNT.search(item)
                name = _COUNT.sub(lambda x: x.group(2), item) if m else item
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
                    outcome=outcome(a.ur_outcome),  # type: ignore[arg-type]
                    evidence=evidence,
                )
            )
        return out


def assemble(
    case: CaseFile,
    answers: dict[str, list[Any]],
    prompts: PromptSet,
    *,
    exam_doc: Document | None = None,
) -> CaseSummary:
    """Merge per-chunk answers into a `CaseSummary` with evidence, prose and grounding.

    `exam_doc` is the progress report the exam call read: its labelled date of visit wins."""
    b = _Builder(case)
    patient: list[PatientFacts] = answers["summary_patient"]
    clinical: list[ClinicalFacts] = answers["summary_clinical"]
    exam: list[ExamFacts] = answers["summary_exam"]
    requests: list[RequestFacts] = answers["summary_requests"]

    age = b.age(first([p.age for p in patient]))
    sex = b.sex(first([p.sex for p in patient]))
    doi = b.date_of_injury(patient)
    ref = first([p.ref for p in patient])
    mechanism = b.phrase("mechanism", first([p.mechanism for p in patient]))
    work_status = b.phrase("work_status", first([p.work_status for p in patient]))
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
    ur = b.ur_history(requests, lists["disputed_requests"])
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
