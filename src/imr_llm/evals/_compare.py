"""`compare_runs`: headline deltas between runs with paired-bootstrap intervals, and the
samples whose decision flipped.

The first run is the reference; every later run is compared with it on the samples both scored
(`paired_bootstrap`). With `out`, writes comparison.json, report.md and report.html there.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, NotRequired, TypedDict

from imr_llm._errors import InputError
from imr_llm.evals._bootstrap import (
    DEFAULT_N_BOOT,
    DEFAULT_SEED,
    LEVEL,
    PairedDelta,
    paired_bootstrap,
)
from imr_llm.evals._gates import GateResult, evaluate_gates, parse_gates, raise_on_failure
from imr_llm.evals._results import SampleResult
from imr_llm.evals._runinfo import write_json
from imr_llm.evals._stream import latest_offsets, slim_results

RunJson = dict[str, Any]
"""A run's metrics.json as read back: plain JSON (a run written by an older version may lack
fields that `EvalResults` has now, so it is not validated)."""


class FlippedDecision(TypedDict):
    sample_id: str
    request: str | None
    gold: str | None
    a: str | None
    b: str | None
    b_correct: bool


class RunDelta(TypedDict):
    """A later run against the reference, on the samples both scored."""

    run: str
    against: str
    n_shared: int
    metrics: dict[str, PairedDelta]
    n_flipped: int
    flipped: list[FlippedDecision]


class ComparedRun(TypedDict):
    name: str
    directory: str
    model: str | None
    variant: str | None
    prompts_version: str | None
    n_samples: int | None
    metrics: RunJson
    intervals: RunJson
    usage: RunJson


class ComparisonBootstrap(TypedDict):
    n_boot: int
    seed: int
    level: float
    unit: Literal["case"]
    paired: bool


class Comparison(TypedDict):
    """comparison.json."""

    task: str
    reference: str
    runs: list[ComparedRun]
    deltas: list[RunDelta]
    bootstrap: ComparisonBootstrap
    gates: NotRequired[list[str]]
    """Every gate's outcome (`GateResult.describe`), when gates were given."""


