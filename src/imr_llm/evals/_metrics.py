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
"""

from __future__ import annotations

from collections.abc import Sequence
from statistics import fmean
from typing import Any

from imr_llm.evals._calibration import calibrate, roc_auc
from imr_llm.evals._results import SampleResult

LABELS = ("Upheld", "Overturned")


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


def decision_metrics(gold: Sequence[str], predicted: Sequence[str]) -> dict[str, Any]:
    """Accuracy, balanced accuracy, kappa and confusion matrix of one set of decisions."""
    return {
        "n": len(gold),
        "decision_accuracy": accuracy(gold, predicted),
        "decision_balanced_accuracy": balanced_accuracy(gold, predicted),
        "decision_kappa": cohen_kappa(gold, predicted),
        "confusion_matrix": {
            "labels": list(LABELS),
            "rows": "gold",
            "columns": "predicted",
            "matrix": confusion_matrix(gold, predicted),
        },
    }


def _mean_score(results: Sequence[SampleResult], name: str) -> float | None:
    values = [r.scores.get(name) for r in results]
    present = [v for v in values if v is not None]
    return fmean(present) if present else None


def _decisions(results: Sequence[SampleResult]) -> tuple[list[str], list[str]]:
    pairs = [
        (r.gold_decision, r.predicted_decision)
        for r in results
        if r.gold_decision is not None and r.predicted_decision is not None
    ]
    return [g for g, _ in pairs], [p for _, p in pairs]


def _fact_totals(results: Sequence[SampleResult]) -> dict[str, dict[str, int]]:
    totals: dict[str, dict[str, int]] = {}
    for result in results:
        for field, counts in result.fact_counts.items():
            slot = totals.setdefault(field, dict.fromkeys(counts, 0))
            for key, value in counts.items():
                slot[key] = slot.get(key, 0) + value
    return totals


def key_fact_scores(results: Sequence[SampleResult]) -> dict[str, Any]:
    """Micro-averaged key-fact recall and precision over all samples, recall and precision per
    field, and (where the gold gives document classes) document-class accuracy."""
    totals = _fact_totals(results)
    documents = totals.pop("document_class", None)
    gold = sum(c["gold"] for c in totals.values())
    predicted = sum(c["predicted"] for c in totals.values())
    return {
        "key_fact_recall": (sum(c["matched_gold"] for c in totals.values()) / gold)
        if gold
        else None,
        "key_fact_precision": (sum(c["matched_predicted"] for c in totals.values()) / predicted)
        if predicted
        else (0.0 if gold else None),
        "key_fact_recall_by_field": {
            field: (c["matched_gold"] / c["gold"]) if c["gold"] else None
            for field, c in sorted(totals.items())
        },
        "key_fact_precision_by_field": {
            field: (c["matched_predicted"] / c["predicted"]) if c["predicted"] else None
            for field, c in sorted(totals.items())
        },
        "document_class_accuracy": (documents["matched_gold"] / documents["gold"])
        if documents and documents["gold"]
        else None,
    }


def _p_overturned(result: SampleResult) -> float | None:
    """The draft's P(Overturned): the result's own field, else its full prediction's."""
    if result.p_overturned is not None:
        return result.p_overturned
    value = (result.prediction or {}).get("p_overturned")
    return float(value) if value is not None else None


def _probabilities(results: Sequence[SampleResult]) -> tuple[list[bool], list[float]]:
    """(gold is Overturned, drafted P(Overturned)) for the results whose draft carries one."""
    pairs = [
        (r.gold_decision == "Overturned", float(p))
        for r in results
        if r.gold_decision is not None and (p := _p_overturned(r)) is not None
    ]
    return [y for y, _ in pairs], [s for _, s in pairs]


def headline(results: Sequence[SampleResult], task: str) -> dict[str, float | None]:
    """The headline figures (those that get bootstrap intervals and deltas)."""
    if task == "draft":
        gold, predicted = _decisions(results)
        return {
            "decision_accuracy": accuracy(gold, predicted),
            "decision_balanced_accuracy": balanced_accuracy(gold, predicted),
            "decision_kappa": cohen_kappa(gold, predicted),
            "decision_roc_auc": roc_auc(*_probabilities(results)),
            "citation_basis_match": _mean_score(results, "citation_basis_match"),
            "citation_chapter_match": _mean_score(results, "citation_chapter_match"),
            "rationale_rouge_l_f1": _mean_score(results, "rationale_rouge_l_f1"),
            "criteria_coverage": _mean_score(results, "criteria_coverage"),
        }
    facts = key_fact_scores(results)
    return {
        "key_fact_recall": facts["key_fact_recall"],
        "key_fact_precision": facts["key_fact_precision"],
        "summary_rouge_l_f1": _mean_score(results, "summary_rouge_l_f1"),
    }


def usage_metrics(results: Sequence[SampleResult]) -> dict[str, Any]:
    """Tokens, cost and latency: totals and per-sample means (over all attempted samples)."""
    n = len(results)
    prompt = sum(r.usage.prompt_tokens for r in results)
    completion = sum(r.usage.completion_tokens for r in results)
    costs = [r.usage.cost_usd for r in results if r.usage.cost_usd is not None]
    latency = [r.latency_s for r in results]
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "tokens_per_sample": (prompt + completion) / n if n else None,
        "requests": sum(r.usage.requests for r in results),
        "cache_hits": sum(r.usage.cache_hits for r in results),
        "cost_usd": sum(costs) if costs else None,
        "cost_usd_per_sample": sum(costs) / n if costs and n else None,
        "latency_s_mean": fmean(latency) if latency else None,
        "latency_s_max": max(latency) if latency else None,
        "latency_s_total": sum(latency),
    }


def aggregate(results: Sequence[SampleResult], task: str) -> dict[str, Any]:
    """The `metrics` block of metrics.json for successfully scored results."""
    metrics: dict[str, Any] = dict(headline(results, task))
    if task == "draft":
        gold, predicted = _decisions(results)
        full = decision_metrics(gold, predicted)
        metrics["confusion_matrix"] = full["confusion_matrix"]
        metrics["gold_upheld_rate"] = gold.count("Upheld") / len(gold) if gold else None
        metrics["predicted_upheld_rate"] = (
            predicted.count("Upheld") / len(predicted) if predicted else None
        )
        positive, scores = _probabilities(results)
        metrics["calibration"] = calibrate(positive, scores).model_dump() if scores else None
        chapters: dict[str, list[SampleResult]] = {}
        for result in results:
            if result.chapter is not None:
                chapters.setdefault(result.chapter, []).append(result)
        metrics["per_chapter"] = {
            chapter: {
                **decision_metrics(*_decisions(group)),
                "citation_chapter_match": _mean_score(group, "citation_chapter_match"),
            }
            for chapter, group in sorted(chapters.items())
        }
    else:
        metrics.update(key_fact_scores(results))
    return metrics
