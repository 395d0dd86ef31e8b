"""Per-sample scores: a drafted item against the real item, a summary against gold key facts.

Draft scores (None where the gold does not allow the score):
- decision: compared in the aggregate (accuracy, kappa...).
- citation_basis_match: 1 when the drafted MAXIMUS citation's basis (MTUS / Non-MTUS / none)
  equals the real one.
- citation_chapter_match: 1 when the drafted citation names the same guideline chapter as the
  real one (`chapter_key`); scored only when the real reviewer cited a guideline.
- rationale_rouge_l_f1: ROUGE-L F1 of the drafted rationale against the real one.
- criteria_coverage: share of the draft's criterion checks that the real rationale also
  discusses (at least half of the criterion's content words occur in the real rationale); a
  draft that checks no criterion scores 0.
Summary scores: key-fact recall and precision (`_keyfacts`) and, when the real summary prose is
known, summary_rouge_l_f1 of the drafted prose against it.
"""

from __future__ import annotations

import re

from imr_llm.drafting._models import CaseSummary, ItemDraft
from imr_llm.evals._keyfacts import (
    DOCUMENT_FIELD,
    count_facts,
    document_class_counts,
    recall_precision,
    summary_key_facts,
)
from imr_llm.evals._results import SampleResult
from imr_llm.evals._samples import Sample
from imr_llm.evals._text import content_tokens, rouge_l_f1
from imr_llm.letters._models import GuidelineCitation
from imr_llm.llm._model import Usage

_CHAPTER_NOISE = frozenset(
    """mtus ca california guideline guidelines treatment medical the of and section sections
    page pages decision based on chapter edition ed nd rd th practice acoem american college
    occupational environmental medicine""".split()  # noqa: SIM905
)


def chapter_key(citation: GuidelineCitation) -> str:
    """A short, dot-free key for the cited guideline chapter, used to group and to match:
    'none', 'Non-MTUS ODG', 'Non-MTUS other' or 'MTUS <chapter words>' (e.g. 'MTUS chronic
    pain', 'MTUS low back complaints'); 'MTUS unspecified' when no chapter is named."""
    if citation.basis == "none":
        return "none"
    text = citation.guideline or citation.text
    if citation.basis == "Non-MTUS":
        odg = re.search(r"\bODG\b|official disability", text, re.IGNORECASE)
        return "Non-MTUS ODG" if odg else "Non-MTUS other"
    words = [w for w in re.findall(r"[a-z]+", text.lower()) if w not in _CHAPTER_NOISE]
    return "MTUS " + (" ".join(words[:4]) if words else "unspecified")


def chapters_match(gold: GuidelineCitation, predicted: GuidelineCitation) -> bool:
    a, b = chapter_key(gold), chapter_key(predicted)
    if a == b:
        return True
    if a.split(" ")[0] != b.split(" ")[0] or a == "MTUS unspecified" or b == "MTUS unspecified":
        return False
    return a in b or b in a


def criteria_coverage(draft: ItemDraft, gold_rationale: str) -> float:
    if not draft.criteria:
        return 0.0
    gold_words = content_tokens(gold_rationale)
    hits = 0
    for check in draft.criteria:
        words = content_tokens(check.criterion)
        if words and len(words & gold_words) / len(words) >= 0.5:
            hits += 1
    return hits / len(draft.criteria)


def score_draft(sample: Sample, draft: ItemDraft) -> dict[str, float | None]:
    item = sample.gold_item
    if item is None:
        return {
            "citation_basis_match": None,
            "citation_chapter_match": None,
            "rationale_rouge_l_f1": None,
            "criteria_coverage": None,
        }
    gold_cite, cite = item.maximus_guideline, draft.maximus_guideline
    return {
        "citation_basis_match": float(gold_cite.basis == cite.basis),
        "citation_chapter_match": float(chapters_match(gold_cite, cite))
        if gold_cite.basis != "none"
        else None,
        "rationale_rouge_l_f1": rouge_l_f1(item.decision_rationale, draft.rationale),
        "criteria_coverage": criteria_coverage(draft, item.decision_rationale),
    }


def _record(sample: Sample) -> str:
    return sample.record_text if sample.record_text is not None else "\n".join(sample.record_paths)


def _gold_json(sample: Sample) -> dict[str, object]:
    if sample.task == "draft":
        if sample.gold_item is not None:
            return sample.gold_item.model_dump(mode="json")
        return {"request": sample.request, "decision": sample.gold_decision}
    return {
        "facts": sample.gold_facts.model_dump(mode="json") if sample.gold_facts else None,
        "prose": sample.gold_prose,
        **({"documents": sample.gold_documents} if sample.gold_documents else {}),
    }


def result_for(
    sample: Sample, value: ItemDraft | CaseSummary, usage: Usage, latency_s: float
) -> SampleResult:
    """Score one prediction and package it as a result line."""
    base = SampleResult(
        sample_id=sample.id,
        case_id=sample.case_id,
        task=sample.task,
        request=sample.request,
        record=_record(sample),
        gold_decision=sample.gold_decision,
        chapter=chapter_key(sample.gold_item.maximus_guideline) if sample.gold_item else None,
        gold=_gold_json(sample),
        prediction=value.model_dump(mode="json"),
        usage=usage,
        latency_s=latency_s,
    )
    if isinstance(value, ItemDraft):
        base.predicted_decision = value.decision
        base.p_overturned = value.p_overturned
        base.scores = score_draft(sample, value)
        return base
    counts = count_facts(sample.gold_facts, summary_key_facts(value)) if sample.gold_facts else {}
    recall, precision = recall_precision(counts)
    base.fact_counts = {field: c.model_dump() for field, c in counts.items()}
    if (documents := document_class_counts(sample.gold_documents, value)) is not None:
        base.fact_counts[DOCUMENT_FIELD] = documents.model_dump()
    base.scores = {
        "key_fact_recall": recall,
        "key_fact_precision": precision if counts else None,
        "summary_rouge_l_f1": rouge_l_f1(sample.gold_prose, value.prose)
        if sample.gold_prose
        else None,
    }
    return base


def error_result(sample: Sample, error: BaseException, latency_s: float) -> SampleResult:
    """A failed sample: recorded, excluded from the metrics, retried on --resume."""
    return SampleResult(
        sample_id=sample.id,
        case_id=sample.case_id,
        task=sample.task,
        request=sample.request,
        record=_record(sample),
        gold_decision=sample.gold_decision,
        chapter=chapter_key(sample.gold_item.maximus_guideline) if sample.gold_item else None,
        gold=_gold_json(sample),
        latency_s=latency_s,
        error=f"{type(error).__name__}: {error}",
    )
