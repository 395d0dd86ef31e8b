"""Decision metrics and the aggregation of per-sample results into `metrics.json`.

Conventions (tested against hand-worked examples in tests/evals/test_metrics.py):
- accuracy = correct / n.
- balanced accuracy = mean recall over the classes PRESENT IN GOLD (a class that never occurs
  in gold has no recall and is left out).
- Cohen's kappa = (p_o - p_e) / (1 - p_e), p_e = sum over classes of p_gold(c) * p_pred(c).
  When 1 - p_e = 0 (gold and prediction are the same single class) kappa is 0/0 and is
  reported as 0: a constant predictor carries no information beyond chance. Any constant
  predictor gets kappa 0 (p_o = p_e then).
- confusion matrix: rows are gold, columns predicted, labels (Upheld, Overturned).
Metrics with no defined value (e.g. no samples) are None.

Which metrics a run reports, and how each is computed, is the registry's (`_registry`; the
built-in metrics are in `_catalog`); this module holds the arithmetic and assembles the
`metrics` block of metrics.json.
"""

from __future__ import annotations

from collections.abc import Sequence
from statistics import fmean

from pydantic import JsonValue

from imr_llm.evals._calibration import calibrate
from imr_llm.evals._eval_results import (
    DECISION_LABELS,
    ConfusionMatrix,
    DraftBlocks,
    SummaryBlocks,
    UsageMetrics,
)
from imr_llm.evals._registry import KeyFactTotals, ResultSet, compute, registered
from imr_llm.evals._results import SampleResult

LABELS = DECISION_LABELS


def accuracy(gold: Sequence[str], predicted: Sequence[str]) -> float | None:
    if not gold:
        return None
    return sum(g == p for g, p in zip(gold, predicted, strict=True)) / len(gold)


def balanced_accuracy(gold: Sequence[str], predicted: Sequence[str]) -> float | None:
    if not gold:
        return None
    recalls = []
    for label in sorted(set(gold)):
        idx = [i for i, g in enumerate(gold) if g == label]
        recalls.append(sum(predicted[i] == label for i in idx) / len(idx))
    return fmean(recalls)


def cohen_kappa(gold: Sequence[str], predicted: Sequence[str]) -> float | None:
    if not gold:
        return None
    n = len(gold)
    p_o = sum(g == p for g, p in zip(gold, predicted, strict=True)) / n
    labels = set(gold) | set(predicted)
    p_e = sum((gold.count(c) / n) * (list(predicted).count(c) / n) for c in labels)
    if 1.0 - p_e <= 1e-12:
        return 0.0
    return (p_o - p_e) / (1.0 - p_e)


def confusion_matrix(
    gold: Sequence[str], predicted: Sequence[str], labels: Sequence[str] = LABELS
) -> list[list[int]]:
    index = {label: i for i, label in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]
    for g, p in zip(gold, predicted, strict=True):
        matrix[index[g]][index[p]] += 1
    return matrix


def decision_metrics(gold: Sequence[str], predicted: Sequence[str]) -> dict[str, JsonValue]:
    """Accuracy, balanced accuracy, kappa and confusion matrix of one set of decisions."""
    return {
        "n": len(gold),
        "decision_accuracy": accuracy(gold, predicted),
        "decision_balanced_accuracy": balanced_accuracy(gold, predicted),
        "decision_kappa": cohen_kappa(gold, predicted),
        "confusion_matrix": _confusion(gold, predicted).model_dump(),
    }


def _confusion(gold: Sequence[str], predicted: Sequence[str]) -> ConfusionMatrix:
    return ConfusionMatrix(matrix=confusion_matrix(gold, predicted))


def _fact_totals(results: Sequence[SampleResult]) -> dict[str, dict[str, int]]:
    totals: dict[str, dict[str, int]] = {}
    for result in results:
        for field, counts in result.fact_counts.items():
            slot = totals.setdefault(field, dict.fromkeys(counts, 0))
            for key, value in counts.items():
                slot[key] = slot.get(key, 0) + value
    return totals


