"""`report.html`: self-contained pages (inline CSS and SVG, no script, no external asset).

Every piece of text that comes from data (records, letters, drafts, paths, model names) goes
through `html.escape` (`_e`); the pages have no JavaScript.

The sample list is paged so that the report stays usable at 10,000+ samples: report.html holds
the headline, plots and tables and the first `PAGE_SIZE` samples; the others go to
`report-samples/page-N.html` (same layout, links between all pages). Samples are rendered as
they are read from the results file, one page in memory at a time.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable, Sequence
from html import escape
from pathlib import Path
from typing import Any

from imr_llm.evals._report_md import HEADLINE_LABELS, fmt, headline_rows
from imr_llm.evals._results import SampleResult
from imr_llm.evals._svg import bar_chart_svg, confusion_svg, delta_chart_svg

CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;color:#222;
max-width:1200px}
h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:4px 8px;
text-align:left;vertical-align:top}th{background:#f4f4f4}
.meta{color:#555}.plots{display:flex;flex-wrap:wrap;gap:24px;align-items:flex-start}
.side{display:grid;grid-template-columns:1fr 1fr;gap:12px}
.side>div{border:1px solid #ddd;padding:8px;background:#fafafa;white-space:pre-wrap;
overflow-wrap:anywhere}
.ok{color:#2d7a3e;font-weight:bold}.bad{color:#b03a2e;font-weight:bold}
.text{white-space:pre-wrap;overflow-wrap:anywhere;background:#fafafa;padding:6px}
details{margin:6px 0;border:1px solid #e3e3e3;padding:4px 8px}summary{cursor:pointer}
"""


def _e(value: Any) -> str:
    return escape("" if value is None else str(value), quote=True)


def page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{_e(title)}</title><style>{CSS}</style></head><body>"
        f"<h1>{_e(title)}</h1>{body}</body></html>\n"
    )


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _interval(interval: dict[str, float] | None) -> str:
    return f"[{interval['low']:.3f}, {interval['high']:.3f}]" if interval else "n/a"


def _citation_text(citation: dict[str, Any] | None) -> str:
    return (citation or {}).get("text") or "(none)"


def _record(r: SampleResult) -> str:
    if not r.record:
        return ""
    return (
        '<details class="record"><summary>Record given to the model</summary>'
        f'<div class="text">{_e(r.record)}</div></details>'
    )


def _draft_sample(r: SampleResult) -> str:
    gold, pred = r.gold, r.prediction or {}
    verdict = (
        "error"
        if not r.ok
        else ("agrees" if r.predicted_decision == r.gold_decision else "disagrees")
    )
    css = "ok" if verdict == "agrees" else "bad"
    real = (
        f"<b>Decision:</b> {_e(gold.get('decision'))}\n"
        f"<b>MAXIMUS guideline:</b> {_e(_citation_text(gold.get('maximus_guideline')))}\n"
        f"<b>Decision rationale:</b> {_e(gold.get('decision_rationale') or '(not in gold)')}"
    )
    if r.ok:
        criteria = "\n".join(
            f"- {_e(c.get('criterion'))}: {_e(c.get('status'))}" for c in pred.get("criteria", [])
        )
        drafted = (
            f"<b>Decision:</b> {_e(pred.get('decision'))}\n"
            f"<b>MAXIMUS guideline:</b> {_e(_citation_text(pred.get('maximus_guideline')))}\n"
            f"<b>Criteria:</b>\n{criteria or '(none)'}\n"
            f"<b>Decision rationale:</b> {_e(pred.get('rationale'))}"
        )
    else:
        drafted = f"<b>Error:</b> {_e(r.error)}"
    scores = ", ".join(f"{k} {fmt(v)}" for k, v in r.scores.items())
    return (
        f'<details class="sample" id="s-{_e(r.sample_id)}"><summary>{_e(r.sample_id)}: '
        f"{_e(r.request)} — gold {_e(r.gold_decision)}, drafted "
        f'{_e(r.predicted_decision or "-")} <span class="{css}">{verdict}</span></summary>'
        f'<p class="meta">{_e(scores)}</p>{_record(r)}<div class="side"><div><h3>Real letter</h3>'
        f"{real}</div><div><h3>Draft</h3>{drafted}</div></div></details>"
    )


