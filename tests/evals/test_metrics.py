"""Decision metrics against hand-worked examples (arithmetic in the comments)."""

from __future__ import annotations

import pytest

from imr_llm.evals import (
    accuracy,
    aggregate,
    balanced_accuracy,
    cohen_kappa,
    confusion_matrix,
    decision_metrics,
)
from imr_llm.evals._results import SampleResult

U, V = "Upheld", "Overturned"  # V: overturned (O is an ambiguous name for ruff)
GOLD = [U, U, U, U, V, V]
PRED = [U, U, U, V, V, U]


def test_accuracy_hand_worked() -> None:
    # positions 0,1,2 (U=U) and 4 (V=V) agree; 3 and 5 do not: 4/6
    assert accuracy(GOLD, PRED) == pytest.approx(4 / 6)


def test_confusion_matrix_rows_gold_columns_predicted() -> None:
    # gold U: predicted U at 0,1,2 (3), V at 3 (1); gold V: predicted V at 4 (1), U at 5 (1)
    assert confusion_matrix(GOLD, PRED) == [[3, 1], [1, 1]]


def test_balanced_accuracy_hand_worked() -> None:
    # recall(U) = 3/4 = 0.75, recall(V) = 1/2 = 0.5, mean = 0.625
    assert balanced_accuracy(GOLD, PRED) == pytest.approx(0.625)


def test_balanced_accuracy_uses_only_classes_present_in_gold() -> None:
    # gold has only U; recall(U) = 1/2; V (absent from gold) is not averaged in: 0.5
    assert balanced_accuracy([U, U], [U, V]) == pytest.approx(0.5)


def test_cohen_kappa_hand_worked() -> None:
    # p_o = 4/6; p_e = p_gold(U) p_pred(U) + p_gold(V) p_pred(V) = (4/6)(4/6) + (2/6)(2/6)
    #     = 16/36 + 4/36 = 20/36 = 5/9
    # kappa = (2/3 - 5/9) / (1 - 5/9) = (1/9) / (4/9) = 0.25
    assert cohen_kappa(GOLD, PRED) == pytest.approx(0.25)


def test_cohen_kappa_perfect_and_inverted() -> None:
    assert cohen_kappa([U, V, U], [U, V, U]) == pytest.approx(1.0)
    # p_o = 0, p_e = 0.5*0.5 + 0.5*0.5 = 0.5: kappa = (0 - 0.5) / 0.5 = -1
    assert cohen_kappa([U, V], [V, U]) == pytest.approx(-1.0)


def test_kappa_of_constant_predictor_is_zero() -> None:
    # always U on gold [U,U,U,V]: p_o = 3/4, p_e = (3/4)(1) + (1/4)(0) = 3/4 -> 0 / (1/4) = 0
    assert cohen_kappa([U, U, U, V], [U, U, U, U]) == 0.0
    # balanced accuracy of the constant predictor: recall(U) = 1, recall(V) = 0 -> 0.5
    assert balanced_accuracy([U, U, U, V], [U, U, U, U]) == pytest.approx(0.5)


def test_kappa_zero_over_zero_is_reported_as_zero() -> None:
    # gold and prediction both all U: p_o = 1, p_e = 1, kappa = 0/0 -> 0 by convention
    assert cohen_kappa([U, U, U], [U, U, U]) == 0.0


def test_no_samples_gives_none() -> None:
    assert accuracy([], []) is None
    assert balanced_accuracy([], []) is None
    assert cohen_kappa([], []) is None
    assert decision_metrics([], [])["confusion_matrix"]["matrix"] == [[0, 0], [0, 0]]


def _result(i: int, gold: str, pred: str, chapter: str, rouge: float) -> SampleResult:
    return SampleResult(
        sample_id=f"c{i}#1",
        case_id=f"c{i}",
        task="draft",
        gold_decision=gold,  # type: ignore[arg-type]
        predicted_decision=pred,  # type: ignore[arg-type]
        chapter=chapter,
        scores={"rationale_rouge_l_f1": rouge, "citation_chapter_match": None},
    )


def test_aggregate_per_chapter_and_means() -> None:
    results = [
        _result(0, U, U, "MTUS chronic pain", 0.2),
        _result(1, V, U, "MTUS chronic pain", 0.4),
        _result(2, U, U, "Non-MTUS ODG", 0.6),
    ]
    m = aggregate(results, "draft")
    assert m["decision_accuracy"] == pytest.approx(2 / 3)
    # mean ROUGE-L = (0.2 + 0.4 + 0.6) / 3 = 0.4; chapter match undefined everywhere -> None
    assert m["rationale_rouge_l_f1"] == pytest.approx(0.4)
    assert m["citation_chapter_match"] is None
    assert m["gold_upheld_rate"] == pytest.approx(2 / 3)
    chronic = m["per_chapter"]["MTUS chronic pain"]
    assert chronic["n"] == 2
    assert chronic["decision_accuracy"] == pytest.approx(0.5)
    assert chronic["confusion_matrix"]["matrix"] == [[1, 0], [1, 0]]
    assert m["per_chapter"]["Non-MTUS ODG"]["decision_kappa"] == 0.0
