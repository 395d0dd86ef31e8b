"""Eval harness: datasets -> samples -> predictions -> scores -> metrics.json and reports.

    from imr_llm.evals import run_eval, compare_runs
    run = run_eval("evals/datasets/letters/gold.jsonl", task="draft",
                   model="baseline/majority", out="runs/majority")
    run.variants[0].metrics["metrics"]["decision_kappa"]          # 0.0
    compare_runs(["runs/majority", "runs/local"], out="runs/cmp",
                 fail_if=["delta.decision_kappa<0"])

Modules: `_samples` (datasets -> samples), `_predictors` / `_baselines` (what predicts),
`_config` (`EvalConfig`: config.json), `_runner` (threads, append-only results, resume),
`_registry` (the metric registry: `@scorer` / `@metric`) and `_catalog` (every built-in
metric), `_scoring` / `_keyfacts` / `_metrics` / `_bootstrap` (scores, aggregates, intervals),
`_eval_results` (`EvalResults`: metrics.json), `_report_md` / `_report_html` / `_svg` (reports,
from the jinja2 templates in `templates/`), `_compare` and `_gates` (compare runs,
`--fail-if`). Definitions of every metric and of the baselines are in the docstrings of
`_catalog` and `_baselines`.
"""

from imr_llm.evals._baselines import BASELINES, ExtractiveBaseline, MajorityBaseline
from imr_llm.evals._bootstrap import bootstrap, paired_bootstrap
from imr_llm.evals._case_meta import GoldItem, KeyFacts, PlantedNoise, SyntheticCase
from imr_llm.evals._compare import compare_runs, load_run
from imr_llm.evals._config import DraftOptions, EvalConfig
from imr_llm.evals._eval_results import EvalResults
from imr_llm.evals._gates import Gate, GateResult, check_gates, parse_gate
from imr_llm.evals._keyfacts import count_facts, recall_precision, summary_key_facts
from imr_llm.evals._metrics import (
    accuracy,
    aggregate,
    balanced_accuracy,
    cohen_kappa,
    confusion_matrix,
    decision_metrics,
)
from imr_llm.evals._registry import Metric, ResultSet, metric, registered, scorer
from imr_llm.evals._results import SampleResult, read_results
from imr_llm.evals._runner import EvalRun, VariantRun, build_metrics, run_eval
from imr_llm.evals._samples import Dataset, Sample, load_dataset
from imr_llm.evals._scoring import chapter_key, result_for
from imr_llm.evals._text import rouge_l_f1

__all__ = [
    "BASELINES",
    "Dataset",
    "DraftOptions",
    "EvalConfig",
    "EvalResults",
    "EvalRun",
    "ExtractiveBaseline",
    "Gate",
    "GateResult",
    "GoldItem",
    "KeyFacts",
    "MajorityBaseline",
    "Metric",
    "PlantedNoise",
    "ResultSet",
    "Sample",
    "SampleResult",
    "SyntheticCase",
    "VariantRun",
    "accuracy",
    "aggregate",
    "balanced_accuracy",
    "bootstrap",
    "build_metrics",
    "chapter_key",
    "check_gates",
    "cohen_kappa",
    "compare_runs",
    "confusion_matrix",
    "count_facts",
    "decision_metrics",
    "load_dataset",
    "load_run",
    "metric",
    "paired_bootstrap",
    "parse_gate",
    "read_results",
    "recall_precision",
    "registered",
    "result_for",
    "rouge_l_f1",
    "run_eval",
    "scorer",
    "summary_key_facts",
]