def _summary_sample(r: SampleResult) -> str:
    gold, pred = r.gold, r.prediction or {}
    facts = json.dumps(gold.get("facts"), indent=1, ensure_ascii=False)
    real = f"<b>Key facts:</b>\n{_e(facts)}\n<b>Summary:</b> {_e(gold.get('prose') or '(none)')}"
    if r.ok:
        shown = {k: v for k, v in pred.items() if k not in ("prose", "facts", "grounding") and v}
        drafted = (
            f"<b>Extracted:</b>\n{_e(json.dumps(shown, indent=1, ensure_ascii=False))}\n"
            f"<b>Summary:</b> {_e(pred.get('prose') or '(empty)')}"
        )
    else:
        drafted = f"<b>Error:</b> {_e(r.error)}"
    scores = ", ".join(f"{k} {fmt(v)}" for k, v in r.scores.items())
    return (
        f'<details class="sample" id="s-{_e(r.sample_id)}"><summary>{_e(r.sample_id)}: '
        f'{_e(scores)}</summary>{_record(r)}<div class="side"><div><h3>Gold</h3>{real}</div>'
        f"<div><h3>Draft</h3>{drafted}</div></div></details>"
    )


PAGE_SIZE = 200
"""Samples per page of the report's sample list."""
PAGES_DIR = "report-samples"


def _head_parts(metrics: dict[str, Any], config: dict[str, Any]) -> list[str]:
    """Everything on report.html above the sample list."""
    m = metrics.get("metrics", {})
    git = config.get("git") or {}
    rows = headline_rows(metrics)
    version = config.get("prompts_version") or "n/a"
    parts = [
        f'<p class="meta">dataset {_e(config.get("dataset"))} ({_e(config.get("dataset_kind"))}, '
        f"{_e(config.get('n_samples'))} samples) · model {_e(config.get('model'))} · prompts "
        f"{_e(config.get('variant') or '-')} (version {_e(version)}) · git "
        f"{_e(git.get('commit', 'n/a'))}{' (dirty)' if git.get('dirty') else ''} · "
        f"{_e(config.get('created'))}</p>",
        f'<p class="meta">scored {_e(metrics.get("n_samples"))} samples from '
        f"{_e(metrics.get('n_cases'))} cases; errors {_e(metrics.get('n_errors'))}; "
        f"leave-one-letter-out retrieval {'on' if config.get('holdout', True) else 'OFF'}</p>",
        "<h2>Headline</h2>",
        _table(
            ["metric", "value", "95% case-bootstrap interval"],
            [(label, fmt(v), _interval(i)) for _, label, v, i in rows],
        ),
    ]
    plots = []
    if "confusion_matrix" in m:
        cm = m["confusion_matrix"]
        plots.append(confusion_svg(cm["matrix"], cm["labels"], "Confusion matrix"))
    plots.append(
        bar_chart_svg(
            [
                (label, v, (i or {}).get("low"), (i or {}).get("high"))
                for _, label, v, i in rows
                if not (v is not None and v < 0)
            ],
            "Headline metrics (95% intervals)",
        )
    )
    if m.get("per_chapter"):
        plots.append(
            bar_chart_svg(
                [
                    (f"{c} (n={r['n']})", r["decision_accuracy"], None, None)
                    for c, r in m["per_chapter"].items()
                ],
                "Decision agreement per guideline chapter",
            )
        )
    if m.get("key_fact_recall_by_field"):
        plots.append(
            bar_chart_svg(
                [(f, v, None, None) for f, v in m["key_fact_recall_by_field"].items()],
                "Key-fact recall by field",
            )
        )
    parts.append('<h2>Plots</h2><div class="plots">' + "".join(plots) + "</div>")
    floor = metrics.get("floor") or {}
    if floor:
        keys = [k for k, _, _, _ in rows]
        table_rows = [["this run", *[fmt(m.get(k)) for k in keys]]]
        for name, row in floor.items():
            table_rows.append(
                [name, row["error"]] if "error" in row else [name, *[fmt(row.get(k)) for k in keys]]
            )
        parts += [
            "<h2>Floor: baselines on the same samples</h2>",
            _table(["model", *[HEADLINE_LABELS[k] for k in keys]], table_rows),
        ]
    if m.get("per_chapter"):
        parts += [
            "<h2>Per guideline chapter</h2>",
            _table(
                [
                    "chapter",
                    "n",
                    "accuracy",
                    "balanced accuracy",
                    "kappa",
                    "chapter match",
                    "confusion [[UU, UO], [OU, OO]]",
                ],
                [
                    (
                        c,
                        r["n"],
                        fmt(r["decision_accuracy"]),
                        fmt(r["decision_balanced_accuracy"]),
                        fmt(r["decision_kappa"]),
                        fmt(r.get("citation_chapter_match")),
                        r["confusion_matrix"]["matrix"],
                    )
                    for c, r in m["per_chapter"].items()
                ],
            ),
        ]
    if m.get("key_fact_recall_by_field"):
        parts += [
            "<h2>Key-fact recall by field</h2>",
            _table(
                ["field", "recall"], [(f, fmt(v)) for f, v in m["key_fact_recall_by_field"].items()]
            ),
        ]
    usage = metrics.get("usage", {})
    parts += [
        "<h2>Cost</h2>",
        _table(
            [
                "prompt tokens",
                "completion tokens",
                "tokens/sample",
                "requests",
                "cache hits",
                "cost USD",
                "USD/sample",
                "latency mean s",
                "latency max s",
            ],
            [
                (
                    usage.get("prompt_tokens"),
                    usage.get("completion_tokens"),
                    fmt(usage.get("tokens_per_sample"), 1),
                    usage.get("requests"),
                    usage.get("cache_hits"),
                    fmt(usage.get("cost_usd"), 4),
                    fmt(usage.get("cost_usd_per_sample"), 5),
                    fmt(usage.get("latency_s_mean"), 2),
                    fmt(usage.get("latency_s_max"), 2),
                )
            ],
        ),
    ]
    skipped = metrics.get("dataset", {}).get("skipped_files") or []
    if skipped:
        parts += [
            "<h2>Skipped letter files</h2>",
            _table(["file", "reason"], [(s["path"], s["reason"]) for s in skipped]),
        ]
    return parts


