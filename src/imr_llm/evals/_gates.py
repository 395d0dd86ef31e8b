"""`--fail-if` gates: "METRIC OP NUMBER", e.g. "decision_kappa<0.2" or
"metrics.per_chapter.MTUS chronic pain.decision_accuracy <= 0.5".

The gate FAILS when the condition holds. OP is one of < <= > >=. METRIC is a dotted path into
metrics.json; a bare name is looked up at the top level first, then under `metrics.`, then
`usage.` (so "decision_kappa", "n_samples" and "cost_usd" all work). In `eval compare`, a path
starting with `delta.` reads the delta of each later run against the first (e.g.
"delta.decision_kappa<-0.05"). A metric that is undefined (null) fails its gate; an unknown
metric name is bad input (exit 2). Failed gates raise `GateFailed` (exit 1).

Names are checked before any work (`parse_gates`) against the metric registry (`_registry`) and
the fixed fields of metrics.json (`EvalResults`, its usage and the task's metric blocks); a
`delta.` gate must name a registered headline metric of the task (only those have deltas).
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from imr_llm._errors import GateFailed, InputError
from imr_llm.evals._eval_results import DraftBlocks, EvalResults, SummaryBlocks, UsageMetrics
from imr_llm.evals._registry import get, registered

_OPS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "<": operator.lt,
    ">": operator.gt,
}
_GATE = re.compile(r"^\s*(?P<path>[^<>=]+?)\s*(?P<op><=|>=|<|>)\s*(?P<value>[-+0-9.eE]+)\s*$")
_MISSING = object()


@dataclass(frozen=True)
class Gate:
    path: str
    op: str
    threshold: float
    text: str


@dataclass(frozen=True)
class GateResult:
    gate: Gate
    run: str
    value: float | None
    failed: bool

    def describe(self) -> str:
        shown = "undefined" if self.value is None else f"{self.value:.4g}"
        verdict = "FAILED" if self.failed else "ok"
        return f"{verdict}: {self.run}: {self.gate.path} = {shown} (fail if {self.gate.text})"


def parse_gate(text: str) -> Gate:
    match = _GATE.match(text)
    if not match:
        raise InputError(f"bad --fail-if {text!r}: expected METRIC<NUMBER (ops: < <= > >=)")
    try:
        threshold = float(match["value"])
    except ValueError as exc:
        raise InputError(f"bad --fail-if {text!r}: {match['value']!r} is not a number") from exc
    return Gate(match["path"].strip(), match["op"], threshold, text.strip())


DELTA = "delta."


def _known_names(task: str) -> set[str]:
    blocks = DraftBlocks if task == "draft" else SummaryBlocks
    return (
        set(EvalResults.model_fields)
        | set(UsageMetrics.model_fields)
        | set(blocks.model_fields)
        | {m.name for m in registered(task)}
    )


def _check_name(gate: Gate, task: str, *, deltas: bool) -> None:
    headline = [m.name for m in registered(task, headline=True)]
    if gate.path.startswith(DELTA):
        name = gate.path[len(DELTA) :]
        if not deltas:
            raise InputError(f"bad --fail-if {gate.text!r}: delta gates are for `eval compare`")
        if name not in headline:
            raise InputError(
                f"bad --fail-if {gate.text!r}: no delta for {name!r} (headline metrics of a "
                f"{task} run: {', '.join(headline)})"
            )
        return
    first = gate.path.split(".")[0]
    if first in _known_names(task):
        return
    other = get(first)
    if other is not None:
        raise InputError(
            f"bad --fail-if {gate.text!r}: {first} is a {other.task} metric, this is a {task} run"
        )
    raise InputError(
        f"unknown metric {gate.path!r} in --fail-if (headline metrics of a {task} run: "
        f"{', '.join(headline)}; or a dotted path into metrics.json)"
    )


def parse_gates(gates: Sequence[str], *, task: str, deltas: bool = False) -> list[Gate]:
    """Parse `gates` and check their names for a `task` run (`deltas`: in `eval compare`);
    raises InputError (exit 2) before any work."""
    parsed = [parse_gate(g) for g in gates]
    for gate in parsed:
        _check_name(gate, task, deltas=deltas)
    return parsed


def _walk(data: object, path: str) -> object:
    node = data
    for part in path.split("."):
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        else:
            return _MISSING
    return node


def resolve(metrics: Mapping[str, object], path: str) -> object:
    """The value at `path` (see the module docstring); raises InputError if unknown."""
    for prefix in ("", "metrics.", "usage."):
        value = _walk(metrics, prefix + path)
        if value is not _MISSING:
            return value
    raise InputError(f"unknown metric {path!r} in --fail-if")


def evaluate(gate: Gate, metrics: Mapping[str, object], run: str) -> GateResult:
    value = resolve(metrics, gate.path)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
        raise InputError(f"metric {gate.path!r} is not a number")
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return GateResult(gate, run, None, True)
    return GateResult(gate, run, float(value), _OPS[gate.op](float(value), gate.threshold))


def evaluate_gates(
    runs: Sequence[Mapping[str, object]],
    gates: Sequence[str],
    *,
    names: Sequence[str] | None = None,
) -> list[GateResult]:
    """Evaluate every gate on every run's metrics."""
    parsed = [parse_gate(g) for g in gates]
    labels = list(names) if names is not None else [f"run {i + 1}" for i in range(len(runs))]
    return [
        evaluate(gate, metrics, label)
        for gate in parsed
        for metrics, label in zip(runs, labels, strict=True)
    ]


def raise_on_failure(outcomes: Sequence[GateResult]) -> list[GateResult]:
    """Raise GateFailed listing the failed gates; return the outcomes when all passed."""
    failures = [o for o in outcomes if o.failed]
    if failures:
        raise GateFailed("; ".join(o.describe() for o in failures))
    return list(outcomes)


def check_gates(
    runs: Sequence[Mapping[str, object]],
    gates: Sequence[str],
    *,
    names: Sequence[str] | None = None,
) -> list[GateResult]:
    """Evaluate every gate on every run's metrics; raise GateFailed listing the failures."""
    return raise_on_failure(evaluate_gates(runs, gates, names=names))
