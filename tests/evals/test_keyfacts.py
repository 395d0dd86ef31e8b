"""Key-fact recall and precision against a hand-worked example."""

from __future__ import annotations

import datetime as dt

import pytest

from imr_llm.drafting._models import CaseSummary, URDecision
from imr_llm.evals import count_facts, recall_precision, summary_key_facts
from imr_llm.evals._case_meta import KeyFacts

GOLD = KeyFacts(
    age=45,
    sex="male",
    date_of_injury=dt.date(2015, 3, 4),
    ur_outcome="non-certified",
    disputed_requests=["Physical therapy 2x6", "MRI lumbar spine"],
    body_parts=["low back"],
)
PRED = KeyFacts(
    age=46,  # within +-1 year: match
    sex="female",  # wrong
    date_of_injury=dt.date(2015, 3, 4),  # match
    ur_date=dt.date(2016, 1, 1),  # gold has no UR date: not scored
    ur_outcome=None,  # missed
    disputed_requests=["PT 2 times a week for 6 weeks", "Acupuncture", "Gym membership"],
    body_parts=["lumbar spine", "knee"],
    treatments=["Norco"],  # gold has no treatments: not scored
)


def test_recall_and_precision_hand_worked() -> None:
    counts = count_facts(GOLD, PRED)
    # scored fields: age 1/1/1, sex 1/1/0, DOI 1/1/1, ur_outcome 1/0/0 (gold/predicted/matched),
    # disputed_requests 2/3/1 ('PT ...' matches 'Physical therapy 2x6'), body_parts 1/2/1
    assert set(counts) == {"age", "sex", "date_of_injury", "ur_outcome", "disputed_requests",
                           "body_parts"}  # fmt: skip
    assert counts["disputed_requests"].model_dump() == {
        "gold": 2, "predicted": 3, "matched_gold": 1, "matched_predicted": 1
    }  # fmt: skip
    recall, precision = recall_precision(counts)
    # gold = 1+1+1+1+2+1 = 7, matched = 1+0+1+0+1+1 = 4 -> recall 4/7
    assert recall == pytest.approx(4 / 7)
    # predicted = 1+1+1+0+3+2 = 8, matched = 4 -> precision 4/8
    assert precision == pytest.approx(0.5)


def test_empty_summary_has_zero_recall_and_precision() -> None:
    recall, precision = recall_precision(count_facts(GOLD, summary_key_facts(CaseSummary())))
    assert recall == 0.0
    assert precision == 0.0  # 0/0 predicted facts: reported as 0


def test_summary_key_facts_takes_latest_ur() -> None:
    summary = CaseSummary(
        ur_history=[
            URDecision(date=dt.date(2016, 11, 1), request="PT", outcome="non-certified"),
            URDecision(date=dt.date(2016, 10, 1), request="MRI", outcome="modified"),
        ]
    )
    facts = summary_key_facts(summary)
    assert facts.ur_date == dt.date(2016, 11, 1)
    assert facts.ur_outcome == "non-certified"


def test_ur_outcome_per_request_and_the_case_outcome() -> None:
    from imr_llm.evals._case_meta import RequestOutcome

    gold = KeyFacts(
        ur_outcome="modified",
        request_outcomes=[
            RequestOutcome(
                request="Four sessions of acupuncture two times a week", outcome="modified"
            ),
            RequestOutcome(request="MRI of the lumbar spine", outcome="non-certified"),
        ],
    )
    summary = CaseSummary(
        ur_history=[
            URDecision(
                date=dt.date(2017, 1, 3), request="Acupuncture x4 (2x/wk)", outcome="modified"
            ),
            URDecision(date=dt.date(2017, 1, 3), request="MRI lumbar spine", outcome="certified"),
            URDecision(date=dt.date(2017, 1, 3), request="Naproxen #60", outcome="certified"),
        ]
    )
    predicted = summary_key_facts(summary)
    assert predicted.ur_outcome == "modified"  # an adverse item of the latest date decides
    counts = count_facts(gold, predicted)
    # only non-certified / modified decisions are predicted facts; the MRI's outcome is wrong
    assert counts["ur_outcome_per_request"].model_dump() == {
        "gold": 2, "predicted": 1, "matched_gold": 1, "matched_predicted": 1
    }  # fmt: skip


def test_a_modified_letter_item_matches_its_original_request() -> None:
    letter_item = (
        "Eight physical therapy sessions for the left wrist was the original request. Six "
        "physical therapy sessions for the left wrist was authorized by the Claims "
        "Administrator. The remaining IMR eligible portion of the original request, two "
        "physical therapy sessions for the left wrist"
    )
    gold = KeyFacts(disputed_requests=[letter_item])
    predicted = KeyFacts(disputed_requests=["Physical therapy x8 sessions, left wrist"])
    assert count_facts(gold, predicted)["disputed_requests"].matched_gold == 1


def test_document_classes_are_scored_apart_from_the_facts() -> None:
    from imr_llm.drafting._models import DocumentInfo
    from imr_llm.evals._keyfacts import document_class_counts

    summary = CaseSummary(
        documents=[
            DocumentInfo(document_id="D1", source="/x/records/01_pr2.txt", kind="progress_report"),
            DocumentInfo(document_id="D2", source="/x/records/02_ur.txt", kind="rfa"),
        ]
    )
    counts = document_class_counts(
        {"01_pr2.txt": "progress_report", "02_ur.txt": "ur_determination"}, summary
    )
    assert counts is not None and (counts.gold, counts.matched_gold) == (2, 1)
    assert document_class_counts({}, summary) is None
