"""ROC AUC and the balanced-accuracy threshold, against hand-worked examples."""

from __future__ import annotations

import pytest

from imr_llm.evals._calibration import best_threshold, calibrate, roc_auc


def test_auc_hand_worked() -> None:
    assert roc_auc([True, False], [0.9, 0.1]) == 1.0
    assert roc_auc([True, False], [0.1, 0.9]) == 0.0
    assert roc_auc([True, False], [0.5, 0.5]) == 0.5  # a tie counts half
    # pairs (pos, neg): (0.8, 0.3) win, (0.8, 0.9) loss, (0.4, 0.3) win, (0.4, 0.9) loss
    assert roc_auc([True, True, False, False], [0.8, 0.4, 0.3, 0.9]) == 0.5
    assert roc_auc([True, True], [0.1, 0.2]) is None


def test_best_threshold_maximises_balanced_accuracy() -> None:
    y = [True, False, False, False, True, False]
    s = [0.30, 0.10, 0.20, 0.35, 0.60, 0.05]
    cut, ba = best_threshold(y, s)  # type: ignore[misc]
    assert cut == pytest.approx(0.25) and ba == pytest.approx((1.0 + 0.75) / 2)
    cal = calibrate(y, s)
    assert (cal.n, cal.n_overturned, cal.best_threshold) == (6, 2, pytest.approx(0.25))