def _title(config: dict[str, Any]) -> str:
    return f"Eval report: {config.get('task')} — {config.get('model')}"


def run_html(
    metrics: dict[str, Any], results: Sequence[SampleResult], config: dict[str, Any]
) -> str:
    """The whole report as one page, every sample on it (small runs; see `write_html_report`)."""
    render = _draft_sample if config.get("task") == "draft" else _summary_sample
    parts = [
        *_head_parts(metrics, config),
        f"<h2>Samples ({len(results)}): real and drafted side by side</h2>",
        "".join(render(r) for r in results),
    ]
    return page(_title(config), "".join(parts))


def _page_href(number: int, *, from_main: bool) -> str:
    if number == 1:
        return "report.html" if from_main else "../report.html"
    name = f"page-{number}.html"
    return f"{PAGES_DIR}/{name}" if from_main else name


def _nav(number: int, pages: int, total: int, *, from_main: bool) -> str:
    """'Samples a-b of n' and links to every page (the current one not linked)."""
    if pages <= 1:
        return ""
    first = (number - 1) * PAGE_SIZE + 1
    last = min(number * PAGE_SIZE, total)
    links = " ".join(
        f"<b>{n}</b>"
        if n == number
        else f'<a href="{_e(_page_href(n, from_main=from_main))}">{n}</a>'
        for n in range(1, pages + 1)
    )
    return (
        f'<p class="meta">samples {first}-{last} of {total} · page {number} of {pages}: {links}</p>'
    )