def load_run(directory: str | Path) -> tuple[RunJson, list[SampleResult]]:
    """A run's metrics.json and its latest successful result per sample."""
    root = Path(directory)
    metrics_path = root / "metrics.json"
    if not metrics_path.is_file():
        raise InputError("not a run directory (no metrics.json)", path=root)
    try:
        metrics = json.loads(metrics_path.read_text("utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError("metrics.json is not valid JSON", path=metrics_path) from exc
    path = root / "results.jsonl"
    offsets = latest_offsets(path)  # slim results: compare needs no record, gold or prediction
    results = [r for r in slim_results(path, list(offsets), offsets=offsets) if r.ok]
    return metrics, results


def _names(directories: Sequence[Path], metrics: Sequence[RunJson]) -> list[str]:
    names: list[str] = []
    for directory, m in zip(directories, metrics, strict=True):
        base = m.get("variant") or directory.resolve().name or str(m.get("model"))
        name, n = base, 1
        while name in names:
            n += 1
            name = f"{base}-{n}"
        names.append(name)
    return names


def flipped_decisions(
    a: Sequence[SampleResult], b: Sequence[SampleResult]
) -> list[FlippedDecision]:
    """Shared samples whose predicted decision differs between the two runs."""
    by_id = {r.sample_id: r for r in b}
    flips: list[FlippedDecision] = []
    for ra in a:
        rb = by_id.get(ra.sample_id)
        if rb is None or ra.predicted_decision == rb.predicted_decision:
            continue
        flips.append(
            {
                "sample_id": ra.sample_id,
                "request": ra.request,
                "gold": ra.gold_decision,
                "a": ra.predicted_decision,
                "b": rb.predicted_decision,
                "b_correct": rb.predicted_decision == ra.gold_decision,
            }
        )
    return flips


def compare_runs(
    runs: Sequence[str | Path],
    *,
    out: str | Path | None = None,
    n_boot: int = DEFAULT_N_BOOT,
    seed: int = DEFAULT_SEED,
    fail_if: Sequence[str] = (),
) -> Comparison:
    """Compare runs (the first is the reference). Raises GateFailed when a gate fails, after
    writing the comparison."""
    comparison, outcomes = compare(runs, out=out, n_boot=n_boot, seed=seed, fail_if=fail_if)
    raise_on_failure(outcomes)
    return comparison


def compare(
    runs: Sequence[str | Path],
    *,
    out: str | Path | None = None,
    n_boot: int = DEFAULT_N_BOOT,
    seed: int = DEFAULT_SEED,
    fail_if: Sequence[str] = (),
) -> tuple[Comparison, list[GateResult]]:
    """`compare_runs` without raising: the comparison (written under `out`, gates included)
    and the outcome of every gate, failed or not."""
    if len(runs) < 2:
        raise InputError("compare needs at least two run directories")
    directories = [Path(r) for r in runs]
    loaded = [load_run(d) for d in directories]
    metrics = [m for m, _ in loaded]
    tasks = {m.get("task") for m in metrics}
    if len(tasks) != 1:
        raise InputError(f"runs are of different tasks: {', '.join(sorted(map(str, tasks)))}")
    task = str(tasks.pop())
    parse_gates(fail_if, task=task, deltas=True)  # bad gates fail before the bootstrap
    names = _names(directories, metrics)
    ref_results = loaded[0][1]
    deltas: list[RunDelta] = []
    for (_, results), name in zip(loaded[1:], names[1:], strict=True):
        paired = paired_bootstrap(ref_results, results, task, n_boot=n_boot, seed=seed)
        flips = flipped_decisions(ref_results, results) if task == "draft" else []
        deltas.append(
            {
                "run": name,
                "against": names[0],
                "n_shared": next(iter(paired.values()))["n_shared"] if paired else 0,
                "metrics": paired,
                "n_flipped": len(flips),
                "flipped": flips,
            }
        )
    comparison: Comparison = {
        "task": task,
        "reference": names[0],
        "runs": [
            {
                "name": name,
                "directory": str(d),
                "model": m.get("model"),
                "variant": m.get("variant"),
                "prompts_version": m.get("prompts_version"),
                "n_samples": m.get("n_samples"),
                "metrics": m.get("metrics", {}),
                "intervals": m.get("intervals", {}),
                "usage": m.get("usage", {}),
            }
            for name, d, m in zip(names, directories, metrics, strict=True)
        ],
        "deltas": deltas,
        "bootstrap": {
            "n_boot": n_boot,
            "seed": seed,
            "level": LEVEL,
            "unit": "case",
            "paired": True,
        },
    }
    outcomes = compare_gates(comparison, metrics, fail_if) if fail_if else []
    if outcomes:
        comparison["gates"] = [o.describe() for o in outcomes]
    if out is not None:
        from imr_llm.evals._report_html import write_comparison_html
        from imr_llm.evals._report_md import comparison_markdown

        out_dir = Path(out)
        write_json(out_dir / "comparison.json", comparison)
        (out_dir / "report.md").write_text(comparison_markdown(comparison), "utf-8")
        write_comparison_html(out_dir, comparison)
    return comparison, outcomes


def compare_gates(
    comparison: Comparison, metrics: Sequence[RunJson], gates: Sequence[str]
) -> list[GateResult]:
    """Evaluate gates without raising: plain gates apply to every run, `delta.<metric>`
    gates to each later run's delta against the reference."""
    names = [r["name"] for r in comparison["runs"]]
    parsed = parse_gates(gates, task=comparison["task"], deltas=True)
    plain = [g.text for g in parsed if not g.path.startswith("delta.")]
    delta = [g.text for g in parsed if g.path.startswith("delta.")]
    outcomes = evaluate_gates(metrics, plain, names=names) if plain else []
    if delta:
        delta_runs = [
            {"delta": {k: v["delta"] for k, v in d["metrics"].items()}}
            for d in comparison["deltas"]
        ]
        outcomes += evaluate_gates(
            delta_runs, delta, names=[d["run"] for d in comparison["deltas"]]
        )
    return outcomes
