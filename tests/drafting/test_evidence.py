"""Evidence: the model's line references are checked; quotes are verbatim from the records."""

from __future__ import annotations

from imr_llm.drafting import Evidence, evidence_ok, locate
from imr_llm.records import case_from_text

CASE = case_from_text(
    "PR-2 progress report\nDate of injury: 11/02/2016\nDiagnoses: cervical sprain, lumbar "
    "sprain\n\nPlan: physical therapy 3x2"
)


def test_valid_ref_is_kept() -> None:
    (ev,) = locate(CASE, "cervical sprain", "D1:3")
    assert (ev.document_id, ev.line_start, ev.line_end) == ("D1", 3, 3)
    assert evidence_ok(CASE, ev)


def test_wrong_or_missing_ref_falls_back_to_the_supporting_line() -> None:
    for ref in ("D1:1", "D9:3", "D1:99", "nonsense", None):
        (ev,) = locate(CASE, "11-2-16", ref)
        assert (ev.document_id, ev.line_start) == ("D1", 2)
        assert ev.quote == "Date of injury: 11/02/2016"


def test_unsupported_value_has_no_evidence() -> None:
    assert locate(CASE, "rotator cuff tear") == []
    assert locate(CASE, "12/25/2016") == []


def test_evidence_ok_rejects_missing_lines_and_foreign_quotes() -> None:
    assert not evidence_ok(CASE, Evidence(document_id="D1", line_start=40, line_end=40, quote="x"))
    assert not evidence_ok(
        CASE,
        Evidence(document_id="D1", line_start=2, line_end=2, quote="Date of injury: 12/25/2016"),
    )
    assert evidence_ok(
        CASE, Evidence(document_id="D1", line_start=2, line_end=3, quote="11/02/2016 Diagnoses:")
    )