def key_fact_totals(results: Sequence[SampleResult]) -> KeyFactTotals:
    """Micro-averaged key-fact recall and precision over all samples, recall and precision per
    field, and (where the gold gives document classes) document-class accuracy."""
    totals = _fact_totals(results)
    documents = totals.pop("document_class", None)
    gold = sum(c["gold"] for c in totals.values())
    predicted = sum(c["predicted"] for c in totals.values())
    return KeyFactTotals(
        recall=(sum(c["matched_gold"] for c in totals.values()) / gold) if gold else None,
        precision=(sum(c["matched_predicted"] for c in totals.values()) / predicted)
        if predicted
        else (0.0 if gold else None),
        recall_by_field={
            field: (c["matched_gold"] / c["gold"]) if c["gold"] else None
            for field, c in sorted(totals.items())
        },
        precision_by_field={
            field: (c["matched_predicted"] / c["predicted"]) if c["predicted"] else None
            for field, c in sorted(totals.items())
        },
        document_class_accuracy=(documents["matched_gold"] / documents["gold"])
        if documents and documents["gold"]
        else None,
    )


def p_overturned(result: SampleResult) -> float | None:
    """The draft's P(Overturned): the result's own field, else its full prediction's."""
    if result.p_overturned is not None:
        return result.p_overturned
    value = (result.prediction or {}).get("p_overturned")
    return float(value) if value is not None else None


def headline(results: Sequence[SampleResult], task: str) -> dict[str, float | None]:
    """The headline figures (those that get bootstrap intervals and deltas): the task's
    registered headline metrics."""
    return compute(registered(task, headline=True), results)


def usage_metrics(results: Sequence[SampleResult]) -> UsageMetrics:
    """Tokens, cost and latency: totals and per-sample means (over all attempted samples)."""
    n = len(results)
    prompt = sum(r.usage.prompt_tokens for r in results)
    completion = sum(r.usage.completion_tokens for r in results)
    costs = [r.usage.cost_usd for r in results if r.usage.cost_usd is not None]
    latency = [r.latency_s for r in results]
    return UsageMetrics(
        prompt_tokens=prompt,
        completion_tokens=completion,
        tokens_per_sample=(prompt + completion) / n if n else None,
        requests=sum(r.usage.requests for r in results),
        cache_hits=sum(r.usage.cache_hits for r in results),
        cost_usd=sum(costs) if costs else None,
        cost_usd_per_sample=sum(costs) / n if costs and n else None,
        latency_s_mean=fmean(latency) if latency else None,
        latency_s_max=max(latency) if latency else None,
        latency_s_total=sum(latency),
    )


def _draft_blocks(view: ResultSet) -> DraftBlocks:
    gold, predicted = view.decisions
    positive, scores = view.probabilities
    chapters: dict[str, list[SampleResult]] = {}
    for result in view.results:
        if result.chapter is not None:
            chapters.setdefault(result.chapter, []).append(result)
    per_chapter_metrics = registered("draft", per_chapter=True)
    per_chapter: dict[str, dict[str, JsonValue]] = {}
    for chapter, group in sorted(chapters.items()):
        group_view = ResultSet(group)
        group_gold, group_predicted = group_view.decisions
        values = {m.name: m.aggregate(group_view) for m in per_chapter_metrics}
        per_chapter[chapter] = {  # aggregates and their confusion matrix, then score means
            "n": len(group_gold),
            **{m.name: values[m.name] for m in per_chapter_metrics if m.score is None},
            "confusion_matrix": _confusion(group_gold, group_predicted).model_dump(),
            **{m.name: values[m.name] for m in per_chapter_metrics if m.score is not None},
        }
    return DraftBlocks(
        confusion_matrix=_confusion(gold, predicted),
        gold_upheld_rate=gold.count("Upheld") / len(gold) if gold else None,
        predicted_upheld_rate=predicted.count("Upheld") / len(predicted) if predicted else None,
        calibration=calibrate(positive, scores) if scores else None,
        per_chapter=per_chapter,
    )


def _summary_blocks(view: ResultSet) -> SummaryBlocks:
    facts = view.key_facts
    return SummaryBlocks(
        key_fact_recall_by_field=facts.recall_by_field,
        key_fact_precision_by_field=facts.precision_by_field,
    )


def aggregate(results: Sequence[SampleResult], task: str) -> dict[str, JsonValue]:
    """The `metrics` block of metrics.json for successfully scored results: the registered
    headline metrics, the task's fixed blocks, then the registered non-headline metrics."""
    view = ResultSet(results)
    metrics: dict[str, JsonValue] = {
        m.name: m.aggregate(view) for m in registered(task, headline=True)
    }
    blocks = _draft_blocks(view) if task == "draft" else _summary_blocks(view)
    metrics.update(blocks.model_dump(mode="json"))
    metrics.update({m.name: m.aggregate(view) for m in registered(task, headline=False)})
    return metrics
