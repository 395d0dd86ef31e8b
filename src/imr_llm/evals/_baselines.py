"""Built-in baselines: the floor every report shows. Neither touches a model.

`baseline/majority`
    draft: always "Upheld" (the majority class: ~89% of real items), no citation (basis
    "none"), empty rationale, no criteria. summary: an empty `CaseSummary`.
    Its decision accuracy is the share of Upheld items; its kappa is 0 by construction.

`baseline/extractive`
    draft: retrieves the top guideline excerpt for the request by BM25
    (`Library.retrieve(request, k=1)`) and cites it. Each of the excerpt's criteria is "met"
    when at least half of its content words occur in the record, else "not documented".
    Decision rule (the checklist rule `ItemDraft` enforces): Overturned when the excerpt states
    criteria and every one is met; Upheld otherwise (also when no excerpt is found).
    Rationale: the two excerpt sentences sharing most words with the request, the record
    sentence sharing most words with it, and "Therefore, the request for <request> is [not]
    medically necessary."
    summary: regular expressions over the record text: age and sex ('NN year old male', or
    'Age: NN' and 'Sex: Female' fields), date of injury (a date near 'date of injury' / 'DOI'
    / 'injured on'), the UR date and outcome (a date and 'non-certified/denied/modified/
    certified' near 'utilization review' / 'UR'), the requests ('request(ed) for ...',
    'authorization for ...'), body parts and treatments from fixed keyword lists; prose = the
    record's first three sentences.

`baseline/records` (summary only)
    `drafting.summarize(case, model=None)`: the summary pipeline without its model calls, i.e.
    the facts read in code from the classified documents (age, sex, date of injury, the UR
    date, outcome per request and the disputed requests, document classes). It measures what
    the deterministic part carries on its own.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Literal

from imr_llm._dates import find_dates
from imr_llm._text import sentences
from imr_llm.drafting._models import (
    CaseSummary,
    CriterionCheck,
    ItemDraft,
    Treatment,
    URDecision,
)
from imr_llm.evals._holdout import library_for
from imr_llm.evals._samples import Sample, age_sex
from imr_llm.evals._text import content_tokens
from imr_llm.guidelines._citation import NO_EVIDENCE
from imr_llm.letters._models import GuidelineCitation
from imr_llm.llm._model import Usage
from imr_llm.records import CaseFile

BASELINES = ("baseline/majority", "baseline/extractive", "baseline/records")
NO_CITATION = GuidelineCitation(basis="none", text=NO_EVIDENCE)


def is_baseline(spec: str) -> bool:
    return spec.startswith("baseline/")


class MajorityBaseline:
    name = "baseline/majority"

    def predict(self, sample: Sample) -> tuple[ItemDraft | CaseSummary, Usage]:
        if sample.task == "summary":
            return CaseSummary(), Usage()
        draft = ItemDraft(
            request=sample.request or "",
            decision="Upheld",
            maximus_guideline=NO_CITATION,
            rationale="",
        )
        return draft, Usage()


def _overlap(a: frozenset[str], text: str) -> int:
    return len(a & content_tokens(text))


def _criterion_met(criterion: str, record_words: frozenset[str]) -> bool:
    words = content_tokens(criterion)
    return bool(words) and len(words & record_words) / len(words) >= 0.5


BODY_PARTS = (
    "cervical spine",
    "thoracic spine",
    "lumbar spine",
    "neck",
    "low back",
    "shoulder",
    "elbow",
    "wrist",
    "hand",
    "finger",
    "hip",
    "knee",
    "ankle",
    "foot",
    "head",
    "face",
    "chest",
    "abdomen",
    "pelvis",
    "groin",
    "leg",
    "arm",
    "thumb",
    "forearm",
)
TREATMENTS = (
    "physical therapy",
    "occupational therapy",
    "chiropractic",
    "acupuncture",
    "massage",
    "TENS",
    "injection",
    "epidural",
    "surgery",
    "home exercise",
    "medication",
    "NSAID",
    "opioid",
    "ibuprofen",
    "naproxen",
    "tramadol",
    "gabapentin",
    "cyclobenzaprine",
    "hydrocodone",
    "brace",
    "cognitive behavioral therapy",
    "work hardening",
    "ice",
    "heat",
)
_DOI = re.compile(r"date of injury|\bDOI\b|injury date|injured on|date of industrial injury", re.I)
_UR = re.compile(r"utilization review|\bUR\b", re.I)
_REQUEST = re.compile(
    r"\b(?:request(?:ed|s)?|authorization)\s+(?:is\s+)?for\s+(?:an?\s+|the\s+)?"
    r"([^.;:\n]{3,80})",
    re.I,
)
_AGE_FIELD = re.compile(r"\bAge:\s*(\d{1,3})\b", re.I)
_SEX_FIELD = re.compile(r"\b(?:Sex|Gender):\s*(male|female|m|f)\b", re.I)
_DETERMINATION = re.compile(
    r"\b(?:determination|decision|outcome):\s*(non-?certified|denied|modified|certified|"
    r"approved)",
    re.I,
)


def _date_near(text: str, pattern: re.Pattern[str], window: int = 60) -> dt.date | None:
    dates = [d for d in find_dates(text) if d.date is not None]
    for match in pattern.finditer(text):
        for found in dates:
            if match.end() <= found.start <= match.end() + window:
                return found.date
    return None


def _ur_outcome(text: str) -> Literal["non-certified", "modified", "certified", "unknown"]:
    for match in _UR.finditer(text):
        stated = _DETERMINATION.search(text, match.start(), match.start() + 800)
        near = (stated.group(1) if stated else text[match.start() : match.start() + 300]).lower()
        if re.search(r"non-?certif|not certified|denied|denial", near):
            return "non-certified"
        if "modif" in near:
            return "modified"
        if re.search(r"certified|approved|authorized", near):
            return "certified"
    return "unknown"


def _found(keywords: tuple[str, ...], text: str) -> list[str]:
    return [k for k in keywords if re.search(rf"\b{re.escape(k)}", text, re.I)]


def extract_summary(text: str) -> CaseSummary:
    """The regex summary of `baseline/extractive` (see the module docstring)."""
    age, sex = age_sex(text)
    if age is None and (field := _AGE_FIELD.search(text)):
        age = int(field.group(1))
    if sex is None and (field := _SEX_FIELD.search(text)):
        sex = "female" if field.group(1).lower().startswith("f") else "male"
    ur_date = _date_near(text, _UR, window=120)
    outcome = _ur_outcome(text)
    found = (" ".join(m.group(1).split()) for m in _REQUEST.finditer(text))
    requests = [r for r in found if not r.lower().startswith("authorization")][:5]
    ur = (
        [URDecision(date=ur_date, request=requests[0] if requests else "", outcome=outcome)]
        if ur_date or outcome != "unknown"
        else []
    )
    return CaseSummary(
        age=age,
        sex=sex,
        date_of_injury=_date_near(text, _DOI),
        body_parts=_found(BODY_PARTS, text),
        treatments=[Treatment(name=t) for t in _found(TREATMENTS, text)],
        ur_history=ur,
        disputed_requests=list(dict.fromkeys(requests)),
        prose=" ".join(sentences(text)[:3]),
    )


class ExtractiveBaseline:
    name = "baseline/extractive"

    def __init__(
        self,
        library: object | None,
        record_text: Callable[[Sample], str],
        *,
        holdout: bool = True,
    ) -> None:
        """`library`: a guidelines `Library` (None: no citation); `record_text`: a callable
        Sample -> record text; `holdout`: leave the sample's own letter out of retrieval."""
        self.library = library
        self._record_text = record_text
        self.holdout = holdout

    def predict(self, sample: Sample) -> tuple[ItemDraft | CaseSummary, Usage]:
        text = self._record_text(sample)
        if sample.task == "summary":
            return extract_summary(text), Usage()
        request = sample.request or ""
        library = library_for(self.library, sample.held_out, self.holdout)
        excerpts = library.retrieve(request, k=1) if library is not None else []
        record_words = content_tokens(text)
        request_words = content_tokens(request)
        if not excerpts:
            return self._draft(request, [], NO_CITATION, [], "Upheld", text), Usage()
        excerpt = excerpts[0]
        checks = [
            CriterionCheck(
                criterion=c,
                status="met" if _criterion_met(c, record_words) else "not documented",
            )
            for c in excerpt.criteria
        ]
        met = sum(c.status == "met" for c in checks)
        decision: Literal["Upheld", "Overturned"] = (
            "Overturned" if checks and met == len(checks) else "Upheld"
        )
        best = sorted(sentences(excerpt.text), key=lambda s: -_overlap(request_words, s))[:2]
        return (
            self._draft(request, checks, excerpt.citation(), best, decision, text, [excerpt.id]),
            Usage(),
        )

    @staticmethod
    def _draft(
        request: str,
        checks: list[CriterionCheck],
        citation: GuidelineCitation,
        guideline_sentences: list[str],
        decision: Literal["Upheld", "Overturned"],
        record: str,
        excerpt_ids: list[str] | None = None,
    ) -> ItemDraft:
        request_words = content_tokens(request)
        record_sentences = sorted(sentences(record), key=lambda s: -_overlap(request_words, s))
        parts = [*guideline_sentences, *record_sentences[:1]]
        necessity = (
            "is medically necessary" if decision == "Overturned" else ("is not medically necessary")
        )
        parts.append(f"Therefore, the request for {request} {necessity}.")
        return ItemDraft(
            request=request,
            decision=decision,
            maximus_guideline=citation,
            criteria=checks,
            rationale=" ".join(parts),
            excerpt_ids=excerpt_ids or [],
        )


class RecordsBaseline:
    """`baseline/records`: the summary pipeline with no model (see the module docstring)."""

    name = "baseline/records"

    def __init__(self, case_for: Callable[[Sample], CaseFile]) -> None:
        """`case_for`: a callable Sample -> `CaseFile`."""
        self._case_for = case_for

    def predict(self, sample: Sample) -> tuple[ItemDraft | CaseSummary, Usage]:
        from imr_llm.drafting import summarize

        if sample.task != "summary":
            raise ValueError("baseline/records evaluates summaries only (--task summary)")
        done = summarize(self._case_for(sample), None)
        return done.value, done.usage