def write_html_report(
    run_dir: Path,
    metrics: dict[str, Any],
    results: Iterable[SampleResult],
    config: dict[str, Any],
) -> Path:
    """Write report.html (and report-samples/page-N.html past `PAGE_SIZE` samples), reading
    `results` once, in order. The page count comes from metrics (scored + failed samples)."""
    total = int(metrics.get("n_samples") or 0) + int(metrics.get("n_errors") or 0)
    pages = max(1, -(-total // PAGE_SIZE))
    render = _draft_sample if config.get("task") == "draft" else _summary_sample
    pages_dir = run_dir / PAGES_DIR
    if pages_dir.exists():
        shutil.rmtree(pages_dir)
    heading = f"<h2>Samples ({total}): real and drafted side by side</h2>"
    first_page: list[str] = []
    current: list[str] = []
    number = 1

    def flush() -> None:
        nonlocal current, number
        if number == 1:
            first_page.extend(current)
        else:
            pages_dir.mkdir(parents=True, exist_ok=True)
            nav = _nav(number, pages, total, from_main=False)
            body = f"{heading}{nav}{''.join(current)}{nav}"
            (pages_dir / f"page-{number}.html").write_text(
                page(f"{_title(config)} · samples page {number}", body), "utf-8"
            )
        current = []
        number += 1

    for result in results:
        current.append(render(result))
        if len(current) == PAGE_SIZE:
            flush()
    if current or number == 1:
        flush()
    nav = _nav(1, pages, total, from_main=True)
    parts = [*_head_parts(metrics, config), heading, nav, "".join(first_page), nav]
    path = run_dir / "report.html"
    path.write_text(page(_title(config), "".join(parts)), "utf-8")
    return path


def comparison_html(comparison: dict[str, Any], links: dict[str, str] | None = None) -> str:
    """The comparison page; `links` maps a run name to its report's relative address."""
    runs = comparison["runs"]
    keys = [k for k in HEADLINE_LABELS if k in runs[0]["metrics"]]
    parts = [
        f'<p class="meta">task {_e(comparison["task"])} · reference '
        f"{_e(comparison['reference'])} · paired case bootstrap "
        f"({_e(comparison['bootstrap']['n_boot'])} resamples, seed "
        f"{_e(comparison['bootstrap']['seed'])})</p>",
        "<h2>Runs side by side</h2>",
        _table(
            ["run", "model", "prompts version", "n", *[HEADLINE_LABELS[k] for k in keys]],
            [
                (
                    r["name"],
                    r["model"],
                    r["prompts_version"] or "n/a",
                    r["n_samples"],
                    *[fmt(r["metrics"].get(k)) for k in keys],
                )
                for r in runs
            ],
        ),
    ]
    plots = []
    for key in keys[:3]:
        plots.append(
            bar_chart_svg(
                [
                    (
                        r["name"],
                        r["metrics"].get(key),
                        (r["intervals"].get(key) or {}).get("low"),
                        (r["intervals"].get(key) or {}).get("high"),
                    )
                    for r in runs
                ],
                HEADLINE_LABELS[key],
            )
        )
    for delta in comparison["deltas"]:
        bars = [
            (HEADLINE_LABELS[k], d["delta"], d["low"], d["high"])
            for k in keys
            if (d := delta["metrics"].get(k)) is not None
        ]
        plots.append(delta_chart_svg(bars, f"{delta['run']} − {delta['against']} (95%)"))
    parts.append('<h2>Plots</h2><div class="plots">' + "".join(plots) + "</div>")
    if links:
        parts.append(
            "<h2>Per-run reports (every sample, real and drafted side by side)</h2><ul>"
            + "".join(
                f'<li><a href="{_e(href)}">{_e(name)}</a></li>' for name, href in links.items()
            )
            + "</ul>"
        )
    for delta in comparison["deltas"]:
        parts += [
            f"<h2>{_e(delta['run'])} − {_e(delta['against'])} "
            f"({_e(delta['n_shared'])} shared samples)</h2>",
            _table(
                ["metric", "reference", "run", "delta", "95% interval"],
                [
                    (
                        HEADLINE_LABELS[k],
                        fmt(d["a"]),
                        fmt(d["b"]),
                        "n/a" if d["delta"] is None else f"{d['delta']:+.3f}",
                        "n/a" if d["low"] is None else f"[{d['low']:+.3f}, {d['high']:+.3f}]",
                    )
                    for k in keys
                    if (d := delta["metrics"].get(k)) is not None
                ],
            ),
        ]
        if comparison["task"] == "draft":
            parts.append(f"<p>Decisions flipped: {_e(delta['n_flipped'])}</p>")
            if delta["flipped"]:
                parts.append(
                    _table(
                        ["sample", "request", "gold", "reference", "run"],
                        [
                            (f["sample_id"], f["request"], f["gold"], f["a"], f["b"])
                            for f in delta["flipped"]
                        ],
                    )
                )
    if comparison.get("gates"):
        parts += ["<h2>Gates</h2><ul>"] + [f"<li>{_e(g)}</li>" for g in comparison["gates"]]
        parts.append("</ul>")
    return page(f"Eval comparison ({comparison['task']})", "".join(parts))


def write_comparison_html(out_dir: Path, comparison: dict[str, Any]) -> Path:
    links = {}
    for run in comparison["runs"]:
        report = Path(run["directory"]) / "report.html"
        if report.is_file():
            links[run["name"]] = Path(os.path.relpath(report, out_dir)).as_posix()
    path = out_dir / "report.html"
    path.write_text(comparison_html(comparison, links), "utf-8")
    return path
