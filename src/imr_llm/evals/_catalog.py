"""The built-in metrics, in the order the reports and metrics.json list them.

Adding a metric is one function here (or in any module imported before the run), decorated
with `@scorer` (a per-sample score, averaged) or `@metric` (an aggregate over the results):
scoring, metrics.json, the bootstrap intervals, the floor, comparisons, both reports and the
`--fail-if` gates pick it up from the registry (`_registry`). Definitions:

Draft, aggregates over the items that have a gold and a drafted decision (`_metrics`):
- decision_accuracy, decision_balanced_accuracy (mean recall over the classes present in
  gold), decision_kappa (Cohen's; a constant predictor scores 0), also per guideline chapter;
- decision_roc_auc: how well the drafts' P(Overturned) separates the real decisions.
Draft, per item (None where the gold does not allow the score):
- citation_basis_match: 1 when the drafted MAXIMUS citation's basis (MTUS / Non-MTUS / none)
  equals the real one.
- citation_chapter_match: 1 when the drafted citation names the same guideline chapter as the
  real one (`chapter_key`); scored only when the real reviewer cited a guideline.
- rationale_rouge_l_f1: ROUGE-L F1 of the drafted rationale against the real one.
- criteria_coverage: share of the draft's criterion checks that the real rationale also
  discusses (at least half of the criterion's content words occur in the real rationale); a
  draft that checks no criterion scores 0.
Summary: key-fact recall and precision (`_keyfacts`; per sample, and micro-averaged over the
run), summary_rouge_l_f1 of the drafted prose against the real summary where it is known, and
document_class_accuracy (not a headline figure).
"""

from __future__ import annotations

from imr_llm.drafting._models import CaseSummary, ItemDraft
from imr_llm.evals._calibration import roc_auc
from imr_llm.evals._keyfacts import FieldCount, count_facts, recall_precision, summary_key_facts
from imr_llm.evals._metrics import accuracy, balanced_accuracy, cohen_kappa
from imr_llm.evals._registry import ResultSet, metric, scorer
from imr_llm.evals._samples import Sample
from imr_llm.evals._scoring import chapters_match, criteria_coverage
from imr_llm.evals._text import rouge_l_f1

# ----------------------------------------------------------------------------------- draft


@metric(
    "decision_accuracy",
    label="Decision accuracy",
    task="draft",
    per_chapter=True,
    short_label="accuracy",
)
def decision_accuracy(results: ResultSet) -> float | None:
    return accuracy(*results.decisions)


@metric(
    "decision_balanced_accuracy",
    label="Decision balanced accuracy",
    task="draft",
    per_chapter=True,
    short_label="balanced accuracy",
    narrow_label="balanced acc.",
)
def decision_balanced_accuracy(results: ResultSet) -> float | None:
    return balanced_accuracy(*results.decisions)


@metric(
    "decision_kappa",
    label="Decision Cohen's kappa",
    task="draft",
    per_chapter=True,
    short_label="kappa",
)
def decision_kappa(results: ResultSet) -> float | None:
    return cohen_kappa(*results.decisions)


@metric("decision_roc_auc", label="P(Overturned) ROC AUC", task="draft")
def decision_roc_auc(results: ResultSet) -> float | None:
    return roc_auc(*results.probabilities)


@scorer("citation_basis_match", label="Citation basis match", task="draft")
def citation_basis_match(sample: Sample, draft: ItemDraft) -> float | None:
    gold = sample.gold_item
    if gold is None:
        return None
    return float(gold.maximus_guideline.basis == draft.maximus_guideline.basis)


@scorer(
    "citation_chapter_match",
    label="Citation chapter match",
    task="draft",
    per_chapter=True,
    short_label="chapter match",
)
def citation_chapter_match(sample: Sample, draft: ItemDraft) -> float | None:
    gold = sample.gold_item
    if gold is None or gold.maximus_guideline.basis == "none":
        return None
    return float(chapters_match(gold.maximus_guideline, draft.maximus_guideline))


@scorer("rationale_rouge_l_f1", label="Rationale ROUGE-L F1", task="draft", sample_label="ROUGE-L")
def rationale_rouge_l_f1(sample: Sample, draft: ItemDraft) -> float | None:
    gold = sample.gold_item
    return rouge_l_f1(gold.decision_rationale, draft.rationale) if gold else None


@scorer("criteria_coverage", label="Criteria coverage", task="draft")
def criteria_coverage_score(sample: Sample, draft: ItemDraft) -> float | None:
    gold = sample.gold_item
    return criteria_coverage(draft, gold.decision_rationale) if gold else None


# --------------------------------------------------------------------------------- summary


def _fact_counts(sample: Sample, summary: CaseSummary) -> dict[str, FieldCount]:
    if sample.gold_facts is None:
        return {}
    return count_facts(sample.gold_facts, summary_key_facts(summary))


@scorer(
    "key_fact_recall",
    label="Key-fact recall",
    task="summary",
    sample_label="key-fact recall",
    aggregate=lambda results: results.key_facts.recall,
)
def key_fact_recall(sample: Sample, summary: CaseSummary) -> float | None:
    return recall_precision(_fact_counts(sample, summary))[0]


@scorer(
    "key_fact_precision",
    label="Key-fact precision",
    task="summary",
    sample_label="precision",
    aggregate=lambda results: results.key_facts.precision,
)
def key_fact_precision(sample: Sample, summary: CaseSummary) -> float | None:
    counts = _fact_counts(sample, summary)
    return recall_precision(counts)[1] if counts else None


@scorer("summary_rouge_l_f1", label="Summary ROUGE-L F1", task="summary", sample_label="ROUGE-L")
def summary_rouge_l_f1(sample: Sample, summary: CaseSummary) -> float | None:
    return rouge_l_f1(sample.gold_prose, summary.prose) if sample.gold_prose else None


@metric("document_class_accuracy", label="Document-class accuracy", task="summary", headline=False)
def document_class_accuracy(results: ResultSet) -> float | None:
    return results.key_facts.document_class_accuracy
