"""`report.md`: the run's figures as markdown (the HTML report has the plots and texts)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from imr_llm.evals._results import SampleResult

HEADLINE_LABELS = {
    "decision_accuracy": "Decision accuracy",
    "decision_balanced_accuracy": "Decision balanced accuracy",
    "decision_kappa": "Decision Cohen's kappa",
    "decision_roc_auc": "P(Overturned) ROC AUC",
    "citation_basis_match": "Citation basis match",
    "citation_chapter_match": "Citation chapter match",
    "rationale_rouge_l_f1": "Rationale ROUGE-L F1",
    "criteria_coverage": "Criteria coverage",
    "key_fact_recall": "Key-fact recall",
    "key_fact_precision": "Key-fact precision",
    "summary_rouge_l_f1": "Summary ROUGE-L F1",
}


def fmt(value: Any, digits: int = 3) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def cell(text: Any) -> str:
    """A markdown table cell: one line, pipes and angle brackets escaped."""
    s = " ".join(str(text if text is not None else "").split())
    return s.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def headline_rows(metrics: dict[str, Any]) -> list[tuple[str, str, float | None, Any]]:
    """(key, label, value, interval) for each headline metric present in the run."""
    values = metrics.get("metrics", {})
    intervals = metrics.get("intervals", {})
    return [
        (key, label, values.get(key), intervals.get(key))
        for key, label in HEADLINE_LABELS.items()
        if key in values
    ]


def _interval(interval: dict[str, float] | None) -> str:
    return f"[{interval['low']:.3f}, {interval['high']:.3f}]" if interval else "n/a"


def run_markdown(
    metrics: dict[str, Any], results: Sequence[SampleResult], config: dict[str, Any]
) -> str:
    m = metrics.get("metrics", {})
    git = config.get("git") or {}
    lines = [
        f"# Eval report: {config.get('task')} — {config.get('model')}",
        "",
        f"- dataset: `{cell(config.get('dataset'))}` ({cell(config.get('dataset_kind'))}, "
        f"{config.get('n_samples')} samples)",
        f"- model: `{cell(config.get('model'))}`; prompts: {cell(config.get('variant') or '-')} "
        f"(version {cell(config.get('prompts_version') or 'n/a')})",
        f"- git: {cell(git.get('commit', 'n/a'))}{' (dirty)' if git.get('dirty') else ''}; "
        f"created {cell(config.get('created'))}",
        f"- leave-one-letter-out retrieval: {'on' if config.get('holdout', True) else 'OFF'}",
        f"- scored: {metrics.get('n_samples')} samples from {metrics.get('n_cases')} cases; "
        f"errors: {metrics.get('n_errors')}",
        "",
        "## Headline (95% case-bootstrap intervals, "
        f"{metrics.get('bootstrap', {}).get('n_boot')} resamples, seed "
        f"{metrics.get('bootstrap', {}).get('seed')})",
        "",
        "| metric | value | 95% interval |",
        "|---|---|---|",
    ]
    lines += [
        f"| {label} | {fmt(v)} | {_interval(i)} |" for _, label, v, i in headline_rows(metrics)
    ]
    floor = metrics.get("floor") or {}
    if floor:
        keys = [k for k, _, _, _ in headline_rows(metrics)]
        lines += ["", "## Floor (baselines on the same samples)", ""]
        lines.append("| model | " + " | ".join(HEADLINE_LABELS[k] for k in keys) + " |")
        lines.append("|---" * (len(keys) + 1) + "|")
        lines.append("| **this run** | " + " | ".join(fmt(m.get(k)) for k in keys) + " |")
        for name, row in floor.items():
            if "error" in row:
                lines.append(f"| {cell(name)} | {cell(row['error'])} |")
            else:
                lines.append(
                    f"| {cell(name)} | " + " | ".join(fmt(row.get(k)) for k in keys) + " |"
                )
    if "confusion_matrix" in m:
        (uu, uo), (ou, oo) = m["confusion_matrix"]["matrix"]
        lines += [
            "",
            "## Confusion matrix (rows gold, columns predicted)",
            "",
            "| | pred Upheld | pred Overturned |",
            "|---|---|---|",
            f"| gold Upheld | {uu} | {uo} |",
            f"| gold Overturned | {ou} | {oo} |",
            "",
            f"Gold Upheld rate {fmt(m.get('gold_upheld_rate'))}; "
            f"predicted Upheld rate {fmt(m.get('predicted_upheld_rate'))}.",
            "",
            *_calibration_lines(m.get("calibration")),
            "## Per guideline chapter (real MAXIMUS citation)",
            "",
            "| chapter | n | accuracy | balanced acc. | kappa | chapter match |",
            "|---|---|---|---|---|---|",
        ]
        for chapter, row in m.get("per_chapter", {}).items():
            lines.append(
                f"| {cell(chapter)} | {row['n']} | {fmt(row['decision_accuracy'])} | "
                f"{fmt(row['decision_balanced_accuracy'])} | {fmt(row['decision_kappa'])} | "
                f"{fmt(row.get('citation_chapter_match'))} |"
            )
    if "key_fact_recall_by_field" in m:
        precision = m.get("key_fact_precision_by_field", {})
        lines += [
            "",
            "## Key facts by field",
            "",
            "| field | recall | precision |",
            "|---|---|---|",
        ]
        lines += [
            f"| {f} | {fmt(v)} | {fmt(precision.get(f))} |"
            for f, v in m["key_fact_recall_by_field"].items()
        ]
        if m.get("document_class_accuracy") is not None:
            lines += ["", f"Document-class accuracy: {fmt(m['document_class_accuracy'])}."]
    usage = metrics.get("usage", {})
    lines += [
        "",
        "## Cost",
        "",
        "| tokens (prompt / completion) | tokens per sample | requests | cache hits | cost USD "
        "| USD per sample | latency mean s | latency max s |",
        "|---|---|---|---|---|---|---|---|",
        f"| {usage.get('prompt_tokens')} / {usage.get('completion_tokens')} | "
        f"{fmt(usage.get('tokens_per_sample'), 1)} | {usage.get('requests')} | "
        f"{usage.get('cache_hits')} | {fmt(usage.get('cost_usd'), 4)} | "
        f"{fmt(usage.get('cost_usd_per_sample'), 5)} | {fmt(usage.get('latency_s_mean'), 2)} | "
        f"{fmt(usage.get('latency_s_max'), 2)} |",
    ]
    skipped = metrics.get("dataset", {}).get("skipped_files") or []
    if skipped:
        lines += ["", "## Skipped letter files", ""]
        lines += [f"- `{cell(s['path'])}`: {cell(s['reason'])}" for s in skipped]
    if metrics.get("errors"):
        lines += ["", "## Failed samples", ""]
        lines += [f"- {cell(e['sample_id'])}: {cell(e['error'])}" for e in metrics["errors"]]
    lines += ["", "## Samples", ""]
    if config.get("task") == "draft":
        lines += ["| sample | request | gold | predicted | ROUGE-L |", "|---|---|---|---|---|"]
        for r in results:
            lines.append(
                f"| {cell(r.sample_id)} | {cell(r.request)} | {fmt(r.gold_decision)} | "
                f"{fmt(r.predicted_decision) if r.ok else 'error'} | "
                f"{fmt(r.scores.get('rationale_rouge_l_f1'))} |"
            )
    else:
        lines += ["| sample | key-fact recall | precision | ROUGE-L |", "|---|---|---|---|"]
        for r in results:
            lines.append(
                f"| {cell(r.sample_id)} | {fmt(r.scores.get('key_fact_recall'))} | "
                f"{fmt(r.scores.get('key_fact_precision'))} | "
                f"{fmt(r.scores.get('summary_rouge_l_f1'))} |"
            )
    lines += ["", "Real and drafted texts side by side: report.html.", ""]
    return "\n".join(lines)


def write_md_report(
    run_dir: Path,
    metrics: dict[str, Any],
    results: Sequence[SampleResult],
    config: dict[str, Any],
) -> Path:
    path = run_dir / "report.md"
    path.write_text(run_markdown(metrics, results, config), "utf-8")
    return path


def comparison_markdown(comparison: dict[str, Any]) -> str:
    runs = comparison["runs"]
    keys = [k for k in HEADLINE_LABELS if k in runs[0]["metrics"]]
    lines = [
        f"# Eval comparison ({comparison['task']}); reference: {cell(comparison['reference'])}",
        "",
        "| run | model | prompts | n | " + " | ".join(HEADLINE_LABELS[k] for k in keys) + " |",
        "|---" * (len(keys) + 4) + "|",
    ]
    for run in runs:
        version = run["prompts_version"] or "n/a"
        lines.append(
            f"| {cell(run['name'])} | {cell(run['model'])} | {cell(version)} | "
            f"{run['n_samples']} | " + " | ".join(fmt(run["metrics"].get(k)) for k in keys) + " |"
        )
    for delta in comparison["deltas"]:
        lines += [
            "",
            f"## {cell(delta['run'])} − {cell(delta['against'])} "
            f"({delta['n_shared']} shared samples; paired case bootstrap, 95%)",
            "",
            "| metric | reference | run | delta | 95% interval |",
            "|---|---|---|---|---|",
        ]
        for key in keys:
            d = delta["metrics"].get(key)
            if d is None:
                continue
            interval = f"[{fmt(d['low'])}, {fmt(d['high'])}]" if d["low"] is not None else "n/a"
            shown = f"{d['delta']:+.3f}" if d["delta"] is not None else "n/a"
            lines.append(
                f"| {HEADLINE_LABELS[key]} | {fmt(d['a'])} | {fmt(d['b'])} | {shown} | {interval} |"
            )
        if comparison["task"] == "draft":
            lines += ["", f"Decisions flipped: {delta['n_flipped']}", ""]
            if delta["flipped"]:
                lines += ["| sample | request | gold | reference | run |", "|---|---|---|---|---|"]
                lines += [
                    f"| {cell(f['sample_id'])} | {cell(f['request'])} | {fmt(f['gold'])} | "
                    f"{fmt(f['a'])} | {fmt(f['b'])} |"
                    for f in delta["flipped"]
                ]
    if comparison.get("gates"):
        lines += ["", "## Gates", ""] + [f"- {cell(g)}" for g in comparison["gates"]]
    return "\n".join(lines) + "\n"


def _calibration_lines(cal: dict[str, Any] | None) -> list[str]:
    """P(Overturned): ROC AUC and the threshold that maximises balanced accuracy."""
    if not cal:
        return []
    return [
        "## P(Overturned)",
        "",
        f"ROC AUC {fmt(cal.get('roc_auc'))} over {cal.get('n')} items "
        f"({cal.get('n_overturned')} Overturned). The threshold that maximises balanced accuracy "
        f"on this run is {fmt(cal.get('best_threshold'), 4)} (balanced accuracy "
        f"{fmt(cal.get('best_balanced_accuracy'))}); `imr-llm eval threshold RUN --write` "
        "makes it the default.",
        "",
    ]
