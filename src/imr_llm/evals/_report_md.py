"""`report.md`: the run's figures as markdown (the HTML report has the plots and texts),
rendered from `templates/run.md` and `templates/comparison.md`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from imr_llm.evals._compare import Comparison
from imr_llm.evals._config import EvalConfig
from imr_llm.evals._eval_results import EvalResults
from imr_llm.evals._reports import (
    cell,
    chapter_metrics,
    fmt,
    headline_metrics,
    headline_rows,
    markdown_environment,
    sample_metrics,
)
from imr_llm.evals._results import SampleResult

__all__ = ["cell", "comparison_markdown", "fmt", "run_markdown", "write_md_report"]


def run_markdown(results: EvalResults, samples: Sequence[SampleResult], config: EvalConfig) -> str:
    return (
        markdown_environment()
        .get_template("run.md")
        .render(
            config=config,
            results=results,
            rows=headline_rows(results.metrics, results.intervals),
            samples=samples,
            chapter_metrics=chapter_metrics(config.task),
            sample_metrics=sample_metrics(config.task),
        )
    )


def write_md_report(
    run_dir: Path,
    results: EvalResults,
    samples: Sequence[SampleResult],
    config: EvalConfig,
) -> Path:
    path = run_dir / "report.md"
    path.write_text(run_markdown(results, samples, config), "utf-8")
    return path


def comparison_markdown(comparison: Comparison, *, gates: bool = True) -> str:
    """The comparison as markdown (`gates`: with the gates' outcomes, when it has them)."""
    return (
        markdown_environment()
        .get_template("comparison.md")
        .render(
            comparison=comparison,
            metrics=headline_metrics(comparison["runs"][0]["metrics"]),
            gates=gates,
        )
    )
