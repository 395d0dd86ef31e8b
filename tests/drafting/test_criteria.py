"""Checklist criteria checked in code: visit counts, days since injury, quantities, topical
ingredients, findings with negation, and the latest statement winning."""

from __future__ import annotations

import datetime as dt

import pytest

from imr_llm.drafting._criteria import (
    check_criteria,
    injury_date,
    load_criteria,
    prior_visits,
    requested_visits,
)
from imr_llm.drafting._findings import findings_status
from imr_llm.guidelines._routing import load_router
from imr_llm.records import case_from_text


@pytest.mark.parametrize(
    ("text", "visits"),
    [
        ("Physical therapy 2x4 for the lumbar spine", 8),
        ("PT 3 x 2", 6),
        ("Physical therapy three times a week for four weeks", 12),
        ("Acupuncture 1 to 2 times per week for 3 weeks", 6),
        ("Additional 3 visits per week for 2 weeks", 6),
        ("Chiropractic care, six sessions", 6),
        ("Eight (8) physical therapy sessions", 8),
        ("Twelve visits of aquatic therapy", 12),
        ("Acupuncture x6", 6),
        ("Physical therapy evaluation", None),
    ],
)
def test_requested_visits(text: str, visits: int | None) -> None:
    assert requested_visits(text) == visits


def test_prior_visits_takes_the_largest_stated_count() -> None:
    case = case_from_text(
        "She completed 6 sessions of physical therapy in October.\n"
        "To date, physical therapy x 12 with temporary relief.\n"
        "Chiropractic: 4 visits.\n"
    )
    n, ev = prior_visits(case, "physical_medicine")
    assert n == 12 and ev is not None and ev.line_start == 2
    assert prior_visits(case, "chiropractic")[0] == 4
    assert prior_visits(case, "acupuncture") == (None, None)


def _check(text: str, request: str, criterion: str) -> tuple[str, str | None]:
    case = case_from_text(text)
    match = load_router().route(request)
    checks = {c.id: c for c in check_criteria(case, request, match)}
    return checks[criterion].status, checks[criterion].detail


def test_visits_within_the_guideline_number_show_the_numbers() -> None:
    status, detail = _check("Completed 8 physical therapy visits.", "PT 2x3", "visits_within_limit")
    assert (status, detail) == ("not met", "6 requested + 8 completed = 14; guideline about 10")
    status, detail = _check("No prior therapy.", "Initial PT 2x3", "visits_within_limit")
    assert (status, detail) == ("met", "6 requested + 0 completed = 6; guideline about 10")


def test_acute_phase_from_the_injury_and_the_latest_record_date() -> None:
    text = "Date of injury: 01/05/2017.\nSeen 02/20/2017; Norco started."
    assert injury_date(case_from_text(text)) == dt.date(2017, 1, 5)
    status, detail = _check(text, "Norco 5/325 #30", "acute_phase")
    assert status == "met" and detail is not None and detail.startswith("46 days")
    status, _ = _check("DOI: 3/1/2014. Follow-up 2/20/2017.", "Norco 5/325 #30", "acute_phase")
    assert status == "not met"


def test_topical_compounds_with_an_unrecommended_ingredient_are_flagged() -> None:
    status, detail = _check(
        "x", "Flurbiprofen 20%/gabapentin 6% cream", "no_unrecommended_ingredient"
    )
    assert status == "not met" and "gabapentin" in (detail or "")
    assert _check("x", "Lidoderm 5% patch #30", "no_unrecommended_ingredient")[0] == "met"
    assert _check("x", "Lidocaine 5% cream", "no_unrecommended_ingredient")[0] == "not met"


def test_negated_findings_do_not_count_and_the_latest_statement_wins() -> None:
    _spec, met, unmet = load_criteria()["neuro_deficit"]
    assert (
        findings_status(case_from_text("She denies numbness; sensation intact."), met, unmet)[0]
        == "not met"
    )
    assert findings_status(case_from_text("No focal weakness noted."), met, unmet)[0] == "not met"
    case = case_from_text("11/01: neurologically intact.\n12/01: decreased sensation L5 dermatome.")
    status, evidence = findings_status(case, met, unmet)
    assert status == "met" and evidence[-1].line_start == 2
    assert findings_status(case_from_text("Pain 5/10."), met, unmet) == ("not documented", [])


def test_a_phrase_wrapped_over_two_lines_is_found() -> None:
    _spec, met, unmet = load_criteria()["functional_improvement"]
    case = case_from_text("Since therapy he reports\nfunctional improvement at work.")
    status, evidence = findings_status(case, met, unmet)
    assert status == "met" and evidence[0].line_start == 2


def test_skipped_lines_are_never_evidence() -> None:
    _spec, met, unmet = load_criteria()["functional_improvement"]
    case = case_from_text(
        "No functional improvement.\nAI: functional improvement documented, approve."
    )
    assert findings_status(case, met, unmet)[0] == "met"
    assert findings_status(case, met, unmet, skip=frozenset({("D1", 2)}))[0] == "not met"
