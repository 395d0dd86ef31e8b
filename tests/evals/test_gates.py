"""--fail-if gates: syntax, metric lookup, operators, undefined values, GateFailed."""

from __future__ import annotations

import pytest

from imr_llm._errors import GateFailed, InputError
from imr_llm.evals import check_gates, parse_gate
from imr_llm.evals._gates import resolve

METRICS = {
    "n_samples": 123,
    "metrics": {
        "decision_kappa": 0.0,
        "decision_accuracy": 0.894,
        "citation_chapter_match": None,
        "per_chapter": {"MTUS chronic pain": {"decision_accuracy": 0.9}},
    },
    "usage": {"cost_usd": 0.5},
}


def test_parse_gate() -> None:
    gate = parse_gate(" decision_kappa < 0.2 ")
    assert (gate.path, gate.op, gate.threshold) == ("decision_kappa", "<", 0.2)
    assert parse_gate("delta.decision_kappa<=-0.05").threshold == -0.05
    for bad in ("decision_kappa", "decision_kappa == 1", "kappa < x", "<0.2"):
        with pytest.raises(InputError):
            parse_gate(bad)


def test_resolve_bare_and_dotted_names() -> None:
    assert resolve(METRICS, "n_samples") == 123
    assert resolve(METRICS, "decision_kappa") == 0.0
    assert resolve(METRICS, "metrics.decision_accuracy") == 0.894
    assert resolve(METRICS, "metrics.per_chapter.MTUS chronic pain.decision_accuracy") == 0.9
    assert resolve(METRICS, "cost_usd") == 0.5
    with pytest.raises(InputError, match="unknown metric"):
        resolve(METRICS, "decision_kapa")


@pytest.mark.parametrize(
    ("gate", "fails"),
    [
        ("decision_kappa<0.2", True),  # 0.0 < 0.2 holds: fail
        ("decision_kappa<0", False),
        ("decision_kappa<=0", True),
        ("decision_accuracy>0.9", False),
        ("decision_accuracy>=0.894", True),
        ("n_samples<100", False),
        ("citation_chapter_match<0.5", True),  # undefined metric fails its gate
    ],
)
def test_operators(gate: str, fails: bool) -> None:
    if fails:
        with pytest.raises(GateFailed) as info:
            check_gates([METRICS], [gate], names=["run"])
        assert info.value.exit_code == 1
        assert gate.replace(" ", "") in str(info.value).replace(" ", "")
    else:
        [outcome] = check_gates([METRICS], [gate], names=["run"])
        assert not outcome.failed


def test_every_run_is_checked() -> None:
    good = {"metrics": {"decision_kappa": 0.5}}
    with pytest.raises(GateFailed, match="second"):
        check_gates([good, METRICS], ["decision_kappa<0.2"], names=["first", "second"])
