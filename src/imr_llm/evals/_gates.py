"""`--fail-if` gates: "METRIC OP NUMBER", e.g. "decision_kappa<0.2" or
"metrics.per_chapter.MTUS chronic pain.decision_accuracy <= 0.5".

The gate FAILS when the condition holds. OP is one of < <= > >=. METRIC is a dotted path into
metrics.json; a bare name is looked up at the top level first, then under `metrics.`, then
`usage.` (so "decision_kappa", "n_samples" and "cost_usd" all work). In `eval compare`, a path
starting with `delta.` reads the delta of each later run against the first (e.g.
"delta.decision_kappa<-0.05"). A metric that is undefined (null) fails its gate; an unknown
metric name is bad input (exit 2). Failed gates raise `GateFailed` (exit 1).
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from imr_llm._errors import GateFailed, InputError

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


def _walk(data: Any, path: str) -> Any:
    node = data
    for part in path.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return _MISSING
    return node


def resolve(metrics: dict[str, Any], path: str) -> Any:
    """The value at `path` (see the module docstring); raises InputError if unknown."""
    for prefix in ("", "metrics.", "usage."):
        value = _walk(metrics, prefix + path)
        if value is not _MISSING:
            return value
    raise InputError(f"unknown metric {path!r} in --fail-if")


def evaluate(gate: Gate, metrics: dict[str, Any], run: str) -> GateResult:
    value = resolve(metrics, gate.path)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
        raise InputError(f"metric {gate.path!r} is not a number")
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return GateResult(gate, run, None, True)
    return GateResult(gate, run, float(value), _OPS[gate.op](float(value), gate.threshold))


def evaluate_gates(
    runs: Sequence[dict[str, Any]],
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
    runs: Sequence[dict[str, Any]],
    gates: Sequence[str],
    *,
    names: Sequence[str] | None = None,
) -> list[GateResult]:
    """Evaluate every gate on every run's metrics; raise GateFailed listing the failures."""
    return raise_on_failure(evaluate_gates(runs, gates, names=names))
