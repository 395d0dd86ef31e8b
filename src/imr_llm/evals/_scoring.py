"""Per-sample scoring: a drafted item against the real item, a summary against gold key facts.

`result_for` runs the task's registered scorers (`_registry`; definitions in `_catalog`) on one
prediction and packages it as a result line; the decision itself is compared in the aggregate
(accuracy, kappa...). This module also holds the matching rules the scorers share
(`chapter_key`, `chapters_match`, `criteria_coverage`).
"""

from __future__ import annotations

import re

from imr_llm.drafting._models import CaseSummary, ItemDraft
from imr_llm.evals._keyfacts import (
    DOCUMENT_FIELD,
    count_facts,
    document_class_counts,
    summary_key_facts,
)
from imr_llm.evals._registry import registered
from imr_llm.evals._results import SampleResult
from imr_llm.evals._samples import Sample
from imr_llm.evals._text import content_tokens
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


def score(sample: Sample, value: ItemDraft | CaseSummary) -> dict[str, float | None]:
    """Every registered per-sample score of the sample's task, in registration order."""
    return {m.name: m.score(sample, value) for m in registered(sample.task, scored=True) if m.score}


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
    base.scores = score(sample, value)
    if isinstance(value, ItemDraft):
        base.predicted_decision = value.decision
        base.p_overturned = value.p_overturned
        return base
    counts = count_facts(sample.gold_facts, summary_key_facts(value)) if sample.gold_facts else {}
    base.fact_counts = {field: c.model_dump() for field, c in counts.items()}
    if (documents := document_class_counts(sample.gold_documents, value)) is not None:
        base.fact_counts[DOCUMENT_FIELD] = documents.model_dump()
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
